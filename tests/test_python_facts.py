"""The shared Python facts: import aliases, client bindings and loop context."""

from __future__ import annotations

import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule
from lint.sources.python import lint_file


class TypeProbe(PythonRule):
    """
    ## What it does
    Test probe: reports what the facts know about every call's receiver.

    ## Why it matters
    It lets the tests read the facts at each point of the real traversal.

    ## Example
    ```python
    sf.Contact.create({})
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL999"
    name = "type-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["f()\n"]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        receiver = self.facts.type_of(func.value) if isinstance(func, cst.Attribute) else None
        loop = self.facts.enclosing_loop()
        self.report(
            node,
            "|".join(
                [
                    self.facts.source(func),
                    str(self.facts.qualified_name(func)),
                    receiver.qualified if receiver else "-",
                    type(loop.node).__name__ if loop else "-",
                ]
            ),
        )


def probe(code: str) -> dict[str, tuple[str, str, str]]:
    """func source -> (qualified name, receiver type, enclosing loop kind), last occurrence wins."""
    result = lint_file("probe.py", textwrap.dedent(code).encode(), [TypeProbe], {})
    facts = {}
    for finding in result.findings:
        func, qualified, receiver, loop = finding.message.split("|")
        facts[func] = (qualified, receiver, loop)
    return facts


def test_import_aliases_resolve_to_qualified_names():
    facts = probe(
        """
        import simple_salesforce as ss
        from simple_salesforce import Salesforce as SF
        from requests import post as send
        import urllib.request
        ss.Salesforce(instance_url=url, session_id=token)
        SF(instance_url=url, session_id=token)
        send(url)
        urllib.request.urlopen(url)
        """
    )
    assert facts["ss.Salesforce"][0] == "simple_salesforce.Salesforce"
    assert facts["SF"][0] == "simple_salesforce.Salesforce"
    assert facts["send"][0] == "requests.post"
    assert facts["urllib.request.urlopen"][0] == "urllib.request.urlopen"


def test_module_global_client_and_sobjects_bulk_handlers():
    facts = probe(
        """
        from simple_salesforce import Salesforce

        def sync(rows):
            sf.Contact.create(rows[0])
            sf.bulk.Account.insert(rows)
            sf.bulk2.Account.upsert("accounts.csv", external_id_field="Ext__c")
            sf.query_all("SELECT Id FROM Contact")

        sf = Salesforce(instance_url=url, session_id=token)
        """
    )
    assert facts["sf.Contact.create"][1] == "simple_salesforce.SFType"
    assert facts["sf.bulk.Account.insert"][1] == "simple_salesforce.bulk.SFBulkType"
    assert facts["sf.bulk2.Account.upsert"][1] == "simple_salesforce.bulk2.SFBulk2Type"
    assert facts["sf.query_all"][1] == "simple_salesforce.Salesforce"


def test_self_attribute_parameter_annotation_and_getter():
    facts = probe(
        """
        from typing import Optional
        from simple_salesforce import Salesforce

        _client = None

        def client():
            global _client
            if _client is None:
                _client = Salesforce(instance_url=url, session_id=token)
            return _client

        class Loader:
            def load(self, rows):
                self.sf.Lead.update(rows[0]["Id"], rows[0])

            def __init__(self):
                self.sf = client()

        def push(conn: Optional[Salesforce], row):
            conn.Case.create(row)
        """
    )
    assert facts["self.sf.Lead.update"][1] == "simple_salesforce.SFType"
    assert facts["conn.Case.create"][1] == "simple_salesforce.SFType"


def test_rebinding_a_name_forgets_the_client():
    facts = probe(
        """
        from simple_salesforce import Salesforce

        def run(sf_factory):
            sf = Salesforce(instance_url=url, session_id=token)
            sf.Contact.create({})
            sf = sf_factory()
            sf.Account.create({})
        """
    )
    assert facts["sf.Contact.create"][1] == "simple_salesforce.SFType"
    assert facts["sf.Account.create"][1] == "-"


def test_unrelated_objects_are_unknown():
    facts = probe(
        """
        import json
        payload = {}
        payload.get("x")
        json.dumps(payload)
        """
    )
    assert facts["payload.get"] == ("None", "-", "-")
    assert facts["json.dumps"][0] == "json.dumps"


def test_loop_context_covers_bodies_and_comprehensions_not_iterables():
    facts = probe(
        """
        import requests

        def sync(sf, rows):
            for row in fetch_rows():
                requests.post(url, json=row)
            while pending():
                requests.patch(url)
            [requests.delete(u) for u in urls]
            requests.get(url)
        """
    )
    assert facts["fetch_rows"][2] == "-"
    assert facts["requests.post"][2] == "For"
    assert facts["requests.patch"][2] == "While"
    assert facts["requests.delete"][2] == "ListComp"
    assert facts["requests.get"][2] == "-"


def test_loop_context_does_not_leak_into_functions_defined_in_a_loop():
    facts = probe(
        """
        import requests
        for name in names:
            def handler():
                requests.get(url)
        """
    )
    assert facts["requests.get"][2] == "-"


def test_with_statement_binds_sessions():
    facts = probe(
        """
        import requests
        with requests.Session() as http:
            http.get(url)
        """
    )
    assert facts["http.get"][1] == "requests.Session"


def test_match_statements_and_else_blocks_are_read():
    facts = probe(
        """
        from simple_salesforce import Salesforce

        def client(mode):
            match mode:
                case "prod":
                    sf = Salesforce(instance_url=prod, session_id=token)
                case _:
                    sf = Salesforce(instance_url=sandbox, session_id=token)
            return sf

        def push(row):
            try:
                pass
            finally:
                client("prod").Contact.create(row)
        """
    )
    assert facts['client("prod").Contact.create'][1] == "simple_salesforce.SFType"


class LoopProbe(PythonRule):
    """
    ## What it does
    Test probe: reports every `push(...)` call that runs in a loop, and how.

    ## Why it matters
    It exercises the one-level loop context through same-module functions.

    ## Example
    ```python
    for row in rows:
        push(row)
    ```

    ## Use instead
    ```python
    push_all(rows)
    ```
    """

    code = "IL997"
    name = "loop-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["push(row)\n"]
    invalid = ["for row in rows:\n    push(row)\n"]

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "push":
            self.report_in_loop(node, lambda loop, line: None if loop.is_small_literal() else f"{loop.via}|{line}|{type(loop.node).__name__}")


def loop_reports(code: str) -> list[tuple[int, str]]:
    result = lint_file("probe.py", textwrap.dedent(code).encode(), [LoopProbe], {})
    return sorted((f.span.start_line, f.message) for f in result.findings)


def test_loop_context_reaches_one_level_into_same_module_functions():
    found = loop_reports(
        """\
        def push_one(row):
            api.push(row)

        class Syncer:
            def run(self, rows):
                for row in rows:
                    self.send(row)
                list(map(lambda r: api.push(r), rows))

            def send(self, row):
                api.push(row)

            def unused(self, row):
                api.push(row)

        def main(rows):
            for row in rows:
                push_one(row)
                later(row)
            for code in ("a", "b"):
                api.push(code)
            list(map(push_two, rows))

        def later(row):
            api.push(row)

        def push_two(row):
            api.push(row)

        def not_in_a_loop(row):
            api.push(row)
        """
    )
    assert found == [
        (2, "push_one|17|For"),
        (8, "None|8|Call"),
        (11, "Syncer.send|6|For"),
        (25, "later|17|For"),
        (28, "push_two|22|Call"),
    ]


def test_unbounded_data_sources_are_typed():
    facts = probe(
        """
        import csv
        import json
        import pandas as pd
        from simple_salesforce import Salesforce

        sf = Salesforce(instance_url=url, session_id=token)
        result = sf.query_all("SELECT Id FROM Contact")
        records = result["records"]
        rows = csv.DictReader(open("contacts.csv"))
        frame = pd.read_csv("contacts.csv")
        doc = json.load(handle)
        records.sort()
        rows.close()
        frame.iterrows().send()
        doc.items()
        sf.query_all_iter("SELECT Id FROM Lead").close()
        sf.bulk.Lead.query("SELECT Id FROM Lead").pop()
        open("x.txt").readlines().pop()
        """
    )
    assert facts["records.sort"][1] == "simple_salesforce.Records"
    assert facts["rows.close"][1] == "csv.rows"
    assert facts["frame.iterrows().send"][1] == "pandas.rows"
    assert facts["doc.items"][1] == "json.document"
    assert facts['sf.query_all_iter("SELECT Id FROM Lead").close'][1] == "simple_salesforce.Records"
    assert facts['sf.bulk.Lead.query("SELECT Id FROM Lead").pop'][1] == "simple_salesforce.Records"
    assert facts['open("x.txt").readlines().pop'][1] == "io.file"
