"""Positions of the few nodes a file's findings point at, exactly as libcst's PositionProvider gives them.

PositionProvider generates the module's code and records a range for every node, through a
context manager per node: on integration code that costs ten times the code generation
itself and more than the parse (bench/run.py). Findings need a handful of positions (the
flagged node, its statement, the loop a message names), so the code is generated once with
the same line and column tracking, and ranges are recorded only inside the subtrees of those
nodes (a node's range may end at its last child's: `end_node=self.body`). Outside them the
tokens are only collected, and counted into the line and column when the next subtree opens.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Iterable, Mapping

import libcst as cst
from libcst._position import CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState

_NOT_RECORDED = nullcontext()


class _Ranges:
    """Where the codegen state records ranges (what it calls its provider)."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, CodeRange] = {}


class _TargetedState(PositionProvidingCodegenState):
    """PositionProvider's codegen state, recording only within the subtrees of `targets`."""

    def __init__(self, module: cst.Module, targets: set[cst.CSTNode], ranges: _Ranges) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline, provider=ranges)
        self.targets = targets
        self.open = 0  # target subtrees the code generation is in
        self.counted = 0  # tokens already counted into `line` and `column`; outside targets they are counted late, at once

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if self.open:
            self._update_position(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        if self.open:
            for token in self.indent_tokens:
                self._update_position(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.targets:
            if not self.open:
                self._update_position("".join(self.tokens[self.counted :]))
            self.open += 1
        if self.open:
            super().before_codegen(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self.open:
            super().after_codegen(node)
        if node in self.targets:
            self.open -= 1
            self.counted = len(self.tokens)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None):
        if not self.open:
            return _NOT_RECORDED
        return super().record_syntactic_position(node, start_node=start_node, end_node=end_node)


def positions_of(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Mapping[cst.CSTNode, CodeRange]:
    """The ranges of `nodes` (and of the nodes inside them) in `module`, as PositionProvider computes them."""
    ranges = _Ranges()
    module._codegen(_TargetedState(module, set(nodes), ranges))
    return ranges._computed
