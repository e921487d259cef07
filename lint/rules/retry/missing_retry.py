"""IL402: integration writes that nothing retries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, PythonRule
from lint.rules.retry.common import CLIENTS, called_name, integration_call, is_write
from lint.sources.paths import is_test_path
from lint.sources.python_calls import keyword
from lint.sources.python_clients import ClientCall
from lint.sources.python_names import CONSTRUCTORS, SALESFORCE
from lint.sources.python_handlers import enclosing_consumer
from lint.sources.python_retry import decorator_retry, enclosing_retry, loop_retry, retry_construct
from lint.sources.python_sessions import first_origin, is_mount, resolved

RETRY_WORD = re.compile(r"retr(y|ies|ying)|backoff", re.IGNORECASE)
# Decorators that make a function an entry point run by a scheduler or worker (Celery, Airflow, Prefect, Dagster, click).
ENTRY_DECORATORS = frozenset({"task", "shared_task", "periodic_task", "flow", "op", "asset", "command", "dag"})


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
        if any(called_name(decorator.decorator) in ENTRY_DECORATORS for decorator in node.decorators):
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
        if retry_construct(self.facts, node) is not None or RETRY_WORD.search(called_name(node.func) or ""):
            return True
        if any(arg.keyword is not None and RETRY_WORD.search(arg.keyword.value) for arg in node.args):
            return True
        # A Salesforce client on a custom session may retry through it.
        return self.facts.qualified_name(node.func) == SALESFORCE and keyword(node, "session") is not None

    def _made_here(self, node: cst.Call, found: ClientCall) -> bool:
        """Sent by a module function (`requests.post`) or through a client built in this module, not one handed in."""
        receiver = self.facts.type_of(node.func.value) if isinstance(node.func, cst.Attribute) else None
        if receiver is not None and receiver.shaped:
            return False  # another module's client, given its session there
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
        mapped = (called_name(node.func) or "").endswith("map")
        for arg in node.args:
            handed = self._runs(arg.value)
            if handed is not None:
                yield handed, mapped

    def _runs(self, expr: cst.BaseExpression) -> cst.FunctionDef | None:
        facts = self.facts
        kind = expr.__class__  # asked of every call and argument: see python_walk.subclasses
        direct = facts.callee(expr) if kind is cst.Name or kind is cst.Attribute else None
        if direct is not None:
            return direct
        if kind is cst.Name and facts.class_named(expr.value) is not None:
            return facts.class_named(expr.value).methods.get("__init__")
        if kind is cst.Attribute:  # `loader.load(...)` on an instance of a same-module class
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
