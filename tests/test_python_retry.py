"""The retry fact: decorators, Retrying loops, hand-written retry loops and urllib3 Retry on sessions."""

from __future__ import annotations

import re
import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule
from lint.sources.python import lint_file
from lint.sources.python_retry import RetryPolicy, enclosing_retry, loop_retry, session_retry, urllib3_retry

PROBED = frozenset({"post", "patch", "get", "request", "send"})


class RetryProbe(PythonRule):
    """
    ## What it does
    Test probe: reports how every HTTP-looking call is retried.

    ## Why it matters
    It lets the tests read the retry fact at each call of the real traversal.

    ## Example
    ```python
    session.post(url)
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL997"
    name = "retry-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["session.post(url)\n"]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in PROBED:
            self._report(node, enclosing_retry(self.facts) or session_retry(self.facts, func.value))
        elif isinstance(func, cst.Name) and func.value == "Retry":
            self._report(node, urllib3_retry(self.facts, node))

    def visit_For(self, node: cst.For) -> None:
        self._report(node, loop_retry(self.facts, node))

    def visit_While(self, node: cst.While) -> None:
        self._report(node, loop_retry(self.facts, node))

    def _report(self, node: cst.CSTNode, policy: RetryPolicy | None) -> None:
        if policy is None:
            self.report(node, "probe|-")
            return
        methods = "*" if policy.methods is None else ",".join(sorted(policy.methods))
        parts = [policy.kind, policy.library or "-", f"stop={policy.stop}", f"wait={policy.wait}", methods, policy.label]
        self.report(node, "|".join(["probe", *parts]))


def retries(code: str) -> dict[str, tuple[str, ...]]:
    """Tag -> (kind, library, stop, wait, methods, label), or ("-",) when not retried.

    A probed call is tagged by a trailing comment on its line: `session.post(url)  # a`.
    """
    source = textwrap.dedent(code)
    lines = source.splitlines()
    result = lint_file("probe.py", source.encode(), [RetryProbe], {})
    found = {}
    for finding in result.findings:
        tag = re.search(r"#\s*(\w+)\s*$", lines[finding.span.start_line - 1])
        if tag:
            found[tag.group(1)] = tuple(finding.message.split("|")[1:])
    return found


NOT_RETRIED = ("-",)


def test_tenacity_decorators_in_every_spelling():
    found = retries(
        """
        import requests
        import tenacity
        import tenacity as t
        from tenacity import retry, stop_after_attempt, wait_fixed
        from tenacity import retry as with_retries

        erp_retry = retry(stop=stop_after_attempt(3), wait=wait_fixed(2))

        @retry
        def a():
            requests.post(URL)  # bare

        @retry(stop=stop_after_attempt(5))
        def b():
            requests.post(URL)  # called

        @tenacity.retry(wait=tenacity.wait_exponential())
        def c():
            requests.post(URL)  # module

        @t.retry(stop=t.stop_after_delay(30), wait=t.wait_random(1, 3))
        def d():
            requests.post(URL)  # module_alias

        @with_retries(**RETRY_OPTIONS)
        def e():
            requests.post(URL)  # name_alias

        @erp_retry
        def f():
            requests.post(URL)  # policy_alias
        """
    )
    assert found["bare"] == ("decorator", "tenacity", "stop=False", "wait=False", "*", "`@retry`")
    assert found["called"] == ("decorator", "tenacity", "stop=True", "wait=False", "*", "`@retry(...)`")
    assert found["module"] == ("decorator", "tenacity", "stop=False", "wait=True", "*", "`@tenacity.retry(...)`")
    assert found["module_alias"][:4] == ("decorator", "tenacity", "stop=True", "wait=True")
    assert found["name_alias"][:4] == ("decorator", "tenacity", "stop=True", "wait=True")  # **options: do not guess
    assert found["policy_alias"] == ("decorator", "tenacity", "stop=True", "wait=True", "*", "`@erp_retry`")


def test_backoff_retrying_and_celery_decorators():
    found = retries(
        """
        import backoff
        import requests
        from celery import shared_task
        from retrying import retry

        @backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)
        def a():
            requests.post(URL)  # on_exception

        @backoff.on_predicate(backoff.fibo)
        def b():
            return requests.post(URL)  # on_predicate

        @retry(stop_max_attempt_number=3)
        def c():
            requests.post(URL)  # retrying

        @shared_task(autoretry_for=(requests.RequestException,), max_retries=None)
        def d():
            requests.post(URL)  # celery

        @shared_task(bind=True)
        def e(self):
            requests.post(URL)  # plain_task
        """
    )
    assert found["on_exception"][:4] == ("decorator", "backoff", "stop=True", "wait=True")
    assert found["on_predicate"][:4] == ("decorator", "backoff", "stop=False", "wait=True")
    assert found["retrying"][:4] == ("decorator", "retrying", "stop=True", "wait=False")
    assert found["celery"][:4] == ("decorator", "celery", "stop=False", "wait=True")
    assert found["plain_task"] == NOT_RETRIED


def test_only_the_decorated_function_itself_is_retried():
    found = retries(
        """
        import requests
        from tenacity import retry

        @retry
        def outer():
            def callback():
                requests.post(URL)  # nested
            return callback

        def plain():
            requests.post(URL)  # plain
        """
    )
    assert found["nested"] == NOT_RETRIED
    assert found["plain"] == NOT_RETRIED


def test_tenacity_retrying_loops():
    found = retries(
        """
        import httpx
        from tenacity import AsyncRetrying, Retrying, stop_after_attempt

        def a(client):
            for attempt in Retrying(stop=stop_after_attempt(3)):
                with attempt:
                    client.post("/orders")  # retrying
            client.post("/after")  # after

        async def b(client):
            retrying = AsyncRetrying(wait=wait_fixed(1))
            async for attempt in retrying:
                with attempt:
                    await client.post("/orders")  # bound
        """
    )
    assert found["retrying"] == ("retrying-loop", "tenacity", "stop=True", "wait=False", "*", "the `for attempt in Retrying(...)` loop")
    assert found["after"] == NOT_RETRIED
    assert found["bound"][:4] == ("retrying-loop", "tenacity", "stop=False", "wait=True")


def test_hand_written_retry_loops():
    found = retries(
        """
        import time
        import requests

        def for_range_with_break():
            for attempt in range(5):
                try:
                    response = requests.post(URL)  # range
                    response.raise_for_status()
                    break
                except requests.RequestException:
                    time.sleep(2 ** attempt)

        def while_true_with_return():
            while True:
                try:
                    return requests.post(URL)  # while_true
                except ConnectionError:
                    continue

        def while_counter():
            attempts = 0
            while attempts < 3:
                try:
                    requests.post(URL)  # counter
                    break
                except Exception:
                    attempts += 1

        def break_after_the_try():
            for delay in (1, 2, 4):
                try:
                    requests.post(URL)  # delays
                except requests.Timeout:
                    time.sleep(delay)
                    continue
                break

        def flag():
            sent = False
            while not sent:
                try:
                    requests.post(URL)  # flag
                    sent = True
                except requests.RequestException:
                    pass

        def status_check():
            for retry_number in range(3):
                response = requests.post(URL)  # status
                if response.status_code < 500:
                    return response

        def deadline():
            give_up = time.monotonic() + 60
            while True:
                try:
                    return requests.post(URL)  # deadline
                except requests.Timeout:
                    if time.monotonic() > give_up:
                        raise
        """
    )
    assert found["range"] == ("loop", "-", "stop=True", "wait=True", "*", "the `for attempt in range(5)` loop")
    assert found["while_true"] == ("loop", "-", "stop=False", "wait=False", "*", "the `while True` loop")
    assert found["counter"] == ("loop", "-", "stop=True", "wait=False", "*", "the `while attempts < 3` loop")
    assert found["delays"][:4] == ("loop", "-", "stop=True", "wait=True")
    assert found["flag"][:4] == ("loop", "-", "stop=True", "wait=False")
    assert found["status"][:4] == ("loop", "-", "stop=True", "wait=False")
    assert found["deadline"][:4] == ("loop", "-", "stop=True", "wait=False")


def test_loops_that_are_not_retries():
    found = retries(
        """
        import time
        import requests

        def over_records(rows):
            for row in rows:
                try:
                    requests.post(URL, json=row)  # records
                except requests.RequestException:
                    continue

        def worker(queue):
            while True:
                item = queue.get()
                if item is None:
                    break
                try:
                    requests.post(URL, json=item)  # worker
                except Exception:
                    log.exception("failed")

        def pages():
            for page in range(1, 50):
                try:
                    response = requests.post(URL, json={"page": page})  # pages
                except requests.Timeout:
                    continue
                if not response.json()["more"]:
                    break

        def pagination(url):
            while url:
                response = requests.get(url)  # pagination
                url = response.json().get("next")

        def flow_control(semaphore):
            while True:
                semaphore.acquire()
                yield requests.post(URL)  # generator

        def handler_is_not_the_attempt():
            for attempt in range(3):
                try:
                    response = requests.get(URL)  # attempt
                    break
                except requests.RequestException as error:
                    requests.post(ALERTS, json={"error": str(error)})  # handler

        def gives_up_at_once():
            for attempt in range(3):
                try:
                    return requests.post(URL)  # reraises
                except requests.RequestException:
                    raise
        """
    )
    for tag in ("records", "worker", "pages", "pagination", "generator", "handler", "reraises"):
        assert found[tag] == NOT_RETRIED, tag
    assert found["attempt"][0] == "loop"  # the attempt itself is retried


def test_urllib3_retry_on_module_session():
    found = retries(
        """
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        session = requests.Session()
        retry = Retry(total=5, backoff_factor=0.5, allowed_methods=["GET", "POST"])
        session.mount("https://", HTTPAdapter(max_retries=retry))

        def push(order):
            session.post(URL, json=order)  # post
            session.patch(URL, json=order)  # patch
        """
    )
    expected = ("adapter", "urllib3", "stop=True", "wait=True", "GET,POST", "urllib3 `Retry(...)`")
    assert found["post"] == expected
    assert found["patch"] == expected  # the fact names the verbs; rules ask `policy.retries(method)`


def test_urllib3_allowed_methods_forms():
    found = retries(
        """
        import requests
        import urllib3
        from requests.adapters import HTTPAdapter
        from urllib3 import Retry

        WRITES = frozenset({"POST", "PATCH"})

        a = requests.Session()
        a.mount("https://", HTTPAdapter(max_retries=Retry(total=3, allowed_methods=None)))
        b = requests.Session()
        b.mount("https://", HTTPAdapter(max_retries=Retry(total=3, method_whitelist=False)))
        c = requests.Session()
        c.mount("https://", HTTPAdapter(max_retries=Retry(total=3, allowed_methods=Retry.DEFAULT_ALLOWED_METHODS | {"POST"})))
        d = requests.Session()
        d.mount("https://", HTTPAdapter(max_retries=urllib3.util.Retry(3, allowed_methods=WRITES)))
        e = requests.Session()
        e.mount("https://", HTTPAdapter(max_retries=3))
        f = requests.Session()
        f.mount("https://", HTTPAdapter(max_retries=Retry(total=0, allowed_methods=None)))
        g = requests.Session()
        g.mount("https://", HTTPAdapter(max_retries=Retry(total=False)))
        h = requests.Session()
        h.mount("https://", HTTPAdapter(max_retries=Retry(5)))

        def send():
            a.post(URL)  # a
            b.post(URL)  # b
            c.post(URL)  # c
            d.post(URL)  # d
            e.post(URL)  # e
            f.post(URL)  # f
            g.post(URL)  # g
            h.post(URL)  # h
        """
    )
    assert found["a"][4] == "*"
    assert found["b"][4] == "*"
    assert found["c"][4] == "DELETE,GET,HEAD,OPTIONS,POST,PUT,TRACE"
    assert found["d"][4] == "PATCH,POST"
    assert found["e"] == ("adapter", "urllib3", "stop=True", "wait=False", "DELETE,GET,HEAD,OPTIONS,PUT,TRACE", "`HTTPAdapter(max_retries=3)`")
    assert found["f"] == NOT_RETRIED
    assert found["g"] == NOT_RETRIED
    assert found["h"][2:5] == ("stop=True", "wait=False", "DELETE,GET,HEAD,OPTIONS,PUT,TRACE")


def test_sessions_on_self_from_factories_and_subclasses():
    found = retries(
        """
        import requests
        from requests import Session
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        def retrying_session():
            session = requests.Session()
            session.mount("https://", HTTPAdapter(max_retries=Retry(total=4, allowed_methods=None)))
            return session

        class RetryingSession(Session):
            def __init__(self):
                super().__init__()
                self.mount("https://", HTTPAdapter(max_retries=Retry(total=4, allowed_methods=None)))

        class TimeoutAdapter(HTTPAdapter):
            pass

        class Client:
            def __init__(self):
                self.http = requests.Session()
                retries = Retry(total=3, backoff_factor=1, allowed_methods=None)
                self.http.mount("https://", TimeoutAdapter(max_retries=retries))
                self.factory_made = retrying_session()
                self.subclassed = RetryingSession()
                self.plain = requests.Session()

            def push(self, body):
                self.http.post(URL, json=body)  # self_mounted
                self.factory_made.post(URL, json=body)  # factory
                self.subclassed.post(URL, json=body)  # subclass
                self.plain.post(URL, json=body)  # plain

        def local():
            s = requests.Session()
            s.mount("https://", HTTPAdapter(max_retries=Retry(total=2, allowed_methods=None)))
            s.post(URL)  # local

        def handed_in(session):
            session.post(URL)  # parameter

        def module_level():
            session.post(URL)  # module_factory

        session = retrying_session()
        """
    )
    assert found["self_mounted"][:5] == ("adapter", "urllib3", "stop=True", "wait=True", "*")
    assert found["factory"][:5] == ("adapter", "urllib3", "stop=True", "wait=False", "*")
    assert found["subclass"][0] == "adapter"
    assert found["plain"] == NOT_RETRIED
    assert found["local"][0] == "adapter"
    assert found["parameter"] == NOT_RETRIED  # a parameter, not the module's session
    assert found["module_factory"][0] == "adapter"


def test_decorator_wins_over_the_session_and_unrelated_calls_are_not_retried():
    found = retries(
        """
        import requests
        from tenacity import retry

        cache = {}

        @retry
        def push(session):
            session.post(URL)  # decorated

        def read(key):
            return cache.get(key)  # dict
        """
    )
    assert found["decorated"][0] == "decorator"
    assert found["dict"] == NOT_RETRIED


def test_loops_and_retry_calls_asked_directly():
    found = retries(
        """
        import time
        import requests
        from urllib3.util.retry import Retry

        HAMMER = Retry(total=10)  # hammer
        POLITE = Retry(total=5, backoff_factor=0.3, allowed_methods=None)  # polite

        def send():
            while True:  # unbounded
                try:
                    return requests.post(URL)
                except requests.RequestException:
                    continue
            for row in rows:  # data
                print(row)
        """
    )
    assert found["hammer"] == ("adapter", "urllib3", "stop=True", "wait=False", "DELETE,GET,HEAD,OPTIONS,PUT,TRACE", "urllib3 `Retry(total=10)`")
    assert found["polite"][:5] == ("adapter", "urllib3", "stop=True", "wait=True", "*")
    assert found["unbounded"] == ("loop", "-", "stop=False", "wait=False", "*", "the `while True` loop")
    assert found["data"] == NOT_RETRIED


def test_the_requests_retry_session_recipe():
    found = retries(
        """
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        def requests_retry_session(retries=3, backoff_factor=0.3, session=None, methods=None):
            session = session or requests.Session()
            retry = Retry(total=retries, backoff_factor=backoff_factor, allowed_methods=methods)
            adapter = HTTPAdapter(max_retries=retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            return session

        def push(order):
            return requests_retry_session().post(URL, json=order)  # recipe
        """
    )
    assert found["recipe"] == ("adapter", "urllib3", "stop=True", "wait=True", "", "urllib3 `Retry(...)`")


def test_sessions_mounted_in_one_method_and_kept_on_self_or_passed_in():
    found = retries(
        """
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        class Client:
            def __init__(self):
                session = requests.Session()
                retries = Retry(total=3, allowed_methods=None)
                session.mount("https://", HTTPAdapter(max_retries=retries))
                self.session = session

            def push(self, body):
                self.session.post(URL, json=body)  # kept_on_self

        DEFAULT = requests.Session()
        DEFAULT.mount("https://", HTTPAdapter(max_retries=Retry(total=3, allowed_methods=None)))

        def send(order, session=DEFAULT):
            session.post(URL, json=order)  # default_session
            DEFAULT.post(URL, json=order)  # module_session
        """
    )
    assert found["kept_on_self"][:5] == ("adapter", "urllib3", "stop=True", "wait=False", "*")  # `retries` read in __init__
    assert found["default_session"] == NOT_RETRIED  # the caller's session, whatever the default
    assert found["module_session"][0] == "adapter"


def test_waiting_for_a_state_is_polling_not_retrying():
    found = retries(
        """
        import time
        import requests

        FINAL = frozenset({"JobComplete", "Failed"})

        def wait(url):
            while True:  # literal
                job = requests.get(url)
                if job.json()["state"] in ("JobComplete", "Failed"):
                    return job
                time.sleep(5)

        def wait_named(url):
            while True:  # named
                job = requests.get(url)
                if job.json()["state"] in FINAL:
                    return job
                time.sleep(5)

        def send(body):
            while True:  # status
                response = requests.post(URL, json=body)
                if response.status_code < 500:
                    return response
        """
    )
    assert found["literal"] == NOT_RETRIED
    assert found["named"] == NOT_RETRIED
    assert found["status"][0] == "loop"
