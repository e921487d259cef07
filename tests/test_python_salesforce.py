"""The shared classifier of Salesforce operations across simple_salesforce and raw HTTP clients."""

from __future__ import annotations

import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule
from lint.sources.python import lint_file
from lint.sources.python_salesforce import salesforce_call


class OperationProbe(PythonRule):
    """
    ## What it does
    Test probe: reports the Salesforce operation of every call.

    ## Why it matters
    It lets the tests read the classifier at each call of the real traversal.

    ## Example
    ```python
    sf.Contact.create({})
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL998"
    name = "operation-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["sf.Contact.create({})\n"]

    def visit_Call(self, node: cst.Call) -> None:
        found = salesforce_call(self.facts, node)
        if found is not None:
            self.report(node, repr(found))


def operations(code: str) -> dict[int, str]:
    """Line -> repr of the SalesforceCall found there."""
    result = lint_file("probe.py", textwrap.dedent(code).encode(), [OperationProbe], {})
    return {f.span.start_line: f.message for f in result.findings}


CLIENT_MODULE = """\
import simple_salesforce as ss

sf = ss.Salesforce(instance_url=url, session_id=token)
sf.Contact.create({"LastName": "Ng"})
sf.Account.upsert("Ext_Id__c/42", {"Name": "Acme"})
sf.bulk.Lead.insert(rows, batch_size=5000)
sf.bulk2.Order__c.upsert("orders.csv", external_id_field="Ext__c")
sf.query_all("SELECT Id FROM Contact")
sf.restful("sobjects/Case/", method="POST", json={})
sf.restful("limits")
"""


def test_simple_salesforce_operations():
    found = operations(CLIENT_MODULE)
    assert found == {
        4: "SalesforceCall(api='sobject', operation='create', sobject='Contact', http_method=None, rest_path=None, api_version=None)",
        5: "SalesforceCall(api='sobject', operation='upsert', sobject='Account', http_method=None, rest_path=None, api_version=None)",
        6: "SalesforceCall(api='bulk', operation='insert', sobject='Lead', http_method=None, rest_path=None, api_version=None)",
        7: "SalesforceCall(api='bulk2', operation='upsert', sobject='Order__c', http_method=None, rest_path=None, api_version=None)",
        8: "SalesforceCall(api='client', operation='query_all', sobject=None, http_method=None, rest_path=None, api_version=None)",
        9: "SalesforceCall(api='restful', operation='restful', sobject='Case', http_method='POST', rest_path='sobjects/Case/', api_version=None)",
        10: "SalesforceCall(api='restful', operation='restful', sobject=None, http_method='GET', rest_path='limits', api_version=None)",
    }


def test_raw_http_calls_to_rest_urls_through_constants_fstrings_and_concatenation():
    found = operations(
        """\
        import httpx
        import requests

        BASE = os.environ["SF_URL"] + "/services/data/v61.0"

        class Pusher:
            def __init__(self):
                self.http = requests.Session()

            def push(self, order):
                self.http.post(f"{BASE}/sobjects/Order__c/", json=order)
                requests.patch(BASE + "/sobjects/Account/Ext__c/" + order["id"], json=order)
                httpx.request("DELETE", f"{instance}/services/data/v58.0/sobjects/Lead/{lead_id}")
                requests.get(f"{BASE}/query", params={"q": soql})
                requests.post("https://erp.example.com/orders", json=order)
        """
    )
    assert found == {
        11: "SalesforceCall(api='http', operation='post', sobject='Order__c', http_method='POST', rest_path='sobjects/Order__c/', api_version='61.0')",
        12: "SalesforceCall(api='http', operation='patch', sobject='Account', http_method='PATCH', rest_path='sobjects/Account/Ext__c/{}', api_version='61.0')",
        13: "SalesforceCall(api='http', operation='request', sobject='Lead', http_method='DELETE', rest_path='sobjects/Lead/{}', api_version='58.0')",
        14: "SalesforceCall(api='http', operation='get', sobject=None, http_method='GET', rest_path='query', api_version='61.0')",
    }


def test_writes_are_told_from_reads():
    from lint.sources.python_salesforce import SalesforceCall

    assert SalesforceCall("sobject", "create", "Contact").is_write
    assert SalesforceCall("bulk2", "upsert", "Contact").is_write
    assert not SalesforceCall("client", "query_all").is_write
    assert SalesforceCall("http", "post", "Order__c", "POST", "sobjects/Order__c/").is_write
    assert not SalesforceCall("restful", "restful", None, "GET", "limits").is_write


def test_lookalikes_are_not_salesforce_calls():
    found = operations(
        """\
        from myapp.crm import Salesforce

        sf = Salesforce()
        sf.Contact.create({})
        cache = {}
        cache.get("/services/data/v61.0/sobjects/Contact/")
        """
    )
    assert found == {}
