"""The cfg parts of IL101-IL103 and IL204-IL206 on realistic config files, and silence on clean and unrelated ones."""

from __future__ import annotations

import pytest

from lint.engine import lint_source
from lint.rules import load_registry
from tests.conftest import FIXTURES, lint_snippet, settings_for

INSERT_FIX = "upsert on an External ID instead: `action: upsert` with `update_key` naming an External ID field of "
REST_API = (
    "through the REST API (`api: rest`) whatever the dataset's size, so a load above 2,000 records becomes many synchronous "
    "calls that use up the API allocation; remove `api: rest` (CumulusCI's default, `smart`, switches large steps to the Bulk API) or set `api: bulk`."
)
BULK2 = "take the whole data set in one job and split and track the batches themselves."
SINK_FIX = (
    "so a record delivered twice (delivery is at least once) is created twice; set `salesforce.sink.object.operation` to `upsert`, "
    "with `salesforce.use.custom.id.field=true` and `salesforce.custom.id.field.name` naming an External ID field."
)


def fixture_findings(name: str) -> list[tuple[str, int, int, str]]:
    """Every finding of a config fixture, with every rule enabled (as users run it)."""
    registry = load_registry()
    path = FIXTURES / "config" / name
    outcome = lint_source(f"config/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    assert outcome.error is None and outcome.notices == ()
    return [(f.code, f.span.start_line, f.span.start_column, f.message) for f in outcome.findings]


def snippet_findings(code: str, path: str) -> list[tuple[str, int, str]]:
    return [(f.code, f.span.start_line, f.message) for f in lint_snippet(code, path).findings]


# -- fixtures ----------------------------------------------------------------------------------


def test_cumulusci_mapping_with_inserts_and_rest_batches():
    assert fixture_findings("cumulusci/datasets/mapping.yml") == [
        ("IL101", 5, 11, "Step `Insert Accounts` inserts every row as a new Account (`action: insert`), so re-running the load duplicates them; " + INSERT_FIX + "Account."),
        ("IL205", 6, 8, "Step `Insert Accounts` loads Account " + REST_API),
        (
            "IL204",
            7,
            15,
            "Step `Insert Accounts` sends Account records in batches of 500 through the REST API (`api: rest`), above the 200 records one "
            "REST collection request accepts, so every full batch is rejected; set `batch_size` to 200 or less, or load the step with `api: bulk`.",
        ),
        ("IL101", 16, 11, "Step `Insert Contacts` inserts every row as a new Contact (`action: insert`), so re-running the load duplicates them; " + INSERT_FIX + "Contact."),
        (
            "IL102",
            28,
            15,
            "Step `Upsert Opportunities` matches rows on `update_key: Id`: a row with no Salesforce Id yet is inserted as a new record on every run, "
            "so re-runs duplicate it; key it on an External ID field of Opportunity, e.g. `External_Id__c`.",
        ),
        # `batch_size: 200` with `api: rest` is exactly at the limit (no IL204); the Task step is append-only (no IL101).
        ("IL205", 29, 8, "Step `Upsert Opportunities` loads Opportunity " + REST_API),
    ]


def test_camel_routes_with_create_sobject_and_bulk_v1_jobs():
    assert fixture_findings("camel/salesforce-orders.camel.yaml") == [
        (
            "IL101",
            16,
            15,
            "Camel endpoint `salesforce:createSObject` creates a new Order__c for every exchange, so a redelivered or retried message duplicates it; "
            "upsert on an External ID instead: `salesforce:upsertSObject?sObjectName=Order__c&sObjectIdName=<External ID field>`.",
        ),
        ("IL206", 26, 18, "Camel endpoint `salesforce:createJob` uses Bulk API 1.0 (`createJob`); the Bulk API 2.0 operations (`salesforce:bulk2CreateJob` and the other `bulk2*` operations) " + BULK2),
        ("IL206", 31, 15, "Camel endpoint `salesforce:createBatch` uses Bulk API 1.0 (`createBatch`); the Bulk API 2.0 operations (`salesforce:bulk2CreateBatch` and the other `bulk2*` operations) " + BULK2),
    ]


def test_kafka_connect_sink_without_an_operation_inserts():
    assert fixture_findings("kafka/salesforce-leads-sink.json") == [
        (
            "IL101",
            4,
            24,
            "Kafka Connect sink `salesforce-leads-sink` inserts every record as a new Lead (`salesforce.sink.object.operation` is not set "
            "and defaults to insert), " + SINK_FIX,
        ),
    ]


def test_openapi_spec_post_without_an_idempotency_key():
    assert fixture_findings("openapi/erp-orders-external-service.yaml") == [
        (
            "IL103",
            11,
            5,
            "OpenAPI operation `POST /orders` (`createOrder`) declares no idempotency-key header, so when a caller retries it after a timeout "
            "(an External Service callout, a client's retry) the service acts twice; declare a required `Idempotency-Key` header parameter "
            "and have the service answer a repeated key with the first result.",
        ),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "cumulusci/datasets/mapping_upsert.yml",
        "kafka/salesforce-cdc-source.properties",
        "meltano/meltano.yml",
        # The clean counterparts of the IL5xx fixtures (tests/test_security_config.py).
        "camel/salesforce-events-durable.camel.yaml",
        "generic/salesforce-sync.clean.yml",
        "spring/application-jwt.yaml",
        "unrelated/.github/workflows/ci.yml",
        "unrelated/docker-compose.yml",
        "unrelated/helm/values.yaml",
        "unrelated/package.json",
    ],
)
def test_clean_and_unrelated_config_is_silent(name):
    assert fixture_findings(name) == []


# -- forms the rules must read -----------------------------------------------------------------


def test_an_explicit_insert_sink_points_at_the_operation():
    code = "name=accounts-sink\nconnector.class=io.confluent.connect.salesforce.SalesforceBulkApiSinkConnector\nsalesforce.object=Account\nsalesforce.sink.object.operation=INSERT\n"
    assert snippet_findings(code, "accounts-sink.properties") == [
        ("IL101", 4, "Kafka Connect sink `accounts-sink` inserts every record as a new Account (its `salesforce.sink.object.operation` is `INSERT`), " + SINK_FIX),
    ]


@pytest.mark.parametrize(
    "settings",
    [
        "salesforce.sink.object.operation=upsert\nsalesforce.use.custom.id.field=true\nsalesforce.custom.id.field.name=ERP_Key__c\n",
        "salesforce.use.custom.id.field=true\nsalesforce.custom.id.field.name=ERP_Key__c\n",
        "salesforce.object=Order_Shipped__e\n",
    ],
)
def test_sinks_keyed_on_a_custom_id_or_publishing_events_pass(settings):
    code = "connector.class=io.confluent.salesforce.SalesforceSObjectSinkConnector\n" + settings
    assert snippet_findings(code, "sink.properties") == []


def test_source_and_platform_event_connectors_create_nothing_in_salesforce():
    for connector_class in ("io.confluent.salesforce.SalesforceCdcSourceConnector", "io.confluent.salesforce.SalesforcePlatformEventSinkConnector"):
        assert snippet_findings(f"connector.class={connector_class}\nsalesforce.object=Order__c\n", "connector.properties") == []


def test_a_strimzi_kafka_connector_is_read_from_its_spec():
    code = (
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnector\nmetadata:\n  name: leads-sink\nspec:\n"
        "  class: io.confluent.salesforce.SalesforceSObjectSinkConnector\n  config:\n    salesforce.object: Lead\n"
        "    salesforce.sink.object.operation: insert\n"
    )
    assert [(code, line) for code, line, _ in snippet_findings(code, "k8s/leads-sink.yaml")] == [("IL101", 9)]


def test_camel_create_sobject_given_as_an_operation_name_points_at_it():
    code = "- from:\n    uri: direct:cases\n    steps:\n      - to:\n          uri: salesforce\n          parameters:\n            operationName: createSObject\n            sObjectName: '{{caseObject}}'\n"
    assert snippet_findings(code, "cases.yaml") == [
        (
            "IL101",
            7,
            "Camel endpoint `salesforce:createSObject` creates a new record (its sObject is set at run time) for every exchange, so a redelivered "
            "or retried message duplicates it; upsert on an External ID instead: `salesforce:upsertSObject?sObjectName=<Object>&sObjectIdName=<External ID field>`.",
        ),
    ]


def test_cumulusci_update_key_lists_and_rest_batches_from_numbers_in_quotes():
    code = "Upsert Accounts:\n  sf_object: Account\n  action: upsert\n  update_key: [ERP_Id__c, id]\n  api: REST\n  batch_size: '201'\n"
    assert [(code, line) for code, line, _ in snippet_findings(code, "load.yml")] == [("IL102", 4), ("IL205", 5), ("IL204", 6)]


def test_select_steps_load_nothing_unless_a_threshold_inserts_the_unmatched():
    # From CumulusCI's own test mappings: `action: select` matches existing records, so `api: rest` is a query.
    code = (
        "Select Event:\n  sf_object: Event\n  table: events\n  api: rest\n  batch_size: 500\n  action: select\n"
        "  select_options:\n    strategy: similarity\n    priority_fields: [WhoId]\n  fields: [Subject]\n"
        "Select Or Insert Contact:\n  sf_object: Contact\n  api: rest\n  action: select\n"
        "  select_options:\n    strategy: similarity\n    threshold: 0.3\n  fields: [LastName]\n"
    )
    assert snippet_findings(code, "datasets/select.yml") == [("IL205", 13, "Step `Select Or Insert Contact` loads Contact " + REST_API)]


def test_openapi_2_header_parameter_passes_and_searches_are_not_creates():
    code = (
        '{"swagger": "2.0", "paths": {\n'
        '  "/invoices": {"post": {"parameters": [{"name": "X-Request-Id", "in": "header", "type": "string"}]}},\n'
        '  "/invoices/search": {"post": {}},\n'
        '  "/payments": {"parameters": [{"$ref": "#/parameters/Key"}], "post": {}},\n'
        '  "/refunds": {"post": {}}},\n'
        ' "parameters": {"Key": {"name": "Idempotency-Key", "in": "header", "type": "string"}}}\n'
    )
    assert [(code, line) for code, line, _ in snippet_findings(code, "external-services/spec.json")] == [("IL103", 5)]
