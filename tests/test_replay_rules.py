"""IL405–IL409 on whole modules written the way teams write them, and on the forms the rules must read."""

from __future__ import annotations

import pytest

from lint.engine import lint_source
from lint.rules import load_registry
from tests.conftest import FIXTURES, lint_snippet, settings_for

CODES = ("IL405", "IL406", "IL407", "IL408", "IL409")

RESTART = (
    "so every restart skips the events published while the subscriber was down (Salesforce keeps them 72 hours for replay); "
)
PUBSUB_FIX = (
    "store `latest_replay_id` durably once each batch is processed (a file, a database, Redis) and resubscribe "
    "with `replay_preset=ReplayPreset.CUSTOM, replay_id=<stored id>`."
)
STREAMING_FIX = "pass a durable replay storage, e.g. `replay=shelve.open('replay.db')` or a `ReplayMarkerStorage` subclass backed by your database."
SUBREQUESTS = "but Salesforce answers 200 even when subrequests or records inside it fail, so those failures go unnoticed; "
REJECTED = "the records Salesforce rejects (validation rules, required fields, locks) are silently dropped"
PUBLISH_LOST = (
    "so events the event bus rejects are lost without notice: the call succeeds even when an event's `PublishResult` carries an `error`; "
    "check each `results[i].error` of the response and retry or record the events that failed."
)


def replay_findings(name: str) -> list[tuple[str, int, int, str]]:
    """IL405–IL409 findings of a fixture module, with every rule enabled (as users run it)."""
    registry = load_registry()
    path = FIXTURES / "python" / name
    outcome = lint_source(f"python/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    assert outcome.error is None
    return [(f.code, f.span.start_line, f.span.start_column, f.message) for f in outcome.findings if f.code in CODES]


def found(code: str) -> list[tuple[str, int, str]]:
    """(code, line, confidence) of the IL405–IL409 findings in a snippet."""
    return [(f.code, f.span.start_line, f.confidence.value) for f in lint_snippet(code).findings if f.code in CODES]


# -- fixtures --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pubsub_order_replicator.py", "erp_writeback_done_right.py"])
def test_clean_modules_are_silent(name):
    assert replay_findings(name) == []


def test_pubsub_listener_that_always_starts_at_latest():
    assert replay_findings("pubsub_case_escalation_listener.py") == [
        (
            "IL405",
            31,
            15,
            "`pb2.FetchRequest(...)` starts the subscription at the newest event (`replay_preset=pb2.ReplayPreset.LATEST`), "
            "and no received replay ID is stored anywhere in this module "
            "(`latest_replay_id = response.latest_replay_id` keeps it only in memory), " + RESTART + PUBSUB_FIX,
        ),
    ]


def test_aiosfstream_listener_with_automatic_policy():
    assert replay_findings("streaming_invoice_listener.py") == [
        (
            "IL406",
            35,
            24,
            "`Client(...)` stores each message's replay marker in its storage (`replay=replay`) as soon as the message arrives, "
            "before your code processes it (`replay_storage_policy` defaults to AUTOMATIC), so a message whose processing fails "
            "is marked as consumed and skipped after a restart; pass `replay_storage_policy=ReplayMarkerStoragePolicy.MANUAL` "
            "and process each message inside `async with client.replay_storage(message):`.",
        ),
    ]


def test_composite_loader_judging_by_status_code():
    assert replay_findings("composite_order_loader.py") == [
        (
            "IL407",
            44,
            20,
            "The `composite` response of `self.http.post` is judged only by `status_code`, " + SUBREQUESTS
            + "read each `compositeResponse[i].httpStatusCode` in the response body and handle the failed ones.",
        ),
        (
            "IL407",
            59,
            13,
            "The `composite/sobjects` response of `self.http.patch` is judged only by `raise_for_status()`, " + SUBREQUESTS
            + "read each result's `success` and `errors` in the response body and handle the failed ones.",
        ),
    ]


def test_bulk2_loader_ignoring_failures():
    assert replay_findings("bulk2_product_loader.py") == [
        (
            "IL408",
            18,
            15,
            "The result of `sf.bulk2.Product2.upsert` is never read for `numberRecordsFailed` (only `numberRecordsProcessed`, "
            f"which counts failed records too) and nothing in `load_products` calls `get_failed_records`, so {REJECTED}; "
            "check each job's `numberRecordsFailed` and fetch the rejected rows with "
            "`sf.bulk2.Product2.get_failed_records(job['job_id'])` to fix and reload them.",
        ),
        (
            "IL408",
            28,
            5,
            f"`sf.bulk2.PricebookEntry.upsert` discards its result, so {REJECTED}: nothing reads `numberRecordsFailed` or calls "
            "`get_failed_records`; check each job's `numberRecordsFailed` and fetch the rejected rows with "
            "`sf.bulk2.PricebookEntry.get_failed_records(job['job_id'])` to fix and reload them.",
        ),
    ]


def test_legacy_bulk_v1_sync():
    assert replay_findings("legacy_pricebook_sync.py") == [
        (
            "IL408",
            19,
            5,
            f"`bulk.wait_for_batch` waits for the batch, but nothing in this module reads its results with `get_batch_results`, so {REJECTED}; "
            "read the batch's results with `bulk.get_batch_results(batch, job)` and retry or record the rows whose `success` is false.",
        ),
        (
            "IL408",
            25,
            5,
            "`sf.bulk.PricebookEntry.update` passes `bypass_results=True`, so it neither waits for its batches nor returns their "
            f"per-record results, and {REJECTED}; drop `bypass_results=True` and check each result's `success` and `errors`.",
        ),
    ]


def test_pubsub_publisher_ignoring_results():
    assert replay_findings("pubsub_shipment_publisher.py") == [
        ("IL409", 38, 9, "`self.stub.Publish` discards its response, " + PUBLISH_LOST),
        ("IL409", 42, 20, "The response of `self.stub.Publish` is never read for `results[i].error`, " + PUBLISH_LOST),
    ]


def test_existing_subscribers_that_start_at_the_tip():
    """The idempotency fixtures' subscribers also never store their position."""
    assert [finding[:2] for finding in replay_findings("pubsub_shipment_subscriber.py")] == [("IL405", 32)]
    assert [finding[:2] for finding in replay_findings("pubsub_callback_listener.py")] == [("IL405", 35)]
    message = replay_findings("pubsub_callback_listener.py")[0][3]
    assert message == (
        "`pubsub.subscribe(...)` starts the subscription at the newest event (`\"LATEST\"`), and no received replay ID is stored "
        "anywhere in this module, " + RESTART + PUBSUB_FIX
    )


# -- IL405: what counts as stored ------------------------------------------------------------


LATEST_SUBSCRIBER = """
import pubsub_api_pb2 as pb2

def run(stub, store):
    request = pb2.FetchRequest(topic_name="/event/Order__e", replay_preset=pb2.ReplayPreset.LATEST, num_requested=10)
    for response in stub.Subscribe(iter([request]), metadata=AUTH):
        handle(response.events)
        {keep}
"""


@pytest.mark.parametrize(
    "keep",
    [
        "latest = response.latest_replay_id",
        "response.latest_replay_id",
        "print('at', response.latest_replay_id)",
        "seen.add(response.latest_replay_id)",
    ],
)
def test_keeping_the_id_in_memory_is_not_storing_it(keep):
    assert found(LATEST_SUBSCRIBER.replace("{keep}", keep)) == [("IL405", 5, "high")]


@pytest.mark.parametrize(
    "keep",
    [
        "store.set('sf:replay:orders', response.latest_replay_id)",
        "save_position(response.latest_replay_id)",
        "open(POSITION_FILE, 'wb').write(response.latest_replay_id)",
        "store.execute('UPDATE subscriber SET replay_id = ?', (response.latest_replay_id,))",
        "checkpoints.put(TOPIC, response.latest_replay_id)",
    ],
)
def test_a_store_of_the_received_id_anywhere_in_the_module_satisfies_it(keep):
    assert found(LATEST_SUBSCRIBER.replace("{keep}", keep)) == []


def test_a_received_id_stored_through_a_name_in_a_shelf():
    assert found(
        """
        import shelve
        import pubsub_api_pb2 as pb2

        def run(stub):
            with shelve.open("positions") as positions:
                request = pb2.FetchRequest(topic_name=TOPIC, num_requested=10)
                for response in stub.Subscribe(iter([request]), metadata=AUTH):
                    handle(response.events)
                    position = response.latest_replay_id
                    positions[TOPIC] = position
        """
    ) == []


def test_a_resuming_request_anywhere_in_the_module_makes_latest_a_first_start():
    assert found(
        """
        import pubsub_api_pb2 as pb2

        def first_request(stored):
            if stored:
                return pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.CUSTOM, replay_id=stored)
            return pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.LATEST)
        """
    ) == []


def test_flow_control_requests_set_no_start():
    assert found(
        """
        import pubsub_api_pb2 as pb2

        def more(flow):
            while True:
                flow.acquire()
                yield pb2.FetchRequest(num_requested=10)
        """
    ) == []


# -- IL406: stored before processing -----------------------------------------------------------


def test_a_position_stored_before_processing_in_a_subscribe_callback():
    assert found(
        """
        import pubsub_api_pb2 as pb2

        def on_response(response, pubsub):
            checkpoints.save(TOPIC, response.latest_replay_id)
            for event in response.events:
                replicate(pubsub.decode(event))

        def replicate(order):
            pass

        pubsub.subscribe("/event/Order__e", "CUSTOM", stored, 10, on_response)
        """
    ) == [("IL406", 5, "high")]


def test_a_store_on_a_path_of_its_own_or_after_processing_is_fine():
    assert found(
        """
        import pubsub_api_pb2 as pb2

        def run(stub):
            for response in stub.Subscribe(requests(), metadata=AUTH):
                if not response.events:
                    checkpoints.save(TOPIC, response.latest_replay_id)
                    continue
                for event in response.events:
                    replicate(event)
                checkpoints.save(TOPIC, response.latest_replay_id)

        def replicate(event):
            pass
        """
    ) == []


def test_a_store_followed_only_by_bookkeeping_is_fine():
    assert found(
        """
        import pubsub_api_pb2 as pb2

        class Subscriber:
            def run(self):
                for response in self.stub.Subscribe(self.requests(), metadata=AUTH):
                    self.checkpoints.save(TOPIC, response.latest_replay_id)
                    self.flow.release()
                    self.reset_backoff()

            def reset_backoff(self):
                pass
        """
    ) == []


def test_an_automatic_policy_without_storage_marks_nothing():
    assert found("from aiosfstream import Client, ReplayOption\nclient = Client(auth, replay=ReplayOption.ALL_EVENTS)\n") == []


# -- IL407–IL409: results handed on ------------------------------------------------------------


def test_composite_response_returned_or_recorded_is_left_to_that_code():
    assert found(
        """
        import requests
        from audit import record

        def send(session: requests.Session, base, body):
            response = session.post(f"{base}/services/data/v61.0/composite/batch", json=body, timeout=30)
            record(response)

        def send_tree(session: requests.Session, base, body):
            return session.post(f"{base}/services/data/v61.0/composite/tree/Account", json=body, timeout=30).json()
        """
    ) == []


def test_composite_helper_that_never_reads_the_body_does_not_check_it():
    assert found(
        """
        import logging
        import requests

        log = logging.getLogger(__name__)

        def report(response):
            log.info("composite answered %s", response.status_code)

        def send(base, subrequests):
            response = requests.post(f"{base}/services/data/v61.0/composite", json={"compositeRequest": subrequests}, timeout=30)
            report(response)
        """
    ) == [("IL407", 11, "high")]


def test_bulk2_guessed_client_is_reported_with_low_confidence():
    assert found(
        """
        import simple_salesforce

        def load(sf, path):
            sf.bulk2.Contact.upsert(csv_file=path, external_id_field="Email__c")
        """
    ) == [("IL408", 5, "low")]


def test_bulk2_failures_fetched_in_the_function():
    assert found(
        """
        from simple_salesforce import Salesforce

        def load(sf: Salesforce, path):
            jobs = sf.bulk2.Contact.upsert(csv_file=path, external_id_field="Email__c")
            for job in jobs:
                sf.bulk2.Contact.get_failed_records(job["job_id"], file=f"{job['job_id']}.csv")
        """
    ) == []


def test_publish_stream_responses_read_for_errors():
    assert found(
        """
        import pubsub_api_pb2 as pb2

        def publish_all(stub, requests):
            for response in stub.PublishStream(requests, metadata=AUTH):
                for result in response.results:
                    if result.error.code:
                        retry(result.correlation_key)
        """
    ) == []


def test_salesforce_bulk_query_jobs_are_not_writes():
    assert found(
        """
        from salesforce_bulk import SalesforceBulk

        bulk = SalesforceBulk(sessionId=token, host=host)
        job = bulk.create_query_job("Contact", contentType="CSV")
        batch = bulk.query(job, "SELECT Id FROM Contact")
        bulk.wait_for_batch(job, batch)
        bulk.close_job(job)
        """
    ) == []


def test_a_streaming_client_that_only_publishes_needs_no_replay():
    assert found(
        """
        import shelve
        from aiosfstream import Client

        async def announce(auth, payload):
            async with Client(auth) as client:
                await client.publish("/event/Announcement__e", payload)

        async def announce_stored(auth, payload):
            async with Client(auth, replay=shelve.open("replay.db")) as client:
                await client.publish("/event/Announcement__e", payload)
        """
    ) == []
