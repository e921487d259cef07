"""One read-only, depth-first walk of a libcst tree for many visitors at once.

libcst's own traversal (`visit_batched`) rebuilds and re-validates every node on the way
back up, even for a visitor that changes nothing, so one read-only pass costs more than
the parse. This walk reads each node's children in libcst's visiting order without
rebuilding anything, and does not descend into whitespace, comments, brackets, commas or
operators: about half of a tree, which no rule reads as a node (rules read
`node.operator` or `node.asynchronous` through their parent).

It speaks libcst's batched-visitor protocol: each visitor's `get_visitors()` returns
`visit_<Node>`/`leave_<Node>` hooks, and `visit_<Node>_<field>`/`leave_<Node>_<field>`
hooks around a field; hooks run in visitor order, and a node of a class some visitor
hooks is always visited, token or not.
"""

from __future__ import annotations

import dataclasses
import typing
from collections import defaultdict
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Sequence

import libcst as cst

Hook = Callable[[cst.CSTNode], Any]
# Node classes that hold no code a rule reads: layout, punctuation, and operators (read through their parent).
TOKEN_BASES: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.Asynchronous,
    cst.ImportStar,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
)


def subclasses(base: type) -> frozenset[type]:
    """`base` and all its subclasses. libcst's node classes are ABCs, on which isinstance is slow
    (a Python-level check, 0.2 µs a miss); `node.__class__ in subclasses(Base)` is a set lookup."""
    return frozenset(_subclasses(base))


def _subclasses(base: type) -> Iterable[type]:
    yield base
    for subclass in base.__subclasses__():
        yield from _subclasses(subclass)


TOKENS = frozenset(cls for base in TOKEN_BASES for cls in subclasses(base))
NODES = subclasses(cst.CSTNode)
CODE = NODES - TOKENS


# What to do at a node of one class: the hooks to run on entering, the fields to descend into in order (each with
# its visit_<Node>_<field> and leave_ hooks), and the hooks to run on leaving. A tuple: one is built per class and
# file, and a dataclass costs more to build and to read.
_Plan = tuple[tuple[Hook, ...], tuple[tuple[str, tuple[Hook, ...], tuple[Hook, ...]], ...], tuple[Hook, ...]]


def walk(
    module: cst.Module,
    visitors: Sequence[Any],
    *,
    before: tuple[Hook, tuple[type, ...]] | None = None,
    after: tuple[Hook, tuple[type, ...]] | None = None,
) -> None:
    """Walk `module` once for all `visitors`.

    `before = (hook, classes)` runs `hook(node)` ahead of every visitor at a node of those
    classes, `after` behind every visitor when leaving one (the shared facts keep their
    scopes with these).
    """
    hooks: dict[str, list[Hook]] = defaultdict(list)
    for visitor in visitors:
        for name, hook in visitor.get_visitors().items():
            hooks[name].append(hook)
    if before is not None:
        hooks["\0before"] = [before[0]]
    if after is not None:
        hooks["\0after"] = [after[0]]
    _Walker(hooks, before[1] if before else (), after[1] if after else ()).visit(module)


class _Walker:
    def __init__(self, hooks: dict[str, list[Hook]], before: tuple[type, ...], after: tuple[type, ...]) -> None:
        self.hooks = hooks
        # Which hooks exist decides every plan's shape; files linted by the same rules share their shapes.
        self.shapes = _shapes(frozenset(hooks), before, after)
        self.walked = self.shapes.walked
        self.plans: dict[type, _Plan] = {}

    def visit(self, node: cst.CSTNode) -> None:
        visits, fields, leaves = self.plans.get(node.__class__) or self._plan(node)
        for hook in visits:
            hook(node)
        walked = self.walked
        for name, enter, leave in fields:
            for hook in enter:
                hook(node)
            value = getattr(node, name)
            kind = value.__class__
            if kind in walked:
                self.visit(value)
            elif kind is tuple or kind is list:
                for child in value:
                    if child.__class__ in walked:
                        self.visit(child)
            for hook in leave:
                hook(node)
        for hook in leaves:
            hook(node)

    def _plan(self, node: cst.CSTNode) -> _Plan:
        hooks = self.hooks
        visits, fields, leaves = self.shapes.of(node)
        walked = tuple((field, _bound(hooks, enter), _bound(hooks, leave)) for field, enter, leave in fields)
        plan = self.plans[type(node)] = (_bound(hooks, visits), walked, _bound(hooks, leaves))
        return plan


def _bound(hooks: dict[str, list[Hook]], names: tuple[str, ...]) -> tuple[Hook, ...]:
    if not names:  # most fields: the shape holds only names some visitor hooks
        return ()
    if len(names) == 1:
        return tuple(hooks[names[0]])
    return tuple(hook for name in names for hook in hooks[name])


# A plan's shape: the names of the hooks to run on entering, each field to walk (with the names of its hooks) and
# leaving; only names some visitor hooks.
_Shape = tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...], tuple[str, ...]]


class _Shapes:
    """The shapes of the plans for one set of hook names: what `_plan` works out once per node class."""

    def __init__(self, names: frozenset[str], before: tuple[type, ...], after: tuple[type, ...]) -> None:
        self.names = names
        self.before = before
        self.after = after
        hooked = {name.split("_")[1] for name in names if name.startswith(("visit_", "leave_"))}
        self.skipped = frozenset(cls for cls in TOKENS if cls.__name__ not in hooked)
        self.walked = NODES - self.skipped  # a set lookup by class: isinstance against libcst's ABCs is slow
        self._shapes: dict[type, _Shape] = {}

    def of(self, node: cst.CSTNode) -> _Shape:
        cls = type(node)
        shape = self._shapes.get(cls)
        if shape is None:
            shape = self._shapes[cls] = self._shape(node)
        return shape

    def _shape(self, node: cst.CSTNode) -> _Shape:
        cls, names = type(node), self.names
        visit, leave, fields = _hook_names(node)
        visits = ("\0before",) if issubclass(cls, self.before) else ()
        leaves = ("\0after",) if issubclass(cls, self.after) else ()
        code = code_fields(cls, self.skipped)
        walked = tuple(
            (field, self._hooked(enter), self._hooked(exit))
            for field, enter, exit in fields
            if enter in names or exit in names or field in code
        )
        return self._hooked(*visits, visit), walked, self._hooked(leave, *leaves)

    def _hooked(self, *names: str) -> tuple[str, ...]:
        return tuple(name for name in names if name in self.names)


@lru_cache(maxsize=256)  # one per set of rules met by some file: a few dozen in a large repository
def _shapes(names: frozenset[str], before: tuple[type, ...], after: tuple[type, ...]) -> _Shapes:
    return _Shapes(names, before, after)


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node`'s children that hold code (no whitespace, brackets, commas or operators) in visiting order,
    read from its fields: libcst's `node.children` rebuilds the node to find them."""
    for field in _code_order(node):
        value = getattr(node, field)
        kind = value.__class__
        if kind in CODE:
            yield value
        elif kind is tuple or kind is list:
            yield from (child for child in value if child.__class__ in CODE)


_CODE_ORDERS: dict[type, tuple[str, ...]] = {}


def _code_order(node: cst.CSTNode) -> tuple[str, ...]:
    order = _CODE_ORDERS.get(type(node))
    if order is None:
        code = code_fields(type(node), TOKENS)
        order = _CODE_ORDERS[type(node)] = tuple(field for field in visiting_order(node) if field in code)
    return order


_HOOK_NAMES: dict[type, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {}


def _hook_names(node: cst.CSTNode) -> tuple[str, str, tuple[tuple[str, str, str], ...]]:
    """The names of the hooks of `node`'s class and of its fields, in visiting order."""
    names = _HOOK_NAMES.get(type(node))
    if names is None:
        name = type(node).__name__
        fields = tuple((field, f"visit_{name}_{field}", f"leave_{name}_{field}") for field in visiting_order(node))
        names = _HOOK_NAMES[type(node)] = (f"visit_{name}", f"leave_{name}", fields)
    return names


_ORDERS: dict[type, tuple[str, ...]] = {}


def visiting_order(node: cst.CSTNode) -> tuple[str, ...]:
    """The fields of `node`'s class in the order libcst visits them (decorators before a function's
    name, an `IfExp`'s body before its test), asked of libcst itself once per class."""
    cls = type(node)
    order = _ORDERS.get(cls)
    if order is None:
        recorder = _FieldRecorder(node)
        node.visit(recorder)
        order = _ORDERS[cls] = tuple(recorder.fields)
    return order


class _FieldRecorder(cst.CSTVisitor):
    """Notes the fields libcst announces for one node, without descending into them."""

    def __init__(self, node: cst.CSTNode) -> None:
        self.node = node
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node is self.node

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.node:
            self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


@lru_cache(maxsize=None)
def code_fields(cls: type, skipped: frozenset[type]) -> frozenset[str]:
    """The fields of `cls` whose declared type admits a node that is walked (not only tokens)."""
    return frozenset(field.name for field in dataclasses.fields(cls) if _admits_code(field.type, skipped))


def _admits_code(annotation: Any, skipped: frozenset[type]) -> bool:
    if typing.get_origin(annotation) is typing.Literal:
        return False  # values (`star: Literal["", "*"]`), no node
    if isinstance(annotation, (str, typing.ForwardRef)):  # a class defined later in libcst's module, named
        annotation = getattr(cst, getattr(annotation, "__forward_arg__", annotation), None)
        if annotation is None:
            return True  # a name we cannot resolve: walk the field
    arguments = typing.get_args(annotation)
    if arguments:
        return any(_admits_code(argument, skipped) for argument in arguments)
    if not isinstance(annotation, type) or not issubclass(annotation, cst.CSTNode):
        return False
    return any(cls not in skipped for cls in _subclasses(annotation))
