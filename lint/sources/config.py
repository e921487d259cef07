"""Integration config (YAML, JSON, .properties, External Service registrations): a position-aware load, dialect
detection, then the config rules.

A file is parsed only when it could configure a Salesforce integration
(`config_dialects.worth_parsing`), and each document is checked only when it
matches a dialect or the file concerns Salesforce; the rest is not scanned and
never reported, not even when it is malformed. Each scanned document is handed
to the rules of its dialect (`ConfigRule.dialects`) through the shared model-rule
runner. The loaders are imported per format, so PyYAML is imported only when a
YAML file is linted.
"""

from __future__ import annotations

import gc
import importlib
from dataclasses import replace
from typing import Any, Mapping, Sequence

from lint.findings import Finding
from lint.rules.base import ConfigRule
from lint.sources import REGISTRATION_SUFFIX
from lint.sources.config_dialects import concerns_salesforce, detect, worth_parsing
from lint.sources.config_load import Loaded, LoadError, TooDeep
from lint.sources.config_model import ConfigDocument
from lint.sources.model import run_checks
from lint.sources.result import SourceResult, line_and_column, parse_error, skipped_template

RULE_BASE = ConfigRule
FORMATS = {".yml": "yaml", ".yaml": "yaml", ".json": "json", ".properties": "properties", REGISTRATION_SUFFIX: "registration"}
LANGUAGES = {"yaml": "YAML", "json": "JSON", "properties": "PROPERTIES", "registration": "XML"}  # for messages
NOT_SCANNED = SourceResult([], [], scanned=False)


def lint_file(path: str, data: bytes, rules: Sequence[type[ConfigRule]], options: Mapping[str, Any]) -> SourceResult:
    file_name = path.rsplit("/", 1)[-1]
    if not worth_parsing(path, data):
        return NOT_SCANNED
    text, error = _decode(path, data)
    if error is not None:
        return SourceResult([error], [])
    file_format = format_of(file_name)
    try:
        loaded = _load(file_format, text)
    except LoadError as failure:
        return skipped_template(path, data, LANGUAGES[file_format]) or SourceResult([parse_error(path, failure.line, failure.column, failure.message)], [])
    except TooDeep:
        return SourceResult([], [], notices=[f"skipped {path}: it is nested too deeply to be integration config"], scanned=False)
    concerns = concerns_salesforce(path, data)
    documents = [
        ConfigDocument(path, file_format, root, dialect, index)
        for index, root in enumerate(loaded.roots)
        if (dialect := detect(root, concerns)) is not None
    ]
    if not documents:
        return NOT_SCANNED
    findings = [
        _placed(finding, loaded)
        for document in documents
        for finding in run_checks(path, [rule for rule in rules if _reads(rule, document)], options, "check_config", document)
    ]
    return SourceResult(findings, loaded.directives, notices=_duplicate_notices(path, loaded))


def format_of(file_name: str) -> str:
    """The format of a config file by its name: a key of LANGUAGES."""
    return next(name for suffix, name in FORMATS.items() if file_name.lower().endswith(suffix))


def _placed(finding: Finding, loaded: Loaded) -> Finding:
    """The finding where it is in the file (a registration's spec is a part of the file, see config_registration)."""
    if loaded.moved is None:
        return finding
    related = tuple(replace(location, span=loaded.place(location.span)) if location.path == finding.path else location for location in finding.related)
    return replace(finding, span=loaded.place(finding.span), related=related)


def _load(file_format: str, text: str) -> Loaded:
    """Parse with the format's loader, imported only now (YAML brings in PyYAML).

    A load allocates many small objects and no reference cycles, so the cyclic garbage
    collector is paused meanwhile: its passes would otherwise take most of the time.
    """
    load = importlib.import_module(f"lint.sources.config_{file_format}").load
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return load(text)
    finally:
        if was_enabled:
            gc.enable()


def _reads(rule: type[ConfigRule], document: ConfigDocument) -> bool:
    return not rule.dialects or document.dialect in rule.dialects


def _decode(path: str, data: bytes):
    """The text (UTF-8, or UTF-16 with a byte-order mark), or an IL001 finding at the first bad byte."""
    nul = data.find(b"\0") if not data.startswith((b"\xff\xfe", b"\xfe\xff")) else -1
    if nul != -1:
        return "", parse_error(path, *line_and_column(data, nul), "the file contains a NUL byte, so it is binary or corrupt, not a config file")
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as exc:
        if path.endswith(".properties"):
            return data.decode("latin-1"), None  # what java.util.Properties reads by default
        line, column = line_and_column(data, exc.start)
        return "", parse_error(path, line, column, f"byte 0x{data[exc.start]:02x} is not valid UTF-8; save the file as UTF-8")


def _duplicate_notices(path: str, loaded: Loaded) -> list[str]:
    notices = []
    for earlier, later in loaded.duplicates:
        first, again = loaded.place(earlier.span), loaded.place(later.span)
        notices.append(f"{path}:{again.start_line}:{again.start_column}: key `{later.text}` is given twice (first on line {first.start_line}); the later value is the one used")
    return notices
