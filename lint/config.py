"""Read `[tool.intlint]` (pyproject.toml) or intlint.toml and merge command-line flags into Settings.

Every key, rule code and value is checked: a typo is an error naming the file
and key, never a silently ignored setting.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from lint.errors import UserError
from lint.findings import Severity
from lint.rules import Registry, load_registry
from lint.rules.base import Option
from lint.settings import DEFAULT_MAX_FILE_SIZE, Settings

CONFIG_NAMES = ("intlint.toml", "pyproject.toml")  # intlint.toml wins when both share a directory
SETTING_KEYS = (
    "select",
    "ignore",
    "extend-select",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "fail-on",
    "severity",
    "max-file-size",
)
SEVERITIES = ", ".join(f'"{severity.value}"' for severity in Severity)


class ConfigError(UserError):
    """The config file or a flag is invalid; the message is one line naming the file and key."""


@dataclass(frozen=True)
class CliOverrides:
    """Command-line flags; as in ruff, `--select` replaces, `--ignore`/`--extend-select` add."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None
    fail_on: str | None = None
    no_ignores: bool = False
    force_exclude: bool = False


@dataclass(frozen=True)
class _Table:
    values: Mapping[str, Any]
    where: str  # the file (and table) to name in error messages
    path: Path | None


@dataclass(frozen=True)
class ProjectConfig:
    """The configuration found for a run, not yet checked against the rules, and the project root."""

    table: _Table
    root: Path  # finding paths, excludes and the cache are anchored here


def load_settings(
    paths: Sequence[Path],
    *,
    config_file: Path | None = None,
    overrides: CliOverrides = CliOverrides(),
    registry: Registry | None = None,
) -> Settings:
    """Settings from `config_file`, else from the config nearest the first path, plus `overrides`."""
    return resolve_settings(find_config(paths, config_file=config_file), overrides, registry or load_registry())


def find_config(paths: Sequence[Path], *, config_file: Path | None = None) -> ProjectConfig:
    """`config_file`, else the config nearest the first path, and the project root; read, not yet resolved."""
    start = paths[0] if paths else Path.cwd()
    table = _explicit_table(config_file) if config_file is not None else _nearest_table(start)
    return ProjectConfig(table, _project_root(table, start))


def resolve_settings(config: ProjectConfig, overrides: CliOverrides, registry: Registry) -> Settings:
    """Check the configuration against the rules (classes or their catalogue) and merge the flags."""
    return _resolve(config.table, overrides, registry, config.root)


def _project_root(table: _Table, start: Path) -> Path:
    """Where finding paths, excludes and per-file-ignores are anchored: the config file's directory,
    else the enclosing git work tree, else the current directory. It does not depend on where intlint
    is run from, so SARIF paths and baseline fingerprints stay repository-relative."""
    if table.path is not None:
        return table.path.absolute().parent
    directory = start.absolute()
    if not directory.is_dir():
        directory = directory.parent
    return next((candidate for candidate in (directory, *directory.parents) if (candidate / ".git").exists()), Path.cwd())


def _nearest_table(start: Path) -> _Table:
    directory = start.absolute()
    if not directory.is_dir():
        directory = directory.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = candidate_dir / name
            if not candidate.is_file():
                continue
            text = _read_text(candidate)
            if name == "pyproject.toml" and "intlint" not in text:
                continue  # cheap check: most pyproject.toml files are not ours and need no parse
            table = _table_in(candidate, _parse(candidate, text))
            if table is not None:
                return table
    return _Table({}, "defaults", None)


def _explicit_table(path: Path) -> _Table:
    if not path.is_file():
        raise ConfigError(f"config file not found: {_display(path)}")
    table = _table_in(path, _parse(path, _read_text(path)))
    if table is None:
        raise ConfigError(f"no [tool.intlint] table in {_display(path)}")
    return table


def _table_in(path: Path, document: dict[str, Any]) -> _Table | None:
    """The settings table of a parsed file; None for a pyproject.toml without `[tool.intlint]`."""
    name = _display(path)
    tool = document.get("tool")
    nested = isinstance(tool, dict) and "intlint" in tool
    if path.name == "pyproject.toml" or (nested and set(document) == {"tool"}):
        if not nested:
            return None
        if not isinstance(tool["intlint"], dict):
            raise ConfigError(f"`tool.intlint` in {name} must be a table")
        return _Table(tool["intlint"], f"{name} [tool.intlint]", path)
    return _Table(document, name, path)  # intlint.toml: settings are top-level keys


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # an editor's BOM is not a TOML error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {_display(path)}: {error}") from None


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"cannot parse {_display(path)}: {error}") from None


def _display(path: Path) -> str:
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _resolve(table: _Table, overrides: CliOverrides, registry: Registry, root: Path) -> Settings:
    options = _declared_options(registry)
    values, where = table.values, table.where
    unknown = [key for key in values if key not in SETTING_KEYS and key not in options]
    if unknown:
        expected = ", ".join((*SETTING_KEYS, *sorted(options)))
        raise ConfigError(f"unknown key `{unknown[0]}` in {where}; expected one of {expected}")

    file_select = _strings(values, "select", where)
    selected = _expand(registry, ("ALL",) if file_select is None else file_select, f"`select` in {where}")
    if overrides.select is not None:
        selected = _expand(registry, overrides.select, "`--select`")
    selected |= _expand(registry, _strings(values, "extend-select", where) or (), f"`extend-select` in {where}")
    selected |= _expand(registry, overrides.extend_select or (), "`--extend-select`")
    selected -= _expand(registry, _strings(values, "ignore", where) or (), f"`ignore` in {where}")
    selected -= _expand(registry, overrides.ignore or (), "`--ignore`")

    fail_on = _severity(values.get("fail-on", Severity.WARNING.value), f"`fail-on` in {where}")
    if overrides.fail_on is not None:
        fail_on = _severity(overrides.fail_on, "`--fail-on`")

    return Settings(
        root=root,
        selected=frozenset(selected),
        fail_on=fail_on,
        severity_overrides=_severity_overrides(values, where, registry),
        options=_option_values(values, where, options),
        per_file_ignores=_per_file_ignores(values, where, registry),
        exclude=_strings(values, "exclude", where) or (),
        extend_exclude=_strings(values, "extend-exclude", where) or (),
        respect_ignores=not overrides.no_ignores,
        force_exclude=overrides.force_exclude,
        config_path=table.path,
        max_file_size=_max_file_size(values, where),
    )


def _expand(registry: Registry, selectors: Sequence[str], source: str) -> set[str]:
    """Registered codes for `ALL`, codes and prefixes; a selector matching nothing is an error."""
    codes: set[str] = set()
    for selector in selectors:
        matched = registry.codes_matching(selector) if selector else []
        if not matched:
            raise ConfigError(f"unknown rule code or prefix `{selector}` in {source}; see `intlint rules`")
        codes.update(matched)
    return codes


def _declared_options(registry: Registry) -> dict[str, Option]:
    # Rules may share an option (e.g. one threshold for two rules); the first declaration wins.
    options: dict[str, Option] = {}
    for rule in registry.sorted():
        for option in rule.options:
            options.setdefault(option.name, option)
    return options


def _strings(values: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    if key not in values:
        return None
    return _string_list(values[key], f"`{key}` in {where}")


def _string_list(value: Any, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{source} must be a list of strings, not {value!r}")
    return tuple(value)


def _severity(value: Any, source: str) -> Severity:
    if isinstance(value, str) and value in {severity.value for severity in Severity}:
        return Severity(value)
    raise ConfigError(f"{source} must be one of {SEVERITIES}, not {value!r}")


def _max_file_size(values: Mapping[str, Any], where: str) -> int:
    """`max-file-size` is in megabytes; Settings keeps bytes."""
    if "max-file-size" not in values:
        return DEFAULT_MAX_FILE_SIZE
    megabytes = values["max-file-size"]
    if isinstance(megabytes, bool) or not isinstance(megabytes, (int, float)) or not megabytes > 0:
        raise ConfigError(f"`max-file-size` in {where} must be a positive number of megabytes, not {megabytes!r}")
    return int(megabytes * 1024 * 1024)


def _table(values: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    table = values.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"`{key}` in {where} must be a table, not {table!r}")
    return table


def _severity_overrides(values: Mapping[str, Any], where: str, registry: Registry) -> dict[str, Severity]:
    overrides: dict[str, Severity] = {}
    for code, severity in _table(values, "severity", where).items():
        if code not in registry:
            raise ConfigError(f"unknown rule code `{code}` in `severity` in {where}; see `intlint rules`")
        overrides[code] = _severity(severity, f"`severity.{code}` in {where}")
    return overrides


def _per_file_ignores(
    values: Mapping[str, Any], where: str, registry: Registry
) -> tuple[tuple[str, frozenset[str]], ...]:
    resolved = []
    for pattern, selectors in _table(values, "per-file-ignores", where).items():
        source = f'`per-file-ignores` "{pattern}" in {where}'
        resolved.append((pattern, frozenset(_expand(registry, _string_list(selectors, source), source))))
    return tuple(resolved)


def _option_values(values: Mapping[str, Any], where: str, options: Mapping[str, Option]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for name, option in options.items():
        if name not in values:
            resolved[name] = option.default
            continue
        try:
            resolved[name] = option.check(values[name])
        except ValueError as error:
            raise ConfigError(f"invalid `{name}` in {where}: {error}") from None
    return resolved
