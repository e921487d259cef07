"""Small readers of libcst call nodes and expressions, shared by the facts and the Python rules."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from lint.sources.python_walk import children


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    """The `name=` argument of a call, if given."""
    return next((arg for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


def has_double_star(call: cst.Call) -> bool:
    """`**kwargs` may carry any keyword, so a missing keyword proves nothing."""
    return any(arg.star == "**" for arg in call.args)


def positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def argument(call: cst.Call, name: str | None, index: int | None = None) -> cst.BaseExpression | None:
    """The `name=` argument of a call, else its positional argument at `index`."""
    named = keyword(call, name) if name else None
    if named is not None:
        return named.value
    values = positional(call)
    return values[index].value if index is not None and index < len(values) else None


def is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def is_false(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


def literal_text(expr: cst.BaseExpression | None) -> str | None:
    """The text of a string written out in full (no f-string, no names), else None."""
    if isinstance(expr, cst.SimpleString):
        raw, prefix = expr.value, expr.prefix
        if "\\" not in raw and "\r" not in raw and "b" not in prefix.lower():
            return raw[len(prefix) + len(expr.quote) : -len(expr.quote)]  # nothing to unescape: no need to compile it
        try:
            value = expr.evaluated_value
        except Exception:  # malformed escapes: unknown, rather than a failed file
            return None
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left, right = literal_text(expr.left), literal_text(expr.right)
        return None if left is None or right is None else left + right
    return None


SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})  # compared by class: see python_walk.subclasses


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and the code below it (not whitespace, brackets or operators), not entering nested
    functions, classes or lambdas.

    For small subtrees (an argument, a loop header, a bound value): walking a whole body costs
    as much as the file's traversal. Walk a whole body only for a rare construct already
    recognised (a retry loop, a subscription loop, a POST route), once per file, and say so
    where it is done.
    """
    yield node
    for child in children(node):
        if child.__class__ not in SCOPES:
            yield from walk(child)


def clipped(code: str, limit: int = 48) -> str:
    """Code for a message: one line, and not too long."""
    text = " ".join(code.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Decorators that run a function once and keep its result (functools, cachetools, Django, Streamlit, ...).
CACHING_DECORATORS = frozenset(
    {
        "lru_cache", "cache", "cached_property", "cached", "cachedmethod", "ttl_cache", "lfu_cache", "rr_cache",
        "fifo_cache", "mru_cache", "alru_cache", "cache_resource", "memoize", "memoized", "memoise", "memoised",
    }
)  # fmt: skip


def is_cached(function: cst.FunctionDef) -> bool:
    """Decorated to run once and keep its result (`@functools.lru_cache(maxsize=1)`, `@cache`, cachetools' `@cached(...)`)."""
    return any(decorator_name(decorator.decorator) in CACHING_DECORATORS for decorator in function.decorators)


def decorator_name(expr: cst.BaseExpression) -> str:
    """`lru_cache` of `@functools.lru_cache(maxsize=1)`."""
    expr = expr.func if isinstance(expr, cst.Call) else expr
    return expr.attr.value if isinstance(expr, cst.Attribute) else expr.value if isinstance(expr, cst.Name) else ""
