"""IL5xx: security — how integrations log in, where their secrets live, and what they send in clear text.

The rules read names and constants through the shared facts (`value_of`,
`string_template`, `type_of`), Salesforce calls through the shared classifier
(`likely_salesforce_call`), network calls and logins through python_clients,
request and event handlers through python_handlers, and loops through
`report_in_loop`. What a secret and a test path look like comes from
lint.sources.secrets and lint.sources.paths, shared with the other families.
What this family adds is its judgement: which arguments carry credentials,
endpoints or API versions, where a query's values come from, and whether a
login's result is kept.

Two conventions hold for every rule here:
- A constant is read through names (`password=SF_PASSWORD`), never from a
  parameter's default: the caller decides what a parameter holds.
- Findings are reported where the value sits in the code that uses it, and
  never repeat a secret's value in the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, ClassVar
from urllib.parse import unquote_plus

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, Option, PythonRule, Requires
from lint.rules.requirements import HTTP_LIBRARIES, NETWORK_CALLS, SALESFORCE_CALLS
from lint.sources.paths import is_test_path
from lint.sources.python_calls import argument, clipped, is_false, is_none, keyword, literal_text, positional, walk
from lint.sources.python_clients import (
    HTTP_CLIENT_TYPES,
    HTTP_VERBS,
    METHOD_FIRST,
    SALESFORCE_LOGINS,
    client_call,
    http_request,
    is_http_library_call,
)
from lint.sources.python_facts import AIOHTTP_SESSION, COMPREHENSIONS, SALESFORCE, SFTYPE, Loop, PythonFacts
from lint.sources.python_handlers import WEBHOOK, Consumer, enclosing_handler, handler_of
from lint.sources.python_loops import loop_shape
from lint.sources.python_salesforce import CLIENT_NAME, FORMAT_SOQL, HTTP_MODULES, likely_salesforce_call
from lint.sources.secrets import SECRET_NAMES, bearer_token, is_private_key, looks_like_secret

# -- what the rules read -----------------------------------------------------------

# Positional parameters of simple_salesforce's entry points, so `Salesforce(user, pw, token)` reads like keywords.
SALESFORCE_PARAMS = ("username", "password", "security_token", "session_id", "instance", "instance_url", "organizationId", "version")
LOGIN_PARAMS = ("username", "password", "security_token", "organizationId", "sf_version")
SFTYPE_PARAMS = ("object_name", "session_id", "sf_instance", "sf_version")
LOGIN_SIGNATURES = {SALESFORCE: SALESFORCE_PARAMS, **{name: LOGIN_PARAMS for name in SALESFORCE_LOGINS}}
# Where simple_salesforce's entry points take the API version: qualified name -> (parameter, position).
VERSION_PARAMETERS = {
    SALESFORCE: ("version", SALESFORCE_PARAMS.index("version")),
    SFTYPE: ("sf_version", SFTYPE_PARAMS.index("sf_version")),
    **{name: ("sf_version", LOGIN_PARAMS.index("sf_version")) for name in SALESFORCE_LOGINS},
}
PASSWORD_AUTHENTICATOR = frozenset({"aiosfstream.PasswordAuthenticator", "aiosfstream.auth.PasswordAuthenticator"})
STREAMING_CLIENT = frozenset({"aiosfstream.SalesforceStreamingClient", "aiosfstream.client.SalesforceStreamingClient"})

REQUEST_ROOTS = frozenset({"request", "req"})  # the request object of Flask, Quart, Django and aiohttp views
SALESFORCE_LIBRARIES = ("simple_salesforce", "salesforce_bulk", "aiosfstream", "sfdclib", "pyforce", "beatbox")
MAX_HOPS = 5  # names followed through names, f-strings and concatenations


def callee_label(facts: PythonFacts, call: cst.Call) -> str:
    """"`ss.Salesforce(...)`" for a function or class, "`session.get`" for a method."""
    name = clipped(facts.source(call.func))
    constructor = isinstance(call.func, cst.Name) or name.rpartition(".")[2][:1].isupper()
    return f"`{name}(...)`" if constructor else f"`{name}`"


def record_attributes(facts: PythonFacts, node: cst.Dict) -> cst.Dict | None:
    """The `attributes` of a record written out as the API returns it: `{"attributes": {"type": ..., "url": ...}, ...}`."""
    attributes = facts.dict_value(node, "attributes")
    return attributes if isinstance(attributes, cst.Dict) else None


class SecurityRule(PythonRule, abstract=True):
    """Base of the IL5xx rules: reads constants without trusting parameter defaults, and skips test files.

    Tests log in as throwaway users, carry fake secrets and ids, and talk to local or mocked
    servers without TLS: findings there would be noise. A rule whose finding holds wherever the
    code runs sets `checks_tests`.
    """

    checks_tests: ClassVar[bool] = False

    def __init__(self, context) -> None:
        super().__init__(context)
        self.parameter_defaults: set[cst.BaseExpression] = set()
        self.in_tests = is_test_path(context.path)
        self._about_salesforce: bool | None = None

    def report(self, node: cst.CSTNode, message: str, **details) -> None:
        if self.checks_tests or not self.in_tests:
            super().report(node, message, **details)

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None:
            self.parameter_defaults.add(node.default)

    def about_salesforce(self) -> bool:
        """Whether the module imports a Salesforce client or mentions Salesforce: read once, and only when a
        finding depends on it (rendering the module's code costs as much as a traversal)."""
        if self._about_salesforce is None:
            code = self.facts.module.code
            self._about_salesforce = self.facts.imports(*SALESFORCE_LIBRARIES) or "salesforce" in code.lower() or "/services/data/" in code
        return self._about_salesforce

    def constant(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """The expression a name or `self.X` stands for, or the expression itself; None when unknown or a parameter's default."""
        value = self.facts.value_of(expr)
        return None if value is None or value in self.parameter_defaults else value

    def arguments(self, call: cst.Call, params: tuple[str, ...] = ()) -> dict[str, cst.BaseExpression]:
        """A call's arguments by parameter name: keywords, positionals by `params`, and keys of a `**` dict literal."""
        found = {params[index]: arg.value for index, arg in enumerate(positional(call)) if index < len(params)}
        for arg in call.args:
            if arg.keyword is not None:
                found[arg.keyword.value] = arg.value
            elif arg.star == "**" and isinstance(spread := self.constant(arg.value), cst.Dict):
                for element in spread.elements:
                    key = self.facts.string_template(element.key) if isinstance(element, cst.DictElement) else None
                    if key:
                        found.setdefault(key, element.value)
        return found

    def given(self, arguments: dict[str, cst.BaseExpression], name: str) -> bool:
        """`name` is passed something other than a literal None."""
        value = arguments.get(name)
        return value is not None and not is_none(self.constant(value))


# -- IL501 / IL502: password logins ----------------------------------------------------

SOAP_LOGIN_REMOVED = 65.0  # SOAP login() is unavailable from API version 65.0
GRANT_IN_FORM = re.compile(r"(?:^|&)grant_type=(?P<grant>[^&]*)")
TOKEN_PATH = "/services/oauth2/token"
TOKEN_BODIES = ("data", "content", "params")  # where requests, httpx and aiohttp take a form body
URLENCODE = "urllib.parse.urlencode"
JWT_FIX = "use the JWT bearer flow (`consumer_key=`, `privatekey_file=`) or client credentials"


@dataclass(frozen=True)
class LoginKind:
    """The credentials of a password login and the API simple_salesforce sends them to."""

    credentials: str  # what the code sends
    soap: bool  # simple_salesforce sends it to SOAP login(); else to the OAuth token endpoint

    @property
    def described(self) -> str:
        """"username and password (SOAP `login()`)": the credentials and where they go."""
        return f"{self.credentials} ({'SOAP `login()`' if self.soap else 'the OAuth username-password flow'})"

    @property
    def drawbacks(self) -> str:
        if self.soap:
            return f"a password login that cannot use MFA, breaks when the password is reset, and is unavailable from API {SOAP_LOGIN_REMOVED:.1f}"
        return "which Salesforce blocks by default in new orgs and which cannot use MFA"


SOAP_TOKEN = LoginKind("username, password and security token", soap=True)
SOAP_ORGANIZATION = LoginKind("username and password for an organizationId", soap=True)
SOAP_PASSWORD = LoginKind("username and password", soap=True)
OAUTH_PASSWORD = LoginKind("username and password", soap=False)


@dataclass(frozen=True)
class Login:
    """A simple_salesforce `Salesforce(...)` or `SalesforceLogin(...)` call that logs in with a password."""

    kind: LoginKind
    version: cst.BaseExpression | None  # the API version argument, if given


def password_login(rule: SecurityRule, call: cst.Call) -> Login | None:
    """How a simple_salesforce login call uses a password, in the order simple_salesforce checks its arguments."""
    qualified = rule.facts.qualified_name(call.func)
    if qualified not in LOGIN_SIGNATURES:
        return None
    args = rule.arguments(call, LOGIN_SIGNATURES[qualified])
    if not rule.given(args, "password"):
        return None
    if rule.given(args, "security_token"):
        kind = SOAP_TOKEN
    elif rule.given(args, "consumer_key") and rule.given(args, "consumer_secret"):
        kind = OAUTH_PASSWORD
    elif rule.given(args, "organizationId"):
        kind = SOAP_ORGANIZATION
    else:
        kind = SOAP_PASSWORD
    return Login(kind, args.get(VERSION_PARAMETERS[qualified][0]))


@dataclass(frozen=True)
class TokenRequest:
    """A POST to Salesforce's OAuth token endpoint: a login by another name."""

    grant: str | None  # the `grant_type` the body asks for, when it can be read
    endpoint: bool  # the URL names `/services/oauth2/token`; else its URL is unknown, in a module about Salesforce


def token_request(rule: SecurityRule, call: cst.Call) -> TokenRequest | None:
    """`requests.post(f"{LOGIN}/services/oauth2/token", data={...})`, or a POST of a `grant_type` form to a URL not
    known here in a module about Salesforce; None for other calls and other identity providers' token endpoints."""
    request = http_request(rule.facts, call)
    if request is None or request.method != "POST" or request.url is None:
        return None
    url = rule.facts.string_template(request.url)
    endpoint = url is not None and TOKEN_PATH in url
    if url is not None and url.replace("{}", "") and not endpoint:
        return None  # another identity provider's token endpoint
    grant = next(filter(None, (_grant_type(rule, argument(call, name)) for name in TOKEN_BODIES)), None)
    if not endpoint and (grant is None or not rule.about_salesforce()):
        return None
    return TokenRequest(grant, endpoint)


def _grant_type(rule: SecurityRule, body: cst.BaseExpression | None) -> str | None:
    """The `grant_type` of a token request body: a dict, a form string or `urlencode({...})`."""
    body = rule.constant(body) if body is not None else None
    if isinstance(body, cst.Call) and rule.facts.qualified_name(body.func) == URLENCODE and body.args:
        body = rule.constant(body.args[0].value)
    if isinstance(body, cst.Dict):
        value = rule.facts.dict_value(body, "grant_type")
        grant = rule.facts.string_template(value) if value is not None else None
    else:
        match = GRANT_IN_FORM.search(rule.facts.string_template(body) or "") if body is not None else None
        grant = unquote_plus(match["grant"]) if match else None
    return grant if grant and "{}" not in grant else None


def api_version(expr: cst.BaseExpression | None) -> float | None:
    """An API version written as `"61.0"`, `"v61.0"` or `61.0`."""
    if isinstance(expr, cst.Float):
        return float(expr.evaluated_value)
    match = VERSION_TEXT.match(literal_text(expr) or "")
    return float(match.group(1)) if match else None


VERSION_TEXT = re.compile(r"^v?(\d{1,3}\.0)$")


class PasswordFlow(SecurityRule):
    """
    ## What it does
    Finds logins to Salesforce with a username and password: simple_salesforce
    `Salesforce(username=..., password=..., security_token=...)` (or with
    `organizationId=`, or with `consumer_key=`/`consumer_secret=`),
    `SalesforceLogin(...)` with a password, OAuth token requests with
    `grant_type=password` (a `data=` dict or form string), and aiosfstream's
    `PasswordAuthenticator` and `SalesforceStreamingClient`. Files under test
    paths (`tests/`, `test/`, `test_*.py`, `*_test.py`, `conftest.py`) are not
    checked.

    ## Why it matters
    A password login ties the integration to a person-like credential that
    cannot use MFA, expires, and breaks when someone resets it (which also resets
    the security token). Salesforce blocks the OAuth username-password flow by
    default in new orgs, and SOAP `login()` is unavailable from API 65.0. The
    integration patterns guide: "We recommend that the remote system establish
    an OAuth trust for authorization." The JWT bearer flow (a connected app and a
    certificate) or the client credentials flow give the integration its own
    credential.

    ## Example
    ```python
    from simple_salesforce import Salesforce

    sf = Salesforce(username=user, password=password, security_token=token)
    ```

    ## Use instead
    ```python
    import os

    from simple_salesforce import Salesforce

    sf = Salesforce(
        username=os.environ["SF_USERNAME"],
        consumer_key=os.environ["SF_CONSUMER_KEY"],
        privatekey_file=os.environ["SF_PRIVATE_KEY_FILE"],
    )
    ```
    """

    code = "IL501"
    name = "password-flow"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = NETWORK_CALLS | Requires(imports=("aiosfstream",))  # logins, token requests, aiosfstream's authenticators
    security_severity = "5.3"
    tags = ("credentials",)
    valid = [
        # JWT bearer, client credentials and an existing session.
        "from simple_salesforce import Salesforce\n"
        "jwt = Salesforce(username=user, consumer_key=key, privatekey_file='server.key')\n"
        "app = Salesforce(consumer_key=key, consumer_secret=secret, domain='acme.my')\n"
        "direct = Salesforce(instance_url=url, session_id=token)\n",
        # An explicit None is no password.
        "from simple_salesforce import SalesforceLogin\nSalesforceLogin(username=user, password=None, consumer_key=key, privatekey=pem)\n",
        "import requests\nrequests.post('https://login.salesforce.com/services/oauth2/token', data={'grant_type': 'client_credentials'}, timeout=10)\n",
        # A password grant to a non-Salesforce token endpoint is someone else's policy.
        "import requests\nrequests.post('https://idp.internal/realms/ops/protocol/openid-connect/token', data={'grant_type': 'password'}, timeout=10)\n",
        "from aiosfstream import Client, RefreshTokenAuthenticator\nclient = Client(RefreshTokenAuthenticator(consumer_key=key, consumer_secret=secret, refresh_token=refresh))\n",
        # Test code may log in with a throwaway user.
        Example("from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t)\n", path="tests/test_sync.py"),
        Example("from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t)\n", path="conftest.py"),
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(username=user, password=pw, security_token=token)\n", line=3),
        Example("import simple_salesforce as ss\n\nsf = ss.Salesforce(user, pw, token)\n", line=3),
        Example("from simple_salesforce import Salesforce as SF\n\nsf = SF(username=u, password=p, consumer_key=k, consumer_secret=s)\n", line=3),
        Example("from simple_salesforce import SalesforceLogin\n\nsession_id, instance = SalesforceLogin(username=u, password=p, organizationId=org)\n", line=3),
        Example(
            "import requests\n\n"
            "TOKEN_URL = 'https://login.salesforce.com/services/oauth2/token'\n\n"
            "def token():\n"
            "    payload = {'grant_type': 'password', 'client_id': cid, 'client_secret': secret, 'username': u, 'password': p}\n"
            "    return requests.post(TOKEN_URL, data=payload, timeout=10).json()['access_token']\n",
            line=7,
        ),
        Example("import httpx\n\nhttpx.post(f'{LOGIN}/services/oauth2/token', content=f'grant_type=password&username={u}&password={p}')\n", line=3),
        Example("from aiosfstream import PasswordAuthenticator\n\nauth = PasswordAuthenticator(consumer_key=k, consumer_secret=s, username=u, password=p)\n", line=3),
        Example("from aiosfstream import SalesforceStreamingClient\n\nclient = SalesforceStreamingClient(consumer_key=k, consumer_secret=s, username=u, password=p)\n", line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        login = password_login(self, node)
        if login is not None:
            self._report(node, f"logs in with {login.kind.described}, {login.kind.drawbacks}")
            return
        qualified = self.facts.qualified_name(node.func)
        oauth = f"{OAUTH_PASSWORD.described}, {OAUTH_PASSWORD.drawbacks}"
        if qualified in PASSWORD_AUTHENTICATOR:
            self._report(node, f"authenticates the streaming client with {oauth}", "use `RefreshTokenAuthenticator`")
        elif qualified in STREAMING_CLIENT:
            self._report(node, f"always authenticates with {oauth}", "use `Client(RefreshTokenAuthenticator(...))`")
        else:
            self._check_token_request(node)

    def _check_token_request(self, node: cst.Call) -> None:
        found = token_request(self, node)
        if found is not None and found.grant == "password":
            self._report(
                node,
                f"requests an OAuth token with `grant_type=password` (the username-password flow), {OAUTH_PASSWORD.drawbacks}",
                "request `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` (JWT bearer) or `client_credentials`",
                None if found.endpoint else Confidence.MEDIUM,
            )

    def _report(self, node: cst.Call, what: str, fix: str = JWT_FIX, confidence: Confidence | None = None) -> None:
        self.report(
            node,
            f"{callee_label(self.facts, node)} {what}; {fix}.",
            hint=fix,
            confidence=confidence,
        )


class SoapLoginUnavailable(SecurityRule):
    """
    ## What it does
    Finds simple_salesforce logins with a password and security token (or an
    `organizationId`) that ask for API version 65.0 or later:
    `Salesforce(..., version="65.0")` or `SalesforceLogin(..., sf_version="65.0")`.
    Unlike the rest of the family it also checks tests: the login fails
    wherever it runs.

    ## Why it matters
    simple_salesforce performs these logins with SOAP `login()` at the requested
    API version, and SOAP `login()` is unavailable from API 65.0: raising the
    version makes every login fail. A username and password with
    `consumer_key`/`consumer_secret` goes through OAuth instead and is IL501's
    concern. The integration patterns guide notes the cost of this call even
    where it works: "You can make a maximum of 3,600 calls to the login()
    function per user per hour."

    ## Example
    ```python
    sf = Salesforce(username=user, password=password, security_token=token, version="65.0")
    ```

    ## Use instead
    ```python
    sf = Salesforce(username=user, consumer_key=key, privatekey_file="server.key", version="65.0")
    ```
    """

    code = "IL502"
    name = "soap-login-unavailable"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = Requires(imports=("simple_salesforce",))  # its logins, named through the import
    checks_tests = True  # the login fails wherever it runs
    security_severity = "3.1"
    tags = ("credentials",)
    valid = [
        "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t, version='64.0')\n",
        # OAuth username-password goes through the token endpoint, not SOAP.
        "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, consumer_key=k, consumer_secret=s, version='65.0')\n",
        "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, consumer_key=k, privatekey_file='server.key', version='66.0')\n",
        # No version given: the library's default, below 65.0.
        "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t)\n",
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(username=u, password=p, security_token=t, version='65.0')\n", line=3),
        Example("from simple_salesforce import SalesforceLogin\n\nsid, host = SalesforceLogin(u, p, None, org, 66.0)\n", line=3),
        Example("from simple_salesforce import Salesforce\n\nVERSION = '65.0'\nsf = Salesforce(u, p, t, version=VERSION)\n", line=4),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        login = password_login(self, node)
        if login is None or not login.kind.soap or login.version is None:
            return
        version = api_version(self.constant(login.version))
        if version is not None and version >= SOAP_LOGIN_REMOVED:
            self.report(
                node,
                f"{callee_label(self.facts, node)} logs in with {login.kind.credentials} at API version {version:.1f}, which "
                f"simple_salesforce sends to SOAP `login()`, unavailable from API {SOAP_LOGIN_REMOVED:.1f}, so every login fails; {JWT_FIX}.",
                hint=JWT_FIX,
            )


# -- IL503: logins per call ------------------------------------------------------------------

# Decorators that run a function once and keep its result (functools, cachetools, Django, Streamlit, ...).
CACHING_DECORATORS = frozenset(
    {
        "lru_cache", "cache", "cached_property", "cached", "cachedmethod", "ttl_cache", "lfu_cache", "rr_cache",
        "fifo_cache", "mru_cache", "alru_cache", "cache_resource", "memoize", "memoized", "memoise", "memoised",
    }
)  # fmt: skip
# Words of a name or attribute that a memoising check reads: the client, the token, a cache, an expiry (a 401).
CACHE_STATE = re.compile(
    r"(^|_)(cache[sd]?|memo\w*|expir\w*|ttl|tokens?|sessions?|clients?|conn|connection|sf|sfdc|salesforce|logged_in|auth\w*"
    r"|unauthori[sz]ed|invalid_session\w*)(_|\d|$)"
)
UNAUTHORIZED = "401"
CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
INTERACTIVE_GRANTS = frozenset({"authorization_code"})  # a user signing in through the web server flow: once per user
SLEEPS = frozenset({"time.sleep", "asyncio.sleep"})
SELF_NAMES = frozenset({"self", "cls"})
SOAP_LIMIT = " (SOAP `login()` allows 3,600 calls per user per hour)"
CLIENT_FIX = "create the client once (at module level, or in a factory cached with `functools.lru_cache`) and reuse it and its session id"
SESSION_FIX = "log in once (at module level, or in a function cached with `functools.lru_cache`) and reuse the session id"
TOKEN_FIX = "request the token once and reuse it until it expires (keep it with its `expires_in`, or cache the function that gets it)"


@dataclass(frozen=True)
class LoginCall:
    """A call that logs in, as messages name it."""

    label: str  # "`Salesforce(...)`", "`requests.post`"
    what: str  # "logs in", "requests a new OAuth token"
    fix: str
    soap: bool  # SOAP `login()`, limited to 3,600 calls per user per hour
    confidence: Confidence | None = None  # None: the rule's own


@dataclass
class _Frame:
    """What the traversal has read of the function it is in (or of the module), up to the current node."""

    cached: bool = False  # a caching decorator on it or on a function around it
    shared: set[str] = field(default_factory=set)  # names declared `global`/`nonlocal`
    tests: list[cst.BaseExpression] = field(default_factory=list)  # conditions of its `if`s so far (early returns included)
    guards: list[cst.BaseExpression] = field(default_factory=list)  # conditions of the `if`s around the node
    handling: int = 0  # `except` clauses around the node
    fallback: int = 0  # right operands of `or` around the node


class LoginPerCall(SecurityRule):
    """
    ## What it does
    Finds logins that run again for every record, request or event: a
    simple_salesforce client built with credentials (`Salesforce(...)` in any
    mode but an existing `session_id`), `SalesforceLogin(...)`, salesforce_bulk's
    `SalesforceBulk(...)` without a session id, and POSTs to Salesforce's OAuth
    token endpoint (`/services/oauth2/token`) — inside a loop, or a same-module
    function called in one; inside a request or event handler (web routes,
    Pub/Sub API and CometD subscriptions and their callbacks, Celery tasks and
    other work handed off per event); or in a same-module function such a
    handler calls.

    Not flagged: logins whose result is kept — built at module level or in
    `__init__`, in a function decorated with `functools.lru_cache`/`cache`/
    `cached_property` (or cachetools'), stored in a module global (`global`),
    memoised behind a check (`if self._sf is None:`, `if not cache.get(...)`,
    an early `return` of the cached client, a token's expiry), the fallback of
    `or`, or in an `except` clause (logging in again after an expired session);
    logins whose credentials change with the loop or the request (one per org,
    one per user signing in); the web server flow's `authorization_code`
    exchange; retry loops, loops over a few literal items, and `while` loops
    that sleep (pollers); and files under test paths. Calls are followed one
    level (a loop or handler calling the function that logs in), within the
    module; a Celery task counts as per event when this module hands it off
    from a handler.

    ## Why it matters
    Each login is a round trip before any work, opens another session, and
    counts against the org's login limits: "You can make a maximum of 3,600
    calls to the login() function per user per hour. If you exceed this limit,
    the API returns an error." A sync job that logs in with SOAP per record
    fails after 3,600 records in an hour; a webhook that logs in per request
    slows down and fails under load. The integration patterns guide: "We
    recommend that clients that call the REST API cache and reuse the session
    ID to maximize performance, rather than obtaining a new session ID for
    each call."

    ## Example
    ```python
    def push(order):
        sf = Salesforce(username=USER, consumer_key=KEY, privatekey_file=KEY_FILE)
        sf.Order__c.upsert(f"External_Id__c/{order['id']}", to_record(order))

    for order in orders:
        push(order)
    ```

    ## Use instead
    ```python
    @functools.lru_cache(maxsize=1)
    def salesforce():
        return Salesforce(username=USER, consumer_key=KEY, privatekey_file=KEY_FILE)

    def push(order):
        salesforce().Order__c.upsert(f"External_Id__c/{order['id']}", to_record(order))
    ```
    """

    code = "IL503"
    name = "login-per-call"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    # A client login is named through its import; a token request by its URL or its `grant_type` form.
    requires = Requires(imports=("simple_salesforce", "salesforce_bulk"), markers=(TOKEN_PATH, "grant_type"))
    security_severity = "3.7"
    tags = ("credentials", "performance")
    needs_loop_shapes = True  # retry loops are not loops over records
    valid = [
        # One client for the whole module.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n\n"
        "def sync(rows):\n"
        "    for row in rows:\n"
        "        sf.Contact.upsert(f\"Email__c/{row['email']}\", row)\n",
        # A factory cached with functools.lru_cache, called per record.
        "import functools\nfrom simple_salesforce import Salesforce\n\n"
        "@functools.lru_cache(maxsize=1)\n"
        "def salesforce():\n"
        "    return Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n\n"
        "def sync(rows):\n"
        "    for row in rows:\n"
        "        salesforce().Contact.create(row)\n",
        # A module global set once.
        "from simple_salesforce import Salesforce\n_sf = None\n\n"
        "def client():\n"
        "    global _sf\n"
        "    if _sf is None:\n"
        "        _sf = Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n"
        "    return _sf\n\n"
        "def sync(rows):\n"
        "    for row in rows:\n"
        "        client().Contact.create(row)\n",
        # Built in __init__ of a service created once; a memoising getter with an early return.
        "from functools import cached_property\nfrom simple_salesforce import Salesforce\n\n"
        "class Sync:\n"
        "    def __init__(self):\n"
        "        self.sf = Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n\n"
        "    @cached_property\n"
        "    def bulk(self):\n"
        "        return Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM).bulk\n\n"
        "    def client(self):\n"
        "        if self._client is not None:\n"
        "            return self._client\n"
        "        self._client = Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n"
        "        return self._client\n\n"
        "    def run(self, rows):\n"
        "        for row in rows:\n"
        "            self.client().Contact.create(row)\n\n"
        "SYNC = Sync()\n",
        # A token cached until it expires, and a token kept in Redis.
        "import time\nimport requests\n_token = {}\n\n"
        "def token():\n"
        "    if _token.get('expires_at', 0) > time.time():\n"
        "        return _token['access_token']\n"
        "    reply = requests.post(f'{LOGIN}/services/oauth2/token', data={'grant_type': 'client_credentials'}, timeout=10).json()\n"
        "    _token.update(reply, expires_at=time.time() + 3000)\n"
        "    return reply['access_token']\n\n"
        "def cached_token(redis):\n"
        "    if not redis.get('sf_token'):\n"
        "        reply = requests.post(f'{LOGIN}/services/oauth2/token', data={'grant_type': 'client_credentials'}, timeout=10).json()\n"
        "        redis.setex('sf_token', reply['expires_in'], reply['access_token'])\n"
        "    return redis.get('sf_token')\n\n"
        "def push(rows):\n"
        "    for row in rows:\n"
        "        requests.post(URL, json=row, headers={'Authorization': f'Bearer {token()}'}, timeout=10)\n",
        # Logging in again only after the session expired.
        "from simple_salesforce import Salesforce, SalesforceExpiredSession\n\n"
        "def sync(sf, rows):\n"
        "    for row in rows:\n"
        "        try:\n"
        "            sf.Contact.create(row)\n"
        "        except SalesforceExpiredSession:\n"
        "            sf = Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n"
        "            sf.Contact.create(row)\n",
        # One login per org or per user: the credentials change with the loop or the request.
        "from flask import Flask, request\nfrom simple_salesforce import Salesforce\napp = Flask(__name__)\n\n"
        "def export_all(orgs):\n"
        "    for org in orgs:\n"
        "        sf = Salesforce(username=org['user'], consumer_key=org['key'], privatekey_file=org['pem'])\n"
        "        export(sf)\n\n"
        "@app.post('/login')\n"
        "def login():\n"
        "    return Salesforce(username=request.form['username'], password=request.form['password'], security_token=request.form['token']).session_id\n",
        # The web server flow: each user's authorization code is exchanged once.
        "import requests\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "@app.get('/oauth/callback')\n"
        "def callback():\n"
        "    return requests.post(f'{LOGIN}/services/oauth2/token', data={'grant_type': 'authorization_code', 'code': request.args['code']}, timeout=10).json()\n",
        # A retry loop around the login, and a poller that sleeps between passes.
        "import time\nfrom simple_salesforce import Salesforce\n\n"
        "def connect():\n"
        "    for attempt in range(3):\n"
        "        try:\n"
        "            return Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n"
        "        except ConnectionError:\n"
        "            time.sleep(2 ** attempt)\n\n"
        "def poll():\n"
        "    while True:\n"
        "        sync(Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM))\n"
        "        time.sleep(900)\n",
        # An existing session: no login.
        "from simple_salesforce import Salesforce\n\n"
        "def sync(rows, token):\n"
        "    for row in rows:\n"
        "        Salesforce(instance_url=URL, session_id=token).Contact.create(row)\n",
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def test_sync(rows):\n"
            "    for row in rows:\n"
            "        Salesforce(username=USER, password=PW, security_token=TOKEN).Contact.create(row)\n",
            path="tests/test_sync.py",
        ),
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def sync(rows):\n"
            "    for row in rows:\n"
            "        sf = Salesforce(username=USER, password=PW, security_token=TOKEN)\n"
            "        sf.Contact.create(row)\n",
            line=5,
        ),
        # A factory without a cache, called per record.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def salesforce():\n"
            "    return Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n\n"
            "def sync(rows):\n"
            "    for row in rows:\n"
            "        salesforce().Contact.create(row)\n",
            line=4,
        ),
        # A token per request, in a route and in a helper the route calls.
        Example(
            "import requests\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
            "@app.post('/orders')\n"
            "def create_order():\n"
            "    token = requests.post(f'{LOGIN}/services/oauth2/token', data=CLIENT_CREDENTIALS, timeout=10).json()['access_token']\n"
            "    return forward(token, request.get_json())\n",
            line=7,
        ),
        Example(
            "from fastapi import FastAPI\nfrom simple_salesforce import SalesforceLogin\napp = FastAPI()\n\n"
            "def session():\n"
            "    return SalesforceLogin(username=USER, password=PW, security_token=TOKEN)\n\n"
            "@app.get('/accounts/{account_id}')\n"
            "def account(account_id: str):\n"
            "    session_id, instance = session()\n"
            "    return read(session_id, instance, account_id)\n",
            line=6,
        ),
        # Per event of a Pub/Sub API subscription.
        Example(
            "import pubsub_api_pb2 as pb2\nfrom simple_salesforce import Salesforce\n\n"
            "def consume(stub, request):\n"
            "    for response in stub.Subscribe(request):\n"
            "        sf = Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n"
            "        sf.Shipment__c.create(decode(response))\n",
            line=6,
        ),
        # An instance attribute set again on every call.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "class Pusher:\n"
            "    def connect(self):\n"
            "        self.sf = Salesforce(username=USER, consumer_key=KEY, privatekey_file=PEM)\n\n"
            "    def push_all(self, rows):\n"
            "        for row in rows:\n"
            "            self.connect()\n"
            "            self.sf.Contact.create(row)\n",
            line=5,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.frames = [_Frame()]  # the module's, then one per function around the node
        # Same-module functions called outside any cache check: by which functions, and which of them in a loop.
        self.callers: dict[cst.FunctionDef, list[cst.FunctionDef]] = {}
        self.called_in_loop: set[cst.FunctionDef] = set()
        self.sleeping: set[cst.While] = set()  # `while` loops that sleep between passes: pollers
        self._read: dict[cst.BaseExpression, set[str]] = {}  # the names each condition reads, once asked

    # -- what the traversal has read of each function

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        cached = self.frames[-1].cached or any(_decorator_name(d.decorator) in CACHING_DECORATORS for d in node.decorators)
        self.frames.append(_Frame(cached=cached))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.frames.pop()

    def visit_Global(self, node: cst.Global) -> None:
        self.frames[-1].shared.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.frames[-1].shared.update(item.name.value for item in node.names)

    def visit_If(self, node: cst.If | cst.IfExp) -> None:
        self.frames[-1].tests.append(node.test)
        self.frames[-1].guards.append(node.test)

    def leave_If(self, original_node: cst.If | cst.IfExp) -> None:
        self.frames[-1].guards.pop()

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self.visit_If(node)  # `_sf if _sf else Salesforce(...)`

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        self.leave_If(original_node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.frames[-1].handling += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self.frames[-1].handling -= 1

    def visit_BooleanOperation_right(self, node: cst.BooleanOperation) -> None:
        self.frames[-1].fallback += isinstance(node.operator, cst.Or)

    def leave_BooleanOperation_right(self, node: cst.BooleanOperation) -> None:
        self.frames[-1].fallback -= isinstance(node.operator, cst.Or)

    # -- the calls

    def visit_Call(self, node: cst.Call) -> None:
        if self.in_tests:
            return
        self._note_call(node)
        login = self._login(node)
        if login is None or self._kept():
            return
        mentioned = self._mentioned(node)
        consumer = enclosing_handler(self.facts)
        if consumer is not None:
            if not mentioned & _request_names(consumer):  # else one login per user or per org: the request's own
                self._report_per_event(node, login, consumer)
        else:
            self._report_per_pass(node, login, mentioned)

    def _login(self, node: cst.Call) -> LoginCall | None:
        found = client_call(self.facts, node)
        if found is not None and found.login:
            password = password_login(self, node)
            soap = (password is not None and password.kind.soap) or found.client == "salesforce_bulk"
            fix = SESSION_FIX if self.facts.qualified_name(node.func) in SALESFORCE_LOGINS else CLIENT_FIX
            return LoginCall(callee_label(self.facts, node), "logs in", fix, soap)
        token = token_request(self, node) if found is not None else None  # an HTTP call
        if token is None or token.grant in INTERACTIVE_GRANTS:
            return None
        confidence = None if token.endpoint else Confidence.MEDIUM
        return LoginCall(callee_label(self.facts, node), "requests a new OAuth token", TOKEN_FIX, soap=False, confidence=confidence)

    def _report_per_event(self, node: cst.Call, login: LoginCall, consumer: Consumer) -> None:
        unit = _unit(consumer)
        where = f"in {consumer.label}, once per {unit}" if consumer.handed_off else f"on every {unit} in {consumer.label}"
        self.report(node, self._message(login, login.label, where, unit), hint=login.fix, confidence=login.confidence)

    def _report_per_pass(self, node: cst.Call, login: LoginCall, mentioned: set[str]) -> None:
        """Report a login in a loop or in a function called in one, else in a function a handler calls (both read at the end)."""
        function = self.facts.current_function()
        own_credentials = function is not None and bool(mentioned & _parameters(function))  # each caller hands in its own

        def skip(loop: Loop) -> bool:
            return loop.is_small_literal() or loop_shape(self.facts, loop).retry or (loop.via is None and bool(mentioned & _targets(loop)))

        def in_loop(loop: Loop, line: int) -> str | None:
            if isinstance(loop.node, cst.While) and loop.node in self.sleeping:
                return None  # a poller: one login per poll
            if loop.via is None:
                return self._message(login, login.label, f"on every pass of the loop on line {line}", "pass")
            if function not in self.called_in_loop or own_credentials:
                return None  # called in loops only behind a cache check, or given its credentials by each caller
            where = f"on every call, and the loop on line {line} calls `{loop.via}` once per pass"
            return self._message(login, f"{login.label} in `{loop.via}`", where, "pass")

        self.report_in_loop(node, in_loop, skip=skip, hint=login.fix, confidence=login.confidence)
        if function is not None and not own_credentials and all(skip(loop) for loop in self.facts.enclosing_loops()):
            key = self.facts.function_key() or function.name.value
            self.report_later(node, lambda: self._called_by_handler(login, function, key, skip), hint=login.fix, confidence=login.confidence)

    def _called_by_handler(self, login: LoginCall, function: cst.FunctionDef, key: str, skip: Callable[[Loop], bool]) -> str | None:
        """The message for a login in a function a handler calls per request or event, read once the file is done."""
        if function in self.called_in_loop and any(not skip(loop) for chain in self.facts.loop_calls.get(key, ()) for loop in chain):
            return None  # reported for the loop that calls it
        for caller in self.callers.get(function, ()):
            consumer = handler_of(self.facts, caller)
            if consumer is not None:
                unit = _unit(consumer)
                where = f"on every call, and {consumer.label} calls `{key}` on every {unit}"
                return self._message(login, f"{login.label} in `{key}`", where, unit)
        return None

    @staticmethod
    def _message(login: LoginCall, subject: str, where: str, unit: str) -> str:
        limit = SOAP_LIMIT if login.soap else ""
        return f"{subject} {login.what} {where}, so each {unit} waits for a new login and opens another session{limit}; {login.fix}."

    # -- what keeps a login from repeating

    def _note_call(self, node: cst.Call) -> None:
        """Who calls which same-module function outside a cache check, and whether in a loop; which `while` loops sleep."""
        mapped = self.facts.is_builtin(node.func, "map") and len(node.args) >= 2  # `map(push, rows)` calls `push` per row
        callee = self.facts.callee(node.args[0].value if mapped else node.func)
        if callee is not None and not self._lazy(self.frames[-1].guards):
            if mapped or self.facts.enclosing_loops():
                self.called_in_loop.add(callee)
            caller = self.facts.current_function()
            if caller is not None:
                self.callers.setdefault(callee, []).append(caller)
        loop = self.facts.enclosing_loop()
        if loop is not None and isinstance(loop.node, cst.While) and self.facts.qualified_name(node.func) in SLEEPS:
            self.sleeping.add(loop.node)

    def _kept(self) -> bool:
        """The login at hand keeps its result: in a cached function, stored in a global, behind a check of what it
        stores or of a client, token, cache or expiry (around it or returning early before it), in `except`, after `or`."""
        frame = self.frames[-1]
        stored = _stored_in(self.facts.current_statement())
        return bool(stored & frame.shared) or frame.cached or self._lazy(frame.tests, stored)

    def _lazy(self, tests: list[cst.BaseExpression], stored: frozenset[str] = frozenset()) -> bool:
        """Whether code runs only now and then: in an `except` clause, after `or`, or behind one of `tests` that reads
        what it stores or a client, token, cache or expiry."""
        frame = self.frames[-1]
        if frame.handling or frame.fallback:
            return True
        for test in tests:
            if test not in self._read:
                self._read[test] = _names_read(test)
            if self._read[test] & stored or any(CACHE_STATE.search(name) for name in self._read[test]):
                return True
        return False

    def _mentioned(self, node: cst.Call) -> set[str]:
        """The names the login's arguments read, and those read by the values those names are bound to."""
        found: set[str] = set()
        for arg in node.args:
            for name in (n for n in walk(arg.value) if isinstance(n, cst.Name)):
                found.add(name.value)
                binding = self.facts.lookup(name.value)
                if binding is not None and binding.value is not None and not binding.parameter:
                    found.update(n.value for n in walk(binding.value) if isinstance(n, cst.Name))
        return found


def _decorator_name(expr: cst.BaseExpression) -> str:
    """`lru_cache` of `@functools.lru_cache(maxsize=1)`."""
    expr = expr.func if isinstance(expr, cst.Call) else expr
    return expr.attr.value if isinstance(expr, cst.Attribute) else expr.value if isinstance(expr, cst.Name) else ""


def _names_read(test: cst.BaseExpression) -> set[str]:
    """The names and attributes a condition reads (`self._sfClient is None` -> {"self", "_sf_client"}); a comparison
    with 401 reads as "unauthorized"."""
    names: set[str] = set()
    for node in walk(test):
        if isinstance(node, (cst.Name, cst.Attribute)):
            names.add(_identifier(node))
        elif isinstance(node, cst.Integer) and node.value == UNAUTHORIZED:
            names.add("unauthorized")
    return names


def _identifier(node: cst.Name | cst.Attribute) -> str:
    """A name, or an attribute's own name, in snake case: `self._sfClient` -> "_sf_client"."""
    name = node.attr.value if isinstance(node, cst.Attribute) else node.value
    return CAMEL_BOUNDARY.sub("_", name).lower()


def _stored_in(statement: cst.CSTNode | None) -> frozenset[str]:
    """Where an assignment statement keeps its value: `_sf`, `self._sf` -> "_sf", `cache[key]` -> "cache"."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return frozenset()
    targets = [t.target for small in statement.body if isinstance(small, cst.Assign) for t in small.targets]
    targets += [small.target for small in statement.body if isinstance(small, cst.AnnAssign)]
    found: set[str] = set()
    while targets:
        target = targets.pop()
        if isinstance(target, (cst.Tuple, cst.List)):
            targets.extend(element.value for element in target.elements)
        elif isinstance(target, cst.Subscript):
            targets.append(target.value)
        elif isinstance(target, (cst.Name, cst.Attribute)):
            found.add(_identifier(target))
    return frozenset(found)


def _targets(loop: Loop) -> set[str]:
    """The names a loop binds on each pass: its targets, or the parameters of the lambda `map(...)` runs."""
    node = loop.node
    if isinstance(node, (cst.For, cst.CompFor)):
        bound = [node.target]
    elif isinstance(node, COMPREHENSIONS):
        bound, inner = [], node.for_in
        while inner is not None:
            bound.append(inner.target)
            inner = inner.inner_for_in
    elif isinstance(node, cst.Call) and node.args and isinstance(node.args[0].value, cst.Lambda):
        bound = [param.name for param in node.args[0].value.params.params]
    else:
        return set()
    return {name.value for target in bound for name in walk(target) if isinstance(name, cst.Name)}


def _parameters(function: cst.FunctionDef) -> frozenset[str]:
    params = function.params
    return frozenset(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)) - SELF_NAMES


def _request_names(consumer: Consumer) -> set[str]:
    """Names that carry the request or event: a login built from them is the caller's own (one per user)."""
    names = set(REQUEST_ROOTS)
    if isinstance(consumer.node, cst.FunctionDef):
        names |= _parameters(consumer.node)
    if consumer.event:
        names.add(consumer.event)
    return names


def _unit(consumer: Consumer) -> str:
    return "request" if consumer.kind == WEBHOOK else "event"


# -- IL504: hard-coded secrets -----------------------------------------------------------

SECRET_FIX = "read it at run time from the environment (`os.environ[...]`) or a secret manager, and rotate the exposed value"


class HardcodedSecret(SecurityRule):
    """
    ## What it does
    Finds credentials written into the code: a string literal (directly, or
    through a constant) given to `password`, `security_token`,
    `consumer_secret`, `client_secret`, `privatekey`, `session_id` or
    `refresh_token` — as a keyword argument, a positional argument of
    `Salesforce(...)`/`SalesforceLogin(...)`, a dict entry (a token request's
    body, a `**` config) or a parameter's default — and literal
    `Authorization: Bearer ...` headers.

    Not flagged: empty strings, very short values, obvious placeholders
    (`changeme`, `xxx`, `<...>`, `${...}`, `{{...}}`, `your_...`, a value equal
    to its key), names of environment variables (`SF_PASSWORD`), values read at
    run time (`os.environ[...]`, `os.getenv(...)`, `settings.X`, a vault or
    AWS Secrets Manager client), and files under test paths.

    ## Why it matters
    A secret in source control is readable by everyone with access to the
    repository, its forks, CI logs and backups, for as long as the history
    exists; removing the line does not revoke it. With Salesforce credentials
    that means API access with the integration user's permissions.

    ## Example
    ```python
    sf = Salesforce(username="etl@acme.com", password="Winter2024!", security_token="x7RkQ2mVb9LpT4sWc1Nd")
    ```

    ## Use instead
    ```python
    sf = Salesforce(
        username=os.environ["SF_USERNAME"],
        consumer_key=os.environ["SF_CONSUMER_KEY"],
        privatekey=secrets_client.get_secret_value(SecretId="sf/jwt-key")["SecretString"],
    )
    ```
    """

    code = "IL504"
    name = "hardcoded-secret"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    # A credential's name as a keyword, key or parameter (or a login's position), or an Authorization header.
    requires = Requires(imports=("simple_salesforce",), markers=(*sorted(SECRET_NAMES), "authorization"))
    security_severity = "7.5"
    tags = ("credentials", "external/cwe/cwe-798")
    valid = [
        "import os\nfrom simple_salesforce import Salesforce\n"
        "sf = Salesforce(username=os.environ['SF_USER'], password=os.getenv('SF_PASSWORD'), security_token=settings.SF_TOKEN)\n",
        # Placeholders, empty values, names of variables and config keys.
        "connect(password='')\nconnect(password='changeme')\nconnect(client_secret='<client-secret>')\n"
        "connect(client_secret='${SF_CLIENT_SECRET}')\nconnect(refresh_token='{{ refresh_token }}')\n"
        "connect(password='your_password_here')\nconnect(password='xxxxxxxx')\nconnect(password='SF_PASSWORD')\n"
        "connect(password='salesforce.password')\n",
        "FIELDS = {'password': 'password', 'client_secret': 'Client Secret'}\n",
        "import requests\nrequests.get(url, headers={'Authorization': f'Bearer {token}'}, timeout=10)\n"
        "requests.get(url, headers={'Authorization': 'Bearer <access-token>'}, timeout=10)\n",
        # A secret manager, and a default handed in by the caller at run time.
        "import boto3\nsecret = boto3.client('secretsmanager').get_secret_value(SecretId='sf/password')['SecretString']\n"
        "connect(password=secret)\n",
        Example("from simple_salesforce import Salesforce\nsf = Salesforce(username='qa@acme.com', password='Qa-Passw0rd!', security_token='k3Jd8sLq0PzX')\n", path="tests/test_login.py"),
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(username='etl@acme.com', password='Winter2024!', security_token=token)\n", line=3),
        Example("from simple_salesforce import Salesforce\n\nSF_TOKEN = 'x7RkQ2mVb9LpT4sWc1Nd'\nsf = Salesforce(user, pw, SF_TOKEN)\n", line=4),
        Example(
            "import requests\n\n"
            "payload = {\n"
            "    'grant_type': 'client_credentials',\n"
            "    'client_id': '3MVG9xOCXq4ID1uG',\n"
            "    'client_secret': '8A1D7E0F2C4B6A9D',\n"
            "}\n",
            line=6,
        ),
        Example("import requests\n\nHEADERS = {'Authorization': 'Bearer 00D5e000000AbCd!AQ4AQFh8hPq'}\n", line=3),
        Example("import requests\n\nsession = requests.Session()\nsession.headers['Authorization'] = 'Bearer 00D5e000000AbCd!AQ4AQFh8hPq'\n", line=4),
        Example("def connect(user, password='Tr0ub4dor&3'):\n    return login(user, password)\n", line=1),
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=url, session_id='00D5e000000AbCd!AQ4AQFh8hPq')\n", line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        """Credentials passed by keyword to any call, and by position to `Salesforce(...)`/`SalesforceLogin(...)`."""
        params = LOGIN_SIGNATURES.get(self.facts.qualified_name(node.func), ())
        if not params and not any(arg.keyword is not None and arg.keyword.value in SECRET_NAMES for arg in node.args):
            return  # rendering the callee costs a code generation of the call chain: only when needed
        callee = callee_label(self.facts, node)
        for name, arg in zip(params, positional(node)):
            if name in SECRET_NAMES:
                self._check(arg.value, name, f"the `{name}` argument of {callee}")
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in SECRET_NAMES:
                self._check(arg.value, arg.keyword.value, f"`{arg.keyword.value}=` of {callee}")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = self.facts.string_template(node.key)
        if key is None:
            return
        if key.lower() in SECRET_NAMES:
            self._check(node.value, key, f"the `{key}` entry")
        elif key.lower() == "authorization":
            self._check_bearer(node.value, "the `Authorization` header")

    def visit_Assign(self, node: cst.Assign) -> None:
        """`session.headers["Authorization"] = "Bearer ..."`."""
        for target in node.targets:
            if isinstance(target.target, cst.Subscript) and (self.facts.subscript_key(target.target) or "").lower() == "authorization":
                self._check_bearer(node.value, "the `Authorization` header")

    def visit_Param(self, node: cst.Param) -> None:
        super().visit_Param(node)
        if node.default is not None and node.name.value in SECRET_NAMES:
            self._check(node.default, node.name.value, f"the default of parameter `{node.name.value}`", follow=False)

    def _check(self, value: cst.BaseExpression, name: str, where: str, follow: bool = True) -> None:
        resolved = self.constant(value) if follow else value
        text = literal_text(resolved)
        if text is None or not looks_like_secret(text, name):
            return
        via = f" (`{clipped(self.facts.source(value))}` is a literal)" if resolved is not value else ""
        what = "private key" if is_private_key(text) else "secret"
        self._report(value, f"{where} is a hard-coded {what}{via}")

    def _check_bearer(self, value: cst.BaseExpression, where: str) -> None:
        if bearer_token(literal_text(self.constant(value)) or ""):
            self._report(value, f"{where} carries a hard-coded bearer token")

    def _report(self, node: cst.BaseExpression, what: str) -> None:
        self.report(
            node,
            f"{what[0].upper()}{what[1:]}, so anyone who can read the repository can use it; {SECRET_FIX}.",
            hint=SECRET_FIX,
        )


# -- IL505: plaintext endpoints --------------------------------------------------------

ENDPOINT_KEYWORDS = frozenset({"instance_url", "login_url", "base_url", "token_url", "auth_url", "endpoint_url"})
HOST = re.compile(r"^(\[[^\]]*\]|[^/:?#]*)")
LOOPBACK = re.compile(r"^(localhost|.*\.localhost|127(\.\d+){3}|\[?::1\]?|0\.0\.0\.0)$")
# Hosts that never serve an integration: cloud instance metadata (HTTP only), reserved documentation
# domains (RFC 2606) and XML namespace / DTD identifiers.
NOT_ENDPOINTS = re.compile(
    r"""(?x)^(
        169\.254\.\d+\.\d+ | metadata\.google\.internal
        | (.*\.)?example\.(com|net|org) | .*\.(example|test|invalid)
        | (www\.)?w3\.org | schemas\.xmlsoap\.org | soap\.sforce\.com | schemas\.microsoft\.com | purl\.org | xmlns\.com
    )$"""
)


def plaintext_url(template: str | None) -> str | None:
    """The URL if it is `http://` to a host that is known, not local and not a namespace."""
    if template is None or not template.lower().startswith("http://"):
        return None
    host = HOST.match(template[len("http://") :]).group(1).lower()
    if not host.replace("{}", "") or LOOPBACK.match(host) or NOT_ENDPOINTS.match(host):
        return None
    return template


class PlaintextEndpoint(SecurityRule):
    """
    ## What it does
    Finds `http://` URLs used as integration endpoints: the URL of a
    `requests`/`httpx`/`aiohttp`/`urllib3`/`urllib` request, and
    `instance_url=`, `login_url=`, `base_url=`, `token_url=`, `auth_url=`,
    `endpoint_url=` arguments and config entries — including URLs built from
    module constants (`f"{ERP_URL}/orders"`).

    Not flagged: localhost and loopback addresses (`127.0.0.1`, `::1`,
    `0.0.0.0`), cloud metadata addresses, documentation domains
    (`example.com`, `*.test`), XML namespace and DTD URIs
    (`http://schemas.xmlsoap.org/...`, `http://www.w3.org/...`), URLs whose
    host is not known, strings that only mention `http://` (`.replace`,
    `startswith`, comparisons), and files under test paths.

    ## Why it matters
    Over plain HTTP, session ids, OAuth tokens and record data cross the
    network readable and alterable by anyone on the path. The integration
    patterns guide: "It’s recommended you use the HTTPS protocol to connect to
    any remote system."

    ## Example
    ```python
    ERP_URL = "http://erp.acme.internal/api"

    def push(order):
        return requests.post(f"{ERP_URL}/orders", json=order, timeout=30)
    ```

    ## Use instead
    ```python
    ERP_URL = "https://erp.acme.internal/api"

    def push(order):
        return requests.post(f"{ERP_URL}/orders", json=order, timeout=30)
    ```
    """

    code = "IL505"
    name = "plaintext-endpoint"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    # An `http://` URL, sent by an HTTP library or given as an endpoint keyword or key.
    requires = Requires(markers=("http://",)) & Requires(imports=HTTP_LIBRARIES, markers=tuple(sorted(ENDPOINT_KEYWORDS)))
    security_severity = "7.4"
    tags = ("transport", "external/cwe/cwe-319")
    valid = [
        "import requests\nrequests.get('http://localhost:8080/health', timeout=5)\nrequests.get('http://127.0.0.1:9000/', timeout=5)\n"
        "requests.get('http://[::1]:8000/', timeout=5)\nrequests.get('http://0.0.0.0:5000/', timeout=5)\n",
        # XML namespaces are identifiers, never fetched.
        "NS = {'soapenv': 'http://schemas.xmlsoap.org/soap/envelope/', 'out': 'http://soap.sforce.com/2005/09/outbound'}\n"
        "root.find('soapenv:Body', NS)\n",
        # Only manipulating or testing the scheme.
        "import requests\nsecure = url.replace('http://', 'https://')\nif url.startswith('http://'):\n    raise ValueError(url)\n"
        "requests.get(url.replace('http://', 'https://'), timeout=5)\n",
        "import requests\nrequests.get('https://acme.my.salesforce.com/services/data/', timeout=5)\n",
        # Host unknown here: it may be a local proxy.
        "import requests\nrequests.get(f'http://{host}:{port}/status', timeout=5)\n",
        "import requests\nrequests.get('http://api.example.com/v1/orders', timeout=5)\n",
        # A proxy URL is not the endpoint.
        "import requests\nrequests.get('https://erp.acme.com/', proxies={'https': 'http://proxy.acme.com:3128'}, timeout=5)\n",
    ]
    invalid = [
        Example("import requests\n\nrequests.post('http://erp.acme.com/api/orders', json=order, timeout=30)\n", line=3),
        Example(
            "import requests\n\nERP_URL = 'http://erp.acme.internal/api'\n\ndef push(order):\n"
            "    return requests.post(f'{ERP_URL}/orders', json=order, timeout=30)\n",
            line=6,
        ),
        Example("import httpx\n\nclient = httpx.Client(base_url='http://billing.acme.com', timeout=10)\n", line=3),
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url='http://acme.my.salesforce.com', session_id=sid)\n", line=3),
        Example("from urllib.request import urlopen\n\nurlopen('http://10.20.0.15/export.csv', timeout=10)\n", line=3),
        Example("SETTINGS = {\n    'token_url': 'http://auth.acme.com/oauth2/token',\n}\n", line=2),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        request = http_request(self.facts, node)
        endpoints = [arg for arg in node.args if arg.keyword is not None and arg.keyword.value in ENDPOINT_KEYWORDS]
        if (request is None or request.url is None) and not endpoints:
            return
        callee = callee_label(self.facts, node)
        if request is not None and request.url is not None:
            self._check(request.url, f"{callee} sends its request to")
        for arg in endpoints:
            self._check(arg.value, f"`{arg.keyword.value}=` of {callee} is")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = self.facts.string_template(node.key)
        if key in ENDPOINT_KEYWORDS:
            self._check(node.value, f"The `{key}` entry is")

    def _check(self, value: cst.BaseExpression, subject: str) -> None:
        url = plaintext_url(self.facts.string_template(value))
        if url is None:
            return
        secure = "https://" + url[len("http://") :]
        self.report(
            value,
            f"{subject} `{clipped(url, 72)}` over plain HTTP, so what it sends and receives crosses the network "
            f"unencrypted, readable and alterable by anyone on the path; use `{clipped(secure, 72)}`.",
            hint="use an `https://` URL",
        )


# -- IL506: TLS verification disabled ------------------------------------------------------

UNVERIFIED_CONTEXT = "ssl._create_unverified_context"
CERT_NONE = frozenset({"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"})
AIOHTTP_SSL_KEYWORDS = ("ssl", "verify_ssl")
AIOHTTP_CONNECTOR = "aiohttp.TCPConnector"
TLS_FIX = "keep verification on, and point `verify=` (or `cafile=`) at the CA bundle that signs the endpoint's certificate"
IMPERSONATION = "so anyone on the network path can impersonate the endpoint and read the credentials and data it is sent"


class TlsVerificationDisabled(SecurityRule):
    """
    ## What it does
    Finds code that turns off TLS certificate checks: `verify=False` on
    `requests`/`httpx` calls, sessions and clients (and on `.get/.post/...` of
    an unknown client in a module that imports them), `session.verify = False`,
    aiohttp's `ssl=False`/`verify_ssl=False`, `ssl._create_unverified_context()`
    (called, or installed as the default HTTPS context), and `ssl.CERT_NONE`
    (`ctx.verify_mode = ssl.CERT_NONE` — which Python accepts only after
    `check_hostname = False` — and `cert_reqs=...`).

    Not flagged: `urllib3.disable_warnings()` alone (it only hides warnings),
    `check_hostname = False` while certificates are still verified (libraries
    that match host names themselves, connections without a host name), a
    class setting its own `self.verify_mode`, values that come from a
    parameter, and files under test paths.

    ## Why it matters
    Without certificate checks, TLS still encrypts, but to whoever answers: a
    proxy or an attacker on the path can present any certificate and read or
    change the traffic, including the OAuth token or session id. The
    integration patterns guide relies on verified TLS: "One-way SSL is enabled
    by default, but two-way SSL is supported with both self-signed and
    CA-signed certificates to maintain authenticity of both the client and
    server." A private CA belongs in `verify="/path/ca.pem"`, not in
    `verify=False`.

    ## Example
    ```python
    response = requests.post(url, json=body, verify=False, timeout=30)
    ```

    ## Use instead
    ```python
    response = requests.post(url, json=body, verify="/etc/ssl/certs/acme-ca.pem", timeout=30)
    ```
    """

    code = "IL506"
    name = "tls-verification-disabled"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    # A client or `ssl` to turn the checks off on, and `verify`, `ssl=`/`_create_unverified_context` or `CERT_NONE`.
    requires = Requires(imports=("requests", "httpx", "aiohttp", "urllib3", "simple_salesforce", "ssl"), markers=("cert_none",)) & Requires(
        markers=("verify", "ssl", "cert_none")
    )
    security_severity = "7.4"
    tags = ("transport", "external/cwe/cwe-295")
    valid = [
        "import requests\nrequests.get(url, verify='/etc/ssl/certs/acme-ca.pem', timeout=10)\nrequests.get(url, verify=True, timeout=10)\n",
        # Silencing urllib3's warnings alone does not disable anything.
        "import urllib3\nurllib3.disable_warnings()\n",
        "import ssl\nctx = ssl.create_default_context(cafile='ca.pem')\nif ctx.verify_mode == ssl.CERT_NONE:\n    raise RuntimeError('unverified')\n",
        # A parameter's default is the caller's choice, not this code's.
        "import ssl\n\ndef context(mode=ssl.CERT_NONE):\n    ctx = ssl.create_default_context()\n    ctx.verify_mode = mode\n    return ctx\n",
        # Certificates still verified; the host name is matched elsewhere (or there is none).
        "import ssl\nctx = ssl.create_default_context()\nif not server_hostname:\n    ctx.check_hostname = False\n",
        # A context implementation's own default state.
        "import ssl\n\nclass LegacyContext:\n    def __init__(self):\n        self.verify_mode = ssl.CERT_NONE\n",
        Example("import requests\nrequests.get('https://localhost:8443/', verify=False, timeout=5)\n", path="tests/test_client.py"),
        # Not an HTTP client: a form's own verify flag.
        "form.validate(verify=False)\n",
    ]
    invalid = [
        Example("import requests\n\nrequests.post(url, json=body, verify=False, timeout=30)\n", line=3),
        Example("import requests\n\nVERIFY_TLS = False\nsession = requests.Session()\nsession.get(url, verify=VERIFY_TLS, timeout=30)\n", line=5),
        Example("import requests\n\nsession = requests.Session()\nsession.verify = False\n", line=4),
        Example("import httpx\n\nclient = httpx.AsyncClient(verify=False, timeout=10)\n", line=3),
        Example("import ssl\nimport urllib.request\n\nurllib.request.urlopen(url, context=ssl._create_unverified_context(), timeout=10)\n", line=4),
        Example("import ssl\n\nctx = ssl.create_default_context()\nctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE\n", line=5),
        Example("import aiohttp\n\nconnector = aiohttp.TCPConnector(ssl=False)\n", line=3),
        Example("import urllib3\n\nhttp = urllib3.PoolManager(cert_reqs='CERT_NONE')\n", line=3),
        Example("import requests\n\ndef fetch(http, url):\n    return http.get(url, verify=False, timeout=10)\n", line=4),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.facts.qualified_name(node.func)
        if qualified == UNVERIFIED_CONTEXT:
            self.report(
                node,
                f"`{self.facts.source(node.func)}()` builds an SSL context that checks neither the certificate nor the host "
                f"name, {IMPERSONATION}; use `ssl.create_default_context()` (with `cafile=` for a private CA).",
                hint=TLS_FIX,
            )
            return
        self._check_keywords(node, qualified)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = self.constant(node.value)
        for target in (t.target for t in node.targets):
            if not isinstance(target, cst.Attribute):
                continue
            attr, label = target.attr.value, f"`{clipped(self.facts.source(target))} = {clipped(self.facts.source(node.value))}`"
            if attr == "verify" and is_false(value) and self._is_http_client(target.value):
                self.report(node, f"{label} turns off certificate checks for every request of this session, {IMPERSONATION}; remove it.", hint=TLS_FIX)
            elif attr == "verify_mode" and self._is_cert_none(value) and not _is_self(target.value):
                self.report(node, f"{label} accepts any certificate, {IMPERSONATION}; use `ssl.CERT_REQUIRED`.", hint=TLS_FIX)
            elif self.facts.qualified_name(node.value) == UNVERIFIED_CONTEXT:
                self.report(node, f"{label} makes every HTTPS connection skip certificate checks, {IMPERSONATION}; remove it.", hint=TLS_FIX)

    def _check_keywords(self, node: cst.Call, qualified: str | None) -> None:
        for arg in node.args:
            name = arg.keyword.value if arg.keyword is not None else None
            value = self.constant(arg.value) if name else None
            if name == "verify" and is_false(value):
                confidence = self._http_confidence(node)
                if confidence is not None:
                    self._report_keyword(node, arg, "turns off certificate checks", confidence)
            elif name in AIOHTTP_SSL_KEYWORDS and is_false(value) and self._is_aiohttp(node, qualified):
                self._report_keyword(node, arg, "turns off certificate checks")
            elif name == "cert_reqs" and self._is_cert_none(value):
                self._report_keyword(node, arg, "accepts any certificate")

    def _report_keyword(self, node: cst.Call, arg: cst.Arg, what: str, confidence: Confidence | None = None) -> None:
        passed = clipped(self.facts.source(arg).rstrip(", "))
        self.report(arg, f"{callee_label(self.facts, node)} passes `{passed}`, which {what}, {IMPERSONATION}; remove it.", hint=TLS_FIX, confidence=confidence)

    def _http_confidence(self, node: cst.Call) -> Confidence | None:
        """How sure it is that `node` is an HTTP client call: HIGH when the library or client is known, MEDIUM for
        `x.get(...)` on an unknown `x` in a module importing requests/httpx; None when it is not one."""
        if is_http_library_call(self.facts, node):
            return Confidence.HIGH
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in (*HTTP_VERBS, *METHOD_FIRST) and self.facts.imports(*HTTP_MODULES):
            return Confidence.MEDIUM
        return None

    def _is_http_client(self, expr: cst.BaseExpression) -> bool:
        """A requests/httpx client, or the requests session of a simple_salesforce client (`sf.session`)."""
        if self.facts.is_type(expr, *HTTP_CLIENT_TYPES):
            return True
        return isinstance(expr, cst.Attribute) and expr.attr.value == "session" and self.facts.is_type(expr.value, SALESFORCE, SFTYPE)

    def _is_aiohttp(self, node: cst.Call, qualified: str | None) -> bool:
        func = node.func
        return qualified == AIOHTTP_CONNECTOR or (isinstance(func, cst.Attribute) and self.facts.is_type(func.value, AIOHTTP_SESSION))

    def _is_cert_none(self, value: cst.BaseExpression | None) -> bool:
        return value is not None and (self.facts.qualified_name(value) in CERT_NONE or literal_text(value) == "CERT_NONE")


def _is_self(expr: cst.BaseExpression) -> bool:
    """`self.verify_mode = ...` sets the state of a class that implements a context, not a client's choice."""
    return isinstance(expr, cst.Name) and expr.value == "self"


# -- IL507: hard-coded record ids ------------------------------------------------------------

# Standard key prefixes (the first three characters of an id); custom objects' (a0X...) differ per org.
KEY_PREFIXES = {
    "001": "Account", "003": "Contact", "005": "User", "006": "Opportunity", "00D": "Organization",
    "00G": "Group", "00Q": "Lead", "012": "RecordType", "500": "Case", "701": "Campaign", "00T": "Task",
    "00U": "Event", "01t": "Product2", "801": "Order", "00e": "Profile", "00E": "UserRole",
    "01s": "Pricebook2", "0PS": "PermissionSet", "800": "Contract", "02i": "Asset", "802": "OrderItem",
    "00k": "OpportunityLineItem", "00v": "CampaignMember", "0Q0": "Quote",
}  # fmt: skip
# How to find each kind of record without its id.
STABLE_KEYS = {
    "RecordType": "look it up by `DeveloperName` and `SobjectType`",
    "Group": "look the group or queue up by `DeveloperName`",
    "Profile": "look it up by `Name`",
    "PermissionSet": "look it up by `Name`",
    "UserRole": "look it up by `DeveloperName`",
    "User": "look the user up by `Username` or `FederationIdentifier`",
    "Organization": "read it from configuration or `SELECT Id FROM Organization`",
}
DEFAULT_STABLE_KEY = "look the record up by an External ID or another stable field, or read the id from configuration"
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
QUOTED_ID = re.compile(r"'([A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)'")
SOQL_SHAPE = re.compile(r"(?is)\bSELECT\b.+\bFROM\b")
SOQL_MARK = re.compile(r"(?i)select")
MAX_ID_LITERAL = 18 + 8  # an 18-character id in the longest quoting: a prefix and triple quotes
STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


def case_checksum(id15: str) -> str:
    """The three characters an 18-character id appends: for each five characters, which of them are upper case."""
    chunks = (id15[start : start + 5] for start in (0, 5, 10))
    return "".join(CHECKSUM_ALPHABET[sum(1 << bit for bit, char in enumerate(chunk) if "A" <= char <= "Z")] for chunk in chunks)


def record_object(text: str) -> str | None:
    """The sObject a string is a record id of: a standard key prefix and an id's shape.

    An 18-character id must carry its case checksum. A 15-character one must look like an id:
    the reserved sixth character and the next one are `0` in ids of any real org, and at least
    one letter follows the prefix (account numbers and phone numbers are all digits).
    """
    if len(text) not in (15, 18) or not (text.isascii() and text.isalnum()):
        return None
    sobject = KEY_PREFIXES.get(text[:3])
    if sobject is None:
        return None
    if len(text) == 18:
        return sobject if text[15:] == case_checksum(text[:15]) else None
    return sobject if text[5:7] == "00" and any(char.isalpha() for char in text[3:]) else None


class HardcodedRecordId(SecurityRule):
    """
    ## What it does
    Finds Salesforce record ids written into the code as data: a 15- or
    18-character id with a standard key prefix (`001` Account, `003` Contact,
    `005` User, `00G` Group/queue, `012` RecordType, `500` Case, ...) in a
    call argument, a dict, a comparison, an assignment or a return value, or
    quoted in a SOQL string. An 18-character id must carry a valid case
    checksum; a 15-character one must have an id's shape.

    Not flagged: custom objects' prefixes (`a0X...`, which differ per org),
    ids in comments and docstrings, records written out as the API returns
    them (`{"attributes": {...}, "Id": ...}`: sample or mocked responses),
    and files under test paths.

    ## Why it matters
    Record ids are assigned per org: the same queue, record type or owner has
    another id in every sandbox and in production, and a refreshed sandbox gets
    new ones. A hard-coded id works in the org it was copied from and fails (or
    silently assigns the wrong record) everywhere else.

    ## Example
    ```python
    sf.Case.create({"Subject": subject, "OwnerId": "00G5e000004AbCdEAK"})
    ```

    ## Use instead
    ```python
    queue = sf.query("SELECT Id FROM Group WHERE Type = 'Queue' AND DeveloperName = 'Support_Tier_1'")
    sf.Case.create({"Subject": subject, "OwnerId": queue["records"][0]["Id"]})
    ```
    """

    code = "IL507"
    name = "hardcoded-record-id"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    # An id with a standard prefix is a whole string literal, or quoted in SOQL: a quote on each side.
    requires = Requires(patterns=(rf"[\"'](?:{'|'.join(KEY_PREFIXES)})[0-9A-Za-z]{{12}}(?:[0-9A-Za-z]{{3}})?[\"']",))
    security_severity = "2.0"
    tags = ("portability",)
    valid = [
        # Custom object prefixes differ per org; a bad checksum is not an id.
        "record = {'Region__c': 'a0X5e000001AbCdEAA', 'Code': '0015e00000AbCdEXYZ'}\n",
        # Documentation, not data.
        "def owner():\n    '''Returns the owner, e.g. 0055e000001AbCdAAK.'''\n    # default queue: 00G5e000004AbCdEAK\n    return lookup_owner()\n",
        # All digits: an account number, not an id.
        "payload = {'AccountNumber': '001234567890123'}\n",
        Example("from simple_salesforce import Salesforce\nsf.Case.update('5005e00000AbCdEAAV', {'Status': 'Closed'})\n", path="tests/test_cases.py"),
    ]
    invalid = [
        Example("case = {\n    'Subject': subject,\n    'OwnerId': '00G5e000004AbCdEAK',\n}\n", line=3),
        Example("sf.Case.update('5005e00000AbCdEAAV', {'Status': 'Closed'})\n", line=1),
        Example("if record['RecordTypeId'] == '0125e000000AbCd':\n    route(record)\n", line=1),
        Example("DEFAULT_OWNER_ID = '0055e000001AbCdAAK'\n", line=1),
        Example("soql = \"SELECT Id FROM Contact WHERE AccountId = '0015e00000AbCdEAAV'\"\n", line=1),
    ]

    def visit_Arg(self, node: cst.Arg) -> None:
        self._check(node.value)

    def visit_Dict(self, node: cst.Dict) -> None:
        if record_attributes(self.facts, node) is not None:
            return  # a record as the API returns it: a sample or a mocked response, not configuration
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self._check(element.key)
                self._check(element.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._check(node.left)
        for target in node.comparisons:
            self._check(target.comparator)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._check(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._check(node.value)

    def _check(self, expr: cst.BaseExpression) -> None:
        """The strings of a data position: the expression itself, or the items of a literal list/tuple/set."""
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            for element in expr.elements:
                self._check(element.value)
        elif isinstance(expr, STRING_NODES):
            self._check_string(expr)

    def _check_string(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.SimpleString) and len(node.value) > MAX_ID_LITERAL and not SOQL_MARK.search(node.value):
            return  # neither an id nor SOQL, told from the raw code without evaluating the literal
        text = self.facts.string_template(node) or ""
        sobject = record_object(text)
        if sobject is not None:
            self._report(node, f"`{text}` is a hard-coded {sobject} record id", sobject)
            return
        if not SOQL_SHAPE.search(text):
            return
        found = [(match, record_object(match)) for match in QUOTED_ID.findall(text)]
        ids = [(record_id, sobject) for record_id, sobject in found if sobject is not None]
        if ids:
            record_id, sobject = ids[0]
            more = f" (and {len(ids) - 1} more)" if len(ids) > 1 else ""
            self._report(node, f"This SOQL filters on the hard-coded {sobject} record id `{record_id}`{more}", sobject)

    def _report(self, node: cst.CSTNode, what: str, sobject: str) -> None:
        fix = STABLE_KEYS.get(sobject, DEFAULT_STABLE_KEY)
        self.report(
            node,
            f"{what}; ids differ between orgs and change when a sandbox is refreshed, so this breaks outside the org it "
            f"was copied from; {fix}.",
            hint=fix,
        )


# -- IL508: SOQL injection ---------------------------------------------------------------------

QUERY_OPERATIONS = {
    "client": frozenset({"query", "query_all", "query_all_iter", "search"}),
    "bulk": frozenset({"query", "query_all"}),
    "bulk2": frozenset({"query", "query_all"}),
}
QUERY_ARGUMENTS = ("query", "search", "data")
QUOTE_SOQL = frozenset({*FORMAT_SOQL, "simple_salesforce.format.quote_soql_value", "simple_salesforce.quote_soql_value"})
# Text before an unquoted value in SOQL/SOSL: a comparison, IN/LIKE/INCLUDES, LIMIT/OFFSET, a date literal's `:n`, FIND {.
UNQUOTED_VALUE = re.compile(r"([=<>:]|\b(LIKE|IN|INCLUDES|EXCLUDES|LIMIT|OFFSET)|\bIN\s*\(|\bFIND\s*\{)\s*$", re.IGNORECASE)
ESCAPED_CHARACTER = re.compile(r"\\.")
ESCAPER_NAME = re.compile(r"(?i)escape|quote|sanitiz")  # escape_soql(x), quote_value(x): the project's own escaping
# Fields of `%` and `.format()` templates (and their escaped `%%`, `{{`, `}}`); `key` names or numbers a field.
FORMAT_ESCAPES = frozenset({"%%", "{{", "}}"})
PERCENT_FIELD = re.compile(r"%%|%(\((?P<key>\w+)\))?[-#0 +]*\d*(\.\d+)?[sdifrx]")
BRACE_FIELD = re.compile(r"\{\{|\}\}|\{(?P<key>[^{}!:]*)(![rsa])?(:[^{}]*)?\}")
LIKE_OPENING = re.compile(r"['\"]%$")
STRING_KEEPING = frozenset({"str", "strip", "lower", "upper", "title", "capitalize", "lstrip", "rstrip", "replace"})
DATE_FORMATTERS = frozenset({"strftime", "isoformat"})
NON_STRING_TYPES = frozenset({"int", "float", "bool", "Decimal", "date", "datetime", "UUID"})
SOQL_START = re.compile(r"^\s*(SELECT|FIND)\b", re.IGNORECASE)
MAX_TEMPLATE = 90  # longer query templates in a fix are shown from their WHERE clause
GENERIC_SOQL_FIX = "pass each value to `format_soql(...)` as a `{}` field, which quotes and escapes it"
SOSL_FIX = "escape SOSL's reserved characters in the search term (`?&|!{}[]()^~*:\\\"'+-`) before building the search"


@dataclass(frozen=True)
class Origin:
    """Where a value put into a query comes from; a higher rank is less trusted."""

    rank: int  # 0: constant or escaped; 1: unknown (a local, a number); 2: outside input
    label: str = ""  # for input: "a function parameter", "request data", "a record field"


CONSTANT, UNKNOWN = Origin(0), Origin(1)
PARAMETER, REQUEST_DATA, RECORD_FIELD = Origin(2, "a function parameter"), Origin(2, "request data"), Origin(2, "a record field")


class SoqlInjection(SecurityRule):
    """
    ## What it does
    Finds SOQL (and SOSL) built by string formatting — an f-string, `%`,
    `.format()` or `+` — from values that are not constants, and passed to
    `sf.query`, `query_all`, `query_all_iter`, `search` or
    `sf.bulk/bulk2.<Object>.query`, directly or through a local name
    (`soql = f"..."; sf.query(soql)`).

    A value in a value position (quoted, after `=`/`IN`/`LIKE`, `LIMIT`) is
    reported with high confidence when it comes from outside — a function
    parameter, request data (`request.args`, `request.json`, ...), a record
    or row field (`row["Email"]`, `payload.get("id")`) — and with medium
    confidence otherwise (a local value, a number). Not flagged: queries built
    with `format_soql(...)` or `quote_soql_value(...)`, queries built only
    from literals and constants (`"SELECT " + FIELDS + " FROM Account"`),
    formatted dates (`since.isoformat()`), field and object names that do not
    come from request data, and files under test paths.

    ## Why it matters
    A value containing a quote ends the string literal and rewrites the query:
    `x' OR Name != '` returns every record the integration user can see, and
    the integration user usually sees a lot. simple_salesforce's `format_soql`
    quotes and escapes each value (`{:like}` for LIKE patterns).

    ## Example
    ```python
    def contact_by_email(sf, email):
        return sf.query(f"SELECT Id FROM Contact WHERE Email = '{email}'")
    ```

    ## Use instead
    ```python
    from simple_salesforce import format_soql

    def contact_by_email(sf, email):
        return sf.query(format_soql("SELECT Id FROM Contact WHERE Email = {}", email))
    ```
    """

    code = "IL508"
    name = "soql-injection"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = SALESFORCE_CALLS
    security_severity = "8.1"
    tags = ("injection", "external/cwe/cwe-943")
    valid = [
        "from simple_salesforce import Salesforce, format_soql\n\n"
        "def contact(sf: Salesforce, email):\n"
        "    return sf.query(format_soql('SELECT Id FROM Contact WHERE Email = {}', email))\n",
        # Built only from literals and constants.
        "from simple_salesforce import Salesforce\n"
        "FIELDS = 'Id, Name'\nLIMIT = 200\nsf = Salesforce(instance_url=url, session_id=token)\n"
        "sf.query('SELECT ' + FIELDS + ' FROM Account')\n"
        "sf.query(f\"SELECT {', '.join(['Id', 'Name'])} FROM Account LIMIT {LIMIT}\")\n",
        # A field list from a parameter is not a value position.
        "from simple_salesforce import Salesforce\n\n"
        "def export(sf: Salesforce, fields):\n"
        "    return sf.query_all(f\"SELECT {', '.join(fields)} FROM Account\")\n",
        # Escaped by hand with quote_soql_value.
        "from simple_salesforce import Salesforce\nfrom simple_salesforce.format import quote_soql_value\n\n"
        "def by_name(sf: Salesforce, name):\n"
        "    return sf.query('SELECT Id FROM Account WHERE Name = ' + quote_soql_value(name))\n",
        # Not a Salesforce client: a database cursor's SQL is another rule's business.
        "def find(db, email):\n    return db.query(f\"SELECT id FROM users WHERE email = '{email}'\")\n",
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def contact(sf: Salesforce, email):\n"
            "    return sf.query(f\"SELECT Id FROM Contact WHERE Email = '{email}'\")\n",
            line=4,
        ),
        Example(
            "from flask import request\nfrom simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=url, session_id=token)\n\n"
            "def search():\n"
            "    soql = \"SELECT Id FROM Account WHERE Name LIKE '%%%s%%'\" % request.args['q']\n"
            "    return sf.query_all(soql)\n",
            line=8,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def cases(sf: Salesforce, rows):\n"
            "    for row in rows:\n"
            "        sf.query(\"SELECT Id FROM Case WHERE Account.Name = '{}'\".format(row['account']))\n",
            line=5,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def leads(sf: Salesforce, owner_id):\n"
            "    return sf.bulk2.Lead.query(\"SELECT Id FROM Lead WHERE OwnerId = '\" + owner_id + \"'\")\n",
            line=4,
        ),
        # An untyped client named like one, in a module using simple_salesforce.
        Example(
            "import simple_salesforce\n\n"
            "def accounts(sf, name):\n"
            "    return sf.query_all(f\"SELECT Id FROM Account WHERE Name = '{name}'\")\n",
            line=4,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.parameters: list[dict[str, cst.Param]] = []  # innermost function last

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        self.parameters.append({p.name.value: p for p in (*params.posonly_params, *params.params, *params.kwonly_params)})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.parameters.pop()

    def visit_Call(self, node: cst.Call) -> None:
        found = self._query_argument(node)
        if found is None:
            return
        query, confidence = found
        built = self._build(query)
        if built is None:
            return
        how, pieces = built
        unsafe = [(piece, origin) for piece, origin in self._classified(pieces) if origin.rank]
        if not unsafe:
            return
        piece, origin = max(unsafe, key=lambda item: item[1].rank)  # the first of the least trusted
        confidence = min(confidence, Confidence.HIGH if origin.rank == 2 else Confidence.MEDIUM, key=CONFIDENCES.index)
        name = f"`{clipped(self.facts.source(piece), 32)}`" + (f" ({origin.label})" if origin.label else "")
        fix = self._fix(node, pieces, unsafe)
        self.report(
            node,
            f"{callee_label(self.facts, node)} runs a query built with {how} from {name}, so a value containing a quote "
            f"can rewrite the query (SOQL injection); {fix}.",
            hint=fix,
            confidence=confidence,
        )

    # -- which calls run a query, and with what

    def _query_argument(self, node: cst.Call) -> tuple[cst.BaseExpression, Confidence] | None:
        found = likely_salesforce_call(self.facts, node)
        if found is not None:
            call, confidence = found
            if call.operation not in QUERY_OPERATIONS.get(call.api, ()):
                return None
        elif self._looks_like_client_query(node):
            confidence = Confidence.MEDIUM
        else:
            return None
        query = next((arg.value for arg in (keyword(node, name) for name in QUERY_ARGUMENTS) if arg is not None), None)
        if query is None and positional(node):
            query = positional(node)[0].value
        return (query, confidence) if query is not None else None

    def _looks_like_client_query(self, node: cst.Call) -> bool:
        """`sf.query(...)` on an untyped receiver named like a client, in a module importing simple_salesforce."""
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in QUERY_OPERATIONS["client"]):
            return False
        receiver = func.value.attr if isinstance(func.value, cst.Attribute) else func.value
        if not (isinstance(receiver, cst.Name) and CLIENT_NAME.search(receiver.value)) or self.facts.type_of(func.value) is not None:
            return False
        return self.facts.imports("simple_salesforce")

    # -- how the query string is built

    def _build(self, query: cst.BaseExpression) -> tuple[str, list[str | cst.BaseExpression]] | None:
        """How the query is formatted ("an f-string", ...) and its pieces; None for a literal or an unknown string."""
        expr = self.constant(query)
        how = _HOW.get(type(expr)) if expr is not None else None
        if isinstance(expr, cst.BinaryOperation):
            how = _HOW.get(type(expr.operator))
        elif isinstance(expr, cst.Call):
            how = "`.format()`" if self._format_template(expr) is not None else None
        pieces = self._pieces(expr) if how else None
        return (how, pieces) if pieces is not None else None

    def _pieces(self, expr: cst.BaseExpression | None, hops: int = 0) -> list[str | cst.BaseExpression] | None:
        """The text a string expression builds, as literal text and the values put into it; None if it is not a string."""
        if expr is None or hops > MAX_HOPS:
            return None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            value = self.constant(expr)
            return self._pieces(value, hops + 1) if value is not expr else None
        if isinstance(expr, cst.SimpleString):
            text = literal_text(expr)
            return [text] if text is not None else None
        if isinstance(expr, cst.ConcatenatedString):
            left, right = self._pieces(expr.left, hops + 1), self._pieces(expr.right, hops + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, cst.FormattedString):
            return self._formatted_pieces(expr, hops)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            left, right = self._pieces(expr.left, hops + 1), self._pieces(expr.right, hops + 1)
            if left is None and right is None:
                return None
            return (left if left is not None else [expr.left]) + (right if right is not None else [expr.right])
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
            template = self.facts.string_template(expr.left)
            return _interleave(template, PERCENT_FIELD, _percent_values(expr.right)) if template is not None else None
        if isinstance(expr, cst.Call):
            template = self._format_template(expr)
            return _interleave(template, BRACE_FIELD, _format_values(expr)) if template is not None else None
        return None

    def _format_template(self, call: cst.Call) -> str | None:
        """The template of `"... {}".format(...)` (or of a constant's `.format`)."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            return self.facts.string_template(func.value)
        return None

    def _formatted_pieces(self, expr: cst.FormattedString, hops: int) -> list[str | cst.BaseExpression]:
        pieces: list[str | cst.BaseExpression] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif isinstance(part, cst.FormattedStringExpression):
                pieces.extend(self._pieces(part.expression, hops + 1) or [part.expression])
        return pieces

    # -- where each value comes from

    def _classified(self, pieces: list[str | cst.BaseExpression]) -> list[tuple[cst.BaseExpression, Origin]]:
        """The values of the query with their origin; a value outside a value position counts only as request data."""
        found, text = [], ""
        for piece in pieces:
            if isinstance(piece, str):
                text += piece
                continue
            origin = self._origin(piece)
            if origin.rank and not _in_value_position(text) and origin != REQUEST_DATA:
                origin = CONSTANT  # a field or object name: not a value a quote could break out of
            found.append((piece, origin))
            text += "{}"
        return found

    def _origin(self, expr: cst.BaseExpression, hops: int = 0) -> Origin:
        if hops > MAX_HOPS:
            return UNKNOWN
        if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float)) or (isinstance(expr, cst.Name) and expr.value in ("None", "True", "False")):
            return CONSTANT
        if isinstance(expr, cst.Name):
            return self._name_origin(expr, hops)
        if self._is_request_data(expr):
            return REQUEST_DATA
        if isinstance(expr, cst.Subscript):
            return RECORD_FIELD if self.facts.subscript_key(expr) is not None else UNKNOWN
        if isinstance(expr, cst.Call):
            return self._call_origin(expr, hops)
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return self._worst([element.value for element in expr.elements], hops)
        if isinstance(expr, (cst.FormattedString, cst.ConcatenatedString, cst.BinaryOperation)):
            return self._built_origin(expr, hops)
        if isinstance(expr, cst.Attribute):
            value = self.constant(expr)
            return self._origin(value, hops + 1) if value is not None and value is not expr else UNKNOWN
        return UNKNOWN

    def _worst(self, values: list[cst.BaseExpression], hops: int) -> Origin:
        return max((self._origin(value, hops + 1) for value in values), key=lambda origin: origin.rank, default=CONSTANT)

    def _built_origin(self, expr: cst.BaseExpression, hops: int) -> Origin:
        """A string built from other values is as trusted as the least trusted of them."""
        pieces = self._pieces(expr, hops + 1)
        if pieces is None:
            return UNKNOWN  # arithmetic, or a string built in a way not read here
        return self._worst([piece for piece in pieces if not isinstance(piece, str)], hops)

    def _is_request_data(self, expr: cst.BaseExpression) -> bool:
        """`request.args["q"]`, `req.json.get("id")`, `sys.argv[1]`: input from outside the process."""
        while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call)):
            if self.facts.qualified_name(expr) == "sys.argv":
                return True
            expr = expr.func if isinstance(expr, cst.Call) else expr.value
        return isinstance(expr, cst.Name) and expr.value in REQUEST_ROOTS

    def _name_origin(self, name: cst.Name, hops: int) -> Origin:
        param = self._parameter(name.value)
        if param is not None:
            annotation = param.annotation.annotation if param.annotation is not None else None
            typed = isinstance(annotation, cst.Name) and annotation.value in NON_STRING_TYPES
            return UNKNOWN if typed else PARAMETER
        if self.facts.is_builtin(name, "input"):
            return REQUEST_DATA
        value = self.constant(name)
        return self._origin(value, hops + 1) if value is not None and value is not name else UNKNOWN

    def _call_origin(self, call: cst.Call, hops: int) -> Origin:
        func = call.func
        method = isinstance(func, cst.Attribute)
        name = func.attr.value if method else func.value if isinstance(func, cst.Name) else ""
        if self.facts.qualified_name(func) in QUOTE_SOQL or ESCAPER_NAME.search(name) or _escapes_quotes(call):
            return CONSTANT  # quoted and escaped
        if method and name in DATE_FORMATTERS:
            return CONSTANT  # a date's digits and separators: nothing a quote could come from
        if self.facts.is_builtin(func, "input"):
            return REQUEST_DATA
        if method and name == "get" and call.args:
            return RECORD_FIELD if self.facts.string_template(call.args[0].value) is not None else UNKNOWN
        if method and name == "join" and len(call.args) == 1:
            return self._origin(call.args[0].value, hops + 1)
        if self._format_template(call) is not None:
            return self._built_origin(call, hops)
        if name in STRING_KEEPING:  # `name.strip()`, `str(name)`: the same value
            inner = func.value if method else call.args[0].value if call.args else None
            return self._origin(inner, hops + 1) if inner is not None else UNKNOWN
        return UNKNOWN

    def _parameter(self, name: str) -> cst.Param | None:
        """The parameter of an enclosing function that `name` still holds (not rebound since)."""
        binding = self.facts.lookup(name)
        for params in reversed(self.parameters):
            param = params.get(name)
            if param is not None:
                return param if binding is not None and binding.value is param.default else None
        return None

    # -- the fix

    def _fix(self, node: cst.Call, pieces: list[str | cst.BaseExpression], unsafe: list[tuple[cst.BaseExpression, Origin]]) -> str:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "search":
            return SOSL_FIX
        call = self._format_soql_call(pieces, {piece for piece, _ in unsafe})
        return f"pass each value to `{call}`, which quotes and escapes it" if call else GENERIC_SOQL_FIX

    def _format_soql_call(self, pieces: list[str | cst.BaseExpression], values: set[cst.BaseExpression]) -> str | None:
        """`format_soql("... WHERE Email = {}", email)` for this query, or None when its text cannot be shown."""
        template, args = "", []
        for piece in pieces:
            if isinstance(piece, str):
                template += piece
            elif piece in values:
                if LIKE_OPENING.search(template):
                    template += "{:like}"  # format_soql escapes % and _ inside the pattern's own quotes
                else:
                    template = (template[:-1] if template.endswith(("'", '"')) else template) + "{}"  # it adds the quotes
                args.append(clipped(self.facts.source(piece), 24))
            elif (text := self._constant_text(piece)) is not None:
                template += text
            else:
                return None
        if not SOQL_START.match(template):
            return None
        template = re.sub(r"\{\}['\"]", "{}", template)  # the quote that closed the value's literal
        if len(template) > MAX_TEMPLATE and " WHERE " in template:
            template = "... " + template[template.index(" WHERE ") + 1 :]
        return f"format_soql({template!r}, {', '.join(args)})"

    def _constant_text(self, piece: cst.BaseExpression) -> str | None:
        """The text a constant puts into the query: a string's text or a number's digits."""
        value = self.constant(piece)
        if isinstance(value, (cst.Integer, cst.Float)):
            return value.value
        return self.facts.string_template(piece)


_HOW = {
    cst.FormattedString: "an f-string",
    cst.ConcatenatedString: "an f-string",  # "SELECT ..." f"WHERE ... '{x}'"
    cst.Add: "`+` concatenation",
    cst.Modulo: "`%` formatting",
}
CONFIDENCES = (Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH)


def _escapes_quotes(call: cst.Call) -> bool:
    """`value.replace("'", "\\'")`: escaping by hand."""
    func = call.func
    first = literal_text(call.args[0].value) if call.args else None
    return isinstance(func, cst.Attribute) and func.attr.value == "replace" and first is not None and ("'" in first or "\\" in first)


def _in_value_position(text: str) -> bool:
    """Whether a value put after `text` is a value of the query: inside a string literal, or after a comparison."""
    unescaped = ESCAPED_CHARACTER.sub("", text)
    inside_literal = unescaped.count("'") % 2 == 1 or unescaped.count('"') % 2 == 1
    return inside_literal or bool(UNQUOTED_VALUE.search(text))


def _percent_values(right: cst.BaseExpression) -> dict[int | str, cst.BaseExpression]:
    """The values of `template % right` by position, or by name for `%(name)s`."""
    if isinstance(right, cst.Tuple):
        return dict(enumerate(element.value for element in right.elements))
    if isinstance(right, cst.Dict):
        return {literal_text(e.key): e.value for e in right.elements if isinstance(e, cst.DictElement) and literal_text(e.key)}
    return {0: right}


def _format_values(call: cst.Call) -> dict[int | str, cst.BaseExpression]:
    """The values of `template.format(...)` by position and by keyword."""
    values: dict[int | str, cst.BaseExpression] = dict(enumerate(arg.value for arg in positional(call)))
    values.update({arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None})
    return values


def _interleave(template: str, fields: re.Pattern, values: dict[int | str, cst.BaseExpression]) -> list[str | cst.BaseExpression]:
    """A format string's pieces: its text, and for each field the value that fills it (unknown fields keep their text)."""
    pieces: list[str | cst.BaseExpression] = []
    position, next_index = 0, 0
    for match in fields.finditer(template):
        pieces.append(template[position : match.start()])
        position = match.end()
        if match.group(0) in FORMAT_ESCAPES:
            pieces.append(match.group(0)[0])
            continue
        key: int | str = match.group("key") or ""
        if not key:
            key, next_index = next_index, next_index + 1
        elif key.isdigit():
            key = int(key)
        value = values.get(key)
        pieces.append(value if value is not None else match.group(0))
    pieces.append(template[position:])
    return pieces


# -- IL509: retired API versions --------------------------------------------------------------

URL_MARK = "/services/data/v"
VERSION_IN_URL = re.compile(r"/services/data/v(\d{1,3}\.\d)\b")
VERSION_NAME = re.compile(r"(?i)^(default_)?((sf|sfdc|salesforce)_?)?api_?version$|^(sf|sfdc|salesforce)_version$")
SALESFORCE_NAME = re.compile(r"(?i)(^|_)(sf|sfdc|salesforce)(_|$)")
OLDEST_VERSION = 7.0  # the first API version; smaller numbers are some other API's
RETIRED, RETIRING = 30.0, 40.0
MIN_API_VERSION = Option(
    "min-api-version",
    50.0,
    "API versions below this are reported as notes (IL509); versions up to 30.0 are retired (error) and 31.0–40.0 retire in Summer '28 (warning).",
)


class RetiredApiVersion(SecurityRule):
    """
    ## What it does
    Finds Salesforce API versions that are retired, retiring, or older than the
    project allows: `version=` of `Salesforce(...)`, `sf_version=` of
    `SFType(...)`/`SalesforceLogin(...)`, `/services/data/vNN.N/` in URLs,
    and `api_version=` arguments, config entries and constants named like
    `API_VERSION`/`SF_VERSION` (when the name says Salesforce or the module
    uses it: other APIs have versions too). Versions up to 30.0 are retired (error);
    31.0–40.0 retire in Summer '28 (warning); versions below the
    `min-api-version` option (default 50.0) are notes. A constant is reported
    where it is set, not where it is used; docstrings, records written out as
    the API returns them (sample responses) and files under test paths are
    not checked.

    ## Why it matters
    Salesforce retires old API versions: calls to a retired version fail with
    an error, so an integration pinned to one stops the day it is retired.
    Old versions also lack newer fields, objects and limits behaviour that the
    rest of the org already relies on.

    ## Example
    ```python
    sf = Salesforce(instance_url=url, session_id=token, version="29.0")
    ```

    ## Use instead
    ```python
    sf = Salesforce(instance_url=url, session_id=token, version="61.0")
    ```
    """

    code = "IL509"
    name = "retired-api-version"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    # A version given to simple_salesforce, in a REST URL, or set by a version name that says Salesforce
    # (`sf_api_version`) or sits in a module about Salesforce (`about_salesforce`).
    requires = (
        Requires(imports=("simple_salesforce",), markers=("/services/data/v", "api_version", "apiversion", "sf_version", "sfdc_version", "salesforce_version"))
        & Requires(imports=SALESFORCE_LIBRARIES, markers=("/services/data/", "salesforce", "sf_", "sfdc_"))
    )
    security_severity = "3.1"
    tags = ("maintenance",)
    options = (MIN_API_VERSION,)
    valid = [
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=sid, version='61.0')\n",
        "import requests\nrequests.get(f'{base}/services/data/v61.0/limits', timeout=10)\n",
        # Not Salesforce API versions: a package version and an unrelated version keyword.
        "VERSION = '29.0'\n__version__ = '2.0'\nrender(template, version='1.0')\n",
        # Documentation, not a call.
        "def limits():\n    '''Reads /services/data/v29.0/limits on old orgs.'''\n",
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=url, session_id=sid, version='29.0')\n", line=3),
        Example("import requests\n\nAPI = f'{INSTANCE}/services/data/v36.0'\n", line=3),
        Example("SF_API_VERSION = '45.0'\n", line=1),
        Example("from simple_salesforce import SFType\n\ncontacts = SFType('Contact', sid, host, 38.0)\n", line=3),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.minimum = self.option(MIN_API_VERSION.name)
        self.documentation = 0  # inside a docstring-like bare string statement
        self.record_urls: set[cst.BaseExpression] = set()

    def visit_Expr(self, node: cst.Expr) -> None:
        self.documentation += isinstance(node.value, STRING_NODES)

    def leave_Expr(self, original_node: cst.Expr) -> None:
        self.documentation -= isinstance(original_node.value, STRING_NODES)

    def visit_Dict(self, node: cst.Dict) -> None:
        attributes = record_attributes(self.facts, node)
        url = self.facts.dict_value(attributes, "url") if attributes is not None else None
        if url is not None:
            self.record_urls.add(url)  # the version a sample or mocked response was taken from, not one this code asks for

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if URL_MARK in node.value and node not in self.record_urls:  # the raw code first: evaluating literals costs
            self._check_url(node, literal_text(node))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self._check_url(node, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        """The version argument of simple_salesforce's entry points, and any `api_version=`-like keyword."""
        name, index = VERSION_PARAMETERS.get(self.facts.qualified_name(node.func), (None, None))
        value = argument(node, name, index) if name else None
        if value is None and not any(arg.keyword is not None and VERSION_NAME.match(arg.keyword.value) for arg in node.args):
            return
        callee = callee_label(self.facts, node)
        if value is not None and not self._named_setting(value):
            self._check(value, api_version(self.constant(value)), f"given as `{name}` to {callee}")
        for arg in node.args:
            keyword_name = arg.keyword.value if arg.keyword is not None else ""
            if keyword_name != name and VERSION_NAME.match(keyword_name) and not self._named_setting(arg.value):
                self._check_setting(arg.value, keyword_name, f"given as `{keyword_name}` to {callee}")

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in (t.target for t in node.targets):
            name = target.value if isinstance(target, cst.Name) else target.attr.value if isinstance(target, cst.Attribute) else ""
            if VERSION_NAME.match(name):
                self._check_setting(node.value, name, f"set in `{name}`")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = self.facts.string_template(node.key)
        if key and VERSION_NAME.match(key):
            self._check_setting(node.value, key, f"set in the `{key}` entry")

    def _named_setting(self, value: cst.BaseExpression) -> bool:
        """`version=API_VERSION`: reported where the constant is set, not at every use."""
        name = value.value if isinstance(value, cst.Name) else value.attr.value if isinstance(value, cst.Attribute) else ""
        return bool(VERSION_NAME.match(name))

    def _check_url(self, node: cst.CSTNode, text: str | None) -> None:
        match = VERSION_IN_URL.search(text or "") if not self.documentation else None
        if match:
            self._check(node, float(match.group(1)), f"in the URL path `/services/data/v{match.group(1)}/`")

    def _check_setting(self, value: cst.BaseExpression, name: str, where: str) -> None:
        """A version set by name (`API_VERSION = "45.0"`), which is Salesforce's when the name or the module says so."""
        version = api_version(self.constant(value))
        if version is not None and (SALESFORCE_NAME.search(name) or self.about_salesforce()):
            self._check(value, version, where)

    def _check(self, node: cst.CSTNode, version: float | None, where: str) -> None:
        if version is None or version < OLDEST_VERSION or version >= self.minimum:
            return
        if version <= RETIRED:
            severity, state = Severity.ERROR, "is retired, so every call with it fails"
        elif version <= RETIRING:
            severity, state = Severity.WARNING, "retires in Summer '28 with every version from 31.0 to 40.0, and calls with it will then fail"
        else:
            severity, state = Severity.NOTE, f"is older than this project's minimum of {self.minimum:.1f} (`min-api-version`)"
        fix = f"move to API version {self.minimum:.1f} or later and test the calls against it"
        self.report(node, f"API version {version:.1f} {where} {state}; {fix}.", hint=fix, severity=severity)
