"""IL206: the legacy Bulk API (1.0) where Bulk API 2.0 does the job."""

from __future__ import annotations

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, PythonRule, Requires
from lint.rules.bulk.common import bulk2_call, client_of, resolve_call
from lint.rules.requirements import SALESFORCE_COMPONENTS
from lint.sources.config_camel import endpoints
from lint.sources.config_dialects import CAMEL
from lint.sources.config_model import ConfigDocument
from lint.sources.python_calls import clipped

SALESFORCE_BULK_CLIENTS = frozenset({"salesforce_bulk.SalesforceBulk", "salesforce_bulk.salesforce_bulk.SalesforceBulk"})
BULK2_HINT = "use simple_salesforce's Bulk API 2.0: `sf.bulk2.<Object>.insert(records=...)` / `.upsert(..., external_id_field=...)`"

# Camel's Bulk API 1.0 operations that start a load, and the Bulk API 2.0 operation that replaces each.
BULK_V1_OPERATIONS = {"createJob": "bulk2CreateJob", "createBatch": "bulk2CreateBatch"}


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
