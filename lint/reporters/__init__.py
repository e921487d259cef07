"""Reporters turn a RunResult into text in one output format.

Each format is a module `lint.reporters.<format>` exposing
`render(result, *, color) -> str`; the text ends with a newline unless it is
empty. Modules are imported only when their format is asked for, so the
pre-commit path never pays for rich or sarif-om unless it uses them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Sequence, TextIO

from lint.atomic import write_text_atomically
from lint.errors import UserError
from lint.findings import Finding
from lint.results import RunResult

FORMATS = ("terminal", "json", "sarif", "github")


def render(format_name: str, result: RunResult, *, color: bool = False) -> str:
    # Checked against FORMATS so a typo can never import an arbitrary module.
    if format_name not in FORMATS:
        raise ValueError(f"unknown output format {format_name!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f"lint.reporters.{format_name}")
    return module.render(result, color=color)


def message_with_hint(finding: Finding) -> str:
    """The message plus its fix hint, for formats that have a single text field."""
    return f"{finding.message} Fix: {finding.hint}" if finding.hint else finding.message


def write_reports(
    result: RunResult,
    formats: Sequence[str],
    outputs: Sequence[Path],
    *,
    color: bool,
    statistics: bool = False,
) -> None:
    """Render each format; the i-th format goes to the i-th output file, the rest to stdout.

    Statistics follow a terminal report on stdout, and go to stderr when stdout carries
    JSON or SARIF, so machine-readable output stays parseable.
    """
    on_stdout = formats[len(outputs) :]
    for format_name, target in zip(formats, outputs):
        write_file(target, render(format_name, result, color=False))
    for format_name in on_stdout:
        _write(sys.stdout, render(format_name, result, color=color and format_name == "terminal"))
    if statistics:
        from lint.reporters.terminal import render_statistics

        stream = sys.stdout if all(name == "terminal" for name in on_stdout) else sys.stderr
        _write(stream, render_statistics(result))
    sys.stdout.flush()


def _write(stream: TextIO, text: str) -> None:
    stream.write(_encodable(text, getattr(stream, "encoding", None) or "utf-8"))


def _encodable(text: str, encoding: str) -> str:
    """`text` with what `encoding` cannot carry written as escapes (`\\ud800`), so output never fails.

    Findings quote the linted files, whose strings may hold anything their escapes allow:
    a lone surrogate (`"\\ud800"` in JSON), or characters a legacy console code page lacks.
    """
    return text.encode(encoding, "backslashreplace").decode(encoding)


class OutputError(UserError):
    """A report cannot be written where the user asked."""


def write_file(target: Path, text: str) -> None:
    """Write a report (or baseline) file atomically; a failure is one OutputError line."""
    try:
        write_text_atomically(target, _encodable(text, "utf-8"))
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
