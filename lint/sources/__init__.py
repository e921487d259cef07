"""Source kinds: which files each kind covers and which module parses them.

A kind's module is imported only when a file of that kind is linted, so a run
that parses nothing never imports a parser. The module exposes `RULE_BASE`
(the rule class its rules derive from) and `lint_file(path, data, rules,
options)`; a kind whose rules look across files (`cross_file`) also exposes
`build_index(files)`, and its `lint_file` takes the index as a fifth argument
(see lint.engine); one that reads the modules its files import from
(`local_imports`) takes the project root as `root=`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class SourceKind:
    name: str  # the short code used in RULES.md: py, cfg, apex, xml
    suffixes: tuple[str, ...]
    example_path: str  # the file name given to a rule's examples of this kind
    module: str | None  # the module exposing `lint_file`; None while the kind is a slot
    cross_file: bool = False  # its module builds one index of all the run's files of the kind (`build_index`)
    local_imports: bool = False  # its files are read with the project modules they import from (lint.local_modules)


# A file's kind is the one with the longest suffix its name ends with: an External Service registration
# (`*.externalServiceRegistration-meta.xml`) is config, the OpenAPI spec inside (config_registration), not metadata.
REGISTRATION_SUFFIX = ".externalserviceregistration-meta.xml"
KINDS: tuple[SourceKind, ...] = (
    SourceKind("py", (".py",), "example.py", "lint.sources.python", local_imports=True),
    SourceKind("xml", ("-meta.xml",), "Example.object-meta.xml", "lint.sources.xml"),
    SourceKind("apex", (".cls", ".trigger"), "Example.cls", "lint.sources.apex", cross_file=True),
    SourceKind("cfg", (".yml", ".yaml", ".json", ".properties", REGISTRATION_SUFFIX), "example.yml", "lint.sources.config"),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
_BY_SUFFIX = sorted(((suffix, kind) for kind in KINDS for suffix in kind.suffixes), key=lambda entry: -len(entry[0]))


def kind_of(path: str | PurePosixPath) -> SourceKind | None:
    """The kind of a file, by its name; None: intlint does not read such files."""
    name = PurePosixPath(path).name.lower()
    return next((kind for suffix, kind in _BY_SUFFIX if name.endswith(suffix)), None)


def load_source(kind: SourceKind):
    """The module that lints files of `kind` (imported lazily), or None for a slot."""
    return importlib.import_module(kind.module) if kind.module else None
