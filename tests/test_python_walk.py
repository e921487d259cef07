"""The read-only walk visits what libcst's own batched traversal visits, in the same order."""

from __future__ import annotations

import libcst as cst
import pytest

from lint.sources.python_walk import TOKENS, children, walk
from tests.conftest import FIXTURES

# Classes the rules and facts hook, plus ones whose fields libcst does not visit in declaration order.
HOOKED = ("Call", "Name", "Attribute", "FunctionDef", "ClassDef", "Decorator", "IfExp", "Lambda", "SimpleString", "Dict", "Assign")
FIELD_HOOKS = ("For_body", "While_test", "Try_body", "BooleanOperation_right", "CompFor_ifs", "IfExp_test")


class Recorder:
    """Notes every hook call as (event, node class, a short text of the node)."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.events: list[tuple[str, str, str]] = []

    def get_visitors(self):
        hooks = {}
        for name in HOOKED:
            hooks[f"visit_{name}"] = self._noting(f"visit_{name}")
            hooks[f"leave_{name}"] = self._noting(f"leave_{name}")
        for name in FIELD_HOOKS:
            hooks[f"visit_{name}"] = self._noting(f"visit_{name}")
            hooks[f"leave_{name}"] = self._noting(f"leave_{name}")
        return hooks

    def _noting(self, event: str):
        def note(node: cst.CSTNode) -> None:
            self.events.append((event, type(node).__name__, self.module.code_for_node(node)[:40]))

        return note


def events(module: cst.Module, traverse) -> list[tuple[str, str, str]]:
    recorder = Recorder(module)
    traverse(module, recorder)
    return recorder.events


SOURCES = sorted(path for path in (FIXTURES / "python").glob("*.py") if "print " not in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_the_walk_calls_the_hooks_libcst_calls_in_its_order(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    ours = events(module, lambda tree, recorder: walk(tree, [recorder]))
    theirs = events(module, lambda tree, recorder: cst.visit_batched(tree, [recorder]))
    assert ours == theirs
    assert any(event[0] == "visit_Call" for event in ours)


def test_decorators_and_conditional_expressions_are_visited_in_source_order():
    code = "@retry(stop=stop_after_attempt(3))\ndef push(sf, row):\n    return sf.Order__c.upsert(row['Id'] if row else None, row)\n"
    module = cst.parse_module(code)
    names = [text for event, kind, text in events(module, lambda tree, recorder: walk(tree, [recorder])) if event == "visit_Name"]
    assert names == ["retry", "stop", "stop_after_attempt", "push", "sf", "row", "sf", "Order__c", "upsert", "row", "row", "None", "row"]


def test_before_and_after_hooks_run_around_the_visitors_only_for_their_classes():
    module = cst.parse_module("import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=5)\n")
    seen: list[str] = []

    class Visitor:
        def get_visitors(self):
            return {"visit_FunctionDef": lambda node: seen.append("visit def"), "leave_FunctionDef": lambda node: seen.append("leave def")}

    walk(
        module,
        [Visitor()],
        before=(lambda node: seen.append(f"before {type(node).__name__}"), (cst.FunctionDef, cst.Import)),
        after=(lambda node: seen.append(f"after {type(node).__name__}"), (cst.FunctionDef,)),
    )
    assert seen == ["before Import", "before FunctionDef", "visit def", "leave def", "after FunctionDef"]


def test_a_hooked_token_class_is_visited():
    module = cst.parse_module("total = a + b\n")
    seen = []

    class Visitor:
        def get_visitors(self):
            return {"visit_Add": lambda node: seen.append(type(node).__name__)}

    walk(module, [Visitor()])
    assert seen == ["Add"]


@pytest.mark.parametrize("path", SOURCES[:8], ids=lambda path: path.name)
def test_children_are_libcsts_children_without_tokens(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    nodes = [module]
    checked = 0
    while nodes:
        node = nodes.pop()
        expected = [child for child in node.children if type(child) not in TOKENS]
        assert list(children(node)) == expected, type(node).__name__
        nodes.extend(expected)
        checked += 1
    assert checked > 100
