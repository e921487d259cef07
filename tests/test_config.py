"""Config loading: file lookup, validation messages, selection and CLI overrides.

A small test registry stands in for the built-in rules so that option handling
and prefix selection can be checked against known codes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lint.config
from lint.config import CliOverrides, ConfigError, load_settings
from lint.findings import Confidence, Severity
from lint.rules import Registry
from lint.rules.base import Option, Rule
from lint.settings import Settings

DOC = """
## What it does
A rule that exists only in these tests.

## Why it matters
Config resolution needs codes to select.

## Example
```python
x = 1
```

## Use instead
```python
x = 2
```
"""


def make_rule(code: str, *options: Option) -> type[Rule]:
    namespace = {
        "__doc__": DOC,
        "__module__": __name__,
        "code": code,
        "name": f"test-{code.lower()}",
        "severity": Severity.WARNING,
        "confidence": Confidence.HIGH,
        "sources": ("py",),
        "valid": ["x = 2\n"],
        "invalid": ["x = 1\n"],
        "options": options,
    }
    return type(f"Rule{code}", (Rule,), namespace)


RULES = [
    make_rule("IL001"),
    make_rule("IL002"),
    make_rule("IL201", Option("bulk-threshold", 2000, "records above which Bulk API 2.0 is expected")),
    make_rule("IL205", Option("bulk-threshold", 2000, "shared with IL201")),
    make_rule("IL401", Option("min-api-version", 55.0, "oldest API version"), Option("strict", False, "flag more")),
]
REGISTRY = Registry({rule.code: rule for rule in RULES})
ALL_CODES = frozenset(REGISTRY.rules)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the root of every run is the working directory
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(*paths: Path, config_file: Path | None = None, **overrides: object) -> Settings:
    return load_settings(list(paths), config_file=config_file, overrides=CliOverrides(**overrides), registry=REGISTRY)


def error(*paths: Path, **kwargs: object) -> str:
    with pytest.raises(ConfigError) as raised:
        load(*paths, **kwargs)
    message = str(raised.value)
    assert "\n" not in message
    return message


# --- finding the file ----------------------------------------------------------------------------


def test_without_config_every_rule_runs_with_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.root == tmp_path
    assert settings.config_path is None
    assert settings.selected == ALL_CODES
    assert settings.fail_on is Severity.WARNING
    assert settings.options == {"bulk-threshold": 2000, "min-api-version": 55.0, "strict": False}
    assert settings.per_file_ignores == () and settings.severity_overrides == {}
    assert settings.respect_ignores is True


def test_the_registry_defaults_to_the_loaded_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint.config, "load_registry", lambda: REGISTRY)
    assert load_settings([tmp_path]).selected == ALL_CODES


def test_nearest_config_above_the_first_path_is_used(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.intlint]\nselect = ["IL0"]\n')
    write(tmp_path / "svc" / "pyproject.toml", '[project]\nname = "svc"\n')  # not ours: keep looking up
    source = write(tmp_path / "svc" / "src" / "client.py", "")
    settings = load(source)
    assert settings.config_path == tmp_path / "pyproject.toml"
    assert settings.selected == {"IL001", "IL002"}
    assert settings.root == tmp_path

    write(tmp_path / "svc" / "intlint.toml", 'select = ["IL4"]\n')
    assert load(source).selected == {"IL401"}


def test_intlint_toml_wins_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.intlint]\nselect = ["IL0"]\n')
    write(tmp_path / "intlint.toml", 'select = ["IL2"]\n')
    assert load(tmp_path).selected == {"IL201", "IL205"}


def test_intlint_toml_also_accepts_a_tool_intlint_table(tmp_path: Path) -> None:
    write(tmp_path / "intlint.toml", '[tool.intlint]\nignore = ["IL2"]\n')
    assert load(tmp_path).selected == {"IL001", "IL002", "IL401"}


def test_explicit_config_file_replaces_the_lookup(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.intlint]\nselect = ["IL0"]\n')
    explicit = write(tmp_path / "ci" / "strict.toml", 'fail-on = "note"\n')
    settings = load(tmp_path, config_file=explicit)
    assert settings.config_path == explicit
    assert settings.fail_on is Severity.NOTE and settings.selected == ALL_CODES


def test_explicit_config_file_must_exist_and_hold_settings(tmp_path: Path) -> None:
    assert error(tmp_path, config_file=tmp_path / "missing.toml") == "config file not found: missing.toml"
    bare = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert error(tmp_path, config_file=bare) == "no [tool.intlint] table in pyproject.toml"


# --- validation ----------------------------------------------------------------------------------


def test_unknown_key_names_the_key_the_file_and_the_valid_keys(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.intlint]\nselct = ["IL0"]\n')
    message = error(tmp_path)
    assert message.startswith("unknown key `selct` in pyproject.toml [tool.intlint]; expected one of select, ")
    assert "per-file-ignores" in message and "bulk-threshold" in message and "min-api-version" in message


def test_unknown_top_level_key_in_intlint_toml(tmp_path: Path) -> None:
    write(tmp_path / "intlint.toml", 'fail_on = "error"\n')
    assert error(tmp_path).startswith("unknown key `fail_on` in intlint.toml; expected one of ")


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('select = ["IL999"]', "unknown rule code or prefix `IL999` in `select` in intlint.toml"),
        ('ignore = ["IL3"]', "unknown rule code or prefix `IL3` in `ignore` in intlint.toml"),
        ('extend-select = [""]', "unknown rule code or prefix `` in `extend-select` in intlint.toml"),
        ('select = ["il0"]', "unknown rule code or prefix `il0` in `select` in intlint.toml"),
        (
            '[per-file-ignores]\n"tests/*" = ["IL9"]',
            'unknown rule code or prefix `IL9` in `per-file-ignores` "tests/*" in intlint.toml',
        ),
        ('[severity]\nIL2 = "error"', "unknown rule code `IL2` in `severity` in intlint.toml"),
    ],
)
def test_unknown_codes_are_errors(tmp_path: Path, toml: str, expected: str) -> None:
    write(tmp_path / "intlint.toml", toml + "\n")
    assert error(tmp_path).startswith(expected)


def test_unknown_code_on_the_command_line_names_the_flag(tmp_path: Path) -> None:
    assert error(tmp_path, select=("IL9",)).startswith("unknown rule code or prefix `IL9` in `--select`")
    assert error(tmp_path, ignore=("X",)).startswith("unknown rule code or prefix `X` in `--ignore`")


def test_bad_toml_names_the_file_and_the_parser_message(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.intlint]\nselect = IL0\n")
    message = error(tmp_path)
    assert message.startswith("cannot parse pyproject.toml: ")
    assert "line 2" in message


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('select = "IL001"', "`select` in intlint.toml must be a list of strings, not 'IL001'"),
        ("exclude = [1]", "`exclude` in intlint.toml must be a list of strings, not [1]"),
        ('fail-on = "fatal"', '`fail-on` in intlint.toml must be one of "note", "warning", "error", not \'fatal\''),
        ('per-file-ignores = ["x"]', "`per-file-ignores` in intlint.toml must be a table, not ['x']"),
        ('[per-file-ignores]\n"a.py" = "IL001"', '`per-file-ignores` "a.py" in intlint.toml must be a list of strings'),
        ('[severity]\nIL001 = "fatal"', "`severity.IL001` in intlint.toml must be one of"),
        ('bulk-threshold = "big"', "invalid `bulk-threshold` in intlint.toml: option `bulk-threshold` must be int"),
        ("bulk-threshold = true", "invalid `bulk-threshold` in intlint.toml"),
        ("strict = 1", "invalid `strict` in intlint.toml"),
        ('max-file-size = "10MB"', "`max-file-size` in intlint.toml must be a positive number of megabytes, not '10MB'"),
        ("max-file-size = 0", "`max-file-size` in intlint.toml must be a positive number of megabytes, not 0"),
    ],
)
def test_wrong_types_are_errors(tmp_path: Path, toml: str, expected: str) -> None:
    write(tmp_path / "intlint.toml", toml + "\n")
    assert error(tmp_path).startswith(expected)


def test_tool_intlint_must_be_a_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool]\nintlint = "on"\n')
    assert error(tmp_path) == "`tool.intlint` in pyproject.toml must be a table"


def test_bad_fail_on_flag_is_an_error(tmp_path: Path) -> None:
    assert error(tmp_path, fail_on="high").startswith("`--fail-on` must be one of")


# --- resolution ----------------------------------------------------------------------------------


def test_selection_is_select_plus_extend_select_minus_ignore(tmp_path: Path) -> None:
    toml = 'select = ["IL0", "IL2"]\nextend-select = ["IL401"]\nignore = ["IL002", "IL205"]\n'
    write(tmp_path / "intlint.toml", toml)
    assert load(tmp_path).selected == {"IL001", "IL201", "IL401"}


def test_empty_select_selects_nothing_but_extend_select(tmp_path: Path) -> None:
    write(tmp_path / "intlint.toml", 'select = []\nextend-select = ["IL401"]\n')
    assert load(tmp_path).selected == {"IL401"}


def test_command_line_select_replaces_while_ignore_and_extend_select_add(tmp_path: Path) -> None:
    write(tmp_path / "intlint.toml", 'select = ["IL0"]\nignore = ["IL001"]\nextend-select = ["IL205"]\n')
    assert load(tmp_path).selected == {"IL002", "IL205"}
    # The file's ignore and extend-select still apply on top of `--select`.
    assert load(tmp_path, select=("IL0", "IL201")).selected == {"IL002", "IL201", "IL205"}
    assert load(tmp_path, extend_select=("IL401",), ignore=("IL002",)).selected == {"IL205", "IL401"}


def test_command_line_fail_on_and_no_ignores(tmp_path: Path) -> None:
    write(tmp_path / "intlint.toml", 'fail-on = "error"\n')
    assert load(tmp_path).fail_on is Severity.ERROR
    settings = load(tmp_path, fail_on="note", no_ignores=True)
    assert settings.fail_on is Severity.NOTE
    assert settings.respect_ignores is False


def test_options_are_validated_and_defaults_fill_the_rest(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.intlint]\nbulk-threshold = 500\nmin-api-version = 58\n")
    assert load(tmp_path).options == {"bulk-threshold": 500, "min-api-version": 58.0, "strict": False}


def test_severity_overrides_exclude_and_extend_exclude(tmp_path: Path) -> None:
    write(
        tmp_path / "intlint.toml",
        'exclude = ["/legacy"]\nextend-exclude = ["*_pb2.py"]\n[severity]\nIL401 = "error"\nIL002 = "note"\n',
    )
    settings = load(tmp_path)
    assert settings.severity_overrides == {"IL401": Severity.ERROR, "IL002": Severity.NOTE}
    assert settings.exclude == ("/legacy",) and settings.extend_exclude == ("*_pb2.py",)


def test_max_file_size_is_in_megabytes(tmp_path: Path) -> None:
    assert load(tmp_path).max_file_size == 10 * 1024 * 1024
    write(tmp_path / "intlint.toml", "max-file-size = 0.5\n")
    assert load(tmp_path).max_file_size == 512 * 1024


def test_per_file_ignores_expand_prefixes_and_match_paths(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.intlint.per-file-ignores]\n"tests/**/*.py" = ["IL2"]\n"migrations.py" = ["IL001"]\n'
        '"scripts/*" = ["IL401", "IL002"]\n',
    )
    settings = load(tmp_path)
    assert settings.ignored_for_path("tests/unit/test_sync.py") == {"IL201", "IL205"}
    assert settings.ignored_for_path("src/db/migrations.py") == {"IL001"}
    assert settings.ignored_for_path("scripts/load.py") == {"IL401", "IL002"}
    assert settings.ignored_for_path("src/app.py") == frozenset()
