"""Reporters turn a RunResult into text in one output format.

Each format is a module `lint.reporters.<format>` exposing
`render(result, *, color) -> str`; the text ends with a newline unless it is
empty. Modules are imported only when their format is asked for, so the
pre-commit path never pays for rich or sarif-om unless it uses them.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

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
    """Render each format; the i-th format goes to the i-th output file, the rest to stdout."""
    for index, format_name in enumerate(formats):
        target = outputs[index] if index < len(outputs) else None
        text = render(format_name, result, color=color and target is None and format_name == "terminal")
        if target is None:
            sys.stdout.write(text)
        else:
            _write_atomically(target, text)
    if statistics:
        from lint.reporters.terminal import render_statistics

        sys.stdout.write(render_statistics(result))
    sys.stdout.flush()


def _write_atomically(target: Path, text: str) -> None:
    """A reader (or a crash) never sees a half-written report."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False) as handle:
        handle.write(text)
    os.replace(handle.name, target)
