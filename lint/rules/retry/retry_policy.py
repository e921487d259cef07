"""IL403 and IL404: retries without a limit, and retries without backoff."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, PythonRule, Requires
from lint.rules.retry.common import CLIENTS, MILLISECOND_WORDS, UNIT_WORDS, LiteralSetting, function_label, integration_call, literal_settings, via_callee
from lint.sources.config_dialects import SETTING_DIALECTS
from lint.sources.config_model import ConfigDocument
from lint.sources.python_retry import BARE_DECORATORS, MANUAL_LOOP, URLLIB3_RETRY, RetryPolicy, decorator_retry, enclosing_retry, loop_retry, retry_construct
from lint.sources.python_sessions import short

# What a file must import, or a config file say, for IL403 / IL404 to find anything in it.
RETRY_LIBRARIES = Requires(imports=("tenacity", "backoff", "retrying", "retry", "celery"))
RETRY_KEYS = Requires(markers=("retr",))

RETRY_WORDS = frozenset({"retry", "retries"})

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

UNLIMITED = frozenset({"unlimited", "infinite", "infinity", "forever"})
UNLIMITED_COUNT = -1


def _retries_forever(setting: LiteralSetting) -> bool:
    if not setting.named(RETRY_WORDS, RETRY_QUALIFIERS):
        return False
    return setting.value.number() == UNLIMITED_COUNT or setting.value.is_(*UNLIMITED)


def _missing_or_unset(policy: RetryPolicy, where: str, missing: str, unset: str | None, harm: str, setting: str) -> tuple[str, str]:
    """(message, hint) for a policy that leaves a setting out (`missing`) or turns it off (`unset`, e.g. "`stop=stop_never`")."""
    fix = f"use {setting} instead" if unset else f"add {setting}"
    what = f"sets {unset}" if unset else missing
    return f"{policy.label}{where} {what}: {harm}; {fix}.", fix


def _sentence(label: str) -> str:
    """A label opening a message: "the `while True` loop" -> "The `while True` loop"."""
    return label[:1].upper() + label[1:]


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
