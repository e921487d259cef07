"""The pre-filter: rules declare what a file must contain, and a file that cannot match is never parsed.

The central promise is that the pre-filter loses nothing: every rule example and every fixture
gives the same findings with and without it (save IL001 on files no rule reads, which are not
parsed at all: the documented trade-off).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lint.engine import RunOptions, lint_source, run
from lint.prefilter import Prefilter, imported_names, imports_any
from lint.rules import load_registry
from lint.rules.base import EVERY_FILE, Example, PythonRule, Requires, RuleDefinitionError
from lint.rules.catalog import decode_requirement, encode_requirement
from lint.findings import Confidence, Severity
from lint.sources import kind_of
from tests.conftest import FIXTURES, settings_for

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = load_registry()
RULES = REGISTRY.sorted()
EXAMPLES = [(rule, example) for rule in RULES for example in (*rule.invalid, *rule.valid)]


# -- reading imports -------------------------------------------------------------------------


def test_imports_are_read_from_import_statements_not_words():
    code = b"""\
import os, requests as r
from simple_salesforce.api import Salesforce
from . import local
from .sibling import thing
try: import ujson
except ImportError: import json
import a.b.c, \\
    d
x = 1; import httpx
from tenacity import (
    retry,
    stop_after_attempt,
)
# import commented_out
reimport = "import in_a_string"
"""
    assert imported_names(code) == {"os", "requests", "simple_salesforce.api.Salesforce", "ujson", "json", "a", "d", "httpx", "tenacity"}


def test_imports_on_cr_only_lines_and_continuations_are_read():
    assert imported_names(b"import os\rimport requests\rx = 1") == {"os", "requests"}
    assert imported_names(b"\xef\xbb\xbfimport requests\n") == {"requests"}  # after a byte-order mark
    assert imported_names(b"from \\\n  tenacity import retry\n") == {"tenacity.retry"}


def test_a_word_is_not_an_import():
    assert imported_names(b"# we call requests here\nsession = requests_session()\n") == frozenset()


def test_a_module_is_reached_through_its_package_not_through_its_siblings():
    def reaches(code: bytes, module: str) -> bool:
        return imports_any(imported_names(code), (module,))

    assert reaches(b"import urllib\n", "urllib.request")
    assert reaches(b"import urllib.parse\n", "urllib.request")  # binds `urllib`: `urllib.request.urlopen` resolves
    assert reaches(b"from urllib import request\n", "urllib.request")
    assert reaches(b"from urllib.request import urlopen, Request\n", "urllib.request")
    assert not reaches(b"from urllib.parse import quote\n", "urllib.request")
    assert not reaches(b"from urllib import parse\n", "urllib.request")
    assert reaches(b"from requests.adapters import HTTPAdapter\n", "requests")
    assert reaches(b"import simple_salesforce.api\n", "simple_salesforce.api.Salesforce")
    assert not reaches(b"import requests_oauthlib\n", "requests")  # a package of another name
    assert not reaches(b"from simple_salesforce import format_soql\n", "simple_salesforce.api")


# -- requirements ----------------------------------------------------------------------------


def test_markers_are_case_insensitive_and_imports_need_an_import_statement():
    requests_or_marker = Requires(imports=("requests",), markers=("/services/data",))
    prefilter = Prefilter([_rule("IL901", requests_or_marker)])
    assert prefilter.rules_for("py", b"import requests\n")
    assert prefilter.rules_for("py", b"URL = '/SERVICES/DATA/v59.0'\n")
    assert not prefilter.rules_for("py", b"# requests are fine\n")


def test_both_sides_of_and_must_be_met_and_patterns_are_regular_expressions():
    rule = _rule("IL902", Requires(imports=("httpx",)) & Requires(patterns=(r"\w__e\b",)))
    prefilter = Prefilter([rule])
    assert prefilter.rules_for("py", b"import httpx\nTOPIC = '/event/Order__e'\n")
    assert not prefilter.rules_for("py", b"import httpx\ndef __eq__(self, other): ...\n")
    assert not prefilter.rules_for("py", b"TOPIC = '/event/Order__e'\n")


def test_a_rule_that_declares_nothing_reads_every_file():
    undeclared = _rule("IL903", None)
    assert undeclared.requirement("py") is EVERY_FILE
    assert Prefilter([undeclared]).rules_for("py", b"x = 1\n") == (undeclared,)


def test_requires_is_checked_when_the_rule_is_defined():
    with pytest.raises(RuleDefinitionError, match="dotted module name"):
        _rule("IL904", Requires(imports=("urllib..request",)))
    with pytest.raises(RuleDefinitionError, match="does not compile"):
        _rule("IL905", Requires(patterns=("(unclosed",)))
    with pytest.raises(RuleDefinitionError, match="must be a Requires"):
        _rule("IL906", "requests")


def test_requirements_survive_the_catalogue_round_trip():
    for rule in RULES:
        for kind in rule.sources:
            requirement = rule.requirement(kind)
            assert decode_requirement(encode_requirement(requirement)) == requirement


def test_the_prefilter_follows_the_enabled_rules(tmp_path):
    (tmp_path / "client.py").write_text("import requests\n\nrequests.post(URL, json={})\n")
    only_bulk = run([tmp_path], settings_for(tmp_path, selected=frozenset({"IL001", "IL201"})), REGISTRY)
    with_timeouts = run([tmp_path], settings_for(tmp_path, selected=frozenset({"IL001", "IL201", "IL401"})), REGISTRY)
    assert only_bulk.files_scanned == 0 and only_bulk.findings == ()
    assert with_timeouts.files_scanned == 1 and [f.code for f in with_timeouts.findings] == ["IL401"]


def test_a_file_no_rule_reads_is_not_parsed_so_its_syntax_error_is_not_reported(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "client.py").write_text("import requests\n\ndef f(:\n")
    result = run([tmp_path], settings_for(tmp_path, selected=frozenset({"IL001", "IL401"})), REGISTRY)
    assert [(f.code, f.path) for f in result.findings] == [("IL001", "client.py")]


NO_PARSER_RUN = """
import sys
from pathlib import Path
from lint.config import CliOverrides, load_settings
from lint.engine import run
from lint.rules.catalog import load_catalog

root, cache = Path(sys.argv[1]), Path(sys.argv[2])
registry = load_catalog(cache)
declared = [code for code, rule in registry.rules.items() if rule.requires is not None]  # an undeclared rule reads every file
settings = load_settings([root], registry=registry, overrides=CliOverrides(select=tuple(declared)))
result = run([root], settings, registry)
assert result.files_scanned == 0, result
print(sorted({name.split(".")[0] for name in sys.modules} & {"libcst", "yaml", "tree_sitter", "tree_sitter_language_pack"}))
"""


def test_when_nothing_needs_parsing_no_parser_is_imported(tmp_path):
    project, cache = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    (project / "util.py").write_text("import os\n\nprint(os.getcwd())\n")
    (project / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    (project / "package.json").write_text('{"name": "web", "version": "1.0.0"}\n')
    run_catalogue = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from lint.rules.catalog import load_catalog; load_catalog(Path(sys.argv[1]))", str(cache)], cwd=ROOT, check=True)
    assert run_catalogue.returncode == 0
    completed = subprocess.run([sys.executable, "-c", NO_PARSER_RUN, str(project), str(cache)], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


# -- the pre-filter loses no finding ---------------------------------------------------------


@pytest.mark.parametrize("case", EXAMPLES, ids=[f"{rule.code}-{index}" for index, (rule, _) in enumerate(EXAMPLES)])
def test_every_rule_example_gives_the_same_findings_with_the_prefilter(case):
    rule, example = case
    settings = settings_for()
    data = textwrap.dedent(example.code).encode()
    kind = kind_of(example.path)
    everything = lint_source(example.path, data, kind, RULES, settings, REGISTRY)
    met = Prefilter(RULES).rules_for(kind.name, data)
    filtered = lint_source(example.path, data, kind, met, settings, REGISTRY) if met else None
    expected = [finding for finding in everything.findings if finding.code != "IL001" or filtered is not None]
    assert (filtered.findings if filtered else []) == expected, f"{rule.code} example:\n{example.code}"
    assert (filtered.suppressed if filtered else []) == everything.suppressed


def test_the_fixtures_give_the_same_findings_with_the_prefilter():
    settings = settings_for(FIXTURES)
    with_prefilter = run([FIXTURES], settings, REGISTRY)
    without = run([FIXTURES], settings, REGISTRY, options=RunOptions(prefilter=False))
    assert _without_il001(with_prefilter.findings) == _without_il001(without.findings)
    assert set(with_prefilter.findings) <= set(without.findings)  # IL001: only files some rule reads
    assert with_prefilter.suppressed == without.suppressed
    assert with_prefilter.files_scanned < without.files_scanned  # it did skip files


def _without_il001(findings) -> list:
    return [finding for finding in findings if finding.code != "IL001"]


def _rule(code: str, requires) -> type[PythonRule]:
    """A throwaway Python rule declaring `requires`."""
    doc = "\n## What it does\nX.\n\n## Why it matters\nX.\n\n## Example\nX\n\n## Use instead\nX\n"
    attributes = {
        "__doc__": doc,
        "code": code,
        "name": "test-rule",
        "severity": Severity.WARNING,
        "confidence": Confidence.HIGH,
        "valid": [Example("x = 1\n")],
        "invalid": [Example("x = 2\n")],
        "requires": requires,
        "__module__": __name__,
    }
    return type(f"Rule{code}", (PythonRule,), attributes)

