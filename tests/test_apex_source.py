"""The Apex source kind: the model read from the tree, the repository index and its call resolution,
parse errors, suppression comments, the engine's once-per-run index, and the optional extra."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lint.engine import run
from lint.rules import load_registry
from lint.sources import apex
from lint.sources.apex_index import ApexIndex
from lint.sources.apex_model import CONSTRUCTOR, Member, Name, Result, This, Typed, TypeRef
from tests.conftest import lint_snippet, settings_for

pytest.importorskip("tree_sitter_language_pack", reason="Apex support is the `apex` extra")

ROOT = Path(__file__).resolve().parent.parent


def read(code: str, path: str = "classes/Example.cls"):
    return apex.read(path, textwrap.dedent(code).encode(), apex.apex_parser())


def index_of(**files: str) -> ApexIndex:
    """An index of `Name=code` files: `.trigger` when the name starts with `trigger_`, else `.cls`."""
    units = []
    for name, code in files.items():
        path = f"triggers/{name[len('trigger_'):]}.trigger" if name.startswith("trigger_") else f"classes/{name}.cls"
        units.append(read(code, path))
    return ApexIndex(units)


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, code in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(code))


# -- the model ------------------------------------------------------------------------------


def test_class_declaration_interfaces_annotations_fields_and_inner_types():
    unit = read(
        """\
        public with sharing class OrderSyncJob extends BaseJob implements Queueable, Database.AllowsCallouts {
            private ErpClient client = new ErpClient();
            @future(callout=true)
            public static void push(Set<Id> ids) {}
            public class Payload {}
        }
        """
    )
    job, payload = unit.types
    assert (job.name, job.kind, job.superclass, job.interfaces) == (
        "OrderSyncJob",
        "class",
        TypeRef("BaseJob"),
        (TypeRef("Queueable"), TypeRef("Database.AllowsCallouts")),
    )
    assert job.fields == (("client", TypeRef("ErpClient")),)
    push = next(routine for routine in job.routines if routine.name == "push")
    assert push.annotation("FUTURE").value("callout") == "true"
    assert push.is_static and push.params == (("ids", TypeRef("Set", (TypeRef("Id"),))),)
    assert [routine.kind for routine in job.routines] == ["method", "initializer"]  # the field initialiser
    assert (payload.name, payload.outer) == ("OrderSyncJob.Payload", "OrderSyncJob")


def test_trigger_declaration_and_body():
    unit = read("trigger OrderTrigger on Order (after insert, after update) {\n    new OrderTriggerHandler().run();\n}\n", "triggers/OrderTrigger.trigger")
    (trigger,) = unit.triggers
    assert (trigger.name, trigger.sobject, trigger.events) == ("OrderTrigger", "Order", ("after insert", "after update"))
    assert [step.label for step in trigger.body.steps] == ["new OrderTriggerHandler()", "new OrderTriggerHandler().run()"]
    assert trigger.body.label == "trigger OrderTrigger"


def test_steps_come_in_evaluation_order_with_loops_and_branch_arms():
    unit = read(
        """\
        public class OrderSubmit {
            public void submit(List<Order> orders, Boolean offline) {
                Http http = new Http();
                for (Order order : orders) {
                    if (offline) {
                        insert new Outbox__c(Order__c = order.Id);
                    } else {
                        http.send(build(order));
                    }
                }
                this.client.flush();
            }
        }
        """
    )
    steps = unit.types[0].routines[0].steps
    assert [(step.label, step.site.span.start_line, len(step.loops)) for step in steps] == [
        ("new Http()", 3, 0),
        ("new Outbox__c(…)", 6, 1),
        ("insert new Outbox__c(Order__c = order.Id)", 6, 1),
        ("build(…)", 8, 1),
        ("http.send(…)", 8, 1),
        ("this.client.flush()", 11, 0),
    ]
    insert, send = steps[2], steps[4]
    assert insert.dml == "insert" and insert.exclusive_with(send) and not insert.exclusive_with(steps[5])
    assert steps[4].loops[0].text == "for (Order order : orders)"
    assert steps[4].call.receiver == Typed(TypeRef("Http"))  # a local: typed in the file
    assert steps[5].call.receiver == Member(This(), "client")
    assert steps[0].call.name == CONSTRUCTOR and steps[0].call.receiver == Typed(TypeRef("Http"), exact=True)


def test_receivers_that_need_the_index_stay_unresolved_in_the_model():
    unit = read(
        """\
        public class Caller {
            public void run() {
                ErpService.push();
                PaymentGatewayFactory.create().charge(1);
            }
        }
        """
    )
    push, create, charge = unit.types[0].routines[0].steps
    assert push.call.receiver == Name("ErpService")
    assert isinstance(charge.call.receiver, Result) and charge.call.receiver.call.name == "create"


def test_columns_count_characters_not_bytes():
    unit = read("public class Ünïcode {\n    void m() { String s = 'é'; ping(); }\n}\n")
    (step,) = unit.types[0].routines[0].steps
    assert (step.site.span.start_line, step.site.span.start_column) == (2, 32)
    assert unit.types[0].site.span.start_column == 14


def test_string_literals_with_their_values_scopes_and_test_code():
    unit = read(
        """\
        public class CaseRouter {
            private static final Id QUEUE_ID = '00G5e000004AbCdEAK';
            static { LABELS.put('it\\'s', 'caf\\u00e9\\n'); }
            public List<Case> route() {
                return [SELECT Id FROM Case WHERE OwnerId = :QUEUE_ID AND Status = 'New'];
            }
            @isTest static void routes() { System.assert(true, 'routed'); }
            static testMethod void legacy() { System.assert(true, 'legacy'); }
            @isTest class Fixtures { void make() { insert new Case(Subject = 'fixture'); } }
        }
        """
    )
    literals = sorted(unit.strings, key=lambda literal: (literal.site.span.start_line, literal.site.span.start_column))
    found = [(literal.text, literal.site.span.start_line, literal.scope, literal.in_test, literal.in_query) for literal in literals]
    assert found == [
        ("00G5e000004AbCdEAK", 2, "CaseRouter.<initializer>", False, False),
        ("it's", 3, "CaseRouter.<initializer>", False, False),
        ("café\n", 3, "CaseRouter.<initializer>", False, False),
        ("New", 5, "CaseRouter.route", False, True),
        ("routed", 7, "CaseRouter.routes", True, False),
        ("legacy", 8, "CaseRouter.legacy", True, False),
        ("fixture", 9, "CaseRouter.Fixtures.make", True, False),
    ]
    assert [literal.site.text for literal in literals[:3]] == ["'00G5e000004AbCdEAK'", "'it\\'s'", "'caf\\u00e9\\n'"]


# -- the index ------------------------------------------------------------------------------


def callees(index: ApexIndex, owner: str, method: str) -> list[list[tuple[str, bool]]]:
    """For each step of `owner.method`, the labels of the routines it calls (and whether dispatched)."""
    rid = next(rid for rid, routine in enumerate(index.routines) if routine.owner == owner and routine.name == method)
    return [
        [(index.routines[target.frame[0]].label, target.dispatched) for target in effect.calls]
        for effect in index.effects(index.frame(rid))
    ]


def test_static_instance_field_and_local_calls_resolve_across_files_case_insensitively():
    index = index_of(
        Handler="""\
            public class Handler {
                private ErpService service = new ErpService();
                public void run() {
                    erpservice.audit();
                    service.push();
                    ErpService local = new ErpService();
                    LOCAL.PUSH();
                    new ErpService().push();
                }
            }
            """,
        ErpService="public class ErpService {\n    public static void audit() {}\n    public void push() {}\n}\n",
    )
    assert callees(index, "Handler", "run") == [
        [("ErpService.audit()", False)],
        [("ErpService.push()", False)],
        [],  # `new ErpService()`: no constructor declared
        [("ErpService.push()", False)],
        [],
        [("ErpService.push()", False)],
    ]


def test_inherited_method_runs_with_this_as_the_subclass_so_overrides_resolve_exactly():
    index = index_of(
        TriggerHandler="""\
            public virtual class TriggerHandler {
                public void run() { this.afterInsert(); }
                protected virtual void afterInsert() {}
            }
            """,
        OrderHandler="public class OrderHandler extends TriggerHandler {\n    protected override void afterInsert() {}\n}\n",
        AccountHandler="public class AccountHandler extends TriggerHandler {\n    protected override void afterInsert() {}\n}\n",
        trigger_OrderTrigger="trigger OrderTrigger on Order (after insert) {\n    new OrderHandler().run();\n}\n",
    )
    trigger = next(index.frame(rid) for rid, routine in enumerate(index.routines) if routine.kind == "trigger")
    (_, run_call) = index.effects(trigger)
    (target,) = run_call.calls
    assert index.routines[target.frame[0]].label == "TriggerHandler.run()" and target.frame[1] == "orderhandler"
    (after_insert,) = index.effects(target.frame)
    assert [(index.routines[t.frame[0]].label, t.dispatched) for t in after_insert.calls] == [("OrderHandler.afterInsert()", False)]
    # In its own frame, `this` may be any handler: every override is a candidate, dispatched at run time.
    assert callees(index, "TriggerHandler", "run") == [
        [("TriggerHandler.afterInsert()", True), ("AccountHandler.afterInsert()", True), ("OrderHandler.afterInsert()", True)]
    ]


def test_interface_calls_reach_every_implementation_and_return_types_type_receivers():
    index = index_of(
        IGateway="public interface IGateway {\n    void charge();\n}\n",
        Stripe="public class Stripe implements IGateway {\n    public void charge() {}\n}\n",
        Manual="public class Manual implements IGateway {\n    public void charge() {}\n}\n",
        Factory="public class Factory {\n    public static IGateway create() { return (IGateway) Type.forName('Stripe').newInstance(); }\n}\n",
        Payments="public class Payments {\n    public void pay() {\n        Factory.create().charge();\n    }\n}\n",
    )
    assert callees(index, "Payments", "pay") == [
        [("Factory.create()", False)],
        [("Manual.charge()", True), ("Stripe.charge()", True)],
    ]


def test_jobs_future_methods_and_batches_start_later_instead_of_being_called():
    index = index_of(
        Sync="""\
            public class Sync implements Queueable, Database.AllowsCallouts {
                public void execute(QueueableContext context) {}
                @future(callout=true)
                public static void later() {}
                public void now() {
                    System.enqueueJob(new Sync());
                    Sync.later();
                    Database.executeBatch(new Export(), 50);
                }
            }
            """,
        Export="""\
            public class Export implements Database.Batchable<SObject> {
                public Database.QueryLocator start(Database.BatchableContext context) { return null; }
                public void execute(Database.BatchableContext context, List<SObject> scope) {}
                public void finish(Database.BatchableContext context) {}
            }
            """,
    )
    rid = next(rid for rid, routine in enumerate(index.routines) if routine.name == "now")
    effects = [effect for effect in index.effects(index.frame(rid)) if effect.step.call.name != CONSTRUCTOR]
    enqueue, future, batch = effects
    assert enqueue.write == "System.enqueueJob" and not enqueue.calls
    assert [index.routines[t.frame[0]].label for t in enqueue.starts] == ["Sync.execute()"]
    assert not future.calls and [index.routines[t.frame[0]].label for t in future.starts] == ["Sync.later()"]
    assert [index.routines[t.frame[0]].label for t in batch.starts] == ["Export.start()", "Export.execute()", "Export.finish()"]
    sync = index.types["sync"]
    assert {"queueable", "database.allowscallouts"} <= index.interface_keys(sync)


def test_inner_types_of_a_generated_stub_resolve_from_outside_and_inside():
    index = index_of(
        Stub="""\
            public class Stub {
                public class Port {
                    public Stub.Reply send() { WebServiceCallout.invoke(this, null, null, null); return null; }
                }
                public class Reply {}
            }
            """,
        Caller="public class Caller {\n    public void go() {\n        Stub.Port port = new Stub.Port();\n        port.send();\n    }\n}\n",
    )
    assert callees(index, "Caller", "go") == [[], [("Stub.Port.send()", False)]]
    rid = next(rid for rid, routine in enumerate(index.routines) if routine.label == "Stub.Port.send()")
    (invoke,) = index.effects(index.frame(rid))
    assert invoke.callout == "WebServiceCallout.invoke"


def test_index_is_plain_picklable_data():
    index = index_of(Caller="public class Caller {\n    void go() { new Http().send(null); }\n}\n")
    index.paths.from_frame(index.frame(0), "callout")
    copy = pickle.loads(pickle.dumps(index))
    assert copy.paths.from_frame(copy.frame(0), "callout").what == "Http.send"


# -- parse errors ---------------------------------------------------------------------------


def il001(code: str, path: str = "classes/OrderService.cls") -> list[tuple[int, int, str]]:
    return [(f.span.start_line, f.span.start_column, f.message) for f in lint_snippet(code, path).findings if f.code == "IL001"]


def test_truncated_class_is_reported_at_the_brace_that_never_closes():
    assert il001("public class OrderService {\n    public void push() {\n        send();\n") == [
        (2, 24, "Apex syntax error: this `{` is never closed (the file ends first).")
    ]


def test_extra_closing_brace_is_reported_where_it_is():
    assert il001("public class OrderService {\n    void push() { send(); }}\n}\n") == [
        (3, 1, "Apex syntax error: this `}` closes no block.")
    ]


def test_braces_in_strings_and_comments_do_not_count():
    assert il001("public class A {\n    // a } in a comment\n    String s = '{ not a block \\' }';\n    /* { */\n}\n") == []


def test_syntax_error_inside_balanced_braces_points_at_the_unexpected_code():
    assert il001("trigger OrderTrigger on Order (after insert) {\n    OrderHandler.run(Trigger.new;\n}\n", "triggers/OrderTrigger.trigger") == [
        (2, 21, "Apex syntax error: unexpected `(Trigger.new`.")
    ]


def test_missing_token_is_named():
    found = il001("public class A {\n    void m() {\n        Integer x = 1\n    }\n}\n")
    assert len(found) == 1 and found[0][:2] == (3, 22) and found[0][2].startswith("Apex syntax error: expected `;`")


def test_bytes_that_are_not_utf8_or_nul_are_parse_errors():
    assert lint_snippet("public class A {}\n", "classes/A.cls").findings == []
    outcome = lint_snippet("", "classes/A.cls")
    assert outcome.findings == []
    from lint.engine import lint_source

    registry = load_registry()
    settings = settings_for()
    rules = tuple(registry.sorted())
    bad = lint_source("classes/A.cls", b"public class A {\n  String s = '\xe9';\n}\n", None, rules, settings, registry)
    assert [(f.code, f.span.start_line, f.message) for f in bad.findings] == [
        ("IL001", 2, "byte 0xe9 is not valid UTF-8; Salesforce stores Apex as UTF-8.")
    ]
    nul = lint_source("classes/A.cls", b"public class A {\x00}\n", None, rules, settings, registry)
    assert [f.code for f in nul.findings] == ["IL001"]


def test_a_generator_template_is_skipped_with_a_notice_not_reported():
    # The Salesforce CLI's class template (@salesforce/templates): EJS, Apex only once rendered.
    outcome = lint_snippet("public with sharing class <%= apiName %> implements Queueable {\n}\n", "templates/apexclass/Queueable.cls")
    assert outcome.findings == [] and outcome.notices == (
        "skipped templates/apexclass/Queueable.cls: it is a template (Helm, Jinja, EJS), not Apex, until it is rendered",
    )


# -- suppression comments -------------------------------------------------------------------


CALLOUT_TRIGGER = """\
    trigger OrderTrigger on Order (after insert) {
        HttpRequest request = new HttpRequest();
        new Http().send(request);{comment}
    }
    """


def test_line_comment_suppresses_and_carries_its_reason():
    outcome = lint_snippet(CALLOUT_TRIGGER.replace("{comment}", "  // intlint: ignore[IL301] sandbox-only mock endpoint"), "triggers/OrderTrigger.trigger")
    assert outcome.findings == []
    assert [(s.finding.code, s.reason) for s in outcome.suppressed] == [("IL301", "sandbox-only mock endpoint")]


def test_block_comment_on_the_line_above_suppresses():
    code = CALLOUT_TRIGGER.replace("{comment}", "").replace("        new Http()", "        /* intlint: ignore[IL301] mock */\n        new Http()")
    outcome = lint_snippet(code, "triggers/OrderTrigger.trigger")
    assert outcome.findings == [] and [s.reason for s in outcome.suppressed] == ["mock"]


def test_unused_apex_suppression_is_il002():
    outcome = lint_snippet("public class A {\n    // intlint: ignore[IL303] nothing here\n    void m() {}\n}\n", "classes/A.cls")
    assert [(f.code, f.span.start_line, f.span.start_column) for f in outcome.findings] == [("IL002", 2, 5)]


# -- the engine: one index per run ------------------------------------------------------------


def test_index_is_built_once_per_run_from_every_apex_file(tmp_path, monkeypatch):
    write_tree(
        tmp_path,
        {
            "force-app/triggers/T.trigger": "trigger T on Account (after insert) {\n    Handler.run();\n}\n",
            "force-app/classes/Handler.cls": "public class Handler {\n    public static void run() { new Http().send(null); }\n}\n",
            "force-app/classes/Other.cls": "public class Other {}\n",
        },
    )
    built = []
    original = apex.build_index

    def counting(files):
        files = list(files)
        built.append(sorted(path for path, _ in files))
        return original(files)

    monkeypatch.setattr(apex, "build_index", counting)
    result = run([tmp_path], settings_for(tmp_path), load_registry())
    assert built == [["force-app/classes/Handler.cls", "force-app/classes/Other.cls", "force-app/triggers/T.trigger"]]
    assert [(f.code, f.path) for f in result.findings] == [("IL301", "force-app/triggers/T.trigger")]


def test_without_the_extra_apex_is_skipped_with_one_notice_and_python_still_linted(tmp_path, monkeypatch):
    write_tree(
        tmp_path,
        {
            "classes/A.cls": "public class A {}\n",
            "classes/B.cls": "public class B {}\n",
            "triggers/T.trigger": "trigger T on Account (after insert) {}\n",
            "push.py": "import requests\n\nrequests.post(URL, json={})\n",
        },
    )
    monkeypatch.setitem(sys.modules, "tree_sitter_language_pack", None)  # `import` now raises ImportError
    apex.apex_parser.cache_clear()
    try:
        result = run([tmp_path], settings_for(tmp_path), load_registry())
    finally:
        apex.apex_parser.cache_clear()
    assert result.notices == (
        "Apex files (.cls, .trigger) were not scanned: Apex support is an optional extra; enable it with `pip install 'intlint[apex]'`",
    )
    assert [(f.code, f.path) for f in result.findings] == [("IL401", "push.py")]
    assert result.files_scanned == 1  # the Apex files were not


def test_linting_only_python_never_imports_tree_sitter_or_the_apex_model(tmp_path):
    (tmp_path / "push.py").write_text("import requests\n\nrequests.post(URL, json={}, timeout=5)\n")
    apex_modules = ("lint.sources.apex", "lint.sources.apex_model", "lint.sources.apex_index", "lint.sources.apex_paths")
    script = (
        "import sys; from pathlib import Path; from lint.engine import run; from lint.rules import load_registry; "
        "from tests.conftest import settings_for; "
        f"run([Path({str(tmp_path)!r})], settings_for(Path({str(tmp_path)!r})), load_registry()); "
        f"print(sorted(m for m in sys.modules if m.startswith('tree_sitter') or m in {apex_modules!r}))"
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_a_failing_index_is_an_internal_error_and_files_are_still_linted_alone(tmp_path, monkeypatch):
    write_tree(tmp_path, {"triggers/T.trigger": "trigger T on Account (after insert) {\n    new Http().send(null);\n}\n"})

    def broken(files):
        raise ValueError("boom")

    monkeypatch.setattr(apex, "build_index", broken)
    result = run([tmp_path], settings_for(tmp_path), load_registry())
    assert result.internal_errors == ("internal error while indexing the apex files: ValueError: boom; please report it",)
    assert [(f.code, f.path) for f in result.findings] == [("IL301", "triggers/T.trigger")]


def test_calls_on_a_platform_interface_dispatch_to_the_repository_classes_implementing_it():
    index = index_of(
        Router="""\
            public class Router {
                public Object route(String name) {
                    Callable action = (Callable) Type.forName(name).newInstance();
                    return action.call('sync', new Map<String, Object>());
                }
            }
            """,
        SyncAction="public class SyncAction implements Callable {\n    public Object call(String action, Map<String, Object> args) { return null; }\n}\n",
    )
    assert callees(index, "Router", "route")[-1] == [("SyncAction.call()", True)]
