"""Read an Apex syntax tree (tree-sitter, `apex` grammar) into the plain model of apex_model.

One walk per routine body, iterative so deeply nested expressions cannot
exhaust the stack; a routine that keeps a followed call's result in a
variable (`EventBus.publish`, see `Fate`) gets one more, to find where the
variable is read. Positions are turned from tree-sitter's byte columns into
1-based character columns. This module never imports tree-sitter: it reads
the nodes it is given.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Iterator

from lint.findings import Span
from lint.sources.apex_model import (
    CONSTRUCTOR,
    FOLLOWED_RESULTS,
    INITIALIZER,
    Annotation,
    ApexFile,
    ApexType,
    Call,
    Comment,
    Element,
    Expr,
    Fate,
    Member,
    Name,
    ParseProblem,
    Result,
    Routine,
    Step,
    StringLiteral,
    Super,
    This,
    Trigger,
    Typed,
    TypeRef,
    marks_test,
    routine_scope,
)
from lint.sources.model import Site

Node = Any  # a tree_sitter.Node

TYPE_DECLARATIONS = {"class_declaration": "class", "interface_declaration": "interface", "enum_declaration": "enum"}
LOOPS = frozenset({"for_statement", "enhanced_for_statement", "while_statement", "do_statement"})
# The parts of a loop statement that run once per iteration (an enhanced for's collection runs once).
LOOP_PARTS = frozenset({"body", "condition", "update"})
COMMENTS = frozenset({"line_comment", "block_comment"})
# Receivers nested deeper than this (`sb.append(a).append(b)...` thousands long) are left unknown,
# so neither reading nor resolving them can exhaust the stack.
MAX_RECEIVER_DEPTH = 64
# Type arguments nested deeper than this (`List<List<...>>` thousands deep) are left out, for the same reason.
MAX_TYPE_ARGUMENT_DEPTH = 16
DIRECTIVE_MARK = b"intlint:"
# Apex's escape sequences; any other is a compile error, kept as written.
ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "'": "'", "\\": "\\"}
ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|.)", re.DOTALL)
# Expressions a followed result passes through unchanged, and methods that return one of its elements.
TRANSPARENT = frozenset({"parenthesized_expression", "cast_expression"})
ELEMENT_METHODS = frozenset({"get"})
# What an expression is to its parent: (role, parent type, the field it must be in; None: any).
ROLES = (
    ("statement", "expression_statement", None),
    ("declared", "variable_declarator", "value"),
    ("assigned", "assignment_expression", "right"),
    ("iterated", "enhanced_for_statement", "value"),
    ("receiver", "method_invocation", "object"),
    ("indexed", "array_access", "array"),
    ("argument", "argument_list", None),
)
# Where a followed result is only looked at, not acted on or handed on: `results == null`, `'sent ' + results`.
NEUTRAL = frozenset({"binary_expression", "unary_expression", "instanceof_expression", "field_access"})
# Where a name is declared, called or overwritten rather than read: (parent type, field).
NOT_READS = frozenset(
    {
        ("variable_declarator", "name"), ("formal_parameter", "name"), ("enhanced_for_statement", "name"),
        ("catch_formal_parameter", "name"), ("method_invocation", "name"), ("field_access", "field"), ("assignment_expression", "left"),
    }
)  # fmt: skip


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def read_file(path: str, data: bytes, root: Node) -> ApexFile:
    """The model of a file that parsed without errors."""
    source = _Source(path, data)
    types: list[ApexType] = []
    triggers: list[Trigger] = []
    for node in root.named_children:
        if node.type in TYPE_DECLARATIONS:
            types.extend(source.types(node, outer=None))
        elif node.type == "trigger_declaration":
            triggers.append(source.trigger(node))
    comments = tuple(source.comments(root)) if DIRECTIVE_MARK in data else ()
    return ApexFile(path, digest(data), tuple(types), tuple(triggers), comments, tuple(source.strings))


class _Source:
    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data
        self._calls: dict[tuple[int, int], Call] = {}  # a call read as a receiver is read once
        self.strings: list[StringLiteral] = []  # every routine's, collected as its body is walked

    # -- positions and text -----------------------------------------------------------

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def column(self, byte: int, point_column: int) -> int:
        """The 1-based character column of a byte offset, given tree-sitter's byte column."""
        line_start = byte - point_column
        return len(self.data[line_start:byte].decode("utf-8", errors="replace")) + 1

    def span(self, node: Node, end: Node | None = None) -> Span:
        end = end or node
        return Span(
            node.start_point[0] + 1,
            self.column(node.start_byte, node.start_point[1]),
            end.end_point[0] + 1,
            self.column(end.end_byte, end.end_point[1]),
        )

    def site(self, node: Node) -> Site:
        return Site(self.span(node), self.text(node))

    # -- declarations -------------------------------------------------------------------

    def types(self, node: Node, outer: str | None, outer_test: bool = False) -> Iterator[ApexType]:
        """The type declared by `node` and, after it, its inner types (test code when `outer_test`: inside an `@isTest` class).

        Apex allows inner types one level deep, so an inner type's own inner types (which
        Salesforce rejects) are not read: thousands of nested classes cannot exhaust the stack.
        """
        name_node = node.child_by_field_name("name")
        simple = self.text(name_node)
        name = f"{outer}.{simple}" if outer else simple
        modifiers, annotations = self.modifiers(node)
        in_test = outer_test or marks_test(modifiers, annotations)
        kind = TYPE_DECLARATIONS[node.type]
        body = node.child_by_field_name("body")
        members = body.named_children if body is not None else []
        fields: list[tuple[str, TypeRef]] = []
        routines: list[Routine] = []
        initialisers: list[Node] = []
        inner: list[Node] = []
        for member in members:
            if member.type == "field_declaration":
                declared = self.type_ref(member.child_by_field_name("type"))
                for declarator in member.children_by_field_name("declarator"):
                    fields.append((self.text(declarator.child_by_field_name("name")), declared))
                    if declarator.child_by_field_name("value") is not None:
                        initialisers.append(declarator.child_by_field_name("value"))
            elif member.type in ("method_declaration", "constructor_declaration"):
                routines.append(self.routine(member, name, in_test))
            elif member.type in ("block", "static_initializer"):  # `{ ... }` and `static { ... }`
                initialisers.append(member)
            elif member.type in TYPE_DECLARATIONS:
                inner.append(member)
        if initialisers:
            site = Site(self.span(name_node), simple)
            steps = self.steps(initialisers, {}, routine_scope("initializer", name, INITIALIZER), in_test)
            routines.append(Routine(self.path, name, INITIALIZER, "initializer", site, steps=steps))
        yield ApexType(
            path=self.path,
            name=name,
            kind=kind,
            site=Site(self.span(name_node), simple),
            modifiers=modifiers,
            annotations=annotations,
            superclass=self._superclass(node),
            interfaces=self._interfaces(node),
            fields=tuple(fields),
            routines=tuple(routines),
            outer=outer,
        )
        for member in inner if outer is None else ():
            yield from self.types(member, name, in_test)

    def _superclass(self, node: Node) -> TypeRef | None:
        clause = node.child_by_field_name("superclass")
        return self.type_ref(clause.named_children[0]) if clause is not None and clause.named_children else None

    def _interfaces(self, node: Node) -> tuple[TypeRef, ...]:
        clause = node.child_by_field_name("interfaces") or next(
            (child for child in node.named_children if child.type == "extends_interfaces"), None
        )
        if clause is None:
            return ()
        listed = next((child for child in clause.named_children if child.type == "type_list"), clause)
        return tuple(ref for ref in map(self.type_ref, listed.named_children) if ref is not None)

    def routine(self, node: Node, owner: str, in_test: bool) -> Routine:
        name_node = node.child_by_field_name("name")
        modifiers, annotations = self.modifiers(node)
        params = self.parameters(node.child_by_field_name("parameters"))
        body = node.child_by_field_name("body")
        constructor = node.type == "constructor_declaration"
        name, kind = (CONSTRUCTOR, "constructor") if constructor else (self.text(name_node), "method")
        where = (routine_scope(kind, owner, name), in_test or marks_test(modifiers, annotations))
        return Routine(
            path=self.path,
            owner=owner,
            name=name,
            kind=kind,
            site=self.site(name_node),
            modifiers=modifiers,
            annotations=annotations,
            params=params,
            returns=None if constructor else self.type_ref(node.child_by_field_name("type")),
            steps=self.steps([body], dict((param.lower(), ref) for param, ref in params), *where) if body is not None else (),
            has_body=body is not None,
        )

    def trigger(self, node: Node) -> Trigger:
        name_node = node.child_by_field_name("name")
        name = self.text(name_node)
        events = tuple(self.text(event).lower() for event in node.children_by_field_name("events") if event.is_named)
        body = node.child_by_field_name("body")
        site = self.site(name_node)
        steps = self.steps([body], {}, routine_scope("trigger", name, name), in_test=False) if body is not None else ()
        routine = Routine(self.path, name, name, "trigger", site, steps=steps)
        return Trigger(self.path, name, self.text(node.child_by_field_name("object")), events, site, routine)

    def modifiers(self, node: Node) -> tuple[frozenset[str], tuple[Annotation, ...]]:
        found = next((child for child in node.named_children if child.type == "modifiers"), None)
        if found is None:
            return frozenset(), ()
        words = frozenset(
            (child.named_children[0].type if child.named_children else self.text(child)).lower()  # `testMethod` too
            for child in found.named_children
            if child.type == "modifier"
        )
        annotations = tuple(self.annotation(child) for child in found.named_children if child.type == "annotation")
        return words, annotations

    def annotation(self, node: Node) -> Annotation:
        values = []
        arguments = node.child_by_field_name("arguments")
        for pair in arguments.named_children if arguments is not None else ():
            if pair.type == "annotation_key_value":
                key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                if key is not None and value is not None:
                    values.append((self.text(key).lower(), self.text(value).lower().strip("'")))
        return Annotation(self.text(node.child_by_field_name("name")), tuple(values))

    def parameters(self, node: Node | None) -> tuple[tuple[str, TypeRef], ...]:
        params = []
        for param in node.named_children if node is not None else ():
            if param.type == "formal_parameter":
                ref = self.type_ref(param.child_by_field_name("type"))
                if ref is not None:
                    params.append((self.text(param.child_by_field_name("name")), ref))
        return tuple(params)

    def type_ref(self, node: Node | None, depth: int = 0) -> TypeRef | None:
        if node is None or node.type == "void_type":
            return None
        if node.type == "generic_type":
            base, *rest = node.named_children
            arguments = rest[0].named_children if rest and depth < MAX_TYPE_ARGUMENT_DEPTH else []
            refs = (self.type_ref(argument, depth + 1) for argument in arguments)
            return TypeRef(self._type_name(base), tuple(ref for ref in refs if ref is not None))
        if node.type == "array_type":  # `Foo[]` is a `List<Foo>` in Apex
            element = self.type_ref(node.child_by_field_name("element"), depth + 1) if depth < MAX_TYPE_ARGUMENT_DEPTH else None
            return TypeRef("List", (element,) if element else ())
        return TypeRef(self._type_name(node))

    def _type_name(self, node: Node) -> str:
        return "".join(self.text(node).split())  # `Database . Batchable` -> `Database.Batchable`

    # -- routine bodies -----------------------------------------------------------------

    def steps(self, roots: list[Node], params: dict[str, TypeRef], scope: str, in_test: bool) -> tuple[Step, ...]:
        """The calls and DML statements under `roots`, in evaluation order (arguments before the call).

        The string literals met on the way are kept in `self.strings`, with the routine's `scope`.
        """
        locals_ = dict(params)  # lower-case name -> declared type; declarations precede their uses
        found: list[tuple[int, int, Step]] = []
        # Nodes are visited in source order, so a node that starts before the last query's end is inside it.
        query_end = 0
        stack: list[tuple[Node, tuple[Site, ...], tuple[tuple[int, int], ...]]] = [(root, (), ()) for root in reversed(roots)]
        while stack:
            node, loops, branches = stack.pop()
            kind = node.type
            if kind in ("local_variable_declaration", "enhanced_for_statement", "formal_parameter", "catch_formal_parameter"):
                self._declare(node, locals_)
            elif kind == "query_expression":
                query_end = max(query_end, node.end_byte)
            elif kind == "string_literal":
                self.strings.append(StringLiteral(self.string_value(node), self.site(node), scope, in_test, node.start_byte < query_end))
            step = self._step(node, locals_, loops, branches, roots)
            if step is not None:
                found.append((node.end_byte, -node.start_byte, step))
            if node.named_child_count:
                stack.extend(reversed(self._children(node, loops, branches)))
        found.sort(key=lambda item: item[:2])
        return tuple(step for *_, step in found)

    def string_value(self, node: Node) -> str:
        """The value of a string literal: between its quotes, with escape sequences read."""
        body = self.text(node)[1:-1]
        return ESCAPE.sub(_escaped, body) if "\\" in body else body

    def _declare(self, node: Node, locals_: dict[str, TypeRef]) -> None:
        declared = self.type_ref(node.child_by_field_name("type"))
        if declared is None:
            return
        if node.type == "local_variable_declaration":
            names = [declarator.child_by_field_name("name") for declarator in node.children_by_field_name("declarator")]
        else:
            names = [node.child_by_field_name("name")]
        for name in names:
            if name is not None:
                locals_[self.text(name).lower()] = declared

    def _children(self, node: Node, loops: tuple[Site, ...], branches: tuple[tuple[int, int], ...]) -> list:
        kind = node.type
        if kind in LOOPS:
            inside = (*loops, self._loop_header(node))
            return [
                (child, inside if node.field_name_for_named_child(index) in LOOP_PARTS else loops, branches)
                for index, child in enumerate(node.named_children)
            ]
        if kind == "if_statement":
            arms = {"consequence": 0, "alternative": 1}
            children = []
            for index, child in enumerate(node.named_children):
                arm = arms.get(node.field_name_for_named_child(index))
                children.append((child, loops, branches if arm is None else (*branches, (node.start_byte, arm))))
            return children
        if kind == "switch_block":
            return [(child, loops, (*branches, (node.start_byte, index))) for index, child in enumerate(node.named_children)]
        return [(child, loops, branches) for child in node.named_children]

    def _loop_header(self, node: Node) -> Site:
        """`for (Order o : orders)`: the loop up to its body."""
        body = node.child_by_field_name("body")
        end = body.start_byte if body is not None and node.type != "do_statement" else node.start_byte + 2
        text = self.data[node.start_byte : end].decode("utf-8", errors="replace").rstrip()
        line, column = node.start_point[0] + 1, self.column(node.start_byte, node.start_point[1])
        lines = text.split("\n")
        end_column = len(lines[-1]) + (column if len(lines) == 1 else 1)
        return Site(Span(line, column, line + len(lines) - 1, end_column), text)

    def _step(self, node: Node, locals_: dict[str, TypeRef], loops: tuple, branches: tuple, roots: list[Node]) -> Step | None:
        if node.type == "dml_expression":
            dml_type = next((child for child in node.named_children if child.type == "dml_type"), None)
            operation = self.text(dml_type).lower() if dml_type is not None else "dml"
            return Step(self.site(node), dml=operation, loops=loops, branches=branches)
        if node.type in ("method_invocation", "object_creation_expression"):
            call = self.call(node, locals_)
            fate = self.fate(node, locals_, roots) if call.named_key in FOLLOWED_RESULTS else None
            return Step(self.site(node), call=call, loops=loops, branches=branches, fate=fate)
        return None

    # -- what a routine does with a followed call's result --------------------------------

    def fate(self, call: Node, locals_: dict[str, TypeRef], roots: list[Node]) -> Fate:
        """Follow the call's value through the routine: the locals and loop variables it lands in
        (read after they are bound), the methods called on it or its elements, and where it leaves."""
        discarded = handed_off = False
        methods: set[str] = set()
        holders: dict[str, str] = {}  # lower-case name -> as written, in binding order
        names: dict[str, list[Node]] | None = None  # the routine's identifiers by lower-case name, read once
        pending = [call]  # expressions whose value is the result or one of its elements
        while pending:
            value = pending.pop()
            while value.parent is not None and value.parent.type in TRANSPARENT:
                value = value.parent
            parent = value.parent
            role = _role(parent, value)
            bound = self._binding(role, parent, locals_)
            if bound is not None:
                name = self.text(bound).lower()
                if name not in holders:
                    holders[name] = self.text(bound)
                    names = names if names is not None else self._identifiers(roots)
                    pending.extend(use for use in names.get(name, ()) if use.start_byte > bound.end_byte and _reads(use))
            elif role == "receiver":
                method = self.text(parent.child_by_field_name("name")).lower()
                methods.add(method)
                if method in ELEMENT_METHODS:
                    pending.append(parent)
            elif role == "indexed":
                pending.append(parent)
            elif role == "argument":
                handed_off = handed_off or not self._is_debug(parent.parent)
            elif role == "statement":
                discarded = discarded or value == call
            elif role != "neutral":
                handed_off = True  # returned, kept in a field or a collection, or used in a way not followed
        return Fate(discarded, frozenset(methods), handed_off, tuple(holders.values()))

    def _binding(self, role: str, parent: Node, locals_: dict[str, TypeRef]) -> Node | None:
        """The local variable a value is bound to: declared with it, assigned to it, or iterated by it."""
        if role == "declared" and (parent.parent is None or parent.parent.type != "field_declaration"):
            return parent.child_by_field_name("name")
        if role == "assigned" and self._is_local(parent.child_by_field_name("left"), locals_):
            return parent.child_by_field_name("left")
        if role == "iterated":
            return parent.child_by_field_name("name")
        return None

    def _is_local(self, node: Node | None, locals_: dict[str, TypeRef]) -> bool:
        return node is not None and node.type == "identifier" and self.text(node).lower() in locals_

    def _is_debug(self, call: Node | None) -> bool:
        """`System.debug(...)`: output, not a check of what it is given."""
        if call is None or call.type != "method_invocation":
            return False
        receiver, name = call.child_by_field_name("object"), call.child_by_field_name("name")
        return receiver is not None and self.text(receiver).lower() == "system" and self.text(name).lower() == "debug"

    def _identifiers(self, roots: list[Node]) -> dict[str, list[Node]]:
        found: dict[str, list[Node]] = {}
        stack = list(roots)
        while stack:
            node = stack.pop()
            if node.type == "identifier":
                found.setdefault(self.text(node).lower(), []).append(node)
            stack.extend(node.named_children)
        return found

    def call(self, node: Node, locals_: dict[str, TypeRef], depth: int = 0) -> Call:
        key = (node.start_byte, node.end_byte)
        if key not in self._calls:
            self._calls[key] = self._read_call(node, locals_, depth)
        return self._calls[key]

    def _read_call(self, node: Node, locals_: dict[str, TypeRef], depth: int) -> Call:
        arguments = node.child_by_field_name("arguments")
        args = tuple(self.expr(arg, locals_, depth + 1) for arg in (arguments.named_children if arguments is not None else ()))
        callee_end = arguments.start_byte if arguments is not None else node.end_byte
        callee = self.data[node.start_byte : callee_end].decode("utf-8", errors="replace")
        if node.type == "object_creation_expression":
            created = self.type_ref(node.child_by_field_name("type"))
            return Call(Typed(created, exact=True) if created else None, CONSTRUCTOR, args, self.site(node), callee)
        receiver = node.child_by_field_name("object")
        name = node.child_by_field_name("name")
        return Call(
            self.expr(receiver, locals_, depth + 1) if receiver is not None else None,
            self.text(name) if name is not None else "",
            args,
            self.site(node),
            callee,
        )

    def expr(self, node: Node, locals_: dict[str, TypeRef], depth: int = 0) -> Expr:
        """What an expression is, as far as this file can tell (None: unknown)."""
        kind = node.type
        if depth > MAX_RECEIVER_DEPTH:
            return None
        if kind == "identifier":
            text = self.text(node)
            declared = locals_.get(text.lower())
            return Typed(declared) if declared is not None else Name(text)
        if kind == "this":
            return This()
        if kind == "super":
            return Super()
        if kind == "field_access":
            of, field = node.child_by_field_name("object"), node.child_by_field_name("field")
            return Member(self.expr(of, locals_, depth + 1), self.text(field)) if of is not None and field is not None else None
        if kind == "object_creation_expression":
            created = self.type_ref(node.child_by_field_name("type"))
            return Typed(created, exact=True) if created else None
        if kind == "cast_expression":
            cast = self.type_ref(node.child_by_field_name("type"))
            return Typed(cast) if cast else None
        if kind == "parenthesized_expression" and node.named_children:
            return self.expr(node.named_children[0], locals_, depth + 1)
        if kind == "method_invocation":
            return Result(self.call(node, locals_, depth + 1))
        if kind == "array_access":
            array = node.child_by_field_name("array")
            return Element(self.expr(array, locals_, depth + 1)) if array is not None else None
        return None

    # -- comments -----------------------------------------------------------------------

    def comments(self, root: Node) -> Iterator[Comment]:
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type in COMMENTS:
                if DIRECTIVE_MARK in self.data[node.start_byte : node.end_byte]:
                    line_start = node.start_byte - node.start_point[1]
                    own_line = not self.data[line_start : node.start_byte].strip()
                    yield Comment(node.start_point[0] + 1, self.column(node.start_byte, node.start_point[1]), self.text(node), own_line)
            else:
                stack.extend(reversed(node.children))


def _escaped(match: re.Match[str]) -> str:
    """The character an escape sequence stands for: `\\n`, `\\'`, `\\u00e9`."""
    sequence = match.group(1)
    return chr(int(sequence[1:], 16)) if len(sequence) == 5 else ESCAPES.get(sequence, match.group(0))


def _role(parent: Node | None, value: Node) -> str:
    """What the expression `value` is to its parent: `declared` (a variable's initial value), `assigned`,
    `iterated` (by an enhanced for), `receiver` (of a method call), `indexed`, `argument`, `statement`
    (of its own), `neutral` (compared, concatenated), or `other` (returned, put in a collection, ...)."""
    kind = parent.type if parent is not None else ""
    for role, parent_kind, field in ROLES:
        if kind == parent_kind and (field is None or parent.child_by_field_name(field) == value):
            return role
    return "neutral" if kind in NEUTRAL else "other"


def _reads(use: Node) -> bool:
    """An identifier that reads its variable (not a declaration, a method or field name, or an assignment's target)."""
    parent = use.parent
    return parent is None or not any(parent.type == kind and parent.child_by_field_name(field) == use for kind, field in NOT_READS)


# -- syntax errors ---------------------------------------------------------------------------


def syntax_problem(data: bytes, root: Node) -> ParseProblem | None:
    """The first syntax error: an unbalanced brace if there is one (tree-sitter then blames the
    whole file), else the first node the parser could not fit (ERROR) or had to invent (MISSING)."""
    if not root.has_error:
        return None
    text = data.decode("utf-8", errors="replace")
    unbalanced = _unbalanced_brace(text)
    if unbalanced is not None:
        return unbalanced
    node = _first_error(root)
    source = _Source("", data)
    line, column = node.start_point[0] + 1, source.column(node.start_byte, node.start_point[1])
    if node.is_missing:
        return ParseProblem(line, column, f"Apex syntax error: expected `{node.type}` here")
    unexpected = source.text(node).strip().split("\n")[0][:40] or node.type
    return ParseProblem(line, column, f"Apex syntax error: unexpected `{unexpected}`")


def _first_error(root: Node) -> Node:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing or node.is_error:
            return node
        if node.has_error:
            stack.extend(reversed(node.children))
    return root


def _unbalanced_brace(text: str) -> ParseProblem | None:
    """A `}` that closes nothing, or the innermost `{` never closed; strings and comments skipped."""
    opened: list[int] = []
    index, length = 0, len(text)
    while index < length:
        if text.startswith("//", index):
            end = text.find("\n", index)
            index = length if end == -1 else end
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = length if end == -1 else end + 2
        elif text[index] == "'":
            index = _string_end(text, index)
        else:
            if text[index] == "{":
                opened.append(index)
            elif text[index] == "}":
                if not opened:
                    return _problem_at(text, index, "Apex syntax error: this `}` closes no block")
                opened.pop()
            index += 1
    if opened:
        return _problem_at(text, opened[-1], "Apex syntax error: this `{` is never closed (the file ends first)")
    return None


def _problem_at(text: str, index: int, message: str) -> ParseProblem:
    line_start = text.rfind("\n", 0, index) + 1
    return ParseProblem(text.count("\n", 0, index) + 1, index - line_start + 1, message)


def _string_end(text: str, start: int) -> int:
    """The index after the string literal opening at `start` (its line's end if it never closes)."""
    index = start + 1
    while index < len(text) and text[index] not in "'\n":
        index += 2 if text[index] == "\\" else 1
    return index + 1 if index < len(text) and text[index] == "'" else index
