"""Positions of the nodes findings point at are exactly libcst's PositionProvider's, at a fraction of its cost."""

from __future__ import annotations

import ast
import re

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from lint.sources.python import _flagged_code
from lint.sources.python_facts import PythonFacts
from lint.sources.python_positions import line_starts, positions_of, statement_lines
from tests.conftest import FIXTURES

WHITESPACE = re.compile(r"\s+")  # what lint.findings.fingerprint removes


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


def _anchors(module: cst.Module) -> dict[cst.CSTNode, tuple[cst.CSTNode, cst.CSTNode]]:
    """Every node below a module-level statement, mapped to its innermost statement line and to that module-level statement."""
    anchors = {}
    for top in module.body:
        stack = [(top, top)]
        while stack:
            node, innermost = stack.pop()
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                innermost = node
            anchors[node] = (innermost, top)
            stack.extend((child, innermost) for child in node.children)
    return anchors


@pytest.mark.parametrize(("name", "text"), _sources(), ids=lambda value: value if len(value) < 60 else "")
def test_positions_of_some_nodes_are_positionproviders(name, text):
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    anchors = _anchors(module)
    tree = ast.parse(text)
    asked = {node: anchors[node] for node in expected if node in anchors}
    for lines in (tree, None):  # from the statements' lines, and from the whole module
        recorded = positions_of(module, asked, text, lines)
        assert {node: recorded[node] for node in asked} == {node: expected[node] for node in asked}
    for node in list(asked)[::11]:  # one node asked: its range, hoisted from its children where libcst does
        assert positions_of(module, {node: anchors[node]}, text, tree)[node] == expected[node]
        assert positions_of(module, {node: anchors[node][1:]}, text, tree)[node] == expected[node]  # from its top statement


def test_only_the_nodes_asked_for_and_their_hoisting_children_are_recorded():
    text = "import requests\n\nfor row in rows:\n    requests.post(URL, json=row)\n\nx = 1\n"
    module = cst.parse_module(text)
    loop = module.body[1]
    recorded = positions_of(module, {loop: (loop,)}, text, ast.parse(text))
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
    assert positions_of(module, {function: (function,)}, text, shifted)[function] == expected


NESTED = """\
class Sync:
    @retry(stop=3)
    def push(self, rows):
        for row in rows:
            if row:
                send(row)
            elif row is None:
                # nothing to send
                skip(row)
            else:
                try:
                    with lock: log(row)
                except ValueError:
                    drop(row)
                finally:
                    done(row)
        else:
            close()
        match rows:
            case []:
                empty()
"""


def test_statement_lines_pair_nested_blocks_with_cpythons():
    module = cst.parse_module(NESTED)
    lines = statement_lines(module, ast.parse(NESTED))
    code = {module.code_for_node(statement).strip().splitlines()[-1].strip(): line for statement, line in lines.items()
            if isinstance(statement, cst.SimpleStatementLine)}
    assert code == {"send(row)": 6, "skip(row)": 9, "drop(row)": 14, "done(row)": 16, "close()": 18, "empty()": 21}
    method = module.body[0].body.body[0]
    assert lines[method] == 2  # its decorator's line
    assert sum(isinstance(statement, cst.With) for statement in lines) == 1  # its one-line body is not a line of its own


def test_a_nested_statement_is_generated_alone(monkeypatch):
    module = cst.parse_module(NESTED)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    statement = next(node for node in expected if isinstance(node, cst.SimpleStatementLine) and "drop" in module.code_for_node(node))
    call = statement.body[0].value
    monkeypatch.setattr(cst.Module, "_codegen", lambda *args: pytest.fail("the whole module was generated"))
    assert positions_of(module, {call: (statement, None)}, NESTED, ast.parse(NESTED))[call] == expected[call]


@pytest.mark.parametrize(("name", "text"), _sources(), ids=lambda value: value if len(value) < 60 else "")
def test_the_code_a_fingerprint_hashes_is_the_generated_code_but_for_whitespace(name, text):
    module = cst.parse_module(text)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    facts, lines = PythonFacts(module, text), line_starts(text)
    for node, where in positions.items():
        if isinstance(node, cst.BaseExpression):
            assert WHITESPACE.sub("", _flagged_code(facts, node, where, lines)) == WHITESPACE.sub("", module.code_for_node(node))
