"""The project's own Python modules a file imports from, found on disk where its imports name them.

Integration code is commonly split so: `clients.py` logs in and builds the client, the jobs import it
and loop over records (`from .clients import sf`, or `from . import clients` and `clients.sf`). A Python
file is therefore read with what the project modules it imports export (lint.sources.python_exports), one
level deep (a name a module only passes on, such as a package's `__init__.py` importing it from its own
module, one level further): the pre-filter counts the imports of those that may give it a client as its
own, the facts type the names it takes from them, and a cached outcome holds only while those modules
are unchanged (lint.engine).

A module is looked for where Python would find it from the file: a relative import in the file's
package; an absolute one in the file's directory and each directory above it, up to the project root
(a `src/` layout, scripts beside their package). Nothing outside the root is read, so installed
libraries never are, and neither is a module too large to be hand-written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from lint.prefilter import from_imports, imported_names, imports_any, passed_names, whole_imports
from lint.rules.requirements import NETWORK_CALLS
from lint.sources.python_names import CANONICAL_NAMES, CONSTRUCTORS

MAX_MODULE_BYTES = 2_000_000


@lru_cache(maxsize=None)  # compiled when first needed: a warm run needs none
def _client_classes() -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """The names of the network clients the facts know; where a module's text builds, subclasses or returns one; and
    where it keeps one on `self` (`self.sf = Salesforce(...)`, `self.http: requests.Session`)."""
    names = [*CONSTRUCTORS, *(alias for alias, known in CANONICAL_NAMES.items() if known in CONSTRUCTORS)]
    words = sorted({name.rpartition(".")[2] for name in names if imports_any(frozenset({name}), NETWORK_CALLS.imports)})
    word = rb"\b(?:" + rb"|".join(name.encode() for name in words) + rb")\b"
    built, subclassed, returned, annotated = word + rb"\s*\(", rb"^[ \t]*class\s+\w+\s*\([^)]*" + word, rb"->[^:\n]*" + word, rb"^\w+\s*:[^=\n]*" + word
    held = rb"\bself\.\w+\s*(?::[^=\n]*" + word + rb"|(?::[^=\n]*)?=\s*(?:\w+\.)*" + word + rb"\s*\()"
    return re.compile(word), re.compile(rb"|".join((built, subclassed, returned, annotated)), re.MULTILINE), re.compile(held)


def builds_clients(data: bytes) -> bool:
    """Whether a module's text can build a client: it imports a client library and builds, subclasses or returns a client class
    (`Salesforce(`, `class X(requests.Session)`, `-> httpx.Client`)."""
    return imports_any(imported_names(data), NETWORK_CALLS.imports) and _client_classes()[1].search(data) is not None


def may_be_client(data: bytes, name: str) -> bool:
    """Whether a module that builds clients defines `name` at its top level as something that can be one: a function or an
    assignment, a class with a client class among its bases, or any class where the module keeps clients on `self` (its
    instances may hold them). Most names imported from a module are its other classes."""
    found = _definition(name).search(data)
    if found is None or found["bases"] is None:
        return found is not None
    return _client_classes()[0].search(found["bases"]) is not None or _client_classes()[2].search(data) is not None


@lru_cache(maxsize=4096)
def _definition(name: str) -> re.Pattern[bytes]:
    word = re.escape(name.encode())
    return re.compile(rb"^(?:(?:async[ \t]+)?def[ \t]+" + word + rb"\b|class[ \t]+" + word + rb"\b(?P<bases>[^:]*)|" + word + rb"[ \t]*[:=])", re.MULTILINE)


@dataclass(frozen=True)
class LocalModule:
    """A project module a file imports names from."""

    relative: str  # POSIX path from the project root
    path: str
    names: tuple[str, ...] | None  # the names imported from it; None: all of them (`*`), or not read here


# Where each import from a folder leads: (root, folder, level, module) -> its file. Kept for the process (the
# main process looks up every import for the pre-filter; linting in it looks them up again); a run's first
# lookups start afresh (`fresh=True`), since files may have come and gone since the last run in this process.
_FOUND: dict[tuple[str, str, int, str], str | None] = {}


class LocalModules:
    """Finds and reads the project modules files import from; each is read, and its text judged, once."""

    def __init__(self, root: str | os.PathLike[str], *, fresh: bool = False) -> None:
        self.root = os.path.realpath(root)
        self._read: dict[str, bytes | None] = {}
        self._imports: dict[str, frozenset[str]] = {}
        self._builds: dict[str, bool] = {}  # by path: whether its text can build a client
        self._passed: dict[str, dict[str, tuple[int, str, str]]] = {}  # by path: the names it passes on (prefilter.passed_names)
        if fresh:
            _FOUND.clear()

    def imported_by(self, relative: str, data: bytes) -> list[LocalModule]:
        """The project modules the file at `relative` (from the root) imports, in import order, once each: those it
        imports names from, and those it imports whole (`import app.clients`, `from . import clients`), whose
        names it may use all."""
        importer = self.path_of(relative)
        folder = os.path.dirname(importer)
        found: dict[str, LocalModule] = {}

        def add(path: str | None, names: tuple[str, ...] | None) -> None:
            if path is None or path == importer:
                return
            known = found.get(path)
            if known is not None:
                names = None if names is None or known.names is None else known.names + names
            found[path] = LocalModule(self._relative(path), path, names)

        for level, module, names in from_imports(data):
            add(self.find(folder, level, module), names)
            for name in names or ():
                add(self.find(folder, level, f"{module}.{name}" if module else name), None)
        for module in whole_imports(data):
            add(self.find(folder, 0, module), None)
        return list(found.values())

    def passed_on(self, module: LocalModule) -> list[LocalModule]:
        """The project modules whose names `module` passes on to the file (`from .client import sf` in a package's
        `__init__.py`, for the names the file takes from it): read one level further, as python_exports does."""
        data = self.read(module.path)
        if data is None:
            return []
        if module.path not in self._passed:
            self._passed[module.path] = passed_names(data)
        folder = os.path.dirname(module.path)
        found: dict[str, tuple[str, ...]] = {}
        for bound, (level, origin, name) in self._passed[module.path].items():
            path = self.find(folder, level, origin) if module.names is None or bound in module.names else None
            if path is not None and path != module.path:
                found[path] = (*found.get(path, ()), name)
        return [LocalModule(self._relative(path), path, names) for path, names in found.items()]

    def may_give_client(self, module: LocalModule) -> bool:
        """Whether a module can give the file that imports from it a client (what python_exports would read)."""
        data = self.read(module.path)
        if data is None:
            return False
        if module.path not in self._builds:
            self._builds[module.path] = builds_clients(data)
        return self._builds[module.path] and (module.names is None or any(may_be_client(data, name) for name in module.names))

    def find(self, folder: str, level: int, module: str) -> str | None:
        """The file of `module` imported with `level` dots from a file in `folder`; None outside the project."""
        key = (self.root, folder, level, module)
        if key not in _FOUND:
            _FOUND[key] = self._search(folder, level, module)
        return _FOUND[key]

    def imports_of(self, path: str) -> frozenset[str]:
        """What a module's import statements reach (prefilter.imported_names); nothing for one that cannot be read."""
        if path not in self._imports:
            data = self.read(path)
            self._imports[path] = imported_names(data) if data is not None else frozenset()
        return self._imports[path]

    def read(self, path: str) -> bytes | None:
        """A module's bytes; None when it cannot be read or is too large."""
        if path not in self._read:
            self._read[path] = read_small(path)
        return self._read[path]

    def _search(self, folder: str, level: int, module: str) -> str | None:
        parts = module.split(".") if module else []  # `from . import x`: the package's own `__init__.py`
        if level:
            for _ in range(level - 1):
                folder = os.path.dirname(folder)
            return self._module_in(folder, parts)
        while self._inside(folder):
            found = self._module_in(folder, parts)
            if found is not None:
                return found
            if folder == self.root:
                return None
            folder = os.path.dirname(folder)
        return None

    def _module_in(self, folder: str, parts: list[str]) -> str | None:
        package = os.path.join(folder, *parts, "__init__.py")
        for candidate in (os.path.join(folder, *parts) + ".py", package) if parts else (package,):
            if os.path.isfile(candidate):
                real = os.path.realpath(candidate)
                return real if self._inside(real) else None
        return None

    def _relative(self, path: str) -> str:
        return os.path.relpath(path, self.root).replace(os.sep, "/")

    def _inside(self, path: str) -> bool:
        return path == self.root or path.startswith(self.root + os.sep)

    def path_of(self, relative: str) -> str:
        """The real path of a file given relative to the root (or absolute)."""
        return os.path.realpath(os.path.join(self.root, relative))


def read_small(path: str) -> bytes | None:
    """A module's bytes; None when it cannot be read or is larger than a hand-written module would be."""
    try:
        if os.path.getsize(path) > MAX_MODULE_BYTES:
            return None
        with open(path, "rb") as module:
            return module.read(MAX_MODULE_BYTES + 1)
    except OSError:
        return None
