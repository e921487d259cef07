"""IL501 and IL502: logins with a username and password, and the SOAP login they may still use."""

from __future__ import annotations

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, Requires
from lint.rules.requirements import NETWORK_CALLS
from lint.rules.security.common import OAUTH_PASSWORD, SOAP_LOGIN_REMOVED, SecurityRule, api_version, callee_label, password_login, token_request

JWT_FIX = "use the JWT bearer flow (`consumer_key=`, `privatekey_file=`) or client credentials"
PASSWORD_AUTHENTICATOR = frozenset({"aiosfstream.PasswordAuthenticator", "aiosfstream.auth.PasswordAuthenticator"})
STREAMING_CLIENT = frozenset({"aiosfstream.SalesforceStreamingClient", "aiosfstream.client.SalesforceStreamingClient"})


class PasswordFlow(SecurityRule):
    """
    ## What it does
    Finds logins to Salesforce with a username and password: simple_salesforce
    `Salesforce(username=..., password=..., security_token=...)` (or with
    `organizationId=`, or with `consumer_key=`/`consumer_secret=`),
    `SalesforceLogin(...)` with a password, OAuth token requests with
    `grant_type=password` (a `data=` dict or form string), and aiosfstream's
    `PasswordAuthenticator` and `SalesforceStreamingClient`. Files under test
    paths (`tests/`, `test/`, `test_*.py`, `*_test.py`, `conftest.py`) are not
    checked.

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
    requires = NETWORK_CALLS | Requires(imports=("aiosfstream",))  # logins, token requests, aiosfstream's authenticators
    security_severity = "5.3"
    tags = ("credentials",)
    valid = [
        # JWT bearer, client credentials and an existing session.
        "from simple_salesforce import Salesforce\n"
        "jwt = Salesforce(username=user, consumer_key=key, privatekey_file='server.key')\n"
        "app = Salesforce(consumer_key=key, consumer_secret=secret, domain='acme.my')\n"
        "direct = Salesforce(instance_url=url, session_id=token)\n",
        # An explicit None is no password.
        "from simple_salesforce import SalesforceLogin\nSalesforceLogin(username=user, password=None, consumer_key=key, privatekey=pem)\n",
        "import requests\nrequests.post('https://login.salesforce.com/services/oauth2/token', data={'grant_type': 'client_credentials'}, timeout=10)\n",
        # A password grant to a non-Salesforce token endpoint is someone else's policy.
        "import requests\nrequests.post('https://idp.internal/realms/ops/protocol/openid-connect/token', data={'grant_type': 'password'}, timeout=10)\n",
        "from aiosfstream import Client, RefreshTokenAuthenticator\nclient = Client(RefreshTokenAuthenticator(consumer_key=key, consumer_secret=secret, refresh_token=refresh))\n",
        # Test code may log in with a throwaway user.
        Example("from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t)\n", path="tests/test_sync.py"),
        Example("from simple_salesforce import Salesforce\nsf = Salesforce(username=u, password=p, security_token=t)\n", path="conftest.py"),
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
        Example("from aiosfstream import PasswordAuthenticator\n\nauth = PasswordAuthenticator(consumer_key=k, consumer_secret=s, username=u, password=p)\n", line=3),
        Example("from aiosfstream import SalesforceStreamingClient\n\nclient = SalesforceStreamingClient(consumer_key=k, consumer_secret=s, username=u, password=p)\n", line=3),
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
        else:
            self._check_token_request(node)

    def _check_token_request(self, node: cst.Call) -> None:
        found = token_request(self, node)
        if found is not None and found.grant == "password":
            self._report(
                node,
                f"requests an OAuth token with `grant_type=password` (the username-password flow), {OAUTH_PASSWORD.drawbacks}",
                "request `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` (JWT bearer) or `client_credentials`",
                None if found.endpoint else Confidence.MEDIUM,
            )

    def _report(self, node: cst.Call, what: str, fix: str = JWT_FIX, confidence: Confidence | None = None) -> None:
        self.report(
            node,
            f"{callee_label(self.facts, node)} {what}; {fix}.",
            hint=fix,
            confidence=confidence,
        )


class SoapLoginUnavailable(SecurityRule):
    """
    ## What it does
    Finds simple_salesforce logins with a password and security token (or an
    `organizationId`) that ask for API version 65.0 or later:
    `Salesforce(..., version="65.0")` or `SalesforceLogin(..., sf_version="65.0")`.
    Unlike the rest of the family it also checks tests: the login fails
    wherever it runs.

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
    requires = Requires(imports=("simple_salesforce",))  # its logins, named through the import
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
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(username=u, password=p, security_token=t, version='65.0')\n", line=3),
        Example("from simple_salesforce import SalesforceLogin\n\nsid, host = SalesforceLogin(u, p, None, org, 66.0)\n", line=3),
        Example("from simple_salesforce import Salesforce\n\nVERSION = '65.0'\nsf = Salesforce(u, p, t, version=VERSION)\n", line=4),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        login = password_login(self, node)
        if login is None or not login.kind.soap or login.version is None:
            return
        version = api_version(self.constant(login.version))
        if version is not None and version >= SOAP_LOGIN_REMOVED:
            self.report(
                node,
                f"{callee_label(self.facts, node)} logs in with {login.kind.credentials} at API version {version:.1f}, which "
                f"simple_salesforce sends to SOAP `login()`, unavailable from API {SOAP_LOGIN_REMOVED:.1f}, so every login fails; {JWT_FIX}.",
                hint=JWT_FIX,
            )
