"""The handler fact: Pub/Sub and CometD subscriptions, subscribe callbacks and Salesforce web routes."""

from __future__ import annotations

import re
import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule
from lint.sources.python import lint_file
from lint.sources.python_handlers import enclosing_consumer


class ConsumerProbe(PythonRule):
    """
    ## What it does
    Test probe: reports the consumer around every `write(...)` call.

    ## Why it matters
    It lets the tests read the handler fact at each call of the real traversal.

    ## Example
    ```python
    write(event)
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL996"
    name = "consumer-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["write(event)\n"]

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "write"):
            return
        consumer = enclosing_consumer(self.facts)
        if consumer is None:
            self.report(node, "-")
        else:
            self.report(node, "|".join([consumer.kind, str(consumer.event), str(consumer.payload), consumer.label]))


def consumers(code: str) -> dict[str, tuple[str, ...]]:
    """Tag -> (kind, event name, payload, label), or ("-",): `write(x)  # tag` marks a probed call."""
    source = textwrap.dedent(code)
    lines = source.splitlines()
    result = lint_file("probe.py", source.encode(), [ConsumerProbe], {})
    found = {}
    for finding in result.findings:
        tag = re.search(r"#\s*(\w+)\s*$", lines[finding.span.start_line - 1])
        if tag:
            found[tag.group(1)] = tuple(finding.message.split("|"))
    return found


NOT_A_CONSUMER = ("-",)


def test_pubsub_subscribe_loops_direct_bound_and_delegated():
    found = consumers(
        """
        import pubsub_api_pb2 as pb2

        class Listener:
            def run(self):
                for response in self.stub.Subscribe(self.requests(), metadata=self.auth):
                    for event in response.events:
                        write(event)  # direct
                        self.handle(event)
                    process(self.topic, response)

            def handle(self, event):
                write(event)  # method

            def requests(self):
                while True:
                    write(None)  # generator
                    yield pb2.FetchRequest(topic_name="/event/Order__e")

        def process(topic, received):
            write(received)  # function

        def bound(stub, fetch):
            stream = stub.Subscribe(fetch)
            for message in stream:
                write(message)  # bound

        def unrelated(rows):
            for row in rows:
                write(row)  # rows
        """
    )
    assert found["direct"] == ("pubsub", "response", "None", "the Pub/Sub API subscription `for response in self.stub.Subscribe(...)`")
    assert found["method"][:2] == ("pubsub", "event")
    assert found["method"][3] == "`handle` (called per event by the Pub/Sub API subscription `for response in self.stub.Subscribe(...)`)"
    assert found["function"][:2] == ("pubsub", "received")  # the parameter that receives the loop's event
    assert found["bound"] == ("pubsub", "message", "None", "the Pub/Sub API subscription `for message in stream`")
    assert found["generator"] == NOT_A_CONSUMER
    assert found["rows"] == NOT_A_CONSUMER


def test_subscribe_callbacks_need_a_salesforce_channel_or_subscriber_module():
    found = consumers(
        """
        from google.cloud import pubsub_v1

        def on_order(event, client):
            write(event)  # salesforce_channel

        def on_gcp_message(message):
            write(message)  # gcp

        def main(pubsub, subscriber):
            pubsub.subscribe("/event/New_Order__e", "LATEST", "", 1, on_order)
            subscriber.subscribe("projects/acme/subscriptions/orders", callback=on_gcp_message)
        """
    )
    assert found["salesforce_channel"] == ("pubsub", "event", "None", "the subscription callback `on_order`")
    assert found["gcp"] == NOT_A_CONSUMER


def test_callbacks_in_a_subscriber_module_and_nested_callbacks():
    found = consumers(
        """
        import asyncio
        from salesforce.pubsub_api_pb2_grpc import PubSubStub

        def main(client, topic):
            def on_event(received):
                write(received)  # nested

            asyncio.run(client.subscribe(topic, callback=on_event))
        """
    )
    assert found["nested"] == ("pubsub", "received", "None", "the subscription callback `on_event`")


def test_aiosfstream_and_aiocometd_message_loops():
    found = consumers(
        """
        import aiosfstream
        from aiocometd import Client as CometD

        async def listen():
            async with aiosfstream.SalesforceStreamingClient(consumer_key=k, consumer_secret=s, username=u, password=p) as client:
                await client.subscribe("/topic/OrderUpdates")
                async for message in client:
                    write(message)  # aiosfstream

        async def cometd(url):
            client = CometD(url)
            await client.open()
            async for message in client:
                write(message)  # aiocometd

        async def other(queue):
            async for item in queue:
                write(item)  # queue
        """
    )
    assert found["aiosfstream"] == ("streaming", "message", "None", "the CometD subscription `async for message in client`")
    assert found["aiocometd"][:2] == ("streaming", "message")
    assert found["queue"] == NOT_A_CONSUMER


def test_flask_routes_with_salesforce_payloads():
    found = consumers(
        """
        from flask import Blueprint, Flask, request

        app = Flask(__name__)
        bp = Blueprint("sfdc", __name__)
        NS = {"out": "http://soap.sforce.com/2005/09/outbound"}

        @app.route("/sfdc/outbound", methods=["POST"])
        def outbound():
            for notification in parse(request.data).iterfind("out:Notification", NS):
                write(notification.find("out:sObject", NS))  # outbound

        @bp.post("/sfdc/cdc")
        def change_event():
            payload = request.get_json()
            write(payload["ChangeEventHeader"]["recordIds"])  # cdc

        @app.route("/sfdc/outbound-get")
        def only_get():
            write(request.args["sObject"], "Notification")  # get_only

        @app.post("/orders")
        def plain_webhook():
            write(request.get_json())  # no_markers
        """
    )
    assert found["outbound"] == ("webhook", "None", "outbound message", "the outbound message route `outbound`")
    assert found["cdc"] == ("webhook", "None", "change event", "the change event route `change_event`")
    assert found["get_only"] == NOT_A_CONSUMER
    assert found["no_markers"] == NOT_A_CONSUMER


def test_fastapi_django_and_helper_parsed_payloads():
    found = consumers(
        """
        from django.views.decorators.csrf import csrf_exempt
        from fastapi import APIRouter, Request

        router = APIRouter()

        def parse_shipment(body: dict) -> dict:
            return body["payload"]["Shipment_Requested__e"]

        @router.post("/events/shipment")
        async def shipment(request: Request):
            write(parse_shipment(await request.json()))  # fastapi

        @csrf_exempt
        def order_changed(request):
            write(json.loads(request.body)["OrderChangeEvent"], "Order__ChangeEvent")  # django
        """
    )
    assert found["fastapi"] == ("webhook", "None", "platform event", "the platform event route `shipment`")
    assert found["django"][:3] == ("webhook", "None", "change event")


def test_route_decorators_need_a_web_framework():
    found = consumers(
        """
        import click

        cli = click.Group()

        @cli.post("/sfdc")
        def not_a_route(request):
            write(request["sObject"], "Notifications")  # cli
        """
    )
    assert found["cli"] == NOT_A_CONSUMER


def test_subscribe_loops_of_other_grpc_services_are_not_salesforce_consumers():
    found = consumers(
        """
        import grpc
        import chat_pb2
        import chat_pb2_grpc

        def run(channel):
            stub = chat_pb2_grpc.ChatStub(channel)
            for message in stub.Subscribe(chat_pb2.SubscribeRequest(room="general")):
                write(message)  # chat
        """
    )
    assert found["chat"] == NOT_A_CONSUMER


def test_script_level_subscription_loops_and_callbacks():
    found = consumers(
        """
        import pubsub_api_pb2 as pb2

        def handle(event):
            write(event)  # fed_by_script

        def on_message(message):
            write(message)  # script_callback

        if __name__ == "__main__":
            for response in stub.Subscribe(requests(), metadata=auth):
                handle(response)
            client.subscribe("/event/Order__e", on_message)
        """
    )
    assert found["fed_by_script"][:2] == ("pubsub", "event")
    assert found["script_callback"] == ("pubsub", "message", "None", "the subscription callback `on_message`")


def test_a_channel_bound_in_the_subscribing_function_is_read_there():
    found = consumers(
        """
        def on_order(event, client):
            write(event)  # local_channel

        def main(pubsub):
            channel = "/event/Order__e"
            pubsub.subscribe(channel, "LATEST", "", 1, on_order)
        """
    )
    assert found["local_channel"] == ("pubsub", "event", "None", "the subscription callback `on_order`")
