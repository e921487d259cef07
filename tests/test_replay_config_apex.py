"""IL405 in config (Camel subscriptions, Kafka Connect sources) and IL409 in Apex (`EventBus.publish` results)."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

from lint.engine import lint_source, run
from lint.rules import load_registry
from tests.conftest import FIXTURES, lint_snippet, settings_for

RETENTION = "(Salesforce keeps them 72 hours for replay)"
SKIPS = f"so every restart of the route skips the events published while it was down {RETENTION}; "
PUBSUB_FIX = (
    "store the `CamelSalesforcePubSubReplayId` header of each processed message durably and resubscribe with "
    "`replayPreset: CUSTOM` and `pubSubReplayId` set to the stored ID (`replayPreset: EARLIEST` re-reads the retained events instead)."
)
STREAMING_FIX = (
    "store the `CamelSalesforceReplayId` header of each processed message durably and resubscribe from it with `replayId` "
    "(or `initialReplayIdMap`); `defaultReplayId: -2` re-reads the retained events instead."
)
OFFSETS_FIX = (
    "keep the offsets on durable storage (`offset.storage.file.filename` on a persistent volume, or a distributed worker's "
    "`offset.storage.topic`) and set `salesforce.initial.start=all`, so a connector that finds no offset re-reads the retained events."
)
LOST = (
    "so an event the event bus rejects is lost without notice: `EventBus.publish` does not throw when a publish fails, it returns "
    "a result whose `isSuccess()` is false; check each result's `isSuccess()` and log or retry the events that failed, with the "
    "reasons from `getErrors()`."
)


def config_findings(name: str) -> list[tuple[str, int, int, str, str]]:
    """Every finding of a config fixture, with every rule enabled (as users run it)."""
    registry = load_registry()
    path = FIXTURES / "config" / name
    outcome = lint_source(f"config/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    assert outcome.error is None and outcome.notices == ()
    return [(f.code, f.span.start_line, f.span.start_column, f.confidence.value, f.message) for f in outcome.findings]


def il405(code: str, path: str) -> list[tuple[int, str, str]]:
    return [(f.span.start_line, f.confidence.value, f.message) for f in lint_snippet(code, path).findings if f.code == "IL405"]


# -- IL405: Camel --------------------------------------------------------------------------------


def test_camel_subscriptions_that_start_at_the_newest_event():
    assert config_findings("camel/salesforce-events.camel.yaml") == [
        (
            "IL405",
            7,
            23,
            "high",
            "Camel endpoint `salesforce:pubSubSubscribe:/event/Order_Placed__e` starts at the newest event (`replayPreset` is `LATEST`, "
            "with no `pubSubReplayId`), " + SKIPS + PUBSUB_FIX,
        ),
        # Logging the replay-ID header stores nothing.
        (
            "IL405",
            15,
            12,
            "medium",
            "Camel endpoint `salesforce:subscribe:/data/AccountChangeEvent` sets no `replayId`, `initialReplayIdMap` or `defaultReplayId`, "
            "which leaves it starting at the newest event (`-1`, the default), " + SKIPS + STREAMING_FIX,
        ),
        # Points at the option inside the URI; publishing an `__e` from Kafka is no subscription.
        (
            "IL405",
            25,
            66,
            "high",
            "Camel endpoint `salesforce:subscribe:/event/Invoice_Paid__e` starts at the newest event (`replayId` is `-1`), " + SKIPS + STREAMING_FIX,
        ),
        # The events are then sent on over plain HTTP (tests/test_security_config.py).
        (
            "IL505",
            27,
            15,
            "high",
            "Camel route key `to` is `http://erp.internal/api/v2/invoices/paid` over plain HTTP, so what it sends and receives crosses the network "
            "unencrypted, readable and alterable by anyone on the path; use `https://erp.internal/api/v2/invoices/paid`.",
        ),
    ]


def test_camel_subscriptions_that_resume_or_reread_are_silent():
    assert config_findings("camel/salesforce-events-durable.camel.yaml") == []


def test_a_route_starting_from_the_component_without_an_operation_is_a_subscription():
    # Camel 3: `from("salesforce:event/Order_Placed__e")` subscribes with the Streaming API.
    code = "- from:\n    uri: salesforce:event/Order_Placed__e\n    steps:\n      - to: kafka:orders\n"
    assert [(line, confidence) for line, confidence, _ in il405(code, "routes/orders.camel.yaml")] == [(2, "medium")]


def test_a_kamelet_subscribing_without_a_replay_option():
    code = textwrap.dedent(
        """\
        apiVersion: camel.apache.org/v1
        kind: Kamelet
        metadata:
          name: salesforce-order-source
        spec:
          template:
            from:
              uri: "salesforce:subscribe:{{topicName}}"
              parameters:
                rawPayload: true
              steps:
                - to: "kamelet:sink"
        """
    )
    assert [(line, confidence) for line, confidence, _ in il405(code, "kamelets/salesforce-order-source.kamelet.yaml")] == [(8, "medium")]


@pytest.mark.parametrize(
    "options",
    [
        "replayId: \"{{order-events.replay-id}}\"",  # filled in at start-up
        "replayId: 18234",
        "defaultReplayId: -2",
    ],
)
def test_streaming_replay_options_that_do_not_start_at_the_tip(options):
    code = f"- from:\n    uri: salesforce:subscribe:/event/Order_Placed__e\n    parameters:\n      {options}\n    steps:\n      - to: kafka:orders\n"
    assert il405(code, "routes/orders.camel.yaml") == []


def test_pubsub_latest_with_a_replay_id_and_a_preset_from_a_placeholder_pass():
    code = (
        "- from:\n    uri: salesforce:pubSubSubscribe:/event/Order_Placed__e?replayPreset=LATEST&pubSubReplayId={{replay.id}}\n"
        "    steps:\n      - to: kafka:orders\n"
        "- from:\n    uri: salesforce:pubSubSubscribe:/event/Order_Shipped__e?replayPreset={{replay.preset}}\n"
        "    steps:\n      - to: kafka:shipments\n"
    )
    assert il405(code, "routes/orders.camel.yaml") == []


def test_pubsub_without_any_option_starts_at_latest_by_default():
    code = "- from:\n    uri: salesforce:pubSubSubscribe:/data/AccountChangeEvent\n    steps:\n      - to: kafka:accounts\n"
    assert il405(code, "routes/accounts.camel.yaml") == [
        (
            2,
            "medium",
            "Camel endpoint `salesforce:pubSubSubscribe:/data/AccountChangeEvent` sets no `replayPreset` or `pubSubReplayId`, "
            "which leaves it starting at the newest event (`LATEST`, the default), " + SKIPS + PUBSUB_FIX,
        )
    ]


def test_a_route_that_hands_the_replay_id_header_to_a_step_is_trusted():
    code = (
        "- from:\n    uri: salesforce:pubSubSubscribe:/event/Order_Placed__e\n    steps:\n"
        "      - setProperty:\n          name: replayId\n          simple: ${header.CamelSalesforcePubSubReplayId}\n"
        "      - to: bean:replayStore?method=save\n"
    )
    assert il405(code, "routes/orders.camel.yaml") == []


def test_component_wide_replay_settings_in_the_same_file_are_trusted():
    code = textwrap.dedent(
        """\
        apiVersion: camel.apache.org/v1
        kind: Integration
        metadata:
          name: order-events
        spec:
          traits:
            camel:
              properties:
                - camel.component.salesforce.defaultReplayId=-2
          flows:
            - from:
                uri: salesforce:subscribe:/event/Order_Placed__e
                steps:
                  - to: kafka:orders
        """
    )
    assert il405(code, "integrations/order-events.yaml") == []


# -- IL405: Kafka Connect ------------------------------------------------------------------------


def test_kafka_standalone_source_keeping_its_offsets_in_tmp():
    assert config_findings("kafka/salesforce-order-events-standalone.properties") == [
        (
            "IL405",
            7,
            30,
            "medium",
            "Kafka Connect source `salesforce-order-events` keeps its offsets, the replay ID it resumes from, in a temporary directory "
            "(`/tmp/connect.offsets`) and starts at the newest event when it finds none (`salesforce.initial.start` is `latest`), "
            f"so once the host or container is replaced it skips every event published while it was down {RETENTION}; " + OFFSETS_FIX,
        ),
        # It also logs in with a password (tests/test_security_config.py).
        (
            "IL501",
            18,
            1,
            "high",
            "Kafka Connect connector key `salesforce.password` is set with `salesforce.username` and no `salesforce.grant.type` (it defaults to PASSWORD), "
            "so it logs in with username and password (the OAuth username-password flow), which Salesforce blocks by default in new orgs and which "
            "cannot use MFA; set `salesforce.grant.type=JWT_BEARER` with a keystore (`salesforce.jwt.keystore.path`).",
        ),
    ]


@pytest.mark.parametrize("name", ["kafka/salesforce-order-events-source.json", "kafka/salesforce-cdc-source.properties"])
def test_kafka_sources_whose_offsets_connect_keeps_are_silent(name):
    # `latest` only decides the very first start: afterwards the connector resumes from its stored offset.
    assert config_findings(name) == []


def test_kafka_source_defaulting_to_latest_with_offsets_in_tmp():
    code = (
        "offset.storage.file.filename=/tmp/connect.offsets\nname=account-cdc\n"
        "connector.class=io.confluent.salesforce.SalesforceCdcSourceConnector\nsalesforce.cdc.name=AccountChangeEvent\n"
    )
    ((line, confidence, message),) = il405(code, "connect/account-cdc.properties")
    assert (line, confidence) == (1, "medium")
    assert "(`salesforce.initial.start` is not set and defaults to `latest`)" in message


@pytest.mark.parametrize(
    "connector_settings",
    [
        "connector.class=io.confluent.salesforce.SalesforceCdcSourceConnector\nsalesforce.initial.start=all\n",
        "connector.class=io.confluent.salesforce.SalesforcePlatformEventSinkConnector\nsalesforce.platform.event.name=Order_Placed__e\n",
    ],
)
def test_kafka_with_offsets_in_tmp_that_rereads_or_does_not_subscribe_passes(connector_settings):
    code = "offset.storage.file.filename=/tmp/connect.offsets\nname=salesforce\n" + connector_settings
    assert il405(code, "connect/salesforce.properties") == []


# -- IL409: Apex ---------------------------------------------------------------------------------


needs_apex = pytest.mark.skipif(importlib.util.find_spec("tree_sitter_language_pack") is None, reason="Apex support is the `apex` extra")


@pytest.fixture(scope="module")
def project():
    return run([FIXTURES / "apex"], settings_for(FIXTURES), load_registry())


def apex_il409(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    for relative, code in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(code))
    result = run([tmp_path], settings_for(tmp_path), load_registry())
    return [(f.path, f.span.start_line, f.message) for f in result.findings if f.code == "IL409"]


@needs_apex
def test_fixture_project_publishes_without_checking_in_one_class_only(project):
    found = [(f.path.rsplit("/", 1)[-1], f.span.start_line, f.span.start_column, f.message) for f in project.findings if f.code == "IL409"]
    assert found == [
        ("ShipmentEventPublisher.cls", 8, 9, "`EventBus.publish(…)` discards its `Database.SaveResult`, " + LOST),
        (
            "ShipmentEventPublisher.cls",
            12,
            38,
            "The `Database.SaveResult` of `EventBus.publish(…)` (kept in `result`) is never checked with `isSuccess()` or `getErrors()`, " + LOST,
        ),
    ]


@needs_apex
def test_a_trigger_publishing_without_checking(tmp_path):
    assert apex_il409(
        tmp_path,
        {
            "triggers/OrderTrigger.trigger": """\
                trigger OrderTrigger on Order (after update) {
                    List<Order_Shipped__e> events = new List<Order_Shipped__e>();
                    for (Order shipped : Trigger.new) {
                        events.add(new Order_Shipped__e(Order_Number__c = shipped.OrderNumber));
                    }
                    List<Database.SaveResult> results = EventBus.publish(events);
                    System.debug(results.size() + ' events published');
                }
            """,
        },
    ) == [
        (
            "triggers/OrderTrigger.trigger",
            6,
            "The `Database.SaveResult` of `EventBus.publish(…)` (kept in `results`) is never checked with `isSuccess()` or `getErrors()`, " + LOST,
        )
    ]


@needs_apex
def test_checked_and_handed_on_results_pass(tmp_path):
    assert (
        apex_il409(
            tmp_path,
            {
                "classes/OrderEvents.cls": """\
                    public class OrderEvents {
                        private List<Database.SaveResult> lastResults;
                        public void direct(Order_Shipped__e event) {
                            if (!EventBus.publish(event).isSuccess()) {
                                throw new PublishException('Order_Shipped__e was not published');
                            }
                        }
                        public void errorsOnly(List<Order_Shipped__e> events) {
                            for (Database.SaveResult result : EventBus.publish(events)) {
                                for (Database.Error error : result.getErrors()) {
                                    System.debug(LoggingLevel.ERROR, error.getMessage());
                                }
                            }
                        }
                        public void byElement(List<Order_Shipped__e> events) {
                            List<Database.SaveResult> results = (List<Database.SaveResult>) EventBus.publish(events);
                            if (!results.get(0).isSuccess()) {
                                throw new PublishException('not published');
                            }
                        }
                        public void toHelper(List<Order_Shipped__e> events) {
                            PublishResults.check(EventBus.publish(events));
                        }
                        public void kept(List<Order_Shipped__e> events) {
                            lastResults = EventBus.publish(events);
                        }
                        public class PublishException extends Exception {}
                    }
                """,
            },
        )
        == []
    )
