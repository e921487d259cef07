"""What intlint knows about one Apex file: plain, picklable data read once from its syntax tree.

A file's declarations (`ApexType`, `Trigger`) hold their routines, and each
routine the `Step`s it takes in evaluation order: calls (with their receiver
as an unresolved `Expr`) and DML statements, each with the loops and branch
arms around it. Names are kept as written; the index (apex_index) resolves
them across files, case-insensitively, as Apex does.

Rules that need more of the code (the file's `StringLiteral`s, for hard-coded
ids; whether an `EventBus.publish` result is read: a step's `Fate`) add it here,
extracted in the same single walk (apex_extract), rather than walking the
tree themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from lint.sources.model import Site

CONSTRUCTOR = "<constructor>"  # the name of a `new X(...)` call
INITIALIZER = "<initializer>"  # the routine holding a class's field initialisers and `{ ... }` blocks


@dataclass(frozen=True)
class TypeRef:
    """A type as written: `Http`, `Database.Batchable<SObject>`, `Map<String, IErpClient>`."""

    name: str
    args: tuple[TypeRef, ...] = ()

    @property
    def key(self) -> str:
        """The case-insensitive lookup key; `System.Http` and `Http` are the same type."""
        key = self.name.lower()
        return key[len("system.") :] if key.startswith("system.") else key

    def __str__(self) -> str:
        return f"{self.name}<{', '.join(map(str, self.args))}>" if self.args else self.name


# What a call's receiver or argument is, as far as the file alone can tell.
@dataclass(frozen=True)
class Typed:
    """A value of a declared type: a local, a parameter, a cast; `exact` for `new X()`."""

    type: TypeRef
    exact: bool = False


@dataclass(frozen=True)
class Name:
    """An identifier that is not a local or parameter: a field, or a class name."""

    name: str


@dataclass(frozen=True)
class This:
    pass


@dataclass(frozen=True)
class Super:
    pass


@dataclass(frozen=True)
class Member:
    """`of.name`: a field, a static field, or an inner class."""

    of: Expr
    name: str


@dataclass(frozen=True)
class Result:
    """The value a call returns."""

    call: Call


@dataclass(frozen=True)
class Element:
    """`of[i]`."""

    of: Expr


Expr = Union[Typed, Name, This, Super, Member, Result, Element, None]


@dataclass(frozen=True)
class Call:
    receiver: Expr  # None for an unqualified `m()`
    name: str  # the method name, or CONSTRUCTOR
    args: tuple[Expr, ...]
    site: Site
    callee: str = ""  # the source before the argument list: `gateway.charge`, `new ErpClient`

    @property
    def qualified(self) -> bool:
        return self.receiver is not None

    @property
    def named_key(self) -> tuple[str, str] | None:
        """(receiver, method), lower-case, of a call on a bare name (`EventBus.publish`: a class, or a field); else None."""
        return (self.receiver.name.lower(), self.name.lower()) if isinstance(self.receiver, Name) else None


EVENTBUS_PUBLISH = ("eventbus", "publish")
# Platform calls whose result matters, by `Call.named_key`: the extractor records each one's `Fate`.
FOLLOWED_RESULTS = frozenset({EVENTBUS_PUBLISH})


@dataclass(frozen=True)
class Fate:
    """What a routine does with the value a followed call returns, through the locals and loop
    variables that come to hold it or its elements (`for (Database.SaveResult sr : results)`)."""

    discarded: bool = False  # the call is a statement of its own: nothing can read its result
    methods: frozenset[str] = frozenset()  # methods called on it or its elements, lower-case: `issuccess`, `geterrors`
    handed_off: bool = False  # returned, kept in a field, or given to a call other than `System.debug`: judged elsewhere
    holders: tuple[str, ...] = ()  # the locals that hold it, as written


@dataclass(frozen=True)
class Step:
    """One call or DML statement of a routine, in evaluation order."""

    site: Site
    call: Call | None = None
    dml: str | None = None  # `insert`, `update`, ... for a DML statement
    loops: tuple[Site, ...] = ()  # the headers of the enclosing loops, outermost first
    branches: tuple[tuple[int, int], ...] = ()  # (conditional, arm) of each enclosing `if`/`switch` arm
    fate: Fate | None = None  # for a call in FOLLOWED_RESULTS: what the routine does with its result

    @property
    def label(self) -> str:
        """How messages quote the step: `gateway.charge(…)`, `insert order`."""
        if self.call is None or not self.call.callee:
            return self.site.brief()
        callee = " ".join(self.call.callee.split())
        return f"{callee}({'…' if self.call.args else ''})"

    def exclusive_with(self, other: Step) -> bool:
        """Whether the two steps sit in different arms of one `if`/`switch`, so never both run."""
        arms = dict(self.branches)
        return any(conditional in arms and arms[conditional] != arm for conditional, arm in other.branches)


@dataclass(frozen=True)
class Annotation:
    name: str  # as written: `future`, `InvocableMethod`
    values: tuple[tuple[str, str], ...] = ()  # (key, value) lower-cased: (("callout", "true"),)

    def value(self, key: str) -> str | None:
        return dict(self.values).get(key.lower())


def marks_test(modifiers: frozenset[str], annotations: tuple[Annotation, ...]) -> bool:
    """Whether a declaration is test code: `@isTest` (a class or method), or a method's old `testMethod` modifier."""
    return "testmethod" in modifiers or any(annotation.name.lower() == "istest" for annotation in annotations)


def routine_scope(kind: str, owner: str, name: str) -> str:
    """The fingerprint scope of a routine: `ErpService.push`, or the trigger's name."""
    return name if kind == "trigger" else f"{owner}.{name}"


@dataclass(frozen=True)
class Routine:
    """A method, constructor, initializer or trigger body."""

    path: str
    owner: str  # the qualified type name (`Outer.Inner`), or the trigger's name
    name: str  # the method name, CONSTRUCTOR, INITIALIZER, or the trigger's name
    kind: str  # "method", "constructor", "initializer" or "trigger"
    site: Site  # the name as declared
    modifiers: frozenset[str] = frozenset()  # lower-case: static, virtual, abstract, override, ...
    annotations: tuple[Annotation, ...] = ()
    params: tuple[tuple[str, TypeRef], ...] = ()
    returns: TypeRef | None = None
    steps: tuple[Step, ...] = ()
    has_body: bool = True

    @property
    def label(self) -> str:
        """How messages name it: `ErpService.push()`, `new ErpService()`, `trigger OrderTrigger`."""
        if self.kind == "trigger":
            return f"trigger {self.name}"
        if self.kind == "constructor":
            return f"new {self.owner}()"
        if self.kind == "initializer":
            return f"{self.owner}'s field initialisers"
        return f"{self.owner}.{self.name}()"

    @property
    def scope(self) -> str:
        """The fingerprint scope: `ErpService.push`."""
        return routine_scope(self.kind, self.owner, self.name)

    @property
    def is_static(self) -> bool:
        return "static" in self.modifiers

    def annotation(self, name: str) -> Annotation | None:
        return next((found for found in self.annotations if found.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class ApexType:
    """A class, interface or enum (inner ones are named `Outer.Inner`)."""

    path: str
    name: str
    kind: str  # "class", "interface" or "enum"
    site: Site  # the name as declared
    modifiers: frozenset[str] = frozenset()
    annotations: tuple[Annotation, ...] = ()
    superclass: TypeRef | None = None
    interfaces: tuple[TypeRef, ...] = ()  # `implements` of a class, `extends` of an interface
    fields: tuple[tuple[str, TypeRef], ...] = ()
    routines: tuple[Routine, ...] = ()
    outer: str | None = None  # the enclosing type's name

    @property
    def is_test(self) -> bool:
        return marks_test(self.modifiers, self.annotations)

    @property
    def is_abstract(self) -> bool:
        return self.kind != "class" or "abstract" in self.modifiers


@dataclass(frozen=True)
class Trigger:
    path: str
    name: str
    sobject: str
    events: tuple[str, ...]  # "after insert", ...
    site: Site
    body: Routine


@dataclass(frozen=True)
class StringLiteral:
    """A string literal in a routine (field initialisers included): its value, and the code it sits in."""

    text: str  # the value, escapes read: `'it\'s'` is `it's`
    site: Site  # the literal as written, quotes included
    scope: str  # the enclosing routine's fingerprint scope: `CaseRouter.assign`
    in_test: bool  # in an `@isTest` class (or a class inside one), an `@isTest` method or a `testMethod`
    in_query: bool = False  # in an inline SOQL or SOSL query: `[SELECT Id FROM Case WHERE OwnerId = '00G...']`


@dataclass(frozen=True)
class Comment:
    """A comment that mentions `intlint:` (the only ones suppressions can come from)."""

    line: int
    column: int
    text: str
    own_line: bool


@dataclass(frozen=True)
class ParseProblem:
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class ApexFile:
    path: str
    digest: str  # of the bytes it was read from
    types: tuple[ApexType, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    comments: tuple[Comment, ...] = ()
    strings: tuple[StringLiteral, ...] = ()  # routine by routine
    problem: ParseProblem | None = None  # the first syntax error; the file then declares nothing
