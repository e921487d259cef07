"""`intlint rules` and `intlint rule CODE`: the registry rendered for people and tools."""

from __future__ import annotations

import json
from io import StringIO
from typing import Sequence

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from lint.rules.base import Example, Rule
from lint.sources import kind_of

WIDTH = 100


def render_rule_list(rules: Sequence[type[Rule]], output_format: str, *, color: bool) -> str:
    if output_format == "json":
        return json.dumps([_rule_record(rule) for rule in rules], indent=2) + "\n"
    table = Table(title="intlint rules", title_justify="left", show_lines=False)
    for column in ("code", "name", "severity", "sources", "summary"):
        table.add_column(column, overflow="fold")
    for rule in rules:
        table.add_row(rule.code, rule.name, rule.severity.value, ", ".join(rule.sources), rule.summary())
    return _capture(table, color)


def render_rule(rule: type[Rule], *, color: bool) -> str:
    header = f"# {rule.code} {rule.name}\n\nSeverity: **{rule.severity.value}** · confidence: {rule.confidence.value} · sources: {', '.join(rule.sources)}\n\n"
    parts = [header, rule.documentation(), "\n\n## Flagged (invalid examples)\n", *map(_example, rule.invalid)]
    parts += ["\n## Not flagged (valid examples)\n", *map(_example, rule.valid)]
    if rule.options:
        parts.append("\n## Options\n")
        parts += [f"- `{option.name}` (default `{option.default!r}`): {option.help}\n" for option in rule.options]
    markdown = "".join(parts)
    return _capture(Markdown(markdown), color) if color else markdown + "\n"


FENCES = {"py": "python", "apex": "java", "xml": "xml"}  # by source kind; config by its format


def _example(example: Example) -> str:
    kind = kind_of(example.path)
    language = _config_language(example.path) if kind is not None and kind.name == "cfg" else FENCES.get(kind.name if kind else "", "")
    where = f" (line {example.line})" if example.line else ""
    return f"\n`{example.path}`{where}:\n\n```{language}\n{example.code.rstrip()}\n```\n"


def _config_language(path: str) -> str:
    from lint.sources.config import LANGUAGES, format_of  # the config source: only for a config example

    return LANGUAGES[format_of(path)].lower()


def _rule_record(rule: type[Rule]) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "confidence": rule.confidence.value,
        "sources": list(rule.sources),
        "family": rule.family(),
        "summary": rule.summary(),
        "options": {option.name: option.default for option in rule.options},
    }


def _capture(renderable, color: bool) -> str:
    console = Console(file=StringIO(), width=WIDTH, force_terminal=color, no_color=not color, highlight=False)
    console.print(renderable)
    return console.file.getvalue()
