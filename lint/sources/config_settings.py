"""Settings in config documents read by their names, however a format spells them.

`salesforce.grant.type=PASSWORD`, `grantType: password` and `GRANT_TYPE: password` name one
setting: a key is read as its words (`words`), and a rule knows a setting by the words its
key ends with (`Setting.named`). Settings are grouped as a program reads them (`groups`): the
keys of one mapping that share a prefix (`salesforce.username` with `salesforce.password`,
`camel.component.salesforce.user-name` with `...password`), so a rule can ask whether a
username comes with a password. `about_salesforce` tells whether a group is Salesforce's
from its names and neighbours: a file that mentions Salesforce may configure other systems too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from lint.sources.config_camel import endpoints
from lint.sources.config_dialects import CAMEL, KAFKA_CONNECT, TAP
from lint.sources.config_model import ConfigDocument, Mapping, Node, NodePath, Scalar, Sequence

KEY_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")  # `request.timeout.ms`, `readTimeout`, `HTTPTimeout`
Name = tuple[str, ...]  # a setting's name as words: ("grant", "type")
SALESFORCE_WORDS = frozenset({"salesforce", "sf", "sfdc", "sforce"})
MENTIONS_SALESFORCE = re.compile(r"salesforce|force\.com|sfdc", re.IGNORECASE)
SECURITY_TOKEN: Name = ("security", "token")  # a credential only Salesforce has
SFDX_PROJECT_KEY = "packageDirectories"  # what makes a JSON file a Salesforce DX project's `sfdx-project.json`
# Keys of the holder's parent that name what the holder configures: a Meltano plugin's `name`, a Camel
# bean's `type`, a Kamelet binding's `ref`.
IDENTIFYING_KEYS = ("name", "type", "kind", "ref.name", "component", "connector", "plugin")
NAME_VALUE = frozenset({"name", "value"})
# Keys whose values describe rather than configure: documentation, examples, schema identifiers.
DOCUMENTATION_KEYS = frozenset(
    {"description", "summary", "title", "example", "examples", "comment", "comments", "note", "notes", "help", "doc", "docs", "documentation", "$schema", "$id", "$comment"}
)


def words(text: str) -> Name:
    """A key's words in lower case: `salesforce.grant.type`, `grantType`, `GRANT_TYPE` -> ("grant", "type") at the end."""
    return tuple(word.lower() for word in KEY_WORDS.findall(text))


def ends_with(key: Name, *names: Name) -> Name | None:
    """The longest of `names` a key's words end with: `salesforce.consumer.secret` ends with ("consumer", "secret")."""
    return max((name for name in names if key[-len(name) :] == name), key=len, default=None)


@dataclass(frozen=True)
class Setting:
    key: Scalar  # where a finding about the setting's name points (an option inside a Camel URI: its value)
    value: Node
    name: str  # as written: `salesforce.grant.type`, a Camel option's `apiVersion`
    label: str  # for messages: "Kafka Connect connector key `salesforce.password`", "Camel endpoint `salesforce:query` option `password`"
    words: Name = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", words(self.name))

    def named(self, *names: Name) -> Name | None:
        return ends_with(self.words, *names)

    @property
    def literal(self) -> Scalar | None:
        """The value when it is a scalar with text (an empty value or `null` sets nothing)."""
        return self.value if isinstance(self.value, Scalar) and self.value.text.strip() and self.value.value is not None else None


@dataclass
class Group:
    """Settings of one mapping that share a key prefix: what a program reads as one component's configuration."""

    holder: Mapping | None  # None for settings that are not keys (a Camel endpoint's inline options)
    prefix: Name  # the words before the setting's name: ("camel", "component", "salesforce")
    named: dict[Name, Setting] = field(default_factory=dict)

    def get(self, *names: Name) -> Setting | None:
        return next((self.named[name] for name in names if name in self.named), None)


@lru_cache(maxsize=4)  # most config rules read every setting of the same document: one walk serves them all
def settings(document: ConfigDocument) -> tuple[Setting, ...]:
    """Every key of the document with its value, in document order, leaving out documentation and examples; then
    the options written inside Camel endpoint URIs (`salesforce:query?apiVersion=29.0`)."""
    found = [
        Setting(match.key, match.value, match.key.text, f"{document.dialect.label} key `{match.key.text}`")
        for match in document.select("**")
        if match.key is not None and not is_documentation(match.value.path)
    ]
    if document.dialect == CAMEL:
        for endpoint in endpoints(document.root):
            for name, value in endpoint.inline_options.items():
                found.append(Setting(value, value, name, f"Camel endpoint `{endpoint.label}` option `{name}`"))
    return tuple(found)


def name_value_pairs(document: ConfigDocument) -> Iterator[tuple[Scalar, Node]]:
    """Settings written as `{name: SF_PASSWORD, value: ...}` (a Kubernetes container's `env`, Strimzi's and Camel K's
    lists): the name, and the value it sets."""
    for match in document.select("**"):
        node = match.value
        if isinstance(node, Mapping) and {entry.key.text for entry in node.entries} == NAME_VALUE:
            name, value = node.scalar("name"), node.get("value")
            if name is not None and value is not None and not is_documentation(node.path):
                yield name, value


def groups(document: ConfigDocument, names: tuple[Name, ...]) -> list[Group]:
    """The settings named one of `names`, grouped by the mapping they are in and the prefix of their keys."""
    found: dict[tuple[NodePath, Name], Group] = {}
    for holder in _mappings(document.root):
        for entry in holder.entries:
            setting = Setting(entry.key, entry.value, entry.key.text, f"{document.dialect.label} key `{entry.key.text}`")
            name = setting.named(*names)
            if name is not None and not is_documentation(entry.value.path):
                prefix = setting.words[: -len(name)]
                found.setdefault((holder.path, prefix), Group(holder, prefix)).named.setdefault(name, setting)
    return list(found.values())


def path_words(path: NodePath) -> set[str]:
    """The words of the keys on the way to a node: `bugs.url` -> {"bugs", "url"}."""
    return {word for key in path if isinstance(key, str) for word in words(key)}


def about_salesforce(document: ConfigDocument, group: Group) -> bool:
    """Whether a group configures Salesforce: its keys or the path to them say so (`salesforce.password`,
    `sf: {...}`), a neighbour does (an instance URL on `my.salesforce.com`, a security token), the
    mapping it is in is named so (a Meltano plugin `tap-salesforce`, a Camel bean of the Salesforce
    component), or the document is a Salesforce connector, tap or DX project (`sfdx-project.json`, with its
    `packageDirectories`) whose own settings these are."""
    if SALESFORCE_WORDS & (path_words(group.holder.path) | set(group.prefix)):
        return True
    if not group.holder.path and (document.dialect in (KAFKA_CONNECT, TAP) or group.holder.get(SFDX_PROJECT_KEY) is not None):
        return True
    for entry in group.holder.entries:
        key_words = words(entry.key.text)
        if key_words[: len(group.prefix)] != group.prefix:
            continue
        if key_words[-len(SECURITY_TOKEN) :] == SECURITY_TOKEN or (isinstance(entry.value, Scalar) and MENTIONS_SALESFORCE.search(entry.value.text)):
            return True
    parent = node_at(document.root, group.holder.path[:-1]) if group.holder.path else None
    return isinstance(parent, Mapping) and any(
        isinstance(match.value, Scalar) and MENTIONS_SALESFORCE.search(match.value.text) for key in IDENTIFYING_KEYS if (match := parent.first(key)) is not None
    )


def is_documentation(path: NodePath) -> bool:
    """The node sits under a description, an example or a schema identifier: text about a setting, not one."""
    return any(isinstance(key, str) and key.lower() in DOCUMENTATION_KEYS for key in path)


def node_at(root: Node, path: NodePath) -> Node | None:
    node: Node | None = root
    for key in path:
        if isinstance(node, Mapping) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, Sequence) and isinstance(key, int) and key < len(node.items):
            node = node.items[key]
        else:
            return None
    return node


def _mappings(root: Node) -> Iterator[Mapping]:
    for match in root.select("**"):
        if isinstance(match.value, Mapping):
            yield match.value

