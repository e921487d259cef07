"""Running rules that check a per-file model (Apex, XML) instead of visiting a syntax tree.

Such a source parses a file into plain data (`Site`s for everything a rule can
point at), then calls each rule's `check` once; `report` collects what the rule
found and `findings` turns it into `Finding`s with stable fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Protocol, Sequence

from lint.findings import Confidence, Finding, Location, Severity, Span, fingerprint

if TYPE_CHECKING:
    from lint.rules.base import ModelRule


@dataclass(frozen=True)
class Site:
    """A place a rule can report: its span and its source text (which keys the fingerprint)."""

    span: Span
    text: str

    def brief(self, limit: int = 60) -> str:
        """The text on one line, shortened for a message: `http.send(req)`."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class Located(Protocol):
    """A model node that knows where it is: its site, and the scope that keys its fingerprint (a config key)."""

    site: Site

    @property
    def scope(self) -> str: ...


@dataclass(frozen=True)
class _Report:
    code: str
    site: Site
    scope: str
    message: str
    hint: str | None
    severity: Severity
    confidence: Confidence
    related: tuple[Location, ...]


class ModelContext:
    """What a model rule reports into, for one file."""

    def __init__(self, path: str, options: Mapping[str, Any]) -> None:
        self.path = path
        self.options = options
        self._reports: list[_Report] = []

    def option(self, name: str) -> Any:
        return self.options[name]

    def report(self, rule: ModelRule, target: Site | Located, message: str, *, scope: str | None = None, **details: Any) -> None:
        """Record a finding at `target`; a located node brings its own scope unless `scope` is given."""
        if not isinstance(target, Site):
            target, scope = target.site, target.scope if scope is None else scope
        self._reports.append(_Report(rule.code, target, scope or "", message, **details))

    def findings(self) -> list[Finding]:
        return [
            Finding(
                code=report.code,
                message=report.message,
                path=self.path,
                span=report.site.span,
                severity=report.severity,
                confidence=report.confidence,
                hint=report.hint,
                related=report.related,
                fingerprint=fingerprint(report.code, self.path, report.scope, report.site.text),
            )
            for report in self._reports
        ]


def run_checks(path: str, rules: Sequence[type[ModelRule]], options: Mapping[str, Any], method: str, *model: Any) -> list[Finding]:
    """Each rule's check `method` for the model's kind (`check_apex(*model)`) once, in code order; the findings they reported."""
    context = ModelContext(path, options)
    for rule in sorted(rules, key=lambda rule: rule.code):
        getattr(rule(context), method)(*model)
    return context.findings()
