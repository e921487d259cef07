"""IL304 and IL305 on whole modules written the way teams write them, and on the forms and traps the rules must read."""

from __future__ import annotations

import pytest

from lint.engine import lint_source
from lint.rules import load_registry
from tests.conftest import FIXTURES, lint_snippet, settings_for

CODES = ("IL304", "IL305")
BLOCKS = "stalls the event loop in `async def {}`: every other coroutine waits until it returns; "
HTTP_FIX = "use an async client (`httpx.AsyncClient`, `aiohttp`) or `await asyncio.to_thread(...)`."
OUTBOUND_COST = "acknowledges the message, so while that call is slow or failing no acknowledgment goes back and Salesforce resends the message"
FLASK_ADVICE = "queue the work (a Celery task's `.delay(...)`, RQ, a jobs table) and acknowledge at once."
PLATFORM_EVENT_COST = "before it answers the platform event, so the sender waits on that call too and times out or retries when it is slow"
AIOHTTP_ADVICE = "put the work on a queue (an `asyncio.Queue` drained by a worker, a Celery task's `.delay(...)`) and respond at once."
STREAM_COST = "reads the next event, so events wait unread while that call is slow or failing"
STREAM_ADVICE = "put the event on a queue (an `asyncio.Queue` or `queue.Queue` drained by a worker, or a Celery task's `.delay(...)`) and go on reading."


def fixture_findings(name: str, codes: tuple[str, ...] = CODES) -> list[tuple[str, int, str]]:
    """Findings of a fixture module with every rule enabled (as users run it), of the rules `codes` (all: empty)."""
    registry = load_registry()
    path = FIXTURES / "python" / name
    outcome = lint_source(f"python/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    assert outcome.error is None
    return [(f.code, f.span.start_line, f.message) for f in outcome.findings if not codes or f.code in codes]


def snippet_findings(code: str) -> list[tuple[str, int, str]]:
    return [(f.code, f.span.start_line, f.message) for f in lint_snippet(code).findings if f.code in CODES]


# -- fixtures --------------------------------------------------------------------------


def test_flask_outbound_message_receiver_calls_the_erp_before_acknowledging():
    assert fixture_findings("erp_account_bridge.py") == [
        (
            "IL305",
            42,
            "`save_customer` (called by the outbound message route `accounts_changed`) waits for `erp.put` before the route "
            f"{OUTBOUND_COST}; {FLASK_ADVICE}",
        ),
        ("IL305", 59, f"The outbound message route `contact_added` waits for `erp.put` before it {OUTBOUND_COST}; {FLASK_ADVICE}"),
    ]  # the health check's ERP ping (line 68) is a plain route's


def test_aiohttp_gateway_blocks_its_loop_and_holds_the_platform_event():
    assert fixture_findings("warehouse_event_gateway.py") == [
        ("IL304", 25, "`requests.put` makes a blocking request and " + BLOCKS.format("order_placed") + HTTP_FIX),
        ("IL305", 25, f"The platform event route `order_placed` waits for `requests.put` {PLATFORM_EVENT_COST}; {AIOHTTP_ADVICE}"),
        (
            "IL304",
            27,
            "`sf.Order.update` (simple_salesforce) makes a blocking request and "
            + BLOCKS.format("order_placed")
            + "use `await asyncio.to_thread(sf.Order.update, ...)`.",
        ),
        ("IL305", 27, f"The platform event route `order_placed` waits for the Salesforce write `sf.Order.update` {PLATFORM_EVENT_COST}; {AIOHTTP_ADVICE}"),
        ("IL304", 32, "`requests.get` makes a blocking request and " + BLOCKS.format("stock_level") + HTTP_FIX),
    ]


def test_aiosfstream_consumer_calls_simple_salesforce_synchronously():
    assert fixture_findings("case_escalation_stream.py") == [
        ("IL304", 27, "`sf.query` (simple_salesforce) makes a blocking request and " + BLOCKS.format("listen") + "use `await asyncio.to_thread(sf.query, ...)`."),
        ("IL304", 30, "`sf.Case.update` (simple_salesforce) makes a blocking request and " + BLOCKS.format("listen") + "use `await asyncio.to_thread(sf.Case.update, ...)`."),
        (
            "IL305",
            30,
            f"The CometD subscription `async for message in client` waits for the Salesforce write `sf.Case.update` before it {STREAM_COST}; {STREAM_ADVICE}",
        ),
    ]  # the query is a read: it blocks the loop (IL304) but is no callout to hand off


def test_pubsub_subscriber_writes_and_posts_in_the_function_its_loop_calls():
    fed = "`ship` (called per event by the Pub/Sub API subscription `for response in self.stub.Subscribe(...)`)"
    assert fixture_findings("pubsub_shipment_subscriber.py") == [
        ("IL305", 49, f"{fed} waits for the Salesforce write `self.sf.Shipment__c.create` before the subscription {STREAM_COST}; {STREAM_ADVICE}"),
        ("IL305", 50, f"{fed} waits for `requests.post` before the subscription {STREAM_COST}; {STREAM_ADVICE}"),
    ]


@pytest.mark.parametrize("name", ["account_change_webhook.py", "invoice_payment_stream.py"])
def test_clean_async_services_are_silent_for_every_rule(name):
    assert fixture_findings(name, codes=()) == []


@pytest.mark.parametrize("name", ["contact_sync_client.py", "order_sync_done_right.py", "outbound_message_receiver.py", "pubsub_callback_listener.py"])
def test_modules_without_handler_callouts_or_async_code_trip_neither_rule(name):
    assert fixture_findings(name) == []


# -- IL304: what blocks and what does not ---------------------------------------------------------


def test_sessions_clients_held_on_self_and_logins_block():
    assert snippet_findings(
        """
        import requests
        from simple_salesforce import Salesforce

        class Relay:
            def __init__(self):
                self.http = requests.Session()
                self.sf = Salesforce(instance_url=URL, session_id=TOKEN)

            async def relay(self, event):
                self.http.post(ERP_URL, json=event, timeout=10)
                self.sf.bulk2.Order__c.upsert(records=[event], external_id_field="Key__c")
        """
    ) == [
        ("IL304", 11, "`self.http.post` (requests) makes a blocking request and " + BLOCKS.format("relay") + HTTP_FIX),
        (
            "IL304",
            12,
            "`self.sf.bulk2.Order__c.upsert` (simple_salesforce) makes a blocking request and "
            + BLOCKS.format("relay")
            + "use `await asyncio.to_thread(self.sf.bulk2.Order__c.upsert, ...)`.",
        ),
    ]


def test_only_the_innermost_function_counts():
    assert snippet_findings(
        """
        import asyncio
        import time
        import requests

        async def run(executor, orders):
            def push(order):
                time.sleep(1)
                requests.post(ERP_URL, json=order, timeout=10)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(executor, push, orders[0])
            await loop.run_in_executor(None, lambda: requests.get(ERP_URL, timeout=10))

        def main():
            async def tick():
                time.sleep(0.5)
            asyncio.run(tick())
        """
    ) == [("IL304", 16, "`time.sleep(0.5)` blocks the event loop in `async def tick`: nothing else on the loop runs while it sleeps; use `await asyncio.sleep(0.5)`.")]


def test_a_client_of_unknown_type_named_like_salesforce_is_reported_with_low_confidence():
    findings = lint_snippet(
        """
        import simple_salesforce

        async def on_event(sf, payload):
            sf.Case.create({"Subject": payload["Subject__c"]})
        """
    ).findings
    assert [(f.code, f.span.start_line, f.confidence.value) for f in findings if f.code == "IL304"] == [("IL304", 5, "low")]


# -- IL305: handlers, hand-offs and what counts as a callout ------------------------------------------


def test_a_pubsub_callback_that_posts_before_returning():
    assert snippet_findings(
        """
        import requests

        def on_order(event, client):
            requests.post(ERP_URL, json=decode(event), timeout=10)

        def main(pubsub):
            pubsub.subscribe("/event/Order_Placed__e", "LATEST", "", 1, on_order)
        """
    ) == [("IL305", 5, f"The subscription callback `on_order` waits for `requests.post` before the subscription {STREAM_COST}; {STREAM_ADVICE}")]


def test_fastapi_route_is_told_about_background_tasks():
    assert snippet_findings(
        """
        import requests
        from fastapi import APIRouter, Request

        router = APIRouter()

        @router.post("/cdc/contact")
        def contact_change(payload: dict):
            for contact_id in payload["ChangeEventHeader"]["recordIds"]:
                requests.patch(f"{ERP_URL}/contacts/{contact_id}", json=payload, timeout=10)
        """
    ) == [
        (
            "IL305",
            10,
            "The change event route `contact_change` waits for `requests.patch` before it answers the change event, so the sender waits on "
            "that call too and times out or retries when it is slow; hand the call to `BackgroundTasks.add_task(...)` (or a queue) and respond at once.",
        )
    ]


def test_hand_offs_reads_and_logins_are_not_flagged_in_a_route_that_also_waits_on_a_callout():
    assert snippet_findings(
        """
        import threading
        import requests
        from flask import Flask, request
        from simple_salesforce import Salesforce

        app = Flask(__name__)
        sf = Salesforce(instance_url=URL, session_id=TOKEN)

        def push(xml):
            requests.post(ERP_URL, data=xml, timeout=10)

        @app.route("/sfdc/outbound", methods=["POST"])
        def outbound():
            token = requests.post(f"{LOGIN_URL}/services/oauth2/token", data=GRANT, timeout=10)
            sf.query(f"SELECT Id FROM Account WHERE Id = '{parse(request.data).find('sObject').get('Id')}'")
            threading.Thread(target=push, args=(request.data,)).start()
            threading.Thread(target=lambda: requests.post(AUDIT_URL, data=request.data, timeout=5)).start()
            requests.post(ERP_URL, data=request.data, timeout=10)  # the one callout the route waits for
            return ack("notifications")
        """
    ) == [("IL305", 19, f"The outbound message route `outbound` waits for `requests.post` before it {OUTBOUND_COST}; {FLASK_ADVICE}")]


def test_a_route_reached_only_by_get_is_no_event_receiver():
    assert snippet_findings(
        """
        import requests
        from flask import Flask, request

        app = Flask(__name__)

        @app.route("/sfdc/outbound")
        def outbound_status():
            requests.get(f"{ERP_URL}/status/{request.args['sObject']}", timeout=5)
            return "notifications"
        """
    ) == []


def test_an_mcp_tool_blocks_the_loop_through_the_client_its_server_keeps_on_a_service_object():
    code = """\
        from mcp.server.fastmcp import FastMCP
        from simple_salesforce import Salesforce

        mcp = FastMCP("salesforce")


        class SalesforceClient:
            def connect(self):
                self.sf = Salesforce(instance_url=INSTANCE_URL, session_id=SESSION_ID)


        @mcp.tool()
        async def run_soql_query(query: str) -> str:
            return str(sf_client.sf.query_all(query))


        def main():
            global sf_client
            sf_client = SalesforceClient()
            sf_client.connect()
            mcp.run()
        """
    assert snippet_findings(code) == [
        ("IL304", 14, "`sf_client.sf.query_all` (simple_salesforce) makes a blocking request and stalls the event loop in `async def run_soql_query`: "
         "every other coroutine waits until it returns; use `await asyncio.to_thread(sf_client.sf.query_all, ...)`."),
    ]  # fmt: skip


def test_a_coroutine_calling_a_plain_helper_that_blocks_is_flagged_at_the_call():
    code = """\
        import asyncio
        import requests

        class Erp:
            def __init__(self):
                self.http = requests.Session()

            def account(self, account_id):
                return self.http.get(f"{ERP_URL}/accounts/{account_id}", timeout=10).json()

        erp = Erp()

        def summary(account):
            return {"name": account["name"]}

        async def on_change(event):
            account = erp.account(event["recordIds"][0])
            other = await asyncio.to_thread(erp.account, event["recordIds"][1])
            return summary(account), other
        """
    assert snippet_findings(code) == [
        ("IL304", 17, "`erp.account(...)` calls `self.http.get`, which blocks, and so stalls the event loop in `async def on_change`: every other "
         "coroutine waits until it returns; use `await asyncio.to_thread(erp.account, ...)`, or make `account` async with an async client."),
    ]  # fmt: skip
