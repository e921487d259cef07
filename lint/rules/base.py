"""Rule base classes. A rule is one class: metadata, docs, examples and checks.

Metadata is validated when the class is created, so a rule without docs or
examples never loads. The examples are the rule's unit tests and its docs.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Sequence

from lint.errors import UserError
from lint.findings import Confidence, Location, Severity
from lint.sources import KINDS, KINDS_BY_NAME

if TYPE_CHECKING:
    import libcst as cst

    from typing import Callable

    from lint.sources.apex_index import ApexIndex
    from lint.sources.apex_model import ApexFile
    from lint.sources.config_dialects import Dialect
    from lint.sources.config_model import ConfigDocument
    from lint.sources.model import Located, ModelContext, Site
    from lint.sources.python import LoopFilter, LoopMessage, PythonContext
    from lint.sources.python_facts import PythonFacts
    from lint.sources.xml import XmlDocument


DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Use instead")
CODE_PATTERN = re.compile(r"^IL\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
FAMILIES = {
    "IL0": "linter",
    "IL1": "idempotency",
    "IL2": "bulk",
    "IL3": "callouts",
    "IL4": "retry",
    "IL5": "security",
    "IL6": "events",
}


class RuleDefinitionError(UserError, TypeError):
    """A rule class is missing metadata, docs or examples."""


@dataclass(frozen=True)
class Example:
    """A snippet for a rule; `path` picks its source kind like a real file would."""

    code: str
    path: str = ""  # defaults to the example file name of the rule's first source
    line: int | None = None  # for invalid examples: the line the finding must start on


@dataclass(frozen=True)
class Option:
    """A rule setting read from `[tool.intlint]`, e.g. `bulk-threshold = 2000`."""

    name: str
    default: Any
    help: str

    def check(self, value: Any) -> Any:
        """The value if it has the default's type (TOML lists become tuples), else ValueError."""
        expected = type(self.default)
        if isinstance(self.default, tuple) and isinstance(value, list):
            value = tuple(value)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool) != isinstance(self.default, bool):
            raise ValueError(f"option `{self.name}` must be {expected.__name__}, not {value!r}")
        return value


@dataclass(frozen=True)
class Requires:
    """What a file must contain for a rule to possibly fire: any one of these is enough.

    The engine reads it from the enabled rules (`Rule.requires`) and checks a file's bytes
    against it before parsing (lint.prefilter): a file that meets no enabled rule's
    requirement is never parsed. It must over-approximate: every file on which the rule
    could report something meets it, so a finding is never lost, only a parse saved.

    - `imports`: Python packages or modules the file imports, read from import statements,
      not from bare words: `requests` is met by `import requests.adapters`,
      `from requests import Session` and `import os, requests`, not by `# requests`;
      `urllib.request` by `import urllib`, `from urllib import request` and
      `from urllib.request import urlopen`, not by `from urllib.parse import quote`.
    - `markers`: literal text anywhere in the file, matched case-insensitively (`/services/data`).
    - `patterns`: regular expressions (on the bytes), for shapes no literal says: `\\w__e\\b`.

    `a | b` is met when either is, `a & b` when both are. `Requires()` is met by no file: a
    rule declaring it reports only on files other rules read (IL001).
    """

    imports: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    def __or__(self, other: "Requires") -> "Requires":
        if not isinstance(other, Requires):
            return NotImplemented
        return Requires(
            tuple(dict.fromkeys((*self.imports, *other.imports))),
            tuple(dict.fromkeys((*self.markers, *other.markers))),
            tuple(dict.fromkeys((*self.patterns, *other.patterns))),
        )

    def __and__(self, other: "Requires | AllOf") -> "AllOf":
        return AllOf((self,)) & other

    def problems(self, kind: str) -> list[str]:
        """What is wrong with this requirement for files of `kind`: imports outside Python, bad names or patterns."""
        found = []
        if self.imports and kind != "py":
            found.append(f"`imports` applies to Python files only, not to {kind!r}")
        found += [f"import {name!r} is not a dotted module name" for name in self.imports if not _MODULE.match(name)]
        found += [f"marker {marker!r} must be non-empty ASCII text" for marker in self.markers if not marker or not marker.isascii()]
        for pattern in self.patterns:
            try:
                re.compile(pattern.encode())
            except (re.error, UnicodeEncodeError) as error:
                found.append(f"pattern {pattern!r} does not compile: {error}")
        return found


@dataclass(frozen=True)
class AllOf:
    """Met when every part is: `Requires(imports=("requests",)) & Requires(markers=("async",))`."""

    parts: tuple[Requires, ...]

    def __and__(self, other: "Requires | AllOf") -> "AllOf":
        if isinstance(other, Requires):
            return AllOf((*self.parts, other))
        if isinstance(other, AllOf):
            return AllOf((*self.parts, *other.parts))
        return NotImplemented

    def problems(self, kind: str) -> list[str]:
        return [problem for part in self.parts for problem in part.problems(kind)]


@dataclass(frozen=True)
class EveryFile:
    """Met by every file: the rule reads every file of its kinds, whatever it contains.

    Also what a rule without a `requires` declaration is treated as (the safe default).
    """

    def problems(self, kind: str) -> list[str]:
        return []


EVERY_FILE = EveryFile()
Requirement = Requires | AllOf | EveryFile
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class Rule:
    """Base of every rule. Subclass a source base (PythonRule, ...) rather than this."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence]
    sources: ClassVar[tuple[str, ...]]
    valid: ClassVar[Sequence[Example | str]]
    invalid: ClassVar[Sequence[Example | str]]
    options: ClassVar[tuple[Option, ...]] = ()
    tags: ClassVar[tuple[str, ...]] = ()
    # CVSS-like score as a string ("7.5"); only for security rules (GitHub ranks alerts by it).
    security_severity: ClassVar[str | None] = None
    source_kind: ClassVar[str | None] = None  # set by the per-source base classes
    # What a file must contain for the rule to fire (see Requires): one requirement for all its
    # sources, or one per source kind (`{"py": ..., "cfg": ...}`). None: not declared, so every file.
    requires: ClassVar["Requirement | Mapping[str, Requirement] | None"] = None
    abstract: ClassVar[bool] = True

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract = abstract
        if abstract:
            return
        if not getattr(cls, "sources", ()):
            cls.sources = cls.checked_kinds()
        _validate(cls)
        cls.valid = tuple(_as_example(cls, example) for example in cls.valid)
        cls.invalid = tuple(_as_example(cls, example) for example in cls.invalid)

    def __init__(self, context: "PythonContext | ModelContext") -> None:
        # One instance per file and source kind: a rule with several sources gets the context of the
        # kind being linted, and the same `option`/`report` work in all of them.
        self.context = context

    def option(self, name: str) -> Any:
        return self.context.option(name)

    def report(
        self,
        target: "cst.CSTNode | Site | Located",
        message: str,
        *,
        scope: str | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        related: tuple[Location, ...] = (),
    ) -> None:
        """Report `target`: a libcst node (Python), a model `Site`, or a model node that knows its site
        and scope (a config key or value). `scope` overrides the enclosing scope that keys the
        fingerprint; by default the source works it out."""
        self.context.report(
            self,
            target,
            message,
            scope=scope,
            hint=hint,
            severity=severity or self.severity,
            confidence=confidence or self.confidence,
            related=related,
        )

    @classmethod
    def family(cls) -> str:
        return family_of(cls.code)

    @classmethod
    def doc_section(cls, title: str) -> str:
        return _doc_sections(cls.__doc__ or "")[title]

    @classmethod
    def summary(cls) -> str:
        """The first sentence of "What it does", for tables and SARIF short descriptions."""
        return summary_of(cls.__doc__ or "")

    @classmethod
    def documentation(cls) -> str:
        """The docstring as Markdown, dedented."""
        return _dedent_doc(cls.__doc__ or "")

    @classmethod
    def requirement(cls, kind: str) -> "Requirement":
        """What a file of `kind` must contain for this rule to fire (EVERY_FILE when undeclared)."""
        return requirement_for(cls.requires, kind)

    @classmethod
    def checked_kinds(cls) -> tuple[str, ...]:
        """The source kinds whose source module runs this rule's checks (none for engine rules)."""
        return tuple(dict.fromkeys(base.source_kind for base in cls.__mro__ if base.__dict__.get("source_kind")))


class PythonRule(Rule, abstract=True):
    """A libcst visitor run in the file's single traversal, with every other Python rule (python_walk).

    Define `visit_<Node>` / `leave_<Node>` methods and call `self.report(node, message)`.
    Shared facts (imports, clients, loops) are in `self.facts`.
    """

    source_kind = "py"
    # libcst metadata providers this rule needs; resolved once per file, only when asked for.
    metadata: ClassVar[tuple[type, ...]] = ()
    # Whether the rule reads `python_loops.loop_shape`: the facts then read each loop's shape once, on entry.
    needs_loop_shapes: ClassVar[bool] = False

    def __init__(self, context: "PythonContext | ModelContext") -> None:
        super().__init__(context)
        # An attribute, not a property: rules read it hundreds of thousands of times a run. A rule that
        # also reads other kinds of file has no facts there.
        self.facts: PythonFacts = getattr(context, "facts", None)  # type: ignore[assignment]

    @classmethod
    def visitor_names(cls) -> tuple[str, ...]:
        names = cls.__dict__.get("_visitor_names")
        if names is None:
            names = tuple(n for n in dir(cls) if n.startswith(("visit_", "leave_")) and callable(getattr(cls, n)))
            cls._visitor_names = names
        return names

    def get_visitors(self) -> dict[str, Any]:
        """libcst's batched-visitor protocol, which the traversal (python_walk) speaks."""
        return {name: getattr(self, name) for name in self.visitor_names()}

    def get_metadata(self, provider: type, node: "cst.CSTNode") -> Any:
        return self.context.metadata(provider, node)

    def report_in_loop(
        self,
        node: "cst.CSTNode",
        message: "LoopMessage",
        *,
        skip: "LoopFilter | None" = None,
        hint: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
    ) -> None:
        """Report `node` when it runs in a loop, directly or through one same-module call.

        The loop is the innermost enclosing one for which `skip(loop)` is false (all of them
        when `skip` is None): a write in a retry loop inside a loop over rows is judged by the
        loop over rows. `message(loop, loop_line)` builds the text once the loop is known;
        returning None drops the finding.
        """
        self.context.report_in_loop(
            self,
            node,
            message,
            skip,
            hint=hint,
            severity=severity or self.severity,
            confidence=confidence or self.confidence,
            related=(),
        )

    def report_later(
        self,
        node: "cst.CSTNode",
        message: "Callable[[], str | None]",
        *,
        hint: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
    ) -> None:
        """Report `node` once the whole file has been read, if `message()` then returns text.

        For findings that depend on code after the node (does the function follow the
        query's `nextRecordsUrl` further down?) without walking it again.
        """
        self.context.report_later(
            self,
            node,
            message,
            hint=hint,
            severity=severity or self.severity,
            confidence=confidence or self.confidence,
            related=(),
        )


class ModelRule(Rule, abstract=True):
    """A rule that reads a source's parsed model of the file in one call of its kind's check method.

    Each source kind has its own method (`check_apex`, `check_xml`, `check_config`), so one
    rule can read several kinds: `class Rule(PythonRule, ConfigRule, ApexRule)`. The method
    looks at the model and calls `self.report(site, message, ...)` for each
    problem, where `site` is any `Site` of the model (a call, a declaration, an
    element) or a model node that carries its own site and scope (a config key).
    `scope` names the enclosing declaration (`OrderService.push`): it keys the
    finding's fingerprint, so baselines survive code moving within the file.
    """


class ApexRule(ModelRule, abstract=True):
    """A rule over one Apex file (`.cls`, `.trigger`) with the whole repository's Apex index.

    `check_apex(unit, index)` gets the file's declarations (`unit.types`, `unit.triggers`,
    each routine's `steps` in source order) and the index built once per run from
    every Apex file: type lookup, call resolution and the paths from a step to a
    callout or a write (`index.paths`).
    """

    source_kind = "apex"

    def check_apex(self, unit: "ApexFile", index: "ApexIndex") -> None:
        raise NotImplementedError


class XmlRule(ModelRule, abstract=True):
    """A rule over one Salesforce metadata file (`*-meta.xml`): `check_xml(document)` reads its elements."""

    source_kind = "xml"
    # File-name endings the rule reads (`__e.object-meta.xml`); empty: every metadata file.
    files: ClassVar[tuple[str, ...]] = ()

    def check_xml(self, document: "XmlDocument") -> None:
        raise NotImplementedError


class ConfigRule(ModelRule, abstract=True):
    """A rule over one YAML, JSON or .properties document: `check_config(document)` reads it.

    `document.dialect` says what the document configures (CumulusCI mapping, Camel route,
    Kafka Connect connector, tap, OpenAPI spec, or generic Salesforce settings); the rule
    reads only the `dialects` it names (all scanned documents when empty). Select what to
    check with path patterns (`document.select("*.batch_size")`, see `config_paths`) or the
    dialect helpers (`config_dialects.mapping_steps`, `config_camel.endpoints`,
    `config_openapi.operations`), and report a key or value node: `self.report(match.at, ...)`.
    `config_model.is_reference` tells values filled in from the environment or a secret store.
    A rule with a Python part too lists both bases: `class Rule(PythonRule, ConfigRule)`.
    """

    source_kind = "cfg"
    dialects: ClassVar[tuple["Dialect", ...]] = ()

    def check_config(self, document: "ConfigDocument") -> None:
        raise NotImplementedError


class LinterRule(Rule, abstract=True):
    """A rule reported by the engine itself (parse errors, unused suppressions), for every parsed kind."""

    sources: ClassVar[tuple[str, ...]] = tuple(kind.name for kind in KINDS if kind.module)


def _validate(cls: type[Rule]) -> None:
    where = f"rule class {cls.__module__}.{cls.__qualname__}"
    for attr in ("code", "name", "severity", "confidence", "valid", "invalid"):
        if not hasattr(cls, attr):
            raise RuleDefinitionError(f"{where} has no `{attr}`")
    if not CODE_PATTERN.match(cls.code):
        raise RuleDefinitionError(f"{where}: code {cls.code!r} is not like IL123")
    if not NAME_PATTERN.match(cls.name):
        raise RuleDefinitionError(f"{where}: name {cls.name!r} must be kebab-case, e.g. missing-timeout")
    if not isinstance(cls.severity, Severity) or not isinstance(cls.confidence, Confidence):
        raise RuleDefinitionError(f"{where}: severity and confidence must be Severity and Confidence members")
    if not cls.sources or any(kind not in KINDS_BY_NAME for kind in cls.sources):
        raise RuleDefinitionError(f"{where}: sources {cls.sources!r} must name known source kinds")
    sections = _doc_sections(cls.__doc__ or "")
    missing = [title for title in DOC_SECTIONS if title not in sections]
    if missing:
        raise RuleDefinitionError(f"{where}: docstring lacks the sections {', '.join(missing)}")
    if not cls.valid or not cls.invalid:
        raise RuleDefinitionError(f"{where} needs at least one `valid` and one `invalid` example")
    if cls.security_severity is not None:
        try:
            float(cls.security_severity)
        except ValueError:
            raise RuleDefinitionError(f"{where}: security_severity must be a numeric string") from None
    _validate_requires(cls, where)


def _validate_requires(cls: type[Rule], where: str) -> None:
    requires = cls.requires
    if requires is None:
        return
    if isinstance(requires, Mapping):
        if set(requires) != set(cls.sources):
            raise RuleDefinitionError(f"{where}: `requires` by kind must name exactly its sources {cls.sources!r}, not {tuple(requires)!r}")
        declared = dict(requires)
    else:
        declared = {kind: requires for kind in cls.sources}
    for kind, requirement in declared.items():
        if not isinstance(requirement, (Requires, AllOf, EveryFile)):
            raise RuleDefinitionError(f"{where}: `requires` must be a Requires (or `a | b`, `a & b`, EVERY_FILE), not {requirement!r}")
        problems = requirement.problems(kind)
        if problems:
            raise RuleDefinitionError(f"{where}: `requires`: {'; '.join(problems)}")


def requirement_for(requires: "Requirement | Mapping[str, Requirement] | None", kind: str) -> "Requirement":
    """The requirement a rule declares for files of `kind`; EVERY_FILE when it declares none."""
    if requires is None:
        return EVERY_FILE
    if isinstance(requires, Mapping):
        return requires.get(kind, EVERY_FILE)
    return requires


def family_of(code: str) -> str:
    return FAMILIES.get(code[:3], "other")


def summary_of(doc: str) -> str:
    """The first sentence of a rule docstring's "What it does"."""
    text = " ".join(_doc_sections(doc)["What it does"].split())
    match = re.match(r"(.+?\.)(\s|$)", text)
    return match.group(1) if match else text


def _as_example(cls: type[Rule], example: Example | str) -> Example:
    if isinstance(example, str):
        example = Example(example)
    if not example.path:
        example = Example(example.code, KINDS_BY_NAME[cls.sources[0]].example_path, example.line)
    return example


_HEADING = re.compile(r"^\s*##\s+(.+?)\s*$", re.MULTILINE)


def _doc_sections(doc: str) -> dict[str, str]:
    text = _dedent_doc(doc)
    parts = _HEADING.split(text)
    # parts = [preamble, title1, body1, title2, body2, ...]
    return {title: body.strip() for title, body in zip(parts[1::2], parts[2::2])}


def _dedent_doc(doc: str) -> str:
    return inspect.cleandoc(doc)
