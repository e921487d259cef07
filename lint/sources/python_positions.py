"""Positions of the few nodes a file's findings point at, exactly as libcst's PositionProvider gives them.

PositionProvider generates the module's code and records a range for every node, through a
context manager per node: on integration code that costs ten times the code generation
itself and more than the parse (bench/run.py). Findings need a handful of positions (the
flagged node, its statement, the loop a message names), so:
- only the innermost statements that hold them are generated, each from the line CPython's
  tree says it starts on and indented as the text is there (checked against the text, else the
  module-level statement around it, else the whole module is generated);
- ranges are recorded for those nodes only, and for the children a recorded range is taken
  from (`end_node=self.body`), as the code generation reaches them;
- tokens are only collected, and counted into the line and column when a range starts or ends.
"""

from __future__ import annotations

import ast
from contextlib import contextmanager, nullcontext
from typing import Iterator, Mapping, Sequence

import libcst as cst
from libcst._position import CodePosition, CodeRange
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState

from lint.sources.python_facts import suites_of

_NOT_RECORDED = nullcontext()


class _Ranges:
    """Where the codegen state records ranges (what it calls its provider)."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = {}


class _TargetedState(PositionProvidingCodegenState):
    """PositionProvider's codegen state, recording the ranges of the `wanted` nodes only."""

    def __init__(self, module: cst.Module, wanted: set[cst.CSTNode], ranges: _Ranges) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline, provider=ranges)
        self.wanted = set(wanted)  # grows by the children a wanted range is hoisted from
        self.counted = 0  # tokens already counted into `line` and `column`

    def add_token(self, value: str) -> None:
        self.tokens.append(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self._count()
            super().before_codegen(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self._count()
            super().after_codegen(node)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None):
        if node not in self.wanted:
            return _NOT_RECORDED
        self.wanted.update(child for child in (start_node, end_node) if child is not None)  # generated inside, after this
        return self._syntactic(node, start_node, end_node)

    @contextmanager
    def _syntactic(self, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None) -> Iterator[None]:
        """PositionProvider's syntactic range: from here to the end of the node's code, or its children's ends."""
        self._count()
        start = CodePosition(self.line, self.column)
        try:
            yield
        finally:
            self._count()
            computed = self.provider._computed
            end = computed[end_node].end if end_node is not None else CodePosition(self.line, self.column)
            computed[node] = CodeRange(computed[start_node].start if start_node is not None else start, end)

    def _count(self) -> None:
        if self.counted < len(self.tokens):
            self._update_position("".join(self.tokens[self.counted :]))
            self.counted = len(self.tokens)


def positions_of(
    module: cst.Module, targets: Mapping[cst.CSTNode, Sequence[cst.CSTNode | None]], text: str, tree: ast.Module | None = None
) -> Mapping[cst.CSTNode, CodeRange]:
    """The ranges of `targets` (and of the nodes inside them) in `module`, as PositionProvider computes them.

    `targets` maps each node to the statements it is in, innermost first (its own statement, the
    module-level one). With CPython's `tree` of the same text, each statement is generated alone
    from the line CPython says it starts on, indented as the text is there; the generated code is
    checked against the text, and nodes it did not place are tried in their next statement out,
    then in the whole module.
    """
    found: dict[cst.CSTNode, CodeRange] = {}
    pending = dict(targets)
    starts = statement_lines(module, tree) if tree is not None else None
    if starts is not None:
        line_offsets = line_starts(text)
        for level in range(max((len(anchors) for anchors in targets.values()), default=0)):
            by_statement: dict[cst.CSTNode, set[cst.CSTNode]] = {}
            for node, anchors in pending.items():
                if level < len(anchors) and anchors[level] in starts:
                    by_statement.setdefault(anchors[level], set()).add(node)
            for statement, nodes in by_statement.items():
                ranges = _Ranges()
                if _generate(module, statement, starts[statement], nodes, ranges, text, line_offsets):
                    found.update(ranges._computed)
            pending = {node: anchors for node, anchors in pending.items() if node not in found}
            if not pending:
                return found
    ranges = _Ranges()
    module._codegen(_TargetedState(module, set(pending), ranges))
    return {**ranges._computed, **found}


def line_starts(text: str) -> list[int]:
    """The offset in `text` where each line starts, counting lines as libcst does."""
    return [0, *(match.end() for match in NEWLINE_RE.finditer(text))]


def statement_lines(module: cst.Module, tree: ast.Module) -> dict[cst.CSTNode, int] | None:
    """The line each statement starts on, at any depth (decorators included, leading comments not), read
    from CPython's tree; None when the two trees do not pair up. `a = 1; b = 2` is one libcst line, two
    CPython statements; the statements of a one-line block (`if x: y = 1`) are not lines of their own."""
    lines: dict[cst.CSTNode, int] = {}
    return lines if _pair(module.body, tree.body, lines) else None


def _pair(statements: Sequence[cst.BaseStatement], body: list[ast.stmt], lines: dict[cst.CSTNode, int]) -> bool:
    index = 0
    for statement in statements:
        if index >= len(body):
            return False
        first = body[index]
        lines[statement] = min((first.lineno, *(decorator.lineno for decorator in getattr(first, "decorator_list", ()))))
        if isinstance(statement, cst.SimpleStatementLine):
            index += len(statement.body)
            continue
        suites = list(suites_of(statement))
        blocks = _blocks(statement, first)
        if blocks is None or len(blocks) != len(suites):
            return False
        for suite, block in zip(suites, blocks):
            if isinstance(suite, cst.IndentedBlock) and not _pair(suite.body, block, lines):
                return False
        index += 1
    return index == len(body)


def _blocks(statement: cst.BaseCompoundStatement, node: ast.stmt) -> list[list[ast.stmt]] | None:
    """CPython's statement lists of `node`, in the order of libcst's `suites_of(statement)`."""
    parts = [node, *getattr(node, "handlers", ()), *getattr(node, "cases", ())]  # `match` has cases and no body
    blocks = [part.body for part in parts if hasattr(part, "body")]
    orelse, otherwise = getattr(statement, "orelse", None), getattr(node, "orelse", [])
    while isinstance(orelse, cst.If):  # `elif`: CPython's `orelse` holds the `If`
        if len(otherwise) != 1 or not isinstance(otherwise[0], ast.If):
            return None
        blocks.append(otherwise[0].body)
        orelse, otherwise = orelse.orelse, otherwise[0].orelse
    if orelse is not None:
        blocks.append(otherwise)
    if getattr(statement, "finalbody", None) is not None:
        blocks.append(node.finalbody)
    return blocks


def _generate(
    module: cst.Module, statement: cst.CSTNode, first_line: int, targets: set[cst.CSTNode], ranges: _Ranges, text: str, line_offsets: list[int]
) -> bool:
    """Generate one statement from its line, recording the targets' ranges; whether its code is the text
    found there (else the ranges recorded are not to be trusted)."""
    start = first_line - len(statement.leading_lines)
    if not 1 <= start <= first_line <= len(line_offsets):
        return False
    state = _TargetedState(module, targets, ranges)
    state.line = start
    line = text[line_offsets[first_line - 1] : line_offsets[first_line] if first_line < len(line_offsets) else len(text)]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if indent:  # the blocks around a nested statement, as the text indents them
        state.indent_tokens = [indent]
    statement._codegen(state)
    code = "".join(state.tokens)
    # The module's last line may lack the newline its statement generates.
    return text.startswith(code, line_offsets[start - 1]) or text.startswith(code.rstrip("\r\n"), line_offsets[start - 1])
