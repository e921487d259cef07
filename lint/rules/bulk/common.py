"""What the IL2xx bulk-volume rules share: reading what a call does, its platform limits, and their messages.

The rules read calls through the shared Salesforce classifier (`likely_salesforce_call`, which also reads a
query's SOQL), values behind names through the facts (`integer_value`, `collection_size`, `value_of`), and loops
through the shared loop context (`report_in_loop`) and loop shapes (`python_loops.loop_shape`). What this family
adds is its judgement: which calls are per-record writes, which requests exceed a limit, and what a function does
with a query's result. The config parts read CumulusCI mapping steps and Camel endpoints through the config
source's dialect helpers.
"""

from __future__ import annotations

import re

import libcst as cst

from lint.findings import Confidence
from lint.rules.base import Option
from lint.sources.python_calls import clipped
from lint.sources.python_facts import Loop, PythonFacts
from lint.sources.python_salesforce import SalesforceCall, likely_salesforce_call

BULK_THRESHOLD = Option(
    "bulk-threshold",
    2000,
    "Record count above which a data set belongs in Bulk API 2.0 (the guide's 2,000): IL205 flags REST writes over larger sets, IL201 names it in its fix.",
)


def resolve_call(facts: PythonFacts, node: cst.Call) -> tuple[SalesforceCall, Confidence | None] | None:
    """The Salesforce operation of `node`, and the confidence to report it with (None: the rule's own)."""
    found = likely_salesforce_call(facts, node)
    if found is None:
        return None
    call, confidence = found
    return call, None if confidence is Confidence.HIGH else confidence


# -- what a call does ------------------------------------------------------------

REST_OBJECT_PATH = re.compile(r"^(?P<composite>composite/)?sobjects/(?P<sobject>[A-Za-z]\w*)(/(?P<key>[^?#]+?))?/?$")
BULK2_FOR_METHOD = {"POST": "insert", "PUT": "upsert", "DELETE": "delete"}
BULK2_FOR_OPERATION = {"create": "insert"}


def is_record_write(call: SalesforceCall) -> bool:
    """One record per request: `sf.<Object>.create/update/upsert/delete` or a REST write to `sobjects/<Object>/...`."""
    if call.is_rest:
        return call.is_write and (call.rest_path or "").startswith("sobjects/")
    return call.api == "sobject" and call.is_write


def bulk2_call(call: SalesforceCall, client: str = "sf") -> str:
    """The Bulk API 2.0 call that does the same job: `sf.bulk2.Contact.insert`."""
    if not call.is_rest:
        return f"{client}.bulk2.{call.sobject or '<Object>'}.{BULK2_FOR_OPERATION.get(call.operation, call.operation)}"
    path = REST_OBJECT_PATH.match(call.rest_path or "")
    sobject = path.group("sobject") if path else None
    return f"{client}.bulk2.{sobject or '<Object>'}.{_rest_operation(call.http_method or '', path)}"


def _rest_operation(method: str, path: re.Match | None) -> str:
    """The Bulk API 2.0 operation of a REST write; PATCH on an external-id path upserts."""
    if method != "PATCH":
        return BULK2_FOR_METHOD.get(method, "insert")
    key = path.group("key") if path else None
    # `sobjects/Contact/Email__c/{value}` and `composite/sobjects/Contact/Email__c` name an external id field.
    by_external_id = key is not None and (path.group("composite") is not None or "/" in key)
    return "upsert" if by_external_id else "update"


CLIENT_DEPTH = {"client": 0, "restful": 0, "sobject": 1, "bulk": 2, "bulk2": 2}  # attributes between the call and its client


def client_of(facts: PythonFacts, node: cst.Call, call: SalesforceCall) -> str:
    """The client a fix should name: `self.sf` for `self.sf.Contact.create(...)`; `sf` for raw HTTP calls."""
    depth = CLIENT_DEPTH.get(call.api)
    expr = node.func.value if isinstance(node.func, cst.Attribute) and depth is not None else None
    for _ in range(depth or 0):
        expr = expr.value if isinstance(expr, cst.Attribute) else None
    return clipped(facts.source(expr)) if expr is not None else "sf"


# -- messages --------------------------------------------------------------------


def call_label(facts: PythonFacts, node: cst.Call, call: SalesforceCall) -> str:
    """"`sf.Contact.create`", or "`session.post` (POST `sobjects/Contact/`)" for REST calls."""
    label = f"`{clipped(facts.source(node.func))}`"
    if call.is_rest:
        label += f" ({call.http_method} `{call.rest_path}`)"
    return label


def loop_where(loop: Loop, line: int) -> str:
    """"loop at line 12", "`while` loop at line 12", "`map` at line 12 calls `push`"."""
    kind = "`map`" if isinstance(loop.node, cst.Call) else "`while` loop" if loop.iterable is None else "loop"
    where = f"{kind} at line {line}"
    return f"{where} calls `{loop.via}`" if loop.via else where


# -- what config sets up --------------------------------------------------------
