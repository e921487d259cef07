"""Hostile and odd input, end to end: one `intlint check` over a tree holding every case at once.

Each case must end in a clear finding (IL001 at the right place, or the finding the file
deserves) or a skip notice; the rest of the run must complete (the ordinary bad files are
still reported), the exit code must stay meaningful (1 for findings, 0 for notices alone,
never 2) and no traceback may reach the output. Hostile Python files import `requests` and
config files mention Salesforce, so the engine's pre-filter hands them to the parsers.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner, Result

from lint import engine
from lint.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX FIFOs and symlinks")

HTTP = "import requests\n"
SALESFORCE = "salesforce:\n  instance_url: https://acme.my.salesforce.com\n"
# What one Apex method costs in the huge class; the last method makes one callout per loop iteration (IL207).
APEX_METHOD = "    public Integer count{0}(List<Account> accounts) {{ return accounts.size() + {0}; }}\n"
APEX_CALLOUT_IN_LOOP = """\
    public void pushEach(List<Order> orders) {
        Http http = new Http();
        for (Order order : orders) {
            HttpRequest request = new HttpRequest();
            http.send(request);
        }
    }
"""
BIG_FILE_SIZE = 20 * 1024 * 1024


def _bomb(levels: int = 10, width: int = 10) -> str:
    """A "billion laughs": each anchor lists the previous one `width` times."""
    lines = ["salesforce: {instance_url: https://acme.my.salesforce.com}", f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]" for level in range(1, levels)]
    return "\n".join(lines) + "\n"


# Files whose bytes are the case; the odd file-system entries are made by `_odd_entries`.
CASES: dict[str, bytes | str] = {
    # Python
    "py/bad.py": HTTP + "\n\ndef push(order):\n    return requests.post('https://acme.my.salesforce.com/services/data', json=order)\n",
    "py/syntax_error.py": HTTP + "def push(:\n    pass\n",
    "py/python2.py": HTTP + "print 'pushed'\n",
    "py/nul_byte.py": HTTP + "url = 1\0\n",
    "py/undecodable.py": HTTP.encode() + b"name = '\xff\xfe'\n",
    "py/latin1.py": b"# -*- coding: latin-1 -*-\nimport requests\nname = 'caf\xe9'\nrequests.get(name)\n",
    "py/bom.py": b"\xef\xbb\xbfimport requests\nrequests.get(url)\n",
    "py/crlf.py": b"import requests\r\n\r\nrequests.get(url)\r\n",
    "py/cr.py": b"import requests\r\rrequests.get(url)\r",
    "py/tabs.py": HTTP + "if ready:\n\trequests.get(url)\n",
    "py/mixed_tabs.py": HTTP + "if ready:\n\turl = 1\n        requests.get(url)\n",
    "py/empty.py": b"",
    "py/big.py": ((HTTP + "requests.get(url, timeout=3)\n") * (BIG_FILE_SIZE // 45 + 1))[:BIG_FILE_SIZE],
    "py/nested_parens.py": HTTP + "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "py/nested_operators.py": HTTP + "x = " + " + ".join(["1"] * 20_000) + "\n",
    "py/nested_strings.py": HTTP + "x = (" + " ".join(["'a'"] * 5000) + ")\n",  # valid, beyond libcst
    "py/x.py/inside.py": HTTP + "requests.get(url)\n",  # a directory named like a Python file is walked
    "py/vanishes.py": HTTP + "requests.get(url)\n",
    "py/becomes_a_directory.py": HTTP + "requests.get(url)\n",
    # YAML, JSON, .properties
    "cfg/malformed.yaml": SALESFORCE + "  objects: [Account\n",
    "cfg/malformed.json": '{"salesforce": {"instance_url": "https://acme.my.salesforce.com", }',
    "cfg/duplicate_keys.yaml": SALESFORCE + "  instance_url: https://other.my.salesforce.com\n",
    "cfg/duplicate_keys.json": '{"salesforce": 1, "salesforce": 2}',
    "cfg/bomb.yaml": _bomb(),
    "cfg/long_list.yaml": "salesforce:\n  objects:\n" + "".join(f"  - Object{i}__c\n" for i in range(100_000)),
    "cfg/long_list.json": '{"salesforce": {"objects": [' + ", ".join(f'"Object{i}__c"' for i in range(100_000)) + "]}}",
    "cfg/deep.json": '{"salesforce": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "cfg/deep_flow.yaml": "salesforce: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "cfg/deep_block.yaml": "salesforce:\n" + "".join(" " * depth + "nested:\n" for depth in range(1, 3000)),
    "cfg/not_utf8.yaml": b"salesforce:\n  name: caf\xe9\n",
    "cfg/not_utf8.json": b'{"salesforce": "caf\xe9"}',
    "cfg/multi_document.yaml": SALESFORCE + "---\nsalesforce: [\n---\nsalesforce: {}\n",
    "cfg/bad_escape.properties": "salesforce.instance=https://acme.my.salesforce.com\nsalesforce.user=\\uZZZZ\n",
    "cfg/huge_number.json": '{"salesforce": {"batch.size": ' + "9" * 100_000 + "}}",
    # A lone surrogate is a valid JSON escape; the finding quotes it, and every output format must still print.
    "cfg/lone_surrogate.json": '{"name": "leads-\\ud800", "config": {"connector.class": '
    '"io.confluent.salesforce.SalesforceSObjectSinkConnector", "salesforce.object": "Lead", "topics": "leads"}}',
    # Apex
    "force-app/classes/Truncated.cls": "public class Truncated {\n    public void push() {\n        Http http = new Http();\n",
    "force-app/classes/Unbalanced.cls": "public class Unbalanced {\n}}\n",
    "force-app/classes/Huge.cls": "public class Huge {\n" + "".join(APEX_METHOD.format(i) for i in range(3000)) + APEX_CALLOUT_IN_LOOP + "}\n",
    "force-app/classes/NestedTypes.cls": "".join(f"public class Nested{i} {{ " for i in range(3000)) + "}" * 3000 + "\n",
    "force-app/classes/NestedGenerics.cls": "public class NestedGenerics { " + "List<" * 3000 + "Integer" + ">" * 3000 + " values; }\n",
    # Salesforce metadata
    "force-app/objects/Broken.object-meta.xml": "<?xml version='1.0'?>\n<CustomObject><label>Order</CustomObject>\n",
    "force-app/objects/Entities.object-meta.xml": "<?xml version='1.0'?>\n<!DOCTYPE CustomObject [<!ENTITY lol 'lol'>]>\n<CustomObject>&lol;</CustomObject>\n",
    "force-app/objects/Deep.object-meta.xml": "<CustomObject>" + "<fields>" * 10_000 + "</fields>" * 10_000 + "</CustomObject>\n",
}


def _odd_entries(root: Path) -> None:
    os.mkfifo(root / "py/fifo.py")  # opening it would block forever
    (root / "py/broken_link.py").symlink_to("missing.py")
    (root / "py/loop.py").symlink_to("loop.py")
    (root / "py/directory_loop").symlink_to(".", target_is_directory=True)


def _text(path: str) -> str:
    data = CASES[path]
    return data.decode("latin-1") if isinstance(data, bytes) else data


def at(path: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """The 1-based line and column of `needle` in a case's text (any line ending, a BOM not counted)."""
    text = _text(path).removeprefix("\xef\xbb\xbf").replace("\r\n", "\n").replace("\r", "\n")
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


# (path, code, (line, column), severity, words of the message)
EXPECTED_FINDINGS = [
    ("py/bad.py", "IL401", at("py/bad.py", "requests.post"), "warning", "`requests.post` has no `timeout=`"),
    ("py/syntax_error.py", "IL001", at("py/syntax_error.py", ":"), "error", "Python syntax error"),
    ("py/python2.py", "IL001", (2, 1), "error", "Missing parentheses in call to 'print'"),
    ("py/nul_byte.py", "IL001", at("py/nul_byte.py", "\0"), "error", "NUL byte"),
    ("py/undecodable.py", "IL001", at("py/undecodable.py", "\xff"), "error", "byte 0xff is not valid utf-8"),
    ("py/latin1.py", "IL401", at("py/latin1.py", "requests.get"), "warning", "`requests.get` has no `timeout=`"),
    ("py/bom.py", "IL401", (2, 1), "warning", "`requests.get` has no `timeout=`"),
    ("py/crlf.py", "IL401", (3, 1), "warning", "`requests.get` has no `timeout=`"),
    ("py/cr.py", "IL401", (3, 1), "warning", "`requests.get` has no `timeout=`"),
    ("py/tabs.py", "IL401", (3, 2), "warning", "`requests.get` has no `timeout=`"),
    ("py/mixed_tabs.py", "IL001", (4, 1), "error", "inconsistent use of tabs and spaces"),
    ("py/nested_parens.py", "IL001", (2, 205), "error", "too many nested parentheses"),
    ("py/nested_strings.py", "IL001", (2, 1), "note", "libcst"),
    ("py/x.py/inside.py", "IL401", (2, 1), "warning", "`requests.get` has no `timeout=`"),
    ("py/caf\udce9.py", "IL401", (2, 1), "warning", "`requests.get` has no `timeout=`"),
    ("cfg/malformed.yaml", "IL001", (4, 1), "error", "YAML syntax error"),
    ("cfg/malformed.json", "IL001", (1, 68), "error", "JSON syntax error: unexpected end of file"),
    # l1 to l3 take 12,330 copied nodes; each `*l3` adds 11,111: the fourth crosses the budget of 50,000.
    ("cfg/bomb.yaml", "IL001", at("cfg/bomb.yaml", "*l3", 3), "error", "billion laughs"),
    ("cfg/not_utf8.yaml", "IL001", at("cfg/not_utf8.yaml", "\xe9"), "error", "byte 0xe9 is not valid UTF-8"),
    ("cfg/not_utf8.json", "IL001", at("cfg/not_utf8.json", "\xe9"), "error", "byte 0xe9 is not valid UTF-8"),
    ("cfg/multi_document.yaml", "IL001", (5, 1), "error", "YAML syntax error"),
    ("cfg/lone_surrogate.json", "IL101", at("cfg/lone_surrogate.json", '"io.'), "warning", "sink `leads-\ud800` inserts every record"),
    ("cfg/bad_escape.properties", "IL001", at("cfg/bad_escape.properties", "\\uZZZZ"), "error", "malformed \\uxxxx escape"),
    ("force-app/classes/Truncated.cls", "IL001", at("force-app/classes/Truncated.cls", "{", 1), "error", "never closed"),
    ("force-app/classes/Unbalanced.cls", "IL001", (2, 2), "error", "closes no block"),
    ("force-app/classes/Huge.cls", "IL207", at("force-app/classes/Huge.cls", "http.send"), "warning", "http.send"),
    # expat points at the name in the end tag that does not match.
    ("force-app/objects/Broken.object-meta.xml", "IL001", at("force-app/objects/Broken.object-meta.xml", "CustomObject>\n"), "error", "mismatched tag"),
    ("force-app/objects/Entities.object-meta.xml", "IL001", at("force-app/objects/Entities.object-meta.xml", "<!DOCTYPE"), "error", "DOCTYPE"),
]
EXPECTED_NOTICES = [
    "skipped py/fifo.py: not a regular file",
    "skipped broken symlink py/broken_link.py",
    "skipped py/loop.py: ",  # the operating system's words for ELOOP follow
    "skipped py/big.py: it is 20 MB, larger than max-file-size (10 MB)",
    "skipped py/nested_operators.py: it is nested too deeply to parse safely",
    "skipped py/vanishes.py: cannot read it",
    "skipped py/becomes_a_directory.py: cannot read it",
    "skipped cfg/deep.json: it is nested too deeply to be integration config",
    "skipped cfg/deep_flow.yaml: it is nested too deeply to be integration config",
    "skipped cfg/deep_block.yaml: it is nested too deeply to be integration config",
    "cfg/duplicate_keys.yaml:3:3: key `instance_url` is given twice (first on line 2)",
    "cfg/duplicate_keys.json:1:19: key `salesforce` is given twice (first on line 1)",
]


@dataclass(frozen=True)
class Run:
    result: Result  # the terminal report on stdout
    report: dict  # the JSON report
    sarif: dict


def _build(root: Path, cases: dict[str, bytes | str]) -> None:
    for relative, data in cases.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)


def _changing_after_discovery(discover: Callable) -> Callable:
    """`discover`, after which one file is deleted and another replaced by a directory, as if by a concurrent checkout."""

    def discover_then_change(paths, settings, *args, **kwargs):
        found = discover(paths, settings, *args, **kwargs)
        Path("py/vanishes.py").unlink()
        Path("py/becomes_a_directory.py").unlink()
        Path("py/becomes_a_directory.py").mkdir()
        return found

    return discover_then_change


def _check(root: Path, reports: Path, patch: pytest.MonkeyPatch) -> Run:
    patch.chdir(root)
    patch.delenv("NO_COLOR", raising=False)
    report, sarif = reports / "report.json", reports / "report.sarif"
    args = ["check", ".", "--format", "json", "--output", str(report), "--format", "sarif", "--output", str(sarif), "--format", "terminal"]
    result = CliRunner().invoke(main, args, prog_name="intlint")
    return Run(result, _json(report), _json(sarif))


def _json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("hostile")
    _build(root, CASES)
    _odd_entries(root)
    (root / os.fsdecode(b"py/caf\xe9.py")).write_bytes(b"import requests\nrequests.get(url)\n")  # a name that is not UTF-8
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "discover", _changing_after_discovery(engine.discover))
        return _check(root, tmp_path_factory.mktemp("reports"), patch)


def test_the_run_completes_with_exit_code_1_and_no_traceback(run: Run) -> None:
    assert run.result.exception is None or isinstance(run.result.exception, SystemExit), run.result.exception
    assert run.result.exit_code == 1, run.result.output
    assert "Traceback" not in run.result.output
    assert "internal error" not in run.result.output
    assert run.report["summary"]["failed"] is True
    assert len(run.sarif["runs"][0]["results"]) == len(run.report["findings"])


@pytest.mark.parametrize(("path", "code", "position", "severity", "words"), EXPECTED_FINDINGS, ids=[case[0] for case in EXPECTED_FINDINGS])
def test_each_case_gets_its_finding_at_the_right_place(run: Run, path: str, code: str, position: tuple[int, int], severity: str, words: str) -> None:
    found = [finding for finding in run.report["findings"] if finding["path"] == path]
    assert [(f["code"], (f["start_line"], f["start_column"]), f["severity"]) for f in found] == [(code, position, severity)]
    assert words in found[0]["message"]


def test_no_other_file_gets_a_finding(run: Run) -> None:
    # Empty files, 100k-item lists, huge numbers, deep XML and nested Apex types parse cleanly and say nothing.
    assert sorted({finding["path"] for finding in run.report["findings"]}) == sorted(path for path, *_ in EXPECTED_FINDINGS)


@pytest.mark.parametrize("notice", EXPECTED_NOTICES)
def test_skipped_files_are_named_in_a_notice(run: Run, notice: str) -> None:
    assert any(line.startswith(notice) for line in run.report["notices"]), run.report["notices"]
    assert f"notice: {notice}" in run.result.output


def test_long_lines_are_clipped_in_code_frames(run: Run) -> None:
    # The libcst note on nested_strings.py points at a 25,000-character line.
    frames = [line for line in run.result.output.splitlines() if " | " in line]
    assert max(len(line) for line in frames) < 200


def test_skip_notices_alone_do_not_fail_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    skipped = ("py/big.py", "py/nested_operators.py", "py/empty.py", "cfg/deep.json", "cfg/deep_flow.yaml", "cfg/long_list.yaml")
    root = tmp_path / "tree"
    _build(root, {path: CASES[path] for path in skipped})
    _odd_entries(root)
    run = _check(root, tmp_path, monkeypatch)
    assert run.result.exit_code == 0, run.result.output
    assert run.report["findings"] == []
    skipped_files = ("fifo.py", "broken_link.py", "loop.py", "big.py", "nested_operators.py", "deep.json", "deep_flow.yaml")
    assert sorted(notice.split(":")[0].rsplit("/", 1)[1] for notice in run.report["notices"]) == sorted(skipped_files)
    assert "All clear" in run.result.output and "Traceback" not in run.result.output
