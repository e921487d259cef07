"""Python source: decode, parse once with libcst, run every Python rule in one read-only walk (python_walk).

Positions are the expensive metadata; they are computed only for files that
produced findings, after the traversal, and only for the nodes the findings
point at (python_positions), so clean files never pay for them.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from lint.findings import Confidence, Finding, Location, Severity, Span, fingerprint
from lint.rules.base import PythonRule
from lint.sources.python_exports import imported_from
from lint.sources.python_facts import COMPREHENSIONS, Imported, Loop, PythonFacts
from lint.sources.python_loops import record_loop_shape
from lint.sources.python_positions import line_starts, positions_of
from lint.sources.python_walk import walk
from lint.sources.result import SourceResult, line_and_column, parse_error
from lint.suppressions import Directive, parse_comment

RULE_BASE = PythonRule
# From 3.11 Python-to-Python calls no longer use the C stack, so a deep limit is safe there.
DEEP_RECURSION_LIMIT = 20_000 if sys.version_info >= (3, 11) else 3_000


# Builds a loop finding's message once the loop is known: (loop, its line) -> message, or None to drop it.
LoopMessage = Callable[[Loop, int], "str | None"]
# Loops that do not count for a rule (a retry loop, three literal items): the next loop out is judged instead.
LoopFilter = Callable[[Loop], bool]


@dataclass(frozen=True)
class _Report:
    rule: PythonRule
    node: cst.CSTNode
    statement: cst.CSTNode | None
    scope: str
    message: str | LoopMessage
    hint: str | None
    severity: Severity
    confidence: Confidence
    related: tuple[Location, ...]
    loop: Loop | None = None
    top: cst.CSTNode | None = None  # the module-level statement the node is in (python_positions)


class PythonContext:
    """What a Python rule may use: the shared facts, its options, metadata and `report`."""

    def __init__(self, facts: PythonFacts, options: Mapping[str, Any], metadata: Mapping[type, Mapping], path: str) -> None:
        self.facts = facts
        self.path = path  # the file's relative POSIX path, for rules that treat tests differently
        self._options = options
        self._metadata = metadata
        self.reports: list[_Report] = []
        self._pending: list[tuple[str, _Report, LoopFilter | None]] = []  # in a function that may be called from a loop
        self._later: list[_Report] = []  # messages that wait for the end of the traversal

    def option(self, name: str) -> Any:
        return self._options[name]

    def metadata(self, provider: type, node: cst.CSTNode) -> Any:
        return self._metadata[provider][node]

    def report(self, rule: PythonRule, node: cst.CSTNode, message: str, *, scope: str | None = None, **details: Any) -> None:
        facts = self.facts
        self.reports.append(_Report(rule, node, facts.current_statement(), scope or facts.scope_name(), message, top=facts.top_statement(), **details))

    def report_in_loop(
        self, rule: PythonRule, node: cst.CSTNode, message: LoopMessage, skip: LoopFilter | None = None, **details: Any
    ) -> None:
        """Report `node` if it runs in a loop: directly, or in a same-module function called from one.

        The loop is the innermost one around `node` that `skip` does not pass over; when every
        loop in the function is passed over, the loops around the function's calls are tried.
        Whether a function is called from a loop is known only once the whole file is read,
        so those reports wait for `finished_reports`.
        """
        loop = _counted(self.facts.enclosing_loops(), skip)
        facts = self.facts
        report = _Report(rule, node, facts.current_statement(), facts.scope_name(), message, loop=loop, top=facts.top_statement(), **details)
        if loop is not None:
            self.reports.append(report)
            return
        key = self.facts.function_key()
        if key is not None and not facts.memoised():  # a lazily filled cache: once, whoever calls it
            self._pending.append((key, report, skip))

    def report_later(self, rule: PythonRule, node: cst.CSTNode, message: Callable[[], str | None], **details: Any) -> None:
        """Report `node` with the text `message()` returns once the traversal is over (None: no finding)."""
        facts = self.facts
        self._later.append(_Report(rule, node, facts.current_statement(), facts.scope_name(), message, top=facts.top_statement(), **details))

    def finished_reports(self) -> list[_Report]:
        """All reports once the traversal is over, with pending loop reports and later messages resolved."""
        reports = list(self.reports)
        calls = self.facts.loop_calls
        for key, report, skip in self._pending:
            # The first call site (in file order) with a loop that counts.
            loop = next((found for chain in calls.get(key, ()) if (found := _counted(chain, skip)) is not None), None)
            if loop is not None:
                reports.append(replace(report, loop=loop))
        for report in self._later:
            message = report.message()
            if message is not None:
                reports.append(replace(report, message=message))
        return reports


def _counted(loops: Sequence[Loop], skip: LoopFilter | None) -> Loop | None:
    """The innermost of `loops` (innermost last) that `skip` does not pass over."""
    return next((loop for loop in reversed(loops) if skip is None or not skip(loop)), None)


def lint_file(path: str, data: bytes, rules: Sequence[type[PythonRule]], options: Mapping[str, Any], *, root: str | None = None) -> SourceResult:
    """Lint one file; with the project `root`, names it imports from the project's own modules are typed too (python_exports)."""
    text, error = _decode(path, data)
    if error is not None:
        return SourceResult([error], [])
    tree, rejected = _cpython_parse(path, text)
    if rejected is not None:
        return rejected
    try:
        module = parse_trusted(text)
    except cst.ParserSyntaxError as exc:
        return SourceResult([_libcst_limitation(path, exc)], [])
    except Exception as exc:  # the native parser can fail in ways of its own; never crash the run
        return SourceResult([parse_error(path, 1, 1, f"the Python parser failed: {type(exc).__name__}: {exc}".strip())], [])
    directives = list(_directives(text)) if "intlint:" in text else []
    if not rules:
        return SourceResult([], directives)
    try:
        with _recursion_limit(DEEP_RECURSION_LIMIT):
            imported = imported_from(root, path, parse_imported) if root is not None else None
            findings = _run_rules(path, text, module, rules, options, tree, imported)
    except RecursionError:
        notice = f"skipped the rules on {path}: its expressions are nested too deeply to analyse"
        return SourceResult([], directives, notices=[notice])
    return SourceResult(findings, directives)


def parse_imported(path: str, data: bytes) -> tuple[cst.Module, str] | None:
    """The tree and text of a module a file imports from (python_exports), read as the file itself is: decoded by
    its declaration and vetted by CPython's parser first (input nested too deep would crash libcst's); None when
    it cannot be read."""
    text, error = _decode(path, data)
    if error is not None or _cpython_parse(path, text)[1] is not None:
        return None
    try:
        return parse_trusted(text), text
    except MemoryError:
        raise  # the memory guard's to report (lint.workers)
    except Exception:  # a limitation or failure of libcst's parser: the module tells nothing
        return None


def parse_trusted(text: str) -> cst.Module:
    """`cst.parse_module`, without validating each node as it is built.

    libcst validates every node it constructs (brackets balance, required whitespace is
    there), which guards trees built by hand; what its parser builds is valid by
    construction, and the checks cost about a sixth of the parse (libcst's own comment on
    `CSTNode.__post_init__` suggests skipping them when parsing). Validation is back on as
    soon as the parse returns.
    """
    node_class = cst.CSTNode
    validate = node_class.__dict__.get("__post_init__")
    if validate is None:  # a libcst that validates elsewhere
        return cst.parse_module(text)
    node_class.__post_init__ = _trusted  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        node_class.__post_init__ = validate  # type: ignore[method-assign]


def _trusted(node: cst.CSTNode) -> None:
    """Stands in for `CSTNode.__post_init__` (validation) while the parser builds a tree."""


@contextmanager
def _recursion_limit(limit: int):
    """libcst visits recursively; long implicit string concatenations nest thousands deep."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _run_rules(
    path: str,
    text: str,
    module: cst.Module,
    rules: Sequence[type[PythonRule]],
    options: Mapping[str, Any],
    tree: ast.Module | None = None,
    imported: Imported | None = None,
) -> list[Finding]:
    providers = {provider for rule in rules for provider in rule.metadata}
    metadata = MetadataWrapper(module, unsafe_skip_copy=True).resolve_many(providers) if providers else {}
    facts = PythonFacts(module, text, imported)
    context = PythonContext(facts, options, metadata, path)
    shapes = any(rule.needs_loop_shapes for rule in rules)
    visitors = [_FactsVisitor(facts, shapes), *(rule(context) for rule in rules)]
    walk(module, visitors, before=(facts.enter, facts.ENTERED), after=(facts.leave, facts.LEFT))
    reports = context.finished_reports()
    if not reports:
        return []
    positions = metadata.get(PositionProvider) or positions_of(module, dict(_positioned(reports, facts)), text, tree)
    lines = line_starts(text)
    findings = (_finding(path, facts, positions, report, lines) for report in reports)
    return [finding for finding in findings if finding is not None]


def _finding(path: str, facts: PythonFacts, positions: Mapping, report: _Report, lines: list[int]) -> Finding | None:
    message = report.message
    if callable(message):
        message = message(report.loop, positions[report.loop.node].start.line)
        if message is None:
            return None
    where = positions[report.node]
    span = Span(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
    return Finding(
        code=report.rule.code,
        message=message,
        path=path,
        span=span,
        severity=report.severity,
        confidence=report.confidence,
        hint=report.hint,
        related=report.related,
        fingerprint=fingerprint(report.rule.code, path, report.scope, _flagged_code(facts, report.node, where, lines)),
        statement_lines=_statement_lines(positions, report.statement),
    )


def _flagged_code(facts: PythonFacts, node: cst.CSTNode, where: CodeRange, lines: list[int]) -> str:
    """The code a fingerprint hashes (without its whitespace). An expression without brackets of its own is cut
    from the text: its range is its code, give or take indentation. Anything else is generated: a statement's
    range leaves out its leading comments, an expression's its brackets."""
    if isinstance(node, cst.BaseExpression) and not getattr(node, "lpar", True):
        return facts.text[lines[where.start.line - 1] + where.start.column : lines[where.end.line - 1] + where.end.column]
    return facts.source(node)


def _positioned(reports: Sequence[_Report], facts: PythonFacts) -> Iterable[tuple[cst.CSTNode, tuple[cst.CSTNode | None, ...]]]:
    """The nodes whose positions `_finding` reads (a statement's decorators and body are inside it), each with the
    statements it is in, innermost first (python_positions generates the smallest one that places it)."""
    for report in reports:
        anchors = (report.statement, report.top)
        yield report.node, anchors
        if report.loop is not None:
            loop = report.loop.node  # a loop statement, a comprehension or a `map(...)` call
            yield loop, (loop, facts.loop_tops.get(loop))
        if report.statement is not None:
            for part in _statement_parts(report.statement):
                if part is not None:
                    yield part, anchors


def _statement_lines(positions: Mapping, statement: cst.CSTNode | None) -> tuple[int, int] | None:
    """The lines of a simple statement, or of a compound statement's header (not its body)."""
    if statement is None:
        return None
    where = positions[statement]
    _, decorator, first_in_body = _statement_parts(statement)
    start = positions[decorator].start.line if decorator is not None else where.start.line
    if first_in_body is not None:
        return start, max(where.start.line, positions[first_in_body].start.line - 1)
    if isinstance(statement, cst.BaseCompoundStatement) and isinstance(getattr(statement, "body", None), cst.IndentedBlock):
        return start, where.start.line  # an empty block
    return start, where.end.line


def _statement_parts(statement: cst.CSTNode) -> tuple[cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None]:
    """A statement, its first decorator and, for a compound statement with a block, the block's first statement:
    what `_statement_lines` reads the lines of."""
    decorators = getattr(statement, "decorators", ())
    block = getattr(statement, "body", None)  # `match` has cases instead of a body
    body = block.body if isinstance(statement, cst.BaseCompoundStatement) and isinstance(block, cst.IndentedBlock) else ()
    return statement, decorators[0] if decorators else None, body[0] if body else None


class _FactsVisitor:
    """Keeps the facts' loop stack in step with the traversal (attribute-level hooks) and notes calls.

    With `shapes`, it also reads each loop's shape as the traversal enters it (python_loops).
    """

    def __init__(self, facts: PythonFacts, shapes: bool = False) -> None:
        self.facts = facts
        self.shapes = shapes

    def get_visitors(self) -> dict[str, Any]:
        leave = self._leave_loop
        hooks: dict[str, Any] = {
            "visit_Call": self._visit_call if self.shapes else self.facts.record_call,
            "visit_For_body": self._enter_for,
            "leave_For_body": leave,
            "visit_While_body": self._enter_while,
            "leave_While_body": leave,
            "visit_CompFor_ifs": self._enter_comp_for,
            "leave_CompFor_ifs": leave,
        }
        for comprehension in COMPREHENSIONS:
            for part in ("elt", "key", "value"):
                if part in comprehension.__dataclass_fields__:
                    hooks[f"visit_{comprehension.__name__}_{part}"] = self._enter_comprehension
                    hooks[f"leave_{comprehension.__name__}_{part}"] = leave
        return hooks

    def _visit_call(self, node: cst.Call) -> None:
        if self.facts.is_builtin(node.func, "map") and len(node.args) >= 2:
            record_loop_shape(self.facts, Loop(node, node.args[1].value))
        self.facts.record_call(node)

    def _enter_for(self, node: cst.For) -> None:
        loop = Loop(node, node.iter)
        if self.shapes:
            record_loop_shape(self.facts, loop)  # the iterable is read before the target is rebound
        self.facts.bind_loop_target(node.target)
        self.facts.enter_loop_body(loop)

    def _enter_while(self, node: cst.While) -> None:
        self._enter(Loop(node, None))

    def _enter_comp_for(self, node: cst.CompFor) -> None:
        self._enter(Loop(node, node.iter))

    def _enter_comprehension(self, node: cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp) -> None:
        self._enter(Loop(node, node.for_in.iter))

    def _enter(self, loop: Loop) -> None:
        if self.shapes:
            record_loop_shape(self.facts, loop)
        self.facts.enter_loop_body(loop)

    def _leave_loop(self, node: cst.CSTNode) -> None:
        self.facts.leave_loop_body(node)


def _cpython_parse(path: str, text: str) -> tuple[ast.Module | None, SourceResult | None]:
    """Let CPython's parser vet the file first (a fraction of libcst's cost): its tree, or why it was rejected.

    It words syntax errors better and places them exactly, and it refuses input nested
    deeper than its recursion limit, which would overflow the native libcst parser's stack
    and kill the whole run. Its tree tells where each module-level statement starts (python_positions).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences: not ours to print
            return ast.parse(text), None
    except SyntaxError as error:
        return None, SourceResult([parse_error(path, error.lineno or 1, error.offset or 1, f"Python syntax error: {error.msg}")], [])
    except (RecursionError, MemoryError):
        return None, SourceResult([], [], notices=[f"skipped {path}: it is nested too deeply to parse safely"])
    except ValueError as error:
        return None, SourceResult([parse_error(path, 1, 1, f"Python cannot read this file: {error}")], [])


def _libcst_limitation(path: str, exc: cst.ParserSyntaxError) -> Finding:
    """Valid Python that libcst cannot read: say so, and do not fail the build over our limitation."""
    message = f"intlint's parser (libcst) cannot read this file, although Python accepts it, so it was not checked ({exc.message})"
    return replace(parse_error(path, exc.raw_line, exc.raw_column + 1, message), severity=Severity.NOTE)


def _decode(path: str, data: bytes) -> tuple[str, Finding | None]:
    """Text of the file by its PEP 263 declaration (UTF-8 by default), or an IL001 finding."""
    nul = data.find(b"\0")
    if nul != -1:
        line, column = line_and_column(data, nul)
        return "", parse_error(path, line, column, "the file contains a NUL byte, so it is binary or corrupt, not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return "", parse_error(path, 1, 1, f"bad encoding declaration: {exc}")
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8-sig" else encoding), None
    except UnicodeDecodeError as exc:
        line, column = line_and_column(data, exc.start)
        return "", parse_error(path, line, column, f"byte 0x{data[exc.start]:02x} is not valid {encoding}; save the file as UTF-8 or declare its encoding")
    except LookupError:
        return "", parse_error(path, 1, 1, f"unknown encoding `{encoding}` declared")


def _directives(text: str) -> Iterable[Directive]:
    lines = text.splitlines()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and "intlint:" in token.string:
                row, col = token.start
                own_line = not lines[row - 1][:col].strip()
                directive = parse_comment(token.string, row, col + 1, own_line)
                if directive is not None:
                    yield directive
    except (tokenize.TokenError, SyntaxError):
        return  # libcst accepted the file; tokenize disagreeing only costs us the comments after it
