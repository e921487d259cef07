"""The pipeline: discover -> parse (once per file) -> rules -> filter -> RunResult.

`lint_source` handles one file from bytes to filtered findings and touches no
shared state, so files can later be spread over a worker pool unchanged.

A source kind whose rules look across files (Apex: a trigger's call path runs
through other classes) defines `build_index(files)`: it is called once per
run with every discovered file of that kind, before any is linted, and its
result (plain, picklable data, so a parent process can build it for its
workers) is handed to that kind's `lint_file` for each file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from lint.discovery import DiscoveredFile, discover
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
    indexes = build_indexes(discovery.files, rules, internal_errors)
    for done, file in enumerate(discovery.files, 1):
        if progress is not None:
            progress(done, len(discovery.files))
        try:
            data = file.path.read_bytes()
        except OSError as error:
            notices.append(f"skipped {file.relative}: cannot read it ({error.strerror or error})")
            continue
        outcome = lint_source(file.relative, data, file.kind, rules, settings, registry, indexes.get(file.kind.name))
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
        notices=tuple(dict.fromkeys(notices)),  # a notice about a kind (e.g. a missing extra) is said once
        internal_errors=tuple(internal_errors),
    )


def build_indexes(files: Sequence[DiscoveredFile], rules: Sequence[type[Rule]], errors: list[str]) -> dict[str, Any]:
    """The cross-file index of each kind that builds one and has rules to run, by kind name.

    A kind whose index cannot be built (a bug) is reported in `errors`; its files are then
    linted one by one, each as if it were the whole repository.
    """
    indexes: dict[str, Any] = {}
    for kind in dict.fromkeys(file.kind for file in files):
        source = load_source(kind)
        if source is None or not hasattr(source, "build_index") or not _rules_for(kind, source, rules):
            continue
        readable = []
        for file in files:
            if file.kind is kind:
                try:
                    readable.append((file.relative, file.path.read_bytes()))
                except OSError:
                    continue  # reported when the file itself is linted
        try:
            indexes[kind.name] = source.build_index(readable)
        except Exception as error:
            errors.append(f"internal error while indexing the {kind.name} files: {type(error).__name__}: {error}; please report it")
    return indexes


def lint_source(
    relative: str,
    data: bytes,
    kind: SourceKind | None,
    rules: Sequence[type[Rule]],
    settings: Settings,
    registry: Registry,
    index: Any = None,
) -> FileOutcome:
    """Lint one file's bytes: parse, run the rules of its kind, apply severities and suppressions.

    `index` is the run's cross-file index for the kind, if it builds one; a kind that does
    is also linted without it (one file is then the whole repository).
    """
    kind = kind or kind_of(relative)
    source = load_source(kind) if kind else None
    if source is None:
        return FileOutcome([], [], parsed=False)
    kind_rules = _rules_for(kind, source, rules)
    if not kind_rules and PARSE_ERROR not in settings.selected:
        return FileOutcome([], [], parsed=False)
    indexed = (index,) if hasattr(source, "build_index") else ()
    try:
        result = source.lint_file(relative, data, kind_rules, settings.options, *indexed)
    except Exception as error:  # a rule bug must not hide the other files' findings
        message = f"internal error while linting {relative}: {type(error).__name__}: {error}; please report it"
        return FileOutcome([], [], parsed=True, error=message)
    findings = [_finalise(finding, settings) for finding in result.findings if finding.code in settings.selected]
    if not settings.respect_ignores:
        return FileOutcome(number_repeated_fingerprints(findings), [], parsed=result.scanned, notices=tuple(result.notices))
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
    return FileOutcome(kept, by_config + filtered.suppressed, parsed=result.scanned, notices=tuple(result.notices))


def _rules_for(kind: SourceKind, source: Any, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """The rules that run on files of `kind`."""
    return [rule for rule in rules if issubclass(rule, source.RULE_BASE) and kind.name in rule.sources]


def _finalise(finding: Finding, settings: Settings) -> Finding:
    """Apply the configured severity and make sure the finding has a fingerprint."""
    override = settings.severity_overrides.get(finding.code)
    if override is not None and override != finding.severity:
        finding = replace(finding, severity=override)
    if not finding.fingerprint:
        finding = finding.with_fingerprint(fingerprint(finding.code, finding.path, "", finding.message))
    return finding
