"""IL1xx: idempotency — writes that a retry, a re-run or a redelivered event duplicates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, Option, PythonRule, Requires
from lint.rules.requirements import CUMULUSCI_MAPPINGS, OPENAPI_SPECS, SALESFORCE_CALLS, SALESFORCE_COMPONENTS, SALESFORCE_CONSUMERS
from lint.sources.config_camel import endpoints
from lint.sources.config_dialects import CAMEL, CUMULUSCI, KAFKA_CONNECT, OPENAPI, connector, mapping_steps
from lint.sources.config_model import ConfigDocument, Scalar, each_value, is_reference
from lint.sources.config_openapi import body_fields, header_names, operations
from lint.sources.python_calls import has_double_star, keyword, positional, walk
from lint.sources.python_facts import PythonFacts
from lint.sources.python_names import SALESFORCE
from lint.sources.python_handlers import OUTBOUND_MESSAGE, PUBSUB, WEBHOOK, Consumer, enclosing_consumer
from lint.sources.python_clients import HTTP_CLIENT_TYPES
from lint.sources.python_retry import ADAPTER, DECORATOR, MANUAL_LOOP, RetryPolicy, enclosing_retry, resolved, session_retry
from lint.sources.python_salesforce import HTTP_MODULES, SalesforceCall, salesforce_call
from lint.sources.python_walk import children

DEFAULT_EXTERNAL_ID = "External_Id__c"
EXTERNAL_ID_FIELD = re.compile(r"(?i)(ext(ernal)?_?id|_id|_key|uuid|guid|number)__c$")
CREATE_PATH = re.compile(r"^sobjects/(?P<sobject>[A-Za-z]\w*)/?$")
RECORD_ID_UPSERT_PATH = re.compile(r"^sobjects/(?P<sobject>[A-Za-z]\w*)/Id/", re.IGNORECASE)
COLLECTION_CREATE_PATH = re.compile(r"^composite/(sobjects|tree/[A-Za-z]\w*)/?$")
LOOKUP_OPERATIONS = frozenset({"get", "get_by_custom_id", "query", "query_all", "query_all_iter", "search", "quick_search"})
HTTP_WRITE_VERBS = {"post": "POST", "patch": "PATCH"}
# A key that lets the receiver drop a repeated request (RULES.md IL103).
IDEMPOTENCY_KEY = re.compile(r"(?i)idempotenc|request[_-]?id|message[_-]?id")
# POSTs that create nothing: token requests and searches; and the Salesforce data API, which takes no
# idempotency key (creates there are IL101's).
NOT_A_CREATE_URL = re.compile(r"(?i)oauth2?/token|/token\b|graphql|_search|/search\b|/services/data/")
SQL_INSERT = re.compile(r"^\s*INSERT\b", re.IGNORECASE)
SQL_UPSERT = re.compile(r"(?i)ON\s+CONFLICT|ON\s+DUPLICATE\s+KEY|INSERT\s+OR\s+(IGNORE|REPLACE)|\bMERGE\b|NOT\s+EXISTS")
DB_CREATE_METHODS = frozenset({"insert_one", "insert_many", "bulk_create"})
DEDUPE_NAME = re.compile(r"(?i)replay_?id|event_?uuid|transaction_?key|notification_?id")
OUTBOUND_ID = re.compile(r"^(\.//)?(\{[^}]*\}|\w+:)?Id$")  # "Id", "sf:Id", "{ns}Id" in an outbound message
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print", "echo", "secho"})


@dataclass
class _Lookups:
    """What a function has looked up so far: the text of its queries and the helpers it called."""

    texts: list[str] = field(default_factory=list)
    helpers: list[cst.FunctionDef] = field(default_factory=list)


class CreateInsteadOfUpsert(PythonRule, ConfigRule):
    """
    ## What it does
    Finds records created with a plain insert — `sf.<Object>.create()`,
    `sf.bulk.<Object>.insert()`, `sf.bulk2.<Object>.insert()`, or a REST `POST` to
    `.../sobjects/<Object>/` — where a retry or a re-run of the job creates the
    same record again.

    A create is not flagged when the same function first looks the record up
    (a query, `get_by_custom_id` or REST GET that mentions the object, directly
    or in a same-module helper it calls), or when the object is append-only:
    the `append-only-objects` option (default `Task`, `Event`, `FeedItem`) and
    platform events (`__e`), whose "create" is a publish.

    In config it flags a CumulusCI mapping step with `action: insert`, a Camel
    `salesforce:createSObject` endpoint, and a Kafka Connect Salesforce sink
    whose `salesforce.sink.object.operation` is `insert` or not set (insert is
    the default) and that uses no custom id field; the same objects are exempt.

    ## Why it matters
    Jobs are re-run and calls are retried after timeouts whose request did
    reach Salesforce. The integration patterns guide: "operations that create
    records in the remote system must check for duplicates before inserting
    ... In most systems, this operation is termed as an upsert operation."
    An upsert on an External ID makes the second attempt update the record the
    first one created.

    ## Example
    ```python
    def sync_contact(sf, person):
        sf.Contact.create({"Email": person["email"], "LastName": person["name"]})
    ```

    ## Use instead
    ```python
    def sync_contact(sf, person):
        sf.Contact.upsert(f"Email__c/{person['email']}", {"LastName": person["name"]})
    ```
    """

    code = "IL101"
    name = "create-instead-of-upsert"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = {"py": SALESFORCE_CALLS, "cfg": CUMULUSCI_MAPPINGS | SALESFORCE_COMPONENTS}
    dialects = (CUMULUSCI, CAMEL, KAFKA_CONNECT)
    options = (
        Option(
            "append-only-objects",
            ("Task", "Event", "FeedItem"),
            "Objects whose records are meant to be appended, never matched (activities, feed posts); "
            "creating them is not flagged. Platform events (`__e`) are always exempt.",
        ),
    )
    valid = [
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\n"
        "sf.Contact.upsert('Email__c/' + email, {'LastName': name})\n",
        # A duplicate lookup of the same object earlier in the function guards the create.
        Example(
            "from simple_salesforce import Salesforce, format_soql\n\n"
            "def ensure_contact(sf: Salesforce, email, data):\n"
            "    found = sf.query(format_soql('SELECT Id FROM Contact WHERE Email = {}', email))\n"
            "    if found['totalSize'] == 0:\n"
            "        sf.Contact.create(data)\n"
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def ensure_account(sf: Salesforce, number, data):\n"
            "    try:\n"
            "        return sf.Account.get_by_custom_id('Account_Number__c', number)\n"
            "    except Exception:\n"
            "        return sf.Account.create(data)\n"
        ),
        # ... also when the lookup lives in a same-module helper.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def existing_lead(sf, email):\n"
            "    return sf.query(f\"SELECT Id FROM Lead WHERE Email = '{email}'\")['records']\n\n"
            "def add_lead(sf: Salesforce, email, data):\n"
            "    if not existing_lead(sf, email):\n"
            "        sf.Lead.create(data)\n"
        ),
        # Append-only objects (the default option) and platform events.
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\n"
        "sf.Task.create({'Subject': 'Call back', 'WhoId': contact_id})\n"
        "sf.FeedItem.create({'ParentId': case_id, 'Body': 'Synced'})\n"
        "sf.Order_Shipped__e.create({'Order_Number__c': number})\n",
        # A REST upsert on an External ID path.
        "import requests\nrequests.patch(f'{base}/services/data/v61.0/sobjects/Order__c/Order_Key__c/{key}', json=body, timeout=10)\n",
        # Not a Salesforce client: an ORM's create.
        "def save(models, row):\n    models.Contact.create(**row)\n",
        # Config: a CumulusCI upsert, and an insert of an append-only object.
        Example(
            "Insert Accounts:\n  sf_object: Account\n  action: upsert\n  update_key: ERP_Id__c\n  fields: [Name, ERP_Id__c]\n"
            "Log Calls:\n  sf_object: Task\n  action: insert\n  fields: [Subject]\n",
            path="datasets/mapping.yml",
        ),
        # Camel: an upsert, and createSObject publishing a platform event.
        Example(
            "- route:\n    from:\n      uri: kafka:orders\n      steps:\n"
            "        - to: salesforce:upsertSObject?sObjectName=Order__c&sObjectIdName=ERP_Key__c\n"
            "        - to:\n            uri: salesforce:createSObject\n            parameters:\n              sObjectName: Order_Shipped__e\n",
            path="routes/orders.camel.yaml",
        ),
        # Kafka Connect: an upsert on a custom id field; a variable operation is not judged.
        Example(
            '{"name": "leads-sink", "config": {"connector.class": "io.confluent.salesforce.SalesforceSObjectSinkConnector",\n'
            '  "salesforce.object": "Lead", "salesforce.sink.object.operation": "upsert",\n'
            '  "salesforce.use.custom.id.field": "true", "salesforce.custom.id.field.name": "Kafka_Key__c"}}\n',
            path="connect/leads-sink.json",
        ),
        Example(
            "connector.class=io.confluent.salesforce.SalesforceSObjectSinkConnector\n"
            "salesforce.object=Lead\nsalesforce.sink.object.operation=${file:/etc/connect/sink.properties:operation}\n",
            path="connect/leads-sink.properties",
        ),
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def sync_contact(sf: Salesforce, person):\n"
            "    sf.Contact.create({'Email': person['email'], 'LastName': person['name']})\n",
            line=4,
        ),
        Example("Insert Contacts:\n  sf_object: Contact\n  action: insert\n  fields: [FirstName, LastName, Email]\n", path="datasets/mapping.yml", line=3),
        Example(
            "- route:\n    from:\n      uri: kafka:orders\n      steps:\n        - to: salesforce:createSObject?sObjectName=Order__c\n",
            path="routes/orders.camel.yaml",
            line=5,
        ),
        Example(
            "name=leads-sink\nconnector.class=io.confluent.salesforce.SalesforceSObjectSinkConnector\nsalesforce.object=Lead\n",
            path="connect/leads-sink.properties",
            line=2,
        ),
        Example(
            "import simple_salesforce as ss\n\n"
            "sf = ss.Salesforce(instance_url=url, session_id=token)\n"
            "sf.bulk2.Lead.insert('leads.csv')\n",
            line=4,
        ),
        Example(
            "import requests\n\n"
            "API = f'{instance}/services/data/v61.0'\n\n"
            "def push(order):\n"
            "    body = {'Order_Key__c': order['id'], 'Amount__c': order['total']}\n"
            "    return requests.post(f'{API}/sobjects/Order__c/', json=body, timeout=10)\n",
            line=7,
        ),
        # A lookup of another object does not guard the create.
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "def add_case(sf: Salesforce, email, data):\n"
            "    contact = sf.query(f\"SELECT Id FROM Contact WHERE Email = '{email}'\")\n"
            "    sf.Case.create(data)\n",
            line=5,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.lookups: dict[cst.FunctionDef | None, _Lookups] = {}  # by function; None: module level
        self.helper_texts: dict[cst.FunctionDef, str] = {}
        self.append_only = {name.lower() for name in self.option("append-only-objects")}

    def visit_Call(self, node: cst.Call) -> None:
        found = salesforce_call(self.facts, node)
        create = _created_sobject(found) if found else None
        if create is not None:
            if not self._exempt(create) and not self._looked_up(create):
                fix = self._fix(node, found, create)
                self.report(node, f"{self._what(node, found, create)}; upsert on an External ID instead: {fix}.", hint=f"upsert on an External ID: {fix}")
            return
        self._note_lookup(node, found)

    def _exempt(self, sobject: str) -> bool:
        return sobject.lower() in self.append_only or sobject.lower().endswith("__e")

    # -- config ------------------------------------------------------------------------------

    def check_config(self, document: ConfigDocument) -> None:
        if document.dialect == CUMULUSCI:
            self._check_mapping_steps(document)
        elif document.dialect == CAMEL:
            self._check_camel_endpoints(document)
        elif document.dialect == KAFKA_CONNECT:
            self._check_connector(document)

    def _check_mapping_steps(self, document: ConfigDocument) -> None:
        for step in mapping_steps(document.root):
            action, sobject = step.value.scalar("action"), step.value.scalar("sf_object").text
            if action is not None and action.is_("insert") and not self._exempt(sobject):
                fix = f"`action: upsert` with `update_key` naming an External ID field of {sobject}"
                self.report(
                    action,
                    f"Step `{step.key.text}` inserts every row as a new {sobject} (`action: insert`), so re-running the load "
                    f"duplicates them; upsert on an External ID instead: {fix}.",
                    hint=f"use {fix}",
                )

    def _check_camel_endpoints(self, document: ConfigDocument) -> None:
        for endpoint in endpoints(document.root):
            if endpoint.operation != "createSObject":
                continue
            named = endpoint.option("sObjectName")
            sobject = named.text if named is not None and not is_reference(named) else None
            if sobject is not None and self._exempt(sobject):
                continue
            fix = f"`salesforce:upsertSObject?sObjectName={sobject or '<Object>'}&sObjectIdName=<External ID field>`"
            self.report(
                endpoint.option("operationName") or endpoint.uri,
                f"Camel endpoint `{endpoint.label}` creates a new {sobject or 'record (its sObject is set at run time)'} "
                f"for every exchange, so a redelivered or retried message duplicates it; upsert on an External ID instead: {fix}.",
                hint=f"use {fix}",
            )

    def _check_connector(self, document: ConfigDocument) -> None:
        sink = connector(document.root)
        kind = sink.connector_class.text.lower()
        if "sink" not in kind or "platformevent" in kind:  # a source reads; a platform event sink publishes
            return
        operation = sink.setting("salesforce.sink.object.operation")
        if operation is not None and (is_reference(operation) or not operation.is_("insert")):
            return
        custom_id = sink.setting("salesforce.use.custom.id.field")
        if custom_id is not None and (is_reference(custom_id) or custom_id.is_("true")):
            return
        named = sink.setting("salesforce.object")
        sobject = named.text if named is not None and not is_reference(named) else None
        if sobject is not None and self._exempt(sobject):
            return
        name = sink.name or sink.connector_class.text.rsplit(".", 1)[-1]
        how = f"its `salesforce.sink.object.operation` is `{operation.text}`" if operation else "`salesforce.sink.object.operation` is not set and defaults to insert"
        fix = "set `salesforce.sink.object.operation` to `upsert`, with `salesforce.use.custom.id.field=true` and `salesforce.custom.id.field.name` naming an External ID field"
        self.report(
            operation or sink.connector_class,
            f"Kafka Connect sink `{name}` inserts every record as a new {sobject or 'record of its object'} ({how}), "
            f"so a record delivered twice (delivery is at least once) is created twice; {fix}.",
            hint=fix,
        )

    def _looked_up(self, sobject: str) -> bool:
        mention = re.compile(rf"\b{re.escape(sobject)}\b", re.IGNORECASE)
        lookups = self._lookups()
        if any(mention.search(text) for text in lookups.texts):
            return True
        helper_lookup = re.compile(rf"(?i)\bfrom\s+{re.escape(sobject)}\b|\.{re.escape(sobject)}\.get|sobjects/{re.escape(sobject)}/")
        return any(helper_lookup.search(self._helper_text(helper)) for helper in lookups.helpers)

    def _lookups(self) -> _Lookups:
        function = self.facts.current_function()
        if function not in self.lookups:
            self.lookups[function] = _Lookups()
        return self.lookups[function]

    def _note_lookup(self, node: cst.Call, found: SalesforceCall | None) -> None:
        lookups = self._lookups()
        if found is not None and (found.operation in LOOKUP_OPERATIONS or found.http_method == "GET"):
            arguments = " ".join(_code_with_strings(self.facts, arg.value) for arg in node.args)
            lookups.texts.append(f"{found.sobject or ''} {found.rest_path or ''} {arguments}")
        elif found is None:
            helper = self.facts.callee(node.func)
            if helper is not None:
                lookups.helpers.append(helper)

    def _helper_text(self, helper: cst.FunctionDef) -> str:
        """A helper's code with the strings its names hold there; read once per helper (it walks the helper's body)."""
        if helper not in self.helper_texts:
            with self.facts.in_scope(self.facts.function_scope(helper)):
                self.helper_texts[helper] = _code_with_strings(self.facts, helper)
        return self.helper_texts[helper]

    def _what(self, node: cst.Call, found: SalesforceCall, sobject: str) -> str:
        func = self.facts.source(node.func)
        if found.api == "sobject":
            return f"`{func}` inserts a new {sobject} on every run, so a retry or re-run duplicates it"
        if found.api in ("bulk", "bulk2"):
            return f"`{func}` loads every row as a new {sobject}, so re-running the load duplicates them"
        return f"`{func}` POSTs to `{found.rest_path}`, which inserts a new {sobject} on every call, so a retry or re-run duplicates it"

    def _fix(self, node: cst.Call, found: SalesforceCall, sobject: str) -> str:
        receiver = self.facts.source(node.func.value) if isinstance(node.func, cst.Attribute) else "sf"
        args = positional(node)
        if found.api == "sobject":
            data = args[0].value if args else None
            field_name, value = _external_id(self.facts, data)
            data_text = _short_source(self.facts, data, "data")
            return f"`{receiver}.upsert('{field_name}/' + {value}, {data_text})`"
        if found.api == "bulk":
            return f"`{receiver}.upsert({_short_source(self.facts, args[0].value if args else None, 'data')}, '{DEFAULT_EXTERNAL_ID}')`"
        if found.api == "bulk2":
            return f"`{receiver}.upsert({_arguments(self.facts, node)}, external_id_field='{DEFAULT_EXTERNAL_ID}')`"
        body = keyword(node, "json") or keyword(node, "data")
        field_name, _ = _external_id(self.facts, body.value if body else None)
        return f"PATCH `sobjects/{sobject}/{field_name}/<value>`"


class UpsertOnRecordId(PythonRule, ConfigRule):
    """
    ## What it does
    Finds upserts keyed on the Salesforce record `Id` instead of an External ID:
    `sf.bulk2.<Object>.upsert(...)` without `external_id_field` (it defaults to
    `'Id'`), `sf.bulk.<Object>.upsert(data, 'Id')`, `sf.<Object>.upsert('Id/...', ...)`
    and REST `PATCH .../sobjects/<Object>/Id/...`. In config: a CumulusCI mapping
    step with `update_key: Id`.

    ## Why it matters
    A row from another system has no Salesforce Id until it has been inserted,
    so an upsert on `Id` inserts it again on every run: the upsert gives none of
    the protection it appears to. The integration patterns guide's duplicate
    check works "by passing a unique record ID" that both systems know: an
    External ID field on the object, not an `Id` that exists only after the insert.

    ## Example
    ```python
    sf.bulk2.Account.upsert(csv_file="accounts.csv")
    ```

    ## Use instead
    ```python
    sf.bulk2.Account.upsert(csv_file="accounts.csv", external_id_field="Account_Number__c")
    ```
    """

    code = "IL102"
    name = "upsert-on-record-id"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = {"py": SALESFORCE_CALLS, "cfg": CUMULUSCI_MAPPINGS}
    dialects = (CUMULUSCI,)
    valid = [
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\n"
        "sf.bulk2.Account.upsert(csv_file='accounts.csv', external_id_field='Account_Number__c')\n"
        "sf.bulk2.Account.upsert('accounts.csv', None, 'Account_Number__c')\n"
        "sf.bulk.Contact.upsert(rows, 'Email__c')\n"
        "sf.Contact.upsert('Email__c/' + email, data)\n",
        # Options passed through **kwargs may name the field: not flagged.
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\nsf.bulk2.Account.upsert('accounts.csv', **options)\n",
        # Config: upserts on External IDs (one field, or several); a lookup's own key named Id is not the step's.
        Example(
            "Upsert Accounts:\n  sf_object: Account\n  action: upsert\n  update_key: ERP_Id__c\n  fields: [Name, ERP_Id__c]\n"
            "Upsert Contacts:\n  sf_object: Contact\n  action: upsert\n  update_key: [Email, ERP_Id__c]\n"
            "  lookups:\n    AccountId:\n      table: Account\n      key_field: Id\n",
            path="datasets/mapping.yml",
        ),
    ]
    invalid = [
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "sf.bulk2.Account.upsert(csv_file='accounts.csv')\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce as SF\n\n"
            "def load(sf: SF, rows):\n"
            "    return sf.bulk.Contact.upsert(rows, 'Id', batch_size=5000)\n",
            line=4,
        ),
        Example(
            "from simple_salesforce import Salesforce\n\n"
            "sf = Salesforce(instance_url=url, session_id=token)\n"
            "sf.Contact.upsert(f\"Id/{row['sf_id']}\", row)\n",
            line=4,
        ),
        Example("Upsert Accounts:\n  sf_object: Account\n  action: upsert\n  update_key: Id\n  fields: [Id, Name]\n", path="datasets/mapping.yml", line=4),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        found = salesforce_call(self.facts, node)
        if found is None or has_double_star(node):
            return
        func = f"`{self.facts.source(node.func)}`"
        if found.api == "bulk2" and found.operation == "upsert":
            given = _argument(node, "external_id_field", 2)
            if given is None:
                self._report(node, f"{func} has no `external_id_field`, so it matches rows on `Id` (the default)", found.sobject)
            elif _is_id(self.facts.string_template(given.value)):
                self._report(node, f"{func} matches rows on `Id`", found.sobject)
        elif found.api == "bulk" and found.operation == "upsert":
            given = _argument(node, "external_id_field", 1)
            if given is not None and _is_id(self.facts.string_template(given.value)):
                self._report(node, f"{func} matches rows on `Id`", found.sobject)
        elif found.api == "sobject" and found.operation == "upsert":
            given = _argument(node, "record_id", 0)
            key = self.facts.string_template(given.value) if given else None
            if key is not None and key.lower().startswith("id/"):
                self._report(node, f"{func} is keyed on `Id/...`", found.sobject)
        elif found.http_method in ("PATCH", "POST") and RECORD_ID_UPSERT_PATH.match(found.rest_path or ""):
            self._report(node, f"{func} upserts through `{found.rest_path}`, keyed on `Id`", found.sobject)

    def check_config(self, document: ConfigDocument) -> None:
        for step in mapping_steps(document.root):
            for key in each_value(step.value.get("update_key")):
                if isinstance(key, Scalar) and key.is_("id"):
                    self._report(key, f"Step `{step.key.text}` matches rows on `update_key: Id`", step.value.scalar("sf_object").text)

    def _report(self, node: cst.Call | Scalar, what: str, sobject: str | None) -> None:
        fix = f"key it on an External ID field of {sobject or 'the object'}, e.g. `{DEFAULT_EXTERNAL_ID}`"
        self.report(
            node,
            f"{what}: a row with no Salesforce Id yet is inserted as a new record on every run, so re-runs duplicate it; {fix}.",
            hint=fix,
        )


class RetryWithoutIdempotencyKey(PythonRule, ConfigRule):
    """
    ## What it does
    Finds POST and PATCH requests that are retried automatically — by a
    tenacity/backoff/retrying decorator on the function, a tenacity `Retrying`
    loop, a hand-written retry loop, or a urllib3 `Retry` that allows POST/PATCH
    mounted on the session — and that carry no idempotency key: no
    `Idempotency-Key`, `X-Idempotency-Key`, `X-Request-Id` or `X-Message-Id`
    header and no body field named like `*idempotency*`, `message_id` or
    `request_id`.

    Calls to the Salesforce data API (`/services/data/...`) are left to IL101:
    it takes no idempotency key, the fix there is an upsert.

    In config it reads OpenAPI 2 and 3 specs (what External Services register,
    also the spec inside an `*.externalServiceRegistration-meta.xml`):
    a POST operation whose parameters (its own, its path's, `$ref`s followed)
    declare no such header and whose request body has no such field. Token,
    search and GraphQL endpoints are not creates and are not flagged.

    ## Why it matters
    A timeout does not mean the server did nothing: the retry sends the same
    order, payment or case again and the receiver acts twice. The integration
    patterns guide: "The most typical method of building an idempotent receiver
    is for it to track duplicates based on unique message identifiers sent by
    the consumer. Apex web service or REST calls must be customized to send a
    unique message ID." Make the key once per logical message, outside the
    retry, so every attempt sends the same one.

    ## Example
    ```python
    import requests
    from tenacity import retry, stop_after_attempt, wait_exponential

    @retry(stop=stop_after_attempt(5), wait=wait_exponential())
    def send_invoice(invoice):
        return requests.post(f"{ERP_URL}/invoices", json=invoice, timeout=30)
    ```

    ## Use instead
    ```python
    import uuid

    def send_invoice(invoice):
        key = str(uuid.uuid4())
        _post_invoice(invoice, key)

    @retry(stop=stop_after_attempt(5), wait=wait_exponential())
    def _post_invoice(invoice, key):
        return requests.post(f"{ERP_URL}/invoices", json=invoice, headers={"Idempotency-Key": key}, timeout=30)
    ```
    """

    code = "IL103"
    name = "retry-without-idempotency-key"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = {"py": Requires(imports=("requests", "httpx", "aiohttp", "urllib3", "simple_salesforce")), "cfg": OPENAPI_SPECS}
    dialects = (OPENAPI,)
    valid = [
        # The key is sent.
        "import requests\nfrom tenacity import retry, stop_after_attempt\n\n"
        "@retry(stop=stop_after_attempt(3))\n"
        "def send(order, key):\n"
        "    return requests.post(URL, json=order, headers={'Idempotency-Key': key}, timeout=10)\n",
        "import requests, backoff\n\n"
        "@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)\n"
        "def send(event):\n"
        "    return requests.post(URL, json={'message_id': event['id'], **event}, timeout=10)\n",
        # Not retried automatically.
        "import requests\n\ndef send(order):\n    return requests.post(URL, json=order, timeout=10)\n",
        # urllib3 Retry with its default methods never retries POST.
        "import requests\nfrom requests.adapters import HTTPAdapter\nfrom urllib3.util.retry import Retry\n\n"
        "session = requests.Session()\n"
        "session.mount('https://', HTTPAdapter(max_retries=Retry(total=5, backoff_factor=1)))\n\n"
        "def send(order):\n    return session.post(URL, json=order, timeout=10)\n",
        # A GET retried is harmless; a loop over records is not a retry loop.
        "import requests\nfrom tenacity import retry\n\n@retry\ndef fetch(url):\n    return requests.get(url, timeout=10)\n",
        "import requests\n\ndef push_all(rows):\n"
        "    for row in rows:\n"
        "        try:\n"
        "            requests.post(URL, json=row, timeout=10)\n"
        "        except requests.RequestException:\n"
        "            continue\n",
        # Salesforce data API creates are IL101's (they take no idempotency key).
        "import requests\nfrom tenacity import retry\n\n@retry\ndef create(body):\n"
        "    return requests.post(f'{base}/services/data/v61.0/sobjects/Case/', json=body, timeout=10)\n",
        # OpenAPI: the key as a shared header parameter, as a body field; a token POST creates nothing.
        Example(
            "openapi: 3.0.3\ninfo: {title: ERP Orders, version: '1.0'}\npaths:\n"
            "  /orders:\n    post:\n      operationId: createOrder\n"
            "      parameters:\n        - $ref: '#/components/parameters/IdempotencyKey'\n"
            "      responses: {'201': {description: Created}}\n"
            "  /shipments:\n    post:\n      requestBody:\n        content:\n          application/json:\n"
            "            schema: {type: object, properties: {message_id: {type: string}, order: {type: string}}}\n"
            "      responses: {'201': {description: Created}}\n"
            "  /oauth/token:\n    post:\n      responses: {'200': {description: Token}}\n"
            "components:\n  parameters:\n    IdempotencyKey: {name: Idempotency-Key, in: header, required: true, schema: {type: string}}\n",
            path="external-services/erp-orders.yaml",
        ),
        # A registration's spec whose POST requires the key; a registration of an MCP server holds no OpenAPI spec.
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ExternalServiceRegistration xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <schema>openapi: 3.0.3\ninfo: {title: Invoices, version: '1'}\npaths:\n  /invoices:\n    post:\n"
            "      parameters:\n        - {name: Idempotency-Key, in: header, required: true, schema: {type: string}}\n"
            "      responses: {'201': {description: Created}}\n</schema>\n"
            "</ExternalServiceRegistration>\n",
            path="externalServiceRegistrations/Invoices.externalServiceRegistration-meta.xml",
        ),
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ExternalServiceRegistration xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <registrationProviderType>ModelContextProtocol</registrationProviderType>\n"
            "    <schema>{&quot;serverDescriptor&quot;:{&quot;protocolVersion&quot;:&quot;2025-06-18&quot;},&quot;tools&quot;:[]}</schema>\n"
            "</ExternalServiceRegistration>\n",
            path="externalServiceRegistrations/Tools.externalServiceRegistration-meta.xml",
        ),
    ]
    invalid = [
        Example(
            "import requests\nfrom tenacity import retry, stop_after_attempt, wait_exponential\n\n"
            "@retry(stop=stop_after_attempt(5), wait=wait_exponential())\n"
            "def send_invoice(invoice):\n"
            "    return requests.post(f'{ERP_URL}/invoices', json=invoice, timeout=30)\n",
            line=6,
        ),
        Example(
            "import time\nimport httpx\n\n"
            "def notify(client: httpx.Client, payload):\n"
            "    for attempt in range(5):\n"
            "        try:\n"
            "            response = client.post('/shipments', json=payload)\n"
            "            response.raise_for_status()\n"
            "            return response.json()\n"
            "        except httpx.HTTPError:\n"
            "            time.sleep(2 ** attempt)\n",
            line=7,
        ),
        Example(
            "import requests\nfrom requests.adapters import HTTPAdapter\nfrom urllib3 import Retry\n\n"
            "class ErpClient:\n"
            "    def __init__(self):\n"
            "        self.session = requests.Session()\n"
            "        retries = Retry(total=5, backoff_factor=0.5, allowed_methods=None)\n"
            "        self.session.mount('https://', HTTPAdapter(max_retries=retries))\n\n"
            "    def create_order(self, order):\n"
            "        return self.session.post(f'{ERP}/orders', json=order, timeout=30)\n",
            line=12,
        ),
        Example(
            "from simple_salesforce import Salesforce\nfrom tenacity import Retrying, stop_after_attempt\n\n"
            "def close_case(sf: Salesforce, case_id):\n"
            "    for attempt in Retrying(stop=stop_after_attempt(3)):\n"
            "        with attempt:\n"
            "            sf.apexecute('cases/close', method='POST', data={'caseId': case_id})\n",
            line=7,
        ),
        Example(
            '{"swagger": "2.0", "info": {"title": "Invoices", "version": "1"},\n'
            ' "paths": {"/invoices": {"post": {"operationId": "createInvoice",\n'
            '   "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Invoice"}}],\n'
            '   "responses": {"201": {"description": "Created"}}}}},\n'
            ' "definitions": {"Invoice": {"type": "object", "properties": {"amount": {"type": "number"}}}}}\n',
            path="external-services/invoices.json",
            line=2,
        ),
        # The spec of a registration as the org returns it: escaped JSON in `<schema>`.
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ExternalServiceRegistration xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <label>Shipments</label>\n"
            "    <schema>{&quot;openapi&quot;:&quot;3.0.1&quot;,&quot;info&quot;:{&quot;title&quot;:&quot;Shipments&quot;,&quot;version&quot;:&quot;1&quot;},"
            "&quot;paths&quot;:{&quot;/shipments&quot;:{&quot;post&quot;:{&quot;operationId&quot;:&quot;createShipment&quot;,"
            "&quot;responses&quot;:{&quot;201&quot;:{&quot;description&quot;:&quot;Created&quot;}}}}}}</schema>\n"
            "    <schemaType>OpenApi3</schemaType>\n"
            "</ExternalServiceRegistration>\n",
            path="externalServiceRegistrations/Shipments.externalServiceRegistration-meta.xml",
            line=4,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        request = self._write_request(node)
        if request is None:
            return
        method, url = request
        if url is not None and NOT_A_CREATE_URL.search(url):
            return
        policy = enclosing_retry(self.facts) or self._session_policy(node, method)
        if policy is None or self._carries_key(node):
            return
        func = self.facts.source(node.func)
        call = f"`{func}`" if func.lower().endswith(method.lower()) else f"`{func}` ({method})"
        where = self._where(node, policy, method)
        carrier = "a `message_id` field in `data`" if func.endswith("apexecute") else "`headers={'Idempotency-Key': key}`"
        fix = f"send a key made once per message, outside the retry, e.g. {carrier} with `key = str(uuid.uuid4())`"
        self.report(
            node,
            f"{call} is retried by {policy.label}{where} but carries no idempotency key, "
            f"so an attempt that timed out after the server acted is acted on again; {fix}.",
            hint=fix,
            confidence=Confidence.MEDIUM if policy.kind == MANUAL_LOOP else None,
        )

    def check_config(self, document: ConfigDocument) -> None:
        for operation in operations(document, "post"):
            if NOT_A_CREATE_URL.search(operation.route):
                continue
            if any(IDEMPOTENCY_KEY.search(name) for name in header_names(document, operation) + body_fields(document, operation)):
                continue
            fix = "declare a required `Idempotency-Key` header parameter and have the service answer a repeated key with the first result"
            self.report(
                operation.key,
                f"OpenAPI operation {operation.label} declares no idempotency-key header, so when a caller retries it "
                f"after a timeout (an External Service callout, a client's retry) the service acts twice; {fix}.",
                hint=fix,
            )

    def _where(self, node: cst.Call, policy: RetryPolicy, method: str) -> str:
        function = self.facts.current_function()
        if policy.kind == DECORATOR and function is not None:
            return f" on `{function.name.value}`"
        if policy.kind == ADAPTER:
            verbs = "allows every method" if policy.methods is None else f"allows {method}"
            return f" mounted on `{self.facts.source(node.func.value)}` (it {verbs})"
        return ""

    def _write_request(self, node: cst.Call) -> tuple[str, str | None] | None:
        """(method, URL template) of a POST/PATCH through an HTTP client or `sf.apexecute`."""
        func = node.func
        module, _, verb = (self.facts.qualified_name(func) or "").rpartition(".")
        if module not in HTTP_MODULES:
            if not isinstance(func, cst.Attribute):
                return None
            verb = func.attr.value
            if verb == "apexecute" and self.facts.is_method_of(func, SALESFORCE):
                method = self._text(_argument(node, "method", 1)) or "GET"
                return (method.upper(), self._text(_argument(node, "action", 0))) if method.upper() in HTTP_WRITE_VERBS.values() else None
            if (verb not in HTTP_WRITE_VERBS and verb != "request") or not self._is_http_client(func.value):
                return None
        if verb in HTTP_WRITE_VERBS:
            return HTTP_WRITE_VERBS[verb], self._text(_argument(node, "url", 0))
        method = (self._text(_argument(node, "method", 0)) or "").upper() if verb == "request" else ""
        return (method, self._text(_argument(node, "url", 1))) if method in HTTP_WRITE_VERBS.values() else None

    def _is_http_client(self, receiver: cst.BaseExpression) -> bool:
        known = self.facts.type_of(receiver)
        return (known is not None and known.qualified in HTTP_CLIENT_TYPES) or session_retry(self.facts, receiver) is not None

    def _session_policy(self, node: cst.Call, method: str) -> RetryPolicy | None:
        policy = session_retry(self.facts, node.func.value) if isinstance(node.func, cst.Attribute) else None
        return policy if policy is not None and policy.retries(method) else None

    def _carries_key(self, node: cst.Call) -> bool:
        """A key in the call's headers or body, anywhere in the function, or in a helper building them."""
        if has_double_star(node):
            return True  # **kwargs may carry the headers
        function = self.facts.current_function()
        texts = [self.facts.source(function) if function else self.facts.source(node)]
        for arg in node.args:
            value = resolved(self.facts, arg.value)
            texts.append(self.facts.source(value))
            for call in (n for n in walk(value) if isinstance(n, cst.Call)):
                helper = self.facts.callee(call.func)
                if helper is not None:
                    texts.append(self.facts.source(helper))
        return any(IDEMPOTENCY_KEY.search(text) for text in texts)

    def _text(self, arg: cst.Arg | None) -> str | None:
        return self.facts.string_template(arg.value) if arg is not None else None


class ConsumerWithoutDedupe(PythonRule):
    """
    ## What it does
    Finds Salesforce event consumers that write for each event without
    checking whether they already handled it. Consumers are Pub/Sub API
    subscriptions (`for event in stub.Subscribe(...)`, the functions such a
    loop calls per event, subscribe callbacks), CometD/aiosfstream loops
    (`async for message in client`) and web routes that receive outbound
    messages, platform events or change events. Writes are creates:
    `sf.<Object>.create`, bulk inserts, REST POSTs, SQL `INSERT`s, ORM/Mongo
    inserts. The consumer passes when it reads the event's `replay_id`/
    `replayId`, `EventUuid`, the outbound message notification `Id`, or
    `ChangeEventHeader.transactionKey` anywhere but a log call, or when its
    writes are upserts.

    ## Why it matters
    Delivery is at least once. Outbound messages are resent until acknowledged:
    "Outbound messaging sends a unique ID per message and this ID remains the
    same for any retries. The remote system can track duplicate messages based
    on this unique ID." Event streams are replayed after a reconnect: "In a
    replay, the platform event's replay ID remains the same and the ESB can try
    duplicate messages based on the replay ID."

    ## Example
    ```python
    for response in stub.Subscribe(fetch_requests(), metadata=auth):
        for event in response.events:
            order = decode(event)
            sf.Shipment__c.create({"Order__c": order["Order_Id__c"]})
    ```

    ## Use instead
    ```python
    for response in stub.Subscribe(fetch_requests(), metadata=auth):
        for event in response.events:
            if processed.seen(event.event.id):  # the EventUuid
                continue
            order = decode(event)
            sf.Shipment__c.upsert(f"Order_Key__c/{order['Order_Id__c']}", {"Status__c": "New"})
            processed.add(event.event.id, event.replay_id)
    ```
    """

    code = "IL104"
    name = "consumer-without-dedupe"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = (SALESFORCE_CALLS | Requires(imports=("requests", "httpx", "aiohttp", "urllib3"), markers=("insert", "bulk_create", "objects"))) & SALESFORCE_CONSUMERS
    valid = [
        # Dedupe on the replay id.
        "import pubsub_api_pb2 as pb2\n\n"
        "def consume(stub, requests_iter, sf, seen):\n"
        "    for response in stub.Subscribe(requests_iter):\n"
        "        for event in response.events:\n"
        "            if event.replay_id in seen:\n"
        "                continue\n"
        "            sf.Shipment__c.create({'Name': 'x'})\n"
        "            seen.add(event.replay_id)\n",
        # Writes are upserts.
        "import pubsub_api_pb2 as pb2\nfrom simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\n\n"
        "def consume(stub, fetch):\n"
        "    for response in stub.Subscribe(fetch()):\n"
        "        for event in response.events:\n"
        "            sf.Shipment__c.upsert('Order_Key__c/' + decode(event)['key'], {'Status__c': 'New'})\n",
        # Outbound message receiver that records the notification Id.
        "from flask import Flask, request\nimport sqlite3\napp = Flask(__name__)\n\n"
        "@app.route('/sfdc/outbound', methods=['POST'])\n"
        "def outbound():\n"
        "    root = parse(request.data)\n"
        "    for notification in root.iter('{http://soap.sforce.com/2005/09/outbound}Notification'):\n"
        "        if already_handled(notification.findtext('{http://soap.sforce.com/2005/09/outbound}Id')):\n"
        "            continue\n"
        "        db.execute('INSERT INTO accounts (xml) VALUES (?)', (notification.find('sObject'),))\n"
        "    return ACK\n",
        # Not a consumer: a plain loop over rows.
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\n"
        "for row in rows:\n    sf.Contact.create(row)\n",
        # A SQL insert that ignores conflicts is an upsert.
        "import pubsub_api_pb2 as pb2\n\n"
        "def consume(stub, fetch, db):\n"
        "    for response in stub.Subscribe(fetch()):\n"
        "        for event in response.events:\n"
        "            db.execute('INSERT INTO orders VALUES (?) ON CONFLICT DO NOTHING', (event.event.id,))\n",
    ]
    invalid = [
        Example(
            "import pubsub_api_pb2 as pb2\nfrom simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=token)\n\n"
            "def consume(stub, fetch):\n"
            "    for response in stub.Subscribe(fetch()):\n"
            "        for event in response.events:\n"
            "            sf.Shipment__c.create({'Order__c': decode(event)['Order_Id__c']})\n",
            line=8,
        ),
        Example(
            "from aiosfstream import Client\n\n"
            "async def listen(auth, db):\n"
            "    async with Client(auth) as client:\n"
            "        await client.subscribe('/event/Order_Placed__e')\n"
            "        async for message in client:\n"
            "            db.execute('INSERT INTO orders (payload) VALUES (?)', (message['data']['payload'],))\n",
            line=7,
        ),
        Example(
            "from flask import Flask, request\nimport requests\napp = Flask(__name__)\n\n"
            "@app.post('/outbound/account')\n"
            "def account_changed():\n"
            "    doc = parse(request.get_data())\n"
            "    for account in doc.findall('.//sf:sObject', NS):\n"
            "        requests.post(ERP_URL + '/customers', json=to_customer(account), timeout=10)\n"
            "    return ack('notifications')\n",
            line=9,
        ),
        # Logging the replay id does not make it a check.
        Example(
            "import logging\nimport pubsub_api_pb2 as pb2\nlog = logging.getLogger(__name__)\n\n"
            "def consume(stub, db):\n"
            "    fetch = pb2.FetchRequest(topic_name='/event/Order__e', num_requested=10)\n"
            "    for response in stub.Subscribe(iter([fetch])):\n"
            "        for event in response.events:\n"
            "            log.info('event %s', event.replay_id)\n"
            "            db.execute('INSERT INTO orders VALUES (?)', (decode(event),))\n",
            line=10,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._checked: dict[cst.CSTNode, bool] = {}

    def visit_Call(self, node: cst.Call) -> None:
        write = self._create(node)
        if write is None:
            return
        consumer = enclosing_consumer(self.facts)
        if consumer is None or self._dedupes(consumer):
            return
        keys, fix = _dedupe_advice(consumer)
        unit = "message" if consumer.payload == OUTBOUND_MESSAGE else "event"
        self.report(
            node,
            f"`{self.facts.source(node.func)}` {write} for every {unit} in {consumer.label}, and nothing there checks {keys}, "
            f"so a redelivered or replayed {unit} is written twice; {fix}.",
            hint=fix,
        )

    def _create(self, node: cst.Call) -> str | None:
        """How the call creates something ("inserts a Case", "POSTs", "runs an INSERT"), or None."""
        found = salesforce_call(self.facts, node)
        if found is not None:
            sobject = _created_sobject(found)
            if sobject is not None:
                return f"inserts a {sobject}"
            return "POSTs a new record collection" if found.http_method == "POST" and COLLECTION_CREATE_PATH.match(found.rest_path or "") else None
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        verb = func.attr.value
        if verb == "post" and self._posts_elsewhere(node):
            return "POSTs"
        if verb in ("execute", "executemany"):
            sql = self.facts.string_template(node.args[0].value) if node.args else None
            return "runs an INSERT" if sql and SQL_INSERT.match(sql) and not SQL_UPSERT.search(sql) else None
        if verb in DB_CREATE_METHODS or (verb == "create" and isinstance(func.value, cst.Attribute) and func.value.attr.value == "objects"):
            return "inserts a row"
        return None

    def _posts_elsewhere(self, node: cst.Call) -> bool:
        """A POST through requests/httpx to a non-Salesforce endpoint (not a token request)."""
        func = node.func
        qualified = self.facts.qualified_name(func) or ""
        client = isinstance(func, cst.Attribute) and self.facts.is_method_of(func, *HTTP_CLIENT_TYPES)
        if qualified.rpartition(".")[0] not in HTTP_MODULES and not client:
            return False
        url = keyword(node, "url") or (positional(node)[0] if positional(node) else None)
        text = self.facts.string_template(url.value) if url is not None else None
        return not (text and NOT_A_CREATE_URL.search(text))

    def _dedupes(self, consumer: Consumer) -> bool:
        """The consumer or the loop that feeds it reads a dedupe key: walked once each, only for consumers that write."""
        if consumer.node not in self._checked:
            places = [consumer.node, consumer.origin] if consumer.origin is not None else [consumer.node]
            self._checked[consumer.node] = any(_reads_dedupe_key(place, consumer) for place in places)
        return self._checked[consumer.node]


# -- helpers shared by the rules ---------------------------------------------------------


def _created_sobject(found: SalesforceCall) -> str | None:
    """The object a Salesforce call creates with a plain insert, if it is one."""
    if found.api == "sobject" and found.operation == "create":
        return found.sobject
    if found.api in ("bulk", "bulk2") and found.operation == "insert":
        return found.sobject
    if found.api in ("http", "restful") and found.http_method == "POST":
        match = CREATE_PATH.match(found.rest_path or "")
        return match.group("sobject") if match else None
    return None


def _external_id(facts: PythonFacts, data: cst.BaseExpression | None) -> tuple[str, str]:
    """An External ID field in the record being created (`Order_Key__c`), and the code of its value."""
    record = resolved(facts, data) if data is not None else None
    if isinstance(record, cst.Dict):
        for element in record.elements:
            key = facts.string_template(element.key) if isinstance(element, cst.DictElement) else None
            if key and EXTERNAL_ID_FIELD.search(key):
                return key, _short_source(facts, element.value, "key")
    return DEFAULT_EXTERNAL_ID, "key"


def _code_with_strings(facts: PythonFacts, node: cst.CSTNode) -> str:
    """The code of `node` followed by the strings its names hold where the facts stand (`sf.query(SOQL)` reads SOQL's text)."""
    parts = [facts.source(node)]
    for name in (n for n in walk(node) if isinstance(n, cst.Name)):
        text = facts.string_template(name)
        if text:
            parts.append(text)
    return " ".join(parts)


def _short_source(facts, expr: cst.BaseExpression | None, fallback: str) -> str:
    text = facts.source(expr) if expr is not None else ""
    return text if text and len(text) <= 40 and "\n" not in text else fallback


def _arguments(facts, node: cst.Call) -> str:
    parts = [facts.argument_source(arg) for arg in node.args]
    text = ", ".join(parts)
    return text if len(text) <= 50 and "\n" not in text else "..."


def _argument(node: cst.Call, name: str, position: int) -> cst.Arg | None:
    args = positional(node)
    return keyword(node, name) or (args[position] if len(args) > position else None)


def _is_id(text: str | None) -> bool:
    return text is not None and text.strip().lower() == "id"


DEFINITIONS = frozenset({cst.FunctionDef, cst.ClassDef})  # compared by class: see python_walk.subclasses


def _reads_dedupe_key(node: cst.CSTNode, consumer: Consumer) -> bool:
    """A read of the event's replay id, EventUuid, transaction key or notification Id outside a log call."""
    if isinstance(node, cst.Call) and _is_log_call(node):
        return False
    if isinstance(node, cst.Name) and DEDUPE_NAME.search(node.value):
        return True
    if isinstance(node, cst.Attribute):
        attr = node.attr.value
        event_uuid = attr == "id" and isinstance(node.value, cst.Attribute) and node.value.attr.value == "event"
        if event_uuid or DEDUPE_NAME.search(attr) or (consumer.payload == OUTBOUND_MESSAGE and attr == "Id"):
            return True
    if isinstance(node, cst.SimpleString):
        text = node.raw_value
        if DEDUPE_NAME.search(text) or (consumer.payload == OUTBOUND_MESSAGE and OUTBOUND_ID.match(text)):
            return True
    return any(_reads_dedupe_key(child, consumer) for child in children(node) if child.__class__ not in DEFINITIONS)


def _is_log_call(call: cst.Call) -> bool:
    """`print(...)`, `log.info(...)`, `self.logger.warning(...)`: output, not a check."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value == "print"
    if not (isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS):
        return False
    receiver = func.value.attr if isinstance(func.value, cst.Attribute) else func.value
    return isinstance(receiver, cst.Name) and "log" in receiver.value.lower()


def _dedupe_advice(consumer: Consumer) -> tuple[str, str]:
    """(what identifies an event, how to skip repeats) for the kind of consumer."""
    upsert = "or make the write an upsert on an External ID"
    if consumer.kind == WEBHOOK and consumer.payload == OUTBOUND_MESSAGE:
        return (
            "the notification `Id` (resent unchanged until acknowledged)",
            f"record each notification `Id` and skip ones already handled, {upsert}",
        )
    if consumer.kind == WEBHOOK:
        return "the event's `EventUuid`, replay ID or `ChangeEventHeader.transactionKey`", f"record the `EventUuid` (or transaction key) of handled events and skip repeats, {upsert}"
    field_name = "`replay_id` or EventUuid (`event.id`)" if consumer.kind == PUBSUB else "`replayId` or `EventUuid`"
    return f"the event's {field_name}", f"record the replay ID (or EventUuid) of each handled event and skip ones already seen, {upsert}"
