"""The shape of each loop: how many passes it makes, over which source, in chunks of what size.

Read once per loop, when the traversal enters its body (while the names in its
header mean what they mean there), and kept on the facts for every rule:
`loop_shape(facts, loop)`. Only computed when an enabled rule sets
`needs_loop_shapes`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Iterator

import libcst as cst

from lint.sources.python_calls import positional
from lint.sources.python_facts import Loop, PythonFacts
from lint.sources.python_names import DATAFRAME, JSON_DOCUMENT, UNBOUNDED_SOURCES


@dataclass(frozen=True)
class LoopShape:
    """What the code says about a loop: how often it runs, over what, in chunks of what size."""

    passes: int | None = None  # times the body runs, when the code fixes it
    records: int | None = None  # records it walks, when the code fixes it (`range(0, 5000, 200)` walks 5,000)
    chunk: int | None = None  # records handled per pass when it walks a collection in chunks
    chunked_by: cst.CSTNode | None = None  # the call that sets the chunk: `range(0, n, 200)`, `chunked(rows, 200)`
    source: cst.BaseExpression | None = None  # the data set of unbounded size it walks, as written
    source_type: str | None = None  # that data set's type: one of UNBOUNDED_SOURCES
    retry: bool = False  # a bounded retry loop around a call, not a walk over records


UNKNOWN = LoopShape()
WRAPPERS = frozenset({"enumerate", "list", "tuple", "sorted", "reversed", "iter", "zip"})
PROGRESS_BARS = frozenset({"tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm"})
CHUNKERS = {  # qualified name -> (position of the collection, position of the size)
    "more_itertools.chunked": (0, 1),
    "more_itertools.ichunked": (0, 1),
    "more_itertools.batched": (0, 1),
    "itertools.batched": (0, 1),
    "toolz.partition_all": (1, 0),
    "toolz.itertoolz.partition_all": (1, 0),
    "cytoolz.partition_all": (1, 0),
}
CHUNKER_NAME = re.compile(r"chunk|batch|partition|grouper", re.IGNORECASE)
RETRY_NAME = re.compile(r"attempt|retr(y|ies)|tries|tried", re.IGNORECASE)


def loop_shape(facts: PythonFacts, loop: Loop) -> LoopShape:
    """The shape recorded when the traversal entered `loop` (unknown if shapes were not recorded)."""
    return facts.loop_shapes.get(loop.node, UNKNOWN)


def record_loop_shape(facts: PythonFacts, loop: Loop) -> None:
    """Read `loop`'s shape now, as the traversal enters it (before a `for` target rebinds its names)."""
    node, iterable = loop.node, loop.iterable
    shape = _iterable_shape(facts, iterable) if iterable is not None else UNKNOWN
    if isinstance(node, cst.While) or _is_range(facts, iterable):
        shape = replace(shape, retry=_is_retry_loop(node))
    facts.loop_shapes[node] = shape


def unbounded_source(facts: PythonFacts, expr: cst.BaseExpression, iterated: bool = False) -> str | None:
    """The type of `expr` if it is a data set of unbounded size (query results, CSV, DataFrame, JSON, file).

    Looks through an assignment and a copy (`rows = list(csv.DictReader(handle))`). Iterating
    a DataFrame itself (`iterated`) walks its column labels, not its rows.
    """
    kind = _kind(facts, expr)
    if kind is None:
        copied = _unwrap(facts, facts.value_of(expr) or expr)
        kind = _kind(facts, copied) if copied is not expr else None
    if kind not in UNBOUNDED_SOURCES or (iterated and kind == DATAFRAME):
        return None
    return kind


def _iterable_shape(facts: PythonFacts, iterable: cst.BaseExpression) -> LoopShape:
    items = _unwrap(facts, iterable)
    size = facts.collection_size(items)
    if size is not None:
        return LoopShape(passes=size, records=size)
    if isinstance(items, cst.Call) and facts.is_builtin(items.func, "range"):
        return _range_shape(facts, items)
    if isinstance(items, cst.Call):
        chunked = _chunked_shape(facts, items)
        if chunked is not None:
            return chunked
    return _with_source(facts, LoopShape(), items, iterated=True)


def _unwrap(facts: PythonFacts, expr: cst.BaseExpression) -> cst.BaseExpression:
    """`enumerate(rows)`, `tqdm(rows)`, `sorted(rows)` walk `rows`."""
    while isinstance(expr, cst.Call) and expr.args and expr.args[0].star == "":
        func = expr.func
        wraps = any(facts.is_builtin(func, name) for name in WRAPPERS) or facts.qualified_name(func) in PROGRESS_BARS
        if not wraps:
            break
        expr = expr.args[0].value
    return expr


def _range_shape(facts: PythonFacts, call: cst.Call) -> LoopShape:
    args = [arg.value for arg in positional(call)]
    if not 1 <= len(args) <= 3:
        return UNKNOWN
    if len(args) == 1:
        start, stop, step = None, args[0], None  # range(stop)
    else:
        start, stop, step = args[0], args[1], args[2] if len(args) == 3 else None
    first = facts.integer_value(start) if start is not None else 0
    last = facts.integer_value(stop)
    stride = facts.integer_value(step) if step is not None else 1
    records = last - first if first is not None and last is not None else None
    passes = math.ceil(records / stride) if records is not None and stride else None
    chunk = stride if stride and stride > 1 else None
    shape = LoopShape(passes, records, chunk, call if chunk else None)
    counted = stop.args[0].value if isinstance(stop, cst.Call) and facts.is_builtin(stop.func, "len") and stop.args else None
    return _with_source(facts, shape, counted) if counted is not None else shape


def _chunked_shape(facts: PythonFacts, call: cst.Call) -> LoopShape | None:
    """`chunked(rows, 200)`, `toolz.partition_all(200, rows)`, a local `batches(rows, 200)`."""
    args = [arg.value for arg in positional(call)]
    positions = CHUNKERS.get(facts.qualified_name(call.func) or "")
    if positions is None and len(args) == 2 and CHUNKER_NAME.search(_callee_name(call.func)):
        positions = (1, 0) if facts.integer_value(args[0]) is not None else (0, 1)
    if positions is None or len(args) <= max(positions):
        return None
    collection, size = args[positions[0]], args[positions[1]]
    return _with_source(facts, LoopShape(chunk=facts.integer_value(size), chunked_by=call), collection)


def _with_source(facts: PythonFacts, shape: LoopShape, expr: cst.BaseExpression, iterated: bool = False) -> LoopShape:
    kind = unbounded_source(facts, expr, iterated)
    return replace(shape, source=expr, source_type=kind) if kind is not None else shape


def _kind(facts: PythonFacts, expr: cst.BaseExpression) -> str | None:
    found = facts.type_of(expr)
    return found.qualified if found else _json_part(facts, expr)


def _json_part(facts: PythonFacts, expr: cst.BaseExpression) -> str | None:
    """`doc["contacts"]` or `doc.get("contacts")` of a loaded JSON document is as unbounded as the document."""
    if isinstance(expr, cst.Subscript):
        owner = expr.value
    elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
        owner = expr.func.value
    else:
        return None
    return JSON_DOCUMENT if facts.is_type(owner, JSON_DOCUMENT) else None


def _callee_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _is_range(facts: PythonFacts, iterable: cst.BaseExpression | None) -> bool:
    return isinstance(iterable, cst.Call) and facts.is_builtin(iterable.func, "range")


def _is_retry_loop(node: cst.CSTNode) -> bool:
    """`for attempt in range(3)`, `while retries < MAX`, or a loop whose `try` leaves it on success."""
    header = (node.target, node.iter) if isinstance(node, cst.For) else (getattr(node, "test", None),)
    named = any(RETRY_NAME.search(name.value) for part in header if part is not None for name in _names_in(part))
    return named or _leaves_on_success(node)


def _names_in(expr: cst.CSTNode) -> Iterator[cst.Name]:
    if isinstance(expr, cst.Name):
        yield expr
    for child in expr.children:
        yield from _names_in(child)


def _leaves_on_success(node: cst.CSTNode) -> bool:
    body = getattr(node, "body", None)
    for statement in body.body if isinstance(body, cst.IndentedBlock) else ():
        if isinstance(statement, cst.Try):
            blocks = [statement.body, statement.orelse.body if statement.orelse else None]
            if any(isinstance(block, cst.IndentedBlock) and _ends_in_exit(block) for block in blocks):
                return True
    return False


def _ends_in_exit(block: cst.IndentedBlock) -> bool:
    last = block.body[-1] if block.body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], (cst.Break, cst.Return))
