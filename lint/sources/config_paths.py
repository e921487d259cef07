"""Path patterns over a config document: the one way config rules select what they check (after checkov).

A pattern is dot-separated segments:

- `name` matches that key; `a|b` either key;
- `*` matches any one key or sequence item;
- `**` matches any number of levels, none included.

A key that contains dots is as many levels as it has parts, so `config.connector.class`
matches `{"config": {"connector.class": ...}}`, `connector.class=...` in a
.properties file and nested YAML alike; `*` also matches such a key whole
(`paths.*.post` matches `/v1.0/orders`). Each match carries the key it was
reached through, so a rule can point at the key or at its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from lint.sources.config_model import Mapping, Node, Scalar, Sequence

ANY = "*"
ANY_DEPTH = "**"


@dataclass(frozen=True)
class Match:
    key: Scalar | None  # the key the value was reached through; None for sequence items and the start node
    value: Node

    @property
    def at(self) -> Node:
        """Where a finding about this entry points: its key, or the value when there is none."""
        return self.key if self.key is not None else self.value


class PatternError(ValueError):
    """A pattern with an empty segment (`a..b`), a bug in the rule that wrote it."""


@dataclass(frozen=True)
class _Step:
    """One level down: into a child node, or one part further into a dotted key."""

    label: str | None  # the key part this step matches; None for a sequence item (only `*` and `**` match it)
    value: Node
    key: Scalar | None
    parts: tuple[str, ...]  # parts of a dotted key still ahead before `value` is reached


def select(node: Node, pattern: str) -> Iterator[Match]:
    """Every match of `pattern` under `node`, in document order."""
    return _match(node, None, (), compile_pattern(pattern))


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> tuple[frozenset[str] | str, ...]:
    segments = pattern.split(".")
    if any(not segment for segment in segments):
        raise PatternError(f"empty segment in config path pattern {pattern!r}")
    return tuple(segment if segment in (ANY, ANY_DEPTH) else frozenset(segment.split("|")) for segment in segments)


def _match(node: Node, key: Scalar | None, parts: tuple[str, ...], segments: tuple) -> Iterator[Match]:
    if not segments:
        if not parts:
            yield Match(key, node)
        return
    head, rest = segments[0], segments[1:]
    if head == ANY_DEPTH:
        yield from _match(node, key, parts, rest)
        for step in _steps(node, key, parts, whole_keys=False):
            yield from _match(step.value, step.key, step.parts, segments)
        return
    for step in _steps(node, key, parts, whole_keys=head == ANY):
        if head == ANY or (step.label is not None and step.label in head):
            yield from _match(step.value, step.key, step.parts, rest)


def _steps(node: Node, key: Scalar | None, parts: tuple[str, ...], *, whole_keys: bool) -> Iterator[_Step]:
    if parts:  # still inside a dotted key
        yield _Step(parts[0], node, key, parts[1:])
        return
    if isinstance(node, Mapping):
        for entry in node.entries:
            split = tuple(entry.key.text.split("."))
            yield _Step(split[0], entry.value, entry.key, split[1:])
            if whole_keys and len(split) > 1:
                yield _Step(entry.key.text, entry.value, entry.key, ())
    elif isinstance(node, Sequence):
        for item in node.items:
            yield _Step(None, item, None, ())
