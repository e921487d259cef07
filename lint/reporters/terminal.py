"""Terminal report (rich): each finding with a code frame and a fix hint, then a summary.

This is the only reporter that reads files: the code frame shows the flagged
source. A file that cannot be read or decoded simply gets no frame.
"""

from __future__ import annotations

import io
import re
import tokenize
from io import StringIO
from pathlib import Path

from rich.cells import cell_len

from lint.findings import Confidence, Finding, Location, Severity, Span
from lint.results import RunResult

__all__ = ["render", "render_statistics"]

# A line of the report: pieces of text, each with its rich style ("" for none).
Line = list[tuple[str, str]]

SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.NOTE: "bold blue"}
MAX_FLAGGED_LINES = 3  # a long multi-line span shows only its first lines
TAB_SIZE = 4
# Longer source lines (minified, generated) are shown as this many characters around the flagged column.
MAX_FRAME_WIDTH = 160
# C0/C1 control characters: printed raw they could move the cursor or inject escape codes.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def render(result: RunResult, *, color: bool) -> str:
    sources = {path: _read_lines(result.root / path) for path in {finding.path for finding in result.findings}}
    # Each finding is one block: its lines and a blank line.
    blocks = [[*_finding_lines(finding, sources[finding.path]), []] for finding in result.findings]
    blocks += [[[("notice: ", "bold"), (_one_line(notice), "")]] for notice in result.notices]
    blocks.append([_summary(result)])
    if not color:  # plain text needs no rendering; rich takes a millisecond per finding
        return "".join("".join(text for text, _ in line) + "\n" for block in blocks for line in block)
    # Imported only here: plain runs (CI, pre-commit, pipes) do without them.
    from rich.console import Console
    from rich.text import Text

    # No markup, emoji or highlighting: finding text is user data and must print verbatim.
    # soft_wrap leaves long lines to the terminal, so frames and carets never get split.
    console = Console(
        file=StringIO(), force_terminal=True, color_system="standard", soft_wrap=True, markup=False, emoji=False, highlight=False
    )
    for block in blocks:  # one print per block: rich's cost is per call
        console.print(Text("\n").join(Text.assemble(*line) for line in block))
    return console.file.getvalue()


def render_statistics(result: RunResult) -> str:
    """For `--statistics`: one row per rule (count, code, name, severity), most frequent first."""
    worst: dict[str, Severity] = {}
    for finding in result.findings:  # the severity actually reported, after any override
        if finding.code not in worst or finding.severity.rank > worst[finding.code].rank:
            worst[finding.code] = finding.severity
    counts = sorted(result.counts_by_code().items(), key=lambda item: (-item[1], item[0]))
    rows = [(str(count), code, _rule_name(result, code), worst[code].value) for code, count in counts]
    fixed = [] if result.baseline_fixed is None else [f"{result.baseline_fixed} baseline entries no longer match a finding (fixed)"]
    if not rows:
        return "".join(line + "\n" for line in fixed)
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        f"{count:>{widths[0]}}  {code:<{widths[1]}}  {name:<{widths[2]}}  {severity}"
        for count, code, name, severity in rows
    ]
    return "\n".join([*lines, *fixed]) + "\n"


def _finding_lines(finding: Finding, source: list[str] | None) -> list[Line]:
    span = finding.span
    header = [
        (f"{finding.path}:{span.start_line}:{span.start_column}:", "bold"),
        (" ", ""),
        (finding.code, "bold"),
        (" ", ""),
        (finding.severity.value, SEVERITY_STYLES[finding.severity]),
    ]
    if finding.confidence is not Confidence.HIGH:
        header.append((f" ({finding.confidence.value} confidence)", "dim"))
    header.append((": " + _one_line(finding.message), ""))
    lines = [header, *_frame(source, span)]
    if finding.hint:
        lines.append([("  help: ", "bold cyan"), (_one_line(finding.hint), "")])
    return lines + _related_lines(finding.related)


def _related_lines(related: tuple[Location, ...]) -> list[Line]:
    """One related place is a note; several are the steps of a path (trigger -> ... -> callout), numbered."""
    if len(related) <= 1:
        return [[("  note: ", "bold"), (_located(location), "")] for location in related]
    width = len(str(len(related)))
    steps = [[(f"    {number:>{width}}. ", "dim"), (_located(location), "")] for number, location in enumerate(related, 1)]
    return [[("  path:", "bold")], *steps]


def _located(location: Location) -> str:
    where = f"{location.path}:{location.span.start_line}:{location.span.start_column}"
    return _one_line(f"{where} {location.message}".rstrip())


def _frame(source: list[str] | None, span: Span) -> list[Line]:
    """The flagged lines with one line of context each side, numbered, the span underlined."""
    if source is None or not 1 <= span.start_line <= len(source):
        return []
    last_flagged = min(span.end_line, span.start_line + MAX_FLAGGED_LINES - 1)
    first, last = max(1, span.start_line - 1), min(len(source), last_flagged + 1)
    width = len(str(last))
    # A long flagged line is shown from a little before the flagged column; the others from their start.
    flagged = source[span.start_line - 1]
    skipped = max(0, span.start_column - 1 - MAX_FRAME_WIDTH // 4) if len(flagged) > MAX_FRAME_WIDTH else 0
    frame: list[Line] = []
    for number in range(first, last + 1):
        line = _display(_window(source[number - 1], skipped if number == span.start_line else 0))
        frame.append([(f"{number:>{width}} |", "dim"), (f" {line}" if line else "", "")])
        if number == span.start_line:
            frame.append([(f"{'':>{width}} | ", "dim"), *_underline(source[number - 1], span, skipped)])
    return frame


def _window(line: str, skipped: int) -> str:
    """`line` from character `skipped` on, at most MAX_FRAME_WIDTH characters; an ellipsis marks each cut."""
    shown = line[skipped : skipped + MAX_FRAME_WIDTH]
    return ("…" if skipped else "") + shown + ("…" if len(line) > skipped + MAX_FRAME_WIDTH else "")


def _underline(line: str, span: Span, skipped: int = 0) -> Line:
    # Widths are measured on the displayed text, so tabs and wide characters keep carets aligned.
    end_column = span.end_column if span.end_line == span.start_line else len(line) + 1
    start_column = max(span.start_column - 1, skipped)
    end_column = min(end_column - 1, skipped + MAX_FRAME_WIDTH)
    lead = "…" if skipped else ""
    start = cell_len(_display(lead + line[skipped:start_column]))
    end = cell_len(_display(lead + line[skipped:end_column]))
    return [(" " * start, ""), ("^" * max(1, end - start), "bold red")]


def _summary(result: RunResult) -> Line:
    files = _plural(result.files_scanned, "file")
    baselined = sum(item.how == "baseline" for item in result.suppressed)
    suppressed = f"{len(result.suppressed) - baselined} suppressed" if len(result.suppressed) > baselined else ""
    suppressed = ", ".join(part for part in (suppressed, f"{baselined} in the baseline" if baselined else "") if part)
    timing = f"{result.elapsed:.2f}s"
    if not result.findings:
        details = ", ".join(part for part in (suppressed, timing) if part)
        return [(f"All clear: no problems in {files} ({details})", "bold green")]
    counts = ", ".join(_plural(count, severity.value) for severity, count in result.counts_by_severity().items())
    tail = ", ".join(part for part in (f"in {files}", suppressed, timing) if part)
    text = f"Found {_plural(len(result.findings), 'problem')} ({counts}) {tail}"
    return [(text, "bold red" if result.failed else "bold yellow")]


def _read_lines(path: Path) -> list[str] | None:
    try:
        data = path.read_bytes()
    except (OSError, ValueError):  # ValueError: e.g. a NUL byte in the path
        return None
    # The file's own declaration (PEP 263 cookie or BOM) as the parser read it; undecodable bytes show as U+FFFD.
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding, errors="replace")
    except (SyntaxError, LookupError):
        text = data.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    # The final newline ends the last line; it does not start an empty one.
    return text.removesuffix("\n").split("\n")


def _display(source_line: str) -> str:
    return _CONTROL.sub("\ufffd", source_line.expandtabs(TAB_SIZE))


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _rule_name(result: RunResult, code: str) -> str:
    rule = result.rule(code)
    return rule.name if rule else ""
