"""Positions of the nodes findings point at are exactly libcst's PositionProvider's, at a fraction of its cost."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from lint.sources.python_positions import positions_of
from tests.conftest import FIXTURES


def _modules() -> list[tuple[str, cst.Module]]:
    found = []
    for path in sorted((FIXTURES / "python").glob("*.py")):
        try:
            found.append((path.name, cst.parse_module(path.read_text(encoding="utf-8"))))
        except cst.ParserSyntaxError:
            continue  # the Python 2 fixture
    return found


@pytest.mark.parametrize(("name", "module"), _modules(), ids=lambda value: value if isinstance(value, str) else "")
def test_positions_of_some_nodes_are_positionproviders(name, module):
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert dict(positions_of(module, expected)) == dict(expected)  # every node asked: the same table
    for node in list(expected)[::11]:  # one node asked: its range, hoisted from its children where libcst does
        assert positions_of(module, [node])[node] == expected[node]


def test_only_the_subtrees_asked_for_are_recorded():
    module = cst.parse_module("import requests\n\nfor row in rows:\n    requests.post(URL, json=row)\n\nx = 1\n")
    loop = module.body[1]
    recorded = positions_of(module, [loop])
    assert loop in recorded and module.body[2] not in recorded and module not in recorded
