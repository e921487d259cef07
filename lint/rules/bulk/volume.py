"""IL204 and IL205: batches over the platform's limits, and REST where the volume calls for Bulk API 2.0."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, PythonRule, Requires
from lint.rules.bulk.common import BULK_THRESHOLD, bulk2_call, call_label, client_of, is_record_write, loop_where, resolve_call
from lint.rules.requirements import CUMULUSCI_MAPPINGS, SALESFORCE_CALLS
from lint.sources.config_dialects import CUMULUSCI, loads_records, mapping_steps
from lint.sources.config_model import ConfigDocument
from lint.sources.config_paths import Match
from lint.sources.python_calls import clipped, keyword, positional
from lint.sources.python_facts import Loop, PythonFacts
from lint.sources.python_names import CSV_ROWS, DATAFRAME, DATAFRAME_ROWS, FILE, JSON_DOCUMENT, QUERY_RESULT, RECORDS
from lint.sources.python_loops import LoopShape, loop_shape
from lint.sources.python_salesforce import SalesforceCall

# Platform limits (guide: "up to 200 records at a time", composite "up to 25 requests in a single call").
RECORDS_PER_REQUEST = 200
SUBREQUESTS_PER_COMPOSITE = 25
QUERY_BATCH_MIN, QUERY_BATCH_MAX = 200, 2000
BULK_V1_BATCH_MAX = 10_000

BULK_BATCH_SIZE_POSITION = {"insert": 1, "update": 1, "delete": 1, "hard_delete": 1, "upsert": 2}  # simple_salesforce signatures
BATCH_SIZE_OPTION = re.compile(r"\bbatchSize\s*=\s*(\d+)")


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


def endpoint_of(call: SalesforceCall) -> Endpoint | None:
    """The collection or composite resource a REST write posts to, if any."""
    if not (call.is_rest and call.is_write):
        return None
    path = (call.rest_path or "").rstrip("/")
    for endpoint in ENDPOINTS:
        if path == endpoint.prefix or (endpoint.items == "records" and path.startswith(endpoint.prefix + "/")):
            return endpoint
    return None


SOURCE_NAMES = {
    QUERY_RESULT: "the query results",
    RECORDS: "the query results",
    CSV_ROWS: "the CSV rows",
    DATAFRAME: "the DataFrame",
    DATAFRAME_ROWS: "the DataFrame rows",
    JSON_DOCUMENT: "the JSON document",
    FILE: "the file",
}


def source_label(facts: PythonFacts, shape: LoopShape) -> str | None:
    """The unbounded data set a loop walks, described: "the CSV rows `reader`"."""
    if shape.source is None or shape.source_type is None:
        return None
    return f"{SOURCE_NAMES[shape.source_type]} `{clipped(facts.source(shape.source))}`"


def rest_steps(document: ConfigDocument) -> Iterator[Match]:
    """CumulusCI mapping steps that load records through the REST API (`api: rest`)."""
    for step in mapping_steps(document.root):
        api = step.value.scalar("api")
        if api is not None and api.is_("rest") and loads_records(step.value):
            yield step


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
