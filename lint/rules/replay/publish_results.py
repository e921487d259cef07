"""IL409: platform events published without reading whether they were accepted."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.base import ApexRule, Example, Requires
from lint.rules.replay.common import FollowsResults
from lint.sources.python_replay import ReplayFacts, replay_facts

if TYPE_CHECKING:
    from lint.sources.apex_index import ApexIndex
    from lint.sources.apex_model import ApexFile

# -- IL409 ---------------------------------------------------------------------------------

PUBLISH_ERROR_KEYS = frozenset({"error"})
SAVE_RESULT_CHECKS = frozenset({"issuccess", "geterrors"})  # lower-case, as `Fate.methods` holds them
APEX_PUBLISH_FIX = "check each result's `isSuccess()` and log or retry the events that failed, with the reasons from `getErrors()`"


class PublishResultIgnored(FollowsResults, ApexRule):
    """
    ## What it does
    Finds Pub/Sub API publishes (`stub.Publish(...)`, `stub.PublishStream(...)`)
    whose response is discarded or never read for `results[i].error` (in the
    function or a same-module helper it is handed to). Testing a result's
    `replay_id` (set only for events that were published) counts as a check.

    In Apex it flags `EventBus.publish(...)` whose `Database.SaveResult` (or
    list of them) is discarded or never read with `isSuccess()` or
    `getErrors()`, followed through the locals and loop variables that hold
    it; a result returned, kept in a field or handed to another method is
    judged there. `@isTest` classes are not checked.

    ## Why it matters
    The Publish call succeeds as a whole when single events are rejected: each
    event's outcome is in its `PublishResult`, with `error` set for a failed
    one. Unread, a rejected event is lost without a trace. The integration
    patterns guide advises error handling on the publishing side: "Publishing
    those events using a middleware solution can help incorporate error
    handling on the publishing side."

    ## Example
    ```python
    stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=auth)
    ```

    ## Use instead
    ```python
    response = stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=auth)
    failed = [result for result in response.results if result.HasField("error")]
    if failed:
        retry_later(failed)
    ```
    """

    code = "IL409"
    name = "publish-result-ignored"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = Requires(markers=("publish",))  # `stub.Publish(...)`, `PublishStream`, Apex `EventBus.publish`
    valid = [
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def publish(stub, events):\n"
            "    response = stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=AUTH)\n"
            "    for result in response.results:\n"
            "        if result.error.code:\n"
            "            raise RuntimeError(result.error.msg)\n"
        ),
        # The Salesforce example: success judged by the result's replay id.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def publish(pubsub, request):\n"
            "    res = pubsub.stub.Publish(request, metadata=pubsub.metadata)\n"
            "    if res.results[0].replay_id:\n"
            "        print('published')\n"
            "    else:\n"
            "        print('failed')\n"
        ),
        # Returned to the caller.
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def publish(stub, request):\n"
            "    return stub.Publish(request, metadata=AUTH)\n"
        ),
        # Google Cloud's Pub/Sub has a Publish RPC of its own.
        "from google.pubsub_v1 import PublishRequest\nstub.Publish(PublishRequest(topic=TOPIC, messages=messages))\n",
        # Apex: each SaveResult checked, the failures logged with their errors.
        Example(
            "public with sharing class OrderPublisher {\n"
            "    public static void publishPlaced(List<Order_Placed__e> events) {\n"
            "        List<Database.SaveResult> results = EventBus.publish(events);\n"
            "        for (Database.SaveResult result : results) {\n"
            "            if (!result.isSuccess()) {\n"
            "                IntegrationLog.error('Order_Placed__e', result.getErrors());\n"
            "            }\n"
            "        }\n"
            "    }\n"
            "}\n",
            path="classes/OrderPublisher.cls",
        ),
        # Returned to the caller, who judges it.
        Example(
            "public class InvoiceEvents {\n"
            "    public static Database.SaveResult paid(Id invoiceId) {\n"
            "        return EventBus.publish(new Invoice_Paid__e(Invoice_Id__c = invoiceId));\n"
            "    }\n"
            "}\n",
            path="classes/InvoiceEvents.cls",
        ),
        # A test publishes to exercise its subscriber; Test.stopTest() delivers the event.
        Example(
            "@isTest\n"
            "private class OrderPublisherTest {\n"
            "    @isTest\n"
            "    static void deliversOrderPlaced() {\n"
            "        Test.startTest();\n"
            "        EventBus.publish(new Order_Placed__e(Order_Number__c = '00000100'));\n"
            "        Test.stopTest();\n"
            "    }\n"
            "}\n",
            path="classes/OrderPublisherTest.cls",
        ),
    ]
    invalid = [
        Example(
            "import pubsub_api_pb2 as pb2\n\n"
            "def publish(stub, events):\n"
            "    stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=AUTH)\n",
            line=4,
        ),
        Example(
            "import logging\nimport pubsub_api_pb2 as pb2\n\nlog = logging.getLogger(__name__)\n\n"
            "def publish(stub, events):\n"
            "    response = stub.Publish(pb2.PublishRequest(topic_name=TOPIC, events=events), metadata=AUTH)\n"
            "    log.info('published %d events', len(response.results))\n",
            line=7,
        ),
        Example(
            "public with sharing class OrderPublisher {\n"
            "    public static void publishPlaced(List<Order> orders) {\n"
            "        List<Order_Placed__e> events = new List<Order_Placed__e>();\n"
            "        for (Order o : orders) {\n"
            "            events.add(new Order_Placed__e(Order_Number__c = o.OrderNumber));\n"
            "        }\n"
            "        EventBus.publish(events);\n"
            "    }\n"
            "}\n",
            path="classes/OrderPublisher.cls",
            line=7,
        ),
        # Kept, but only written to the debug log.
        Example(
            "public class InvoiceEvents {\n"
            "    public static void paid(Id invoiceId) {\n"
            "        Database.SaveResult result = EventBus.publish(new Invoice_Paid__e(Invoice_Id__c = invoiceId));\n"
            "        System.debug('Published invoice event: ' + result);\n"
            "    }\n"
            "}\n",
            path="classes/InvoiceEvents.cls",
            line=3,
        ),
    ]

    @cached_property
    def replay(self) -> ReplayFacts:
        return replay_facts(self.facts)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.replay.publishes(node):
            return
        followed = self.flow.follow(node)
        label = f"`{self.facts.source(node.func)}`"
        fix = "check each `results[i].error` of the response and retry or record the events that failed"

        def message() -> str | None:
            fate = followed.fate()
            if fate.handed_off or self.reads_any(fate, PUBLISH_ERROR_KEYS) or "replay_id" in fate.tested:
                return None
            what = f"{label} discards its response" if fate.discarded else f"The response of {label} is never read for `results[i].error`"
            return (
                f"{what}, so events the event bus rejects are lost without notice: the call succeeds even when an event's "
                f"`PublishResult` carries an `error`; {fix}."
            )

        self.report_later(node, message, hint=fix)

    # -- Apex --------------------------------------------------------------------------------

    def check_apex(self, unit: ApexFile, index: ApexIndex) -> None:
        from lint.sources.apex_model import EVENTBUS_PUBLISH  # here: a run on Python files needs no Apex model

        for _, routine in index.production_routines(unit.path):
            for step in routine.steps:
                fate = step.fate
                if fate is None or step.call.named_key != EVENTBUS_PUBLISH or fate.handed_off or fate.methods & SAVE_RESULT_CHECKS:
                    continue
                label = f"`{step.label}`"
                if fate.discarded:
                    what = f"{label} discards its `Database.SaveResult`"
                else:
                    kept = f" (kept in `{fate.holders[0]}`)" if fate.holders else ""
                    what = f"The `Database.SaveResult` of {label}{kept} is never checked with `isSuccess()` or `getErrors()`"
                self.report(
                    step.site,
                    f"{what}, so an event the event bus rejects is lost without notice: `EventBus.publish` does not throw when "
                    f"a publish fails, it returns a result whose `isSuccess()` is false; {APEX_PUBLISH_FIX}.",
                    scope=routine.scope,
                    hint=APEX_PUBLISH_FIX,
                )
