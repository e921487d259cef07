"""Small readers of libcst call nodes and expressions, shared by the facts and the Python rules."""

from __future__ import annotations

from typing import Iterator

import libcst as cst


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    """The `name=` argument of a call, if given."""
    return next((arg for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


def has_double_star(call: cst.Call) -> bool:
    """`**kwargs` may carry any keyword, so a missing keyword proves nothing."""
    return any(arg.star == "**" for arg in call.args)


def positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and everything below it, not entering nested functions, classes or lambdas.

    For small subtrees (an argument, a loop header, a bound value): libcst builds `children`
    anew on every call, so walking a whole body costs as much as traversing it again. Walk a
    whole body only for a rare construct already recognised (a retry loop, a subscription
    loop, a POST route), once per file, and say so where it is done.
    """
    yield node
    for child in node.children:
        if not isinstance(child, SCOPES):
            yield from walk(child)
