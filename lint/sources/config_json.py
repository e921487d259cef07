"""JSON: a position-aware parse (the standard library's `json` keeps no positions).

Strings are decoded by `json.decoder.scanstring` (the C scanner), numbers by
the standard library's number pattern; the structure is walked here, so every
key and value keeps its exact span. Repeated keys are noted (the last one wins,
as in `json.loads`). Comments and trailing commas, which editors' JSONC files
(`.vscode/settings.json`, `tsconfig.json`) contain, are skipped rather than
reported: they are not integration data, and nothing in them can be a directive.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from json.scanner import NUMBER_RE

from lint.sources.config_load import MAX_DEPTH, Loaded, LoadError, Positions, TooDeep
from lint.sources.config_model import Entry, Mapping, Node, NodePath, Scalar, Sequence

_SPACE = re.compile(r"(?:[ \t\n\r]+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_LITERALS = {"true": True, "false": False, "null": None}
_EXPECTED_VALUE = "expected a value (object, array, string, number, true, false or null)"


def load(text: str) -> Loaded:
    parser = _Parser(text)
    root = parser.document()
    return Loaded([root], duplicates=parser.duplicates)


def _number(integer: str, fraction: str | None, exponent: str | None) -> int | float:
    if not (fraction or exponent):
        try:
            return int(integer)
        except ValueError:  # more digits than Python converts to an int (4,300 by default)
            pass
    return float(integer + (fraction or "") + (exponent or ""))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.positions = Positions(text)
        self.duplicates: list[tuple[Scalar, Scalar]] = []

    def document(self) -> Node:
        start = self._skip(1 if self.text.startswith("\ufeff") else 0)
        node, end = self._value(start, (), 0)
        end = self._skip(end)
        if end != len(self.text):
            raise self._error(end, "extra data after the JSON value")
        return node

    def _value(self, index: int, path: NodePath, depth: int) -> tuple[Node, int]:
        char = self.text[index : index + 1]
        if char == "{":
            return self._object(index, path, depth + 1)
        if char == "[":
            return self._array(index, path, depth + 1)
        if char == '"':
            return self._string(index, path)
        number = NUMBER_RE.match(self.text, index)
        if number is not None:
            raw = number.group()
            return Scalar(self.positions.site(index, number.end()), path, raw, _number(*number.groups())), number.end()
        for word, value in _LITERALS.items():
            if self.text.startswith(word, index):
                end = index + len(word)
                return Scalar(self.positions.site(index, end), path, word, value), end
        raise self._error(index, _EXPECTED_VALUE if char else "unexpected end of file: " + _EXPECTED_VALUE)

    def _string(self, index: int, path: NodePath) -> tuple[Scalar, int]:
        try:
            value, end = scanstring(self.text, index + 1, True)
        except json.JSONDecodeError as error:
            raise self._error(error.pos, error.msg.removesuffix(" at").lower()) from None
        return Scalar(self.positions.site(index, end), path, value, value), end

    def _object(self, start: int, path: NodePath, depth: int) -> tuple[Mapping, int]:
        if depth > MAX_DEPTH:
            raise TooDeep()
        entries: dict[str, Entry] = {}
        index = self._skip(start + 1)
        while self.text[index : index + 1] != "}":
            if self.text[index : index + 1] != '"':
                raise self._error(index, "expected a string key in double quotes" + (" or `}`" if not entries else ""))
            key, index = self._string(index, ())
            key = Scalar(key.site, (*path, key.text), key.text, key.value)
            index = self._skip(index)
            if self.text[index : index + 1] != ":":
                raise self._error(index, "expected `:` after the key")
            value, index = self._value(self._skip(index + 1), key.path, depth)
            earlier = entries.pop(key.text, None)
            if earlier is not None:
                self.duplicates.append((earlier.key, key))
            entries[key.text] = Entry(key, value)
            index = self._after_item(index, "}")
        end = index + 1
        return Mapping(self.positions.opening(start, end), path, tuple(entries.values())), end

    def _array(self, start: int, path: NodePath, depth: int) -> tuple[Sequence, int]:
        if depth > MAX_DEPTH:
            raise TooDeep()
        items: list[Node] = []
        index = self._skip(start + 1)
        while self.text[index : index + 1] != "]":
            item, index = self._value(index, (*path, len(items)), depth)
            items.append(item)
            index = self._after_item(index, "]")
        end = index + 1
        return Sequence(self.positions.opening(start, end), path, tuple(items)), end

    def _after_item(self, index: int, close: str) -> int:
        """Past the `,` after an item (a trailing one before `close` is tolerated), at the next item or `close`."""
        index = self._skip(index)
        char = self.text[index : index + 1]
        if char == ",":
            return self._skip(index + 1)
        if char == close:
            return index
        raise self._error(index, f"expected `,` or `{close}`" if char else f"unexpected end of file: expected `{close}`")

    def _skip(self, index: int) -> int:
        return _SPACE.match(self.text, index).end()

    def _error(self, index: int, message: str) -> LoadError:
        line, column = self.positions.at(index)
        return LoadError(line, column, f"JSON syntax error: {message}")
