"""IL4xx: timeouts, retries, polling and error handling around integration calls.

The replay, composite and result rules of the family (IL405-IL409) live in replay.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator
from weakref import WeakKeyDictionary

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, PythonRule, Requires
from lint.rules.requirements import NETWORK_CALLS
from lint.sources.config_dialects import KAFKA_CONNECT, SETTING_DIALECTS
from lint.sources.config_model import ConfigDocument, Scalar, is_reference
from lint.sources.config_settings import Setting, settings
from lint.sources.python_calls import has_double_star, is_none, keyword, positional, walk
from lint.sources.paths import is_test_path
from lint.sources.python_clients import TOKEN_URL, ClientCall, client_call, http_request
from lint.sources.python_facts import AIOHTTP_SESSION, CONSTRUCTORS, HTTPX_ASYNC_CLIENT, URLLIB3_POOL, HTTPX_CLIENT, REQUESTS_SESSION, SALESFORCE, SFTYPE, PythonFacts
from lint.sources.python_handlers import enclosing_consumer
from lint.sources.python_retry import (
    BARE_DECORATORS,
    CLOCKS,
    MANUAL_LOOP,
    URLLIB3_RETRY,
    RetryPolicy,
    decorator_retry,
    enclosing_retry,
    loop_retry,
    retry_attempt,
    retry_construct,
    tests_a_state,
)
from lint.sources.python_salesforce import WRITE_METHODS
from lint.sources.python_sessions import first_origin, is_mount, resolved, session_timeout, short

# What a file must import for these rules to find anything: a client that talks to another system,
# or a library that retries.
CLIENTS = NETWORK_CALLS  # a file where python_clients can find an integration call
RETRY_LIBRARIES = Requires(imports=("tenacity", "backoff", "retrying", "retry", "celery"))
# What a config file must say for IL401 / IL403 to find anything in it.
TIMEOUT_KEYS = Requires(markers=("timeout",))
RETRY_KEYS = Requires(markers=("retr",))

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
REQUESTS_FUNCTIONS = frozenset(f"requests.{verb}" for verb in HTTP_VERBS)
HTTPX_FUNCTIONS = frozenset({*(f"httpx.{verb}" for verb in HTTP_VERBS), "httpx.stream", "httpx.Client", "httpx.AsyncClient"})
URLOPEN = "urllib.request.urlopen"
URLOPEN_TIMEOUT_POSITION = 2  # urlopen(url, data=None, timeout=...)
LOCAL_URL = re.compile(r"^(file|data):", re.IGNORECASE)  # urlopen of a file or data URL opens no connection
URLLIB3_REQUEST = "urllib3.request"  # urllib3 2: a request through the module's own pool
URLLIB3_METHODS = frozenset({"request", "urlopen", "request_encode_body", "request_encode_url"})
SET_DEFAULT_TIMEOUT = "socket.setdefaulttimeout"
TIMEOUT_HINT = "pass `timeout=(3.05, 30)` (connect, read seconds), or set a default on a session adapter"
URLLIB3_HINT = "pass `timeout=urllib3.Timeout(connect=3.05, read=30)`"
SFTYPE_HINT = "build the client with `session=` a `requests.Session` that mounts an `HTTPAdapter` subclass setting a default timeout"

RETRY_WORD = re.compile(r"retr(y|ies|ying)|backoff", re.IGNORECASE)
# Decorators that make a function an entry point run by a scheduler or worker (Celery, Airflow, Prefect, Dagster, click).
ENTRY_DECORATORS = frozenset({"task", "shared_task", "periodic_task", "flow", "op", "asset", "command", "dag"})
SLEEPS = frozenset({"time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep", "eventlet.sleep"})
DONE_NAME = re.compile(r"(^|_)(is_)?(\w+_)?(done|complete|completed|finished|ready|terminal|final)$", re.IGNORECASE)
ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)

BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException"})
# Errors the HTTP and Salesforce clients raise when a call fails. Not the "not found" kinds:
# `except SalesforceResourceNotFound: pass` around a delete is a deliberate no-op.
CLIENT_ERRORS = frozenset(
    {
        *(f"requests.{name}" for name in ("RequestException", "HTTPError", "ConnectionError", "Timeout", "ConnectTimeout", "ReadTimeout")),
        *(f"requests.exceptions.{name}" for name in ("RequestException", "HTTPError", "ConnectionError", "Timeout", "ConnectTimeout", "ReadTimeout")),
        *(f"httpx.{name}" for name in ("HTTPError", "RequestError", "HTTPStatusError", "TransportError", "TimeoutException", "NetworkError")),
        *(f"aiohttp.{name}" for name in ("ClientError", "ClientResponseError", "ClientConnectionError", "ServerTimeoutError")),
        "urllib.error.URLError",
        "urllib.error.HTTPError",
        "urllib3.exceptions.HTTPError",
        *(
            f"simple_salesforce.{module}{name}"
            for module in ("", "exceptions.")
            for name in ("SalesforceError", "SalesforceGeneralError", "SalesforceMalformedRequest", "SalesforceRefusedRequest", "SalesforceExpiredSession")
        ),
    }
)
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
LOGGER_NAME = re.compile(r"log", re.IGNORECASE)
PRINTS = frozenset({"traceback.print_exc", "traceback.print_exception", "warnings.warn", "sys.stderr.write", "sys.stdout.write", "click.echo"})
# Best-effort clean-up, where a failure has nothing left to spoil.
CLEANUP_FUNCTIONS = frozenset({"__del__", "__exit__", "__aexit__", "close", "aclose", "shutdown", "cleanup", "teardown", "logout", "dispose"})


# -- the integration calls each function makes (shared by the IL4 rules of a file) -------


@dataclass
class _Calls:
    first: dict[cst.FunctionDef | None, str] = field(default_factory=dict)  # function -> its first integration call
    first_write: dict[cst.FunctionDef | None, str] = field(default_factory=dict)  # function -> its first integration write
    seen: set[cst.Call] = field(default_factory=set)


_CALLS: WeakKeyDictionary[PythonFacts, _Calls] = WeakKeyDictionary()


def integration_call(facts: PythonFacts, call: cst.Call) -> ClientCall | None:
    """The network call `call` makes (not a log-in), noted under the function it is in.

    Every IL4 rule that reads `integration_calls_of` asks this of every call as the
    traversal reaches it, so the table is complete once the file is done.
    """
    found = client_call(facts, call)
    if found is None or found.login:
        return None
    calls = _CALLS.get(facts)
    if calls is None:
        calls = _CALLS[facts] = _Calls()
    if call not in calls.seen:
        calls.seen.add(call)
        label, function = f"`{facts.source(call.func)}`", facts.current_function()
        calls.first.setdefault(function, label)
        if is_write(facts, call, found):
            calls.first_write.setdefault(function, label)
    return found


def is_write(facts: PythonFacts, call: cst.Call, found: ClientCall) -> bool:
    """A Salesforce write, or an HTTP POST/PUT/PATCH/DELETE that is not a token request."""
    if found.salesforce is not None and found.salesforce.api != "http":
        return found.salesforce.is_write
    request = http_request(facts, call)
    return request is not None and request.method in WRITE_METHODS and not TOKEN_URL.search(found.url or "")


def integration_calls_of(facts: PythonFacts, function: cst.FunctionDef, *, writes: bool = False) -> str | None:
    """The first integration call (or write) `function` makes itself, for messages; read once the traversal is over."""
    calls = _CALLS.get(facts)
    if calls is None:
        return None
    return (calls.first_write if writes else calls.first).get(function)


def via_callee(facts: PythonFacts, call: cst.Call, *, writes: bool = False) -> Callable[[], str | None]:
    """A deferred "`push` (which calls `requests.post`)" for a same-module function `call` runs, if it makes integration calls (writes)."""
    callee = facts.callee(call.func)
    if callee is None:
        return lambda: None

    def label() -> str | None:
        inner = integration_calls_of(facts, callee, writes=writes)
        return f"`{callee.name.value}` (which calls {inner})" if inner else None

    return label


def function_label(facts: PythonFacts) -> str:
    """" in `push`" for a message about code in the function `push`; "" at module level."""
    function = facts.current_function()
    return f" in `{function.name.value}`" if function is not None else ""


# -- config settings (IL401, IL403) --------------------------------------------------------

TIMEOUT_WORD = "timeout"
RETRY_WORDS = frozenset({"retry", "retries"})
MILLISECOND_WORDS = frozenset({"ms", "millis", "milliseconds"})
UNIT_WORDS = frozenset({*MILLISECOND_WORDS, "s", "sec", "secs", "second", "seconds", "in"})
# Words that may stand with `timeout` in the name of an HTTP, API or connection timeout (`read_timeout`,
# `request.timeout.ms`, `connectTimeout`); `session_timeout`, `idle_timeout` or `lock_timeout` mean something else.
TIMEOUT_QUALIFIERS = frozenset(
    {
        *UNIT_WORDS,
        *("request", "requests", "read", "connect", "connection", "socket", "http", "https", "api", "client", "response"),
        *("call", "callout", "rest", "soap", "bulk", "query", "default", "network", "total", "salesforce", "sf", "sfdc"),
    }
)
# Words that may stand with `retry`/`retries` in the name of a retry limit (`max_retries`, `retry.max.attempts`,
# Kafka Connect's `errors.retry.timeout`); `retry_backoff_ms` or `retry_on_timeout` are not limits.
RETRY_QUALIFIERS = frozenset(
    {
        *UNIT_WORDS,
        *("max", "maximum", "count", "attempts", "attempt", "limit", "num", "number", "total", "errors", "error"),
        *("request", "requests", "http", "api", "connection", "connect", "salesforce", "sf", "sfdc", "timeout", "time", "duration"),
    }
)
RETRY_TIME_WORDS = frozenset({*MILLISECOND_WORDS, "timeout", "time", "duration"})
NO_TIMEOUT = frozenset({"none", "infinite", "infinity", "unlimited"})  # not null: it usually means "use the default"
UNLIMITED = frozenset({"unlimited", "infinite", "infinity", "forever"})
UNLIMITED_COUNT = -1
# Where `timeout: 0` means "do not wait" rather than "wait forever": Camel's pollEnrich.
NON_BLOCKING = frozenset({"pollEnrich", "poll-enrich"})


@dataclass(frozen=True)
class _Setting:
    """A config setting with a literal scalar value (`config_settings.Setting`), and whether its durations are milliseconds."""

    setting: Setting
    value: Scalar
    words: frozenset[str]  # of its name (`request.timeout.ms`: request, timeout, ms)
    in_milliseconds: bool  # named so (`.ms`, `_millis`), or a Kafka Connect setting, whose durations all are

    def named(self, anchors: frozenset[str], qualifiers: frozenset[str]) -> bool:
        """The key's name has one of `anchors` and no word but those and `qualifiers`."""
        return bool(self.words & anchors) and self.words <= anchors | qualifiers


def literal_settings(document: ConfigDocument) -> Iterator[_Setting]:
    """Every setting of the document (not descriptions or examples) whose value is a literal scalar (not `${ENV}`,
    `{{placeholder}}` or a secret)."""
    for setting in settings(document):
        value = setting.value
        if isinstance(value, Scalar) and not is_reference(value, setting.key):
            words = frozenset(setting.words)
            yield _Setting(setting, value, words, bool(words & MILLISECOND_WORDS) or document.dialect == KAFKA_CONNECT)


def _disables_timeout(setting: _Setting) -> bool:
    if not setting.named(frozenset({TIMEOUT_WORD}), TIMEOUT_QUALIFIERS) or NON_BLOCKING.intersection(map(str, setting.value.path)):
        return False
    return setting.value.number() == 0 or setting.value.is_(*NO_TIMEOUT)


def _retries_forever(setting: _Setting) -> bool:
    if not setting.named(RETRY_WORDS, RETRY_QUALIFIERS):
        return False
    return setting.value.number() == UNLIMITED_COUNT or setting.value.is_(*UNLIMITED)


# -- IL401 ---------------------------------------------------------------------------------


class MissingTimeout(PythonRule, ConfigRule):
    """
    ## What it does
    Finds HTTP and Salesforce calls that can wait forever for a reply.
    `requests` functions and
    `requests.Session` methods without `timeout=` (or with `timeout=None`, or a
    `(connect, None)` tuple), `httpx` calls and clients given `timeout=None` or
    `httpx.Timeout(None)`, `urllib.request.urlopen` and urllib3 requests without a
    timeout, aiohttp requests given `timeout=None` and an `aiohttp.ClientTimeout()`
    with no limit, and simple_salesforce SFType writes (`sf.Contact.create`, which
    take no timeout) through a `Salesforce(...)` client built without `session=`.
    In config: an HTTP, API or connection timeout key (`timeout`, `request_timeout`,
    `readTimeout`, `request.timeout.ms`) set to `0`, `none` or `infinite`.

    A same-module `requests.Session` subclass whose `request`/`send` sets a default
    timeout, or an `HTTPAdapter` subclass whose `send` does, mounted on the session
    (followed to where the session is built), satisfies the rule; so does
    `socket.setdefaulttimeout(...)` for `urlopen`. Files under test paths
    (`tests/`, `test_*.py`, `conftest.py`) talk to fakes and are not checked.

    ## Why it matters
    `requests`, `urlopen` and urllib3 have no default timeout: a stalled Salesforce
    endpoint or proxy holds the worker, the connection and any lock it has until
    the process is killed, and retries never get a chance to run. The integration
    patterns guide lists timeouts among the runtime controls every integration
    needs, and notes that "a timeout event is triggered if no positive
    acknowledgment is received from the remote callout" — the caller has to decide
    how long it waits. simple_salesforce's `create`/`update`/`upsert`/`delete`
    accept no `timeout=`, so the only place to bound them is the session the
    client is built with.

    ## Example
    ```python
    import requests

    def push_order(instance_url, token, order):
        return requests.post(
            f"{instance_url}/services/data/v61.0/sobjects/Order__c/",
            json=order,
            headers={"Authorization": f"Bearer {token}"},
        )
    ```

    ## Use instead
    ```python
    import requests

    def push_order(instance_url, token, order):
        return requests.post(
            f"{instance_url}/services/data/v61.0/sobjects/Order__c/",
            json=order,
            headers={"Authorization": f"Bearer {token}"},
            timeout=(3.05, 30),
        )
    ```
    """

    code = "IL401"
    name = "missing-timeout"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = {"py": CLIENTS, "cfg": TIMEOUT_KEYS}
    dialects = SETTING_DIALECTS
    valid = [
        "import requests\nrequests.get('https://example.my.salesforce.com/services/data/', timeout=10)\n",
        # **kwargs may carry the timeout: stay silent rather than guess.
        "import requests\n\ndef call(url, **kwargs):\n    return requests.get(url, **kwargs)\n",
        # httpx has a 5-second default; only an explicit None disables it.
        "import httpx\nhttpx.post('https://login.salesforce.com/services/oauth2/token', data={})\n",
        "from urllib.request import urlopen\nurlopen('https://example.com', None, 30)\n",
        # A session subclass that injects a default timeout.
        Example(
            "import requests\n\n"
            "class TimeoutSession(requests.Session):\n"
            "    def request(self, method, url, **kwargs):\n"
            "        kwargs.setdefault('timeout', 30)\n"
            "        return super().request(method, url, **kwargs)\n\n"
            "session = TimeoutSession()\n"
            "session.get('https://example.my.salesforce.com/services/data/')\n"
        ),
        # An adapter whose send sets a default timeout, mounted on the session a factory builds.
        Example(
            "import requests\nfrom requests.adapters import HTTPAdapter\n\n"
            "class TimeoutAdapter(HTTPAdapter):\n"
            "    def send(self, request, timeout=None, **kwargs):\n"
            "        return super().send(request, timeout=timeout or 30, **kwargs)\n\n"
            "def make_session():\n"
            "    session = requests.Session()\n"
            "    session.mount('https://', TimeoutAdapter())\n"
            "    return session\n\n"
            "class Client:\n"
            "    def __init__(self):\n"
            "        self.http = make_session()\n\n"
            "    def push(self, url, body):\n"
            "        return self.http.post(url, json=body)\n"
        ),
        # SFType writes through a client built on such a session.
        Example(
            "import requests\nfrom requests.adapters import HTTPAdapter\nfrom simple_salesforce import Salesforce\n\n"
            "class TimeoutAdapter(HTTPAdapter):\n"
            "    def send(self, request, **kwargs):\n"
            "        kwargs['timeout'] = kwargs.get('timeout') or 30\n"
            "        return super().send(request, **kwargs)\n\n"
            "session = requests.Session()\n"
            "session.mount('https://', TimeoutAdapter())\n"
            "sf = Salesforce(instance_url=url, session_id=token, session=session)\n"
            "sf.Contact.create({'LastName': 'Ng'})\n"
        ),
        # Sessions changed after they are built: the request bound to a timeout, an adapter mounted on the client's session.
        "import functools\nimport requests\n\nsession = requests.Session()\nsession.request = functools.partial(session.request, timeout=30)\n"
        "session.post('https://example.com/orders', json={})\n",
        "from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=url, session_id=token)\n"
        "sf.session.mount('https://', TimeoutAdapter(timeout=30))\nsf.Contact.create({'LastName': 'Ng'})\n",
        # A client without session= that only queries: `sf.query(..., timeout=30)` is possible there.
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\nsf.query('SELECT Id FROM Contact LIMIT 10')\n",
        # A process-wide socket timeout bounds urlopen.
        "import socket\nfrom urllib.request import urlopen\n\nsocket.setdefaulttimeout(30)\nurlopen('https://example.com/status')\n",
        # A file URL opens no connection.
        "from urllib.request import urlopen\nurlopen('file:///etc/hosts')\n",
        # Tests talk to fakes.
        Example("import requests\nrequests.get('https://example.com')\n", path="tests/test_client.py"),
        # Not the requests library: a local object that happens to have .get().
        "cache = {}\ncache.get('key')\n",
        "import aiohttp\n\nasync def fetch(url):\n    async with aiohttp.ClientSession() as session:\n        return await session.get(url)\n",
        # Config: bounded timeouts, a null (the default), a value from the environment, and timeouts that are not
        # HTTP waits (a session lifetime, Camel's pollEnrich, where 0 means "do not wait").
        Example(
            "salesforce:\n  request_timeout: 300\n  readTimeout: 30s\n  connect_timeout: null\n  timeout: ${SF_TIMEOUT}\n"
            "  session_timeout: 0\n  idle_timeout: 0\n",
            path="config/salesforce-sync.yml",
        ),
        Example(
            "- route:\n    from:\n      uri: timer:orders\n      steps:\n        - pollEnrich:\n            simple: file:inbox\n            timeout: 0\n"
            "        - to: salesforce:upsertSObject?sObjectName=Order__c&sObjectIdName=ERP_Id__c\n",
            path="routes/orders.camel.yaml",
        ),
    ]
    invalid = [
        Example("import requests\nrequests.get('https://example.my.salesforce.com/services/data/')\n", line=2),
        Example("import requests as r\n\nresp = r.post(url, json=payload)\n", line=3),
        Example("from requests import Session\n\ns = Session()\ns.patch(url, json=body)\n", line=4),
        Example(
            "import requests\n\n"
            "class Client:\n"
            "    def __init__(self):\n"
            "        self.http = requests.Session()\n\n"
            "    def push(self, body):\n"
            "        return self.http.post(self.url, json=body)\n",
            line=8,
        ),
        Example("import httpx\n\nclient = httpx.Client(timeout=None)\n", line=3),
        Example("import httpx\n\nclient = httpx.Client(timeout=httpx.Timeout(None))\n", line=3),
        Example("import urllib.request\n\nurllib.request.urlopen(url)\n", line=3),
        Example("import requests\n\nrequests.get(url, timeout=None)\n", line=3),
        Example("import requests\n\nrequests.post(url, json=body, timeout=(3.05, None))\n", line=3),
        Example("from urllib.request import urlopen\n\nurlopen(url, timeout=None)\n", line=3),
        Example("import urllib3\n\nhttp = urllib3.PoolManager()\nhttp.request('POST', url, body=body)\n", line=4),
        Example("import aiohttp\n\nasync def fetch(session: aiohttp.ClientSession, url):\n    return await session.get(url, timeout=None)\n", line=4),
        Example("import aiohttp\n\nNO_LIMIT = aiohttp.ClientTimeout()\n", line=3),
        # A session subclass that only adds headers injects no timeout.
        Example(
            "import requests\n\n"
            "class AuthSession(requests.Session):\n"
            "    def request(self, method, url, **kwargs):\n"
            "        kwargs.setdefault('headers', {'Authorization': TOKEN})\n"
            "        return super().request(method, url, **kwargs)\n\n"
            "session = AuthSession()\n"
            "session.post(url, json=body)\n",
            line=9,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n\n"
            "def push(order):\n"
            "    sf.Order__c.upsert(f\"External_Id__c/{order['id']}\", order)\n",
            line=6,
        ),
        Example("salesforce:\n  instance_url: https://acme.my.salesforce.com\n  request_timeout: 0\n", path="config/salesforce-sync.yml", line=3),
        Example("salesforce:\n  api_version: '61.0'\n  readTimeout: none\n", path="config/salesforce-sync.yml", line=3),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.skip = is_test_path(context.path)
        self.socket_default = False  # `socket.setdefaulttimeout(n)` somewhere in the module
        self.clients_reported: set[cst.Call] = set()  # Salesforce(...) constructions already reported
        # Client types whose sessions the module changes after building them (`session.request = partial(...,
        # timeout=30)`, `sf.session.mount(...)`): what that does to timeouts is not read, so their calls are let be.
        self.reconfigured: set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if isinstance(target, cst.Attribute):
            if target.attr.value in ("request", "send") and self.facts.is_type(target.value, REQUESTS_SESSION):
                self.reconfigured.add(REQUESTS_SESSION)
            elif target.attr.value == "session" and self.facts.is_type(target.value, SALESFORCE):
                self.reconfigured.add(SALESFORCE)

    def visit_Call(self, node: cst.Call) -> None:
        if self.skip:
            return
        qualified = self.facts.qualified_name(node.func)
        if is_mount(node) and isinstance(node.func.value, cst.Attribute) and node.func.value.attr.value == "session":
            if self.facts.is_type(node.func.value.value, SALESFORCE):
                self.reconfigured.add(SALESFORCE)
        elif qualified == SET_DEFAULT_TIMEOUT:
            self.socket_default = self.socket_default or not (node.args and is_none(node.args[0].value))
        elif qualified in REQUESTS_FUNCTIONS or self._is_requests_session_call(node):
            self._check_requests(node)
        elif qualified in HTTPX_FUNCTIONS or self._is_client_call(node, (HTTPX_CLIENT, HTTPX_ASYNC_CLIENT), HTTP_VERBS | {"stream", "send"}):
            self._check_explicit_none(node, "which turns off httpx's 5-second default", "pass `timeout=httpx.Timeout(30, connect=5)` instead of None")
        elif qualified == "httpx.Timeout":
            self._check_httpx_timeout(node)
        elif qualified == URLOPEN:
            self._check_urlopen(node)
        elif qualified == URLLIB3_REQUEST or self._is_client_call(node, (URLLIB3_POOL,), URLLIB3_METHODS):
            self._check_urllib3(node, pooled=qualified != URLLIB3_REQUEST)
        elif self._is_client_call(node, (AIOHTTP_SESSION,), HTTP_VERBS):
            self._check_explicit_none(node, "which turns off aiohttp's 5-minute default", "pass `timeout=aiohttp.ClientTimeout(total=60)`")
        elif qualified == "aiohttp.ClientTimeout":
            self._check_client_timeout(node)
        else:
            self._check_sobject_write(node)

    # requests

    def check_config(self, document: ConfigDocument) -> None:
        for setting in literal_settings(document):
            if _disables_timeout(setting):
                bound = "`30000` (30 seconds)" if setting.in_milliseconds else "30 seconds"
                self.report(
                    setting.value,
                    f"{setting.setting.label} is `{setting.value.text}`, which turns the timeout off, so a stalled "
                    f"Salesforce or HTTP endpoint holds the worker and its connection until the process is killed; set a bounded timeout such as {bound}.",
                    hint=f"set `{setting.setting.name}` to a bounded timeout such as {bound}",
                )

    def _is_requests_session_call(self, node: cst.Call) -> bool:
        if not self._is_client_call(node, (REQUESTS_SESSION,), HTTP_VERBS | {"send"}):
            return False
        return session_timeout(self.facts, node.func.value) is None

    def _is_client_call(self, node: cst.Call, types: tuple[str, ...], methods: frozenset[str]) -> bool:
        func = node.func
        return isinstance(func, cst.Attribute) and func.attr.value in methods and self.facts.is_type(func.value, *types)

    def _check_requests(self, node: cst.Call) -> None:
        name = f"`{self.facts.source(node.func)}`"
        timeout = keyword(node, "timeout")
        if timeout is None:
            if has_double_star(node):
                return
            message = f"{name} has no `timeout=`: requests waits forever by default, so a stalled endpoint hangs this worker."
        elif is_none(timeout.value):
            message = f"{name} passes `timeout=None`, so it waits forever if the endpoint stalls."
        elif isinstance(timeout.value, cst.Tuple) and len(timeout.value.elements) == 2 and is_none(timeout.value.elements[1].value):
            message = (
                f"{name} passes `timeout={self.facts.source(timeout.value)}`, which leaves the read unbounded: once connected it "
                "waits forever for a reply; give the read a limit too, e.g. `timeout=(3.05, 30)`."
            )
        else:
            return
        session = REQUESTS_SESSION if self.facts.qualified_name(node.func) not in REQUESTS_FUNCTIONS else None
        self._unless_reconfigured(node, message, session, TIMEOUT_HINT)

    def _unless_reconfigured(self, node: cst.Call, message: str, client: str | None, hint: str) -> None:
        """Report once the file is read, unless the module changed the sessions of `client`'s type after building them."""
        self.report_later(node, lambda: None if client in self.reconfigured else message, hint=hint)

    # httpx and aiohttp: good defaults that only an explicit None turns off

    def _check_explicit_none(self, node: cst.Call, what: str, hint: str) -> None:
        timeout = keyword(node, "timeout")
        if timeout is not None and is_none(timeout.value):
            name = f"`{self.facts.source(node.func)}`"
            self.report(node, f"{name} passes `timeout=None`, {what}: a stalled endpoint hangs this call.", hint=hint)

    def _check_httpx_timeout(self, node: cst.Call) -> None:
        args = positional(node)
        if len(node.args) == 1 and args and is_none(args[0].value):
            self.report(
                node,
                "`httpx.Timeout(None)` turns off every httpx timeout, so the requests that use it wait forever on a stalled endpoint; "
                "pass limits, e.g. `httpx.Timeout(30, connect=5)`.",
                hint="pass `httpx.Timeout(30, connect=5)`",
            )

    def _check_client_timeout(self, node: cst.Call) -> None:
        if any(arg.star or not is_none(arg.value) for arg in node.args):
            return
        self.report(
            node,
            f"`{short(self.facts, node)}` sets no limit at all (every field defaults to None), so the requests that use it can wait forever; "
            "set `total=` (or `sock_read=`), e.g. `aiohttp.ClientTimeout(total=60)`.",
            hint="pass `aiohttp.ClientTimeout(total=60)`",
        )

    # urllib and urllib3: no timeout unless given, or set process-wide

    def _check_urlopen(self, node: cst.Call) -> None:
        timeout = keyword(node, "timeout")
        explicit_none = timeout is not None and is_none(timeout.value)
        missing = timeout is None and len(positional(node)) <= URLOPEN_TIMEOUT_POSITION and not has_double_star(node)
        url = self._url(node)
        if not (explicit_none or missing) or (url is not None and LOCAL_URL.match(url)):
            return
        message = f"`{self.facts.source(node.func)}` has no timeout: it waits on the global socket default, which is forever unless changed."
        self.report_later(node, lambda: None if self.socket_default and not explicit_none else message, hint="pass `timeout=30`")

    def _check_urllib3(self, node: cst.Call, pooled: bool) -> None:
        if keyword(node, "timeout") is not None or has_double_star(node):
            return
        name = f"`{self.facts.source(node.func)}`"
        if not pooled:  # urllib3.request(...): the module's default pool, which sets no timeout
            message = f"{name} has no `timeout=`: urllib3 waits forever by default, so a stalled endpoint hangs this worker."
            self.report_later(node, lambda: None if self.socket_default else message, hint=URLLIB3_HINT)
            return
        pool = first_origin(self.facts, node.func.value, self._pool_without_timeout)
        if pool is not None:
            message = f"{name} has no `timeout=`, and its pool `{pool}` sets none either, so it waits forever if the endpoint stalls."
            self.report_later(node, lambda: None if self.socket_default else message, hint=URLLIB3_HINT)

    def _pool_without_timeout(self, call: cst.Call) -> str | None:
        if is_mount(call) or self.facts.qualified_name(call.func) != URLLIB3_POOL:
            return None
        return None if keyword(call, "timeout") is not None or has_double_star(call) else short(self.facts, call)

    def _url(self, node: cst.Call) -> str | None:
        arg = keyword(node, "url") or next(iter(positional(node)), None)
        return self.facts.string_template(arg.value) if arg is not None else None

    # simple_salesforce: SFType writes take no timeout, so the client's session must bring one

    def _check_sobject_write(self, node: cst.Call) -> None:
        found = client_call(self.facts, node)
        sf = found.salesforce if found is not None and found.confidence is Confidence.HIGH else None
        if sf is None or sf.api != "sobject" or not sf.is_write or not isinstance(node.func, cst.Attribute):
            return
        sobject = resolved(self.facts, node.func.value)  # `sf.Contact`, or `contacts` bound to it
        if isinstance(sobject, cst.Call) and self.facts.qualified_name(sobject.func) == SFTYPE:
            client, built = sobject.func, sobject  # SFType("Contact", session_id, instance) built directly
        else:
            dynamic = self.facts.dynamic_member(sobject)
            client = dynamic[0] if dynamic is not None else sobject.value if isinstance(sobject, cst.Attribute) else None
            built = first_origin(self.facts, client, self._salesforce_construction) if client is not None else None
        if built is None or built in self.clients_reported or keyword(built, "session") is not None or has_double_star(built):
            return
        self.clients_reported.add(built)
        func = self.facts.source(node.func)
        origin = f"`{short(self.facts, built)}`"
        message = (
            f"`{func}` cannot take a timeout (SFType writes pass none to requests), and its client comes from {origin} built without "
            "`session=`, so a stalled Salesforce call hangs this worker; build the client with a session whose adapter sets a default timeout."
        )
        self._unless_reconfigured(node, message, SALESFORCE, SFTYPE_HINT)

    def _salesforce_construction(self, call: cst.Call) -> cst.Call | None:
        return call if not is_mount(call) and self.facts.qualified_name(call.func) == SALESFORCE else None


# -- IL402 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Write:
    node: cst.Call
    function: cst.FunctionDef | None  # None: module level
    repeated: bool  # in a loop of its function, or a Bulk API write (a batch of records in one call)


class MissingRetry(PythonRule):
    """
    ## What it does
    Reports a module that sends Salesforce or HTTP writes over and over with no
    retry policy anywhere, once, at its first write. The writes (SFType/bulk
    writes, REST POST/PATCH/PUT/DELETE, `requests`/`httpx`/`aiohttp` writes) are
    the ones it sends from code it runs itself — module-level code, a
    `__main__` block, a scheduled task, and the same-module functions they call —
    while nothing in the module retries: no tenacity/backoff/retrying decorator, no
    `Retrying` loop, no Celery `autoretry_for`/`self.retry`, no urllib3 `Retry` or
    `HTTPAdapter(max_retries=...)`, no hand-written retry loop, nothing named like a
    retry (a helper, an Airflow `retries=`).

    It stays silent on functions only called from other modules (their caller
    owns the retry), on a write sent once (the operator sees it fail), on event
    consumers (replay is their retry), on writes through a session or client
    handed in from elsewhere, and on test files.

    ## Why it matters
    Salesforce and the systems around it fail transiently: `503 Service
    Unavailable`, `UNABLE_TO_LOCK_ROW`, connection resets, request limits. Without
    a retry, every such blip loses the write until someone re-runs the job. The
    integration patterns guide: "A custom retry mechanism must be created if
    quality-of-service requirements dictate it."

    ## Example
    ```python
    import requests

    def push_orders(session, orders):
        for order in orders:
            session.patch(f"{API}/sobjects/Order__c/External_Id__c/{order['id']}", json=order, timeout=30)

    if __name__ == "__main__":
        push_orders(requests.Session(), load_orders())
    ```

    ## Use instead
    ```python
    import requests
    from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

    @retry(stop=stop_after_attempt(5), wait=wait_exponential(max=30), retry=retry_if_exception_type(requests.ConnectionError))
    def push_order(session, order):
        session.patch(f"{API}/sobjects/Order__c/External_Id__c/{order['id']}", json=order, timeout=30).raise_for_status()
    ```
    """

    code = "IL402"
    name = "missing-retry"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM
    requires = CLIENTS
    valid = [
        # A client module: its functions are called from elsewhere, where the retry may be.
        "import requests\n\ndef upsert_contact(url, body):\n    requests.patch(url, json=body, timeout=30)\n",
        # A tenacity decorator anywhere in the module.
        "import requests\nfrom tenacity import retry, stop_after_attempt, wait_exponential\n\n"
        "@retry(stop=stop_after_attempt(5), wait=wait_exponential())\n"
        "def push(body):\n    requests.post(URL, json=body, timeout=30)\n\n"
        "for body in bodies:\n    push(body)\n",
        # Writes through a same-module client class whose session mounts a urllib3 Retry.
        "import requests\nfrom requests.adapters import HTTPAdapter\nfrom urllib3.util.retry import Retry\n\n"
        "class Client:\n"
        "    def __init__(self):\n"
        "        self.http = requests.Session()\n"
        "        self.http.mount('https://', HTTPAdapter(max_retries=Retry(total=5, backoff_factor=1, allowed_methods=None)))\n\n"
        "    def push(self, body):\n        self.http.post(URL, json=body, timeout=30)\n\n"
        "if __name__ == '__main__':\n    Client().push({})\n",
        # A hand-written bounded retry loop.
        "import time\nimport requests\n\n"
        "def push(body):\n"
        "    for attempt in range(5):\n"
        "        try:\n            return requests.post(URL, json=body, timeout=30)\n"
        "        except requests.ConnectionError:\n            time.sleep(2 ** attempt)\n\n"
        "push({})\n",
        # Salesforce(session=...) with a session made elsewhere: it may retry.
        "from simple_salesforce import Salesforce\nfrom http_tools import make_session\n\n"
        "sf = Salesforce(instance_url=url, session_id=token, session=make_session())\n"
        "for row in rows:\n    sf.Contact.upsert(f\"Email__c/{row['email']}\", row)\n",
        # Airflow retries the task.
        "import requests\nfrom airflow.decorators import task\n\n"
        "@task(retries=3)\ndef push(rows):\n    for row in rows:\n        requests.post(URL, json=row, timeout=30)\n",
        # A GET is not a write; an OAuth token request is not either.
        "import requests\n\nfor url in urls:\n    requests.get(url, timeout=30)\n",
        "import requests\n\ntoken = requests.post('https://login.salesforce.com/services/oauth2/token', data=creds, timeout=30)\n",
        # A session handed in by the caller: its adapters are not known here.
        "import requests\n\ndef push(session: requests.Session, rows):\n    for row in rows:\n        session.post(URL, json=row, timeout=30)\n\npush(SESSION, ROWS)\n",
    ]
    invalid = [
        Example(
            "import requests\n\n"
            "def push_orders(orders):\n"
            "    for order in orders:\n"
            "        requests.post(URL, json=order, timeout=30)\n\n"
            "if __name__ == '__main__':\n"
            "    push_orders(load())\n",
            line=5,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "class Loader:\n"
            "    def __init__(self):\n"
            "        self.sf = Salesforce(instance_url=url, session_id=token)\n\n"
            "    def load(self, rows):\n"
            "        self.sf.bulk2.Contact.upsert(rows, external_id_field='Email__c')\n\n"
            "Loader().load(read_rows())\n",
            line=8,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.skip = is_test_path(context.path)
        self.retries = False  # some retry construct anywhere in the module
        self.writes: list[_Write] = []
        self.entries: set[cst.FunctionDef] = set()  # tasks a scheduler or worker runs
        # caller (None: module level) -> (callee, whether it is called in a loop or mapped over items)
        self.calls: dict[cst.FunctionDef | None, set[tuple[cst.FunctionDef, bool]]] = {}
        self.repeated: list[_Write] | None = None  # the writes that count, once the file is read
        self.reported = False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = self.facts.source(node.module) if node.module is not None else ""
        names = "" if isinstance(node.names, cst.ImportStar) else " ".join(self.facts.source(alias.name) for alias in node.names)
        self.retries = self.retries or bool(RETRY_WORD.search(f"{module} {names}"))

    def visit_Import(self, node: cst.Import) -> None:
        self.retries = self.retries or any(RETRY_WORD.search(self.facts.source(alias.name)) for alias in node.names)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if RETRY_WORD.search(node.name.value) or decorator_retry(self.facts, node) is not None:
            self.retries = True
        if any(_called_name(decorator.decorator) in ENTRY_DECORATORS for decorator in node.decorators):
            self.entries.add(node)

    def visit_For(self, node: cst.For) -> None:
        self.retries = self.retries or loop_retry(self.facts, node) is not None

    def visit_While(self, node: cst.While) -> None:
        self.retries = self.retries or loop_retry(self.facts, node) is not None

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = self.facts.string_template(node.key)  # Airflow's default_args = {"retries": 3}
        self.retries = self.retries or bool(key and RETRY_WORD.search(key))

    def visit_Call(self, node: cst.Call) -> None:
        if self.skip:
            return
        if not self.retries and self._is_retry(node):
            self.retries = True
        caller = self.facts.current_function()
        looped = bool(self.facts.enclosing_loops())
        self.calls.setdefault(caller, set()).update((callee, looped or handed) for callee, handed in self._callees(node))
        found = integration_call(self.facts, node)
        if found is None or found.confidence is not Confidence.HIGH:
            return
        if enclosing_retry(self.facts) is not None:
            self.retries = True
        elif is_write(self.facts, node, found) and self._made_here(node, found) and enclosing_consumer(self.facts) is None:
            bulk = found.salesforce is not None and found.salesforce.api in ("bulk", "bulk2")
            write = _Write(node, caller, looped or bulk)
            self.writes.append(write)
            self.report_later(
                node,
                lambda: self._message(write),
                hint="retry transient failures with backoff: tenacity `@retry(stop=..., wait=...)`, or a urllib3 `Retry(backoff_factor=...)` mounted on the session",
            )

    def _is_retry(self, node: cst.Call) -> bool:
        """A retry policy built here, a helper named like a retry (`self.retry(...)`, `with_backoff(...)`), or `retries=`."""
        if retry_construct(self.facts, node) is not None or RETRY_WORD.search(_called_name(node.func) or ""):
            return True
        if any(arg.keyword is not None and RETRY_WORD.search(arg.keyword.value) for arg in node.args):
            return True
        # A Salesforce client on a custom session may retry through it.
        return self.facts.qualified_name(node.func) == SALESFORCE and keyword(node, "session") is not None

    def _made_here(self, node: cst.Call, found: ClientCall) -> bool:
        """Sent by a module function (`requests.post`) or through a client built in this module, not one handed in."""
        if found.salesforce is not None and found.salesforce.api != "http":
            return True  # Salesforce clients retry only through a custom session, which `_is_retry` counts
        if not isinstance(node.func, cst.Attribute) or self.facts.qualified_name(node.func) is not None:
            return True  # `requests.post`, `httpx.patch`: no session to carry a retry
        return first_origin(self.facts, node.func.value, self._constructor) is not None

    def _constructor(self, call: cst.Call) -> bool | None:
        if is_mount(call):
            return None
        known = self.facts.qualified_name(call.func) in CONSTRUCTORS
        return True if known or (isinstance(call.func, cst.Name) and self.facts.class_named(call.func.value)) else None

    def _callees(self, node: cst.Call) -> Iterator[tuple[cst.FunctionDef, bool]]:
        """Same-module functions and methods this call runs, or hands on (`Thread(target=work)`), and whether
        it runs them over items (`map(push, rows)`, `executor.map(push, rows)`)."""
        runs = self._runs(node.func)
        if runs is not None:
            yield runs, False
        mapped = (_called_name(node.func) or "").endswith("map")
        for arg in node.args:
            handed = self._runs(arg.value)
            if handed is not None:
                yield handed, mapped

    def _runs(self, expr: cst.BaseExpression) -> cst.FunctionDef | None:
        facts = self.facts
        direct = facts.callee(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if direct is not None:
            return direct
        if isinstance(expr, cst.Name) and facts.class_named(expr.value) is not None:
            return facts.class_named(expr.value).methods.get("__init__")
        if isinstance(expr, cst.Attribute):  # `loader.load(...)` on an instance of a same-module class
            built = resolved(facts, expr.value)
            info = facts.class_named(built.func.value) if isinstance(built, cst.Call) and isinstance(built.func, cst.Name) else None
            return info.methods.get(expr.attr.value) if info is not None else None
        return None

    def _message(self, write: _Write) -> str | None:
        if self.reported or self.retries:
            return None
        if self.repeated is None:
            self.repeated = self._repeated_writes()
        sent = self.repeated
        if write not in sent:
            return None
        self.reported = True
        func = f"`{self.facts.source(write.node.func)}`"
        count = f"the first of {len(sent)} Salesforce/HTTP writes this module sends" if len(sent) > 1 else "the only Salesforce/HTTP write this module sends"
        where = f" on `{write.function.name.value}`" if write.function is not None else " on a function that sends it"
        return (
            f"{func} is {count}, and nothing here retries it: no tenacity/backoff decorator, no retry loop, no urllib3 `Retry` "
            "on the session, so a timeout or a 503 loses the write until someone re-runs the job; retry transient failures a few "
            f"times with backoff, e.g. `@retry(stop=stop_after_attempt(5), wait=wait_exponential(max=30))`{where}."
        )

    def _repeated_writes(self) -> list[_Write]:
        """The writes this module's own code sends over and over: from module-level code (a `__main__` block
        included) or a scheduled task, directly or through same-module calls, where the write, a call on the
        way, or the task itself repeats (a loop, a map, a worker running the task per message)."""
        reached: dict[cst.FunctionDef | None, bool] = {}  # function (None: module level) -> reached through a repetition
        todo = [(None, False), *((function, True) for function in self.entries)]
        while todo:
            function, repeated = todo.pop()
            if function in reached and (reached[function] or not repeated):
                continue  # already reached, at least as repeatedly
            reached[function] = repeated
            todo.extend((callee, repeated or looped) for callee, looped in self.calls.get(function, ()))
        return [write for write in self.writes if write.function in reached and (write.repeated or reached[write.function])]


def _missing_or_unset(policy: RetryPolicy, where: str, missing: str, unset: str | None, harm: str, setting: str) -> tuple[str, str]:
    """(message, hint) for a policy that leaves a setting out (`missing`) or turns it off (`unset`, e.g. "`stop=stop_never`")."""
    fix = f"use {setting} instead" if unset else f"add {setting}"
    what = f"sets {unset}" if unset else missing
    return f"{policy.label}{where} {what}: {harm}; {fix}.", fix


def _sentence(label: str) -> str:
    """A label opening a message: "the `while True` loop" -> "The `while True` loop"."""
    return label[:1].upper() + label[1:]


def _called_name(expr: cst.BaseExpression) -> str | None:
    """The last name of what a decorator or call names: `task` for `@app.task(bind=True)`."""
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return expr.value if isinstance(expr, cst.Name) else None


# -- IL403 / IL404 -------------------------------------------------------------------------


class _RetryPolicyRule(PythonRule, abstract=True):
    """Judges every retry policy: where a decorator, `Retrying`, `Retry` or `HTTPAdapter` call builds one,
    and at each hand-written retry loop whose attempt makes an integration call (directly or through a
    same-module function)."""

    def __init__(self, context) -> None:
        super().__init__(context)
        self.decorated: dict[cst.BaseExpression, str] = {}  # decorator expression -> the function it decorates
        self.loops: dict[cst.CSTNode, list[Callable[[], str | None]]] = {}  # flawed retry loop -> what its attempt calls

    def lacks(self, policy: RetryPolicy) -> bool:
        raise NotImplementedError

    def describe(self, policy: RetryPolicy, where: str, retried: str | None) -> tuple[str, str]:
        """(message, hint) for a policy that `lacks` what the rule asks for."""
        raise NotImplementedError

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            self.decorated[decorator.decorator] = node.name.value
            if not isinstance(decorator.decorator, cst.Call) and self.facts.qualified_name(decorator.decorator) in BARE_DECORATORS:
                policy = decorator_retry(self.facts, node)
                if policy is not None and self.lacks(policy):
                    self._report(decorator, policy, f" on `{node.name.value}`")

    def visit_Call(self, node: cst.Call) -> None:
        policy = retry_construct(self.facts, node)
        if policy is not None and self.lacks(policy):
            if node in self.decorated:
                policy = replace(policy, label=f"`@{short(self.facts, node, limit=0)}`")
            where = f" on `{self.decorated[node]}`" if node in self.decorated else function_label(self.facts)
            self._report(node, policy, where)
        found = integration_call(self.facts, node)
        retried = enclosing_retry(self.facts)
        if retried is None or retried.node not in self.loops:
            return
        calls = self.loops[retried.node]
        if found is not None:
            calls.append(lambda label=f"`{self.facts.source(node.func)}`": label)
        else:
            calls.append(via_callee(self.facts, node))

    def visit_For(self, node: cst.For) -> None:
        self._loop(node)

    def visit_While(self, node: cst.While) -> None:
        self._loop(node)

    def _loop(self, node: cst.For | cst.While) -> None:
        policy = loop_retry(self.facts, node)
        if policy is None or policy.kind != MANUAL_LOOP or not self.lacks(policy):
            return
        calls = self.loops[node] = []
        where = function_label(self.facts)

        def message() -> str | None:
            retried = next((label for label in (call() for call in calls) if label), None)
            return self.describe(policy, where, retried)[0] if retried else None

        self.report_later(node, message, hint=self.describe(policy, where, "")[1])

    def _report(self, node: cst.CSTNode, policy: RetryPolicy, where: str) -> None:
        message, hint = self.describe(policy, where, None)
        self.report(node, message, hint=hint)


class UnboundedRetry(_RetryPolicyRule, ConfigRule):
    """
    ## What it does
    Finds retries that never give up. It reports tenacity `@retry`/`Retrying()`/`AsyncRetrying()`
    without `stop=` (or with `stop=stop_never`), `backoff.on_exception`/`on_predicate`
    without `max_tries`/`max_time`, retrying's `@retry` without a stop, the `retry`
    package's `@retry()` without `tries=` (it defaults to -1, forever), a Celery
    `autoretry_for` task with `max_retries=None`, a urllib3 `Retry(total=None)` with
    no other count, and a hand-written `while True`/`itertools.count()` loop that
    goes round again on failure of an integration call with no counter or deadline.
    In config: a retry limit (`retries`, `max_retries`, `maxRetries`, `retry.max.attempts`,
    Kafka Connect's `errors.retry.timeout`) set to `-1`, `unlimited` or `infinite`.

    `stop=` and `wait=` given through variables or combinators
    (`stop_after_attempt(3) | stop_after_delay(30)`) count as set, and `**options`
    is trusted.

    ## Why it matters
    A permanent failure — a validation error, a deleted record, revoked
    credentials — fails the same way on every attempt. An unbounded retry turns it
    into a worker that never finishes, keeps burning API requests against the
    org's daily limit, and never reports the error anyone could act on.

    ## Example
    ```python
    from tenacity import retry, wait_exponential

    @retry(wait=wait_exponential(max=60))
    def push_order(order):
        sf.Order__c.upsert(f"External_Id__c/{order['id']}", order)
    ```

    ## Use instead
    ```python
    from tenacity import retry, stop_after_attempt, wait_exponential

    @retry(stop=stop_after_attempt(5), wait=wait_exponential(max=60))
    def push_order(order):
        sf.Order__c.upsert(f"External_Id__c/{order['id']}", order)
    ```
    """

    code = "IL403"
    name = "unbounded-retry"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = {"py": CLIENTS | RETRY_LIBRARIES, "cfg": RETRY_KEYS}
    dialects = SETTING_DIALECTS
    valid = [
        "from tenacity import retry, stop_after_attempt, wait_exponential\n\n"
        "@retry(stop=stop_after_attempt(5), wait=wait_exponential())\ndef push(order):\n    client.post(order)\n",
        # Combinators and variables count as a stop.
        "from tenacity import retry, stop_after_attempt, stop_after_delay, wait_fixed\n\n"
        "STOP = stop_after_attempt(3) | stop_after_delay(30)\n\n"
        "@retry(stop=STOP, wait=wait_fixed(2))\ndef push(order):\n    client.post(order)\n",
        "import tenacity\n\ndef make(stop):\n    return tenacity.Retrying(stop=stop, wait=tenacity.wait_random(1, 3))\n",
        "import backoff\nimport requests\n\n@backoff.on_exception(backoff.expo, requests.RequestException, max_time=300)\ndef push(body):\n    requests.post(URL, json=body, timeout=30)\n",
        # **options may carry the stop.
        "from tenacity import retry\n\n@retry(**RETRY_OPTIONS)\ndef push(order):\n    client.post(order)\n",
        # A bounded loop, a counter, a deadline.
        "import time\nimport requests\n\ndef push(body):\n"
        "    for attempt in range(5):\n        try:\n            return requests.post(URL, json=body, timeout=30)\n"
        "        except requests.ConnectionError:\n            time.sleep(2 ** attempt)\n",
        "import time\nimport requests\n\ndef push(body):\n    deadline = time.monotonic() + 120\n"
        "    while True:\n        try:\n            return requests.post(URL, json=body, timeout=30)\n"
        "        except requests.ConnectionError:\n            if time.monotonic() > deadline:\n                raise\n            time.sleep(5)\n",
        # A Pub/Sub flow-control generator and a worker loop are not retries.
        "import threading\n\ndef fetch_requests(semaphore, topic):\n    while True:\n        semaphore.acquire()\n"
        "        yield FetchRequest(topic_name=topic, num_requested=100)\n",
        "import requests\n\ndef worker(queue):\n    while True:\n        item = queue.get()\n        try:\n"
        "            requests.post(URL, json=item, timeout=30)\n        except requests.RequestException:\n            log.exception('failed')\n",
        # A `while True` retry of something that is not an integration call.
        "def ask():\n    while True:\n        try:\n            return int(input('count? '))\n        except ValueError:\n            continue\n",
        "from urllib3.util.retry import Retry\nPOLICY = Retry(total=None, connect=3, read=2, backoff_factor=1)\n",
        # Config: bounded retries, a null (the default), a value from the environment, and -1 on keys that are not limits.
        Example(
            "salesforce:\n  max_retries: 5\n  retry_count: null\n  retries: ${SF_RETRIES}\n  retry_backoff_ms: -1\n  retry_on_timeout: true\n",
            path="config/salesforce-sync.yml",
        ),
    ]
    invalid = [
        Example("from tenacity import retry\n\n@retry\ndef push(order):\n    client.post(order)\n", line=3),
        Example("import tenacity\n\n@tenacity.retry(wait=tenacity.wait_exponential())\ndef push(order):\n    client.post(order)\n", line=3),
        Example("from tenacity import Retrying, stop_never\n\nfor attempt in Retrying(stop=stop_never):\n    with attempt:\n        push()\n", line=3),
        Example("import backoff\nimport requests\n\n@backoff.on_exception(backoff.expo, requests.RequestException)\ndef push(body):\n    requests.post(URL, json=body, timeout=30)\n", line=4),
        Example("from celery import shared_task\n\n@shared_task(autoretry_for=(Exception,), max_retries=None)\ndef sync(order_id):\n    push(order_id)\n", line=3),
        Example("from retry import retry\n\n@retry(delay=2, backoff=2)\ndef push(order):\n    client.post(order)\n", line=3),
        Example("from urllib3.util.retry import Retry\nPOLICY = Retry(total=None, backoff_factor=1)\n", line=2),
        Example(
            "import time\nimport requests\n\n"
            "def push(body):\n"
            "    while True:\n"
            "        try:\n"
            "            return requests.post(URL, json=body, timeout=30)\n"
            "        except requests.RequestException:\n"
            "            time.sleep(5)\n"
            "            continue\n",
            line=5,
        ),
        Example("salesforce:\n  instance_url: https://acme.my.salesforce.com\n  max_retries: -1\n", path="config/salesforce-sync.yml", line=3),
        Example("salesforce:\n  api_version: '61.0'\n  maxRetries: unlimited\n", path="config/salesforce-sync.yml", line=3),
    ]

    def check_config(self, document: ConfigDocument) -> None:
        for setting in literal_settings(document):
            if _retries_forever(setting):
                if setting.words & RETRY_TIME_WORDS:
                    bound = "a bounded retry time such as " + ("`300000` (5 minutes)" if setting.in_milliseconds else "5 minutes")
                else:
                    bound = "a bounded number of retries such as `5`"
                self.report(
                    setting.value,
                    f"{setting.setting.label} is `{setting.value.text}`, which retries without limit, so a permanent "
                    f"failure (a validation error, revoked credentials) is retried forever, burning API requests and never surfacing the error; set {bound}.",
                    hint=f"set `{setting.setting.name}` to {bound}",
                )

    def lacks(self, policy: RetryPolicy) -> bool:
        return not policy.stop

    def describe(self, policy: RetryPolicy, where: str, retried: str | None) -> tuple[str, str]:
        forever = "a permanent failure retries forever"
        if policy.kind == MANUAL_LOOP:
            fix = "count the attempts (`for attempt in range(5):`) or stop at a deadline, and re-raise after the last one"
            return f"{_sentence(policy.label)}{where} retries {retried} with no attempt limit or deadline: {forever}; {fix}.", fix
        missing, bound = {
            "tenacity": ("has no `stop=`", "`stop=stop_after_attempt(5)` (or `stop_after_delay(300)`)"),
            "backoff": ("has no `max_tries=` or `max_time=`", "`max_tries=5` (or `max_time=300`)"),
            "retrying": ("has no `stop_max_attempt_number=` or `stop_max_delay=`", "`stop_max_attempt_number=5` (or `stop_max_delay=300000`)"),
            "celery": ("has no retry limit", "`max_retries=5`"),
            "retry": ("has no `tries=`", "`tries=5`"),
            "urllib3": ("has no limit", "`total=5`"),
        }[policy.library or "tenacity"]
        return _missing_or_unset(policy, where, missing, policy.stop_unset, forever, bound)


class RetryWithoutBackoff(_RetryPolicyRule):
    """
    ## What it does
    Finds retries that do not wait between attempts. It reports tenacity `@retry`/`Retrying()` without `wait=` (or
    with `wait=wait_none()`), retrying's `@retry` without a wait, the `retry`
    package's `@retry(...)` without `delay=`, urllib3
    `Retry(...)` with `backoff_factor` 0 (its default), `HTTPAdapter(max_retries=3)`
    (a `Retry` with no backoff), and hand-written retry loops around an
    integration call that never sleep between attempts.

    backoff's decorators always wait, so they are never reported here.

    ## Why it matters
    The failures worth retrying — `503`, `UNABLE_TO_LOCK_ROW`, `REQUEST_LIMIT_EXCEEDED`,
    a connection reset — come from a system that is overloaded or busy. Retrying
    at once, several times in a row, adds load at the worst moment, burns the
    attempts within milliseconds, and gives a lock or a limit no time to clear.
    Exponential backoff with jitter spreads the attempts out.

    ## Example
    ```python
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, status_forcelist=[502, 503, 504])))
    ```

    ## Use instead
    ```python
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=0.5, status_forcelist=[502, 503, 504])))
    ```
    """

    code = "IL404"
    name = "retry-without-backoff"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = CLIENTS | RETRY_LIBRARIES
    valid = [
        "from tenacity import retry, stop_after_attempt, wait_exponential\n\n"
        "@retry(stop=stop_after_attempt(5), wait=wait_exponential())\ndef push(order):\n    client.post(order)\n",
        # A wait given through a variable or a combinator.
        "from tenacity import retry, stop_after_attempt, wait_fixed, wait_random\n\n"
        "@retry(stop=stop_after_attempt(5), wait=wait_fixed(1) + wait_random(0, 2))\ndef push(order):\n    client.post(order)\n",
        "import tenacity\n\ndef make(wait):\n    return tenacity.Retrying(stop=tenacity.stop_after_attempt(3), wait=wait)\n",
        "import backoff\nimport requests\n\n@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)\ndef push(body):\n    requests.post(URL, json=body, timeout=30)\n",
        "from urllib3.util.retry import Retry\nPOLICY = Retry(total=5, backoff_factor=0.5)\n",
        # Retries turned off.
        "from requests.adapters import HTTPAdapter\nfrom urllib3.util.retry import Retry\nADAPTER = HTTPAdapter(max_retries=Retry(0))\n",
        "import time\nimport requests\n\ndef push(body):\n"
        "    for attempt in range(5):\n        try:\n            return requests.post(URL, json=body, timeout=30)\n"
        "        except requests.ConnectionError:\n            time.sleep(2 ** attempt)\n",
        # A polling loop is not a retry.
        "import time\nimport requests\n\ndef wait_for(url):\n    while True:\n        job = requests.get(url, timeout=30).json()\n"
        "        if job['state'] in ('JobComplete', 'Failed'):\n            return job\n",
    ]
    invalid = [
        Example("from tenacity import retry, stop_after_attempt\n\n@retry(stop=stop_after_attempt(5))\ndef push(order):\n    client.post(order)\n", line=3),
        Example("from urllib3.util.retry import Retry\nPOLICY = Retry(total=5, status_forcelist=[502, 503])\n", line=2),
        Example("from urllib3.util.retry import Retry\nPOLICY = Retry(total=5, backoff_factor=0)\n", line=2),
        Example("from retry import retry\n\n@retry(tries=3)\ndef push(order):\n    client.post(order)\n", line=3),
        Example("import requests\nfrom requests.adapters import HTTPAdapter\n\nsession = requests.Session()\nsession.mount('https://', HTTPAdapter(max_retries=3))\n", line=5),
        Example(
            "import requests\n\n"
            "def push(body):\n"
            "    for attempt in range(3):\n"
            "        try:\n"
            "            return requests.post(URL, json=body, timeout=30)\n"
            "        except requests.ConnectionError:\n"
            "            continue\n",
            line=4,
        ),
    ]

    def lacks(self, policy: RetryPolicy) -> bool:
        return not policy.wait

    def describe(self, policy: RetryPolicy, where: str, retried: str | None) -> tuple[str, str]:
        hammer = "attempts follow each other at once and hammer an endpoint that is already failing"
        if policy.kind == MANUAL_LOOP:
            fix = "sleep with exponential backoff before the next attempt, e.g. `time.sleep(min(2 ** attempt, 30))`"
            return f"{_sentence(policy.label)}{where} retries {retried} without waiting between attempts: {hammer}; {fix}.", fix
        if policy.library == "urllib3" and isinstance(policy.node, cst.Call) and self.facts.qualified_name(policy.node.func) not in URLLIB3_RETRY:
            fix = "pass `max_retries=Retry(total=3, backoff_factor=0.5)`"
            return f"{policy.label}{where} retries with no backoff: {hammer}; {fix}.", fix
        missing, wait = {
            "tenacity": ("has no `wait=`", "`wait=wait_exponential(multiplier=1, max=30)`"),
            "retrying": ("has no wait", "`wait_exponential_multiplier=1000, wait_exponential_max=30000`"),
            "urllib3": ("has no `backoff_factor`", "`backoff_factor=0.5`"),
            "retry": ("has no `delay=`", "`delay=1, backoff=2`"),
        }[policy.library or "tenacity"]
        return _missing_or_unset(policy, where, missing, policy.wait_unset, hammer, wait)


# -- IL410 ---------------------------------------------------------------------------------


@dataclass
class _Poll:
    """What one `while` loop shows as the traversal passes through it."""

    node: cst.While
    status: bool  # leaves once a state is reached: its test, or an exit under an `if` on a state
    bounded: bool = False  # a clock, a counter, or a comparison that ends it
    sleep: str | None = None
    polls: list[Callable[[], str | None]] = field(default_factory=list)


class UnboundedPolling(PythonRule):
    """
    ## What it does
    Finds status-polling loops with no deadline or attempt limit. A `while` loop
    that asks a remote system for a state (an integration call in its test or
    body, or in a same-module function it calls), sleeps, and leaves only when the
    state is final (`while not done`, `while state not in (...)`,
    `if job["state"] == "JobComplete": break`) is reported when nothing else ends
    it: no deadline (a clock read), no attempt counter, no comparison.

    Retry loops (IL403/IL404) and loops with no sleep are not polling loops here.

    ## Why it matters
    Bulk API jobs, async Apex, report runs and deployments can stay `InProgress`
    or `Queued` for hours, or never finish when the org is under load or a job is
    stuck. A poll with no deadline keeps the worker (and its schedule slot) busy
    forever, spends an API request on every pass, and never reports the stuck job.

    ## Example
    ```python
    import time

    def wait_for_job(sf, job_id):
        while True:
            job = sf.restful(f"jobs/ingest/{job_id}")
            if job["state"] in ("JobComplete", "Failed", "Aborted"):
                return job
            time.sleep(10)
    ```

    ## Use instead
    ```python
    import time

    def wait_for_job(sf, job_id, timeout=1800):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = sf.restful(f"jobs/ingest/{job_id}")
            if job["state"] in ("JobComplete", "Failed", "Aborted"):
                return job
            time.sleep(10)
        raise TimeoutError(f"job {job_id} still running after {timeout}s")
    ```
    """

    code = "IL410"
    name = "unbounded-polling"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = CLIENTS
    valid = [
        # A deadline in the test, or checked in the body.
        "import time\nimport requests\n\ndef wait(url):\n    deadline = time.monotonic() + 600\n"
        "    while time.monotonic() < deadline:\n        state = requests.get(url, timeout=30).json()['state']\n"
        "        if state == 'JobComplete':\n            return\n        time.sleep(10)\n",
        "import time\nimport requests\n\ndef wait(url):\n    started = time.time()\n    state = 'Open'\n"
        "    while state not in ('JobComplete', 'Failed'):\n        if time.time() - started > 900:\n            raise TimeoutError(url)\n"
        "        time.sleep(10)\n        state = requests.get(url, timeout=30).json()['state']\n",
        # An attempt limit.
        "import time\nimport requests\n\ndef wait(url):\n    checks = 0\n    done = False\n    while not done:\n        checks += 1\n"
        "        done = requests.get(url, timeout=30).json()['done']\n        time.sleep(5)\n",
        "import time\nimport requests\n\ndef wait(url):\n    for _ in range(60):\n        if requests.get(url, timeout=30).json()['state'] == 'Done':\n            return\n        time.sleep(10)\n",
        # No sleep: a pagination loop, not a poll.
        "import requests\n\ndef pages(url):\n    while url:\n        body = requests.get(url, timeout=30).json()\n        url = body.get('next')\n",
        # Nothing remote is asked.
        "import time\n\ndef wait(flag):\n    while not flag.is_set():\n        time.sleep(1)\n",
        # A Pub/Sub flow-control generator.
        "import threading\n\ndef fetch_requests(semaphore, topic):\n    while True:\n        semaphore.acquire()\n"
        "        yield FetchRequest(topic_name=topic, num_requested=100)\n",
    ]
    invalid = [
        Example(
            "import time\nfrom simple_salesforce import Salesforce\n\n"
            "def wait_for_job(sf: Salesforce, job_id):\n"
            "    while True:\n"
            "        job = sf.restful(f'jobs/ingest/{job_id}')\n"
            "        if job['state'] in ('JobComplete', 'Failed', 'Aborted'):\n"
            "            return job\n"
            "        time.sleep(10)\n",
            line=5,
        ),
        Example(
            "import time\nimport requests\n\n"
            "def wait(url):\n"
            "    status = 'Queued'\n"
            "    while status != 'Completed':\n"
            "        time.sleep(10)\n"
            "        status = requests.get(url, timeout=30).json()['status']\n",
            line=6,
        ),
        Example(
            "from time import sleep\nfrom salesforce_bulk import SalesforceBulk\n\n"
            "bulk = SalesforceBulk(sessionId=token, host=host)\n\n"
            "def wait(batch):\n"
            "    while not bulk.is_batch_done(batch):\n"
            "        sleep(10)\n",
            line=7,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.loops: dict[cst.While, _Poll] = {}
        self.testing: list[_Poll] = []  # loops whose test is being read

    def visit_While(self, node: cst.While) -> None:
        if loop_retry(self.facts, node) is not None:
            return
        poll = _Poll(node, status=self._waits_for_state(node.test))
        poll.bounded = self._ends_by_count_or_clock(node.test)
        self.loops[node] = poll
        header = self._header(node)
        where = function_label(self.facts)

        def message() -> str | None:
            polled = next((label for label in (call() for call in poll.polls) if label), None)
            if not (poll.status and poll.sleep and polled) or poll.bounded:
                return None
            return (
                f"The `{header}` loop{where} polls {polled} and sleeps (`{poll.sleep}`) between checks with no deadline or attempt "
                "limit, so a job that never reaches a final state keeps this worker polling forever; stop after a deadline "
                "(`deadline = time.monotonic() + 1800`, checked on every pass) and raise when it passes."
            )

        self.report_later(node, message, hint="bound the loop: `while time.monotonic() < deadline:` ... then `raise TimeoutError(...)`")

    def visit_While_test(self, node: cst.While) -> None:
        if node in self.loops:
            self.testing.append(self.loops[node])

    def leave_While_test(self, node: cst.While) -> None:
        if self.testing and self.testing[-1].node is node:
            self.testing.pop()

    def visit_Call(self, node: cst.Call) -> None:
        poll = self._current()
        found = integration_call(self.facts, node)
        if poll is None:
            return
        qualified = self.facts.qualified_name(node.func)
        if qualified in SLEEPS or "sleep" in (_called_name(node.func) or ""):
            poll.sleep = poll.sleep or self.facts.source(node.func)
        elif qualified in CLOCKS:
            poll.bounded = True
        elif found is not None:
            poll.polls.append(lambda label=f"`{self.facts.source(node.func)}`": label)
        else:
            poll.polls.append(via_callee(self.facts, node))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        poll = self._current()
        if poll is not None:
            poll.bounded = True  # `checks += 1`, `waited += interval`

    def visit_If(self, node: cst.If) -> None:
        poll = self._current()
        if poll is None or not _leaves(node.body):
            return
        if self._ends_by_count_or_clock(node.test):
            poll.bounded = True
        elif self._waits_for_state(node.test):
            poll.status = True

    def _current(self) -> _Poll | None:
        """The polling loop the traversal is in: the one whose test it reads, else the innermost `while` of this function."""
        if self.testing:
            return self.testing[-1]
        for loop in reversed(self.facts.enclosing_loops()):
            if isinstance(loop.node, cst.While):
                return self.loops.get(loop.node)
        return None

    def _waits_for_state(self, test: cst.BaseExpression) -> bool:
        """`state not in (...)`, `status != "Done"`, `status is not Status.IN_PROGRESS`, `not done`, `not bulk.is_batch_done(batch)`."""
        if tests_a_state(self.facts, test):
            return True
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        return bool(DONE_NAME.search(_called_name(test) or ""))

    def _ends_by_count_or_clock(self, test: cst.BaseExpression) -> bool:
        for node in walk(test):
            if isinstance(node, cst.Comparison) and any(isinstance(part.operator, ORDERING) for part in node.comparisons):
                return True
            if isinstance(node, cst.Call) and self.facts.qualified_name(node.func) in CLOCKS:
                return True
        return False

    def _header(self, node: cst.While) -> str:
        test = self.facts.source(node.test)
        return f"while {test}" if len(test) <= 50 and "\n" not in test else "while ..."


def _leaves(block: cst.BaseSuite) -> bool:
    """The block ends the loop: a `break`, `return` or `raise` among its own statements."""
    statements = block.body if isinstance(block, cst.IndentedBlock) else [block]
    smalls = [small for statement in statements if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) for small in statement.body]
    return any(isinstance(small, (cst.Break, cst.Return, cst.Raise)) for small in smalls)


# -- IL411 ---------------------------------------------------------------------------------


@dataclass
class _Guarded:
    """A `try` body, with the integration calls it makes."""

    node: cst.Try
    function: cst.FunctionDef | None
    calls: list[Callable[[], str | None]] = field(default_factory=list)


class SwallowedIntegrationError(PythonRule):
    """
    ## What it does
    Finds `except` blocks that swallow a failed integration write. An `except`
    (bare, `Exception`, `BaseException`, or a client error such
    as `requests.RequestException`, `httpx.HTTPError` or simple_salesforce's
    `SalesforceError`) around an integration write — a Salesforce write or an HTTP
    POST/PUT/PATCH/DELETE, directly or through a same-module function — whose
    body only passes, continues or logs: it neither re-raises, nor records the
    failure for replay (a queue, a table, a file, a dead-letter call), nor
    returns an error value.

    Not reported: reads (the next run reads again, and a failed lookup that
    degrades to "unavailable" is a common, deliberate choice), the attempt of a
    retry loop (its handler goes round again), handlers that catch only a
    specific outcome (`SalesforceResourceNotFound`), clean-up methods
    (`close`, `__exit__`, ...), and test files.

    ## Why it matters
    A failed write that is only logged is lost: the job reports success, the
    record never reaches Salesforce, and nothing is left to retry it from. The
    integration patterns guide: error handling "should be enhanced to put in
    custom behavior such as creating a case or writing errors to a custom object
    that can be monitored and tracked."

    ## Example
    ```python
    import logging
    import requests

    log = logging.getLogger(__name__)

    def push_orders(session, orders):
        for order in orders:
            try:
                session.post(f"{API}/sobjects/Order__c/", json=order, timeout=30).raise_for_status()
            except requests.RequestException:
                log.exception("order %s failed", order["id"])
    ```

    ## Use instead
    ```python
    def push_orders(session, orders, failures):
        for order in orders:
            try:
                session.post(f"{API}/sobjects/Order__c/", json=order, timeout=30).raise_for_status()
            except requests.RequestException as error:
                log.exception("order %s failed", order["id"])
                failures.put({"order": order, "error": str(error)})  # replayed by the retry job
    ```
    """

    code = "IL411"
    name = "swallowed-integration-error"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM
    requires = CLIENTS
    valid = [
        # Re-raised, recorded for replay, or turned into an error value.
        "import requests\n\ndef push(body):\n    try:\n        requests.post(URL, json=body, timeout=30)\n"
        "    except requests.RequestException:\n        log.exception('push failed')\n        raise\n",
        "import requests\n\ndef push(body, dead_letters):\n    try:\n        requests.post(URL, json=body, timeout=30)\n"
        "    except requests.RequestException as error:\n        dead_letters.put((body, str(error)))\n",
        "import requests\n\ndef push(body):\n    try:\n        requests.post(URL, json=body, timeout=30)\n"
        "    except requests.RequestException:\n        return False\n    return True\n",
        # A deliberate no-op on one specific outcome.
        "from simple_salesforce import Salesforce, SalesforceResourceNotFound\n\nsf = Salesforce(instance_url=url, session_id=token)\n\n"
        "def remove(contact_id):\n    try:\n        sf.Contact.delete(contact_id)\n    except SalesforceResourceNotFound:\n        pass\n",
        # The attempt of a retry loop: the handler goes round again.
        "import time\nimport requests\n\ndef push(body):\n    for attempt in range(5):\n        try:\n"
        "            return requests.post(URL, json=body, timeout=30)\n        except requests.RequestException:\n"
        "            log.warning('attempt %d failed', attempt)\n            time.sleep(2 ** attempt)\n    raise RuntimeError('gave up')\n",
        # Nothing remote in the try, or only a read.
        "def parse(text):\n    try:\n        return int(text)\n    except Exception:\n        pass\n",
        "import requests\n\ndef latest_version(url):\n    try:\n        return requests.get(url, timeout=5).json()['version']\n"
        "    except requests.RequestException:\n        log.warning('version check failed')\n",
        # Best-effort clean-up.
        "import requests\n\nclass Client:\n    def close(self):\n        try:\n"
        "            requests.post(REVOKE_URL, data={'token': self.token}, timeout=5)\n        except Exception:\n            pass\n",
    ]
    invalid = [
        Example(
            "import requests\n\n"
            "def push_all(bodies):\n"
            "    for body in bodies:\n"
            "        try:\n"
            "            requests.post(URL, json=body, timeout=30)\n"
            "        except requests.RequestException:\n"
            "            log.exception('push failed')\n"
            "            continue\n",
            line=7,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n\n"
            "def sync(rows):\n"
            "    for row in rows:\n"
            "        try:\n"
            "            sf.Contact.upsert(f\"Email__c/{row['email']}\", row)\n"
            "        except:\n"
            "            pass\n",
            line=9,
        ),
        Example(
            "import requests\n\n"
            "def push(body):\n"
            "    requests.post(URL, json=body, timeout=30).raise_for_status()\n\n"
            "def push_all(bodies):\n"
            "    for body in bodies:\n"
            "        try:\n"
            "            push(body)\n"
            "        except Exception as error:\n"
            "            print(f'failed: {error}')\n",
            line=10,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.skip = is_test_path(context.path)
        self.bodies: list[_Guarded] = []  # try bodies the traversal is in
        self.tries: list[_Guarded] = []  # try statements the traversal is in

    def visit_Try(self, node: cst.Try) -> None:
        self.tries.append(_Guarded(node, self.facts.current_function()))

    def leave_Try(self, node: cst.Try) -> None:
        self.tries.pop()

    def visit_Try_body(self, node: cst.Try) -> None:
        self.bodies.append(self.tries[-1])

    def leave_Try_body(self, node: cst.Try) -> None:
        self.bodies.pop()

    def visit_Call(self, node: cst.Call) -> None:
        found = integration_call(self.facts, node)
        function = self.facts.current_function()
        guards = [guarded for guarded in self.bodies if guarded.function is function]
        if not guards:
            return
        if found is not None:
            label = f"`{self.facts.source(node.func)}`" if is_write(self.facts, node, found) else None
            call: Callable[[], str | None] = lambda: label
        else:
            call = via_callee(self.facts, node, writes=True)
        for guarded in guards:
            guarded.calls.append(call)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self.skip or not self.tries:
            return
        guarded = self.tries[-1]
        caught = self._caught(node.type)
        kept = _only_logs(self.facts, node.body)
        function = self.facts.current_function()
        if caught is None or kept is None or (function is not None and function.name.value in CLEANUP_FUNCTIONS):
            return
        if retry_attempt(self.facts, guarded.node) is not None:
            return  # the handler lets the retry loop go round again
        where = function_label(self.facts)

        def message() -> str | None:
            called = next((label for label in (call() for call in guarded.calls) if label), None)
            if called is None:
                return None
            return (
                f"{caught} around {called}{where} {kept}, so the failed write is lost with nothing to retry or replay it from; "
                "re-raise it, or record the failure for replay (an error table, a queue, or a Salesforce error-log record) before moving on."
            )

        self.report_later(node, message, hint="re-raise, or record the failed record (queue, error table, error-log object) for replay")

    def _caught(self, caught: cst.BaseExpression | None) -> str | None:
        """How a message names the handler, when it catches everything or a client failure."""
        if caught is None:
            return "A bare `except`"
        kinds = caught.elements if isinstance(caught, cst.Tuple) else [cst.Element(caught)]
        for kind in kinds:
            name = self.facts.qualified_name(kind.value)
            if name in CLIENT_ERRORS or (name is None and any(self.facts.is_builtin(kind.value, broad) for broad in BROAD_EXCEPTIONS)):
                return f"`except {self.facts.source(caught)}`"
        return None


def _only_logs(facts: PythonFacts, block: cst.BaseSuite) -> str | None:
    """What a handler body does when all it does is pass, continue or log: "only logs the error", ...; None otherwise."""
    statements = block.body if isinstance(block, cst.IndentedBlock) else [block]
    done: set[str] = set()
    for statement in statements:
        if not isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return None
        for small in statement.body:
            if isinstance(small, cst.Pass):
                done.add("pass")
            elif isinstance(small, cst.Continue):
                done.add("continue")
            elif isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString)):
                done.add("pass")
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and _is_log(facts, small.value):
                done.add("log")
            else:
                return None
    if "log" in done:
        return "only logs the error and moves on"
    return "skips to the next item without recording the failure" if "continue" in done else "drops the error silently"


def _is_log(facts: PythonFacts, call: cst.Call) -> bool:
    """`log.exception(...)`, `self.logger.warning(...)`, `logging.error(...)`, `print(...)`, `traceback.print_exc()`."""
    func = call.func
    if facts.is_builtin(func, "print") or facts.qualified_name(func) in PRINTS:
        return True
    if not (isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS):
        return False
    receiver = func.value.attr.value if isinstance(func.value, cst.Attribute) else getattr(func.value, "value", "")
    return isinstance(receiver, str) and bool(LOGGER_NAME.search(receiver))
