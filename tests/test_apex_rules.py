"""IL301, IL302, IL303, IL207 (and IL601, IL507, IL509, IL103) on the Salesforce DX fixture project and on small multi-file trees.

The fixture project's call chains cross files, so these tests run the whole
engine (discovery, the once-per-run index, the rules) rather than one file.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lint.engine import run
from lint.findings import Finding
from lint.results import RunResult
from lint.rules import load_registry
from tests.conftest import FIXTURES, settings_for

pytest.importorskip("tree_sitter_language_pack", reason="Apex support is the `apex` extra")

PROJECT = "apex/force-app/main/default"
APEX_CODES = ("IL207", "IL301", "IL302", "IL303", "IL601")


def short(path: str) -> str:
    return path.removeprefix(f"{PROJECT}/")


@pytest.fixture(scope="module")
def project() -> RunResult:
    return run([FIXTURES / "apex"], settings_for(FIXTURES), load_registry())


def finding(result: RunResult, code: str, path: str) -> Finding:
    (found,) = [f for f in result.findings if f.code == code and short(f.path) == path]
    return found


def steps(found: Finding) -> list[tuple[str, int, str]]:
    return [(short(location.path), location.span.start_line, location.message) for location in found.related]


def lint_tree(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, int, str]]:
    """(code, path, line, confidence) of the Apex findings in a small project."""
    for relative, code in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(code))
    result = run([tmp_path], settings_for(tmp_path), load_registry())
    return [(f.code, f.path, f.span.start_line, f.confidence.value) for f in result.findings if f.code in APEX_CODES]


# -- the fixture project ----------------------------------------------------------------------


def test_every_finding_of_the_fixture_project(project):
    assert [(f.code, short(f.path), f.span.start_line, f.span.start_column, f.confidence.value) for f in project.findings] == [
        ("IL507", "classes/CaseAssignmentService.cls", 3, 47, "high"),
        ("IL507", "classes/CaseAssignmentService.cls", 4, 53, "high"),
        ("IL507", "classes/CaseAssignmentService.cls", 11, 34, "high"),
        ("IL507", "classes/CaseAssignmentService.cls", 18, 62, "high"),
        ("IL507", "classes/CaseAssignmentService.cls", 22, 31, "high"),
        ("IL303", "classes/InvoiceService.cls", 10, 9, "high"),
        ("IL302", "classes/InvoiceSyncJob.cls", 2, 27, "high"),
        ("IL302", "classes/LegacyOrderExport.cls", 4, 24, "high"),
        ("IL509", "classes/LegacyOrderExport.cls-meta.xml", 3, 5, "high"),
        ("IL207", "classes/OpportunityPaymentHandler.cls", 7, 17, "medium"),
        ("IL409", "classes/ShipmentEventPublisher.cls", 8, 9, "high"),
        ("IL409", "classes/ShipmentEventPublisher.cls", 12, 38, "high"),
        ("IL207", "classes/ShipmentService.cls", 10, 59, "high"),
        ("IL103", "externalServiceRegistrations/ERP_Shipments.externalServiceRegistration-meta.xml", 15, 284, "high"),
        ("IL601", "objects/Invoice_Paid__e/Invoice_Paid__e.object-meta.xml", 2, 1, "high"),
        ("IL301", "triggers/CaseTrigger.trigger", 2, 5, "high"),
        ("IL301", "triggers/OpportunityTrigger.trigger", 3, 9, "medium"),
        ("IL301", "triggers/OrderTrigger.trigger", 2, 5, "high"),
        ("IL509", "triggers/OrderTrigger.trigger-meta.xml", 3, 5, "high"),
    ]
    assert project.notices == ()


def test_order_trigger_path_runs_through_the_framework_handler_service_and_client(project):
    found = finding(project, "IL301", "triggers/OrderTrigger.trigger")
    assert found.message == (
        "Trigger `OrderTrigger` calls `TriggerHandler.run()` → `OrderTriggerHandler.afterInsert()` → `ErpService.pushOrders()` "
        "→ `ErpClient.post()`, which makes a callout (`Http.send`, ErpClient.cls:15) still in the trigger's transaction; "
        "Salesforce rejects it with `System.CalloutException: Callout from triggers are currently not supported`."
    )
    assert steps(found) == [
        ("triggers/OrderTrigger.trigger", 2, "`trigger OrderTrigger` calls `TriggerHandler.run()`"),
        ("classes/TriggerHandler.cls", 20, "`TriggerHandler.run()` calls `OrderTriggerHandler.afterInsert()`"),
        ("classes/OrderTriggerHandler.cls", 13, "`OrderTriggerHandler.afterInsert()` calls `ErpService.pushOrders()`"),
        ("classes/ErpService.cls", 17, "`ErpService.pushOrders()` calls `ErpClient.post()`"),
        ("classes/ErpClient.cls", 15, "`ErpClient.post()` makes the callout `new Http().send(…)` (Http.send)"),
    ]
    assert found.hint.startswith("make the callout from a `@future(callout=true)` method")


def test_case_trigger_reaches_the_generated_wsdl_stub(project):
    found = finding(project, "IL301", "triggers/CaseTrigger.trigger")
    assert steps(found)[-2:] == [
        ("classes/ShipmentService.cls", 10, "`ShipmentService.requestPickups()` calls `ShippingServiceStub.ShippingPort.createPickup()`"),
        ("classes/ShippingServiceStub.cls", 28, "`ShippingServiceStub.ShippingPort.createPickup()` makes the callout `WebServiceCallout.invoke(…)`"),
    ]


def test_interface_dispatch_lowers_confidence_and_says_which_implementation(project):
    found = finding(project, "IL301", "triggers/OpportunityTrigger.trigger")
    assert steps(found) == [
        ("triggers/OpportunityTrigger.trigger", 3, "`trigger OpportunityTrigger` calls `OpportunityPaymentHandler.chargeClosedWon()`"),
        (
            "classes/OpportunityPaymentHandler.cls",
            7,
            "`OpportunityPaymentHandler.chargeClosedWon()` calls `gateway.charge(…)`, dispatched at run time to "
            "`StripeGateway.charge()` (one of 2 implementations)",
        ),
        ("classes/StripeGateway.cls", 8, "`StripeGateway.charge()` makes the callout `new Http().send(…)` (Http.send)"),
    ]


def test_correct_async_paths_are_not_flagged(project):
    flagged = {short(f.path) for f in project.findings}
    # @future(callout=true) behind the same framework, a Queueable with AllowsCallouts, a batch with it,
    # a Queueable without it (IL302 on the job, not IL301 on the trigger), and a test class.
    for clean in (
        "triggers/AccountTrigger.trigger",
        "classes/AccountSyncService.cls",
        "triggers/ContactTrigger.trigger",
        "classes/ContactSyncJob.cls",
        "classes/NightlyReconciliation.cls",
        "classes/OrderReconciliationBatch.cls",
        "triggers/InvoiceTrigger.trigger",
        "classes/ErpServiceTest.cls",
        "classes/InvoiceController.cls",
        "objects/Order_Shipped__e/Order_Shipped__e.object-meta.xml",
    ):
        assert clean not in flagged, clean


def test_queueable_without_allows_callouts(project):
    found = finding(project, "IL302", "classes/InvoiceSyncJob.cls")
    assert found.message == (
        "Queueable `InvoiceSyncJob`'s `execute` reaches a callout (`Http.send` in `ErpClient.post()`, ErpClient.cls:15), "
        "but `InvoiceSyncJob` does not implement `Database.AllowsCallouts`, so the job fails with a `System.CalloutException`."
    )
    assert steps(found) == [
        ("classes/InvoiceSyncJob.cls", 11, "`InvoiceSyncJob.execute()` calls `ErpClient.post()`"),
        ("classes/ErpClient.cls", 15, "`ErpClient.post()` makes the callout `new Http().send(…)` (Http.send)"),
    ]


def test_future_without_callout_true(project):
    found = finding(project, "IL302", "classes/LegacyOrderExport.cls")
    assert found.message.startswith("`LegacyOrderExport.exportOrders()` is `@future` without `callout=true` but reaches a callout")
    assert found.hint == "annotate it `@future(callout=true)`"


def test_callout_after_dml_shows_the_write_then_the_callout(project):
    found = finding(project, "IL303", "classes/InvoiceService.cls")
    assert found.message == (
        "`new ErpClient('callout:ERP').post(…)` reaches a callout (`Http.send` in `ErpClient.post()`, ErpClient.cls:15) "
        "after `update invoices` (line 7) wrote in the same transaction; Salesforce refuses it with "
        "`System.CalloutException: You have uncommitted work pending. Please commit or rollback before calling out`."
    )
    assert steps(found) == [
        ("classes/InvoiceService.cls", 7, "`InvoiceService.markPaid()` writes: `update invoices`"),
        ("classes/InvoiceService.cls", 10, "`InvoiceService.markPaid()` calls `ErpClient.post()`"),
        ("classes/ErpClient.cls", 15, "`ErpClient.post()` makes the callout `new Http().send(…)` (Http.send)"),
    ]


def test_stub_called_per_case_is_a_callout_in_a_loop(project):
    found = finding(project, "IL207", "classes/ShipmentService.cls")
    assert found.message.startswith(
        "`port.createPickup(…)` reaches a callout (`WebServiceCallout.invoke` in `ShippingServiceStub.ShippingPort.createPickup()`, "
        "ShippingServiceStub.cls:28) on every pass of the loop at line 6 (`for (Case record : returns)`)"
    )
    assert steps(found)[0] == ("classes/ShipmentService.cls", 6, "the loop: `for (Case record : returns)`")


def test_platform_event_without_publish_behavior(project):
    found = finding(project, "IL601", "objects/Invoice_Paid__e/Invoice_Paid__e.object-meta.xml")
    assert found.message.startswith("Platform event `Invoice_Paid__e` does not set `<publishBehavior>`")


def test_terminal_report_numbers_the_path(project):
    from lint.reporters import render

    text = render("terminal", project)
    assert (
        "  path:\n"
        "    1. apex/force-app/main/default/triggers/OrderTrigger.trigger:2:5 `trigger OrderTrigger` calls `TriggerHandler.run()`\n"
        "    2. apex/force-app/main/default/classes/TriggerHandler.cls:20:17 `TriggerHandler.run()` calls `OrderTriggerHandler.afterInsert()`\n"
    ) in text


def test_sarif_has_the_path_as_related_locations_and_a_code_flow(project):
    import json

    from lint.reporters import render
    from tests.test_reporters import assert_schema_valid

    log = json.loads(render("sarif", project))
    assert_schema_valid(log)
    (result,) = [
        r for r in log["runs"][0]["results"]
        if r["ruleId"] == "IL301" and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("OrderTrigger.trigger")
    ]
    flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["location"]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1] for step in flow] == [
        "OrderTrigger.trigger", "TriggerHandler.cls", "OrderTriggerHandler.cls", "ErpService.cls", "ErpClient.cls",
    ]
    assert [location["id"] for location in result["relatedLocations"]] == [0, 1, 2, 3, 4]
    assert flow[-1]["location"]["message"]["text"] == "`ErpClient.post()` makes the callout `new Http().send(…)` (Http.send)"


# -- small trees: what each rule does and does not follow ---------------------------------------


CLIENT = """\
    public class ErpClient {
        public HttpResponse post(String body) {
            HttpRequest request = new HttpRequest();
            request.setBody(body);
            return new Http().send(request);
        }
    }
    """


def test_enqueued_queueable_with_allows_callouts_ends_the_trigger_path(tmp_path):
    assert lint_tree(
        tmp_path,
        {
            "triggers/T.trigger": "trigger T on Account (after insert) {\n    System.enqueueJob(new SyncJob());\n}\n",
            "classes/SyncJob.cls": "public class SyncJob implements Queueable, Database.AllowsCallouts {\n    public void execute(QueueableContext c) { new ErpClient().post(''); }\n}\n",
            "classes/ErpClient.cls": CLIENT,
        },
    ) == []


def test_allows_callouts_inherited_from_an_abstract_base_job(tmp_path):
    assert lint_tree(
        tmp_path,
        {
            "classes/BaseJob.cls": """\
                public abstract class BaseJob implements Queueable, Database.AllowsCallouts {
                    public void execute(QueueableContext context) { this.work(); }
                    protected abstract void work();
                }
                """,
            "classes/SyncJob.cls": "public class SyncJob extends BaseJob {\n    protected override void work() { new ErpClient().post(''); }\n}\n",
            "classes/ErpClient.cls": CLIENT,
        },
    ) == []


def test_schedulable_that_calls_out_itself(tmp_path):
    assert lint_tree(
        tmp_path,
        {
            "classes/Ping.cls": "public class Ping implements Schedulable {\n    public void execute(SchedulableContext c) { new ErpClient().post(''); }\n}\n",
            "classes/ErpClient.cls": CLIENT,
        },
    ) == [("IL302", "classes/Ping.cls", 1, "high")]


def test_future_with_callout_true_in_a_trigger_path_and_case_insensitive_names(tmp_path):
    assert lint_tree(
        tmp_path,
        {
            "triggers/T.trigger": "trigger T on Account (after insert) {\n    SYNC.push(Trigger.newMap.keySet());\n    sync.pushNow();\n}\n",
            "classes/Sync.cls": """\
                public class Sync {
                    @Future(Callout = TRUE)
                    public static void push(Set<Id> ids) { new ERPCLIENT().POST(''); }
                    public static void pushNow() { HTTP h = new http(); h.SEND(new HttpRequest()); }
                }
                """,
            "classes/ErpClient.cls": CLIENT,
        },
    ) == [("IL301", "triggers/T.trigger", 3, "high")]


def test_write_in_a_called_method_then_callout(tmp_path):
    assert lint_tree(
        tmp_path,
        {
            "classes/Submit.cls": """\
                public class Submit {
                    public static void run(Order o) {
                        AuditLog.record(o);
                        new ErpClient().post(JSON.serialize(o));
                    }
                }
                """,
            "classes/AuditLog.cls": "public class AuditLog {\n    public static void record(Order o) {\n        System.enqueueJob(new AuditJob(o));\n    }\n}\n",
            "classes/ErpClient.cls": CLIENT,
        },
    ) == [("IL303", "classes/Submit.cls", 4, "high")]


def test_callout_before_dml_and_exclusive_branches_are_fine(tmp_path):
    assert lint_tree(
        tmp_path,
        {
            "classes/Submit.cls": """\
                public class Submit {
                    public static void run(Order o, Boolean offline) {
                        HttpResponse response = new ErpClient().post('');
                        insert new Integration_Log__c(Status__c = response.getStatus());
                    }
                    public static void either(Order o, Boolean offline) {
                        if (offline) {
                            insert new Outbox__c();
                        } else {
                            new ErpClient().post('');
                        }
                    }
                }
                """,
            "classes/ErpClient.cls": CLIENT,
        },
    ) == []


def test_test_classes_are_skipped(tmp_path):
    assert lint_tree(
        tmp_path,
        {
            "classes/ErpClientTest.cls": """\
                @IsTest
                private class ErpClientTest {
                    @IsTest
                    static void posts() {
                        insert new Account(Name = 'Acme');
                        for (Integer i = 0; i < 3; i++) {
                            new ErpClient().post('');
                        }
                    }
                }
                """,
            "classes/ErpClient.cls": CLIENT,
        },
    ) == []


def test_loop_reaching_a_callout_through_a_helper_of_another_class(tmp_path):
    assert lint_tree(
        tmp_path,
        {
            "classes/Export.cls": """\
                public class Export {
                    private ErpClient client = new ErpClient();
                    public void all(List<Order> orders) {
                        Integer i = 0;
                        while (i < orders.size()) {
                            client.post(JSON.serialize(orders[i]));
                            i++;
                        }
                    }
                }
                """,
            "classes/ErpClient.cls": CLIENT,
        },
    ) == [("IL207", "classes/Export.cls", 6, "high")]
