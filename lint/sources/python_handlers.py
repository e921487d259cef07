"""Which code consumes Salesforce events: the handler fact shared by IL104 and IL305.

Consumers are recognised by structure, not by names:
- Pub/Sub API subscriptions: `for event in stub.Subscribe(...)` (directly or over a name bound
  to the call) in a module that shows it talks to Salesforce (the Pub/Sub API stubs, a
  `FetchRequest`, a `/event/...` channel), and the same-module functions such a loop hands
  its events to;
- callbacks given to a subscribe helper for a Salesforce channel (`/event/...`, `/data/...`,
  `/topic/...`), or in a module that imports the Pub/Sub API stubs or a CometD client;
- CometD streaming: `async for message in client` over an aiosfstream `SalesforceStreamingClient`
  or `Client` (or aiocometd's);
- web routes that accept POSTs (Flask/Quart `@app.route(..., methods=["POST"])`, `@bp.post`,
  FastAPI/Starlette `@app.post`/`@router.post`, aiohttp `@routes.post`, Django `@csrf_exempt`/
  `@require_POST`) and read a Salesforce outbound-message, platform-event or change-event payload.

Which functions are callbacks or are fed by a subscription loop is a question about the whole
file, asked at the first write: it is answered once, from the statements of every function
(each read in its own scope, `function_scope`), and cached. Expressions are walked only in
the bodies of recognised subscription loops and POST routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence
from weakref import WeakKeyDictionary

import libcst as cst

from lint.sources.python_calls import keyword, positional, walk
from lint.sources.python_facts import PythonFacts, Scope, statements_in
from lint.sources.python_retry import resolved, short

PUBSUB = "pubsub"  # Pub/Sub API (gRPC) subscription
STREAMING = "streaming"  # CometD streaming (aiosfstream, aiocometd)
WEBHOOK = "webhook"  # a web route Salesforce posts to

OUTBOUND_MESSAGE = "outbound message"
CHANGE_EVENT = "change event"
PLATFORM_EVENT = "platform event"

STREAMING_CLIENTS = frozenset(
    {
        "aiosfstream.SalesforceStreamingClient",
        "aiosfstream.Client",
        "aiosfstream.client.SalesforceStreamingClient",
        "aiosfstream.client.Client",
        "aiocometd.Client",
        "aiocometd.client.Client",
    }
)
# Imports that make a module a Salesforce event subscriber (Pub/Sub API stubs, CometD clients).
SUBSCRIBER_MODULES = re.compile(r"(^|\.)pubsub_api|^aiosfstream|^aiocometd")
PUBSUB_MARKERS = re.compile(r"FetchRequest|ReplayPreset|pubsub\.salesforce\.com|[\"']/(event|data)/\w+")
SALESFORCE_CHANNEL = re.compile(r"^/(event|data|topic|u)/")
CALLBACK_KEYWORDS = ("callback", "on_message", "on_event", "handler", "process", "fn", "func")
WEB_FRAMEWORKS = frozenset({"flask", "quart", "fastapi", "starlette", "aiohttp", "sanic", "django", "rest_framework", "bottle", "litestar", "falcon"})
POSTING_ROUTES = frozenset({"post", "put", "patch"})  # `@app.post("/path")`
ROUTES_WITH_METHODS = frozenset({"route", "api_route", "add_api_route"})  # `@app.route("/path", methods=["POST"])`
DJANGO_POST_VIEWS = frozenset(
    {
        "django.views.decorators.csrf.csrf_exempt",
        "django.views.decorators.http.require_POST",
        "django.views.decorators.http.require_http_methods",
        "rest_framework.decorators.api_view",
    }
)
PAYLOADS = (
    (OUTBOUND_MESSAGE, re.compile(r"soap\.sforce\.com/2005/09/outbound|(?i:\bnotifications?\b)(?=[\s\S]*\bsObject\b)|\bsObject\b(?=[\s\S]*(?i:\bnotifications?\b))")),
    (CHANGE_EVENT, re.compile(r"ChangeEventHeader|\w__ChangeEvent\b")),
    (PLATFORM_EVENT, re.compile(r"\b[A-Za-z]\w*__e\b")),
)


@dataclass(frozen=True)
class Consumer:
    """Code that runs once per Salesforce event, and how messages name it."""

    kind: str  # PUBSUB, STREAMING or WEBHOOK
    node: cst.CSTNode  # the loop or function that receives each event
    label: str  # e.g. "the Pub/Sub subscription `for event in stub.Subscribe(...)`"
    event: str | None = None  # the name each event is bound to; None for web routes (the request)
    origin: cst.CSTNode | None = None  # the consumer loop that hands events to this function
    payload: str | None = None  # for web routes: OUTBOUND_MESSAGE, CHANGE_EVENT or PLATFORM_EVENT


# -- questions rules ask --------------------------------------------------------


def enclosing_consumer(facts: PythonFacts) -> Consumer | None:
    """The consumer the current statement runs in: a subscription loop around it, else its function."""
    for loop in reversed(facts.enclosing_loops()):
        consumer = consumer_loop(facts, loop.node)
        if consumer is not None:
            return consumer
    function = facts.current_function()
    return consumer_of(facts, function) if function is not None else None


def consumer_loop(facts: PythonFacts, loop: cst.CSTNode) -> Consumer | None:
    """`loop` as a Pub/Sub or CometD subscription loop, if it is one (its names read where the facts stand)."""
    if not isinstance(loop, cst.For) or not isinstance(loop.target, cst.Name):
        return None
    source = resolved(facts, loop.iter)
    if not isinstance(source, cst.Call):
        return None
    header = f"`{'async ' if loop.asynchronous else ''}for {loop.target.value} in {short(facts, loop.iter)}`"
    if isinstance(source.func, cst.Attribute) and source.func.attr.value == "Subscribe" and _index(facts).salesforce_pubsub():
        return Consumer(PUBSUB, loop, f"the Pub/Sub API subscription {header}", loop.target.value)
    if loop.asynchronous and facts.qualified_name(source.func) in STREAMING_CLIENTS:
        return Consumer(STREAMING, loop, f"the CometD subscription {header}", loop.target.value)
    return None


def consumer_of(facts: PythonFacts, function: cst.FunctionDef) -> Consumer | None:
    """`function` as a subscribe callback, a function fed by a subscription loop, or a Salesforce web route."""
    return _index(facts).consumer_of(function)


# -- the per-file index -----------------------------------------------------------


class _HandlerIndex:
    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self._fed: dict[cst.FunctionDef, Consumer] | None = None  # callbacks and functions loops feed
        self._routes: dict[cst.FunctionDef, Consumer | None] = {}
        imported = {binding.qualified or "" for binding in facts.module_scope.names.values()}
        self.subscriber_module = any(SUBSCRIBER_MODULES.search(name) for name in imported)
        self._salesforce_pubsub: bool | None = None
        self.callback_kind = STREAMING if any(name.startswith(("aiosfstream", "aiocometd")) for name in imported) else PUBSUB
        self.web_module = any(name.split(".")[0] in WEB_FRAMEWORKS for name in imported)

    def salesforce_pubsub(self) -> bool:
        """Salesforce's Pub/Sub API, not another gRPC service with a `Subscribe` method."""
        if self._salesforce_pubsub is None:
            self._salesforce_pubsub = self.subscriber_module or bool(PUBSUB_MARKERS.search(self.facts.module.code))
        return self._salesforce_pubsub

    def consumer_of(self, function: cst.FunctionDef) -> Consumer | None:
        if self._fed is None:
            self._fed = self._find_fed_functions()
        if function in self._fed:
            return self._fed[function]
        if function not in self._routes:
            self._routes[function] = self._route(function)
        return self._routes[function]

    # callbacks and functions fed by subscription loops

    def _find_fed_functions(self) -> dict[cst.FunctionDef, Consumer]:
        fed: dict[cst.FunctionDef, Consumer] = {}
        facts = self.facts
        module = facts.module.body
        for function, owner in [(None, None), *_functions(module, None)]:
            block = function.body.body if function is not None else module  # None: the module's own statements
            nested = {s.name.value: s for s in statements_in(block) if isinstance(s, cst.FunctionDef)}
            for statement in statements_in(block):
                if isinstance(statement, cst.For) and isinstance(statement.target, cst.Name):
                    with facts.in_scope(self._scope(function)):
                        self._note_fed_by_loop(fed, statement, function, owner)
                elif isinstance(statement, cst.SimpleStatementLine):
                    for call in _statement_calls(statement):
                        self._note_callbacks(fed, call, nested, function, owner)
        return fed

    def _scope(self, function: cst.FunctionDef | None) -> Scope:
        """Where the names of `function` (None: of the module) are read."""
        return self.facts.module_scope if function is None else self.facts.function_scope(function)

    def _note_fed_by_loop(self, fed: dict, loop: cst.For, function: cst.FunctionDef | None, owner: str | None) -> None:
        consumer = consumer_loop(self.facts, loop)
        if consumer is None:
            return
        # A walk of a whole loop body, only for recognised subscription loops.
        for call in (node for node in walk(loop.body) if isinstance(node, cst.Call)):
            callee = self._callee(call.func, {}, owner)
            if callee is not None and callee is not function:
                label = f"`{callee.name.value}` (called per event by {consumer.label})"
                fed.setdefault(callee, Consumer(consumer.kind, callee, label, _event_parameter(callee, call, consumer.event), origin=loop))

    def _note_callbacks(
        self, fed: dict, call: cst.Call, nested: dict[str, cst.FunctionDef], function: cst.FunctionDef | None, owner: str | None
    ) -> None:
        if "subscribe" not in _called_name(call.func).lower():
            return
        if not self.subscriber_module:
            with self.facts.in_scope(self._scope(function)):
                if not self._names_channel(call):
                    return
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value in CALLBACK_KEYWORDS:
                callee = self._callee(arg.value, nested, owner)
                if callee is not None:
                    label = f"the subscription callback `{callee.name.value}`"
                    fed.setdefault(callee, Consumer(self.callback_kind, callee, label, _first_parameter(callee)))

    def _names_channel(self, call: cst.Call) -> bool:
        """A Salesforce channel among the arguments: `/event/Order__e`, `/data/AccountChangeEvent`."""
        texts = (self.facts.string_template(arg.value) for arg in call.args)
        return any(text and SALESFORCE_CHANNEL.match(text) for text in texts)

    def _callee(self, expr: cst.BaseExpression, nested: dict[str, cst.FunctionDef], owner: str | None) -> cst.FunctionDef | None:
        """The same-module function (nested def, module function or `self.method`) an expression names."""
        if isinstance(expr, cst.Name):
            return nested.get(expr.value) or self.facts.module_function(expr.value)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value in ("self", "cls") and owner:
            info = self.facts.class_named(owner)
            return info.methods.get(expr.attr.value) if info else None
        return None

    # web routes

    def _route(self, function: cst.FunctionDef) -> Consumer | None:
        if not any(self._accepts_posts(decorator.decorator) for decorator in function.decorators):
            return None
        text = self._text_with_helpers(function)
        payload = next((name for name, pattern in PAYLOADS if pattern.search(text)), None)
        if payload is None:
            return None
        label = f"the {payload} route `{function.name.value}`"
        return Consumer(WEBHOOK, function, label, payload=payload)

    def _accepts_posts(self, decorator: cst.BaseExpression) -> bool:
        call = decorator if isinstance(decorator, cst.Call) else None
        if self.facts.qualified_name(call.func if call else decorator) in DJANGO_POST_VIEWS:
            return True
        if call is None or not isinstance(call.func, cst.Attribute) or not self.web_module:
            return False
        verb = call.func.attr.value
        if verb in POSTING_ROUTES:
            return True
        methods = keyword(call, "methods")
        return verb in ROUTES_WITH_METHODS and methods is not None and "POST" in self._strings(methods.value)

    def _strings(self, expr: cst.BaseExpression) -> set[str]:
        return {self.facts.string_template(node) or "" for node in walk(expr) if isinstance(node, cst.SimpleString)}

    def _text_with_helpers(self, function: cst.FunctionDef) -> str:
        """The route's code and that of the same-module functions it calls (payload parsing often lives there).

        Walks the whole body, but only of a function with a POST-route decorator in a web module, once.
        """
        calls = (node for node in walk(function.body) if isinstance(node, cst.Call))
        helpers = dict.fromkeys(filter(None, (self._callee(call.func, {}, None) for call in calls)))
        return "\n".join(self.facts.source(node) for node in (function, *helpers))


_INDEXES: WeakKeyDictionary[PythonFacts, _HandlerIndex] = WeakKeyDictionary()


def _index(facts: PythonFacts) -> _HandlerIndex:
    index = _INDEXES.get(facts)
    if index is None:
        index = _INDEXES[facts] = _HandlerIndex(facts)
    return index


def _functions(block: Sequence[cst.CSTNode], owner: str | None) -> Iterator[tuple[cst.FunctionDef, str | None]]:
    """Every function of a block with the name of the class it is a method of, nested ones included."""
    for statement in statements_in(block):
        if isinstance(statement, cst.FunctionDef):
            yield statement, owner
            yield from _functions(statement.body.body, None)
        elif isinstance(statement, cst.ClassDef):
            yield from _functions(statement.body.body, statement.name.value)


def _statement_calls(statement: cst.SimpleStatementLine) -> Iterator[cst.Call]:
    """Calls a statement makes at its top, and calls passed straight to them (`asyncio.run(sub(...))`)."""
    for small in statement.body:
        value = getattr(small, "value", None)
        value = value.expression if isinstance(value, cst.Await) else value
        if isinstance(value, cst.Call):
            yield value
            for arg in value.args:
                inner = arg.value.expression if isinstance(arg.value, cst.Await) else arg.value
                if isinstance(inner, cst.Call):
                    yield inner


def _called_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _first_parameter(function: cst.FunctionDef) -> str | None:
    params = [param.name.value for param in function.params.params]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    return params[0] if params else None


def _event_parameter(callee: cst.FunctionDef, call: cst.Call, event: str | None) -> str | None:
    """The parameter that receives the loop's event (`handle(order_id, event)`), else the first one."""
    params = [param.name.value for param in callee.params.params if param.name.value not in ("self", "cls")]
    for position, arg in enumerate(positional(call)):
        if event is not None and position < len(params) and any(isinstance(n, cst.Name) and n.value == event for n in walk(arg.value)):
            return params[position]
    return params[0] if params else None
