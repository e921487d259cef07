"""IL0xx: findings about the linted files themselves, reported by the engine."""

from __future__ import annotations

from lint.findings import Confidence, Severity
from lint.rules.base import Example, LinterRule, Requires


class ParseError(LinterRule):
    """
    ## What it does
    Reports a file that should be scanned but cannot be parsed: a syntax error
    (Python, Apex, metadata XML, YAML, JSON, a `.properties` escape), bytes that
    are not valid in the file's declared encoding, or NUL bytes. An Apex file
    with an unbalanced brace is reported at the brace. A YAML file whose aliases
    would expand beyond 50,000 nodes (a "billion laughs" document) is refused at
    the alias that crosses the limit. Config files that configure no Salesforce
    integration are never parsed, so they are never reported.

    ## Why it matters
    intlint cannot check what it cannot read, so every other rule is silent on
    this file. The finding points at the first position the parser rejected; the
    rest of the run goes on with the other files.

    ## Example
    ```python
    def push(records:
        return sf.Contact.create(records)
    ```

    ## Use instead
    ```python
    def push(records):
        return sf.Contact.create(records)
    ```
    """

    code = "IL001"
    name = "parse-error"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = Requires()  # reported on the files other rules read; see README, "Performance"
    valid = [
        "import requests\n\nresponse = requests.get(url, timeout=10)\n",
        # A malformed config file that configures no Salesforce integration is not parsed at all.
        Example("services:\n  web:\n    image: nginx\n    ports: [80:80\n", path="docker-compose.yml"),
    ]
    invalid = [
        Example("import requests\n\ndef push(records:\n    return records\n", line=3),
        Example("x = 1\n\x00\n", line=2),
        Example("public class OrderService {\n    public void push() {\n        send();\n", path="classes/OrderService.cls", line=2),
        Example("trigger OrderTrigger on Order (after insert) {\n    OrderHandler.run(Trigger.new;\n}\n", path="triggers/OrderTrigger.trigger", line=2),
        Example('<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n    <label>Order</labels>\n</CustomObject>\n', path="objects/Order__c/Order__c.object-meta.xml", line=2),
        Example("Insert Accounts:\n  sf_object: Account\n  fields: [Name, ERP_Id__c\n  action: insert\n", path="datasets/mapping.yml", line=4),
        Example('{"connector.class": "io.confluent.salesforce.SalesforceCdcSourceConnector",\n "tasks.max": 1,,\n}\n', path="connect/cdc.json", line=2),
    ]


class UnusedSuppression(LinterRule):
    """
    ## What it does
    Reports an `# intlint: ignore[...]` comment that suppressed nothing, names a
    code that does not exist, or names no code at all.

    ## Why it matters
    A stale ignore hides the next real finding on that line, and a bare
    `# intlint: ignore` would hide every rule at once. Keeping suppressions exact
    keeps the report trustworthy.

    ## Example
    ```python
    response = requests.get(url, timeout=10)  # intlint: ignore[IL401]
    ```

    ## Use instead
    ```python
    response = requests.get(url, timeout=10)
    ```
    """

    code = "IL002"
    name = "unused-suppression"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    requires = Requires(markers=("intlint:",))
    valid = [
        "import requests\n\nrequests.get(url)  # intlint: ignore[IL401] internal mock server\n",
    ]
    invalid = [
        Example("import requests\n\nrequests.get(url, timeout=5)  # intlint: ignore[IL401]\n", line=3),
        Example("import requests\n\nrequests.get(url)  # intlint: ignore\n", line=3),
        Example("x = 1  # intlint: ignore[IL999] no such rule\n", line=1),
    ]
