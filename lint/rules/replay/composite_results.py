"""IL407: composite responses judged by their HTTP status alone."""

from __future__ import annotations

import re

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, Requires
from lint.rules.replay.common import FollowsResults
from lint.rules.requirements import SALESFORCE_CALLS
from lint.sources.python_results import Followed
from lint.sources.python_salesforce import salesforce_call

# -- IL407 ---------------------------------------------------------------------------------

COMPOSITE_PATH = re.compile(r"^composite(?:/(?P<kind>sobjects|batch|tree|graph))?(?:[/?]|$)")
# What to read of each composite resource's body: the resource as messages name it -> the keys that report failures.
COMPOSITE_CHECKS = {
    None: ("composite", "each `compositeResponse[i].httpStatusCode`"),
    "sobjects": ("composite/sobjects", "each result's `success` and `errors`"),
    "batch": ("composite/batch", "`hasErrors` and each `results[i].statusCode`"),
    "tree": ("composite/tree", "`hasErrors` and each result's `errors`"),
    "graph": ("composite/graph", "each graph's `isSuccessful`"),
}
COMPOSITE_KEYS = frozenset(
    {"compositeResponse", "httpStatusCode", "success", "errors", "hasErrors", "results", "statusCode", "isSuccessful", "graphs", "graphResponse"}
)
STATUS_KEYS = {"raise_for_status": "`raise_for_status()`", "status_code": "`status_code`", "ok": "`ok`", "is_success": "`is_success`", "is_error": "`is_error`"}
SUBREQUESTS_FAIL = "Salesforce answers 200 even when subrequests or records inside it fail"


class CompositeStatusUnchecked(FollowsResults):
    """
    ## What it does
    Finds Composite API writes — `composite`, `composite/batch`,
    `composite/sobjects`, `composite/tree`, `composite/graph`, through
    `requests`/`httpx` or `sf.restful` — whose response is discarded or judged
    only by its HTTP status (`raise_for_status()`, `status_code`, `ok`), with
    no read of `compositeResponse`, `httpStatusCode`, `success`, `errors`,
    `hasErrors` or `results`, in the function or in a same-module helper the
    response is handed to. A response returned or handed to other code is
    left to that code.

    ## Why it matters
    A composite request succeeds as a whole while the records or subrequests
    inside it fail one by one. The integration patterns guide: "Proper error
    handling should examine the response body, not just HTTP status codes. A
    composite endpoint responds with 200 HTTP status code even if inside the
    response body it shows that one of the subrequests failed and transaction
    had to rollback."

    ## Example
    ```python
    response = session.post(f"{base}/services/data/v61.0/composite/sobjects", json={"records": batch}, timeout=30)
    response.raise_for_status()
    ```

    ## Use instead
    ```python
    response = session.post(f"{base}/services/data/v61.0/composite/sobjects", json={"records": batch}, timeout=30)
    response.raise_for_status()
    failed = [(row, result["errors"]) for row, result in zip(batch, response.json()) if not result["success"]]
    ```
    """

    code = "IL407"
    name = "composite-status-unchecked"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = SALESFORCE_CALLS & Requires(markers=("composite",))
    valid = [
        # Each result's success is read.
        Example(
            "import requests\n\n"
            "def push(session: requests.Session, base, batch):\n"
            "    response = session.post(f'{base}/services/data/v61.0/composite/sobjects', json={'records': batch}, timeout=30)\n"
            "    response.raise_for_status()\n"
            "    return [r['id'] for r in response.json() if r['success']]\n"
        ),
        # compositeResponse read in a same-module helper that receives the response.
        Example(
            "import requests\n\n"
            "def check(response):\n"
            "    for sub in response.json()['compositeResponse']:\n"
            "        if sub['httpStatusCode'] >= 400:\n"
            "            raise RuntimeError(sub['body'])\n\n"
            "def send(base, token, subrequests):\n"
            "    response = requests.post(f'{base}/services/data/v61.0/composite', json={'compositeRequest': subrequests}, timeout=30)\n"
            "    check(response)\n"
        ),
        # Returned: the caller judges it.
        Example(
            "import requests\n\n"
            "def send(base, body):\n"
            "    response = requests.post(base + '/services/data/v61.0/composite/tree/Account', json=body, timeout=30)\n"
            "    response.raise_for_status()\n"
            "    return response.json()\n"
        ),
        # A read, not a write.
        Example(
            "import requests\n\n"
            "def accounts(base, ids):\n"
            "    requests.get(f'{base}/services/data/v61.0/composite/sobjects/Account', params={'ids': ids}, timeout=30).raise_for_status()\n"
        ),
    ]
    invalid = [
        Example(
            "import requests\n\n"
            "def push(session: requests.Session, base, batch):\n"
            "    response = session.post(f'{base}/services/data/v61.0/composite/sobjects', json={'records': batch}, timeout=30)\n"
            "    response.raise_for_status()\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def close_cases(sf: Salesforce, records):\n"
            "    sf.restful('composite/sobjects', method='PATCH', json={'allOrNone': False, 'records': records})\n",
            line=4,
        ),
        Example(
            "import httpx\n\n"
            "def send(client: httpx.Client, base, subrequests):\n"
            "    response = client.post(f'{base}/services/data/v61.0/composite', json={'compositeRequest': subrequests})\n"
            "    if response.status_code != 200:\n"
            "        raise RuntimeError(response.text)\n",
            line=4,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        found = salesforce_call(self.facts, node)
        if found is None or not found.is_rest or not found.is_write:
            return
        path = COMPOSITE_PATH.match(found.rest_path or "")
        if path is None:
            return
        resource, keys = COMPOSITE_CHECKS[path.group("kind")]
        followed = self.flow.follow(node)
        label = f"`{self.facts.source(node.func)}`"
        fix = f"read {keys} in the response body and handle the failed ones"
        self.report_later(node, lambda: self._message(followed, label, resource, fix), hint=fix)

    def _message(self, followed: Followed, label: str, resource: str, fix: str) -> str | None:
        fate = followed.fate()
        if fate.handed_off or self.reads_any(fate, COMPOSITE_KEYS):
            return None
        if fate.discarded:
            return f"{label} sends a `{resource}` request and discards the response, but {SUBREQUESTS_FAIL}, so those failures go unnoticed; {fix}."
        status = [text for key, text in STATUS_KEYS.items() if key in fate.keys]
        judged = f"is judged only by {' and '.join(status)}" if status else "is never read for the results inside it"
        return f"The `{resource}` response of {label} {judged}, but {SUBREQUESTS_FAIL}, so those failures go unnoticed; {fix}."
