"""Inline and file-wide suppressions, per-file-ignores, --no-ignores and IL002."""

from __future__ import annotations

from tests.conftest import lint_snippet

NO_TIMEOUT = "`requests.get` has no `timeout=`"


def codes_and_lines(outcome):
    return [(f.code, f.span.start_line) for f in outcome.findings]


def test_unsuppressed_finding_is_reported():
    outcome = lint_snippet("import requests\nrequests.get(url)\n")
    assert codes_and_lines(outcome) == [("IL401", 2)]
    assert outcome.findings[0].message.startswith(NO_TIMEOUT)


def test_ignore_on_the_flagged_line_keeps_its_reason():
    outcome = lint_snippet("import requests\nrequests.get(url)  # intlint: ignore[IL401] mock server in tests\n")
    assert outcome.findings == []
    [suppressed] = outcome.suppressed
    assert (suppressed.finding.code, suppressed.how, suppressed.reason) == ("IL401", "inline", "mock server in tests")


def test_ignore_on_the_line_above():
    outcome = lint_snippet("import requests\n# intlint: ignore[IL401] streaming download, bounded elsewhere\nrequests.get(url)\n")
    assert outcome.findings == []


def test_ignore_anywhere_in_a_multi_line_statement():
    code = """\
    import requests
    response = requests.post(
        url,
        json=payload,  # intlint: ignore[IL401] long-running export, killed by the scheduler
    )
    """
    outcome = lint_snippet(code)
    assert outcome.findings == [] and len(outcome.suppressed) == 1


def test_ignore_in_a_compound_header_does_not_cover_its_body():
    code = """\
    import requests
    for url in urls:  # intlint: ignore[IL401]
        requests.get(url)
    """
    outcome = lint_snippet(code)
    assert codes_and_lines(outcome) == [("IL002", 2), ("IL401", 3)]


def test_ignore_two_lines_above_does_not_apply():
    outcome = lint_snippet("import requests\n# intlint: ignore[IL401]\n\nrequests.get(url)\n")
    assert codes_and_lines(outcome) == [("IL002", 2), ("IL401", 4)]


def test_other_codes_do_not_suppress():
    outcome = lint_snippet("import requests\nrequests.get(url)  # intlint: ignore[IL299]\n")
    assert [f.code for f in outcome.findings] == ["IL401", "IL002"]
    assert outcome.findings[1].message == "`intlint: ignore[IL299]` names no known rule; see `intlint rules` for the codes."


def test_ignore_file_applies_everywhere():
    outcome = lint_snippet("# intlint: ignore-file[IL401] vendored client\nimport requests\nrequests.get(a)\nrequests.get(b)\n")
    assert outcome.findings == []
    assert [s.how for s in outcome.suppressed] == ["file", "file"]


def test_bare_ignore_is_rejected_as_ambiguous():
    outcome = lint_snippet("import requests\nrequests.get(url)  # intlint: ignore\n")
    assert codes_and_lines(outcome) == [("IL401", 2), ("IL002", 2)]
    assert "names no rule code, which is ambiguous" in outcome.findings[1].message


def test_unused_ignore_is_reported():
    outcome = lint_snippet("import requests\nrequests.get(url, timeout=5)  # intlint: ignore[IL401]\n")
    [finding] = outcome.findings
    assert (finding.code, finding.span.start_line, finding.span.start_column) == ("IL002", 2, 31)
    assert finding.message == "`intlint: ignore[IL401]` suppresses nothing: no IL401 finding here; remove it."


def test_ignore_of_a_rule_that_did_not_run_is_not_called_unused():
    outcome = lint_snippet("import requests\nrequests.get(url)  # intlint: ignore[IL401]\n", selected=frozenset({"IL002"}))
    assert outcome.findings == []


def test_text_inside_a_string_is_not_a_directive():
    outcome = lint_snippet('import requests\nrequests.get("# intlint: ignore[IL401]")\n')
    assert codes_and_lines(outcome) == [("IL401", 2)]


def test_no_ignores_reports_everything_and_no_il002():
    code = "# intlint: ignore-file[IL401]\nimport requests\nrequests.get(url)  # intlint: ignore[IL401]\n"
    outcome = lint_snippet(code, respect_ignores=False)
    assert codes_and_lines(outcome) == [("IL401", 3)]


def test_per_file_ignores_suppress_by_glob():
    ignores = (("legacy/*.py", frozenset({"IL401"})),)
    outcome = lint_snippet("import requests\nrequests.get(url)\n", path="legacy/old_sync.py", per_file_ignores=ignores)
    assert outcome.findings == []
    assert [(s.how, s.reason) for s in outcome.suppressed] == [("config", "per-file-ignores")]
    elsewhere = lint_snippet("import requests\nrequests.get(url)\n", path="jobs/sync.py", per_file_ignores=ignores)
    assert codes_and_lines(elsewhere) == [("IL401", 2)]


def test_ignore_on_the_closing_line_of_a_multi_line_decorator():
    code = """\
    import functools
    import requests

    @functools.lru_cache(
        maxsize=requests.get(url).json()["size"],
    )  # intlint: ignore[IL401] resolved once at import from a local sidecar
    def limits():
        return {}
    """
    outcome = lint_snippet(code)
    assert outcome.findings == [] and [s.finding.span.start_line for s in outcome.suppressed] == [5]
