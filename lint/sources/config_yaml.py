"""YAML: a safe, position-aware load built from PyYAML's event stream.

No Python object is ever constructed: the parser's events become `config_model`
nodes directly (plain scalars typed by the YAML core schema: int, float, bool,
null), so no tag can run code. Anchors are kept, and an alias becomes a copy of
the anchored node at the alias's place; copies are budgeted, so a "billion
laughs" document stops with IL001 at the alias that crosses the budget instead
of filling memory. Merge keys (`<<: *defaults`) are expanded. Comments are found
outside every scalar's span, so `# intlint: ignore[...]` works as in Python.
This module imports PyYAML, so it is imported only when a YAML file is linted.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from lint.findings import Span
from lint.sources.config_load import MAX_DEPTH, Loaded, LoadError, TooDeep
from lint.sources.config_model import Entry, Mapping, Node, NodePath, Scalar, Sequence
from lint.sources.model import Site
from lint.suppressions import Directive, parse_comment

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it
# Alias copies allowed per file: far above real config (docker-compose, CI anchors), far below a bomb.
ALIAS_BUDGET = 50_000
# Characters YAML forbids (as PyYAML's reader does); found first so the error points at them exactly.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# libyaml's own limit (1,000 levels), met before ours when it parses flow collections (`[[[...]]]`).
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"
_CORE = "tag:yaml.org,2002:"
_MERGE = _CORE + "merge"
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TYPED = {
    _CORE + "int": _CONSTRUCTOR.construct_yaml_int,
    _CORE + "float": _CONSTRUCTOR.construct_yaml_float,
    _CORE + "bool": _CONSTRUCTOR.construct_yaml_bool,
    _CORE + "null": _CONSTRUCTOR.construct_yaml_null,
}


def load(text: str) -> Loaded:
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - text.rfind("\n", 0, bad.start())
        raise LoadError(line, column, f"character U+{ord(bad.group()):04X} is not allowed in YAML")
    builder = _Builder(text)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as error:
        if error.problem == _LIBYAML_TOO_DEEP:
            raise TooDeep() from None
        raise _syntax_error(error, text) from None
    except yaml.YAMLError as error:
        raise LoadError(1, 1, f"YAML error: {error}") from None
    return Loaded(builder.roots, _directives(text, builder.scalar_spans), builder.duplicates)


def _syntax_error(error: yaml.MarkedYAMLError, text: str) -> LoadError:
    mark = error.problem_mark or error.context_mark
    message = f"YAML syntax error: {error.problem or error.context or 'invalid YAML'}"
    if error.problem and error.context and error.context_mark is not None:
        message += f" ({error.context} at line {_position(error.context_mark, text)[0]})"
    return LoadError(*_position(mark, text), message) if mark else LoadError(1, 1, message)


def _position(mark: Any, text: str) -> tuple[int, int]:
    """A mark's 1-based line and column; at the end of the file, where the parser counts a line break
    the file may not have, the end of its last line."""
    if mark.index >= len(text):
        return text.count("\n") + 1, len(text) - text.rfind("\n")
    return mark.line + 1, mark.column + 1


@dataclass
class _Open:
    """A mapping or sequence whose end event has not come yet."""

    is_mapping: bool
    path: NodePath
    start: Any  # the start event's mark
    anchor: str | None
    children: list[Node] = field(default_factory=list)  # items, or keys and values alternating
    merge_keys: set[int] = field(default_factory=set)  # indexes in `children` of plain `<<` keys


class _AliasBudgetSpent(Exception):
    pass


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.stack: list[_Open] = []
        self.anchors: dict[str, Node] = {}
        self.budget = ALIAS_BUDGET  # nodes that alias and merge copies may still add
        self.roots: list[Node] = []
        self.duplicates: list[tuple[Scalar, Scalar]] = []
        self.scalar_spans: list[tuple[int, int]] = []  # character ranges where a `#` is text, not a comment

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(self.stack) >= MAX_DEPTH:
                raise TooDeep()
            is_mapping = isinstance(event, yaml.MappingStartEvent)
            self.stack.append(_Open(is_mapping, self._next_path(), event.start_mark, event.anchor))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            done = self.stack.pop()
            self._add(self._close(done, event.end_mark), done.anchor)
        elif isinstance(event, yaml.AliasEvent):
            self._add(self._alias(event), None)

    # -- building ------------------------------------------------------------------------

    def _next_path(self, key_text: str | None = None) -> NodePath:
        """The path of the node about to be added: `key_text` names it when it is a mapping key."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if not top.is_mapping:
            return (*top.path, len(top.children))
        if len(top.children) % 2 == 0:  # a key: its path is the entry's
            return (*top.path, key_text if key_text is not None else "?")
        return (*top.path, top.children[-1].text)

    def _in_key_position(self) -> bool:
        return bool(self.stack) and self.stack[-1].is_mapping and len(self.stack[-1].children) % 2 == 0

    def _add(self, node: Node, anchor: str | None) -> None:
        if self._in_key_position() and not isinstance(node, Scalar):
            node = self._as_key(node)  # a complex key (`? [a, b]`): kept as its source text
        if anchor:
            self.anchors[anchor] = node
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.roots.append(node)

    def _as_key(self, node: Node) -> Scalar:
        text = node.site.text
        return Scalar(node.site, (*self.stack[-1].path, text), text, text)

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        tag = event.tag if event.tag not in (None, "!") else None
        resolved = tag or (_RESOLVER.resolve(yaml.ScalarNode, event.value, (True, False)) if event.implicit[0] else _CORE + "str")
        start, end = event.start_mark.index, event.end_mark.index
        self.scalar_spans.append((start, end))
        if resolved == _MERGE and self._in_key_position():
            top = self.stack[-1]
            top.merge_keys.add(len(top.children))
        node = Scalar(
            self._site(event.start_mark, event.end_mark, self.text[start:end]),
            self._next_path(event.value),
            event.value,
            _typed(resolved, event.value),
            tag or "",
        )
        self._add(node, event.anchor)

    def _close(self, done: _Open, end_mark: Any) -> Node:
        last = done.children[-1].site.span if done.children else None
        end = (last.end_line, last.end_column) if last else (end_mark.line + 1, end_mark.column + 1)
        first_line_end = self.text.find("\n", done.start.index)
        text = self.text[done.start.index : first_line_end if first_line_end != -1 else len(self.text)]
        site = Site(Span(done.start.line + 1, done.start.column + 1, *end), text)
        if done.is_mapping:
            return Mapping(site, done.path, self._entries(done))
        return Sequence(site, done.path, tuple(done.children))

    def _entries(self, done: _Open) -> tuple[Entry, ...]:
        """The mapping's entries: the last of repeated keys, then merged entries that no key overrides."""
        own: dict[str, Entry] = {}
        merged: list[tuple[Scalar, Node]] = []  # (the `<<` key, a mapping it merges)
        for index in range(0, len(done.children) - 1, 2):
            key, value = done.children[index], done.children[index + 1]
            if index in done.merge_keys:
                merged.extend((key, source) for source in (value.items if isinstance(value, Sequence) else [value]))
                continue
            earlier = own.pop(key.text, None)
            if earlier is not None:
                self.duplicates.append((earlier.key, key))
            own[key.text] = Entry(key, value)
        for merge_key, source in merged:  # earlier sources win over later ones, as YAML specifies
            for entry in source.entries if isinstance(source, Mapping) else ():
                if entry.key.text not in own:
                    path = (*done.path, entry.key.text)
                    where = (merge_key.span.start_line, merge_key.span.start_column)
                    own[entry.key.text] = Entry(self._copy(entry.key, path, where), self._copy(entry.value, path, where))
        return tuple(own.values())

    # -- aliases ---------------------------------------------------------------------------

    def _alias(self, event: yaml.AliasEvent) -> Node:
        line, column = event.start_mark.line + 1, event.start_mark.column + 1
        anchored = self.anchors.get(event.anchor)
        if anchored is None:
            raise LoadError(line, column, f"alias `*{event.anchor}` refers to no anchor defined before it")
        key_text = anchored.text if isinstance(anchored, Scalar) else None
        return self._copy(anchored, self._next_path(key_text), (line, column))

    def _copy(self, node: Node, path: NodePath, where: tuple[int, int]) -> Node:
        """`node` placed at `path`, each copied node paid for from the alias budget; `where` is the alias or merge key."""
        try:
            return self._relocated(node, path)
        except _AliasBudgetSpent:
            raise LoadError(
                *where,
                f"YAML aliases expand this file to more than {ALIAS_BUDGET:,} nodes (a \"billion laughs\" document); "
                "it is not read",
            ) from None

    def _relocated(self, node: Node, path: NodePath) -> Node:
        """A copy of `node` whose paths start at `path` (sites stay: they point at the anchored text)."""
        self.budget -= 1
        if self.budget < 0:
            raise _AliasBudgetSpent()
        if len(path) > MAX_DEPTH:
            raise TooDeep()
        if isinstance(node, Mapping):
            entries = []
            for entry in node.entries:
                child = (*path, entry.key.text)
                entries.append(Entry(replace(entry.key, path=child), self._relocated(entry.value, child)))
            return Mapping(node.site, path, tuple(entries))
        if isinstance(node, Sequence):
            return Sequence(node.site, path, tuple(self._relocated(item, (*path, index)) for index, item in enumerate(node.items)))
        return replace(node, path=path)

    @staticmethod
    def _site(start: Any, end: Any, text: str) -> Site:
        return Site(Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1), text)


def _typed(tag: str, text: str) -> Any:
    construct = _TYPED.get(tag)
    if construct is None:
        return text
    try:
        return construct(yaml.ScalarNode(tag, text))
    except (ValueError, TypeError, yaml.YAMLError):
        return text


def _directives(text: str, scalar_spans: list[tuple[int, int]]) -> list[Directive]:
    """`# intlint: ...` comments: a `#` at a line's start or after a space, outside every scalar."""
    if "intlint:" not in text:
        return []
    starts = [start for start, _ in scalar_spans]
    directives = []
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):
        if "intlint:" in line:
            for column, char in enumerate(line):
                if char == "#" and (column == 0 or line[column - 1] in " \t") and not _inside(offset + column, starts, scalar_spans):
                    directive = parse_comment(line[column:], number, column + 1, not line[:column].strip())
                    if directive is not None:
                        directives.append(directive)
                    break
        offset += len(line) + 1
    return directives


def _inside(position: int, starts: list[int], spans: list[tuple[int, int]]) -> bool:
    index = bisect_right(starts, position) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]
