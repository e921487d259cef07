"""IL507: Salesforce record ids written into code as data."""

from __future__ import annotations

import re

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import Example, Requires
from lint.rules.security.common import STRING_NODES, SecurityRule, record_attributes

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


class HardcodedRecordId(SecurityRule):
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
    # An id with a standard prefix is a whole string literal, or quoted in SOQL: a quote on each side.
    requires = Requires(patterns=(rf"[\"'](?:{'|'.join(KEY_PREFIXES)})[0-9A-Za-z]{{12}}(?:[0-9A-Za-z]{{3}})?[\"']",))
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
    ]
    invalid = [
        Example("case = {\n    'Subject': subject,\n    'OwnerId': '00G5e000004AbCdEAK',\n}\n", line=3),
        Example("sf.Case.update('5005e00000AbCdEAAV', {'Status': 'Closed'})\n", line=1),
        Example("if record['RecordTypeId'] == '0125e000000AbCd':\n    route(record)\n", line=1),
        Example("DEFAULT_OWNER_ID = '0055e000001AbCdAAK'\n", line=1),
        Example("soql = \"SELECT Id FROM Contact WHERE AccountId = '0015e00000AbCdEAAV'\"\n", line=1),
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
        text = self.facts.string_template(node) or ""
        sobject = record_object(text)
        if sobject is not None:
            self._report(node, f"`{text}` is a hard-coded {sobject} record id", sobject)
            return
        if not SOQL_SHAPE.search(text):
            return
        found = [(match, record_object(match)) for match in QUOTED_ID.findall(text)]
        ids = [(record_id, sobject) for record_id, sobject in found if sobject is not None]
        if ids:
            record_id, sobject = ids[0]
            more = f" (and {len(ids) - 1} more)" if len(ids) > 1 else ""
            self._report(node, f"This SOQL filters on the hard-coded {sobject} record id `{record_id}`{more}", sobject)

    def _report(self, node: cst.CSTNode, what: str, sobject: str) -> None:
        fix = STABLE_KEYS.get(sobject, DEFAULT_STABLE_KEY)
        self.report(
            node,
            f"{what}; ids differ between orgs and change when a sandbox is refreshed, so this breaks outside the org it "
            f"was copied from; {fix}.",
            hint=fix,
        )
