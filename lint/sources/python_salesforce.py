"""What Salesforce operation a call performs, through any of the clients rules must understand.

One classifier for simple_salesforce (`sf.<Object>.create`, `sf.bulk.<Object>.insert`,
`sf.bulk2.<Object>.upsert`, `sf.query_all`, `sf.restful(path, method=...)`) and raw
`requests`/`httpx` calls to `/services/data/vNN.N/...` URLs, so the idempotency,
bulk and security rules all read calls the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from lint.sources.python_calls import keyword, positional
from lint.sources.python_facts import (
    BULK2_TYPE,
    BULK_TYPE,
    HTTPX_ASYNC_CLIENT,
    HTTPX_CLIENT,
    REQUESTS_SESSION,
    SALESFORCE,
    SFTYPE,
    PythonFacts,
)

REST_URL = re.compile(r"/services/data/v(?P<version>\d+\.\d+)/(?P<path>[^?#]*)")
SOBJECT_IN_PATH = re.compile(r"^sobjects/(?P<sobject>[A-Za-z][A-Za-z0-9_]*)")
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
HTTP_MODULES = ("requests", "httpx")
HTTP_CLIENTS = (REQUESTS_SESSION, HTTPX_CLIENT, HTTPX_ASYNC_CLIENT)
API_BY_TYPE = {SFTYPE: "sobject", BULK_TYPE: "bulk", BULK2_TYPE: "bulk2"}
WRITE_OPERATIONS = frozenset({"create", "insert", "update", "upsert", "delete", "hard_delete"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class SalesforceCall:
    api: str  # "sobject", "bulk", "bulk2", "client" (sf.query...), "restful", "http" (requests/httpx)
    operation: str  # the method called: create, upsert, query_all, restful, post, ...
    sobject: str | None = None  # Contact, Order__c, ... when the call names one
    http_method: str | None = None  # for REST calls: GET, POST, PATCH, ...
    rest_path: str | None = None  # REST path after /services/data/vNN.N/ (unknown parts as `{}`)
    api_version: str | None = None  # from the URL, when it names one

    @property
    def is_write(self) -> bool:
        if self.api in ("restful", "http"):
            return self.http_method in WRITE_METHODS
        return self.operation in WRITE_OPERATIONS


def salesforce_call(facts: PythonFacts, call: cst.Call) -> SalesforceCall | None:
    """The Salesforce operation `call` performs, or None when it is not (provably) one."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return _http_call(facts, call, facts.qualified_name(func))
    receiver = facts.type_of(func.value)
    operation = func.attr.value
    if receiver is not None and receiver.qualified in API_BY_TYPE:
        sobject = func.value.attr.value if isinstance(func.value, cst.Attribute) else None
        return SalesforceCall(API_BY_TYPE[receiver.qualified], operation, sobject)
    if receiver is not None and receiver.qualified == SALESFORCE:
        if operation == "restful":
            return _restful_call(facts, call)
        return SalesforceCall("client", operation)
    if receiver is not None and receiver.qualified in HTTP_CLIENTS:
        return _http_request(facts, call, operation)
    return _http_call(facts, call, facts.qualified_name(func))


def _http_call(facts: PythonFacts, call: cst.Call, qualified: str | None) -> SalesforceCall | None:
    module, _, verb = (qualified or "").rpartition(".")
    if module not in HTTP_MODULES:
        return None
    return _http_request(facts, call, verb)


def _http_request(facts: PythonFacts, call: cst.Call, verb: str) -> SalesforceCall | None:
    """`requests.post(url)`, `session.request("PATCH", url)`: a call whose URL is a Salesforce REST URL."""
    args = positional(call)
    if verb == "request":
        method = _text(facts, keyword(call, "method"), args[0] if args else None)
        url = _text(facts, keyword(call, "url"), args[1] if len(args) > 1 else None)
    elif verb in HTTP_VERBS:
        method = verb
        url = _text(facts, keyword(call, "url"), args[0] if args else None)
    else:
        return None
    match = REST_URL.search(url or "")
    if match is None or method is None:
        return None
    return _rest("http", verb, method, match.group("path"), match.group("version"))


def _restful_call(facts: PythonFacts, call: cst.Call) -> SalesforceCall:
    args = positional(call)
    path = _text(facts, keyword(call, "path"), args[0] if args else None) or ""
    method = _text(facts, keyword(call, "method"), args[2] if len(args) > 2 else None) or "GET"
    return _rest("restful", "restful", method, path.lstrip("/"), None)


def _rest(api: str, operation: str, method: str, path: str, version: str | None) -> SalesforceCall:
    sobject = SOBJECT_IN_PATH.match(path)
    return SalesforceCall(
        api,
        operation,
        sobject.group("sobject") if sobject else None,
        method.upper(),
        path,
        version,
    )


def _text(facts: PythonFacts, named: cst.Arg | None, positional_arg: cst.Arg | None) -> str | None:
    arg = named or positional_arg
    return facts.string_template(arg.value) if arg is not None else None
