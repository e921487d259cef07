"""The replay fact: where subscriptions start, which calls store a received replay id, which calls publish."""

from __future__ import annotations

import re
import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule
from lint.sources.python import lint_file
from lint.sources.python_replay import replay_facts


class ReplayProbe(PythonRule):
    """
    ## What it does
    Test probe: reports what the replay fact says of every call on a line tagged `# probe`.

    ## Why it matters
    It lets the tests read the replay fact at each call of the real traversal.

    ## Example
    ```python
    subscribe()  # probe
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL995"
    name = "replay-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["subscribe()  # probe\n"]

    def visit_Call(self, node: cst.Call) -> None:
        replay = replay_facts(self.facts)
        found = replay.subscription(node)
        parts = []
        if found is not None:
            parts.append(f"{found.kind}:{found.start}" + (":automatic" if found.automatic else ""))
        if replay.marks_position(node):
            parts.append("marks")
        elif replay.stores_replay(node):
            parts.append("stores")
        if replay.publishes(node):
            parts.append("publishes")
        self.report(node, " ".join(parts) or "-")


def probe(code: str) -> dict[str, str]:
    """Tag -> what the fact says of the outermost call on the line tagged `# probe: tag`."""
    source = textwrap.dedent(code)
    lines = source.splitlines()
    result = lint_file("probe.py", source.encode(), [ReplayProbe], {})
    found: dict[str, str] = {}
    for finding in sorted(result.findings, key=lambda f: (f.span.start_line, f.span.start_column)):
        tag = re.search(r"#\s*probe:\s*(\w+)\s*$", lines[finding.span.start_line - 1])
        if tag and tag.group(1) not in found:
            found[tag.group(1)] = finding.message
    return found


# -- Pub/Sub API FetchRequest ------------------------------------------------------------


def test_fetch_request_presets():
    assert probe(
        """
        import pubsub_api_pb2 as pb2
        from pubsub_api_pb2 import FetchRequest, ReplayPreset
        PRESET = pb2.ReplayPreset.LATEST

        pb2.FetchRequest(topic_name=T, replay_preset=pb2.ReplayPreset.LATEST, num_requested=1)  # probe: latest
        FetchRequest(topic_name=T, num_requested=1)  # probe: default
        pb2.FetchRequest(topic_name=T, replay_preset=PRESET)  # probe: constant
        pb2.FetchRequest(topic_name=T, replay_preset="LATEST")  # probe: by_name
        pb2.FetchRequest(topic_name=T, replay_preset=ReplayPreset.EARLIEST)  # probe: earliest
        pb2.FetchRequest(topic_name=T, replay_preset=ReplayPreset.CUSTOM, replay_id=stored)  # probe: custom
        pb2.FetchRequest(topic_name=T, replay_preset=ReplayPreset.CUSTOM if stored else ReplayPreset.LATEST)  # probe: either
        pb2.FetchRequest(topic_name=T, replay_id=stored)  # probe: id_only
        pb2.FetchRequest(num_requested=10)  # probe: flow_control
        pb2.FetchRequest(topic_name=T, **options)  # probe: spread
        pb2.FetchRequest(topic_name=T, **{"replay_preset": ReplayPreset.EARLIEST})  # probe: spread_dict
        """
    ) == {
        "latest": "pubsub:tip",
        "default": "pubsub:tip",
        "constant": "pubsub:tip",
        "by_name": "pubsub:tip",
        "earliest": "pubsub:earliest",
        "custom": "pubsub:stored",
        "either": "pubsub:stored",
        "id_only": "pubsub:stored",
        "flow_control": "pubsub:None",
        "spread": "pubsub:None",
        "spread_dict": "pubsub:earliest",
    }


def test_a_preset_from_a_parameter_is_unknown_even_with_a_default():
    assert probe(
        """
        import pubsub_api_pb2 as pb2

        def request(topic, preset=pb2.ReplayPreset.LATEST):
            return pb2.FetchRequest(topic_name=topic, replay_preset=preset)  # probe: parameter
        """
    ) == {"parameter": "pubsub:None"}


def test_another_librarys_fetch_request_is_not_a_subscription():
    assert probe("from kafka.protocol.fetch import FetchRequest\nFetchRequest[4](replica_id=-1)  # probe: kafka\n") == {"kafka": "-"}


# -- subscribe helpers and CometD ----------------------------------------------------------


def test_subscribe_helpers():
    assert probe(
        """
        from PubSub import PubSub

        pubsub.subscribe("/event/Order__e", "LATEST", "", 1, callback)  # probe: salesforce_example
        pubsub.subscribe("/event/Order__e", "LATEST", stored_id, 1, callback)  # probe: latest_with_id
        pubsub.subscribe("/event/Order__e", "CUSTOM", stored_id, 1, callback)  # probe: custom
        client.subscribe(topic="/data/AccountChangeEvent", replay_type="EARLIEST", replay_id=None)  # probe: earliest
        streaming.subscribe("/event/Order__e", replay_id=-1, callback=callback)  # probe: cometd_new
        streaming.subscribe("/topic/Orders", -2, callback)  # probe: cometd_all
        streaming.subscribe("/event/Order__e", replay_id=last_id)  # probe: cometd_stored
        redis.subscribe("orders", "LATEST")  # probe: not_salesforce
        """
    ) == {
        "salesforce_example": "pubsub:tip",
        "latest_with_id": "pubsub:None",
        "custom": "pubsub:stored",
        "earliest": "pubsub:earliest",
        "cometd_new": "cometd:tip",
        "cometd_all": "cometd:earliest",
        "cometd_stored": "cometd:stored",
        "not_salesforce": "-",
    }


# -- aiosfstream ---------------------------------------------------------------------------


def test_aiosfstream_replay_storages():
    assert probe(
        """
        import shelve
        from collections import OrderedDict
        from aiosfstream import Client, ConstantReplayId, DefaultMappingStorage, ReplayMarkerStorage, ReplayMarkerStoragePolicy, ReplayOption, SalesforceStreamingClient

        class DbStorage(ReplayMarkerStorage):
            pass

        class OrderClient(SalesforceStreamingClient):
            pass

        markers = {}
        Client(auth)  # probe: default
        Client(auth, replay=ReplayOption.NEW_EVENTS)  # probe: new_events
        Client(auth, replay=ReplayOption.ALL_EVENTS)  # probe: all_events
        Client(auth, replay=markers)  # probe: dict
        Client(auth, replay=OrderedDict())  # probe: ordered_dict
        Client(auth, replay=DefaultMappingStorage({}, ReplayOption.ALL_EVENTS))  # probe: mapping_over_dict
        Client(auth, replay=shelve.open("replay.db"))  # probe: shelve
        Client(auth, replay=DbStorage(), replay_storage_policy=ReplayMarkerStoragePolicy.MANUAL)  # probe: manual
        Client(auth, replay=ConstantReplayId(-1))  # probe: constant_new
        Client(auth, replay=ConstantReplayId(saved_id))  # probe: constant_saved
        Client(auth, replay=storage_from_settings())  # probe: unknown
        OrderClient(consumer_key=k, consumer_secret=s, username=u, password=p)  # probe: subclass
        Client(auth, **settings)  # probe: spread
        """
    ) == {
        "default": "streaming:tip:automatic",
        "new_events": "streaming:tip:automatic",
        "all_events": "streaming:earliest:automatic",
        "dict": "streaming:memory:automatic",
        "ordered_dict": "streaming:memory:automatic",
        "mapping_over_dict": "streaming:memory:automatic",
        "shelve": "streaming:stored:automatic",
        "manual": "streaming:stored",
        "constant_new": "streaming:tip:automatic",
        "constant_saved": "streaming:stored:automatic",
        "unknown": "streaming:None:automatic",
        "subclass": "streaming:tip:automatic",
        "spread": "streaming:None",
    }


def test_a_with_bound_shelf_is_a_durable_storage():
    assert probe(
        """
        import shelve
        from aiosfstream import Client

        with shelve.open("replay.db") as replay:
            Client(auth, replay=replay)  # probe: shelf
        """
    ) == {"shelf": "streaming:stored:automatic"}


# -- replay stores ---------------------------------------------------------------------------


def test_what_stores_a_received_replay_id():
    assert probe(
        """
        import json
        import pubsub_api_pb2 as pb2

        def handle(response, cache, cur, handle_file, store, checkpoints, client, message):
            cache.set("sf:replay", response.latest_replay_id)  # probe: redis
            rid = response.latest_replay_id
            cache.set(KEY, rid)  # probe: through_a_name
            cur.execute("UPDATE subscriber SET replay_id = %s", (rid,))  # probe: sql
            cur.execute("SELECT replay_id FROM subscriber")  # probe: sql_read
            json.dump({"replay_id": rid.hex()}, handle_file)  # probe: file
            checkpoints.save(TOPIC, position)  # probe: checkpoint_store
            save_replay_id(TOPIC, position)  # probe: named_helper
            client.replay_storage.extract_replay_id(message)  # probe: aiosfstream
            store.set(KEY, response.events)  # probe: not_a_replay_id
            latest = response.latest_replay_id
            print(response.latest_replay_id)  # probe: output
            seen.add(response.latest_replay_id)  # probe: memory
        """
    ) == {
        "redis": "marks",
        "through_a_name": "marks",
        "sql": "stores",
        "sql_read": "-",
        "file": "marks",
        "checkpoint_store": "marks",
        "named_helper": "marks",
        "aiosfstream": "marks",
        "not_a_replay_id": "-",
        "output": "-",
        "memory": "-",
    }


# -- publishes --------------------------------------------------------------------------------


def test_publish_calls():
    assert probe(
        """
        import pubsub_api_pb2 as pb2

        stub.Publish(pb2.PublishRequest(topic_name=T, events=events), metadata=AUTH)  # probe: publish
        stub.PublishStream(requests(), metadata=AUTH)  # probe: stream
        stub.publish(T, events)  # probe: lower_case
        """
    ) == {"publish": "publishes", "stream": "publishes", "lower_case": "-"}


def test_publish_recognised_by_its_request_without_the_stubs_imported():
    assert probe(
        """
        from gen import PublishRequest

        stub.Publish(PublishRequest(topic_name=T, events=events))  # probe: salesforce
        stub.Publish(PublishRequest(topic=T, messages=messages))  # probe: google
        """
    ) == {"salesforce": "publishes", "google": "-"}


def test_an_http_request_carrying_the_replay_id_stores_nothing():
    assert probe(
        """
        import httpx
        import requests

        async def record(ledger: httpx.AsyncClient, data):
            await ledger.put(URL, headers={"Idempotency-Key": str(data["event"]["replayId"])})  # probe: httpx
            requests.put(URL, json={"replay_id": data["event"]["replayId"]}, timeout=10)  # probe: requests
        """
    ) == {"httpx": "-", "requests": "-"}
