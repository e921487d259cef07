"""IL411: integration errors caught and dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, PythonRule
from lint.rules.retry.common import CLIENTS, function_label, integration_call, is_write, via_callee
from lint.sources.paths import is_test_path
from lint.sources.python_facts import PythonFacts
from lint.sources.python_retry import retry_attempt

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
