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

Names, sessions and mounts are read from the shared facts: what a name or `self.x` is
bound to (`value_of`), the methods called on it (`Binding.method_calls`,
`ClassInfo.method_calls`), and, for a session factory or the method that mounted an
adapter, the bindings of that function (`function_scope`). A loop is judged once, when
first asked: that reads the statements of its own body, and walks the expressions only
of the attempt of a loop found to be a retry loop; nothing else of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator
from weakref import WeakKeyDictionary

import libcst as cst

from lint.sources.python_calls import SCOPES, has_double_star, is_none, keyword, positional, walk
from lint.sources.python_facts import ClassInfo, PythonFacts, statements_in, suites_of

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


# -- questions rules ask --------------------------------------------------------


def enclosing_retry(facts: PythonFacts) -> RetryPolicy | None:
    """The retry loop or decorator that re-runs the current statement, innermost first."""
    index = _index(facts)
    current = facts.current_statement()
    for loop in reversed(facts.enclosing_loops()):
        analysis = index.loop(loop.node)
        if analysis is not None and current in analysis.retried:
            return analysis.policy
    function = facts.current_function()
    return decorator_retry(facts, function) if function is not None else None


def decorator_retry(facts: PythonFacts, function: cst.FunctionDef) -> RetryPolicy | None:
    """The tenacity/backoff/retrying decorator on `function`, if any."""
    index = _index(facts)
    for decorator in function.decorators:
        policy = index.decorator(decorator)
        if policy is not None:
            return policy
    return None


def loop_retry(facts: PythonFacts, loop: cst.CSTNode) -> RetryPolicy | None:
    """The policy of `loop` (at or around the traversal point) when it is a Retrying loop or a hand-written retry loop."""
    analysis = _index(facts).loop(loop)
    return analysis.policy if analysis is not None else None


def session_retry(facts: PythonFacts, session: cst.BaseExpression) -> RetryPolicy | None:
    """The urllib3 Retry mounted on the requests session that `session` evaluates to at the traversal point."""
    return _index(facts).session_policy(session, depth=0)


def urllib3_retry(facts: PythonFacts, call: cst.Call) -> RetryPolicy | None:
    """The policy of a `Retry(...)` call; None when it is not one or turns retries off."""
    if facts.qualified_name(call.func) not in URLLIB3_RETRY:
        return None
    return _index(facts).urllib3_policy(call)


def short(facts: PythonFacts, expr: cst.BaseExpression, limit: int = 40) -> str:
    """Source of an expression for a message, with long call arguments elided: `Retrying(...)`."""
    text = facts.source(expr)
    if isinstance(expr, cst.Call) and (len(text) > limit or "\n" in text):
        return f"{facts.source(expr.func)}(...)"
    return text


def resolved(facts: PythonFacts, expr: cst.BaseExpression) -> cst.BaseExpression:
    """What `expr` holds as far as the facts know here: the value bound to a name or `self.x`, else `expr` itself.

    A parameter counts as unknown (its default is only what a caller may leave out), so is an import.
    """
    value = facts.value_of(expr, defaults=False)
    return expr if value is None else value


# -- the per-file index -----------------------------------------------------------


@dataclass(frozen=True)
class _LoopAnalysis:
    policy: RetryPolicy
    retried: frozenset[cst.CSTNode]  # the statements each attempt re-runs


class _RetryIndex:
    """Decorators and loops judged once per file, on first question."""

    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self._loops: dict[cst.CSTNode, _LoopAnalysis | None] = {}
        self._decorators: dict[cst.Decorator, RetryPolicy | None] = {}

    # decorators

    def decorator(self, decorator: cst.Decorator) -> RetryPolicy | None:
        if decorator not in self._decorators:
            self._decorators[decorator] = self._decorator_policy(decorator)
        return self._decorators[decorator]

    def _decorator_policy(self, decorator: cst.Decorator) -> RetryPolicy | None:
        expr = resolved(self.facts, decorator.decorator)  # `sf_retry = retry(...)` then `@sf_retry`
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

    def loop(self, node: cst.CSTNode) -> _LoopAnalysis | None:
        if node not in self._loops:
            self._loops[node] = self._analyse_loop(node)
        return self._loops[node]

    def _analyse_loop(self, node: cst.CSTNode) -> _LoopAnalysis | None:
        if not isinstance(node, (cst.For, cst.While)) or not isinstance(node.body, cst.IndentedBlock):
            return None
        if isinstance(node, cst.For):
            retrying = resolved(self.facts, node.iter)
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
        return _LoopAnalysis(policy, frozenset(statements_in(node.body.body)))

    def _manual_loop(self, node: cst.For | cst.While) -> _LoopAnalysis | None:
        body = list(node.body.body)
        for position, statement in enumerate(body):
            retried = _attempt(node, statement, body[position + 1 :])
            if retried:
                return _LoopAnalysis(self._manual_policy(node), frozenset(retried))
        return None

    def _manual_policy(self, node: cst.For | cst.While) -> RetryPolicy:
        # The one walk of a whole body here, only for a loop found to be a retry loop, once per file.
        calls: list[str | None] = []
        counts = False
        for inner in walk(node.body):
            if isinstance(inner, cst.Call):
                calls.append(self.facts.qualified_name(inner.func) or _last_name(inner.func))
            elif isinstance(inner, cst.AugAssign):
                counts = True
        wait = any(WAIT_ISH_CALL.search(name or "") for name in calls)
        if isinstance(node, cst.For):
            header = f"for {self.facts.source(node.target)} in {short(self.facts, node.iter)}"
            stop = self.facts.qualified_name(getattr(node.iter, "func", node.iter)) != "itertools.count"
        else:
            header = f"while {self.facts.source(node.test)}"
            stop = not _always_true(node.test) or counts or any(name in CLOCKS for name in calls)
        return RetryPolicy(MANUAL_LOOP, node, f"the `{header}` loop", None, stop, wait)

    # sessions

    def session_policy(self, expr: cst.BaseExpression, depth: int) -> RetryPolicy | None:
        """The policy mounted on the session `expr` evaluates to, in the facts' current scope."""
        if depth > 2:
            return None
        facts = self.facts
        if isinstance(expr, cst.Call):
            return self._built_session_policy(expr, depth)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            info = facts.self_class(expr.value.value)
            return self._class_session_policy(info, expr.attr.value, depth) if info is not None else None
        binding = facts.lookup(expr.value) if isinstance(expr, cst.Name) else None
        if binding is None or binding.parameter:
            return None  # unknown, or a session handed in by the caller
        for call in binding.method_calls:
            policy = self._mounted_policy(call)
            if policy is not None:
                return policy
        return self.session_policy(binding.value, depth + 1) if binding.value is not None else None

    def _built_session_policy(self, call: cst.Call, depth: int) -> RetryPolicy | None:
        """A session from a same-module factory function, method or Session subclass."""
        facts = self.facts
        info = facts.class_named(call.func.value) if isinstance(call.func, cst.Name) else None
        if info is not None:
            return self._class_session_policy(info, "", depth)
        factory = facts.callee(call.func)
        if factory is None:
            return None
        with facts.in_scope(facts.function_scope(factory)):
            for returned in _returned_values(factory):
                policy = self.session_policy(returned, depth + 1)
                if policy is not None:
                    return policy
        return None

    def _class_session_policy(self, info: ClassInfo, attr: str, depth: int) -> RetryPolicy | None:
        """What the methods of a class mount on `self.<attr>` ("": on `self`) or assign to it."""
        facts = self.facts
        for call, method in info.method_calls.get(attr, ()):
            if _is_mount(call):
                with facts.in_scope(facts.function_scope(method)):
                    policy = self._mounted_policy(call)
                if policy is not None:
                    return policy
        for value, method in info.attribute_assignments.get(attr, ()) if attr else ():
            with facts.in_scope(facts.function_scope(method)):
                policy = self.session_policy(value, depth + 1)
            if policy is not None:
                return policy
        return None

    def _mounted_policy(self, call: cst.Call) -> RetryPolicy | None:
        """The policy of the adapter a `session.mount(prefix, adapter)` call mounts."""
        if not _is_mount(call):
            return None
        args = positional(call)
        adapter = keyword(call, "adapter") or (args[1] if len(args) > 1 else None)
        return self.adapter_policy(adapter.value) if adapter is not None else None

    def adapter_policy(self, adapter: cst.BaseExpression) -> RetryPolicy | None:
        adapter = resolved(self.facts, adapter)
        if not (isinstance(adapter, cst.Call) and self._is_http_adapter(adapter.func)):
            return None
        args = positional(adapter)
        given = keyword(adapter, "max_retries") or (args[HTTP_ADAPTER_RETRIES_POSITION] if len(args) > HTTP_ADAPTER_RETRIES_POSITION else None)
        if given is None:
            return None
        retries = resolved(self.facts, given.value)
        if isinstance(retries, cst.Integer):
            # requests turns an int into Retry(total=n), which keeps urllib3's default verbs.
            methods = URLLIB3_DEFAULT_METHODS if retries.evaluated_value > 0 else None
            return RetryPolicy(ADAPTER, retries, f"`HTTPAdapter(max_retries={retries.value})`", "urllib3", True, False, methods) if methods else None
        if isinstance(retries, cst.Call) and self.facts.qualified_name(retries.func) in URLLIB3_RETRY:
            return self.urllib3_policy(retries)
        return None

    def _is_http_adapter(self, func: cst.BaseExpression) -> bool:
        if self.facts.qualified_name(func) in HTTP_ADAPTERS:
            return True
        info = self.facts.class_named(func.value) if isinstance(func, cst.Name) else None
        return info is not None and any(base in HTTP_ADAPTERS for base in info.bases)

    def urllib3_policy(self, call: cst.Call) -> RetryPolicy | None:
        args = positional(call)
        total = keyword(call, "total") or (args[0] if args else None)
        if total is not None and _turns_off(total.value):
            return None
        backoff = keyword(call, "backoff_factor")
        wait = backoff is not None and not _is_zero(backoff.value)
        stop = total is None or not is_none(total.value)
        methods_arg = keyword(call, "allowed_methods") or keyword(call, "method_whitelist")
        methods = URLLIB3_DEFAULT_METHODS if methods_arg is None else self._methods(methods_arg.value)
        label = f"urllib3 `{short(self.facts, call)}`"
        return RetryPolicy(ADAPTER, call, label, "urllib3", stop, wait, methods)

    def _methods(self, expr: cst.BaseExpression) -> frozenset[str] | None:
        """The verbs an `allowed_methods=` value names; None means every verb; unknown parts add none."""
        expr = resolved(self.facts, expr)
        if is_none(expr) or (isinstance(expr, cst.Name) and expr.value == "False"):
            return None
        found: set[str] = set()
        for node in walk(expr):
            if isinstance(node, cst.SimpleString):
                found.update({self.facts.string_template(node)} & HTTP_METHOD_NAMES)  # urllib3 compares upper case
            elif isinstance(node, cst.Attribute) and node.attr.value in ("DEFAULT_ALLOWED_METHODS", "DEFAULT_METHOD_WHITELIST"):
                found.update(URLLIB3_DEFAULT_METHODS)
            elif isinstance(node, cst.Name) and node is not expr:
                value = resolved(self.facts, node)
                inner = self._methods(value) if value is not node else frozenset()
                found.update(HTTP_METHOD_NAMES if inner is None else inner)
        return frozenset(found)


_INDEXES: WeakKeyDictionary[PythonFacts, _RetryIndex] = WeakKeyDictionary()


def _index(facts: PythonFacts) -> _RetryIndex:
    """One index per file, shared by every rule that asks."""
    index = _INDEXES.get(facts)
    if index is None:
        index = _INDEXES[facts] = _RetryIndex(facts)
    return index


def _is_mount(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "mount"


def _returned_values(function: cst.FunctionDef) -> Iterator[cst.BaseExpression]:
    """The values of a function's `return` statements, in order."""
    for statement in statements_in(function.body.body):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Return) and small.value is not None:
                    yield small.value


# -- hand-written retry loops ------------------------------------------------------------


def _is_attempt_iterable(facts: PythonFacts, loop: cst.For) -> bool:
    """`range(n)`, `itertools.count()`, a literal list of delays, or a target named like a retry."""
    items = loop.iter
    if isinstance(items, cst.Call) and (facts.is_builtin(items.func, "range") or facts.qualified_name(items.func) == "itertools.count"):
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
        return list(statements_in(statement.body.body)) if goes_round and succeeds else []
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
    """A `return`, or a `break` of this loop (not of an inner one), in a statement or block (statements only)."""
    if isinstance(node, cst.Return):
        return True
    if isinstance(node, cst.Break):
        return not inner_loop
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseSuite)):
        return any(_exits(child, inner_loop) for child in node.body)
    if isinstance(node, cst.BaseCompoundStatement) and not isinstance(node, SCOPES):
        inner_loop = inner_loop or isinstance(node, (cst.For, cst.While))
        return any(_exits(suite, inner_loop) for suite in suites_of(node))
    return False


def _sets_flag(block: cst.BaseSuite, test: cst.BaseExpression) -> bool:
    """`while not done: try: ...; done = True`: the attempt sets a name the loop test reads."""
    tested = {n.value for n in walk(test) if isinstance(n, cst.Name)}
    for statement in statements_in(block.body):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value in tested for t in small.targets):
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
    """`name` read in `node`: a loop test, or the statements of the attempt a loop is judged by (once per loop)."""
    return any(isinstance(n, cst.Name) and n.value == name for n in walk(node))


def _always_true(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Name) and test.value == "True") or (isinstance(test, cst.Integer) and test.value != "0")


def _turns_off(expr: cst.BaseExpression) -> bool:
    """`Retry(0)`, `Retry(total=False)`: no retries at all."""
    return (isinstance(expr, cst.Name) and expr.value == "False") or _is_zero(expr)


def _is_zero(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.Integer, cst.Float)) and float(expr.evaluated_value) == 0


def _last_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else None

