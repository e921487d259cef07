"""`intlint init`: a commented configuration with every default, to edit rather than write from scratch."""

from __future__ import annotations

from pathlib import Path

from lint.atomic import write_text_atomically
from lint.errors import UserError
from lint.rules import Registry

HEADER = "# intlint configuration: https://github.com/intlint/intlint#configuration\n"


class InitError(UserError):
    """A configuration already exists; the message is one line."""


def render_settings(registry: Registry) -> str:
    """The settings with their defaults, as top-level TOML keys (the body of `[tool.intlint]`)."""
    lines = [
        'select = ["ALL"]            # rule codes or prefixes ("IL4"); `intlint rules` lists them',
        "extend-select = []",
        "ignore = []                 # e.g. [\"IL206\"] to allow Bulk API 1.0",
        'fail-on = "warning"         # lowest severity that fails the run: error | warning | note',
        "exclude = []                # gitignore-style patterns, e.g. [\"generated/\"]",
        "extend-exclude = []",
        "",
        "# Rule options (defaults shown):",
    ]
    for rule in registry.sorted():
        for option in rule.options:
            lines.append(f"# {option.name} = {_toml(option.default)}  # {rule.code}: {option.help}")
    lines += [
        "",
        "# Silence rules for some files (globs relative to this file):",
        "# [per-file-ignores]",
        '# "tests/*" = ["IL504", "IL507"]',
        "",
        "# Change a rule's severity:",
        "# [severity]",
        '# IL206 = "warning"',
    ]
    return "\n".join(lines) + "\n"


def write_config(directory: Path, registry: Registry, *, pyproject: bool) -> Path:
    """Write intlint.toml, or append `[tool.intlint]` to pyproject.toml; never overwrite settings."""
    standalone, project = directory / "intlint.toml", directory / "pyproject.toml"
    existing = project.read_text(encoding="utf-8") if project.exists() else ""
    if standalone.exists() or "[tool.intlint" in existing:
        found = standalone if standalone.exists() else project
        raise InitError(f"{found} already configures intlint; edit it instead")
    if pyproject:
        body = render_settings(registry).replace("# [per-file-ignores]", "# [tool.intlint.per-file-ignores]")
        body = body.replace("# [severity]", "# [tool.intlint.severity]")
        separator = "\n" if existing and not existing.endswith("\n\n") else ""
        write_text_atomically(project, f"{existing}{separator}{HEADER}[tool.intlint]\n{body}")
        return project
    write_text_atomically(standalone, HEADER + render_settings(registry))
    return standalone


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
