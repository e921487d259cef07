"""The pipeline: discover -> parse (once per file) -> rules -> filter -> RunResult.

`lint_source` handles one file from bytes to filtered findings and touches no
shared state, so files can later be spread over a worker pool unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from lint.discovery import discover
from lint.findings import Finding, fingerprint, number_repeated_fingerprints
from lint.results import RunResult, Suppressed
from lint.rules import Registry
from lint.rules.base import Rule
from lint.settings import Settings
from lint.sources import SourceKind, kind_of, load_source
from lint.sources.result import PARSE_ERROR
from lint.suppressions import apply_directives


@dataclass(frozen=True)
class FileOutcome:
    findings: list[Finding]
    suppressed: list[Suppressed]
    parsed: bool  # False when no enabled rule applies to the file's kind
    error: str | None = None  # an internal error (a bug in a rule), reported once
    notices: tuple[str, ...] = ()


def run(
    paths: Sequence[Path],
    settings: Settings,
    registry: Registry,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    started = time.perf_counter()
    discovery = discover(paths, settings)
    rules = tuple(registry[code] for code in sorted(settings.selected))
    findings: list[Finding] = []
    suppressed: list[Suppressed] = []
    notices = list(discovery.notices)
    internal_errors: list[str] = []
    scanned = 0
    for done, file in enumerate(discovery.files, 1):
        if progress is not None:
            progress(done, len(discovery.files))
        try:
            data = file.path.read_bytes()
        except OSError as error:
            notices.append(f"skipped {file.relative}: cannot read it ({error.strerror or error})")
            continue
        outcome = lint_source(file.relative, data, file.kind, rules, settings, registry)
        scanned += outcome.parsed
        findings.extend(outcome.findings)
        suppressed.extend(outcome.suppressed)
        notices.extend(outcome.notices)
        if outcome.error:
            internal_errors.append(outcome.error)
    return RunResult(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        suppressed=tuple(sorted(suppressed, key=lambda s: s.finding.sort_key())),
        rules=rules,
        files_scanned=scanned,
        elapsed=time.perf_counter() - started,
        fail_on=settings.fail_on,
        root=settings.root,
        notices=tuple(notices),
        internal_errors=tuple(internal_errors),
    )


def lint_source(
    relative: str,
    data: bytes,
    kind: SourceKind | None,
    rules: Sequence[type[Rule]],
    settings: Settings,
    registry: Registry,
) -> FileOutcome:
    """Lint one file's bytes: parse, run the rules of its kind, apply severities and suppressions."""
    kind = kind or kind_of(relative)
    source = load_source(kind) if kind else None
    if source is None:
        return FileOutcome([], [], parsed=False)
    kind_rules = [rule for rule in rules if issubclass(rule, source.RULE_BASE) and kind.name in rule.sources]
    if not kind_rules and PARSE_ERROR not in settings.selected:
        return FileOutcome([], [], parsed=False)
    try:
        result = source.lint_file(relative, data, kind_rules, settings.options)
    except Exception as error:  # a rule bug must not hide the other files' findings
        message = f"internal error while linting {relative}: {type(error).__name__}: {error}; please report it"
        return FileOutcome([], [], parsed=True, error=message)
    findings = [_finalise(finding, settings) for finding in result.findings if finding.code in settings.selected]
    if not settings.respect_ignores:
        return FileOutcome(number_repeated_fingerprints(findings), [], parsed=True, notices=tuple(result.notices))
    ignored = settings.ignored_for_path(relative)
    by_config = [Suppressed(f, "config", "per-file-ignores") for f in findings if f.code in ignored]
    findings = [f for f in findings if f.code not in ignored]
    filtered = apply_directives(
        findings,
        result.directives,
        path=relative,
        known_codes=frozenset(registry.rules),
        selected=settings.selected - ignored,
    )
    kept = number_repeated_fingerprints([_finalise(f, settings) for f in filtered.kept])
    return FileOutcome(kept, by_config + filtered.suppressed, parsed=True, notices=tuple(result.notices))


def _finalise(finding: Finding, settings: Settings) -> Finding:
    """Apply the configured severity and make sure the finding has a fingerprint."""
    override = settings.severity_overrides.get(finding.code)
    if override is not None and override != finding.severity:
        finding = replace(finding, severity=override)
    if not finding.fingerprint:
        finding = finding.with_fingerprint(fingerprint(finding.code, finding.path, "", finding.message))
    return finding
