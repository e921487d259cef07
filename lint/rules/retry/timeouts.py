"""IL401: integration calls that can wait forever: no timeout, or one turned off."""

from __future__ import annotations

import re

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, PythonRule, Requires
from lint.rules.retry.common import CLIENTS, UNIT_WORDS, LiteralSetting, literal_settings
from lint.sources.config_dialects import SETTING_DIALECTS
from lint.sources.config_model import ConfigDocument
from lint.sources.paths import is_test_path
from lint.sources.python_calls import has_double_star, is_none, keyword, positional
from lint.sources.python_clients import client_call
from lint.sources.python_names import AIOHTTP_SESSION, HTTPX_ASYNC_CLIENT, HTTPX_CLIENT, REQUESTS_SESSION, SALESFORCE, SFTYPE, URLLIB3_POOL
from lint.sources.python_sessions import first_origin, is_mount, resolved, session_timeout, short

# What a config file must say for IL401 to find anything in it.
TIMEOUT_KEYS = Requires(markers=("timeout",))

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

TIMEOUT_WORD = "timeout"

# Words that may stand with `timeout` in the name of an HTTP, API or connection timeout (`read_timeout`,
# `request.timeout.ms`, `connectTimeout`); `session_timeout`, `idle_timeout` or `lock_timeout` mean something else.
TIMEOUT_QUALIFIERS = frozenset(
    {
        *UNIT_WORDS,
        *("request", "requests", "read", "connect", "connection", "socket", "http", "https", "api", "client", "response"),
        *("call", "callout", "rest", "soap", "bulk", "query", "default", "network", "total", "salesforce", "sf", "sfdc"),
    }
)

NO_TIMEOUT = frozenset({"none", "infinite", "infinity", "unlimited"})  # not null: it usually means "use the default"

# Where `timeout: 0` means "do not wait" rather than "wait forever": Camel's pollEnrich.
NON_BLOCKING = frozenset({"pollEnrich", "poll-enrich"})


def _disables_timeout(setting: LiteralSetting) -> bool:
    if not setting.named(frozenset({TIMEOUT_WORD}), TIMEOUT_QUALIFIERS) or NON_BLOCKING.intersection(map(str, setting.value.path)):
        return False
    return setting.value.number() == 0 or setting.value.is_(*NO_TIMEOUT)


# -- IL401 ---------------------------------------------------------------------------------


class MissingTimeout(PythonRule, ConfigRule):
    """
    ## What it does
    Finds HTTP and Salesforce calls that can wait forever for a reply.
    `requests` functions and
    `requests.Session` methods (OAuth sessions too: requests_oauthlib's
    `OAuth2Session`, salesforce_requests_oauthlib's `SalesforceOAuth2Session`)
    without `timeout=` (or with `timeout=None`, or a
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
    `socket.setdefaulttimeout(...)` for `urlopen`. Requests a subclass makes of
    itself (`self.post(...)`) count, except through a method it defines itself
    (its own `post` is its own code). Files under test paths (`tests/`,
    `test_*.py`, `conftest.py`) talk to fakes and are not checked.

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
        return func.__class__ is cst.Attribute and func.attr.value in methods and self.facts.is_method_of(func, *types)

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
