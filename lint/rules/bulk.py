"""IL2xx: bulk volume and platform limits.

The rules read calls through the shared Salesforce classifier
(`likely_salesforce_call`, which also reads a query's SOQL), values behind names
through the facts (`integer_value`, `collection_size`, `value_of`), and loops
through the shared loop context (`report_in_loop`) and loop shapes
(`python_loops.loop_shape`). What this family adds is its judgement: which
calls are per-record writes, which requests exceed a limit, and what a function
does with a query's result. The config parts read CumulusCI mapping steps and
Camel endpoints through the config source's dialect helpers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, Option, PythonRule, Requires
from lint.rules.requirements import CUMULUSCI_MAPPINGS, SALESFORCE_CALLS, SALESFORCE_COMPONENTS
from lint.sources.config_camel import endpoints
from lint.sources.config_dialects import CAMEL, CUMULUSCI, loads_records, mapping_steps
from lint.sources.config_model import ConfigDocument
from lint.sources.config_paths import Match
from lint.sources.python_calls import clipped, keyword, positional
from lint.sources.python_facts import (
    CSV_ROWS,
    DATAFRAME,
    DATAFRAME_ROWS,
    FILE,
    JSON_DOCUMENT,
    QUERY_RESULT,
    RECORDS,
    Loop,
    PythonFacts,
)
from lint.sources.python_loops import LoopShape, loop_shape
from lint.sources.python_salesforce import SalesforceCall, likely_salesforce_call

# Platform limits (guide: "up to 200 records at a time", composite "up to 25 requests in a single call").
RECORDS_PER_REQUEST = 200
SUBREQUESTS_PER_COMPOSITE = 25
QUERY_BATCH_MIN, QUERY_BATCH_MAX = 200, 2000
BULK_V1_BATCH_MAX = 10_000
SMALL_LOOP = 3  # a loop over at most this many items is not a volume problem

BULK_THRESHOLD = Option(
    "bulk-threshold",
    2000,
    "Record count above which a data set belongs in Bulk API 2.0 (the guide's 2,000): IL205 flags REST writes over larger sets, IL201 names it in its fix.",
)


def resolve_call(facts: PythonFacts, node: cst.Call) -> tuple[SalesforceCall, Confidence | None] | None:
    """The Salesforce operation of `node`, and the confidence to report it with (None: the rule's own)."""
    found = likely_salesforce_call(facts, node)
    if found is None:
        return None
    call, confidence = found
    return call, None if confidence is Confidence.HIGH else confidence


# -- what a call does ------------------------------------------------------------

SOQL_FROM = re.compile(r"\bFROM\s+(\{\}|\w+)", re.IGNORECASE)
OFFSET = re.compile(r"\bOFFSET\b", re.IGNORECASE)
REST_OBJECT_PATH = re.compile(r"^(?P<composite>composite/)?sobjects/(?P<sobject>[A-Za-z]\w*)(/(?P<key>[^?#]+?))?/?$")
BULK2_FOR_METHOD = {"POST": "insert", "PUT": "upsert", "DELETE": "delete"}
BULK2_FOR_OPERATION = {"create": "insert"}
BULK_BATCH_SIZE_POSITION = {"insert": 1, "update": 1, "delete": 1, "hard_delete": 1, "upsert": 2}  # simple_salesforce signatures
BATCH_SIZE_OPTION = re.compile(r"\bbatchSize\s*=\s*(\d+)")
SALESFORCE_BULK_CLIENTS = frozenset({"salesforce_bulk.SalesforceBulk", "salesforce_bulk.salesforce_bulk.SalesforceBulk"})
BULK2_HINT = "use simple_salesforce's Bulk API 2.0: `sf.bulk2.<Object>.insert(records=...)` / `.upsert(..., external_id_field=...)`"


@dataclass(frozen=True)
class Endpoint:
    """A REST resource that takes many items in one request, and its hard limit."""

    prefix: str
    payload_key: str
    limit: int
    items: str


ENDPOINTS = (
    Endpoint("composite/sobjects", "records", RECORDS_PER_REQUEST, "records"),
    Endpoint("composite/tree", "records", RECORDS_PER_REQUEST, "records"),
    Endpoint("composite/batch", "batchRequests", SUBREQUESTS_PER_COMPOSITE, "subrequests"),
    Endpoint("composite", "compositeRequest", SUBREQUESTS_PER_COMPOSITE, "subrequests"),
)


def is_record_write(call: SalesforceCall) -> bool:
    """One record per request: `sf.<Object>.create/update/upsert/delete` or a REST write to `sobjects/<Object>/...`."""
    if call.is_rest:
        return call.is_write and (call.rest_path or "").startswith("sobjects/")
    return call.api == "sobject" and call.is_write


def endpoint_of(call: SalesforceCall) -> Endpoint | None:
    """The collection or composite resource a REST write posts to, if any."""
    if not (call.is_rest and call.is_write):
        return None
    path = (call.rest_path or "").rstrip("/")
    for endpoint in ENDPOINTS:
        if path == endpoint.prefix or (endpoint.items == "records" and path.startswith(endpoint.prefix + "/")):
            return endpoint
    return None


def _mergeable(soql: str) -> bool:
    """Whether one query per pass could become one `IN (...)` query: not paging (`OFFSET`), not one per object (`FROM {}`)."""
    source = SOQL_FROM.search(soql)
    return not (OFFSET.search(soql) or (source and source.group(1) == "{}"))


def bulk2_call(call: SalesforceCall, client: str = "sf") -> str:
    """The Bulk API 2.0 call that does the same job: `sf.bulk2.Contact.insert`."""
    if not call.is_rest:
        return f"{client}.bulk2.{call.sobject or '<Object>'}.{BULK2_FOR_OPERATION.get(call.operation, call.operation)}"
    path = REST_OBJECT_PATH.match(call.rest_path or "")
    sobject = path.group("sobject") if path else None
    return f"{client}.bulk2.{sobject or '<Object>'}.{_rest_operation(call.http_method or '', path)}"


def _rest_operation(method: str, path: re.Match | None) -> str:
    """The Bulk API 2.0 operation of a REST write; PATCH on an external-id path upserts."""
    if method != "PATCH":
        return BULK2_FOR_METHOD.get(method, "insert")
    key = path.group("key") if path else None
    # `sobjects/Contact/Email__c/{value}` and `composite/sobjects/Contact/Email__c` name an external id field.
    by_external_id = key is not None and (path.group("composite") is not None or "/" in key)
    return "upsert" if by_external_id else "update"


CLIENT_DEPTH = {"client": 0, "restful": 0, "sobject": 1, "bulk": 2, "bulk2": 2}  # attributes between the call and its client


def client_of(facts: PythonFacts, node: cst.Call, call: SalesforceCall) -> str:
    """The client a fix should name: `self.sf` for `self.sf.Contact.create(...)`; `sf` for raw HTTP calls."""
    depth = CLIENT_DEPTH.get(call.api)
    expr = node.func.value if isinstance(node.func, cst.Attribute) and depth is not None else None
    for _ in range(depth or 0):
        expr = expr.value if isinstance(expr, cst.Attribute) else None
    return clipped(facts.source(expr)) if expr is not None else "sf"


# -- messages --------------------------------------------------------------------

SOURCE_NAMES = {
    QUERY_RESULT: "the query results",
    RECORDS: "the query results",
    CSV_ROWS: "the CSV rows",
    DATAFRAME: "the DataFrame",
    DATAFRAME_ROWS: "the DataFrame rows",
    JSON_DOCUMENT: "the JSON document",
    FILE: "the file",
}


def call_label(facts: PythonFacts, node: cst.Call, call: SalesforceCall) -> str:
    """"`sf.Contact.create`", or "`session.post` (POST `sobjects/Contact/`)" for REST calls."""
    label = f"`{clipped(facts.source(node.func))}`"
    if call.is_rest:
        label += f" ({call.http_method} `{call.rest_path}`)"
    return label


def loop_where(loop: Loop, line: int) -> str:
    """"loop at line 12", "`while` loop at line 12", "`map` at line 12 calls `push`"."""
    kind = "`map`" if isinstance(loop.node, cst.Call) else "`while` loop" if loop.iterable is None else "loop"
    where = f"{kind} at line {line}"
    return f"{where} calls `{loop.via}`" if loop.via else where


def repetition(facts: PythonFacts, loop: Loop, line: int) -> str:
    """How often a node in `loop` runs: "once per item of `rows` (loop at line 12 calls `push`)"."""
    if loop.iterable is None:
        return f"on every pass of the {loop_where(loop, line)}"
    return f"once per item of `{clipped(facts.source(loop.iterable))}` ({loop_where(loop, line)})"


def source_label(facts: PythonFacts, shape: LoopShape) -> str | None:
    """The unbounded data set a loop walks, described: "the CSV rows `reader`"."""
    if shape.source is None or shape.source_type is None:
        return None
    return f"{SOURCE_NAMES[shape.source_type]} `{clipped(facts.source(shape.source))}`"


# -- what config sets up --------------------------------------------------------

# Camel's Bulk API 1.0 operations that start a load, and the Bulk API 2.0 operation that replaces each.
BULK_V1_OPERATIONS = {"createJob": "bulk2CreateJob", "createBatch": "bulk2CreateBatch"}


def rest_steps(document: ConfigDocument) -> Iterator[Match]:
    """CumulusCI mapping steps that load records through the REST API (`api: rest`)."""
    for step in mapping_steps(document.root):
        api = step.value.scalar("api")
        if api is not None and api.is_("rest") and loads_records(step.value):
            yield step


# -- the rules ---------------------------------------------------------------------


class WriteInLoop(PythonRule):
    """
    ## What it does
    Finds per-record Salesforce writes that run once per item of a loop:
    `sf.<Object>.create/update/upsert/delete`, `sf.restful(...)` with POST,
    PATCH or DELETE on a `sobjects/<Object>/...` path, and `requests`/`httpx`
    writes to `/services/data/vNN.N/sobjects/<Object>/...`, inside a `for` or
    `while` loop, a comprehension, `map(...)`, or a same-module function or
    method called from a loop body. A loop over a literal of three or fewer
    items, or a bounded retry loop, does not count by itself: the write is
    judged by the loop around it, if there is one.

    ## Why it matters
    Each call is one HTTP round trip and one API request against the org's
    daily limit, and each record commits in its own transaction. The
    integration patterns guide: "Create, Update, Delete—The remote system can
    create, update, or delete up to 200 records at a time. Multiple calls can
    be made to process more than a total of 200 records, but each request is
    limited to 200 records in size." A loop of single-record calls uses 200
    times the requests it needs, and is slow enough to time out a batch job.

    ## Example
    ```python
    from simple_salesforce import Salesforce

    sf = Salesforce(instance_url=URL, session_id=TOKEN)

    def sync(rows):
        for row in rows:
            sf.Contact.upsert(f"Email__c/{row['email']}", row)
    ```

    ## Use instead
    ```python
    def sync(rows):
        # up to 200 records per sObject Collections request
        for start in range(0, len(rows), 200):
            sf.restful(
                "composite/sobjects/Contact/Email__c",
                method="PATCH",
                json={"allOrNone": False, "records": rows[start:start + 200]},
            )

    # above 2,000 records, Bulk API 2.0:
    sf.bulk2.Contact.upsert(records=rows, external_id_field="Email__c")
    ```
    """

    code = "IL201"
    name = "write-in-loop"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = SALESFORCE_CALLS
    options = (BULK_THRESHOLD,)
    valid = [
        # A loop over three literal items is not a volume problem.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "for name in ('Gold', 'Silver', 'Bronze'):\n"
        "    sf.Tier__c.upsert(f'Name__c/{name}', {'Active__c': True})\n",
        # ... also when the literal sits in a constant.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "QUEUES = ['Support', 'Billing']\n\n"
        "def ensure_queues():\n"
        "    for queue in QUEUES:\n"
        "        sf.Group.create({'Name': queue, 'Type': 'Queue'})\n",
        # A lookalike: not a Salesforce client.
        "import stripe\nfor customer in customers:\n    stripe.Customer.create(email=customer.email)\n",
        "from myapp.crm import Salesforce\nsf = Salesforce()\nfor row in rows:\n    sf.Contact.create(row)\n",
        # A write outside any loop.
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\nsf.Contact.create({'LastName': 'Ng'})\n",
        # A bounded retry loop around one write.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "for attempt in range(3):\n"
        "    try:\n"
        "        sf.Case.create(case)\n"
        "        break\n"
        "    except ConnectionError:\n"
        "        time.sleep(2 ** attempt)\n",
        # Chunks of 200 through sObject Collections, and Bulk API 2.0: the fix.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "for start in range(0, len(rows), 200):\n"
        "    sf.restful('composite/sobjects', method='POST', json={'records': rows[start:start + 200]})\n"
        "sf.bulk2.Contact.insert(records=rows)\n",
        # Reads in a loop are IL202's business, not writes.
        "import requests\nfor cid in ids:\n    requests.get(f'{base}/services/data/v61.0/sobjects/Contact/{cid}', timeout=10)\n",
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "for row in rows:\n"
            "    sf.Contact.create(row)\n",
            line=4,
        ),
        # A small literal (or retry) loop inside a loop over rows still writes once per row.
        Example(
            "from simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "for row in rows:\n"
            "    for kind in ('Billing', 'Shipping'):\n"
            "        sf.Address__c.create({'Kind__c': kind, 'Account__c': row['Id']})\n",
            line=5,
        ),
        Example(
            "import simple_salesforce as ss\n"
            "sf = ss.Salesforce(instance_url=url, session_id=token)\n"
            "ids = [sf.Lead.update(lead['Id'], {'Status': 'Closed'}) for lead in leads]\n",
            line=3,
        ),
        # One level through a same-module function called from the loop.
        Example(
            "import requests\n\n"
            "def close_case(case_id):\n"
            "    requests.patch(f'{BASE}/services/data/v61.0/sobjects/Case/{case_id}', json={'Status': 'Closed'}, timeout=10)\n\n"
            "def close_all(case_ids):\n"
            "    for case_id in case_ids:\n"
            "        close_case(case_id)\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "class Loader:\n"
            "    def __init__(self, sf: Salesforce):\n"
            "        self.sf = sf\n\n"
            "    def load(self, accounts):\n"
            "        while accounts:\n"
            "            self.sf.restful('sobjects/Account/', method='POST', json=accounts.pop())\n",
            line=9,
        ),
    ]

    needs_loop_shapes = True

    def visit_Call(self, node: cst.Call) -> None:
        resolved = resolve_call(self.facts, node)
        if resolved is None or not is_record_write(resolved[0]):
            return
        (call, confidence), facts = resolved, self.facts
        fix = f"`{bulk2_call(call, client_of(facts, node, call))}`"
        hint = f"send up to 200 records per sObject Collections request (`composite/sobjects`), or use {fix}"

        def not_volume(loop: Loop) -> bool:
            # The shape counts literal items like `Loop.is_small_literal`, and also named constants and `range(3)`.
            shape = loop_shape(facts, loop)
            return shape.retry or (shape.passes is not None and shape.passes <= SMALL_LOOP)

        def message(loop: Loop, line: int) -> str:
            return (
                f"{call_label(facts, node, call)} runs {repetition(facts, loop, line)}; send up to 200 records per call "
                f"with sObject Collections, or use Bulk API 2.0 ({fix}) above {self.option('bulk-threshold'):,} rows."
            )

        self.report_in_loop(node, message, skip=not_volume, hint=hint, confidence=confidence)


class QueryInLoop(PythonRule):
    """
    ## What it does
    Finds SOQL reads that run once per item of a loop (the N+1 pattern):
    `sf.query`, `sf.query_all`, `sf.query_all_iter`, `sf.<Object>.get`,
    `sf.<Object>.get_by_custom_id`, and REST GETs of `/query`, in a `for`
    loop, a comprehension, `map(...)`, or a same-module function called from
    one. Not flagged: loops over a fixed literal collection (one query per
    object type in a constant list), `while` loops and queries with `OFFSET`
    (paging, polling), bounded retry loops, and queries whose `FROM` object is
    the loop variable (they cannot be merged into one).

    ## Why it matters
    Every pass is a round trip and an API request; 10,000 rows make 10,000
    queries, which exhausts the org's daily API allocation and makes the job
    as slow as the network. The integration patterns guide recommends
    "bulkified" synchronous calls for anything below the Bulk API 2.0 volume:
    one query for all the keys, not one per key.

    ## Example
    ```python
    for order in orders:
        account = sf.query(
            format_soql("SELECT Id FROM Account WHERE ERP_Id__c = {}", order["customer"])
        )
    ```

    ## Use instead
    ```python
    keys = {order["customer"] for order in orders}
    soql = format_soql("SELECT Id, ERP_Id__c FROM Account WHERE ERP_Id__c IN {}", list(keys))
    accounts = {row["ERP_Id__c"]: row["Id"] for row in sf.query_all_iter(soql)}
    for order in orders:
        account_id = accounts.get(order["customer"])
    ```
    """

    code = "IL202"
    name = "query-in-loop"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = SALESFORCE_CALLS
    valid = [
        # One query per object of a constant list is not per record.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "OBJECTS = ['Account', 'Contact', 'Lead', 'Opportunity']\n"
        "for name in OBJECTS:\n"
        "    sf.query_all(f'SELECT COUNT() FROM {name}')\n",
        # Keyset paging in a while loop.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "last = ''\n"
        "while True:\n"
        "    page = sf.query(f\"SELECT Id FROM Contact WHERE Id > '{last}' ORDER BY Id LIMIT 2000\")['records']\n"
        "    if not page:\n"
        "        break\n"
        "    last = page[-1]['Id']\n",
        # query_more in a loop is pagination, and a dict .get is not an SFType.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "result = sf.query('SELECT Id FROM Contact')\n"
        "while not result['done']:\n"
        "    result = sf.query_more(result['nextRecordsUrl'], identifier_is_url=True)\n"
        "for row in rows:\n"
        "    cache.get(row['Id'])\n",
        # The fix: one query before the loop.
        "from simple_salesforce import Salesforce, format_soql\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "found = sf.query_all(format_soql('SELECT Id, Email FROM Contact WHERE Email IN {}', emails))\n"
        "by_email = {r['Email']: r for r in found['records']}\n"
        "for email in emails:\n"
        "    by_email.get(email)\n",
        # Describing every object: the loop variable is the FROM object.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "for sobject in sf.describe()['sobjects']:\n"
        "    sf.query_all(f\"SELECT COUNT() FROM {sobject['name']}\")\n",
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce, format_soql\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "for order in orders:\n"
            "    sf.query(format_soql('SELECT Id FROM Account WHERE ERP_Id__c = {}', order['customer']))\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def enrich(sf: Salesforce, contact_ids):\n"
            "    return [sf.Contact.get(cid) for cid in contact_ids]\n",
            line=4,
        ),
        Example(
            "import httpx\n\n"
            "def owner_of(client: httpx.Client, case):\n"
            "    q = f\"SELECT OwnerId FROM Case WHERE CaseNumber = '{case}'\"\n"
            "    return client.get(f'{BASE}/services/data/v61.0/query', params={'q': q})\n\n"
            "def owners(client, cases):\n"
            "    return list(map(lambda case: owner_of(client, case), cases))\n",
            line=5,
        ),
    ]

    needs_loop_shapes = True

    def visit_Call(self, node: cst.Call) -> None:
        resolved = resolve_call(self.facts, node)
        if resolved is None or not resolved[0].is_query:
            return
        (call, confidence), facts = resolved, self.facts
        if not _mergeable(call.soql or ""):
            return
        fix = "query once before the loop with `WHERE <key> IN {}` built by `format_soql(...)`, then look the records up in a dict"

        def not_per_record(loop: Loop) -> bool:
            # `while` loops page or poll; retry loops and loops of a fixed count are not per record.
            shape = loop_shape(facts, loop)
            return loop.iterable is None or shape.retry or shape.passes is not None

        def message(loop: Loop, line: int) -> str:
            return f"{call_label(facts, node, call)} runs {repetition(facts, loop, line)}, one query per record (N+1); {fix}."

        self.report_in_loop(node, message, skip=not_per_record, hint=fix, confidence=confidence)


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
        self.existence_only = True  # every read of the records only asks whether there are any
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
        self.existence_only &= node in tested

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
    `query_all`/`query_all_iter` (they page for you), and results handed to a
    same-module function (which may page through them).

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
        self.tested: set[cst.CSTNode] = set()  # expressions only tested for emptiness: `if not r["records"]`

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
            if use.records is None or use.existence_only or use.handed_off or function.pages:
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


def _over(endpoint: Endpoint) -> str:
    return f"`{endpoint.prefix}` takes at most {endpoint.limit} {endpoint.items}, so Salesforce rejects the whole request"


class BatchOverLimit(PythonRule, ConfigRule):
    """
    ## What it does
    Finds request batches above a hard platform limit: more than 200 records
    in one sObject Collections (`composite/sobjects`) or `composite/tree`
    request (a literal list, a slice `rows[i:i + K]`, a chunk constant, a
    `range(0, n, K)` step or chunking helper), more than 25 subrequests in one
    `composite` or `composite/batch` request, a query `batchSize` (in the
    `Sforce-Query-Options` header) outside 200–2,000, and a Bulk API 1.0
    `batch_size` above 10,000. In config: a CumulusCI mapping step with
    `api: rest` and a `batch_size` above 200 (exactly 200 is fine).

    ## Why it matters
    These are limits, not advice: the integration patterns guide says each
    create, update or delete request "is limited to 200 records in size", and a
    composite request can "Send up to 25 requests in a single call". Above
    them Salesforce rejects the whole request, so every full chunk fails while
    small test runs pass. simple_salesforce silently lowers a Bulk API 1.0
    `batch_size` above 10,000 to 10,000, so the code does not do what it says.

    ## Example
    ```python
    BATCH_SIZE = 500

    for start in range(0, len(rows), BATCH_SIZE):
        sf.restful(
            "composite/sobjects",
            method="POST",
            json={"allOrNone": False, "records": rows[start:start + BATCH_SIZE]},
        )
    ```

    ## Use instead
    ```python
    BATCH_SIZE = 200  # sObject Collections limit

    for start in range(0, len(rows), BATCH_SIZE):
        sf.restful(
            "composite/sobjects",
            method="POST",
            json={"allOrNone": False, "records": rows[start:start + BATCH_SIZE]},
        )
    ```
    """

    code = "IL204"
    name = "batch-over-limit"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = {"py": SALESFORCE_CALLS | Requires(markers=("sforce-query-options",)), "cfg": CUMULUSCI_MAPPINGS}
    dialects = (CUMULUSCI,)
    valid = [
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "BATCH_SIZE = 200\n"
        "for start in range(0, len(rows), BATCH_SIZE):\n"
        "    sf.restful('composite/sobjects', method='POST', json={'records': rows[start:start + BATCH_SIZE]})\n"
        "sf.bulk.Lead.insert(leads, batch_size=10000)\n",
        # Query batch size inside 200-2,000, and a 500-row chunk that is not sent to Salesforce.
        "import requests\n"
        "HEADERS = {'Sforce-Query-Options': 'batchSize=1000'}\n"
        "for start in range(0, len(rows), 500):\n"
        "    requests.post('https://erp.example.com/orders', json=rows[start:start + 500], timeout=30)\n",
        # Bulk API 2.0 sizes its own batches.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "sf.bulk2.Contact.insert(records=rows, batch_size=50000)\n",
        # Config: exactly the REST limit, and a large batch through the Bulk API.
        Example(
            "Upsert Contacts:\n  sf_object: Contact\n  action: upsert\n  update_key: Email\n  api: rest\n  batch_size: 200\n"
            "Upsert Accounts:\n  sf_object: Account\n  action: upsert\n  update_key: ERP_Id__c\n  api: bulk\n  batch_size: 5000\n",
            path="datasets/mapping.yml",
        ),
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "BATCH_SIZE = 500\n"
            "for start in range(0, len(rows), BATCH_SIZE):\n"
            "    sf.restful('composite/sobjects', method='POST', json={'records': rows[start:start + BATCH_SIZE]})\n",
            line=5,
        ),
        Example(
            "import requests\n\n"
            "def push(session: requests.Session, base, batch):\n"
            "    session.post(f'{base}/services/data/v61.0/composite/sobjects', json={'records': batch}, timeout=30)\n\n"
            "def push_all(session, base, rows):\n"
            "    for start in range(0, len(rows), 1000):\n"
            "        push(session, base, rows[start:start + 1000])\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "sf.bulk.Account.upsert(accounts, 'ERP_Id__c', batch_size=50_000)\n",
            line=3,
        ),
        Example(
            "import requests\n"
            "requests.get(url, headers={'Sforce-Query-Options': 'batchSize=5000'}, timeout=30)\n",
            line=2,
        ),
        Example(
            "from simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "steps = [{'method': 'GET', 'url': f'/services/data/v61.0/sobjects/Account/{i}', 'referenceId': f'a{i}'} for i in ids]\n"
            "sf.restful('composite', method='POST', json={'compositeRequest': steps[:50]})\n",
            line=4,
        ),
        Example(
            "Upsert Contacts:\n  sf_object: Contact\n  action: upsert\n  update_key: Email\n  api: rest\n  batch_size: 500\n",
            path="datasets/mapping.yml",
            line=6,
        ),
    ]

    needs_loop_shapes = True

    def visit_Call(self, node: cst.Call) -> None:
        resolved = resolve_call(self.facts, node)
        if resolved is None:
            return
        call, confidence = resolved
        if call.api == "bulk":
            self._check_bulk_batch_size(node, confidence)
        endpoint = endpoint_of(call)
        if endpoint is not None:
            self._check_request_size(node, call, endpoint)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._check_query_options(self.facts.string_template(node.key), node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Subscript):
                self._check_query_options(self.facts.subscript_key(target.target), node.value)

    def check_config(self, document: ConfigDocument) -> None:
        for step in rest_steps(document):
            batch = step.value.scalar("batch_size")
            size = batch.number() if batch is not None else None
            if size is not None and size > RECORDS_PER_REQUEST:
                sobject = step.value.scalar("sf_object").text
                self.report(
                    batch,
                    f"Step `{step.key.text}` sends {sobject} records in batches of {size:,} through the REST API (`api: rest`), "
                    f"above the {RECORDS_PER_REQUEST} records one REST collection request accepts, so every full batch is rejected; "
                    f"set `batch_size` to {RECORDS_PER_REQUEST} or less, or load the step with `api: bulk`.",
                    hint=f"`batch_size: {RECORDS_PER_REQUEST}` for `api: rest`, or `api: bulk` for large batches",
                )

    def _check_bulk_batch_size(self, node: cst.Call, confidence: Confidence | None) -> None:
        operation = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        index = BULK_BATCH_SIZE_POSITION.get(operation)
        args = positional(node)
        arg = keyword(node, "batch_size") or (args[index] if index is not None and len(args) > index else None)
        size = self.facts.integer_value(arg.value) if arg is not None else None
        if size is not None and size > BULK_V1_BATCH_MAX:
            self.report(
                arg,
                f"`{clipped(self.facts.source(node.func))}` asks for `batch_size={size}`, above Bulk API 1.0's "
                f"{BULK_V1_BATCH_MAX:,} records per batch; simple_salesforce silently lowers it to {BULK_V1_BATCH_MAX:,}, "
                "so the batches are not the size the code says.",
                hint="pass `batch_size=10000` or less (or `'auto'`), or move to Bulk API 2.0 (`sf.bulk2`), which sizes batches itself",
                confidence=confidence,
            )

    def _check_request_size(self, node: cst.Call, call: SalesforceCall, endpoint: Endpoint) -> None:
        label = call_label(self.facts, node, call)
        hint = f"send at most {endpoint.limit} {endpoint.items} per `{endpoint.prefix}` request"
        sized = self._payload_size(node, endpoint)
        if sized is not None:
            count, evidence = sized
            if count > endpoint.limit:
                self.report(node, f"{label} sends {count:,} {endpoint.items} in one request ({evidence}); {_over(endpoint)}.", hint=hint)
            return

        facts = self.facts

        def unchunked(loop: Loop) -> bool:
            return loop_shape(facts, loop).chunk is None

        def message(loop: Loop, line: int) -> str | None:
            shape = loop_shape(facts, loop)
            if shape.chunk is None or shape.chunk <= endpoint.limit:
                return None
            code = clipped(facts.source(shape.chunked_by)) if shape.chunked_by is not None else ""
            return f"{label} sends chunks of {shape.chunk:,} {endpoint.items} (`{code}`, {loop_where(loop, line)}); {_over(endpoint)}."

        # The payload is not readable here: judge by the chunks of the innermost loop that chunks.
        self.report_in_loop(node, message, skip=unchunked, hint=hint, confidence=Confidence.MEDIUM)

    def _payload_size(self, node: cst.Call, endpoint: Endpoint) -> tuple[int, str] | None:
        """How many items the request body's list holds, and the code that says so."""
        arg = keyword(node, "json") or keyword(node, "data")
        body = self.facts.value_of(self._undump(arg.value)) if arg is not None else None
        items = self.facts.dict_value(body, endpoint.payload_key) if isinstance(body, cst.Dict) else None
        if items is None:
            return None
        size = self.facts.collection_size(items)
        if size is not None:
            return size, f"a literal list of {size}"
        part = self.facts.value_of(items)
        length = self._slice_length(part) if isinstance(part, cst.Subscript) else None
        return (length, f"`{clipped(self.facts.source(part))}`") if length is not None else None

    def _undump(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """`json.dumps(body)` sends `body`."""
        if isinstance(expr, cst.Call) and self.facts.qualified_name(expr.func) == "json.dumps" and expr.args:
            return expr.args[0].value
        return expr

    def _slice_length(self, node: cst.Subscript) -> int | None:
        """K for `rows[:K]`, `rows[i:i + K]` and `rows[a:b]` with known bounds."""
        part = node.slice[0].slice if len(node.slice) == 1 else None
        if not isinstance(part, cst.Slice) or part.upper is None:
            return None
        if part.lower is None:
            return self.facts.integer_value(part.upper)
        upper = part.upper
        if isinstance(upper, cst.BinaryOperation) and isinstance(upper.operator, cst.Add):
            for start, length in ((upper.left, upper.right), (upper.right, upper.left)):
                if start.deep_equals(part.lower):
                    return self.facts.integer_value(length)
        low, high = self.facts.integer_value(part.lower), self.facts.integer_value(upper)
        return high - low if low is not None and high is not None else None

    def _check_query_options(self, key: str | None, value: cst.BaseExpression) -> None:
        if (key or "").lower() != "sforce-query-options":
            return
        match = BATCH_SIZE_OPTION.search(self.facts.string_template(value) or "")
        size = int(match.group(1)) if match else None
        if size is not None and not QUERY_BATCH_MIN <= size <= QUERY_BATCH_MAX:
            self.report(
                value,
                f"`batchSize={size}` in the `Sforce-Query-Options` header is outside the {QUERY_BATCH_MIN}–{QUERY_BATCH_MAX:,} "
                "the query API accepts; pick a batch size from 200 to 2,000.",
                hint="use `batchSize=2000` (the largest batch the query API returns)",
            )


class RestForBulkVolume(PythonRule, ConfigRule):
    """
    ## What it does
    Finds REST writes driven by a source of unbounded size: a loop (or a
    chunked loop) over `query_all`/`query_all_iter`/bulk query results, a
    `csv.reader`/`DictReader`, a pandas frame's rows, a JSON load, a file, or a
    `range` beyond the `bulk-threshold` option (default 2,000), whose body
    writes per record (`sf.<Object>.create/update/upsert/delete`, REST
    `sobjects/...`) or per collection (`composite/sobjects`, `composite/tree`,
    `composite`), directly or through a same-module function it calls.

    In config: a CumulusCI mapping step that forces the REST API with
    `api: rest` (a dataset load has no upper bound; CumulusCI's default, `smart`,
    moves large steps to the Bulk API by itself).

    ## Why it matters
    The integration patterns guide: "Any data operation that includes more than
    2,000 records is a good candidate for Bulk API 2.0 to successfully prepare,
    execute, and manage an asynchronous workflow that uses the Bulk framework.
    Jobs with fewer than 2,000 records should involve “bulkified” synchronous
    calls in REST (for example, Composite) or SOAP." A file or query result has
    no upper bound: the synchronous path that works for today's 500 rows burns
    the API allocation and times out on next year's 500,000.

    ## Example
    ```python
    with open("contacts.csv") as handle:
        for row in csv.DictReader(handle):
            sf.Contact.upsert(f"Email__c/{row['Email']}", row)
    ```

    ## Use instead
    ```python
    sf.bulk2.Contact.upsert("contacts.csv", external_id_field="Email__c")
    ```
    """

    code = "IL205"
    name = "rest-for-bulk-volume"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = {"py": SALESFORCE_CALLS, "cfg": CUMULUSCI_MAPPINGS}
    options = (BULK_THRESHOLD,)
    dialects = (CUMULUSCI,)
    valid = [
        # Bulk API 2.0 for the file: the fix.
        "import csv\nfrom simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "with open('contacts.csv') as handle:\n"
        "    sf.bulk2.Contact.upsert(records=list(csv.DictReader(handle)), external_id_field='Email__c')\n",
        # A bounded range and a list of unknown size: no evidence of volume.
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "for start in range(0, 1000, 200):\n"
        "    sf.restful('composite/sobjects', method='POST', json={'records': rows[start:start + 200]})\n"
        "for order in todays_orders():\n"
        "    sf.Order__c.upsert(f\"ERP_Id__c/{order['id']}\", order)\n",
        # Reading an unbounded source is fine; only REST writes over it are flagged.
        "import csv\nimport requests\n"
        "for row in csv.DictReader(open('prices.csv')):\n"
        "    requests.post('https://erp.example.com/prices', json=row, timeout=30)\n",
        # Iterating a DataFrame itself walks its column labels, not its rows.
        "import pandas as pd\nfrom simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "frame = pd.read_csv('fields.csv')\n"
        "for column in frame:\n"
        "    sf.Field_Audit__c.create({'Name': column})\n",
        # Config: CumulusCI's default API (`smart`) and the Bulk API.
        Example(
            "Upsert Accounts:\n  sf_object: Account\n  action: upsert\n  update_key: ERP_Id__c\n"
            "Upsert Contacts:\n  sf_object: Contact\n  action: upsert\n  update_key: Email\n  api: bulk\n",
            path="datasets/mapping.yml",
        ),
    ]
    invalid = [
        Example(
            "import csv\nfrom simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "with open('contacts.csv') as handle:\n"
            "    for row in csv.DictReader(handle):\n"
            "        sf.Contact.upsert(f\"Email__c/{row['Email']}\", row)\n",
            line=6,
        ),
        Example(
            "from simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "records = sf.query_all(\"SELECT Id FROM Lead WHERE Status = 'Open'\")['records']\n"
            "for start in range(0, len(records), 200):\n"
            "    batch = [{'attributes': {'type': 'Lead'}, 'Id': r['Id'], 'Status': 'Closed'} for r in records[start:start + 200]]\n"
            "    sf.restful('composite/sobjects', method='PATCH', json={'records': batch})\n",
            line=6,
        ),
        Example(
            "import pandas as pd\nimport requests\n\n"
            "def push(row):\n"
            "    requests.post(f'{BASE}/services/data/v61.0/sobjects/Account/', json=row.to_dict(), timeout=30)\n\n"
            "def load(path):\n"
            "    for _, row in pd.read_csv(path).iterrows():\n"
            "        push(row)\n",
            line=5,
        ),
        Example(
            "from simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "for n in range(50_000):\n"
            "    sf.Test_Record__c.create({'Name': f'load-{n}'})\n",
            line=4,
        ),
        Example("Upsert Contacts:\n  sf_object: Contact\n  action: upsert\n  update_key: Email\n  api: rest\n", path="datasets/mapping.yml", line=5),
    ]

    needs_loop_shapes = True

    def visit_Call(self, node: cst.Call) -> None:
        resolved = resolve_call(self.facts, node)
        if resolved is None or not (is_record_write(resolved[0]) or endpoint_of(resolved[0])):
            return
        (call, confidence), facts = resolved, self.facts
        fix = f"`{bulk2_call(call, client_of(facts, node, call))}`"

        def small(loop: Loop) -> bool:
            return self._volume(loop) is None

        def message(loop: Loop, line: int) -> str:
            return (
                f"{call_label(facts, node, call)} pushes {self._volume(loop)} through the REST API ({loop_where(loop, line)}); "
                f"a set that can exceed {self.option('bulk-threshold'):,} records belongs in Bulk API 2.0 ({fix}), which loads it in one asynchronous job."
            )

        self.report_in_loop(node, message, skip=small, hint=f"load the whole set with {fix}", confidence=confidence)

    def check_config(self, document: ConfigDocument) -> None:
        for step in rest_steps(document):
            api, sobject = step.value.scalar("api"), step.value.scalar("sf_object").text
            self.report(
                api,
                f"Step `{step.key.text}` loads {sobject} through the REST API (`api: rest`) whatever the dataset's size, "
                f"so a load above {self.option('bulk-threshold'):,} records becomes many synchronous calls that use up the "
                "API allocation; remove `api: rest` (CumulusCI's default, `smart`, switches large steps to the Bulk API) or set `api: bulk`.",
                hint="drop `api: rest` (the default `smart` picks the Bulk API for large steps) or set `api: bulk`",
            )

    def _volume(self, loop: Loop) -> str | None:
        """What the loop walks, when it can exceed the threshold: "the CSV rows `reader` in chunks of 200"."""
        shape = loop_shape(self.facts, loop)
        chunks = f" in chunks of {shape.chunk:,}" if shape.chunk else ""
        source = source_label(self.facts, shape)
        if source is not None:
            return source + chunks
        if shape.records is not None and shape.records > self.option("bulk-threshold") and loop.iterable is not None:
            return f"{shape.records:,} records (`{clipped(self.facts.source(loop.iterable))}`){chunks}"
        return None


def _is_salesforce_bulk(module: str) -> bool:
    return module == "salesforce_bulk" or module.startswith("salesforce_bulk.")


class BulkApiV1(PythonRule, ConfigRule):
    """
    ## What it does
    Finds Bulk API 1.0 in Python code: simple_salesforce's `sf.bulk.<Object>.*`
    calls, and the `salesforce_bulk` package (its import and `SalesforceBulk(...)`).
    In config: Camel `salesforce:` endpoints with the Bulk API 1.0 operations
    `createJob` and `createBatch` (inline in the URI or as `operationName`).

    ## Why it matters
    With Bulk API 1.0 the client splits the data into batches, chooses their
    size, polls each batch and stitches the results together. Bulk API 2.0
    takes the whole data set in one job and does that work on the platform;
    the integration patterns guide recommends it for "any data operation that
    includes more than 2,000 records" and describes it as "Salesforce's modern,
    streamlined API for handling large-scale data operations".

    ## Example
    ```python
    sf.bulk.Lead.insert(leads, batch_size=5000)
    ```

    ## Use instead
    ```python
    sf.bulk2.Lead.insert(records=leads)
    ```
    """

    code = "IL206"
    name = "bulk-api-v1"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    requires = {"py": Requires(imports=("salesforce_bulk", "simple_salesforce")), "cfg": SALESFORCE_COMPONENTS}
    dialects = (CAMEL,)
    valid = [
        "from simple_salesforce import Salesforce\n"
        "sf = Salesforce(instance_url=url, session_id=token)\n"
        "sf.bulk2.Lead.insert(records=leads)\n",
        # Lookalikes: another object's .bulk, a module merely named like the package.
        "from myapp import salesforce_bulk_helpers\nstore.bulk.Lead.insert(rows)\n",
        "from .salesforce_bulk import load\n",
        # Config: Camel's Bulk API 2.0 operations.
        Example(
            "- route:\n    from:\n      uri: file:inbox/leads\n      steps:\n"
            "        - to: salesforce:bulk2CreateJob\n        - to: salesforce:bulk2CreateBatch\n        - to: salesforce:bulk2CloseJob\n",
            path="routes/leads.camel.yaml",
        ),
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "sf.bulk.Lead.insert(leads, batch_size=5000)\n",
            line=3,
        ),
        Example("from salesforce_bulk import SalesforceBulk\n", line=1),
        Example("import salesforce_bulk as sb\n\nbulk = sb.SalesforceBulk(sessionId=token, host=host)\n", line=3),
        Example(
            "- route:\n    from:\n      uri: file:inbox/leads\n      steps:\n"
            "        - to:\n            uri: salesforce\n            parameters:\n              operationName: createJob\n",
            path="routes/leads.camel.yaml",
            line=8,
        ),
    ]

    def visit_Import(self, node: cst.Import) -> None:
        if any(_is_salesforce_bulk(self.facts.source(alias.name)) for alias in node.names):
            self._report_package(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative and node.module is not None and _is_salesforce_bulk(self.facts.source(node.module)):
            self._report_package(node)

    def visit_Call(self, node: cst.Call) -> None:
        if self.facts.qualified_name(node.func) in SALESFORCE_BULK_CLIENTS:
            self.report(
                node,
                f"`{clipped(self.facts.source(node.func))}(...)` opens a Bulk API 1.0 connection; new code should use "
                "Bulk API 2.0 (`sf.bulk2.<Object>` in simple_salesforce), which splits and tracks the batches itself.",
                hint=BULK2_HINT,
            )
            return
        resolved = resolve_call(self.facts, node)
        if resolved is not None and resolved[0].api == "bulk":
            call, confidence = resolved
            fix = bulk2_call(call, client_of(self.facts, node, call))
            self.report(
                node,
                f"`{clipped(self.facts.source(node.func))}` uses Bulk API 1.0; Bulk API 2.0 (`{fix}`) takes the whole data set "
                "in one job and splits and tracks the batches itself.",
                hint=f"use `{fix}`",
                confidence=confidence,
            )

    def check_config(self, document: ConfigDocument) -> None:
        for endpoint in endpoints(document.root):
            if endpoint.operation in BULK_V1_OPERATIONS:
                fix = f"`salesforce:{BULK_V1_OPERATIONS[endpoint.operation]}`"
                self.report(
                    endpoint.option("operationName") or endpoint.uri,
                    f"Camel endpoint `{endpoint.label}` uses Bulk API 1.0 (`{endpoint.operation}`); the Bulk API 2.0 operations "
                    f"({fix} and the other `bulk2*` operations) take the whole data set in one job and split and track the batches themselves.",
                    hint=f"use {fix}",
                )

    def _report_package(self, node: cst.Import | cst.ImportFrom) -> None:
        self.report(
            node,
            "`salesforce_bulk` is a Bulk API 1.0 client; new code should use Bulk API 2.0 "
            "(`sf.bulk2.<Object>` in simple_salesforce), which splits and tracks the batches itself.",
            hint=BULK2_HINT,
        )
