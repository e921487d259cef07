"""The shipped fixtures: every expected finding (code, line, message) and silence on clean modules."""

from __future__ import annotations

import pytest

from lint.engine import lint_source
from lint.rules import load_registry
from tests.conftest import FIXTURES, settings_for


def findings_in(name: str) -> list[tuple[str, int, int, str]]:
    registry = load_registry()
    settings = settings_for(FIXTURES)
    path = FIXTURES / "python" / name
    outcome = lint_source(f"python/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings, registry)
    return [(f.code, f.span.start_line, f.span.start_column, f.message) for f in outcome.findings]


def test_order_push_job_misses_three_timeouts_and_creates_one_order_per_pass_instead_of_upserting():
    assert findings_in("order_push_job.py") == [
        ("IL401", 21, 16, "`requests.post` has no `timeout=`: requests waits forever by default, so a stalled endpoint hangs this worker."),
        ("IL401", 34, 12, "`erp.get` has no `timeout=`: requests waits forever by default, so a stalled endpoint hangs this worker."),
        ("IL101", 46, 20, "`self.http.post` POSTs to `sobjects/Order__c/`, which inserts a new Order__c on every call, so a retry or re-run duplicates it; upsert on an External ID instead: PATCH `sobjects/Order__c/External_Id__c/<value>`."),
        ("IL201", 46, 20, "`self.http.post` (POST `sobjects/Order__c/`) runs once per item of `confirmed_orders(erp)` (loop at line 54 calls `OrderPublisher.publish`); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.Order__c.insert`) above 2,000 rows."),
        ("IL401", 46, 20, "`self.http.post` has no `timeout=`: requests waits forever by default, so a stalled endpoint hangs this worker."),
        ("IL402", 46, 20, "`self.http.post` is the only Salesforce/HTTP write this module sends, and nothing here retries it: no tenacity/backoff decorator, no retry loop, no urllib3 `Retry` on the session, so a timeout or a 503 loses the write until someone re-runs the job; retry transient failures a few times with backoff, e.g. `@retry(stop=stop_after_attempt(5), wait=wait_exponential(max=30))` on `publish`."),
    ]


def test_nightly_contact_push_writes_per_row_through_a_client_built_in_another_module():
    assert findings_in("nightly_contact_push.py") == [
        ("IL101", 16, 13, "`sf.Contact.create` inserts a new Contact on every run, so a retry or re-run duplicates it; upsert on an External ID instead: `sf.Contact.upsert('Shop_Customer_Id__c/' + customer[\"id\"], data)`."),
        ("IL201", 16, 13, "`sf.Contact.create` runs once per item of `csv.DictReader(export)` (loop at line 15); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.Contact.insert`) above 2,000 rows."),
        ("IL205", 16, 13, "`sf.Contact.create` pushes the CSV rows `csv.DictReader(export)` through the REST API (loop at line 15); a set that can exceed 2,000 records belongs in Bulk API 2.0 (`sf.bulk2.Contact.insert`), which loads it in one asynchronous job."),
    ]


def test_mcp_tools_block_the_loop_wait_without_timeout_and_build_soql_from_their_arguments_through_a_desk_built_at_start_up():
    assert findings_in("case_assistant_mcp.py") == [
        ("IL203", 32, 12, '`desk.sf.query` returns one batch of at most 2,000 records, and `desk.sf.query(soql)["records"]` is read without checking `done` or following `nextRecordsUrl`; records past the first batch are silently dropped, so use `desk.sf.query_all_iter(...)`, which follows `nextRecordsUrl` for you.'),
        ("IL304", 32, 12, "`desk.sf.query` (simple_salesforce) makes a blocking request and stalls the event loop in `async def open_cases`: every other coroutine waits until it returns; use `await asyncio.to_thread(desk.sf.query, ...)`."),
        ("IL508", 32, 12, "`desk.sf.query` runs a query built with an f-string from `account_id` (a function parameter), so a value containing a quote can rewrite the query (SOQL injection); pass each value to `format_soql('SELECT Id, CaseNumber, Subject FROM Case WHERE AccountId = {} AND IsClosed = false', account_id)`, which quotes and escapes it."),
        ("IL304", 38, 14, "`desk.sf.Task.create` (simple_salesforce) makes a blocking request and stalls the event loop in `async def log_call`: every other coroutine waits until it returns; use `await asyncio.to_thread(desk.sf.Task.create, ...)`."),
        ("IL401", 38, 14, "`desk.sf.Task.create` cannot take a timeout (SFType writes pass none to requests), and its client comes from `Salesforce(...)` built without `session=`, so a stalled Salesforce call hangs this worker; build the client with a session whose adapter sets a default timeout."),
    ]


def test_contact_sync_client_is_clean():
    assert findings_in("contact_sync_client.py") == []


def test_python2_script_is_a_parse_error_at_the_print_statement():
    assert findings_in("legacy_lead_import.py") == [
        ("IL001", 5, 5, "Python syntax error: Missing parentheses in call to 'print'. Did you mean print(...)?"),
    ]


CLEAN_MODULES = [
    "account_change_webhook.py",
    "clean_bulk2_loader.py",
    "contact_sync_client.py",
    "crm_session.py",
    "erp_writeback_done_right.py",
    "invoice_payment_stream.py",
    "order_sync_done_right.py",
    "pubsub_order_replicator.py",
    "resilient_account_client.py",
    "secure_account_service.py",
]


@pytest.mark.parametrize("name", CLEAN_MODULES)
def test_modules_that_do_it_right_are_clean_under_every_rule(name):
    assert findings_in(name) == []
