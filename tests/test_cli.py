"""The command line end to end: exit codes, config errors, output formats, rule docs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from lint import __version__
from lint.cli import main

BAD = """\
import requests


def push(order):
    return requests.post("https://acme.my.salesforce.com/services/apexrest/orders", json=order)
"""
GOOD = """\
import requests


def push(order):
    return requests.post("https://acme.my.salesforce.com/services/apexrest/orders", json=order, timeout=30)
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return tmp_path

    return write


def invoke(*args: str, **kwargs):
    return CliRunner(**kwargs).invoke(main, list(args), prog_name="intlint")


def test_version_and_help():
    assert invoke("--version").output == f"intlint {__version__}\n"
    top = invoke("--help")
    assert top.exit_code == 0 and "intlint check ." in top.output
    for command in ("check", "rules", "rule"):
        assert command in top.output
        helped = invoke(command, "--help")
        assert helped.exit_code == 0 and helped.output.startswith("Usage: ")
    assert "Exit codes: 0 nothing at or above --fail-on" in invoke("check", "--help").output


def test_findings_exit_1_with_position_code_and_message(project):
    project({"jobs/push.py": BAD})
    result = invoke("check", ".")
    assert result.exit_code == 1
    assert "jobs/push.py:5:12: IL401 warning: `requests.post` has no `timeout=`" in result.output
    assert "help: pass `timeout=(3.05, 30)`" in result.output
    assert "Found 1 problem (0 errors, 1 warning, 0 notes) in 1 file" in result.output
    assert "\x1b[" not in result.output  # not a TTY: no colour


def test_clean_tree_exits_0(project):
    project({"jobs/push.py": GOOD})
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert "All clear" in result.output


def test_exit_zero_and_fail_on(project):
    project({"push.py": BAD})
    assert invoke("check", "--exit-zero").exit_code == 0
    assert invoke("check", "--fail-on", "error").exit_code == 0
    assert invoke("check", "--fail-on", "note").exit_code == 1


def test_parse_error_is_a_finding_and_other_files_are_still_linted(project):
    # Files some rule reads (they import requests); a broken file no rule reads is not parsed (README, "Performance").
    project({"a_broken.py": "import requests\ndef push(:\n", "b_push.py": BAD, "c_binary.py": "x = 1\n", "e_unread.py": "def f(:\n"})
    (Path("d_latin1.py")).write_bytes(b"import requests\nname = '\xe9'\n")
    result = invoke("check", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    found = [(f["path"], f["code"], f["start_line"]) for f in report["findings"]]
    assert found == [("a_broken.py", "IL001", 2), ("b_push.py", "IL401", 5), ("d_latin1.py", "IL001", 2)]
    assert "Traceback" not in result.output


def test_unknown_config_key_is_exit_2_naming_the_key(project):
    project({"push.py": BAD, "pyproject.toml": "[tool.intlint]\nselct = ['IL4']\n"})
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 2
    assert result.output.startswith("intlint: error: unknown key `selct` in pyproject.toml [tool.intlint]")
    assert len(result.output.strip().splitlines()) == 1


def test_unknown_code_on_the_command_line_is_exit_2(project):
    project({"push.py": BAD})
    result = invoke("check", "--select", "IL9")
    assert result.exit_code == 2
    assert "unknown rule code or prefix `IL9` in `--select`" in result.output


def test_config_severity_override_and_ignore(project):
    project({"push.py": BAD, "intlint.toml": "[severity]\nIL401 = 'error'\n"})
    report = json.loads(invoke("check", "--format", "json").output)
    assert [f["severity"] for f in report["findings"]] == ["error"]
    project({"intlint.toml": "ignore = ['IL401']\n"})
    assert invoke("check").exit_code == 0


def test_several_formats_and_outputs_in_one_run(project):
    project({"push.py": BAD})
    result = invoke("check", "--format", "sarif", "-o", "out/intlint.sarif", "--format", "json", "-o", "out/report.json", "--format", "github")
    assert result.exit_code == 1
    sarif = json.loads(Path("out/intlint.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "IL401"
    assert json.loads(Path("out/report.json").read_text())["findings"][0]["code"] == "IL401"
    assert result.output.startswith("::warning file=push.py,line=5,col=12,")


def test_more_outputs_than_formats_is_a_usage_error(project):
    project({"push.py": BAD})
    result = invoke("check", "-o", "a.json", "-o", "b.json")
    assert result.exit_code == 2 and "pair each --output with a --format" in result.output


def test_statistics(project):
    project({"push.py": BAD, "sync.py": BAD})
    result = invoke("check", "--statistics")
    assert "2  IL401  missing-timeout  warning" in result.output


def test_rules_and_rule(project):
    listed = json.loads(invoke("rules", "--format", "json").output)
    assert {"code": "IL401", "name": "missing-timeout"}.items() <= next(r for r in listed if r["code"] == "IL401").items()
    table = invoke("rules").output
    assert "IL401" in table and "missing-timeout" in table
    explained = invoke("rule", "il401")
    assert explained.exit_code == 0
    for section in ("## What it does", "## Why it matters", "## Example", "## Use instead", "## Flagged", "## Not flagged"):
        assert section in explained.output
    missing = invoke("rule", "IL999")
    assert missing.exit_code == 2 and "no rule IL999" in missing.output


def test_rule_examples_are_fenced_in_their_own_language():
    explained = invoke("rule", "IL505").output
    fences = re.findall(r"^`([^`]+)`(?: \(line \d+\))?:\n\n```(\w+)$", explained, re.MULTILINE)
    languages = {path.rsplit(".", 1)[-1] if not path.endswith("-meta.xml") else "meta.xml": language for path, language in fences}
    assert languages == {"py": "python", "yml": "yaml", "yaml": "yaml", "meta.xml": "xml"}


def test_missing_path_is_a_one_line_usage_error(project):
    project({"push.py": GOOD})
    result = invoke("check", "push.py", "nowhere")
    assert result.exit_code == 2
    assert result.output == "intlint: error: path does not exist: nowhere (see `intlint check --help`)\n"


def test_module_entry_point_runs_as_a_process(project):
    project({"push.py": BAD})
    env = {**os.environ, "NO_COLOR": "1"}
    completed = subprocess.run([sys.executable, "-m", "lint", "check", "push.py"], capture_output=True, text=True, env=env)
    assert completed.returncode == 1, completed.stderr
    assert "push.py:5:12: IL401" in completed.stdout


def test_valid_python_that_libcst_cannot_read_is_a_note_not_a_failure(project):
    # CPython accepts a parenthesised annotated name; libcst does not.
    project({"annotated.py": "import requests\n\ndef f():\n    (undeclared): int\n"})
    result = invoke("check", "--format", "json")
    assert result.exit_code == 0, result.output
    [finding] = json.loads(result.output)["findings"]
    assert (finding["code"], finding["severity"], finding["start_line"]) == ("IL001", "note", 4)
    assert finding["message"].startswith("intlint's parser (libcst) cannot read this file, although Python accepts it")


def test_deeply_nested_valid_code_is_analysed(project):
    pieces = "\n".join(f'    "part {i} "' for i in range(3000))
    project({"topics.py": f"import requests\nTEXT = (\n{pieces}\n)\nrequests.get(url)\n"})
    report = json.loads(invoke("check", "--format", "json").output)
    assert [(f["code"], f["start_line"]) for f in report["findings"]] == [("IL401", 3004)]


def test_pathologically_deep_nesting_is_skipped_with_a_notice_and_the_rest_is_linted(project):
    chain = "import requests\nx = " + " + ".join(["1"] * 30_000) + "\n"
    brackets = "import requests\ny = " + "[" * 5000 + "]" * 5000 + "\n"
    project({"chain.py": chain, "brackets.py": brackets, "push.py": BAD})
    result = invoke("check", "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert [(f["path"], f["code"]) for f in report["findings"]] == [("brackets.py", "IL001"), ("push.py", "IL401")]
    assert report["findings"][0]["message"] == "Python syntax error: too many nested parentheses."
    assert report["notices"] == ["skipped chain.py: it is nested too deeply to parse safely"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("check", "--format", "xml"), "intlint: error: Invalid value for '--format': 'xml' is not one of 'terminal', 'json', 'sarif', 'github'. (see `intlint check --help`)"),
        (("check", "--select", ",,"), "intlint: error: --select needs at least one rule code or prefix (see `intlint check --help`)"),
        (("check", "--format", "json", "--format", "sarif"), "intlint: error: only one --format can go to stdout; give the others an --output file (see `intlint check --help`)"),
        (("rule", "IL999"), "intlint: error: no rule IL999; `intlint rules` lists them (see `intlint rule --help`)"),
        (("frobnicate",), "intlint: error: No such command 'frobnicate'. (see `intlint --help`)"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(project, args, message):
    project({"push.py": BAD})
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.output == message + "\n"


def test_unwritable_output_is_a_one_line_error(project):
    project({"push.py": BAD, "blocker": "a file, not a directory\n"})
    result = invoke("check", "--format", "json", "-o", "blocker/report.json")
    assert result.exit_code == 2
    assert result.output.startswith("intlint: error: cannot write blocker/report.json: ")
    assert len(result.output.splitlines()) == 1


def test_report_files_follow_the_umask(project):
    project({"push.py": BAD})
    previous = os.umask(0o022)
    try:
        invoke("check", "--format", "json", "-o", "report.json")
    finally:
        os.umask(previous)
    assert Path("report.json").stat().st_mode & 0o777 == 0o644


def test_codes_on_the_command_line_are_case_insensitive(project):
    project({"push.py": BAD})
    result = invoke("check", "--select", "il401", "--format", "json")
    assert [f["code"] for f in json.loads(result.output)["findings"]] == ["IL401"]


def test_statistics_never_corrupt_json_on_stdout(project):
    project({"push.py": BAD})
    result = invoke("check", "--format", "json", "--statistics")
    assert json.loads(result.stdout)["findings"][0]["code"] == "IL401"
    assert "1  IL401  missing-timeout  warning" in result.stderr


def test_paths_are_anchored_at_the_config_file_wherever_intlint_runs(project, monkeypatch):
    root = project(
        {
            "repo/pyproject.toml": "[tool.intlint]\nextend-exclude = ['src/gen/']\n[tool.intlint.per-file-ignores]\n'src/legacy/*' = ['IL401']\n",
            "repo/src/real.py": BAD,
            "repo/src/gen/client.py": BAD,
            "repo/src/legacy/old.py": BAD,
        }
    )
    expected = [("src/real.py", "IL401")]
    for cwd, target in ((root / "repo", "src"), (root / "repo" / "src", "."), (root, "repo/src")):
        monkeypatch.chdir(cwd)
        report = json.loads(invoke("check", target, "--format", "json").output)
        assert [(f["path"], f["code"]) for f in report["findings"]] == expected, cwd


def test_force_exclude_applies_excludes_to_named_files(project):
    project({"intlint.toml": "extend-exclude = ['generated/']\n", "generated/client.py": BAD, "push.py": BAD})
    named = json.loads(invoke("check", "generated/client.py", "push.py", "--format", "json").output)
    assert [f["path"] for f in named["findings"]] == ["generated/client.py", "push.py"]
    forced = json.loads(invoke("check", "generated/client.py", "push.py", "--force-exclude", "--format", "json").output)
    assert [f["path"] for f in forced["findings"]] == ["push.py"]
