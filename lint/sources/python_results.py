"""What a function does with the result of a call: which keys it reads, and where the result goes.

Rules about reading results (a composite response, a bulk load's counts, a Publish
response) mark a call with `ResultFlow.follow(call)` when the traversal reaches it. From
then on, while the single traversal passes the rest of that function, the file's flow
notes for every name there:
- the keys read from it: `x.attr`, `x["key"]`, `x.get("key")`, `x.HasField("key")`, and
  which of them are read in a test (`if`, `while`, `assert`, a conditional expression);
- the names computed from it: assignments, `for` and comprehension targets, `with ... as`,
  `:=` (generously: a name computed from an expression that mentions `x` anywhere);
- where it leaves the function: returned, yielded, stored on an object or in a container,
  or handed to a call (a same-module function is kept, to be read as a helper).
Once the file is read, `Followed.fate()` follows the result through those names.

Only functions holding a followed call are recorded, and only from that call on (a
comprehension around it is read back once, its element coming first in the source). One
rule feeds the flow for all (`claim`), so the work is done once per file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from lint.sources.python_calls import walk
from lint.sources.python_facts import PythonFacts

# A followed call, or a name of the function holding one.
Root = str | cst.Call

KEY_METHODS = frozenset({"get", "HasField", "pop"})  # `x.get("key")` reads "key"
OUTPUT_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "echo", "secho"})
# Builtins and helpers a value passes through without being acted on (output, size, text).
PASS_THROUGH = frozenset(
    {
        "print", "len", "str", "repr", "bool", "int", "type", "isinstance", "id", "hash",
        "sorted", "list", "tuple", "enumerate", "zip", "iter", "next", "sum", "any", "all",
    }
)  # fmt: skip
TEXT_DUMPS = frozenset({"json.dumps", "pprint.pformat", "pprint.pprint"})
REPACKING = frozenset({"list", "tuple", "set", "dict", "sorted", "reversed", "iter", "enumerate", "zip"})  # their result holds their argument's items


@dataclass(frozen=True)
class Fate:
    """What the function did with a followed call's result."""

    discarded: bool  # the call is a statement of its own: nothing can read its result
    keys: frozenset[str]  # keys read from it or from anything computed from it
    tested: frozenset[str]  # those of `keys` read in a test
    helpers: tuple[cst.FunctionDef, ...]  # same-module functions it was handed to
    handed_off: bool  # returned, yielded, stored, or handed to a call of unknown effect


@dataclass
class _Exit:
    helper: cst.FunctionDef | None  # the same-module function it was handed to; None: out of sight


@dataclass
class _FunctionFlow:
    derived: dict[str, set[Root]] = field(default_factory=dict)  # name -> the roots it was computed from
    reads: dict[Root, set[str]] = field(default_factory=dict)
    tested: dict[Root, set[str]] = field(default_factory=dict)
    exits: dict[Root, list[_Exit]] = field(default_factory=dict)


@dataclass(frozen=True)
class Followed:
    call: cst.Call
    flow: _FunctionFlow
    discarded: bool

    def fate(self) -> Fate:
        """Ask once the traversal is over: the roots reached from the call, and what happened to them."""
        roots: set[Root] = {self.call}
        grown = True
        while grown:
            grown = False
            for name, sources in self.flow.derived.items():
                if name not in roots and not sources.isdisjoint(roots):
                    roots.add(name)
                    grown = True
        exits = [exit for root in roots for exit in self.flow.exits.get(root, ())]
        return Fate(
            self.discarded,
            frozenset(key for root in roots for key in self.flow.reads.get(root, ())),
            frozenset(key for root in roots for key in self.flow.tested.get(root, ())),
            tuple(dict.fromkeys(exit.helper for exit in exits if exit.helper is not None)),
            any(exit.helper is None for exit in exits),
        )


class ResultFlow:
    """The file's followed calls and what their functions do with them; fed by one rule's hooks."""

    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self.feeder: object | None = None
        self._functions: dict[cst.FunctionDef | None, _FunctionFlow] = {}  # None: the module's own code
        self._followed: dict[cst.Call, Followed] = {}

    def claim(self, rule: object) -> bool:
        """Whether `rule` feeds the flow: the first rule of the file to ask does, for all of them."""
        if self.feeder is None:
            self.feeder = rule
        return self.feeder is rule

    def follow(self, call: cst.Call) -> Followed:
        """Start following `call`'s result (the traversal stands at it); the same answer for every rule asking."""
        if call not in self._followed:
            function = self.facts.current_function()
            flow = self._functions.setdefault(function, _FunctionFlow())
            self._followed[call] = Followed(call, flow, self._is_statement(call))
        return self._followed[call]

    # -- traversal hooks, called by the feeding rule -------------------------------

    def read(self, node: cst.Attribute | cst.Subscript | cst.Call) -> None:
        flow = self._current()
        if flow is not None:
            self._note_read(flow, node, flow.reads)

    def tested(self, test: cst.BaseExpression) -> None:
        """The condition of an `if`/`while`/`assert`/`a if c else b`: its keys are read in a test (a small walk)."""
        flow = self._current()
        if flow is not None:
            for node in walk(test):
                self._note_read(flow, node, flow.tested)

    def called(self, call: cst.Call) -> None:
        """Keys read by `x.get("key")`, and results handed to the call."""
        flow = self._current()
        if flow is None:
            return
        self._note_read(flow, call, flow.reads)
        if self._passes_through(call.func):
            return
        helper = self.facts.callee(call.func)
        for arg in call.args:
            for root in self._carried(arg.value):
                flow.exits.setdefault(root, []).append(_Exit(helper))

    def assigned(self, targets: list[cst.BaseExpression], value: cst.BaseExpression | None) -> None:
        flow = self._current()
        if flow is None or value is None:
            return
        for target in targets:
            if isinstance(target, (cst.Attribute, cst.Subscript)):
                for root in self._carried(value):
                    flow.exits.setdefault(root, []).append(_Exit(None))  # kept beyond the function
        self._derive(flow, targets, value)

    def bound(self, target: cst.BaseExpression, source: cst.BaseExpression) -> None:
        """A `for`/comprehension target bound from its iterable, a `with ... as` name from its item."""
        flow = self._current()
        if flow is not None:
            self._derive(flow, [target], source)

    def left(self, value: cst.BaseExpression | None) -> None:
        """`return value` / `yield value`: the caller gets it."""
        flow = self._current()
        if flow is not None and value is not None:
            for root in self._carried(value):
                flow.exits.setdefault(root, []).append(_Exit(None))

    def comprehension(self, parts: list[cst.BaseExpression]) -> None:
        """A comprehension is left: its element, read before its iterable, is read again for keys (a small walk)."""
        flow = self._current()
        if flow is not None:
            for part in parts:
                for node in walk(part):
                    self._note_read(flow, node, flow.reads)

    # -- internals ------------------------------------------------------------------

    def _current(self) -> _FunctionFlow | None:
        if not self._functions:
            return None
        return self._functions.get(self.facts.current_function())

    def _is_statement(self, call: cst.Call) -> bool:
        statement = self.facts.current_statement()
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            value = small.value if isinstance(small, cst.Expr) else None
            value = value.expression if isinstance(value, cst.Await) else value
            if value is call:
                return True
        return False

    def _note_read(self, flow: _FunctionFlow, node: cst.CSTNode, into: dict[Root, set[str]]) -> None:
        key, owner = None, None
        if isinstance(node, cst.Attribute):
            key, owner = node.attr.value, node.value
        elif isinstance(node, cst.Subscript):
            key, owner = self.facts.subscript_key(node), node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in KEY_METHODS and node.args:
            key, owner = self.facts.string_template(node.args[0].value), node.func.value
        root = self._root(owner) if key is not None and owner is not None else None
        if root is not None:
            into.setdefault(root, set()).add(key)

    def _root(self, expr: cst.BaseExpression) -> Root | None:
        """The name or followed call an expression reads from: `resp` of `resp.json()["x"]`."""
        while True:
            if isinstance(expr, cst.Name):
                return expr.value
            if isinstance(expr, cst.Call) and expr in self._followed:
                return expr
            if isinstance(expr, (cst.Attribute, cst.Subscript)):
                expr = expr.value
            elif isinstance(expr, cst.Await):
                expr = expr.expression
            elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
                expr = expr.func.value  # a method of it: `resp.json()`
            else:
                return None

    def _carried(self, expr: cst.BaseExpression) -> Iterator[Root]:
        """The results an expression hands on as data: `resp`, `resp.json()`, `body["x"]`, `[resp]`, `list(resp)` (not `resp.ok`)."""
        if isinstance(expr, cst.Name):
            yield expr.value
        elif isinstance(expr, cst.Call) and expr in self._followed:
            yield expr
        elif isinstance(expr, cst.Await):
            yield from self._carried(expr.expression)
        elif isinstance(expr, cst.Subscript):
            yield from self._carried(expr.value)
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "json":
            yield from self._carried(expr.func.value)
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in REPACKING:
            for arg in expr.args:
                yield from self._carried(arg.value)
        elif isinstance(expr, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
            for element in expr.elements:
                yield from self._carried(element.value)

    def _derive(self, flow: _FunctionFlow, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        sources: set[Root] = set()
        for node in walk(value):
            if isinstance(node, cst.Name):
                sources.add(node.value)
            elif isinstance(node, cst.Call) and node in self._followed:
                sources.add(node)
        if sources:
            for name in _target_names(targets):
                flow.derived.setdefault(name, set()).update(sources)

    def _passes_through(self, func: cst.BaseExpression) -> bool:
        """Output and plain builtins: handing a result to them is no hand-off."""
        if isinstance(func, cst.Name):
            return func.value in PASS_THROUGH and self.facts.lookup(func.value) is None
        if isinstance(func, cst.Attribute) and func.attr.value in OUTPUT_METHODS:
            return True
        return self.facts.qualified_name(func) in TEXT_DUMPS


def _target_names(targets: list[cst.BaseExpression]) -> Iterator[str]:
    for target in targets:
        if isinstance(target, cst.Name):
            yield target.value
        elif isinstance(target, (cst.Tuple, cst.List)):
            yield from _target_names([element.value for element in target.elements])  # `*rest` included


def mentions(source: str, keys: frozenset[str]) -> bool:
    """Whether code text reads one of `keys` (a helper's source): as an attribute, a string key or a name."""
    return bool(keys) and re.search(rf"\b({'|'.join(map(re.escape, sorted(keys)))})\b", source) is not None


def result_flow(facts: PythonFacts) -> ResultFlow:
    """One per file, shared by every rule that follows results."""
    return facts.shared(ResultFlow)
