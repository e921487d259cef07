"""Gitignore-style patterns: parse, compile to regexes, match with last-match-wins.

Used for `.gitignore` files (and `.git/info/exclude`) found around the walked
paths, and for the `exclude` / `extend-exclude` settings. Paths are POSIX
strings; a pattern set only answers for paths under its own directory.

Git's rule that a file cannot be re-included once a parent directory is
excluded is not modelled here: the walker never descends into an ignored
directory, which has the same effect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

# Trailing spaces are dropped unless escaped with a backslash.
_TRAILING_SPACES = re.compile(r"(?<!\\) +$")


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]  # full-matched against the path relative to the pattern's directory
    negated: bool  # `!pattern` re-includes
    dir_only: bool  # `pattern/` matches directories only

    def matches(self, path: str, is_dir: bool) -> bool:
        return (is_dir or not self.dir_only) and self.regex.fullmatch(path) is not None


def compile_pattern(line: str) -> Pattern | None:
    """One line of a .gitignore file as a pattern, or None for blank lines and comments."""
    line = _TRAILING_SPACES.sub("", line.rstrip("\r\n"))
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/") if dir_only else line
    if not line:
        return None
    # A slash at the start or in the middle anchors the pattern to its directory;
    # otherwise it matches at any depth.
    anchored = "/" in line
    segments = line.lstrip("/").split("/") if anchored else [line]
    regex = _segments_regex(segments)
    if not anchored:
        regex = "(?:.*/)?" + regex
    return Pattern(re.compile(regex, re.DOTALL), negated, dir_only)


def parse(lines: Iterable[str]) -> tuple[Pattern, ...]:
    return tuple(pattern for pattern in map(compile_pattern, lines) if pattern is not None)


def _segments_regex(segments: list[str]) -> str:
    last = len(segments) - 1
    parts: list[str] = []
    for index, segment in enumerate(segments):
        if segment == "**":
            # Trailing `/**` is everything inside; leading or middle `**/` is zero or more directories.
            parts.append(".+" if index == last else "(?:.*/)?")
            continue
        parts.append(_segment_regex(segment))
        if index != last:
            parts.append("/")
    return "".join(parts)


def _segment_regex(segment: str) -> str:
    """One path segment: `*`, `?`, `[...]` and backslash escapes never match a `/`."""
    out: list[str] = []
    i, n = 0, len(segment)
    while i < n:
        char = segment[i]
        if char == "\\" and i + 1 < n:
            out.append(re.escape(segment[i + 1]))
            i += 2
        elif char == "*":
            while i < n and segment[i] == "*":
                i += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            bracket, i = _bracket_regex(segment, i)
            out.append(bracket)
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _bracket_regex(segment: str, start: int) -> tuple[str, int]:
    """A `[...]` class starting at `start` and the index after it; an unclosed `[` is literal."""
    i = start + 1
    negated = i < len(segment) and segment[i] in "!^"
    if negated:
        i += 1
    members: list[str] = []
    first = True
    while i < len(segment):
        char = segment[i]
        if char == "]" and not first:
            body = "".join(members)
            return (f"[^/{body}]" if negated else f"(?!/)[{body}]"), i + 1
        if char == "\\" and i + 1 < len(segment):
            i += 1
            char = segment[i]
        # `-` stays a range operator; anything else that is special inside a regex class is escaped.
        members.append(char if char == "-" else re.escape(char))
        first = False
        i += 1
    return re.escape("["), start + 1


@dataclass(frozen=True)
class PatternSet:
    """Patterns from one source, relative to the directory whose path starts every matched path."""

    prefix: str  # the directory as a POSIX path with a trailing "/", or "" for relative paths
    patterns: tuple[Pattern, ...]

    @classmethod
    def under(cls, directory: str, patterns: tuple[Pattern, ...]) -> PatternSet:
        return cls(directory.rstrip("/") + "/" if directory else "", patterns)

    def is_ignored(self, path: str, is_dir: bool) -> bool | None:
        """True if ignored, False if re-included by a `!` pattern, None if no pattern matched."""
        if not path.startswith(self.prefix):
            return None
        relative = path[len(self.prefix) :]
        for pattern in reversed(self.patterns):  # the last matching pattern decides
            if pattern.matches(relative, is_dir):
                return not pattern.negated
        return None


@dataclass(frozen=True)
class IgnoreStack:
    """The pattern sets that apply inside one directory, outermost (lowest precedence) first."""

    sets: tuple[PatternSet, ...] = ()

    def push(self, patterns: PatternSet) -> IgnoreStack:
        return IgnoreStack((*self.sets, patterns)) if patterns.patterns else self

    def is_ignored(self, path: str, is_dir: bool) -> bool | None:
        # As in git, a deeper .gitignore overrides the ones above it.
        for patterns in reversed(self.sets):
            verdict = patterns.is_ignored(path, is_dir)
            if verdict is not None:
                return verdict
        return None
