"""IL201–IL206 on whole fixture modules, and on the name resolution and loop shapes they depend on.

Only IL2xx findings are compared: the fixtures also trip other families (IL101 on
`create`, ...), which their own tests cover.
"""

from __future__ import annotations

from lint.engine import lint_source
from lint.rules import load_registry
from tests.conftest import FIXTURES, lint_snippet, settings_for

CLIENT = "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\n"


def fixture_findings(name: str) -> list[tuple[str, int, str]]:
    registry = load_registry()
    path = FIXTURES / "python" / name
    outcome = lint_source(f"python/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    return [(f.code, f.span.start_line, f.message) for f in outcome.findings if f.code.startswith("IL2")]


def found(code: str, **overrides) -> list[tuple[str, int, str]]:
    """(code, line, confidence) of the IL2xx findings in a snippet."""
    findings = lint_snippet(code, **overrides).findings
    return [(f.code, f.span.start_line, f.confidence.value) for f in findings if f.code.startswith("IL2")]


def messages(code: str, **overrides) -> list[str]:
    return [f.message for f in lint_snippet(code, **overrides).findings if f.code.startswith("IL2")]


# -- fixtures ------------------------------------------------------------------------


def test_contact_etl_writes_and_looks_up_per_csv_row():
    assert fixture_findings("bulk_contact_etl.py") == [
        ("IL202", 27, "`sf.query` runs once per item of `csv.DictReader(handle)` (loop at line 34 calls `account_id_for`), one query per record (N+1); query once before the loop with `WHERE <key> IN {}` built by `format_soql(...)`, then look the records up in a dict."),
        ("IL201", 36, "`sf.Contact.create` runs once per item of `csv.DictReader(handle)` (loop at line 34); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.Contact.insert`) above 2,000 rows."),
        ("IL205", 36, "`sf.Contact.create` pushes the CSV rows `csv.DictReader(handle)` through the REST API (loop at line 34); a set that can exceed 2,000 records belongs in Bulk API 2.0 (`sf.bulk2.Contact.insert`), which loads it in one asynchronous job."),
        ("IL202", 50, "`sf.query_all` runs once per item of `emails` (loop at line 49), one query per record (N+1); query once before the loop with `WHERE <key> IN {}` built by `format_soql(...)`, then look the records up in a dict."),
        ("IL201", 52, "`sf.Contact.update` runs once per item of `matches[\"records\"]` (loop at line 51); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.Contact.update`) above 2,000 rows."),
        ("IL205", 52, "`sf.Contact.update` pushes the query results `matches[\"records\"]` through the REST API (loop at line 51); a set that can exceed 2,000 records belongs in Bulk API 2.0 (`sf.bulk2.Contact.update`), which loads it in one asynchronous job."),
    ]


def test_opportunity_sync_job_drops_pages_writes_per_invoice_and_oversizes_collections():
    assert fixture_findings("opportunity_sync_job.py") == [
        ("IL203", 25, "`SF_CLIENT.query` returns one batch of at most 2,000 records, and `result[\"records\"]` is read without checking `done` or following `nextRecordsUrl`; records past the first batch are silently dropped, so use `SF_CLIENT.query_all_iter(...)`, which follows `nextRecordsUrl` for you."),
        ("IL201", 45, "`self.sf.Opportunity.update` runs once per item of `invoices` (loop at line 62 calls `InvoiceStatusSync.mark_paid`); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`self.sf.bulk2.Opportunity.update`) above 2,000 rows."),
        ("IL204", 54, "`self.sf.restful` (PATCH `composite/sobjects/Invoice__c/Billing_Id__c`) sends chunks of 500 records (`range(0, len(invoices), self.BATCH_SIZE)`, loop at line 48); `composite/sobjects` takes at most 200 records, so Salesforce rejects the whole request."),
    ]


def test_airflow_dag_patches_per_dataframe_row_and_reads_one_query_batch():
    assert fixture_findings("airflow_account_export.py") == [
        ("IL201", 32, "`http.patch` (PATCH `sobjects/Account/ERP_Id__c/{}`) runs once per item of `frame.itertuples(index=False)` (loop at line 31); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.Account.upsert`) above 2,000 rows."),
        ("IL205", 32, "`http.patch` (PATCH `sobjects/Account/ERP_Id__c/{}`) pushes the DataFrame rows `frame.itertuples(index=False)` through the REST API (loop at line 31); a set that can exceed 2,000 records belongs in Bulk API 2.0 (`sf.bulk2.Account.upsert`), which loads it in one asynchronous job."),
        ("IL204", 42, "`batchSize=10000` in the `Sforce-Query-Options` header is outside the 200–2,000 the query API accepts; pick a batch size from 200 to 2,000."),
        ("IL203", 43, "`requests.get` (GET `query`) returns one batch of at most 2,000 records, and `response.json()[\"records\"]` is read without checking `done` or following `nextRecordsUrl`; records past the first batch are silently dropped, so follow `nextRecordsUrl` until `done` is true."),
    ]


def test_celery_tasks_use_bulk_api_1_and_create_campaign_members_one_by_one():
    assert fixture_findings("celery_lead_tasks.py") == [
        ("IL206", 7, "`salesforce_bulk` is a Bulk API 1.0 client; new code should use Bulk API 2.0 (`sf.bulk2.<Object>` in simple_salesforce), which splits and tracks the batches itself."),
        ("IL206", 24, "`sf.bulk.Lead.insert` uses Bulk API 1.0; Bulk API 2.0 (`sf.bulk2.Lead.insert`) takes the whole data set in one job and splits and tracks the batches itself."),
        ("IL204", 24, "`sf.bulk.Lead.insert` asks for `batch_size=25000`, above Bulk API 1.0's 10,000 records per batch; simple_salesforce silently lowers it to 10,000, so the batches are not the size the code says."),
        ("IL201", 31, "`sf.CampaignMember.create` runs once per item of `lead_ids` (`map` at line 31); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.CampaignMember.insert`) above 2,000 rows."),
        ("IL206", 36, "`SalesforceBulk(...)` opens a Bulk API 1.0 connection; new code should use Bulk API 2.0 (`sf.bulk2.<Object>` in simple_salesforce), which splits and tracks the batches itself."),
    ]


def test_case_service_queries_and_comments_per_item():
    assert fixture_findings("case_service.py") == [
        ("IL203", 26, "`self.sf.query` returns one batch of at most 2,000 records, and `result[\"records\"]` is read without checking `done` or following `nextRecordsUrl`; records past the first batch are silently dropped, so use `self.sf.query_all_iter(...)`, which follows `nextRecordsUrl` for you."),
        ("IL202", 33, "`self.sf.Case.get` runs once per item of `case_ids` (loop at line 33), one query per record (N+1); query once before the loop with `WHERE <key> IN {}` built by `format_soql(...)`, then look the records up in a dict."),
        ("IL202", 37, "`self.sf.query_all` runs once per item of `contact_ids` (loop at line 36), one query per record (N+1); query once before the loop with `WHERE <key> IN {}` built by `format_soql(...)`, then look the records up in a dict."),
        ("IL201", 45, "`self.sf.restful` (POST `sobjects/CaseComment/`) runs once per item of `comments` (loop at line 44); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`self.sf.bulk2.CaseComment.insert`) above 2,000 rows."),
        ("IL201", 55, "`sf.Case.update` runs once per item of `case_ids` (loop at line 54); send up to 200 records per call with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.Case.update`) above 2,000 rows."),
    ]


def test_unannotated_client_parameter_is_reported_with_low_confidence():
    registry = load_registry()
    path = FIXTURES / "python" / "case_service.py"
    outcome = lint_source("python/case_service.py", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    confidences = {(f.code, f.span.start_line): f.confidence.value for f in outcome.findings}
    assert confidences[("IL201", 55)] == "low"  # `def reassign(sf, ...)`: named and shaped like a client, type unknown
    assert confidences[("IL201", 45)] == "high"


def test_loader_using_bulk2_collections_and_paging_is_clean():
    assert fixture_findings("clean_bulk2_loader.py") == []


# -- name resolution -------------------------------------------------------------------


def test_import_aliases_resolve_the_client():
    assert found("import simple_salesforce as ss\nsf = ss.Salesforce(instance_url=u, session_id=t)\nfor r in rows:\n    sf.Contact.create(r)\n") == [
        ("IL201", 4, "high")
    ]
    assert found("from simple_salesforce import Salesforce as SF\nclient = SF(instance_url=u, session_id=t)\nfor r in rows:\n    client.Lead.delete(r)\n") == [
        ("IL201", 4, "high")
    ]


def test_module_global_client_defined_below_its_use():
    code = """\
        from simple_salesforce import Salesforce

        def purge(ids):
            for record_id in ids:
                SF_CONN.Lead.delete(record_id)

        SF_CONN = Salesforce(instance_url=url, session_id=token)
        """
    assert found(code) == [("IL201", 5, "high")]


def test_self_attributes_and_annotated_parameters_hold_the_client():
    code = """\
        from typing import Optional
        from simple_salesforce import Salesforce

        class Loader:
            def __init__(self, sf: Salesforce):
                self.sf = sf

            def load(self, rows):
                for row in rows:
                    self.sf.Account.update(row["Id"], row)

        def push(conn: Optional[Salesforce], rows):
            for row in rows:
                conn.Case.create(row)

        def push_all(client: Salesforce | None, rows):
            return [client.Case.create(row) for row in rows]
        """
    assert found(code) == [("IL201", 10, "high"), ("IL201", 14, "high"), ("IL201", 17, "high")]


def test_client_named_parameter_without_a_type_is_low_confidence_only_in_simple_salesforce_modules():
    loop = "def push(sf, rows):\n    for row in rows:\n        sf.Case.create(row)\n"
    assert found("import simple_salesforce\n\n" + loop) == [("IL201", 5, "low")]
    assert found(loop) == []  # no sign of Salesforce in the module: stay silent
    # Not named like a client: a CRM, a store or a payment SDK with a `.create` is not guessed.
    assert found("import simple_salesforce\n\ndef push(crm, rows):\n    for row in rows:\n        crm.Case.create(row)\n") == []


def test_sobject_chosen_at_run_time_with_getattr():
    code = CLIENT + "def load(name, rows):\n    for row in rows:\n        getattr(sf, name).upsert('Ext__c/' + row['id'], row)\n        getattr(sf.bulk, name).insert([row])\n"
    assert messages(code)[0].startswith("`getattr(sf, name).upsert` runs once per item of `rows` (loop at line 4)")
    assert found(code) == [("IL201", 5, "high"), ("IL206", 6, "high")]


def test_sobject_held_in_a_name_or_picked_with_dunder_getattr():
    code = CLIENT + """\
def setup(sobjects):
    for name, records in sobjects.items():
        proxy = getattr(sf, name)
        for record in records:
            proxy.create(record)

def load(name, rows):
    sf.bulk.__getattr__(name).upsert(rows, "Ext__c", batch_size=20000)
    getattr(sf, "session").get("https://example.com")
"""
    assert found(code) == [("IL201", 7, "high"), ("IL206", 10, "high"), ("IL204", 10, "high")]


def test_bulk_and_bulk2_handlers():
    code = CLIENT + "sf.bulk.Contact.query('SELECT Id FROM Contact')\nsf.bulk2.Contact.query('SELECT Id FROM Contact')\nsf.bulk2.Contact.insert(records=rows)\n"
    assert found(code) == [("IL206", 3, "high")]


def test_restful_paths():
    code = CLIENT + (
        "for name, record_id, body in changes:\n"
        "    sf.restful(f'sobjects/{name}/{record_id}', method='PATCH', json=body)\n"
        "    sf.restful('sobjects/Contact/', 'POST', json=body)\n"
        "    sf.restful(f'sobjects/{name}/describe')\n"
        "    sf.restful('limits')\n"
    )
    assert found(code, selected=frozenset({"IL201"})) == [("IL201", 4, "high")]
    assert messages(code, selected=frozenset({"IL201"})) == [
        "`sf.restful` (PATCH `sobjects/{}/{}`) runs once per item of `changes` (loop at line 3); send up to 200 records per call "
        "with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.<Object>.update`) above 2,000 rows."
    ]


def test_restful_method_given_by_position_and_keyword():
    code = CLIENT + "for body in bodies:\n    sf.restful('sobjects/Case/', None, 'POST', json=body)\n    sf.restful(path='sobjects/Case/', method='POST', json=body)\n"
    assert found(code) == [("IL201", 4, "high"), ("IL201", 5, "high")]


def test_raw_http_urls_by_literal_fstring_and_concatenation():
    code = """\
        import os
        import httpx
        import requests

        BASE = os.environ["SF_URL"] + "/services/data/v60.0"
        VERSION = "v61.0"

        def sync(contacts, token):
            session = requests.Session()
            for contact in contacts:
                requests.post(BASE + "/sobjects/Contact/", json=contact, timeout=5)
                session.patch(f"{INSTANCE}/services/data/{VERSION}/sobjects/Contact/{contact['Id']}", json=contact, timeout=5)
                httpx.delete("https://acme.my.salesforce.com/services/data/v60.0/sobjects/Contact/" + contact["Id"])
                session.request("PATCH", f"{BASE}/sobjects/Contact/Email__c/{contact['Email']}", json=contact, timeout=5)
                requests.post("https://erp.example.com/contacts", json=contact, timeout=5)
                requests.get(f"{BASE}/sobjects/Contact/{contact['Id']}", timeout=5)
        """
    assert found(code, selected=frozenset({"IL201"})) == [("IL201", 11, "high"), ("IL201", 12, "high"), ("IL201", 13, "high"), ("IL201", 14, "high")]
    assert "(`sf.bulk2.Contact.upsert`)" in messages(code, selected=frozenset({"IL201"}))[3]


def test_lookalikes_stay_silent():
    code = """\
        import stripe
        from myapp.crm import Salesforce
        from simple_salesforce import format_soql

        crm = Salesforce()
        cache = {}

        def sync(session, customers, ids):
            for customer in customers:
                stripe.Customer.create(email=customer.email)
                crm.Contact.create(customer)
                cache.get(customer.id)
                session.query(User).get(customer.id)
            rows = session.query(User).all()
            return {"records": rows}["records"]
        """
    assert found(code) == []


# -- loops -------------------------------------------------------------------------------


def test_every_kind_of_loop_and_one_level_of_calls():
    code = CLIENT + """\
def write(row):
    sf.Contact.create(row)

def two_levels(row):
    write_later(row)

def write_later(row):
    sf.Contact.create(row)

class Sync:
    def __init__(self):
        self.sf = Salesforce(instance_url=url, session_id=token)

    def run(self, rows):
        for row in rows:
            self.push(row)

    def push(self, row):
        self.sf.Lead.create(row)

while queue:
    sf.Case.create(queue.pop())
{row['Id']: sf.Contact.create(row) for row in rows}
{sf.Contact.create(row)['id'] for row in rows}
list(sf.Contact.create(row) for row in rows)
list(map(lambda row: sf.Contact.create(row), rows))
for row in rows:
    write(row)
    two_levels(row)
    def later():
        sf.Contact.create(row)
"""
    assert [(code, line) for code, line, _ in found(code, selected=frozenset({"IL201"}))] == [
        ("IL201", 4, ),
        ("IL201", 21),
        ("IL201", 24),
        ("IL201", 25),
        ("IL201", 26),
        ("IL201", 27),
        ("IL201", 28),
    ]


def test_loop_line_and_via_function_are_named():
    code = CLIENT + "class Sync:\n    def run(self, rows):\n        for row in rows:\n            self.push(row)\n\n    def push(self, row):\n        sf.Lead.create(row)\n"
    assert messages(code, selected=frozenset({"IL201"})) == [
        "`sf.Lead.create` runs once per item of `rows` (loop at line 5 calls `Sync.push`); send up to 200 records per call "
        "with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.Lead.insert`) above 2,000 rows."
    ]


def test_small_literal_and_retry_loops_are_not_volume():
    code = CLIENT + """\
TIERS = ("Gold", "Silver", "Bronze")
for tier in TIERS:
    sf.Tier__c.upsert(f"Name__c/{tier}", {})
for tier in ["Gold", "Silver"]:
    sf.Tier__c.upsert(f"Name__c/{tier}", {})
for n in range(3):
    sf.Tier__c.create({"Name": str(n)})
for attempt in range(5):
    try:
        sf.Case.create(case)
        break
    except ConnectionError:
        pass
while True:
    try:
        sf.Case.create(case)
    except ConnectionError:
        continue
    else:
        break
"""
    assert found(code) == []


def test_four_literal_items_are_a_loop_worth_flagging():
    code = CLIENT + "for tier in ('Gold', 'Silver', 'Bronze', 'Iron'):\n    sf.Tier__c.create({'Name': tier})\n"
    assert found(code) == [("IL201", 4, "high")]


def test_bulk_threshold_option_moves_the_volume_line():
    code = CLIENT + "for n in range(3000):\n    sf.Test__c.create({'Name': str(n)})\n"
    assert found(code) == [("IL201", 4, "high"), ("IL205", 4, "high")]
    options = settings_for().options | {"bulk-threshold": 5000}
    assert found(code, options=options) == [("IL201", 4, "high")]
    assert messages(code, options=options)[0].endswith("or use Bulk API 2.0 (`sf.bulk2.Test__c.insert`) above 5,000 rows.")


# -- IL202 -------------------------------------------------------------------------------


def test_queries_repeated_per_record_versus_per_object_or_page():
    code = CLIENT + """\
OBJECTS = {"a": "Account", "c": "Contact", "l": "Lead", "o": "Opportunity"}
for key, name in OBJECTS.items():
    sf.query_all(f"SELECT COUNT() FROM {name}")
for page in range(pages):
    sf.query(f"SELECT Id FROM Contact ORDER BY Id LIMIT 200 OFFSET {page * 200}")
for sobject in sf.describe()["sobjects"]:
    sf.query_all(f"SELECT COUNT() FROM {sobject['name']}")
for i in range(len(ids)):
    sf.query(f"SELECT Id FROM Contact WHERE Id = '{ids[i]}'")
for key in keys:
    sf.Account.get_by_custom_id("ERP_Id__c", key)
    sf.query_all_iter(f"SELECT Id FROM Order WHERE ERP_Id__c = '{key}'")
"""
    assert found(code, selected=frozenset({"IL202"})) == [("IL202", 11, "high"), ("IL202", 13, "high"), ("IL202", 14, "high")]


def test_rest_query_per_item_through_httpx():
    code = """\
        import httpx

        async def owners(client: httpx.AsyncClient, cases):
            for case in cases:
                await client.get(f"{BASE}/services/data/v61.0/query", params={"q": f"SELECT OwnerId FROM Case WHERE Id = '{case}'"})
        """
    assert found(code, selected=frozenset({"IL202"})) == [("IL202", 5, "high")]


# -- IL203 -------------------------------------------------------------------------------


def test_queries_that_fit_one_batch_are_not_flagged():
    code = CLIENT + """\
from simple_salesforce import format_soql

def dashboard(account_id, n):
    top = "SELECT Id FROM Account ORDER BY AnnualRevenue DESC LIMIT {}".format(n)
    return [
        sf.query("SELECT Id FROM Case LIMIT 2000")["records"],
        sf.query("SELECT COUNT() FROM Contact")["totalSize"],
        sf.query("SELECT StageName, SUM(Amount) FROM Opportunity GROUP BY StageName")["records"],
        sf.query(f"SELECT Name FROM Account WHERE Id = '{account_id}'")["records"],
        sf.query(format_soql("SELECT Id FROM Lead WHERE Email = {} LIMIT 1", email))["records"],
        sf.query(top)["records"],
    ]
"""
    assert found(code, selected=frozenset({"IL203"})) == []


def test_a_result_read_for_its_first_record_only_needs_one_batch():
    code = CLIENT + """\
def newest(package_id):
    result = sf.query(f"SELECT Id FROM Package2Version WHERE Package2Id = '{package_id}' ORDER BY BuildNumber DESC")
    return result["records"][0]["Id"] if result["size"] else None

def oldest(package_id):
    result = sf.query(f"SELECT Id FROM Package2Version WHERE Package2Id = '{package_id}' ORDER BY BuildNumber DESC")
    return result["records"][-1]["Id"]
"""
    assert found(code, selected=frozenset({"IL203"})) == [("IL203", 8, "high")]  # the last of one batch is not the last


def test_queries_that_can_exceed_one_batch_are_flagged():
    code = CLIENT + """\
def a():
    return sf.query("SELECT Id FROM Case LIMIT 2001")["records"]

def b():
    return sf.query("SELECT Id, (SELECT Id FROM Contacts LIMIT 5) FROM Account")["records"]

def c(soql):
    result = sf.query(soql)
    print("done")
    return result.get("records", [])

def d():
    return sf.query(f"SELECT Name FROM Account WHERE Id = '{a}' OR Name = '{b}'")["records"]
"""
    assert found(code, selected=frozenset({"IL203"})) == [("IL203", 4, "high"), ("IL203", 7, "high"), ("IL203", 10, "medium"), ("IL203", 15, "high")]


def test_results_paged_returned_or_handed_on_are_not_flagged():
    code = CLIENT + """\
def paged():
    result = sf.query("SELECT Id FROM Contact")
    rows = result["records"]
    while not result["done"]:
        result = sf.query_more(result["nextRecordsUrl"], identifier_is_url=True)
        rows.extend(result["records"])
    return rows

def returned(soql):
    return sf.query(soql)

def handed_on():
    result = sf.query("SELECT Id FROM Contact")
    return result["records"] + rest_of(result)

def rest_of(result):
    return []
"""
    assert found(code, selected=frozenset({"IL203"})) == []


# -- IL204 -------------------------------------------------------------------------------


def test_collection_sizes_from_constants_slices_helpers_and_literals():
    code = """\
        import json
        import requests
        from more_itertools import chunked

        URL = "https://acme.my.salesforce.com/services/data/v61.0"

        class Pusher:
            CHUNK = 250

            def __init__(self):
                self.http = requests.Session()

            def by_helper(self, rows):
                for batch in chunked(rows, 300):
                    self.http.post(f"{URL}/composite/sobjects", json={"records": batch}, timeout=30)

            def by_class_constant(self, rows):
                for i in range(0, len(rows), self.CHUNK):
                    body = {"allOrNone": False, "records": rows[i : i + self.CHUNK]}
                    self.http.post(f"{URL}/composite/sobjects", data=json.dumps(body), timeout=30)

            def by_literal(self):
                self.http.post(f"{URL}/composite", json={"compositeRequest": [{"method": "GET"}] * 2 + [%s]}, timeout=30)
                self.http.post(f"{URL}/composite", json={"compositeRequest": [%s]}, timeout=30)

            def within_limits(self, rows):
                for batch in chunked(rows, 200):
                    self.http.post(f"{URL}/composite/sobjects", json={"records": batch}, timeout=30)
        """ % (", ".join(["{}"] * 30), ", ".join(["{}"] * 26))
    assert found(code, selected=frozenset({"IL204"})) == [("IL204", 15, "medium"), ("IL204", 20, "high"), ("IL204", 24, "high")]


def test_query_batch_size_header_and_bulk_v1_batch_size():
    code = CLIENT + """\
import requests
session = requests.Session()
session.headers["Sforce-Query-Options"] = "batchSize=100"
session.headers.update({"Sforce-Query-Options": "batchSize=2000"})
sf.bulk.Contact.upsert(rows, "Email__c", 20000)
sf.bulk.Contact.insert(rows, batch_size="auto")
sf.bulk.Contact.update(rows, batch_size=10_000)
"""
    assert found(code, selected=frozenset({"IL204"})) == [("IL204", 5, "high"), ("IL204", 7, "high")]


# -- IL205 -------------------------------------------------------------------------------


def test_unbounded_sources_behind_rest_writes():
    code = CLIENT + """\
import csv
import json
import pandas as pd
from tqdm import tqdm

def from_csv(path):
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    for start in range(0, len(rows), 200):
        sf.restful("composite/sobjects", method="POST", json={"records": rows[start:start + 200]})

def from_json(path):
    doc = json.load(open(path))
    for item in tqdm(doc["accounts"]):
        sf.Account.upsert(f"ERP_Id__c/{item['id']}", item)

def from_frame(path):
    frame = pd.read_csv(path)
    for _, row in frame.iterrows():
        sf.Account.update(row["Id"], row.to_dict())
    for column in frame:
        sf.Field_Audit__c.create({"Name": column})

def from_file(path):
    for line in open(path):
        sf.Task.create({"Subject": line})
"""
    assert found(code, selected=frozenset({"IL205"})) == [("IL205", 12, "high"), ("IL205", 17, "high"), ("IL205", 22, "high"), ("IL205", 28, "high")]
    assert messages(code, selected=frozenset({"IL205"}))[0] == (
        "`sf.restful` (POST `composite/sobjects`) pushes the CSV rows `rows` in chunks of 200 through the REST API (loop at line 11); "
        "a set that can exceed 2,000 records belongs in Bulk API 2.0 (`sf.bulk2.<Object>.insert`), which loads it in one asynchronous job."
    )


def test_a_client_from_a_salesforce_framework_base_class_is_read_with_low_confidence():
    code = (
        "from cumulusci.tasks.salesforce import BaseSalesforceApiTask\n\n\n"
        "class AssignPermissionSets(BaseSalesforceApiTask):\n"
        "    def _run_task(self):\n"
        "        for user_id in self.options['users']:\n"
        "            self.sf.PermissionSetAssignment.create({'AssigneeId': user_id, 'PermissionSetId': self.ps_id})\n"
    )
    found = [(f.code, f.span.start_line, f.confidence.value, f.message) for f in lint_snippet(code, path="tasks/assign.py").findings]
    assert found == [
        (
            "IL201",
            7,
            "low",
            "`self.sf.PermissionSetAssignment.create` runs once per item of `self.options['users']` (loop at line 6); send up to 200 "
            "records per call with sObject Collections, or use Bulk API 2.0 (`self.sf.bulk2.PermissionSetAssignment.insert`) above "
            "2,000 rows.",
        )
    ]


def test_oauth_sessions_are_requests_sessions_and_vxx_paths_are_rest_urls():
    code = """\
        from salesforce_requests_oauthlib import SalesforceOAuth2Session

        session = SalesforceOAuth2Session(CLIENT_ID, CLIENT_SECRET, USERNAME, sandbox=False)


        def push(contacts):
            for contact in contacts:
                session.patch(f"/services/data/vXX.X/sobjects/Contact/Email__c/{contact['email']}", json=contact, timeout=30)
        """
    findings = [(f.code, f.span.start_line, f.message) for f in lint_snippet(code).findings]
    assert findings == [
        ("IL201", 8, "`session.patch` (PATCH `sobjects/Contact/Email__c/{}`) runs once per item of `contacts` (loop at line 7); send up to 200 "
         "records per call with sObject Collections, or use Bulk API 2.0 (`sf.bulk2.Contact.upsert`) above 2,000 rows."),
    ]  # fmt: skip


def test_a_project_class_named_like_a_client_is_still_guessed_at_low_confidence():
    code = """\
        from simple_salesforce import Salesforce

        class SalesforceWrapper:
            def __getattr__(self, name):
                return getattr(Salesforce(**CONFIG), name)

        sf = SalesforceWrapper()

        def push(rows):
            for row in rows:
                sf.Contact.create(row)
        """
    assert found(code) == [("IL201", 11, "low")]


def test_a_cached_helper_called_in_a_loop_queries_once():
    code = """\
        import functools
        from simple_salesforce import Salesforce

        sf = Salesforce(instance_url=URL, session_id=SID)

        class Crm:
            @functools.lru_cache(maxsize=1)
            def record_type_ids(self):
                return {r["DeveloperName"]: r["Id"] for r in sf.query("SELECT Id, DeveloperName FROM RecordType LIMIT 200")["records"]}

        @functools.cache
        def queue_ids():
            return {r["DeveloperName"]: r["Id"] for r in sf.query("SELECT Id, DeveloperName FROM Group LIMIT 200")["records"]}

        crm = Crm()

        def prepare(rows):
            for row in rows:
                row["RecordTypeId"] = crm.record_type_ids()[row["type"]]
                row["OwnerId"] = queue_ids()[row["queue"]]
        """
    assert found(code) == []


def test_a_lookup_filled_lazily_behind_a_none_check_queries_once():
    code = """\
        from simple_salesforce import Salesforce

        sf = Salesforce(instance_url=URL, session_id=SID)

        class AccountIndex:
            def __init__(self):
                self._by_erp_id = None

            def account_id(self, erp_id):
                if self._by_erp_id is None:
                    records = sf.query_all_iter("SELECT Id, ERP_Id__c FROM Account WHERE ERP_Id__c != null")
                    self._by_erp_id = {r["ERP_Id__c"]: r["Id"] for r in records}
                return self._by_erp_id.get(erp_id)

            def refresh(self, erp_id):
                if self._by_erp_id is None:
                    return None
                return sf.query(f"SELECT Id FROM Account WHERE ERP_Id__c = '{erp_id}'")

        def link_orders(orders):
            index = AccountIndex()
            return [(index.account_id(order["customer"]), index.refresh(order["customer"])) for order in orders]
        """
    assert [(code, line) for code, line, _ in found(code)] == [("IL202", 18)]  # the guard that keeps nothing does not count
