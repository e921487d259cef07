"""IL507: Salesforce record ids written into code as data."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ApexRule, ConfigRule, Example, Requires
from lint.rules.security.common import STRING_NODES, SecurityRule, record_attributes
from lint.sources.config_dialects import SETTING_DIALECTS
from lint.sources.config_model import ConfigDocument, Scalar, each_value
from lint.sources.config_settings import Setting, settings
from lint.sources.model import Located

if TYPE_CHECKING:
    from lint.sources.apex_index import ApexIndex
    from lint.sources.apex_model import ApexFile

# -- IL507: hard-coded record ids ------------------------------------------------------------

# Standard key prefixes (the first three characters of an id); custom objects' (a0X...) differ per org.
KEY_PREFIXES = {
    "001": "Account", "003": "Contact", "005": "User", "006": "Opportunity", "00D": "Organization",
    "00G": "Group", "00Q": "Lead", "012": "RecordType", "500": "Case", "701": "Campaign", "00T": "Task",
    "00U": "Event", "01t": "Product2", "801": "Order", "00e": "Profile", "00E": "UserRole",
    "01s": "Pricebook2", "0PS": "PermissionSet", "800": "Contract", "02i": "Asset", "802": "OrderItem",
    "00k": "OpportunityLineItem", "00v": "CampaignMember", "0Q0": "Quote",
}  # fmt: skip
# How to find each kind of record without its id.
STABLE_KEYS = {
    "RecordType": "look it up by `DeveloperName` and `SobjectType`",
    "Group": "look the group or queue up by `DeveloperName`",
    "Profile": "look it up by `Name`",
    "PermissionSet": "look it up by `Name`",
    "UserRole": "look it up by `DeveloperName`",
    "User": "look the user up by `Username` or `FederationIdentifier`",
    "Organization": "read it from configuration or `SELECT Id FROM Organization`",
}
DEFAULT_STABLE_KEY = "look the record up by an External ID or another stable field, or read the id from configuration"
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
QUOTED_ID = re.compile(r"'([A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)'")
SOQL_SHAPE = re.compile(r"(?is)\bSELECT\b.+\bFROM\b")
SOQL_MARK = re.compile(r"(?i)select")
# Config: a key that is a record's own id (a data export, not a setting), and keys that hold a SOQL filter.
RECORD_OWN_ID = ("id",)
FILTER_NAMES = (("filter",), ("filters",), ("where",), ("soql",), ("query",))
MAX_ID_LITERAL = 18 + 8  # an 18-character id in the longest quoting: a prefix and triple quotes


def case_checksum(id15: str) -> str:
    """The three characters an 18-character id appends: for each five characters, which of them are upper case."""
    chunks = (id15[start : start + 5] for start in (0, 5, 10))
    return "".join(CHECKSUM_ALPHABET[sum(1 << bit for bit, char in enumerate(chunk) if "A" <= char <= "Z")] for chunk in chunks)


def record_object(text: str) -> str | None:
    """The sObject a string is a record id of: a standard key prefix and an id's shape.

    An 18-character id must carry its case checksum. A 15-character one must look like an id:
    the reserved sixth character and the next one are `0` in ids of any real org, and at least
    one letter follows the prefix (account numbers and phone numbers are all digits).
    """
    if len(text) not in (15, 18) or not (text.isascii() and text.isalnum()):
        return None
    sobject = KEY_PREFIXES.get(text[:3])
    if sobject is None:
        return None
    if len(text) == 18:
        return sobject if text[15:] == case_checksum(text[:15]) else None
    return sobject if text[5:7] == "00" and any(char.isalpha() for char in text[3:]) else None


def record_id_use(text: str) -> tuple[str, str] | None:
    """What a string's value does with a record id: (the finding's opening words, the sObject) when it is one,
    or SOQL quoting one; None otherwise."""
    sobject = record_object(text)
    if sobject is not None:
        return f"`{text}` is a hard-coded {sobject} record id", sobject
    if not SOQL_SHAPE.search(text):
        return None
    found = [(match, record_object(match)) for match in QUOTED_ID.findall(text)]
    ids = [(record_id, sobject) for record_id, sobject in found if sobject is not None]
    if not ids:
        return None
    record_id, sobject = ids[0]
    more = f" (and {len(ids) - 1} more)" if len(ids) > 1 else ""
    return f"This SOQL filters on the hard-coded {sobject} record id `{record_id}`{more}", sobject


class HardcodedRecordId(SecurityRule, ConfigRule, ApexRule):
    """
    ## What it does
    Finds Salesforce record ids written into the code as data: a 15- or
    18-character id with a standard key prefix (`001` Account, `003` Contact,
    `005` User, `00G` Group/queue, `012` RecordType, `500` Case, ...) in a
    call argument, a dict, a comparison, an assignment or a return value, or
    quoted in a SOQL string. An 18-character id must carry a valid case
    checksum; a 15-character one must have an id's shape.

    Not flagged: custom objects' prefixes (`a0X...`, which differ per org),
    ids in comments and docstrings, records written out as the API returns
    them (`{"attributes": {...}, "Id": ...}`: sample or mocked responses),
    and files under test paths.

    In Apex it reads every string literal of a class or trigger, field
    initialisers included: `Id queueId = '00G...'`, `c.OwnerId = '005...'`,
    `if (rt == '012...')`, an id quoted in a SOQL string given to
    `Database.query`, and a value of an inline query
    (`[SELECT Id FROM Case WHERE OwnerId = '00G...']`). Test code is not
    checked: `@isTest` classes (and the classes inside them), `@isTest` and
    `testMethod` methods, and files under test paths; nor are comments.

    In config (every dialect but OpenAPI, whose values are examples): a value
    that is exactly such an id (`owner_id: 00G5e000004AbCdEAK`, a CumulusCI
    step's `static` values), and ids quoted in SOQL or in a filter
    (a CumulusCI step's `filters`/`soql_filter`, a Camel `sObjectQuery`).
    Not flagged: a record's own `Id` (a data export), records written out as
    the API returns them, descriptions and examples.

    ## Why it matters
    Record ids are assigned per org: the same queue, record type or owner has
    another id in every sandbox and in production, and a refreshed sandbox gets
    new ones. A hard-coded id works in the org it was copied from and fails (or
    silently assigns the wrong record) everywhere else.

    ## Example
    ```python
    sf.Case.create({"Subject": subject, "OwnerId": "00G5e000004AbCdEAK"})
    ```

    ## Use instead
    ```python
    queue = sf.query("SELECT Id FROM Group WHERE Type = 'Queue' AND DeveloperName = 'Support_Tier_1'")
    sf.Case.create({"Subject": subject, "OwnerId": queue["records"][0]["Id"]})
    ```
    """

    code = "IL507"
    name = "hardcoded-record-id"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    # An id with a standard prefix is a whole string literal, or quoted in SOQL: a quote on each side
    # (in Apex, SOQL in a string quotes it with escaped quotes: `'... WHERE Id = \'001...\''`).
    requires = {
        "py": Requires(patterns=(rf"[\"'](?:{'|'.join(KEY_PREFIXES)})[0-9A-Za-z]{{12}}(?:[0-9A-Za-z]{{3}})?[\"']",)),
        "apex": Requires(patterns=(rf"'(?:{'|'.join(KEY_PREFIXES)})[0-9A-Za-z]{{12}}(?:[0-9A-Za-z]{{3}})?\\?'",)),
        "cfg": Requires(patterns=(rf"(?:{'|'.join(KEY_PREFIXES)})[0-9A-Za-z]{{12}}",)),  # config quotes ids or not
    }
    dialects = SETTING_DIALECTS
    security_severity = "2.0"
    tags = ("portability",)
    valid = [
        # Custom object prefixes differ per org; a bad checksum is not an id.
        "record = {'Region__c': 'a0X5e000001AbCdEAA', 'Code': '0015e00000AbCdEXYZ'}\n",
        # Documentation, not data.
        "def owner():\n    '''Returns the owner, e.g. 0055e000001AbCdAAK.'''\n    # default queue: 00G5e000004AbCdEAK\n    return lookup_owner()\n",
        # All digits: an account number, not an id.
        "payload = {'AccountNumber': '001234567890123'}\n",
        Example("from simple_salesforce import Salesforce\nsf.Case.update('5005e00000AbCdEAAV', {'Status': 'Closed'})\n", path="tests/test_cases.py"),
        # Config: a record's own id in a data export, a sample response, and a filter by name.
        Example(
            "accounts:\n  - Id: 0015e00000AbCdEAAV\n    Name: Acme\nsample:\n  attributes:\n    type: Case\n  OwnerId: 00G5e000004AbCdEAK\n",
            path="data/salesforce-accounts.yml",
        ),
        Example("Cases:\n  sf_object: Case\n  filters:\n    - \"Owner.Name = 'Support Tier 1'\"\n  fields: [Subject]\n", path="datasets/mapping.yml"),
        # Apex: the queue looked up by name; ids only in a comment and in a custom object's record.
        Example(
            "public with sharing class CaseRouter {\n"
            "    // was: 00G5e000004AbCdEAK (the production queue)\n"
            "    public static void route(Case c) {\n"
            "        c.OwnerId = [SELECT Id FROM Group WHERE Type = 'Queue' AND DeveloperName = 'Support_Tier_1'].Id;\n"
            "        c.Region__c = 'a0X5e000001AbCdEAA';\n"
            "    }\n"
            "}\n",
            path="classes/CaseRouter.cls",
        ),
        # Apex tests create their records, or use fake ids freely.
        Example(
            "@isTest\n"
            "private class CaseRouterTest {\n"
            "    @isTest\n"
            "    static void routesToTheQueue() {\n"
            "        Case c = new Case(OwnerId = '00G5e000004AbCdEAK');\n"
            "        CaseRouter.route(c);\n"
            "    }\n"
            "}\n",
            path="classes/CaseRouterTest.cls",
        ),
    ]
    invalid = [
        Example("case = {\n    'Subject': subject,\n    'OwnerId': '00G5e000004AbCdEAK',\n}\n", line=3),
        Example("sf.Case.update('5005e00000AbCdEAAV', {'Status': 'Closed'})\n", line=1),
        Example("if record['RecordTypeId'] == '0125e000000AbCd':\n    route(record)\n", line=1),
        Example("DEFAULT_OWNER_ID = '0055e000001AbCdAAK'\n", line=1),
        Example("soql = \"SELECT Id FROM Contact WHERE AccountId = '0015e00000AbCdEAAV'\"\n", line=1),
        Example("salesforce:\n  instance_url: https://acme.my.salesforce.com\n  owner_id: 00G5e000004AbCdEAK\n", path="config/case-sync.yml", line=3),
        Example(
            "Cases:\n  sf_object: Case\n  filters:\n    - \"OwnerId = '00G5e000004AbCdEAK'\"\n  fields: [Subject]\n",
            path="datasets/mapping.yml",
            line=4,
        ),
        Example(
            "public with sharing class CaseRouter {\n"
            "    public static void route(Case c) {\n"
            "        Id queueId = '00G5e000004AbCdEAK';\n"
            "        c.OwnerId = queueId;\n"
            "    }\n"
            "}\n",
            path="classes/CaseRouter.cls",
            line=3,
        ),
        Example(
            "public with sharing class ContactFinder {\n"
            "    public static List<Contact> forAcme() {\n"
            "        return Database.query('SELECT Id FROM Contact WHERE AccountId = \\'0015e00000AbCdEAAV\\'');\n"
            "    }\n"
            "}\n",
            path="classes/ContactFinder.cls",
            line=3,
        ),
        Example(
            "trigger CaseAssignment on Case (before insert) {\n"
            "    List<Case> open = [SELECT Id FROM Case WHERE OwnerId = '00G5e000004AbCdEAK'];\n"
            "}\n",
            path="triggers/CaseAssignment.trigger",
            line=2,
        ),
    ]

    def visit_Arg(self, node: cst.Arg) -> None:
        self._check(node.value)

    def visit_Dict(self, node: cst.Dict) -> None:
        if record_attributes(self.facts, node) is not None:
            return  # a record as the API returns it: a sample or a mocked response, not configuration
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self._check(element.key)
                self._check(element.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._check(node.left)
        for target in node.comparisons:
            self._check(target.comparator)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._check(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._check(node.value)

    def _check(self, expr: cst.BaseExpression) -> None:
        """The strings of a data position: the expression itself, or the items of a literal list/tuple/set."""
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            for element in expr.elements:
                self._check(element.value)
        elif isinstance(expr, STRING_NODES):
            self._check_string(expr)

    def _check_string(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.SimpleString) and len(node.value) > MAX_ID_LITERAL and not SOQL_MARK.search(node.value):
            return  # neither an id nor SOQL, told from the raw code without evaluating the literal
        found = record_id_use(self.facts.string_template(node) or "")
        if found is not None:
            self._report(node, *found)

    # -- config ----------------------------------------------------------------------------------

    def check_config(self, document: ConfigDocument) -> None:
        records = {match.value.path[:-2] for match in document.select("**.attributes.type")}  # records as the API returns them
        for setting in settings(document):
            if setting.words == RECORD_OWN_ID or any(setting.value.path[: len(record)] == record for record in records):
                continue
            for value in each_value(setting.value):
                if isinstance(value, Scalar) and isinstance(value.value, str):
                    self._check_setting(setting, value)

    def _check_setting(self, setting: Setting, value: Scalar) -> None:
        found = record_id_use(value.text)
        if found is None and setting.named(*FILTER_NAMES):
            found = record_id_use(f"SELECT Id FROM Record WHERE {value.text}")  # a filter, read as the query it ends up in
        if found is not None:
            what, sobject = found
            self._report(value, f"{what} in {setting.label}", sobject)

    # -- Apex ------------------------------------------------------------------------------------

    def check_apex(self, unit: ApexFile, index: ApexIndex) -> None:
        """Every string literal outside test code, field initialisers included: an id, or SOQL text quoting one."""
        for literal in unit.strings:
            found = None if literal.in_test else record_id_use(literal.text)
            if found is None:
                continue
            what, sobject = found
            if literal.in_query:  # a value of an inline query: `[SELECT Id FROM Case WHERE OwnerId = '00G...']`
                what = f"This SOQL filters on the hard-coded {sobject} record id `{literal.text}`"
            self._report(literal, what, sobject)

    def _report(self, node: cst.CSTNode | Located, what: str, sobject: str) -> None:
        fix = STABLE_KEYS.get(sobject, DEFAULT_STABLE_KEY)
        self.report(
            node,
            f"{what}; ids differ between orgs and change when a sandbox is refreshed, so this breaks outside the org it "
            f"was copied from; {fix}.",
            hint=fix,
        )
