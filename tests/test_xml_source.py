"""The metadata XML source: a safe parse with element positions, parse errors, and comment suppressions."""

from __future__ import annotations

from lint.sources.xml import lint_file
from tests.conftest import lint_snippet

EVENT = "objects/Order_Shipped__e/Order_Shipped__e.object-meta.xml"
NO_BEHAVIOR = """\
    <?xml version="1.0" encoding="UTF-8"?>
    <CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
        <eventType>HighVolume</eventType>
        <label>Order Shipped</label>
    </CustomObject>
    """


def test_elements_keep_their_local_name_text_and_start_position():
    captured = []

    class Capture:
        code = "IL999"

        def __init__(self, context):
            pass

        files = ()

        def check_xml(self, document):
            captured.append(document)

    data = b'<?xml version="1.0"?>\n<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n  <label> Order </label>\n</CustomObject>\n'
    lint_file(EVENT, data, [Capture], {})
    (document,) = captured
    label = document.root.find("label")
    assert (document.root.tag, label.text, label.site.span.start_line, label.site.span.start_column) == ("CustomObject", "Order", 3, 3)
    assert document.root.findtext("publishBehavior") is None and document.file_name == "Order_Shipped__e.object-meta.xml"


def test_a_doctype_is_refused_so_entities_never_expand():
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
        "<CustomObject><label>&lol2;</label></CustomObject>\n"
    )
    findings = lint_snippet(laughs, EVENT).findings
    assert [(f.code, f.span.start_line) for f in findings] == [("IL001", 2)]
    assert "DOCTYPE" in findings[0].message


def test_malformed_xml_is_a_parse_error_at_its_position():
    findings = lint_snippet("<CustomObject>\n  <label>Order</labels>\n</CustomObject>\n", EVENT).findings
    assert [(f.code, f.span.start_line, f.span.start_column, f.message) for f in findings] == [
        ("IL001", 2, 17, "XML syntax error: mismatched tag.")
    ]


def test_a_generator_template_is_skipped_with_a_notice_not_reported():
    template = '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n    <apiVersion><%= apiVersion %></apiVersion>\n</ApexClass>\n'
    outcome = lint_snippet(template, "templates/apexclass/_class.cls-meta.xml")
    assert outcome.findings == [] and outcome.notices == (
        "skipped templates/apexclass/_class.cls-meta.xml: it is a template (Helm, Jinja, EJS), not XML, until it is rendered",
    )


def test_comment_suppresses_il601_with_its_reason():
    code = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- intlint: ignore[IL601] subscribers only log the event -->\n"
        '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <label>Order Shipped</label>\n"
        "</CustomObject>\n"
    )
    outcome = lint_snippet(code, EVENT)
    assert outcome.findings == []
    assert [(s.finding.code, s.reason) for s in outcome.suppressed] == [("IL601", "subscribers only log the event")]


def test_only_event_definitions_are_checked_for_publish_behavior():
    code = NO_BEHAVIOR
    assert [f.code for f in lint_snippet(code, EVENT).findings] == ["IL601"]
    assert lint_snippet(code, "objects/Invoice__c/Invoice__c.object-meta.xml").findings == []
