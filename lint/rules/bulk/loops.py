"""IL201 and IL202: Salesforce writes and queries sent once per record in a loop."""

from __future__ import annotations

import re

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, PythonRule
from lint.rules.bulk.common import BULK_THRESHOLD, bulk2_call, call_label, client_of, is_record_write, loop_where, resolve_call
from lint.rules.requirements import SALESFORCE_CALLS
from lint.sources.python_calls import clipped
from lint.sources.python_facts import Loop, PythonFacts
from lint.sources.python_loops import loop_shape

SMALL_LOOP = 3  # a loop over at most this many items is not a volume problem

SOQL_FROM = re.compile(r"\bFROM\s+(\{\}|\w+)", re.IGNORECASE)
OFFSET = re.compile(r"\bOFFSET\b", re.IGNORECASE)


def _mergeable(soql: str) -> bool:
    """Whether one query per pass could become one `IN (...)` query: not paging (`OFFSET`), not one per object (`FROM {}`)."""
    source = SOQL_FROM.search(soql)
    return not (OFFSET.search(soql) or (source and source.group(1) == "{}"))


def repetition(facts: PythonFacts, loop: Loop, line: int) -> str:
    """How often a node in `loop` runs: "once per item of `rows` (loop at line 12 calls `push`)"."""
    if loop.iterable is None:
        return f"on every pass of the {loop_where(loop, line)}"
    return f"once per item of `{clipped(facts.source(loop.iterable))}` ({loop_where(loop, line)})"


# -- the rules ---------------------------------------------------------------------


class WriteInLoop(PythonRule):
    """
    ## What it does
    Finds per-record Salesforce writes that run once per item of a loop:
    `sf.<Object>.create/update/upsert/delete`, `sf.restful(...)` with POST,
    PATCH or DELETE on a `sobjects/<Object>/...` path, and `requests`/`httpx`
    writes to `/services/data/vNN.N/sobjects/<Object>/...`, inside a `for` or
    `while` loop, a comprehension, `map(...)`, or a same-module function or
    method (`self.push(...)`, `publisher.push(...)` on an instance of a
    same-module class) called from a loop body, unless it runs once whatever
    calls it (cached, or lazily filling a value). A loop over a literal of
    three or fewer items, or a bounded retry loop, does not count by itself:
    the write is judged by the loop around it, if there is one.

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
    (paging, polling), bounded retry loops, queries whose `FROM` object is
    the loop variable (they cannot be merged into one), and functions that
    run once whatever calls them (decorated with `functools.lru_cache`/`cache`
    or cachetools', or filling a value behind `if self._index is None:`).

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
