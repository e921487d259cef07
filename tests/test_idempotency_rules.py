"""IL101–IL104 on whole modules written the way teams write them, and on the forms the rules must read."""

from __future__ import annotations

from lint.engine import lint_source
from lint.rules import load_registry
from tests.conftest import FIXTURES, lint_snippet, settings_for

NO_KEY = (
    " but carries no idempotency key, so an attempt that timed out after the server acted is acted on again; "
    "send a key made once per message, outside the retry, e.g. `headers={'Idempotency-Key': key}` with `key = str(uuid.uuid4())`."
)
SAME_OBJECT_ID = ": a row with no Salesforce Id yet is inserted as a new record on every run, so re-runs duplicate it; key it on an External ID field of "
PUBSUB_UNCHECKED = (
    "and nothing there checks the event's `replay_id` or EventUuid (`event.id`), so a redelivered or replayed event is written twice; "
    "record the replay ID (or EventUuid) of each handled event and skip ones already seen, or make the write an upsert on an External ID."
)
SUBSCRIPTION = "`ship` (called per event by the Pub/Sub API subscription `for response in self.stub.Subscribe(...)`)"


def idempotency_findings(name: str) -> list[tuple[str, int, int, str]]:
    """IL1xx findings of a fixture module, with every rule enabled (as users run it)."""
    registry = load_registry()
    path = FIXTURES / "python" / name
    outcome = lint_source(f"python/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    assert outcome.error is None
    return [(f.code, f.span.start_line, f.span.start_column, f.message) for f in outcome.findings if f.code.startswith("IL1")]


def snippet_findings(code: str, **overrides) -> list[tuple[str, int, str]]:
    return [(f.code, f.span.start_line, f.message) for f in lint_snippet(code, **overrides).findings if f.code.startswith("IL1")]


# -- fixtures --------------------------------------------------------------------------


def test_account_sync_job():
    assert idempotency_findings("account_sync_job.py") == [
        ("IL102", 25, 15, "`sf.bulk2.Account.upsert` has no `external_id_field`, so it matches rows on `Id` (the default)" + SAME_OBJECT_ID + "Account, e.g. `External_Id__c`."),
        (
            "IL101",
            30,
            5,
            "`sf.bulk2.Export_Log__c.insert` loads every row as a new Export_Log__c, so re-running the load duplicates them; "
            "upsert on an External ID instead: `sf.bulk2.Export_Log__c.upsert(..., external_id_field='External_Id__c')`.",
        ),
        (
            "IL101",
            45,
            5,
            "`sf.Case.create` inserts a new Case on every run, so a retry or re-run duplicates it; "
            "upsert on an External ID instead: `sf.Case.upsert('ERP_Customer_Id__c/' + customer[\"id\"], data)`.",
        ),
        ("IL102", 60, 5, "`sf.bulk.Contact.upsert` matches rows on `Id`" + SAME_OBJECT_ID + "Contact, e.g. `External_Id__c`."),
    ]


def test_celery_order_tasks():
    assert idempotency_findings("celery_order_tasks.py") == [
        (
            "IL101",
            30,
            14,
            "`sf.Order__c.create` inserts a new Order__c on every run, so a retry or re-run duplicates it; "
            "upsert on an External ID instead: `sf.Order__c.upsert('Shop_Order_Number__c/' + order[\"number\"], data)`.",
        ),
        ("IL103", 43, 16, "`requests.post` is retried by `@warehouse_retry` on `reserve_stock`" + NO_KEY),
        ("IL103", 59, 16, "`requests.post` is retried by `@shared_task(...)` on `request_pick`" + NO_KEY),
    ]


def test_outbound_message_receiver_flags_only_the_route_without_dedupe():
    assert idempotency_findings("outbound_message_receiver.py") == [
        (
            "IL104",
            37,
            9,
            "`db.execute` runs an INSERT for every message in the outbound message route `opportunity_won`, and nothing there checks "
            "the notification `Id` (resent unchanged until acknowledged), so a redelivered or replayed message is written twice; "
            "record each notification `Id` and skip ones already handled, or make the write an upsert on an External ID.",
        ),
    ]


def test_pubsub_subscriber_class():
    assert idempotency_findings("pubsub_shipment_subscriber.py") == [
        (
            "IL101",
            49,
            9,
            "`self.sf.Shipment__c.create` inserts a new Shipment__c on every run, so a retry or re-run duplicates it; "
            "upsert on an External ID instead: `self.sf.Shipment__c.upsert('External_Id__c/' + key, data)`.",
        ),
        ("IL104", 49, 9, f"`self.sf.Shipment__c.create` inserts a Shipment__c for every event in {SUBSCRIPTION}, {PUBSUB_UNCHECKED}"),
        ("IL104", 50, 9, f"`requests.post` POSTs for every event in {SUBSCRIPTION}, {PUBSUB_UNCHECKED}"),
    ]


def test_pubsub_callback_listener():
    assert idempotency_findings("pubsub_callback_listener.py") == [
        ("IL104", 25, 13, f"`cur.execute` runs an INSERT for every event in the subscription callback `process_order`, {PUBSUB_UNCHECKED}"),
    ]


def test_erp_client_retries_through_adapter_decorator_and_loop():
    assert idempotency_findings("erp_client.py") == [
        ("IL103", 37, 20, "`self.session.post` is retried by urllib3 `Retry(...)` mounted on `self.session` (it allows POST)" + NO_KEY),
        ("IL103", 53, 20, "`self.session.patch` is retried by `@tenacity.retry(...)` on `update_credit_limit`" + NO_KEY),
        ("IL103", 59, 28, "`payments.post` is retried by the `for attempt in range(3)` loop" + NO_KEY),
    ]


def test_clean_module_is_silent():
    assert idempotency_findings("order_sync_done_right.py") == []


def test_existing_clean_fixture_stays_silent():
    assert idempotency_findings("contact_sync_client.py") == []


# -- IL101 -----------------------------------------------------------------------------


def test_append_only_objects_option_replaces_the_defaults_but_not_platform_events():
    code = """\
        from simple_salesforce import Salesforce
        sf = Salesforce(instance_url=url, session_id=token)
        sf.Task.create({'Subject': 'Call'})
        sf.Sync_Log__c.create({'Message__c': 'done'})
        sf.Order_Shipped__e.create({'Number__c': n})
        """
    defaults = settings_for().options
    options = {**defaults, "append-only-objects": ("Sync_Log__c",)}
    assert [(code, line) for code, line, _ in snippet_findings(code, options=options)] == [("IL101", 3)]
    assert snippet_findings(code) == [
        (
            "IL101",
            4,
            "`sf.Sync_Log__c.create` inserts a new Sync_Log__c on every run, so a retry or re-run duplicates it; "
            "upsert on an External ID instead: `sf.Sync_Log__c.upsert('External_Id__c/' + key, {'Message__c': 'done'})`.",
        )
    ]


def test_create_through_aliases_getters_and_rest_forms():
    found = snippet_findings(
        """\
        import requests
        import simple_salesforce as ss

        API = "https://acme.my.salesforce.com/services/data/v61.0"

        def client() -> ss.Salesforce:
            return ss.Salesforce(instance_url=url, session_id=token)

        class Loader:
            def __init__(self):
                self.sf = client()

            def push(self, lead):
                self.sf.Lead.create(lead)
                self.sf.restful("sobjects/Lead/", method="POST", json=lead)
                requests.post(API + "/sobjects/Lead", json=lead, timeout=10)
                self.sf.bulk.Lead.insert([lead])
        """
    )
    assert [(code, line) for code, line, _ in found] == [("IL101", 14), ("IL101", 15), ("IL101", 16), ("IL101", 17)]
    assert found[1][2].startswith("`self.sf.restful` POSTs to `sobjects/Lead/`, which inserts a new Lead on every call")
    assert found[3][2].endswith("upsert on an External ID instead: `self.sf.bulk.Lead.upsert([lead], 'External_Id__c')`.")


def test_lookup_guards_count_only_before_the_create_and_for_the_same_object():
    found = snippet_findings(
        """\
        from simple_salesforce import Salesforce

        SOQL = "SELECT Id FROM Contact WHERE Email = '{}'"

        class Sync:
            def __init__(self, sf: Salesforce):
                self.sf = Salesforce(instance_url=url, session_id=token)

            def _existing(self, email):
                return self.sf.query(SOQL.format(email))["records"]

            def guarded_by_method(self, person):
                if not self._existing(person["email"]):
                    self.sf.Contact.create(person)

            def guarded_by_constant(self, person):
                if not self.sf.query(SOQL.format(person["email"]))["totalSize"]:
                    self.sf.Contact.create(person)

            def lookup_after(self, person):
                self.sf.Contact.create(person)
                self.sf.query(SOQL.format(person["email"]))
        """
    )
    assert [(code, line) for code, line, _ in found] == [("IL101", 21)]


# -- IL102 -----------------------------------------------------------------------------


def test_upsert_on_id_through_rest_path():
    found = snippet_findings(
        """\
        import requests

        def push(base, record_id, body):
            requests.patch(f"{base}/services/data/v61.0/sobjects/Account/Id/{record_id}", json=body, timeout=10)
            requests.patch(f"{base}/services/data/v61.0/sobjects/Account/ERP_Id__c/{record_id}", json=body, timeout=10)
        """
    )
    assert found == [
        (
            "IL102",
            4,
            "`requests.patch` upserts through `sobjects/Account/Id/{}`, keyed on `Id`" + SAME_OBJECT_ID + "Account, e.g. `External_Id__c`.",
        )
    ]


# -- IL103 -----------------------------------------------------------------------------


def test_idempotency_key_in_helpers_or_set_in_the_function_is_seen():
    found = snippet_findings(
        """\
        import requests
        from tenacity import retry

        def headers(key):
            return {"Authorization": TOKEN, "X-Request-Id": key}

        @retry
        def by_helper(order, key):
            return requests.post(URL, json=order, headers=headers(key), timeout=10)

        @retry
        def set_before(order, key):
            extra = {"Authorization": TOKEN}
            extra["Idempotency-Key"] = key
            return requests.post(URL, json=order, headers=extra, timeout=10)

        @retry
        def in_body(order):
            return requests.post(URL, json={"requestId": order["id"], "lines": order["lines"]}, timeout=10)

        @retry
        def token():
            return requests.post("https://login.salesforce.com/services/oauth2/token", data=FORM, timeout=10)

        @retry
        def missing(order):
            return requests.request("PATCH", URL, json=order, timeout=10)
        """
    )
    assert found == [("IL103", 27, "`requests.request` (PATCH) is retried by `@retry` on `missing`" + NO_KEY)]


def test_apex_rest_call_retried_by_backoff():
    found = snippet_findings(
        """\
        import backoff
        from simple_salesforce import Salesforce, SalesforceError

        sf = Salesforce(instance_url=url, session_id=token)

        @backoff.on_exception(backoff.expo, SalesforceError, max_tries=4)
        def submit(order):
            return sf.apexecute("orders/submit", method="POST", data=order)
        """
    )
    assert found == [
        (
            "IL103",
            8,
            "`sf.apexecute` (POST) is retried by `@backoff.on_exception(...)` on `submit` but carries no idempotency key, "
            "so an attempt that timed out after the server acted is acted on again; send a key made once per message, "
            "outside the retry, e.g. a `message_id` field in `data` with `key = str(uuid.uuid4())`.",
        )
    ]


# -- IL104 -----------------------------------------------------------------------------


def test_consumer_writes_that_are_upserts_or_deduped_are_silent():
    found = snippet_findings(
        """\
        from aiosfstream import Client

        async def upserts(auth, db):
            async with Client(auth) as client:
                async for message in client:
                    db.execute("INSERT INTO orders (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET seen = 1", (message["data"]["payload"]["Id"],))

        async def dedupes(auth, seen, db):
            async with Client(auth) as client:
                async for message in client:
                    replay = message["data"]["event"]["replayId"]
                    if replay in seen:
                        continue
                    db.execute("INSERT INTO orders (payload) VALUES (?)", (message["data"]["payload"],))
        """
    )
    assert found == []


def test_fastapi_change_event_receiver():
    found = snippet_findings(
        """\
        from fastapi import FastAPI, Request

        app = FastAPI()

        @app.post("/cdc/account")
        async def account_change(request: Request):
            body = await request.json()
            header = body["ChangeEventHeader"]
            Account.objects.create(sf_id=header["recordIds"][0], change=header["changeType"])
            return {"ok": True}
        """
    )
    assert found == [
        (
            "IL104",
            9,
            "`Account.objects.create` inserts a row for every event in the change event route `account_change`, and nothing there checks "
            "the event's `EventUuid`, replay ID or `ChangeEventHeader.transactionKey`, so a redelivered or replayed event is written twice; "
            "record the `EventUuid` (or transaction key) of handled events and skip repeats, or make the write an upsert on an External ID.",
        )
    ]
