"""SARIF 2.1.0 for GitHub code scanning, built with the sarif-om object model.

What GitHub needs and shows: one run; `results` always present; each rule once
with a readable `name`, descriptions, Markdown help, a default level, tags,
`precision` and (security rules only) `security-severity`; each result with
`ruleIndex`, an explicit `level`, one repo-relative location under
`%SRCROOT%`, and `partialFingerprints` so alerts follow code that moves.
Related locations are `relatedLocations`; several of them are the steps of a
path (trigger -> handler -> callout), so they are also a `codeFlows` thread
flow, which GitHub shows step by step under "Show paths".
Suppressed findings are kept as results with their suppression and reason.
Output is deterministic: no timestamps, no invocation, sorted keys.
"""

from __future__ import annotations

import json

import attr
import sarif_om as om
from jschema_to_python.to_json import to_json

from lint import INFORMATION_URI, __version__
from lint.findings import Confidence, Finding, Location, Span
from lint.reporters import message_with_hint
from lint.results import RunResult, Suppressed
from lint.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "intlintFingerprint/v1"
SRCROOT = "%SRCROOT%"
_PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
# Inline and file-level ignores live in the source; config and baseline do not.
_SUPPRESSION_KINDS = {"inline": "inSource", "file": "inSource", "config": "external", "baseline": "external"}


@attr.s
class _Properties(om.PropertyBag):
    """sarif-om's PropertyBag models only `tags`; these are the other keys we set.

    Fields use the generated classes' `schema_property_name` convention, which is
    how `to_json` spells `security-severity` (not a Python identifier).
    """

    precision = attr.ib(default=None, metadata={"schema_property_name": "precision"})
    security_severity = attr.ib(default=None, metadata={"schema_property_name": "security-severity"})
    confidence = attr.ib(default=None, metadata={"schema_property_name": "confidence"})


def render(result: RunResult, *, color: bool) -> str:
    del color  # SARIF is never coloured
    rules = _rules(result)
    indexes = {rule.code: index for index, rule in enumerate(rules)}
    results = [_result(finding, indexes) for finding in result.findings]
    results += [_result(item.finding, indexes, item) for item in result.suppressed]
    driver = om.ToolComponent(
        name="intlint",
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=[_descriptor(rule) for rule in rules],
    )
    run = om.Run(tool=om.Tool(driver=driver), results=results, column_kind="unicodeCodePoints")
    log = om.SarifLog(runs=[run], version="2.1.0", schema_uri=SCHEMA_URI)
    document = json.loads(to_json(log))
    _restore_default_levels(document)
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _rules(result: RunResult) -> list[type[Rule]]:
    """Every rule that ran, once each, by code (a finding's rule is always among them)."""
    return [rule for _, rule in sorted({rule.code: rule for rule in result.rules}.items())]


def _descriptor(rule: type[Rule]) -> om.ReportingDescriptor:
    security = rule.family() == "security" or rule.security_severity is not None
    tags = list(dict.fromkeys((rule.family(), *rule.tags, *(("security",) if security else ()))))
    documentation = rule.documentation()
    return om.ReportingDescriptor(
        id=rule.code,
        name=_pascal_case(rule.name),
        short_description=om.MultiformatMessageString(text=rule.summary()),
        full_description=om.MultiformatMessageString(
            text=f"{rule.doc_section('What it does')}\n\n{rule.doc_section('Why it matters')}"
        ),
        help=om.MultiformatMessageString(text=_plain_text(documentation), markdown=documentation),
        default_configuration=om.ReportingConfiguration(level=rule.severity.value),
        properties=_Properties(
            tags=tags,
            precision=_PRECISION[rule.confidence],
            security_severity=rule.security_severity,
        ),
    )


def _result(finding: Finding, indexes: dict[str, int], suppressed: Suppressed | None = None) -> om.Result:
    related = [
        _location(location.path, location.span, location.message, location_id=index)
        for index, location in enumerate(finding.related)
    ]
    return om.Result(
        rule_id=finding.code,
        rule_index=indexes.get(finding.code, -1),  # -1 is sarif-om's "unset": omitted
        level=finding.severity.value,
        message=om.Message(text=message_with_hint(finding)),
        locations=[_location(finding.path, finding.span)],
        related_locations=related or None,
        code_flows=[_code_flow(finding.related)] if len(finding.related) > 1 else None,
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint} if finding.fingerprint else None,
        suppressions=[_suppression(suppressed)] if suppressed else None,
        properties=_Properties(confidence=finding.confidence.value),
    )


def _location(path: str, span: Span, message: str = "", location_id: int = -1) -> om.Location:
    # id -1 is sarif-om's "unset": only related locations get one.
    return om.Location(
        id=location_id,
        physical_location=om.PhysicalLocation(
            artifact_location=om.ArtifactLocation(uri=path, uri_base_id=SRCROOT),
            region=om.Region(
                start_line=span.start_line,
                start_column=span.start_column,
                end_line=span.end_line,
                end_column=span.end_column,
            ),
        ),
        message=om.Message(text=message) if message else None,
    )


def _code_flow(steps: tuple[Location, ...]) -> om.CodeFlow:
    """The steps of a path, in execution order, as one thread flow."""
    flow = [om.ThreadFlowLocation(location=_location(step.path, step.span, step.message)) for step in steps]
    return om.CodeFlow(thread_flows=[om.ThreadFlow(locations=flow)])


def _suppression(suppressed: Suppressed) -> om.Suppression:
    return om.Suppression(
        kind=_SUPPRESSION_KINDS.get(suppressed.how, "external"),
        justification=suppressed.reason or None,
    )


def _restore_default_levels(document: dict) -> None:
    """Put back the `level`s that `to_json` dropped for equalling sarif-om's default ("warning").

    Without it a warning result of a rule whose default is error would show as an error.
    """
    run = document["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        rule["defaultConfiguration"].setdefault("level", "warning")
    for result in run["results"]:
        result.setdefault("level", "warning")


def _pascal_case(kebab: str) -> str:
    return "".join(part.capitalize() for part in kebab.split("-"))


def _plain_text(markdown: str) -> str:
    """The Markdown docs without headings' `##` and code fences; code is indented instead."""
    lines, in_code = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif line.startswith("## "):
            lines.append(line[3:])
        else:
            lines.append(f"    {line}" if in_code and line else line)
    return "\n".join(lines)
