"""Java `.properties` (Kafka Connect workers and connectors, Spring, Camel): `key=value`, `key: value`, `key value`.

Follows `java.util.Properties.load`: `#` and `!` start comment lines, a line
ending in an odd number of backslashes continues on the next one (whose leading
whitespace is dropped), and `\\t`, `\\n`, `\\uXXXX` and `\\<char>` are escapes. The
result is one flat mapping whose keys keep their dots (`salesforce.sink.object.operation`),
which path patterns match part by part. Comment lines may carry `# intlint: ...` directives.
"""

from __future__ import annotations

import re

from lint.findings import Span
from lint.sources.config_load import Loaded, LoadError, Positions
from lint.sources.config_model import Entry, Mapping, Scalar
from lint.sources.model import Site
from lint.suppressions import Directive, parse_comment

_LINE = re.compile(r"[^\n]*\n?")
_WHITESPACE = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def load(text: str) -> Loaded:
    positions = Positions(text)
    entries: dict[str, Entry] = {}
    duplicates: list[tuple[Scalar, Scalar]] = []
    directives: list[Directive] = []
    for raw, origins in _logical_lines(text, positions, directives):
        key, value = _entry(raw, origins, positions)
        earlier = entries.pop(key.text, None)
        if earlier is not None:
            duplicates.append((earlier.key, key))
        entries[key.text] = Entry(key, value)
    root = Mapping(positions.opening(0, len(text)), (), tuple(entries.values()))
    return Loaded([root], directives, duplicates)


def _logical_lines(text: str, positions: Positions, directives: list[Directive]):
    """Each logical line as its raw characters (escapes kept) and each character's offset in `text`.

    Comment lines are skipped; the `intlint:` directives among them are added to `directives`.
    """
    raw: list[str] = []
    origins: list[int] = []
    continuing = False
    for match in _LINE.finditer(text):
        if not match.group():
            break
        line, start = match.group().rstrip("\n").rstrip("\r"), match.start()
        stripped = line.lstrip(_WHITESPACE)
        indent = len(line) - len(stripped)
        if not continuing and (not stripped or stripped[0] in "#!"):
            if "intlint:" in stripped:
                line_number, _ = positions.at(start)
                directive = parse_comment(stripped, line_number, indent + 1, True)
                if directive is not None:
                    directives.append(directive)
            continue
        backslashes = len(stripped) - len(stripped.rstrip("\\"))
        continuing = backslashes % 2 == 1
        content = stripped[:-1] if continuing else stripped
        raw.extend(content)
        origins.extend(range(start + indent, start + indent + len(content)))
        if not continuing and raw:
            yield "".join(raw), origins
            raw, origins = [], []
    if raw:
        yield "".join(raw), origins


def _entry(raw: str, origins: list[int], positions: Positions) -> tuple[Scalar, Scalar]:
    index = 0
    while index < len(raw) and raw[index] not in "=:" + _WHITESPACE:
        index += 2 if raw[index] == "\\" else 1
    key_end = min(index, len(raw))
    while index < len(raw) and raw[index] in _WHITESPACE:
        index += 1
    if index < len(raw) and raw[index] in "=:":
        index += 1
        while index < len(raw) and raw[index] in _WHITESPACE:
            index += 1
    key_text = _unescape(raw[:key_end], origins, positions)
    key = Scalar(_site(origins, 0, key_end, positions), (key_text,), key_text, key_text)
    value_text = _unescape(raw[index:], origins[index:], positions)
    value_site = _site(origins, index, len(raw), positions) if index < len(raw) else Site(_end_of(origins, positions), "")
    return key, Scalar(value_site, (key_text,), value_text, value_text)


def _site(origins: list[int], start: int, end: int, positions: Positions) -> Site:
    return positions.site(origins[start], origins[end - 1] + 1)


def _end_of(origins: list[int], positions: Positions) -> Span:
    """The empty span at the end of a logical line: where its missing value would be."""
    offset = origins[-1] + 1
    return positions.span(offset, offset)


def _unescape(raw: str, origins: list[int], positions: Positions) -> str:
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char != "\\" or index + 1 >= len(raw):
            out.append(char)
            index += 1
            continue
        code = raw[index + 1]
        if code == "u":
            digits = raw[index + 2 : index + 6]
            if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise LoadError(*positions.at(origins[index]), "malformed \\uxxxx escape: four hexadecimal digits must follow `\\u`")
            out.append(chr(int(digits, 16)))
            index += 6
        else:
            out.append(_ESCAPES.get(code, code))
            index += 2
    return "".join(out)
