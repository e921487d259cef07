"""The cfg parts of IL401 (timeouts turned off) and IL403 (retries without limit) on config files."""

from __future__ import annotations

import pytest

from lint.rules.base import Requires
from lint.rules.retry.retry_policy import UnboundedRetry
from lint.rules.retry.timeouts import MissingTimeout
from tests.conftest import FIXTURES, lint_snippet
from tests.test_config_rules import fixture_findings

TIMEOUT_HARM = (
    "which turns the timeout off, so a stalled Salesforce or HTTP endpoint holds the worker and its connection until the process is killed; "
)
RETRY_HARM = (
    "which retries without limit, so a permanent failure (a validation error, revoked credentials) is retried forever, "
    "burning API requests and never surfacing the error; "
)
NEW_FIXTURES = ("singer/tap-salesforce.config.json", "kafka/salesforce-contacts-sink.properties")


def findings(code: str, path: str = "config/salesforce-sync.yml") -> list[tuple[str, int, str]]:
    return [(f.code, f.span.start_line, f.message) for f in lint_snippet(code, path, selected=frozenset({"IL401", "IL403"})).findings]


# -- fixtures ----------------------------------------------------------------------------------


def test_singer_tap_with_no_request_timeout_and_unlimited_retries():
    # `session_timeout: 0` is not an HTTP wait; `retry_backoff_factor` is not a retry limit.
    assert fixture_findings("singer/tap-salesforce.config.json") == [
        ("IL401", 12, 22, "Salesforce tap key `request_timeout` is `0`, " + TIMEOUT_HARM + "set a bounded timeout such as 30 seconds."),
        ("IL403", 13, 18, "Salesforce tap key `max_retries` is `-1`, " + RETRY_HARM + "set a bounded number of retries such as `5`."),
    ]


def test_kafka_connect_sink_retrying_failed_calls_forever():
    assert fixture_findings("kafka/salesforce-contacts-sink.properties") == [
        # It also logs in with a password (tests/test_security_config.py).
        (
            "IL501",
            12,
            1,
            "Kafka Connect connector key `salesforce.password` is set with `salesforce.username` and no `salesforce.grant.type` (it defaults to PASSWORD), "
            "so it logs in with username and password (the OAuth username-password flow), which Salesforce blocks by default in new orgs and which "
            "cannot use MFA; set `salesforce.grant.type=JWT_BEARER` with a keystore (`salesforce.jwt.keystore.path`).",
        ),
        (
            "IL403",
            20,
            22,
            "Kafka Connect connector key `errors.retry.timeout` is `-1`, " + RETRY_HARM + "set a bounded retry time such as `300000` (5 minutes).",
        ),
    ]


def test_other_config_fixtures_set_no_unbounded_timeouts_or_retries():
    others = sorted(
        path.relative_to(FIXTURES / "config").as_posix()
        for path in (FIXTURES / "config").rglob("*")
        if path.is_file() and path.suffix in (".yml", ".yaml", ".json", ".properties")
    )
    assert len(others) > len(NEW_FIXTURES)
    for name in others:
        if name not in NEW_FIXTURES:
            assert [finding for finding in fixture_findings(name) if finding[0] in ("IL401", "IL403")] == [], name


# -- forms the rules read ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "bound"),
    [
        ("readTimeout: '0'", "30 seconds"),
        ("timeout: none", "30 seconds"),
        ("api_timeout_seconds: infinite", "30 seconds"),
        ("request.timeout.ms: 0", "`30000` (30 seconds)"),
        ("HTTPTimeout: 0.0", "30 seconds"),
    ],
)
def test_http_timeouts_turned_off(setting, bound):
    key, value = setting.split(": ")
    assert findings(f"salesforce:\n  instance_url: https://acme.my.salesforce.com\n  {setting}\n") == [
        ("IL401", 3, f"Salesforce integration settings key `{key}` is `{value.strip(chr(39))}`, " + TIMEOUT_HARM + f"set a bounded timeout such as {bound}."),
    ]


@pytest.mark.parametrize(
    ("setting", "bound"),
    [
        ("retries: -1", "a bounded number of retries such as `5`"),
        ("retry.max.attempts: unlimited", "a bounded number of retries such as `5`"),
        ("retry_count: '-1'", "a bounded number of retries such as `5`"),
        ("maxRetryTime: infinite", "a bounded retry time such as 5 minutes"),
    ],
)
def test_retry_limits_turned_off(setting, bound):
    key, value = setting.split(": ")
    assert findings(f"salesforce:\n  instance_url: https://acme.my.salesforce.com\n  {setting}\n") == [
        ("IL403", 3, f"Salesforce integration settings key `{key}` is `{value.strip(chr(39))}`, " + RETRY_HARM + f"set {bound}."),
    ]


def test_kafka_connect_timeouts_are_in_milliseconds():
    code = "name=leads\nconnector.class=io.confluent.salesforce.SalesforceSObjectSinkConnector\nrequest.timeout.ms=0\nsession.timeout.ms=0\nmax.retries=-1\n"
    assert [(code, line) for code, line, _ in findings(code, "leads-sink.properties")] == [("IL401", 3), ("IL403", 5)]
    assert "such as `30000` (30 seconds)." in findings(code, "leads-sink.properties")[0][2]


@pytest.mark.parametrize(
    "settings",
    [
        # null means "use the default"; values from the environment are not judged.
        "request_timeout: null\nmax_retries: ~\n",
        "request_timeout: ${SF_TIMEOUT}\nmax_retries: '{{ retries }}'\ntimeout: !ENV ${TIMEOUT}\n",
        # Bounded values, and 0 / -1 on keys that are not HTTP timeouts or retry limits.
        "request_timeout: 30\nmax_retries: 0\nretries: 5\n",
        "session_timeout: 0\nidle_timeout: 0\nlock_timeout: 0\ntimeout_minutes: 0\n",
        "retry_backoff_ms: -1\nretry_delay: -1\nretry_on_timeout: true\nmax_attempts: -1\n",
        "timeout: false\nretries: unlimited_plan\n",
    ],
)
def test_defaults_references_and_other_meanings_pass(settings):
    code = "salesforce:\n" + "".join(f"  {line}\n" for line in settings.splitlines())
    assert findings(code) == []


def test_files_that_configure_no_salesforce_integration_are_not_read():
    assert findings("services:\n  api:\n    timeout: 0\n    retries: -1\n", "docker-compose.yml") == []


def test_descriptions_and_examples_in_salesforce_settings_are_not_settings():
    code = (
        "salesforce:\n  request_timeout: 30\n  example:\n    request_timeout: 0\n"
        "  description: set max_retries to -1 to retry forever\n  max_retries: 5\n"
    )
    assert findings(code) == []


def test_openapi_examples_are_not_settings():
    code = (
        "openapi: 3.0.0\npaths:\n  /orders:\n    get:\n      responses:\n        '200':\n          description: ok\n"
        "components:\n  schemas:\n    Options:\n      example:\n        timeout: 0\n        retries: -1\n"
    )
    assert findings(code, "spec.yaml") == []


def test_config_prefilter_needs_the_key_words():
    assert MissingTimeout.requirement("cfg") == Requires(markers=("timeout",))
    assert UnboundedRetry.requirement("cfg") == Requires(markers=("retr",))
    assert MissingTimeout.requirement("py") != MissingTimeout.requirement("cfg")
