"""Shared facts about one Python file, computed once and read by every rule.

Instead of libcst's scope machinery (several times the cost of the parse, see
DESIGN.md), one cheap table of bindings answers what rules ask:

- what an expression names (`ss.Salesforce` -> `simple_salesforce.Salesforce`,
  through `import x as y` and `from x import y as z`);
- what object a name holds (`sf = Salesforce(...)`, `self.sf = ...`, a parameter
  annotated `Salesforce`, a same-module getter that returns a client,
  `getattr(sf, name)`, a client a startup hook assigns through `global sf`), and
  what an instance of a project class holds (`service.sf` of `service = CrmService()`);
- what value a name is bound to (`BATCH_SIZE = 200`, `self.CHUNK`, a parameter
  default), so rules can read literal numbers and collections behind names;
- which loops (for/while/comprehension/`map`) enclose the current node, and which
  `def` (`current_function()`);
- what methods are called on a bound object (`session.mount(...)`, `self.http.mount(...)`).

Module and class level bindings (class constants and `self.x = ...` in any
method) are pre-scanned from the top-level statements, so a function may use a
client or constant bound further down the file. Function-local bindings are
recorded as the single traversal passes them. A question about another function
than the one being traversed (a session factory, a callback) is answered inside
`in_scope(function_scope(f))`: the same binding rules applied to that function's
statements, read once and cached.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterator, Protocol, Sequence, TypeVar

import libcst as cst

from lint.sources.python_calls import SCOPES, is_cached, is_none, literal_text, positional
from lint.sources.python_names import (
    BULK2_HANDLER,
    BULK2_TYPE,
    BULK_HANDLER,
    BULK_TYPE,
    CANONICAL_NAMES,
    CONSTRUCTORS,
    DATAFRAME,
    DATAFRAME_ROWS,
    FILE,
    QUERY_RESULT,
    RECORDS,
    SALESFORCE,
    SFTYPE,
)
from lint.sources.python_walk import subclasses

Shared = TypeVar("Shared")

if TYPE_CHECKING:
    from lint.sources.python_loops import LoopShape

# Fields of `%` and `.format()` templates (and their escaped `%%`, `{{`, `}}`); `key` names or numbers a field.
FORMAT_ESCAPES = frozenset({"%%", "{{", "}}"})
PERCENT_FIELD = re.compile(r"%%|%(\((?P<key>\w+)\))?[-#0 +]*\d*(\.\d+)?[sdifrx]")
BRACE_FIELD = re.compile(r"\{\{|\}\}|\{(?P<key>[^{}!:]*)(![rsa])?(:[^{}]*)?\}")

# Methods whose result type is known from the receiver's type: (receiver type, method) -> result type.
METHOD_RESULTS = {
    (SALESFORCE, "query"): QUERY_RESULT,
    (SALESFORCE, "query_all"): QUERY_RESULT,
    (SALESFORCE, "query_more"): QUERY_RESULT,
    (SALESFORCE, "query_all_iter"): RECORDS,
    (BULK_TYPE, "query"): RECORDS,
    (BULK_TYPE, "query_all"): RECORDS,
    (BULK2_TYPE, "query"): RECORDS,
    (BULK2_TYPE, "query_all"): RECORDS,
    (DATAFRAME, "iterrows"): DATAFRAME_ROWS,
    (DATAFRAME, "itertuples"): DATAFRAME_ROWS,
    (DATAFRAME, "to_dict"): DATAFRAME_ROWS,
    (FILE, "readlines"): FILE,
}

# Attributes of a Salesforce client that are not sObject names (its methods and state).
SALESFORCE_MEMBERS = frozenset(
    {
        "apexecute", "checkDeployStatus", "deploy", "describe", "is_sandbox", "limits", "mdapi",
        "oauth2", "parse_api_usage", "parse_result_to_json", "query", "query_all", "query_all_iter",
        "query_more", "quick_search", "restful", "search", "set_password", "setPassword",
        "toolingexecute", "session", "session_id", "sf_instance", "sf_version", "headers",
        "base_url", "apex_url", "bulk_url", "bulk2_url", "metadata_url", "tooling_url",
        "oauth2_url", "api_usage", "auth_site", "auth_type", "domain", "proxies", "user_info",
    }
)  # fmt: skip
SUB_HANDLERS = {(SALESFORCE, "bulk"): BULK_HANDLER, (SALESFORCE, "bulk2"): BULK2_HANDLER}
PER_OBJECT_TYPES = {SALESFORCE: SFTYPE, BULK_HANDLER: BULK_TYPE, BULK2_HANDLER: BULK2_TYPE}

COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
# Classes compared by set membership on the traversal's hot path (see python_walk.subclasses).
COMPOUND_STATEMENTS = subclasses(cst.BaseCompoundStatement)
STATEMENTS = COMPOUND_STATEMENTS | {cst.SimpleStatementLine}
BINDING_STATEMENTS = frozenset({cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Expr})

MAX_VALUE_HOPS = 5  # `x = x + 1` must not send value resolution round in circles
ARITHMETIC: dict[type, Callable[[int, int], int]] = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.FloorDivide: lambda a, b: a // b,
}


@dataclass(frozen=True)
class Loop:
    """A loop around a node: for/while, a comprehension, or `map(...)`."""

    node: cst.CSTNode  # the For/While/comprehension/map call
    iterable: cst.BaseExpression | None  # what it runs over; None for `while`
    via: str | None = None  # the same-module function, called in the loop, that holds the node

    def is_small_literal(self, limit: int = 3) -> bool:
        """A loop over a literal list/tuple/set of at most `limit` items (not a volume problem)."""
        items = self.iterable
        return isinstance(items, (cst.List, cst.Tuple, cst.Set)) and len(items.elements) <= limit


class Imported(Protocol):
    """What the project's own modules give the file that imports them (python_exports)."""

    def export(self, level: int, module: str, name: str) -> Any:
        """What `from <module> import <name>` binds (`level` dots before the module): its `object_type`, `returns` and
        `instance` (python_exports.Export); None: unknown."""

    def is_module(self, level: int, module: str) -> bool:
        """Whether `module` (`level` dots before it) is a module of the project: one imported whole is read for its names."""


ModulePath = tuple[int, str]  # a project module as an import names it: (dots before it, dotted name)
UNION_TYPES = frozenset({"typing.Optional", "Optional", "typing.Union", "Union"})
MAX_FORWARD_REFERENCE = 200  # a quoted annotation longer than this is not a type name


@dataclass(frozen=True)
class ObjectType:
    """What a name holds: a known type, possibly built through a class of this module."""

    qualified: str
    via_class: str | None = None  # a same-module subclass that produced it
    methods: frozenset[str] | None = None  # built by another module's subclass: the methods that subclass defines
    # An instance of another module's class that holds clients (PROJECT_OBJECT): `self.<attribute>` -> its type.
    attributes: tuple[tuple[str, ObjectType], ...] | None = None
    # Another module's client that module shapes after building it (mounts adapters, builds it in a factory): its default
    # timeouts and retries are that module's, not known here.
    shaped: bool = False


# The type of an instance of a project class that is no client; its attributes may hold some (`self.sf = Salesforce(...)`),
# read through the class (`via_class`, same module) or carried (`attributes`, another module's class).
PROJECT_OBJECT = "<project object>"


@dataclass
class Binding:
    qualified: str | None = None  # the name refers to this module/function/class
    object_type: ObjectType | None = None  # the name holds an object of this type
    returns: ObjectType | None = None  # the name is a function returning this type
    text: str | None = None  # the name holds a string: its text, unknown parts as `{}`
    value: cst.BaseExpression | None = None  # the expression assigned (a parameter's default); None: unknown
    parameter: bool = False  # a parameter: the caller's value, `value` only its default
    module: ModulePath | None = None  # the name is a project module imported whole (`from . import clients`)
    instance: ObjectType | None = None  # the name is another module's class: what a value annotated with it holds
    # `name.method(...)` statements made in the binding's scope after it (`session.mount(...)`), in order
    method_calls: list[cst.Call] = field(default_factory=list)


@dataclass
class ClassInfo:
    name: str
    node: cst.ClassDef
    bases: tuple[str, ...]  # qualified names of resolved bases
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    attributes: dict[str, ObjectType] = field(default_factory=dict)  # self.<attr> -> type
    mixed_attributes: set[str] = field(default_factory=set)  # self.<attr> given different types: none known
    # self.<attr> -> the value every assignment in the class gives it; None when they differ or it is unknown
    attribute_values: dict[str, cst.BaseExpression | None] = field(default_factory=dict)
    # every `self.<attr> = value` in the methods, with the method it is in
    attribute_assignments: dict[str, list[tuple[cst.BaseExpression, cst.FunctionDef]]] = field(default_factory=dict)
    # `self.<attr>.method(...)` statements in the methods (key "" for `self.method(...)`), with the method
    method_calls: dict[str, list[tuple[cst.Call, cst.FunctionDef]]] = field(default_factory=dict)
    names: dict[str, Binding] = field(default_factory=dict)  # the class body's own bindings (constants)

    def known_base(self) -> str | None:
        return next((CONSTRUCTORS[base] for base in self.bases if base in CONSTRUCTORS), None)

    def instance_type(self) -> ObjectType:
        """What an instance is: the client a subclass extends, else a project object (whose attributes may hold clients:
        read when asked, as the class's methods are read)."""
        base = self.known_base()
        return ObjectType(base if base is not None else PROJECT_OBJECT, via_class=self.name)


@dataclass
class Scope:
    kind: str  # "module", "class" or "function"
    name: str
    parent: Scope | None = None
    names: dict[str, Binding] = field(default_factory=dict)
    class_info: ClassInfo | None = None  # for class scopes
    self_name: str | None = None  # first parameter of a method
    loops: list[Loop] = field(default_factory=list)  # enclosing loops within this function
    node: cst.FunctionDef | cst.Lambda | None = None  # for function scopes: the def or lambda

    def qualified_scope_name(self) -> str:
        parts = []
        scope: Scope | None = self
        while scope is not None and scope.kind != "module":
            parts.append(scope.name)
            scope = scope.parent
        return ".".join(reversed(parts)) or "<module>"


class PythonFacts:
    """Answers rules' questions about names, clients and loops at the current traversal point."""

    def __init__(self, module: cst.Module, text: str | None = None, imported: Imported | None = None) -> None:
        self.module = module
        self._text = text  # the module's source, when the caller has it: generating it costs a traversal
        self.imported = imported  # what the project's own modules give the names imported from them
        self._members: dict[tuple[int, str, str], Any] = {}  # (level, module, name) -> what `imported` exports
        self._sources: dict[cst.CSTNode, str] = {}
        self.module_scope = Scope("module", "<module>")
        self.scope = self.module_scope
        self.classes: dict[str, ClassInfo] = {}
        self._statements: list[cst.CSTNode] = []
        self._returns: dict[cst.FunctionDef, ObjectType | None] = {}
        # Module names a function binds to a client (or a project object) through `global`: name -> that binding.
        self._global_clients: dict[str, Binding] = {}
        self._map_lambdas: dict[cst.Lambda, Loop] = {}
        # Same-module functions called inside loops: "name" or "Class.method" -> for each such call, in
        # order, the loops around it (innermost last, each with `via` naming the function).
        self.loop_calls: dict[str, list[tuple[Loop, ...]]] = {}
        self.module_functions: set[str] = set()
        self._module_functions: dict[str, cst.FunctionDef] = {}
        self._function_scopes: dict[cst.FunctionDef, Scope] = {}  # bodies read outside the traversal
        self._owners: dict[cst.FunctionDef, ClassInfo] | None = None  # method -> its class
        # Filled as the traversal enters each loop, when a rule reads loop shapes (see python_loops).
        self.loop_shapes: dict[cst.CSTNode, LoopShape] = {}
        # The module-level statement each loop entered is in, for the positions of findings that name the loop.
        self.loop_tops: dict[cst.CSTNode, cst.CSTNode | None] = {}
        self._shared: dict[Callable[[PythonFacts], Any], Any] = {}
        _prescan_module(self, module)

    def shared(self, make: Callable[[PythonFacts], Shared]) -> Shared:
        """This file's one `make(facts)`: an index or cache a source module builds, shared by every rule that asks."""
        found = self._shared.get(make)
        if found is None:
            found = self._shared[make] = make(self)
        return found

    # -- questions rules ask -------------------------------------------------

    def qualified_name(self, expr: cst.BaseExpression) -> str | None:
        """The dotted name an expression refers to, if it starts at an import: `ss.Salesforce` -> `simple_salesforce.Salesforce`."""
        kind = expr.__class__  # not isinstance: the most asked question, and libcst's ABCs make that slow
        if kind is cst.Name:
            binding = self.lookup(expr.value)
            return binding.qualified if binding else None
        if kind is cst.Attribute:
            base = self.qualified_name(expr.value)
            if base is None:
                return None
            full = f"{base}.{expr.attr.value}"
            return CANONICAL_NAMES.get(full, full)
        return None

    def type_of(self, expr: cst.BaseExpression) -> ObjectType | None:
        """The known type of the object an expression evaluates to, or None."""
        kind = expr.__class__
        if kind is cst.Name:
            binding = self.lookup(expr.value)
            return binding.object_type if binding else None
        if kind is cst.Attribute:
            return self._attribute_type(expr)
        if kind is cst.Call:
            return self._call_result_type(expr)
        if kind is cst.Await:
            return self.type_of(expr.expression)
        if kind is cst.Subscript:
            return self._subscript_type(expr)
        if kind is cst.BooleanOperation and expr.operator.__class__ is cst.Or:
            return self._default_substituted(expr)
        return None

    def _default_substituted(self, expr: cst.BooleanOperation) -> ObjectType | None:
        """`session or requests.Session()`: the caller's object, else a new one of the same kind (the parameter
        names the kind it stands in for); any other `or` of unknowns is not guessed."""
        left, right = self.type_of(expr.left), self.type_of(expr.right)
        if left is None and isinstance(expr.left, cst.Name):
            binding = self.lookup(expr.left.value)
            return right if binding is not None and binding.parameter else None
        return left if left == right or right is None and is_none(expr.right) else None

    def string_template(self, expr: cst.BaseExpression) -> str | None:
        """The text a string expression builds, with unknown parts as `{}`; None if it is not a string.

        Follows literals, f-strings, `%` and `.format()` templates, `"".join([...])`, implicit and `+` concatenation,
        and names bound to strings, so `f"{API}/sobjects/Order__c/"` with
        `API = f"{base}/services/data/v61.0"` reads as `{}/services/data/v61.0/sobjects/Order__c/`.
        """
        kind = expr.__class__
        if kind is cst.SimpleString:
            return literal_text(expr)
        if kind is cst.ConcatenatedString:
            left, right = self.string_template(expr.left), self.string_template(expr.right)
            return None if left is None or right is None else left + right
        if kind is cst.FormattedString:
            return "".join(self._formatted_part(part) for part in expr.parts)
        if kind is cst.BinaryOperation and expr.operator.__class__ is cst.Add:
            left, right = self.string_template(expr.left), self.string_template(expr.right)
            if left is None and right is None:
                return None
            return (left if left is not None else "{}") + (right if right is not None else "{}")
        if kind is cst.BinaryOperation and expr.operator.__class__ is cst.Modulo:
            return _fields_unknown(self.string_template(expr.left), PERCENT_FIELD)  # `"/services/data/%s/query" % version`
        if kind is cst.Call and expr.func.__class__ is cst.Attribute and expr.func.attr.value == "format":
            return _fields_unknown(self.string_template(expr.func.value), BRACE_FIELD)
        if kind is cst.Call and expr.func.__class__ is cst.Attribute and expr.func.attr.value == "join":
            return self._joined(expr)
        if kind is cst.Name:
            binding = self.lookup(expr.value)
            return binding.text if binding else None
        return None

    def _joined(self, call: cst.Call) -> str | None:
        """`"".join([...])` of a list or tuple written out: its items joined, unknown ones as `{}`."""
        separator = self.string_template(call.func.value)
        items = call.args[0].value if len(call.args) == 1 and not call.args[0].keyword and not call.args[0].star else None
        if separator is None or items.__class__ not in (cst.List, cst.Tuple):
            return None
        parts = [self.string_template(element.value) if element.__class__ is cst.Element else None for element in items.elements]
        return separator.join(part if part is not None else "{}" for part in parts)

    def _formatted_part(self, part: cst.BaseFormattedStringContent) -> str:
        if isinstance(part, cst.FormattedStringText):
            return part.value
        known = self.string_template(part.expression) if isinstance(part, cst.FormattedStringExpression) else None
        return known if known is not None else "{}"

    def value_of(self, expr: cst.BaseExpression, hops: int = 0, *, defaults: bool = True) -> cst.BaseExpression | None:
        """The expression behind a name, `self.X`/`cls.X` or `Class.X`, followed a few hops; any other expression itself.

        None when the name is bound to something unknown (a parameter without a default,
        a loop target, an import, `x += 1`). A name bound nowhere in the file is returned as it is.
        With `defaults=False` a parameter is unknown too: its default is only what the caller may leave out.
        """
        while hops < MAX_VALUE_HOPS and isinstance(expr, (cst.Name, cst.Attribute)):
            found, value = self._bound_value(expr, defaults)
            if not found:
                return expr
            if value is None:
                return None
            expr, hops = value, hops + 1
        return None if hops >= MAX_VALUE_HOPS else expr

    def integer_value(self, expr: cst.BaseExpression, hops: int = 0) -> int | None:
        """The integer an expression is: a literal, a name bound to one, or `+ - * //` of such."""
        expr = self.value_of(expr, hops)
        if isinstance(expr, cst.Integer):
            return int(expr.evaluated_value)
        if isinstance(expr, cst.BinaryOperation) and type(expr.operator) in ARITHMETIC and hops < MAX_VALUE_HOPS:
            left, right = self.integer_value(expr.left, hops + 1), self.integer_value(expr.right, hops + 1)
            if left is not None and right is not None and (right or not isinstance(expr.operator, cst.FloorDivide)):
                return ARITHMETIC[type(expr.operator)](left, right)
        return None

    def collection_size(self, expr: cst.BaseExpression) -> int | None:
        """The number of items of a literal list/tuple/set (or of a literal dict's `.items()`/`.keys()`/`.values()`)."""
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and not expr.args:
            if expr.func.attr.value in ("items", "keys", "values"):
                mapping = self.value_of(expr.func.value)
                if isinstance(mapping, cst.Dict) and all(isinstance(e, cst.DictElement) for e in mapping.elements):
                    return len(mapping.elements)
            return None
        items = self.value_of(expr)
        if isinstance(items, (cst.List, cst.Tuple, cst.Set)) and not any(isinstance(e, cst.StarredElement) for e in items.elements):
            return len(items.elements)
        return None

    def subscript_key(self, node: cst.Subscript) -> str | None:
        """The string key of `x["records"]`."""
        index = node.slice[0].slice if len(node.slice) == 1 else None
        return self.string_template(index.value) if isinstance(index, cst.Index) else None

    def is_mapping(self, node: cst.BaseExpression) -> bool:
        """A dict display, or a call of the builtin `dict` (`dict(grant_type="password")`)."""
        return isinstance(node, cst.Dict) or (isinstance(node, cst.Call) and self.is_builtin(node.func, "dict"))

    def dict_value(self, node: cst.Dict | cst.Call, key: str) -> cst.BaseExpression | None:
        """The value of the string key `key` in a dict display or a `dict(...)` call (a keyword, or a display it copies)."""
        if isinstance(node, cst.Call):
            named = next((arg.value for arg in node.args if arg.keyword is not None and arg.keyword.value == key), None)
            copied = node.args[0].value if node.args and not node.args[0].keyword and not node.args[0].star else None
            if named is None and isinstance(copied, cst.Dict):
                return self.dict_value(copied, key)
            return named
        for element in node.elements:
            if isinstance(element, cst.DictElement) and self.string_template(element.key) == key:
                return element.value
        return None

    def is_builtin(self, func: cst.BaseExpression, name: str) -> bool:
        """`func` is the builtin `name`, not shadowed by an import or assignment."""
        return func.__class__ is cst.Name and func.value == name and self.lookup(name) is None

    def dynamic_member(self, expr: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
        """(owner, name) of `getattr(owner, name)` or `owner.__getattr__(name)`: a member chosen at run time."""
        if expr.__class__ is not cst.Call:
            return None
        func = expr.func
        if self.is_builtin(func, "getattr"):
            args = [arg.value for arg in positional(expr)]
            return (args[0], args[1]) if len(args) >= 2 else None
        if func.__class__ is cst.Attribute and func.attr.value == "__getattr__":
            args = [arg.value for arg in positional(expr)]
            return (func.value, args[0]) if len(args) == 1 else None
        return None

    def imports(self, *libraries: str) -> bool:
        """The module imports (at module level) something from one of `libraries` (top-level package names)."""
        return any((binding.qualified or "").split(".")[0] in libraries for binding in self.module_scope.names.values())

    def is_type(self, expr: cst.BaseExpression, *qualified: str) -> bool:
        found = self.type_of(expr)
        return found is not None and found.qualified in qualified

    def method_owner(self, func: cst.Attribute) -> ObjectType | None:
        """The known type whose method `func` (`session.post`) calls: its receiver's, unless the receiver is an
        instance of a same-module subclass that defines the method itself (its own code, not the library's)."""
        found = self.type_of(func.value)
        if found is None:
            return None
        info = self.classes.get(found.via_class) if found.via_class else None
        own = info.methods if info is not None else found.methods or ()
        return None if func.attr.value in own else found

    def is_method_of(self, func: cst.Attribute, *qualified: str) -> bool:
        found = self.method_owner(func)
        return found is not None and found.qualified in qualified

    @property
    def text(self) -> str:
        """The module's source code."""
        if self._text is None:
            self._text = self.module.code
        return self._text

    def source(self, node: cst.CSTNode) -> str:
        """The code of a node, for messages; several rules ask for the same call's."""
        code = self._sources.get(node)
        if code is None:
            code = self._sources[node] = _dotted_name(node) or self.module.code_for_node(node)
        return code

    def argument_source(self, arg: cst.Arg) -> str:
        """An argument's code for messages (`name=value`, `*rows`), without the comma and layout after it."""
        prefix = f"{arg.keyword.value}=" if arg.keyword is not None else arg.star
        return prefix + self.source(arg.value)

    def enclosing_loop(self) -> Loop | None:
        """The innermost loop around the current node within its function, if any."""
        loops = self.scope.loops
        return loops[-1] if loops else None

    def enclosing_loops(self) -> tuple[Loop, ...]:
        """All loops around the current node within its function, innermost last."""
        return tuple(self.scope.loops)

    def current_function(self) -> cst.FunctionDef | None:
        """The innermost `def` around the current node (lambdas and classes inside it count as in it); None outside any."""
        scope: Scope | None = self.scope
        while scope is not None:
            if scope.node.__class__ is cst.FunctionDef:
                return scope.node
            scope = scope.parent
        return None

    def innermost_function(self) -> cst.FunctionDef | cst.Lambda | None:
        """The innermost `def` or lambda the current node runs in (a class body runs in its function's); None outside any."""
        scope: Scope | None = self.scope
        while scope is not None and scope.node is None:
            scope = scope.parent
        return scope.node if scope is not None else None

    def function_key(self) -> str | None:
        """"name" for a module-level function, "Class.method" for a method; None elsewhere."""
        scope = self.scope
        if scope.kind != "function" or scope.name == "<lambda>" or scope.parent is None:
            return None
        if scope.parent.kind == "module":
            return scope.name
        if scope.parent.kind == "class" and scope.parent.parent is self.module_scope:
            return f"{scope.parent.name}.{scope.name}"
        return None

    def record_call(self, call: cst.Call) -> None:
        """Note same-module functions called in a loop (and `map(...)`), for one-level loop context."""
        loops = self.scope.loops
        found = self._callee(call.func) if loops else None
        if found is not None and not is_cached(found[1]):  # a cached function runs once, whatever calls it
            callee = found[0]
            self.loop_calls.setdefault(callee, []).append(tuple(replace(loop, via=callee) for loop in loops))
        if self.is_builtin(call.func, "map") and len(call.args) >= 2:
            mapped, iterable = call.args[0].value, call.args[1].value
            self.loop_tops[call] = self.top_statement()
            if isinstance(mapped, cst.Lambda):
                self._map_lambdas[mapped] = Loop(call, iterable)
            else:
                callee = self._callee_key(mapped)
                if callee is not None:
                    chain = (*loops, Loop(call, iterable))
                    self.loop_calls.setdefault(callee, []).append(tuple(replace(loop, via=callee) for loop in chain))

    def callee(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """The same-module function (`helper(...)`) or method (`self.helper(...)`, `service.helper(...)`) that calling
        `func` here runs."""
        found = self._callee(func)
        return found[1] if found is not None else None

    def module_function(self, name: str) -> cst.FunctionDef | None:
        """The module-level function called `name` (also one defined under a module-level if/try/with)."""
        return self._module_functions.get(name)

    def _callee_key(self, func: cst.BaseExpression) -> str | None:
        found = self._callee(func)
        return found[0] if found is not None else None

    def _callee(self, func: cst.BaseExpression) -> tuple[str, cst.FunctionDef] | None:
        """("name" or "Class.method", its def) for a call of a same-module function or method."""
        kind = func.__class__
        if kind is cst.Name:
            function = self._module_functions.get(func.value)
            if function is None or self.lookup(func.value) is not self.module_scope.names.get(func.value):
                return None  # a parameter, local or nested def of that name
            return func.value, function
        if kind is cst.Attribute and func.value.__class__ is cst.Name:
            info = self.self_class(func.value.value) or self.project_class(func.value)  # `self.push()`, `service.push()`
            method = info.methods.get(func.attr.value) if info is not None else None
            if method is not None:
                return f"{info.name}.{func.attr.value}", method
        return None

    def current_statement(self) -> cst.CSTNode | None:
        return self._statements[-1] if self._statements else None

    def top_statement(self) -> cst.CSTNode | None:
        """The module-level statement the traversal is in."""
        return self._statements[0] if self._statements else None

    def memoised(self) -> bool:
        """Whether the current node runs only until a value is kept: in `if self._index is None:` (or `if not _index:`)
        whose block sets what it tests (lazy initialisation)."""
        return any(isinstance(statement, cst.If) and _lazy_init(statement) for statement in self._statements)

    def scope_name(self) -> str:
        return self.scope.qualified_scope_name()

    def lookup(self, name: str) -> Binding | None:
        scope: Scope | None = self.scope
        first = True
        while scope is not None:
            # Class bodies are not enclosing scopes for the functions inside them.
            if first or scope.kind != "class":
                binding = scope.names.get(name)
                if binding is not None:
                    return binding
            first = False
            scope = scope.parent
        return None

    def class_named(self, name: str) -> ClassInfo | None:
        return self.classes.get(name)

    def self_class(self, name: str) -> ClassInfo | None:
        """The class whose method binds `name` as its `self` (or `cls`), at the traversal point."""
        scope = self.scope
        while scope is not None and scope.kind == "function":
            if scope.self_name == name and scope.parent is not None and scope.parent.kind == "class":
                return scope.parent.class_info
            scope = scope.parent
        return None

    # -- other functions than the one traversed --------------------------------

    def function_scope(self, function: cst.FunctionDef) -> Scope:
        """The bindings `function`'s body leaves at its end: for questions about a function other than the current one.

        Read outside the traversal, statement by statement (nested blocks included, nested functions
        and classes not), with the binding rules of the traversal; once per function. Ask inside
        `in_scope(...)`.
        """
        scope = self._function_scopes.get(function)
        if scope is None:
            if self._owners is None:
                self._owners = {method: info for info in self.classes.values() for method in info.methods.values()}
            scope = self._function_scopes[function] = _method_scope(self, function, self._owners.get(function))
            with self.in_scope(scope):
                for statement in statements_in(function.body.body):
                    _read_statement(self, scope, statement)
        return scope

    @contextmanager
    def in_scope(self, scope: Scope) -> Iterator[Scope]:
        """Answer questions as if the traversal stood at the end of `scope` (a `function_scope`, the `module_scope`)."""
        saved, self.scope = self.scope, scope
        try:
            yield scope
        finally:
            self.scope = saved

    # -- traversal hooks (called by the Python source) ------------------------

    # The nodes `enter` and `leave` act on: the traversal calls them for these only.
    ENTERED = (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.Lambda, cst.Import, cst.ImportFrom)
    LEFT = (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Expr, cst.WithItem, cst.Lambda, cst.SimpleStatementLine, cst.BaseCompoundStatement)

    def enter(self, node: cst.CSTNode) -> None:
        kind = node.__class__
        if kind in STATEMENTS:
            self._statements.append(node)
        if kind is cst.ClassDef:
            info = self.classes.get(node.name.value) or _class_info(self, node)
            self.scope = Scope("class", node.name.value, self.scope, names=info.names, class_info=info)
        elif kind is cst.FunctionDef or kind is cst.Lambda:
            self._enter_function(node)
        elif kind is cst.Import or kind is cst.ImportFrom:
            _bind_import(self, self.scope, node)

    def leave(self, node: cst.CSTNode) -> None:
        kind = node.__class__
        if kind in BINDING_STATEMENTS:
            _bind_statement(self, self.scope, node)
        elif kind is cst.WithItem:
            _bind_with_item(self, self.scope, node)
        if kind in SCOPES and self.scope.parent is not None:
            self.scope = self.scope.parent
        if self._statements and self._statements[-1] is node:
            self._statements.pop()

    def enter_loop_body(self, loop: Loop) -> None:
        self.scope.loops.append(loop)
        self.loop_tops[loop.node] = self.top_statement()

    def leave_loop_body(self, node: cst.CSTNode) -> None:
        if self.scope.loops and self.scope.loops[-1].node is node:
            self.scope.loops.pop()

    def bind_loop_target(self, target: cst.BaseExpression) -> None:
        """A for-loop target rebinds its names to something unknown."""
        _bind_target(self.scope, target, Binding())

    # -- internals ------------------------------------------------------------

    def _enter_function(self, node: cst.FunctionDef | cst.Lambda) -> None:
        parent = self.scope
        name = node.name.value if isinstance(node, cst.FunctionDef) else "<lambda>"
        if parent.kind == "function" and isinstance(node, cst.FunctionDef):
            parent.names[name] = Binding()  # a nested def shadows a module function of its name
        scope = Scope("function", name, parent, node=node)
        params = _parameters(node)
        if parent.kind == "class" and params and not _is_staticmethod(node):
            scope.self_name = params[0].name.value
        _bind_parameters(self, scope, params)
        info = parent.class_info
        if info is not None and scope.self_name is not None and info.known_base() and not _has_decorator(node, "classmethod"):
            # A subclass of a client: `self.post(...)` in its methods is the client's request.
            this = scope.names[scope.self_name]
            this.object_type = this.object_type or ObjectType(info.known_base(), via_class=info.name)
        mapped = self._map_lambdas.get(node) if isinstance(node, cst.Lambda) else None
        if mapped is not None:
            scope.loops.append(mapped)
        self.scope = scope

    def _attribute_type(self, expr: cst.Attribute) -> ObjectType | None:
        attr = expr.attr.value
        # self.<attr> inside a method: the attribute recorded on the class.
        if isinstance(expr.value, cst.Name):
            info = self.self_class(expr.value.value)
            if info is not None:
                return info.attributes.get(attr)
        owner = self.type_of(expr.value)
        if owner is not None and owner.qualified == PROJECT_OBJECT:
            return self._project_attribute(owner, attr)
        if owner is not None:
            return _member_type(owner, attr)
        member = self._module_member(expr)
        return member.object_type if member is not None else None

    def _project_attribute(self, owner: ObjectType, attr: str) -> ObjectType | None:
        """`service.sf` of a project object: the type its class gives `self.sf`."""
        if owner.attributes is not None:
            return dict(owner.attributes).get(attr)
        info = self.classes.get(owner.via_class) if owner.via_class else None
        return info.attributes.get(attr) if info is not None else None

    def project_class(self, expr: cst.BaseExpression) -> ClassInfo | None:
        """The same-module class of the project object an expression holds (`service` of `service = CrmService()`)."""
        found = self.type_of(expr)
        return self.classes.get(found.via_class) if found is not None and found.qualified == PROJECT_OBJECT and found.via_class else None

    def client_type(self, expr: cst.BaseExpression) -> ObjectType | None:
        """The client type an expression holds: `type_of`, less project objects (they only hold clients)."""
        found = self.type_of(expr)
        return None if found is None or found.qualified == PROJECT_OBJECT else found

    def _module_member(self, expr: cst.Attribute) -> Any:
        """What `clients.sf` is when `clients` names a project module imported whole (an export); None: unknown."""
        module = self._module_path(expr.value) if self.imported is not None else None
        if module is None:
            return None
        key = (*module, expr.attr.value)
        if key not in self._members:
            self._members[key] = self.imported.export(*key)
        return self._members[key]

    def _module_path(self, expr: cst.BaseExpression) -> ModulePath | None:
        """The project module an expression names: a name bound to one, or a dotted path under it (`app.clients`)."""
        kind = expr.__class__
        if kind is cst.Name:
            binding = self.lookup(expr.value)
            return binding.module if binding is not None else None
        if kind is cst.Attribute:
            base = self._module_path(expr.value)
            return (base[0], f"{base[1]}.{expr.attr.value}") if base is not None else None
        return None

    def _bound_value(self, expr: cst.Name | cst.Attribute, defaults: bool = True) -> tuple[bool, cst.BaseExpression | None]:
        """(whether the file binds `expr`, the value it binds) for a name, `self.X` or `Class.X`."""
        if isinstance(expr, cst.Name):
            binding = self.lookup(expr.value)
            if binding is None:
                return False, None
            return True, binding.value if defaults or not binding.parameter else None
        if not isinstance(expr.value, cst.Name):
            return False, None
        attr = expr.attr.value
        info = self.self_class(expr.value.value)
        if info is not None and attr in info.attribute_values:
            return True, info.attribute_values[attr]
        if info is None and self.lookup(expr.value.value) is None:
            info = self.classes.get(expr.value.value)  # `Loader.CHUNK`
        if info is not None and attr in info.names:
            return True, info.names[attr].value
        return False, None

    def _subscript_type(self, expr: cst.Subscript) -> ObjectType | None:
        """`result["records"]` of a query result is its records."""
        owner = self.type_of(expr.value)
        if owner is None or owner.qualified != QUERY_RESULT:
            return None
        return ObjectType(RECORDS) if self.subscript_key(expr) == "records" else None

    def _call_result_type(self, call: cst.Call) -> ObjectType | None:
        qualified = self.qualified_name(call.func)
        if qualified in CONSTRUCTORS:
            return ObjectType(CONSTRUCTORS[qualified])
        dynamic = self.dynamic_member(call)
        if dynamic is not None:
            # `getattr(sf, name)`: an SFType (or a bulk type) picked at run time.
            owner = self.type_of(dynamic[0])
            return _member_type(owner, self.string_template(dynamic[1])) if owner is not None else None
        if qualified is None and isinstance(call.func, cst.Name) and call.func.value == "open" and self.lookup("open") is None:
            return ObjectType(FILE)
        if isinstance(call.func, cst.Attribute):
            owner = self.method_owner(call.func)
            result = METHOD_RESULTS.get((owner.qualified, call.func.attr.value)) if owner else None
            if result is not None:
                return ObjectType(result)
        if isinstance(call.func, cst.Name):
            binding = self.lookup(call.func.value)
            if binding is not None and binding.returns is not None:
                return binding.returns
            info = self.classes.get(call.func.value)
            if info is not None:
                return info.instance_type()
        if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name):
            info = self.self_class(call.func.value.value) or self.project_class(call.func.value)
            method = info.methods.get(call.func.attr.value) if info else None
            if method is not None:
                return _infer_return_type(self, method, info)
        if isinstance(call.func, cst.Attribute):
            member = self._module_member(call.func)  # `clients.connect()`
            return member.returns if member is not None else None
        return None


# -- binding helpers (shared by the pre-scan and the traversal) ----------------


def _fields_unknown(template: str | None, fields: re.Pattern) -> str | None:
    """A format template with each field as `{}` (its escapes unescaped): what it builds, whatever fills it."""
    if template is None:
        return None
    return fields.sub(lambda match: match.group(0)[0] if match.group(0) in FORMAT_ESCAPES else "{}", template)


def _member_type(owner: ObjectType, attr: str | None) -> ObjectType | None:
    """The type of member `attr` (None: chosen at run time) of an object of type `owner`: `sf.bulk`, `sf.Contact`."""
    handler = SUB_HANDLERS.get((owner.qualified, attr))
    if handler:
        return ObjectType(handler)
    if owner.qualified == SALESFORCE and attr is not None and (attr in SALESFORCE_MEMBERS or attr.startswith("_")):
        return None
    per_object = PER_OBJECT_TYPES.get(owner.qualified)
    return ObjectType(per_object) if per_object else None


def _parameters(node: cst.FunctionDef | cst.Lambda) -> list[cst.Param]:
    params = node.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def _bind_parameters(facts: PythonFacts, scope: Scope, params: list[cst.Param]) -> None:
    """Every parameter shadows outer names; its annotation gives its type, its default its value."""
    for param in params:
        annotated = _annotation_type(facts, param.annotation) if param.annotation is not None else None
        scope.names[param.name.value] = Binding(object_type=annotated, value=param.default, parameter=True)


def _bind_import(facts: PythonFacts, scope: Scope, node: cst.Import | cst.ImportFrom) -> None:
    imported = facts.imported
    if isinstance(node, cst.Import):
        for alias in node.names:
            dotted = _dotted(alias.name)
            bound = dotted if alias.asname is not None else dotted.split(".")[0]  # `import a.b` binds `a`
            whole = (0, bound) if imported is not None and imported.is_module(0, dotted) else None
            scope.names[_as_name(alias) if alias.asname is not None else bound] = Binding(qualified=bound, module=whole)
        return
    if isinstance(node.names, cst.ImportStar):
        return
    module, level = _dotted(node.module) if node.module is not None else "", len(node.relative)
    for alias in node.names:
        name = _dotted(alias.name)
        export = imported.export(level, module, name) if imported is not None else None
        known = {"object_type": export.object_type, "returns": export.returns, "instance": export.instance} if export is not None else {}
        dotted = f"{module}.{name}" if module else name
        if not known and imported is not None and imported.is_module(level, dotted):
            known = {"module": (level, dotted)}  # `from . import clients`, `from app import clients`: read for its names
        if level:  # the project's own module: its name is known here only for what it builds
            if known:
                scope.names[_as_name(alias)] = Binding(**known)
            continue
        scope.names[_as_name(alias)] = Binding(qualified=CANONICAL_NAMES.get(dotted, dotted), **known)


def _bind_assignment(facts: PythonFacts, scope: Scope, node: cst.Assign | cst.AnnAssign | cst.AugAssign) -> None:
    if isinstance(node, cst.AugAssign):
        _bind_target(scope, node.target, Binding(), facts)
        return
    value = node.value
    value_type = facts.type_of(value) if value is not None else None
    if isinstance(node, cst.AnnAssign):
        value_type = _annotation_type(facts, node.annotation) or value_type
        targets = [node.target]
    else:
        targets = [target.target for target in node.targets]
    alias = facts.qualified_name(value) if value is not None and value_type is None else None
    text = facts.string_template(value) if value is not None else None
    for target in targets:
        binding = Binding(qualified=alias, object_type=value_type, text=text, value=value)
        if scope is facts.module_scope and value_type is None and is_none(value) and isinstance(target, cst.Name):
            binding = facts._global_clients.get(target.value, binding)  # `sf = None`, set to a client by a startup hook
        _bind_target(scope, target, binding, facts)


def _bind_global_clients(facts: PythonFacts, functions: list[cst.FunctionDef]) -> None:
    """`global sf` then `sf = Salesforce(...)` in a module function (a startup hook, `main`): the module's `sf` is that
    client, where the module binds it to nothing else (`sf = None` or not at all). A name given different clients, or
    something else as well, stays unknown."""
    assigned: dict[str, list[Binding]] = {}
    for function in functions:
        for name, binding in _global_assignments(facts, function):
            if not is_none(binding.value):  # `sf = None` on shutdown
                assigned.setdefault(name, []).append(binding)
    scope = facts.module_scope
    for name, bindings in assigned.items():
        current = scope.names.get(name)
        kinds = {binding.object_type for binding in bindings}
        if len(kinds) == 1 and None not in kinds and (current is None or current.object_type is None and is_none(current.value)):
            facts._global_clients[name] = scope.names[name] = bindings[0]


def _global_assignments(facts: PythonFacts, function: cst.FunctionDef) -> list[tuple[str, Binding]]:
    """What `function` assigns to the names it declares `global`, each value typed where the function stands."""
    statements = list(statements_in(function.body.body))
    lines = [statement.body for statement in statements if isinstance(statement, cst.SimpleStatementLine)]
    if not any(isinstance(small, cst.Global) for line in lines for small in line):
        return []
    declared: set[str] = set()
    found: list[tuple[str, Binding]] = []
    local = _method_scope(facts, function, None)
    with facts.in_scope(local):
        for statement in statements:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Global):
                    declared.update(name.name.value for name in small.names)
            _read_statement(facts, local, statement)
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                    targets = [small.target] if isinstance(small, cst.AnnAssign) else [target.target for target in small.targets]
                    # The binding itself: the `http.mount(...)` calls read after it are noted on it.
                    found += [(target.value, local.names[target.value]) for target in targets if isinstance(target, cst.Name) and target.value in declared]
    return found



def _bind_target(scope: Scope, target: cst.BaseExpression, binding: Binding, facts: PythonFacts | None = None) -> None:
    if isinstance(target, cst.Name):
        scope.names[target.value] = binding
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _bind_target(scope, element.value, Binding(), facts)
    elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and facts is not None:
        info = facts.self_class(target.value.value)
        if info is not None:
            if binding.object_type:
                _note_attribute_type(info, target.attr.value, binding.object_type)
            _record_attribute_value(facts, info, target.attr.value, binding.value)


def _lazy_init(statement: cst.If) -> bool:
    """`if self._x is None:` or `if not self._x:` (a name too) whose block assigns `self._x`."""
    test = statement.test
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Is):
        tested = test.left if is_none(test.comparisons[0].comparator) else None
    else:
        tested = test.expression if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) else None
    key = _dotted_name(tested) if tested is not None else None
    if key is None:
        return False
    assigned = (
        _dotted_name(target)
        for small in statements_in(statement.body.body if isinstance(statement.body, cst.IndentedBlock) else [statement.body])
        if isinstance(small, cst.SimpleStatementLine)
        for line in small.body
        if isinstance(line, (cst.Assign, cst.AnnAssign))
        for target in ([t.target for t in line.targets] if isinstance(line, cst.Assign) else [line.target])
    )
    return key in assigned


def _note_attribute_type(info: ClassInfo, attr: str, kind: ObjectType) -> None:
    """`self.<attr>` holds `kind`, while every assignment that gives it a known type agrees (`self.http` an async
    client in `__init__` and a plain one in `for_cli()` is neither)."""
    if attr in info.mixed_attributes:
        return
    known = info.attributes.get(attr)
    if known is not None and known != kind:
        del info.attributes[attr]
        info.mixed_attributes.add(attr)
    else:
        info.attributes[attr] = kind


def _record_attribute_value(facts: PythonFacts, info: ClassInfo, attr: str, value: cst.BaseExpression | None) -> None:
    """`self.<attr> = value` somewhere in the class: known only while every assignment agrees.

    The value is read where it is assigned (`self.size = size` takes the parameter's default
    there), since other methods see other names; a bare name still unresolved stays unknown.
    """
    resolved = facts.value_of(value) if value is not None else None
    if isinstance(resolved, cst.Name):
        resolved = None
    values = info.attribute_values
    if attr not in values:
        values[attr] = resolved
    elif values[attr] is not resolved and not (resolved is not None and values[attr] is not None and values[attr].deep_equals(resolved)):
        values[attr] = None


def _annotation_type(facts: PythonFacts, annotation: cst.Annotation | None) -> ObjectType | None:
    """The client an annotation names: `Session`, `Optional[Session]`, `Session | str | None`, `"httpx.Client"`;
    None when it names no known type, or more than one."""
    if annotation is None:
        return None
    found = {_named_type(facts, member) for member in _union_members(facts, annotation.annotation)} - {None}
    return found.pop() if len(found) == 1 else None


def _union_members(facts: PythonFacts, expr: cst.BaseExpression, quoted: bool = False) -> Iterator[cst.BaseExpression]:
    """The types an annotation allows: the members of `Optional[...]`, `Union[...]` and `A | B`, read inside a
    forward reference (`"Session"`) too."""
    if isinstance(expr, cst.Subscript) and facts.qualified_name(expr.value) in UNION_TYPES:
        for element in expr.slice:
            if isinstance(element.slice, cst.Index):
                yield from _union_members(facts, element.slice.value, quoted)
    elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        yield from _union_members(facts, expr.left, quoted)
        yield from _union_members(facts, expr.right, quoted)
    elif isinstance(expr, cst.SimpleString) and not quoted:
        text = literal_text(expr)
        try:
            reference = cst.parse_expression(text) if text and len(text) <= MAX_FORWARD_REFERENCE else None
        except cst.ParserSyntaxError:
            reference = None
        if reference is not None:
            yield from _union_members(facts, reference, quoted=True)
    else:
        yield expr


def _named_type(facts: PythonFacts, expr: cst.BaseExpression) -> ObjectType | None:
    qualified = facts.qualified_name(expr)
    if qualified in CONSTRUCTORS:
        return ObjectType(CONSTRUCTORS[qualified])
    if isinstance(expr, cst.Name) and expr.value in facts.classes:
        return facts.classes[expr.value].instance_type()
    if isinstance(expr, cst.Name):  # another module's class, imported by name
        binding = facts.lookup(expr.value)
        return binding.instance if binding is not None else None
    member = facts._module_member(expr) if isinstance(expr, cst.Attribute) else None  # `clients.OrgHandler`
    return member.instance if member is not None else None


def _prescan_module(facts: PythonFacts, module: cst.Module) -> None:
    """Bind imports, globals, classes and getters from top-level statements only (cheap)."""
    scope = facts.module_scope
    functions: list[cst.FunctionDef] = []
    for statement in _top_level_statements(module.body):
        if isinstance(statement, cst.ClassDef):
            facts.classes[statement.name.value] = _class_info(facts, statement)
        elif isinstance(statement, cst.FunctionDef):
            functions.append(statement)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    _bind_import(facts, scope, small)
                elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                    _bind_assignment(facts, scope, small)
                elif isinstance(small, cst.Expr):
                    _note_method_call(scope, small.value)
    facts._module_functions = {function.name.value: function for function in functions}
    facts.module_functions = set(facts._module_functions)
    for function in functions:
        returns = _infer_return_type(facts, function)
        scope.names[function.name.value] = Binding(qualified=None, returns=returns)
    if facts._text is None or "global" in facts._text:  # `global` statements are rare: skip reading the bodies for them
        _bind_global_clients(facts, functions)
    for info in facts.classes.values():
        _prescan_class_body(facts, info)
    for info in facts.classes.values():
        _prescan_self_attributes(facts, info)


LITERALS = frozenset({cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary})  # their code is their `value`


def _dotted_name(node: cst.CSTNode) -> str | None:
    """The code of a bare name, dotted name (`requests.post`) or literal without generating it; None for anything
    else (parentheses, spaces around a dot)."""
    kind = type(node)
    if kind in LITERALS:
        return None if node.lpar else node.value
    if kind is cst.Attribute and not node.lpar and not node.attr.lpar and _bare(node.dot):
        value = _dotted_name(node.value)
        return f"{value}.{node.attr.value}" if value is not None else None
    return None


def _bare(dot: cst.Dot) -> bool:
    before, after = dot.whitespace_before, dot.whitespace_after
    return type(before) is cst.SimpleWhitespace and not before.value and type(after) is cst.SimpleWhitespace and not after.value


def _top_level_statements(body) -> Iterator[cst.CSTNode]:
    """Statements at module level, looking into if/try/with blocks (guarded imports)."""
    for statement in body:
        if isinstance(statement, (cst.If, cst.Try, cst.With)):
            for block in _blocks_of(statement):
                yield from _top_level_statements(block)
        else:
            yield statement


def _class_info(facts: PythonFacts, node: cst.ClassDef) -> ClassInfo:
    bases = tuple(filter(None, (facts.qualified_name(arg.value) for arg in node.bases)))
    info = ClassInfo(node.name.value, node, bases)
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef):
            info.methods[statement.name.value] = statement
    return info


def _prescan_class_body(facts: PythonFacts, info: ClassInfo) -> None:
    """Class constants (`CHUNK = 200`), so `self.CHUNK` reads in any method, also above the constant."""
    scope = Scope("class", info.name, facts.module_scope, names=info.names, class_info=info)
    with facts.in_scope(scope):
        for statement in statements_in(info.node.body.body):
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    _bind_statement(facts, scope, small)


def _prescan_self_attributes(facts: PythonFacts, info: ClassInfo) -> None:
    """`self.x = Salesforce(...)` in any method, so other methods see the client; `self.x.mount(...)` likewise."""
    for method in info.methods.values():
        scope = _method_scope(facts, method, info)
        if scope.self_name is None:
            continue
        with facts.in_scope(scope):
            for statement in statements_in(method.body.body):
                if isinstance(statement, cst.SimpleStatementLine):
                    for small in statement.body:
                        _note_self_use(info, method, scope.self_name, small)
                        _bind_statement(facts, scope, small)


def _note_self_use(info: ClassInfo, method: cst.FunctionDef, self_name: str, small: cst.BaseSmallStatement) -> None:
    """Keep a method's `self.x = value` and `self.x.m(...)`/`self.m(...)` statements on its class, with the method."""
    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
        targets = [target.target for target in small.targets] if isinstance(small, cst.Assign) else [small.target]
        for target in targets:
            if isinstance(target, cst.Attribute) and _is_name(target.value, self_name):
                info.attribute_assignments.setdefault(target.attr.value, []).append((small.value, method))
    elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Attribute):
        receiver = small.value.func.value
        if _is_name(receiver, self_name):
            info.method_calls.setdefault("", []).append((small.value, method))
        elif isinstance(receiver, cst.Attribute) and _is_name(receiver.value, self_name):
            info.method_calls.setdefault(receiver.attr.value, []).append((small.value, method))


def _method_scope(facts: PythonFacts, function: cst.FunctionDef, owner: ClassInfo | None) -> Scope:
    """A fresh scope for reading a function's body outside the traversal."""
    parent = Scope("class", owner.name, facts.module_scope, names=owner.names, class_info=owner) if owner else facts.module_scope
    params = _parameters(function)
    self_name = params[0].name.value if owner and params and not _is_staticmethod(function) else None
    scope = Scope("function", function.name.value, parent, self_name=self_name, node=function)
    _bind_parameters(facts, scope, params)
    return scope


def _infer_return_type(facts: PythonFacts, function: cst.FunctionDef, owner: ClassInfo | None = None) -> ObjectType | None:
    """The client type a function returns: from its annotation, else from its `return` statements."""
    if function in facts._returns:
        return facts._returns[function]
    facts._returns[function] = None  # guards against methods that call each other
    result = _annotation_type(facts, function.returns) or _returned_type(facts, function, owner)
    facts._returns[function] = result
    return result


def _returned_type(facts: PythonFacts, function: cst.FunctionDef, owner: ClassInfo | None) -> ObjectType | None:
    local = _method_scope(facts, function, owner)
    found: set[ObjectType] = set()
    with facts.in_scope(local):
        for statement in statements_in(function.body.body):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Return) and small.value is not None:
                    returned = facts.type_of(small.value)
                    if returned is None and not is_none(small.value):
                        return None  # some path returns something else: do not guess
                    if returned is not None:
                        found.add(returned)
                else:
                    _bind_statement(facts, local, small)
    return found.pop() if len(found) == 1 else None


def _bind_statement(facts: PythonFacts, scope: Scope, small: cst.BaseSmallStatement) -> None:
    if isinstance(small, (cst.Import, cst.ImportFrom)):
        _bind_import(facts, scope, small)
    elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
        _bind_assignment(facts, scope, small)
    elif isinstance(small, cst.Expr):
        _note_method_call(scope, small.value)


def _bind_with_item(facts: PythonFacts, scope: Scope, item: cst.WithItem) -> None:
    """`with x as y`: `y` holds what `x` does (most context managers return themselves)."""
    if item.asname is not None:
        _bind_target(scope, item.asname.name, Binding(object_type=facts.type_of(item.item), value=item.item), facts)


def _read_statement(facts: PythonFacts, scope: Scope, statement: cst.CSTNode) -> None:
    """Bind what one statement binds, as the traversal would, for a body read outside it."""
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            _bind_statement(facts, scope, small)
    elif isinstance(statement, cst.With):
        for item in statement.items:
            _bind_with_item(facts, scope, item)
    elif isinstance(statement, cst.For):
        _bind_target(scope, statement.target, Binding())


def _note_method_call(scope: Scope, expr: cst.BaseExpression) -> None:
    """`name.method(...)` as a statement: kept on the binding of `name` in the scope that made it."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and isinstance(expr.func.value, cst.Name):
        binding = scope.names.get(expr.func.value.value)
        if binding is not None:
            binding.method_calls.append(expr)


def statements_in(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every statement of a block (a function's or a loop's body) in order, those of nested blocks included.

    Nested functions and classes are yielded but not entered. Only statements are read, never
    expressions, so this is cheap next to walking the nodes.
    """
    for statement in body:
        yield statement
        kind = statement.__class__
        if kind in COMPOUND_STATEMENTS and kind is not cst.FunctionDef and kind is not cst.ClassDef:
            for block in _blocks_of(statement):
                yield from statements_in(block)


def suites_of(statement: cst.BaseCompoundStatement) -> Iterator[cst.BaseSuite]:
    """The suites of a compound statement's blocks (body, handlers, cases, else, finally), one-line ones included."""
    parts = [statement, *getattr(statement, "handlers", ()), *getattr(statement, "cases", ())]
    for attr in ("orelse", "finalbody"):
        extra = getattr(statement, attr, None)
        while extra is not None:
            parts.append(extra)
            extra = getattr(extra, "orelse", None) if isinstance(extra, cst.If) else None
    for part in parts:
        body = getattr(part, "body", None)
        if isinstance(body, cst.BaseSuite):
            yield body


def _blocks_of(statement: cst.BaseCompoundStatement) -> Iterator[Sequence[cst.BaseStatement]]:
    """The statement lists of a compound statement's indented blocks."""
    for suite in suites_of(statement):
        if isinstance(suite, cst.IndentedBlock):
            yield suite.body


def _is_name(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


def _is_staticmethod(node: cst.FunctionDef | cst.Lambda) -> bool:
    return not isinstance(node, cst.FunctionDef) or _has_decorator(node, "staticmethod")


def _has_decorator(node: cst.FunctionDef | cst.Lambda, name: str) -> bool:
    return isinstance(node, cst.FunctionDef) and any(isinstance(d.decorator, cst.Name) and d.decorator.value == name for d in node.decorators)


def _dotted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return ""


def _as_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _dotted(alias.name)
