"""Source kinds: which files each kind covers and which module parses them.

A kind's module is imported only when a file of that kind is linted, so a run
that parses nothing never imports a parser. The module exposes `RULE_BASE`
(the rule class its rules derive from) and `lint_file(path, data, rules,
options)`; a kind whose rules look across files (`cross_file`) also exposes
`build_index(files)`, and its `lint_file` takes the index as a fifth argument
(see lint.engine).
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

    def matches(self, path: PurePosixPath) -> bool:
        return path.name.lower().endswith(self.suffixes)


# Order matters: `-meta.xml` must win over any later, broader suffix.
KINDS: tuple[SourceKind, ...] = (
    SourceKind("py", (".py",), "example.py", "lint.sources.python"),
    SourceKind("xml", ("-meta.xml",), "Example.object-meta.xml", "lint.sources.xml"),
    SourceKind("apex", (".cls", ".trigger"), "Example.cls", "lint.sources.apex", cross_file=True),
    SourceKind("cfg", (".yml", ".yaml", ".json", ".properties"), "example.yml", "lint.sources.config"),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_of(path: str | PurePosixPath) -> SourceKind | None:
    path = PurePosixPath(path)
    for kind in KINDS:
        if kind.matches(path):
            return kind
    return None


def load_source(kind: SourceKind):
    """The module that lints files of `kind` (imported lazily), or None for a slot."""
    return importlib.import_module(kind.module) if kind.module else None
