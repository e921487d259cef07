"""IL503: logins repeated per record, request or event instead of once per process."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, Requires
from lint.rules.security.common import REQUEST_ROOTS, TOKEN_PATH, SecurityRule, callee_label, password_login, soap_login_request, token_request
from lint.sources.python_calls import is_cached, walk
from lint.sources.python_clients import SALESFORCE_LOGINS, client_call
from lint.sources.python_facts import COMPREHENSIONS, Loop
from lint.sources.python_handlers import WEBHOOK, Consumer, enclosing_handler, handler_of
from lint.sources.python_loops import loop_shape

# -- IL503: logins per call ------------------------------------------------------------------

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
    `SalesforceBulk(...)` without a session id, POSTs to Salesforce's OAuth
    token endpoint (`/services/oauth2/token`), and SOAP `login()` requests sent
    by hand (as IL501 reads them) — inside a loop, or a same-module
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
        cached = self.frames[-1].cached or is_cached(node)
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
        if found is not None and soap_login_request(self, node) is not None:  # SOAP `login()` sent by hand
            return LoginCall(callee_label(self.facts, node), "logs in", SESSION_FIX, soap=True)
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
