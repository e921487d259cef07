"""The repository's Apex, indexed once per run: types by name, the class hierarchy, and the call graph.

Built from every file's model (apex_model), so it is plain data that can be
built in one process and shipped to others. Names resolve case-insensitively,
inner types first (`OrderPort` inside `ErpOrderService` is
`ErpOrderService.OrderPort`), then top-level types; a name the repository does
not declare is a platform class (`Http`, `Database`, `System`).

A call made in a routine is resolved in a *frame*: the routine plus the type
`this` is known to be at least. `new OrderTriggerHandler().run()` runs the
inherited `TriggerHandler.run` with `this` an `OrderTriggerHandler`, so the
`this.afterInsert()` inside resolves to that handler's override. A call on an
interface (the repository's, or a platform one such as `Callable` that
repository classes implement), or on a class whose subclasses override the
method, may run any of the implementations (class-hierarchy analysis): each is
a target, marked as dispatched at run time.

`effects(frame)` says what each step of a routine does: a callout, a write
(DML, `Database.*`, `System.enqueueJob`, `Messaging.sendEmail`), synchronous
calls into repository code, and asynchronous starts (`@future` methods, jobs
passed to `System.enqueueJob`, `Database.executeBatch`, `System.schedule`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from lint.sources.apex_model import (
    CONSTRUCTOR,
    INITIALIZER,
    ApexFile,
    ApexType,
    Call,
    Element,
    Expr,
    Member,
    Name,
    Result,
    Routine,
    Step,
    Super,
    This,
    Typed,
    TypeRef,
)
from lint.sources.apex_paths import Paths
from lint.sources.apex_terms import BATCHABLE, QUEUEABLE, SCHEDULABLE

Frame = tuple[int, "str | None"]  # (routine id, key of the type `this` is at least; None in a trigger)

# Platform methods, by (class key, method key).
CALLOUTS = {
    ("http", "send"): "Http.send",
    ("webservicecallout", "invoke"): "WebServiceCallout.invoke",
    ("pagereference", "getcontent"): "PageReference.getContent",
    ("pagereference", "getcontentaspdf"): "PageReference.getContentAsPDF",
}
DATABASE_WRITES = frozenset(
    {"insert", "update", "upsert", "delete", "undelete", "merge", "convertlead", "emptyrecyclebin", "setsavepoint"}
)
OTHER_WRITES = {
    ("system", "enqueuejob"): "System.enqueueJob",
    ("messaging", "sendemail"): "Messaging.sendEmail",
    ("messaging", "sendemailmessage"): "Messaging.sendEmailMessage",
}
# Calls that start a job: (class, method) -> (the job's argument position, the job's interface).
JOB_STARTS = {
    ("system", "enqueuejob"): (0, QUEUEABLE),
    ("database", "executebatch"): (0, BATCHABLE),
    ("system", "schedule"): (2, SCHEDULABLE),
    ("system", "schedulebatch"): (0, BATCHABLE),
}
# What the platform runs of a job: (method, key of its first parameter's type).
JOB_METHODS = {
    QUEUEABLE: (("execute", "queueablecontext"),),
    BATCHABLE: (
        ("start", "database.batchablecontext"),
        ("execute", "database.batchablecontext"),
        ("finish", "database.batchablecontext"),
    ),
    SCHEDULABLE: (("execute", "schedulablecontext"),),
}
ELEMENT_GETTERS = {("map", "get"): 1, ("list", "get"): 0}  # the type argument a collection's `get` returns


@dataclass(frozen=True)
class Target:
    """A routine a call may run, in the frame it runs in."""

    frame: Frame
    candidates: int = 1  # how many implementations the call may run
    dispatched: bool = False  # chosen at run time (an interface, or overrides): the path is less certain


@dataclass(frozen=True)
class Effect:
    """What one step of a routine does, resolved against the repository."""

    step: Step
    callout: str | None = None  # `Http.send`, `WebServiceCallout.invoke`, ...
    write: str | None = None  # `insert`, `Database.update`, `System.enqueueJob`, ...
    calls: tuple[Target, ...] = ()  # repository code run in the same transaction
    starts: tuple[Target, ...] = ()  # repository code run later, in a transaction of its own


@dataclass(frozen=True)
class _Value:
    """What an expression is: its static type, and the repository type it names (None: a platform type)."""

    type: TypeRef
    repo: ApexType | None = None
    exact: bool = False  # `new X()`: exactly an X, no subclass
    static: bool = False  # a class name, not an object


@dataclass(frozen=True)
class _Scope:
    routine: Routine
    owner: ApexType | None  # the type the routine is declared in
    this: ApexType | None  # the type `this` is at least


class ApexIndex:
    def __init__(self, files: Iterable[ApexFile]) -> None:
        self.files = {file.path: file for file in sorted(files, key=lambda file: file.path)}
        self.types: dict[str, ApexType] = {}
        self.routines: list[Routine] = []
        self._owners: list[str | None] = []
        self._by_path: dict[str, list[int]] = defaultdict(list)
        self._methods: dict[str, dict[str, list[int]]] = {}  # type key -> method name key -> routine ids
        self._subtypes: dict[str, list[str]] = defaultdict(list)
        self._effects: dict[Frame, tuple[Effect, ...]] = {}
        self._lineages: dict[str, list[ApexType]] = {}
        self._subtrees: dict[str, list[ApexType]] = {}
        self._paths: Paths | None = None
        for file in self.files.values():
            for declared in file.types:
                self.types.setdefault(declared.name.lower(), declared)  # a duplicate name: the first file wins
            for trigger in file.triggers:
                self._add(trigger.body, None)
            for declared in file.types:
                for routine in declared.routines:
                    self._add(routine, declared.name.lower())
        for key, declared in self.types.items():
            parents = (declared.superclass, *declared.interfaces) if declared.superclass else declared.interfaces
            for parent in parents:
                resolved = self.resolve_type(parent, declared)
                if resolved is None:
                    self._subtypes[parent.key].append(key)  # a platform interface (`Callable`, `Queueable`)
                elif resolved is not declared:
                    self._subtypes[resolved.name.lower()].append(key)

    def _add(self, routine: Routine, owner: str | None) -> None:
        rid = len(self.routines)
        self.routines.append(routine)
        self._owners.append(owner)
        self._by_path[routine.path].append(rid)
        if owner is not None:
            self._methods.setdefault(owner, {}).setdefault(routine.name.lower(), []).append(rid)

    def with_file(self, file: ApexFile) -> ApexIndex:
        """The index with `file` added or replaced (a file linted without being indexed first)."""
        return ApexIndex([*(known for known in self.files.values() if known.path != file.path), file])

    @property
    def paths(self) -> Paths:
        """Shortest synchronous paths to callouts and writes, computed on first use."""
        if self._paths is None:
            self._paths = Paths(self)
        return self._paths

    # -- routines and frames ----------------------------------------------------------------

    def declared_in(self, path: str) -> list[tuple[Frame, Routine]]:
        """The routines of one file (trigger bodies first), each in its own frame."""
        return [(self.frame(rid), self.routines[rid]) for rid in self._by_path.get(path, ())]

    def production_routines(self, path: str) -> list[tuple[Frame, Routine]]:
        """The routines of one file outside `@isTest` classes (tests set up data and mock callouts freely)."""
        return [(frame, routine) for frame, routine in self.declared_in(path) if not ((owner := self.owner(frame[0])) and owner.is_test)]

    def owner(self, rid: int) -> ApexType | None:
        key = self._owners[rid]
        return self.types.get(key) if key is not None else None

    def frame(self, rid: int) -> Frame:
        """A routine's own frame: `this` is at least the type that declares it."""
        return (rid, self._owners[rid])

    def seeds(self) -> list[Frame]:
        """Every routine's own frame, and each concrete job's entry methods run with `this` the job."""
        frames = [self.frame(rid) for rid, routine in enumerate(self.routines) if routine.has_body]
        for declared in self.types.values():
            for targets in self.jobs(declared).values():
                frames.extend(target.frame for target in targets)
        return list(dict.fromkeys(frames))

    # -- types ------------------------------------------------------------------------------

    def resolve_type(self, ref: TypeRef, context: ApexType | None) -> ApexType | None:
        """The repository type `ref` names from inside `context` (inner types first), or None."""
        key = ref.key
        outer = context
        while outer is not None:
            found = self.types.get(f"{outer.name.lower()}.{key}")
            if found is not None:
                return found
            outer = self.types.get(outer.outer.lower()) if outer.outer else None
        return self.types.get(key)

    def lineage(self, declared: ApexType) -> list[ApexType]:
        """The type and its superclasses (or, for an interface, the interfaces it extends)."""
        key = declared.name.lower()
        if key not in self._lineages:
            self._lineages[key] = self._lineage(declared)
        return self._lineages[key]

    def _lineage(self, declared: ApexType) -> list[ApexType]:
        chain, queue = [], [declared]
        while queue:
            current = queue.pop(0)
            if current in chain:
                continue
            chain.append(current)
            parents = [current.superclass] if current.kind == "class" and current.superclass else []
            if current.kind == "interface":
                parents = list(current.interfaces)
            queue.extend(found for found in (self.resolve_type(ref, current) for ref in parents) if found is not None)
        return chain

    def interface_keys(self, declared: ApexType) -> frozenset[str]:
        """Every interface the type implements, its own and inherited: `queueable`, `database.allowscallouts`."""
        keys: set[str] = set()
        pending = [(ref, current) for current in self.lineage(declared) if current.kind == "class" for ref in current.interfaces]
        while pending:
            ref, context = pending.pop()
            found = self.resolve_type(ref, context)
            if found is None:
                keys.add(ref.key)  # a platform interface
            elif found.name.lower() not in keys:
                keys.add(found.name.lower())
                pending.extend((parent, found) for parent in found.interfaces)
        return frozenset(keys)

    def subtree(self, declared: ApexType) -> list[ApexType]:
        """The type and every type that extends or implements it, most general first."""
        key = declared.name.lower()
        if key not in self._subtrees:
            self._subtrees[key] = self._subtree(declared)
        return self._subtrees[key]

    def _subtree(self, declared: ApexType) -> list[ApexType]:
        found, queue = [declared], [declared.name.lower()]
        while queue:
            for key in self._subtypes.get(queue.pop(0), ()):
                subtype = self.types[key]
                if subtype not in found:
                    found.append(subtype)
                    queue.append(key)
        return found

    def jobs(self, declared: ApexType) -> dict[str, tuple[Target, ...]]:
        """For a concrete class that is a Queueable, Batchable or Schedulable: the methods the platform runs."""
        if declared.is_abstract or declared.is_test:
            return {}
        interfaces = self.interface_keys(declared)
        return {kind: self._job_methods(declared, kind) for kind in JOB_METHODS if kind in interfaces}

    def _job_methods(self, declared: ApexType, kind: str) -> tuple[Target, ...]:
        targets = []
        for method, context in JOB_METHODS[kind]:
            for rid in self.methods_named(declared, method):
                params = self.routines[rid].params
                if self.routines[rid].has_body and params and params[0][1].key == context:
                    targets.append(Target((rid, declared.name.lower())))
        return tuple(targets)

    def methods_named(self, declared: ApexType, name: str, arity: int | None = None) -> list[int]:
        """The routines `name` means on `declared`: its own, else the nearest ancestor's."""
        for current in self.lineage(declared):
            found = self._methods.get(current.name.lower(), {}).get(name.lower())
            if found:
                same = [rid for rid in found if arity is None or len(self.routines[rid].params) == arity]
                return same or list(found)
        return []

    def _field(self, declared: ApexType, name: str) -> _Value | None:
        for current in self.lineage(declared):
            for field, ref in current.fields:
                if field.lower() == name.lower():
                    return _Value(ref, self.resolve_type(ref, current))
        return None

    # -- effects ----------------------------------------------------------------------------

    def effects(self, frame: Frame) -> tuple[Effect, ...]:
        """What each step of the frame's routine does, in order."""
        found = self._effects.get(frame)
        if found is None:
            rid, this = frame
            routine = self.routines[rid]
            scope = _Scope(routine, self.owner(rid), self.types.get(this) if this else None)
            found = self._effects[frame] = tuple(self._effect(step, scope) for step in routine.steps)
        return found

    def _effect(self, step: Step, scope: _Scope) -> Effect:
        if step.call is None:
            return Effect(step, write=step.dml)
        call = step.call
        receiver = self._receiver(call, scope)
        if receiver is not None and receiver.repo is None:
            return self._platform_effect(step, receiver, scope)
        targets = self._targets(call, receiver, scope)
        later = tuple(target for target in targets if self._is_future(target))
        now = tuple(target for target in targets if target not in later)
        return Effect(step, calls=now, starts=later)

    def _platform_effect(self, step: Step, receiver: _Value, scope: _Scope) -> Effect:
        call = step.call
        key = (receiver.type.key, call.name.lower())
        calls = () if receiver.static else self.platform_implementations(receiver.type, call.name, len(call.args))
        write = f"Database.{call.name}" if key[0] == "database" and key[1] in DATABASE_WRITES else OTHER_WRITES.get(key)
        starts: tuple[Target, ...] = ()
        if key in JOB_STARTS:
            position, kind = JOB_STARTS[key]
            job = self._value(call.args[position], scope) if len(call.args) > position else None
            if job is not None and job.repo is not None:
                starts = self._job_methods(job.repo, kind) if job.exact else self._jobs_under(job.repo, kind)
        return Effect(step, callout=CALLOUTS.get(key), write=write, calls=calls, starts=starts)

    def _jobs_under(self, declared: ApexType, kind: str) -> tuple[Target, ...]:
        return tuple(target for job in self.subtree(declared) for target in self.jobs(job).get(kind, ()))

    def _is_future(self, target: Target) -> bool:
        return self.routines[target.frame[0]].annotation("future") is not None

    def _receiver(self, call: Call, scope: _Scope) -> _Value | None:
        if call.name == CONSTRUCTOR or call.receiver is None:
            return None
        return self._value(call.receiver, scope)

    def _targets(self, call: Call, receiver: _Value | None, scope: _Scope) -> tuple[Target, ...]:
        """The repository routines a call may run."""
        arity = len(call.args)
        if call.name == CONSTRUCTOR:
            created = self._value(call.receiver, scope)
            if created is None or created.repo is None:
                return ()
            routines = self.methods_named(created.repo, CONSTRUCTOR, arity) + self.methods_named(created.repo, INITIALIZER)
            return tuple(Target((rid, created.repo.name.lower())) for rid in routines if self.routines[rid].has_body)
        if receiver is None:
            if call.qualified:
                return ()  # an expression intlint cannot type
            return self._unqualified(call.name, arity, scope)
        if receiver.static or receiver.exact:
            return self._exact(receiver.repo, call.name, arity)
        return self.implementations(receiver.repo, call.name, arity)

    def _unqualified(self, name: str, arity: int, scope: _Scope) -> tuple[Target, ...]:
        """`m()`: a method of `this` (or, for a static one, of the class), else a static method of an outer class."""
        found = self.methods_named(scope.this, name, arity) if scope.this is not None else []
        if found:
            if all(self.routines[rid].is_static for rid in found):
                return self._exact(scope.this, name, arity)
            return self.implementations(scope.this, name, arity)
        outer = scope.owner
        while outer is not None:
            if self.methods_named(outer, name, arity):
                return self._exact(outer, name, arity)
            outer = self.types.get(outer.outer.lower()) if outer.outer else None
        return ()

    def _exact(self, declared: ApexType, name: str, arity: int) -> tuple[Target, ...]:
        rids = [rid for rid in self.methods_named(declared, name, arity) if self.routines[rid].has_body]
        return tuple(Target((rid, declared.name.lower())) for rid in rids)

    def implementations(self, declared: ApexType, name: str, arity: int) -> tuple[Target, ...]:
        """What `x.name(...)` may run when `x` is declared as `declared` (an interface, or a class with overrides)."""
        general = {current.name.lower() for current in self.lineage(declared)}
        return self._dispatch(self.subtree(declared), general, declared, name, arity)

    def platform_implementations(self, interface: TypeRef, name: str, arity: int) -> tuple[Target, ...]:
        """What `x.name(...)` may run when `x` is declared as a platform interface (`Callable`) the repository implements."""
        candidates = [kind for key in self._subtypes.get(interface.key, ()) for kind in self.subtree(self.types[key])]
        return self._dispatch(list(dict.fromkeys(candidates)), set(), None, name, arity)

    def _dispatch(
        self, candidates: list[ApexType], general: set[str], declared: ApexType | None, name: str, arity: int
    ) -> tuple[Target, ...]:
        """Every implementation of `name` among `candidates` (most general first), each in its frame."""
        members = {current.name.lower() for current in candidates}
        found: dict[int, str] = {}
        for current in candidates:
            if current.is_abstract and current is not declared:
                continue
            for rid in self.methods_named(current, name, arity):
                if not self.routines[rid].has_body or rid in found:
                    continue
                owner = self._owners[rid]
                # An inherited routine runs with `this` at least the declared type; an override, its own class.
                if owner in general:
                    found[rid] = declared.name.lower()
                else:
                    found[rid] = owner if owner in members else current.name.lower()
        dispatched = declared is None or declared.kind == "interface" or len(found) > 1
        return tuple(Target((rid, this), len(found), dispatched) for rid, this in found.items())

    # -- values -----------------------------------------------------------------------------

    def _value(self, expr: Expr, scope: _Scope) -> _Value | None:
        """The static type of an expression in `scope`, or None when intlint cannot tell."""
        if isinstance(expr, Typed):
            return _Value(expr.type, self.resolve_type(expr.type, scope.owner), exact=expr.exact)
        if isinstance(expr, This):
            return _Value(TypeRef(scope.this.name), scope.this) if scope.this else None
        if isinstance(expr, Super):
            parent = scope.owner.superclass if scope.owner else None
            return _Value(parent, self.resolve_type(parent, scope.owner), exact=True) if parent else None
        if isinstance(expr, Name):
            return self._name(expr.name, scope)
        if isinstance(expr, Member):
            return self._member(expr, scope)
        if isinstance(expr, Result):
            return self._result(expr.call, scope)
        if isinstance(expr, Element):
            of = self._value(expr.of, scope)
            if of is not None and of.type.key in ("list", "set") and of.type.args:
                return _Value(of.type.args[0], self.resolve_type(of.type.args[0], scope.owner))
        return None

    def _name(self, name: str, scope: _Scope) -> _Value:
        """An identifier that is not a local: a field of `this`, a static field of an outer type, else a class."""
        holders = [scope.this] if scope.this else []
        outer = scope.owner
        while outer is not None:
            holders.append(outer)
            outer = self.types.get(outer.outer.lower()) if outer.outer else None
        for holder in holders:
            field = self._field(holder, name)
            if field is not None:
                return field
        ref = TypeRef(name)
        return _Value(ref, self.resolve_type(ref, scope.owner), static=True)

    def _member(self, expr: Member, scope: _Scope) -> _Value | None:
        of = self._value(expr.of, scope)
        if of is None:
            return None
        if of.repo is not None:
            field = self._field(of.repo, expr.name)
            if field is not None:
                return field
            if of.static:
                inner = self.types.get(f"{of.repo.name.lower()}.{expr.name.lower()}")
                return _Value(TypeRef(inner.name), inner, static=True) if inner else None
            return None
        if of.static:  # `Database.Batchable`, or a repository type written with its outer type's platform-like name
            ref = TypeRef(f"{of.type.name}.{expr.name}")
            return _Value(ref, self.resolve_type(ref, scope.owner), static=True)
        return None

    def _result(self, call: Call, scope: _Scope) -> _Value | None:
        """The type a call returns: a repository method's declared type, or a collection's element."""
        receiver = self._receiver(call, scope)
        if receiver is not None and receiver.repo is None:
            position = ELEMENT_GETTERS.get((receiver.type.key, call.name.lower()))
            if position is not None and len(receiver.type.args) > position:
                element = receiver.type.args[position]
                return _Value(element, self.resolve_type(element, scope.owner))
            return None
        for target in self._targets(call, receiver, scope):
            routine = self.routines[target.frame[0]]
            if routine.returns is not None:
                return _Value(routine.returns, self.resolve_type(routine.returns, self.owner(target.frame[0])))
        return None
