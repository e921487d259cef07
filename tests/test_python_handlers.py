"""The handler fact: web routes, Pub/Sub and CometD subscriptions, subscribe callbacks and work handed off."""

from __future__ import annotations

import re
import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule
from lint.sources.python import lint_file
from lint.sources.python_handlers import enclosing_consumer, enclosing_handler


class ConsumerProbe(PythonRule):
    """
    ## What it does
    Test probe: reports the consumer around every `write(...)` call and the handler around every `probe(...)` call.

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
        if not isinstance(node.func, cst.Name):
            return
        if node.func.value == "write":
            consumer = enclosing_consumer(self.facts)
            fields = [consumer.kind, str(consumer.event), str(consumer.payload), consumer.label] if consumer else ["-"]
        elif node.func.value == "probe":
            handler = enclosing_handler(self.facts)
            fields = [handler.kind, str(handler.salesforce), str(handler.handed_off), str(handler.framework), handler.label] if handler else ["-"]
        else:
            return
        self.report(node, "|".join(fields))


def probed(code: str) -> dict[str, tuple[str, ...]]:
    """Tag -> (kind, event name, payload, label), or ("-",): `write(x)  # tag` marks a probed call.

    `probe(x)  # tag` gives the handler instead: (kind, from Salesforce, handed off, framework, label).
    """
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
    found = probed(
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
    found = probed(
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
    found = probed(
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
    found = probed(
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
    found = probed(
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
    found = probed(
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
    found = probed(
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
    found = probed(
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
    found = probed(
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
    found = probed(
        """
        def on_order(event, client):
            write(event)  # local_channel

        def main(pubsub):
            channel = "/event/Order__e"
            pubsub.subscribe(channel, "LATEST", "", 1, on_order)
        """
    )
    assert found["local_channel"] == ("pubsub", "event", "None", "the subscription callback `on_order`")


# -- every handler (`enclosing_handler`), Salesforce or not -------------------------------

NOT_A_HANDLER = ("-",)


def test_flask_routes_of_any_method_are_handlers_and_only_salesforce_posts_are_from_salesforce():
    found = probed(
        """
        from flask import Blueprint, Flask, request

        app = Flask(__name__)
        bp = Blueprint("sfdc", __name__)
        NS = {"out": "http://soap.sforce.com/2005/09/outbound"}

        @app.get("/health")
        def health():
            probe()  # get

        @app.route("/orders")
        def list_orders():
            probe(request.args["sObject"], "notifications")  # get_with_markers

        @bp.route("/sfdc/account", methods=("POST",))
        def account_changed():
            probe(parse(request.data).find("out:Notification", NS))  # constant_markers

        def unrelated():
            probe()  # not_a_route
        """
    )
    assert found["get"] == ("webhook", "False", "False", "flask", "the route `health`")
    assert found["get_with_markers"] == ("webhook", "False", "False", "flask", "the route `list_orders`")
    assert found["constant_markers"] == ("webhook", "True", "False", "flask", "the outbound message route `account_changed`")
    assert found["not_a_route"] == NOT_A_HANDLER


def test_registered_routes_aiohttp_starlette_and_flask_add_url_rule():
    found = probed(
        """
        from aiohttp import web

        async def order_placed(request):
            probe((await request.json())["Order_Placed__e"])  # route_table

        async def stock(request):
            probe()  # get_in_table

        async def account_change(request):
            probe((await request.json())["ChangeEventHeader"])  # router_add_post

        def create_app():
            app = web.Application()
            app.add_routes([web.post("/events/order", order_placed), web.get("/stock/{sku}", stock)])
            app.router.add_post("/cdc/account", account_change)
            return app
        """
    )
    assert found["route_table"] == ("webhook", "True", "False", "aiohttp", "the platform event route `order_placed`")
    assert found["get_in_table"] == ("webhook", "False", "False", "aiohttp", "the route `stock`")
    assert found["router_add_post"][:4] == ("webhook", "True", "False", "aiohttp")

    found = probed(
        """
        from starlette.applications import Starlette
        from starlette.routing import Route

        async def contact_change(request):
            probe((await request.json())["ChangeEventHeader"]["recordIds"])  # starlette

        app = Starlette(routes=[Route("/cdc/contact", contact_change, methods=["POST"])])
        """
    )
    assert found["starlette"] == ("webhook", "True", "False", "starlette", "the change event route `contact_change`")

    found = probed(
        """
        from flask import Flask, request

        def outbound():
            probe(request.data, "sObject", "Notification")  # add_url_rule

        def create_app():
            app = Flask(__name__)
            app.add_url_rule("/sfdc/outbound", view_func=outbound, methods=["POST"])
            return app
        """
    )
    assert found["add_url_rule"] == ("webhook", "True", "False", "flask", "the outbound message route `outbound`")


def test_fastapi_routers_django_class_views_and_drf_api_views():
    found = probed(
        """
        from django.views import View
        from fastapi import APIRouter, Request
        from rest_framework.decorators import api_view

        router = APIRouter()

        @router.post("/cdc/opportunity")
        async def opportunity_change(request: Request):
            probe((await request.json())["ChangeEventHeader"])  # fastapi

        class OutboundView(View):
            def post(self, request):
                probe(parse(request.body).find("sObject"), "notifications")  # class_view

            def render(self):
                probe()  # not_a_verb

        @api_view(["POST"])
        def shipment(request):
            probe(request.data["Shipment__e"])  # drf
        """
    )
    assert found["fastapi"] == ("webhook", "True", "False", "fastapi", "the change event route `opportunity_change`")
    assert found["class_view"] == ("webhook", "True", "False", "django", "the outbound message route `OutboundView.post`")
    assert found["not_a_verb"] == NOT_A_HANDLER
    assert found["drf"] == ("webhook", "True", "False", "rest_framework", "the platform event route `shipment`")


def test_work_handed_off_per_event_celery_background_tasks_threads_and_asyncio_tasks():
    found = probed(
        """
        import asyncio
        import threading
        from celery import shared_task
        from fastapi import BackgroundTasks, FastAPI, Request
        from flask import Flask, request

        app = Flask(__name__)
        api = FastAPI()

        @shared_task
        def push_account(xml):
            probe(xml)  # celery

        @shared_task
        def push_order(order):
            probe(order)  # celery_from_plain_route

        def sync_change(change):
            probe(change)  # background_task

        @app.route("/sfdc/account", methods=["POST"])
        def account_changed():
            push_account.delay(request.data)
            def work():
                probe()  # thread
            threading.Thread(target=work).start()
            return ack("notifications", "sObject")

        @app.post("/orders")
        def create_order():
            push_order.apply_async(args=[request.get_json()])

        @api.post("/cdc/account")
        async def cdc(request: Request, background_tasks: BackgroundTasks):
            background_tasks.add_task(sync_change, (await request.json())["ChangeEventHeader"])
        """
    )
    assert found["celery"] == (
        "webhook", "True", "True", "flask",
        "the Celery task `push_account` (handed off by the outbound message route `account_changed`)",
    )  # fmt: skip
    assert found["thread"][:3] == ("webhook", "True", "True")
    assert found["celery_from_plain_route"] == ("webhook", "False", "True", "flask", "the Celery task `push_order` (handed off by the route `create_order`)")
    assert found["background_task"][:4] == ("webhook", "True", "True", "fastapi")


def test_a_subscription_loop_hands_off_tasks_and_calls_helpers():
    found = probed(
        """
        import asyncio
        import pubsub_api_pb2 as pb2

        async def handle(event):
            probe(event)  # started

        def record(event):
            probe(event)  # called

        def forward(event):
            probe(event)  # queued

        async def consume(stub, fetch):
            for response in stub.Subscribe(fetch()):
                asyncio.create_task(handle(response))
                record(response)
                forward.delay(response)
        """
    )
    assert found["started"] == (
        "pubsub", "True", "True", "None",
        "the asyncio task `handle` (handed off per event by the Pub/Sub API subscription `for response in stub.Subscribe(fetch())`)",
    )  # fmt: skip
    assert found["called"][:3] == ("pubsub", "True", "False")
    assert found["queued"][:3] == ("pubsub", "True", "True")


def test_functions_a_salesforce_route_calls_are_fed_by_it_and_those_of_other_routes_are_not():
    found = probed(
        """
        from flask import Flask, request

        app = Flask(__name__)

        def forward(account):
            probe(account)  # helper

        def audit(order):
            probe(order)  # plain_helper

        @app.post("/sfdc/account")
        def account_changed():
            forward(parse(request.data).find("sObject"), "Notification")

        @app.post("/orders")
        def create_order():
            audit(request.get_json())
        """
    )
    assert found["helper"] == ("webhook", "True", "False", "flask", "`forward` (called by the outbound message route `account_changed`)")
    assert found["plain_helper"] == NOT_A_HANDLER


def test_verb_calls_and_decorators_that_are_not_a_web_frameworks_routes():
    found = probed(
        """
        import click
        import requests
        from flask import Flask

        cli = click.Group()

        def handle(payload):
            probe(payload)  # not_registered

        @cli.post("/sfdc")
        def command(request):
            probe(request["sObject"], "Notifications")  # click

        def send(client):
            requests.post("/sfdc", handle)
            client.post("/sfdc", handle)
        """
    )
    assert found["not_registered"] == NOT_A_HANDLER
    assert found["click"] == NOT_A_HANDLER
