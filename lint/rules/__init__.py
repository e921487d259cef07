"""The rule registry: built-in rule modules plus the `intlint.rules` entry point.

Rules are collected from the modules listed here (and from plugins), never
registered as a side effect of importing some other module.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib.machinery import PathFinder
from types import ModuleType

from lint.errors import UserError
from lint.rules.base import Rule

BUILTIN_MODULES = (
    "lint.rules.linter",
    "lint.rules.idempotency",
    "lint.rules.retry.timeouts",
    "lint.rules.retry.missing_retry",
    "lint.rules.retry.retry_policy",
    "lint.rules.retry.polling",
    "lint.rules.retry.swallowed_errors",
    "lint.rules.bulk.loops",
    "lint.rules.bulk.pagination",
    "lint.rules.bulk.volume",
    "lint.rules.bulk.bulk_v1",
    "lint.rules.security.password_logins",
    "lint.rules.security.login_per_call",
    "lint.rules.security.hardcoded_secrets",
    "lint.rules.security.transport",
    "lint.rules.security.record_ids",
    "lint.rules.security.soql_injection",
    "lint.rules.security.api_versions",
    "lint.rules.handlers",
    "lint.rules.replay.replay_ids",
    "lint.rules.replay.composite_results",
    "lint.rules.replay.bulk_results",
    "lint.rules.replay.publish_results",
    "lint.rules.callouts",
    "lint.rules.events",
)
ENTRY_POINT_GROUP = "intlint.rules"


class RegistryError(UserError):
    """Two rules share a code, or a plugin cannot be loaded."""


@dataclass(frozen=True)
class Registry:
    """Rules by code: the classes (`load_registry`), or their metadata (`lint.rules.catalog.RuleInfo`),
    which answers the same questions about a rule without importing its checks."""

    rules: dict[str, type[Rule]]
    fingerprint: str = ""  # identifies the rules' code, when known (see catalog.code_fingerprint)

    def __contains__(self, code: str) -> bool:
        return code in self.rules

    def __getitem__(self, code: str) -> type[Rule]:
        return self.rules[code]

    def sorted(self) -> list[type[Rule]]:
        return [self.rules[code] for code in sorted(self.rules)]

    def codes_matching(self, selector: str) -> list[str]:
        """Codes selected by `selector`: `ALL`, a full code, or a prefix such as `IL2`."""
        if selector == "ALL":
            return sorted(self.rules)
        return sorted(code for code in self.rules if code.startswith(selector))


def entry_points(group: str):
    """The installed entry points of `group`.

    importlib.metadata reads every installed distribution's metadata (about 50 ms in a virtualenv of a
    few dozen packages: a tenth of a one-file run), so it is imported only when a registry of classes
    is built, which a cached run does not need, and some distribution may declare the group.
    """
    if not _may_declare(group):
        return ()
    from importlib.metadata import entry_points as installed

    return installed(group=group)


def _may_declare(group: str) -> bool:
    """Whether a distribution that importlib.metadata finds may declare entry points of `group`: the
    `entry_points.txt` of some `*.dist-info` or `*.egg-info` folder on sys.path mentions it. What this
    look cannot see into (a zip archive on the path, a finder of distributions besides the path's)
    counts as a yes."""
    if any(hasattr(finder, "find_distributions") for finder in sys.meta_path if finder is not PathFinder):
        return True
    mention = group.encode()
    for entry in sys.path:
        folder = entry or "."
        if os.path.isfile(folder):
            return True  # a zip archive
        for info in _metadata_folders(folder):
            try:
                with open(os.path.join(info, "entry_points.txt"), "rb") as declared:
                    if mention in declared.read():
                        return True
            except OSError:
                continue  # it declares no entry points (or is a PKG-INFO file)
    return False


def _metadata_folders(folder: str) -> list[str]:
    """The distributions' metadata folders importlib.metadata looks for in a sys.path folder."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = [os.path.join(folder, name) for name in names if name.lower().endswith((".dist-info", ".egg-info"))]
    if folder.lower().endswith(".egg"):
        found.append(os.path.join(folder, "EGG-INFO"))  # an unzipped egg on the path
    return found


@lru_cache(maxsize=1)
def load_registry() -> Registry:
    rules: dict[str, type[Rule]] = {}
    for name in BUILTIN_MODULES:
        _add(rules, rules_in_module(importlib.import_module(name)), name)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as error:  # a broken plugin must name itself, not crash with a traceback
            raise RegistryError(f"cannot load rule plugin `{entry.name}` ({entry.value}): {error}") from error
        found = rules_in_module(loaded) if isinstance(loaded, ModuleType) else [loaded]
        _add(rules, found, f"plugin `{entry.name}`")
    return Registry(rules)


def rules_in_module(module: ModuleType) -> list[type[Rule]]:
    """Concrete rule classes defined (not merely imported) in `module`."""
    return [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Rule) and not obj.abstract and obj.__module__ == module.__name__
    ]


def _add(rules: dict[str, type[Rule]], found: list[type[Rule]], origin: str) -> None:
    for rule in found:
        if not (inspect.isclass(rule) and issubclass(rule, Rule)) or rule.abstract:
            raise RegistryError(f"{origin} provides {rule!r}, which is not a concrete intlint rule")
        if rule.code in rules and rules[rule.code] is not rule:
            raise RegistryError(f"{origin} defines {rule.code}, which {rules[rule.code].__module__} already defines")
        rules[rule.code] = rule
