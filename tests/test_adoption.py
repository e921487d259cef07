"""Adopting intlint on an existing codebase: baseline, changed-lines mode and `intlint init`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import BAD, invoke

TWO_CALLS = """\
import requests


def push(order):
    return requests.post("https://acme.example.com/orders", json=order)


def fetch(order_id):
    return requests.get(f"https://acme.example.com/orders/{order_id}")
"""


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["git", "config", "user.email", "dev@example.com"], check=True)
    subprocess.run(["git", "config", "user.name", "Dev"], check=True)
    return tmp_path


def commit_all(message: str) -> None:
    subprocess.run(["git", "add", "-A"], check=True)
    subprocess.run(["git", "commit", "-q", "-m", message], check=True)


def findings(*args: str) -> list[tuple[str, int, str]]:
    result = invoke("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return [(f["path"], f["start_line"], f["code"]) for f in json.loads(result.output)["findings"]]


def test_baseline_hides_known_findings_even_after_code_moves_and_is_reformatted(repo):
    Path("orders.py").write_text(TWO_CALLS)
    written = invoke("baseline")
    assert written.exit_code == 0 and written.output == "Wrote 2 findings to intlint-baseline.json.\n"
    baseline = json.loads(Path("intlint-baseline.json").read_text())
    assert baseline["schema"] == "intlint-baseline" and [e["line"] for e in baseline["findings"]] == [5, 9]

    moved = "import requests\n\n# Orders API client.\nTIMEOUT = 30\n\n" + TWO_CALLS.replace("import requests\n", "").replace(
        "json=order)", "json = order )"
    )
    Path("orders.py").write_text(moved)
    assert findings("--baseline", "intlint-baseline.json") == []
    terminal = invoke("check", "--baseline", "intlint-baseline.json")
    assert terminal.exit_code == 0 and "2 in the baseline" in terminal.output


def test_baseline_reports_the_same_anti_pattern_in_a_new_place_or_file(repo):
    Path("orders.py").write_text(TWO_CALLS)
    invoke("baseline", "-o", "base.json")
    Path("orders.py").write_text(TWO_CALLS + "\n\ndef cancel(order_id):\n    return requests.post(f\"https://acme.example.com/orders/{order_id}/cancel\")\n")
    Path("invoices.py").write_text(TWO_CALLS)
    assert findings("--baseline", "base.json") == [
        ("invoices.py", 5, "IL401"),
        ("invoices.py", 9, "IL401"),
        ("orders.py", 13, "IL401"),
    ]


def test_fixed_baseline_entries_are_counted_in_statistics(repo):
    Path("orders.py").write_text(TWO_CALLS)
    invoke("baseline", "-o", "base.json")
    Path("orders.py").write_text(TWO_CALLS.replace('order_id}")', 'order_id}", timeout=10)'))
    result = invoke("check", "--baseline", "base.json", "--statistics")
    assert result.exit_code == 0
    assert "1 baseline entries no longer match a finding (fixed)" in result.output


def test_a_broken_baseline_is_a_one_line_error(repo):
    Path("orders.py").write_text(TWO_CALLS)
    Path("base.json").write_text('{"schema": "something-else"}')
    result = invoke("check", "--baseline", "base.json")
    assert result.exit_code == 2
    assert result.output == "intlint: error: base.json is not an intlint baseline (version 1); write one with `intlint baseline`\n"


def test_diff_reports_only_findings_on_changed_lines(repo):
    Path("orders.py").write_text(TWO_CALLS)
    commit_all("orders client")
    Path("orders.py").write_text(TWO_CALLS.replace("def fetch(order_id):", "def fetch(order_id, region):"))
    Path("untracked.py").write_text(BAD)
    assert findings("--diff", "HEAD") == [("untracked.py", 5, "IL401")]
    Path("orders.py").write_text(TWO_CALLS.replace('{order_id}")', '{order_id}", params={"expand": 1})'))
    assert findings("--since", "HEAD") == [("orders.py", 9, "IL401"), ("untracked.py", 5, "IL401")]


def test_diff_works_in_a_detached_head_checkout(repo):
    Path("orders.py").write_text(TWO_CALLS)
    commit_all("one")
    Path("more.py").write_text(BAD)
    commit_all("two")
    subprocess.run(["git", "checkout", "-q", "--detach", "HEAD"], check=True)
    assert findings("--diff", "HEAD~1") == [("more.py", 5, "IL401")]


def test_diff_with_an_unknown_ref_is_exit_2(repo):
    Path("orders.py").write_text(TWO_CALLS)
    commit_all("one")
    result = invoke("check", "--diff", "origin/nowhere")
    assert result.exit_code == 2
    assert result.output == "intlint: error: unknown git ref `origin/nowhere`\n"


def test_init_writes_a_config_that_loads_and_refuses_to_overwrite(repo):
    result = invoke("init")
    assert result.exit_code == 0 and result.output == "Wrote intlint.toml; edit it to taste.\n"
    text = Path("intlint.toml").read_text()
    assert 'fail-on = "warning"' in text and "# bulk-threshold = 2000" in text
    Path("orders.py").write_text(TWO_CALLS)
    assert [code for _, _, code in findings()] == ["IL401", "IL401"]  # the written file is valid config
    again = invoke("init")
    assert again.exit_code == 2 and "already configures intlint" in again.output


def test_init_can_append_to_pyproject(repo):
    Path("pyproject.toml").write_text('[project]\nname = "sync"\n')
    assert invoke("init", "--pyproject").exit_code == 0
    text = Path("pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "sync"\n') and "\n[tool.intlint]\nselect = [\"ALL\"]" in text
    Path("orders.py").write_text(TWO_CALLS)
    assert len(findings()) == 2
