"""Code-review mode: keep only findings on lines changed since a git ref (`check --diff REF`)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from lint.errors import UserError
from lint.findings import Finding
from lint.results import RunResult

_FILE = re.compile(r"^\+\+\+ b/(.+)$")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
WHOLE_FILE = None  # an untracked file: every line is new


class ChangesError(UserError):
    """Not a git repository, or the ref does not exist; the message is one line."""


@dataclass(frozen=True)
class ChangedLines:
    files: dict[str, list[tuple[int, int]] | None]  # root-relative path -> changed line ranges (None: all)

    def touches(self, finding: Finding) -> bool:
        if finding.path not in self.files:
            return False
        ranges = self.files[finding.path]
        if ranges is WHOLE_FILE:
            return True
        return any(start <= finding.span.end_line and finding.span.start_line <= end for start, end in ranges)

    def filter(self, result: RunResult) -> RunResult:
        return replace(result, findings=tuple(f for f in result.findings if self.touches(f)))


def changed_since(ref: str, root: Path) -> ChangedLines:
    """Lines added or changed in the work tree since `ref` (committed, staged or not), plus untracked files."""
    top = Path(_git(["rev-parse", "--show-toplevel"], root, "not a git repository, so --diff has nothing to compare").strip())
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top, f"unknown git ref `{ref}`")
    diff = _git(["diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-renames", ref, "--"], top, f"cannot diff against `{ref}`")
    files: dict[str, list[tuple[int, int]] | None] = {}
    current: list[tuple[int, int]] | None = None
    for line in diff.splitlines():
        if match := _FILE.match(line):
            current = files.setdefault(_relative(top / match.group(1), root), [])
        elif (match := _HUNK.match(line)) and current is not None:
            start, count = int(match.group(1)), int(match.group(2) or 1)
            if count:  # a pure deletion adds no line to flag
                current.append((start, start + count - 1))
    untracked = _git(["ls-files", "--others", "--exclude-standard"], top, "cannot list untracked files")
    for name in untracked.splitlines():
        files[_relative(top / name, root)] = WHOLE_FILE
    return ChangedLines(files)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _git(args: list[str], cwd: Path, failure: str) -> str:
    try:
        completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError:
        raise ChangesError("git is not installed, so --diff cannot find the changed lines") from None
    if completed.returncode != 0:
        raise ChangesError(failure)
    return completed.stdout
