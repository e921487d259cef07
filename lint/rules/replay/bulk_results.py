"""IL408: Bulk API results whose failed records are never read."""

from __future__ import annotations

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, Requires
from lint.rules.replay.common import FollowsResults
from lint.sources.python_calls import keyword
from lint.sources.python_salesforce import likely_salesforce_call

# -- IL408 ---------------------------------------------------------------------------------

BULK2_WRITES = frozenset({"insert", "upsert", "update", "delete", "hard_delete"})
BULK_WRITES = frozenset({"insert", "upsert", "update", "delete", "hard_delete"})
BULK2_FAILURE_KEYS = frozenset({"numberRecordsFailed", "get_failed_records"})  # read from the result, or named by a helper given it
# salesforce_bulk: the calls that read a batch's per-record results, and those that make a query (not a write) job.
BATCH_RESULT_READERS = frozenset({"get_batch_results", "get_all_results_for_query_batch", "get_query_batch_results", "get_query_batch_result_ids"})
QUERY_JOBS = frozenset({"create_query_job", "create_queryall_job"})
WRITE_JOBS = frozenset({"create_insert_job", "create_update_job", "create_upsert_job", "create_delete_job", "create_job"})
REJECTED = "the records Salesforce rejects (validation rules, required fields, locks) are silently dropped"


class BulkFailuresIgnored(FollowsResults):
    """
    ## What it does
    Finds bulk loads whose per-record failures nobody reads:
    `sf.bulk2.<Object>.insert/upsert/update/delete/hard_delete` whose result is
    discarded or never read for `numberRecordsFailed` (in the function or a
    same-module helper it is handed to) while the function never calls
    `get_failed_records`; `sf.bulk.<Object>.*(..., bypass_results=True)`; and
    salesforce_bulk's `wait_for_batch` in a module that never reads a batch's
    results (`get_batch_results`).

    ## Why it matters
    A bulk job completes even when some of its records fail; the failures are
    only in the job's counts and result set. The integration patterns guide:
    "The API calls return a result set that consists of ... Record identifying
    information, Success/failure notification, A collection of errors for each
    record. This information should be used to retry the write operation (if
    necessary)."

    ## Example
    ```python
    sf.bulk2.Contact.upsert(csv_file="contacts.csv", external_id_field="Email__c")
    ```

    ## Use instead
    ```python
    for job in sf.bulk2.Contact.upsert(csv_file="contacts.csv", external_id_field="Email__c"):
        if job["numberRecordsFailed"]:
            sf.bulk2.Contact.get_failed_records(job["job_id"], file=f"failed-{job['job_id']}.csv")
    ```
    """

    code = "IL408"
    name = "bulk-failures-ignored"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = Requires(imports=("simple_salesforce", "salesforce_bulk"))
    valid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, path):\n"
            "    results = sf.bulk2.Contact.upsert(csv_file=path, external_id_field='Email__c')\n"
            "    failed = sum(job['numberRecordsFailed'] for job in results)\n"
            "    if failed:\n"
            "        raise RuntimeError(f'{failed} contacts failed')\n"
        ),
        # The failed rows are fetched.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, rows):\n"
            "    for job in sf.bulk2.Lead.insert(records=rows):\n"
            "        sf.bulk2.Lead.get_failed_records(job['job_id'], file='failed.csv')\n"
        ),
        # Returned to the caller, who judges it.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, rows):\n"
            "    return sf.bulk2.Account.update(records=rows)\n"
        ),
        # salesforce_bulk: the batch results are read after waiting.
        Example(
            "from salesforce_bulk import SalesforceBulk\n\n"
            "def load(bulk: SalesforceBulk, rows):\n"
            "    job = bulk.create_insert_job('Account', contentType='CSV')\n"
            "    batch = bulk.post_batch(job, rows)\n"
            "    bulk.wait_for_batch(job, batch)\n"
            "    bulk.close_job(job)\n"
            "    return [row for row in bulk.get_batch_results(batch, job) if not row.success]\n"
        ),
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, path):\n"
            "    sf.bulk2.Contact.upsert(csv_file=path, external_id_field='Email__c')\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, rows):\n"
            "    results = sf.bulk2.Lead.insert(records=rows)\n"
            "    print('loaded', sum(job['numberRecordsProcessed'] for job in results))\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def load(sf: Salesforce, rows):\n"
            "    sf.bulk.Account.update(rows, batch_size=5000, bypass_results=True)\n",
            line=4,
        ),
        Example(
            "from salesforce_bulk import SalesforceBulk\n\n"
            "bulk = SalesforceBulk(sessionId=token, host=host)\n"
            "job = bulk.create_insert_job('Account', contentType='CSV')\n"
            "batch = bulk.post_batch(job, rows)\n"
            "bulk.wait_for_batch(job, batch)\n"
            "bulk.close_job(job)\n",
            line=6,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        imported = (binding.qualified or "" for binding in self.facts.module_scope.names.values())
        self.salesforce_bulk = any(name.split(".")[0] == "salesforce_bulk" for name in imported)
        self.calls: set[str] = set()  # names of the methods called anywhere in the module
        self.calls_by_function: dict[cst.FunctionDef | None, set[str]] = {}  # ... and in each function (None: module level)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute):
            self.calls.add(node.func.attr.value)
            self.calls_by_function.setdefault(self.facts.current_function(), set()).add(node.func.attr.value)
        resolved = likely_salesforce_call(self.facts, node)
        if resolved is not None:
            found, confidence = resolved
            if found.api == "bulk2" and found.operation in BULK2_WRITES:
                self._follow_bulk2(node, confidence)
            elif found.api == "bulk" and found.operation in BULK_WRITES and self._bypasses_results(node):
                self._report_bypass(node, confidence)
        elif self.salesforce_bulk and isinstance(node.func, cst.Attribute) and node.func.attr.value == "wait_for_batch":
            self._check_batch_results(node)

    def _follow_bulk2(self, node: cst.Call, confidence: Confidence) -> None:
        followed = self.flow.follow(node)
        function = self.facts.current_function()
        called = self.calls_by_function.setdefault(function, set())
        where = f"`{function.name.value}`" if function is not None else "this module"
        label = f"`{self.facts.source(node.func)}`"
        fix = (
            f"check each job's `numberRecordsFailed` and fetch the rejected rows with "
            f"`{self.facts.source(node.func.value)}.get_failed_records(job['job_id'])` to fix and reload them"
        )

        def message() -> str | None:
            fate = followed.fate()
            if "get_failed_records" in called or fate.handed_off or self.reads_any(fate, BULK2_FAILURE_KEYS):
                return None
            if fate.discarded:
                return f"{label} discards its result, so {REJECTED}: nothing reads `numberRecordsFailed` or calls `get_failed_records`; {fix}."
            processed = " (only `numberRecordsProcessed`, which counts failed records too)" if "numberRecordsProcessed" in fate.keys else ""
            return (
                f"The result of {label} is never read for `numberRecordsFailed`{processed} and nothing in {where} "
                f"calls `get_failed_records`, so {REJECTED}; {fix}."
            )

        self.report_later(node, message, hint=fix, confidence=None if confidence is Confidence.HIGH else confidence)

    def _bypasses_results(self, node: cst.Call) -> bool:
        given = keyword(node, "bypass_results")
        return given is not None and isinstance(given.value, cst.Name) and given.value.value == "True"

    def _report_bypass(self, node: cst.Call, confidence: Confidence) -> None:
        fix = "drop `bypass_results=True` and check each result's `success` and `errors`"
        self.report(
            node,
            f"`{self.facts.source(node.func)}` passes `bypass_results=True`, so it neither waits for its batches nor returns "
            f"their per-record results, and {REJECTED}; {fix}.",
            hint=fix,
            confidence=None if confidence is Confidence.HIGH else confidence,
        )

    def _check_batch_results(self, node: cst.Call) -> None:
        fix = (
            f"read the batch's results with `{self.facts.source(node.func.value)}.get_batch_results(batch, job)` "
            "and retry or record the rows whose `success` is false"
        )

        def message() -> str | None:
            read = not BATCH_RESULT_READERS.isdisjoint(self.calls)
            query_only = not QUERY_JOBS.isdisjoint(self.calls) and WRITE_JOBS.isdisjoint(self.calls)
            if read or query_only:
                return None
            return (
                f"`{self.facts.source(node.func)}` waits for the batch, but nothing in this module reads its results "
                f"with `get_batch_results`, so {REJECTED}; {fix}."
            )

        self.report_later(node, message, hint=fix)
