"""IL509: retired, retiring and too-old Salesforce API versions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ConfigRule, Example, Option, Requires, XmlRule
from lint.rules.security.common import SALESFORCE_LIBRARIES, STRING_NODES, VERSION_PARAMETERS, VERSION_TEXT, SecurityRule, api_version, callee_label, record_attributes
from lint.sources.config_camel import endpoints
from lint.sources.config_dialects import CAMEL, SETTING_DIALECTS
from lint.sources.config_model import ConfigDocument, Node, Scalar, each_value
from lint.sources.config_settings import SALESFORCE_WORDS, Setting, about_salesforce, groups, settings
from lint.sources.python_calls import argument, literal_text

if TYPE_CHECKING:
    from lint.sources.xml import XmlDocument

# -- IL509: retired API versions --------------------------------------------------------------

URL_MARK = "/services/data/v"
VERSION_IN_URL = re.compile(r"/services/data/v(\d{1,3}\.\d)\b")
SALESFORCE_PATH = re.compile(r"/services/(data|async)/")  # a module building Salesforce API paths
VERSION_NAME = re.compile(r"(?i)^_*(default_)?((sf|sfdc|salesforce)_?)?api_?version$|^_*(sf|sfdc|salesforce)_version$")  # `_API_VERSION` too
SALESFORCE_NAME = re.compile(r"(?i)(^|_)(sf|sfdc|salesforce)(_|$)")
OLDEST_VERSION = 7.0  # the first API version; smaller numbers are some other API's
# Config keys that set the API version, in words (config_settings): `apiVersion`, `api_version`, `api-version`,
# and `salesforce.version` (Kafka Connect), `sf_version`: a plain `version` only with a Salesforce word before it.
API_VERSION_NAME, VERSION_WORD = ("api", "version"), ("version",)
CONFIG_VERSION = re.compile(r"^v?(\d{1,3})(?:\.0)?$")
RETIRED, RETIRING = 30.0, 40.0
MIN_API_VERSION = Option(
    "min-api-version",
    50.0,
    "API versions below this are reported as notes (IL509); versions up to 30.0 are retired (error) and 31.0–40.0 retire in Summer '28 (warning).",
)


@dataclass(frozen=True)
class VersionEffects:
    """What an old version does to the thing that names it (calls, or a metadata component), and the fix."""

    retired: str
    retiring: str
    fix: str  # formatted with the minimum version: `{minimum:.1f}`


# Code and config name the version their calls are made with: a retired one makes them fail.
CALLS = VersionEffects(
    retired="so every call with it fails",
    retiring="and calls with it will then fail",
    fix="move to API version {minimum:.1f} or later and test the calls against it",
)
# A component's `<apiVersion>` sets the behaviour it runs and is deployed with, not an endpoint it calls.
METADATA = VersionEffects(
    retired="so the component runs on an API version Salesforce no longer supports",
    retiring="and the component will then run on an API version Salesforce no longer supports",
    fix="raise `<apiVersion>` to {minimum:.1f} or later and run the component's tests against it",
)


class VersionJudgement(NamedTuple):
    severity: Severity
    message: str
    hint: str


def judge_version(version: float, minimum: float, where: str, effects: VersionEffects = CALLS) -> VersionJudgement | None:
    """How bad an API version is, and the finding's message and hint; None for a current version or a number
    too small to be a Salesforce API version. `where` says where it is set: "in the URL path `...`"."""
    if version < OLDEST_VERSION or version >= minimum:
        return None
    if version <= RETIRED:
        severity, state = Severity.ERROR, f"is retired, {effects.retired}"
    elif version <= RETIRING:
        severity, state = Severity.WARNING, f"retires in Summer '28 with every version from 31.0 to 40.0, {effects.retiring}"
    else:
        severity, state = Severity.NOTE, f"is older than this project's minimum of {minimum:.1f} (`min-api-version`)"
    fix = effects.fix.format(minimum=minimum)
    return VersionJudgement(severity, f"API version {version:.1f} {where} {state}; {fix}.", fix)


class RetiredApiVersion(SecurityRule, ConfigRule, XmlRule):
    """
    ## What it does
    Finds Salesforce API versions that are retired, retiring, or older than the
    project allows: `version=` of `Salesforce(...)`, `sf_version=` of
    `SFType(...)`/`SalesforceLogin(...)`, `/services/data/vNN.N/` in URLs,
    and `api_version=` arguments, dict entries, constants and parameter
    defaults (`def connect(api_version="37.0")`) named like
    `API_VERSION`/`SF_VERSION` (when the name says Salesforce, or the module
    uses it: other APIs have versions too; a `v`-prefixed value such as
    `api_version="v18.0"`, Meta's Graph API style, counts only where the module
    also builds `/services/data/` or `/services/async/` paths).
    Versions up to 30.0 are retired (error);
    31.0–40.0 retire in Summer '28 (warning); versions below the
    `min-api-version` option (default 50.0) are notes. A constant is reported
    where it is set, not where it is used; docstrings, records written out as
    the API returns them (sample responses) and files under test paths are
    not checked.

    In config (every dialect but OpenAPI): `/services/data/vNN.N/` in any
    value, Camel `salesforce:` endpoints' `apiVersion` (in the URI or
    `parameters:`), Kafka Connect's `salesforce.version`, and keys named like
    an API version (`apiVersion`, `api_version`,
    `camel.component.salesforce.api-version`, `sf_version`) whose settings are
    Salesforce's: a connector's, tap's or DX project's own (`sourceApiVersion`
    in `sfdx-project.json`, which the CLI deploys and retrieves with), named
    so (`salesforce:`, `sf_api_version`), or beside a Salesforce URL. Kubernetes-style
    `apiVersion: apps/v1`, other services' `api_version`, descriptions and
    examples are not read.

    In Salesforce metadata it reads the `<apiVersion>` of every component's
    `*-meta.xml` (Apex classes and triggers, LWC and Aura bundles, flows,
    Visualforce pages, ...): the version the component runs and is deployed
    with.

    ## Why it matters
    Salesforce retires old API versions: calls to a retired version fail with
    an error, so an integration pinned to one stops the day it is retired.
    Old versions also lack newer fields, objects and limits behaviour that the
    rest of the org already relies on.

    ## Example
    ```python
    sf = Salesforce(instance_url=url, session_id=token, version="29.0")
    ```

    ## Use instead
    ```python
    sf = Salesforce(instance_url=url, session_id=token, version="61.0")
    ```
    """

    code = "IL509"
    name = "retired-api-version"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    # A version given to simple_salesforce, in a REST URL, or set by a version name that says Salesforce
    # (`sf_api_version`) or sits in a module about Salesforce (`about_salesforce`).
    requires = {
        "py": (
            Requires(imports=("simple_salesforce",), markers=("/services/data/v", "api_version", "apiversion", "sf_version", "sfdc_version", "salesforce_version"))
            & Requires(imports=SALESFORCE_LIBRARIES, markers=("/services/data/", "salesforce", "sf_", "sfdc_"))
        ),
        "xml": Requires(markers=("<apiVersion>",)),
        # `apiVersion`, `api-version`, `salesforce.version`, `SF_VERSION`, or a REST URL.
        "cfg": Requires(markers=("/services/data/v",), patterns=(r"(?i)(api|salesforce|sfdc|sforce|sf)[-_.]?version",)),
    }
    dialects = SETTING_DIALECTS
    security_severity = "3.1"
    tags = ("maintenance",)
    options = (MIN_API_VERSION,)
    valid = [
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=sid, version='61.0')\n",
        # Another API's version beside a Salesforce client: Meta's Graph API writes its versions `v18.0`.
        "import requests\nfrom simple_salesforce import Salesforce\n\n"
        "def fetch_leads(form_id, token, api_version='v18.0'):\n"
        "    return requests.get(f'https://graph.facebook.com/{api_version}/{form_id}/leads', params={'access_token': token}, timeout=30)\n",
        "import requests\nrequests.get(f'{base}/services/data/v61.0/limits', timeout=10)\n",
        # Not Salesforce API versions: a package version and an unrelated version keyword.
        "VERSION = '29.0'\n__version__ = '2.0'\nrender(template, version='1.0')\n",
        # Documentation, not a call.
        "def limits():\n    '''Reads /services/data/v29.0/limits on old orgs.'''\n",
        # Config: a current version, a Kubernetes apiVersion, another service's version, and a description.
        Example(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: salesforce-sync\nsalesforce:\n  api_version: '61.0'\n"
            "stripe:\n  api_version: '29.0'\nnotes:\n  description: Moved off /services/data/v29.0/ in 2023\n",
            path="deploy/salesforce-sync.yaml",
        ),
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <apiVersion>61.0</apiVersion>\n"
            "    <status>Active</status>\n"
            "</ApexClass>\n",
            path="classes/OrderService.cls-meta.xml",
        ),
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=url, session_id=sid, version='29.0')\n", line=3),
        Example("import requests\n\nAPI = f'{INSTANCE}/services/data/v36.0'\n", line=3),
        Example("SF_API_VERSION = '45.0'\n", line=1),
        Example("import requests\n\ndef bulk_endpoint(instance, sf_api_version='37.0'):\n    return f'https://{instance}/services/async/{sf_api_version}/job'\n", line=3),
        Example("from simple_salesforce import SFType\n\ncontacts = SFType('Contact', sid, host, 38.0)\n", line=3),
        Example(
            "- route:\n    from:\n      uri: timer:orders\n      steps:\n        - to: salesforce:query?sObjectQuery=SELECT Id FROM Order__c&apiVersion=29.0\n",
            path="routes/orders.camel.yaml",
            line=5,
        ),
        Example(
            "name=salesforce-cdc\nconnector.class=io.confluent.salesforce.SalesforceCdcSourceConnector\nsalesforce.version=v36.0\n",
            path="connect/salesforce-cdc.properties",
            line=3,
        ),
        Example("salesforce:\n  base_url: https://acme.my.salesforce.com/services/data/v45.0/\n", path="config/sync.yml", line=2),
        Example(
            '{\n  "packageDirectories": [{"path": "force-app", "default": true}],\n  "namespace": "",\n  "sourceApiVersion": "38.0"\n}\n',
            path="sfdx-project.json",
            line=4,
        ),
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <apiVersion>29.0</apiVersion>\n"
            "    <status>Active</status>\n"
            "</ApexClass>\n",
            path="classes/OrderService.cls-meta.xml",
            line=3,
        ),
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<LightningComponentBundle xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <apiVersion>38.0</apiVersion>\n"
            "    <isExposed>false</isExposed>\n"
            "</LightningComponentBundle>\n",
            path="lwc/orderCard/orderCard.js-meta.xml",
            line=3,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self.minimum = self.option(MIN_API_VERSION.name)
        self.documentation = 0  # inside a docstring-like bare string statement
        self.record_urls: set[cst.BaseExpression] = set()

    def visit_Expr(self, node: cst.Expr) -> None:
        self.documentation += isinstance(node.value, STRING_NODES)

    def leave_Expr(self, original_node: cst.Expr) -> None:
        self.documentation -= isinstance(original_node.value, STRING_NODES)

    def visit_Dict(self, node: cst.Dict) -> None:
        attributes = record_attributes(self.facts, node)
        url = self.facts.dict_value(attributes, "url") if attributes is not None else None
        if url is not None:
            self.record_urls.add(url)  # the version a sample or mocked response was taken from, not one this code asks for

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if URL_MARK in node.value and node not in self.record_urls:  # the raw code first: evaluating literals costs
            self._check_url(node, literal_text(node))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self._check_url(node, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        """The version argument of simple_salesforce's entry points, and any `api_version=`-like keyword."""
        name, index = VERSION_PARAMETERS.get(self.facts.qualified_name(node.func), (None, None))
        value = argument(node, name, index) if name else None
        if value is None and not any(arg.keyword is not None and VERSION_NAME.match(arg.keyword.value) for arg in node.args):
            return
        callee = callee_label(self.facts, node)
        entries = self.facts.is_builtin(node.func, "dict")  # `dict(api_version="37.0")`: entries, as in a dict display
        if value is not None and not self._named_setting(value):
            self._check(value, api_version(self.constant(value)), f"given as `{name}` to {callee}")
        for arg in node.args:
            keyword_name = arg.keyword.value if arg.keyword is not None else ""
            if keyword_name != name and VERSION_NAME.match(keyword_name) and not self._named_setting(arg.value):
                where = f"set in the `{keyword_name}` entry" if entries else f"given as `{keyword_name}` to {callee}"
                self._check_setting(arg.value, keyword_name, where)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in (t.target for t in node.targets):
            name = target.value if isinstance(target, cst.Name) else target.attr.value if isinstance(target, cst.Attribute) else ""
            if VERSION_NAME.match(name):
                self._check_setting(node.value, name, f"set in `{name}`")

    def visit_Param(self, node: cst.Param) -> None:
        """A version parameter's literal default (`def connect(api_version="37.0")`): what callers that leave it out ask for."""
        name = node.name.value
        if isinstance(node.default, (cst.SimpleString, cst.Float)) and VERSION_NAME.match(name):  # a constant: where it is set
            self._check_setting(node.default, name, f"given as the default of parameter `{name}`")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = self.facts.string_template(node.key)
        if key and VERSION_NAME.match(key) and not self._named_setting(node.value):
            self._check_setting(node.value, key, f"set in the `{key}` entry")

    def _named_setting(self, value: cst.BaseExpression) -> bool:
        """`version=API_VERSION`: reported where the constant is set, not at every use."""
        name = value.value if isinstance(value, cst.Name) else value.attr.value if isinstance(value, cst.Attribute) else ""
        return bool(VERSION_NAME.match(name))

    def _check_url(self, node: cst.CSTNode, text: str | None) -> None:
        match = VERSION_IN_URL.search(text or "") if not self.documentation else None
        if match:
            self._check(node, float(match.group(1)), f"in the URL path `/services/data/v{match.group(1)}/`")

    def _check_setting(self, value: cst.BaseExpression, name: str, where: str) -> None:
        """A version set by name (`API_VERSION = "45.0"`), which is Salesforce's when the name says so, or when the module
        uses Salesforce and the value is written as its settings write it: `"61.0"`, or `"v61.0"` where the module builds
        Salesforce API paths (else `"v18.0"` beside a Salesforce client is more likely Meta's Graph API version)."""
        constant = self.constant(value)
        version = api_version(constant)
        named = SALESFORCE_NAME.search(name) is not None
        if version is None or not (named or self.about_salesforce()):
            return
        if named or not (literal_text(constant) or "").startswith("v") or SALESFORCE_PATH.search(self.facts.text):
            self._check(value, version, where)

    def _check(self, node: cst.CSTNode, version: float | None, where: str) -> None:
        judged = judge_version(version, self.minimum, where) if version is not None else None
        if judged is not None:
            self.report(node, judged.message, hint=judged.hint, severity=judged.severity)

    # -- config --------------------------------------------------------------------------------

    def check_config(self, document: ConfigDocument) -> None:
        checked: set[int] = set()  # a Camel endpoint's `parameters:` are document keys too
        for setting in _version_settings(document):
            version = _config_version(setting.value)
            if id(setting.value) not in checked and version is not None:
                checked.add(id(setting.value))
                self._check(setting.value, version, f"set by {setting.label}")
        for setting in settings(document):
            for value in each_value(setting.value):
                match = VERSION_IN_URL.search(value.text) if isinstance(value, Scalar) else None
                if match:
                    self._check(value, float(match.group(1)), f"in the URL path `/services/data/v{match.group(1)}/` of {setting.label}")

    # -- metadata ------------------------------------------------------------------------------

    def check_xml(self, document: XmlDocument) -> None:
        """The component's own `<apiVersion>`: a child of the root (`<ApexClass>`, `<Flow>`, ...), not a nested element."""
        element = document.root.find("apiVersion")
        match = VERSION_TEXT.match(element.text) if element is not None else None
        where = f"in `<apiVersion>` of {document.file_name}"
        judged = judge_version(float(match.group(1)), self.minimum, where, METADATA) if match else None
        if judged is not None:
            self.report(element.site, judged.message, hint=judged.hint, severity=judged.severity)


def _version_settings(document: ConfigDocument) -> list[Setting]:
    """Settings that name a Salesforce API version: keys in Salesforce's settings, and Camel endpoint options."""
    found = [
        setting
        for group in groups(document, (API_VERSION_NAME, VERSION_WORD))
        for name, setting in group.named.items()
        if (name == API_VERSION_NAME and about_salesforce(document, group)) or (name == VERSION_WORD and group.prefix[-1:] and group.prefix[-1] in SALESFORCE_WORDS)
    ]
    if document.dialect == CAMEL:
        for endpoint in endpoints(document.root):
            value = endpoint.option("apiVersion")
            if value is not None:
                found.append(Setting(value, value, "apiVersion", f"Camel endpoint `{endpoint.label}` option `apiVersion`"))
    return found


def _config_version(value: Node) -> float | None:
    """A version as config writes it: `61.0`, `"61.0"`, `v61.0`, `61`."""
    match = CONFIG_VERSION.match(value.text.strip()) if isinstance(value, Scalar) else None
    return float(match.group(1)) if match else None
