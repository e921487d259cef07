"""IL509: retired, retiring and too-old Salesforce API versions."""

from __future__ import annotations

import re

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, Option, Requires
from lint.rules.security.common import SALESFORCE_LIBRARIES, STRING_NODES, VERSION_PARAMETERS, SecurityRule, api_version, callee_label, record_attributes
from lint.sources.python_calls import argument, literal_text

# -- IL509: retired API versions --------------------------------------------------------------

URL_MARK = "/services/data/v"
VERSION_IN_URL = re.compile(r"/services/data/v(\d{1,3}\.\d)\b")
VERSION_NAME = re.compile(r"(?i)^(default_)?((sf|sfdc|salesforce)_?)?api_?version$|^(sf|sfdc|salesforce)_version$")
SALESFORCE_NAME = re.compile(r"(?i)(^|_)(sf|sfdc|salesforce)(_|$)")
OLDEST_VERSION = 7.0  # the first API version; smaller numbers are some other API's
RETIRED, RETIRING = 30.0, 40.0
MIN_API_VERSION = Option(
    "min-api-version",
    50.0,
    "API versions below this are reported as notes (IL509); versions up to 30.0 are retired (error) and 31.0–40.0 retire in Summer '28 (warning).",
)


class RetiredApiVersion(SecurityRule):
    """
    ## What it does
    Finds Salesforce API versions that are retired, retiring, or older than the
    project allows: `version=` of `Salesforce(...)`, `sf_version=` of
    `SFType(...)`/`SalesforceLogin(...)`, `/services/data/vNN.N/` in URLs,
    and `api_version=` arguments, config entries and constants named like
    `API_VERSION`/`SF_VERSION` (when the name says Salesforce or the module
    uses it: other APIs have versions too). Versions up to 30.0 are retired (error);
    31.0–40.0 retire in Summer '28 (warning); versions below the
    `min-api-version` option (default 50.0) are notes. A constant is reported
    where it is set, not where it is used; docstrings, records written out as
    the API returns them (sample responses) and files under test paths are
    not checked.

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
    requires = (
        Requires(imports=("simple_salesforce",), markers=("/services/data/v", "api_version", "apiversion", "sf_version", "sfdc_version", "salesforce_version"))
        & Requires(imports=SALESFORCE_LIBRARIES, markers=("/services/data/", "salesforce", "sf_", "sfdc_"))
    )
    security_severity = "3.1"
    tags = ("maintenance",)
    options = (MIN_API_VERSION,)
    valid = [
        "from simple_salesforce import Salesforce\nsf = Salesforce(instance_url=url, session_id=sid, version='61.0')\n",
        "import requests\nrequests.get(f'{base}/services/data/v61.0/limits', timeout=10)\n",
        # Not Salesforce API versions: a package version and an unrelated version keyword.
        "VERSION = '29.0'\n__version__ = '2.0'\nrender(template, version='1.0')\n",
        # Documentation, not a call.
        "def limits():\n    '''Reads /services/data/v29.0/limits on old orgs.'''\n",
    ]
    invalid = [
        Example("from simple_salesforce import Salesforce\n\nsf = Salesforce(instance_url=url, session_id=sid, version='29.0')\n", line=3),
        Example("import requests\n\nAPI = f'{INSTANCE}/services/data/v36.0'\n", line=3),
        Example("SF_API_VERSION = '45.0'\n", line=1),
        Example("from simple_salesforce import SFType\n\ncontacts = SFType('Contact', sid, host, 38.0)\n", line=3),
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
        if value is not None and not self._named_setting(value):
            self._check(value, api_version(self.constant(value)), f"given as `{name}` to {callee}")
        for arg in node.args:
            keyword_name = arg.keyword.value if arg.keyword is not None else ""
            if keyword_name != name and VERSION_NAME.match(keyword_name) and not self._named_setting(arg.value):
                self._check_setting(arg.value, keyword_name, f"given as `{keyword_name}` to {callee}")

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in (t.target for t in node.targets):
            name = target.value if isinstance(target, cst.Name) else target.attr.value if isinstance(target, cst.Attribute) else ""
            if VERSION_NAME.match(name):
                self._check_setting(node.value, name, f"set in `{name}`")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = self.facts.string_template(node.key)
        if key and VERSION_NAME.match(key):
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
        """A version set by name (`API_VERSION = "45.0"`), which is Salesforce's when the name or the module says so."""
        version = api_version(self.constant(value))
        if version is not None and (SALESFORCE_NAME.search(name) or self.about_salesforce()):
            self._check(value, version, where)

    def _check(self, node: cst.CSTNode, version: float | None, where: str) -> None:
        if version is None or version < OLDEST_VERSION or version >= self.minimum:
            return
        if version <= RETIRED:
            severity, state = Severity.ERROR, "is retired, so every call with it fails"
        elif version <= RETIRING:
            severity, state = Severity.WARNING, "retires in Summer '28 with every version from 31.0 to 40.0, and calls with it will then fail"
        else:
            severity, state = Severity.NOTE, f"is older than this project's minimum of {self.minimum:.1f} (`min-api-version`)"
        fix = f"move to API version {self.minimum:.1f} or later and test the calls against it"
        self.report(node, f"API version {version:.1f} {where} {state}; {fix}.", hint=fix, severity=severity)
