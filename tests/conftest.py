"""Helpers shared by the tests: lint a snippet through the real pipeline."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lint.engine import FileOutcome, lint_source
from lint.rules import load_registry
from lint.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def settings_for(root: Path = Path("."), **overrides) -> Settings:
    registry = load_registry()
    options = {option.name: option.default for rule in registry.sorted() for option in rule.options}
    values = {"root": root, "selected": frozenset(registry.rules), "options": options, **overrides}
    return Settings(**values)


def lint_snippet(code: str, path: str = "example.py", **overrides) -> FileOutcome:
    """Run the whole single-file pipeline (parse, rules, suppressions) on dedented code."""
    registry = load_registry()
    settings = settings_for(**overrides)
    rules = tuple(registry[code] for code in sorted(settings.selected))
    return lint_source(path, textwrap.dedent(code).encode(), None, rules, settings, registry)


@pytest.fixture
def lint():
    return lint_snippet
