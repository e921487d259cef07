"""IL6xx: platform event definitions whose behaviour is left to defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lint.findings import Confidence, Severity
from lint.rules.base import Example, Requires, XmlRule

if TYPE_CHECKING:
    from lint.sources.xml import XmlDocument

EVENT_DEFINITION = "__e.object-meta.xml"


class PublishBehaviorImplicit(XmlRule):
    """
    ## What it does
    Flags a platform event definition (`objects/<Name>__e/<Name>__e.object-meta.xml`)
    that does not set `<publishBehavior>`.

    ## Why it matters
    Left out, the publish behaviour is whatever the platform's default is, and
    Salesforce's documentation has described that default differently across
    versions. With Publish Immediately an event leaves even if the transaction
    that published it rolls back, and it can reach subscribers before the records
    they look up are committed. The integration patterns guide: "When platform
    event messages are published immediately, event publishing doesn't respect
    transaction boundaries of the publishing process ... To solve this issue, set
    the platform event publish behavior to Publish After Commit in the event
    definition."

    ## Example
    ```xml
    <CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
        <deploymentStatus>Deployed</deploymentStatus>
        <eventType>HighVolume</eventType>
        <label>Order Shipped</label>
    </CustomObject>
    ```

    ## Use instead
    ```xml
    <CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
        <deploymentStatus>Deployed</deploymentStatus>
        <eventType>HighVolume</eventType>
        <label>Order Shipped</label>
        <publishBehavior>PublishAfterCommit</publishBehavior>
    </CustomObject>
    ```
    """

    code = "IL601"
    name = "publish-behavior-implicit"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = Requires(markers=("customobject",))
    files = (EVENT_DEFINITION,)
    valid = [
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <deploymentStatus>Deployed</deploymentStatus>\n"
            "    <eventType>HighVolume</eventType>\n"
            "    <label>Order Shipped</label>\n"
            "    <pluralLabel>Orders Shipped</pluralLabel>\n"
            "    <publishBehavior>PublishAfterCommit</publishBehavior>\n"
            "</CustomObject>\n",
            path="objects/Order_Shipped__e/Order_Shipped__e.object-meta.xml",
        ),
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <label>Invoice</label>\n"
            "    <sharingModel>ReadWrite</sharingModel>\n"
            "</CustomObject>\n",
            path="objects/Invoice__c/Invoice__c.object-meta.xml",
        ),
    ]
    invalid = [
        Example(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            "    <deploymentStatus>Deployed</deploymentStatus>\n"
            "    <eventType>HighVolume</eventType>\n"
            "    <label>Order Shipped</label>\n"
            "    <pluralLabel>Orders Shipped</pluralLabel>\n"
            "</CustomObject>\n",
            path="objects/Order_Shipped__e/Order_Shipped__e.object-meta.xml",
            line=2,
        ),
    ]

    def check_xml(self, document: XmlDocument) -> None:
        if document.root.tag != "CustomObject" or document.root.find("publishBehavior") is not None:
            return
        event = document.file_name[: -len(".object-meta.xml")]
        self.report(
            document.root.site,
            f"Platform event `{event}` does not set `<publishBehavior>`, so when its events leave depends on a "
            "platform default; subscribers may see an event before (or without) the data its transaction commits.",
            scope=event,
            hint="add `<publishBehavior>PublishAfterCommit</publishBehavior>` (or `PublishImmediately` when the event must go out even if the transaction rolls back)",
        )
