"""What every config loader returns, and the limits they share.

Loaders (`config_yaml`, `config_json`, `config_properties`) turn text into
`Loaded` documents or raise `LoadError` at the first position they reject.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable

from lint.findings import Span
from lint.sources.config_model import Node, Scalar
from lint.sources.model import Site
from lint.suppressions import Directive

# Deeper than this, a document is not integration config; refusing it keeps every walk over it shallow.
MAX_DEPTH = 200


@dataclass
class Loaded:
    roots: list[Node]  # one per document (a YAML stream may hold several)
    directives: list[Directive] = field(default_factory=list)
    duplicates: list[tuple[Scalar, Scalar]] = field(default_factory=list)  # (key given first, key given again)
    # Where a span of the loaded text is in the file, when that text was taken out of it (config_registration).
    moved: Callable[[Span], Span] | None = None

    def place(self, span: Span) -> Span:
        """A span of the loaded text, in the file."""
        return self.moved(span) if self.moved is not None else span


class LoadError(Exception):
    """The text is not valid in its format: IL001 at `line`:`column` (1-based)."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


class TooDeep(Exception):
    """The document nests deeper than MAX_DEPTH: it is skipped with a notice, not reported."""


class Positions:
    """1-based line and column of character offsets in a text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        return Span(*self.at(start), *self.at(end))

    def site(self, start: int, end: int) -> Site:
        """The site of `text[start:end]`."""
        return Site(self.span(start, end), self.text[start:end])

    def opening(self, start: int, end: int) -> Site:
        """The site of a container at `text[start:end]`: its whole span, the text of its first line."""
        line_end = self.text.find("\n", start, end)
        return Site(self.span(start, end), self.text[start : line_end if line_end != -1 else end])
