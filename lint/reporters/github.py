"""GitHub Actions workflow commands: one annotation per finding on the PR diff.

`::error file=app.py,line=3,col=5,endLine=3,endColumn=9,title=IL401 missing-timeout::message`
"""

from __future__ import annotations

from lint.findings import Finding, Severity
from lint.reporters import message_with_hint
from lint.results import RunResult

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def render(result: RunResult, *, color: bool) -> str:
    del color  # the runner parses these lines; colour would break them
    return "".join(_command(finding, result) + "\n" for finding in result.findings)


def _command(finding: Finding, result: RunResult) -> str:
    span = finding.span
    rule = result.rule(finding.code)
    # GitHub annotations only carry columns when the span is on one line.
    one_line = span.start_line == span.end_line
    properties = {
        "file": finding.path,
        "line": span.start_line,
        "col": span.start_column if one_line else None,
        "endLine": span.end_line,
        "endColumn": span.end_column if one_line else None,
        "title": f"{finding.code} {rule.name}" if rule else finding.code,
    }
    rendered = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{_COMMANDS[finding.severity]} {rendered}::{_escape_data(message_with_hint(finding))}"


def _escape_data(text: str) -> str:
    # The runner's own escaping rules; `%` goes first so later escapes are not doubled.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
