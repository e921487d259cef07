"""Resolved settings of one run: the config file merged with command-line flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Mapping

from lint.findings import Severity

# The default of `max-file-size`: parsing takes seconds per megabyte, and hand-written integration code is far smaller.
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    root: Path  # finding paths are reported relative to this directory
    selected: frozenset[str]  # rule codes that run
    fail_on: Severity = Severity.WARNING
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)  # every rule option, default or configured
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()  # (glob, codes)
    exclude: tuple[str, ...] = ()  # gitignore-style patterns
    extend_exclude: tuple[str, ...] = ()
    respect_ignores: bool = True  # False with --no-ignores
    force_exclude: bool = False  # excludes apply to explicitly named files too (pre-commit passes names)
    config_path: Path | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes; larger files are skipped, unread, with a notice

    def ignored_for_path(self, relative_path: str) -> frozenset[str]:
        """Codes that `per-file-ignores` switches off for this (root-relative, POSIX) path."""
        codes: set[str] = set()
        for pattern, pattern_codes in self.per_file_ignores:
            if _glob_matches(pattern, relative_path):
                codes |= pattern_codes
        return frozenset(codes)


def _glob_matches(pattern: str, path: str) -> bool:
    # A pattern without a slash matches the file name anywhere (like ruff's per-file-ignores).
    if "/" not in pattern:
        return fnmatchcase(path.rsplit("/", 1)[-1], pattern) or fnmatchcase(path, pattern)
    return fnmatchcase(path, pattern.lstrip("/")) or fnmatchcase(path, pattern.lstrip("/").replace("**/", ""))
