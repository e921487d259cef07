"""IL410: polling loops without a deadline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, PythonRule
from lint.rules.retry.common import CLIENTS, called_name, function_label, integration_call, via_callee
from lint.sources.python_calls import walk
from lint.sources.python_retry import CLOCKS, loop_retry, tests_a_state

SLEEPS = frozenset({"time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep", "eventlet.sleep"})
DONE_NAME = re.compile(r"(^|_)(is_)?(\w+_)?(done|complete|completed|finished|ready|terminal|final)$", re.IGNORECASE)
ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


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
        if qualified in SLEEPS or "sleep" in (called_name(node.func) or ""):
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
        return bool(DONE_NAME.search(called_name(test) or ""))

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
