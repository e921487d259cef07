"""IL405 and IL406: event subscribers that do not resume where they stopped, or mark events done too early."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, PythonRule, Requires
from lint.rules.requirements import SALESFORCE_COMPONENTS, SUBSCRIBE_CALL, SUBSCRIPTIONS
from lint.sources.config_camel import Endpoint, endpoints
from lint.sources.config_dialects import CAMEL, KAFKA_CONNECT, connector
from lint.sources.config_model import ConfigDocument, Node, Scalar, is_reference
from lint.sources.paths import is_test_path
from lint.sources.python_calls import keyword
from lint.sources.python_handlers import PUBSUB, STREAMING, WEBHOOK, enclosing_consumer
from lint.sources.python_replay import MEMORY, STORED, TIP, ReplayFacts, Subscription, replay_facts
from lint.sources.python_retry import short
from lint.sources.python_salesforce import HTTP_CLIENTS, HTTP_MODULES, likely_salesforce_call

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
        return func.attr.value in HTTP_WRITES and (module in HTTP_MODULES or self.facts.is_method_of(func, *HTTP_CLIENTS))
