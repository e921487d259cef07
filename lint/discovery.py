"""Find the files to lint: walk the given paths, skip what is ignored, classify by source kind.

Explicitly named files are always linted (pre-commit passes exactly the files
it wants checked); files found by walking honour the default skipped
directories, `.gitignore` files and the `exclude` settings. Files larger than
`max-file-size` (generated or vendored code, data dumps) are skipped, never read.
Problems become notices, never exceptions, so one bad path does not stop the run.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from lint.gitignore import IgnoreStack, PatternSet, parse
from lint.settings import Settings
from lint.sources import SourceKind, kind_of

# Tool, VCS, virtualenv and build folders: never integration code, often huge.
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr",
        ".venv", "venv", ".tox", ".nox", "__pypackages__", "site-packages",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".intlint_cache",
        "node_modules", ".eggs", "build", "dist",
    }
)  # fmt: skip
SKIPPED_DIR_SUFFIXES = (".egg-info",)
NO_KIND = "not a Python, config, Apex or metadata file"
NOT_REGULAR = "not a regular file"


@dataclass(frozen=True)
class DiscoveredFile:
    path: Path  # absolute filesystem path
    relative: str  # POSIX path relative to settings.root, or the absolute POSIX path outside it
    kind: SourceKind


@dataclass
class Discovery:
    files: list[DiscoveredFile] = field(default_factory=list)  # sorted by `relative`, no duplicates
    notices: list[str] = field(default_factory=list)


def discover(paths: Sequence[Path], settings: Settings) -> Discovery:
    walker = _Walker(settings)
    for path in paths or (Path("."),):
        walker.add(path)
    files = sorted(walker.found.values(), key=lambda found: found.relative)
    return Discovery(files, walker.notices)


class _Walker:
    def __init__(self, settings: Settings) -> None:
        root = _posix(os.path.abspath(settings.root))
        self.root_prefix = root.rstrip("/") + "/"
        self.excludes = PatternSet.under(root, parse((*settings.exclude, *settings.extend_exclude)))
        self.force_exclude = settings.force_exclude
        self.max_file_size = settings.max_file_size
        self.found: dict[str, DiscoveredFile] = {}
        self.notices: list[str] = []

    def add(self, given: Path) -> None:
        absolute = os.path.abspath(given)
        try:
            status = os.stat(absolute)  # follows a named symlink: the user asked for it
        except FileNotFoundError:
            broken = os.path.islink(absolute)
            self.notices.append(f"skipped broken symlink {given}" if broken else f"path does not exist: {given}")
            return
        except OSError as error:
            self.notices.append(f"skipped {given}: {error.strerror}")
            return
        if stat.S_ISDIR(status.st_mode):
            self._walk(absolute)
        elif not stat.S_ISREG(status.st_mode):
            self.notices.append(f"skipped {given}: {NOT_REGULAR}")
        elif (kind := kind_of(os.path.basename(absolute))) is None:
            self.notices.append(f"skipped {given}: {NO_KIND}")
        elif not (self.force_exclude and self._excluded_with_parents(_posix(absolute))):
            self._keep(absolute, _posix(absolute), kind, status.st_size)

    def _walk(self, top: str) -> None:
        pending = [(top, _posix(top), _ignores_above(top))]
        while pending:
            directory, posix_dir, ignores = pending.pop()
            try:
                with os.scandir(directory) as scan:
                    entries = list(scan)
            except OSError as error:
                self.notices.append(f"skipped directory {self._relative(posix_dir)}: {error.strerror}")
                continue
            if any(entry.name == ".gitignore" for entry in entries):
                try:
                    ignores = ignores.push(_pattern_file(posix_dir, os.path.join(directory, ".gitignore")))
                except OSError as error:
                    self.notices.append(f"cannot read {self._relative(posix_dir)}/.gitignore: {error.strerror}")
            for entry in entries:
                child = f"{posix_dir.rstrip('/')}/{entry.name}"
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not self._skip_dir(entry, child, ignores):
                            pending.append((entry.path, child, ignores))
                    elif entry.is_symlink() and entry.is_dir():
                        continue  # directory symlinks are never followed: no loops, no leaving the tree
                    else:
                        self._visit_file(entry, child, ignores)
                except OSError as error:
                    self.notices.append(f"skipped {self._relative(child)}: {error.strerror}")

    def _skip_dir(self, entry: os.DirEntry[str], child: str, ignores: IgnoreStack) -> bool:
        return (
            entry.name in SKIPPED_DIRS
            or entry.name.endswith(SKIPPED_DIR_SUFFIXES)
            or self._ignored(child, True, ignores)
            or os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # a virtualenv under any name
        )

    def _visit_file(self, entry: os.DirEntry[str], child: str, ignores: IgnoreStack) -> None:
        # The kind check comes first: it is the cheapest and rejects most files.
        kind = kind_of(entry.name)
        if kind is None or self._ignored(child, False, ignores):
            return
        if entry.is_file():  # follows file symlinks
            self._keep(entry.path, child, kind, entry.stat().st_size)
        elif entry.is_symlink() and not os.path.exists(entry.path):
            self.notices.append(f"skipped broken symlink {self._relative(child)}")
        else:  # a FIFO (reading it would block), socket or device named like source
            self.notices.append(f"skipped {self._relative(child)}: {NOT_REGULAR}")

    def _ignored(self, path: str, is_dir: bool, ignores: IgnoreStack) -> bool:
        # A `!pattern` in a .gitignore must not re-include what the user's settings exclude.
        return self.excludes.is_ignored(path, is_dir) is True or ignores.is_ignored(path, is_dir) is True

    def _excluded_with_parents(self, posix_path: str) -> bool:
        """An explicitly named file under --force-exclude: excluded itself or through a directory."""
        if not posix_path.startswith(self.root_prefix):
            return False
        parts = posix_path[len(self.root_prefix) :].split("/")
        prefixes = ("/".join(parts[: index + 1]) for index in range(len(parts)))
        return any(
            self.excludes.is_ignored(self.root_prefix + prefix, index < len(parts) - 1) is True
            for index, prefix in enumerate(prefixes)
        )

    def _keep(self, path: str, posix_path: str, kind: SourceKind, size: int) -> None:
        relative = self._relative(posix_path)
        if size > self.max_file_size:
            self.notices.append(
                f"skipped {relative}: it is {_megabytes(size)}, larger than max-file-size ({_megabytes(self.max_file_size)}); "
                "raise `max-file-size` to lint it"
            )
            return
        self.found.setdefault(relative, DiscoveredFile(Path(path), relative, kind))

    def _relative(self, posix_path: str) -> str:
        return posix_path[len(self.root_prefix) :] if posix_path.startswith(self.root_prefix) else posix_path


def _ignores_above(top: str) -> IgnoreStack:
    """The ignore files of the repository holding `top`, from its top down to `top`'s parent.

    Walking `src/pkg` must still honour the repository's root `.gitignore`. Outside a
    repository (no `.git` in `top` or above), only `top`'s own and nested files apply.
    """
    chain = [top]  # `top`, then its ancestors up to the repository, innermost first
    while not os.path.exists(os.path.join(chain[-1], ".git")):
        parent = os.path.dirname(chain[-1])
        if parent == chain[-1]:
            return IgnoreStack()
        chain.append(parent)
    stack = IgnoreStack()
    # info/exclude has the lowest precedence; `top`'s own .gitignore is read by the walk.
    sources = [(chain[-1], os.path.join(chain[-1], ".git", "info", "exclude"))]
    sources += [(directory, os.path.join(directory, ".gitignore")) for directory in reversed(chain[1:])]
    for directory, path in sources:
        try:
            stack = stack.push(_pattern_file(_posix(directory), path))
        except OSError:  # absent or unreadable: the common case for ancestors
            pass
    return stack


def _pattern_file(posix_dir: str, path: str) -> PatternSet:
    with open(path, encoding="utf-8", errors="replace") as lines:
        return PatternSet.under(posix_dir, parse(lines))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path
