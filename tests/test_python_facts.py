"""The shared Python facts: import aliases, client bindings and loop context."""

from __future__ import annotations

import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import PythonRule
from lint.sources.python import lint_file
from lint.sources.python_loops import loop_shape


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
        receiver = self.facts.method_owner(func) if isinstance(func, cst.Attribute) else None
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


def test_self_in_a_client_subclass_is_the_client_unless_the_method_is_its_own():
    facts = probe(
        """
        import requests
        from simple_salesforce import Salesforce

        class OrgSession(requests.Session):
            def login(self, data):
                return self.post(TOKEN_URL, data=data)

            def put(self, path, **kwargs):
                return super().put(BASE + path, timeout=10, **kwargs)

            def save(self, record):
                return self.put("/sobjects/Account", json=record)

            @classmethod
            def default(cls):
                return cls.get(URL)

        class Org(Salesforce):
            def accounts(self):
                return self.query_all("SELECT Id FROM Account")

        def use():
            OrgSession().put("/sobjects/Contact", json={})
        """
    )
    assert facts["self.post"][1] == "requests.Session"
    assert facts["self.put"][1] == "-"  # the class's own `put`
    assert facts["OrgSession().put"][1] == "-"
    assert facts["cls.get"][1] == "-"  # the class, not an instance
    assert facts["self.query_all"][1] == "simple_salesforce.Salesforce"


def test_annotations_name_a_client_through_unions_and_forward_references():
    facts = probe(
        """
        from typing import Optional, Union
        import httpx
        import requests

        def union(a: Union[requests.Session, None], b: "httpx.Client", c: httpx.Client | str | None, d: "Optional[requests.Session]"):
            a.get(URL)
            b.get(URL)
            c.get(URL)
            d.get(URL)

        def unknown(e: requests.Session | httpx.Client, f: "not a type(", g: Union[str, bytes]):
            e.get(URL)
            f.get(URL)
            g.get(URL)
        """
    )
    assert [facts[f"{name}.get"][1] for name in "abcd"] == ["requests.Session", "httpx.Client", "httpx.Client", "requests.Session"]
    assert [facts[f"{name}.get"][1] for name in "efg"] == ["-", "-", "-"]  # two clients, not a type, no client


def test_a_parameter_or_a_new_client_is_that_client():
    facts = probe(
        """
        import requests

        def fetch(url, session=None, client=None):
            session = session or requests.Session()
            session.get(url)
            other = client or make_client()
            other.get(url)
            kept = requests.Session() or None
            kept.get(url)
            either = CLIENTS.get(url) or requests.Session()
            either.get(url)
        """
    )
    assert facts["session.get"][1] == "requests.Session"
    assert facts["kept.get"][1] == "requests.Session"
    assert facts["other.get"][1] == "-"  # nothing names the kind
    assert facts["either.get"][1] == "-"  # not the caller's object: not guessed


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


def test_a_client_a_function_assigns_through_global_is_the_modules():
    facts = probe(
        """
        import requests
        from simple_salesforce import Salesforce

        sf = None
        erp = None
        mixed = None
        kept = build_client()

        def connect():
            global sf, erp, mixed, kept, created
            session = requests.Session()
            sf = Salesforce(instance_url=url, session_id=token, session=session)
            erp = session
            mixed = requests.Session()
            kept = requests.Session()
            created = requests.Session()

        def reset():
            global sf, mixed
            sf = None  # closing down: no other kind
            mixed = make_client()

        def push(order):
            sf.Order__c.create(order)
            erp.post(url, json=order)
            mixed.post(url, json=order)
            kept.post(url, json=order)
            created.post(url, json=order)
        """
    )
    assert facts["sf.Order__c.create"][1] == "simple_salesforce.SFType"
    assert facts["erp.post"][1] == "requests.Session"  # a local of the function that assigns it
    assert facts["created.post"][1] == "requests.Session"  # bound nowhere else
    assert facts["mixed.post"][1] == "-"  # also given something unknown
    assert facts["kept.post"][1] == "-"  # the module binds it to something else


def test_an_instance_of_a_project_class_holds_the_clients_its_class_sets_on_self():
    facts = probe(
        """
        import requests
        from simple_salesforce import Salesforce

        class CrmService:
            def __init__(self):
                self.sf = Salesforce(instance_url=url, session_id=token)
                self.http = requests.Session()

            def client(self):
                return self.sf

        service = CrmService()

        async def search(query: str):
            service.sf.query_all(query)
            service.client().search(query)

        def post(handler: CrmService, url):
            handler.http.post(url)
            handler.cache.get(url)
        """
    )
    assert facts["service.sf.query_all"][1] == "simple_salesforce.Salesforce"
    assert facts["service.client().search"][1] == "simple_salesforce.Salesforce"  # a method returning `self.sf`
    assert facts["handler.http.post"][1] == "requests.Session"  # a parameter annotated with the class
    assert facts["handler.cache.get"][1] == "-"  # an attribute the class does not set to a client
    assert facts["service.client"][1] == "-"  # the class's own method, no library's


def test_an_attribute_given_different_client_types_is_unknown():
    facts = probe(
        """
        import httpx

        class Erp:
            def __init__(self):
                self.http = httpx.AsyncClient(timeout=10)
                self.sync = httpx.Client(timeout=10)

            def for_cli(self):
                self.http = httpx.Client(timeout=10)
                self.sync = httpx.Client(timeout=30)

            def fetch(self, url):
                self.http.get(url)
                self.sync.get(url)
        """
    )
    assert facts["self.http.get"][1] == "-"  # an async client here, a plain one there
    assert facts["self.sync.get"][1] == "httpx.Client"


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


# -- values behind names -------------------------------------------------------------


class ValueProbe(PythonRule):
    """
    ## What it does
    Test probe: reports what the facts know about the value of every `show(...)` argument.

    ## Why it matters
    It lets the tests read `value_of`, `integer_value` and `collection_size` at each point of the real traversal.

    ## Example
    ```python
    show(BATCH_SIZE)
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL996"
    name = "value-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["show(x)\n"]

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "show":
            expr = node.args[0].value
            value = self.facts.value_of(expr)
            shown = self.facts.source(value) if value is not None else "?"
            self.report(node, f"{shown}|{self.facts.integer_value(expr)}|{self.facts.collection_size(expr)}")


def values(code: str) -> list[tuple[int, str]]:
    """(line, "value|integer|size") for every `show(...)` call."""
    result = lint_file("probe.py", textwrap.dedent(code).encode(), [ValueProbe], {})
    return sorted((f.span.start_line, f.message) for f in result.findings)


def test_values_of_constants_class_attributes_and_parameter_defaults():
    found = values(
        """\
        BATCH = 200
        DOUBLE = BATCH * 2 + 1
        OBJECTS = ["Account", "Contact", "Lead"]
        TIERS = {"gold": 1, "silver": 2}

        class Loader:
            CHUNK = 250

            def run(self, rows, size=50, *, limit):
                show(BATCH)
                show(DOUBLE)
                show(self.CHUNK)
                show(Loader.CHUNK)
                show(self.page)
                show(size)
                show(limit)
                show(OBJECTS)
                show(TIERS.items())
                show(rows)
                show(LATER)
                show(settings.BATCH)

            def __init__(self):
                self.page = PAGE

        PAGE = 100
        LATER = 7
        """
    )
    assert found == [
        (10, "200|200|None"),
        (11, "BATCH * 2 + 1|401|None"),
        (12, "250|250|None"),
        (13, "250|250|None"),
        (14, "100|100|None"),  # assigned in __init__ further down, from a module constant
        (15, "50|50|None"),  # a parameter's default
        (16, "?|None|None"),  # a parameter without one
        (17, '["Account", "Contact", "Lead"]|None|3'),
        (18, "TIERS.items()|None|2"),
        (19, "?|None|None"),
        (20, "7|7|None"),  # module constants are read up front
        (21, "settings.BATCH|None|None"),  # not bound in this file: itself
    ]


def test_rebinding_forgets_values_and_attributes_known_only_when_assignments_agree():
    found = values(
        """\
        SIZE = 200

        def local(rows):
            n = 10
            show(n)
            n += 1
            show(n)
            for SIZE in rows:
                show(SIZE)
            a, b = 1, 2
            show(a)

        class Pager:
            def __init__(self, size=500):
                self.size = size
                self.mode = "fast"
                self.total = 0

            def slow(self):
                self.mode = "slow"
                self.total += 1

            def run(self):
                show(self.size)
                show(self.mode)
                show(self.total)
        """
    )
    assert found == [
        (5, "10|10|None"),
        (7, "?|None|None"),
        (9, "?|None|None"),
        (11, "?|None|None"),
        (24, "500|500|None"),  # read where it is assigned: the parameter's default
        (25, "?|None|None"),  # "fast" and "slow"
        (26, "?|None|None"),  # augmented elsewhere
    ]


def test_getattr_on_a_client_is_an_sobject_type():
    facts = probe(
        """
        from simple_salesforce import Salesforce

        sf = Salesforce(instance_url=url, session_id=token)

        def load(name, rows):
            getattr(sf, name).upsert(rows[0])
            sf.bulk.__getattr__(name).insert(rows)
            proxy = getattr(sf.bulk2, "Contact")
            proxy.upsert(rows)
            getattr(sf, "session").get(url)
            getattr(sf, "bulk").Lead.insert(rows)
        """
    )
    assert facts["getattr(sf, name).upsert"][1] == "simple_salesforce.SFType"
    assert facts["sf.bulk.__getattr__(name).insert"][1] == "simple_salesforce.bulk.SFBulkType"
    assert facts["proxy.upsert"][1] == "simple_salesforce.bulk2.SFBulk2Type"
    assert facts['getattr(sf, "session").get'][1] == "-"
    assert facts['getattr(sf, "bulk").Lead.insert'][1] == "simple_salesforce.bulk.SFBulkType"


# -- loop shapes and enclosing loops ---------------------------------------------------


class ShapeProbe(PythonRule):
    """
    ## What it does
    Test probe: reports the enclosing loops of every `mark()` call and the shape of the innermost.

    ## Why it matters
    It lets the tests read the shared loop shapes recorded as the traversal enters each loop.

    ## Example
    ```python
    for row in rows:
        mark()
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL995"
    name = "shape-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["for row in rows:\n    mark()\n"]
    needs_loop_shapes = True

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "mark":
            loops = self.facts.enclosing_loops()
            shape = loop_shape(self.facts, loops[-1])
            chunked_by = self.facts.source(shape.chunked_by) if shape.chunked_by is not None else "-"
            source = self.facts.source(shape.source) if shape.source is not None else "-"
            self.report(
                node,
                f"{'>'.join(type(loop.node).__name__ for loop in loops)}|passes={shape.passes}|records={shape.records}"
                f"|chunk={shape.chunk}|by={chunked_by}|source={source}:{shape.source_type}|retry={shape.retry}",
            )


def shapes(code: str) -> list[tuple[int, str]]:
    result = lint_file("probe.py", textwrap.dedent(code).encode(), [ShapeProbe], {})
    return sorted((f.span.start_line, f.message) for f in result.findings)


def test_loop_shapes_count_passes_chunks_and_unbounded_sources():
    found = shapes(
        """\
        import csv
        import pandas as pd
        from more_itertools import chunked
        from tqdm import tqdm

        CHUNK = 250
        TIERS = ("Gold", "Silver")

        def run(path, rows):
            reader = csv.DictReader(open(path))
            frame = pd.read_csv(path)
            for start in range(0, 5000, CHUNK):
                mark()
            for tier in TIERS:
                mark()
            for batch in chunked(reader, 500):
                mark()
            for i in range(0, len(rows), 200):
                mark()
            for _, row in tqdm(frame.iterrows()):
                for field in ("a", "b", "c", "d"):
                    mark()
            for column in frame:
                mark()
            for attempt in range(3):
                mark()
            [mark() for line in open(path)]
            while True:
                try:
                    mark()
                    break
                except OSError:
                    pass
        """
    )
    assert found == [
        (13, "For|passes=20|records=5000|chunk=250|by=range(0, 5000, CHUNK)|source=-:None|retry=False"),
        (15, "For|passes=2|records=2|chunk=None|by=-|source=-:None|retry=False"),
        (17, "For|passes=None|records=None|chunk=500|by=chunked(reader, 500)|source=reader:csv.rows|retry=False"),
        (19, "For|passes=None|records=None|chunk=200|by=range(0, len(rows), 200)|source=-:None|retry=False"),
        (22, "For>For|passes=4|records=4|chunk=None|by=-|source=-:None|retry=False"),
        (24, "For|passes=None|records=None|chunk=None|by=-|source=-:None|retry=False"),  # a DataFrame's columns
        (26, "For|passes=3|records=3|chunk=None|by=-|source=-:None|retry=True"),
        (27, "ListComp|passes=None|records=None|chunk=None|by=-|source=open(path):io.file|retry=False"),
        (30, "While|passes=None|records=None|chunk=None|by=-|source=-:None|retry=True"),
    ]


def test_the_loop_header_is_read_before_the_target_is_rebound():
    found = shapes(
        """\
        SIZES = [1, 2, 3, 4, 5]
        for SIZES in SIZES:
            mark()
        """
    )
    assert found == [(3, "For|passes=5|records=5|chunk=None|by=-|source=-:None|retry=False")]


class SkippingLoopProbe(LoopProbe):
    """
    ## What it does
    Test probe: like the loop probe, but passes over loops of at most three literal items.

    ## Why it matters
    It exercises `report_in_loop(skip=...)`: the next loop out is judged instead.

    ## Example
    ```python
    for row in rows:
        for part in ("a", "b"):
            push(part)
    ```

    ## Use instead
    ```python
    push_all(rows)
    ```
    """

    code = "IL994"
    name = "skipping-loop-probe"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "push":
            self.report_in_loop(
                node,
                lambda loop, line: f"{loop.via}|{line}|{type(loop.node).__name__}",
                skip=lambda loop: loop.is_small_literal(),
            )


def test_skipped_loops_hand_the_judgement_to_the_next_loop_out_or_to_the_callers():
    result = lint_file(
        "probe.py",
        textwrap.dedent(
            """\
            def retried(row):
                for part in ("a", "b"):
                    api.push(part)

            def main(rows):
                for part in ("x", "y"):
                    retried(part)
                for row in rows:
                    for part in ("a", "b"):
                        api.push(part)
                    retried(row)
                for part in ("only", "literals"):
                    api.push(part)
            """
        ).encode(),
        [SkippingLoopProbe],
        {},
    )
    assert sorted((f.span.start_line, f.message) for f in result.findings) == [
        (3, "retried|8|For"),  # the first call site (line 7) is in a literal loop too: the next one counts
        (10, "None|8|For"),
    ]


class ScopeProbe(PythonRule):
    """
    ## What it does
    Test probe: reports the current function, the value and the method calls behind every `show(...)` argument.

    ## Why it matters
    It lets the tests read `current_function`, `value_of(defaults=False)` and `Binding.method_calls` in the traversal.

    ## Example
    ```python
    show(session)
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL993"
    name = "scope-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["show(x)\n"]

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "show"):
            return
        expr = node.args[0].value
        function = self.facts.current_function()
        value = self.facts.value_of(expr, defaults=False)
        binding = self.facts.lookup(expr.value) if isinstance(expr, cst.Name) else None
        calls = ",".join(call.func.attr.value for call in binding.method_calls) if binding else ""
        shown = self.facts.source(value) if value is not None else "?"
        self.report(node, f"{function.name.value if function else '-'}|{shown}|{calls}")


def scopes(code: str) -> list[tuple[int, str]]:
    """(line, "function|value|method calls") for every `show(...)` call."""
    result = lint_file("probe.py", textwrap.dedent(code).encode(), [ScopeProbe], {})
    return sorted((f.span.start_line, f.message) for f in result.findings)


def test_current_function_parameters_as_unknowns_and_method_calls_so_far():
    found = scopes(
        """\
        import requests

        def outer(size=5, session=None):
            show(size)
            handler = lambda: show(size)
            class Local:
                show(size)
            def inner():
                show(size)
            local = requests.Session()
            show(local)
            local.mount("https://", adapter)
            local.headers.update(HEADERS)
            show(local)
            with requests.Session() as other:
                show(other)

        class Client:
            def push(self):
                show(self)

        show(SETTINGS)
        """
    )
    assert found == [
        (4, "outer|?|"),  # with defaults=False a parameter's default is not its value
        (5, "outer|?|"),  # a lambda is inside the def
        (7, "outer|?|"),  # so is a class body
        (9, "inner|?|"),
        (11, "outer|requests.Session()|"),  # the mount below is not made yet
        (14, "outer|requests.Session()|mount"),  # calls on the object's attributes are not its own
        (16, "outer|requests.Session()|"),  # `with x as y`: y holds x
        (20, "push|?|"),
        (22, "-|SETTINGS|"),
    ]


def test_other_functions_are_read_in_their_own_scope_and_classes_keep_self_calls():
    from lint.sources.python_facts import PythonFacts

    facts = PythonFacts(
        cst.parse_module(
            textwrap.dedent(
                """\
                import requests

                def make(methods=None):
                    s = requests.Session()
                    s.mount("https://", adapter)
                    if verbose:
                        s.hooks.append(log)
                        s.close()
                    for item in items:
                        pass
                    with open(path) as fh:
                        return s

                class Client:
                    def __init__(self):
                        self.http = requests.Session()
                        self.http.mount("https://", adapter)
                        self.mount("http://", adapter)
                        self.http = make()

                session = make()
                session.mount("https://", other)
                """
            )
        )
    )
    make = facts.module_function("make")
    assert facts.callee(cst.Name("make")) is make and facts.module_function("session") is None
    scope = facts.function_scope(make)
    assert scope is facts.function_scope(make)  # read once
    names = scope.names
    assert [call.func.attr.value for call in names["s"].method_calls] == ["mount", "close"]
    assert names["methods"].parameter and names["item"].value is None
    with facts.in_scope(scope):
        assert facts.source(facts.value_of(cst.Name("fh"))) == "open(path)"
        assert facts.value_of(cst.Name("methods"), defaults=False) is None
        assert facts.current_function() is make
    assert facts.current_function() is None  # the traversal point is restored
    client = facts.classes["Client"]
    assert {attr: [facts.source(call.func) for call, _ in calls] for attr, calls in client.method_calls.items()} == {
        "http": ["self.http.mount"],
        "": ["self.mount"],
    }
    assert [facts.source(value) for value, _ in client.attribute_assignments["http"]] == ["requests.Session()", "make()"]
    assert [call.func.attr.value for call in facts.module_scope.names["session"].method_calls] == ["mount"]
