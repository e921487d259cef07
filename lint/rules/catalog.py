"""The rules' metadata without their checks: what settings, the pre-filter and the reports read.

Importing the rule modules costs more than a small run needs: they import libcst and the
source modules (DESIGN.md, "Performance"), while a run whose files are all cached or turned
away by the pre-filter runs no check at all. So the metadata of every rule, built-in and
plugin, is kept in the cache directory (`rules.json`) and reused while every file it was
read from is unchanged and no package has been installed or removed; a rule's class is
imported only when a file needs its checks (`RuleInfo.load`).

A `RuleInfo` answers what reporters and settings ask of a rule class (`code`, `name`,
`options`, `summary()`, `doc_section()`, ...), so a `Registry` may hold either.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import lint
from lint import __version__
from lint.atomic import write_text_atomically
from lint.cache import prepare_directory
from lint.findings import Confidence, Severity
from lint.rules import Registry, load_registry
from lint.rules.base import (
    EVERY_FILE,
    AllOf,
    EveryFile,
    Option,
    Requirement,
    Requires,
    Rule,
    _dedent_doc,
    _doc_sections,
    family_of,
    requirement_for,
    summary_of,
)

CATALOG_FILE = "rules.json"
FORMAT = 1
Stamp = tuple[str, int, int]  # (path, size, mtime_ns); size 0 for a directory


@dataclass(frozen=True)
class RuleInfo:
    """A rule's metadata as plain data; `load()` imports the class with its checks."""

    code: str
    name: str
    severity: Severity
    confidence: Confidence
    sources: tuple[str, ...]
    checked: tuple[str, ...]  # the kinds whose source runs its checks (none for engine rules)
    options: tuple[Option, ...]
    tags: tuple[str, ...]
    security_severity: str | None
    doc: str
    requires: Mapping[str, Requirement] | None  # by kind; None when the rule declares nothing
    module: str
    qualname: str

    @classmethod
    def of(cls, rule: type[Rule]) -> RuleInfo:
        declared = None if rule.requires is None else {kind: rule.requirement(kind) for kind in rule.sources}
        return cls(
            rule.code,
            rule.name,
            rule.severity,
            rule.confidence,
            tuple(rule.sources),
            rule.checked_kinds(),
            tuple(rule.options),
            tuple(rule.tags),
            rule.security_severity,
            rule.__doc__ or "",
            declared,
            rule.__module__,
            rule.__qualname__,
        )

    def load(self) -> type[Rule]:
        """The rule class, imported now."""
        return getattr(importlib.import_module(self.module), self.qualname)

    def family(self) -> str:
        return family_of(self.code)

    def doc_section(self, title: str) -> str:
        return _doc_sections(self.doc)[title]

    def summary(self) -> str:
        return summary_of(self.doc)

    def documentation(self) -> str:
        return _dedent_doc(self.doc)

    def requirement(self, kind: str) -> Requirement:
        return requirement_for(self.requires, kind)

    def checked_kinds(self) -> tuple[str, ...]:
        return self.checked


def load_catalog(cache_dir: Path | None) -> Registry:
    """Every rule's metadata: from `cache_dir` while it is current, else read from the rule classes (and saved there)."""
    if cache_dir is not None:
        cached = _read(cache_dir / CATALOG_FILE)
        if cached is not None:
            return cached
    classes = load_registry()
    stamp = code_stamp(classes.rules.values())
    infos = {code: RuleInfo.of(rule) for code, rule in classes.rules.items()}
    if cache_dir is not None:
        _write(cache_dir / CATALOG_FILE, infos, stamp)
    return Registry(infos, fingerprint=_digest(stamp))


def code_fingerprint(registry: Registry) -> str:
    """What identifies the code that produces findings: intlint, its rules (built-in and plugins), the Python version."""
    return registry.fingerprint or _digest(code_stamp(registry.rules.values()))


def code_stamp(rules: Iterable[Any]) -> list[Stamp]:
    """The files and folders whose change may change what the rules report: the intlint package's
    modules, each plugin rule's module, and the site-packages folders (installing or removing a
    package changes them). A new module is noticed through the module that starts using it."""
    package = Path(lint.__file__).parent
    paths: list[str] = []
    for directory, subdirectories, files in os.walk(package):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        paths += [os.path.join(directory, name) for name in sorted(files) if name.endswith(".py")]
    for rule in rules:
        module = sys.modules.get(getattr(rule, "__module__", "")) if isinstance(rule, type) else None
        source = getattr(module, "__file__", None)
        if source and not source.startswith(str(package)):
            paths.append(source)
    paths += [entry for entry in sys.path if entry.rstrip("/\\").endswith(("site-packages", "dist-packages"))]
    return [stamp for path in dict.fromkeys(paths) if (stamp := _stat(path)) is not None]


def _stat(path: str) -> Stamp | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (path, 0 if os.path.isdir(path) else status.st_size, status.st_mtime_ns)


def _digest(stamp: list[Stamp]) -> str:
    identity = json.dumps([__version__, sys.version_info[:2], stamp])
    return hashlib.blake2b(identity.encode(), digest_size=16).hexdigest()


# -- the file ------------------------------------------------------------------------


def _read(path: Path) -> Registry | None:
    """The saved catalogue if it is current; None when absent, stale, corrupt or unreadable."""
    if path.parent.is_symlink():
        return None
    try:
        saved = json.loads(path.read_bytes())
        if saved.get("format") != FORMAT or saved.get("version") != __version__ or saved.get("python") != list(sys.version_info[:2]):
            return None
        stamp = [tuple(item) for item in saved["stamp"]]
        if any(_stat(recorded[0]) != recorded for recorded in stamp):
            return None
        infos = {item["code"]: _decode_info(item) for item in saved["rules"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Registry(infos, fingerprint=_digest(stamp))


def _write(path: Path, infos: Mapping[str, RuleInfo], stamp: list[Stamp]) -> None:
    document = {
        "format": FORMAT,
        "version": __version__,
        "python": list(sys.version_info[:2]),
        "stamp": stamp,
        "rules": [_encode_info(infos[code]) for code in sorted(infos)],
    }
    try:
        prepare_directory(path.parent)
        write_text_atomically(path, json.dumps(document))
    except OSError:
        pass  # a read-only checkout: the metadata is read from the classes next time too


def _encode_info(info: RuleInfo) -> dict[str, Any]:
    return {
        "code": info.code,
        "name": info.name,
        "severity": info.severity.value,
        "confidence": info.confidence.value,
        "sources": list(info.sources),
        "checked": list(info.checked),
        "options": [{"name": option.name, "default": _encode_value(option.default), "help": option.help} for option in info.options],
        "tags": list(info.tags),
        "security_severity": info.security_severity,
        "doc": info.doc,
        "requires": None if info.requires is None else {kind: encode_requirement(value) for kind, value in info.requires.items()},
        "module": info.module,
        "qualname": info.qualname,
    }


def _decode_info(item: Mapping[str, Any]) -> RuleInfo:
    requires = item["requires"]
    return RuleInfo(
        code=str(item["code"]),
        name=str(item["name"]),
        severity=Severity(item["severity"]),
        confidence=Confidence(item["confidence"]),
        sources=tuple(item["sources"]),
        checked=tuple(item["checked"]),
        options=tuple(Option(str(o["name"]), _decode_value(o["default"]), str(o["help"])) for o in item["options"]),
        tags=tuple(item["tags"]),
        security_severity=item["security_severity"],
        doc=str(item["doc"]),
        requires=None if requires is None else {str(kind): decode_requirement(value) for kind, value in requires.items()},
        module=str(item["module"]),
        qualname=str(item["qualname"]),
    )


def encode_requirement(requirement: Requirement) -> dict[str, Any]:
    if isinstance(requirement, EveryFile):
        return {"every_file": True}
    if isinstance(requirement, AllOf):
        return {"all_of": [encode_requirement(part) for part in requirement.parts]}
    return {"imports": list(requirement.imports), "markers": list(requirement.markers), "patterns": list(requirement.patterns)}


def decode_requirement(value: Mapping[str, Any]) -> Requirement:
    if value.get("every_file"):
        return EVERY_FILE
    if "all_of" in value:
        parts = [decode_requirement(part) for part in value["all_of"]]
        if not all(isinstance(part, Requires) for part in parts):
            raise ValueError("`all_of` holds only plain requirements")
        return AllOf(tuple(parts))
    return Requires(tuple(map(str, value["imports"])), tuple(map(str, value["markers"])), tuple(map(str, value["patterns"])))


def _encode_value(value: Any) -> Any:
    """Option defaults keep their type through JSON: tuples are tagged (TOML lists become tuples)."""
    return {"tuple": [_encode_value(item) for item in value]} if isinstance(value, tuple) else value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(_decode_value(item) for item in value["tuple"])
    return value
