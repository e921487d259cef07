"""What Salesforce operation a call performs, through any of the clients rules must understand.

One classifier for simple_salesforce (`sf.<Object>.create`, `sf.bulk.<Object>.insert`,
`sf.bulk2.<Object>.upsert`, `getattr(sf, name).upsert`, `sf.query_all`,
`sf.restful(path, method=...)`) and raw `requests`/`httpx` calls to
`/services/data/vNN.N/...` URLs, so the idempotency, bulk and security rules all
read calls the same way. Each call is classified once per file and the answer
shared by every rule.

`salesforce_call` answers only when the receiver's type is known.
`likely_salesforce_call` adds, with LOW confidence, calls shaped like
`sf.Contact.create(...)` on a receiver of unknown type named like a client, in a
module that imports simple_salesforce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import unquote_plus

import libcst as cst

from lint.findings import Confidence
from lint.sources.python_calls import keyword, positional
from lint.sources.python_facts import SALESFORCE_MEMBERS, PythonFacts
from lint.sources.python_names import BULK2_TYPE, BULK_TYPE, HTTPX_ASYNC_CLIENT, HTTPX_CLIENT, REQUESTS_SESSION, SALESFORCE, SFTYPE

# The version segment may be chosen at run time (`v{api_version}`, `{version}`, `v{}.0`, or `vXX.X`, which
# salesforce_requests_oauthlib's session fills with the latest): still a REST URL, of unknown version.
REST_URL = re.compile(r"/services/data/(?:v(?P<version>\d+\.\d+)|v?\{\}(?:\.\d+)?|vXX\.X)/(?P<path>[^?#]*)")
SOBJECT_IN_PATH = re.compile(r"^sobjects/(?P<sobject>[A-Za-z][A-Za-z0-9_]*)")
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
HTTP_MODULES = ("requests", "httpx")
HTTP_CLIENTS = (REQUESTS_SESSION, HTTPX_CLIENT, HTTPX_ASYNC_CLIENT)
API_BY_TYPE = {SFTYPE: "sobject", BULK_TYPE: "bulk", BULK2_TYPE: "bulk2"}
WRITE_OPERATIONS = frozenset({"create", "insert", "update", "upsert", "delete", "hard_delete"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
QUERY_PATH = re.compile(r"^(query|queryAll)/?($|\?)")
SOQL_PARAM = re.compile(r"[?&]q=([^&#]*)")
CLIENT_QUERIES = frozenset({"query", "query_all", "query_all_iter"})
SOBJECT_QUERIES = frozenset({"get", "get_by_custom_id"})
BULK_QUERIES = frozenset({"query", "query_all"})
FORMAT_SOQL = frozenset({"simple_salesforce.format_soql", "simple_salesforce.format.format_soql"})
SOBJECT_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
CLIENT_NAME = re.compile(r"(^|_)(sf|sfdc|salesforce)(_|\d|$)", re.IGNORECASE)
# A module in an import's dotted name that names Salesforce (`simple_salesforce`, `cumulusci.tasks.salesforce`):
# module names are lower case, so a class of the project's own (`from myapp.crm import Salesforce`) is not one.
SALESFORCE_MODULE = re.compile(r"(?:^|\.)[a-z0-9_]*salesforce[a-z0-9_]*(?:\.|$)")
# Operations a guessed `sf.<Object>.<op>` / `sf.bulk.<Object>.<op>` may perform (no lookalike-prone names).
GUESSABLE = {
    "sobject": frozenset({"create", "update", "upsert", "delete", "get", "get_by_custom_id"}),
    "bulk": frozenset({"insert", "update", "upsert", "delete", "hard_delete", "query", "query_all"}),
    "bulk2": frozenset({"insert", "update", "upsert", "delete", "hard_delete", "query", "query_all"}),
}


@dataclass(frozen=True)
class SalesforceCall:
    api: str  # "sobject", "bulk", "bulk2", "client" (sf.query...), "restful", "http" (requests/httpx)
    operation: str  # the method called: create, upsert, query_all, restful, post, ...
    sobject: str | None = None  # Contact, Order__c, ... when the call names one
    http_method: str | None = None  # for REST calls: GET, POST, PATCH, ...
    rest_path: str | None = None  # REST path after /services/data/vNN.N/ (unknown parts as `{}`)
    api_version: str | None = None  # from the URL, when it names one
    # For queries, the SOQL sent (unknown parts as `{}`) when it can be read. Left out of the repr,
    # which names the operation (and which tests and debugging output compare).
    soql: str | None = field(default=None, repr=False)

    @property
    def is_rest(self) -> bool:
        return self.api in ("restful", "http")

    @property
    def is_write(self) -> bool:
        if self.is_rest:
            return self.http_method in WRITE_METHODS
        return self.operation in WRITE_OPERATIONS

    @property
    def is_query(self) -> bool:
        """A SOQL read: `sf.query`, `query_all`, `query_all_iter`, `sf.<Object>.get*`, or a REST GET of `/query`."""
        if self.is_rest:
            return self.http_method == "GET" and bool(QUERY_PATH.match(self.rest_path or ""))
        if self.api == "client":
            return self.operation in CLIENT_QUERIES
        return self.api == "sobject" and self.operation in SOBJECT_QUERIES


def salesforce_call(facts: PythonFacts, call: cst.Call) -> SalesforceCall | None:
    """The Salesforce operation `call` performs, or None when it is not (provably) one.

    Call it while the traversal is at `call`: names are read as they are bound there.
    """
    found = likely_salesforce_call(facts, call)
    return found[0] if found is not None and found[1] is Confidence.HIGH else None


def likely_salesforce_call(facts: PythonFacts, call: cst.Call) -> tuple[SalesforceCall, Confidence] | None:
    """The Salesforce operation `call` performs and how sure that is, or None.

    HIGH: the receiver's type is known (`salesforce_call`). LOW: only its name and shape
    say so, `sf.Contact.create(...)` on an untyped `sf` in a module importing simple_salesforce or a module
    named for Salesforce (`imports_salesforce`).
    """
    # Read once for all rules. Keyed by id(): libcst's __hash__ is a Python call, and every rule asks of every
    # call; the facts hold the tree, so no id is reused.
    cache, key = facts.shared(_salesforce_calls), id(call)
    if key not in cache:
        found = _typed_call(facts, call)
        if found is not None:
            cache[key] = (found, Confidence.HIGH)
        else:
            guessed = _guessed_call(facts, call)
            cache[key] = (guessed, Confidence.LOW) if guessed is not None else None
    return cache[key]


def _salesforce_calls(facts: PythonFacts) -> dict[int, tuple[SalesforceCall, Confidence] | None]:
    return {}


def soql_text(facts: PythonFacts, expr: cst.BaseExpression) -> str | None:
    """The text of a SOQL expression: a string, a name bound to one, or the template of `format_soql(...)`/`.format(...)`."""
    expr = facts.value_of(expr) or expr
    if isinstance(expr, cst.Call):
        func = expr.func
        if facts.qualified_name(func) in FORMAT_SOQL and expr.args:
            return facts.string_template(expr.args[0].value)
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            return facts.string_template(func.value)
        return None
    return facts.string_template(expr)


def _typed_call(facts: PythonFacts, call: cst.Call) -> SalesforceCall | None:
    func = call.func
    if not isinstance(func, cst.Attribute):
        return _http_call(facts, call, facts.qualified_name(func))
    receiver = facts.method_owner(func)
    operation = func.attr.value
    if receiver is not None and receiver.qualified in API_BY_TYPE:
        api = API_BY_TYPE[receiver.qualified]
        soql = _soql_argument(facts, call, "query", "data") if api != "sobject" and operation in BULK_QUERIES else None
        return SalesforceCall(api, operation, _sobject_of(facts, func.value), soql=soql)
    if receiver is not None and receiver.qualified == SALESFORCE:
        if operation == "restful":
            return _restful_call(facts, call)
        soql = _soql_argument(facts, call, "query") if operation in CLIENT_QUERIES else None
        return SalesforceCall("client", operation, soql=soql)
    if receiver is not None and receiver.qualified in HTTP_CLIENTS:
        return _http_request(facts, call, operation)
    return _http_call(facts, call, facts.qualified_name(func))


def _guessed_call(facts: PythonFacts, call: cst.Call) -> SalesforceCall | None:
    """`sf.Contact.create(...)` / `self.sf.bulk.Lead.insert(...)` where the client's type is unknown (an
    unannotated parameter), it is named like a client (`sf`, `sfdc`, `salesforce`, `source_sf`), the
    operation is one of the client's, the attribute looks like an sObject, and the module imports Salesforce code."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)):
        return None
    sobject, owner, api = func.value.attr.value, func.value.value, "sobject"
    if isinstance(owner, cst.Attribute) and owner.attr.value in ("bulk", "bulk2"):
        api, owner = owner.attr.value, owner.value
    operation = func.attr.value
    if operation not in GUESSABLE[api] or not SOBJECT_NAME.match(sobject) or sobject in SALESFORCE_MEMBERS:
        return None
    if not _named_like_client(owner) or facts.client_type(owner) is not None or facts.qualified_name(owner) is not None:
        return None
    if not imports_salesforce(facts):
        return None
    soql = _soql_argument(facts, call, "query", "data") if api != "sobject" and operation in BULK_QUERIES else None
    return SalesforceCall(api, operation, sobject, soql=soql)


def imports_salesforce(facts: PythonFacts) -> bool:
    """The module imports simple_salesforce, or a module named for Salesforce: a framework's
    (`cumulusci.tasks.salesforce`, `airflow.providers.salesforce`) or the project's own (`crm.salesforce_client`),
    whose base classes and factories hand out the client a guessed call goes through."""
    return any(SALESFORCE_MODULE.search(binding.qualified or "") for binding in facts.module_scope.names.values())


def _named_like_client(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        expr = expr.attr  # self.sf, self._salesforce
    return isinstance(expr, cst.Name) and bool(CLIENT_NAME.search(expr.value))


def _sobject_of(facts: PythonFacts, receiver: cst.BaseExpression) -> str | None:
    """The sObject of `sf.Contact`, of `getattr(sf, "Contact")`, or of a name bound to either."""
    receiver = facts.value_of(receiver) or receiver  # `proxy = getattr(sf, name)`, `self.contacts = sf.Contact`
    dynamic = facts.dynamic_member(receiver)
    if dynamic is not None:
        name = facts.string_template(dynamic[1])
        return name if name and SOBJECT_NAME.match(name) else None
    return receiver.attr.value if isinstance(receiver, cst.Attribute) else None


def _soql_argument(facts: PythonFacts, call: cst.Call, *names: str) -> str | None:
    """The SOQL passed as the first positional argument or as one of the keywords `names`."""
    named = next((arg for arg in (keyword(call, name) for name in names) if arg is not None), None)
    arg = named or next(iter(positional(call)), None)
    return soql_text(facts, arg.value) if arg is not None else None


def _rest_soql(facts: PythonFacts, call: cst.Call) -> str | None:
    """The SOQL of a REST query: `params={"q": soql}`, or `?q=...` in the URL."""
    params = keyword(call, "params")
    if params is not None and isinstance(params.value, cst.Dict):
        q = facts.dict_value(params.value, "q")
        return soql_text(facts, q) if q is not None else None
    for arg in call.args:
        match = SOQL_PARAM.search(facts.string_template(arg.value) or "")
        if match:
            return unquote_plus(match.group(1))
    return None


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
    return _rest(facts, call, "http", verb, method, match.group("path"), match.group("version"))


def _restful_call(facts: PythonFacts, call: cst.Call) -> SalesforceCall:
    args = positional(call)
    path = _text(facts, keyword(call, "path"), args[0] if args else None) or ""
    method = _text(facts, keyword(call, "method"), args[2] if len(args) > 2 else None) or "GET"
    return _rest(facts, call, "restful", "restful", method, path.lstrip("/"), None)


def _rest(facts: PythonFacts, call: cst.Call, api: str, operation: str, method: str, path: str, version: str | None) -> SalesforceCall:
    sobject = SOBJECT_IN_PATH.match(path)
    found = SalesforceCall(api, operation, sobject.group("sobject") if sobject else None, method.upper(), path, version)
    return replace(found, soql=_rest_soql(facts, call)) if found.is_query else found


def _text(facts: PythonFacts, named: cst.Arg | None, positional_arg: cst.Arg | None) -> str | None:
    arg = named or positional_arg
    return facts.string_template(arg.value) if arg is not None else None
