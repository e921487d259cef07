"""Apex source (`.cls`, `.trigger`): parse with tree-sitter, index the repository once, run the Apex rules.

The grammar ships in tree-sitter-language-pack 0.13.0 (the optional extra
`intlint[apex]`; later lines download grammars at run time). It is imported
on the first Apex file, never on a run without one. Without it, Apex files
are skipped with one notice saying how to enable them.

`build_index` reads every Apex file of the run into its model once and
indexes them together; `lint_file` then only looks its file up, so a file is
parsed once however many files its paths pass through.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from lint.rules.base import ApexRule
from lint.sources.apex_extract import digest, read_file, syntax_problem
from lint.sources.apex_index import ApexIndex
from lint.sources.apex_model import ApexFile, ParseProblem
from lint.sources.model import run_checks
from lint.sources.result import SourceResult, line_and_column, parse_error, skipped_template
from lint.suppressions import parse_comment

RULE_BASE = ApexRule
EXTRA = "intlint[apex]"
MISSING_EXTRA = (
    "Apex files (.cls, .trigger) were not scanned: Apex support is an optional extra; "
    f"enable it with `pip install '{EXTRA}'`"
)


@lru_cache(maxsize=1)
def apex_parser() -> Any | None:
    """The tree-sitter Apex parser, or None when the `apex` extra is not installed."""
    try:
        from tree_sitter_language_pack import get_parser
    except ImportError:
        return None
    return get_parser("apex")


def build_index(files: Iterable[tuple[str, bytes]]) -> ApexIndex | None:
    """The index of every Apex file of the run (None without the parser: `lint_file` says why)."""
    parser = apex_parser()
    if parser is None:
        return None
    return ApexIndex(read(path, data, parser) for path, data in files)


def read(path: str, data: bytes, parser: Any) -> ApexFile:
    """One file's model; a file that is not UTF-8 text or does not parse carries only its problem."""
    problem = _encoding_problem(data)
    if problem is None:
        root = parser.parse(data).root_node
        problem = syntax_problem(data, root)
        if problem is None:
            return read_file(path, data, root)
    return ApexFile(path, digest(data), problem=problem)


def lint_file(
    path: str, data: bytes, rules: Sequence[type[ApexRule]], options: Mapping[str, Any], index: ApexIndex | None = None
) -> SourceResult:
    parser = apex_parser()
    if parser is None:
        return SourceResult([], [], notices=[MISSING_EXTRA], scanned=False)
    unit = index.files.get(path) if index is not None else None
    if unit is None or unit.digest != digest(data):  # linted without the run's index (one snippet, a changed file)
        unit = read(path, data, parser)
        index = index.with_file(unit) if index is not None else ApexIndex([unit])
    if unit.problem is not None:
        return skipped_template(path, data, "Apex") or SourceResult([parse_error(path, unit.problem.line, unit.problem.column, unit.problem.message)], [])
    directives = [
        directive
        for comment in unit.comments
        if (directive := parse_comment(comment.text.removesuffix("*/"), comment.line, comment.column, comment.own_line))
    ]
    return SourceResult(run_checks(path, rules, options, "check_apex", unit, index), directives)


def _encoding_problem(data: bytes) -> ParseProblem | None:
    nul = data.find(b"\0")
    if nul != -1:
        return ParseProblem(*line_and_column(data, nul), "the file contains a NUL byte, so it is binary or corrupt, not Apex source")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = line_and_column(data, error.start)
        return ParseProblem(line, column, f"byte 0x{data[error.start]:02x} is not valid UTF-8; Salesforce stores Apex as UTF-8")
    return None
