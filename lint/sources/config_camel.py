"""Apache Camel endpoints in YAML routes, Kamelets and Camel K integrations, with their URIs parsed.

An endpoint is a `uri` (with its sibling `parameters`) or a URI given directly
to `to`, `toD`, `from`, `wireTap`, `enrich`, `pollEnrich`; its component is
`salesforce`, or a bean declared as a `SalesforceComponent` (as Kamelets do:
`uri: "{{local-salesforce}}:createSObject"`). Its URI is split into
scheme, path and query options, and options given inline
(`salesforce:createSObject?sObjectName=Account`) and as `parameters:` keys land
in one table of `Scalar`s, so a rule asks `endpoint.option("sObjectName")`
either way; an inline option's site is its value inside the URI. An option
given as a structure (`initialReplayIdMap:` as a mapping) is only in `parameters`,
so `endpoint.given(name)` asks whether it is set in any form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from lint.sources.config_model import Mapping, Node, Scalar

ENDPOINT_KEYS = "uri|to|toD|from|wireTap|enrich|pollEnrich|inOnly|inOut"
SALESFORCE = "salesforce"
COMPONENT_CLASS = "org.apache.camel.component.salesforce.SalesforceComponent"


@dataclass(frozen=True)
class Endpoint:
    uri: Scalar  # the URI as written: where findings about the endpoint as a whole point
    scheme: str  # as written: `salesforce`, `{{local-salesforce}}`
    path: str  # between the scheme and the query: `createSObject`, `subscribe:/event/Order__e`
    options: dict[str, Scalar]  # query options and `parameters:` entries (a `parameters:` key wins)
    parameters: Mapping | None = None  # the sibling `parameters:`, with values of any shape

    def option(self, name: str) -> Scalar | None:
        return self.options.get(name)

    def given(self, name: str) -> bool:
        """Whether the option is set at all: inline, or as a `parameters:` key of any shape (a map, a list)."""
        return name in self.options or (self.parameters is not None and self.parameters.get(name) is not None)

    @property
    def inline_options(self) -> dict[str, Scalar]:
        """The options written in the URI's query (`parameters:` entries are keys of the document themselves)."""
        return {name: value for name, value in self.options.items() if value.path[-1:] == (f"?{name}",)}

    @property
    def consumer(self) -> bool:
        """The route starts `from` it, so Camel runs it as a consumer (for Salesforce: a subscription)."""
        keys = [key for key in self.uri.path if isinstance(key, str)]
        return keys[-1:] == ["from"] or keys[-2:] == ["from", "uri"]

    @property
    def operation(self) -> str:
        """`operationName` when given, else the first part of the path: `createSObject`, `subscribe`."""
        explicit = self.option("operationName")
        return explicit.text if explicit is not None else self.path.split(":", 1)[0]

    @property
    def label(self) -> str:
        """The endpoint for a message, without its options: `salesforce:createSObject`, `salesforce:subscribe:/event/X`."""
        return f"{self.scheme}:{self.path or self.operation}"


@lru_cache(maxsize=4)  # asked by dialect detection and by each rule of the same document: one walk serves all
def endpoints(root: Node) -> tuple[Endpoint, ...]:
    """The Salesforce component's endpoints anywhere in the document, in document order."""
    components = {SALESFORCE, *_component_beans(root)}
    parameters = {match.value.path[:-1]: match.value for match in root.select("**.parameters") if isinstance(match.value, Mapping)}
    found = []
    for match in root.select(f"**.{ENDPOINT_KEYS}"):
        if not isinstance(match.value, Scalar) or _component(match.value.text) not in components:
            continue
        siblings = parameters.get(match.value.path[:-1]) if match.key is not None and match.key.text == "uri" else None
        found.append(parse(match.value, siblings))
    return tuple(found)


def parse(uri: Scalar, parameters: Mapping | None = None) -> Endpoint:
    text = uri.text
    scheme, _, rest = text.partition(":")
    query_start = rest.find("?")
    path = rest if query_start == -1 else rest[:query_start]
    options: dict[str, Scalar] = {}
    if query_start != -1:
        offset = len(scheme) + 1 + query_start + 1  # where the query starts in `text`
        for name, start, end in _query(rest[query_start + 1 :]):
            value = unquote(text[offset + start : offset + end])
            site = uri.part(offset + start, offset + end)
            options[name] = Scalar(site, (*uri.path, f"?{name}"), value, value)
    for entry in parameters.entries if parameters is not None else ():
        if isinstance(entry.value, Scalar):
            options[entry.key.text] = entry.value
    return Endpoint(uri, scheme.strip(), path.removeprefix("//"), options, parameters)


def _component(uri: str) -> str:
    """The component a URI names, placeholder braces removed: `{{local-salesforce}}:...` -> `local-salesforce`."""
    scheme = uri.split(":", 1)[0].strip()
    if scheme.startswith("{{") and scheme.endswith("}}"):
        scheme = scheme[2:-2].strip()
    return scheme.lower()


def _component_beans(root: Node) -> set[str]:
    """Names of beans declared as the Salesforce component (`type: "#class:...SalesforceComponent"`)."""
    names = set()
    for match in root.select("**.beans.*"):
        bean = match.value
        kind, name = (bean.scalar("type"), bean.scalar("name")) if isinstance(bean, Mapping) else (None, None)
        if kind is not None and name is not None and kind.text.removeprefix("#class:") == COMPONENT_CLASS:
            names.add(name.text.lower())
    return names


def _query(query: str):
    """(name, value start, value end) of each `name=value` in a query, positions relative to `query`."""
    position = 0
    for pair in query.split("&"):
        name, equals, _ = pair.partition("=")
        start = position + len(name) + len(equals)
        value_start, value_end = start, position + len(pair)
        raw = query[value_start:value_end]
        if raw.startswith("RAW(") and raw.endswith(")"):  # Camel's marker for a value taken verbatim
            value_start, value_end = value_start + 4, value_end - 1
        if name:
            yield unquote(name), value_start, value_end
        position += len(pair) + 1

