"""How a client or session held by an expression was made: the call that built it and what was mounted on it.

Retries and default timeouts are configured where a session is built, not where it
is used: `session.mount("https://", HTTPAdapter(max_retries=Retry(...)))` in a
factory, a `requests.Session` subclass whose `request` sets a timeout, a client
built with `Salesforce(session=...)`. `first_origin` follows an expression back to
those calls, through names, `self.x` attributes, same-module factory functions
and Session subclasses, and hands each to a judge in the scope that made it (so
the judge reads `Retry(total=retries)` with that function's `retries`):

- the constructor call (`requests.Session()`, `TimeoutSession()`, `Salesforce(...)`);
- each `<session>.mount(prefix, adapter)` call made on the object.

Names, mounts and attribute assignments come from the shared facts (`value_of`,
`Binding.method_calls`, `ClassInfo.method_calls`/`attribute_assignments`,
`function_scope`); no expression is walked except the methods of an adapter or
session class asked whether they inject a timeout (once per class).
"""

from __future__ import annotations

from typing import Callable, Iterator, TypeVar

import libcst as cst

from lint.sources.python_calls import is_none, keyword, positional, walk
from lint.sources.python_facts import ClassInfo, PythonFacts, statements_in

T = TypeVar("T")
# Reads one call that shaped the object: its constructor or a `.mount(...)` on it; None: look further.
Judge = Callable[[cst.Call], "T | None"]

MAX_DEPTH = 3  # names, attributes and factories followed before giving up
HTTP_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter", "requests.HTTPAdapter"})
TIMEOUT_METHODS = ("request", "send")  # where a Session or HTTPAdapter subclass can add a default timeout


# -- questions rules ask --------------------------------------------------------


def first_origin(facts: PythonFacts, expr: cst.BaseExpression, judge: Judge) -> T | None:
    """The first non-None `judge(call)` over the calls that built `expr`'s object or mounted adapters on it.

    Each call is judged while the facts stand in the scope that made it. A parameter
    (the caller's object) and an import have no origin here.
    """
    return _index(facts).origin(expr, judge, depth=0)


def is_mount(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "mount"


def mounted_adapter(call: cst.Call) -> cst.BaseExpression | None:
    """The adapter of `session.mount(prefix, adapter)`."""
    args = positional(call)
    adapter = keyword(call, "adapter") or (args[1] if len(args) > 1 else None)
    return adapter.value if adapter is not None else None


def session_timeout(facts: PythonFacts, session: cst.BaseExpression) -> str | None:
    """The class that gives requests made through `session` a default timeout, if any.

    A Session subclass built here whose `request`/`send` sets one, or an HTTPAdapter
    subclass mounted on the session whose `send` does; a subclass from another project
    module (lint.local_modules) that defines `request`/`send` is taken to set one.
    """
    found = facts.type_of(session)
    info = facts.class_named(found.via_class) if found is not None and found.via_class else None
    if info is not None and injects_timeout(facts, info):
        return info.name
    if found is not None and found.methods and not found.methods.isdisjoint(TIMEOUT_METHODS):
        return found.qualified  # another module's subclass that sends its own way: it may well set a timeout
    if found is not None and found.shaped:
        return found.qualified  # another module mounts adapters on it or builds it in a factory: it may set one
    return first_origin(facts, session, lambda call: _timeout_class(facts, call))


def injects_timeout(facts: PythonFacts, info: ClassInfo) -> bool:
    """A same-module class (or a same-module base of it) whose `request`/`send` sets a default timeout."""
    return _index(facts).injects_timeout(info)


def is_http_adapter(facts: PythonFacts, func: cst.BaseExpression) -> bool:
    """`HTTPAdapter` or a same-module subclass of it."""
    if facts.qualified_name(func) in HTTP_ADAPTERS:
        return True
    info = facts.class_named(func.value) if isinstance(func, cst.Name) else None
    return info is not None and any(base in HTTP_ADAPTERS for base in info.bases)


def resolved(facts: PythonFacts, expr: cst.BaseExpression) -> cst.BaseExpression:
    """What `expr` holds as far as the facts know here: the value bound to a name or `self.x`, else `expr` itself.

    A parameter counts as unknown (its default is only what a caller may leave out), so is an import.
    """
    value = facts.value_of(expr, defaults=False)
    return expr if value is None else value


def short(facts: PythonFacts, expr: cst.BaseExpression, limit: int = 40) -> str:
    """Source of an expression for a message, with long call arguments elided: `Retrying(...)`."""
    text = facts.source(expr)
    if isinstance(expr, cst.Call) and (len(text) > limit or "\n" in text):
        return f"{facts.source(expr.func)}(...)"
    return text


def returned_values(function: cst.FunctionDef) -> Iterator[cst.BaseExpression]:
    """The values of a function's `return` statements, in order."""
    for statement in statements_in(function.body.body):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Return) and small.value is not None:
                    yield small.value


# -- the per-file index -----------------------------------------------------------


class _SessionIndex:
    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self._timeouts: dict[str, bool] = {}  # class name -> injects a timeout

    def origin(self, expr: cst.BaseExpression, judge: Judge, depth: int) -> T | None:
        if depth > MAX_DEPTH:
            return None
        facts = self.facts
        if isinstance(expr, cst.Call):
            return self._built(expr, judge, depth)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            info = facts.self_class(expr.value.value) or facts.project_class(expr.value)  # `self.http`, `erp.http`
            return self._on_self(info, expr.attr.value, judge, depth) if info is not None else None
        binding = facts.lookup(expr.value) if isinstance(expr, cst.Name) else None
        if binding is None or binding.parameter:
            return None
        for call in binding.method_calls:
            found = judge(call) if is_mount(call) else None
            if found is not None:
                return found
        return self.origin(binding.value, judge, depth + 1) if binding.value is not None else None

    def _built(self, call: cst.Call, judge: Judge, depth: int) -> T | None:
        """The constructor itself, what a same-module Session subclass mounts on itself, or what a factory returns."""
        found = judge(call)
        if found is not None:
            return found
        facts = self.facts
        info = facts.class_named(call.func.value) if isinstance(call.func, cst.Name) else None
        if info is not None:
            return self._on_self(info, "", judge, depth)
        factory = facts.callee(call.func)
        if factory is None:
            return None
        with facts.in_scope(facts.function_scope(factory)):
            for returned in returned_values(factory):
                found = self.origin(returned, judge, depth + 1)
                if found is not None:
                    return found
        return None

    def _on_self(self, info: ClassInfo, attr: str, judge: Judge, depth: int) -> T | None:
        """What the class's methods mount on `self.<attr>` ("": on `self`), then what they assign to it."""
        facts = self.facts
        for call, method in info.method_calls.get(attr, ()):
            if is_mount(call):
                with facts.in_scope(facts.function_scope(method)):
                    found = judge(call)
                if found is not None:
                    return found
        for value, method in info.attribute_assignments.get(attr, ()) if attr else ():
            with facts.in_scope(facts.function_scope(method)):
                found = self.origin(value, judge, depth + 1)
            if found is not None:
                return found
        return None

    def injects_timeout(self, info: ClassInfo) -> bool:
        if info.name not in self._timeouts:
            self._timeouts[info.name] = False  # guards against classes that derive from each other
            methods = (info.methods.get(name) for name in TIMEOUT_METHODS)
            own = any(method is not None and _sets_timeout(method) for method in methods)
            self._timeouts[info.name] = own or any(self.injects_timeout(base) for base in self._local_bases(info))
        return self._timeouts[info.name]

    def _local_bases(self, info: ClassInfo) -> Iterator[ClassInfo]:
        for arg in info.node.bases:
            base = self.facts.class_named(arg.value.value) if isinstance(arg.value, cst.Name) else None
            if base is not None:
                yield base


def _index(facts: PythonFacts) -> _SessionIndex:
    return facts.shared(_SessionIndex)


def _timeout_class(facts: PythonFacts, call: cst.Call) -> str | None:
    """The class of a constructor or a mounted adapter, when it is a same-module class injecting a timeout."""
    built = call
    if is_mount(call):
        adapter = mounted_adapter(call)
        built = resolved(facts, adapter) if adapter is not None else None
    if not (isinstance(built, cst.Call) and isinstance(built.func, cst.Name)):
        return None
    info = facts.class_named(built.func.value)
    return info.name if info is not None and injects_timeout(facts, info) else None


def _sets_timeout(method: cst.FunctionDef) -> bool:
    """`kwargs.setdefault("timeout", ...)`, `kwargs["timeout"] = ...`, `timeout = ...`, or `timeout=<not None>` passed on.

    Walks the method: a `request`/`send` override is a few lines, and it is read once per class.
    """
    params = {param.name.value for param in (*method.params.params, *method.params.kwonly_params)}
    for node in walk(method.body):
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "setdefault" and _first_is(node, "timeout"):
                return True
            given = keyword(node, "timeout")
            if given is not None and not is_none(given.value) and not (isinstance(given.value, cst.Name) and given.value.value in params):
                return True
        elif isinstance(node, cst.AssignTarget):
            target = node.target
            if isinstance(target, cst.Name) and target.value == "timeout":
                return True
            if isinstance(target, cst.Subscript) and _key_is(target, "timeout"):
                return True
    return False


def _first_is(call: cst.Call, text: str) -> bool:
    args = positional(call)
    return bool(args) and isinstance(args[0].value, cst.SimpleString) and args[0].value.evaluated_value == text


def _key_is(node: cst.Subscript, text: str) -> bool:
    index = node.slice[0].slice if len(node.slice) == 1 else None
    return isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString) and index.value.evaluated_value == text
