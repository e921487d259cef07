"""The config source: position-aware YAML/JSON/.properties loading, dialects, path patterns, safety and suppressions."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from lint.engine import lint_source
from lint.rules import load_registry
from lint.sources import kind_of
from lint.sources.config import lint_file
from lint.sources.config_camel import endpoints
from lint.sources.config_dialects import CAMEL, CUMULUSCI, GENERIC, KAFKA_CONNECT, OPENAPI, TAP
from lint.sources.config_json import load as load_json
from lint.sources.config_model import Mapping, Scalar, is_reference
from lint.sources.config_paths import PatternError
from lint.sources.config_properties import load as load_properties
from lint.sources.config_yaml import load as load_yaml
from tests.conftest import lint_snippet, settings_for

CUMULUSCI_STEP = "Insert Contacts:\n  sf_object: Contact\n  action: insert\n"


def documents(text: str, path: str = "config.yml"):
    """The documents the config source hands its rules, for a file at `path`."""
    captured = []

    class Capture:
        code = "IL999"
        dialects = ()

        def __init__(self, context):
            pass

        def check_config(self, document):
            captured.append(document)

    lint_file(path, textwrap.dedent(text).encode(), [Capture], {})
    return captured


def where(node) -> tuple[int, int, int, int]:
    span = node.span
    return span.start_line, span.start_column, span.end_line, span.end_column


def codes(text: str, path: str) -> list[tuple[str, int, int]]:
    return [(f.code, f.span.start_line, f.span.start_column) for f in lint_snippet(text, path).findings]


# -- positions ---------------------------------------------------------------------------------


def test_yaml_keys_and_values_have_exact_positions():
    root = load_yaml('steps:\n  Insert Accounts:\n    batch_size: 500\n    api: "rest"\n    fields: [Name, ERP_Id__c]\n').roots[0]
    step = root.get("steps").get("Insert Accounts")
    batch = step.entry("batch_size")
    assert where(batch.key) == (3, 5, 3, 15) and where(batch.value) == (3, 17, 3, 20)
    assert (batch.value.value, batch.value.text, batch.value.site.text) == (500, "500", "500")
    api = step.scalar("api")
    assert where(api) == (4, 10, 4, 16) and (api.text, api.site.text) == ("rest", '"rest"')
    assert [(item.text, where(item)[:2]) for item in step.get("fields").items] == [("Name", (5, 14)), ("ERP_Id__c", (5, 20))]
    assert batch.value.path == ("steps", "Insert Accounts", "batch_size") and batch.value.scope == "steps.Insert Accounts.batch_size"


def test_yaml_scalars_are_typed_by_the_core_schema_and_never_constructed():
    root = load_yaml("a: 0x1F\nb: 1_000\nc: yes\nd: ~\ne: '42'\nf: 2024-01-01\ng: !!python/object:os.system ls\n").roots[0]
    values = {entry.key.text: entry.value.value for entry in root.entries}
    assert values == {"a": 31, "b": 1000, "c": True, "d": None, "e": "42", "f": "2024-01-01", "g": "ls"}
    assert root.scalar("g").tag == "tag:yaml.org,2002:python/object:os.system"


def test_json_keys_and_values_have_exact_positions():
    root = load_json('{\n  "config": {"connector.class": "io.confluent.salesforce.SalesforceSObjectSinkConnector",\n    "tasks.max": 2, "flags": [true, null]}\n}\n').roots[0]
    config = root.get("config")
    entry = config.entry("connector.class")
    assert where(entry.key) == (2, 14, 2, 31) and where(entry.value) == (2, 33, 2, 89)
    assert (config.scalar("tasks.max").value, where(config.scalar("tasks.max"))) == (2, (3, 18, 3, 19))
    assert [item.value for item in config.get("flags").items] == [True, None]
    assert config.get("flags").items[1].scope == "config.flags[1]"


def test_properties_keys_values_separators_and_continuations():
    text = "# connector\nname=orders-sink\nsalesforce.object : Order__c\ntopics   crm.orders\nlong = a, \\\n       b\nunicode=caf\\u00e9\n"
    root = load_properties(text).roots[0]
    assert [(entry.key.text, entry.value.text) for entry in root.entries] == [
        ("name", "orders-sink"),
        ("salesforce.object", "Order__c"),
        ("topics", "crm.orders"),
        ("long", "a, b"),
        ("unicode", "café"),
    ]
    sobject = root.entry("salesforce.object")
    assert where(sobject.key) == (3, 1, 3, 18) and where(sobject.value) == (3, 21, 3, 29)
    assert where(root.scalar("long")) == (5, 8, 6, 9)


def test_a_hash_after_a_properties_value_is_part_of_the_value():
    assert load_properties("password=abc#123 # not a comment\n").roots[0].scalar("password").text == "abc#123 # not a comment"


# -- path patterns -----------------------------------------------------------------------------


def test_path_patterns_select_with_wildcards_depth_and_alternatives():
    root = load_yaml(
        "- route:\n    from:\n      uri: kafka:orders\n      steps:\n        - to: {uri: 'salesforce:createSObject'}\n        - toD: salesforce:query\n"
    ).roots[0]
    assert [match.value.text for match in root.select("**.uri")] == ["kafka:orders", "salesforce:createSObject"]
    assert [match.value.path[-1] for match in root.select("*.route.from.steps.*.toD|to")] == ["to", "toD"]
    assert [match.value.text for match in root.select("**.toD")] == ["salesforce:query"]
    assert [match.value.path for match in root.select("*.*.from")] == [(0, "route", "from")]
    with pytest.raises(PatternError):
        list(root.select("route..uri"))


def test_a_dotted_key_matches_like_nested_keys_and_whole_under_a_star():
    flat = load_properties("salesforce.sink.object.operation=insert\n").roots[0]
    nested = load_yaml("salesforce:\n  sink:\n    object:\n      operation: insert\n").roots[0]
    for root in (flat, nested):
        (match,) = root.select("salesforce.sink.object.operation")
        assert match.value.text == "insert" and match.at is match.key
    assert [m.key.text for m in flat.select("**.operation")] == ["salesforce.sink.object.operation"]
    spec = load_yaml("paths:\n  /v1.0/orders:\n    post: {}\n").roots[0]
    assert [m.value.path for m in spec.select("paths.*.post")] == [("paths", "/v1.0/orders", "post")]


# -- multi-document, anchors, billion laughs ---------------------------------------------------


def test_every_document_of_a_yaml_stream_gets_its_own_dialect():
    found = documents(
        """\
        Insert Contacts:
          sf_object: Contact
        ---
        - route:
            from:
              uri: direct:orders
              steps:
                - to: salesforce:createSObject?sObjectName=Order__c
        ---
        kind: ConfigMap
        """
    )
    assert [(document.index, document.dialect) for document in found] == [(0, CUMULUSCI), (1, CAMEL), (2, GENERIC)]
    assert found[1].root.first("*.route.from.steps.*.to").value.span.start_line == 8


def test_aliases_and_merge_keys_expand_with_their_own_paths():
    root = load_yaml("base: &base\n  api: rest\n  batch_size: 200\nA:\n  <<: *base\n  batch_size: 500\nB: *base\n").roots[0]
    a = root.get("A")
    assert {entry.key.text: entry.value.value for entry in a.entries} == {"batch_size": 500, "api": "rest"}
    assert a.scalar("api").path == ("A", "api") and a.scalar("api").span.start_line == 2  # the anchored text
    assert root.get("B").scalar("batch_size").path == ("B", "batch_size")


def test_a_billion_laughs_document_is_refused_quickly_at_the_alias():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]" for previous, name in zip("abcdefgh", "bcdefghi")]
    started = time.perf_counter()
    findings = lint_snippet("# salesforce settings\n" + "\n".join(lines) + "\n", "laughs.yml").findings
    assert time.perf_counter() - started < 2
    assert [(f.code, f.span.start_line) for f in findings] == [("IL001", 6)]  # the 7th alias of `e` crosses 50,000
    assert "billion laughs" in findings[0].message


def test_an_alias_to_an_undefined_anchor_is_a_parse_error():
    findings = lint_snippet("sf_object: Account\nbatch: *missing\n", "mapping.yml").findings
    assert [(f.code, f.span.start_line, f.span.start_column) for f in findings] == [("IL001", 2, 8)]


# -- malformed input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "position", "start"),
    [
        ("Insert Accounts:\n  sf_object: Account\n  fields: [Name\n  action: insert\n", "mapping.yml", (4, 9), "YAML syntax error: "),
        ("Insert Accounts:\n  sf_object: Account\n   api: rest\n", "mapping.yml", (3, 7), "YAML syntax error: "),
        ('{"connector.class": "io.confluent.salesforce.SalesforceCdcSourceConnector",\n  "tasks.max" 1}\n', "cdc.json", (2, 15), "JSON syntax error: expected `:`"),
        ('{"connector.class": "io.confluent.salesforce.SalesforceCdcSourceConnector"', "cdc.json", (1, 75), "JSON syntax error: unexpected end of file"),
        ("connector.class=io.confluent.salesforce.X\nname=caf\\u00zz\n", "cdc.properties", (2, 9), "malformed \\uxxxx escape"),
    ],
)
def test_malformed_files_are_il001_at_the_error_position(text, path, position, start):
    (finding,) = lint_snippet(text, path).findings
    assert (finding.code, (finding.span.start_line, finding.span.start_column)) == ("IL001", position)
    assert finding.message.startswith(start) and finding.message.endswith(".")


def test_bytes_that_are_not_utf8_are_il001_at_the_byte_but_properties_read_as_latin1():
    (finding,) = _lint_bytes(b"salesforce:\n  name: caf\xe9\n", "app.yml")
    assert (finding.code, finding.span.start_line, finding.span.start_column) == ("IL001", 2, 12)
    assert "0xe9 is not valid UTF-8" in finding.message
    assert _lint_bytes(b"salesforce.name=caf\xe9\n", "app.properties") == []
    (nul,) = _lint_bytes(b"salesforce: 1\n\x00\n", "app.yml")
    assert (nul.span.start_line, "NUL byte" in nul.message) == (2, True)


def _lint_bytes(data: bytes, path: str):
    registry = load_registry()
    return lint_source(path, data, kind_of(path), tuple(registry.sorted()), settings_for(), registry).findings


def test_json_tolerates_editor_comments_and_trailing_commas():
    root = load_json('// VS Code\n{"salesforcedx-vscode-core.show-cli-success-msg": false, /* x */ "a": [1,],}\n').roots[0]
    assert [entry.key.text for entry in root.entries] == ["salesforcedx-vscode-core.show-cli-success-msg", "a"]


def test_deeply_nested_documents_are_skipped_with_a_notice():
    outcome = lint_snippet("salesforce: " + "[" * 300 + "]" * 300 + "\n", "deep.yml")
    assert outcome.findings == [] and any("nested too deeply" in notice for notice in outcome.notices)


# -- duplicates --------------------------------------------------------------------------------


def test_duplicate_keys_keep_the_last_value_and_are_noted():
    loaded = load_json('{"salesforce.object": "Lead", "tasks.max": 1, "salesforce.object": "Contact"}')
    assert loaded.roots[0].scalar("salesforce.object").text == "Contact"
    ((first, second),) = loaded.duplicates
    assert (first.span.start_column, second.span.start_column) == (2, 47)
    outcome = lint_snippet("Insert Contacts:\n  sf_object: Contact\n  action: upsert\n  action: insert\n", "mapping.yml")
    assert [(f.code, f.span.start_line) for f in outcome.findings] == [("IL101", 4)]
    assert outcome.notices == ("mapping.yml:4:3: key `action` is given twice (first on line 3); the later value is the one used",)


# -- dialects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "dialect"),
    [
        (CUMULUSCI_STEP, "data/load-partners.yml", CUMULUSCI),
        ("- from:\n    uri: salesforce:subscribe:/event/Order__e\n    steps: [{to: log:x}]\n", "integration.yaml", CAMEL),
        ('{"name": "s", "config": {"connector.class": "io.confluent.salesforce.SalesforceSObjectSinkConnector"}}', "sink.json", KAFKA_CONNECT),
        ("connector.class=io.confluent.salesforce.SalesforceCdcSourceConnector\n", "worker.properties", KAFKA_CONNECT),
        ("apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnector\nspec:\n  class: io.confluent.salesforce.SalesforceCdcSourceConnector\n  config: {tasks.max: 1}\n", "cdc.yaml", KAFKA_CONNECT),
        ('{"client_id": "x", "refresh_token": "y", "api_type": "BULK", "start_date": "2024-01-01"}', "config.json", TAP),
        ("plugins:\n  extractors:\n    - name: tap-salesforce\n      variant: meltanolabs\n", "meltano.yml", TAP),
        ('{"openapi": "3.0.1", "info": {"title": "ERP", "description": "Registered in Salesforce as an External Service"}, "paths": {}}', "erp.json", OPENAPI),
        ("swagger: '2.0'\npaths: {}\n", "external-services/spec.yml", OPENAPI),
        ("sfdcLoginUrl: https://login.salesforce.com\nsourceApiVersion: '61.0'\n", "settings.yml", GENERIC),
    ],
)
def test_dialects_are_detected_by_content_not_file_name(text, path, dialect):
    assert [document.dialect for document in documents(text, path)] == [dialect]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: pytest}]\n", ".github/workflows/ci.yml"),
        ("services:\n  web:\n    image: nginx\n    ports: ['80:80'\n", "docker-compose.yml"),  # malformed, and still silent
        ("replicaCount: 2\nimage: {repository: ghcr.io/acme/api}\n", "charts/api/values.yaml"),
        ('{"name": "portal", "dependencies": {"react": "^18.3.1"}}', "package.json"),
        ('{"packages": {"node_modules/@salesforce/cli": {"version": "2.0.0"}}}', "package-lock.json"),
        # Another service's spec (vendored, or the repository's own API): not an External Service.
        ("openapi: 3.0.0\ninfo: {title: Petstore}\nservers: [{url: 'http://petstore.io/v1'}]\npaths:\n  /pets:\n    post: {}\n", "api/petstore.yaml"),
    ],
)
def test_files_that_configure_no_salesforce_integration_are_not_scanned(text, path):
    outcome = lint_snippet(text, path)
    assert (outcome.findings, outcome.parsed) == ([], False)


def test_a_template_that_is_not_yaml_until_rendered_is_skipped_with_a_notice():
    outcome = lint_snippet("salesforce:\n{{- if .Values.salesforce.enabled }}\n  url: {{ .Values.url }}\n{{- end }}\n", "templates/config.yaml")
    assert outcome.findings == [] and outcome.notices == ("skipped templates/config.yaml: it is a template (Helm, Jinja, EJS), not YAML, until it is rendered",)


# -- values from elsewhere ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["${SF_PASSWORD}", "${env:SF_PASSWORD}", "${file:/etc/secrets.properties:password}", "{{salesforce.password}}",
     "{{ vault_sf_password }}", "$SF_PASSWORD", "$(sfPassword)", "ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)", "${{ secrets.SF_PASSWORD }}"],
)
def test_environment_and_secret_store_references_are_references(text):
    assert is_reference(load_yaml(f"password: '{text}'\n").roots[0].scalar("password"))


def test_tagged_values_and_encrypted_keys_are_references_but_literals_are_not():
    root = load_yaml("a: !ENV ${SF_PASSWORD}\nb: !secret sf_password\nc: hunter2\nd: 'pa$$word'\n'#password': KBC::ProjectSecure::abc\n").roots[0]
    assert [is_reference(root.get(key)) for key in "abcd"] == [True, True, False, False]
    hashed = root.entry("#password")
    assert is_reference(hashed.value, hashed.key)


# -- Camel URIs --------------------------------------------------------------------------------


def test_camel_options_inline_and_as_parameters_are_the_same_table():
    root = load_yaml(
        "- to: salesforce:createSObject?sObjectName=Order__c&rawPayload=true\n"
        "- to:\n    uri: salesforce:createSObject\n    parameters:\n      sObjectName: Order__c\n      rawPayload: true\n"
    ).roots[0]
    inline, separate = endpoints(root)
    for endpoint in (inline, separate):
        assert (endpoint.operation, endpoint.option("sObjectName").text, endpoint.option("rawPayload").text) == ("createSObject", "Order__c", "true")
    assert where(inline.option("sObjectName")) == (1, 44, 1, 52)  # the value inside the URI
    assert where(separate.option("sObjectName")) == (5, 20, 5, 28)


def test_camel_components_declared_as_beans_and_operation_names_count():
    root = load_yaml(
        "beans:\n  - name: sf\n    type: '#class:org.apache.camel.component.salesforce.SalesforceComponent'\n"
        "from:\n  uri: direct:a\n  steps:\n    - to: '{{sf}}:createJob'\n    - to: {uri: salesforce, parameters: {operationName: upsertSObject}}\n    - to: http:salesforce.example.com\n"
    ).roots[0]
    assert [(endpoint.label, endpoint.operation) for endpoint in endpoints(root)] == [("{{sf}}:createJob", "createJob"), ("salesforce:upsertSObject", "upsertSObject")]


# -- suppressions ------------------------------------------------------------------------------


def test_yaml_comments_suppress_on_the_line_and_the_line_above():
    text = (
        "Insert Contacts:\n  sf_object: Contact\n  action: insert  # intlint: ignore[IL101] scratch org seed data\n"
        "Insert Leads:\n  sf_object: Lead\n  # intlint: ignore[IL101] loaded once, by hand\n  action: insert\n"
    )
    outcome = lint_snippet(text, "mapping.yml")
    assert outcome.findings == []
    assert [(s.finding.code, s.finding.span.start_line, s.reason) for s in outcome.suppressed] == [
        ("IL101", 3, "scratch org seed data"),
        ("IL101", 7, "loaded once, by hand"),
    ]


def test_a_hash_inside_a_yaml_string_or_block_is_not_a_comment():
    text = 'Insert Contacts:\n  sf_object: Contact\n  note: "# intlint: ignore[IL101] quoted"\n  about: |\n    # intlint: ignore[IL101] block\n  action: insert\n'
    assert [(f.code, f.span.start_line) for f in lint_snippet(text, "mapping.yml").findings] == [("IL101", 6)]


def test_properties_comment_lines_suppress_the_next_key():
    text = "connector.class=io.confluent.salesforce.SalesforceSObjectSinkConnector\n# intlint: ignore[IL101] the topic is compacted upstream\nsalesforce.sink.object.operation=insert\n"
    outcome = lint_snippet(text, "sink.properties")
    assert outcome.findings == [] and [s.reason for s in outcome.suppressed] == ["the topic is compacted upstream"]


def test_json_findings_are_silenced_with_per_file_ignores():
    text = '{"connector.class": "io.confluent.salesforce.SalesforceSObjectSinkConnector", "salesforce.object": "Lead"}'
    assert [f.code for f in lint_snippet(text, "connect/sink.json").findings] == ["IL101"]
    outcome = lint_snippet(text, "connect/sink.json", per_file_ignores=(("connect/*.json", frozenset({"IL101"})),))
    assert outcome.findings == [] and [(s.finding.code, s.how) for s in outcome.suppressed] == [("IL101", "config")]


# -- imports -----------------------------------------------------------------------------------


def test_pyyaml_is_imported_only_when_a_yaml_file_is_linted():
    script = (
        "import sys\n"
        "from lint.rules import load_registry\n"
        "from tests.conftest import lint_snippet\n"
        "load_registry()\n"
        "lint_snippet('connector.class=io.confluent.salesforce.X\\n', 'a.properties')\n"
        "lint_snippet('{\"salesforce\": 1}', 'a.json')\n"
        "before = 'yaml' in sys.modules\n"
        "lint_snippet('salesforce: 1\\n', 'a.yml')\n"
        "print(before, 'yaml' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]


def test_scalars_know_numbers_and_words():
    root = load_properties("batch_size=500\napi=REST\nflag=true\n").roots[0]
    assert (root.scalar("batch_size").number(), root.scalar("api").is_("rest"), root.scalar("flag").number()) == (500, True, None)
    assert isinstance(root, Mapping) and isinstance(root.get("api"), Scalar)


def test_fingerprints_survive_lines_moving_and_name_the_entry():
    first = lint_snippet(CUMULUSCI_STEP, "mapping.yml").findings
    moved = lint_snippet("# Seed data for scratch orgs\n\n" + CUMULUSCI_STEP, "mapping.yml").findings
    renamed = lint_snippet(CUMULUSCI_STEP.replace("Insert Contacts", "Load Contacts"), "mapping.yml").findings
    assert [f.span.start_line for f in first + moved] == [3, 5]
    assert first[0].fingerprint == moved[0].fingerprint != renamed[0].fingerprint
