"""What a rule reports: the finding, its position, severity and confidence."""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field, replace


class Severity(str, enum.Enum):
    """How bad a finding is; ordered so that `fail-on` can compare."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.NOTE: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Confidence(str, enum.Enum):
    """How sure the rule is that this occurrence is the anti-pattern."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based region; `end_column` is the column after the last character (as in SARIF)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> "Span":
        return cls(line, column, line, column + 1)


@dataclass(frozen=True)
class Location:
    """A related place, e.g. one step of a trigger -> handler -> callout path."""

    path: str
    span: Span
    message: str = ""


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: str  # relative to the run's root, POSIX separators
    span: Span
    severity: Severity
    confidence: Confidence
    hint: str | None = None  # one-line fix hint
    related: tuple[Location, ...] = ()  # several: the steps of a path, in execution order (SARIF code flow)
    fingerprint: str = ""
    # Lines of the enclosing statement: a suppression anywhere inside it applies.
    statement_lines: tuple[int, int] | None = field(default=None, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.span, self.code, self.message)

    def with_fingerprint(self, fingerprint: str) -> "Finding":
        return replace(self, fingerprint=fingerprint)


_WHITESPACE = re.compile(r"\s+")


def fingerprint(code: str, path: str, scope: str, source: str) -> str:
    """Stable when lines move or are reformatted: code, file, enclosing scope and the flagged text without whitespace."""
    normalised = _WHITESPACE.sub("", source)
    # surrogatepass: a file name that is not UTF-8, or a lone `\ud800` escape in a config key, still hashes.
    digest = hashlib.sha256("\0".join((code, path, scope, normalised)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:20]


def number_repeated_fingerprints(findings: list[Finding]) -> list[Finding]:
    """Identical code in one scope gives equal fingerprints; suffix repeats (in position order)."""
    seen: dict[str, int] = {}
    numbered = []
    for finding in sorted(findings, key=Finding.sort_key):
        count = seen.get(finding.fingerprint, 0)
        seen[finding.fingerprint] = count + 1
        numbered.append(finding if count == 0 else finding.with_fingerprint(f"{finding.fingerprint}-{count}"))
    return numbered
