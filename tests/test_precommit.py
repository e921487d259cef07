"""The pre-commit hook, installed the way a user's repository installs it (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import BAD

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.network
def test_hook_flags_a_bad_file_in_a_fresh_repository(tmp_path):
    pytest.importorskip("pre_commit", reason="pre-commit is part of the test extra")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of intlint")
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    git("init", "-q", cwd=consumer)
    (consumer / "push.py").write_text(BAD)
    (consumer / "notes.txt").write_text("not linted\n")
    git("add", ".", cwd=consumer)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "intlint", "--all-files", "--color", "never"],
        cwd=consumer,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "push.py:5:12: IL401 warning: `requests.post` has no `timeout=`" in completed.stdout
    assert "notes.txt" not in completed.stdout
