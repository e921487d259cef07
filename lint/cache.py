"""The results cache: a file that has not changed is not linted again.

`.intlint_cache/` under the project root (`--cache-dir` elsewhere, `--no-cache` to go
without) holds one file per configuration, `results-<key>.json`. The key digests everything
besides a file's content that decides its findings: intlint and its rules, built-in and
plugins (`catalog.code_fingerprint`, which also covers the Python version), the selected
rules, their options and severities, per-file-ignores, whether ignores are honoured, and the
project root. Each entry holds one file's content hash and what linting it gave. A file whose
size and modification time are the recorded ones is taken as unchanged without being read;
otherwise it is read and hashed, and only a different hash has it linted again. A file
modified less than two seconds before it was cached is always re-hashed, so an edit that
keeps its size within the file system's timestamp resolution is not missed.

Apex findings depend on every Apex file (a trigger's call path runs through other classes),
so an Apex entry is valid only under the same digest of all the run's Apex files. A Python
entry also records the content hash of each project module the file imports from
(lint.local_modules), and holds only while they are unchanged.

The cache is an optimisation, never a source of truth: an unreadable, corrupt, foreign or
concurrently rewritten file or entry is ignored and the file linted again, and a failed write
is skipped. Files are replaced atomically, so a concurrent run reads the old or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lint.atomic import write_text_atomically
from lint.findings import Confidence, Finding, Location, Severity, Span
from lint.results import FileOutcome, Suppressed
from lint.rules import Registry
from lint.settings import Settings

CACHE_DIR_NAME = ".intlint_cache"
FORMAT = 2
RACY_NS = 2_000_000_000  # files modified this close to the run are re-hashed next time (coarse timestamps)
KEEP_CONFIGURATIONS = 8  # results files of other configurations kept beside the current one
_GITIGNORE = "# Created by intlint: the whole folder is a cache.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by intlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def settings_key(settings: Settings, registry: Registry) -> str:
    """What, besides a file's content, decides its findings."""
    from lint.rules.catalog import code_fingerprint  # the catalogue's module, only when caching

    identity = {
        "format": FORMAT,
        "code": code_fingerprint(registry),
        "root": str(settings.root),
        "selected": sorted(settings.selected),
        "known": sorted(registry.rules),
        "options": {name: settings.options[name] for name in sorted(settings.options)},
        "severity": {code: severity.value for code, severity in sorted(settings.severity_overrides.items())},
        "per_file_ignores": [[pattern, sorted(codes)] for pattern, codes in settings.per_file_ignores],
        "respect_ignores": settings.respect_ignores,
    }
    return content_hash(json.dumps(identity, sort_keys=True, default=list).encode())[:24]


@dataclass(frozen=True)
class Entry:
    digest: str  # the content hash the outcome is for
    context: str  # for Apex: the digest of all the run's Apex files it was linted with; "" otherwise
    outcome: FileOutcome


class ResultCache:
    """The cached outcomes of one configuration, read once at the start of a run and written once at its end."""

    def __init__(self, path: Path, key: str, entries: dict[str, Any]) -> None:
        self.path = path
        self.key = key
        self._entries = entries  # relative path -> [size, mtime_ns, digest, context, encoded outcome]
        self._changed = False
        self._started_ns = time.time_ns()

    @classmethod
    def open(cls, directory: Path, key: str) -> ResultCache | None:
        """The cache for `key` in `directory`; None when the directory cannot be used (a symlink: it may point anywhere)."""
        if directory.is_symlink():
            return None
        path = directory / f"results-{key}.json"
        return cls(path, key, _read_entries(path, key))

    def unchanged(self, relative: str, size: int, mtime_ns: int) -> str | None:
        """The recorded content hash when the file's size and modification time are the recorded ones."""
        entry = self._entries.get(relative)
        if isinstance(entry, list) and len(entry) == 5 and entry[0] == size and entry[1] == mtime_ns:
            return entry[2] if isinstance(entry[2], str) else None
        return None

    def get(self, relative: str, digest: str, context: str = "") -> FileOutcome | None:
        """The cached outcome of the file with this content (and Apex context), if any."""
        entry = self._entries.get(relative)
        if not (isinstance(entry, list) and len(entry) == 5 and entry[2] == digest and entry[3] == context):
            return None
        try:
            return decode_outcome(entry[4])
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None  # a corrupt entry: lint the file again

    def put(self, relative: str, size: int, mtime_ns: int, digest: str, context: str, outcome: FileOutcome) -> None:
        if mtime_ns >= self._started_ns - RACY_NS:
            size = -1  # modified just now: never trust its timestamp, hash it next time
        self._entries[relative] = [size, mtime_ns, digest, context, encode_outcome(outcome)]
        self._changed = True

    def save(self) -> None:
        """Write the entries if anything changed; problems are ignored (the next run lints again)."""
        if not self._changed:
            return
        try:
            prepare_directory(self.path.parent)
            write_text_atomically(self.path, json.dumps({"format": FORMAT, "key": self.key, "files": self._entries}, separators=(",", ":")))
            _prune(self.path)
        except OSError:
            pass


def _read_entries(path: Path, key: str) -> dict[str, Any]:
    try:
        saved = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(saved, dict) or saved.get("format") != FORMAT or saved.get("key") != key or not isinstance(saved.get("files"), dict):
        return {}
    return saved["files"]


def prepare_directory(directory: Path) -> None:
    """Create the cache folder with a `.gitignore` (so it is never committed) and a CACHEDIR.TAG (so
    backups skip it). Raises OSError, also when the folder is a symbolic link (it may point anywhere)."""
    if directory.is_symlink():
        raise OSError(f"{directory} is a symbolic link")
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
        if not (directory / name).exists():
            write_text_atomically(directory / name, text)


def _prune(current: Path) -> None:
    """Keep the results of the few configurations used last; delete the older ones."""
    others = []
    with os.scandir(current.parent) as entries:
        for entry in entries:
            if entry.name.startswith("results-") and entry.name.endswith(".json") and entry.path != str(current):
                others.append((entry.stat().st_mtime_ns, entry.path))
    for _, path in sorted(others, reverse=True)[KEEP_CONFIGURATIONS:]:
        try:
            os.unlink(path)
        except OSError:
            pass


# -- outcomes as JSON ------------------------------------------------------------------------


def encode_outcome(outcome: FileOutcome) -> dict[str, Any]:
    return {
        "findings": [_encode_finding(finding) for finding in outcome.findings],
        "suppressed": [[_encode_finding(item.finding), item.how, item.reason] for item in outcome.suppressed],
        "parsed": outcome.parsed,
        "notices": list(outcome.notices),
        "depends": [list(module) for module in outcome.depends],
    }


def decode_outcome(value: dict[str, Any]) -> FileOutcome:
    return FileOutcome(
        findings=[_decode_finding(item) for item in value["findings"]],
        suppressed=[Suppressed(_decode_finding(finding), str(how), str(reason)) for finding, how, reason in value["suppressed"]],
        parsed=bool(value["parsed"]),
        notices=tuple(str(notice) for notice in value["notices"]),
        depends=tuple((str(relative), str(digest)) for relative, digest in value["depends"]),
    )


def _encode_finding(finding: Finding) -> list[Any]:
    return [
        finding.code,
        finding.message,
        finding.path,
        _encode_span(finding.span),
        finding.severity.value,
        finding.confidence.value,
        finding.hint,
        [[location.path, _encode_span(location.span), location.message] for location in finding.related],
        finding.fingerprint,
        list(finding.statement_lines) if finding.statement_lines else None,
    ]


def _decode_finding(value: list[Any]) -> Finding:
    code, message, path, span, severity, confidence, hint, related, fingerprint, statement = value
    return Finding(
        code=str(code),
        message=str(message),
        path=str(path),
        span=_decode_span(span),
        severity=Severity(severity),
        confidence=Confidence(confidence),
        hint=None if hint is None else str(hint),
        related=tuple(Location(str(where), _decode_span(at), str(text)) for where, at, text in related),
        fingerprint=str(fingerprint),
        statement_lines=(int(statement[0]), int(statement[1])) if statement else None,
    )


def _encode_span(span: Span) -> list[int]:
    return [span.start_line, span.start_column, span.end_line, span.end_column]


def _decode_span(value: list[Any]) -> Span:
    start_line, start_column, end_line, end_column = (int(number) for number in value)
    return Span(start_line, start_column, end_line, end_column)
