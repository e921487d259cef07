"""Adopting intlint on an existing codebase: record today's findings, report only new ones.

Findings are matched by fingerprint (rule, file, enclosing scope and the flagged
code without whitespace), so moving code, adding lines above it or reformatting
it does not bring a baselined finding back, while the same anti-pattern written
in another place or another file is reported.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from lint.errors import UserError
from lint.findings import Finding
from lint.results import RunResult, Suppressed

SCHEMA = "intlint-baseline"
VERSION = 1


class BaselineError(UserError):
    """The baseline file is missing or not a baseline; the message is one line."""


@dataclass(frozen=True)
class Baseline:
    fingerprints: Counter  # fingerprint -> how many findings share it

    def apply(self, result: RunResult) -> RunResult:
        """Move findings found in the baseline to `suppressed`; count entries that matched nothing as fixed."""
        remaining = Counter(self.fingerprints)
        kept: list[Finding] = []
        known: list[Suppressed] = []
        for finding in result.findings:
            if remaining[finding.fingerprint] > 0:
                remaining[finding.fingerprint] -= 1
                known.append(Suppressed(finding, "baseline", "in the baseline"))
            else:
                kept.append(finding)
        suppressed = tuple(sorted((*result.suppressed, *known), key=lambda item: item.finding.sort_key()))
        return replace(result, findings=tuple(kept), suppressed=suppressed, baseline_fixed=sum(remaining.values()))


def render_baseline(result: RunResult) -> str:
    """The baseline file for a run's findings: sorted, so it diffs cleanly in review."""
    entries = [
        {"fingerprint": f.fingerprint, "code": f.code, "path": f.path, "line": f.span.start_line, "message": f.message}
        for f in sorted(result.findings, key=Finding.sort_key)
    ]
    return json.dumps({"schema": SCHEMA, "version": VERSION, "findings": entries}, indent=2) + "\n"


def load_baseline(path: Path) -> Baseline:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"cannot read baseline {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise BaselineError(f"baseline {path} is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA or document.get("version") != VERSION:
        raise BaselineError(f"{path} is not an intlint baseline (version {VERSION}); write one with `intlint baseline`")
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise BaselineError(f"baseline {path} has malformed findings; write it again with `intlint baseline`")
    return Baseline(Counter(entry["fingerprint"] for entry in entries))
