"""intlint parses with libcst's parser but without its per-node validation; the trees are the same."""

from __future__ import annotations

import gc

import libcst as cst
import pytest

from lint.sources.python import parse_trusted
from lint.sources.python_facts import PythonFacts
from lint.workers import Job, lint_files
from tests.conftest import FIXTURES

SOURCES = sorted(path for path in (FIXTURES / "python").glob("*.py") if "print " not in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_the_tree_is_libcsts_own(path):
    text = path.read_text(encoding="utf-8")
    trusted = parse_trusted(text)
    assert trusted.deep_equals(cst.parse_module(text))
    assert trusted.code == text


def test_validation_is_back_on_after_a_parse_and_after_a_failed_one():
    parse_trusted("sf.Contact.create({'LastName': 'Ng'})\n")
    with pytest.raises(cst.CSTValidationError, match="empty name"):
        cst.Name("")
    with pytest.raises(cst.ParserSyntaxError):
        parse_trusted("def push(:\n")
    with pytest.raises(cst.CSTValidationError, match="empty name"):
        cst.Name("")


def lint_nothing() -> list:
    return lint_files([], Job(settings=None, registry=None, indexes={}, limits=None), jobs=1, done=lambda: None)


def test_the_collector_settings_are_restored_after_linting():
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert lint_nothing() == []
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)


def test_objects_frozen_by_the_program_running_intlint_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        lint_nothing()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_shared_indexes_are_one_per_file():
    def make(facts: PythonFacts) -> list[PythonFacts]:
        return [facts]

    first, second = (PythonFacts(cst.parse_module("import requests\n")) for _ in range(2))
    assert first.shared(make) is first.shared(make) == [first]
    assert second.shared(make) == [second]
