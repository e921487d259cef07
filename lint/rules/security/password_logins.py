"""IL501 and IL502: logins with a username and password, and the SOAP login they may still use."""

from __future__ import annotations

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, Requires
from lint.rules.requirements import NETWORK_CALLS
from lint.rules.security.common import (
    OAUTH_PASSWORD,
    SOAP_LOGIN_REMOVED,
    SOAP_PASSWORD,
    SecurityRule,
    api_version,
    callee_label,
    password_login,
    soap_login_request,
    token_request,
)
from lint.sources.config_camel import Endpoint, endpoints
from lint.sources.config_dialects import CAMEL, KAFKA_CONNECT, SETTING_DIALECTS
from lint.sources.config_model import ConfigDocument, Scalar, is_reference
from lint.sources.config_settings import Group, Name, Setting, about_salesforce, ends_with, groups, words

JWT_FIX = "use the JWT bearer flow (`consumer_key=`, `privatekey_file=`) or client credentials"
TOKEN_FIX = "request `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` (JWT bearer) or `client_credentials`"

# -- config: the settings of a login, as words (config_settings) -------------------------------

PASSWORD: Name = ("password",)
USERNAMES: tuple[Name, ...] = (("username",), ("user", "name"), ("user",))
# Settings that pick the flow: OAuth's `grant_type` (Kafka Connect's `salesforce.grant.type`), Camel's `authenticationType`.
FLOW_NAMES: tuple[Name, ...] = (("grant", "type"), ("authentication", "type"), ("auth", "type"))
PASSWORD_FLOWS = ("password", "username_password")
# Credentials of other flows: with one of them beside a password the flow is not known here.
OTHER_CREDENTIALS: tuple[Name, ...] = (("refresh", "token"), ("keystore",), ("private", "key"), ("privatekey",), ("jwt",))
LOGIN_NAMES = (PASSWORD, *USERNAMES, *FLOW_NAMES, *OTHER_CREDENTIALS)
CONFIG_FIXES = {
    CAMEL: "use the JWT bearer flow (`authenticationType: JWT` with a `keystore`) or `CLIENT_CREDENTIALS`",
    KAFKA_CONNECT: "set `salesforce.grant.type=JWT_BEARER` with a keystore (`salesforce.jwt.keystore.path`)",
}
CONFIG_FIX = "use the JWT bearer flow (a connected app and a certificate) or the client credentials flow"
OAUTH_LOGIN = f"{OAUTH_PASSWORD.described}, {OAUTH_PASSWORD.drawbacks}"
# Where the flow is not known here (a tap may use SOAP `login()` or OAuth): what every password login shares.
PASSWORD_LOGIN = "a username and password, a person-like credential that cannot use MFA and breaks when someone resets the password"
PASSWORD_AUTHENTICATOR = frozenset({"aiosfstream.PasswordAuthenticator", "aiosfstream.auth.PasswordAuthenticator"})
STREAMING_CLIENT = frozenset({"aiosfstream.SalesforceStreamingClient", "aiosfstream.client.SalesforceStreamingClient"})


class PasswordFlow(SecurityRule, ConfigRule):
    """
    ## What it does
    Finds logins to Salesforce with a username and password: simple_salesforce
    `Salesforce(username=..., password=..., security_token=...)` (or with
    `organizationId=`, or with `consumer_key=`/`consumer_secret=`),
    `SalesforceLogin(...)` with a password, OAuth token requests with
    `grant_type=password` (a `data=` dict, `dict(...)` or form string), SOAP
    `login()` requests sent by hand (a POST to `/services/Soap/u/` or `/c/` with
    a `SOAPAction: login` header or a `login` element in its envelope), and
    aiosfstream's `PasswordAuthenticator` and `SalesforceStreamingClient`. Files under test
    paths (`tests/`, `test/`, `test_*.py`, `*_test.py`, `conftest.py`) are not
    checked, nor is a login that also passes another flow's credentials
    (`session_id=` with `instance_url=`, `consumer_key=` with a private key):
    simple_salesforce then uses the first set whose values are not None at run
    time, so configuration picks the flow, as in a connector offering them all.

    In config: a flow chosen by name (`grant_type: password`, Kafka Connect's
    `salesforce.grant.type=PASSWORD`, Camel's `authenticationType:
    USERNAME_PASSWORD`), and a password set beside a username with no other
    flow's credential (refresh token, keystore, private key) — Camel
    `salesforce:` endpoint options and Salesforce component beans,
    `camel.component.salesforce.*` settings, a Kafka Connect Salesforce
    connector without `salesforce.grant.type` (it defaults to PASSWORD), a
    Singer or Meltano Salesforce tap's `username`/`password`. References count
    (`password: ${SF_PASSWORD}` still logs in with a password). Outside
    connectors and taps, the settings must be Salesforce's: named so
    (`salesforce.password`, `sf: {...}`) or beside a Salesforce URL or
    security token.

    ## Why it matters
    A password login ties the integration to a person-like credential that
    cannot use MFA, expires, and breaks when someone resets it (which also resets
    the security token). Salesforce blocks the OAuth username-password flow by
    default in new orgs, and SOAP `login()` is unavailable from API 65.0. The
    integration patterns guide: "We recommend that the remote system establish
    an OAuth trust for authorization." The JWT bearer flow (a connected app and a
    certificate) or the client credentials flow give the integration its own
    credential.

    ## Example
    ```python
    from simple_salesforce import Salesforce

    sf = Salesforce(username=user, password=password, security_token=token)
    ```

    ## Use instead
    ```python
    import os

    from simple_salesforce import Salesforce

    sf = Salesforce(
        username=os.environ["SF_USERNAME"],
        consumer_key=os.environ["SF_CONSUMER_KEY"],
        privatekey_file=os.environ["SF_PRIVATE_KEY_FILE"],
    )
    ```
    """

    code = "IL501"
    name = "password-flow"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    # Logins, token requests, aiosfstream's authenticators; in config, a password or a flow named after one.
    requires = {"py": NETWORK_CALLS | Requires(imports=("aiosfstream",)), "cfg": Requires(markers=("password",))}
    dialects = SETTING_DIALECTS
    security_severity = "5.3"
    tags = ("credentials",)
    valid = [
        # JWT bearer, client credentials and an existing session.
        "from simple_salesforce import Salesforce\n"
        "jwt = Salesforce(username=user, consumer_key=key, privatekey_file='server.key')\n"
        "app = Salesforce(consumer_key=key, consumer_secret=secret, domain='acme.my')\n"
        "direct = Salesforce(instance_url=url, session_id=token)\n",
        # A connector offering every flow: configuration decides which credentials are None.
        "from simple_salesforce import Salesforce\n\n"
        "def connect(conn, extras):\n"
        "    return Salesforce(\n"
        "        username=conn.login, password=conn.password, security_token=extras.get('security_token') or None,\n"
        "        session_id=extras.get('session_id'), instance_url=extras.get('instance_url'),\n"
        "        consumer_key=extras.get('consumer_key'), privatekey_file=extras.get('private_key_file'),\n"
        "    )\n",
        # An explicit None is no password.
        "from simple_salesforce import SalesforceLogin\nSalesforceLogin(username=user, password=None, consumer_key=key, privatekey=pem)\n",
        "import requests\nrequests.post('https://login.salesforce.com/services/oauth2/token', data={'grant_type': 'client_credentials'}, timeout=10)\n",
        # A password grant to a non-Salesforce token endpoint is someone else's policy.
        "import requests\nrequests.post('https://idp.internal/realms/ops/protocol/openid-connect/token', data={'grant_type': 'password'}, timeout=10)\n",
        # Other SOAP calls carry the session id a login gave, not a password.
        "import requests\nrequests.post(f'{instance}/services/Soap/u/61.0', data=query_envelope, headers={'SOAPAction': 'query'}, timeout=10)\n",
        "from aiosfstream import Client, RefreshTokenAuthenticator\nclient = Client(RefreshTokenAuthenticator(consumer_key=key, consumer_secret=secret, refresh_token=refresh))\n",
        # Test code may log in with a throwaway user.
        Example("from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t)\n", path="tests/test_sync.py"),
        Example("from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t)\n", path="conftest.py"),
        # Config: JWT bearer, a refresh token beside the password, and another system's login in a Salesforce file.
        Example(
            "name=salesforce-cdc\nconnector.class=io.confluent.salesforce.SalesforceCdcSourceConnector\nsalesforce.grant.type=JWT_BEARER\n"
            "salesforce.username=etl@acme.com\nsalesforce.jwt.keystore.path=/secrets/sf.jks\n",
            path="connect/salesforce-cdc.properties",
        ),
        Example(
            "- route:\n    from:\n      uri: salesforce:subscribe:/event/Order__e\n      parameters:\n        userName: '{{sf.user}}'\n"
            "        password: '{{sf.password}}'\n        refreshToken: '{{sf.refresh}}'\n      steps:\n        - to: kafka:orders\n",
            path="routes/orders.camel.yaml",
        ),
        Example(
            "salesforce:\n  instance_url: https://acme.my.salesforce.com\ndatabase:\n  username: etl\n  password: ${DB_PASSWORD}\n",
            path="config/sync.yml",
        ),
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(username=user, password=pw, security_token=token)\n", line=3),
        Example("import simple_salesforce as ss\n\nsf = ss.Salesforce(user, pw, token)\n", line=3),
        Example("from simple_salesforce import Salesforce as SF\n\nsf = SF(username=u, password=p, consumer_key=k, consumer_secret=s)\n", line=3),
        Example("from simple_salesforce import SalesforceLogin\n\nsession_id, instance = SalesforceLogin(username=u, password=p, organizationId=org)\n", line=3),
        Example(
            "import requests\n\n"
            "TOKEN_URL = 'https://login.salesforce.com/services/oauth2/token'\n\n"
            "def token():\n"
            "    payload = {'grant_type': 'password', 'client_id': cid, 'client_secret': secret, 'username': u, 'password': p}\n"
            "    return requests.post(TOKEN_URL, data=payload, timeout=10).json()['access_token']\n",
            line=7,
        ),
        Example("import httpx\n\nhttpx.post(f'{LOGIN}/services/oauth2/token', content=f'grant_type=password&username={u}&password={p}')\n", line=3),
        Example(
            "import requests\n\n"
            "def token(session: requests.Session, url, user, password):\n"
            "    body = dict(grant_type='password', client_id=CLIENT_ID, client_secret=SECRET, username=user, password=password)\n"
            "    return session.post(f'{url}/services/oauth2/token', data=body, timeout=10)\n",
            line=5,
        ),
        Example(
            "import requests\n\n"
            "LOGIN_ENVELOPE = '<env:Envelope><env:Body><n1:login xmlns:n1=\"urn:partner.soap.sforce.com\">'\n\n"
            "def session_id(user, password):\n"
            "    body = LOGIN_ENVELOPE + f'<n1:username>{user}</n1:username><n1:password>{password}</n1:password></n1:login></env:Body></env:Envelope>'\n"
            "    reply = requests.post(f'{LOGIN_URL}/services/Soap/u/61.0', data=body, headers={'Content-Type': 'text/xml', 'SOAPAction': 'login'}, timeout=10)\n"
            "    return reply.text\n",
            line=7,
        ),
        Example("from aiosfstream import PasswordAuthenticator\n\nauth = PasswordAuthenticator(consumer_key=k, consumer_secret=s, username=u, password=p)\n", line=3),
        Example("from aiosfstream import SalesforceStreamingClient\n\nclient = SalesforceStreamingClient(consumer_key=k, consumer_secret=s, username=u, password=p)\n", line=3),
        Example(
            "- route:\n    from:\n      uri: salesforce:subscribe:/event/Order__e?authenticationType=USERNAME_PASSWORD\n      steps:\n        - to: kafka:orders\n",
            path="routes/orders.camel.yaml",
            line=3,
        ),
        Example(
            "name=salesforce-leads\nconnector.class=io.confluent.salesforce.SalesforceSObjectSinkConnector\n"
            "salesforce.username=${env:SF_USER}\nsalesforce.password=${env:SF_PASSWORD}\n",
            path="connect/salesforce-leads.properties",
            line=4,
        ),
        Example(
            "camel.component.salesforce.login-url=https://login.salesforce.com\ncamel.component.salesforce.user-name=${SF_USER}\n"
            "camel.component.salesforce.password=${SF_PASSWORD}\n",
            path="src/main/resources/application.properties",
            line=3,
        ),
        Example("salesforce:\n  grant_type: password\n  client_id: ${SF_CLIENT_ID}\n", path="config/sync.yml", line=2),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        login = password_login(self, node)
        if login is not None:
            self._report(node, f"logs in with {login.kind.described}, {login.kind.drawbacks}")
            return
        qualified = self.facts.qualified_name(node.func)
        oauth = f"{OAUTH_PASSWORD.described}, {OAUTH_PASSWORD.drawbacks}"
        if qualified in PASSWORD_AUTHENTICATOR:
            self._report(node, f"authenticates the streaming client with {oauth}", "use `RefreshTokenAuthenticator`")
        elif qualified in STREAMING_CLIENT:
            self._report(node, f"always authenticates with {oauth}", "use `Client(RefreshTokenAuthenticator(...))`")
        elif soap_login_request(self, node) is not None:
            self._report(node, f"logs in with {SOAP_PASSWORD.described}, {SOAP_PASSWORD.drawbacks}", TOKEN_FIX)
        else:
            self._check_token_request(node)

    def check_config(self, document: ConfigDocument) -> None:
        fix = CONFIG_FIXES.get(document.dialect, CONFIG_FIX)
        oauth = document.dialect in (CAMEL, KAFKA_CONNECT)  # both send the password to the OAuth token endpoint
        for group in groups(document, LOGIN_NAMES):
            if about_salesforce(document, group):
                self._check_login(group, fix, kafka=document.dialect == KAFKA_CONNECT, oauth=oauth)
        if document.dialect == CAMEL:
            for endpoint in endpoints(document.root):
                self._check_login(_endpoint_login(endpoint), fix, kafka=False, oauth=True)

    def _check_login(self, group: Group, fix: str, *, kafka: bool, oauth: bool) -> None:
        """A flow chosen by name, or else a password beside a username and no credential of another flow."""
        flow = group.get(*FLOW_NAMES)
        chosen = flow.value if flow is not None and isinstance(flow.value, Scalar) and not is_reference(flow.value) and flow.value.text else None
        if chosen is not None:
            if chosen.is_(*PASSWORD_FLOWS):
                self._report_config(chosen, f"{flow.label} is `{chosen.text}`, so it logs in with {OAUTH_LOGIN}", fix)
            return
        password, user = group.get(PASSWORD), group.get(*USERNAMES)
        if password is None or password.literal is None or user is None or user.literal is None:
            return
        if any(other.literal is not None for name in OTHER_CREDENTIALS if (other := group.get(name)) is not None):
            return
        default = f" and no `{user.key.text.rsplit('.', 1)[0]}.grant.type` (it defaults to PASSWORD)" if kafka else ""
        login = OAUTH_LOGIN if oauth else PASSWORD_LOGIN
        self._report_config(password.key, f"{password.label} is set with `{user.key.text}`{default}, so it logs in with {login}", fix)

    def _report_config(self, node: Scalar, what: str, fix: str) -> None:
        self.report(node, f"{what}; {fix}.", hint=fix)

    def _check_token_request(self, node: cst.Call) -> None:
        found = token_request(self, node)
        if found is not None and found.grant == "password":
            self._report(
                node,
                f"requests an OAuth token with `grant_type=password` (the username-password flow), {OAUTH_PASSWORD.drawbacks}",
                TOKEN_FIX,
                None if found.endpoint else Confidence.MEDIUM,
            )

    def _report(self, node: cst.Call, what: str, fix: str = JWT_FIX, confidence: Confidence | None = None) -> None:
        self.report(
            node,
            f"{callee_label(self.facts, node)} {what}; {fix}.",
            hint=fix,
            confidence=confidence,
        )


def _endpoint_login(endpoint: Endpoint) -> Group:
    """A Camel endpoint's login options (inline or `parameters:`) as one group of settings."""
    group = Group(endpoint.parameters, ())
    for option, value in endpoint.options.items():
        name = ends_with(words(option), *LOGIN_NAMES)
        if name is not None:
            group.named.setdefault(name, Setting(value, value, option, f"Camel endpoint `{endpoint.label}` option `{option}`"))
    return group


class SoapLoginUnavailable(SecurityRule):
    """
    ## What it does
    Finds simple_salesforce logins with a password and security token (or an
    `organizationId`) that ask for API version 65.0 or later:
    `Salesforce(..., version="65.0")` or `SalesforceLogin(..., sf_version="65.0")`,
    and SOAP `login()` requests sent by hand to a version 65.0 or later endpoint
    (`/services/Soap/u/65.0`, read as IL501 reads them). Unlike the rest of the
    family it also checks tests: the login fails wherever it runs.

    ## Why it matters
    simple_salesforce performs these logins with SOAP `login()` at the requested
    API version, and SOAP `login()` is unavailable from API 65.0: raising the
    version makes every login fail. A username and password with
    `consumer_key`/`consumer_secret` goes through OAuth instead and is IL501's
    concern. The integration patterns guide notes the cost of this call even
    where it works: "You can make a maximum of 3,600 calls to the login()
    function per user per hour."

    ## Example
    ```python
    sf = Salesforce(username=user, password=password, security_token=token, version="65.0")
    ```

    ## Use instead
    ```python
    sf = Salesforce(username=user, consumer_key=key, privatekey_file="server.key", version="65.0")
    ```
    """

    code = "IL502"
    name = "soap-login-unavailable"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = NETWORK_CALLS  # simple_salesforce's logins, and SOAP logins sent with an HTTP client
    checks_tests = True  # the login fails wherever it runs
    security_severity = "3.1"
    tags = ("credentials",)
    valid = [
        "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t, version='64.0')\n",
        # OAuth username-password goes through the token endpoint, not SOAP.
        "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, consumer_key=k, consumer_secret=s, version='65.0')\n",
        "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, consumer_key=k, privatekey_file='server.key', version='66.0')\n",
        # No version given: the library's default, below 65.0.
        "from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t)\n",
        "import requests\nrequests.post(f'{LOGIN_URL}/services/Soap/u/64.0', data=envelope, headers={'SOAPAction': 'login'}, timeout=10)\n",
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(username=u, password=p, security_token=t, version='65.0')\n", line=3),
        Example("from simple_salesforce import SalesforceLogin\n\nsid, host = SalesforceLogin(u, p, None, org, 66.0)\n", line=3),
        Example("from simple_salesforce import Salesforce\n\nVERSION = '65.0'\nsf = Salesforce(u, p, t, version=VERSION)\n", line=4),
        Example(
            "import requests\n\n"
            "def login(envelope):\n"
            "    return requests.post(LOGIN_URL + '/services/Soap/c/66.0', data=envelope, headers={'SOAPAction': '\"login\"'}, timeout=10)\n",
            path="tests/test_login.py",
            line=4,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        login = password_login(self, node)
        if login is not None:
            version = api_version(self.constant(login.version)) if login.kind.soap and login.version is not None else None
            if _unavailable(version):
                self._report(node, f"logs in with {login.kind.credentials} at API version {version:.1f}, which simple_salesforce sends to SOAP `login()`", JWT_FIX)
            return
        request = soap_login_request(self, node)
        if request is not None and _unavailable(request.version):
            self._report(node, f"sends SOAP `login()` to the API version {request.version:.1f} endpoint", TOKEN_FIX)

    def _report(self, node: cst.Call, what: str, fix: str) -> None:
        self.report(node, f"{callee_label(self.facts, node)} {what}, unavailable from API {SOAP_LOGIN_REMOVED:.1f}, so every login fails; {fix}.", hint=fix)


def _unavailable(version: float | None) -> bool:
    """An API version from which SOAP `login()` is unavailable."""
    return version is not None and version >= SOAP_LOGIN_REMOVED
