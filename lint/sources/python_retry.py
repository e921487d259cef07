"""Whether the code at the traversal point is retried automatically, and how.

A call is re-run without anyone asking when
- its function carries a tenacity, backoff or retrying decorator (`@retry(...)`,
  `@backoff.on_exception(...)`, or a module-level alias of one), or is a Celery task
  declared with `autoretry_for=`;
- it sits in a tenacity `Retrying`/`AsyncRetrying` loop (`for attempt in Retrying(...): with attempt:`);
- it is the attempt of a hand-written retry loop (`for attempt in range(n)`, `while True`,
  `while tries < n`) that goes round again on failure and leaves on success;
- it goes through a requests session with a urllib3 `Retry` mounted via
  `HTTPAdapter(max_retries=Retry(...))` (followed to where the session was built by
  python_sessions: module sessions, `self.x` sessions, locals, same-module session
  factories and Session subclasses).

Each policy says whether it stops (`stop=`, `max_tries`/`max_time`, a bounded loop, a
counter or a clock) and whether it waits between attempts (`wait=`, a non-zero
`backoff_factor`, a sleep in the loop), and names the argument that explicitly turns
either off (`stop=stop_never`, `backoff_factor=0`). `retry_construct` reads the same
facts from any call that builds a policy (`retry(...)`, `Retrying(...)`, `Retry(...)`,
`HTTPAdapter(max_retries=3)`), wherever it stands.

A loop is judged once, when first asked: that reads the statements of its own body, and
walks the expressions only of the attempt of a loop found to be a retry loop; nothing
else of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import libcst as cst

from lint.sources.python_calls import SCOPES, has_double_star, is_none, keyword, positional, walk
from lint.sources.python_facts import PythonFacts, statements_in, suites_of
# `resolved` and `short` are imported from here too by the rules and facts that read retries.
from lint.sources.python_sessions import first_origin, is_http_adapter, is_mount, mounted_adapter, resolved, short

DECORATOR = "decorator"  # tenacity / backoff / retrying / Celery autoretry on the enclosing function
RETRYING_LOOP = "retrying-loop"  # tenacity.Retrying(...): for attempt in it, or called with a function
MANUAL_LOOP = "loop"  # a hand-written retry loop
ADAPTER = "adapter"  # urllib3 Retry mounted on a requests session

# Policy factories: qualified name -> (library, keywords that stop it, keywords that wait; None: waits by design).
RETRY_FACTORIES = {
    "tenacity.retry": ("tenacity", ("stop",), ("wait",)),
    "tenacity.Retrying": ("tenacity", ("stop",), ("wait",)),
    "tenacity.AsyncRetrying": ("tenacity", ("stop",), ("wait",)),
    "backoff.on_exception": ("backoff", ("max_tries", "max_time"), None),
    "backoff.on_predicate": ("backoff", ("max_tries", "max_time"), None),
    # The `retry` package: tries=-1 (forever) and delay=0 by default.
    **{name: ("retry", ("tries",), ("delay",)) for name in ("retry.retry", "retry.api.retry", "retry.retry_call", "retry.api.retry_call")},
    "retrying.retry": (
        "retrying",
        ("stop", "stop_func", "stop_max_attempt_number", "stop_max_delay"),
        ("wait", "wait_func", "wait_fixed", "wait_random_min", "wait_random_max", "wait_exponential_multiplier", "wait_incrementing_start"),
    ),
}
BARE_DECORATORS = frozenset({"tenacity.retry", "retrying.retry"})  # `@retry` without a call: no stop, no wait
RETRYING_CLASSES = frozenset({"tenacity.Retrying", "tenacity.AsyncRetrying"})
# Values that explicitly turn a limit or a wait off.
UNSETTING = frozenset({"tenacity.stop_never", "tenacity.stop.stop_never", "tenacity.wait_none", "tenacity.wait.wait_none"})
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
URLLIB3_COUNTS = ("connect", "read", "redirect", "status", "other")  # limits that still apply when `total=None`
# urllib3's Retry.DEFAULT_ALLOWED_METHODS: the idempotent verbs only, never POST or PATCH.
URLLIB3_DEFAULT_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"})
HTTP_METHOD_NAMES = URLLIB3_DEFAULT_METHODS | {"POST", "PATCH", "CONNECT"}
HTTP_ADAPTER_RETRIES_POSITION = 2  # HTTPAdapter(pool_connections, pool_maxsize, max_retries, ...)
RETRY_ISH_NAME = re.compile(r"attempt|retr(?:y|ies)|(?:^|_)tr(?:y|ies)(?:$|_)|delay|backoff", re.IGNORECASE)
WAIT_ISH_CALL = re.compile(r"sleep|backoff|wait", re.IGNORECASE)
TEXT_TESTS = (cst.Equal, cst.NotEqual, cst.In, cst.NotIn)
STATE_TESTS = (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)  # enum members are compared by identity too
STATE_ENUM = re.compile(r"(State|Status)$")  # `JobState`, `DataOperationStatus`
HTTP_STATUS = "http.HTTPStatus"  # `if resp.status == HTTPStatus.OK: break` judges an attempt: a retry
CLOCKS = frozenset({"time.time", "time.monotonic", "time.perf_counter", "datetime.datetime.now", "datetime.datetime.utcnow", "loop.time"})


@dataclass(frozen=True)
class RetryPolicy:
    """One construct that re-runs code: what it is, where, and whether it stops and waits."""

    kind: str  # DECORATOR, RETRYING_LOOP, MANUAL_LOOP or ADAPTER
    node: cst.CSTNode  # the decorator, the loop, or the call that builds the policy
    label: str  # how a message names it, e.g. "`@retry(...)`", "the `while True` loop"
    library: str | None = None  # tenacity, backoff, retrying, retry, celery, urllib3; None for a hand-written loop
    stop: bool = True  # declares when to give up (stop=, max_tries/max_time, a bounded loop, a counter)
    wait: bool = True  # waits between attempts (wait=, a sleep in the loop, a non-zero backoff_factor)
    methods: frozenset[str] | None = None  # HTTP methods it retries; None: everything it wraps
    # The argument that explicitly turns the limit or the wait off (`stop=stop_never`, `backoff_factor=0`);
    # None when the policy leaves it out (or has it).
    stop_unset: str | None = None
    wait_unset: str | None = None

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
    """The tenacity/backoff/retrying/Celery-autoretry decorator on `function`, if any."""
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


def retry_attempt(facts: PythonFacts, statement: cst.CSTNode) -> RetryPolicy | None:
    """The hand-written retry loop around the traversal point whose attempt is `statement` (its `try`), if any."""
    loop = facts.enclosing_loop()
    analysis = _index(facts).loop(loop.node) if loop is not None else None
    return analysis.policy if analysis is not None and analysis.attempt is statement else None


def session_retry(facts: PythonFacts, session: cst.BaseExpression) -> RetryPolicy | None:
    """The urllib3 Retry mounted on the requests session that `session` evaluates to at the traversal point."""
    return first_origin(facts, session, _index(facts).mounted_policy)


def urllib3_retry(facts: PythonFacts, call: cst.Call) -> RetryPolicy | None:
    """The policy of a `Retry(...)` call; None when it is not one or turns retries off."""
    if facts.qualified_name(call.func) not in URLLIB3_RETRY:
        return None
    return _index(facts).urllib3_policy(call)


def retry_construct(facts: PythonFacts, call: cst.Call) -> RetryPolicy | None:
    """The policy a call builds, wherever it stands.

    A tenacity `retry(...)`/`Retrying(...)`/`AsyncRetrying(...)`, a backoff or retrying
    decorator factory, a Celery task declared with `autoretry_for=`, a urllib3 `Retry(...)`,
    or `HTTPAdapter(max_retries=<int>)` (an `HTTPAdapter` given a `Retry` is judged by that
    `Retry` call). None for any other call, and for a `Retry` that turns retries off.
    """
    return _index(facts).construct(call)


# -- the per-file index -----------------------------------------------------------


@dataclass(frozen=True)
class _LoopAnalysis:
    policy: RetryPolicy
    retried: frozenset[cst.CSTNode]  # the statements each attempt re-runs
    attempt: cst.CSTNode  # the statement judged the attempt (a `try`, or the call's assignment)


class _RetryIndex:
    """Decorators and loops judged once per file, on first question."""

    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self._loops: dict[cst.CSTNode, _LoopAnalysis | None] = {}
        self._decorators: dict[cst.Decorator, RetryPolicy | None] = {}
        self._constructs: dict[cst.Call, RetryPolicy | None] = {}

    # decorators and factories

    def construct(self, call: cst.Call) -> RetryPolicy | None:
        if call not in self._constructs:
            self._constructs[call] = self._construct(call)
        return self._constructs[call]

    def _construct(self, call: cst.Call) -> RetryPolicy | None:
        if self.facts.qualified_name(call.func) in URLLIB3_RETRY:
            return self.urllib3_policy(call)
        if is_http_adapter(self.facts, call.func):
            policy = self.adapter_policy(call)
            return replace(policy, node=call) if policy is not None and isinstance(policy.node, cst.Integer) else None
        return self.factory_policy(call)

    def decorator(self, decorator: cst.Decorator) -> RetryPolicy | None:
        if decorator not in self._decorators:
            self._decorators[decorator] = self._decorator_policy(decorator)
        return self._decorators[decorator]

    def _decorator_policy(self, decorator: cst.Decorator) -> RetryPolicy | None:
        expr = resolved(self.facts, decorator.decorator)  # `sf_retry = retry(...)` then `@sf_retry`
        if isinstance(expr, cst.Call):
            policy = self.factory_policy(expr)
        elif self.facts.qualified_name(expr) in BARE_DECORATORS:
            policy = RetryPolicy(DECORATOR, decorator, "", RETRY_FACTORIES[self.facts.qualified_name(expr)][0], stop=False, wait=False)
        else:
            return None
        if policy is None:
            return None
        return replace(policy, kind=DECORATOR, node=decorator, label=f"`@{short(self.facts, decorator.decorator, limit=0)}`")

    def factory_policy(self, call: cst.Call) -> RetryPolicy | None:
        """A tenacity/backoff/retrying factory or Retrying object, or a Celery task with `autoretry_for=`."""
        if keyword(call, "autoretry_for") is not None:
            # A Celery task re-run on these errors: max_retries defaults to 3, with a delay.
            limit = keyword(call, "max_retries")
            unbounded = limit is not None and is_none(limit.value)
            label = f"`{short(self.facts, call)}`"
            return RetryPolicy(DECORATOR, call, label, "celery", stop=not unbounded, stop_unset="`max_retries=None`" if unbounded else None)
        qualified = self.facts.qualified_name(call.func) or ""
        known = RETRY_FACTORIES.get(qualified)
        if known is None:
            return None
        library, stops, waits = known
        label = f"`{short(self.facts, call)}`"
        kind = RETRYING_LOOP if qualified in RETRYING_CLASSES else DECORATOR
        if has_double_star(call):
            return RetryPolicy(kind, call, label, library)  # **options may carry both: do not guess
        stop, stop_unset = self._given(call, stops)
        wait, wait_unset = (True, None) if waits is None else self._given(call, waits)
        return RetryPolicy(kind, call, label, library, stop, wait, stop_unset=stop_unset, wait_unset=wait_unset)

    def _given(self, call: cst.Call, names: tuple[str, ...]) -> tuple[bool, str | None]:
        """Whether one of the keywords `names` is set, else the argument that explicitly unsets it (`max_tries=None`)."""
        unset = None
        for name in names:
            arg = keyword(call, name)
            if arg is None:
                continue
            if not self._unsets(arg.value):
                return True, None
            unset = unset or f"`{self.facts.argument_source(arg)}`"
        return False, unset

    def _unsets(self, value: cst.BaseExpression) -> bool:
        """`None`, `0`, `-1`, `stop_never`, `wait_none()`: a value that sets no limit or no wait."""
        value = resolved(self.facts, value)
        if is_none(value) or _is_zero(value) or (isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus)):
            return True
        target = value.func if isinstance(value, cst.Call) else value
        return self.facts.qualified_name(target) in UNSETTING

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
        label = f"the `for {self.facts.source(node.target)} in {short(self.facts, node.iter, limit=0)}` loop"
        policy = replace(self.factory_policy(retrying), node=node, label=label)
        body = node.body.body
        return _LoopAnalysis(policy, frozenset(statements_in(body)), body[0] if body else node)

    def _manual_loop(self, node: cst.For | cst.While) -> _LoopAnalysis | None:
        body = list(node.body.body)
        for position, statement in enumerate(body):
            retried = _attempt(self.facts, node, statement, body[position + 1 :])
            if retried:
                return _LoopAnalysis(self._manual_policy(node), frozenset(retried), statement)
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

    def mounted_policy(self, call: cst.Call) -> RetryPolicy | None:
        """The policy of the adapter a `session.mount(prefix, adapter)` call mounts."""
        adapter = mounted_adapter(call) if is_mount(call) else None
        return self.adapter_policy(adapter) if adapter is not None else None

    def adapter_policy(self, adapter: cst.BaseExpression) -> RetryPolicy | None:
        adapter = resolved(self.facts, adapter)
        if not (isinstance(adapter, cst.Call) and is_http_adapter(self.facts, adapter.func)):
            return None
        args = positional(adapter)
        given = keyword(adapter, "max_retries") or (args[HTTP_ADAPTER_RETRIES_POSITION] if len(args) > HTTP_ADAPTER_RETRIES_POSITION else None)
        if given is None:
            return None
        retries = resolved(self.facts, given.value)
        if isinstance(retries, cst.Integer):
            # requests turns an int into Retry(total=n): urllib3's default verbs, and no backoff.
            methods = URLLIB3_DEFAULT_METHODS if retries.evaluated_value > 0 else None
            return RetryPolicy(ADAPTER, retries, f"`HTTPAdapter(max_retries={retries.value})`", "urllib3", True, False, methods) if methods else None
        if isinstance(retries, cst.Call) and self.facts.qualified_name(retries.func) in URLLIB3_RETRY:
            return self.urllib3_policy(retries)
        return None

    def urllib3_policy(self, call: cst.Call) -> RetryPolicy | None:
        args = positional(call)
        total = keyword(call, "total") or (args[0] if args else None)
        if total is not None and _turns_off(total.value):
            return None
        options = has_double_star(call)  # `Retry(**settings)` may set anything: do not guess
        backoff = keyword(call, "backoff_factor")
        wait = options or (backoff is not None and not _is_zero(backoff.value))
        # `total=None` leaves only the per-kind counts, which default to None (no limit) too.
        unlimited = not options and total is not None and is_none(total.value) and not any(keyword(call, count) for count in URLLIB3_COUNTS)
        methods_arg = keyword(call, "allowed_methods") or keyword(call, "method_whitelist")
        methods = URLLIB3_DEFAULT_METHODS if methods_arg is None else self._methods(methods_arg.value)
        return RetryPolicy(
            ADAPTER,
            call,
            f"urllib3 `{short(self.facts, call)}`",
            "urllib3",
            stop=not unlimited,
            wait=wait,
            methods=methods,
            stop_unset="`total=None`" if unlimited else None,
            wait_unset=f"`backoff_factor={self.facts.source(backoff.value)}`" if backoff is not None and not wait else None,
        )

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


def _index(facts: PythonFacts) -> _RetryIndex:
    """One index per file, shared by every rule that asks."""
    return facts.shared(_RetryIndex)


# -- hand-written retry loops ------------------------------------------------------------


def _is_attempt_iterable(facts: PythonFacts, loop: cst.For) -> bool:
    """`range(n)`, `itertools.count()`, a literal list of delays, or a target named like a retry."""
    items = loop.iter
    if isinstance(items, cst.Call) and (facts.is_builtin(items.func, "range") or facts.qualified_name(items.func) == "itertools.count"):
        return True
    if isinstance(items, (cst.List, cst.Tuple)) and items.elements:
        return all(isinstance(element.value, (cst.Integer, cst.Float)) for element in items.elements)
    return isinstance(loop.target, cst.Name) and bool(RETRY_ISH_NAME.search(loop.target.value))


def _attempt(facts: PythonFacts, loop: cst.For | cst.While, statement: cst.CSTNode, rest: list[cst.CSTNode]) -> list[cst.CSTNode]:
    """The statements one attempt re-runs, when `statement` is the attempt of a retry loop."""
    retried = _attempt_statements(facts, loop, statement, rest)
    if retried and isinstance(loop, cst.For) and isinstance(loop.target, cst.Name):
        if any(_mentions(node, loop.target.value) for node in retried):
            return []  # each round does different work (a page, a row): iteration, not retry
    return retried


def _attempt_statements(facts: PythonFacts, loop: cst.For | cst.While, statement: cst.CSTNode, rest: list[cst.CSTNode]) -> list[cst.CSTNode]:
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
    if result is not None and any(_checks_and_exits(facts, later, result) for later in rest):
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
    if isinstance(node, cst.BaseCompoundStatement) and node.__class__ not in SCOPES:
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


def _checks_and_exits(facts: PythonFacts, statement: cst.CSTNode, result: str) -> bool:
    """`if resp.ok: break` / `if resp.status_code < 500: return resp`: success judged on the result.

    Leaving once the result names a state (`if job["state"] == "JobComplete": break`,
    `if result.status is not Status.IN_PROGRESS: break`) is polling, not retrying.
    """
    if not (isinstance(statement, cst.If) and _mentions(statement.test, result) and _exits(statement.body)):
        return False
    return not tests_a_state(facts, statement.test)


def tests_a_state(facts: PythonFacts, test: cst.BaseExpression) -> bool:
    """`state == "JobComplete"`, `status not in ("Done", "Failed")`, `state in FINAL_STATES`,
    `result.status is not Status.IN_PROGRESS`: a test of a state's name or enum member."""
    for node in walk(test):
        if isinstance(node, cst.Comparison):
            sides = [node.left, *(part.comparator for part in node.comparisons)]
            if any(isinstance(part.operator, TEXT_TESTS) for part in node.comparisons) and any(_is_text(facts, side) for side in sides):
                return True
            if any(isinstance(part.operator, STATE_TESTS) for part in node.comparisons) and any(_is_state_member(facts, side) for side in sides):
                return True
    return False


def _is_state_member(facts: PythonFacts, expr: cst.BaseExpression) -> bool:
    """`DataOperationStatus.IN_PROGRESS`, `JobState.Complete`: a member of an enum of states, not an HTTP status code."""
    if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, (cst.Name, cst.Attribute))):
        return False
    owner = expr.value.attr.value if isinstance(expr.value, cst.Attribute) else expr.value.value
    return bool(STATE_ENUM.search(owner)) and not (facts.qualified_name(expr) or "").startswith(HTTP_STATUS)


def _is_text(facts: PythonFacts, expr: cst.BaseExpression) -> bool:
    """A string, or a collection of strings (`frozenset({...})` too), written out or bound to a name."""
    value = facts.value_of(expr) or expr
    if isinstance(value, cst.Call) and len(value.args) == 1 and any(facts.is_builtin(value.func, name) for name in ("set", "frozenset")):
        value = facts.value_of(value.args[0].value) or value.args[0].value
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(value, (cst.Tuple, cst.List, cst.Set)):
        return bool(value.elements) and all(isinstance(element.value, cst.SimpleString) for element in value.elements)
    return False


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

