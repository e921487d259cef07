"""IL4xx, replay and results: where event subscribers resume, and whether write results are read.

The replay rules read subscriptions and replay stores through `python_replay` (each call
judged once per file) and event consumers through `python_handlers`; IL405's config part
reads Camel endpoints (`config_camel`) and Kafka Connect connectors (`config_dialects`).
The result rules mark the calls whose results matter and read, once the file is traversed,
what their functions did with them (`python_results`): which keys were read, and whether
the result was handed on. In Apex, the model records that for `EventBus.publish` (a step's
`Fate`, read in the same walk as the rest of the file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ApexRule, ConfigRule, Example, PythonRule, Requires
from lint.rules.requirements import SALESFORCE_CALLS, SALESFORCE_COMPONENTS, SUBSCRIBE_CALL, SUBSCRIPTIONS
from lint.sources.apex_model import EVENTBUS_PUBLISH
from lint.sources.config_camel import Endpoint, endpoints
from lint.sources.config_dialects import CAMEL, KAFKA_CONNECT, connector
from lint.sources.config_model import ConfigDocument, Node, Scalar, is_reference
from lint.sources.paths import is_test_path
from lint.sources.python_calls import keyword
from lint.sources.python_handlers import PUBSUB, STREAMING, WEBHOOK, enclosing_consumer
from lint.sources.python_replay import MEMORY, STORED, TIP, ReplayFacts, Subscription, replay_facts
from lint.sources.python_results import Fate, Followed, ResultFlow, mentions, result_flow
from lint.sources.python_retry import short
from lint.sources.python_salesforce import HTTP_CLIENTS, HTTP_MODULES, likely_salesforce_call, salesforce_call

if TYPE_CHECKING:
    from lint.sources.apex_index import ApexIndex
    from lint.sources.apex_model import ApexFile

RETENTION = "Salesforce keeps them 72 hours for replay"
# Camel's Salesforce subscriptions: the Streaming API (CometD) and the Pub/Sub API.
PUBSUB_SUBSCRIBE = "pubSubSubscribe"
CAMEL_SUBSCRIBE = frozenset({"subscribe", PUBSUB_SUBSCRIBE})
STREAMING_REPLAY_OPTIONS = ("replayId", "initialReplayIdMap", "defaultReplayId")  # in the order Camel consults them
FROM_TIP = "-1"
REPLAY_HEADERS = ("CamelSalesforceReplayId", "CamelSalesforcePubSubReplayId")
COMPONENT_SETTINGS = "camel.component.salesforce."  # component-wide options: `camel.component.salesforce.defaultReplayId=-2`
TEMPORARY_DIRECTORIES = ("/tmp/", "/var/tmp/", "/dev/shm/")
HTTP_WRITES = frozenset({"post", "put", "patch", "delete"})
SQL_WRITES = frozenset({"execute", "executemany"})


# -- the result-following rules -----------------------------------------------------------


class FollowsResults(PythonRule, abstract=True):
    """A rule that judges what functions do with some calls' results.

    The first such rule of a file to reach a hook feeds the shared `ResultFlow`; the others
    only read it, so the flow is recorded once however many of these rules run. Both are
    looked up on first use, so a rule with a part for another source never asks for Python facts.
    """

    @cached_property
    def flow(self) -> ResultFlow:
        return result_flow(self.facts)

    @cached_property
    def feeds(self) -> bool:
        return self.flow.claim(self)

    def leave_Attribute(self, original_node: cst.Attribute) -> None:
        if self.feeds:
            self.flow.read(original_node)

    def leave_Subscript(self, original_node: cst.Subscript) -> None:
        if self.feeds:
            self.flow.read(original_node)

    def leave_Call(self, original_node: cst.Call) -> None:
        if self.feeds:
            self.flow.called(original_node)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        if self.feeds:
            self.flow.assigned([target.target for target in original_node.targets], original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if self.feeds:
            self.flow.assigned([original_node.target], original_node.value)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        if self.feeds:
            self.flow.assigned([original_node.target], original_node.value)

    def leave_NamedExpr(self, original_node: cst.NamedExpr) -> None:
        if self.feeds:
            self.flow.assigned([original_node.target], original_node.value)

    def leave_For(self, original_node: cst.For) -> None:
        if self.feeds:
            self.flow.bound(original_node.target, original_node.iter)

    def leave_CompFor(self, original_node: cst.CompFor) -> None:
        if self.feeds:
            self.flow.bound(original_node.target, original_node.iter)

    def leave_WithItem(self, original_node: cst.WithItem) -> None:
        if self.feeds and original_node.asname is not None:
            self.flow.bound(original_node.asname.name, original_node.item)

    def leave_Return(self, original_node: cst.Return) -> None:
        if self.feeds:
            self.flow.left(original_node.value)

    def leave_Yield(self, original_node: cst.Yield) -> None:
        if self.feeds:
            value = original_node.value
            self.flow.left(value.item if isinstance(value, cst.From) else value)

    def visit_If(self, node: cst.If) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def visit_While(self, node: cst.While) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        if self.feeds:
            self.flow.comprehension([original_node.elt])

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        if self.feeds:
            self.flow.comprehension([original_node.elt])

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        if self.feeds:
            self.flow.comprehension([original_node.elt])

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        if self.feeds:
            self.flow.comprehension([original_node.key, original_node.value])

    def reads_any(self, fate: Fate, keys: frozenset[str]) -> bool:
        """The result, or a same-module helper it was handed to, reads one of `keys`."""
        return bool(fate.keys & keys) or any(mentions(self.flow.helper_source(helper), keys) for helper in fate.helpers)


# -- IL405 ---------------------------------------------------------------------------------


class ReplayNotPersisted(PythonRule, ConfigRule):
    """
    ## What it does
    Finds durable event subscribers that start at the newest event on every
    start and never store how far they got: a Pub/Sub API `FetchRequest` with
    `replay_preset=ReplayPreset.LATEST` (or no preset: LATEST is the default),
    a subscribe helper given `"LATEST"` and no replay ID, an aiosfstream
    `Client`/`SalesforceStreamingClient` without `replay=` storage or with a
    plain dict, and a CometD subscribe with replay ID `-1` — in a module where
    no received `replay_id`/`latest_replay_id`/`replayId` reaches a store (a
    file, a database, Redis, a storage object). Keeping the ID in a variable
    or reading it in a bare expression stores nothing.

    Not flagged: `ReplayPreset.EARLIEST` and `ReplayOption.ALL_EVENTS` (they
    re-read what is retained; duplicates are IL104's concern), `CUSTOM` with a
    replay ID, and aiosfstream with a real storage (`shelve`, a
    `ReplayMarkerStorage` subclass), and Python files under test paths (unit
    tests build subscribers around mocks).

    In config it flags a Camel Salesforce subscription (`subscribe`,
    `pubSubSubscribe`, or any route that starts `from` the component) that
    starts at the newest event: `replayId` or `defaultReplayId` `-1`,
    `replayPreset: LATEST` without `pubSubReplayId`, or no replay option at all
    (the defaults; medium confidence, as a component-wide setting may live in
    another file), unless the document sets the component's replay options
    (`camel.component.salesforce.*`) or does something with the replay-ID
    header (`CamelSalesforceReplayId`, `CamelSalesforcePubSubReplayId`) other
    than log it. A Kafka Connect Salesforce source resumes from the replay ID
    Connect keeps in its offsets, so `salesforce.initial.start=latest` alone is
    fine; it is flagged (medium confidence) only when the same file keeps
    those offsets in a temporary directory (`offset.storage.file.filename=/tmp/...`).

    ## Why it matters
    A subscriber that restarts at the tip silently skips every event published
    while it was down: a deploy, a crash or a network outage loses data. The
    integration patterns guide: "The replay ID associated with each event is
    atomic and increases with every published event. This ID can be used to
    replay the stream from a specific event (for example, based upon the last
    successfully captured event). High-volume platform event messages are
    stored for 72 hours (three days)."

    ## Example
    ```python
    def fetch_requests():
        while True:
            semaphore.acquire()
            yield pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.LATEST, num_requested=10)

    for response in stub.Subscribe(fetch_requests(), metadata=auth):
        handle(response.events)
        latest_replay_id = response.latest_replay_id
    ```

    ## Use instead
    ```python
    def fetch_requests():
        while True:
            semaphore.acquire()
            stored = redis.get(REPLAY_KEY)
            if stored:
                yield pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.CUSTOM, replay_id=stored, num_requested=10)
            else:
                yield pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.EARLIEST, num_requested=10)

    for response in stub.Subscribe(fetch_requests(), metadata=auth):
        handle(response.events)
        redis.set(REPLAY_KEY, response.latest_replay_id)
    ```
    """

    code = "IL405"
    name = "replay-not-persisted"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = {"py": SUBSCRIPTIONS, "cfg": SALESFORCE_COMPONENTS}
    dialects = (CAMEL, KAFKA_CONNECT)
    valid = [
        # The received position reaches Redis, and the subscription resumes from it.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def fetch_requests(store):\n"
            "    while True:\n"
            "        semaphore.acquire()\n"
            "        yield pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.CUSTOM, replay_id=store.get(KEY), num_requested=10)\n\n"
            "def run(stub, store):\n"
            "    for response in stub.Subscribe(fetch_requests(store), metadata=AUTH):\n"
            "        handle(response.events)\n"
            "        store.set(KEY, response.latest_replay_id)\n"
        ),
        # LATEST only as the first start; the position is stored as events are handled.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def run(stub, db):\n"
            "    request = pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.LATEST, num_requested=50)\n"
            "    for response in stub.Subscribe(iter([request]), metadata=AUTH):\n"
            "        handle(response.events)\n"
            "        db.execute('UPDATE subscriber SET replay_id = %s', (response.latest_replay_id,))\n"
        ),
        # EARLIEST re-reads what is retained, and the consumer skips what it has seen.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def run(stub, seen):\n"
            "    request = pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.EARLIEST, num_requested=100)\n"
            "    for response in stub.Subscribe(iter([request]), metadata=AUTH):\n"
            "        for event in response.events:\n"
            "            if event.event.id not in seen:\n"
            "                handle(event)\n"
            "                seen.add(event.event.id)\n"
        ),
        # A preset chosen by the caller: unknown here.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def make_fetch_request(topic, replay_type, replay_id, num_requested):\n"
            "    preset = getattr(pb2.ReplayPreset, replay_type)\n"
            "    return pb2.FetchRequest(topic_name=topic, replay_preset=preset, replay_id=bytes.fromhex(replay_id), num_requested=num_requested)\n"
        ),
        # aiosfstream with a durable storage.
        Example(
            "import shelve\nfrom aiosfstream import SalesforceStreamingClient, ReplayMarkerStoragePolicy\n\n"
            "async def listen(settings):\n"
            "    with shelve.open('replay.db') as replay:\n"
            "        async with SalesforceStreamingClient(**settings.auth, replay=replay, replay_storage_policy=ReplayMarkerStoragePolicy.MANUAL) as client:\n"
            "            await client.subscribe('/event/Order__e')\n"
            "            async for message in client:\n"
            "                async with client.replay_storage(message):\n"
            "                    await handle(message)\n"
        ),
        Example(
            "from aiosfstream import Client, ReplayMarkerStorage\n\n"
            "class RedisReplayStorage(ReplayMarkerStorage):\n"
            "    async def set_replay_marker(self, subscription, marker):\n"
            "        await redis.set(subscription, marker.replay_id)\n"
            "    async def get_replay_marker(self, subscription):\n"
            "        return await redis.get(subscription)\n\n"
            "client = Client(auth, replay=RedisReplayStorage())\n"
        ),
        # Not Salesforce's Pub/Sub API: another library's FetchRequest.
        "from kafka.protocol.fetch import FetchRequest\nrequest = FetchRequest[4](replica_id=-1, max_wait_time=100)\n",
        # Camel: Pub/Sub resuming from a stored replay ID; streaming from the stored IDs per channel.
        Example(
            "- route:\n    from:\n      uri: salesforce:pubSubSubscribe:/event/Order_Placed__e\n      parameters:\n"
            "        replayPreset: CUSTOM\n        pubSubReplayId: \"{{order-events.replay-id}}\"\n      steps:\n        - to: kafka:orders.placed\n",
            path="routes/order-events.camel.yaml",
        ),
        Example(
            "- route:\n    from:\n      uri: salesforce:subscribe:/data/AccountChangeEvent\n      parameters:\n"
            "        initialReplayIdMap:\n          /data/AccountChangeEvent: 17842\n      steps:\n        - to: kafka:accounts\n",
            path="routes/account-changes.camel.yaml",
        ),
        # No replay option, but the route records each replay ID (resumed through component-wide settings).
        Example(
            "- route:\n    from:\n      uri: salesforce:subscribe:/event/Invoice_Paid__e\n      steps:\n        - to: direct:book-invoice\n"
            "        - to: \"sql:update subscriber set replay_id = :#${header.CamelSalesforceReplayId} where channel = 'invoices'\"\n",
            path="routes/invoice-events.camel.yaml",
        ),
        # Kafka Connect keeps the replay ID in its offsets: `latest` only applies to the very first start.
        Example(
            "name=salesforce-order-events\nconnector.class=io.confluent.salesforce.SalesforcePlatformEventSourceConnector\n"
            "salesforce.platform.event.name=Order_Placed__e\nkafka.topic=sfdc.order-placed\nsalesforce.initial.start=latest\n",
            path="connect/order-events.properties",
        ),
        # A unit test of a streaming client builds it around a mock: not a durable subscriber.
        Example(
            "from unittest import TestCase, mock\nfrom aiosfstream import Client\n\n"
            "class TestClient(TestCase):\n"
            "    def setUp(self):\n"
            "        self.client = Client(mock.Mock())\n\n"
            "    async def test_subscribe(self):\n"
            "        await self.client.subscribe('/topic/Orders')\n",
            path="tests/test_client.py",
        ),
    ]
    invalid = [
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def fetch_requests():\n"
            "    while True:\n"
            "        semaphore.acquire()\n"
            "        yield pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.ReplayPreset.LATEST, num_requested=10)\n\n"
            "def run(stub):\n"
            "    for response in stub.Subscribe(fetch_requests(), metadata=AUTH):\n"
            "        handle(response.events)\n"
            "        latest_replay_id = response.latest_replay_id\n",
            line=6,
        ),
        # The Salesforce example's helper, called with LATEST and no replay ID.
        Example(
            "from PubSub import PubSub\n\n"
            "def run(argument_dict):\n"
            "    listener = PubSub(argument_dict)\n"
            "    listener.auth()\n"
            "    listener.subscribe('/event/NewOrderConfirmation__e', 'LATEST', '', 1, process_confirmation)\n",
            line=6,
        ),
        # No preset at all: LATEST is the protobuf default.
        Example(
            "from pubsub_api_pb2 import FetchRequest\n\n"
            "request = FetchRequest(topic_name='/data/AccountChangeEvent', num_requested=100)\n",
            line=3,
        ),
        Example(
            "from aiosfstream import SalesforceStreamingClient\n\n"
            "async def listen(settings):\n"
            "    async with SalesforceStreamingClient(\n"
            "        consumer_key=settings.key, consumer_secret=settings.secret, username=settings.user, password=settings.password\n"
            "    ) as client:\n"
            "        await client.subscribe('/event/Opportunity_Won__e')\n",
            line=4,
        ),
        Example(
            "from aiosfstream import Client\n\n"
            "client = Client(authenticator, replay={})\n\n"
            "async def listen():\n"
            "    await client.subscribe('/data/AccountChangeEvent')\n",
            line=3,
        ),
        Example(
            "def listen(streaming):\n"
            "    streaming.subscribe('/event/Invoice_Paid__e', replay_id=-1, callback=on_invoice)\n",
            line=2,
        ),
        Example(
            "- route:\n    from:\n      uri: salesforce:pubSubSubscribe:/event/Order_Placed__e\n      parameters:\n"
            "        replayPreset: LATEST\n      steps:\n        - to: kafka:orders.placed\n",
            path="routes/order-events.camel.yaml",
            line=5,
        ),
        Example(
            "- from:\n    uri: salesforce:subscribe:/event/Invoice_Paid__e?rawPayload=true\n    steps:\n      - to: direct:book-invoice\n",
            path="routes/invoice-events.camel.yaml",
            line=2,
        ),
        Example(
            "name=salesforce-order-events\nconnector.class=io.confluent.salesforce.SalesforcePlatformEventSourceConnector\n"
            "salesforce.platform.event.name=Order_Placed__e\nkafka.topic=sfdc.order-placed\nsalesforce.initial.start=latest\n"
            "bootstrap.servers=kafka:9092\noffset.storage.file.filename=/tmp/connect.offsets\n",
            path="connect/order-events.properties",
            line=7,
        ),
    ]

    @cached_property
    def replay(self) -> ReplayFacts:
        return replay_facts(self.facts)

    @cached_property
    def in_tests(self) -> bool:
        # A test builds subscribers around mocks to exercise them; none of them is a durable consumer.
        return is_test_path(self.context.path)

    def visit_Call(self, node: cst.Call) -> None:
        found = self.replay.note(node)
        if found is not None and found.start in (TIP, MEMORY) and not self.in_tests:
            fix = _resume_fix(found)
            self.report_later(node, lambda: self._message(found, fix), hint=fix)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        self.replay.note_statement(original_node)

    def leave_Expr(self, original_node: cst.Expr) -> None:
        self.replay.note_statement(original_node)

    def _message(self, found: Subscription, fix: str) -> str | None:
        # Decided once the whole module is read; a streaming client that never subscribes only publishes.
        if self.replay.resumes or self.replay.stores or (found.kind == STREAMING and not self.replay.subscribes):
            return None
        unstored = self.replay.unstored
        kept = ""
        if unstored is not None:
            code = " ".join(self.facts.source(unstored).split())
            kept = f" (`{code}` keeps it only in memory)" if isinstance(unstored, cst.Assign) else f" (`{code}` reads it and drops it)"
        return (
            f"{found.label} {_start_phrase(found)}, and no received replay ID is stored anywhere in this module{kept}, "
            f"so every restart skips the events published while the subscriber was down ({RETENTION}); {fix}."
        )

    # -- config ------------------------------------------------------------------------------

    def check_config(self, document: ConfigDocument) -> None:
        if document.dialect == CAMEL and not _replay_handled_elsewhere(document):
            for endpoint in endpoints(document.root):
                if endpoint.operation in CAMEL_SUBSCRIBE or endpoint.consumer:
                    self._check_camel_subscription(endpoint)
        elif document.dialect == KAFKA_CONNECT:
            self._check_connector(document)

    def _check_camel_subscription(self, endpoint: Endpoint) -> None:
        start = _camel_start(endpoint)
        if start is None:
            return
        pubsub = endpoint.operation == PUBSUB_SUBSCRIBE
        fix = (
            "store the `CamelSalesforcePubSubReplayId` header of each processed message durably and resubscribe with "
            "`replayPreset: CUSTOM` and `pubSubReplayId` set to the stored ID (`replayPreset: EARLIEST` re-reads the retained events instead)"
            if pubsub
            else "store the `CamelSalesforceReplayId` header of each processed message durably and resubscribe from it with `replayId` "
            "(or `initialReplayIdMap`); `defaultReplayId: -2` re-reads the retained events instead"
        )
        self.report(
            start.at,
            f"Camel endpoint `{endpoint.label}` {start.phrase}, "
            f"so every restart of the route skips the events published while it was down ({RETENTION}); {fix}.",
            hint=fix,
            confidence=None if start.explicit else Confidence.MEDIUM,
        )

    def _check_connector(self, document: ConfigDocument) -> None:
        source = connector(document.root)
        kind = source.connector_class.text.lower()
        if "source" not in kind or "bulk" in kind:  # a sink publishes; the Bulk API source polls, it does not replay
            return
        start = source.setting("salesforce.initial.start")
        if start is not None and (is_reference(start) or not start.is_("latest")):
            return
        offsets = source.setting("offset.storage.file.filename")
        if offsets is None or is_reference(offsets) or not offsets.text.strip().startswith(TEMPORARY_DIRECTORIES):
            return
        name = source.name or source.connector_class.text.rsplit(".", 1)[-1]
        how = "`salesforce.initial.start` is `latest`" if start is not None else "`salesforce.initial.start` is not set and defaults to `latest`"
        fix = (
            "keep the offsets on durable storage (`offset.storage.file.filename` on a persistent volume, or a distributed worker's "
            "`offset.storage.topic`) and set `salesforce.initial.start=all`, so a connector that finds no offset re-reads the retained events"
        )
        self.report(
            offsets,
            f"Kafka Connect source `{name}` keeps its offsets, the replay ID it resumes from, in a temporary directory "
            f"(`{offsets.text.strip()}`) and starts at the newest event when it finds none ({how}), so once the host or container "
            f"is replaced it skips every event published while it was down ({RETENTION}); {fix}.",
            hint=fix,
            confidence=Confidence.MEDIUM,
        )


@dataclass(frozen=True)
class _Start:
    """Where a configured subscription starts from the newest event, and how that was decided."""

    at: Node  # the setting that says so, or the endpoint when no setting does
    phrase: str  # for the message: "starts at the newest event (`replayId` is `-1`)"
    explicit: bool  # set in the file (False: the default applies, and may be set elsewhere)


def _camel_start(endpoint: Endpoint) -> _Start | None:
    """How a Salesforce consumer endpoint starts, if at the newest event; None when it resumes, re-reads, or is set at run time."""
    if endpoint.operation == PUBSUB_SUBSCRIBE:
        preset = endpoint.option("replayPreset")
        if endpoint.given("pubSubReplayId") or (endpoint.given("replayPreset") and (preset is None or not preset.is_("LATEST"))):
            return None
        if preset is not None:
            return _Start(preset, "starts at the newest event (`replayPreset` is `LATEST`, with no `pubSubReplayId`)", True)
        return _Start(
            endpoint.uri, "sets no `replayPreset` or `pubSubReplayId`, which leaves it starting at the newest event (`LATEST`, the default)", False
        )
    for name in STREAMING_REPLAY_OPTIONS:
        if endpoint.given(name):
            value = endpoint.option(name)
            if name == "initialReplayIdMap" or value is None or value.text.strip() != FROM_TIP:
                return None
            return _Start(value, f"starts at the newest event (`{name}` is `-1`)", True)
    return _Start(
        endpoint.uri,
        "sets no `replayId`, `initialReplayIdMap` or `defaultReplayId`, which leaves it starting at the newest event (`-1`, the default)",
        False,
    )


def _replay_handled_elsewhere(document: ConfigDocument) -> bool:
    """The document resumes its subscriptions outside their endpoints: it sets replay options for the whole component
    (`camel.component.salesforce.defaultReplayId`, a Camel K property), or does something with a received replay-ID
    header other than log it (stores it, hands it to another step)."""
    for match in document.select("**"):
        node = match.value
        if not isinstance(node, Scalar):
            continue
        setting = f"{node.scope} {node.text}".lower()
        if COMPONENT_SETTINGS in setting and "replay" in setting:
            return True
        if "log" not in node.path and any(header in node.text for header in REPLAY_HEADERS):
            return True
    return False


def _start_phrase(found: Subscription) -> str:
    if found.start == MEMORY:
        return f"keeps its replay markers in a plain dict ({found.setting}), which is lost when the process exits"
    if found.kind == PUBSUB:
        return f"starts the subscription at the newest event ({found.setting})"
    if found.kind == STREAMING:
        return f"starts at new events only ({found.setting})"
    return f"subscribes with {found.setting}, new events only"


def _resume_fix(found: Subscription) -> str:
    if found.kind == PUBSUB:
        return (
            "store `latest_replay_id` durably once each batch is processed (a file, a database, Redis) and resubscribe "
            "with `replay_preset=ReplayPreset.CUSTOM, replay_id=<stored id>`"
        )
    if found.kind == STREAMING:
        return "pass a durable replay storage, e.g. `replay=shelve.open('replay.db')` or a `ReplayMarkerStorage` subclass backed by your database"
    return "store the `replayId` of each processed message durably and subscribe with the stored ID"


# -- IL406 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Marked:
    """A replay store in a consumer, waiting for a processing call after it."""

    consumer: cst.CSTNode
    label: str
    blocks: tuple[cst.CSTNode, ...]  # the blocks around the store, outermost first
    call: cst.Call


class ReplayMarkedBeforeProcessing(PythonRule):
    """
    ## What it does
    Finds event consumers that mark an event as consumed before processing it:
    an aiosfstream client with a replay storage whose `replay_storage_policy`
    is left AUTOMATIC (the default), and a Pub/Sub API or CometD consumer that
    stores the replay ID (or calls `extract_replay_id`) before a later call
    that processes the event (a same-module function given an argument, a
    Salesforce call, an HTTP or database write) on the same path: in the same
    block or one nested in it. A store on a path of its own (a keepalive
    branch that `continue`s) is not flagged.

    ## Why it matters
    The stored replay ID is where the subscriber resumes. Stored first, it
    moves past an event whose processing then fails, and after the restart
    that event is never delivered again. aiosfstream's AUTOMATIC policy stores
    each marker just before the message is handed to your code. The guide
    recommends replaying "based upon the last successfully captured event".

    ## Example
    ```python
    async with Client(authenticator, replay=shelve.open("replay.db")) as client:
        await client.subscribe("/event/Order_Placed__e")
        async for message in client:
            await create_order(message["data"]["payload"])
    ```

    ## Use instead
    ```python
    async with Client(
        authenticator, replay=shelve.open("replay.db"), replay_storage_policy=ReplayMarkerStoragePolicy.MANUAL
    ) as client:
        await client.subscribe("/event/Order_Placed__e")
        async for message in client:
            async with client.replay_storage(message):  # stored only if processing succeeds
                await create_order(message["data"]["payload"])
    ```
    """

    code = "IL406"
    name = "replay-marked-before-processing"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = Requires(imports=("aiosfstream", "aiocometd"), patterns=(SUBSCRIBE_CALL,))  # subscription loops and callbacks
    valid = [
        # MANUAL policy, marker stored once processing succeeded.
        Example(
            "import shelve\nfrom aiosfstream import Client, ReplayMarkerStoragePolicy\n\n"
            "async def listen(auth):\n"
            "    with shelve.open('replay.db') as replay:\n"
            "        async with Client(auth, replay=replay, replay_storage_policy=ReplayMarkerStoragePolicy.MANUAL) as client:\n"
            "            await client.subscribe('/event/Order__e')\n"
            "            async for message in client:\n"
            "                await create_order(message['data']['payload'])\n"
            "                await client.replay_storage.extract_replay_id(message)\n"
        ),
        # The position is stored after the batch is processed.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def run(stub, redis):\n"
            "    for response in stub.Subscribe(requests(), metadata=AUTH):\n"
            "        for event in response.events:\n"
            "            process(event)\n"
            "        redis.set('replay:orders', response.latest_replay_id)\n\n"
            "def process(event):\n"
            "    pass\n"
        ),
        # A keepalive without events stores the position on its own path.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def on_response(response, pubsub):\n"
            "    if not response.events:\n"
            "        checkpoints.save(TOPIC, response.latest_replay_id)\n"
            "        return\n"
            "    for event in response.events:\n"
            "        handle(event)\n"
            "    checkpoints.save(TOPIC, response.latest_replay_id)\n\n"
            "def handle(event):\n"
            "    pass\n\n"
            "pubsub.subscribe('/event/Order__e', 'CUSTOM', stored_id, 10, on_response)\n"
        ),
        # No storage: nothing is marked (IL405's concern).
        "from aiosfstream import Client\nclient = Client(auth)\n",
    ]
    invalid = [
        Example(
            "import shelve\nfrom aiosfstream import Client\n\n"
            "async def listen(authenticator):\n"
            "    async with Client(authenticator, replay=shelve.open('replay.db')) as client:\n"
            "        await client.subscribe('/event/Order__e')\n",
            line=5,
        ),
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def run(stub, redis):\n"
            "    for response in stub.Subscribe(requests(), metadata=AUTH):\n"
            "        redis.set('replay:orders', response.latest_replay_id)\n"
            "        for event in response.events:\n"
            "            process(event)\n\n"
            "def process(event):\n"
            "    pass\n",
            line=5,
        ),
        Example(
            "from aiosfstream import Client, ReplayMarkerStoragePolicy\n\n"
            "async def listen(auth, storage):\n"
            "    async with Client(auth, replay=storage, replay_storage_policy=ReplayMarkerStoragePolicy.MANUAL) as client:\n"
            "        async for message in client:\n"
            "            await client.replay_storage.extract_replay_id(message)\n"
            "            await forward(message)\n\n"
            "async def forward(message):\n"
            "    pass\n",
            line=6,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.replay = replay_facts(self.facts)
        self.blocks: list[cst.CSTNode] = []
        self.marked: list[_Marked] = []

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.blocks.pop()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.blocks.append(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self.blocks.pop()

    def visit_Call(self, node: cst.Call) -> None:
        found = self.replay.subscription(node)
        if found is not None and found.kind == STREAMING and found.start == STORED and found.automatic:
            self._report_automatic(node, found)
        elif self.replay.marks_position(node):
            consumer = enclosing_consumer(self.facts)
            if consumer is not None and consumer.kind != WEBHOOK:
                self.marked.append(_Marked(consumer.node, consumer.label, tuple(self.blocks), node))
        elif self.marked and self._processes(node):
            self._report_marked_before(node)

    def _report_automatic(self, node: cst.Call, found: Subscription) -> None:
        policy = keyword(node, "replay_storage_policy")
        how = "`replay_storage_policy` is AUTOMATIC" if policy is not None else "`replay_storage_policy` defaults to AUTOMATIC"
        fix = "pass `replay_storage_policy=ReplayMarkerStoragePolicy.MANUAL` and process each message inside `async with client.replay_storage(message):`"
        message = (
            f"{found.label} stores each message's replay marker in its storage ({found.setting}) as soon as the message arrives, before your code "
            f"processes it ({how}), so a message whose processing fails is marked as consumed and skipped after a restart; {fix}."
        )
        # A client that never subscribes (it only publishes) stores no markers: known once the module is read.
        self.report_later(node, lambda: message if self.replay.subscribes else None, hint=fix)

    def _report_marked_before(self, node: cst.Call) -> None:
        consumer = enclosing_consumer(self.facts)
        if consumer is None:
            return
        blocks = tuple(self.blocks)
        for marked in [m for m in self.marked if m.consumer is consumer.node and blocks[: len(m.blocks)] == m.blocks]:
            self.marked.remove(marked)
            fix = "store the replay ID after the event is processed successfully"
            self.report(
                marked.call,
                f"`{short(self.facts, marked.call.func)}` stores the replay ID in {marked.label} before `{short(self.facts, node.func)}` "
                "processes the event, so if processing fails the event is already marked as consumed and a restart skips it; "
                f"{fix}.",
                hint=fix,
            )

    def _processes(self, node: cst.Call) -> bool:
        """A call that does the event's work: a same-module function given something, a Salesforce call, an HTTP write, a SQL statement."""
        func = node.func
        if likely_salesforce_call(self.facts, node) is not None or (node.args and self.facts.callee(func) is not None):
            return True
        if not isinstance(func, cst.Attribute):
            return False
        if func.attr.value in SQL_WRITES:
            return True
        module = (self.facts.qualified_name(func) or "").rpartition(".")[0]
        return func.attr.value in HTTP_WRITES and (module in HTTP_MODULES or self.facts.is_type(func.value, *HTTP_CLIENTS))


# -- IL407 ---------------------------------------------------------------------------------

COMPOSITE_PATH = re.compile(r"^composite(?:/(?P<kind>sobjects|batch|tree|graph))?(?:[/?]|$)")
# What to read of each composite resource's body: the resource as messages name it -> the keys that report failures.
COMPOSITE_CHECKS = {
    None: ("composite", "each `compositeResponse[i].httpStatusCode`"),
    "sobjects": ("composite/sobjects", "each result's `success` and `errors`"),
    "batch": ("composite/batch", "`hasErrors` and each `results[i].statusCode`"),
    "tree": ("composite/tree", "`hasErrors` and each result's `errors`"),
    "graph": ("composite/graph", "each graph's `isSuccessful`"),
}
COMPOSITE_KEYS = frozenset(
    {"compositeResponse", "httpStatusCode", "success", "errors", "hasErrors", "results", "statusCode", "isSuccessful", "graphs", "graphResponse"}
)
STATUS_KEYS = {"raise_for_status": "`raise_for_status()`", "status_code": "`status_code`", "ok": "`ok`", "is_success": "`is_success`", "is_error": "`is_error`"}
SUBREQUESTS_FAIL = "Salesforce answers 200 even when subrequests or records inside it fail"


class CompositeStatusUnchecked(FollowsResults):
    """
    ## What it does
    Finds Composite API writes — `composite`, `composite/batch`,
    `composite/sobjects`, `composite/tree`, `composite/graph`, through
    `requests`/`httpx` or `sf.restful` — whose response is discarded or judged
    only by its HTTP status (`raise_for_status()`, `status_code`, `ok`), with
    no read of `compositeResponse`, `httpStatusCode`, `success`, `errors`,
    `hasErrors` or `results`, in the function or in a same-module helper the
    response is handed to. A response returned or handed to other code is
    left to that code.

    ## Why it matters
    A composite request succeeds as a whole while the records or subrequests
    inside it fail one by one. The integration patterns guide: "Proper error
    handling should examine the response body, not just HTTP status codes. A
    composite endpoint responds with 200 HTTP status code even if inside the
    response body it shows that one of the subrequests failed and transaction
    had to rollback."

    ## Example
    ```python
    response = session.post(f"{base}/services/data/v61.0/composite/sobjects", json={"records": batch}, timeout=30)
    response.raise_for_status()
    ```

    ## Use instead
    ```python
    response = session.post(f"{base}/services/data/v61.0/composite/sobjects", json={"records": batch}, timeout=30)
    response.raise_for_status()
    failed = [(row, result["errors"]) for row, result in zip(batch, response.json()) if not result["success"]]
    ```
    """

    code = "IL407"
    name = "composite-status-unchecked"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = SALESFORCE_CALLS & Requires(markers=("composite",))
    valid = [
        # Each result's success is read.
        Example(
            "import requests\n\n"
            "def push(session: requests.Session, base, batch):\n"
            "    response = session.post(f'{base}/services/data/v61.0/composite/sobjects', json={'records': batch}, timeout=30)\n"
            "    response.raise_for_status()\n"
            "    return [r['id'] for r in response.json() if r['success']]\n"
        ),
        # compositeResponse read in a same-module helper that receives the response.
        Example(
            "import requests\n\n"
            "def check(response):\n"
            "    for sub in response.json()['compositeResponse']:\n"
            "        if sub['httpStatusCode'] >= 400:\n"
            "            raise RuntimeError(sub['body'])\n\n"
            "def send(base, token, subrequests):\n"
            "    response = requests.post(f'{base}/services/data/v61.0/composite', json={'compositeRequest': subrequests}, timeout=30)\n"
            "    check(response)\n"
        ),
        # Returned: the caller judges it.
        Example(
            "import requests\n\n"
            "def send(base, body):\n"
            "    response = requests.post(base + '/services/data/v61.0/composite/tree/Account', json=body, timeout=30)\n"
            "    response.raise_for_status()\n"
            "    return response.json()\n"
        ),
        # A read, not a write.
        Example(
            "import requests\n\n"
            "def accounts(base, ids):\n"
            "    requests.get(f'{base}/services/data/v61.0/composite/sobjects/Account', params={'ids': ids}, timeout=30).raise_for_status()\n"
        ),
    ]
    invalid = [
        Example(
            "import requests\n\n"
            "def push(session: requests.Session, base, batch):\n"
            "    response = session.post(f'{base}/services/data/v61.0/composite/sobjects', json={'records': batch}, timeout=30)\n"
            "    response.raise_for_status()\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def close_cases(sf: Salesforce, records):\n"
            "    sf.restful('composite/sobjects', method='PATCH', json={'allOrNone': False, 'records': records})\n",
            line=4,
        ),
        Example(
            "import httpx\n\n"
            "def send(client: httpx.Client, base, subrequests):\n"
            "    response = client.post(f'{base}/services/data/v61.0/composite', json={'compositeRequest': subrequests})\n"
            "    if response.status_code != 200:\n"
            "        raise RuntimeError(response.text)\n",
            line=4,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        found = salesforce_call(self.facts, node)
        if found is None or not found.is_rest or not found.is_write:
            return
        path = COMPOSITE_PATH.match(found.rest_path or "")
        if path is None:
            return
        resource, keys = COMPOSITE_CHECKS[path.group("kind")]
        followed = self.flow.follow(node)
        label = f"`{self.facts.source(node.func)}`"
        fix = f"read {keys} in the response body and handle the failed ones"
        self.report_later(node, lambda: self._message(followed, label, resource, fix), hint=fix)

    def _message(self, followed: Followed, label: str, resource: str, fix: str) -> str | None:
        fate = followed.fate()
        if fate.handed_off or self.reads_any(fate, COMPOSITE_KEYS):
            return None
        if fate.discarded:
            return f"{label} sends a `{resource}` request and discards the response, but {SUBREQUESTS_FAIL}, so those failures go unnoticed; {fix}."
        status = [text for key, text in STATUS_KEYS.items() if key in fate.keys]
        judged = f"is judged only by {' and '.join(status)}" if status else "is never read for the results inside it"
        return f"The `{resource}` response of {label} {judged}, but {SUBREQUESTS_FAIL}, so those failures go unnoticed; {fix}."


# -- IL408 ---------------------------------------------------------------------------------

BULK2_WRITES = frozenset({"insert", "upsert", "update", "delete", "hard_delete"})
BULK_WRITES = frozenset({"insert", "upsert", "update", "delete", "hard_delete"})
BULK2_FAILURE_KEYS = frozenset({"numberRecordsFailed", "get_failed_records"})  # read from the result, or named by a helper given it
# salesforce_bulk: the calls that read a batch's per-record results, and those that make a query (not a write) job.
BATCH_RESULT_READERS = frozenset({"get_batch_results", "get_all_results_for_query_batch", "get_query_batch_results", "get_query_batch_result_ids"})
QUERY_JOBS = frozenset({"create_query_job", "create_queryall_job"})
WRITE_JOBS = frozenset({"create_insert_job", "create_update_job", "create_upsert_job", "create_delete_job", "create_job"})
REJECTED = "the records Salesforce rejects (validation rules, required fields, locks) are silently dropped"


class BulkFailuresIgnored(FollowsResults):
    """
    ## What it does
    Finds bulk loads whose per-record failures nobody reads:
    `sf.bulk2.<Object>.insert/upsert/update/delete/hard_delete` whose result is
    discarded or never read for `numberRecordsFailed` (in the function or a
    same-module helper it is handed to) while the function never calls
    `get_failed_records`; `sf.bulk.<Object>.*(..., bypass_results=True)`; and
    salesforce_bulk's `wait_for_batch` in a module that never reads a batch's
    results (`get_batch_results`).

    ## Why it matters
    A bulk job completes even when some of its records fail; the failures are
    only in the job's counts and result set. The integration patterns guide:
    "The API calls return a result set that consists of ... Record identifying
    information, Success/failure notification, A collection of errors for each
    record. This information should be used to retry the write operation (if
    necessary)."

    ## Example
    ```python
    sf.bulk2.Contact.upsert(csv_file="contacts.csv", external_id_field="Email__c")
    ```

    ## Use instead
    ```python
    for job in sf.bulk2.Contact.upsert(csv_file="contacts.csv", external_id_field="Email__c"):
        if job["numberRecordsFailed"]:
            sf.bulk2.Contact.get_failed_records(job["job_id"], file=f"failed-{job['job_id']}.csv")
    ```
    """

    code = "IL408"
    name = "bulk-failures-ignored"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = Requires(imports=("simple_salesforce", "salesforce_bulk"))
    valid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, path):\n"
            "    results = sf.bulk2.Contact.upsert(csv_file=path, external_id_field='Email__c')\n"
            "    failed = sum(job['numberRecordsFailed'] for job in results)\n"
            "    if failed:\n"
            "        raise RuntimeError(f'{failed} contacts failed')\n"
        ),
        # The failed rows are fetched.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, rows):\n"
            "    for job in sf.bulk2.Lead.insert(records=rows):\n"
            "        sf.bulk2.Lead.get_failed_records(job['job_id'], file='failed.csv')\n"
        ),
        # Returned to the caller, who judges it.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, rows):\n"
            "    return sf.bulk2.Account.update(records=rows)\n"
        ),
        # salesforce_bulk: the batch results are read after waiting.
        Example(
            "from salesforce_bulk import SalesforceBulk\n\n"
            "def load(bulk: SalesforceBulk, rows):\n"
            "    job = bulk.create_insert_job('Account', contentType='CSV')\n"
            "    batch = bulk.post_batch(job, rows)\n"
            "    bulk.wait_for_batch(job, batch)\n"
            "    bulk.close_job(job)\n"
            "    return [row for row in bulk.get_batch_results(batch, job) if not row.success]\n"
        ),
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, path):\n"
            "    sf.bulk2.Contact.upsert(csv_file=path, external_id_field='Email__c')\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, rows):\n"
            "    results = sf.bulk2.Lead.insert(records=rows)\n"
            "    print('loaded', sum(job['numberRecordsProcessed'] for job in results))\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, rows):\n"
            "    sf.bulk.Account.update(rows, batch_size=5000, bypass_results=True)\n",
            line=4,
        ),
        Example(
            "from salesforce_bulk import SalesforceBulk\n\n"
            "bulk = SalesforceBulk(sessionId=token, host=host)\n"
            "job = bulk.create_insert_job('Account', contentType='CSV')\n"
            "batch = bulk.post_batch(job, rows)\n"
            "bulk.wait_for_batch(job, batch)\n"
            "bulk.close_job(job)\n",
            line=6,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        imported = (binding.qualified or "" for binding in self.facts.module_scope.names.values())
        self.salesforce_bulk = any(name.split(".")[0] == "salesforce_bulk" for name in imported)
        self.calls: set[str] = set()  # names of the methods called anywhere in the module
        self.calls_by_function: dict[cst.FunctionDef | None, set[str]] = {}  # ... and in each function (None: module level)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute):
            self.calls.add(node.func.attr.value)
            self.calls_by_function.setdefault(self.facts.current_function(), set()).add(node.func.attr.value)
        resolved = likely_salesforce_call(self.facts, node)
        if resolved is not None:
            found, confidence = resolved
            if found.api == "bulk2" and found.operation in BULK2_WRITES:
                self._follow_bulk2(node, confidence)
            elif found.api == "bulk" and found.operation in BULK_WRITES and self._bypasses_results(node):
                self._report_bypass(node, confidence)
        elif self.salesforce_bulk and isinstance(node.func, cst.Attribute) and node.func.attr.value == "wait_for_batch":
            self._check_batch_results(node)

    def _follow_bulk2(self, node: cst.Call, confidence: Confidence) -> None:
        followed = self.flow.follow(node)
        function = self.facts.current_function()
        called = self.calls_by_function.setdefault(function, set())
        where = f"`{function.name.value}`" if function is not None else "this module"
        label = f"`{self.facts.source(node.func)}`"
        fix = (
            f"check each job's `numberRecordsFailed` and fetch the rejected rows with "
            f"`{self.facts.source(node.func.value)}.get_failed_records(job['job_id'])` to fix and reload them"
        )

        def message() -> str | None:
            fate = followed.fate()
            if "get_failed_records" in called or fate.handed_off or self.reads_any(fate, BULK2_FAILURE_KEYS):
                return None
            if fate.discarded:
                return f"{label} discards its result, so {REJECTED}: nothing reads `numberRecordsFailed` or calls `get_failed_records`; {fix}."
            processed = " (only `numberRecordsProcessed`, which counts failed records too)" if "numberRecordsProcessed" in fate.keys else ""
            return (
                f"The result of {label} is never read for `numberRecordsFailed`{processed} and nothing in {where} "
                f"calls `get_failed_records`, so {REJECTED}; {fix}."
            )

        self.report_later(node, message, hint=fix, confidence=None if confidence is Confidence.HIGH else confidence)

    def _bypasses_results(self, node: cst.Call) -> bool:
        given = keyword(node, "bypass_results")
        return given is not None and isinstance(given.value, cst.Name) and given.value.value == "True"

    def _report_bypass(self, node: cst.Call, confidence: Confidence) -> None:
        fix = "drop `bypass_results=True` and check each result's `success` and `errors`"
        self.report(
            node,
            f"`{self.facts.source(node.func)}` passes `bypass_results=True`, so it neither waits for its batches nor returns "
            f"their per-record results, and {REJECTED}; {fix}.",
            hint=fix,
            confidence=None if confidence is Confidence.HIGH else confidence,
        )

    def _check_batch_results(self, node: cst.Call) -> None:
        fix = (
            f"read the batch's results with `{self.facts.source(node.func.value)}.get_batch_results(batch, job)` "
            "and retry or record the rows whose `success` is false"
        )

        def message() -> str | None:
            read = not BATCH_RESULT_READERS.isdisjoint(self.calls)
            query_only = not QUERY_JOBS.isdisjoint(self.calls) and WRITE_JOBS.isdisjoint(self.calls)
            if read or query_only:
                return None
            return (
                f"`{self.facts.source(node.func)}` waits for the batch, but nothing in this module reads its results "
                f"with `get_batch_results`, so {REJECTED}; {fix}."
            )

        self.report_later(node, message, hint=fix)


# -- IL409 ---------------------------------------------------------------------------------

PUBLISH_ERROR_KEYS = frozenset({"error"})
SAVE_RESULT_CHECKS = frozenset({"issuccess", "geterrors"})  # lower-case, as `Fate.methods` holds them
APEX_PUBLISH_FIX = "check each result's `isSuccess()` and log or retry the events that failed, with the reasons from `getErrors()`"


class PublishResultIgnored(FollowsResults, ApexRule):
    """
    ## What it does
    Finds Pub/Sub API publishes (`stub.Publish(...)`, `stub.PublishStream(...)`)
    whose response is discarded or never read for `results[i].error` (in the
    function or a same-module helper it is handed to). Testing a result's
    `replay_id` (set only for events that were published) counts as a check.

    In Apex it flags `EventBus.publish(...)` whose `Database.SaveResult` (or
    list of them) is discarded or never read with `isSuccess()` or
    `getErrors()`, followed through the locals and loop variables that hold
    it; a result returned, kept in a field or handed to another method is
    judged there. `@isTest` classes are not checked.

    ## Why it matters
    The Publish call succeeds as a whole when single events are rejected: each
    event's outcome is in its `PublishResult`, with `error` set for a failed
    one. Unread, a rejected event is lost without a trace. The integration
    patterns guide advises error handling on the publishing side: "Publishing
    those events using a middleware solution can help incorporate error
    handling on the publishing side."

    ## Example
    ```python
    stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=auth)
    ```

    ## Use instead
    ```python
    response = stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=auth)
    failed = [result for result in response.results if result.HasField("error")]
    if failed:
        retry_later(failed)
    ```
    """

    code = "IL409"
    name = "publish-result-ignored"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = Requires(markers=("publish",))  # `stub.Publish(...)`, `PublishStream`, Apex `EventBus.publish`
    valid = [
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def publish(stub, events):\n"
            "    response = stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=AUTH)\n"
            "    for result in response.results:\n"
            "        if result.error.code:\n"
            "            raise RuntimeError(result.error.msg)\n"
        ),
        # The Salesforce example: success judged by the result's replay id.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def publish(pubsub, request):\n"
            "    res = pubsub.stub.Publish(request, metadata=pubsub.metadata)\n"
            "    if res.results[0].replay_id:\n"
            "        print('published')\n"
            "    else:\n"
            "        print('failed')\n"
        ),
        # Returned to the caller.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def publish(stub, request):\n"
            "    return stub.Publish(request, metadata=AUTH)\n"
        ),
        # Google Cloud's Pub/Sub has a Publish RPC of its own.
        "from google.pubsub_v1 import PublishRequest\nstub.Publish(PublishRequest(topic=TOPIC, messages=messages))\n",
        # Apex: each SaveResult checked, the failures logged with their errors.
        Example(
            "public with sharing class OrderPublisher {\n"
            "    public static void publishPlaced(List<Order_Placed__e> events) {\n"
            "        List<Database.SaveResult> results = EventBus.publish(events);\n"
            "        for (Database.SaveResult result : results) {\n"
            "            if (!result.isSuccess()) {\n"
            "                IntegrationLog.error('Order_Placed__e', result.getErrors());\n"
            "            }\n"
            "        }\n"
            "    }\n"
            "}\n",
            path="classes/OrderPublisher.cls",
        ),
        # Returned to the caller, who judges it.
        Example(
            "public class InvoiceEvents {\n"
            "    public static Database.SaveResult paid(Id invoiceId) {\n"
            "        return EventBus.publish(new Invoice_Paid__e(Invoice_Id__c = invoiceId));\n"
            "    }\n"
            "}\n",
            path="classes/InvoiceEvents.cls",
        ),
        # A test publishes to exercise its subscriber; Test.stopTest() delivers the event.
        Example(
            "@isTest\n"
            "private class OrderPublisherTest {\n"
            "    @isTest\n"
            "    static void deliversOrderPlaced() {\n"
            "        Test.startTest();\n"
            "        EventBus.publish(new Order_Placed__e(Order_Number__c = '00000100'));\n"
            "        Test.stopTest();\n"
            "    }\n"
            "}\n",
            path="classes/OrderPublisherTest.cls",
        ),
    ]
    invalid = [
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def publish(stub, events):\n"
            "    stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=AUTH)\n",
            line=4,
        ),
        Example(
            "import logging\nimport pubsub_api_pb2 as pb2\n\nlog = logging.getLogger(__name__)\n\n"
            "def publish(stub, events):\n"
            "    response = stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=AUTH)\n"
            "    log.info('published %d events', len(response.results))\n",
            line=7,
        ),
        Example(
            "public with sharing class OrderPublisher {\n"
            "    public static void publishPlaced(List<Order> orders) {\n"
            "        List<Order_Placed__e> events = new List<Order_Placed__e>();\n"
            "        for (Order o : orders) {\n"
            "            events.add(new Order_Placed__e(Order_Number__c = o.OrderNumber));\n"
            "        }\n"
            "        EventBus.publish(events);\n"
            "    }\n"
            "}\n",
            path="classes/OrderPublisher.cls",
            line=7,
        ),
        # Kept, but only written to the debug log.
        Example(
            "public class InvoiceEvents {\n"
            "    public static void paid(Id invoiceId) {\n"
            "        Database.SaveResult result = EventBus.publish(new Invoice_Paid__e(Invoice_Id__c = invoiceId));\n"
            "        System.debug('Published invoice event: ' + result);\n"
            "    }\n"
            "}\n",
            path="classes/InvoiceEvents.cls",
            line=3,
        ),
    ]

    @cached_property
    def replay(self) -> ReplayFacts:
        return replay_facts(self.facts)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.replay.publishes(node):
            return
        followed = self.flow.follow(node)
        label = f"`{self.facts.source(node.func)}`"
        fix = "check each `results[i].error` of the response and retry or record the events that failed"

        def message() -> str | None:
            fate = followed.fate()
            if fate.handed_off or self.reads_any(fate, PUBLISH_ERROR_KEYS) or "replay_id" in fate.tested:
                return None
            what = f"{label} discards its response" if fate.discarded else f"The response of {label} is never read for `results[i].error`"
            return (
                f"{what}, so events the event bus rejects are lost without notice: the call succeeds even when an event's "
                f"`PublishResult` carries an `error`; {fix}."
            )

        self.report_later(node, message, hint=fix)

    # -- Apex --------------------------------------------------------------------------------

    def check_apex(self, unit: ApexFile, index: ApexIndex) -> None:
        for _, routine in index.production_routines(unit.path):
            for step in routine.steps:
                fate = step.fate
                if fate is None or step.call.named_key != EVENTBUS_PUBLISH or fate.handed_off or fate.methods & SAVE_RESULT_CHECKS:
                    continue
                label = f"`{step.label}`"
                if fate.discarded:
                    what = f"{label} discards its `Database.SaveResult`"
                else:
                    kept = f" (kept in `{fate.holders[0]}`)" if fate.holders else ""
                    what = f"The `Database.SaveResult` of {label}{kept} is never checked with `isSuccess()` or `getErrors()`"
                self.report(
                    step.site,
                    f"{what}, so an event the event bus rejects is lost without notice: `EventBus.publish` does not throw when "
                    f"a publish fails, it returns a result whose `isSuccess()` is false; {APEX_PUBLISH_FIX}.",
                    scope=routine.scope,
                    hint=APEX_PUBLISH_FIX,
                )
