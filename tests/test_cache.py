"""The results cache: unchanged files are not linted again, and the cache never changes what is reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lint.rules.catalog
import lint.workers
from lint.cache import CACHE_DIR_NAME
from lint.engine import RunOptions, run
from lint.rules import load_registry
from tests.conftest import FIXTURES, settings_for

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("lint.sources.python", "lint.sources.config", "lint.sources.apex", "lint.sources.xml")
PARSERS = ("libcst", "yaml", "tree_sitter", "tree_sitter_language_pack")
TREE = {
    "jobs/push.py": """\
        import requests

        def push(order):
            return requests.post(f"{BASE}/services/data/v61.0/sobjects/Order__c/", json=order)
        """,
    "jobs/clean.py": """\
        import requests

        def push(order):
            return requests.get(URL, timeout=10)
        """,
    "jobs/util.py": "def add(a, b):\n    return a + b\n",
    "datasets/mapping.yml": "Insert Accounts:\n  sf_object: Account\n  action: insert\n  fields: [Name]\n",
    "force-app/triggers/OrderTrigger.trigger": "trigger OrderTrigger on Order (after insert) {\n    OrderService.push(Trigger.new);\n}\n",
    "force-app/classes/OrderService.cls": """\
        public class OrderService {
            public static void push(List<Order> orders) {
                new Http().send(new HttpRequest());
            }
        }
        """,
    "objects/Order_Shipped__e/Order_Shipped__e.object-meta.xml": (
        '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n    <eventType>HighVolume</eventType>\n</CustomObject>\n'
    ),
}


def write_tree(root: Path, files: dict[str, str] = TREE) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("INTLINT_CACHE_DIR", None)
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "lint", *args], cwd=cwd, capture_output=True, text=True, env=env)


def imported(stderr: str) -> set[str]:
    """Modules named in `-X importtime` output."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:") and "|" in line}


@pytest.fixture
def linted(monkeypatch):
    """Record which files are linted (parsed) in this process."""
    seen: list[str] = []
    real = lint.workers.lint_source

    def recording(relative, *args, **kwargs):
        seen.append(relative)
        return real(relative, *args, **kwargs)

    monkeypatch.setattr(lint.workers, "lint_source", recording)
    return seen


def lint_tree(root: Path, cache: Path, **settings):
    return run([root], settings_for(root, **settings), load_registry(), options=RunOptions(cache_dir=cache))


def test_a_warm_run_reports_the_same_bytes_parses_nothing_and_imports_no_parser(tmp_path):
    project = write_tree(tmp_path / "project")
    (project / "pyproject.toml").write_text("[tool.intlint]\nignore = []\n")
    reports = []
    for run_number in (1, 2):
        out = tmp_path / f"report-{run_number}.json"
        done = cli("check", ".", "--format", "json", "-o", str(out), "--format", "sarif", "-o", str(out.with_suffix(".sarif")), cwd=project)
        assert done.returncode == 1, done.stderr
        reports.append((out.read_bytes(), out.with_suffix(".sarif").read_bytes(), imported(done.stderr)))
    (cold_json, cold_sarif, cold_modules), (warm_json, warm_sarif, warm_modules) = reports
    assert (warm_json, warm_sarif) == (cold_json, cold_sarif)
    assert json.loads(cold_json)["summary"]["findings"] >= 3
    # `-X importtime` names modules imported by `import` statements, not by importlib.import_module
    # (how the source kinds are loaded), so a parser is what shows that a run parsed.
    assert set(PARSERS) & cold_modules  # the cold run did parse
    assert not warm_modules & {*SOURCES, *PARSERS}, sorted(warm_modules & {*SOURCES, *PARSERS})


def test_the_cache_lives_only_in_its_folder_which_is_never_committed_nor_linted(tmp_path):
    project = write_tree(tmp_path / "project")
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    before = {path for path in project.rglob("*") if ".git" not in path.parts}
    assert cli("check", ".", cwd=project).returncode == 1
    added = {path for path in project.rglob("*") if ".git" not in path.parts} - before
    assert added and all(path.relative_to(project).parts[0] == CACHE_DIR_NAME for path in added)
    assert (project / CACHE_DIR_NAME / ".gitignore").read_text().splitlines()[-1] == "*"
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project, capture_output=True, text=True).stdout
    assert CACHE_DIR_NAME not in status
    elsewhere = tmp_path / "project" / "scratch-cache"  # --cache-dir inside the tree: its files are not linted
    done = cli("check", ".", "--cache-dir", str(elsewhere), "--format", "json", cwd=project)
    assert "scratch-cache" not in done.stdout and (elsewhere / "rules.json").is_file()


def test_editing_one_file_relints_only_that_file(tmp_path, linted):
    project = write_tree(tmp_path / "project")
    cache = tmp_path / "cache"
    cold = lint_tree(project, cache)
    assert "jobs/push.py" in linted
    linted.clear()
    assert lint_tree(project, cache).findings == cold.findings
    assert linted == []
    (project / "jobs/clean.py").write_text("import requests\n\nrequests.get(URL)\n")
    edited = lint_tree(project, cache)
    assert linted == ["jobs/clean.py"]
    assert [f for f in edited.findings if f.path != "jobs/clean.py"] == [f for f in cold.findings if f.path != "jobs/clean.py"]
    assert [f.code for f in edited.findings if f.path == "jobs/clean.py"] == ["IL401"]


def test_editing_an_apex_file_relints_the_apex_files_only(tmp_path, linted):
    project = write_tree(tmp_path / "project")
    cache = tmp_path / "cache"
    lint_tree(project, cache)
    linted.clear()
    service = project / "force-app/classes/OrderService.cls"
    service.write_text(service.read_text().replace("new Http().send(new HttpRequest());", "update orders;"))
    result = lint_tree(project, cache)
    assert sorted(linted) == ["force-app/classes/OrderService.cls", "force-app/triggers/OrderTrigger.trigger"]
    assert not [f for f in result.findings if f.code == "IL301"]  # the trigger's path lost its callout


def test_a_changed_configuration_or_version_invalidates(tmp_path, linted, monkeypatch):
    project = write_tree(tmp_path / "project")
    cache = tmp_path / "cache"
    lint_tree(project, cache)
    linted.clear()
    fewer = lint_tree(project, cache, selected=frozenset({"IL001", "IL401"}))
    assert "jobs/push.py" in linted and [f.code for f in fewer.findings] == ["IL401"]
    linted.clear()
    lint_tree(project, cache)
    assert linted == []  # the first configuration's results are still there
    monkeypatch.setattr(lint.rules.catalog, "__version__", "999.0")
    lint_tree(project, cache)
    assert "jobs/push.py" in linted


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # a torn write
        lambda text: "not json",
        lambda text: json.dumps({**json.loads(text), "files": {path: ["x"] * 5 for path in json.loads(text)["files"]}}),
        lambda text: json.dumps({**json.loads(text), "files": {path: [0, 0, e[2], e[3], {"findings": 3}] for path, e in json.loads(text)["files"].items()}}),
    ],
    ids=["truncated", "garbage", "wrong-entries", "corrupt-outcomes"],
)
def test_a_damaged_cache_is_ignored_never_fatal(tmp_path, damage):
    project = write_tree(tmp_path / "project")
    cache = tmp_path / "cache"
    cold = lint_tree(project, cache)
    [results] = cache.glob("results-*.json")
    results.write_text(damage(results.read_text()))
    (cache / "rules.json").write_text("{")
    again = lint_tree(project, cache)
    assert (again.findings, again.suppressed, again.notices, again.files_scanned) == (cold.findings, cold.suppressed, cold.notices, cold.files_scanned)


def test_a_file_changed_within_its_timestamp_is_still_noticed(tmp_path, linted):
    project = write_tree(tmp_path / "project")
    cache = tmp_path / "cache"
    lint_tree(project, cache)
    clean = project / "jobs/clean.py"
    status = clean.stat()
    clean.write_text(clean.read_text().replace("timeout=10", "params={ }"))  # same size
    os.utime(clean, ns=(status.st_atime_ns, status.st_mtime_ns))  # and the same timestamp
    linted.clear()
    result = lint_tree(project, cache)
    assert linted == ["jobs/clean.py"]  # written less than 2 s before it was cached: hashed again
    assert [f.code for f in result.findings if f.path == "jobs/clean.py"] == ["IL401"]


def test_the_fixtures_give_the_same_findings_cold_and_warm(tmp_path):
    settings, registry = settings_for(FIXTURES), load_registry()
    options = RunOptions(cache_dir=tmp_path / "cache", jobs=2)
    cold = run([FIXTURES], settings, registry, options=options)
    warm = run([FIXTURES], settings, registry, options=options)
    uncached = run([FIXTURES], settings, registry)
    for result in (warm, uncached):
        assert (result.findings, result.suppressed, result.notices, result.files_scanned) == (cold.findings, cold.suppressed, cold.notices, cold.files_scanned)
