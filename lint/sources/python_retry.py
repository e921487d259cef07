"""Whether the code at the traversal point is retried automatically, and how.

A call is re-run without anyone asking when
- its function carries a tenacity, backoff or retrying decorator (`@retry(...)`,
  `@backoff.on_exception(...)`, or a module-level alias of one), or is a Celery task
  declared with `autoretry_for=`;
- it sits in a tenacity `Retrying`/`AsyncRetrying` loop (`for attempt in Retrying(...): with attempt:`);
- it is the attempt of a hand-written retry loop (`for attempt in range(n)`, `while True`,
  `while tries < n`) that goes round again on failure and leaves on success;
- it goes through a requests session with a urllib3 `Retry` mounted via
  `HTTPAdapter(max_retries=Retry(...))` (module sessions, `self.x` sessions, locals,
  same-module session factories and Session subclasses).

Everything is read from statements of the module, of the enclosing function and of the
class's methods, on demand and cached per file: no extra traversal of the whole file.
Rules pass the innermost enclosing `FunctionDef` (they keep that stack themselves).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence
from weakref import WeakKeyDictionary

import libcst as cst

from lint.sources.python_calls import has_double_star, is_none, keyword, positional
from lint.sources.python_facts import ClassInfo, PythonFacts, _statements_in

DECORATOR = "decorator"  # tenacity / backoff / retrying on the enclosing function
RETRYING_LOOP = "retrying-loop"  # for attempt in tenacity.Retrying(...)
MANUAL_LOOP = "loop"  # a hand-written retry loop
ADAPTER = "adapter"  # urllib3 Retry mounted on a requests session

# Decorator factories: qualified name -> (library, keywords that stop it, keywords that wait).
RETRY_DECORATORS = {
    "tenacity.retry": ("tenacity", ("stop",), ("wait",)),
    "backoff.on_exception": ("backoff", ("max_tries", "max_time"), None),  # None: waits by design
    "backoff.on_predicate": ("backoff", ("max_tries", "max_time"), None),
    "retrying.retry": (
        "retrying",
        ("stop", "stop_func", "stop_max_attempt_number", "stop_max_delay"),
        ("wait", "wait_func", "wait_fixed", "wait_random_min", "wait_random_max", "wait_exponential_multiplier", "wait_incrementing_start"),
    ),
}
RETRYING_CLASSES = frozenset({"tenacity.Retrying", "tenacity.AsyncRetrying"})
HTTP_ADAPTER = "requests.adapters.HTTPAdapter"
HTTP_ADAPTERS = frozenset({HTTP_ADAPTER, "requests.HTTPAdapter"})
URLLIB3_RETRY = frozenset(
    {
        "urllib3.Retry",
        "urllib3.util.Retry",
        "urllib3.util.retry.Retry",
        "requests.adapters.Retry",
        "requests.packages.urllib3.util.retry.Retry",
        "requests.packages.urllib3.Retry",
    }
)
# urllib3's Retry.DEFAULT_ALLOWED_METHODS: the idempotent verbs only, never POST or PATCH.
URLLIB3_DEFAULT_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"})
HTTP_METHOD_NAMES = URLLIB3_DEFAULT_METHODS | {"POST", "PATCH", "CONNECT"}
HTTP_ADAPTER_RETRIES_POSITION = 2  # HTTPAdapter(pool_connections, pool_maxsize, max_retries, ...)
RETRY_ISH_NAME = re.compile(r"attempt|retr(?:y|ies)|(?:^|_)tr(?:y|ies)(?:$|_)|delay|backoff", re.IGNORECASE)
WAIT_ISH_CALL = re.compile(r"sleep|backoff|wait", re.IGNORECASE)
CLOCKS = frozenset({"time.time", "time.monotonic", "time.perf_counter", "datetime.datetime.now", "datetime.datetime.utcnow", "loop.time"})
SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


@dataclass(frozen=True)
class RetryPolicy:
    """One construct that re-runs code: what it is, where, and whether it stops and waits."""

    kind: str  # DECORATOR, RETRYING_LOOP, MANUAL_LOOP or ADAPTER
    node: cst.CSTNode  # the decorator, the loop, or the urllib3 `Retry(...)` call
    label: str  # how a message names it, e.g. "`@retry(...)`", "the `while True` loop"
    library: str | None = None  # tenacity, backoff, retrying, urllib3; None for a hand-written loop
    stop: bool = True  # declares when to give up (stop=, max_tries/max_time, a bounded loop, a counter)
    wait: bool = True  # waits between attempts (wait=, a sleep in the loop, a non-zero backoff_factor)
    methods: frozenset[str] | None = None  # HTTP methods it retries; None: everything it wraps

    def retries(self, method: str) -> bool:
        return self.methods is None or method.upper() in self.methods


@dataclass
class _Body:
    """What a block of statements binds: the raw material for following sessions and aliases."""

    values: dict[str, cst.BaseExpression] = field(default_factory=dict)  # "name"/"obj.attr" -> last value
    mounts: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)  # session key -> mounted adapters
    returned: list[cst.BaseExpression] = field(default_factory=list)


# -- questions rules ask --------------------------------------------------------


def enclosing_retry(facts: PythonFacts, function: cst.FunctionDef | None) -> RetryPolicy | None:
    """The retry loop or decorator that re-runs the current statement, innermost first."""
    index = _index(facts)
    current = facts.current_statement()
    for loop in reversed(facts.scope.loops):
        analysis = index.loop(loop.node, function)
        if analysis is not None and current in analysis.retried:
            return analysis.policy
    return decorator_retry(facts, function) if function is not None else None


def decorator_retry(facts: PythonFacts, function: cst.FunctionDef) -> RetryPolicy | None:
    """The tenacity/backoff/retrying decorator on `function`, if any."""
    index = _index(facts)
    for decorator in function.decorators:
        policy = index.decorator(decorator)
        if policy is not None:
            return policy
    return None


def loop_retry(facts: PythonFacts, loop: cst.CSTNode, function: cst.FunctionDef | None) -> RetryPolicy | None:
    """The policy of `loop` when it is a Retrying loop or a hand-written retry loop."""
    analysis = _index(facts).loop(loop, function)
    return analysis.policy if analysis is not None else None


def session_retry(facts: PythonFacts, session: cst.BaseExpression, function: cst.FunctionDef | None) -> RetryPolicy | None:
    """The urllib3 Retry mounted on the requests session that `session` evaluates to."""
    return _index(facts).session_policy(session, function, depth=0)


def urllib3_retry(facts: PythonFacts, call: cst.Call) -> RetryPolicy | None:
    """The policy of a `Retry(...)` call; None when it is not one or turns retries off."""
    if facts.qualified_name(call.func) not in URLLIB3_RETRY:
        return None
    return _index(facts).urllib3_policy(call, None)


def bound_value(facts: PythonFacts, expr: cst.BaseExpression, function: cst.FunctionDef | None) -> cst.BaseExpression:
    """The value last bound to a name in `function`, else in the module; other expressions as they are."""
    return _index(facts).resolve(expr, function)[0]


def module_function(facts: PythonFacts, name: str) -> cst.FunctionDef | None:
    """The module-level function called `name`."""
    return _index(facts).module_function(name)


def callee(facts: PythonFacts, func: cst.BaseExpression) -> cst.FunctionDef | None:
    """The same-module function (`helper(...)`) or method (`self.helper(...)`) a call at the traversal point runs."""
    index = _index(facts)
    if isinstance(func, cst.Name):
        return index.module_function(func.value)
    attribute = index.self_attribute(func)
    return attribute[0].methods.get(attribute[1]) if attribute is not None else None


def statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every statement of a block, nested blocks included, not entering nested functions or classes."""
    return _statements_in(body)


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and everything below it, not entering nested functions, classes or lambdas."""
    yield node
    for child in node.children:
        if not isinstance(child, SCOPES):
            yield from walk(child)


def _key_of(expr: cst.BaseExpression) -> str | None:
    """"name" or "name.attr": how bodies key what they bind."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        return f"{expr.value.value}.{expr.attr.value}"
    return None


def short(facts: PythonFacts, expr: cst.BaseExpression, limit: int = 40) -> str:
    """Source of an expression for a message, with long call arguments elided: `Retrying(...)`."""
    text = facts.source(expr)
    if isinstance(expr, cst.Call) and (len(text) > limit or "\n" in text):
        return f"{facts.source(expr.func)}(...)"
    return text


# -- the per-file index -----------------------------------------------------------


@dataclass(frozen=True)
class _LoopAnalysis:
    policy: RetryPolicy
    retried: frozenset[cst.CSTNode]  # the statements each attempt re-runs


class _RetryIndex:
    """Bodies, decorators and loops read once per file, on first question."""

    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self._bodies: dict[cst.FunctionDef | None, _Body] = {}
        self._loops: dict[cst.CSTNode, _LoopAnalysis | None] = {}
        self._decorators: dict[cst.Decorator, RetryPolicy | None] = {}
        self._class_bodies: dict[str, dict[str, list[tuple[cst.BaseExpression, cst.FunctionDef]]]] = {}
        self._functions: dict[str, cst.FunctionDef] | None = None

    # bodies

    def body(self, function: cst.FunctionDef | None) -> _Body:
        body = self._bodies.get(function)
        if body is None:
            block = function.body.body if function is not None else self.facts.module.body
            body = self._bodies[function] = _read_body(block)
        return body

    def resolve(self, expr: cst.BaseExpression, owner: cst.FunctionDef | None) -> tuple[cst.BaseExpression, cst.FunctionDef | None]:
        """Follow a name to the value last bound to it in `owner`, else in the module."""
        if isinstance(expr, cst.Name):
            for scope in dict.fromkeys((owner, None)):
                value = self.body(scope).values.get(expr.value)
                if value is not None and value is not expr:
                    return value, scope
        return expr, owner

    def module_function(self, name: str) -> cst.FunctionDef | None:
        if self._functions is None:
            top = _statements_in(self.facts.module.body)
            self._functions = {node.name.value: node for node in top if isinstance(node, cst.FunctionDef)}
        return self._functions.get(name)

    # decorators

    def decorator(self, decorator: cst.Decorator) -> RetryPolicy | None:
        if decorator not in self._decorators:
            self._decorators[decorator] = self._decorator_policy(decorator)
        return self._decorators[decorator]

    def _decorator_policy(self, decorator: cst.Decorator) -> RetryPolicy | None:
        expr, _ = self.resolve(decorator.decorator, None)  # `sf_retry = retry(...)` then `@sf_retry`
        call = expr if isinstance(expr, cst.Call) else None
        label = f"`@{short(self.facts, decorator.decorator, limit=0)}`"
        if call is not None and keyword(call, "autoretry_for") is not None:
            # A Celery task re-run on these errors: max_retries defaults to 3, with a delay.
            limit = keyword(call, "max_retries")
            return RetryPolicy(DECORATOR, decorator, label, "celery", stop=limit is None or not is_none(limit.value))
        known = RETRY_DECORATORS.get(self.facts.qualified_name(call.func if call else expr) or "")
        if known is None:
            return None
        library, stops, waits = known
        if call is None:
            stop, wait = False, waits is None
        elif has_double_star(call):
            stop = wait = True  # **options may carry both: do not guess
        else:
            stop = any(keyword(call, name) for name in stops)
            wait = waits is None or any(keyword(call, name) for name in waits)
        return RetryPolicy(DECORATOR, decorator, label, library, stop, wait)

    # loops

    def loop(self, node: cst.CSTNode, function: cst.FunctionDef | None) -> _LoopAnalysis | None:
        if node not in self._loops:
            self._loops[node] = self._analyse_loop(node, function)
        return self._loops[node]

    def _analyse_loop(self, node: cst.CSTNode, function: cst.FunctionDef | None) -> _LoopAnalysis | None:
        if not isinstance(node, (cst.For, cst.While)) or not isinstance(node.body, cst.IndentedBlock):
            return None
        if isinstance(node, cst.For):
            retrying, _ = self.resolve(node.iter, function)
            if isinstance(retrying, cst.Call) and self.facts.qualified_name(retrying.func) in RETRYING_CLASSES:
                return self._retrying_loop(node, retrying)
            if not _is_attempt_iterable(self.facts, node):
                return None
        return self._manual_loop(node)

    def _retrying_loop(self, node: cst.For, retrying: cst.Call) -> _LoopAnalysis:
        anything = has_double_star(retrying)
        policy = RetryPolicy(
            RETRYING_LOOP,
            node,
            f"the `for {self.facts.source(node.target)} in {short(self.facts, node.iter, limit=0)}` loop",
            "tenacity",
            stop=anything or keyword(retrying, "stop") is not None,
            wait=anything or keyword(retrying, "wait") is not None,
        )
        return _LoopAnalysis(policy, frozenset(_statements_in(node.body.body)))

    def _manual_loop(self, node: cst.For | cst.While) -> _LoopAnalysis | None:
        body = list(node.body.body)
        for position, statement in enumerate(body):
            retried = _attempt(node, statement, body[position + 1 :])
            if retried:
                return _LoopAnalysis(self._manual_policy(node), frozenset(retried))
        return None

    def _manual_policy(self, node: cst.For | cst.While) -> RetryPolicy:
        calls = [self.facts.qualified_name(n.func) or _last_name(n.func) for n in walk(node.body) if isinstance(n, cst.Call)]
        wait = any(WAIT_ISH_CALL.search(name or "") for name in calls)
        if isinstance(node, cst.For):
            header = f"for {self.facts.source(node.target)} in {short(self.facts, node.iter)}"
            stop = self.facts.qualified_name(getattr(node.iter, "func", node.iter)) != "itertools.count"
        else:
            header = f"while {self.facts.source(node.test)}"
            counts = any(isinstance(n, cst.AugAssign) for n in walk(node.body))
            stop = not _always_true(node.test) or counts or any(name in CLOCKS for name in calls)
        return RetryPolicy(MANUAL_LOOP, node, f"the `{header}` loop", None, stop, wait)

    # sessions

    def session_policy(self, expr: cst.BaseExpression, owner: cst.FunctionDef | None, depth: int) -> RetryPolicy | None:
        if depth > 2:
            return None
        if isinstance(expr, cst.Call):
            return self._built_session_policy(expr, owner, depth)
        attribute = self.self_attribute(expr)
        if attribute is not None:
            info, name = attribute
            return self._class_session_policy(info, f"self.{name}", depth)
        key = _key_of(expr)
        if key is None:
            return None
        for scope in dict.fromkeys((owner, None)):
            body = self.body(scope)
            for adapter in body.mounts.get(key, ()):
                policy = self.adapter_policy(adapter, scope)
                if policy is not None:
                    return policy
            value = body.values.get(key)
            if value is not None:
                return self.session_policy(value, scope, depth + 1)
            if scope is not None and _is_parameter(scope, key):
                return None  # a session handed in by the caller: not known here
        return None

    def _built_session_policy(self, call: cst.Call, owner: cst.FunctionDef | None, depth: int) -> RetryPolicy | None:
        """A session from a same-module factory function, method or Session subclass."""
        func = call.func
        factory = None
        if isinstance(func, cst.Name):
            info = self.facts.class_named(func.value)
            if info is not None:
                return self._class_session_policy(info, "self", depth)
            factory = self.module_function(func.value)
        else:
            attribute = self.self_attribute(func)
            if attribute is not None:
                factory = attribute[0].methods.get(attribute[1])
        if factory is None:
            return None
        for returned in self.body(factory).returned:
            policy = self.session_policy(returned, factory, depth + 1)
            if policy is not None:
                return policy
        return None

    def _class_session_policy(self, info: ClassInfo, key: str, depth: int) -> RetryPolicy | None:
        table = self._class_table(info)
        for adapter, method in table.get(f"mount:{key}", ()):
            policy = self.adapter_policy(adapter, method)
            if policy is not None:
                return policy
        for value, method in table.get(f"value:{key}", ()):
            policy = self.session_policy(value, method, depth + 1)
            if policy is not None:
                return policy
        return None

    def _class_table(self, info: ClassInfo) -> dict[str, list[tuple[cst.BaseExpression, cst.FunctionDef]]]:
        """`self.x = ...` and `self.x.mount(...)` across the methods of a class, keyed with `self`."""
        table = self._class_bodies.get(info.name)
        if table is not None:
            return table
        table = self._class_bodies[info.name] = {}
        for method in info.methods.values():
            params = method.params.params
            if not params:
                continue
            body = self.body(method)
            for key, value in body.values.items():
                self._add_self_entry(table, "value", key, params[0].name.value, [value], method)
            for key, adapters in body.mounts.items():
                self._add_self_entry(table, "mount", key, params[0].name.value, adapters, method)
        return table

    @staticmethod
    def _add_self_entry(table: dict, kind: str, key: str, self_name: str, exprs: list, method: cst.FunctionDef) -> None:
        owner, _, attr = key.partition(".")
        if owner == self_name:
            name = f"self.{attr}" if attr else "self"
            table.setdefault(f"{kind}:{name}", []).extend((expr, method) for expr in exprs)

    def self_attribute(self, expr: cst.BaseExpression) -> tuple[ClassInfo, str] | None:
        """`self.x` inside a method: the class and `x`."""
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
            return None
        scope = self.facts.scope
        while scope is not None and scope.kind == "function":
            if scope.self_name == expr.value.value and scope.parent is not None and scope.parent.class_info:
                return scope.parent.class_info, expr.attr.value
            scope = scope.parent
        return None

    def adapter_policy(self, adapter: cst.BaseExpression, owner: cst.FunctionDef | None) -> RetryPolicy | None:
        adapter, owner = self.resolve(adapter, owner)
        if not (isinstance(adapter, cst.Call) and self._is_http_adapter(adapter.func)):
            return None
        args = positional(adapter)
        given = keyword(adapter, "max_retries") or (args[HTTP_ADAPTER_RETRIES_POSITION] if len(args) > HTTP_ADAPTER_RETRIES_POSITION else None)
        if given is None:
            return None
        retries, owner = self.resolve(given.value, owner)
        if isinstance(retries, cst.Integer):
            # requests turns an int into Retry(total=n), which keeps urllib3's default verbs.
            methods = URLLIB3_DEFAULT_METHODS if retries.evaluated_value > 0 else None
            return RetryPolicy(ADAPTER, retries, f"`HTTPAdapter(max_retries={retries.value})`", "urllib3", True, False, methods) if methods else None
        if isinstance(retries, cst.Call) and self.facts.qualified_name(retries.func) in URLLIB3_RETRY:
            return self.urllib3_policy(retries, owner)
        return None

    def _is_http_adapter(self, func: cst.BaseExpression) -> bool:
        if self.facts.qualified_name(func) in HTTP_ADAPTERS:
            return True
        info = self.facts.class_named(func.value) if isinstance(func, cst.Name) else None
        return info is not None and any(base in HTTP_ADAPTERS for base in info.bases)

    def urllib3_policy(self, call: cst.Call, owner: cst.FunctionDef | None) -> RetryPolicy | None:
        args = positional(call)
        total = keyword(call, "total") or (args[0] if args else None)
        if total is not None and _turns_off(total.value):
            return None
        backoff = keyword(call, "backoff_factor")
        wait = backoff is not None and not _is_zero(backoff.value)
        stop = total is None or not is_none(total.value)
        methods_arg = keyword(call, "allowed_methods") or keyword(call, "method_whitelist")
        methods = URLLIB3_DEFAULT_METHODS if methods_arg is None else self._methods(methods_arg.value, owner)
        label = f"urllib3 `{short(self.facts, call)}`"
        return RetryPolicy(ADAPTER, call, label, "urllib3", stop, wait, methods)

    def _methods(self, expr: cst.BaseExpression, owner: cst.FunctionDef | None) -> frozenset[str] | None:
        """The verbs an `allowed_methods=` value names; None means every verb; unknown parts add none."""
        expr, owner = self.resolve(expr, owner)
        if is_none(expr) or (isinstance(expr, cst.Name) and expr.value == "False"):
            return None
        found: set[str] = set()
        for node in walk(expr):
            if isinstance(node, cst.SimpleString):
                found.update({self.facts.string_template(node)} & HTTP_METHOD_NAMES)  # urllib3 compares upper case
            elif isinstance(node, cst.Attribute) and node.attr.value in ("DEFAULT_ALLOWED_METHODS", "DEFAULT_METHOD_WHITELIST"):
                found.update(URLLIB3_DEFAULT_METHODS)
            elif isinstance(node, cst.Name) and node is not expr:
                value, _ = self.resolve(node, owner)
                inner = self._methods(value, owner) if value is not node else frozenset()
                found.update(HTTP_METHOD_NAMES if inner is None else inner)
        return frozenset(found)


_INDEXES: WeakKeyDictionary[PythonFacts, _RetryIndex] = WeakKeyDictionary()


def _index(facts: PythonFacts) -> _RetryIndex:
    """One index per file, shared by every rule that asks."""
    index = _INDEXES.get(facts)
    if index is None:
        index = _INDEXES[facts] = _RetryIndex(facts)
    return index


# -- reading statements ---------------------------------------------------------------


def _read_body(block: Sequence[cst.CSTNode]) -> _Body:
    body = _Body()
    for statement in _statements_in(block):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                _read_small(body, small)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None and isinstance(item.asname.name, cst.Name):
                    body.values[item.asname.name.value] = item.item
    return body


def _read_small(body: _Body, small: cst.BaseSmallStatement) -> None:
    if isinstance(small, cst.Assign):
        for target in small.targets:
            _bind(body, target.target, small.value)
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        _bind(body, small.target, small.value)
    elif isinstance(small, cst.Return) and small.value is not None:
        body.returned.append(small.value)
    elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        call = small.value
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "mount":
            session, args = _key_of(call.func.value), positional(call)
            adapter = keyword(call, "adapter") or (args[1] if len(args) > 1 else None)
            if session is not None and adapter is not None:
                body.mounts.setdefault(session, []).append(adapter.value)


def _bind(body: _Body, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
    key = _key_of(target)
    if key is not None:
        body.values[key] = value


# -- hand-written retry loops ------------------------------------------------------------


def _is_attempt_iterable(facts: PythonFacts, loop: cst.For) -> bool:
    """`range(n)`, `itertools.count()`, a literal list of delays, or a target named like a retry."""
    items = loop.iter
    if isinstance(items, cst.Call) and (
        (isinstance(items.func, cst.Name) and items.func.value == "range" and facts.lookup("range") is None)
        or facts.qualified_name(items.func) == "itertools.count"
    ):
        return True
    if isinstance(items, (cst.List, cst.Tuple)) and items.elements:
        return all(isinstance(element.value, (cst.Integer, cst.Float)) for element in items.elements)
    return isinstance(loop.target, cst.Name) and bool(RETRY_ISH_NAME.search(loop.target.value))


def _attempt(loop: cst.For | cst.While, statement: cst.CSTNode, rest: list[cst.CSTNode]) -> list[cst.CSTNode]:
    """The statements one attempt re-runs, when `statement` is the attempt of a retry loop."""
    retried = _attempt_statements(loop, statement, rest)
    if retried and isinstance(loop, cst.For) and isinstance(loop.target, cst.Name):
        if any(_mentions(node, loop.target.value) for node in retried):
            return []  # each round does different work (a page, a row): iteration, not retry
    return retried


def _attempt_statements(loop: cst.For | cst.While, statement: cst.CSTNode, rest: list[cst.CSTNode]) -> list[cst.CSTNode]:
    if isinstance(statement, cst.Try):
        goes_round = any(_falls_through(handler.body) for handler in statement.handlers)
        succeeds = (
            _exits(statement.body)
            or (statement.orelse is not None and _exits(statement.orelse.body))
            or any(_exits(later) for later in rest)
            or (isinstance(loop, cst.While) and _sets_flag(statement.body, loop.test))
        )
        return list(_statements_in(statement.body.body)) if goes_round and succeeds else []
    result = _assigned_name(statement)
    if result is not None and any(_checks_and_exits(later, result) for later in rest):
        return [statement]
    return []


def _falls_through(block: cst.BaseSuite) -> bool:
    """An except block that lets the loop go round again (does not end in raise/return/break)."""
    last = block.body[-1] if block.body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    return not isinstance(last, (cst.Raise, cst.Return, cst.Break))


def _exits(node: cst.CSTNode, inner_loop: bool = False) -> bool:
    """A `return`, or a `break` of this loop (not of an inner one), at or below `node`."""
    if isinstance(node, SCOPES):
        return False
    if isinstance(node, cst.Return):
        return True
    if isinstance(node, cst.Break):
        return not inner_loop
    inner_loop = inner_loop or isinstance(node, (cst.For, cst.While))
    return any(_exits(child, inner_loop) for child in node.children)


def _sets_flag(block: cst.BaseSuite, test: cst.BaseExpression) -> bool:
    """`while not done: try: ...; done = True`: the attempt sets a name the loop test reads."""
    tested = {n.value for n in walk(test) if isinstance(n, cst.Name)}
    for statement in _statements_in(block.body):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(_key_of(t.target) in tested for t in small.targets):
                    return True
    return False


def _assigned_name(statement: cst.CSTNode) -> str | None:
    """`resp = session.post(...)`: the name a call's result is stored in."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        value = small.value.expression if isinstance(small.value, cst.Await) else small.value
        return small.targets[0].target.value if isinstance(value, cst.Call) else None
    return None


def _checks_and_exits(statement: cst.CSTNode, result: str) -> bool:
    """`if resp.ok: break` / `if resp.status_code < 500: return resp`: success judged on the result."""
    return isinstance(statement, cst.If) and _mentions(statement.test, result) and _exits(statement.body)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return any(isinstance(n, cst.Name) and n.value == name for n in walk(node))


def _always_true(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Name) and test.value == "True") or (isinstance(test, cst.Integer) and test.value != "0")


def _turns_off(expr: cst.BaseExpression) -> bool:
    """`Retry(0)`, `Retry(total=False)`: no retries at all."""
    return (isinstance(expr, cst.Name) and expr.value == "False") or _is_zero(expr)


def _is_zero(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.Integer, cst.Float)) and float(expr.evaluated_value) == 0


def _is_parameter(function: cst.FunctionDef, name: str) -> bool:
    params = function.params
    return any(param.name.value == name for param in (*params.posonly_params, *params.params, *params.kwonly_params))


def _last_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else None
