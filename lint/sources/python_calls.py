"""Small readers of libcst call nodes, shared by the facts and the Python rules."""

from __future__ import annotations

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
