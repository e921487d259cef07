"""External Service registrations: the OpenAPI spec in `<schema>` is linted, with positions in the XML file."""

from __future__ import annotations

import pytest

from lint.sources import kind_of
from tests.conftest import lint_snippet

FOLDER = "force-app/main/default/externalServiceRegistrations"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<ExternalServiceRegistration xmlns="http://soap.sforce.com/2006/04/metadata">\n'
TAIL = "    <schemaType>OpenApi3</schemaType>\n</ExternalServiceRegistration>\n"
NO_KEY = "OpenAPI operation `POST /orders` (`createOrder`) declares no idempotency-key header, "
PLAIN = "OpenAPI server `url` is `http://erp.acme.com/api` over plain HTTP, "


def registration(schema: str, before: str = "    <label>ERP Orders</label>\n") -> str:
    return f"{HEAD}{before}    <schema>{schema}</schema>\n{TAIL}"


def escaped(json_text: str) -> str:
    """JSON as the org returns it inside `<schema>`."""
    return json_text.replace("&", "&amp;").replace('"', "&quot;")


def findings(text: str, name: str = "ERP_Orders.externalServiceRegistration-meta.xml"):
    """(code, start line, start column, end line, end column, message) of each finding."""
    result = lint_snippet(text, f"{FOLDER}/{name}")
    return [(f.code, f.span.start_line, f.span.start_column, f.span.end_line, f.span.end_column, f.message) for f in result.findings]


def starting(found: list[tuple], starts: list[str]) -> list[tuple]:
    """`found` with each message cut to the length of the start expected of it."""
    return [(*finding[:-1], finding[-1][: len(start)]) for finding, start in zip(found, starts)]


ORDERS = '{"openapi":"3.0.1","info":{"title":"ERP – Aufträge","version":"1"},"servers":[{"url":"http://erp.acme.com/api"}],"paths":{"/orders":{"post":{"operationId":"createOrder","responses":{"201":{"description":"Created"}}}}}}'


def test_a_registration_is_config_and_other_metadata_is_xml():
    assert kind_of(f"{FOLDER}/ERP_Orders.externalServiceRegistration-meta.xml").name == "cfg"
    assert kind_of("force-app/main/default/classes/ErpClient.cls-meta.xml").name == "xml"


def test_an_escaped_json_spec_is_positioned_entity_by_entity_in_the_file():
    text = registration(escaped(ORDERS))
    line = text.splitlines()[3]
    url = line.index("&quot;http://") + 1  # a JSON string's site includes its quotes, here `&quot;` each
    post = line.index("&quot;post&quot;") + 1
    assert starting(findings(text), [PLAIN, NO_KEY]) == [
        ("IL505", 4, url, 4, url + len("&quot;http://erp.acme.com/api&quot;"), PLAIN),
        ("IL103", 4, post, 4, post + len("&quot;post&quot;"), NO_KEY),
    ]


def test_a_yaml_spec_keeps_its_lines_and_columns_and_its_comments_suppress():
    spec = (
        "openapi: 3.0.3\n"
        "info:\n  title: ERP &amp; Billing\n  version: '1'\n"
        "servers:\n  - url: http://erp.acme.com/api\n"
        "paths:\n"
        "  /orders:\n    post:\n      operationId: createOrder\n      responses: {'201': {description: Created}}\n"
        "  /refunds:\n"
        "    # intlint: ignore[IL103] refunds are keyed by the invoice number\n"
        "    post:\n      responses: {'201': {description: Created}}\n"
    )
    result = lint_snippet(registration(spec), f"{FOLDER}/ERP_Orders.externalServiceRegistration-meta.xml")
    assert [(f.code, f.span.start_line, f.span.start_column) for f in result.findings] == [("IL505", 9, 10), ("IL103", 12, 5)]
    assert [(s.finding.code, s.finding.span.start_line, s.reason) for s in result.suppressed] == [("IL103", 17, "refunds are keyed by the invoice number")]


def test_an_xml_comment_suppresses_the_finding_on_the_next_line():
    text = registration(escaped(ORDERS), before="    <!-- intlint: ignore[IL103, IL505] the ERP is reached over the VPN and dedupes -->\n")
    result = lint_snippet(text, f"{FOLDER}/ERP_Orders.externalServiceRegistration-meta.xml")
    assert result.findings == []
    assert sorted(s.finding.code for s in result.suppressed) == ["IL103", "IL505"]


def test_crlf_line_ends_leave_positions_exact():
    text = registration("openapi: 3.0.3\ninfo: {title: ERP, version: '1'}\nservers:\n  - url: http://erp.acme.com/api\npaths: {}\n")
    assert starting(findings(text.replace("\n", "\r\n")), [PLAIN]) == [("IL505", 7, 10, 7, 33, PLAIN)]


@pytest.mark.parametrize(
    "text",
    [
        # An MCP server, not an OpenAPI spec: its URL and token are not endpoint or secret settings to check here.
        registration(escaped('{"serverDescriptor":{"protocolVersion":"2025-06-18","url":"http://tools.acme.com","token":"s3cr3t-t0ken-value"},"tools":[]}')),
        # Registered from a URL: nothing in the file to read.
        f"{HEAD}    <label>ERP</label>\n    <schemaUrl>callout:ERP/openapi.json</schemaUrl>\n{TAIL}",
        # The key is declared.
        registration(
            escaped(
                '{"openapi":"3.0.1","servers":[{"url":"https://erp.acme.com/api"}],"paths":{"/orders":{"post":{"parameters":'
                '[{"name":"Idempotency-Key","in":"header","required":true,"schema":{"type":"string"}}],"responses":{}}}}}'
            )
        ),
    ],
    ids=["mcp-server", "schema-url", "keyed"],
)
def test_registrations_without_a_flawed_openapi_spec_are_silent(text):
    assert findings(text) == []


def test_a_malformed_spec_is_il001_where_it_breaks_in_the_file():
    text = registration(escaped('{"openapi": "3.0.0", "paths": {"/a": {"post": }}}'))
    column = text.splitlines()[3].index("}}}") + 1
    assert findings(text) == [
        ("IL001", 4, column, 4, column + 1, "the registration's `<schema>`: JSON syntax error: expected a value (object, array, string, number, true, false or null).")
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        (f'{HEAD}<!-- -->\n<schema>x</schema>\n{TAIL}'.replace("</ExternalServiceRegistration>\n", ""), "XML syntax error: no element found."),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "openapi">]>\n<ExternalServiceRegistration><schema>&a;</schema></ExternalServiceRegistration>\n',
            "the file declares a DOCTYPE, which Salesforce metadata never has; it is not read, so its entities cannot expand or be fetched.",
        ),
    ],
    ids=["unclosed", "doctype"],
)
def test_bad_xml_is_il001_and_entities_are_never_expanded(text, message):
    result = lint_snippet(text, f"{FOLDER}/ERP_Orders.externalServiceRegistration-meta.xml")
    assert [(f.code, f.message) for f in result.findings] == [("IL001", message)]


def test_a_registration_template_is_skipped_with_a_notice():
    result = lint_snippet(registration("{{OpenAPISchemaContent}}"), f"{FOLDER}/Template.externalServiceRegistration-meta.xml")
    assert result.findings == []
    assert result.notices == (f"skipped {FOLDER}/Template.externalServiceRegistration-meta.xml: it is a template (Helm, Jinja, EJS), not XML, until it is rendered",)


def test_a_spec_kept_beside_its_registration_is_an_external_service_spec():
    spec = "openapi: 3.0.0\ninfo: {title: Shipping, version: '1'}\npaths:\n  /shipments:\n    post:\n      responses: {'201': {description: Booked}}\n"
    assert [(f.code, f.span.start_line) for f in lint_snippet(spec, f"{FOLDER}/Shipping.yaml").findings] == [("IL103", 5)]
    # The same spec elsewhere, not mentioning Salesforce, is another service's.
    assert lint_snippet(spec, "docs/shipping.yaml").findings == []


def test_a_key_given_twice_is_noted_where_it_is_in_the_file():
    text = registration(escaped('{"openapi":"3.0.1","paths":{},"paths":{}}'))
    column = text.splitlines()[3].rindex("&quot;paths") + 1
    result = lint_snippet(text, f"{FOLDER}/ERP_Orders.externalServiceRegistration-meta.xml")
    assert result.notices == (
        f"{FOLDER}/ERP_Orders.externalServiceRegistration-meta.xml:4:{column}: key `paths` is given twice (first on line 4); the later value is the one used",
    )


def test_a_swagger_2_spec_spread_over_lines_as_metadata_api_examples_show_it():
    spec = escaped('{\n  "swagger": "2.0",\n  "host": "bank.acme.com",\n  "schemes": ["http"],\n  "paths": {\n    "/transfers": {"post": {}}\n  }\n}')
    text = registration(spec, before="    <label>BankService</label>\n    <namedCredential>Bank</namedCredential>\n")
    lines = text.splitlines()
    assert [(code, line, column) for code, line, column, *_ in findings(text)] == [
        ("IL505", 8, lines[7].index("[") + 2),
        ("IL103", 10, lines[9].index("&quot;post") + 1),
    ]
