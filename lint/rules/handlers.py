"""IL304–IL305: calls that hold up an event loop or an event handler that should answer at once."""

from __future__ import annotations

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, PythonRule, Requires
from lint.rules.requirements import NETWORK_CALLS, SALESFORCE_CONSUMERS
from lint.sources.python_calls import decorator_name, walk
from lint.sources.python_clients import TOKEN_URL, ClientCall, client_call
from lint.sources.python_facts import PythonFacts
from lint.sources.python_handlers import OUTBOUND_MESSAGE, WEBHOOK, Consumer, enclosing_consumer, hand_off
from lint.sources.python_retry import short

SLEEP = "time.sleep"
BINDING_DECORATORS = frozenset({"staticmethod", "classmethod"})  # they leave what calling the method runs alone
BACKGROUND_TASK_FRAMEWORKS = frozenset({"fastapi", "starlette"})
SALESFORCE_CLIENTS = frozenset({"simple_salesforce", "salesforce_bulk"})
HTTP_FIX = "use an async client (`httpx.AsyncClient`, `aiohttp`) or `await asyncio.to_thread(...)`"


class BlockingCallInAsync(PythonRule):
    """
    ## What it does
    Finds blocking client calls inside `async def`: `requests` (functions and
    sessions), `httpx`'s synchronous API, `urllib.request.urlopen`, `http.client`
    and `urllib3` requests, simple_salesforce calls (the client, `sf.<Object>`,
    `sf.bulk`/`sf.bulk2`, and `Salesforce(...)` when it logs in), `salesforce_bulk`,
    and `time.sleep`; and calls of a same-module plain function or method that
    makes one of those calls itself (one level deep).

    Not flagged: the same calls handed to a thread (`await asyncio.to_thread(requests.get, url)`,
    `loop.run_in_executor(None, fn)`, a lambda or a nested plain `def` given to an executor),
    async clients (`httpx.AsyncClient`, `aiohttp`), and blocking calls in plain functions.

    ## Why it matters
    An event loop runs one thing at a time. A blocking call in a coroutine stops
    every other coroutine on the loop until the reply arrives: a CometD or Pub/Sub
    subscriber stops reading events, and an async web service stops answering
    every other request, including the outbound messages and webhooks that
    Salesforce retries when no acknowledgment comes back in time.

    ## Example
    ```python
    async def on_order(message):
        order = message["data"]["payload"]
        requests.post(f"{ERP_URL}/orders", json=order, timeout=10)
        sf.Order__c.update(order["Id"], {"Synced__c": True})
    ```

    ## Use instead
    ```python
    async def on_order(message, http: httpx.AsyncClient):
        order = message["data"]["payload"]
        await http.post(f"{ERP_URL}/orders", json=order)
        await asyncio.to_thread(sf.Order__c.update, order["Id"], {"Synced__c": True})
    ```
    """

    code = "IL304"
    name = "blocking-call-in-async"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = (NETWORK_CALLS | Requires(imports=("time",))) & Requires(markers=("async",))
    valid = [
        # Handed to a thread: the coroutine awaits without blocking the loop.
        "import asyncio\nimport requests\n\nasync def fetch(url):\n    return await asyncio.to_thread(requests.get, url, timeout=10)\n",
        "import asyncio, functools\nfrom simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\n\n"
        "async def save(data):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    await loop.run_in_executor(None, functools.partial(sf.Contact.create, data))\n",
        # A lambda or a nested plain def given to an executor runs in a worker thread.
        "import asyncio\nimport requests\n\nasync def fetch(url):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    return await loop.run_in_executor(None, lambda: requests.get(url, timeout=10))\n",
        "import asyncio\nimport requests\n\nasync def push(orders, executor):\n"
        "    def send(order):\n"
        "        return requests.post(ERP_URL, json=order, timeout=10)\n"
        "    loop = asyncio.get_running_loop()\n"
        "    await asyncio.gather(*(loop.run_in_executor(executor, send, order) for order in orders))\n",
        # Async clients.
        "import httpx\n\nasync def push(order):\n    async with httpx.AsyncClient(timeout=10) as client:\n        await client.post(ERP_URL, json=order)\n",
        "import aiohttp\n\nasync def push(order):\n    async with aiohttp.ClientSession() as session:\n"
        "        async with session.post(ERP_URL, json=order) as response:\n            response.raise_for_status()\n",
        "import asyncio\n\nasync def poll():\n    await asyncio.sleep(5)\n",
        # Blocking calls in a plain function are fine.
        "import requests\n\ndef push(order):\n    requests.post(ERP_URL, json=order, timeout=10)\n",
        # A client built from a session id makes no request.
        "from simple_salesforce import Salesforce\n\nasync def client_for(token, url):\n    return Salesforce(instance_url=url, session_id=token)\n",
        # Not a client: a dict's `.get`.
        "async def lookup(cache, key):\n    return cache.get(key)\n",
        # Plain functions whose calls do not run them here: a generator (iterated in a thread), one a decorator runs in a
        # thread, and names that are not the module's function (a parameter, a nested coroutine).
        "import asyncio\nfrom asgiref.sync import sync_to_async\nfrom simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n\n"
        "def contacts(soql):\n    yield from sf.query_all_iter(soql)\n\n"
        "@sync_to_async\ndef account(account_id):\n    return sf.Account.get(account_id)\n\n"
        "def push(order):\n    return sf.Order__c.upsert(f\"Ext__c/{order['id']}\", order)\n\n"
        "async def export(soql, push):\n"
        "    rows = await asyncio.to_thread(list, contacts(soql))\n"
        "    await account(rows[0]['AccountId'])\n"
        "    await push(rows[0])\n",
        "import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=10)\n\n"
        "async def crawl(session, urls):\n"
        "    async def fetch(url):\n        return await session.get(url)\n"
        "    return [await fetch(url) for url in urls]\n",
    ]
    invalid = [
        Example("import requests\n\nasync def push(order):\n    requests.post(ERP_URL, json=order, timeout=10)\n", line=4),
        Example("import time\n\nasync def poll(client):\n    while True:\n        await client.check()\n        time.sleep(5)\n", line=6),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "class Listener:\n"
            "    def __init__(self, url, token):\n"
            "        self.sf = Salesforce(instance_url=url, session_id=token)\n\n"
            "    async def on_event(self, message):\n"
            "        self.sf.Case.create({'Subject': message['data']['payload']['Subject__c']})\n",
            line=8,
        ),
        Example("from urllib.request import urlopen\n\nasync def ping(url):\n    return urlopen(url, timeout=5).read()\n", line=4),
        Example(
            "import http.client\n\nasync def notify(body):\n"
            "    conn = http.client.HTTPSConnection('erp.example.com', timeout=10)\n"
            "    conn.request('POST', '/api/orders', body)\n",
            line=5,
        ),
        Example(
            "from salesforce_bulk import SalesforceBulk\nbulk = SalesforceBulk(sessionId=sid, host=host)\n\n"
            "async def load(rows):\n    job = bulk.create_insert_job('Contact', contentType='CSV')\n",
            line=5,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "async def connect(user, password, token):\n"
            "    return Salesforce(username=user, password=password, security_token=token)\n",
            line=4,
        ),
        Example("import httpx\n\nasync def push(order):\n    httpx.post(ERP_URL, json=order)\n", line=4),
        Example(
            "import requests\n\n"
            "def fetch_account(account_id):\n"
            "    return requests.get(f'{ERP_URL}/accounts/{account_id}', timeout=10).json()\n\n"
            "async def on_change(event):\n"
            "    account = fetch_account(event['recordIds'][0])\n",
            line=7,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        function = self.facts.innermost_function()
        if not (isinstance(function, cst.FunctionDef) and function.asynchronous):
            return
        where = f"`async def {function.name.value}`"
        if self.facts.qualified_name(node.func) == SLEEP:
            delay = self.facts.source(node.args[0].value) if len(node.args) == 1 else "..."
            fix = f"use `await asyncio.sleep({delay})`"
            message = f"`{short(self.facts, node)}` blocks the event loop in {where}: nothing else on the loop runs while it sleeps; {fix}."
            self.report(node, message, hint=fix)
            return
        found = client_call(self.facts, node)
        if found is None:
            self._check_callee(node, where)
            return
        if not found.blocking:
            return
        code = short(self.facts, node.func)
        client = "" if code.startswith(found.client) else f" ({found.client})"  # `self.http.post` (requests)
        if found.login:
            what, fix = f"`{code}(...)`{client} logs in over HTTP", f"log in once at start-up, or use `await asyncio.to_thread({code}, ...)`"
        elif found.client in SALESFORCE_CLIENTS:  # no async version: run it in a thread
            what, fix = f"`{code}`{client} makes a blocking request", f"use `await asyncio.to_thread({code}, ...)`"
        else:
            what, fix = f"`{code}`{client} makes a blocking request", HTTP_FIX
        self.report(
            node,
            f"{what} and stalls the event loop in {where}: every other coroutine waits until it returns; {fix}.",
            hint=fix,
            confidence=found.confidence,
        )


    def _check_callee(self, node: cst.Call, where: str) -> None:
        """A same-module plain function called here that blocks: it runs on the loop as its caller does. Not one a
        decorator wraps (`@sync_to_async` runs it in a thread), nor a generator (calling it runs none of its body)."""
        callee = self.facts.callee(node.func)
        wrapped = callee is not None and any(decorator_name(d.decorator) not in BINDING_DECORATORS for d in callee.decorators)
        plain = callee is not None and callee.asynchronous is None and not wrapped
        inner = blocking_call_of(self.facts, callee) if plain else None
        if inner is None:
            return
        code = short(self.facts, node.func)
        fix = f"use `await asyncio.to_thread({code}, ...)`, or make `{callee.name.value}` async with an async client"
        self.report(node, f"`{code}(...)` calls {inner}, which blocks, and so stalls the event loop in {where}: every other coroutine waits until it returns; {fix}.", hint=fix)


def _blocking_calls(facts: PythonFacts) -> dict[cst.FunctionDef, str | None]:
    return {}


def blocking_call_of(facts: PythonFacts, function: cst.FunctionDef) -> str | None:
    """The first blocking call a plain same-module function makes itself (`requests.get`), labelled for messages.

    Its body is walked only when a coroutine calls it, and once per function (python_calls.walk).
    """
    known = facts.shared(_blocking_calls)
    if function not in known:
        known[function] = None
        nodes = list(walk(function.body))
        if any(node.__class__ is cst.Yield for node in nodes):  # `yield` and `yield from`
            return None  # a generator: what it calls runs where it is iterated
        with facts.in_scope(facts.function_scope(function)):
            for call in (node for node in nodes if node.__class__ is cst.Call):
                found = client_call(facts, call)
                if (found is not None and found.blocking) or facts.qualified_name(call.func) == SLEEP:
                    known[function] = f"`{short(facts, call.func)}`"
                    break
    return known[function]



class SyncCalloutInHandler(PythonRule):
    """
    ## What it does
    Finds Salesforce event handlers that make an outbound callout — an HTTP
    request or a Salesforce write — before they acknowledge the event. Handlers
    are web routes (Flask, Quart, FastAPI, Starlette, Django, aiohttp) that
    receive an outbound message (its SOAP `notifications` body), a change event
    (`ChangeEventHeader`) or a platform event (`__e` fields), Pub/Sub API
    subscription loops and callbacks, CometD/aiosfstream `async for message in
    client` loops, and the same-module functions they call per event.

    Not flagged: handlers that enqueue the work and return (FastAPI
    `BackgroundTasks`, a Celery task's `.delay(...)`, `asyncio.create_task`, a
    queue, a thread); the callouts made afterwards in that background function
    or task; Salesforce reads; and web routes that show no Salesforce payload.

    ## Why it matters
    Outbound messages and event subscriptions follow the fire-and-forget pattern,
    in which "the remote process receives and acknowledges the request and then
    hands off control". Salesforce keeps resending an outbound message until it is
    acknowledged: "if the remote service doesn't respond with a positive
    acknowledgment, Salesforce retries sending the message". A handler that first
    calls the ERP holds the acknowledgment hostage to the ERP: while it is slow or
    down, messages time out and come back, and a subscriber stops reading events.

    ## Example
    ```python
    @app.route("/sfdc/account", methods=["POST"])
    def account_changed():
        for account in parse_notifications(request.data):
            requests.post(f"{ERP_URL}/customers", json=to_customer(account), timeout=10)
        return Response(ACK, mimetype="text/xml")
    ```

    ## Use instead
    ```python
    @app.route("/sfdc/account", methods=["POST"])
    def account_changed():
        for account in parse_notifications(request.data):
            push_customer.delay(to_customer(account))  # a Celery task makes the callout
        return Response(ACK, mimetype="text/xml")
    ```
    """

    code = "IL305"
    name = "sync-callout-in-handler"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = NETWORK_CALLS & SALESFORCE_CONSUMERS
    valid = [
        # Hands the work to FastAPI's BackgroundTasks; the callout runs after the response.
        "import httpx\nfrom fastapi import BackgroundTasks, FastAPI, Request\napp = FastAPI()\n\n"
        "def sync_change(payload):\n"
        "    httpx.post(ERP_URL, json=payload['ChangeEventHeader'], timeout=10)\n\n"
        "@app.post('/cdc/account')\n"
        "async def account_change(request: Request, background_tasks: BackgroundTasks):\n"
        "    background_tasks.add_task(sync_change, await request.json())\n"
        "    return {'accepted': True}\n",
        # Queues a Celery task and acknowledges; the task body makes the callout.
        "import requests\nfrom celery import shared_task\nfrom flask import Flask, Response, request\napp = Flask(__name__)\n\n"
        "@shared_task\n"
        "def push_customer(xml):\n"
        "    requests.post(ERP_URL, data=xml, timeout=10)\n\n"
        "@app.route('/sfdc/account', methods=['POST'])\n"
        "def account_changed():\n"
        "    push_customer.delay(request.data.decode())\n"
        "    return Response(ack('notificationsResponse'), mimetype='text/xml')\n",
        # A web route that does not receive Salesforce events.
        "import requests\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "@app.post('/orders')\n"
        "def create_order():\n"
        "    requests.post(ERP_URL, json=request.get_json(), timeout=10)\n"
        "    return {'ok': True}\n",
        # A subscription that puts events on a queue; a worker makes the callouts.
        "import queue\nimport requests\nimport pubsub_api_pb2 as pb2\nevents = queue.Queue()\n\n"
        "def consume(stub, fetch):\n"
        "    for response in stub.Subscribe(fetch()):\n"
        "        for event in response.events:\n"
        "            events.put(event)\n\n"
        "def worker():\n"
        "    while True:\n"
        "        requests.post(ERP_URL, data=events.get().event.payload, timeout=10)\n",
        # Reading Salesforce is not a write.
        "from flask import Flask, request\nfrom simple_salesforce import Salesforce\napp = Flask(__name__)\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n\n"
        "@app.route('/sfdc/outbound', methods=['POST'])\n"
        "def outbound():\n"
        "    account_id = parse(request.data).findtext('.//sf:sObject/sf:Id', namespaces=NS)\n"
        "    owner = sf.query(f\"SELECT OwnerId FROM Account WHERE Id = '{account_id}'\")\n"
        "    return ack('notifications')\n",
        # Started as a task: the route answers without waiting for it.
        "import asyncio\nimport aiohttp\nfrom aiohttp import web\nroutes = web.RouteTableDef()\n\n"
        "@routes.post('/events/order')\n"
        "async def order_placed(request):\n"
        "    event = (await request.json())['Order_Placed__e']\n"
        "    asyncio.create_task(request.app['http'].post(ERP_URL, json=event))\n"
        "    return web.Response(status=202)\n",
    ]
    invalid = [
        Example(
            "import requests\nfrom flask import Flask, Response, request\napp = Flask(__name__)\n\n"
            "@app.route('/sfdc/account', methods=['POST'])\n"
            "def account_changed():\n"
            "    for account in parse(request.data).iterfind('.//out:Notification/out:sObject', NS):\n"
            "        requests.post(ERP_URL + '/customers', json=to_customer(account), timeout=10)\n"
            "    return Response(ACK, mimetype='text/xml')\n",
            line=8,
        ),
        Example(
            "import httpx\nfrom fastapi import FastAPI, Request\napp = FastAPI()\nclient = httpx.AsyncClient(timeout=10)\n\n"
            "@app.post('/cdc/opportunity')\n"
            "async def opportunity_change(request: Request):\n"
            "    change = await request.json()\n"
            "    await client.post(ERP_URL, json={'ids': change['ChangeEventHeader']['recordIds']})\n"
            "    return {'ok': True}\n",
            line=9,
        ),
        Example(
            "from aiosfstream import SalesforceStreamingClient\nfrom simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n\n"
            "async def listen(auth):\n"
            "    async with SalesforceStreamingClient(**auth) as client:\n"
            "        await client.subscribe('/event/Shipment_Requested__e')\n"
            "        async for message in client:\n"
            "            sf.Shipment__c.create({'Order__c': message['data']['payload']['Order_Id__c']})\n",
            line=9,
        ),
        # A same-module function the route calls runs before the route answers.
        Example(
            "import requests\nfrom django.http import HttpResponse\nfrom django.views.decorators.csrf import csrf_exempt\n"
            "NS = {'sf': 'urn:sobject.enterprise.soap.sforce.com'}\n\n"
            "def forward(account_id):\n"
            "    requests.put(f'{ERP_URL}/customers/{account_id}', timeout=10)\n\n"
            "@csrf_exempt\n"
            "def outbound(request):\n"
            "    forward(parse(request.body).findtext('.//sf:Id', namespaces=NS))\n"
            "    return HttpResponse(ACK, content_type='text/xml')\n",
            line=7,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._started: set[cst.Call] = set()  # `client.post(...)` in `asyncio.create_task(client.post(...))`

    def visit_Call(self, node: cst.Call) -> None:
        handed = hand_off(node)
        if handed is not None and isinstance(handed[1], cst.Call):
            self._started.add(handed[1])
        if node in self._started or isinstance(self.facts.innermost_function(), cst.Lambda):
            return
        found = client_call(self.facts, node)
        if found is None or not _is_callout(found):
            return
        consumer = enclosing_consumer(self.facts)
        if consumer is None or consumer.handed_off:
            return
        code = f"`{short(self.facts, node.func)}`"
        callout = code if found.salesforce is None else f"the Salesforce write {code}"
        advice = _hand_off_advice(consumer)
        self.report(
            node,
            f"{_capitalised(consumer.label)} waits for {callout} {_before_acknowledging(consumer)}; {advice}.",
            hint=advice,
            confidence=found.confidence,
        )


def _is_callout(found: ClientCall) -> bool:
    """An HTTP request to another system or a Salesforce write: not a login, not a Salesforce read."""
    if found.login or (found.url is not None and TOKEN_URL.search(found.url)):
        return False
    return found.salesforce is None or found.salesforce.is_write


def _before_acknowledging(consumer: Consumer) -> str:
    """When the handler's sender hears back, and what waiting on the callout costs there."""
    receiver = "the route" if consumer.kind == WEBHOOK else "the subscription"
    if consumer.origin is None and (consumer.kind == WEBHOOK or isinstance(consumer.node, cst.For)):
        receiver = "it"  # the route or subscription loop itself, not a function or callback it runs
    if consumer.kind != WEBHOOK:
        return f"before {receiver} reads the next event, so events wait unread while that call is slow or failing"
    if consumer.payload == OUTBOUND_MESSAGE:
        return (
            f"before {receiver} acknowledges the message, so while that call is slow or failing no acknowledgment goes back "
            "and Salesforce resends the message"
        )
    return f"before {receiver} answers the {consumer.payload}, so the sender waits on that call too and times out or retries when it is slow"


def _hand_off_advice(consumer: Consumer) -> str:
    if consumer.kind != WEBHOOK:
        return "put the event on a queue (an `asyncio.Queue` or `queue.Queue` drained by a worker, or a Celery task's `.delay(...)`) and go on reading"
    answer = "acknowledge at once" if consumer.payload == OUTBOUND_MESSAGE else "respond at once"
    if consumer.framework in BACKGROUND_TASK_FRAMEWORKS:
        return f"hand the call to `BackgroundTasks.add_task(...)` (or a queue) and {answer}"
    if consumer.framework == "aiohttp":
        return f"put the work on a queue (an `asyncio.Queue` drained by a worker, a Celery task's `.delay(...)`) and {answer}"
    return f"queue the work (a Celery task's `.delay(...)`, RQ, a jobs table) and {answer}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
