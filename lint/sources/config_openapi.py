"""OpenAPI 2 and 3 documents (the specs External Services register): operations, their parameters and bodies.

Local `$ref`s (`#/components/parameters/IdempotencyKey`, `#/parameters/...`,
`#/definitions/...`) are followed; remote ones are not (nothing is fetched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lint.sources.config_model import ConfigDocument, Mapping, Node, Scalar, Sequence

MAX_REF_HOPS = 10  # a `$ref` chain longer than this (or a cycle) is left unresolved


@dataclass(frozen=True)
class Operation:
    method: str  # upper case: POST
    route: str  # the path template: /orders/{id}
    key: Scalar  # the method's key (`post:`), where findings point
    node: Mapping
    path_item: Mapping

    @property
    def label(self) -> str:
        operation_id = self.node.scalar("operationId")
        return f"`{self.method} {self.route}`" + (f" (`{operation_id.text}`)" if operation_id is not None else "")


def operations(document: ConfigDocument, method: str) -> Iterator[Operation]:
    for match in document.select(f"paths.*.{method.lower()}"):
        route = match.value.path[-2]
        path_item = resolve(document, document.root.get("paths").get(route))
        node = resolve(document, match.value)
        if isinstance(node, Mapping) and isinstance(path_item, Mapping):
            yield Operation(method.upper(), str(route), match.key, node, path_item)


def parameters(document: ConfigDocument, operation: Operation) -> list[Mapping]:
    """The operation's parameters with the path item's, `$ref`s resolved."""
    found = []
    for owner in (operation.path_item, operation.node):
        listed = owner.get("parameters")
        for item in listed.items if isinstance(listed, Sequence) else ():
            parameter = resolve(document, item)
            if isinstance(parameter, Mapping):
                found.append(parameter)
    return found


def header_names(document: ConfigDocument, operation: Operation) -> list[str]:
    return [
        name.text
        for parameter in parameters(document, operation)
        if (place := parameter.scalar("in")) is not None and place.is_("header") and (name := parameter.scalar("name")) is not None
    ]


def body_fields(document: ConfigDocument, operation: Operation) -> list[str]:
    """Top-level property names of the request body's schemas (OpenAPI 3 `requestBody`, OpenAPI 2 `in: body`)."""
    schemas: list[Node] = []
    body = resolve(document, operation.node.get("requestBody"))
    if isinstance(body, Mapping):
        schemas += [match.value for match in body.select("content.*.schema")]
    schemas += [parameter.get("schema") for parameter in parameters(document, operation) if (place := parameter.scalar("in")) is not None and place.is_("body")]
    names = []
    for schema in schemas:
        resolved = resolve(document, schema)
        properties = resolved.get("properties") if isinstance(resolved, Mapping) else None
        if isinstance(properties, Mapping):
            names += [entry.key.text for entry in properties.entries]
    return names


def resolve(document: ConfigDocument, node: Node | None) -> Node | None:
    """`node`, or what its local `$ref` points to."""
    for _ in range(MAX_REF_HOPS):
        reference = node.scalar("$ref") if isinstance(node, Mapping) else None
        if reference is None or not reference.text.startswith("#/"):
            return node
        node = _pointer(document.root, reference.text[2:])
    return node


def _pointer(root: Node, pointer: str) -> Node | None:
    """The node a JSON pointer (`components/parameters/Key`) names, or None."""
    node: Node | None = root
    for token in pointer.split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            node = node.get(token)
        elif isinstance(node, Sequence) and token.isdigit() and int(token) < len(node.items):
            node = node.items[int(token)]
        else:
            return None
    return node
