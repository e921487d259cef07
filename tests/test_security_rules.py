"""IL501–IL509 on whole fixture modules, and on the traps each rule must not fall into.

Only IL5xx findings are compared: the fixtures also trip other families (IL202 on
queries per row, ...), which their own tests cover.
"""

from __future__ import annotations

import textwrap

import pytest

from lint.engine import lint_source
from lint.findings import Confidence, Severity
from lint.rules import load_registry
from lint.rules.security.record_ids import case_checksum, record_object
from lint.sources.paths import is_test_path
from lint.sources.secrets import looks_like_secret
from tests.conftest import FIXTURES, lint_snippet, settings_for

LOGIN_FIXTURES = ("lead_capture_api.py", "contact_enrichment_job.py", "pubsub_order_sync_tasks.py")  # IL503
SECURITY_FIXTURES = ("legacy_contact_sync.py", "case_portal_service.py", "pipeline_report_job.py", "opportunity_alert_listener.py", "case_assistant_mcp.py", *LOGIN_FIXTURES)
CLEAN_FIXTURES = ("secure_account_service.py", "cached_salesforce_session.py")
SECRET_FIX = "read it at run time from the environment (`os.environ[...]`) or a secret manager, and rotate the exposed value."
TLS_RISK = "so anyone on the network path can impersonate the endpoint and read the credentials and data it is sent"
JWT_FIX = "use the JWT bearer flow (`consumer_key=`, `privatekey_file=`) or client credentials."
SOAP_DRAWBACKS = "a password login that cannot use MFA, breaks when the password is reset, and is unavailable from API 65.0"
OAUTH_DRAWBACKS = "which Salesforce blocks by default in new orgs and which cannot use MFA"
ID_RISK = "ids differ between orgs and change when a sandbox is refreshed, so this breaks outside the org it was copied from"
PLAINTEXT_RISK = "over plain HTTP, so what it sends and receives crosses the network unencrypted, readable and alterable by anyone on the path"
INJECTION = "so a value containing a quote can rewrite the query (SOQL injection)"
NEW_SESSION = "so each {unit} waits for a new login and opens another session"
SOAP_LIMIT = "(SOAP `login()` allows 3,600 calls per user per hour)"
CLIENT_FIX = "create the client once (at module level, or in a factory cached with `functools.lru_cache`) and reuse it and its session id."
TOKEN_FIX = "request the token once and reuse it until it expires (keep it with its `expires_in`, or cache the function that gets it)."


def fixture_findings(name: str, prefix: str = "IL5") -> list[tuple[str, int, str]]:
    registry = load_registry()
    path = FIXTURES / "python" / name
    outcome = lint_source(f"python/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    return [(f.code, f.span.start_line, f.message) for f in outcome.findings if f.code.startswith(prefix)]


def found(code: str, path: str = "example.py", **overrides) -> list[tuple[str, int, str]]:
    """(code, line, confidence) of the IL5xx findings in a snippet."""
    findings = lint_snippet(code, path, **overrides).findings
    return [(f.code, f.span.start_line, f.confidence.value) for f in findings if f.code.startswith("IL5")]


def messages(code: str, path: str = "example.py", **overrides) -> list[str]:
    return [f.message for f in lint_snippet(code, path, **overrides).findings if f.code.startswith("IL5")]


# -- fixtures ------------------------------------------------------------------------


def test_legacy_sync_script_logs_in_with_hard_coded_password_over_plain_http():
    assert fixture_findings("legacy_contact_sync.py") == [
        ("IL509", 20, "API version 29.0 set in `SF_API_VERSION` is retired, so every call with it fails; move to API version 50.0 or later and test the calls against it."),
        ("IL507", 21, f"`0055e00000Kq7LmAAJ` is a hard-coded User record id; {ID_RISK}; look the user up by `Username` or `FederationIdentifier`."),
        ("IL501", 24, f"`Salesforce(...)` logs in with username, password and security token (SOAP `login()`), {SOAP_DRAWBACKS}; {JWT_FIX}"),
        ("IL504", 26, f"`password=` of `Salesforce(...)` is a hard-coded secret (`SF_PASSWORD` is a literal), so anyone who can read the repository can use it; {SECRET_FIX}"),
        ("IL504", 27, f"`security_token=` of `Salesforce(...)` is a hard-coded secret (`SF_SECURITY_TOKEN` is a literal), so anyone who can read the repository can use it; {SECRET_FIX}"),
        ("IL505", 34, f"`requests.get` sends its request to `http://crm-legacy.acme.local/export/contacts.csv` {PLAINTEXT_RISK}; use `https://crm-legacy.acme.local/export/contacts.csv`."),
        ("IL506", 34, f"`requests.get` passes `verify=False`, which turns off certificate checks, {TLS_RISK}; remove it."),
        ("IL508", 41, f"`sf.query` runs a query built with an f-string from `email` (a function parameter), {INJECTION}; pass each value to `format_soql('SELECT Id, OwnerId FROM Contact WHERE Email = {{}}', email)`, which quotes and escapes it."),
    ]


def test_flask_portal_takes_a_password_grant_and_builds_soql_from_request_args():
    assert fixture_findings("case_portal_service.py") == [
        ("IL507", 24, f"`0125e000000Qw3E` is a hard-coded RecordType record id; {ID_RISK}; look it up by `DeveloperName` and `SobjectType`."),
        ("IL501", 31, f"`requests.post` requests an OAuth token with `grant_type=password` (the username-password flow), {OAUTH_DRAWBACKS}; request `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` (JWT bearer) or `client_credentials`."),
        ("IL503", 31, f"`requests.post` in `salesforce` requests a new OAuth token on every call, and the route `search_cases` calls `salesforce` on every request, {NEW_SESSION.format(unit='request')}; {TOKEN_FIX}"),
        ("IL504", 36, f"The `client_secret` entry is a hard-coded secret, so anyone who can read the repository can use it; {SECRET_FIX}"),
        ("IL508", 49, f"`salesforce().query` runs a query built with `+` concatenation from `subject` (request data), {INJECTION}; pass each value to `format_soql(\"SELECT Id, CaseNumber, Subject FROM Case WHERE Subject LIKE '%{{:like}}%' LIMIT 50\", subject)`, which quotes and escapes it."),
        ("IL505", 63, f"`urllib.request.Request(...)` sends its request to `http://billing.acme-corp.com/api/v2/case-events` {PLAINTEXT_RISK}; use `https://billing.acme-corp.com/api/v2/case-events`."),
        ("IL506", 64, f"`ssl._create_unverified_context()` builds an SSL context that checks neither the certificate nor the host name, {TLS_RISK}; use `ssl.create_default_context()` (with `cafile=` for a private CA)."),
    ]


def test_report_job_formats_soql_from_arguments_and_pins_old_and_too_new_versions():
    assert fixture_findings("pipeline_report_job.py") == [
        ("IL509", 16, "API version 36.0 in the URL path `/services/data/v36.0/` retires in Summer '28 with every version from 31.0 to 40.0, and calls with it will then fail; move to API version 50.0 or later and test the calls against it."),
        ("IL501", 20, f"`Salesforce(...)` logs in with username, password and security token (SOAP `login()`), {SOAP_DRAWBACKS}; {JWT_FIX}"),
        ("IL502", 20, f"`Salesforce(...)` logs in with username, password and security token at API version 65.0, which simple_salesforce sends to SOAP `login()`, unavailable from API 65.0, so every login fails; {JWT_FIX}"),
        ("IL508", 30, f"`sf.query_all_iter` runs a query built with `%` formatting from `region` (a function parameter), {INJECTION}; pass each value to `format_soql('... WHERE Region__c = {{}} AND StageName = {{}} LIMIT 2000', region, stage)`, which quotes and escapes it."),
        ("IL508", 35, f"`sf.query_all` runs a query built with `.format()` from `email` (a function parameter), {INJECTION}; pass each value to `format_soql('... WHERE Owner.Email = {{}} AND CreatedDate = LAST_N_DAYS:{{}}', email, days)`, which quotes and escapes it."),
    ]


def test_streaming_listener_uses_the_password_client_and_posts_unverified_plain_http():
    assert fixture_findings("opportunity_alert_listener.py") == [
        ("IL505", 18, f"`session.post` sends its request to `http://alerts.ops.acme-corp.com/hooks/sales` {PLAINTEXT_RISK}; use `https://alerts.ops.acme-corp.com/hooks/sales`."),
        ("IL506", 18, f"`session.post` passes `ssl=False`, which turns off certificate checks, {TLS_RISK}; remove it."),
        ("IL501", 24, f"`SalesforceStreamingClient(...)` always authenticates with username and password (the OAuth username-password flow), {OAUTH_DRAWBACKS}; use `Client(RefreshTokenAuthenticator(...))`."),
    ]


@pytest.mark.parametrize("name", CLEAN_FIXTURES)
def test_clean_modules_are_silent_for_every_rule(name):
    assert fixture_findings(name, prefix="IL") == []


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "python").glob("*.py") if p.name not in SECURITY_FIXTURES))
def test_other_fixtures_trip_no_security_rule(name):
    assert fixture_findings(name) == []


def test_security_rules_carry_security_severity_and_are_findable_by_tag():
    rules = [rule for rule in load_registry().sorted() if rule.code.startswith("IL5")]
    assert {rule.code for rule in rules} >= {"IL501", "IL502", "IL503", "IL504", "IL505", "IL506", "IL507", "IL508", "IL509"}
    for rule in rules:
        assert rule.family() == "security" and float(rule.security_severity) > 0, rule.code


# -- test paths ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_sync.py", True),
        ("src/app/tests/helpers.py", True),
        ("test/integration/login.py", True),
        ("sync/test_login.py", True),
        ("sync/login_test.py", True),
        ("conftest.py", True),
        ("fixtures/python/legacy_contact_sync.py", False),
        ("testing/login.py", False),
        ("sync/contest.py", False),
        ("sync/latest_test_results.py", False),
    ],
)
def test_test_paths(path, expected):
    assert is_test_path(path) is expected


LOGIN_WITH_SECRETS = (
    "from simple_salesforce import Salesforce\n"
    "sf = Salesforce(username='qa@acme.com', password='Qa-Passw0rd!', security_token='k3Jd8sLq0PzXw')\n"
    "OWNER = '0055e00000Kq7LmAAJ'\n"
)


@pytest.mark.parametrize("path", ["tests/test_login.py", "test_login.py", "login_test.py", "conftest.py", "pkg/test/helpers.py"])
def test_password_login_secrets_and_ids_are_not_flagged_in_tests(path):
    assert found(LOGIN_WITH_SECRETS, path) == []


def test_a_soap_login_that_cannot_work_is_flagged_in_tests_too():
    code = "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t, version='66.0')\n"
    assert found(code, "tests/test_login.py") == [("IL502", 2, "high")]


def test_the_same_code_outside_tests_is_flagged():
    assert found(LOGIN_WITH_SECRETS, "fixtures/login.py") == [("IL501", 2, "high"), ("IL504", 2, "high"), ("IL504", 2, "high"), ("IL507", 3, "high")]


# -- IL501 / IL502 ---------------------------------------------------------------------


def test_password_login_through_positional_arguments_and_a_config_dict():
    code = """\
        from simple_salesforce import Salesforce
        CONFIG = {"username": USER, "password": PASSWORD, "organizationId": ORG}
        sf = Salesforce(**CONFIG)
        other = Salesforce(USER, PASSWORD, None, None, None, None, ORG, "66.0")
        """
    assert [(c, line) for c, line, _ in found(code)] == [("IL501", 3), ("IL501", 4), ("IL502", 4)]
    assert "username and password for an organizationId (SOAP `login()`)" in messages(code)[0]


def test_password_grant_to_an_unknown_token_url_counts_only_in_salesforce_code():
    code = """\
        import requests
        def token(url):
            return requests.post(url, data="grant_type=password&username=u&password=p", timeout=10)
        """
    assert found(code) == []
    assert found("# Salesforce session helper\n" + textwrap.dedent(code)) == [("IL501", 4, "medium")]


def test_password_grant_through_urlencode():
    code = """\
        import requests
        from urllib.parse import urlencode
        body = urlencode({"grant_type": "password", "username": u, "password": p})
        requests.post("https://login.salesforce.com/services/oauth2/token", data=body, timeout=10)
        """
    assert found(code) == [("IL501", 4, "high")]


@pytest.mark.parametrize("version", ["'64.0'", "None", "VERSION"])
def test_soap_login_below_65_or_unknown_version_is_only_a_password_login(version):
    code = f"from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t, version={version})\n"
    assert [c for c, _, _ in found(code)] == ["IL501"]


# -- IL504 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["", "abc", "changeme", "CHANGE_ME", "xxxxxxxx", "********", "<password>", "${SF_PASSWORD}", "{{ vault_password }}",
     "{password}", "%(password)s", "your-password", "YOUR_SECRET_HERE", "dummy-secret", "example123", "password123",
     "Password", "SF_PASSWORD", "salesforce.password", "Enter your password", "aaaaaaaa", "REDACTED", "placeholder",
     "required", "postgres", "Hidden", "string", "api_key", "test_token", "sdk-secret-do-not-use"],
)  # fmt: skip
def test_placeholders_are_not_secrets(value):
    assert not looks_like_secret(value, "password")


@pytest.mark.parametrize("value", ["Winter2024!", "Xq4TzV8mRk2LwP7nB3sYd9Fh", "00D5e000000AbCd!AQ4AQFh8hPq", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"])
def test_real_looking_values_are_secrets(value):
    assert looks_like_secret(value, "password")


def test_values_read_at_run_time_are_not_secrets():
    code = """\
        import os
        import boto3
        import hvac
        from django.conf import settings
        from simple_salesforce import Salesforce
        vault = hvac.Client(url=VAULT_URL)
        key = vault.secrets.kv.read_secret_version(path="sf")["data"]["data"]["private_key"]
        secret = boto3.client("secretsmanager").get_secret_value(SecretId="sf/client")["SecretString"]
        sf = Salesforce(username=os.environ["SF_USER"], consumer_key=settings.SF_KEY, privatekey=key)
        token = requests.post(URL, data={"client_secret": secret, "refresh_token": os.getenv("SF_REFRESH")}, timeout=10)
        """
    assert [c for c, _, _ in found(code)] == []


def test_a_literal_default_is_reported_at_the_parameter_not_where_it_is_passed_on():
    code = """\
        from simple_salesforce import Salesforce
        def connect(user, password="Tr0ub4dor&3", security_token=None):
            return Salesforce(username=user, password=password, security_token=security_token)
        """
    assert [(c, line) for c, line, _ in found(code) if c == "IL504"] == [("IL504", 2)]


def test_messages_never_repeat_the_secret():
    code = "connect(client_secret='8A1D7E0F2C4B6A9D')\nHEADERS = {'Authorization': 'Bearer 00D5e000000AbCd!AQ4AQFh8hPq'}\n"
    texts = messages(code)
    assert len(texts) == 2 and not any("8A1D7E0F" in text or "AQ4AQ" in text for text in texts)


# -- IL505 -------------------------------------------------------------------------------


def test_plaintext_traps():
    code = """\
        import requests
        import httpx
        for url in ("http://localhost/a", "http://LOCALHOST:8000", "http://127.0.0.1/", "http://[::1]:80/", "http://0.0.0.0/", "http://api.localhost/"):
            requests.get(url, timeout=1)
        requests.get("http://localhost:8080/health", timeout=1)
        requests.get("http://169.254.169.254/latest/meta-data/", timeout=1)
        requests.post("http://www.w3.org/2001/XMLSchema", timeout=1)
        requests.get("http://service.test/ping", timeout=1)
        envelope = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>'
        requests.post("https://acme.my.salesforce.com/services/Soap/u/61.0", data=envelope, timeout=1)
        if url == "http://erp.acme.com" or url.startswith("http://"):
            url = url.replace("http://", "https://")
        httpx.get(url.replace("https://", "http://"), timeout=1)
        httpx.get(f"http://{HOST}/api", timeout=1)
        """
    assert found(code) == []


def test_plaintext_url_built_from_module_constants():
    code = """\
        import requests
        ERP = "http://erp.acme.com"
        BASE = ERP + "/api"
        class Client:
            def __init__(self):
                self.http = requests.Session()
            def orders(self):
                return self.http.request("GET", f"{BASE}/orders", timeout=10)
        """
    assert messages(code) == [
        f"`self.http.request` sends its request to `http://erp.acme.com/api/orders` {PLAINTEXT_RISK}; use `https://erp.acme.com/api/orders`."
    ]


# -- IL506 -------------------------------------------------------------------------------


def test_tls_checks_turned_off_on_sessions_contexts_and_the_global_default():
    code = """\
        import ssl
        import requests
        from simple_salesforce import Salesforce
        sf = Salesforce(instance_url=url, session_id=sid)
        sf.session.verify = False
        ssl._create_default_https_context = ssl._create_unverified_context
        requests.Session().get(url, verify=False, timeout=5)
        """
    assert [(c, line) for c, line, _ in found(code)] == [("IL506", 5), ("IL506", 6), ("IL506", 7)]


def test_tls_message_names_the_argument_without_the_layout_after_it():
    code = """\
        import requests
        response = requests.post(
            soap_url, body, headers=headers,verify=False, 
            timeout=30)
        """
    assert messages(code) == [f"`requests.post` passes `verify=False`, which turns off certificate checks, {TLS_RISK}; remove it."]


def test_tls_traps():
    code = """\
        import ssl
        import urllib3
        import requests
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        requests.get(url, verify=CA_BUNDLE, timeout=5)
        requests.get(url, verify=os.environ.get("VERIFY", True), timeout=5)
        ctx = ssl.create_default_context()
        assert ctx.check_hostname is not False and ctx.verify_mode != ssl.CERT_NONE
        schema.load(data, verify=False)
        def connect(verify=False):
            return requests.get(url, verify=verify, timeout=5)
        """
    assert found(code) == []


# -- IL507 -------------------------------------------------------------------------------


def test_case_checksum_matches_salesforce():
    assert case_checksum("001A0000006Vm9r") == "IAC"
    assert record_object("001A0000006Vm9rIAC") == "Account"
    assert record_object("001A0000006Vm9rIAD") is None  # wrong checksum: not an id


@pytest.mark.parametrize(
    "text",
    ["0123456789abcde", "001234567890123", "a0X5e000001AbCd", "0015e00000AbCdEAAA", "003ABCDEFGHIJKL", "5005e00000AbCd", "hello-world-abc"],
)
def test_strings_that_are_not_record_ids(text):
    assert record_object(text) is None


def test_record_ids_in_data_positions_and_soql_but_not_in_docs():
    code = """\
        '''Routes cases; the default queue used to be 00G5e000004Tq1REAS.'''
        QUEUES = ["00G5e000004Tq1REAS", "00G5e000004AbCdEAK"]
        def route(case):
            \"\"\"Falls back to 0055e00000Kq7LmAAJ.\"\"\"
            # 0055e00000Kq7LmAAJ is Jane's user
            if case["OwnerId"] in ("0055e00000Kq7LmAAJ",):
                return sf.query("SELECT Id FROM Case WHERE AccountId IN ('0015e00000AbCdEAAV', '0015e00000AbCdEAAV')")
            log.info("routing %s", case["Id"])
        """
    assert [(c, line) for c, line, _ in found(code)] == [("IL507", 2), ("IL507", 2), ("IL507", 6), ("IL507", 7)]
    assert messages(code)[-1].startswith("This SOQL filters on the hard-coded Account record id `0015e00000AbCdEAAV` (and 1 more);")


# -- IL508 -------------------------------------------------------------------------------

CLIENT = "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=sid)\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Where the value comes from decides the confidence.
        ("def f(name):\n    sf.query(f\"SELECT Id FROM Account WHERE Name = '{name}'\")\n", [("IL508", 4, "high")]),
        ("def f(row):\n    sf.query(f\"SELECT Id FROM Account WHERE Name = '{row['name']}'\")\n", [("IL508", 4, "high")]),
        ("def f(payload):\n    sf.query(f\"SELECT Id FROM Account WHERE Name = '{payload.get('name')}'\")\n", [("IL508", 4, "high")]),
        ("import sys\nsf.query(\"SELECT Id FROM Account WHERE Name = '\" + sys.argv[1] + \"'\")\n", [("IL508", 4, "high")]),
        ("def f(name):\n    clean = name.strip().lower()\n    sf.query(f\"SELECT Id FROM Account WHERE Name = '{clean}'\")\n", [("IL508", 5, "high")]),
        ("def f(name):\n    part = \"Name = '{}'\".format(name)\n    sf.query('SELECT Id FROM Account WHERE ' + part)\n", [("IL508", 5, "high")]),
        ("def f(name):\n    sf.query('SELECT Id FROM Account ' f\"WHERE Name = '{name}'\")\n", [("IL508", 4, "high")]),
        # Numbers and unknown locals: uncertain.
        ("def f(days: int):\n    sf.query(f'SELECT Id FROM Task WHERE CreatedDate = LAST_N_DAYS:{days}')\n", [("IL508", 4, "medium")]),
        ("def f(ids):\n    sf.query(f'SELECT Id FROM Account LIMIT {len(ids)}')\n", [("IL508", 4, "medium")]),
        ("name = lookup()\nsf.query(f\"SELECT Id FROM Account WHERE Name = '{name}'\")\n", [("IL508", 4, "medium")]),
        # Safe: format_soql, constants, dates, field lists.
        ("from simple_salesforce import format_soql\ndef f(name):\n    sf.query(format_soql('SELECT Id FROM Account WHERE Name = {}', name))\n", []),
        ("STATUS = 'Open'\nsf.query(f\"SELECT Id FROM Case WHERE Status = '{STATUS}'\")\n", []),
        ("sf.query('SELECT Id FROM Case ' + 'WHERE IsClosed = false')\n", []),
        ("def f(since):\n    sf.query(f'SELECT Id FROM Case WHERE CreatedDate > {since.isoformat()}')\n", []),
        ("def f(obj, fields):\n    sf.query_all(f\"SELECT {','.join(fields)} FROM {obj}\")\n", []),
        ("def f(name):\n    sf.query(f\"SELECT Id FROM Account WHERE Name = '{escape_soql(name)}'\")\n", []),
        ("def f(name):\n    sf.query(f\"SELECT Id FROM Account WHERE Name = '{name.replace(chr(39), '')}'\")\n", [("IL508", 4, "high")]),
        ("def f(name):\n    safe = name.replace(\"'\", \"\\\\'\")\n    sf.query(f\"SELECT Id FROM Account WHERE Name = '{safe}'\")\n", []),
        # A quote that closes the previous value does not make the next piece a value.
        ("def f(ps_id, extra):\n    sf.query(f\"SELECT COUNT(Id) FROM ObjectPermissions WHERE ParentId = '{ps_id}' {extra}\")\n", [("IL508", 4, "high")]),
        ("def f(name):\n    print(f\"SELECT Id FROM Account WHERE Name = '{name}'\")\n", []),
        # Record ids Salesforce generated (a create result's `id`, `Id`) hold no quote; a lookup-like name is
        # uncertain (a row from another system may name anything so); other fields may hold a quote.
        ("def f(photo):\n    result = sf.ContentVersion.create(photo)\n    version_id = result['id']\n"
         "    sf.query(f\"SELECT ContentDocumentId FROM ContentVersion WHERE Id = '{version_id}'\")\n", []),
        ("def f(row):\n    sf.query(f\"SELECT Id FROM Contact WHERE AccountId = '{row.get('AccountId')}'\")\n", [("IL508", 4, "medium")]),
        ("def f(row):\n    sf.query(f\"SELECT Id FROM Contact WHERE Ext__c = '{row['External_Id__c']}'\")\n", [("IL508", 4, "high")]),
        ("from flask import request\nsf.query(f\"SELECT Name FROM Account WHERE Id = '{request.json['Id']}'\")\n", [("IL508", 4, "high")]),
        # A local named like the web request holds what it was given: here a record, whose own Id is Salesforce's.
        ("def f(res):\n    request = res['records'][0]\n    sf.query(f\"SELECT Message FROM RequestError WHERE ParentRequestId = '{request['Id']}'\")\n", []),
        ("from flask import request\ndef f():\n    req = request.get_json()\n    sf.query(f\"SELECT Id FROM Case WHERE Id = '{req['Id']}'\")\n", [("IL508", 6, "high")]),
        ("def view(request):\n    sf.query(f\"SELECT Id FROM Case WHERE Subject = '{request.GET['q']}'\")\n", [("IL508", 4, "high")]),
        ("class Poll:\n    def check(self, res):\n        request = res['records'][0]\n        self.version_id = request['Package2VersionId']\n"
         "    def report(self):\n        sf.query(f\"SELECT Id FROM Package2Version WHERE Id = '{self.version_id}'\")\n", [("IL508", 8, "medium")]),
    ],
)
def test_soql_injection_sources(body, expected):
    assert found(CLIENT + body) == expected


def test_soql_injection_through_a_local_name_built_in_steps():
    code = CLIENT + """\
def f(email, status):
    where = f"WHERE Email = '{email}'"
    soql = "SELECT Id FROM Contact " + where
    return sf.query_all_iter(soql)
"""
    assert found(code) == [("IL508", 6, "high")]


def test_the_message_names_the_least_trusted_value():
    code = CLIENT + "def f(name, n: int):\n    sf.query(f\"SELECT Id FROM Account WHERE Id = '{n}' AND Name = '{name}'\")\n"
    assert messages(code)[0].startswith("`sf.query` runs a query built with an f-string from `name` (a function parameter),")


def test_request_data_in_a_field_list_is_still_injection():
    code = CLIENT + "from flask import request\nsf.query(f\"SELECT {request.args['fields']} FROM Account\")\n"
    assert found(code) == [("IL508", 4, "high")]


def test_sosl_search_gets_an_escaping_fix():
    code = CLIENT + "def f(term):\n    return sf.search(f'FIND {{{term}}} IN ALL FIELDS RETURNING Account(Id)')\n"
    assert found(code) == [("IL508", 4, "high")]
    assert "escape SOSL's reserved characters" in messages(code)[0]


# -- IL509 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "severity"),
    [("20.0", Severity.ERROR), ("30.0", Severity.ERROR), ("31.0", Severity.WARNING), ("40.0", Severity.WARNING), ("41.0", Severity.NOTE), ("49.0", Severity.NOTE), ("50.0", None), ("62.0", None)],
)
def test_api_version_severity_bands(version, severity):
    code = f"from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=sid, version='{version}')\n"
    findings = [f for f in lint_snippet(code).findings if f.code == "IL509"]
    assert [f.severity for f in findings] == ([severity] if severity else [])


def test_min_api_version_option_moves_the_note_line():
    options = settings_for().options | {"min-api-version": 58.0}
    code = "import requests\nrequests.get(f'{base}/services/data/v55.0/limits', timeout=10)\n"
    assert messages(code, options=options) == [
        "API version 55.0 in the URL path `/services/data/v55.0/` is older than this project's minimum of 58.0 (`min-api-version`); move to API version 58.0 or later and test the calls against it."
    ]
    assert messages(code) == []


def test_version_settings_count_only_in_salesforce_code():
    other_api = "import facebook\nAPI_VERSION = 'v17.0'\nclient = facebook.GraphAPI(api_version='16.0')\n"
    assert messages(other_api) == []
    assert [line for _, line, _ in found("SF_API_VERSION = '45.0'\n")] == [1]
    assert [line for _, line, _ in found("# Salesforce export settings\nAPI_VERSION = '45.0'\n")] == [2]
    assert [line for _, line, _ in found("# Salesforce SOAP session\nclass SfdcSession(Session):\n    _DEFAULT_API_VERSION = '37.0'\n    __sf_version = '29.0'\n")] == [3, 4]


def test_a_version_parameters_literal_default_and_a_dict_entry_are_settings():
    code = """\
        # Salesforce Bulk API client
        SETTINGS = dict(api_version="27.0", sandbox=False)


        class BulkClient:
            def __init__(self, session_id, instance, api_version="37.0", sf_version=DEFAULT_VERSION):
                self.endpoint = f"https://{instance}/services/async/{api_version}/job"
        """
    assert messages(code) == [
        "API version 27.0 set in the `api_version` entry is retired, so every call with it fails; move to API version 50.0 or later and test the calls against it.",
        "API version 37.0 given as the default of parameter `api_version` retires in Summer '28 with every version from 31.0 to 40.0, "
        "and calls with it will then fail; move to API version 50.0 or later and test the calls against it.",
    ]


def test_sample_api_records_are_not_hard_coded_ids_or_versions():
    code = """\
        SAMPLE_RESPONSE = {
            "totalSize": 1,
            "records": [
                {
                    "attributes": {"type": "Account", "url": "/services/data/v33.0/sobjects/Account/001A0000006Vm9rIAC"},
                    "Id": "001A0000006Vm9rIAC",
                    "Name": "Acme",
                },
            ],
        }
        """
    assert found(code) == []


def test_a_version_constant_is_reported_once_where_it_is_set():
    code = """\
        from simple_salesforce import Salesforce, SFType
        API_VERSION = "33.0"
        sf = Salesforce(instance_url=url, session_id=sid, version=API_VERSION)
        contacts = SFType("Contact", sid, host, sf_version=API_VERSION)
        V = 28.0
        old = Salesforce(instance_url=url, session_id=sid, version=V)
        bulk = Bulk(api_version=API_VERSION)
        DEFAULT_API_VERSION = "29.0"
        class Client:
            def __init__(self, session_id, version=DEFAULT_API_VERSION):
                self.sf_version = version  # the caller's version: the default is reported where it is set
        """
    findings = [(f.code, f.span.start_line, f.severity) for f in lint_snippet(code).findings if f.code == "IL509"]
    assert findings == [("IL509", 2, Severity.WARNING), ("IL509", 6, Severity.ERROR), ("IL509", 8, Severity.ERROR)]


def test_confidence_is_high_for_typed_clients():
    assert all(c == Confidence.HIGH.value for _, _, c in found(LOGIN_WITH_SECRETS, "fixtures/login.py"))


# -- IL503 -------------------------------------------------------------------------------


def test_flask_api_logs_in_per_request_through_a_factory_and_in_a_route():
    assert fixture_findings("lead_capture_api.py") == [
        ("IL503", 22, f"`Salesforce(...)` in `salesforce` logs in on every call, and the route `capture_lead` calls `salesforce` on every request, {NEW_SESSION.format(unit='request')}; {CLIENT_FIX}"),
        ("IL503", 49, f"`Salesforce(...)` logs in on every request in the route `lead_status`, {NEW_SESSION.format(unit='request')}; {CLIENT_FIX}"),
        # The sign-in route logs each user in with their own password: IL501's concern, not a repeated login.
        ("IL501", 58, f"`Salesforce(...)` logs in with username, password and security token (SOAP `login()`), {SOAP_DRAWBACKS}; {JWT_FIX}"),
    ]


def test_sync_job_logs_in_per_record_and_requests_a_token_per_account():
    assert fixture_findings("contact_enrichment_job.py") == [
        ("IL503", 38, f"`Salesforce(...)` in `enrich_contact` logs in on every call, and the loop on line 70 calls `enrich_contact` once per pass, {NEW_SESSION.format(unit='pass')}; {CLIENT_FIX}"),
        ("IL503", 48, f"`requests.post` requests a new OAuth token on every pass of the loop on line 47, {NEW_SESSION.format(unit='pass')}; {TOKEN_FIX}"),
    ]


def test_celery_task_handed_each_event_requests_a_token_per_event():
    assert fixture_findings("pubsub_order_sync_tasks.py") == [
        ("IL503", 27, "`requests.post` requests a new OAuth token in the Celery task `sync_order` (handed off per event by the Pub/Sub API "
         f"subscription `for response in stub.Subscribe(fetch, metadata=metadata)`), once per event, {NEW_SESSION.format(unit='event')}; {TOKEN_FIX}"),
    ]  # fmt: skip


def login_findings(code: str, path: str = "sync/job.py") -> list[tuple[int, str]]:
    return [(f.span.start_line, f.message) for f in lint_snippet(code, path).findings if f.code == "IL503"]


def test_a_soap_login_per_record_names_the_hourly_limit():
    code = """\
        from simple_salesforce import SalesforceLogin
        def sessions(rows):
            for row in rows:
                session_id, instance = SalesforceLogin(username=USER, password=PASSWORD, security_token=TOKEN)
                push(session_id, instance, row)
        """
    assert login_findings(code) == [
        (4, f"`SalesforceLogin(...)` logs in on every pass of the loop on line 3, {NEW_SESSION.format(unit='pass')} {SOAP_LIMIT}; "
            "log in once (at module level, or in a function cached with `functools.lru_cache`) and reuse the session id."),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "code",
    [
        # The loop picks the org: one login per org.
        "from simple_salesforce import Salesforce\n"
        "def export_all(orgs):\n"
        "    for name in orgs:\n"
        "        config = orgs[name]\n"
        "        export(Salesforce(username=config['user'], consumer_key=config['key'], privatekey_file=config['pem']))\n",
        # Each caller hands in its own credentials.
        "from simple_salesforce import Salesforce\n"
        "def connect(org):\n"
        "    return Salesforce(username=org.user, consumer_key=org.key, privatekey_file=org.pem)\n"
        "def export_all(orgs):\n"
        "    for org in orgs:\n"
        "        export(connect(org))\n",
        # Logs in again only when the API answers 401.
        "import requests\n"
        "class Api:\n"
        "    def refresh(self):\n"
        "        self.token = requests.post(f'{LOGIN}/services/oauth2/token', data={'grant_type': 'client_credentials'}, timeout=5).json()\n"
        "    def push_all(self, rows):\n"
        "        for row in rows:\n"
        "            if requests.post(URL, json=row, timeout=5).status_code == 401:\n"
        "                self.refresh()\n",
        # Memoised with try/except, with a walrus check, and through `or`.
        "from simple_salesforce import Salesforce\n"
        "_clients = {}\n"
        "class Desk:\n"
        "    def sf(self):\n"
        "        try:\n"
        "            return self._sf\n"
        "        except AttributeError:\n"
        "            self._sf = Salesforce(username=U, consumer_key=K, privatekey_file=P)\n"
        "            return self._sf\n"
        "    def run(self, rows):\n"
        "        for row in rows:\n"
        "            self.sf().Contact.create(row)\n"
        "def client(org):\n"
        "    if (sf := _clients.get(org)) is None:\n"
        "        sf = _clients[org] = Salesforce(username=U, consumer_key=K, privatekey_file=P)\n"
        "    return sf\n"
        "def lazy(rows):\n"
        "    for row in rows:\n"
        "        (_clients.get('default') or Salesforce(username=U, consumer_key=K, privatekey_file=P)).Contact.create(row)\n",
        # A periodic Celery task logs in once per run, not per event.
        "from celery import shared_task\nfrom simple_salesforce import Salesforce\n"
        "@shared_task\n"
        "def nightly():\n"
        "    sf = Salesforce(username=U, consumer_key=K, privatekey_file=P)\n"
        "    sf.bulk2.Contact.upsert(EXPORT, external_id_field='Email__c')\n",
        # Another identity provider's token endpoint, and a login in a loop over two literal domains.
        "import requests\nfrom simple_salesforce import Salesforce\n"
        "def run(rows):\n"
        "    for row in rows:\n"
        "        requests.post('https://idp.acme.com/oauth/token', data={'grant_type': 'client_credentials'}, timeout=5)\n"
        "for domain in ('login', 'test'):\n"
        "    Salesforce(username=U, consumer_key=K, privatekey_file=P, domain=domain)\n",
        # A Django view logging in the user who sent the request.
        "from django.views.decorators.http import require_POST\nfrom simple_salesforce import Salesforce\n"
        "@require_POST\n"
        "def connect(request):\n"
        "    return Salesforce(username=request.user.sf_username, consumer_key=K, privatekey_file=P).session_id\n",
    ],
)
def test_logins_that_are_kept_or_meant_to_repeat_are_not_flagged(code):
    assert login_findings(code) == []


def test_a_request_scoped_cache_still_logs_in_per_request():
    code = """\
        from flask import Flask, g
        from simple_salesforce import Salesforce
        app = Flask(__name__)
        def salesforce():
            if "sf" not in g:
                g.sf = Salesforce(username=U, consumer_key=K, privatekey_file=P)
            return g.sf
        @app.get("/accounts")
        def accounts():
            return salesforce().query("SELECT Id FROM Account")
        """
    assert [line for line, _ in login_findings(code)] == [6]


def test_a_worker_loop_logs_in_per_message_but_a_poller_that_sleeps_does_not():
    code = """\
        import time
        from simple_salesforce import Salesforce
        def work(queue):
            while True:
                message = queue.get()
                Salesforce(username=U, consumer_key=K, privatekey_file=P).Case.create(message)
        def poll():
            while True:
                sync(Salesforce(username=U, consumer_key=K, privatekey_file=P))
                time.sleep(600)
        """
    assert [line for line, _ in login_findings(code)] == [6]


def test_the_login_in_a_nested_loop_is_judged_by_the_loop_over_records():
    code = """\
        from simple_salesforce import Salesforce
        def fan_out(rows, orgs):
            for row in rows:
                for org in orgs:
                    Salesforce(username=org.user, consumer_key=org.key, privatekey_file=org.pem).Contact.create(row)
        """
    assert login_findings(code) == [
        (5, f"`Salesforce(...)` logs in on every pass of the loop on line 3, {NEW_SESSION.format(unit='pass')}; {CLIENT_FIX}"),
    ]


def test_a_token_post_to_an_unknown_url_counts_in_salesforce_code_with_medium_confidence():
    code = """\
        import os
        import requests
        from flask import Flask, request
        app = Flask(__name__)
        TOKEN_URL = os.environ["SF_TOKEN_URL"]  # the Salesforce login host
        @app.post("/webhook")
        def webhook():
            token = requests.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": CID}, timeout=10).json()
            return forward(token, request.get_json())
        """
    findings = [f for f in lint_snippet(code).findings if f.code == "IL503"]
    assert [(f.span.start_line, f.confidence) for f in findings] == [(8, Confidence.MEDIUM)]
    assert found(code.replace("Salesforce", "identity"), "app/hooks.py") == []


SOAP_LOGIN = """\
    import requests

    ENVELOPE = (
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
        '<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{user}</n1:username>'
        '<n1:password>{password}</n1:password></n1:login></env:Body></env:Envelope>'
    )


    def session_id(user, password):
        body = ENVELOPE.format(user=user, password=password)
        reply = requests.post(f"{LOGIN_URL}/services/Soap/u/{VERSION}", data=body, headers={"SOAPAction": '""'}, timeout=30)
        return reply.text
    """
SOAP_FIX = "request `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` (JWT bearer) or `client_credentials`"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("{VERSION}", []),  # not known here: only a password login
        ("61.0", []),
        ("65.0", [("IL502", 12, f"`requests.post` sends SOAP `login()` to the API version 65.0 endpoint, unavailable from API 65.0, so every login fails; {SOAP_FIX}.")]),
    ],
)
def test_a_soap_login_sent_by_hand_is_a_password_login_and_unavailable_from_65(version, expected):
    code = textwrap.dedent(SOAP_LOGIN).replace("{VERSION}", version, 1)
    password = (
        "IL501",
        12,
        "`requests.post` logs in with username and password (SOAP `login()`), a password login that cannot use MFA, breaks when "
        f"the password is reset, and is unavailable from API 65.0; {SOAP_FIX}.",
    )
    findings = [(f.code, f.span.start_line, f.message) for f in lint_snippet(code, "sync/login.py").findings if f.code in ("IL501", "IL502")]
    assert findings == [password, *expected]


def test_other_soap_calls_and_envelopes_posted_elsewhere_are_not_logins():
    query = textwrap.dedent(SOAP_LOGIN).replace('<n1:login xmlns:n1="urn:partner.soap.sforce.com">', "<n1:query>").replace("</n1:login>", "</n1:query>")
    assert found(query, "sync/login.py") == []
    elsewhere = textwrap.dedent(SOAP_LOGIN).replace("/services/Soap/u/", "/ws/login/")  # another system's SOAP service
    assert found(elsewhere, "sync/login.py") == []


def test_a_soap_login_sent_by_hand_per_record_names_the_hourly_limit():
    code = """\
        import requests

        def push(rows):
            for row in rows:
                body = LOGIN_ENVELOPE.format(user=USER, password=PASSWORD)
                reply = requests.post(f"{LOGIN_URL}/services/Soap/u/61.0", data=body, headers={"SOAPAction": "login"}, timeout=30)
                upload(reply.text, row)
        """
    assert login_findings(code) == [
        (6, f"`requests.post` logs in on every pass of the loop on line 4, {NEW_SESSION.format(unit='pass')} {SOAP_LIMIT}; "
            "log in once (at module level, or in a function cached with `functools.lru_cache`) and reuse the session id."),
    ]  # fmt: skip


def test_a_token_or_soap_login_body_passed_second_or_through_urllib_is_read():
    positional = """\
        import requests

        def token(base, user, password):
            params = {"grant_type": "password", "client_id": CLIENT_ID, "username": user, "password": password}
            return requests.post(base + "/services/oauth2/token", params, timeout=10)
        """
    assert found(positional, "sync/login.py") == [("IL501", 5, "high")]
    urllib = """\
        from urllib import parse, request

        def token(user, password):
            body = parse.urlencode({"grant_type": "password", "username": user, "password": password}).encode()
            return request.urlopen(request.Request(LOGIN_URL + "/services/oauth2/token", body), timeout=10)

        def session_id(envelope):
            soap = request.Request(LOGIN_URL + "services/Soap/u/61.0", envelope, method="POST", headers={"SOAPAction": "login"})
            return request.urlopen(soap, timeout=10)
        """
    assert found(urllib, "sync/login.py") == [("IL501", 5, "high"), ("IL501", 8, "high")]


def test_a_bare_ssl_context_checks_nothing_unless_the_module_sets_it_up():
    code = """\
        import ssl
        from urllib import request

        CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS)

        def call(req):
            return request.urlopen(req, timeout=30, context=CONTEXT)
        """
    findings = [(f.code, f.span.start_line, f.confidence.value, f.message) for f in lint_snippet(code, "sync/connection.py").findings if f.code == "IL506"]
    assert findings == [
        ("IL506", 4, "medium", "`ssl.SSLContext(ssl.PROTOCOL_TLS)` builds an SSL context that starts with neither certificate nor host name checks, "
         "and nothing here turns them on, so anyone on the network path can impersonate the endpoint and read the credentials and data it is "
         "sent; use `ssl.create_default_context()` (with `cafile=` for a private CA)."),
    ]  # fmt: skip
    checked = textwrap.dedent(code).replace("CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS)", "CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS)\nCONTEXT.verify_mode = ssl.CERT_REQUIRED")
    assert found(checked, "sync/connection.py") == []


def test_a_soap_login_envelope_joined_from_parts_is_read():
    code = """\
        import requests

        def session_id(user, password):
            envelope = "".join([
                '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>',
                '<login xmlns="urn:partner.soap.sforce.com">',
                f"<username>{user}</username><password>{password}</password>",
                "</login></env:Body></env:Envelope>",
            ])
            return requests.post(LOGIN_URL + "/services/Soap/u/61.0", data=envelope, headers={"Content-Type": "text/xml"}, timeout=30)
        """
    assert found(code, "sync/login.py") == [("IL501", 10, "high")]
    assert found(code.replace('"".join([', '"".join(PARTS + [', 1), "sync/login.py") == []  # not written out: unknown


def test_a_version_constant_used_as_a_default_or_an_entry_is_reported_once_where_it_is_set():
    code = """\
        from simple_salesforce import Salesforce

        SF_API_VERSION = "45.0"

        def connect(api_version=SF_API_VERSION):
            return Salesforce(instance_url=URL, session_id=SID, version=api_version)

        CONFIG = {"api_version": SF_API_VERSION, "domain": "login"}
        OTHER = dict(api_version=SF_API_VERSION)
        """
    assert [(code, line) for code, line, _ in found(code)] == [("IL509", 3)]


def test_a_v_prefixed_version_setting_is_salesforces_where_the_module_builds_its_api_paths():
    graph = """\
        import requests
        from simple_salesforce import Salesforce

        def fetch_leads(form_id, token, api_version="v18.0"):
            return requests.get(f"https://graph.facebook.com/{api_version}/{form_id}/leads", params={"access_token": token}, timeout=30)
        """
    assert found(graph) == []
    rest = """\
        import requests

        API_VERSION = "v29.0"

        def limits(instance, token):
            return requests.get(f"{instance}/services/data/{API_VERSION}/limits", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        """
    assert [(code, line) for code, line, _ in found(rest)] == [("IL509", 3)]
