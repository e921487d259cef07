"""IL401-IL404, IL410 and IL411 on whole modules written the way teams write them, and on the forms the rules must read."""

from __future__ import annotations

from tests.conftest import lint_snippet
from tests.test_fixtures import findings_in

CODES = ("IL401", "IL402", "IL403", "IL404", "IL410", "IL411")

NO_TIMEOUT = "has no `timeout=`: requests waits forever by default, so a stalled endpoint hangs this worker."
SFTYPE = (
    " cannot take a timeout (SFType writes pass none to requests), and its client comes from `Salesforce(...)` built without "
    "`session=`, so a stalled Salesforce call hangs this worker; build the client with a session whose adapter sets a default timeout."
)
NOT_RETRIED = (
    ", and nothing here retries it: no tenacity/backoff decorator, no retry loop, no urllib3 `Retry` on the session, so a timeout "
    "or a 503 loses the write until someone re-runs the job; retry transient failures a few times with backoff, e.g. "
    "`@retry(stop=stop_after_attempt(5), wait=wait_exponential(max=30))`"
)
FOREVER = ": a permanent failure retries forever; "
HAMMER = ": attempts follow each other at once and hammer an endpoint that is already failing; "
TENACITY_WAIT = HAMMER + "add `wait=wait_exponential(multiplier=1, max=30)`."
POLLS_FOREVER = (
    " between checks with no deadline or attempt limit, so a job that never reaches a final state keeps this worker polling forever; "
    "stop after a deadline (`deadline = time.monotonic() + 1800`, checked on every pass) and raise when it passes."
)
LOST = (
    ", so the failed write is lost with nothing to retry or replay it from; re-raise it, or record the failure for replay "
    "(an error table, a queue, or a Salesforce error-log record) before moving on."
)


def retry_findings(name: str) -> list[tuple[str, int, int, str]]:
    """The findings of this family's rules in a fixture module, with every rule enabled (as users run it)."""
    return [finding for finding in findings_in(name) if finding[0] in CODES]


def found(code: str, source: str, path: str = "example.py") -> list[tuple[int, str]]:
    return [(f.span.start_line, f.message) for f in lint_snippet(source, path).findings if f.code == code]


def lines(code: str, source: str, path: str = "example.py") -> list[int]:
    return [line for line, _ in found(code, source, path)]


# -- fixtures ------------------------------------------------------------------------------


def test_billing_invoice_client_has_unbounded_and_hammering_retries():
    assert retry_findings("billing_invoice_client.py") == [
        ("IL404", 33, 51, "urllib3 `Retry(...)` has no `backoff_factor`" + HAMMER + "add `backoff_factor=0.5`."),
        ("IL403", 44, 2, "`@retry(...)` on `mark_invoice_synced` has no `stop=`" + FOREVER + "add `stop=stop_after_attempt(5)` (or `stop_after_delay(300)`)."),
        ("IL404", 54, 2, "`@tenacity.retry(...)` on `void_invoice` has no `wait=`" + TENACITY_WAIT),
        ("IL403", 59, 2, "`@backoff.on_predicate(...)` on `invoice_pdf` has no `max_tries=` or `max_time=`" + FOREVER + "add `max_tries=5` (or `max_time=300`)."),
        ("IL404", 65, 20, "`Retrying(...)` in `credit_notes` has no `wait=`" + TENACITY_WAIT),
    ]


def test_bulk_job_monitor_flags_the_polls_without_a_deadline_only():
    assert retry_findings("bulk_job_monitor.py") == [
        ("IL410", 36, 5, "The `while True` loop in `wait_for_ingest` polls `sf.restful` and sleeps (`time.sleep`)" + POLLS_FOREVER),
        (
            "IL410",
            46,
            5,
            "The `while state not in FINAL_STATES` loop in `wait_for_query` polls `query_job` (which calls `sf.restful`) "
            "and sleeps (`time.sleep`)" + POLLS_FOREVER,
        ),
    ]


def test_partner_lead_sync_swallows_errors_and_never_retries():
    handled = " only logs the error and moves on"
    assert retry_findings("partner_lead_sync.py") == [
        ("IL402", 39, 5, "`requests.post` is the first of 2 Salesforce/HTTP writes this module sends" + NOT_RETRIED + " on `acknowledge`."),
        ("IL401", 46, 13, "`sf.Lead.upsert`" + SFTYPE),
        ("IL411", 47, 9, "`except SalesforceMalformedRequest` around `sf.Lead.upsert` in `main`" + handled + LOST),
        ("IL411", 52, 9, "`except Exception` around `acknowledge` (which calls `requests.post`) in `main` drops the error silently" + LOST),
        ("IL411", 57, 5, "`except requests.RequestException` around `requests.post` in `main`" + handled + LOST),
    ]


def test_order_push_job_misses_timeouts_and_retries():
    assert retry_findings("order_push_job.py") == [
        ("IL401", 21, 16, "`requests.post` " + NO_TIMEOUT),
        ("IL401", 34, 12, "`erp.get` " + NO_TIMEOUT),
        ("IL401", 46, 20, "`self.http.post` " + NO_TIMEOUT),
        ("IL402", 46, 20, "`self.http.post` is the only Salesforce/HTTP write this module sends" + NOT_RETRIED + " on `publish`."),
    ]


def test_hand_written_retry_without_a_sleep_in_the_erp_client():
    assert retry_findings("erp_client.py") == [
        (
            "IL404",
            57,
            9,
            "The `for attempt in range(3)` loop in `post_payment` retries `payments.post` without waiting between attempts"
            + HAMMER
            + "sleep with exponential backoff before the next attempt, e.g. `time.sleep(min(2 ** attempt, 30))`.",
        ),
    ]


def test_sftype_writes_on_a_client_without_a_session_and_a_bulk_job_without_retry():
    assert retry_findings("account_sync_job.py") == [
        ("IL402", 25, 15, "`sf.bulk2.Account.upsert` is the first of 2 Salesforce/HTTP writes this module sends" + NOT_RETRIED + " on `load_customers`."),
        ("IL401", 38, 15, "`sf.Contact.create`" + SFTYPE),
    ]


def test_resilient_account_client_is_clean_under_every_rule():
    assert findings_in("resilient_account_client.py") == []


def test_modules_that_bound_their_calls_are_silent():
    for name in ("contact_sync_client.py", "erp_writeback_done_right.py", "resilient_account_client.py"):
        assert retry_findings(name) == [], name


# -- IL401 ---------------------------------------------------------------------------------


def test_timeouts_injected_by_session_and_adapter_subclasses():
    adapter_through_base = """
        import requests
        from requests.adapters import HTTPAdapter

        class TimeoutAdapter(HTTPAdapter):
            def send(self, request, **kwargs):
                kwargs.setdefault("timeout", 10)
                return super().send(request, **kwargs)

        class RetryingTimeoutAdapter(TimeoutAdapter):
            pass

        session = requests.Session()
        session.mount("https://", RetryingTimeoutAdapter(max_retries=3))
        session.get("https://example.com/status")
        """
    assert lines("IL401", adapter_through_base) == []
    annotated = """
        import requests

        class TimeoutSession(requests.Session):
            def request(self, method, url, timeout=None, **kwargs):
                return super().request(method, url, timeout=timeout or 30, **kwargs)

        def push(session: TimeoutSession, body):
            session.post("https://example.com/orders", json=body)
        """
    assert lines("IL401", annotated) == []
    passes_its_parameter_on = """
        import requests

        class LoggingSession(requests.Session):
            def request(self, method, url, timeout=None, **kwargs):
                log.info(url)
                return super().request(method, url, timeout=timeout, **kwargs)

        session = LoggingSession()
        session.post("https://example.com/orders", json={})
        """
    assert lines("IL401", passes_its_parameter_on) == [10]
    requests_of_its_own = """
        import requests

        class SoapSession(requests.Session):
            def login(self, envelope):
                return self.post(LOGIN_URL, data=envelope)

        class TimeoutSession(requests.Session):
            def request(self, method, url, **kwargs):
                kwargs.setdefault("timeout", 30)
                return super().request(method, url, **kwargs)

            def login(self, envelope):
                return self.post(LOGIN_URL, data=envelope)

        class ApiSession(requests.Session):
            def post(self, path, **kwargs):
                return super().post(BASE + path, timeout=10, **kwargs)

            def create(self, record):
                return self.post("/sobjects/Account", json=record)
        """
    assert lines("IL401", requests_of_its_own) == [6]  # the subclass's own `post` and `request` are its code


def test_sftype_writes_follow_the_client_to_where_it_is_built():
    factory_and_getattr = """
        from simple_salesforce import Salesforce

        def connect():
            return Salesforce(instance_url=URL, session_id=TOKEN)

        def push(name, rows):
            sf = connect()
            for row in rows:
                getattr(sf, name).upsert("Ext__c/" + row["id"], row)
                getattr(sf, name).update(row["sf_id"], row)
        """
    assert lines("IL401", factory_and_getattr) == [10]  # once per client, at its first write
    built_directly = "from simple_salesforce import SFType\n\ncontacts = SFType('Contact', TOKEN, 'na1.salesforce.com')\ncontacts.create({'LastName': 'Ng'})\n"
    assert lines("IL401", built_directly) == [4]
    # A client handed in, or built from **options, is not known here.
    assert lines("IL401", "from simple_salesforce import Salesforce\n\ndef push(sf: Salesforce, row):\n    sf.Contact.create(row)\n") == []
    assert lines("IL401", "from simple_salesforce import Salesforce\n\nsf = Salesforce(**CREDENTIALS)\nsf.Contact.create({})\n") == []


def test_urllib_urllib3_and_aiohttp_timeouts():
    set_later = """
        import socket
        from urllib.request import urlopen

        def fetch(url):
            return urlopen(url).read()

        def main():
            socket.setdefaulttimeout(20)
            fetch("https://example.com/feed")
        """
    assert lines("IL401", set_later) == []
    pool = "import urllib3\n\nhttp = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=10))\nhttp.request('GET', 'https://example.com')\n"
    assert lines("IL401", pool) == []
    assert lines("IL401", "import urllib3\n\nurllib3.request('GET', 'https://example.com')\n") == [3]
    assert lines("IL401", "import aiohttp\n\nTIMEOUT = aiohttp.ClientTimeout(total=None, sock_read=30)\n") == []
    assert lines("IL401", "import requests\n\ndef get(url, seconds):\n    return requests.get(url, timeout=seconds)\n") == []


def test_sessions_changed_after_they_are_built_are_trusted():
    partial = """
        import functools
        import requests

        def push(session, body):
            session.post("https://example.com/orders", json=body)

        SESSION = requests.Session()
        SESSION.request = functools.partial(SESSION.request, timeout=30)
        SESSION.post("https://example.com/orders", json={})
        """
    assert lines("IL401", partial) == []
    mounted_on_the_client = """
        from simple_salesforce import Salesforce

        class Sync:
            def __init__(self):
                self.sf = Salesforce(instance_url=URL, session_id=TOKEN)
                self.sf.session.mount("https://", TimeoutAdapter(timeout=30))

            def push(self, row):
                self.sf.Contact.upsert(f"Email__c/{row['email']}", row)
        """
    assert lines("IL401", mounted_on_the_client) == []
    assert lines("IL401", mounted_on_the_client.replace('self.sf.session.mount("https://", TimeoutAdapter(timeout=30))', "pass")) == [10]


# -- IL402 ---------------------------------------------------------------------------------


def test_missing_retry_fires_once_for_jobs_that_repeat_writes():
    threaded = """
        import threading
        import requests

        def worker(queue):
            while True:
                item = queue.get()
                requests.post(URL, json=item, timeout=30)
                requests.patch(URL, json=item, timeout=30)

        threading.Thread(target=worker, args=(QUEUE,)).start()
        """
    assert lines("IL402", threaded) == [8]
    mapped = """
        import requests
        from concurrent.futures import ThreadPoolExecutor

        def push(row):
            requests.post(URL, json=row, timeout=30)

        def main(rows):
            with ThreadPoolExecutor() as pool:
                list(pool.map(push, rows))

        if __name__ == "__main__":
            main(load())
        """
    assert lines("IL402", mapped) == [6]
    task = "import requests\nfrom celery import shared_task\n\n@shared_task\ndef push(order):\n    requests.post(URL, json=order, timeout=30)\n"
    assert lines("IL402", task) == [6]
    collections = "from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=u, session_id=t)\nfor chunk in chunks:\n    sf.restful('composite/sobjects', method='POST', json={'records': chunk})\n"
    assert lines("IL402", collections) == [5]


def test_missing_retry_stays_silent_when_a_retry_may_exist():
    celery_retry = """
        import requests
        from celery import shared_task

        @shared_task(bind=True)
        def push(self, order):
            try:
                requests.post(URL, json=order, timeout=30).raise_for_status()
            except requests.ConnectionError as error:
                raise self.retry(exc=error, countdown=60)
        """
    helper = "import requests\nfrom integration.http import post_with_retry\n\nfor row in rows:\n    post_with_retry(URL, row)\n    requests.post(URL, json=row, timeout=30)\n"
    consumer = """
        import requests
        import pubsub_api_pb2 as pb2

        def run(stub):
            for response in stub.Subscribe(fetch()):
                for event in response.events:
                    requests.post(URL, json={"id": event.replay_id}, timeout=30)

        run(STUB)
        """
    not_run_here = "import requests\n\ndef push_all(rows):\n    for row in rows:\n        requests.post(URL, json=row, timeout=30)\n"
    once = "import requests\n\nrequests.post(URL, json=REPORT, timeout=30)\n"
    unknown_method = "import requests\n\nfor method, url in CALLS:\n    requests.request(method, url, timeout=30)\n"
    for source in (celery_retry, helper, consumer, not_run_here, once, unknown_method):
        assert lines("IL402", source) == [], source
    loop = "import requests\n\nfor row in rows:\n    requests.post(URL, json=row, timeout=30)\n"
    assert lines("IL402", loop) == [4]
    assert lines("IL402", loop, path="tests/test_push.py") == []


# -- IL403 / IL404 -------------------------------------------------------------------------


def test_tenacity_in_every_form():
    bound_retrying = "import tenacity\n\nretryer = tenacity.Retrying(wait=tenacity.wait_fixed(2))\n\ndef push(body):\n    return retryer(client.post, body)\n"
    assert found("IL403", bound_retrying) == [
        (3, "`tenacity.Retrying(...)` has no `stop=`" + FOREVER + "add `stop=stop_after_attempt(5)` (or `stop_after_delay(300)`).")
    ]
    variables = """
        from tenacity import AsyncRetrying

        async def push(body, stop, wait):
            async for attempt in AsyncRetrying(stop=stop, wait=wait):
                with attempt:
                    await client.post(body)
        """
    assert lines("IL403", variables) == [] and lines("IL404", variables) == []
    alias = "from tenacity import retry, stop_after_attempt\n\nerp_retry = retry(stop=stop_after_attempt(3))\n\n@erp_retry\ndef push():\n    client.post()\n"
    assert found("IL404", alias) == [(3, "`retry(stop=stop_after_attempt(3))` has no `wait=`" + TENACITY_WAIT)]  # at the policy, not at each use
    explicit = "from tenacity import retry, stop_after_attempt, wait_none\n\n@retry(stop=stop_after_attempt(3), wait=wait_none())\ndef push():\n    client.post()\n"
    assert found("IL404", explicit) == [
        (3, "`@retry(...)` on `push` sets `wait=wait_none()`" + HAMMER + "use `wait=wait_exponential(multiplier=1, max=30)` instead.")
    ]


def test_the_retry_package_defaults_to_forever_and_no_delay():
    source = """
        from retry import retry
        from retry.api import retry_call

        @retry()
        def push():
            client.post()

        @retry(tries=-1, delay=2)
        def pull():
            client.get()

        def send(body):
            return retry_call(client.post, fargs=[body], tries=3, delay=1, backoff=2)
        """
    assert found("IL403", source) == [
        (5, "`@retry(...)` on `push` has no `tries=`" + FOREVER + "add `tries=5`."),
        (9, "`@retry(...)` on `pull` sets `tries=-1`" + FOREVER + "use `tries=5` instead."),
    ]
    assert found("IL404", source) == [(5, "`@retry(...)` on `push` has no `delay=`" + HAMMER + "add `delay=1, backoff=2`.")]


def test_retrying_library_defaults_never_stop_and_never_wait():
    source = """
        from retrying import retry

        @retry(wait_exponential_multiplier=1000)
        def push():
            client.post()

        @retry(stop_max_attempt_number=3)
        def pull():
            client.get()
        """
    assert lines("IL403", source) == [4]
    assert lines("IL404", source) == [8]


def test_hand_written_retry_loops_need_an_integration_call_in_the_attempt():
    through_helper = """
        import requests

        class Client:
            def _send(self, body):
                return requests.post(URL, json=body, timeout=30)

            def push(self, body):
                while True:
                    try:
                        return self._send(body)
                    except requests.ConnectionError:
                        self._backoff()
        """
    assert found("IL403", through_helper) == [
        (
            9,
            "The `while True` loop in `push` retries `_send` (which calls `requests.post`) with no attempt limit or deadline"
            + FOREVER
            + "count the attempts (`for attempt in range(5):`) or stop at a deadline, and re-raise after the last one.",
        )
    ]
    assert lines("IL404", through_helper) == []  # `self._backoff()` waits
    counted = """
        import time
        import requests

        def push(body):
            tries = 0
            while True:
                try:
                    return requests.post(URL, json=body, timeout=30)
                except requests.ConnectionError:
                    tries += 1
                    if tries > 5:
                        raise
                    time.sleep(tries)
        """
    assert lines("IL403", counted) == []
    endless = "import itertools\nimport requests\n\ndef push(body):\n    for attempt in itertools.count():\n        try:\n            return requests.post(URL, json=body, timeout=30)\n        except requests.ConnectionError:\n            pass\n"
    assert lines("IL403", endless) == [5] and lines("IL404", endless) == [5]
    not_remote = "def ask():\n    while True:\n        try:\n            return int(input('count? '))\n        except ValueError:\n            continue\n"
    assert lines("IL403", not_remote) == [] and lines("IL404", not_remote) == []


def test_flow_control_generators_and_worker_loops_are_not_retries():
    flow_control = """
        import threading
        import pubsub_api_pb2 as pb2

        def fetch_requests(topic, semaphore):
            while True:
                semaphore.acquire()
                yield pb2.FetchRequest(topic_name=topic, num_requested=100)
        """
    worker = "import requests\n\ndef work(queue):\n    while True:\n        item = queue.get()\n        try:\n            requests.post(URL, json=item, timeout=30)\n        except requests.RequestException:\n            log.exception('failed')\n"
    for source in (flow_control, worker):
        for code in ("IL403", "IL404", "IL410"):
            assert lines(code, source) == [], (code, source)


def test_urllib3_retry_settings():
    assert lines("IL404", "from urllib3.util.retry import Retry\n\ndef make(**settings):\n    return Retry(**settings)\n") == []
    assert lines("IL404", "from urllib3.util.retry import Retry\n\ndef make(factor):\n    return Retry(total=3, backoff_factor=factor)\n") == []
    assert lines("IL403", "from urllib3.util.retry import Retry\nPOLICY = Retry(total=None, read=2, backoff_factor=1)\n") == []
    assert lines("IL404", "from requests.adapters import HTTPAdapter\nADAPTER = HTTPAdapter(pool_maxsize=20)\n") == []


# -- IL410 ---------------------------------------------------------------------------------


def test_polls_that_can_run_forever():
    asynchronous = """
        import asyncio
        import httpx

        async def wait(client: httpx.AsyncClient, url):
            while True:
                job = (await client.get(url)).json()
                if job["status"] == "done":
                    return job
                await asyncio.sleep(5)
        """
    assert lines("IL410", asynchronous) == [6]
    flag = "import time\nimport requests\n\ndef wait(url):\n    done = False\n    while not done:\n        done = requests.get(url, timeout=10).json()['state'] == 'Completed'\n        time.sleep(3)\n"
    assert lines("IL410", flag) == [6]


def test_polls_with_a_bound_or_no_state_are_silent():
    elapsed = """
        import time
        import requests

        def wait(url):
            waited = 0
            while True:
                if requests.get(url, timeout=10).json()["state"] == "Completed":
                    break
                if waited > 600:
                    raise TimeoutError(url)
                time.sleep(10)
                waited = waited + 10
        """
    heartbeat = "import time\nimport requests\n\ndef beat():\n    while True:\n        requests.post(URL, timeout=10)\n        time.sleep(60)\n"
    pages = "import time\nimport requests\n\ndef pages(url):\n    while url:\n        body = requests.get(url, timeout=10).json()\n        url = body.get('next')\n        time.sleep(1)\n"
    for source in (elapsed, heartbeat, pages):
        assert lines("IL410", source) == [], source


def test_a_retry_on_http_status_is_a_retry_and_a_wait_on_a_state_is_a_poll():
    on_status = """
        import time
        import requests

        def push(body):
            while True:
                response = requests.post(URL, json=body, timeout=10)
                if response.status_code != 503:
                    return response
                time.sleep(5)
        """
    assert lines("IL403", on_status) == [6] and lines("IL410", on_status) == []
    on_state = on_status.replace("response.status_code != 503", 'response.json()["state"] == "Done"')
    assert lines("IL403", on_state) == [] and lines("IL410", on_state) == [6]


def test_a_wait_on_a_state_enum_member_is_a_poll_not_a_retry():
    # CumulusCI's Bulk API job wait: the loop leaves once a status enum member is no longer IN_PROGRESS.
    on_enum = """
        import time
        import requests

        class BulkJobMixin:
            def _job_state(self, job_id):
                response = requests.get(f"{self.endpoint}/job/{job_id}/batch", timeout=30)
                return parse_job_state(response.content)

            def _wait_for_job(self, job_id):
                while True:
                    result = self._job_state(job_id)
                    if result.status is not DataOperationStatus.IN_PROGRESS:
                        break
                    time.sleep(10)
                return result
        """
    assert lines("IL403", on_enum) == [] and lines("IL404", on_enum) == []
    assert found("IL410", on_enum) == [
        (11, "The `while True` loop in `_wait_for_job` polls `_job_state` (which calls `requests.get`) and sleeps (`time.sleep`)" + POLLS_FOREVER)
    ]
    on_http_status = """
        import time
        from http import HTTPStatus
        import requests

        def fetch(url):
            while True:
                response = requests.get(url, timeout=30)
                if response.status_code == HTTPStatus.OK:
                    return response
                time.sleep(5)
        """
    assert lines("IL403", on_http_status) == [7] and lines("IL410", on_http_status) == []


# -- IL411 ---------------------------------------------------------------------------------


def test_swallowed_writes_in_every_shape():
    tuple_and_logger = """
        import httpx
        import requests

        class Pusher:
            def push(self, rows):
                for row in rows:
                    try:
                        self.http.post(URL, json=row)
                        requests.put(URL, json=row, timeout=5)
                    except (ValueError, httpx.HTTPError) as error:
                        self.logger.warning("failed %s", error)
        """
    assert found("IL411", tuple_and_logger) == [
        (11, "`except (ValueError, httpx.HTTPError)` around `requests.put` in `push` only logs the error and moves on" + LOST)
    ]
    helper_defined_later = """
        def main(rows):
            for row in rows:
                try:
                    push(row)
                except Exception:
                    logging.error("failed")

        import requests

        def push(row):
            requests.patch(URL, json=row, timeout=5)
        """
    assert lines("IL411", helper_defined_later) == [6]
    outer_catches_what_inner_lets_through = """
        import requests

        def push(row):
            try:
                try:
                    requests.post(URL, json=row, timeout=5)
                except ValueError:
                    raise
            except Exception:
                pass
        """
    assert lines("IL411", outer_catches_what_inner_lets_through) == [10]


def test_handled_failures_reads_and_tests_are_silent():
    error_value = "import requests\n\ndef push(row):\n    try:\n        requests.post(URL, json=row, timeout=5)\n    except Exception:\n        log.exception('x')\n        return None\n"
    deferred = "import requests\n\ndef main():\n    try:\n        def inner():\n            requests.post(URL, timeout=5)\n        register(inner)\n    except Exception:\n        pass\n"
    swallowed = "import requests\n\ndef push(row):\n    try:\n        requests.post(URL, json=row, timeout=5)\n    except Exception:\n        pass\n"
    for source in (error_value, deferred):
        assert lines("IL411", source) == [], source
    assert lines("IL411", swallowed) == [6]
    assert lines("IL411", swallowed, path="tests/test_push.py") == []


def test_an_oauth_session_waits_forever_without_a_timeout_as_requests_does():
    code = """\
        from requests_oauthlib import OAuth2Session

        def limits(token):
            session = OAuth2Session(CLIENT_ID, token=token)
            return session.get(f"{INSTANCE_URL}/services/data/v61.0/limits").json()
        """
    assert found("IL401", code) == [
        (5, "`session.get` has no `timeout=`: requests waits forever by default, so a stalled endpoint hangs this worker.")
    ]


def test_a_session_a_startup_hook_creates_through_global_is_checked_where_it_is_used():
    code = """\
        import requests
        from fastapi import FastAPI

        app = FastAPI()
        erp = None

        @app.on_event("startup")
        def connect():
            global erp
            erp = requests.Session()

        @app.post("/orders")
        def receive(order: dict):
            erp.post(ERP_URL, json=order)
            return {"ok": True}
        """
    assert found("IL401", code) == [(14, "`erp.post` has no `timeout=`: requests waits forever by default, so a stalled endpoint hangs this worker.")]


def test_a_session_shaped_where_it_is_built_keeps_its_timeout_through_global_and_project_objects():
    code = """\
        import requests
        from requests.adapters import HTTPAdapter

        class TimeoutAdapter(HTTPAdapter):
            def send(self, request, **kwargs):
                kwargs.setdefault("timeout", 30)
                return super().send(request, **kwargs)

        class Erp:
            def __init__(self):
                self.http = requests.Session()
                self.http.mount("https://", TimeoutAdapter())

        erp = Erp()
        http = None

        def startup():
            global http
            http = requests.Session()
            http.mount("https://", TimeoutAdapter())

        def fetch(order_id):
            erp.http.get(f"{ERP_URL}/orders/{order_id}")
            http.get(f"{ERP_URL}/orders/{order_id}")
        """
    assert found("IL401", code) == []
