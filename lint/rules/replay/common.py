"""The base of the IL407-IL409 rules, which follow a call's result through its function (`python_results`)."""

from __future__ import annotations

from functools import cached_property

import libcst as cst

from lint.rules.base import PythonRule
from lint.sources.python_results import Fate, ResultFlow, mentions, result_flow

# -- the result-following rules -----------------------------------------------------------


class FollowsResults(PythonRule, abstract=True):
    """A rule that judges what functions do with some calls' results.

    The first such rule of a file to reach a hook feeds the shared `ResultFlow`; the others
    only read it, so the flow is recorded once however many of these rules run. Both are
    looked up on first use, so a rule with a part for another source never asks for Python facts.
    """

    @cached_property
    def flow(self) -> ResultFlow:
        return result_flow(self.facts)

    @cached_property
    def feeds(self) -> bool:
        return self.flow.claim(self)

    def leave_Attribute(self, original_node: cst.Attribute) -> None:
        if self.feeds:
            self.flow.read(original_node)

    def leave_Subscript(self, original_node: cst.Subscript) -> None:
        if self.feeds:
            self.flow.read(original_node)

    def leave_Call(self, original_node: cst.Call) -> None:
        if self.feeds:
            self.flow.called(original_node)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        if self.feeds:
            self.flow.assigned([target.target for target in original_node.targets], original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if self.feeds:
            self.flow.assigned([original_node.target], original_node.value)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        if self.feeds:
            self.flow.assigned([original_node.target], original_node.value)

    def leave_NamedExpr(self, original_node: cst.NamedExpr) -> None:
        if self.feeds:
            self.flow.assigned([original_node.target], original_node.value)

    def leave_For(self, original_node: cst.For) -> None:
        if self.feeds:
            self.flow.bound(original_node.target, original_node.iter)

    def leave_CompFor(self, original_node: cst.CompFor) -> None:
        if self.feeds:
            self.flow.bound(original_node.target, original_node.iter)

    def leave_WithItem(self, original_node: cst.WithItem) -> None:
        if self.feeds and original_node.asname is not None:
            self.flow.bound(original_node.asname.name, original_node.item)

    def leave_Return(self, original_node: cst.Return) -> None:
        if self.feeds:
            self.flow.left(original_node.value)

    def leave_Yield(self, original_node: cst.Yield) -> None:
        if self.feeds:
            value = original_node.value
            self.flow.left(value.item if isinstance(value, cst.From) else value)

    def visit_If(self, node: cst.If) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def visit_While(self, node: cst.While) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        if self.feeds:
            self.flow.tested(node.test)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        if self.feeds:
            self.flow.comprehension([original_node.elt])

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        if self.feeds:
            self.flow.comprehension([original_node.elt])

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        if self.feeds:
            self.flow.comprehension([original_node.elt])

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        if self.feeds:
            self.flow.comprehension([original_node.key, original_node.value])

    def reads_any(self, fate: Fate, keys: frozenset[str]) -> bool:
        """The result, or a same-module helper it was handed to, reads one of `keys`."""
        return bool(fate.keys & keys) or any(mentions(self.facts.source(helper), keys) for helper in fate.helpers)
