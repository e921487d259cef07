"""External Service registrations (`*.externalServiceRegistration-meta.xml`): the OpenAPI spec inside.

A Salesforce DX project keeps a registered spec in the registration's `<schema>` element,
as XML-escaped JSON (`{&quot;openapi&quot;: ...}`, as the org returns it) or as YAML. The
metadata is read safely (`xml.Reader`: no DOCTYPE, no entity expansion), the element's text
is loaded as JSON or YAML like any spec, and only an OpenAPI spec is handed on: other
registrations (MCP servers, Apex actions) hold no HTTP operations to check. Positions in the
spec are mapped back to the file piece by piece (an entity such as `&quot;` is one character
of the spec, six of the file), so findings and suppressions point into the XML.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace

from lint.findings import Span
from lint.sources.config_dialects import is_openapi
from lint.sources.config_json import load as load_json
from lint.sources.config_load import Loaded, LoadError, Positions
from lint.sources.xml import Reader, XmlError
from lint.suppressions import Directive


@dataclass(frozen=True)
class _Piece:
    """One piece of character data expat reported: where it starts in the spec and in the file."""

    spec: int  # offset in the spec's text
    file: int  # offset in the file's text
    length: int  # its length in the file: its own (literal text), or the reference's (`&quot;`)
    literal: bool


class _RegistrationReader(Reader):
    """Also notes where each piece of the top-level `<schema>` element's text sits in the file."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(text.encode("utf-8"))
        self.pieces: list[_Piece] = []
        self.spec: list[str] = []
        self._spec_length = 0
        self._bytes_read = self._chars_read = 0  # expat counts UTF-8 bytes; positions count characters

    def _text(self, data: str) -> None:
        super()._text(data)
        if len(self.stack) == 2 and self.stack[-1].tag == "schema":
            start = self._character_offset(self.parser.CurrentByteIndex)
            literal = self.text.startswith(data, start)
            length = len(data) if literal else _reference_length(self.text, start)
            self.pieces.append(_Piece(self._spec_length, start, length, literal))
            self.spec.append(data)
            self._spec_length += len(data)

    def _character_offset(self, byte_offset: int) -> int:
        self._chars_read += len(self.data[self._bytes_read : byte_offset].decode("utf-8"))
        self._bytes_read = byte_offset
        return self._chars_read


def _reference_length(text: str, start: int) -> int:
    """The length in the file of a piece that is not there as it was read: `&amp;`, `&#x27;`, or a CRLF read as one newline."""
    if text.startswith("&", start):
        end = text.find(";", start)
        return end - start + 1 if end != -1 else 1
    return 2 if text.startswith("\r\n", start) else 1


class _Embedding:
    """Maps positions in the spec's text to positions in the file."""

    def __init__(self, pieces: list[_Piece], spec: str, text: str) -> None:
        self.pieces = pieces
        self.starts = [piece.spec for piece in pieces]
        self.spec = Positions(spec)
        self.file = Positions(text)

    def position(self, line: int, column: int, end: bool = False) -> tuple[int, int]:
        """The file's line and column of the spec's; an `end` position (just after a character) stays after it."""
        offset = self.spec.starts[min(line, len(self.spec.starts)) - 1] + column - 1
        if end and offset > 0:
            piece = self._piece(offset - 1)
            moved = piece.file + (offset - piece.spec if piece.literal else piece.length)
        else:
            piece = self._piece(offset)
            moved = piece.file + (min(offset - piece.spec, piece.length) if piece.literal else 0)
        return self.file.at(moved)

    def span(self, span: Span) -> Span:
        return Span(*self.position(span.start_line, span.start_column), *self.position(span.end_line, span.end_column, end=True))

    def directive(self, directive: Directive) -> Directive:
        """A suppression comment of the spec (`# intlint: ignore[...]` in YAML), where it is in the file."""
        line, column = self.position(directive.line, directive.column)
        return replace(directive, line=line, column=column)

    def _piece(self, offset: int) -> _Piece:
        return self.pieces[max(bisect_right(self.starts, offset) - 1, 0)]


def load(text: str) -> Loaded:
    """The registration's OpenAPI spec, positioned in the file (no document for other registrations), and its suppressions."""
    reader = _RegistrationReader(text)
    try:
        reader.read(text)
    except XmlError as error:
        raise LoadError(error.line, error.column, error.message) from None
    spec = "".join(reader.spec)
    if not spec.strip():
        return Loaded([], reader.directives)  # no spec in the file: registered from a URL (`<schemaUrl>`)
    embedding = _Embedding(reader.pieces, spec, text)
    try:
        loaded = _load_spec(spec)
    except LoadError as error:
        line, column = embedding.position(error.line, error.column)
        raise LoadError(line, column, f"the registration's `<schema>`: {error.message}") from None
    directives = reader.directives + [embedding.directive(directive) for directive in loaded.directives]
    return Loaded([root for root in loaded.roots if is_openapi(root)], directives, loaded.duplicates, embedding.span)


def _load_spec(spec: str) -> Loaded:
    if spec.lstrip().startswith("{"):
        return load_json(spec)
    from lint.sources.config_yaml import load as load_yaml  # imports PyYAML: only for a spec kept as YAML

    return load_yaml(spec)
