"""What a project module gives the files that import from it: the clients it builds (lint.local_modules).

A name is read as `from <module> import <name>` binds it, or as `<module>.<name>` where the module is
imported whole (`from . import clients`, `import app.clients`). A module's exports are read by the same
facts that read the file itself, at the cost of their prescan (top-level statements only): module-level
clients (`sf = Salesforce(...)`), functions that return one (`def connect() -> Salesforce`,
`return requests.Session()`), subclasses of a client (`class OrgSession(requests.Session)`), whose
instances are that client except through a method the subclass defines itself, and classes that keep
clients on `self`, whose instances carry them (`handler.connection` of `OrgHandler`). A name a module
only passes on (`from .client import sf` in a package's `__init__.py`) is read in the module it comes from.

Parsing every module a project imports from would cost as much again as linting it, so a module is
parsed only when its text says it may give the name asked for a client (local_modules.may_be_client),
once per process and version (its size, modification time and inode).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Sequence

import libcst as cst

from lint.local_modules import LocalModules, builds_clients, may_be_client, read_small
from lint.prefilter import passed_names
from lint.sources.python_calls import keyword
from lint.sources.python_facts import PROJECT_OBJECT, ClassInfo, Imported, ObjectType, PythonFacts
from lint.sources.python_names import CONSTRUCTORS
from lint.sources.python_sessions import is_mount

MAX_REMEMBERED = 1024  # modules' exports kept per process
MAX_HELD_DEPTH = 3  # project objects held by project objects (`service.crm.sf`), read this deep


@dataclass(frozen=True)
class Export:
    """A name a project module binds to a client, or to something that builds one."""

    object_type: ObjectType | None = None  # the name holds a client, or a project object holding some
    returns: ObjectType | None = None  # calling the name gives one: a factory, or a class
    instance: ObjectType | None = None  # the name is a class: what an annotation naming it says a value holds


Parse = Callable[[str, bytes], "tuple[cst.Module, str] | None"]  # (path, bytes) -> tree and text; None: unreadable


def imported_from(root: str, relative: str, parse: Parse) -> Imported:
    """What the project's own modules give the file at `relative` that imports them."""
    modules = LocalModules(root)
    return _ProjectImports(modules, os.path.dirname(modules.path_of(relative)), parse)


@dataclass(frozen=True)
class _ProjectImports:
    """The project modules as the file in `folder` imports them (python_facts.Imported)."""

    modules: LocalModules
    folder: str
    parse: Parse

    def export(self, level: int, module: str, name: str) -> Export | None:
        path = self.modules.find(self.folder, level, module)
        if path is None:
            return None
        module = _module(path)
        found = _exported(module, path, name, self.parse)
        origin = module.passed.get(name) if found is None else None
        if origin is not None:  # a name the module passes on (`from .client import sf` in a package's `__init__.py`)
            deeper = self.modules.find(os.path.dirname(path), origin[0], origin[1])
            found = _exported(_module(deeper), deeper, origin[2], self.parse) if deeper is not None and deeper != path else None
        return found

    def is_module(self, level: int, module: str) -> bool:
        return self.modules.find(self.folder, level, module) is not None


@dataclass
class _Module:
    version: tuple[int, int, int]  # size, modification time and inode when read
    data: bytes | None  # None: unreadable, or it builds no client
    exports: Mapping[str, Export] | None = None  # parsed the first time a name it defines could be a client
    passed: Mapping[str, tuple[int, str, str]] = field(default_factory=dict)  # the names it imports (prefilter.passed_names)


_REMEMBERED: dict[str, _Module] = {}  # by path


def _exported(module: _Module, path: str, name: str, parse: Parse) -> Export | None:
    """What a project module's top level binds `name` to, if a client or something that builds one."""
    if module.exports is None:
        if module.data is None or not may_be_client(module.data, name):
            return None
        module.exports, module.data = _exports(path, module.data, parse), None  # its exports are all it is kept for
    return module.exports.get(name)


def _module(path: str) -> _Module:
    try:
        status = os.stat(path)
    except OSError:
        return _Module((-1, -1, -1), None)
    version = (status.st_size, status.st_mtime_ns, status.st_ino)
    module = _REMEMBERED.get(path)
    if module is None or module.version != version:
        if len(_REMEMBERED) >= MAX_REMEMBERED:
            _REMEMBERED.clear()
        data = read_small(path)
        passed = passed_names(data) if data is not None else {}
        module = _REMEMBERED[path] = _Module(version, data if data is not None and builds_clients(data) else None, passed=passed)
    return module


def _exports(path: str, data: bytes, parse: Parse) -> Mapping[str, Export]:
    parsed = parse(path, data)
    if parsed is None:
        return {}  # a module that does not decode or parse exports nothing known
    try:
        facts = PythonFacts(*parsed)
    except RecursionError:
        return {}  # nested too deeply to read: the importing file is still linted
    found = {
        name: Export(
            _shaped(_portable(facts, binding.object_type), _is_shaped(facts, binding.value, binding.method_calls)),
            _shaped(_portable(facts, binding.returns)),  # a factory: what it does to the client is its own
        )
        for name, binding in facts.module_scope.names.items()
        if binding.qualified is None and (binding.object_type or binding.returns)
    }
    for name, info in facts.classes.items():
        instance = _portable(facts, info.instance_type())
        if instance is not None:
            found[name] = Export(returns=instance, instance=instance)
    return {name: export for name, export in found.items() if export.object_type or export.returns}


def _portable(facts: PythonFacts, found: ObjectType | None, depth: int = 0) -> ObjectType | None:
    """A type as another module sees it: built through a class of this module, it names the methods the class defines,
    and a project object carries the clients its class holds (None when it holds none)."""
    if found is None or found.via_class is None:
        return found
    info = facts.class_named(found.via_class)
    methods = frozenset(info.methods) if info is not None else frozenset()
    if found.qualified != PROJECT_OBJECT:
        return ObjectType(found.qualified, methods=methods)
    held = info.attributes.items() if info is not None and depth < MAX_HELD_DEPTH else ()
    attributes = tuple(
        (attr, _shaped(portable, _attribute_shaped(facts, info, attr)))
        for attr, kind in sorted(held)
        if (portable := _portable(facts, kind, depth + 1)) is not None
    )
    return ObjectType(PROJECT_OBJECT, methods=methods, attributes=attributes) if attributes else None


def _shaped(found: ObjectType | None, shaped: bool = True) -> ObjectType | None:
    """A client as another module sees it: `shaped` when its own module may have set its default timeout and retries
    (python_sessions.session_timeout), which an importer cannot tell."""
    return replace(found, shaped=True) if found is not None and shaped and found.qualified != PROJECT_OBJECT else found


def _is_shaped(facts: PythonFacts, value: cst.BaseExpression | None, calls: Sequence[cst.Call]) -> bool:
    """Built by anything but a library's constructor (a factory, a subclass), given a session (`Salesforce(session=...)`),
    or with adapters mounted on it."""
    built = isinstance(value, cst.Call) and facts.qualified_name(value.func) in CONSTRUCTORS and keyword(value, "session") is None
    return not built or any(is_mount(call) for call in calls)


def _attribute_shaped(facts: PythonFacts, info: ClassInfo, attr: str) -> bool:
    """`self.<attr>` as `_is_shaped` judges a name: every value the class gives it, and the mounts on it."""
    mounts = [call for call, _ in info.method_calls.get(attr, ())]
    values = [value for value, _ in info.attribute_assignments.get(attr, ())] or [None]
    return any(_is_shaped(facts, value, mounts) for value in values)
