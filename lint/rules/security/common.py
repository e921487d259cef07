"""What the IL5xx rules share: their base class, reading a call's arguments, and telling logins and API versions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import unquote_plus

import libcst as cst

from lint.rules.base import PythonRule
from lint.sources.paths import is_test_path
from lint.sources.python_calls import argument, clipped, is_none, literal_text, positional
from lint.sources.python_clients import SALESFORCE_LOGINS, HttpRequest, http_request
from lint.sources.python_facts import PythonFacts
from lint.sources.python_names import SALESFORCE, SFTYPE

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

REQUEST_ROOTS = frozenset({"request", "req"})  # the request object of Flask, Quart, Django and aiohttp views
STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
SALESFORCE_LIBRARIES = ("simple_salesforce", "salesforce_bulk", "aiosfstream", "sfdclib", "pyforce", "beatbox")


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
        self.in_tests = is_test_path(context.path)
        self._about_salesforce: bool | None = None

    def report(self, node: cst.CSTNode, message: str, **details) -> None:
        if self.checks_tests or not self.in_tests:
            super().report(node, message, **details)

    def about_salesforce(self) -> bool:
        """Whether the module imports a Salesforce client or mentions Salesforce: read once, and only when a
        finding depends on it."""
        if self._about_salesforce is None:
            code = self.facts.text
            self._about_salesforce = self.facts.imports(*SALESFORCE_LIBRARIES) or "salesforce" in code.lower() or "/services/data/" in code
        return self._about_salesforce

    def constant(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """The expression a name or `self.X` stands for, or the expression itself; None when unknown or a parameter
        (its default is only what a caller may leave out, even when it names a constant)."""
        return self.facts.value_of(expr, defaults=False)

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
TOKEN_BODIES = ("content", "params")  # besides `data`: where httpx and aiohttp take a form body
URLENCODE = "urllib.parse.urlencode"


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


# Credentials of the flows that need no password, each a list of "one of these" names: passed beside a password,
# simple_salesforce picks the first complete set at run time, so the call's configuration decides.
OTHER_FLOWS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("session_id",), ("instance", "instance_url")),  # an existing session
    (("consumer_key",), ("privatekey_file", "privatekey")),  # the JWT bearer flow
)


def password_login(rule: SecurityRule, call: cst.Call) -> Login | None:
    """How a simple_salesforce login call uses a password, in the order simple_salesforce checks its arguments."""
    qualified = rule.facts.qualified_name(call.func)
    if qualified not in LOGIN_SIGNATURES:
        return None
    args = rule.arguments(call, LOGIN_SIGNATURES[qualified])
    if not rule.given(args, "password"):
        return None
    if any(all(any(rule.given(args, name) for name in names) for names in flow) for flow in OTHER_FLOWS):
        return None  # an adapter offering every flow: which one runs depends on the values that are None at run time
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
    grant = next(filter(None, (_grant_type(rule, body) for body in _bodies(call, request, TOKEN_BODIES))), None)
    if not endpoint and (grant is None or not rule.about_salesforce()):
        return None
    return TokenRequest(grant, endpoint)


# The partner and enterprise SOAP endpoints, with the API version a request names; a `login` element in an envelope.
SOAP_ENDPOINT = re.compile(r"(?:^|[/}])services/Soap/[uc]/(?:(?P<version>\d{1,3}\.0)\b)?", re.IGNORECASE)  # `{base}services/...` too
SOAP_LOGIN_ELEMENT = re.compile(r"<(?:[\w.-]+:)?login[\s>]")
SOAP_BODIES = ("content",)  # besides `data`: where httpx takes the envelope


@dataclass(frozen=True)
class SoapLoginRequest:
    """A SOAP `login()` sent by hand: a username and password POSTed in an envelope."""

    version: float | None  # the API version its URL names, when it can be read


def soap_login_request(rule: SecurityRule, call: cst.Call) -> SoapLoginRequest | None:
    """`requests.post(f"{LOGIN}/services/Soap/u/61.0", data=envelope, headers={"SOAPAction": "login"})`: a POST to the
    partner or enterprise endpoint whose `SOAPAction` header or envelope names `login`; None for other calls."""
    request = http_request(rule.facts, call)
    if request is None or request.method != "POST" or request.url is None:
        return None
    endpoint = SOAP_ENDPOINT.search(rule.facts.string_template(request.url) or "")
    if endpoint is None or not (_soap_action(rule, argument(call, "headers")) == "login" or _envelope_logs_in(rule, call, request)):
        return None
    return SoapLoginRequest(float(endpoint["version"]) if endpoint["version"] else None)


def _soap_action(rule: SecurityRule, headers: cst.BaseExpression | None) -> str | None:
    """The `SOAPAction` of a headers dict, unquoted (SOAP 1.1 quotes it); header names match in any case."""
    headers = rule.constant(headers) if headers is not None else None
    if not isinstance(headers, cst.Dict):
        return None
    for element in headers.elements:
        if isinstance(element, cst.DictElement) and (rule.facts.string_template(element.key) or "").lower() == "soapaction":
            return (rule.facts.string_template(element.value) or "").strip("\"'")
    return None


def _envelope_logs_in(rule: SecurityRule, call: cst.Call, request: HttpRequest) -> bool:
    bodies = (rule.constant(body) for body in _bodies(call, request, SOAP_BODIES))
    return any(SOAP_LOGIN_ELEMENT.search(rule.facts.string_template(body) or "") for body in bodies if body is not None)


def _bodies(call: cst.Call, request: HttpRequest, keywords: tuple[str, ...]) -> list[cst.BaseExpression]:
    """Where a request's body may be: its `data` (by keyword, or second where the call takes it so) and `keywords`."""
    return [body for body in (request.body, *(argument(call, name) for name in keywords)) if body is not None]


def _grant_type(rule: SecurityRule, body: cst.BaseExpression | None) -> str | None:
    """The `grant_type` of a token request body: a dict (`{...}`, `dict(...)`), a form string or `urlencode({...})`, as
    text or encoded (`.encode()`, which urllib needs)."""
    body = rule.constant(body) if body is not None else None
    if isinstance(body, cst.Call) and isinstance(body.func, cst.Attribute) and body.func.attr.value == "encode":
        body = rule.constant(body.func.value)
    if isinstance(body, cst.Call) and rule.facts.qualified_name(body.func) == URLENCODE and body.args:
        body = rule.constant(body.args[0].value)
    if body is not None and rule.facts.is_mapping(body):
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
