"""Rule metadata validation, the registry and third-party rules from the `intlint.rules` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import types
import zipfile
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import lint.rules as registry_module
from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule, RuleDefinitionError
from tests.conftest import lint_snippet

ROOT = Path(__file__).resolve().parent.parent

DOC = """
    ## What it does
    Flags `print` in integration jobs.

    ## Why it matters
    Logs belong in the logger.

    ## Example
    ```python
    print(record)
    ```

    ## Use instead
    ```python
    log.info(record)
    ```
"""


def make_plugin_module() -> types.ModuleType:
    module = types.ModuleType("acme_intlint_rules")
    namespace = {"__module__": module.__name__, "__doc__": DOC, "code": "IL950", "name": "print-in-job",
                 "severity": Severity.NOTE, "confidence": Confidence.HIGH, "valid": ["log.info(x)\n"], "invalid": ["print(x)\n"]}

    def visit_Call(self, node):
        if getattr(node.func, "value", None) == "print":
            self.report(node, "`print` in an integration job goes nowhere useful.")

    namespace["visit_Call"] = visit_Call
    module.PrintInJob = type("PrintInJob", (PythonRule,), namespace)
    return module


def test_builtin_registry_has_the_foundation_rules():
    registry = registry_module.load_registry()
    assert {"IL001", "IL002", "IL401"} <= set(registry.rules)
    assert registry["IL401"].name == "missing-timeout"
    assert registry.codes_matching("IL401") == ["IL401"]
    assert registry.codes_matching("IL4")[:2] == ["IL401", "IL405"] or registry.codes_matching("IL4")[:2] == ["IL401", "IL402"]
    assert not {"IL201", "IL501"} & set(registry.codes_matching("IL4"))
    assert registry.codes_matching("ALL") == sorted(registry.rules)


@pytest.mark.parametrize(
    "attrs, complaint",
    [
        ({"__doc__": "Just a sentence."}, "docstring lacks the sections What it does, Why it matters, Example, Use instead"),
        ({"invalid": []}, "needs at least one `valid` and one `invalid` example"),
        ({"code": "X1"}, "code 'X1' is not like IL123"),
        ({"name": "NoKebab"}, "must be kebab-case"),
        ({"security_severity": "high"}, "security_severity must be a numeric string"),
    ],
)
def test_a_rule_without_proper_metadata_does_not_load(attrs, complaint):
    namespace = {"__doc__": DOC, "code": "IL951", "name": "some-rule", "severity": Severity.NOTE,
                 "confidence": Confidence.HIGH, "valid": ["x = 1\n"], "invalid": ["x = 2\n"], **attrs}
    with pytest.raises(RuleDefinitionError, match=complaint):
        type("Broken", (PythonRule,), namespace)


def test_plugin_rules_load_from_the_entry_point_and_run(monkeypatch):
    module = make_plugin_module()
    monkeypatch.setitem(sys.modules, module.__name__, module)
    entry = EntryPoint(name="acme", value=module.__name__, group=registry_module.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [entry] if group == entry.group else [])
    registry_module.load_registry.cache_clear()
    try:
        registry = registry_module.load_registry()
        assert registry["IL950"] is module.PrintInJob
        assert registry["IL950"].sources == ("py",)
        outcome = lint_snippet("print(order)\n")
        assert [(f.code, f.span.start_line, f.message) for f in outcome.findings] == [
            ("IL950", 1, "`print` in an integration job goes nowhere useful.")
        ]
    finally:
        registry_module.load_registry.cache_clear()


def test_a_plugin_that_reuses_a_builtin_code_is_an_error(monkeypatch):
    module = make_plugin_module()
    module.PrintInJob.code = "IL401"
    monkeypatch.setitem(sys.modules, module.__name__, module)
    entry = EntryPoint(name="acme", value=module.__name__, group=registry_module.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [entry])
    registry_module.load_registry.cache_clear()
    try:
        with pytest.raises(registry_module.RegistryError, match="plugin `acme` defines IL401"):
            registry_module.load_registry()
    finally:
        registry_module.load_registry.cache_clear()


def install_plugin(folder, *, version_file: str) -> None:
    """A distribution declaring `acme = acme_intlint_rules` under the `intlint.rules` entry point, in `folder`."""
    folder.mkdir(parents=True)
    (folder / version_file).write_text("Metadata-Version: 2.1\nName: acme-intlint\nVersion: 1.0\n")
    (folder / "entry_points.txt").write_text("[console_scripts]\nacme = acme:main\n\n[intlint.rules]\nacme = acme_intlint_rules\n")


@pytest.mark.parametrize(
    "layout",
    [("site", "acme_intlint-1.0.dist-info", "METADATA"), ("site", "acme_intlint.egg-info", "PKG-INFO"), ("acme-1.0.egg", "EGG-INFO", "PKG-INFO")],
)
def test_an_installed_plugin_is_found_on_the_path(tmp_path, monkeypatch, layout):
    path_entry, metadata, version_file = layout
    install_plugin(tmp_path / path_entry / metadata, version_file=version_file)
    monkeypatch.setattr(sys, "path", [str(tmp_path / path_entry)])
    found = registry_module.entry_points(registry_module.ENTRY_POINT_GROUP)
    assert [(entry.name, entry.value) for entry in found] == [("acme", "acme_intlint_rules")]


def test_where_no_distribution_declares_plugins_importlib_metadata_is_not_imported(tmp_path):
    install_plugin(tmp_path / "site" / "other-1.0.dist-info", version_file="METADATA")
    (tmp_path / "site" / "other-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    script = (
        "import sys; from lint.rules import ENTRY_POINT_GROUP, entry_points; "
        "print(list(entry_points(ENTRY_POINT_GROUP)), 'importlib.metadata' in sys.modules); "
        "from importlib.metadata import entry_points as installed; print(list(installed(group=ENTRY_POINT_GROUP)))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path / "site")])}
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert completed.stdout.splitlines() == ["[] False", "[]"]  # and importlib.metadata agrees: there are none


def test_a_zip_archive_on_the_path_is_read_by_importlib_metadata(tmp_path, monkeypatch):
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("acme_intlint-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: acme-intlint\nVersion: 1.0\n")
        packed.writestr("acme_intlint-1.0.dist-info/entry_points.txt", "[intlint.rules]\nacme = acme_intlint_rules\n")
    monkeypatch.setattr(sys, "path", [str(archive)])
    found = registry_module.entry_points(registry_module.ENTRY_POINT_GROUP)
    assert [(entry.name, entry.value) for entry in found] == [("acme", "acme_intlint_rules")]


def test_fingerprint_survives_moving_the_code_but_not_changing_it():
    code = "import requests\n\ndef push(order):\n    return requests.post(url, json=order)\n"
    moved = "import requests\n\n\n# a new comment\nX = 1\n\ndef push(order):\n    return requests.post(url,  json=order)\n"
    changed = "import requests\n\ndef push(order):\n    return requests.post(other_url, json=order)\n"
    [original] = lint_snippet(code).findings
    [after_move] = lint_snippet(moved).findings
    [after_change] = lint_snippet(changed).findings
    assert original.span.start_line != after_move.span.start_line
    assert original.fingerprint == after_move.fingerprint
    assert original.fingerprint != after_change.fingerprint


def test_repeated_identical_calls_get_distinct_fingerprints():
    outcome = lint_snippet("import requests\nrequests.get(url)\nrequests.get(url)\n")
    first, second = outcome.findings
    assert first.fingerprint != second.fingerprint and second.fingerprint.startswith(first.fingerprint)
