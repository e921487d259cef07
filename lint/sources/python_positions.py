"""Positions of the few nodes a file's findings point at, exactly as libcst's PositionProvider gives them.

PositionProvider generates the module's code and records a range for every node, through a
context manager per node: on integration code that costs ten times the code generation
itself and more than the parse (bench/run.py). Findings need a handful of positions (the
flagged node, its statement, the loop a message names), so:
- only the module-level statements that hold them are generated, each from the line CPython's
  tree says it starts on (checked against the text, else the whole module is generated);
- ranges are recorded for those nodes only, and for the children a recorded range is taken
  from (`end_node=self.body`), as the code generation reaches them;
- tokens are only collected, and counted into the line and column when a range starts or ends.
"""

from __future__ import annotations

import ast
from contextlib import contextmanager, nullcontext
from typing import Iterator, Mapping

import libcst as cst
from libcst._position import CodePosition, CodeRange
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState

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
    module: cst.Module, targets: Mapping[cst.CSTNode, cst.CSTNode | None], text: str, tree: ast.Module | None = None
) -> Mapping[cst.CSTNode, CodeRange]:
    """The ranges of `targets` (and of the nodes inside them) in `module`, as PositionProvider computes them.

    `targets` maps each node to the module-level statement it is in. With CPython's `tree` of the
    same text, only those statements are generated, each from the line CPython says it starts on;
    the generated code is checked against the text there, and anything that does not line up (or a
    target without its statement) falls back to generating the whole module.
    """
    starts = statement_lines(module, tree) if tree is not None else None
    statements = set(targets.values())
    if starts is not None and None not in statements:
        ranges = _Ranges()
        line_offsets = [0, *(match.end() for match in NEWLINE_RE.finditer(text))]
        wanted = set(targets)
        if all(_generate(module, statement, starts[statement], wanted, ranges, text, line_offsets) for statement in statements):
            return ranges._computed
    ranges = _Ranges()
    module._codegen(_TargetedState(module, set(targets), ranges))
    return ranges._computed


def statement_lines(module: cst.Module, tree: ast.Module) -> dict[cst.CSTNode, int] | None:
    """The line each module-level statement starts on (decorators included, leading comments not), read from
    CPython's tree; None when the two trees do not pair up. `a = 1; b = 2` is one libcst line, two CPython statements."""
    lines: dict[cst.CSTNode, int] = {}
    index = 0
    for statement in module.body:
        if index >= len(tree.body):
            return None
        first = tree.body[index]
        lines[statement] = min((first.lineno, *(decorator.lineno for decorator in getattr(first, "decorator_list", ()))))
        index += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return lines if index == len(tree.body) else None


def _generate(
    module: cst.Module, statement: cst.CSTNode, first_line: int, targets: set[cst.CSTNode], ranges: _Ranges, text: str, line_offsets: list[int]
) -> bool:
    """Generate one module-level statement from its line, recording the targets' ranges; whether its code is the
    text found there (else the ranges recorded are not to be trusted)."""
    start = first_line - len(statement.leading_lines)
    if not 1 <= start <= len(line_offsets):
        return False
    state = _TargetedState(module, targets, ranges)
    state.line = start
    statement._codegen(state)
    code = "".join(state.tokens)
    # The module's last line may lack the newline its statement generates.
    return text.startswith(code, line_offsets[start - 1]) or text.startswith(code.rstrip("\r\n"), line_offsets[start - 1])
