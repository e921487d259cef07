"""IL507 on Apex string literals and IL509 on metadata `<apiVersion>`: the fixture project, the shapes
each must report, and the traps (test code, comments, ids of no standard object) each must not."""

from __future__ import annotations

import pytest

from lint.engine import run
from lint.findings import Severity
from lint.results import RunResult
from lint.rules import load_registry
from tests.conftest import FIXTURES, lint_snippet, settings_for

pytest.importorskip("tree_sitter_language_pack", reason="Apex support is the `apex` extra")

BREAKS = "ids differ between orgs and change when a sandbox is refreshed, so this breaks outside the org it was copied from"
QUEUE_FIX = "look the group or queue up by `DeveloperName`"
RECORD_TYPE_FIX = "look it up by `DeveloperName` and `SobjectType`"
USER_FIX = "look the user up by `Username` or `FederationIdentifier`"
ACCOUNT_FIX = "look the record up by an External ID or another stable field, or read the id from configuration"
METADATA_FIX = "raise `<apiVersion>` to {minimum} or later and run the component's tests against it"


def ids(code: str, path: str = "classes/CaseRouter.cls") -> list[tuple[str, int, str]]:
    return [(f.code, f.span.start_line, f.message) for f in lint_snippet(code, path).findings if f.code == "IL507"]


def versions(xml: str, path: str = "classes/CaseRouter.cls-meta.xml", **overrides) -> list[tuple[int, Severity, str]]:
    findings = lint_snippet(xml, path, **overrides).findings
    return [(f.span.start_line, f.severity, f.message) for f in findings if f.code == "IL509"]


def class_meta(version: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        f"    <apiVersion>{version}</apiVersion>\n"
        "    <status>Active</status>\n"
        "</ApexClass>\n"
    )


@pytest.fixture(scope="module")
def project() -> RunResult:
    return run([FIXTURES / "apex"], settings_for(FIXTURES), load_registry())


# -- the fixture project ------------------------------------------------------------------------


def test_fixture_project_hard_codes_ids_in_one_service_and_its_test_stays_silent(project):
    found = [(f.path.rsplit("/", 1)[-1], f.span.start_line, f.message) for f in project.findings if f.code == "IL507"]
    assert found == [
        ("CaseAssignmentService.cls", 3, f"`00G5e000004AbCdEAK` is a hard-coded Group record id; {BREAKS}; {QUEUE_FIX}."),
        ("CaseAssignmentService.cls", 4, f"`0125e000000AbCd` is a hard-coded RecordType record id; {BREAKS}; {RECORD_TYPE_FIX}."),
        ("CaseAssignmentService.cls", 11, f"`0055e000001AbCdAAK` is a hard-coded User record id; {BREAKS}; {USER_FIX}."),
        ("CaseAssignmentService.cls", 18, f"This SOQL filters on the hard-coded Group record id `00G5e000004AbCdEAK`; {BREAKS}; {QUEUE_FIX}."),
        ("CaseAssignmentService.cls", 22, f"This SOQL filters on the hard-coded Account record id `0015e00000AbCdEAAV`; {BREAKS}; {ACCOUNT_FIX}."),
    ]


def test_fixture_project_pins_two_components_to_old_api_versions(project):
    found = [(f.path.rsplit("/", 1)[-1], f.span.start_line, f.severity, f.message) for f in project.findings if f.code == "IL509"]
    fix = METADATA_FIX.format(minimum="50.0")
    assert found == [
        (
            "LegacyOrderExport.cls-meta.xml",
            3,
            Severity.ERROR,
            "API version 29.0 in `<apiVersion>` of LegacyOrderExport.cls-meta.xml is retired, so the component runs on an "
            f"API version Salesforce no longer supports; {fix}.",
        ),
        (
            "OrderTrigger.trigger-meta.xml",
            3,
            Severity.WARNING,
            "API version 38.0 in `<apiVersion>` of OrderTrigger.trigger-meta.xml retires in Summer '28 with every version from "
            f"31.0 to 40.0, and the component will then run on an API version Salesforce no longer supports; {fix}.",
        ),
    ]


# -- IL507 in Apex ------------------------------------------------------------------------------


def test_ids_assigned_compared_and_kept_in_fields_are_reported_where_written():
    code = """\
        public with sharing class CaseRouter {
            private static final Id TIER_2 = '00G5e000004AbCdEAK';
            public static void route(Case c, Id rt) {
                Id queueId = '00G5e000004AbCdEAK';
                if (rt == '0125e000000AbCd') {
                    c.OwnerId = '0055e000001AbCdAAK';
                }
            }
        }
        """
    assert ids(code) == [
        ("IL507", 2, f"`00G5e000004AbCdEAK` is a hard-coded Group record id; {BREAKS}; {QUEUE_FIX}."),
        ("IL507", 4, f"`00G5e000004AbCdEAK` is a hard-coded Group record id; {BREAKS}; {QUEUE_FIX}."),
        ("IL507", 5, f"`0125e000000AbCd` is a hard-coded RecordType record id; {BREAKS}; {RECORD_TYPE_FIX}."),
        ("IL507", 6, f"`0055e000001AbCdAAK` is a hard-coded User record id; {BREAKS}; {USER_FIX}."),
    ]


def test_ids_quoted_in_soql_strings_and_inline_queries():
    code = """\
        public with sharing class ContactFinder {
            public static List<Contact> acme() {
                return Database.query('SELECT Id FROM Contact WHERE AccountId IN (\\'0015e00000AbCdEAAV\\', \\'0015e00000AbCdEAAV\\')');
            }
            public static List<Case> escalated() {
                return [SELECT Id FROM Case WHERE OwnerId = '00G5e000004AbCdEAK' AND Status = 'Escalated'];
            }
        }
        """
    assert ids(code, "classes/ContactFinder.cls") == [
        ("IL507", 3, f"This SOQL filters on the hard-coded Account record id `0015e00000AbCdEAAV` (and 1 more); {BREAKS}; {ACCOUNT_FIX}."),
        ("IL507", 6, f"This SOQL filters on the hard-coded Group record id `00G5e000004AbCdEAK`; {BREAKS}; {QUEUE_FIX}."),
    ]


def test_a_trigger_body_is_checked():
    code = "trigger CaseTrigger on Case (before insert) {\n    for (Case c : Trigger.new) { c.OwnerId = '00G5e000004AbCdEAK'; }\n}\n"
    assert [line for _, line, _ in ids(code, "triggers/CaseTrigger.trigger")] == [2]


def test_test_code_comments_and_strings_that_are_not_standard_ids_are_not_reported():
    code = """\
        public with sharing class CaseRouter {
            // production queue: 00G5e000004AbCdEAK
            /* record type 0125e000000AbCd */
            public static void route(Case c) {
                c.Region__c = 'a0X5e000001AbCdEAA';
                c.AccountNumber__c = '001234567890123';
                c.Reference__c = '0015e00000AbCdEXYZ';
                System.debug('queue 00G5e000004AbCdEAK is missing');
            }
            @isTest static void routesInATest() { new Case(OwnerId = '00G5e000004AbCdEAK'); }
            static testMethod void routesInAnOldTest() { new Case(OwnerId = '00G5e000004AbCdEAK'); }
        }
        """
    assert ids(code) == []


def test_test_classes_their_inner_classes_and_test_paths_are_not_checked():
    test_class = """\
        @isTest
        private class CaseRouterTest {
            static final Id QUEUE = '00G5e000004AbCdEAK';
            class Builder { Case make() { return new Case(OwnerId = '00G5e000004AbCdEAK'); } }
        }
        """
    assert ids(test_class, "classes/CaseRouterTest.cls") == []
    plain = "public class Seed {\n    Id owner = '0055e000001AbCdAAK';\n}\n"
    assert ids(plain, "force-app/test/default/classes/Seed.cls") == []
    assert [line for _, line, _ in ids(plain, "force-app/main/default/classes/Seed.cls")] == [2]


# -- IL509 in metadata --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "severity"),
    [("29.0", Severity.ERROR), ("30.0", Severity.ERROR), ("31.0", Severity.WARNING), ("40.0", Severity.WARNING), ("49.0", Severity.NOTE), ("50.0", None), ("62.0", None)],
)
def test_component_api_version_severity_bands(version, severity):
    assert [found[1] for found in versions(class_meta(version))] == ([severity] if severity else [])


def test_any_component_kind_is_read_and_the_message_names_the_file():
    bundle = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<LightningComponentBundle xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <apiVersion>45.0</apiVersion>\n"
        "    <isExposed>true</isExposed>\n"
        "</LightningComponentBundle>\n"
    )
    assert versions(bundle, "lwc/orderCard/orderCard.js-meta.xml") == [
        (
            3,
            Severity.NOTE,
            "API version 45.0 in `<apiVersion>` of orderCard.js-meta.xml is older than this project's minimum of 50.0 "
            f"(`min-api-version`); {METADATA_FIX.format(minimum='50.0')}.",
        )
    ]


def test_min_api_version_option_applies_to_metadata():
    options = settings_for().options | {"min-api-version": 58.0}
    assert [(line, severity) for line, severity, _ in versions(class_meta("55.0"), options=options)] == [(3, Severity.NOTE)]
    assert versions(class_meta("55.0")) == []


def test_only_the_components_own_version_is_read():
    nested = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Flow xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <actionCalls><apiVersion>29.0</apiVersion></actionCalls>\n"
        "    <apiVersion>61.0</apiVersion>\n"
        "</Flow>\n"
    )
    assert versions(nested, "flows/Order_Sync.flow-meta.xml") == []
    assert versions(class_meta("latest")) == []
    assert versions(class_meta("29.0"), "force-app/test/default/classes/Seed.cls-meta.xml") == []
