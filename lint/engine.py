"""The pipeline: discover -> cache -> pre-filter -> parse (once per file) -> rules -> filter -> RunResult.

For each discovered file, in path order:
1. cache: a file whose content (and configuration) was linted before gets its outcome back
   without being parsed (lint.cache); a file whose size and mtime are unchanged is not even read;
2. pre-filter: the enabled rules whose `requires` the file's bytes meet (lint.prefilter); a
   file that meets none is not parsed, and runs of such files never import a parser;
3. the rest is linted, each file by the rules it met, in worker processes (lint.workers).

`lint_source` handles one file from bytes to filtered findings and touches no shared state (it
only reads the project modules a Python file imports from), so files can be spread over worker
processes; outcomes are gathered by file, so the result is the same for any number of workers,
any file system order and with or without the cache.

A Python file is read with the project modules it imports from (lint.local_modules): their imports
count for the pre-filter, the facts type the clients they export, and a cached outcome records their
content hashes (`FileOutcome.depends`) and holds only while those are unchanged.

A source kind whose rules look across files (`SourceKind.cross_file`: Apex, where a trigger's
call path runs through other classes) defines `build_index(files)`: it is called once per run,
in this process, with every discovered file of that kind, before any is linted, and its result
(plain, picklable data) is handed to that kind's `lint_file` for each file, in whichever
process lints it. Cached outcomes of such a kind are valid only for the same set of files.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from lint.discovery import DiscoveredFile, discover
from lint.findings import Finding, fingerprint, number_repeated_fingerprints
from lint.results import FileOutcome, RunResult, Suppressed
from lint.rules import Registry
from lint.settings import Settings
from lint.sources import SourceKind, kind_of, load_source
from lint.sources.result import PARSE_ERROR
from lint.suppressions import apply_directives

if TYPE_CHECKING:
    from lint.cache import ResultCache
    from lint.local_modules import LocalModules

__all__ = ["FileOutcome", "Limits", "RunOptions", "build_indexes", "lint_source", "run"]

NOT_PARSED = FileOutcome([], [], parsed=False)


@dataclass(frozen=True)
class Limits:
    """The per-file guards (applied by lint.workers)."""

    file_timeout: float | None = 30.0  # seconds per file; None: no limit
    max_memory_mb: int | None = 2048  # per worker process; None: no limit


@dataclass(frozen=True)
class RunOptions:
    """How to run, which never changes what is reported."""

    jobs: int = 1  # worker processes; 1 lints in this process
    cache_dir: Path | None = None  # None: no cache
    limits: Limits = Limits()
    prefilter: bool = True  # False parses every file of a kind with enabled rules (to compare; see README)


def run(
    paths: Sequence[Path],
    settings: Settings,
    registry: Registry,
    progress: Callable[[int, int], None] | None = None,
    options: RunOptions = RunOptions(),
) -> RunResult:
    started = time.perf_counter()
    discovery = discover(paths, settings)
    files = [found for found in discovery.files if not _inside(found.path, options.cache_dir)]
    rules = tuple(registry[code] for code in sorted(settings.selected))
    internal_errors: list[str] = []
    planned = _Run(files, rules, settings, registry, options, progress)
    outcomes = planned.outcomes(internal_errors)
    findings: list[Finding] = []
    suppressed: list[Suppressed] = []
    notices = list(discovery.notices)
    for outcome in outcomes:
        findings.extend(outcome.findings)
        suppressed.extend(outcome.suppressed)
        notices.extend(outcome.notices)
        if outcome.error:
            internal_errors.append(outcome.error)
    return RunResult(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        suppressed=tuple(sorted(suppressed, key=lambda s: s.finding.sort_key())),
        rules=rules,
        files_scanned=sum(outcome.parsed for outcome in outcomes),
        elapsed=time.perf_counter() - started,
        fail_on=settings.fail_on,
        root=settings.root,
        notices=tuple(dict.fromkeys(notices)),  # a notice about a kind (e.g. a missing extra) is said once
        internal_errors=tuple(internal_errors),
    )


@dataclass
class _File:
    """One discovered file on its way through the run."""

    found: DiscoveredFile
    size: int = -1
    mtime_ns: int = 0
    digest: str | None = None  # content hash, when the cache is on
    data: bytes | None = None  # held only while the file may still be linted
    read: bool = False  # read in this run: changed on disk, or linted
    outcome: FileOutcome | None = None
    rules: tuple[Any, ...] = ()  # the rules it met, when it is to be linted
    context: str = ""  # for a cross-file kind, with the cache on: the digest of all the kind's files
    depends: tuple[tuple[str, str], ...] = ()  # with the cache on: the project modules it imports from, with their hashes
    outcome_context: str = ""  # the context `outcome` holds for: `context` if it was linted with the others, else ""
    cacheable: bool = True  # False when linted without its kind's index (the index failed)


@dataclass
class _Run:
    files: Sequence[DiscoveredFile]
    rules: tuple[Any, ...]
    settings: Settings
    registry: Registry
    options: RunOptions
    progress: Callable[[int, int], None] | None
    _done: int = field(default=0, init=False)
    _modules: LocalModules | None = field(default=None, init=False)
    _digests: dict[str, str | None] = field(default_factory=dict, init=False)  # of project modules, by relative path

    def outcomes(self, internal_errors: list[str]) -> list[FileOutcome]:
        """The outcome of every discovered file, in discovery (path) order."""
        from lint.prefilter import Prefilter

        cache = self._cache()
        prefilter = Prefilter(self.rules) if self.options.prefilter else None
        kinds = {kind for rule in self.rules for kind in rule.sources}
        states = [_File(found) for found in self.files]
        waiting = []  # files of cross-file kinds: planned once all their digests are known
        for state in states:
            if state.found.kind.name not in kinds:
                state.outcome = NOT_PARSED  # no enabled rule reads this kind: not even read
            elif self._identify(state, cache) and state.found.kind.cross_file and cache is not None:
                waiting.append(state)
            elif state.outcome is None:
                self._plan(state, cache, prefilter)
        self._set_contexts(waiting)
        for state in waiting:
            self._plan(state, cache, prefilter)
        for state in states:
            if state.outcome is not None:
                self._advance()
        self._lint([state for state in states if state.outcome is None], states, internal_errors)
        if cache is not None:
            self._store(states, cache)
        return [state.outcome for state in states]  # type: ignore[misc]  # every file has one now

    def _cache(self) -> ResultCache | None:
        if self.options.cache_dir is None:
            return None
        from lint.cache import ResultCache, settings_key

        return ResultCache.open(self.options.cache_dir, settings_key(self.settings, self.registry))

    def _identify(self, state: _File, cache: ResultCache | None) -> bool:
        """Stat the file and, with the cache on, know its content hash: recorded for an unchanged
        stat, else read and hashed. False (and an outcome saying why) when it cannot be read."""
        try:
            status = os.stat(state.found.path)
            state.size, state.mtime_ns = status.st_size, status.st_mtime_ns
            if cache is not None:
                state.digest = cache.unchanged(state.found.relative, state.size, state.mtime_ns)
            if state.digest is None:
                self._read(state, cache)
        except OSError as error:
            state.outcome = _unreadable(state.found, error)
            return False
        return True

    def _read(self, state: _File, cache: ResultCache | None) -> bytes:
        if state.data is None:
            state.data, state.read = state.found.path.read_bytes(), True
            if cache is not None:
                from lint.cache import content_hash

                digest = content_hash(state.data)
                if state.digest is not None and digest != state.digest:  # changed, though its stat had not
                    state.size = -1
                state.digest = digest
        return state.data

    def _set_contexts(self, states: list[_File]) -> None:
        """The digest of all the files of each cross-file kind: their cached outcomes hold only for it."""
        from lint.cache import content_hash

        for kind in dict.fromkeys(state.found.kind for state in states):
            members = [state for state in states if state.found.kind is kind]
            context = content_hash(json.dumps([[state.found.relative, state.digest] for state in members]).encode())
            for state in members:
                state.context = context

    def _plan(self, state: _File, cache: ResultCache | None, prefilter: Any) -> None:
        """The file's cached outcome; else whether it needs linting, and by which rules."""
        relative, kind = state.found.relative, state.found.kind
        if cache is not None and state.digest is not None:
            state.outcome, context = cache.get(relative, state.digest, state.context), state.context
            if state.outcome is None and context:  # a file no rule met was not linted: it does not depend on the others
                state.outcome, context = cache.get(relative, state.digest), ""
            if state.outcome is not None and self._unchanged(state.outcome.depends, cache):
                state.outcome_context, state.data = context, None  # only the files to lint keep their bytes
                return
            state.outcome = None
        try:
            data = self._read(state, cache)
        except OSError as error:
            state.outcome = _unreadable(state.found, error)
            return
        imported_from = self._imported_from(state, data, cache) if kind.local_imports else ()
        if prefilter is None:
            state.rules = tuple(rule for rule in self.rules if kind.name in rule.sources)
        else:
            state.rules = prefilter.rules_for(kind.name, data, imported_from)
        if not state.rules:
            state.outcome, state.data = replace(NOT_PARSED, depends=state.depends), None
        elif kind.cross_file:
            state.outcome_context = state.context

    def _imported_from(self, state: _File, data: bytes, cache: ResultCache | None) -> list[frozenset[str]]:
        """What the project modules that may give the file a client import; with the cache on, the hashes of every
        module it imports from, and of those they pass names on from, become its `depends` (one may start building
        clients)."""
        if self._modules is None:
            from lint.local_modules import LocalModules  # only when a file is read: a warm run needs none

            self._modules = LocalModules(self.settings.root, fresh=True)
        modules = self._modules
        found = [module for module in modules.imported_by(state.found.relative, data) if modules.read(module.path) is not None]
        found += [deeper for module in found for deeper in modules.passed_on(module) if modules.read(deeper.path) is not None]
        if cache is not None:
            relatives = dict.fromkeys(module.relative for module in found)
            state.depends = tuple((relative, self._digest(relative, cache) or "") for relative in relatives)
        return [modules.imports_of(module.path) for module in found if modules.may_give_client(module)]

    def _unchanged(self, depends: tuple[tuple[str, str], ...], cache: ResultCache) -> bool:
        """Whether the project modules a cached outcome was linted with still hold what they held."""
        return all(self._digest(relative, cache) == digest for relative, digest in depends)

    def _digest(self, relative: str, cache: ResultCache) -> str | None:
        """A project module's content hash: recorded in the cache for an unchanged stat, else read and hashed."""
        if relative not in self._digests:
            from lint.cache import content_hash

            path = os.path.join(self.settings.root, relative)
            try:
                status = os.stat(path)
                digest = cache.unchanged(relative, status.st_size, status.st_mtime_ns)
                if digest is None:
                    with open(path, "rb") as module:
                        digest = content_hash(module.read())
            except OSError:
                digest = None
            self._digests[relative] = digest
        return self._digests[relative]

    def _lint(self, linted: list[_File], states: list[_File], internal_errors: list[str]) -> None:
        if not linted:
            return
        from lint.workers import Job, Task, lint_files

        kinds = dict.fromkeys(state.found.kind for state in linted)
        indexes = build_indexes([state.found for state in states if state.found.kind in kinds], self.rules, internal_errors, self._bytes_of(states))
        for state in linted:
            state.cacheable = not state.found.kind.cross_file or state.found.kind.name in indexes
        job = Job(self.settings, self.registry, indexes, self.options.limits)
        tasks = [Task(state.found.relative, state.found.kind.name, state.data or b"", tuple(rule.code for rule in state.rules)) for state in linted]
        for state, outcome in zip(linted, lint_files(tasks, job, self.options.jobs, self._advance)):
            state.outcome = replace(outcome, depends=state.depends) if state.depends else outcome

    def _bytes_of(self, states: list[_File]) -> Callable[[DiscoveredFile], bytes]:
        """Reads a file for an index: the bytes a file to lint holds, else from the disk."""
        by_relative = {state.found.relative: state for state in states}

        def read(found: DiscoveredFile) -> bytes:
            state = by_relative[found.relative]
            return state.data if state.data is not None else found.path.read_bytes()

        return read

    def _store(self, states: list[_File], cache: ResultCache) -> None:
        """Record what this run learnt: the files it read (linted, or changed on disk); errors and guard skips are not kept."""
        for state in states:
            outcome = state.outcome
            if not state.read or state.digest is None or outcome is None or outcome.error or outcome.transient or not state.cacheable:
                continue
            cache.put(state.found.relative, state.size, state.mtime_ns, state.digest, state.outcome_context, outcome)
        cache.save()

    def _advance(self) -> None:
        self._done += 1
        if self.progress is not None:
            self.progress(self._done, len(self.files))


def _inside(path: Path, directory: Path | None) -> bool:
    """Whether `path` is in the cache directory, whose files are never linted (wherever `--cache-dir` puts it)."""
    return directory is not None and os.path.abspath(path).startswith(os.path.join(os.path.abspath(directory), ""))


def _unreadable(found: DiscoveredFile, error: OSError) -> FileOutcome:
    return FileOutcome([], [], parsed=False, notices=(f"skipped {found.relative}: cannot read it ({error.strerror or error})",), transient=True)


def build_indexes(
    files: Sequence[DiscoveredFile],
    rules: Sequence[Any],
    errors: list[str],
    read: Callable[[DiscoveredFile], bytes] = lambda found: found.path.read_bytes(),
) -> dict[str, Any]:
    """The cross-file index of each kind that builds one and has rules to run, by kind name.

    A kind whose index cannot be built (a bug) is reported in `errors`; its files are then
    linted one by one, each as if it were the whole repository.
    """
    indexes: dict[str, Any] = {}
    for kind in dict.fromkeys(file.kind for file in files):
        if not kind.cross_file or not _rules_for(kind, rules):
            continue
        source = load_source(kind)
        readable = []
        for file in files:
            if file.kind is kind:
                try:
                    readable.append((file.relative, read(file)))
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
    rules: Sequence[Any],
    settings: Settings,
    registry: Registry,
    index: Any = None,
) -> FileOutcome:
    """Lint one file's bytes: parse, run the rules of its kind, apply severities and suppressions.

    `rules` are rule classes; the pre-filter is the caller's business (every rule given runs).
    `index` is the run's cross-file index for the kind, if it builds one; a kind that does
    is also linted without it (one file is then the whole repository).
    """
    kind = kind or kind_of(relative)
    if kind is None or kind.module is None:
        return NOT_PARSED
    kind_rules = _rules_for(kind, rules)
    if not kind_rules and PARSE_ERROR not in settings.selected:
        return NOT_PARSED
    source = load_source(kind)
    indexed = (index,) if kind.cross_file else ()
    project = {"root": str(settings.root)} if kind.local_imports else {}
    try:
        result = source.lint_file(relative, data, kind_rules, settings.options, *indexed, **project)
    except MemoryError:
        raise  # the memory guard's to report (lint.workers)
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


def _rules_for(kind: SourceKind, rules: Sequence[Any]) -> list[Any]:
    """The rules whose checks the source of `kind` runs (engine rules such as IL001 are not among them)."""
    return [rule for rule in rules if kind.name in rule.sources and kind.name in rule.checked_kinds()]


def _finalise(finding: Finding, settings: Settings) -> Finding:
    """Apply the configured severity and make sure the finding has a fingerprint."""
    override = settings.severity_overrides.get(finding.code)
    if override is not None and override != finding.severity:
        finding = replace(finding, severity=override)
    if not finding.fingerprint:
        finding = finding.with_fingerprint(fingerprint(finding.code, finding.path, "", finding.message))
    return finding
