"""IL505 and IL506: endpoints reached without TLS, and TLS whose certificate check is off."""

from __future__ import annotations

import re

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, Requires
from lint.rules.requirements import HTTP_LIBRARIES
from lint.rules.security.common import SecurityRule, callee_label
from lint.sources.config_camel import ENDPOINT_KEYS
from lint.sources.config_dialects import CAMEL, OPENAPI, SETTING_DIALECTS
from lint.sources.config_model import ConfigDocument, Mapping, Node, Scalar, Sequence, as_template, each_value
from lint.sources.config_settings import Setting, node_at, path_words, settings
from lint.sources.python_calls import argument, clipped, is_false, literal_text
from lint.sources.python_clients import HTTP_CLIENT_TYPES, HTTP_VERBS, METHOD_FIRST, http_request, is_http_library_call
from lint.sources.python_names import AIOHTTP_SESSION, SALESFORCE, SFTYPE
from lint.sources.python_salesforce import HTTP_MODULES

# -- IL505: plaintext endpoints --------------------------------------------------------

ENDPOINT_KEYWORDS = frozenset({"instance_url", "login_url", "base_url", "token_url", "auth_url", "endpoint_url"})
HOST = re.compile(r"^(\[[^\]]*\]|[^/:?#]*)")
LOOPBACK = re.compile(r"^(localhost|.*\.localhost|127(\.\d+){3}|\[?::1\]?|0\.0\.0\.0)$")
# Hosts that never serve an integration: cloud instance metadata (HTTP only), reserved documentation
# domains (RFC 2606) and XML namespace / DTD identifiers.
NOT_ENDPOINTS = re.compile(
    r"""(?x)^(
        169\.254\.\d+\.\d+ | metadata\.google\.internal
        | (.*\.)?example\.(com|net|org) | .*\.(example|test|invalid)
        | (www\.)?w3\.org | schemas\.xmlsoap\.org | soap\.sforce\.com | schemas\.microsoft\.com | purl\.org | xmlns\.com
    )$"""
)


# Config keys that hold an endpoint, by their last word (`loginUrl`, `salesforce.instance`, `base_url`), and
# words that make one a link for people or a proxy rather than an endpoint (`homepage_url`, `proxy.url`), also
# in the plural (package.json's `licenses[0].url`, `contributors[0].url`).
ENDPOINT_WORDS = frozenset({"url", "urls", "uri", "uris", "endpoint", "endpoints", "host", "hosts", "instance", "server", "servers", "address", "href"})
LINK_WORDS = frozenset(
    {"homepage", "home", "repository", "repo", "docs", "doc", "documentation", "license", "licence", "schema", "namespace", "xmlns", "proxy",
     "callback", "redirect", "issues", "bugs", "web", "website", "image", "icon", "logo", "avatar", "download", "terms", "support", "contact", "help",
     "author", "contributor", "maintainer", "funding", "changelog"}
)  # fmt: skip
CAMEL_ENDPOINT_KEYS = frozenset(ENDPOINT_KEYS.split("|"))
# Where OpenAPI specs name the servers and the OAuth endpoints their clients call.
OPENAPI_SERVERS = ("servers.*.url", "paths.*.servers.*.url", "paths.*.*.servers.*.url")
OPENAPI_AUTH_URLS = (
    "components.securitySchemes.*.flows.*.tokenUrl|authorizationUrl|refreshUrl",
    "components.securitySchemes.*.openIdConnectUrl",
    "securityDefinitions.*.tokenUrl|authorizationUrl",
)
SERVER_VARIABLE = re.compile(r"\{([^{}]*)\}")


def plaintext_url(template: str | None) -> str | None:
    """The URL if it is `http://` to a host that is known, not local and not a namespace."""
    if template is None or not template.lower().startswith("http://"):
        return None
    host = HOST.match(template[len("http://") :]).group(1).lower()
    if not host.replace("{}", "") or LOOPBACK.match(host) or NOT_ENDPOINTS.match(host):
        return None
    return template


class PlaintextEndpoint(SecurityRule, ConfigRule):
    """
    ## What it does
    Finds `http://` URLs used as integration endpoints: the URL of a
    `requests`/`httpx`/`aiohttp`/`urllib3`/`urllib` request, and
    `instance_url=`, `login_url=`, `base_url=`, `token_url=`, `auth_url=`,
    `endpoint_url=` arguments and config entries — including URLs built from
    module constants (`f"{ERP_URL}/orders"`).

    Not flagged: localhost and loopback addresses (`127.0.0.1`, `::1`,
    `0.0.0.0`), cloud metadata addresses, documentation domains
    (`example.com`, `*.test`), XML namespace and DTD URIs
    (`http://schemas.xmlsoap.org/...`, `http://www.w3.org/...`), URLs whose
    host is not known, strings that only mention `http://` (`.replace`,
    `startswith`, comparisons), and files under test paths.

    In config: a whole `http://` URL under a key that holds an endpoint (its
    last word is `url`, `uri`, `endpoint`, `host`, `instance`, `server`,
    `address`: `loginUrl`, `instanceUrl`, `salesforce.instance`, `base_url`),
    a Camel route's `to`/`from`/`uri`, and Camel endpoint options; in OpenAPI
    specs (also inside an `*.externalServiceRegistration-meta.xml`),
    `servers[*].url` (with server variables' defaults), OAuth
    `tokenUrl`/`authorizationUrl`, and Swagger 2 `schemes: [http]` with a
    `host`. Not flagged besides: links for people and proxies (`homepage`,
    `license`, `externalDocs`, `proxy_url`, `callback_url`), descriptions,
    examples and schema identifiers (`$schema`, `$id`, namespaces), hosts
    given by a reference (`http://${ERP_HOST}/api`), and hosts without a dot
    (`http://schema-registry:8081`: a service on the container network).

    ## Why it matters
    Over plain HTTP, session ids, OAuth tokens and record data cross the
    network readable and alterable by anyone on the path. The integration
    patterns guide: "It’s recommended you use the HTTPS protocol to connect to
    any remote system."

    ## Example
    ```python
    ERP_URL = "http://erp.acme.internal/api"

    def push(order):
        return requests.post(f"{ERP_URL}/orders", json=order, timeout=30)
    ```

    ## Use instead
    ```python
    ERP_URL = "https://erp.acme.internal/api"

    def push(order):
        return requests.post(f"{ERP_URL}/orders", json=order, timeout=30)
    ```
    """

    code = "IL505"
    name = "plaintext-endpoint"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    # An `http://` URL, sent by an HTTP library or given as an endpoint keyword or key.
    requires = {
        "py": Requires(markers=("http://",)) & Requires(imports=HTTP_LIBRARIES, markers=tuple(sorted(ENDPOINT_KEYWORDS))),
        "cfg": Requires(markers=("http://", "schemes")),  # a URL, or Swagger 2's scheme list
    }
    dialects = (*SETTING_DIALECTS, OPENAPI)
    security_severity = "7.4"
    tags = ("transport", "external/cwe/cwe-319")
    valid = [
        "import requests\nrequests.get('http://localhost:8080/health', timeout=5)\nrequests.get('http://127.0.0.1:9000/', timeout=5)\n"
        "requests.get('http://[::1]:8000/', timeout=5)\nrequests.get('http://0.0.0.0:5000/', timeout=5)\n",
        # XML namespaces are identifiers, never fetched.
        "NS = {'soapenv': 'http://schemas.xmlsoap.org/soap/envelope/', 'out': 'http://soap.sforce.com/2005/09/outbound'}\n"
        "root.find('soapenv:Body', NS)\n",
        # Only manipulating or testing the scheme.
        "import requests\nsecure = url.replace('http://', 'https://')\nif url.startswith('http://'):\n    raise ValueError(url)\n"
        "requests.get(url.replace('http://', 'https://'), timeout=5)\n",
        "import requests\nrequests.get('https://acme.my.salesforce.com/services/data/', timeout=5)\n",
        # Host unknown here: it may be a local proxy.
        "import requests\nrequests.get(f'http://{host}:{port}/status', timeout=5)\n",
        "import requests\nrequests.get('http://api.example.com/v1/orders', timeout=5)\n",
        # A proxy URL is not the endpoint.
        "import requests\nrequests.get('https://erp.acme.com/', proxies={'https': 'http://proxy.acme.com:3128'}, timeout=5)\n",
        # Config: local and container-network hosts, a host from the environment, links for people, prose.
        Example(
            "salesforce:\n  instance_url: https://acme.my.salesforce.com\n  callback_url: http://localhost:1717/OauthRedirect\n"
            "  erp_url: http://${ERP_HOST}/api\n  registry_url: http://schema-registry:8081\n  homepage: http://acme.com\n"
            "  description: Orders are read from http://erp.acme.com/orders\n",
            path="config/salesforce-sync.yml",
        ),
        Example(
            "openapi: 3.0.3\ninfo:\n  title: ERP\n  license:\n    url: http://www.apache.org/licenses/LICENSE-2.0\n"
            "servers:\n  - url: https://erp.acme.com/api\npaths:\n  /orders:\n    get:\n      externalDocs:\n        url: http://docs.acme.com/orders\n"
            "      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n"
            "              example:\n                next: http://erp.acme.com/api/orders?page=2\n",
            path="external-services/erp.yaml",
        ),
    ]
    invalid = [
        Example("import requests\n\nrequests.post('http://erp.acme.com/api/orders', json=order, timeout=30)\n", line=3),
        Example(
            "import requests\n\nERP_URL = 'http://erp.acme.internal/api'\n\ndef push(order):\n"
            "    return requests.post(f'{ERP_URL}/orders', json=order, timeout=30)\n",
            line=6,
        ),
        Example("import httpx\n\nclient = httpx.Client(base_url='http://billing.acme.com', timeout=10)\n", line=3),
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url='http://acme.my.salesforce.com', session_id=sid)\n", line=3),
        Example("from urllib.request import urlopen\n\nurlopen('http://10.20.0.15/export.csv', timeout=10)\n", line=3),
        Example("SETTINGS = {\n    'token_url': 'http://auth.acme.com/oauth2/token',\n}\n", line=2),
        Example("salesforce:\n  login_url: http://login.salesforce.com\n", path="config/salesforce-sync.yml", line=2),
        Example(
            "- route:\n    from:\n      uri: salesforce:subscribe:/event/Order__e?replayId=-2\n      steps:\n        - to: http://erp.acme.com/api/orders\n",
            path="routes/orders.camel.yaml",
            line=5,
        ),
        Example("openapi: 3.0.3\ninfo:\n  title: ERP\nservers:\n  - url: http://erp.acme.com/api\npaths: {}\n", path="external-services/erp.yaml", line=5),
        Example("swagger: '2.0'\ninfo:\n  title: ERP\nhost: erp.acme.com\nschemes:\n  - http\npaths: {}\n", path="external-services/erp.yaml", line=6),
        # A registration whose spec is kept as YAML in `<schema>`.
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ExternalServiceRegistration xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <label>ERP</label>\n"
            "    <schema>openapi: 3.0.3\ninfo:\n  title: ERP\n  version: '1'\nservers:\n  - url: http://erp.acme.com/api\npaths: {}\n</schema>\n"
            "    <schemaType>OpenApi3</schemaType>\n"
            "</ExternalServiceRegistration>\n",
            path="force-app/main/default/externalServiceRegistrations/ERP.externalServiceRegistration-meta.xml",
            line=9,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        request = http_request(self.facts, node)
        endpoints = [arg for arg in node.args if arg.keyword is not None and arg.keyword.value in ENDPOINT_KEYWORDS]
        if (request is None or request.url is None) and not endpoints:
            return
        callee = callee_label(self.facts, node)
        if request is not None and request.url is not None:
            self._check(request.url, f"{callee} sends its request to")
        for arg in endpoints:
            self._check(arg.value, f"`{arg.keyword.value}=` of {callee} is")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = self.facts.string_template(node.key)
        if key in ENDPOINT_KEYWORDS:
            self._check(node.value, f"The `{key}` entry is")

    def check_config(self, document: ConfigDocument) -> None:
        if document.dialect == OPENAPI:
            self._check_openapi(document)
            return
        for setting in settings(document):
            if _names_endpoint(setting, document):
                for value in each_value(setting.value):
                    self._check_config_value(value, f"{setting.label} is")

    def _check_openapi(self, document: ConfigDocument) -> None:
        for pattern in OPENAPI_SERVERS:
            for match in document.select(pattern):
                self._check_config_value(match.value, "OpenAPI server `url` is", _server_variables(document, match.value))
        for pattern in OPENAPI_AUTH_URLS:
            for match in document.select(pattern):
                self._check_config_value(match.value, f"OpenAPI security scheme `{match.key.text}` is")
        self._check_swagger_schemes(document)

    def _check_swagger_schemes(self, document: ConfigDocument) -> None:
        """Swagger 2 names the scheme apart from the host: `schemes: [http]` with `host: api.acme.com`."""
        root = document.root
        schemes, host = root.get("schemes"), root.scalar("host")
        if not isinstance(schemes, Sequence) or host is None or any(isinstance(item, Scalar) and item.is_("https") for item in schemes.items):
            return
        base = root.scalar("basePath")
        url = plaintext_url(as_template(f"http://{host.text}{base.text if base is not None else ''}"))
        for item in schemes.items:
            if url is not None and isinstance(item, Scalar) and item.is_("http"):
                self._report_plaintext(item, url, f"OpenAPI spec `schemes` offers only `http` for host `{host.text}`: calls go to")

    def _check_config_value(self, value: Node, subject: str, variables: dict[str, str] | None = None) -> None:
        if not isinstance(value, Scalar) or any(char.isspace() for char in value.text.strip()):
            return
        text = value.text.strip()
        if variables is not None:
            text = SERVER_VARIABLE.sub(lambda found: variables.get(found.group(1), "{}"), text)
        url = plaintext_url(as_template(text))
        if url is not None and "." in HOST.match(url[len("http://") :]).group(1):  # a dotless host is a container network's service name
            self._report_plaintext(value, url, subject)

    def _check(self, value: cst.BaseExpression, subject: str) -> None:
        url = plaintext_url(self.facts.string_template(value))
        if url is not None:
            self._report_plaintext(value, url, subject)

    def _report_plaintext(self, value: cst.CSTNode | Scalar, url: str, subject: str) -> None:
        secure = "https://" + url[len("http://") :]
        self.report(
            value,
            f"{subject} `{clipped(url, 72)}` over plain HTTP, so what it sends and receives crosses the network "
            f"unencrypted, readable and alterable by anyone on the path; use `{clipped(secure, 72)}`.",
            hint="use an `https://` URL",
        )


def _names_endpoint(setting: Setting, document: ConfigDocument) -> bool:
    """A key that holds an endpoint (`loginUrl`, `salesforce.instance`, a Camel route's `to`), not a link for people or a proxy."""
    if document.dialect == CAMEL and setting.key.text in CAMEL_ENDPOINT_KEYS:
        return True
    around = path_words(setting.value.path) | set(setting.words)  # `bugs.url`, `license.url`
    return setting.words[-1:] in {(word,) for word in ENDPOINT_WORDS} and not any(
        word in LINK_WORDS or word.removesuffix("s") in LINK_WORDS for word in around
    )


def _server_variables(document: ConfigDocument, url: Node) -> dict[str, str]:
    """The defaults of an OpenAPI server's `variables` (`{host}` in `http://{host}/v1`), by name."""
    server = node_at(document.root, url.path[:-1])
    variables = server.get("variables") if isinstance(server, Mapping) else None
    return {
        entry.key.text: default.text
        for entry in (variables.entries if isinstance(variables, Mapping) else ())
        if isinstance(entry.value, Mapping) and (default := entry.value.scalar("default")) is not None
    }


# -- IL506: TLS verification disabled ------------------------------------------------------

UNVERIFIED_CONTEXT = "ssl._create_unverified_context"
SSL_CONTEXT = "ssl.SSLContext"
# Protocols whose contexts start with CERT_NONE and no host name check (PROTOCOL_TLS_CLIENT checks both).
UNCHECKED_PROTOCOLS = frozenset({"ssl.PROTOCOL_TLS", "ssl.PROTOCOL_SSLv23", "ssl.PROTOCOL_TLSv1", "ssl.PROTOCOL_TLSv1_1", "ssl.PROTOCOL_TLSv1_2"})
# Code that configures or serves with a context: set so, a bare one may be checked after all, or be a server's
# (`wrap_socket(server_side=True)`, a certificate chain loaded, `app.run(ssl_context=...)`, `start_server(ssl=...)`).
CONTEXT_SETUP = re.compile(r"\b(verify_mode|check_hostname|server_side|PROTOCOL_TLS_SERVER|load_cert_chain|ssl_context|start_server|run_app|serve\w*)\b")
CERT_NONE = frozenset({"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"})
AIOHTTP_SSL_KEYWORDS = ("ssl", "verify_ssl")
AIOHTTP_CONNECTOR = "aiohttp.TCPConnector"
TLS_FIX = "keep verification on, and point `verify=` (or `cafile=`) at the CA bundle that signs the endpoint's certificate"
IMPERSONATION = "so anyone on the network path can impersonate the endpoint and read the credentials and data it is sent"
CONFIG_TLS_FIX = "keep verification on, and trust a private CA by adding it to the trust store (or the CA bundle setting) instead"
# Words of config keys that switch certificate checks: `verify_ssl`, `ssl.verify`, `verifyCerts`, `insecure`,
# `insecureSkipTlsVerify`, `disable_ssl_verification`, `trustAllCertificates`. Host name checks alone are left
# out, as in code: some clients match host names themselves.
VERIFY_WORDS = frozenset({"verify", "verification", "validate", "validation"})
TLS_WORDS = frozenset({"ssl", "tls", "cert", "certs", "certificate", "certificates", "https", "peer"})
NEGATION_WORDS = frozenset({"disable", "disabled", "skip", "no", "ignore", "insecure"})
TLS_SWITCH_WORDS = VERIFY_WORDS | TLS_WORDS | NEGATION_WORDS | {"trust", "all", "enable", "enabled", "server"}
TRUST_ALL = ("trust", "all")
TRUE_TEXTS, FALSE_TEXTS = ("true", "yes", "on"), ("false", "no", "off")


class TlsVerificationDisabled(SecurityRule, ConfigRule):
    """
    ## What it does
    Finds code that turns off TLS certificate checks: `verify=False` on
    `requests`/`httpx` calls, sessions and clients (and on `.get/.post/...` of
    an unknown client in a module that imports them), `session.verify = False`,
    aiohttp's `ssl=False`/`verify_ssl=False`, `ssl._create_unverified_context()`
    (called, or installed as the default HTTPS context), `ssl.SSLContext()`
    with no protocol or `PROTOCOL_TLS` (such a context starts with
    `CERT_NONE` and no host name check; flagged at medium confidence where
    the module sets neither `verify_mode` nor `check_hostname`, loads no
    certificate chain and serves nothing), and `ssl.CERT_NONE` (`ctx.verify_mode = ssl.CERT_NONE` — which
    Python accepts only after `check_hostname = False` — and `cert_reqs=...`).

    Not flagged: `urllib3.disable_warnings()` alone (it only hides warnings),
    `check_hostname = False` while certificates are still verified (libraries
    that match host names themselves, connections without a host name), a
    class setting its own `self.verify_mode`, values that come from a
    parameter, and files under test paths.

    In config (every dialect but OpenAPI): a certificate check switched off by
    a key that says so — `verify: false`, `verify_ssl`, `ssl_verify`,
    `sslVerify`, `tls.verify`, `verify_certs`, `ssl_validation` set to `false`
    (a boolean or the text `"false"`, `no`, `off`), or `insecure`,
    `insecure_skip_verify`, `tls_insecure`, `disable_ssl_verification`,
    `skip_tls_verify`, `trust_all_certificates` set to `true`. A `true` on a
    verify key, a reference (`${VERIFY_SSL}`), keys that only name host name
    checks, and keys such as `verify_email` are not flagged; neither are Camel
    `sslContextParameters` beans, whose trust settings live in code.

    ## Why it matters
    Without certificate checks, TLS still encrypts, but to whoever answers: a
    proxy or an attacker on the path can present any certificate and read or
    change the traffic, including the OAuth token or session id. The
    integration patterns guide relies on verified TLS: "One-way SSL is enabled
    by default, but two-way SSL is supported with both self-signed and
    CA-signed certificates to maintain authenticity of both the client and
    server." A private CA belongs in `verify="/path/ca.pem"`, not in
    `verify=False`.

    ## Example
    ```python
    response = requests.post(url, json=body, verify=False, timeout=30)
    ```

    ## Use instead
    ```python
    response = requests.post(url, json=body, verify="/etc/ssl/certs/acme-ca.pem", timeout=30)
    ```
    """

    code = "IL506"
    name = "tls-verification-disabled"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    # A client or `ssl` to turn the checks off on, and `verify`, `ssl=`/`_create_unverified_context` or `CERT_NONE`.
    requires = {
        "py": Requires(imports=("requests", "httpx", "aiohttp", "urllib3", "simple_salesforce", "ssl"), markers=("cert_none",))
        & Requires(markers=("verify", "ssl", "cert_none")),
        "cfg": Requires(markers=("verif", "valid", "insecure", "trust")),  # the key words that switch the checks
    }
    dialects = SETTING_DIALECTS
    security_severity = "7.4"
    tags = ("transport", "external/cwe/cwe-295")
    valid = [
        "import requests\nrequests.get(url, verify='/etc/ssl/certs/acme-ca.pem', timeout=10)\nrequests.get(url, verify=True, timeout=10)\n",
        # Silencing urllib3's warnings alone does not disable anything.
        "import urllib3\nurllib3.disable_warnings()\n",
        "import ssl\nctx = ssl.create_default_context(cafile='ca.pem')\nif ctx.verify_mode == ssl.CERT_NONE:\n    raise RuntimeError('unverified')\n",
        # A parameter's default is the caller's choice, not this code's.
        "import ssl\n\ndef context(mode=ssl.CERT_NONE):\n    ctx = ssl.create_default_context()\n    ctx.verify_mode = mode\n    return ctx\n",
        # Certificates still verified; the host name is matched elsewhere (or there is none).
        "import ssl\nctx = ssl.create_default_context()\nif not server_hostname:\n    ctx.check_hostname = False\n",
        # A context implementation's own default state.
        "import ssl\n\nclass LegacyContext:\n    def __init__(self):\n        self.verify_mode = ssl.CERT_NONE\n",
        Example("import requests\nrequests.get('https://localhost:8443/', verify=False, timeout=5)\n", path="tests/test_client.py"),
        # Not an HTTP client: a form's own verify flag.
        "form.validate(verify=False)\n",
        # Contexts that check, or are set up to: a client protocol, checks turned on, a server's.
        "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n",
        "import ssl\nctx = ssl.SSLContext()\nctx.verify_mode = ssl.CERT_REQUIRED\nctx.check_hostname = True\nctx.load_default_certs()\n",
        "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS)\nctx.load_cert_chain('server.pem')\nconn = ctx.wrap_socket(sock, server_side=True)\n",
        "import ssl\nfrom flask import Flask\napp = Flask(__name__)\nctx = ssl.SSLContext()\napp.run(ssl_context=ctx)\n",
        # Config: checks on, from the environment, or not about certificates.
        Example(
            "salesforce:\n  instance_url: https://acme.my.salesforce.com\n  verify_ssl: true\n  ssl_verify: ${SF_VERIFY_SSL}\n"
            "  insecure: false\n  verify_email: false\n  validate: false\n",
            path="config/salesforce-sync.yml",
        ),
    ]
    invalid = [
        Example("import requests\n\nrequests.post(url, json=body, verify=False, timeout=30)\n", line=3),
        Example(
            "import ssl\nfrom urllib import request\n\nCONTEXT = ssl.SSLContext()\n\n"
            "def call(req):\n    return request.urlopen(req, timeout=30, context=CONTEXT)\n",
            line=4,
        ),
        Example("import requests\n\nVERIFY_TLS = False\nsession = requests.Session()\nsession.get(url, verify=VERIFY_TLS, timeout=30)\n", line=5),
        Example("import requests\n\nsession = requests.Session()\nsession.verify = False\n", line=4),
        Example("import httpx\n\nclient = httpx.AsyncClient(verify=False, timeout=10)\n", line=3),
        Example("import ssl\nimport urllib.request\n\nurllib.request.urlopen(url, context=ssl._create_unverified_context(), timeout=10)\n", line=4),
        Example("import ssl\n\nctx = ssl.create_default_context()\nctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE\n", line=5),
        Example("import aiohttp\n\nconnector = aiohttp.TCPConnector(ssl=False)\n", line=3),
        Example("import urllib3\n\nhttp = urllib3.PoolManager(cert_reqs='CERT_NONE')\n", line=3),
        Example("import requests\n\ndef fetch(http, url):\n    return http.get(url, verify=False, timeout=10)\n", line=4),
        Example("salesforce:\n  instance_url: https://acme.my.salesforce.com\n  verify_ssl: false\n", path="config/salesforce-sync.yml", line=3),
        Example("salesforce.instance=https://acme.my.salesforce.com\nsalesforce.ssl.verify=false\n", path="config/salesforce.properties", line=2),
        Example("salesforce:\n  http:\n    insecureSkipTlsVerify: 'true'\n", path="config/salesforce-sync.yml", line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.facts.qualified_name(node.func)
        if qualified == UNVERIFIED_CONTEXT:
            self.report(
                node,
                f"`{self.facts.source(node.func)}()` builds an SSL context that checks neither the certificate nor the host "
                f"name, {IMPERSONATION}; use `ssl.create_default_context()` (with `cafile=` for a private CA).",
                hint=TLS_FIX,
            )
            return
        if qualified == SSL_CONTEXT and self._unchecked_context(node):
            self.report(
                node,
                f"`{clipped(self.facts.source(node))}` builds an SSL context that starts with neither certificate nor host name "
                f"checks, and nothing here turns them on, {IMPERSONATION}; use `ssl.create_default_context()` "
                "(with `cafile=` for a private CA).",
                hint=TLS_FIX,
                confidence=Confidence.MEDIUM,
            )
            return
        self._check_keywords(node, qualified)

    def _unchecked_context(self, node: cst.Call) -> bool:
        """`ssl.SSLContext()` or `ssl.SSLContext(ssl.PROTOCOL_TLS)`, in a module that neither configures checks nor serves."""
        protocol = argument(node, "protocol", 0)
        if protocol is not None and self.facts.qualified_name(protocol) not in UNCHECKED_PROTOCOLS:
            return False
        return CONTEXT_SETUP.search(self.facts.text) is None

    def visit_Assign(self, node: cst.Assign) -> None:
        value = self.constant(node.value)
        for target in (t.target for t in node.targets):
            if not isinstance(target, cst.Attribute):
                continue
            attr, label = target.attr.value, f"`{clipped(self.facts.source(target))} = {clipped(self.facts.source(node.value))}`"
            if attr == "verify" and is_false(value) and self._is_http_client(target.value):
                self.report(node, f"{label} turns off certificate checks for every request of this session, {IMPERSONATION}; remove it.", hint=TLS_FIX)
            elif attr == "verify_mode" and self._is_cert_none(value) and not _is_self(target.value):
                self.report(node, f"{label} accepts any certificate, {IMPERSONATION}; use `ssl.CERT_REQUIRED`.", hint=TLS_FIX)
            elif self.facts.qualified_name(node.value) == UNVERIFIED_CONTEXT:
                self.report(node, f"{label} makes every HTTPS connection skip certificate checks, {IMPERSONATION}; remove it.", hint=TLS_FIX)

    def _check_keywords(self, node: cst.Call, qualified: str | None) -> None:
        for arg in node.args:
            name = arg.keyword.value if arg.keyword is not None else None
            value = self.constant(arg.value) if name else None
            if name == "verify" and is_false(value):
                confidence = self._http_confidence(node)
                if confidence is not None:
                    self._report_keyword(node, arg, "turns off certificate checks", confidence)
            elif name in AIOHTTP_SSL_KEYWORDS and is_false(value) and self._is_aiohttp(node, qualified):
                self._report_keyword(node, arg, "turns off certificate checks")
            elif name == "cert_reqs" and self._is_cert_none(value):
                self._report_keyword(node, arg, "accepts any certificate")

    def check_config(self, document: ConfigDocument) -> None:
        for setting in settings(document):
            disabling = _disabling_value(setting.words)
            value = setting.value
            if disabling is None or not isinstance(value, Scalar) or not value.is_(*(TRUE_TEXTS if disabling else FALSE_TEXTS)):
                continue
            self.report(value, f"{setting.label} is `{value.text}`, which turns off certificate checks, {IMPERSONATION}; remove it.", hint=CONFIG_TLS_FIX)

    def _report_keyword(self, node: cst.Call, arg: cst.Arg, what: str, confidence: Confidence | None = None) -> None:
        passed = clipped(self.facts.argument_source(arg))
        self.report(arg, f"{callee_label(self.facts, node)} passes `{passed}`, which {what}, {IMPERSONATION}; remove it.", hint=TLS_FIX, confidence=confidence)

    def _http_confidence(self, node: cst.Call) -> Confidence | None:
        """How sure it is that `node` is an HTTP client call: HIGH when the library or client is known, MEDIUM for
        `x.get(...)` on an unknown `x` in a module importing requests/httpx; None when it is not one."""
        if is_http_library_call(self.facts, node):
            return Confidence.HIGH
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in (*HTTP_VERBS, *METHOD_FIRST) and self.facts.imports(*HTTP_MODULES):
            return Confidence.MEDIUM
        return None

    def _is_http_client(self, expr: cst.BaseExpression) -> bool:
        """A requests/httpx client, or the requests session of a simple_salesforce client (`sf.session`)."""
        if self.facts.is_type(expr, *HTTP_CLIENT_TYPES):
            return True
        return isinstance(expr, cst.Attribute) and expr.attr.value == "session" and self.facts.is_type(expr.value, SALESFORCE, SFTYPE)

    def _is_aiohttp(self, node: cst.Call, qualified: str | None) -> bool:
        func = node.func
        return qualified == AIOHTTP_CONNECTOR or (isinstance(func, cst.Attribute) and self.facts.is_method_of(func, AIOHTTP_SESSION))

    def _is_cert_none(self, value: cst.BaseExpression | None) -> bool:
        return value is not None and (self.facts.qualified_name(value) in CERT_NONE or literal_text(value) == "CERT_NONE")


def _disabling_value(key: tuple[str, ...]) -> bool | None:
    """The value that turns certificate checks off for a key, by its words (True for `insecure`, False for
    `verify_ssl`); None for keys that are no such switch (`verify_email`, `validate`, `ssl_verify_hostname`)."""
    tail: tuple[str, ...] = ()
    for word in reversed(key):
        if word not in TLS_SWITCH_WORDS:
            break
        tail = (word, *tail)
    switch = set(tail)
    if "insecure" in switch or any(tail[index : index + 2] == TRUST_ALL for index in range(len(tail))):
        return True
    if not switch & VERIFY_WORDS or not (switch & TLS_WORDS or tail == ("verify",)):
        return None
    return bool(switch & NEGATION_WORDS)


def _is_self(expr: cst.BaseExpression) -> bool:
    """`self.verify_mode = ...` sets the state of a class that implements a context, not a client's choice."""
    return isinstance(expr, cst.Name) and expr.value == "self"
