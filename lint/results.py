"""The outcome of one run, handed to the reporters (which never inspect code)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lint.findings import Finding, Severity
from lint.rules.base import Rule


@dataclass(frozen=True)
class Suppressed:
    finding: Finding
    how: str  # "inline", "file", "config" or "baseline"
    reason: str = ""


@dataclass(frozen=True)
class FileOutcome:
    """What linting one file gave: plain, picklable data, so a worker process can send it back and the cache keep it."""

    findings: list[Finding]
    suppressed: list[Suppressed]
    parsed: bool  # False when no enabled rule applies to the file (its kind, or the pre-filter)
    error: str | None = None  # an internal error (a bug in a rule), reported once
    notices: tuple[str, ...] = ()
    transient: bool = False  # skipped by a time or memory guard: depends on the machine, so never cached
    depends: tuple[tuple[str, str], ...] = ()  # (relative path, content hash) of the project modules it imports from


@dataclass(frozen=True)
class RunResult:
    findings: tuple[Finding, ...]  # reported findings, sorted by path and position
    suppressed: tuple[Suppressed, ...]
    rules: tuple[type[Rule], ...]  # every rule that ran, sorted by code (classes, or their catalog.RuleInfo)
    files_scanned: int
    elapsed: float  # seconds
    fail_on: Severity
    root: Path  # finding paths are relative to this directory
    notices: tuple[str, ...] = ()  # run-level messages, e.g. files skipped and why
    internal_errors: tuple[str, ...] = ()  # bugs in intlint hit on some file; the run exits 2
    baseline_fixed: int | None = None  # with --baseline: entries that matched no finding any more

    def counts_by_severity(self) -> dict[Severity, int]:
        counts = Counter(finding.severity for finding in self.findings)
        return {severity: counts.get(severity, 0) for severity in (Severity.ERROR, Severity.WARNING, Severity.NOTE)}

    def counts_by_code(self) -> dict[str, int]:
        return dict(sorted(Counter(finding.code for finding in self.findings).items()))

    @property
    def failed(self) -> bool:
        return any(finding.severity.rank >= self.fail_on.rank for finding in self.findings)

    def rule(self, code: str) -> type[Rule] | None:
        return next((rule for rule in self.rules if rule.code == code), None)
