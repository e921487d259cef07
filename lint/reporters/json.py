"""JSON report: a versioned, deterministic schema for scripts and dashboards.

The output is byte-identical for the same findings: keys in a fixed order,
findings in path/position order, no timestamps and no elapsed time.

Schema `intlint-report`, version 1 (a new field may be added within a version;
renaming or removing one bumps `version`):

- `schema`: always `"intlint-report"`.
- `version`: the schema version, `1`.
- `tool`: `{"name": "intlint", "version": <intlint version>}`.
- `summary`:
  - `files_scanned`: number of files read.
  - `findings`: number of reported findings.
  - `suppressed`: number of findings hidden by ignores, config or the baseline.
  - `by_severity`: `{"error": n, "warning": n, "note": n}` over reported findings.
  - `failed`: true when a finding is at or above `fail-on` (the exit code is 1).
- `findings`: a list of objects, each with
  - `code` (`"IL401"`), `name` (the rule name, `"missing-timeout"`), `message`;
  - `path`: relative to the scanned root, POSIX separators;
  - `severity`: `"error"`, `"warning"` or `"note"`;
  - `confidence`: `"high"`, `"medium"` or `"low"`;
  - `start_line`, `start_column`, `end_line`, `end_column`: 1-based;
    `end_column` is the column after the last character;
  - `hint`: a one-line fix, or null;
  - `fingerprint`: stable when lines move (it keys the baseline);
  - `related`: a list of `{path, start_line, start_column, end_line,
    end_column, message}` for the other places the finding involves.
- `notices`: run-level messages (e.g. files skipped and why), a list of strings.
"""

from __future__ import annotations

import json

from lint import __version__
from lint.findings import Finding, Location, Span
from lint.results import RunResult

SCHEMA = "intlint-report"
SCHEMA_VERSION = 1


def render(result: RunResult, *, color: bool) -> str:
    del color  # JSON is never coloured
    report = {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "tool": {"name": "intlint", "version": __version__},
        "summary": {
            "files_scanned": result.files_scanned,
            "findings": len(result.findings),
            "suppressed": len(result.suppressed),
            "by_severity": {severity.value: count for severity, count in result.counts_by_severity().items()},
            "failed": result.failed,
        },
        "findings": [_finding(finding, result) for finding in result.findings],
        "notices": list(result.notices),
    }
    return json.dumps(report, indent=2) + "\n"


def _finding(finding: Finding, result: RunResult) -> dict:
    rule = result.rule(finding.code)
    return {
        "code": finding.code,
        "name": rule.name if rule else None,
        "message": finding.message,
        "path": finding.path,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        **_span(finding.span),
        "hint": finding.hint,
        "fingerprint": finding.fingerprint,
        "related": [_related(location) for location in finding.related],
    }


def _related(location: Location) -> dict:
    return {"path": location.path, **_span(location.span), "message": location.message}


def _span(span: Span) -> dict:
    return {
        "start_line": span.start_line,
        "start_column": span.start_column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }
