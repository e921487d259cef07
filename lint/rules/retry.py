"""IL4xx: timeouts, retries and replay handling."""

from __future__ import annotations

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, PythonRule
from lint.sources.python_calls import has_double_star, is_none, keyword, positional
from lint.sources.python_facts import HTTPX_ASYNC_CLIENT, HTTPX_CLIENT, REQUESTS_SESSION

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
REQUESTS_FUNCTIONS = frozenset(f"requests.{verb}" for verb in HTTP_VERBS)
HTTPX_FUNCTIONS = frozenset({*(f"httpx.{verb}" for verb in HTTP_VERBS), "httpx.stream", "httpx.Client", "httpx.AsyncClient"})
URLOPEN = "urllib.request.urlopen"
URLOPEN_TIMEOUT_POSITION = 2  # urlopen(url, data=None, timeout=...)
TIMEOUT_HINT = "pass `timeout=(3.05, 30)` (connect, read seconds), or set a default on a session adapter"


class MissingTimeout(PythonRule):
    """
    ## What it does
    Finds HTTP calls that can wait forever: `requests` functions and
    `requests.Session` methods without `timeout=`, `httpx` calls and clients
    given `timeout=None`, and `urllib.request.urlopen` without a timeout.

    ## Why it matters
    `requests` and `urlopen` have no default timeout: a stalled Salesforce
    endpoint or proxy holds the worker, the connection and any lock it has
    until the process is killed, and retries never get a chance to run. The
    integration patterns guide lists timeouts among the runtime controls every
    integration needs, and notes that "a timeout event is triggered if no positive
    acknowledgment is received from the remote callout" — the caller has to
    decide how long it waits. A session subclass that sets a default timeout in
    its `request` method satisfies this rule.

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
        # Not the requests library: a local object that happens to have .get().
        "cache = {}\ncache.get('key')\n",
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
        Example("import urllib.request\n\nurllib.request.urlopen(url)\n", line=3),
        Example("import requests\n\nrequests.get(url, timeout=None)\n", line=3),
        Example("from urllib.request import urlopen\n\nurlopen(url, timeout=None)\n", line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.facts.qualified_name(node.func)
        timeout = keyword(node, "timeout")
        explicit_none = timeout is not None and is_none(timeout.value)
        name = f"`{self.facts.source(node.func)}`" if timeout is None or explicit_none else ""
        if qualified in REQUESTS_FUNCTIONS or self._is_session_call(node):
            if explicit_none:
                self.report(node, f"{name} passes `timeout=None`, so it waits forever if the endpoint stalls.", hint=TIMEOUT_HINT)
            elif timeout is None and not has_double_star(node):
                self.report(
                    node,
                    f"{name} has no `timeout=`: requests waits forever by default, so a stalled endpoint hangs this worker.",
                    hint=TIMEOUT_HINT,
                )
        elif qualified in HTTPX_FUNCTIONS or self._is_httpx_client_call(node):
            if explicit_none:
                self.report(
                    node,
                    f"{name} passes `timeout=None`, which turns off httpx's 5-second default: a stalled endpoint hangs this call.",
                    hint="pass `timeout=httpx.Timeout(30, connect=5)` instead of None",
                )
        elif qualified == URLOPEN:
            if explicit_none or (timeout is None and len(positional(node)) <= URLOPEN_TIMEOUT_POSITION and not has_double_star(node)):
                self.report(
                    node,
                    f"{name} has no timeout: it waits on the global socket default, which is forever unless changed.",
                    hint="pass `timeout=30`",
                )

    def _is_session_call(self, node: cst.Call) -> bool:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in HTTP_VERBS):
            return False
        session = self.facts.type_of(func.value)
        if session is None or session.qualified != REQUESTS_SESSION:
            return False
        return not self._injects_timeout(session.via_class)

    def _is_httpx_client_call(self, node: cst.Call) -> bool:
        func = node.func
        return isinstance(func, cst.Attribute) and func.attr.value in HTTP_VERBS | {"stream", "send"} and self.facts.is_type(func.value, HTTPX_CLIENT, HTTPX_ASYNC_CLIENT)

    def _injects_timeout(self, class_name: str | None) -> bool:
        """A same-module Session subclass whose request/send sets a timeout."""
        info = self.facts.class_named(class_name) if class_name else None
        if info is None:
            return False
        methods = (info.methods.get(name) for name in ("request", "send"))
        return any(method is not None and "timeout" in self.facts.source(method) for method in methods)

