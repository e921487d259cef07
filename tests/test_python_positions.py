"""Positions of the nodes findings point at are exactly libcst's PositionProvider's, at a fraction of its cost."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from lint.sources.python_positions import positions_of, statement_lines
from tests.conftest import FIXTURES


def _sources() -> list[tuple[str, str]]:
    found = []
    for path in sorted((FIXTURES / "python").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            ast.parse(text)
        except SyntaxError:
            continue  # the Python 2 fixture
        found.append((path.name, text))
    return found


def _tops(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    """Every node below a module-level statement, mapped to that statement."""
    tops = {}
    for statement in module.body:
        stack = [statement]
        while stack:
            node = stack.pop()
            tops[node] = statement
            stack.extend(node.children)
    return tops


@pytest.mark.parametrize(("name", "text"), _sources(), ids=lambda value: value if len(value) < 60 else "")
def test_positions_of_some_nodes_are_positionproviders(name, text):
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    tops = _tops(module)
    tree = ast.parse(text)
    asked = {node: tops[node] for node in expected if node in tops}
    for anchors in (tree, None):  # from the statements' lines, and from the whole module
        recorded = positions_of(module, asked, text, anchors)
        assert {node: recorded[node] for node in asked} == {node: expected[node] for node in asked}
    for node in list(asked)[::11]:  # one node asked: its range, hoisted from its children where libcst does
        assert positions_of(module, {node: tops[node]}, text, tree)[node] == expected[node]


def test_only_the_nodes_asked_for_and_their_hoisting_children_are_recorded():
    text = "import requests\n\nfor row in rows:\n    requests.post(URL, json=row)\n\nx = 1\n"
    module = cst.parse_module(text)
    loop = module.body[1]
    recorded = positions_of(module, {loop: loop}, text, ast.parse(text))
    call = loop.body.body[0].body[0].value
    assert recorded[loop].start.line == 3 and recorded[loop].end.line == 4
    assert loop.body in recorded  # the loop's range ends where its block does
    assert call not in recorded and module.body[2] not in recorded and module not in recorded


def test_statement_lines_start_at_decorators_and_count_semicolon_statements_once():
    text = "import os; import sys\n\n# a comment\n@retry(stop=3)\n\ndef push(row):\n    return row\n\n(\n    main()\n)\n"
    module = cst.parse_module(text)
    lines = statement_lines(module, ast.parse(text))
    assert [lines[statement] for statement in module.body] == [1, 4, 9]


def test_a_wrong_anchor_falls_back_to_the_whole_module():
    text = "import requests\n\n\ndef push(row):\n    requests.post(URL, json=row)\n"
    module = cst.parse_module(text)
    function = module.body[1]
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)[function]
    shifted = ast.parse("import requests\ndef push(row):\n    requests.post(URL, json=row)\n")  # says line 2
    assert positions_of(module, {function: function}, text, shifted)[function] == expected
