"""What every source kind returns for one file: its findings and its suppression comments."""

from __future__ import annotations

from dataclasses import dataclass, field

from lint.findings import Confidence, Finding, Severity, Span
from lint.suppressions import Directive

PARSE_ERROR = "IL001"
# Template syntax (Helm, Jinja, Mustache; EJS in the Salesforce CLI's generators): such a file may not parse until it is rendered.
TEMPLATE_MARKERS = (b"{{", b"{%", b"<%")


@dataclass(frozen=True)
class SourceResult:
    findings: list[Finding]
    directives: list[Directive]
    notices: list[str] = field(default_factory=list)  # e.g. a file parsed but too deep to analyse
    scanned: bool = True  # False when the file could not be read at all (its kind's optional parser is missing)


def parse_error(path: str, line: int, column: int, message: str) -> Finding:
    """IL001 at the first position the parser rejected."""
    text = message if message.endswith((".", "?", "!")) else message + "."
    return Finding(
        PARSE_ERROR,
        text,
        path,
        Span.point(max(line, 1), max(column, 1)),
        Severity.ERROR,
        Confidence.HIGH,
        hint="fix the file so it parses; no other rule can check it until then",
    )


def skipped_template(path: str, data: bytes, language: str) -> SourceResult | None:
    """For a file that does not parse: when it holds template syntax, a notice that it is skipped instead of an IL001."""
    if not any(marker in data for marker in TEMPLATE_MARKERS):
        return None
    return SourceResult([], [], notices=[f"skipped {path}: it is a template (Helm, Jinja, EJS), not {language}, until it is rendered"], scanned=False)


def line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and byte column of a byte offset, for positions in undecodable input."""
    before = data[:offset]
    line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    return before.count(b"\n") + 1, offset - line_start + 1
