"""The shared classifier of Salesforce operations across simple_salesforce and raw HTTP clients."""

from __future__ import annotations

import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule
from lint.sources.python import lint_file
from lint.sources.python_salesforce import likely_salesforce_call, salesforce_call


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


def test_rest_urls_whose_api_version_is_chosen_at_run_time():
    # CumulusCI, tap-salesforce and most hand-written clients read the version from settings, often into `%`/`.format()` templates.
    found = operations(
        """\
        import requests

        class Upload:
            def run(self, names):
                api_version = self.project_config.api_version
                url = f"{self.instance_url}/services/data/v{api_version}/sobjects/ContentVersion/"
                for name in names:
                    requests.post(url, json={"Title": name}, timeout=30)
                requests.get(f"{self.instance_url}/services/data/{self.version}/queryAll", timeout=30)
                requests.get(f"{self.instance_url}/services/data/v{API}.0/limits", timeout=30)
                requests.get(f"{self.instance_url}/services/data/", timeout=30)
                requests.get(self.base_url + "/services/data/%s/sobjects/%s/describe/" % (self.api_version, name), timeout=30)
                requests.patch("{}/services/data/v{}.0/sobjects/Lead/{}".format(self.instance_url, API, lead_id), timeout=30)
                requests.delete("%(base)s/services/data/v61.0/sobjects/Task/%(id)s" % {"base": base, "id": task_id}, timeout=30)
        """
    )
    assert found == {
        8: "SalesforceCall(api='http', operation='post', sobject='ContentVersion', http_method='POST', rest_path='sobjects/ContentVersion/', api_version=None)",
        9: "SalesforceCall(api='http', operation='get', sobject=None, http_method='GET', rest_path='queryAll', api_version=None)",
        10: "SalesforceCall(api='http', operation='get', sobject=None, http_method='GET', rest_path='limits', api_version=None)",
        12: "SalesforceCall(api='http', operation='get', sobject=None, http_method='GET', rest_path='sobjects/{}/describe/', api_version=None)",
        13: "SalesforceCall(api='http', operation='patch', sobject='Lead', http_method='PATCH', rest_path='sobjects/Lead/{}', api_version=None)",
        14: "SalesforceCall(api='http', operation='delete', sobject='Task', http_method='DELETE', rest_path='sobjects/Task/{}', api_version='61.0')",
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


class QueryProbe(PythonRule):
    """
    ## What it does
    Test probe: reports each Salesforce call with its SOQL and how sure the classification is.

    ## Why it matters
    It lets the tests read `likely_salesforce_call` at each call of the real traversal.

    ## Example
    ```python
    sf.query("SELECT Id FROM Contact")
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL993"
    name = "query-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["sf.query('SELECT Id FROM Contact')\n"]

    def visit_Call(self, node: cst.Call) -> None:
        found = likely_salesforce_call(self.facts, node)
        if found is not None:
            call, confidence = found
            self.report(node, f"{call.api}|{call.operation}|{call.sobject}|{call.is_query}|{call.soql}|{confidence.value}")


def classified(code: str) -> dict[int, str]:
    """Line -> "api|operation|sobject|is_query|soql|confidence"."""
    result = lint_file("probe.py", textwrap.dedent(code).encode(), [QueryProbe], {})
    return {f.span.start_line: f.message for f in result.findings}


def test_calls_carry_the_soql_they_send():
    found = classified(
        """\
        import requests
        from simple_salesforce import Salesforce, format_soql

        sf = Salesforce(instance_url=url, session_id=token)
        OPEN = "SELECT Id FROM Case WHERE IsClosed = false"

        def run(http: requests.Session, base, email, n):
            sf.query(OPEN)
            sf.query_all(query=format_soql("SELECT Id FROM Contact WHERE Email = {}", email))
            sf.query_all_iter("SELECT Id FROM Lead LIMIT {}".format(n))
            sf.restful("query", params={"q": f"SELECT Id FROM Account WHERE Name = '{email}'"})
            http.get(f"{base}/services/data/v61.0/query/?q=SELECT+Id+FROM+Order", timeout=30)
            sf.bulk.Contact.query("SELECT Id FROM Contact")
            sf.bulk2.Contact.query(query="SELECT Id FROM Contact")
            sf.query_more(next_url, identifier_is_url=True)
            sf.Contact.get(email)
            sf.query(build_soql())
        """
    )
    assert found == {
        8: "client|query|None|True|SELECT Id FROM Case WHERE IsClosed = false|high",
        9: "client|query_all|None|True|SELECT Id FROM Contact WHERE Email = {}|high",
        10: "client|query_all_iter|None|True|SELECT Id FROM Lead LIMIT {}|high",
        11: "restful|restful|None|True|SELECT Id FROM Account WHERE Name = '{}'|high",
        12: "http|get|None|True|SELECT Id FROM Order|high",
        13: "bulk|query|Contact|False|SELECT Id FROM Contact|high",
        14: "bulk2|query|Contact|False|SELECT Id FROM Contact|high",
        15: "client|query_more|None|False|None|high",
        16: "sobject|get|Contact|True|None|high",
        17: "client|query|None|True|None|high",
    }


def test_sobjects_chosen_at_run_time():
    found = classified(
        """\
        from simple_salesforce import Salesforce

        sf = Salesforce(instance_url=url, session_id=token)

        class Loader:
            def __init__(self, name):
                self.target = getattr(sf, name)
                self.contacts = sf.Contact

            def load(self, name, rows):
                getattr(sf, name).upsert("Ext__c/1", rows[0])
                getattr(sf, "Order__c").create(rows[0])
                sf.bulk.__getattr__(name).insert(rows)
                proxy = getattr(sf, "Lead")
                proxy.delete(rows[0]["Id"])
                self.target.update(rows[0]["Id"], rows[0])
                self.contacts.create(rows[0])
                getattr(sf, "session").get("https://example.com")
        """
    )
    assert found == {
        11: "sobject|upsert|None|False|None|high",
        12: "sobject|create|Order__c|False|None|high",
        13: "bulk|insert|None|False|None|high",
        15: "sobject|delete|Lead|False|None|high",
        16: "sobject|update|None|False|None|high",
        17: "sobject|create|Contact|False|None|high",
    }


def test_untyped_clients_are_guessed_only_from_strong_evidence():
    guessed = classified(
        """\
        import simple_salesforce

        def push(sf, crm, rows):
            sf.Case.create(rows[0])
            sf.bulk.Lead.insert(rows)
            sf_target.Contact.upsert("Email__c/a@b.c", rows[0])
            crm.Case.create(rows[0])
            sf.Case.publish(rows[0])
            sf.cases.create(rows[0])
        """
    )
    assert guessed == {
        4: "sobject|create|Case|False|None|low",
        5: "bulk|insert|Lead|False|None|low",
        6: "sobject|upsert|Contact|False|None|low",
    }
    # No sign of Salesforce in the module's imports: no guess at all.
    assert classified("def push(sf, rows):\n    sf.Case.create(rows[0])\n") == {}
    assert classified("# uses salesforce\nimport snowflake.connector\n\ndef push(sf, rows):\n    sf.Case.create(rows[0])\n") == {}
    # A client handed out by a module named for Salesforce: a framework's base class, the project's own factory.
    task = "from cumulusci.tasks.salesforce import BaseSalesforceApiTask\n\nclass Assign(BaseSalesforceApiTask):\n    def _run_task(self):\n        self.sf.PermissionSetAssignment.create(self.row)\n"
    assert classified(task) == {5: "sobject|create|PermissionSetAssignment|False|None|low"}
    assert classified("from crm.salesforce_client import connect\n\nsf = connect()\nsf.Lead.create(row)\n") == {4: "sobject|create|Lead|False|None|low"}
    # salesforce_call itself never guesses.
    assert operations("import simple_salesforce\n\ndef push(sf, rows):\n    sf.Case.create(rows[0])\n") == {}
