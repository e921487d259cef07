"""Command line: click commands only; the work is done by config, engine and reporters."""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import click

from lint import __version__
from lint.findings import Severity

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMAT_NAMES = ("terminal", "json", "sarif", "github")
SEVERITY_NAMES = tuple(severity.value for severity in Severity)


class IntlintGroup(click.Group):
    """Turns any error into one line and exit code 2, never a traceback or a usage block."""

    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as shown:
            click.echo(shown.format_message())  # `intlint` alone: the help text, as a usage error
            sys.exit(EXIT_ERROR)
        except click.ClickException as error:
            hint = f" (see `{error.ctx.command_path} --help`)" if isinstance(error, click.UsageError) and error.ctx else ""
            _fail(f"{error.format_message()}{hint}")
        except click.Abort:
            _fail("interrupted")
        sys.exit(code or EXIT_CLEAN)

    def invoke(self, ctx: click.Context):
        from lint.errors import UserError

        try:
            return super().invoke(ctx)
        except UserError as error:
            _fail(str(error))
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as error:  # pragma: no cover - the last line of defence
            _fail(f"internal error: {type(error).__name__}: {error}; please report it")


def _fail(message: str) -> None:
    click.echo(f"intlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=IntlintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="intlint", message="%(prog)s %(version)s")
def main() -> None:
    """intlint finds the anti-patterns of Salesforce integrations in Python code and config.

    \b
    Start with:   intlint check .
    Explain:      intlint rule IL401
    All rules:    intlint rules
    Adopt:        intlint init; intlint baseline
    """


def _codes(values: tuple[str, ...], flag: str) -> tuple[str, ...] | None:
    """Flags may repeat and hold comma-separated codes: `--select IL1,IL401 --select IL5`."""
    codes = tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())
    if values and not codes:
        raise click.UsageError(f"{flag} needs at least one rule code or prefix")
    return codes or None


@dataclass(frozen=True)
class LintFlags:
    """The flags `check` and `baseline` share: which files, which rules, which config, how to run."""

    paths: tuple[Path, ...]
    select: tuple[str, ...]
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    config_file: Path | None
    no_ignores: bool
    force_exclude: bool
    jobs: int | None
    no_cache: bool
    cache_dir: Path | None
    file_timeout: float | None  # None: the default (lint.engine.Limits)
    max_memory: int | None


def _lint_options(command):
    """Add the shared flags to a command, which receives them as one LintFlags (its first argument)."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--select", multiple=True, metavar="CODES", help="Run only these rules (codes or prefixes, comma-separated; `ALL`)."),
        click.option("--extend-select", multiple=True, metavar="CODES", help="Run these rules in addition to the selection."),
        click.option("--ignore", multiple=True, metavar="CODES", help="Do not run these rules."),
        click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this pyproject.toml or intlint.toml instead of the nearest one."),
        click.option("--no-ignores", is_flag=True, help="Report everything: disregard inline `intlint: ignore` comments and per-file-ignores."),
        click.option("--force-exclude", is_flag=True, help="Apply exclude/extend-exclude to files named on the command line too (for pre-commit)."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N", help="Lint in N processes; 1 lints in this one. [default: all cores]"),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache: lint every file afresh."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="INTLINT_CACHE_DIR", help="Keep the cache here. [default: .intlint_cache in the project root]"),
        click.option("--file-timeout", type=click.FloatRange(min=0), metavar="SECONDS", help="Skip, with a notice, a file that takes longer to lint (0: no limit). [default: 30]"),
        click.option("--max-memory", type=click.IntRange(min=0), metavar="MB", help="Skip, with a notice, a file whose linting needs more memory in a worker (0: no limit). [default: 2048]"),
    ]
    fields = tuple(LintFlags.__dataclass_fields__)

    @functools.wraps(command)
    def with_flags(**kwargs):
        return command(LintFlags(**{name: kwargs.pop(name) for name in fields}), **kwargs)

    for option in reversed(options):
        with_flags = option(with_flags)
    return with_flags


def _lint(flags: LintFlags, fail_on: str | None = None):
    """Run the linter as the flags say; usage errors are raised before any file is read."""
    from lint.cache import CACHE_DIR_NAME
    from lint.config import CliOverrides, find_config, resolve_settings
    from lint.engine import Limits, RunOptions, run
    from lint.progress import progress_bar
    from lint.rules.catalog import load_catalog

    missing = [str(path) for path in flags.paths if not os.path.lexists(path)]
    if missing:
        raise click.UsageError(f"path does not exist: {', '.join(missing)}")
    paths = flags.paths or (Path("."),)
    overrides = CliOverrides(
        select=_codes(flags.select, "--select"),
        ignore=_codes(flags.ignore, "--ignore"),
        extend_select=_codes(flags.extend_select, "--extend-select"),
        fail_on=fail_on,
        no_ignores=flags.no_ignores,
        force_exclude=flags.force_exclude,
    )
    config = find_config(paths, config_file=flags.config_file)
    cache_dir = None if flags.no_cache else (flags.cache_dir or config.root / CACHE_DIR_NAME)
    registry = load_catalog(cache_dir)
    settings = resolve_settings(config, overrides, registry)
    limits = Limits()
    if flags.file_timeout is not None:
        limits = replace(limits, file_timeout=flags.file_timeout or None)
    if flags.max_memory is not None:
        limits = replace(limits, max_memory_mb=flags.max_memory or None)
    options = RunOptions(jobs=flags.jobs or _cores(), cache_dir=cache_dir, limits=limits)
    with progress_bar() as progress:
        return run(paths, settings, registry, progress, options), settings


def _cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _exit_on_internal_errors(result) -> None:
    for error in result.internal_errors:
        click.echo(f"intlint: error: {error}", err=True)
    if result.internal_errors:
        sys.exit(EXIT_ERROR)


@main.command(short_help="Lint files and directories.")
@_lint_options
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMAT_NAMES), help="Output format; repeat with --output to write several. [default: terminal]")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False, path_type=Path), help="Write the matching --format to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), help="Lowest severity that makes the exit code 1. [default: warning]")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Also print the number of findings per rule (to stderr when stdout carries JSON or SARIF).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path), help="Report only findings not recorded in this baseline (see `intlint baseline`).")
@click.option("--diff", "--since", "diff_ref", metavar="REF", help="Report only findings on lines changed since this git ref (code review).")
def check(flags: LintFlags, formats, outputs, fail_on, exit_zero, statistics, baseline_file, diff_ref) -> None:
    """Lint PATHS (files or directories; default: the current directory).

    \b
    Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage/config/internal error.
    Examples:
      intlint check .
      intlint check src --select IL4 --fail-on error
      intlint check . --format sarif -o intlint.sarif --format terminal
      intlint check . --baseline intlint-baseline.json
      intlint check . --diff origin/main
    """
    from lint.reporters import write_reports

    formats = formats or ("terminal",)
    if len(outputs) > len(formats):
        raise click.UsageError("more --output files than --format options; pair each --output with a --format")
    if len(formats) - len(outputs) > 1:
        raise click.UsageError("only one --format can go to stdout; give the others an --output file")
    baseline = None
    if baseline_file:  # read before linting, so that a bad baseline fails at once
        from lint.baseline import load_baseline

        baseline = load_baseline(baseline_file)
    result, settings = _lint(flags, fail_on)
    if diff_ref:
        from lint.changes import changed_since

        result = changed_since(diff_ref, settings.root).filter(result)
    if baseline:
        result = baseline.apply(result)
    write_reports(result, formats, outputs, color=_use_color(), statistics=statistics)
    _exit_on_internal_errors(result)
    sys.exit(EXIT_FINDINGS if result.failed and not exit_zero else EXIT_CLEAN)


@main.command(short_help="Record today's findings so that check reports only new ones.")
@_lint_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("intlint-baseline.json"), show_default=True, help="The baseline file to write.")
def baseline(flags: LintFlags, output) -> None:
    """Write every current finding of PATHS to a baseline file.

    Then `intlint check --baseline FILE` reports only findings that are not in it.
    Findings are matched by fingerprint, so moving or reformatting code does not
    bring them back.
    """
    from lint.baseline import render_baseline
    from lint.reporters import write_file

    result, _ = _lint(flags)
    _exit_on_internal_errors(result)
    write_file(output, render_baseline(result))
    click.echo(f"Wrote {len(result.findings)} findings to {output}.")


@main.command(short_help="Write a commented configuration with the defaults.")
@click.option("--pyproject", is_flag=True, help="Append a [tool.intlint] table to pyproject.toml instead of writing intlint.toml.")
def init(pyproject: bool) -> None:
    """Write intlint.toml (or [tool.intlint] in pyproject.toml) in the current directory."""
    from lint.init_config import write_config
    from lint.rules import load_registry

    written = write_config(Path.cwd(), load_registry(), pyproject=pyproject)
    click.echo(f"Wrote {written.name}; edit it to taste.")


@main.command("rules", short_help="List every rule.")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table", show_default=True, help="Table for people, JSON for tools.")
def list_rules(output_format: str) -> None:
    """List every rule: code, name, severity, sources and summary."""
    from lint.reporters.rule_docs import render_rule_list
    from lint.rules import load_registry

    click.echo(render_rule_list(load_registry().sorted(), output_format, color=_use_color()), nl=False)


@main.command("rule", short_help="Explain one rule, with examples.")
@click.argument("code")
def explain_rule(code: str) -> None:
    """Explain one rule (e.g. IL401): what it flags, why, and its examples."""
    from lint.reporters.rule_docs import render_rule
    from lint.rules import load_registry

    registry = load_registry()
    code = code.upper()
    if code not in registry:
        raise click.UsageError(f"no rule {code}; `intlint rules` lists them")
    click.echo(render_rule(registry[code], color=_use_color()), nl=False)


def _use_color() -> bool:
    # no-color.org: only a non-empty NO_COLOR turns colour off.
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
