"""IL203: queries whose later pages are never read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, PythonRule
from lint.rules.bulk.common import call_label, client_of, resolve_call
from lint.rules.requirements import SALESFORCE_CALLS
from lint.sources.python_facts import PythonFacts

QUERY_BATCH_MIN, QUERY_BATCH_MAX = 200, 2000


# -- IL203: what a function does with a query's result ---------------------------

LIMIT = re.compile(r"\bLIMIT\s+(\d+|\{\})", re.IGNORECASE)
SELECT_LIST = re.compile(r"^\s*SELECT\s+(.*?)\s+FROM\s", re.IGNORECASE | re.DOTALL)
AGGREGATE = re.compile(r"\b(COUNT|COUNT_DISTINCT|SUM|AVG|MIN|MAX)\s*\(", re.IGNORECASE)
GROUP_BY = re.compile(r"\bGROUP\s+BY\b", re.IGNORECASE)
ONE_RECORD = re.compile(r"\bWHERE\s+Id\s*=", re.IGNORECASE)
OR = re.compile(r"\bOR\b", re.IGNORECASE)
PAGING_NAMES = frozenset({"query_more", "nextRecordsUrl"})


def fits_one_batch(soql: str) -> bool:
    """A query that cannot return more than one batch: `LIMIT n` (n <= 2,000), aggregates, or one record by Id."""
    outer = soql[soql.rfind(")") + 1 :]  # a sub-query's LIMIT says nothing about the outer query
    limit = LIMIT.search(outer)
    if limit:
        return limit.group(1) == "{}" or int(limit.group(1)) <= QUERY_BATCH_MAX
    select = SELECT_LIST.match(soql)
    if (select and AGGREGATE.search(select.group(1))) or GROUP_BY.search(soql):
        return True  # aggregate results come in one batch; queryMore does not apply to them
    return bool(ONE_RECORD.search(soql)) and not OR.search(soql)


class ResultUse:
    """Follows one query's result through the rest of its function: `result = sf.query(...)`, `resp.json()`, `result["records"]`.

    Fed by the rule's hooks as the traversal passes the nodes after the query (and the
    expressions around it), until the function ends.
    """

    def __init__(self, facts: PythonFacts, query: cst.Call) -> None:
        self.facts = facts
        self.query = query
        self.names: set[str] = set()
        self.records: cst.CSTNode | None = None  # the first read of its records
        self.first_batch_enough = True  # every read of the records only asks whether there are any, or takes the first
        self.handed_off = False  # given to a same-module function, which may page through it

    def holds_result(self, expr: cst.BaseExpression) -> bool:
        if expr is self.query:
            return True
        if isinstance(expr, cst.Await):
            return self.holds_result(expr.expression)
        if isinstance(expr, cst.Name):
            return expr.value in self.names
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "json":
            return self.holds_result(expr.func.value)  # the JSON body of a REST response
        return False

    def assigned(self, targets: list[cst.BaseExpression], value: cst.BaseExpression | None) -> None:
        if value is not None and self.holds_result(value):
            self.names.update(target.value for target in targets if isinstance(target, cst.Name))

    def subscripted(self, node: cst.Subscript, tested: set[cst.CSTNode]) -> None:
        if self.facts.subscript_key(node) == "records" and self.holds_result(node.value):
            self._read(node, tested)

    def called(self, node: cst.Call, tested: set[cst.CSTNode]) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args and self.holds_result(func.value):
            if self.facts.string_template(node.args[0].value) == "records":
                self._read(node, tested)
        elif any(self.holds_result(arg.value) for arg in node.args) and self._is_local_function(func):
            self.handed_off = True

    def _read(self, node: cst.CSTNode, tested: set[cst.CSTNode]) -> None:
        self.records = self.records or node
        self.first_batch_enough &= node in tested

    def _is_local_function(self, func: cst.BaseExpression) -> bool:
        if isinstance(func, cst.Attribute):
            return isinstance(func.value, cst.Name) and func.value.value in ("self", "cls")
        return isinstance(func, cst.Name) and func.value in self.facts.module_functions


@dataclass
class FunctionReads:
    """What a function (or the module) does that IL203 cares about, nested functions included."""

    pages: bool = False  # reads `done` or `nextRecordsUrl`, or calls `query_more`
    results: list[ResultUse] = field(default_factory=list)  # the query results followed through it


class QueryWithoutPagination(PythonRule):
    """
    ## What it does
    Finds `sf.query(...)` calls and REST GETs of `/query` whose `records` are
    used while nothing in the same function reads `done` or `nextRecordsUrl`
    or calls `query_more`. Not flagged: SOQL with `LIMIT n` (n ≤ 2,000),
    `COUNT()` and other aggregate queries, a query for one record by `Id`,
    `query_all`/`query_all_iter` (they page for you), results whose records
    are only tested for emptiness or read for the first one (`records[0]`),
    and results handed to a same-module function (which may page through them).

    ## Why it matters
    A query returns one batch; the rest wait behind `nextRecordsUrl`. The
    integration patterns guide: "The maximum number of rows returned is 2,000
    ... Where the number of rows to be returned exceeds the batch size, use the
    queryMore() API call to iterate through multiple batches." Code that reads
    only `records` works in a sandbox and silently drops rows in production.

    ## Example
    ```python
    def open_cases(sf):
        result = sf.query("SELECT Id, Subject FROM Case WHERE IsClosed = false")
        return result["records"]
    ```

    ## Use instead
    ```python
    def open_cases(sf):
        return list(sf.query_all_iter("SELECT Id, Subject FROM Case WHERE IsClosed = false"))
    ```
    """

    code = "IL203"
    name = "query-without-pagination"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = SALESFORCE_CALLS
    valid = [
        # LIMIT within one batch, COUNT() and aggregates.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "latest = sf.query('SELECT Id FROM Case ORDER BY CreatedDate DESC LIMIT 200')['records']\n"
        "total = sf.query('SELECT COUNT() FROM Contact')['totalSize']\n"
        "by_stage = sf.query('SELECT StageName, SUM(Amount) total FROM Opportunity GROUP BY StageName')['records']\n"
        "only = sf.query(f\"SELECT Name FROM Account WHERE Id = '{account_id}'\")['records']\n",
        # Only asks whether any record exists: the first batch answers that.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def known(sf: Salesforce, email):\n"
            "    found = sf.query(f\"SELECT Id FROM Contact WHERE Email = '{email}'\")\n"
            "    if not found['records']:\n"
            "        return False\n"
            "    return len(found['records']) > 0\n"
        ),
        # Only the first record is wanted: the first batch holds it.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def newest_version(sf: Salesforce, package_id):\n"
            "    result = sf.query(f\"SELECT Id, MajorVersion FROM Package2Version WHERE Package2Id = '{package_id}'\")\n"
            "    if result['size'] > 0:\n"
            "        return result['records'][0]['Id']\n"
        ),
        # Pages followed with query_more until done.
        "from simple_salesforce import Salesforce\n\n"
        "def contacts(sf: Salesforce):\n"
        "    result = sf.query('SELECT Id FROM Contact')\n"
        "    rows = result['records']\n"
        "    while not result['done']:\n"
        "        result = sf.query_more(result['nextRecordsUrl'], identifier_is_url=True)\n"
        "        rows += result['records']\n"
        "    return rows\n",
        # REST: nextRecordsUrl followed.
        "import requests\n\n"
        "def accounts(http: requests.Session, base):\n"
        "    page = http.get(f'{base}/services/data/v61.0/query', params={'q': 'SELECT Id FROM Account'}, timeout=30).json()\n"
        "    rows = page['records']\n"
        "    while page.get('nextRecordsUrl'):\n"
        "        page = http.get(base + page['nextRecordsUrl'], timeout=30).json()\n"
        "        rows += page['records']\n"
        "    return rows\n",
        # query_all pages for you; a result returned unread is the caller's business.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "rows = sf.query_all('SELECT Id FROM Lead')['records']\n\n"
        "def raw(soql):\n"
        "    return sf.query(soql)\n",
        # A lookalike: SQLAlchemy's query() is not a Salesforce query.
        "rows = session.query(Contact).all()\nrecords = {'records': rows}['records']\n",
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def open_cases(sf: Salesforce):\n"
            "    result = sf.query('SELECT Id, Subject FROM Case WHERE IsClosed = false')\n"
            "    return result['records']\n",
            line=4,
        ),
        Example(
            "import requests\n\n"
            "def leads(token):\n"
            "    url = 'https://acme.my.salesforce.com/services/data/v61.0/query?q=SELECT+Id+FROM+Lead'\n"
            "    response = requests.get(url, headers={'Authorization': f'Bearer {token}'}, timeout=30)\n"
            "    return [row['Id'] for row in response.json()['records']]\n",
            line=5,
        ),
        Example(
            "import simple_salesforce as ss\n"
            "sf = ss.Salesforce(instance_url=url, session_id=token)\n"
            "for row in sf.restful('query', params={'q': 'SELECT Id FROM Account LIMIT 5000'})['records']:\n"
            "    print(row['Id'])\n",
            line=3,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.functions = [FunctionReads()]  # the module, then the functions around the current node
        self.following = 0  # query results being followed
        # Reads that need no more than the first batch: tested for emptiness (`if not r["records"]`), or
        # indexed for the first record (`r["records"][0]`).
        self.tested: set[cst.CSTNode] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(FunctionReads())

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        done = self.functions.pop()
        self.functions[-1].pages |= done.pages  # the enclosing function's code includes this one
        self.following -= len(done.results)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
            if self.facts.string_template(node.args[0].value) == "done":
                self.functions[-1].pages = True
        resolved = resolve_call(self.facts, node)
        call = resolved[0] if resolved else None
        if call is None or not call.is_query or not (call.is_rest or call.operation == "query"):
            return
        soql = call.soql
        if soql is not None and fits_one_batch(soql):
            return
        function = self.functions[-1]
        use = ResultUse(self.facts, node)
        function.results.append(use)
        self.following += 1
        if call.is_rest:
            fix = "follow `nextRecordsUrl` until `done` is true"
        else:
            fix = f"use `{client_of(self.facts, node, call)}.query_all_iter(...)`, which follows `nextRecordsUrl` for you"
        label = call_label(self.facts, node, call)

        def message() -> str | None:
            # Decided once the file is read: what the rest of the function did with the result.
            if use.records is None or use.first_batch_enough or use.handed_off or function.pages:
                return None  # an existence check needs only the first batch
            read = " ".join(self.facts.source(use.records).split())
            read = f"`{read}` is read" if len(read) <= 40 else "its `records` are read"
            return (
                f"{label} returns one batch of at most 2,000 records, and {read} without checking `done` or "
                f"following `nextRecordsUrl`; records past the first batch are silently dropped, so {fix}."
            )

        self.report_later(node, message, hint=fix, confidence=None if soql is not None else Confidence.MEDIUM)

    # Paging: a read of `done`/`nextRecordsUrl` or a `query_more` call anywhere in the function.

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in PAGING_NAMES:
            self.functions[-1].pages = True

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if ("query_more" in node.value or "nextRecordsUrl" in node.value) and self.facts.string_template(node) in PAGING_NAMES:
            self.functions[-1].pages = True

    # Query results: followed through the nodes after (and around) each query, until its function ends.

    def visit_If(self, node: cst.If) -> None:
        self.tested.add(_emptiness_operand(node.test))

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self.tested.add(_emptiness_operand(node.test))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self.tested.add(_emptiness_operand(node))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "0":
            self.tested.add(node.value)

    def leave_Subscript(self, original_node: cst.Subscript) -> None:
        if self.facts.subscript_key(original_node) == "done":
            self.functions[-1].pages = True
        for use in self._results():
            use.subscripted(original_node, self.tested)

    def leave_Call(self, original_node: cst.Call) -> None:
        for use in self._results():
            use.called(original_node, self.tested)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        for use in self._results():
            use.assigned([target.target for target in original_node.targets], original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        for use in self._results():
            use.assigned([original_node.target], original_node.value)

    def _results(self) -> list[ResultUse]:
        if not self.following:
            return []
        return [use for function in self.functions for use in function.results]


def _emptiness_operand(test: cst.BaseExpression) -> cst.BaseExpression:
    """What a condition asks "is it empty?" of: `x`, `not x`, `len(x)`, `len(x) == 0`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _emptiness_operand(test.expression)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        right = test.comparisons[0].comparator
        if isinstance(right, cst.Integer) and right.value == "0":
            return _emptiness_operand(test.left)
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value in ("len", "bool") and len(test.args) == 1:
        return test.args[0].value
    return test
