"""Rule base classes. A rule is one class: metadata, docs, examples and checks.

Metadata is validated when the class is created, so a rule without docs or
examples never loads. The examples are the rule's unit tests and its docs.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

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


class RuleDefinitionError(TypeError):
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
    abstract: ClassVar[bool] = True

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract = abstract
        if abstract:
            return
        if not getattr(cls, "sources", ()):
            cls.sources = tuple(dict.fromkeys(base.source_kind for base in cls.__mro__ if base.__dict__.get("source_kind")))
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
        return FAMILIES.get(cls.code[:3], "other")

    @classmethod
    def doc_section(cls, title: str) -> str:
        return _doc_sections(cls.__doc__ or "")[title]

    @classmethod
    def summary(cls) -> str:
        """The first sentence of "What it does", for tables and SARIF short descriptions."""
        text = " ".join(cls.doc_section("What it does").split())
        match = re.match(r"(.+?\.)(\s|$)", text)
        return match.group(1) if match else text

    @classmethod
    def documentation(cls) -> str:
        """The docstring as Markdown, dedented."""
        return _dedent_doc(cls.__doc__ or "")


class PythonRule(Rule, abstract=True):
    """A libcst visitor run in the file's single batched traversal.

    Define `visit_<Node>` / `leave_<Node>` methods and call `self.report(node, message)`.
    Shared facts (imports, clients, loops) are in `self.facts`.
    """

    source_kind = "py"
    # libcst metadata providers this rule needs; resolved once per file, only when asked for.
    metadata: ClassVar[tuple[type, ...]] = ()
    # Whether the rule reads `python_loops.loop_shape`: the facts then read each loop's shape once, on entry.
    needs_loop_shapes: ClassVar[bool] = False

    @property
    def facts(self) -> "PythonFacts":
        return self.context.facts

    @classmethod
    def visitor_names(cls) -> tuple[str, ...]:
        names = cls.__dict__.get("_visitor_names")
        if names is None:
            names = tuple(n for n in dir(cls) if n.startswith(("visit_", "leave_")) and callable(getattr(cls, n)))
            cls._visitor_names = names
        return names

    def get_visitors(self) -> dict[str, Any]:
        """The batched-traversal protocol of libcst (`libcst.visit_batched`)."""
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
    """A rule that reads a source's parsed model of the file in one `check` call.

    `check` looks at the model and calls `self.report(site, message, ...)` for each
    problem, where `site` is any `Site` of the model (a call, a declaration, an
    element) or a model node that carries its own site and scope (a config key).
    `scope` names the enclosing declaration (`OrderService.push`): it keys the
    finding's fingerprint, so baselines survive code moving within the file.
    """


class ApexRule(ModelRule, abstract=True):
    """A rule over one Apex file (`.cls`, `.trigger`) with the whole repository's Apex index.

    `check(unit, index)` gets the file's declarations (`unit.types`, `unit.triggers`,
    each routine's `steps` in source order) and the index built once per run from
    every Apex file: type lookup, call resolution and the paths from a step to a
    callout or a write (`index.paths`).
    """

    source_kind = "apex"

    def check(self, unit: "ApexFile", index: "ApexIndex") -> None:
        raise NotImplementedError


class XmlRule(ModelRule, abstract=True):
    """A rule over one Salesforce metadata file (`*-meta.xml`): `check(document)` reads its elements."""

    source_kind = "xml"
    # File-name endings the rule reads (`__e.object-meta.xml`); empty: every metadata file.
    files: ClassVar[tuple[str, ...]] = ()

    def check(self, document: "XmlDocument") -> None:
        raise NotImplementedError


class ConfigRule(ModelRule, abstract=True):
    """A rule over one YAML, JSON or .properties document: `check(document)` reads it.

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

    def check(self, document: "ConfigDocument") -> None:
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
    missing = [title for title in DOC_SECTIONS if title not in _doc_sections(cls.__doc__ or "")]
    if missing:
        raise RuleDefinitionError(f"{where}: docstring lacks the sections {', '.join(missing)}")
    if not cls.valid or not cls.invalid:
        raise RuleDefinitionError(f"{where} needs at least one `valid` and one `invalid` example")
    if cls.security_severity is not None:
        try:
            float(cls.security_severity)
        except ValueError:
            raise RuleDefinitionError(f"{where}: security_severity must be a numeric string") from None


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
