"""IL504: credentials written into code or configuration."""

from __future__ import annotations

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, Requires
from lint.rules.security.common import LOGIN_SIGNATURES, SecurityRule, callee_label
from lint.sources.config_dialects import SETTING_DIALECTS
from lint.sources.config_model import ConfigDocument, Node, Scalar, is_reference
from lint.sources.config_settings import ends_with, name_value_pairs, settings, words
from lint.sources.python_calls import clipped, literal_text, positional
from lint.sources.secrets import SECRET_KEY_NAMES, SECRET_NAMES, bearer_token, is_file_path, is_private_key, looks_like_secret

# -- IL504: hard-coded secrets -----------------------------------------------------------

SECRET_FIX = "read it at run time from the environment (`os.environ[...]`) or a secret manager, and rotate the exposed value"
CONFIG_SECRET_FIX = "reference it from the environment or a secret store instead (`${SF_PASSWORD}`, `${file:...}`, a vault), and rotate the exposed value"
# What a config file must say to hold a credential under one of SECRET_KEY_NAMES.
SECRET_KEY_MARKERS = ("password", "secret", "token", "private", "session")


class HardcodedSecret(SecurityRule, ConfigRule):
    """
    ## What it does
    Finds credentials written into the code: a string literal (directly, or
    through a constant) given to `password`, `security_token`,
    `consumer_secret`, `client_secret`, `privatekey`, `session_id` or
    `refresh_token` — as a keyword argument, a positional argument of
    `Salesforce(...)`/`SalesforceLogin(...)`, a dict entry (a token request's
    body, a `**` config) or a parameter's default — and literal
    `Authorization: Bearer ...` headers.

    Not flagged: empty strings, very short values, obvious placeholders
    (`changeme`, `xxx`, `<...>`, `${...}`, `{{...}}`, `your_...`, a value equal
    to its key), names of environment variables (`SF_PASSWORD`), values read at
    run time (`os.environ[...]`, `os.getenv(...)`, `settings.X`, a vault or
    AWS Secrets Manager client), and files under test paths.

    In config (every dialect but OpenAPI, whose values are examples): keys
    named like those credentials however they are spelled (`clientSecret`,
    `SF_PASSWORD`, `salesforce.consumer.secret`, `salesforce.password.token`,
    `jwt.keystore.password`, `access_token`), Kubernetes-style `name`/`value`
    pairs naming one, and Camel endpoint options (`?password=...`), holding a
    literal. References are not literals: `${SF_PASSWORD}`, `${env:...}`,
    `${file:...}`, `{{password}}`, `$VAR`, `!ENV`, `ENC(...)`, `{cipher}...`,
    Keboola's `#password` keys; neither are file paths (`/run/secrets/sf`,
    `server.key`), nor descriptions and examples. The message never repeats the
    value.

    ## Why it matters
    A secret in source control is readable by everyone with access to the
    repository, its forks, CI logs and backups, for as long as the history
    exists; removing the line does not revoke it. With Salesforce credentials
    that means API access with the integration user's permissions.

    ## Example
    ```python
    sf = Salesforce(username="etl@acme.com", password="Winter2024!", security_token="x7RkQ2mVb9LpT4sWc1Nd")
    ```

    ## Use instead
    ```python
    sf = Salesforce(
        username=os.environ["SF_USERNAME"],
        consumer_key=os.environ["SF_CONSUMER_KEY"],
        privatekey=secrets_client.get_secret_value(SecretId="sf/jwt-key")["SecretString"],
    )
    ```
    """

    code = "IL504"
    name = "hardcoded-secret"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    # A credential's name as a keyword, key or parameter (or a login's position), or an Authorization header.
    requires = {
        "py": Requires(imports=("simple_salesforce",), markers=(*sorted(SECRET_NAMES), "authorization")),
        "cfg": Requires(markers=SECRET_KEY_MARKERS),
    }
    dialects = SETTING_DIALECTS
    security_severity = "7.5"
    tags = ("credentials", "external/cwe/cwe-798")
    valid = [
        "import os\nfrom simple_salesforce import Salesforce\n"
        "sf = Salesforce(username=os.environ['SF_USER'], password=os.getenv('SF_PASSWORD'), security_token=settings.SF_TOKEN)\n",
        # Placeholders, empty values, names of variables and config keys.
        "connect(password='')\nconnect(password='changeme')\nconnect(client_secret='<client-secret>')\n"
        "connect(client_secret='${SF_CLIENT_SECRET}')\nconnect(refresh_token='{{ refresh_token }}')\n"
        "connect(password='your_password_here')\nconnect(password='xxxxxxxx')\nconnect(password='SF_PASSWORD')\n"
        "connect(password='salesforce.password')\n",
        "FIELDS = {'password': 'password', 'client_secret': 'Client Secret'}\n",
        "import requests\nrequests.get(url, headers={'Authorization': f'Bearer {token}'}, timeout=10)\n"
        "requests.get(url, headers={'Authorization': 'Bearer <access-token>'}, timeout=10)\n",
        # A secret manager, and a default handed in by the caller at run time.
        "import boto3\nsecret = boto3.client('secretsmanager').get_secret_value(SecretId='sf/password')['SecretString']\n"
        "connect(password=secret)\n",
        Example("from simple_salesforce import Salesforce\nsf = Salesforce(username='qa@acme.com', password='Qa-Passw0rd!', security_token='k3Jd8sLq0PzX')\n", path="tests/test_login.py"),
        # Config: references, placeholders, a file holding the key, and a spec's example.
        Example(
            "salesforce:\n  username: etl@acme.com\n  password: ${env:SF_PASSWORD}\n  client_secret: '{{ sf_client_secret }}'\n"
            "  refresh_token: !ENV ${SF_REFRESH_TOKEN}\n  security_token: changeme\n  private_key: /run/secrets/salesforce.key\n",
            path="config/salesforce-sync.yml",
        ),
        Example(
            "salesforce.instance=https://acme.my.salesforce.com\nsalesforce.password=${file:/opt/connect/secrets/salesforce.properties:password}\n",
            path="connect/salesforce-source.properties",
        ),
        Example("salesforce:\n  password: Winter2024!\n", path="src/test/resources/application.yml"),
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(username='etl@acme.com', password='Winter2024!', security_token=token)\n", line=3),
        Example("from simple_salesforce import Salesforce\n\nSF_TOKEN = 'x7RkQ2mVb9LpT4sWc1Nd'\nsf = Salesforce(user, pw, SF_TOKEN)\n", line=4),
        Example(
            "import requests\n\n"
            "payload = {\n"
            "    'grant_type': 'client_credentials',\n"
            "    'client_id': '3MVG9xOCXq4ID1uG',\n"
            "    'client_secret': '8A1D7E0F2C4B6A9D',\n"
            "}\n",
            line=6,
        ),
        Example("import requests\n\nHEADERS = {'Authorization': 'Bearer 00D5e000000AbCd!AQ4AQFh8hPq'}\n", line=3),
        Example("import requests\n\nsession = requests.Session()\nsession.headers['Authorization'] = 'Bearer 00D5e000000AbCd!AQ4AQFh8hPq'\n", line=4),
        Example("def connect(user, password='Tr0ub4dor&3'):\n    return login(user, password)\n", line=1),
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=url, session_id='00D5e000000AbCd!AQ4AQFh8hPq')\n", line=3),
        Example("salesforce:\n  instance_url: https://acme.my.salesforce.com\n  clientSecret: 8A1D7E0F2C4B6A9D\n", path="config/salesforce-sync.yml", line=3),
        Example(
            "name=salesforce-leads\nconnector.class=io.confluent.salesforce.SalesforcePushTopicSourceConnector\nsalesforce.password.token=x7RkQ2mVb9LpT4sWc1Nd\n",
            path="connect/salesforce-leads.properties",
            line=3,
        ),
        Example(
            "env:\n  - name: SALESFORCE_INSTANCE\n    value: https://acme.my.salesforce.com\n  - name: SALESFORCE_PASSWORD\n    value: Winter2024!\n",
            path="deploy/sync.yaml",
            line=5,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        """Credentials passed by keyword to any call, and by position to `Salesforce(...)`/`SalesforceLogin(...)`."""
        params = LOGIN_SIGNATURES.get(self.facts.qualified_name(node.func), ())
        if not params and not any(arg.keyword is not None and arg.keyword.value in SECRET_NAMES for arg in node.args):
            return  # rendering the callee costs a code generation of the call chain: only when needed
        callee = callee_label(self.facts, node)
        for name, arg in zip(params, positional(node)):
            if name in SECRET_NAMES:
                self._check(arg.value, name, f"the `{name}` argument of {callee}")
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in SECRET_NAMES:
                self._check(arg.value, arg.keyword.value, f"`{arg.keyword.value}=` of {callee}")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = self.facts.string_template(node.key)
        if key is None:
            return
        if key.lower() in SECRET_NAMES:
            self._check(node.value, key, f"the `{key}` entry")
        elif key.lower() == "authorization":
            self._check_bearer(node.value, "the `Authorization` header")

    def visit_Assign(self, node: cst.Assign) -> None:
        """`session.headers["Authorization"] = "Bearer ..."`."""
        for target in node.targets:
            if isinstance(target.target, cst.Subscript) and (self.facts.subscript_key(target.target) or "").lower() == "authorization":
                self._check_bearer(node.value, "the `Authorization` header")

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None and node.name.value in SECRET_NAMES:
            self._check(node.default, node.name.value, f"the default of parameter `{node.name.value}`", follow=False)

    def _check(self, value: cst.BaseExpression, name: str, where: str, follow: bool = True) -> None:
        resolved = self.constant(value) if follow else value
        text = literal_text(resolved)
        if text is None or not looks_like_secret(text, name):
            return
        via = f" (`{clipped(self.facts.source(value))}` is a literal)" if resolved is not value else ""
        what = "private key" if is_private_key(text) else "secret"
        self._report(value, f"{where} is a hard-coded {what}{via}")

    def _check_bearer(self, value: cst.BaseExpression, where: str) -> None:
        if bearer_token(literal_text(self.constant(value)) or ""):
            self._report(value, f"{where} carries a hard-coded bearer token")

    def check_config(self, document: ConfigDocument) -> None:
        for setting in settings(document):
            if setting.named(*SECRET_KEY_NAMES):
                self._check_literal(setting.value, setting.key, "".join(setting.words), setting.label)
        for name, value in name_value_pairs(document):
            if ends_with(words(name.text), *SECRET_KEY_NAMES):
                self._check_literal(value, None, name.text, f"The value of `{name.text}`")

    def _check_literal(self, value: Node, key: Scalar | None, name: str, where: str) -> None:
        """`name` is the credential's name, which a value equal to it only repeats (`password: password`)."""
        text = value.text if isinstance(value, Scalar) and isinstance(value.value, str) else ""
        if not text or is_reference(value, key) or is_file_path(text) or not looks_like_secret(text, name):
            return
        what = "private key" if is_private_key(text) else "secret"
        self._report(value, f"{where} holds a hard-coded {what}", CONFIG_SECRET_FIX)

    def _report(self, node: cst.BaseExpression | Scalar, what: str, fix: str = SECRET_FIX) -> None:
        self.report(
            node,
            f"{what[0].upper()}{what[1:]}, so anyone who can read the repository can use it; {fix}.",
            hint=fix,
        )
