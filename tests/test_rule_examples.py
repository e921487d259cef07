"""Every registered rule's examples are its unit tests: invalid ones fire, valid ones stay silent."""

from __future__ import annotations

import pytest

from lint.rules import load_registry
from tests.conftest import lint_snippet

RULES = load_registry().sorted()
INVALID = [(rule, example) for rule in RULES for example in rule.invalid]
VALID = [(rule, example) for rule in RULES for example in rule.valid]


def _ids(cases) -> list[str]:
    counts: dict[str, int] = {}
    ids = []
    for rule, _ in cases:
        counts[rule.code] = counts.get(rule.code, 0) + 1
        ids.append(f"{rule.code}-{counts[rule.code]}")
    return ids


@pytest.mark.parametrize("case", INVALID, ids=_ids(INVALID))
def test_invalid_example_is_flagged(case):
    rule, example = case
    found = [f for f in lint_snippet(example.code, example.path).findings if f.code == rule.code]
    assert found, f"{rule.code} did not flag:\n{example.code}"
    if example.line is not None:
        assert example.line in [f.span.start_line for f in found], found
    assert all(f.message.endswith((".", "?")) for f in found), [f.message for f in found]


@pytest.mark.parametrize("case", VALID, ids=_ids(VALID))
def test_valid_example_is_silent(case):
    rule, example = case
    found = [f for f in lint_snippet(example.code, example.path).findings if f.code == rule.code]
    assert found == [], f"{rule.code} flagged a valid example:\n{example.code}"


def test_every_builtin_rule_has_examples_of_its_sources():
    for rule in RULES:
        assert rule.invalid and rule.valid
        assert rule.summary().endswith(".")
