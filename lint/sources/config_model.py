"""The position-aware document every config format (YAML, JSON, .properties) loads into.

A document is a tree of `Scalar`, `Mapping` and `Sequence` nodes. Every node has
its `site` (exact 1-based span and source text) and its `path` from the root
(`("Insert Accounts", "action")`, `(0, "route", "from", "steps", 2, "to")`),
which is also the `scope` that keys a finding's fingerprint, so baselines
survive lines moving. Rules select nodes with path patterns (`config_paths`):
`document.select("*.batch_size")`, `mapping.first("config.connector.class")`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator, Union

from lint.findings import Span
from lint.sources.model import Site

if TYPE_CHECKING:
    from lint.sources.config_dialects import Dialect
    from lint.sources.config_paths import Match

Key = Union[str, int]  # a mapping key's text, or a sequence index
NodePath = tuple[Key, ...]

# Values that are filled in from elsewhere when the config is used: environment and secret stores,
# template engines, config providers. They are never literal secrets, endpoints or settings.
_REFERENCE = re.compile(
    r"\$\{[^}]*\}"  # ${VAR}, ${env:VAR}, ${file:/path:key}, ${{ secrets.X }} (Spring, Kafka Connect, GitHub)
    r"|\{\{.*?\}\}"  # {{name}}, {{ vault_x }} (Camel property placeholders, Jinja, Helm)
    r"|^\$[A-Za-z_]\w*$"  # $VAR (docker-compose, Meltano)
    r"|^\$\([A-Za-z_][\w.]*\)$"  # $(var) (Azure Pipelines)
    r"|^ENC\(.*\)$"  # ENC(...) (Jasypt-encrypted)
    r"|^\{cipher\}"  # {cipher}... (Spring Cloud Config-encrypted)
    r"|^(vault|arn:aws:secretsmanager|arn:aws:ssm):",  # a Vault path, an AWS secret or parameter
    re.DOTALL,
)
_STANDARD_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True, eq=False)
class Node:
    site: Site
    path: NodePath

    @property
    def span(self) -> Span:
        return self.site.span

    @property
    def scope(self) -> str:
        """The path as text (`Insert Accounts.action`, `[0].route.from.steps[2].to`): keys the fingerprint."""
        return format_path(self.path)

    def select(self, pattern: str) -> Iterator[Match]:
        """Every node under this one that `pattern` reaches (see `config_paths`), in document order."""
        from lint.sources.config_paths import select

        return select(self, pattern)

    def first(self, pattern: str) -> Match | None:
        return next(self.select(pattern), None)


@dataclass(frozen=True, eq=False)
class Scalar(Node):
    text: str  # the value as written, unquoted and unescaped: `500`, `insert`, `true`, `` for an empty value
    value: Any  # typed: str, int, float, bool or None (YAML core schema, JSON types; .properties: always str)
    tag: str = ""  # an explicit YAML tag such as `!ENV`; "" when there is none

    def number(self) -> int | float | None:
        """The numeric value, also of numeric text (`"500"` in .properties or quotes); None for anything else."""
        if isinstance(self.value, bool):
            return None
        if isinstance(self.value, (int, float)):
            return self.value
        text = self.text.strip().replace("_", "")
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                continue
        return None

    def is_(self, *words: str) -> bool:
        """The text is one of `words`, ignoring case: `node.is_("insert")`."""
        return self.text.strip().lower() in {word.lower() for word in words}

    def part(self, start: int, end: int) -> Site:
        """The site of `text[start:end]` when the text appears verbatim on one line of the source, else the whole site.

        Lets a finding point at one option inside a URI (`...?replayId=-1`) rather than at the URI.
        """
        span, source = self.site.span, self.site.text
        offset = source.find(self.text) if self.text else -1
        if span.start_line != span.end_line or offset < 0 or "\n" in self.text:
            return self.site
        column = span.start_column + offset
        return Site(Span(span.start_line, column + start, span.start_line, column + end), self.text[start:end])


@dataclass(frozen=True, eq=False)
class Entry:
    key: Scalar
    value: Node


@dataclass(frozen=True, eq=False)
class Mapping(Node):
    # In source order; a key given twice keeps only its last value (as every loader does), and YAML
    # merge keys (`<<: *defaults`) are expanded, explicit keys winning.
    entries: tuple[Entry, ...]

    @cached_property
    def _by_key(self) -> dict[str, Entry]:
        return {entry.key.text: entry for entry in self.entries}

    def entry(self, key: str) -> Entry | None:
        return self._by_key.get(key)

    def get(self, key: str) -> Node | None:
        """The value under exactly this key (no pattern: `connector.class` is one key here)."""
        entry = self._by_key.get(key)
        return entry.value if entry is not None else None

    def scalar(self, key: str) -> Scalar | None:
        """The value under `key` if it is a scalar."""
        value = self.get(key)
        return value if isinstance(value, Scalar) else None


@dataclass(frozen=True, eq=False)
class Sequence(Node):
    items: tuple[Node, ...]


def each_value(node: Node | None) -> tuple[Node, ...]:
    """The values a setting holds: a list's items, or the value itself (`update_key: Id` and `update_key: [Id]`)."""
    if node is None:
        return ()
    return node.items if isinstance(node, Sequence) else (node,)


@dataclass(frozen=True)
class ConfigDocument:
    """One document of a config file (a YAML stream may hold several) and the dialect it was recognised as."""

    path: str  # the file's relative POSIX path
    format: str  # "yaml", "json", "properties" or "registration" (an External Service registration's spec)
    root: Node
    dialect: Dialect
    index: int = 0  # the document's place in a multi-document YAML stream

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def select(self, pattern: str) -> Iterator[Match]:
        return self.root.select(pattern)

    def first(self, pattern: str) -> Match | None:
        return self.root.first(pattern)


def is_reference(value: Node, key: Scalar | None = None) -> bool:
    """The value is filled in from the environment or a secret store when the config is used, so never a literal.

    `${...}`, `{{...}}`, `$VAR`, `ENC(...)`, a value under an application tag (`!ENV ${X}`,
    `!secret name`, `!vault ...`), and anything under a Keboola-style encrypted key (`#password`).
    """
    if key is not None and key.text.startswith("#"):
        return True
    if not isinstance(value, Scalar):
        return False
    if value.tag and not value.tag.startswith(_STANDARD_TAG):
        return True
    return bool(_REFERENCE.search(value.text))


def as_template(text: str) -> str:
    """The text with each reference (`${ERP_HOST}`, `{{host}}`) replaced by `{}`, the mark of a part not known here."""
    return _REFERENCE.sub("{}", text)


def format_path(path: NodePath) -> str:
    parts: list[str] = []
    for key in path:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(f".{key}" if parts else key)
    return "".join(parts)
