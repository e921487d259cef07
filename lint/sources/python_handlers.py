"""Which code runs once per incoming event or request: the handler fact shared by IL104, IL305 and IL503.

Handlers are recognised by structure, not by names:
- Pub/Sub API subscriptions: `for event in stub.Subscribe(...)` (directly or over a name bound
  to the call) in a module that shows it talks to Salesforce (the Pub/Sub API stubs, a
  `FetchRequest`, a `/event/...` channel), and the same-module functions such a loop hands
  its events to;
- callbacks given to a subscribe helper for a Salesforce channel (`/event/...`, `/data/...`,
  `/topic/...`), or in a module that imports the Pub/Sub API stubs or a CometD client;
- CometD streaming: `async for message in client` over an aiosfstream `SalesforceStreamingClient`
  or `Client` (or aiocometd's);
- web routes: decorated (Flask/Quart/Sanic `@app.route(..., methods=[...])`, `@bp.post`, FastAPI/
  Starlette `@app.post`/`@router.post`, aiohttp `@routes.post`, Django `@csrf_exempt`/`@require_POST`/
  `@api_view`), registered (`web.post(path, handler)`, `app.router.add_post`, `add_url_rule`,
  `add_api_route`, Starlette `Route(...)`), or the `get`/`post`/... methods of a class-based view
  (`View`, `APIView`, `MethodView`, `HTTPEndpoint` subclasses);
- the same-module functions a Salesforce route calls itself (one level, like a subscription loop's);
- work a handler hands off and does not wait for: a Celery task it `.delay()`s, a function given
  to `BackgroundTasks.add_task`, an executor or a thread, a coroutine given to `asyncio.create_task`.

A handler is *from Salesforce* when it is a subscription or fed by one, or a route that accepts POSTs
and reads a Salesforce outbound-message, platform-event or change-event payload: in its code, in the
same-module functions it calls or hands off, or in the module constants it names.

The whole file is indexed once, at the first question: from the statements of every function (each
read in its own scope, `function_scope`, only where a name must be resolved). Expressions are walked
only in the bodies of recognised subscription loops and POST routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Iterator, Sequence

import libcst as cst

from lint.sources.python_calls import keyword, positional, walk
from lint.sources.python_facts import PythonFacts, Scope, statements_in
from lint.sources.python_retry import resolved, short

PUBSUB = "pubsub"  # Pub/Sub API (gRPC) subscription
STREAMING = "streaming"  # CometD streaming (aiosfstream, aiocometd)
WEBHOOK = "webhook"  # a web route

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
ROUTE_VERBS = frozenset({"get", "post", "put", "patch", "delete"})  # `@app.post("/path")`, `web.post(path, handler)`
ROUTES_WITH_METHODS = frozenset({"route", "api_route"})  # `@app.route("/path", methods=["POST"])`
# Calls that register a handler: `app.add_url_rule(...)`, `app.router.add_post(...)`, Starlette `Route(...)`.
REGISTRATIONS = frozenset({"add_url_rule", "add_api_route", "add_route", "Route", "APIRoute", *(f"add_{verb}" for verb in ROUTE_VERBS)})
HANDLER_KEYWORDS = ("view_func", "endpoint", "handler")
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"})
POSTING = frozenset({"POST", "PUT", "PATCH", "*"})  # methods a sender can deliver a payload with
VIEW_BASES = ("View", "ViewSet", "Endpoint")  # Django/DRF `View`, `APIView`; Flask `MethodView`; aiohttp `web.View`; Starlette `HTTPEndpoint`
# Django view decorators: qualified name -> the methods they let through (None: those listed in the call).
DJANGO_VIEWS = {
    "django.views.decorators.csrf.csrf_exempt": frozenset({"POST"}),  # exempted because something outside POSTs to it
    "django.views.decorators.http.require_POST": frozenset({"POST"}),
    "django.views.decorators.http.require_GET": frozenset({"GET"}),
    "django.views.decorators.http.require_safe": frozenset({"GET"}),
    "django.views.decorators.http.require_http_methods": None,
    "rest_framework.decorators.api_view": None,
}
# Calls that start work without waiting for it: called name -> what messages call that work.
HAND_OFF_METHODS = {"delay": "Celery task", "apply_async": "Celery task"}  # `task.delay(...)`
HAND_OFF_CALLS = {  # the first argument is handed off: `background_tasks.add_task(fn, ...)`, `asyncio.create_task(coro)`
    "add_task": "background task",
    "BackgroundTask": "background task",
    "enqueue": "queued job",
    "submit": "executor job",
    "start_soon": "task",
    "create_task": "asyncio task",
    "ensure_future": "asyncio task",
}
HAND_OFF_TARGETS = {"Thread": "thread", "Process": "process"}  # `Thread(target=fn)`
PAYLOADS = (
    (
        OUTBOUND_MESSAGE,
        re.compile(
            r"soap\.sforce\.com/2005/09/outbound|urn:sobject\.\w+\.soap\.sforce\.com"
            r"|(?i:\bnotifications?\b)(?=[\s\S]*\bsObject\b)|\bsObject\b(?=[\s\S]*(?i:\bnotifications?\b))"
        ),
    ),
    (CHANGE_EVENT, re.compile(r"ChangeEventHeader|\w__ChangeEvent\b")),
    (PLATFORM_EVENT, re.compile(r"\b[A-Za-z]\w*__e\b")),
)
CONSTANT_NAME = re.compile(r"\b[A-Z][A-Z0-9_]*\b")  # `NS`, `ACK`, `OUTBOUND_NS`
CONSTANTS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Dict, cst.List, cst.Tuple, cst.Set)


@dataclass(frozen=True)
class Consumer:
    """Code that runs once per incoming event or request, and how messages name it."""

    kind: str  # PUBSUB, STREAMING or WEBHOOK: where the events or requests come from
    node: cst.CSTNode  # the loop or function that receives each event
    label: str  # e.g. "the Pub/Sub API subscription `for event in stub.Subscribe(...)`"
    event: str | None = None  # the name each event is bound to; None for web routes (the request)
    origin: cst.CSTNode | None = None  # the consumer loop, route or function that hands events to this function
    payload: str | None = None  # for web routes: the Salesforce payload read (OUTBOUND_MESSAGE, ...); None: none seen
    framework: str | None = None  # for web routes: the web framework (`flask`, `fastapi`, `aiohttp`, ...), when known
    handed_off: bool = False  # started without waiting (a Celery task, `create_task`): the event is acknowledged first

    @property
    def salesforce(self) -> bool:
        """Evidently triggered by Salesforce: a subscription, or a route that reads a Salesforce payload."""
        return self.kind != WEBHOOK or self.payload is not None


# -- questions rules ask --------------------------------------------------------


def enclosing_handler(facts: PythonFacts) -> Consumer | None:
    """The handler the current statement runs in: a subscription loop around it, else its function."""
    for loop in reversed(facts.enclosing_loops()):
        consumer = consumer_loop(facts, loop.node)
        if consumer is not None:
            return consumer
    function = facts.current_function()
    return handler_of(facts, function) if function is not None else None


def enclosing_consumer(facts: PythonFacts) -> Consumer | None:
    """The Salesforce event consumer the current statement runs in, if any (`enclosing_handler` from Salesforce)."""
    handler = enclosing_handler(facts)
    return handler if handler is not None and handler.salesforce else None


def consumer_loop(facts: PythonFacts, loop: cst.CSTNode) -> Consumer | None:
    """`loop` as a Pub/Sub or CometD subscription loop, if it is one (its names read where the facts stand)."""
    if not isinstance(loop, cst.For) or not isinstance(loop.target, cst.Name):
        return None
    source = resolved(facts, loop.iter)
    if not isinstance(source, cst.Call):
        return None
    if isinstance(source.func, cst.Attribute) and source.func.attr.value == "Subscribe" and _index(facts).salesforce_pubsub:
        kind = PUBSUB
    elif loop.asynchronous and facts.qualified_name(source.func) in STREAMING_CLIENTS:
        kind = STREAMING
    else:
        return None
    header = f"`{'async ' if loop.asynchronous else ''}for {loop.target.value} in {short(facts, loop.iter)}`"
    what = "the Pub/Sub API subscription" if kind is PUBSUB else "the CometD subscription"
    return Consumer(kind, loop, f"{what} {header}", loop.target.value)


def handler_of(facts: PythonFacts, function: cst.FunctionDef) -> Consumer | None:
    """`function` as a web route, a subscribe callback, a function fed by a subscription loop or a route, or work handed off by one."""
    return _index(facts).handler_of(function)


def hand_off(call: cst.Call) -> tuple[str, cst.BaseExpression] | None:
    """What `call` starts without waiting for it, and what that work is called.

    `task.delay(...)` -> ("Celery task", `task`); `background_tasks.add_task(sync, e)` -> ("background task",
    `sync`); `Thread(target=work)` -> ("thread", `work`); `asyncio.create_task(sync(e))` -> ("asyncio task",
    the call `sync(e)`, which then runs as a task, not in the caller).
    """
    func, name = call.func, _called_name(call.func)
    if isinstance(func, cst.Attribute) and name in HAND_OFF_METHODS:
        return HAND_OFF_METHODS[name], func.value
    args = positional(call)
    if name in HAND_OFF_CALLS and args:
        return HAND_OFF_CALLS[name], args[0].value
    target = keyword(call, "target") if name in HAND_OFF_TARGETS else None
    return (HAND_OFF_TARGETS[name], target.value) if target is not None else None


# -- the per-file index -----------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    methods: frozenset[str]  # HTTP methods it accepts ("*": any)
    framework: str | None


@dataclass(frozen=True)
class _HandOff:
    origin: cst.FunctionDef | None  # the function that hands the work off (None: the module's own statements)
    target: cst.FunctionDef
    what: str  # "Celery task", "background task", ...


class _HandlerIndex:
    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self._handlers: dict[cst.FunctionDef, Consumer] | None = None
        imported = {binding.qualified or "" for binding in facts.module_scope.names.values()}
        self.subscriber_module = any(SUBSCRIBER_MODULES.search(name) for name in imported)
        self.callback_kind = STREAMING if any(name.startswith(("aiosfstream", "aiocometd")) for name in imported) else PUBSUB
        frameworks = sorted({name.split(".")[0] for name in imported} & WEB_FRAMEWORKS)
        self.web_module = bool(frameworks)
        self.module_framework = frameworks[0] if len(frameworks) == 1 else None

    @cached_property
    def salesforce_pubsub(self) -> bool:
        """Salesforce's Pub/Sub API, not another gRPC service with a `Subscribe` method."""
        return self.subscriber_module or bool(PUBSUB_MARKERS.search(self.facts.text))

    @cached_property
    def payload_marked(self) -> bool:
        """Some Salesforce payload marker is in the file: no route's code can show one otherwise, so
        the routes' code need not be generated (it is cut from this text, give or take indentation)."""
        return any(pattern.search(self.facts.text) for _, pattern in PAYLOADS)

    def handler_of(self, function: cst.FunctionDef) -> Consumer | None:
        if self._handlers is None:
            self._handlers = _Scan(self).handlers
        return self._handlers.get(function)


class _Scan:
    """One reading of the file's statements that finds every handler (see the module docstring)."""

    def __init__(self, index: _HandlerIndex) -> None:
        self.index = index
        self.facts = index.facts
        self.handlers: dict[cst.FunctionDef, Consumer] = {}
        self.routes: dict[cst.FunctionDef, tuple[_Route, str | None, dict[str, cst.FunctionDef]]] = {}  # route, owner, nested defs
        self.hand_offs: list[_HandOff] = []
        module = self.facts.module.body
        for function, owner in [(None, None), *_functions(module, None)]:
            self._read_block(function, owner)
        helpers = [helper for function, route in self.routes.items() for helper in self._add_route(function, *route)]
        for helper in helpers:  # after the routes: a route called by another stays a route
            self._add(helper)
        for handed in self.hand_offs:
            self._add_hand_off(handed)

    def _add(self, consumer: Consumer) -> None:
        """Keep the strongest reading of a function: from Salesforce over not, and run before the acknowledgment over handed off."""
        rank = (consumer.salesforce, not consumer.handed_off)
        current = self.handlers.get(consumer.node)
        if current is None or rank > (current.salesforce, not current.handed_off):
            self.handlers[consumer.node] = consumer

    def _scope(self, function: cst.FunctionDef | None) -> Scope:
        """Where the names of `function` (None: of the module) are read."""
        return self.facts.module_scope if function is None else self.facts.function_scope(function)

    def _read_block(self, function: cst.FunctionDef | None, owner: str | None) -> None:
        block = function.body.body if function is not None else self.facts.module.body  # None: the module's own statements
        nested = _nested_functions(block)
        for statement in statements_in(block):
            if isinstance(statement, cst.For) and isinstance(statement.target, cst.Name):
                with self.facts.in_scope(self._scope(function)):
                    self._note_fed_by_loop(statement, nested, function, owner)
            elif isinstance(statement, cst.FunctionDef):
                route = self._decorated_route(statement, function)
                if route is not None:
                    self.routes[statement] = (route, None, _nested_functions(statement.body.body))
            elif isinstance(statement, cst.ClassDef):
                self._note_view_methods(statement)
            elif isinstance(statement, cst.SimpleStatementLine):
                for call in _statement_calls(statement):
                    self._note_callbacks(call, nested, function, owner)
                    self._note_registration(call, nested, function, owner)
                    self._note_hand_off(call, nested, function, owner)

    # subscriptions

    def _note_fed_by_loop(self, loop: cst.For, nested: dict[str, cst.FunctionDef], function: cst.FunctionDef | None, owner: str | None) -> None:
        consumer = consumer_loop(self.facts, loop)
        if consumer is None:
            return
        for call, callee, handed in self._runs(loop.body, nested, owner):  # a recognised subscription loop
            if callee is function:
                continue
            if handed is not None:
                label = f"the {handed} `{callee.name.value}` (handed off per event by {consumer.label})"
                self._add(Consumer(consumer.kind, callee, label, _first_parameter(callee), origin=loop, handed_off=True))
            else:
                label = f"`{callee.name.value}` (called per event by {consumer.label})"
                self._add(Consumer(consumer.kind, callee, label, _event_parameter(callee, call, consumer.event), origin=loop))

    def _note_callbacks(self, call: cst.Call, nested: dict[str, cst.FunctionDef], function: cst.FunctionDef | None, owner: str | None) -> None:
        if "subscribe" not in _called_name(call.func).lower():
            return
        if not self.index.subscriber_module:
            with self.facts.in_scope(self._scope(function)):
                if not self._names_channel(call):
                    return
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value in CALLBACK_KEYWORDS:
                callee = self._callee(arg.value, nested, owner)
                if callee is not None:
                    label = f"the subscription callback `{callee.name.value}`"
                    self._add(Consumer(self.index.callback_kind, callee, label, _first_parameter(callee)))

    def _names_channel(self, call: cst.Call) -> bool:
        """A Salesforce channel among the arguments: `/event/Order__e`, `/data/AccountChangeEvent`."""
        texts = (self.facts.string_template(arg.value) for arg in call.args)
        return any(text and SALESFORCE_CHANNEL.match(text) for text in texts)

    # web routes

    def _decorated_route(self, function: cst.FunctionDef, scope_of: cst.FunctionDef | None) -> _Route | None:
        """A route decorator on `function`, read where the decorator is evaluated (`scope_of`'s body)."""
        for decorator in function.decorators:
            expr = decorator.decorator
            call = expr if isinstance(expr, cst.Call) else None
            name = _called_name(call.func if call else expr)
            if name not in ROUTE_VERBS | ROUTES_WITH_METHODS and not name.startswith("require") and name not in ("csrf_exempt", "api_view"):
                continue  # most decorators are not routes: resolve names only for those that may be
            with self.facts.in_scope(self._scope(scope_of)):
                route = self._route_decorator(expr, call, name)
            if route is not None:
                return route
        return None

    def _route_decorator(self, expr: cst.BaseExpression, call: cst.Call | None, name: str) -> _Route | None:
        qualified = self.facts.qualified_name(call.func if call else expr)
        if qualified in DJANGO_VIEWS:
            methods = DJANGO_VIEWS[qualified] or (self._methods(call, name) if call else frozenset({"GET"}))
            return _Route(methods, qualified.split(".")[0])
        if call is None or name not in ROUTE_VERBS | ROUTES_WITH_METHODS:
            return None
        web, framework = self._web_framework(call.func, names_a_route=True)
        return _Route(self._methods(call, name), framework) if web else None

    def _note_registration(
        self, call: cst.Call, nested: dict[str, cst.FunctionDef], function: cst.FunctionDef | None, owner: str | None
    ) -> None:
        """`web.post("/x", handler)`, `app.router.add_post(...)`, `app.add_url_rule(..., view_func=handler)`, `Route("/x", handler)`."""
        name = _called_name(call.func)
        if name not in REGISTRATIONS and name not in ROUTE_VERBS | ROUTES_WITH_METHODS:
            return
        named = next((arg for arg in (keyword(call, word) for word in HANDLER_KEYWORDS) if arg is not None), None)
        handlers = [named] if named is not None else [arg for arg in positional(call) if isinstance(arg.value, (cst.Name, cst.Attribute))]
        callee = self._callee(handlers[-1].value, nested, owner) if handlers else None
        if callee is None:
            return
        with self.facts.in_scope(self._scope(function)):
            web, framework = self._web_framework(call.func, names_a_route=name in REGISTRATIONS)
            if not web:
                return
            route = _Route(self._methods(call, name), framework)
        self.routes.setdefault(callee, (route, owner, _nested_functions(callee.body.body)))

    def _note_view_methods(self, node: cst.ClassDef) -> None:
        """The `get`/`post`/... methods of a class-based view: a subclass of a web framework's `...View`/`...Endpoint`."""
        info = self.facts.class_named(node.name.value)
        if info is None or info.node is not node:  # the facts know module-level classes
            return
        bases = [base for base in info.bases if base.split(".")[0] in WEB_FRAMEWORKS]
        view = next((base for base in bases if base.rsplit(".", 1)[-1].endswith(VIEW_BASES)), None)
        if view is None:
            return
        for method_name, method in info.methods.items():
            if method_name in ROUTE_VERBS:
                route = _Route(frozenset({method_name.upper()}), view.split(".")[0])
                self.routes.setdefault(method, (route, info.name, _nested_functions(method.body.body)))

    def _web_framework(self, func: cst.BaseExpression, names_a_route: bool) -> tuple[bool, str | None]:
        """Whether a route decorator or registration call is a web framework's, and whose (None: not known).

        Known from the function (`web.post` -> aiohttp) or the object it is called on (`app = FastAPI()`).
        A method of an object of unknown origin (a parameter, an app factory's result) counts in a module
        that imports a web framework when its form names a route (a decorator, `add_url_rule`), not for a
        bare verb (`client.post("/x", handler)`).
        """
        qualified = self.facts.qualified_name(func)
        if qualified is None and isinstance(func, cst.Attribute):
            receiver = func.value
            while isinstance(receiver, cst.Attribute):  # `app.router.add_post`
                receiver = receiver.value
            bound = self.facts.value_of(receiver)
            qualified = self.facts.qualified_name(bound.func) if isinstance(bound, cst.Call) else None
            if qualified is None:
                return names_a_route and self.index.web_module, self.index.module_framework
        library = (qualified or "").split(".")[0]
        return library in WEB_FRAMEWORKS, library if library in WEB_FRAMEWORKS else None

    def _methods(self, call: cst.Call, name: str) -> frozenset[str]:
        """The HTTP methods a route call accepts: its verb (`post`, `add_post`), `methods=[...]`, a method argument, else GET."""
        verb = name.removeprefix("add_")
        if verb in ROUTE_VERBS:
            return frozenset({verb.upper()})
        listed = keyword(call, "methods")
        texts = self._strings(listed.value) if listed is not None else {t for arg in positional(call) for t in self._strings(arg.value)}
        methods = {text.upper() for text in texts} & HTTP_METHODS
        return frozenset(methods or {"GET"})

    def _strings(self, expr: cst.BaseExpression) -> set[str]:
        expr = self.facts.value_of(expr) or expr  # `methods=POST_ONLY`
        return {self.facts.string_template(node) or "" for node in walk(expr) if isinstance(node, cst.SimpleString)}

    def _add_route(self, function: cst.FunctionDef, route: _Route, owner: str | None, nested: dict[str, cst.FunctionDef]) -> list[Consumer]:
        """Add the route; return the same-module functions a Salesforce route calls, as consumers fed by it."""
        name = f"{owner}.{function.name.value}" if owner else function.name.value
        if not route.methods & POSTING or not self.index.payload_marked:
            self._add(Consumer(WEBHOOK, function, f"the route `{name}`", framework=route.framework))
            return []
        helpers, text = self._read_route(function, owner, nested)
        payload = next((kind for kind, pattern in PAYLOADS if pattern.search(text)), None)
        label = f"the {payload} route `{name}`" if payload else f"the route `{name}`"
        consumer = Consumer(WEBHOOK, function, label, payload=payload, framework=route.framework)
        self._add(consumer)
        if payload is None:
            return []
        return [replace(consumer, node=helper, label=f"`{helper.name.value}` (called by {label})", origin=function) for helper in helpers]

    def _read_route(self, function: cst.FunctionDef, owner: str | None, nested: dict[str, cst.FunctionDef]) -> tuple[list[cst.FunctionDef], str]:
        """The same-module functions a POST route calls itself, and the code that may show its payload.

        That code is the route's, that of the functions it calls or hands off, and the module constants
        it names (`NS`, `ACK`): payload parsing often lives there.
        """
        ran = [(callee, handed) for _, callee, handed in self._runs(function.body, nested, owner) if callee is not function]
        helpers = list(dict.fromkeys(callee for callee, handed in ran if handed is None))
        code = [self.facts.source(node) for node in dict.fromkeys((function, *(callee for callee, _ in ran)))]
        module_names = self.facts.module_scope.names
        named = dict.fromkeys(CONSTANT_NAME.findall(code[0]))
        constants = (module_names[name].value for name in named if name in module_names)
        code += [self.facts.source(value) for value in constants if isinstance(value, CONSTANTS)]
        return helpers, "\n".join(code)

    def _runs(
        self, body: cst.CSTNode, nested: dict[str, cst.FunctionDef], owner: str | None
    ) -> Iterator[tuple[cst.Call, cst.FunctionDef, str | None]]:
        """The same-module functions a body runs: (call, function, None) for those it calls itself, and
        (call, function, what it is, e.g. "Celery task") for those it hands off.

        Walks the whole body: only for recognised subscription loops and POST routes, once each.
        """
        started: set[cst.Call] = set()  # `handle(event)` in `create_task(handle(event))` runs as a task
        for call in (node for node in walk(body) if isinstance(node, cst.Call)):
            work = hand_off(call)
            if work is not None:
                what, expr = work
                if isinstance(expr, cst.Call):
                    started.add(expr)
                target = self._work_function(expr, nested, owner)
                if target is not None:
                    yield call, target, what
            callee = self._callee(call.func, nested, owner) if call not in started else None
            if callee is not None:
                yield call, callee, None

    # work handed off

    def _note_hand_off(self, call: cst.Call, nested: dict[str, cst.FunctionDef], function: cst.FunctionDef | None, owner: str | None) -> None:
        work = hand_off(call)
        target = self._work_function(work[1], nested, owner) if work is not None else None
        if target is not None:
            self.hand_offs.append(_HandOff(function, target, work[0]))

    def _work_function(self, work: cst.BaseExpression, nested: dict[str, cst.FunctionDef], owner: str | None) -> cst.FunctionDef | None:
        """The same-module function of handed-off work: `task` of `task.delay`, `sync` of `create_task(sync(e))`."""
        return self._callee(work.func if isinstance(work, cst.Call) else work, nested, owner)

    def _add_hand_off(self, handed: _HandOff) -> None:
        origin = self.handlers.get(handed.origin) if handed.origin is not None else None
        if origin is None or origin.handed_off or handed.target is origin.node:  # one level, like calls from loops
            return
        label = f"the {handed.what} `{handed.target.name.value}` (handed off by {origin.label})"
        self._add(replace(origin, node=handed.target, label=label, event=_first_parameter(handed.target), origin=origin.node, handed_off=True))

    def _callee(self, expr: cst.BaseExpression, nested: dict[str, cst.FunctionDef], owner: str | None) -> cst.FunctionDef | None:
        """The same-module function (nested def, module function or `self.method`) an expression names."""
        if isinstance(expr, cst.Name):
            return nested.get(expr.value) or self.facts.module_function(expr.value)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value in ("self", "cls") and owner:
            info = self.facts.class_named(owner)
            return info.methods.get(expr.attr.value) if info else None
        return None


def _index(facts: PythonFacts) -> _HandlerIndex:
    return facts.shared(_HandlerIndex)


def _functions(block: Sequence[cst.CSTNode], owner: str | None) -> Iterator[tuple[cst.FunctionDef, str | None]]:
    """Every function of a block with the name of the class it is a method of, nested ones included."""
    for statement in statements_in(block):
        if isinstance(statement, cst.FunctionDef):
            yield statement, owner
            yield from _functions(statement.body.body, None)
        elif isinstance(statement, cst.ClassDef):
            yield from _functions(statement.body.body, statement.name.value)


def _nested_functions(block: Sequence[cst.CSTNode]) -> dict[str, cst.FunctionDef]:
    """The functions a block defines, by name (a function's own nested defs; the module's functions)."""
    return {s.name.value: s for s in statements_in(block) if isinstance(s, cst.FunctionDef)}


def _statement_calls(statement: cst.SimpleStatementLine) -> Iterator[cst.Call]:
    """Calls a statement makes at its top, and the calls passed straight to them, listed there, or called on
    (`asyncio.run(sub(...))`, `app.add_routes([web.post(...)])`, `Thread(target=work).start()`)."""
    for small in statement.body:
        yield from _top_calls(getattr(small, "value", None), depth=2)


def _top_calls(expr: cst.BaseExpression | None, depth: int) -> Iterator[cst.Call]:
    expr = expr.expression if isinstance(expr, cst.Await) else expr
    if isinstance(expr, (cst.List, cst.Tuple)):
        for element in expr.elements:
            yield from _top_calls(element.value, depth)
    elif isinstance(expr, cst.Call):
        yield expr
        if depth > 1:
            for arg in expr.args:
                yield from _top_calls(arg.value, depth - 1)
            if isinstance(expr.func, cst.Attribute):
                yield from _top_calls(expr.func.value, depth - 1)


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
