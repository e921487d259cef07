"""The file pre-filter: which enabled rules could fire on a file, told from its bytes before any parse.

Each rule declares what a file must contain for it to fire (`Rule.requires`, see
lint.rules.base.Requires); a run's pre-filter is derived from the enabled rules'
declarations, never kept by hand. A file that meets none of them is not parsed at all:
parsing, traversals and metadata are the budget (DESIGN.md, "Performance"), and most files
of a repository have nothing to do with an integration. A file that is parsed runs only the
rules whose requirement it meets; the others could not report anything on it.

Imports are read from import statements: each `import` keyword is found with a plain byte
search and only the statement around it is read, which is quicker than a regular expression
over every line and exact where a word search is not (`# uses requests` imports nothing).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator, Sequence

from lint.rules.base import AllOf, EveryFile, Requirement, Requires

_STATEMENT_BREAKS = re.compile(rb"[;:\r\n]")  # statements on one line: `import a; import b`, `try: import c`


class Prefilter:
    """The enabled rules' requirements by source kind, checked against a file's bytes."""

    def __init__(self, rules: Sequence[Any]) -> None:
        self._by_kind: dict[str, list[tuple[Any, Requirement]]] = {}
        for rule in rules:
            for kind in rule.sources:
                self._by_kind.setdefault(kind, []).append((rule, rule.requirement(kind)))

    def rules_for(self, kind: str, data: bytes, imported_from: Sequence[frozenset[str]] = ()) -> tuple[Any, ...]:
        """The enabled rules of `kind` whose requirement the file meets, in the order given. What the project
        modules it imports from import (`imported_from`, their `imported_names`; lint.local_modules) counts as
        imported by the file: it may use a client they build."""
        scan = _Scan(data, imported_from)
        return tuple(rule for rule, requirement in self._by_kind.get(kind, ()) if scan.meets(requirement))


def imported_names(data: bytes) -> frozenset[str]:
    """What the file's import statements make reachable, as dotted names: `import a.b, c as d` gives
    `a` and `c` (the packages they bind, and so everything under them), `from e.f import g, h` gives
    `e.f.g` and `e.f.h`, `from e import *` gives `e`; relative imports give nothing."""
    found: set[bytes] = set()
    for statement in _import_statements(data):
        found.update(_names(statement))
    return frozenset(name.decode("ascii", "replace") for name in found)


def from_imports(data: bytes) -> list[tuple[int, str, tuple[str, ...] | None]]:
    """The file's `from` imports, relative ones included, as (level, module, names): `from ..a.b import c, d`
    gives (2, "a.b", ("c", "d")), `from . import e` (1, "", ("e",)); names are None for `*` or a list the
    statement's line does not close."""
    return [(level, module, tuple(name for name, _ in pairs) if pairs else None) for level, module, pairs in _from_statements(data)]


def passed_names(data: bytes) -> dict[str, tuple[int, str, str]]:
    """The names the file binds with `from` imports, each with where it is from: `from .client import sf as salesforce`
    gives `salesforce` -> (1, "client", "sf"); what a package's `__init__.py` passes on."""
    return {bound: (level, module, name) for level, module, pairs in _from_statements(data) for name, bound in pairs or ()}


def _from_statements(data: bytes) -> Iterator[tuple[int, str, list[tuple[str, str]] | None]]:
    """(level, module, [(name, the name it is bound to)]) for each `from` import; None for the names of `*` or a list the
    statement's line does not close."""
    for statement in _import_statements(data):
        words = statement.split()
        if len(words) < 2 or words[0] != b"from":
            continue
        dotted = words[1].decode("ascii", "replace")
        module = dotted.lstrip(".")
        level = len(dotted) - len(module)
        if module == "import":  # `from .import x`: no space before the keyword
            module = ""
        pairs = _from_pairs(statement)
        yield level, module, [(name.decode("ascii", "replace"), bound.decode("ascii", "replace")) for name, bound in pairs] if pairs else None


def whole_imports(data: bytes) -> list[str]:
    """The modules the file's `import` statements import, dotted: `import a.b as c, d` gives `a.b` and `d`."""
    return [module.decode("ascii", "replace") for statement in _import_statements(data) for module in _whole_modules(statement)]


def _import_statements(data: bytes) -> Iterator[bytes]:
    """Each statement around an `import` keyword, with the lines a trailing backslash joins to it."""
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark would hide the first statement's keyword
    position = data.find(b"import")
    while position != -1:
        start, end = _logical_line(data, position)
        text = data[start:end].replace(b"\\\r\n", b" ").replace(b"\\\n", b" ").replace(b"\\\r", b" ")
        yield from _STATEMENT_BREAKS.split(text)
        position = data.find(b"import", max(end, position + 6))


def imports_any(names: frozenset[str], modules: tuple[str, ...]) -> bool:
    """Whether imports that reach `names` can name something in one of `modules` (`urllib.request`
    is reached by `import urllib`, `from urllib import request`, `from urllib.request import urlopen`;
    not by `from urllib.parse import quote`)."""
    reached = _reached(names)
    return any(module in reached or not names.isdisjoint(_packages_of(module)) for module in modules)


@lru_cache(maxsize=8)  # the file being scanned, whose requirements ask in turn
def _reached(names: frozenset[str]) -> frozenset[str]:
    """The names and the packages they are in: `a.b.c` reaches `a`, `a.b` and `a.b.c`."""
    return frozenset(name[:end] for name in names for end in _dots(name))


@lru_cache(maxsize=None)
def _packages_of(module: str) -> frozenset[str]:
    """The packages `module` is in (`a.b.c`: `a`, `a.b`), whose import reaches it."""
    return frozenset(module[:end] for end in _dots(module)[:-1])


def _dots(name: str) -> list[int]:
    """Where each dotted prefix of `name` ends, the whole name last."""
    return [index for index, character in enumerate(name) if character == "."] + [len(name)]


class _Scan:
    """One file's bytes, read lazily for what the requirements ask: its imports, its lower-cased text."""

    def __init__(self, data: bytes, imported_from: Sequence[frozenset[str]] = ()) -> None:
        self.data = data
        self.imported_from = imported_from
        self._lower: bytes | None = None
        self._imports: frozenset[str] | None = None
        # By identity: the rules' requirements live as long as the run, and a frozen dataclass hashes every field.
        self._met: dict[int, bool] = {}
        self._found: dict[str, bool] = {}  # by pattern: several requirements share one

    def meets(self, requirement: Requirement) -> bool:
        if isinstance(requirement, EveryFile):
            return True
        if isinstance(requirement, AllOf):
            return all(self.meets(part) for part in requirement.parts)
        met = self._met.get(id(requirement))
        if met is None:
            met = self._met[id(requirement)] = self._meets_any(requirement)
        return met

    def _meets_any(self, requirement: Requires) -> bool:
        if requirement.imports and imports_any(self.imports(), requirement.imports):
            return True
        if requirement.markers and any(marker in self.lower() for marker in _lowered(requirement.markers)):
            return True
        return any(self._search(pattern) for pattern in requirement.patterns)

    def _search(self, pattern: str) -> bool:
        found = self._found.get(pattern)
        if found is None:
            found = self._found[pattern] = _compiled(pattern).search(self.data) is not None
        return found

    def imports(self) -> frozenset[str]:
        if self._imports is None:
            self._imports = imported_names(self.data).union(*self.imported_from)
        return self._imports

    def lower(self) -> bytes:
        if self._lower is None:
            self._lower = self.data.lower()
        return self._lower


@lru_cache(maxsize=None)
def _lowered(markers: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(marker.lower().encode("ascii") for marker in markers)


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[bytes]:
    return re.compile(pattern.encode())


def _from_names(statement: bytes) -> list[bytes] | None:
    """The names a `from` statement imports; None for `*` or names on the lines that follow."""
    pairs = _from_pairs(statement)
    return [name for name, _ in pairs] if pairs is not None else None


def _from_pairs(statement: bytes) -> list[tuple[bytes, bytes]] | None:
    """(name, the name it is bound to) for each name a `from` statement imports (`a as b`); None for `*` or names on the
    lines that follow."""
    _, _, imported = statement.partition(b"import")
    pairs = [(parts[0], parts[-1]) for name in imported.replace(b"(", b" ").replace(b")", b" ").split(b",") if (parts := name.split())]
    if not pairs or any(name == b"*" for name, _ in pairs) or (b"(" in imported and b")" not in imported):
        return None
    return pairs


def _logical_line(data: bytes, position: int) -> tuple[int, int]:
    """The line around `position`, with the lines a trailing backslash joins to it."""
    start = data.rfind(b"\n", 0, position) + 1
    while start >= 2 and (data[start - 2 : start] == b"\\\n" or data[start - 3 : start] == b"\\\r\n"):
        start = data.rfind(b"\n", 0, start - 1) + 1
    end = data.find(b"\n", position)
    while end != -1 and (data[end - 1 : end] == b"\\" or data[end - 2 : end] == b"\\\r"):
        end = data.find(b"\n", end + 1)
    return start, len(data) if end == -1 else end


def _names(statement: bytes) -> set[bytes]:
    words = statement.split()
    if len(words) >= 2 and words[0] == b"from":
        module = words[1]
        if module.startswith(b"."):
            return set()  # a relative import: the project's own modules
        names = _from_names(statement)
        if names is None:
            return {module}  # everything, or names on the lines that follow: all of it may be reached
        return {module + b"." + name for name in names}
    return {module.split(b".")[0] for module in _whole_modules(statement)}


def _whole_modules(statement: bytes) -> list[bytes]:
    """The modules an `import` statement imports (`import a.b as c, d` gives `a.b` and `d`); none for a `from` one."""
    words = statement.split()
    if not words or words[0] != b"import":
        return []
    return [parts[0] for name in statement.split(b"import", 1)[1].split(b",") if (parts := name.split())]
