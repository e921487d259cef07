"""Worker processes and the per-file guards: the same report for any --jobs, and no file can sink the run."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest

import lint.discovery
from lint.engine import Limits, RunOptions, run
from lint.findings import Confidence, Severity
from lint.rules import Registry, load_registry
from lint.rules.base import Example, PythonRule, Requires
from lint.sources import apex
from lint.workers import Task, _batches
from tests.conftest import FIXTURES, settings_for

ROOT = Path(__file__).resolve().parent.parent
DOC = "\n## What it does\nX.\n\n## Why it matters\nX.\n\n## Example\nX\n\n## Use instead\nX\n"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lint", *args], cwd=cwd, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


# -- determinism -----------------------------------------------------------------------------


def test_json_and_sarif_are_byte_identical_for_one_and_two_jobs(tmp_path):
    outputs = {}
    for jobs in ("1", "2"):
        json_file, sarif_file = tmp_path / f"{jobs}.json", tmp_path / f"{jobs}.sarif"
        done = cli("check", str(FIXTURES), "--no-cache", "--jobs", jobs, "--format", "json", "-o", str(json_file), "--format", "sarif", "-o", str(sarif_file))
        assert done.returncode == 1, done.stderr  # the fixtures have findings
        outputs[jobs] = (json_file.read_bytes(), sarif_file.read_bytes())
    assert outputs["1"] == outputs["2"]
    assert b'"findings": []' not in outputs["1"][0]


def test_the_file_system_order_does_not_change_the_result(monkeypatch):
    settings, registry = settings_for(FIXTURES), load_registry()
    forward = run([FIXTURES], settings, registry)
    real_scandir = os.scandir

    class Reversed:
        def __init__(self, path):
            self.scan = real_scandir(path)

        def __enter__(self):
            return reversed(list(self.scan.__enter__()))

        def __exit__(self, *exc):
            return self.scan.__exit__(*exc)

    monkeypatch.setattr(lint.discovery.os, "scandir", Reversed)
    backward = run([FIXTURES], settings, registry, options=RunOptions(jobs=2))
    assert (backward.findings, backward.suppressed, backward.notices) == (forward.findings, forward.suppressed, forward.notices)


def test_the_apex_index_is_plain_data_that_can_be_shipped_to_workers():
    files = [(path.relative_to(FIXTURES).as_posix(), path.read_bytes()) for path in sorted((FIXTURES / "apex").rglob("*.cls"))]
    index = apex.build_index(files)
    copy = pickle.loads(pickle.dumps(index))
    assert sorted(copy.files) == sorted(index.files) and len(copy.routines) == len(index.routines)


def test_batches_cover_every_file_once_biggest_first():
    tasks = [Task(f"{n}.py", "py", b"x" * size, ()) for n, size in enumerate([5, 500, 50, 5000, 1, 1])]
    batches = _batches(tasks, 3)
    assert sorted(index for batch in batches for index in batch) == list(range(len(tasks)))
    assert batches[0][0] == 3  # the biggest file goes first
    assert len(batches) <= 4


# -- the guards ------------------------------------------------------------------------------


class SlowRule(PythonRule):
    """A rule that never finishes on files saying SLOW, crashes its process on CRASH, and eats memory on GREEDY."""

    __doc__ = DOC
    code = "IL991"
    name = "misbehaving-rule"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = Requires(markers=("SLOW", "CRASH", "GREEDY"))
    valid = [Example("x = 1\n")]
    invalid = [Example("SLOW = 1\n")]

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "SLOW":
            time.sleep(60)
        elif node.value == "CRASH":
            os._exit(3)
        elif node.value == "GREEDY":
            bytearray(4 * 1024**3)


def misbehaving_tree(tmp_path: Path, *names: str) -> Path:
    for name in names:
        (tmp_path / f"{name.lower()}.py").write_text(f"{name} = 1\n")
    for number in range(8):  # enough well-behaved files for a worker pool
        (tmp_path / f"client_{number}.py").write_text("import requests\n\nrequests.get(URL)\n")
    return tmp_path


def run_misbehaving(root: Path, jobs: int, limits: Limits):
    registry = Registry({**load_registry().rules, SlowRule.code: SlowRule})
    settings = settings_for(root, selected=frozenset({"IL401", SlowRule.code}))
    return run([root], settings, registry, options=RunOptions(jobs=jobs, limits=limits))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_that_takes_too_long_is_skipped_with_a_notice_and_the_run_completes(tmp_path, jobs):
    result = run_misbehaving(misbehaving_tree(tmp_path, "SLOW"), jobs, Limits(file_timeout=0.5))
    assert "skipped slow.py: linting it took longer than 0.5 s (--file-timeout)" in result.notices
    assert [f.path for f in result.findings] == [f"client_{number}.py" for number in range(8)]
    assert result.internal_errors == ()


def test_a_worker_that_dies_is_replaced_and_only_its_file_is_skipped(tmp_path):
    result = run_misbehaving(misbehaving_tree(tmp_path, "CRASH"), 2, Limits())
    assert any(notice.startswith("skipped crash.py: the worker process linting it ended (exit code 3)") for notice in result.notices)
    assert [f.path for f in result.findings] == [f"client_{number}.py" for number in range(8)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory limit is an address-space limit (RLIMIT_AS), read from /proc here")
def test_a_file_that_needs_too_much_memory_is_skipped_in_a_worker(tmp_path):
    status = Path("/proc/self/status").read_text()
    in_use_mb = int(next(line for line in status.splitlines() if line.startswith("VmSize:")).split()[1]) // 1024
    result = run_misbehaving(misbehaving_tree(tmp_path, "GREEDY"), 2, Limits(max_memory_mb=in_use_mb + 512))
    assert f"skipped greedy.py: linting it needed more than {in_use_mb + 512} MB (--max-memory)" in result.notices
    assert len(result.findings) == 8


def test_guard_skips_are_not_cached(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    misbehaving_tree(root, "SLOW")
    registry = Registry({**load_registry().rules, SlowRule.code: SlowRule})
    settings = settings_for(root, selected=frozenset({"IL401", SlowRule.code}))
    run([root], settings, registry, options=RunOptions(cache_dir=tmp_path / "cache", limits=Limits(file_timeout=0.2)))
    [results] = (tmp_path / "cache").glob("results-*.json")
    cached = json.loads(results.read_text())["files"]
    assert "client_0.py" in cached and "slow.py" not in cached  # a skip depends on the machine: lint it again next time


def test_jobs_flag_is_validated():
    done = cli("check", str(FIXTURES / "python"), "--jobs", "0")
    assert done.returncode == 2 and b"--jobs" in done.stderr
