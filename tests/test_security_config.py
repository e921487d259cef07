"""The cfg parts of IL501, IL504-IL507 and IL509 on realistic config files, and silence on clean and unrelated ones."""

from __future__ import annotations

import pytest

from lint.engine import lint_source
from lint.rules import load_registry
from tests.conftest import FIXTURES, lint_snippet, settings_for

SECURITY = frozenset({"IL501", "IL504", "IL505", "IL506", "IL507", "IL509"})
OAUTH_LOGIN = (
    "logs in with username and password (the OAuth username-password flow), which Salesforce blocks by default in new orgs and which cannot use MFA; "
)
KAFKA_FIX = "set `salesforce.grant.type=JWT_BEARER` with a keystore (`salesforce.jwt.keystore.path`)."
CONFIG_FIX = "use the JWT bearer flow (a connected app and a certificate) or the client credentials flow."
SECRET = (
    "holds a hard-coded secret, so anyone who can read the repository can use it; reference it from the environment or a secret store instead "
    "(`${SF_PASSWORD}`, `${file:...}`, a vault), and rotate the exposed value."
)
PLAINTEXT = "over plain HTTP, so what it sends and receives crosses the network unencrypted, readable and alterable by anyone on the path; "
TLS_OFF = (
    "which turns off certificate checks, so anyone on the network path can impersonate the endpoint and read the credentials and data it is sent; remove it."
)
QUEUE_ID = (
    "ids differ between orgs and change when a sandbox is refreshed, so this breaks outside the org it was copied from; "
    "look the group or queue up by `DeveloperName`."
)
RETIRING = "retires in Summer '28 with every version from 31.0 to 40.0, and calls with it will then fail; move to API version 50.0 or later and test the calls against it."


def findings(name: str) -> list[tuple[str, int, int, str, str]]:
    """The IL5xx findings of a config fixture, with every rule enabled (as users run it): code, line, column, severity, message."""
    registry = load_registry()
    path = FIXTURES / "config" / name
    outcome = lint_source(f"config/{name}", path.read_bytes(), None, tuple(registry.sorted()), settings_for(FIXTURES), registry)
    assert outcome.error is None and outcome.notices == ()
    return [(f.code, f.span.start_line, f.span.start_column, f.severity.value, f.message) for f in outcome.findings if f.code in SECURITY]


def snippet(code: str, path: str = "config/salesforce-sync.yml") -> list[tuple[str, int, str]]:
    return [(f.code, f.span.start_line, f.message) for f in lint_snippet(code, path, selected=SECURITY).findings]


# -- fixtures ----------------------------------------------------------------------------------


def test_spring_camel_component_with_a_password_login_over_http():
    # The datasource's username and password are not Salesforce's; the client id is no secret.
    assert findings("spring/application.properties") == [
        (
            "IL505",
            6,
            38,
            "error",
            "Salesforce integration settings key `camel.component.salesforce.login-url` is `http://login.salesforce.com` " + PLAINTEXT + "use `https://login.salesforce.com`.",
        ),
        (
            "IL501",
            7,
            48,
            "warning",
            "Salesforce integration settings key `camel.component.salesforce.authentication-type` is `USERNAME_PASSWORD`, so it " + OAUTH_LOGIN + CONFIG_FIX,
        ),
        ("IL504", 9, 42, "error", "Salesforce integration settings key `camel.component.salesforce.client-secret` " + SECRET),
        ("IL509", 12, 40, "warning", "API version 36.0 set by Salesforce integration settings key `camel.component.salesforce.api-version` " + RETIRING),
    ]


def test_kafka_pushtopic_source_with_a_password_grant():
    # `salesforce.password` is a reference; the schema registry is a service on the container network.
    assert findings("kafka/salesforce-pushtopic-source.json") == [
        (
            "IL507",
            8,
            36,
            "warning",
            "This SOQL filters on the hard-coded Group record id `00G5e000004AbCdEAK` in Kafka Connect connector key `salesforce.push.topic.query`; " + QUEUE_ID,
        ),
        (
            "IL505",
            10,
            28,
            "error",
            "Kafka Connect connector key `salesforce.instance` is `http://acme.my.salesforce.com` " + PLAINTEXT + "use `https://acme.my.salesforce.com`.",
        ),
        ("IL509", 11, 27, "warning", "API version 36.0 set by Kafka Connect connector key `salesforce.version` " + RETIRING),
        ("IL501", 12, 30, "warning", "Kafka Connect connector key `salesforce.grant.type` is `PASSWORD`, so it " + OAUTH_LOGIN + KAFKA_FIX),
        ("IL504", 15, 34, "error", "Kafka Connect connector key `salesforce.password.token` " + SECRET),
    ]


def test_kafka_connectors_that_default_to_the_password_grant():
    implicit = (
        "Kafka Connect connector key `salesforce.password` is set with `salesforce.username` and no `salesforce.grant.type` (it defaults to PASSWORD), so it "
        + OAUTH_LOGIN
        + KAFKA_FIX
    )
    assert findings("kafka/salesforce-contacts-sink.properties") == [("IL501", 12, 1, "warning", implicit)]
    assert findings("kafka/salesforce-order-events-standalone.properties") == [("IL501", 18, 1, "warning", implicit)]


def test_meltano_salesforce_tap_logging_in_with_a_literal_password():
    # The Postgres tap's password is another system's, and a reference.
    assert findings("meltano/meltano-password.yml") == [
        (
            "IL501",
            13,
            9,
            "warning",
            "Salesforce tap key `password` is set with `username`, so it logs in with a username and password, a person-like credential that cannot use MFA "
            "and breaks when someone resets the password; " + CONFIG_FIX,
        ),
        ("IL504", 13, 19, "error", "Salesforce tap key `password` " + SECRET),
        ("IL504", 14, 25, "error", "Salesforce tap key `security_token` " + SECRET),
    ]


def test_swagger_2_spec_served_over_http_only():
    # Links for people (license, externalDocs, the description) and example values are not endpoints; nor is an example id.
    assert findings("openapi/legacy-erp-swagger.yaml") == [
        (
            "IL505",
            13,
            5,
            "error",
            "OpenAPI spec `schemes` offers only `http` for host `erp.acme.com`: calls go to `http://erp.acme.com/api/v1` " + PLAINTEXT + "use `https://erp.acme.com/api/v1`.",
        ),
    ]


def test_openapi_3_server_with_variables_and_a_token_url_over_http():
    # The server variable's default names the host; the local mock server and the contact URL are not reported.
    assert findings("openapi/billing-external-service.yaml") == [
        ("IL505", 9, 10, "error", "OpenAPI server `url` is `http://eu.billing.acme.com/v3` " + PLAINTEXT + "use `https://eu.billing.acme.com/v3`."),
        (
            "IL505",
            35,
            21,
            "error",
            "OpenAPI security scheme `tokenUrl` is `http://auth.acme.com/oauth2/token` " + PLAINTEXT + "use `https://auth.acme.com/oauth2/token`.",
        ),
    ]


def test_cumulusci_step_filtering_on_a_queue_id():
    assert findings("cumulusci/datasets/mapping_owner.yml") == [
        (
            "IL507",
            12,
            16,
            "warning",
            "This SOQL filters on the hard-coded Group record id `00G5e000004AbCdEAK` in CumulusCI data mapping key `soql_filter`; " + QUEUE_ID,
        ),
    ]


def test_generic_salesforce_settings():
    # The ERP's username and password (a reference) are not a Salesforce login; its homepage is a link.
    assert findings("generic/salesforce-sync.yml") == [
        ("IL509", 4, 16, "warning", "API version 39.0 set by Salesforce integration settings key `api_version` " + RETIRING),
        ("IL504", 7, 18, "error", "Salesforce integration settings key `refresh_token` " + SECRET),
        (
            "IL507",
            8,
            21,
            "warning",
            "`00G5e000004AbCdEAK` is a hard-coded Group record id in Salesforce integration settings key `default_owner_id`; " + QUEUE_ID,
        ),
        ("IL506", 10, 15, "error", "Salesforce integration settings key `verify_ssl` is `false`, " + TLS_OFF),
        ("IL505", 13, 13, "error", "Salesforce integration settings key `base_url` is `http://erp.acme.com/api/v2` " + PLAINTEXT + "use `https://erp.acme.com/api/v2`."),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "generic/salesforce-sync.clean.yml",
        "spring/application-jwt.yaml",
        "camel/salesforce-events-durable.camel.yaml",
        "camel/salesforce-orders.camel.yaml",
        "cumulusci/datasets/mapping_upsert.yml",
        "kafka/salesforce-cdc-source.properties",
        "kafka/salesforce-leads-sink.json",
        "kafka/salesforce-order-events-source.json",
        "meltano/meltano.yml",
        "openapi/erp-orders-external-service.yaml",
        "singer/tap-salesforce.config.json",
        "unrelated/.github/workflows/ci.yml",
        "unrelated/docker-compose.yml",
        "unrelated/helm/values.yaml",
        "unrelated/package.json",
    ],
)
def test_clean_and_unrelated_config_has_no_security_findings(name):
    assert findings(name) == []


# -- IL501 -------------------------------------------------------------------------------------


def test_a_kamelet_salesforce_bean_with_a_username_and_password():
    code = (
        "apiVersion: camel.apache.org/v1\nkind: Kamelet\nmetadata:\n  name: salesforce-source\nspec:\n  template:\n    beans:\n"
        "      - name: local-salesforce\n        type: '#class:org.apache.camel.component.salesforce.SalesforceComponent'\n"
        "        properties:\n          clientId: '{{clientId}}'\n          userName: '{{userName}}'\n          password: '{{password}}'\n"
        "    from:\n      uri: '{{local-salesforce}}:subscribe:{{topicName}}'\n      steps:\n        - to: kamelet:sink\n"
    )
    assert snippet(code, "kamelets/salesforce-source.kamelet.yaml") == [
        ("IL501", 13, "Camel route key `password` is set with `userName`, so it " + OAUTH_LOGIN + "use the JWT bearer flow (`authenticationType: JWT` with a `keystore`) or `CLIENT_CREDENTIALS`."),
    ]


def test_a_salesforce_grant_type_password_beside_a_salesforce_token_url():
    code = "token_url: https://login.salesforce.com/services/oauth2/token\ngrant_type: password\nclient_id: ${SF_CLIENT_ID}\n"
    assert snippet(code) == [("IL501", 2, "Salesforce integration settings key `grant_type` is `password`, so it " + OAUTH_LOGIN + CONFIG_FIX)]


def test_logins_that_are_not_salesforce_password_flows_are_silent():
    # Another identity provider's password grant, JWT chosen explicitly, a password with a refresh token, an empty password.
    code = (
        "salesforce:\n  instance_url: https://acme.my.salesforce.com\n  auth_type: JWT\n  username: etl@acme.com\n  password: ${SF_PASSWORD}\n"
        "keycloak:\n  token_url: https://sso.acme.com/realms/ops/protocol/openid-connect/token\n  grant_type: password\n"
        "sf:\n  username: etl@acme.com\n  password: ''\n"
    )
    assert [finding for finding in snippet(code) if finding[0] == "IL501"] == []


# -- IL504 -------------------------------------------------------------------------------------


def test_secrets_in_camel_uris():
    code = (
        "- route:\n    from:\n      uri: timer:poll\n      steps:\n"
        "        - to: salesforce:query?sObjectQuery=SELECT Id FROM Lead&clientSecret=RAW(8A1D7E0F2C4B6A9D)\n"
    )
    assert snippet(code, "routes/leads.camel.yaml") == [
        ("IL504", 5, "Camel endpoint `salesforce:query` option `clientSecret` " + SECRET),
    ]


def test_references_placeholders_and_files_are_not_secrets():
    code = (
        "salesforce:\n  password: ${env:SF_PASSWORD}\n  client_secret: '{{ sf_client_secret }}'\n  refresh_token: $SF_REFRESH_TOKEN\n"
        "  security_token: changeme\n  session_id: <session-id>\n  private_key: /run/secrets/salesforce.key\n  '#password': KBC::ProjectSecure::eJwBY\n"
        "  consumer_secret: ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)\n  access_token: '{cipher}AQB3kGmvR1a'\n  password_file: /etc/sf/password\n"
        "  password: xxxxxxxx\n"
    )
    assert [finding for finding in snippet(code) if finding[0] == "IL504"] == []


def test_packages_named_like_secrets_are_not_secrets():
    # A Salesforce CLI plugin's package.json depends on the prompt `@inquirer/password`.
    code = '{\n  "name": "@salesforce/plugin-org",\n  "dependencies": {\n    "@inquirer/password": "^4.0.15",\n    "password-prompt": "1.1.3"\n  }\n}\n'
    assert snippet(code, "package.json") == []
    assert snippet('{"salesforce": {"password": "Sup3r^4.0.15"}}', "config/sf.json")[0][:2] == ("IL504", 1)


def test_secrets_in_test_resources_are_not_reported():
    assert snippet("salesforce:\n  password: Winter2024!\n  verify_ssl: false\n", "src/test/resources/application.yml") == []


# -- IL505 -------------------------------------------------------------------------------------


def test_schema_and_namespace_urls_are_not_endpoints():
    code = (
        '{\n  "$schema": "http://json-schema.org/draft-07/schema#",\n  "$id": "http://acme.com/schemas/salesforce-sync.json",\n'
        '  "xmlns": "http://soap.sforce.com/2006/04/metadata",\n  "salesforce": {"endpoint_url": "http://www.w3.org/2005/08/addressing"}\n}\n'
    )
    assert snippet(code, "config/salesforce-sync.schema.json") == []


def test_links_for_people_in_the_plural_are_not_endpoints():
    # jsforce's package.json: it mentions Salesforce, and its links are for people.
    code = (
        '{\n  "name": "jsforce",\n  "description": "Salesforce API Library for JavaScript",\n'
        '  "licenses": [{"type": "MIT", "url": "http://github.com/jsforce/jsforce/raw/main/LICENSE"}],\n'
        '  "contributors": [{"name": "A", "url": "http://a.example.org"}],\n  "salesforce": {"images": [{"url": "http://cdn.acme.com/logo.png"}],\n'
        '  "web_url": "http://portal.acme.com/cases"}\n}\n'
    )
    assert snippet(code, "package.json") == []
    assert snippet('{"salesforce": {"login_url": "http://login.salesforce.com"}}', "config/sf.json")[0][:2] == ("IL505", 1)


# -- IL506 -------------------------------------------------------------------------------------


def test_tls_switches_by_their_polarity():
    code = (
        "salesforce:\n  ssl_verify: 'false'\n  tls:\n    insecure: true\n  trustAllCertificates: 'yes'\n  verify_ssl: true\n"
        "  insecure_skip_verify: false\n  verify_hostname: false\n  verify: off\n"
    )
    assert snippet(code) == [
        ("IL506", 2, "Salesforce integration settings key `ssl_verify` is `false`, " + TLS_OFF),
        ("IL506", 4, "Salesforce integration settings key `insecure` is `true`, " + TLS_OFF),
        ("IL506", 5, "Salesforce integration settings key `trustAllCertificates` is `yes`, " + TLS_OFF),
        ("IL506", 9, "Salesforce integration settings key `verify` is `off`, " + TLS_OFF),
    ]


# -- IL507 and IL509 -----------------------------------------------------------------------------


def test_ids_in_static_values_and_versions_in_urls():
    code = (
        "Insert Cases:\n  sf_object: Case\n  action: upsert\n  update_key: External_Id__c\n  static:\n    OwnerId: 0055e000001AbCdAAK\n"
        "  fields: [Subject]\n"
    )
    assert snippet(code, "datasets/mapping.yml") == [
        (
            "IL507",
            6,
            "`0055e000001AbCdAAK` is a hard-coded User record id in CumulusCI data mapping key `OwnerId`; ids differ between orgs and change when "
            "a sandbox is refreshed, so this breaks outside the org it was copied from; look the user up by `Username` or `FederationIdentifier`.",
        ),
    ]


def test_version_settings_need_to_be_salesforce_settings():
    code = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: salesforce-sync\ndata:\n  sf_api_version: '29.0'\n  graph_api_version: '18.0'\n"
        "  endpoint: https://acme.my.salesforce.com/services/data/v45.0/sobjects/\n"
    )
    assert [(code, line) for code, line, _ in snippet(code, "deploy/configmap.yaml")] == [("IL509", 6), ("IL509", 8)]
    messages = [message for _, _, message in snippet(code, "deploy/configmap.yaml")]
    assert messages[0].startswith("API version 29.0 set by Salesforce integration settings key `sf_api_version` is retired, so every call with it fails;")
    assert messages[1].startswith(
        "API version 45.0 in the URL path `/services/data/v45.0/` of Salesforce integration settings key `endpoint` is older than this project's minimum"
    )


def test_a_dx_projects_source_api_version_even_when_the_file_names_no_salesforce_host():
    project = '{\n  "packageDirectories": [{"path": "force-app", "default": true}],\n  "namespace": "",\n  "sourceApiVersion": "38.0"\n}\n'
    assert snippet(project, "sfdx-project.json") == [
        ("IL509", 4, f"API version 38.0 set by Salesforce integration settings key `sourceApiVersion` {RETIRING}"),
    ]
    # A plugin's own `apiVersion` below the root is not the project's.
    nested = '{\n  "packageDirectories": [{"path": "force-app"}],\n  "sourceApiVersion": "61.0",\n  "plugins": {"other": {"apiVersion": "29.0"}}\n}\n'
    assert snippet(nested, "sfdx-project.json") == []
    shipped = (FIXTURES / "apex" / "sfdx-project.json").read_text()  # the fixture project, on 60.0
    assert snippet(shipped, "sfdx-project.json") == []
