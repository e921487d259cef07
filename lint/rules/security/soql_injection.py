"""IL508: SOQL and SOSL built from outside input without escaping."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example
from lint.rules.requirements import SALESFORCE_CALLS
from lint.rules.security.common import REQUEST_ROOTS, SecurityRule, callee_label
from lint.sources.python_calls import clipped, keyword, literal_text, positional
from lint.sources.python_facts import BRACE_FIELD, FORMAT_ESCAPES, PERCENT_FIELD
from lint.sources.python_salesforce import CLIENT_NAME, FORMAT_SOQL, imports_salesforce, likely_salesforce_call

# -- IL508: SOQL injection ---------------------------------------------------------------------

MAX_HOPS = 5  # names followed through names, f-strings and concatenations
QUERY_OPERATIONS = {
    "client": frozenset({"query", "query_all", "query_all_iter", "search"}),
    "bulk": frozenset({"query", "query_all"}),
    "bulk2": frozenset({"query", "query_all"}),
}
QUERY_ARGUMENTS = ("query", "search", "data")
QUOTE_SOQL = frozenset({*FORMAT_SOQL, "simple_salesforce.format.quote_soql_value", "simple_salesforce.quote_soql_value"})
# Text before an unquoted value in SOQL/SOSL: a comparison, IN/LIKE/INCLUDES, LIMIT/OFFSET, a date literal's `:n`, FIND {.
UNQUOTED_VALUE = re.compile(r"([=<>:]|\b(LIKE|IN|INCLUDES|EXCLUDES|LIMIT|OFFSET)|\bIN\s*\(|\bFIND\s*\{)\s*$", re.IGNORECASE)
ESCAPED_CHARACTER = re.compile(r"\\.")
ESCAPER_NAME = re.compile(r"(?i)escape|quote|sanitiz")  # escape_soql(x), quote_value(x): the project's own escaping
LIKE_OPENING = re.compile(r"['\"]%$")
STRING_KEEPING = frozenset({"str", "strip", "lower", "upper", "title", "capitalize", "lstrip", "rstrip", "replace"})
DATE_FORMATTERS = frozenset({"strftime", "isoformat"})
NON_STRING_TYPES = frozenset({"int", "float", "bool", "Decimal", "date", "datetime", "UUID"})
SOQL_START = re.compile(r"^\s*(SELECT|FIND)\b", re.IGNORECASE)
MAX_TEMPLATE = 90  # longer query templates in a fix are shown from their WHERE clause
RECORD_ID = frozenset({"Id", "id"})  # a record's own id, or a create result's
LOOKUP_ID = re.compile(r"^[A-Za-z0-9]*[a-z0-9]Id$")  # `ParentId`, `AccountId`; not `External_Id__c`
GENERIC_SOQL_FIX = "pass each value to `format_soql(...)` as a `{}` field, which quotes and escapes it"
SOSL_FIX = "escape SOSL's reserved characters in the search term (`?&|!{}[]()^~*:\\\"'+-`) before building the search"


@dataclass(frozen=True)
class Origin:
    """Where a value put into a query comes from; a higher rank is less trusted."""

    rank: int  # 0: constant or escaped; 1: unknown (a local, a number); 2: outside input
    label: str = ""  # for input: "a function parameter", "request data", "a record field"


CONSTANT, UNKNOWN = Origin(0), Origin(1)
PARAMETER, REQUEST_DATA, RECORD_FIELD = Origin(2, "a function parameter"), Origin(2, "request data"), Origin(2, "a record field")


class SoqlInjection(SecurityRule):
    """
    ## What it does
    Finds SOQL (and SOSL) built by string formatting — an f-string, `%`,
    `.format()` or `+` — from values that are not constants, and passed to
    `sf.query`, `query_all`, `query_all_iter`, `search` or
    `sf.bulk/bulk2.<Object>.query`, directly or through a local name
    (`soql = f"..."; sf.query(soql)`).

    A value in a value position (quoted, after `=`/`IN`/`LIKE`, `LIMIT`) is
    reported with high confidence when it comes from outside — a function
    parameter, request data (`request.args`, `request.json`, ... of the web
    framework's `request`, imported or a view's parameter), a record or row
    field (`row["Email"]`, `payload.get("Name")`) — and with medium
    confidence otherwise (a local value, a number, a lookup-like field such as
    `row["AccountId"]`). A record's own `Id` (or a create result's `id`) is an
    id Salesforce generated, which holds no quote. Not flagged: queries built
    with `format_soql(...)` or `quote_soql_value(...)`, queries built only
    from literals and constants (`"SELECT " + FIELDS + " FROM Account"`),
    formatted dates (`since.isoformat()`), field and object names that do not
    come from request data, and files under test paths.

    ## Why it matters
    A value containing a quote ends the string literal and rewrites the query:
    `x' OR Name != '` returns every record the integration user can see, and
    the integration user usually sees a lot. simple_salesforce's `format_soql`
    quotes and escapes each value (`{:like}` for LIKE patterns).

    ## Example
    ```python
    def contact_by_email(sf, email):
        return sf.query(f"SELECT Id FROM Contact WHERE Email = '{email}'")
    ```

    ## Use instead
    ```python
    from simple_salesforce import format_soql

    def contact_by_email(sf, email):
        return sf.query(format_soql("SELECT Id FROM Contact WHERE Email = {}", email))
    ```
    """

    code = "IL508"
    name = "soql-injection"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = SALESFORCE_CALLS
    security_severity = "8.1"
    tags = ("injection", "external/cwe/cwe-943")
    valid = [
        "from simple_salesforce import Salesforce, format_soql\n\n"
        "def contact(sf: Salesforce, email):\n"
        "    return sf.query(format_soql('SELECT Id FROM Contact WHERE Email = {}', email))\n",
        # Built only from literals and constants.
        "from simple_salesforce import Salesforce\n"
        "FIELDS = 'Id, Name'\nLIMIT = 200\nsf = Salesforce(instance_url=url, session_id=token)\n"
        "sf.query('SELECT ' + FIELDS + ' FROM Account')\n"
        "sf.query(f\"SELECT {', '.join(['Id', 'Name'])} FROM Account LIMIT {LIMIT}\")\n",
        # A field list from a parameter is not a value position.
        "from simple_salesforce import Salesforce\n\n"
        "def export(sf: Salesforce, fields):\n"
        "    return sf.query_all(f\"SELECT {', '.join(fields)} FROM Account\")\n",
        # Escaped by hand with quote_soql_value.
        "from simple_salesforce import Salesforce\nfrom simple_salesforce.format import quote_soql_value\n\n"
        "def by_name(sf: Salesforce, name):\n"
        "    return sf.query('SELECT Id FROM Account WHERE Name = ' + quote_soql_value(name))\n",
        # Not a Salesforce client: a database cursor's SQL is another rule's business.
        "def find(db, email):\n    return db.query(f\"SELECT id FROM users WHERE email = '{email}'\")\n",
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def contact(sf: Salesforce, email):\n"
            "    return sf.query(f\"SELECT Id FROM Contact WHERE Email = '{email}'\")\n",
            line=4,
        ),
        Example(
            "from flask import request\nfrom simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=url, session_id=token)\n\n"
            "def search():\n"
            "    soql = \"SELECT Id FROM Account WHERE Name LIKE '%%%s%%'\" % request.args['q']\n"
            "    return sf.query_all(soql)\n",
            line=8,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def cases(sf: Salesforce, rows):\n"
            "    for row in rows:\n"
            "        sf.query(\"SELECT Id FROM Case WHERE Account.Name = '{}'\".format(row['account']))\n",
            line=5,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def leads(sf: Salesforce, owner_id):\n"
            "    return sf.bulk2.Lead.query(\"SELECT Id FROM Lead WHERE OwnerId = '\" + owner_id + \"'\")\n",
            line=4,
        ),
        # An untyped client named like one, in a module using simple_salesforce.
        Example(
            "import simple_salesforce\n\n"
            "def accounts(sf, name):\n"
            "    return sf.query_all(f\"SELECT Id FROM Account WHERE Name = '{name}'\")\n",
            line=4,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.parameters: list[dict[str, cst.Param]] = []  # innermost function last

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        self.parameters.append({p.name.value: p for p in (*params.posonly_params, *params.params, *params.kwonly_params)})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.parameters.pop()

    def visit_Call(self, node: cst.Call) -> None:
        found = self._query_argument(node)
        if found is None:
            return
        query, confidence = found
        built = self._build(query)
        if built is None:
            return
        how, pieces = built
        unsafe = [(piece, origin) for piece, origin in self._classified(pieces) if origin.rank]
        if not unsafe:
            return
        piece, origin = max(unsafe, key=lambda item: item[1].rank)  # the first of the least trusted
        confidence = min(confidence, Confidence.HIGH if origin.rank == 2 else Confidence.MEDIUM, key=CONFIDENCES.index)
        name = f"`{clipped(self.facts.source(piece), 32)}`" + (f" ({origin.label})" if origin.label else "")
        fix = self._fix(node, pieces, unsafe)
        self.report(
            node,
            f"{callee_label(self.facts, node)} runs a query built with {how} from {name}, so a value containing a quote "
            f"can rewrite the query (SOQL injection); {fix}.",
            hint=fix,
            confidence=confidence,
        )

    # -- which calls run a query, and with what

    def _query_argument(self, node: cst.Call) -> tuple[cst.BaseExpression, Confidence] | None:
        found = likely_salesforce_call(self.facts, node)
        if found is not None:
            call, confidence = found
            if call.operation not in QUERY_OPERATIONS.get(call.api, ()):
                return None
        elif self._looks_like_client_query(node):
            confidence = Confidence.MEDIUM
        else:
            return None
        query = next((arg.value for arg in (keyword(node, name) for name in QUERY_ARGUMENTS) if arg is not None), None)
        if query is None and positional(node):
            query = positional(node)[0].value
        return (query, confidence) if query is not None else None

    def _looks_like_client_query(self, node: cst.Call) -> bool:
        """`sf.query(...)` on an untyped receiver named like a client, in a module importing Salesforce code."""
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in QUERY_OPERATIONS["client"]):
            return False
        receiver = func.value.attr if isinstance(func.value, cst.Attribute) else func.value
        if not (isinstance(receiver, cst.Name) and CLIENT_NAME.search(receiver.value)) or self.facts.client_type(func.value) is not None:
            return False
        return imports_salesforce(self.facts)

    # -- how the query string is built

    def _build(self, query: cst.BaseExpression) -> tuple[str, list[str | cst.BaseExpression]] | None:
        """How the query is formatted ("an f-string", ...) and its pieces; None for a literal or an unknown string."""
        expr = self.constant(query)
        how = _HOW.get(type(expr)) if expr is not None else None
        if isinstance(expr, cst.BinaryOperation):
            how = _HOW.get(type(expr.operator))
        elif isinstance(expr, cst.Call):
            how = "`.format()`" if self._format_template(expr) is not None else None
        pieces = self._pieces(expr) if how else None
        return (how, pieces) if pieces is not None else None

    def _pieces(self, expr: cst.BaseExpression | None, hops: int = 0) -> list[str | cst.BaseExpression] | None:
        """The text a string expression builds, as literal text and the values put into it; None if it is not a string."""
        if expr is None or hops > MAX_HOPS:
            return None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            value = self.constant(expr)
            return self._pieces(value, hops + 1) if value is not expr else None
        if isinstance(expr, cst.SimpleString):
            text = literal_text(expr)
            return [text] if text is not None else None
        if isinstance(expr, cst.ConcatenatedString):
            left, right = self._pieces(expr.left, hops + 1), self._pieces(expr.right, hops + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, cst.FormattedString):
            return self._formatted_pieces(expr, hops)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            left, right = self._pieces(expr.left, hops + 1), self._pieces(expr.right, hops + 1)
            if left is None and right is None:
                return None
            return (left if left is not None else [expr.left]) + (right if right is not None else [expr.right])
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
            template = self.facts.string_template(expr.left)
            return _interleave(template, PERCENT_FIELD, _percent_values(expr.right)) if template is not None else None
        if isinstance(expr, cst.Call):
            template = self._format_template(expr)
            return _interleave(template, BRACE_FIELD, _format_values(expr)) if template is not None else None
        return None

    def _format_template(self, call: cst.Call) -> str | None:
        """The template of `"... {}".format(...)` (or of a constant's `.format`)."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            return self.facts.string_template(func.value)
        return None

    def _formatted_pieces(self, expr: cst.FormattedString, hops: int) -> list[str | cst.BaseExpression]:
        pieces: list[str | cst.BaseExpression] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif isinstance(part, cst.FormattedStringExpression):
                pieces.extend(self._pieces(part.expression, hops + 1) or [part.expression])
        return pieces

    # -- where each value comes from

    def _classified(self, pieces: list[str | cst.BaseExpression]) -> list[tuple[cst.BaseExpression, Origin]]:
        """The values of the query with their origin; a value outside a value position counts only as request data."""
        found, text = [], ""
        for piece in pieces:
            if isinstance(piece, str):
                text += piece
                continue
            origin = self._origin(piece)
            if origin.rank and not _in_value_position(text) and origin != REQUEST_DATA:
                origin = CONSTANT  # a field or object name: not a value a quote could break out of
            found.append((piece, origin))
            text += "{}"
        return found

    def _origin(self, expr: cst.BaseExpression, hops: int = 0) -> Origin:
        if hops > MAX_HOPS:
            return UNKNOWN
        if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float)) or (isinstance(expr, cst.Name) and expr.value in ("None", "True", "False")):
            return CONSTANT
        if isinstance(expr, cst.Name):
            return self._name_origin(expr, hops)
        if self._is_request_data(expr):
            return REQUEST_DATA
        if isinstance(expr, cst.Subscript):
            return _field_origin(self.facts.subscript_key(expr))
        if isinstance(expr, cst.Call):
            return self._call_origin(expr, hops)
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return self._worst([element.value for element in expr.elements], hops)
        if isinstance(expr, (cst.FormattedString, cst.ConcatenatedString, cst.BinaryOperation)):
            return self._built_origin(expr, hops)
        if isinstance(expr, cst.Attribute):
            value = self.constant(expr)
            return self._origin(value, hops + 1) if value is not None and value is not expr else UNKNOWN
        return UNKNOWN

    def _worst(self, values: list[cst.BaseExpression], hops: int) -> Origin:
        return max((self._origin(value, hops + 1) for value in values), key=lambda origin: origin.rank, default=CONSTANT)

    def _built_origin(self, expr: cst.BaseExpression, hops: int) -> Origin:
        """A string built from other values is as trusted as the least trusted of them."""
        pieces = self._pieces(expr, hops + 1)
        if pieces is None:
            return UNKNOWN  # arithmetic, or a string built in a way not read here
        return self._worst([piece for piece in pieces if not isinstance(piece, str)], hops)

    def _is_request_data(self, expr: cst.BaseExpression, hops: int = 0) -> bool:
        """`request.args["q"]`, `req.json.get("id")`, `sys.argv[1]`: input from outside the process."""
        while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call)):
            if self.facts.qualified_name(expr) == "sys.argv":
                return True
            expr = expr.func if isinstance(expr, cst.Call) else expr.value
        binding = self.facts.lookup(expr.value) if isinstance(expr, cst.Name) and expr.value in REQUEST_ROOTS else None
        if binding is None:
            return False
        if binding.qualified is not None or binding.parameter:
            return True  # the web framework's request: imported (Flask, Quart), or a view's parameter (Django, aiohttp)
        # A local of that name holds what it was given: `req = request.get_json()` is input, `request = res["records"][0]` a record.
        value = self.facts.value_of(expr, defaults=False)
        return value is not None and value is not expr and hops < MAX_HOPS and self._is_request_data(value, hops + 1)

    def _name_origin(self, name: cst.Name, hops: int) -> Origin:
        param = self._parameter(name.value)
        if param is not None:
            annotation = param.annotation.annotation if param.annotation is not None else None
            typed = isinstance(annotation, cst.Name) and annotation.value in NON_STRING_TYPES
            return UNKNOWN if typed else PARAMETER
        if self.facts.is_builtin(name, "input"):
            return REQUEST_DATA
        value = self.constant(name)
        return self._origin(value, hops + 1) if value is not None and value is not name else UNKNOWN

    def _call_origin(self, call: cst.Call, hops: int) -> Origin:
        func = call.func
        method = isinstance(func, cst.Attribute)
        name = func.attr.value if method else func.value if isinstance(func, cst.Name) else ""
        if self.facts.qualified_name(func) in QUOTE_SOQL or ESCAPER_NAME.search(name) or _escapes_quotes(call):
            return CONSTANT  # quoted and escaped
        if method and name in DATE_FORMATTERS:
            return CONSTANT  # a date's digits and separators: nothing a quote could come from
        if self.facts.is_builtin(func, "input"):
            return REQUEST_DATA
        if method and name == "get" and call.args:
            return _field_origin(self.facts.string_template(call.args[0].value))
        if method and name == "join" and len(call.args) == 1:
            return self._origin(call.args[0].value, hops + 1)
        if self._format_template(call) is not None:
            return self._built_origin(call, hops)
        if name in STRING_KEEPING:  # `name.strip()`, `str(name)`: the same value
            inner = func.value if method else call.args[0].value if call.args else None
            return self._origin(inner, hops + 1) if inner is not None else UNKNOWN
        return UNKNOWN

    def _parameter(self, name: str) -> cst.Param | None:
        """The parameter of an enclosing function that `name` still holds (not rebound since)."""
        binding = self.facts.lookup(name)
        for params in reversed(self.parameters):
            param = params.get(name)
            if param is not None:
                return param if binding is not None and binding.value is param.default else None
        return None

    # -- the fix

    def _fix(self, node: cst.Call, pieces: list[str | cst.BaseExpression], unsafe: list[tuple[cst.BaseExpression, Origin]]) -> str:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "search":
            return SOSL_FIX
        call = self._format_soql_call(pieces, {piece for piece, _ in unsafe})
        return f"pass each value to `{call}`, which quotes and escapes it" if call else GENERIC_SOQL_FIX

    def _format_soql_call(self, pieces: list[str | cst.BaseExpression], values: set[cst.BaseExpression]) -> str | None:
        """`format_soql("... WHERE Email = {}", email)` for this query, or None when its text cannot be shown."""
        template, args = "", []
        for piece in pieces:
            if isinstance(piece, str):
                template += piece
            elif piece in values:
                if LIKE_OPENING.search(template):
                    template += "{:like}"  # format_soql escapes % and _ inside the pattern's own quotes
                else:
                    template = (template[:-1] if template.endswith(("'", '"')) else template) + "{}"  # it adds the quotes
                args.append(clipped(self.facts.source(piece), 24))
            elif (text := self._constant_text(piece)) is not None:
                template += text
            else:
                return None
        if not SOQL_START.match(template):
            return None
        template = re.sub(r"\{\}['\"]", "{}", template)  # the quote that closed the value's literal
        if len(template) > MAX_TEMPLATE and " WHERE " in template:
            template = "... " + template[template.index(" WHERE ") + 1 :]
        return f"format_soql({template!r}, {', '.join(args)})"

    def _constant_text(self, piece: cst.BaseExpression) -> str | None:
        """The text a constant puts into the query: a string's text or a number's digits."""
        value = self.constant(piece)
        if isinstance(value, (cst.Integer, cst.Float)):
            return value.value
        return self.facts.string_template(piece)


_HOW = {
    cst.FormattedString: "an f-string",
    cst.ConcatenatedString: "an f-string",  # "SELECT ..." f"WHERE ... '{x}'"
    cst.Add: "`+` concatenation",
    cst.Modulo: "`%` formatting",
}
CONFIDENCES = (Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH)


def _escapes_quotes(call: cst.Call) -> bool:
    """`value.replace("'", "\\'")`: escaping by hand."""
    func = call.func
    first = literal_text(call.args[0].value) if call.args else None
    return isinstance(func, cst.Attribute) and func.attr.value == "replace" and first is not None and ("'" in first or "\\" in first)


def _in_value_position(text: str) -> bool:
    """Whether a value put after `text` is a value of the query: inside a string literal, or after a comparison."""
    unescaped = ESCAPED_CHARACTER.sub("", text)
    inside_literal = unescaped.count("'") % 2 == 1 or unescaped.count('"') % 2 == 1
    return inside_literal or bool(UNQUOTED_VALUE.search(text))


def _field_origin(key: str | None) -> Origin:
    """A value read from a record by `key`. A record's id (`Id`, a create result's `id`) holds 15 or 18 letters
    and digits Salesforce generated, so no quote can come from it. A lookup-like name (`AccountId`) is most
    likely such an id too, but a row from another system may name anything so: unknown, not outside input."""
    if key is None:
        return UNKNOWN
    if key in RECORD_ID:
        return CONSTANT
    return UNKNOWN if LOOKUP_ID.match(key) else RECORD_FIELD


def _percent_values(right: cst.BaseExpression) -> dict[int | str, cst.BaseExpression]:
    """The values of `template % right` by position, or by name for `%(name)s`."""
    if isinstance(right, cst.Tuple):
        return dict(enumerate(element.value for element in right.elements))
    if isinstance(right, cst.Dict):
        return {literal_text(e.key): e.value for e in right.elements if isinstance(e, cst.DictElement) and literal_text(e.key)}
    return {0: right}


def _format_values(call: cst.Call) -> dict[int | str, cst.BaseExpression]:
    """The values of `template.format(...)` by position and by keyword."""
    values: dict[int | str, cst.BaseExpression] = dict(enumerate(arg.value for arg in positional(call)))
    values.update({arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None})
    return values


def _interleave(template: str, fields: re.Pattern, values: dict[int | str, cst.BaseExpression]) -> list[str | cst.BaseExpression]:
    """A format string's pieces: its text, and for each field the value that fills it (unknown fields keep their text)."""
    pieces: list[str | cst.BaseExpression] = []
    position, next_index = 0, 0
    for match in fields.finditer(template):
        pieces.append(template[position : match.start()])
        position = match.end()
        if match.group(0) in FORMAT_ESCAPES:
            pieces.append(match.group(0)[0])
            continue
        key: int | str = match.group("key") or ""
        if not key:
            key, next_index = next_index, next_index + 1
        elif key.isdigit():
            key = int(key)
        value = values.get(key)
        pieces.append(value if value is not None else match.group(0))
    pieces.append(template[position:])
    return pieces
