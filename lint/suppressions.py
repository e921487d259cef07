"""Inline suppressions (`# intlint: ignore[IL401] reason`), file-wide ignores and their bookkeeping.

Each source kind finds its comments (Python through tokenize, YAML `#`, Apex
`//`) and hands the text here; the grammar and the matching are shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lint.findings import Confidence, Finding, Severity, Span
from lint.results import Suppressed

UNUSED_SUPPRESSION = "IL002"
_DIRECTIVE = re.compile(r"intlint:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?(?P<reason>.*)")
_CODE = re.compile(r"^IL\d{3}$")


@dataclass
class Directive:
    """One `intlint: ignore...` comment."""

    line: int
    column: int  # 1-based column of the comment
    codes: tuple[str, ...]
    reason: str
    file_wide: bool
    own_line: bool  # the comment is alone on its line, so it applies to the next line
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> bool:
        if self.file_wide:
            return True
        start, end = finding.statement_lines or (finding.span.start_line, finding.span.end_line)
        lines = {finding.span.start_line, *range(start, end + 1)}
        return self.line in lines or (self.own_line and self.line + 1 in (start, finding.span.start_line))


def parse_comment(text: str, line: int, column: int, own_line: bool) -> Directive | None:
    """A directive from one comment's text (with or without its `#`/`//`), or None."""
    match = _DIRECTIVE.search(text)
    if match is None:
        return None
    codes = tuple(code.strip().upper() for code in (match.group("codes") or "").split(",") if code.strip())
    return Directive(
        line=line,
        column=column,
        codes=codes,
        reason=match.group("reason").strip(),
        file_wide=match.group("kind") == "ignore-file",
        own_line=own_line,
    )


@dataclass(frozen=True)
class Filtered:
    kept: list[Finding]
    suppressed: list[Suppressed]


def apply_directives(
    findings: list[Finding],
    directives: list[Directive],
    *,
    path: str,
    known_codes: frozenset[str],
    selected: frozenset[str],
) -> Filtered:
    """Drop findings that a directive names; report directives that are bare, unknown or unused (IL002)."""
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding in findings:
        directive = next((d for d in directives if finding.code in d.codes and d.covers(finding)), None)
        if directive is None:
            kept.append(finding)
        else:
            directive.used.add(finding.code)
            how = "file" if directive.file_wide else "inline"
            suppressed.append(Suppressed(finding, how, directive.reason))
    if UNUSED_SUPPRESSION in selected:
        kept.extend(_directive_problems(directives, path, known_codes, selected))
    return Filtered(kept, suppressed)


def _directive_problems(directives: list[Directive], path: str, known: frozenset[str], selected: frozenset[str]):
    for directive in directives:
        where = Span.point(directive.line, directive.column)
        kind = "ignore-file" if directive.file_wide else "ignore"
        if not directive.codes:
            yield _unused(path, where, f"`intlint: {kind}` names no rule code, which is ambiguous; name the codes it is for, e.g. `intlint: {kind}[IL401] reason`.")
            continue
        for code in directive.codes:
            if not _CODE.match(code) or code not in known:
                yield _unused(path, where, f"`intlint: {kind}[{code}]` names no known rule; see `intlint rules` for the codes.")
            elif code in selected and code not in directive.used:
                yield _unused(path, where, f"`intlint: {kind}[{code}]` suppresses nothing: no {code} finding here; remove it.")


def _unused(path: str, span: Span, message: str) -> Finding:
    return Finding(UNUSED_SUPPRESSION, message, path, span, Severity.NOTE, Confidence.HIGH, hint="delete the stale suppression comment")
