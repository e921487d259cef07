"""Which calls talk to another system, through which client, and whether they hold the thread.

One reading of a call for every rule that asks whether it goes over the network:
HTTP libraries (`requests`, `httpx`, `urllib.request`, `http.client`, `urllib3`,
`aiohttp`), simple_salesforce (the client, its SFTypes and bulk handlers, and the
`Salesforce(...)`/`SalesforceLogin(...)` logins) and `salesforce_bulk`. What a
Salesforce call does (write or read) comes from python_salesforce. Each call is
read once per file; the answer is shared.

`http_request` reads the request an HTTP call sends (its method and URL
expression), for rules that judge the URL or the body where it is written.
"""

from __future__ import annotations

import re

from dataclasses import dataclass

import libcst as cst

from lint.findings import Confidence
from lint.sources.python_calls import argument, keyword, positional
from lint.sources.python_facts import PythonFacts
from lint.sources.python_names import AIOHTTP_SESSION, BULK2_HANDLER, BULK2_TYPE, BULK_HANDLER, BULK_TYPE, CONSTRUCTORS, HTTP_CONNECTIONS, HTTPX_ASYNC_CLIENT, HTTPX_CLIENT, REQUESTS_SESSION, SALESFORCE, SALESFORCE_BULK, SFTYPE, URLLIB3_POOL
from lint.sources.python_salesforce import HTTP_CLIENTS, HTTP_MODULES, SalesforceCall, likely_salesforce_call

# Objects whose methods send HTTP requests (http.client's connections aside: they speak to one host, by path).
HTTP_CLIENT_TYPES = frozenset({*HTTP_CLIENTS, AIOHTTP_SESSION, URLLIB3_POOL})
HTTP_LIBRARIES = frozenset({*HTTP_MODULES, "aiohttp"})  # whose module functions send requests: `requests.post(...)`
URLLIB_REQUESTS = frozenset({"urllib.request.urlopen", "urllib.request.Request", "urllib.request.urlretrieve"})
# OAuth endpoints that get or revoke a token (`/services/oauth2/token`, `/oauth/token`): a login, not an
# integration write or a callout.
TOKEN_URL = re.compile(r"/oauth2?/(token|revoke)\b|/token/?$")
METHOD_FIRST = frozenset({"request", "stream", "urlopen", "request_encode_body"})  # `(method, url, ...)` signatures
HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
BODY_SECOND = frozenset({"post", "put", "patch"})  # requests' `post(url, data)`: the body may be passed second
# Functions that send a request when called: qualified name -> the client messages name.
HTTP_FUNCTIONS = {
    **{f"requests.{verb}": "requests" for verb in HTTP_VERBS},
    **{f"httpx.{verb}": "httpx" for verb in (*HTTP_VERBS, "stream")},
    "urllib.request.urlopen": "urllib.request",
    "urllib.request.urlretrieve": "urllib.request",
    "aiohttp.request": "aiohttp",
}
ASYNC_LIBRARIES = frozenset({"aiohttp"})
# Methods that send a request, by the type of the object they are called on: type -> (methods, client).
HTTP_METHODS = {
    REQUESTS_SESSION: (HTTP_VERBS | {"send"}, "requests"),
    HTTPX_CLIENT: (HTTP_VERBS | {"send", "stream"}, "httpx"),
    HTTPX_ASYNC_CLIENT: (HTTP_VERBS | {"send", "stream"}, "httpx.AsyncClient"),
    AIOHTTP_SESSION: (HTTP_VERBS | {"ws_connect"}, "aiohttp"),
    URLLIB3_POOL: (frozenset({"request", "urlopen", "request_encode_body", "request_encode_url"}), "urllib3"),
    **{connection: (frozenset({"request"}), "http.client") for connection in HTTP_CONNECTIONS},
}
ASYNC_CLIENTS = frozenset({HTTPX_ASYNC_CLIENT, AIOHTTP_SESSION})
SIMPLE_SALESFORCE_TYPES = frozenset({SALESFORCE, SFTYPE, BULK_HANDLER, BULK_TYPE, BULK2_HANDLER, BULK2_TYPE})
# Members of the simple_salesforce client that answer without a request.
SALESFORCE_LOCAL_METHODS = frozenset({"parse_api_usage", "parse_result_to_json"})
SALESFORCE_LOGINS = frozenset({"simple_salesforce.SalesforceLogin", "simple_salesforce.login.SalesforceLogin"})
# salesforce_bulk's SalesforceBulk methods that call the Bulk API (its others build headers or URLs).
SALESFORCE_BULK_PREFIXES = ("create_", "close_", "abort_", "post_", "get_", "is_", "wait_", "batch_", "job_", "query")


@dataclass(frozen=True)
class ClientCall:
    """A call that goes over the network through a client rules know."""

    client: str  # how messages name it: "requests", "httpx.AsyncClient", "simple_salesforce", "salesforce_bulk", ...
    blocking: bool  # holds the thread until the reply arrives; False for awaitable clients (httpx.AsyncClient, aiohttp)
    salesforce: SalesforceCall | None = None  # the Salesforce operation, when python_salesforce reads one
    login: bool = False  # a log-in (`Salesforce(username=...)`, `SalesforceLogin(...)`) rather than an API call
    url: str | None = None  # for HTTP calls: the URL, unknown parts as `{}`, when it can be read
    confidence: Confidence = Confidence.HIGH  # LOW when a Salesforce client is recognised by its name and shape only


def client_call(facts: PythonFacts, call: cst.Call) -> ClientCall | None:
    """The network call `call` makes, or None. Ask while the traversal is at `call`."""
    cache, key = facts.shared(_client_calls), id(call)  # id(): see python_salesforce.likely_salesforce_call
    if key not in cache:
        cache[key] = _read(facts, call)
    return cache[key]


def _client_calls(facts: PythonFacts) -> dict[int, ClientCall | None]:
    return {}


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP call through requests, httpx, aiohttp, urllib3 or urllib."""

    method: str | None  # "POST", ...; None when chosen at run time or not given
    url: cst.BaseExpression | None
    body: cst.BaseExpression | None = None  # the raw or form body (`data=`), where the call can take one


def http_request(facts: PythonFacts, call: cst.Call) -> HttpRequest | None:
    """`requests.post(url)`, `session.request("PATCH", url)`, `urlopen(url)`: the request a call sends, if it is one."""
    func = call.func
    qualified = facts.qualified_name(func)
    if qualified in URLLIB_REQUESTS:
        data = argument(call, "data", 1)  # `urlopen(url, data)`, `Request(url, data)`: a POST when given
        chosen = keyword(call, "method")
        method = facts.string_template(chosen.value) if chosen is not None else "POST" if data is not None else None
        return HttpRequest(method.upper() if method else None, argument(call, "url", 0), data)
    module, _, verb = (qualified or "").rpartition(".")
    if module not in HTTP_LIBRARIES:
        if not (isinstance(func, cst.Attribute) and facts.is_method_of(func, *HTTP_CLIENT_TYPES)):
            return None
        verb = func.attr.value
    if verb in METHOD_FIRST:
        chosen = argument(call, "method", 0)
        method = facts.string_template(chosen) if chosen is not None else None
        return HttpRequest(method.upper() if method else None, argument(call, "url", 1), argument(call, "data"))
    if verb in HTTP_VERBS:
        data = argument(call, "data", 1 if verb in BODY_SECOND else None)
        return HttpRequest(verb.upper(), argument(call, "url", 0), data)
    return None


def is_http_library_call(facts: PythonFacts, call: cst.Call) -> bool:
    """A function of requests/httpx/aiohttp (`httpx.Client(...)`, `requests.get`) or a method of one of their clients."""
    func = call.func
    module = (facts.qualified_name(func) or "").rpartition(".")[0]
    return module in HTTP_LIBRARIES or (isinstance(func, cst.Attribute) and facts.is_method_of(func, *HTTP_CLIENT_TYPES))


def _read(facts: PythonFacts, call: cst.Call) -> ClientCall | None:
    qualified = facts.qualified_name(call.func)
    if qualified in HTTP_FUNCTIONS:
        client = HTTP_FUNCTIONS[qualified]
        return _http(facts, call, client, blocking=client not in ASYNC_LIBRARIES)
    login = _login(facts, call, qualified)
    if login is not None:
        return login
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    receiver = facts.method_owner(func)
    method = func.attr.value
    if receiver is not None and receiver.qualified in HTTP_METHODS:
        methods, client = HTTP_METHODS[receiver.qualified]
        return _http(facts, call, client, blocking=receiver.qualified not in ASYNC_CLIENTS) if method in methods else None
    if receiver is not None and receiver.qualified == SALESFORCE_BULK:
        return ClientCall("salesforce_bulk", blocking=True) if method.startswith(SALESFORCE_BULK_PREFIXES) else None
    if method in SALESFORCE_LOCAL_METHODS:
        return None
    found = likely_salesforce_call(facts, call)
    if found is not None and (receiver is None or receiver.qualified in SIMPLE_SALESFORCE_TYPES):
        return ClientCall("simple_salesforce", blocking=True, salesforce=found[0], confidence=found[1])
    return None


def _http(facts: PythonFacts, call: cst.Call, client: str, *, blocking: bool) -> ClientCall:
    found = likely_salesforce_call(facts, call)
    return ClientCall(client, blocking, salesforce=found[0] if found else None, url=_url(facts, call))


def _url(facts: PythonFacts, call: cst.Call) -> str | None:
    """The URL argument: `url=`, else the first positional one that reads as a URL or path (`request("POST", url)`)."""
    named = keyword(call, "url")
    candidates = [named] if named is not None else positional(call)[:2]
    texts = (facts.string_template(arg.value) for arg in candidates)
    return next((text for text in texts if text and ("/" in text or text.startswith("{}"))), None)


def _login(facts: PythonFacts, call: cst.Call, qualified: str | None) -> ClientCall | None:
    """`Salesforce(username=..., password=...)` and `SalesforceBulk(username=...)` log in when built; with a session id they do not."""
    if qualified in SALESFORCE_LOGINS:
        return ClientCall("simple_salesforce", blocking=True, login=True)
    built = CONSTRUCTORS.get(qualified or "")
    if built not in (SALESFORCE, SALESFORCE_BULK):
        return None
    if keyword(call, "session_id") or keyword(call, "sessionId") or any(arg.star for arg in call.args):
        return None
    return ClientCall("simple_salesforce" if built == SALESFORCE else "salesforce_bulk", blocking=True, login=True)
