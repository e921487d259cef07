"""IL3xx (and IL207): Apex callouts made where the platform refuses them or runs out of them.

Every rule asks the same question of the repository-wide index: which steps
reach a callout (or a write) synchronously, and along which path
(`index.paths`, apex_paths). The rules add the judgement: in a trigger, in an
async job that has not opted in, after uncommitted work, in a loop. Findings
carry the whole path as related locations; a call dispatched at run time on
the way (an interface, an override) lowers the confidence, it never hides
the path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lint.findings import Confidence, Location, Severity
from lint.rules.base import EVERY_FILE, ApexRule, Example, Requires
from lint.sources.apex_terms import ALLOWS_CALLOUTS, BATCHABLE, CALLOUT, QUEUEABLE, SCHEDULABLE, WRITE

if TYPE_CHECKING:  # the Apex model is built only when a run lints Apex
    from lint.sources.apex_index import ApexIndex, Frame
    from lint.sources.apex_model import ApexFile, Routine, Step
    from lint.sources.apex_paths import Trace
    from lint.sources.model import Site

ASYNC_HINT = (
    "make the callout from a `@future(callout=true)` method or a Queueable that implements "
    "`Database.AllowsCallouts`, started with `System.enqueueJob`"
)


def confidence(rule: type[ApexRule], *traces: Trace) -> Confidence:
    """The rule's confidence, one level lower for each call on the paths whose target is chosen at run time."""
    levels = [Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW]
    dispatches = sum(trace.dispatches for trace in traces)
    return levels[min(levels.index(rule.confidence) + dispatches, len(levels) - 1)]


def calls_out(index: ApexIndex, trace: Trace) -> str:
    """`makes a callout (`Http.send`)`, or, through calls, where the callout is."""
    if len(trace.hops) == 1:
        return f"makes a callout (`{trace.what}`)"
    routine = index.routines[trace.last.frame[0]]
    file_name = routine.path.rsplit("/", 1)[-1]
    return f"reaches a callout (`{trace.what}` in `{routine.label}`, {file_name}:{trace.last.step.site.span.start_line})"


def doing(index: ApexIndex, trace: Trace) -> str:
    """A step and, when it only leads there, what it ends up doing: `svc.save(…)` (`insert log` in `LogService.save()`)."""
    first = f"`{trace.hops[0].step.label}`"
    if len(trace.hops) == 1:
        return first
    return f"{first} (`{trace.last.step.label}` in `{index.routines[trace.last.frame[0]].label}`)"


class TriggerSyncCallout(ApexRule):
    """
    ## What it does
    Flags a trigger that reaches a callout (`Http.send`, `WebServiceCallout.invoke`
    in a generated WSDL stub, `PageReference.getContent`) without leaving the
    trigger's transaction: directly, or through handler and service classes
    anywhere in the repository. The finding shows the whole path, trigger to
    callout. A path through a `@future(callout=true)` method or a job started with
    `System.enqueueJob` ends there: that code runs later, in its own transaction.
    A call whose target is chosen at run time (an interface, an overridden method,
    a class made by `Type.forName`) lowers the confidence but keeps the path.

    ## Why it matters
    Salesforce rejects the callout with `System.CalloutException: Callout from
    triggers are currently not supported`, so the save that fired the trigger
    fails. The integration patterns guide: "An Apex proxy class can be executed as
    the result of a DML operation by using an Apex trigger. However, all calls made
    from within the trigger context must execute asynchronously from the initiating
    event."

    ## Example
    ```java
    trigger OrderTrigger on Order (after insert) {
        OrderTriggerHandler.afterInsert(Trigger.new);  // -> ErpService.push() -> new Http().send(request)
    }
    ```

    ## Use instead
    ```java
    trigger OrderTrigger on Order (after insert) {
        System.enqueueJob(new ErpSyncJob(Trigger.newMap.keySet()));
    }
    // public class ErpSyncJob implements Queueable, Database.AllowsCallouts { ... ErpService.push(orders); }
    ```
    """

    code = "IL301"
    name = "trigger-sync-callout"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = Requires(markers=("trigger",))
    valid = [
        Example(
            "trigger OrderTrigger on Order (after insert) {\n"
            "    System.enqueueJob(new ErpSyncJob(Trigger.newMap.keySet()));\n"
            "}\n",
            path="triggers/OrderTrigger.trigger",
        ),
        Example(
            "trigger AccountTrigger on Account (after update) {\n"
            "    // AccountSync.push is @future(callout=true): it runs after the trigger's transaction\n"
            "    AccountSync.push(Trigger.newMap.keySet());\n"
            "}\n",
            path="triggers/AccountTrigger.trigger",
        ),
    ]
    invalid = [
        Example(
            "trigger OrderTrigger on Order (after insert) {\n"
            "    HttpRequest request = new HttpRequest();\n"
            "    request.setEndpoint('callout:ERP/orders');\n"
            "    request.setMethod('POST');\n"
            "    request.setBody(JSON.serialize(Trigger.new));\n"
            "    HttpResponse response = new Http().send(request);\n"
            "}\n",
            path="triggers/OrderTrigger.trigger",
            line=6,
        ),
    ]

    def check_apex(self, unit: ApexFile, index: ApexIndex) -> None:
        for frame, routine in index.declared_in(unit.path):
            if routine.kind != "trigger":
                continue
            for position, step in enumerate(routine.steps):
                trace = index.paths.from_step(frame, position, CALLOUT)
                if trace is not None:
                    self._report(index, routine, step, trace)

    def _report(self, index: ApexIndex, trigger: Routine, step: Step, trace: Trace) -> None:
        where = f"makes a callout (`{trace.what}`) in its own transaction"
        if len(trace.hops) > 1:
            chain = " → ".join(f"`{index.routines[hop.target.frame[0]].label}`" for hop in trace.hops[:-1])
            last = trace.last.step.site.span.start_line
            file_name = index.routines[trace.last.frame[0]].path.rsplit("/", 1)[-1]
            where = f"calls {chain}, which makes a callout (`{trace.what}`, {file_name}:{last}) still in the trigger's transaction"
        self.report(
            step.site,
            f"Trigger `{trigger.name}` {where}; Salesforce rejects it with "
            "`System.CalloutException: Callout from triggers are currently not supported`.",
            scope=trigger.scope,
            hint=ASYNC_HINT,
            confidence=confidence(type(self), trace),
            related=trace.locations(index),
        )


class AsyncCalloutNotAllowed(ApexRule):
    """
    ## What it does
    Flags asynchronous Apex that reaches a callout without being allowed to make
    one: a `@future` method without `callout=true`; a Queueable or Batchable class
    that does not implement `Database.AllowsCallouts`; a Schedulable class whose
    `execute` calls out directly (scheduled Apex never may). The path to the
    callout is followed through the repository's classes, as for IL301.

    ## Why it matters
    Moving a callout out of a trigger into async Apex is the right fix ("all calls
    made from within the trigger context must be executed asynchronously", says the
    integration patterns guide), but only if the async code may call out. Without
    the opt-in the job fails at run time with a `System.CalloutException`, long
    after the record was saved, and the remote system never hears of it.

    ## Example
    ```java
    public class ErpSyncJob implements Queueable {
        public void execute(QueueableContext context) {
            ErpService.push(orderIds);  // -> new Http().send(request)
        }
    }
    ```

    ## Use instead
    ```java
    public class ErpSyncJob implements Queueable, Database.AllowsCallouts {
        public void execute(QueueableContext context) {
            ErpService.push(orderIds);
        }
    }
    ```
    """

    code = "IL302"
    name = "async-callout-not-allowed"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = Requires(markers=("future", "queueable", "batchable", "schedulable", "extends", "implements"))  # a job may inherit its interface
    valid = [
        Example(
            "public class OrderSync {\n"
            "    @future(callout=true)\n"
            "    public static void push(Set<Id> orderIds) {\n"
            "        HttpRequest request = new HttpRequest();\n"
            "        request.setEndpoint('callout:ERP/orders');\n"
            "        request.setMethod('POST');\n"
            "        new Http().send(request);\n"
            "    }\n"
            "}\n",
            path="classes/OrderSync.cls",
        ),
        Example(
            "public class ErpSyncJob implements Queueable, Database.AllowsCallouts {\n"
            "    public void execute(QueueableContext context) {\n"
            "        send(new HttpRequest());\n"
            "    }\n"
            "    private void send(HttpRequest request) {\n"
            "        new Http().send(request);\n"
            "    }\n"
            "}\n",
            path="classes/ErpSyncJob.cls",
        ),
        Example(
            "public class NightlySync implements Schedulable {\n"
            "    public void execute(SchedulableContext context) {\n"
            "        System.enqueueJob(new ErpSyncJob());  // the Queueable makes the callout\n"
            "    }\n"
            "}\n",
            path="classes/NightlySync.cls",
        ),
    ]
    invalid = [
        Example(
            "public class OrderSync {\n"
            "    @future\n"
            "    public static void push(Set<Id> orderIds) {\n"
            "        HttpRequest request = new HttpRequest();\n"
            "        request.setEndpoint('callout:ERP/orders');\n"
            "        new Http().send(request);\n"
            "    }\n"
            "}\n",
            path="classes/OrderSync.cls",
            line=3,
        ),
        Example(
            "public class ErpSyncJob implements Queueable {\n"
            "    public void execute(QueueableContext context) {\n"
            "        new Http().send(new HttpRequest());\n"
            "    }\n"
            "}\n",
            path="classes/ErpSyncJob.cls",
            line=1,
        ),
        Example(
            "public class InvoiceExport implements Database.Batchable<SObject> {\n"
            "    public Database.QueryLocator start(Database.BatchableContext context) {\n"
            "        return Database.getQueryLocator('SELECT Id FROM Invoice__c');\n"
            "    }\n"
            "    public void execute(Database.BatchableContext context, List<SObject> scope) {\n"
            "        new Http().send(new HttpRequest());\n"
            "    }\n"
            "    public void finish(Database.BatchableContext context) {}\n"
            "}\n",
            path="classes/InvoiceExport.cls",
            line=1,
        ),
    ]

    def check_apex(self, unit: ApexFile, index: ApexIndex) -> None:
        for frame, routine in index.production_routines(unit.path):
            future = routine.annotation("future")
            if future is not None and future.value("callout") != "true":
                trace = index.paths.from_frame(frame, CALLOUT)
                if trace is not None:
                    self._report_future(index, routine, trace)
        for declared in unit.types:
            interfaces = index.interface_keys(declared)
            for kind, entries in index.jobs(declared).items():
                if kind != SCHEDULABLE and ALLOWS_CALLOUTS in interfaces:
                    continue
                trace = next(filter(None, (index.paths.from_frame(entry.frame, CALLOUT) for entry in entries)), None)
                if trace is not None:
                    self._report_job(index, declared.name, declared.site, kind, trace)

    def _report_future(self, index: ApexIndex, routine: Routine, trace: Trace) -> None:
        self.report(
            routine.site,
            f"`{routine.label}` is `@future` without `callout=true` but {calls_out(index, trace)}; "
            "Salesforce throws `System.CalloutException: Callout not allowed from this future method`.",
            scope=routine.scope,
            hint="annotate it `@future(callout=true)`",
            confidence=confidence(type(self), trace),
            related=trace.locations(index),
        )

    def _report_job(self, index: ApexIndex, name: str, site: Site, kind: str, trace: Trace) -> None:
        entry = index.routines[trace.hops[0].frame[0]].name
        if kind == SCHEDULABLE:
            message = (
                f"Schedulable `{name}`'s `{entry}` {calls_out(index, trace)}, which scheduled Apex may not do "
                "(`System.CalloutException: Callout from scheduled Apex not supported`)."
            )
            hint = "from `execute`, start a Queueable that implements `Database.AllowsCallouts` (or call a `@future(callout=true)` method) to make the callout"
        else:
            job = {QUEUEABLE: "Queueable", BATCHABLE: "Batchable"}[kind]
            message = (
                f"{job} `{name}`'s `{entry}` {calls_out(index, trace)}, but `{name}` does not implement "
                "`Database.AllowsCallouts`, so the job fails with a `System.CalloutException`."
            )
            hint = f"add `Database.AllowsCallouts` to `{name}`'s `implements` list"
        self.report(site, message, scope=name, hint=hint, confidence=confidence(type(self), trace), related=trace.locations(index))


class CalloutAfterDml(ApexRule):
    """
    ## What it does
    Flags a callout made after the same transaction has written: DML (`insert`,
    `update`, ...), a `Database.*` write or savepoint, `System.enqueueJob` or
    `Messaging.sendEmail` earlier in the routine, directly or in a method it calls.
    A callout in a loop whose body also writes is flagged too: the next iteration
    calls out after the previous one wrote. Writes and callouts in different arms
    of one `if`/`switch` are not paired. `@isTest` classes are skipped.

    ## Why it matters
    Salesforce refuses a callout while the transaction has uncommitted work:
    `System.CalloutException: You have uncommitted work pending. Please commit or
    rollback before calling out`. The records are not saved and the remote system
    is not called.

    ## Example
    ```java
    public static void submit(Order order) {
        insert new Integration_Log__c(Order__c = order.Id);
        ErpService.push(order);  // -> new Http().send(request)
    }
    ```

    ## Use instead
    ```java
    public static void submit(Order order) {
        HttpResponse response = ErpService.push(order);  // call out first
        insert new Integration_Log__c(Order__c = order.Id, Status__c = String.valueOf(response.getStatusCode()));
    }
    ```
    """

    code = "IL303"
    name = "callout-after-dml"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    requires = EVERY_FILE  # any routine may write and then reach a callout through other classes
    valid = [
        Example(
            "public class OrderSubmit {\n"
            "    public static void submit(Order order) {\n"
            "        HttpResponse response = new Http().send(new HttpRequest());\n"
            "        insert new Integration_Log__c(Order__c = order.Id, Status__c = response.getStatus());\n"
            "    }\n"
            "}\n",
            path="classes/OrderSubmit.cls",
        ),
        Example(
            "public class OrderSubmit {\n"
            "    public static void submit(Order order, Boolean offline) {\n"
            "        if (offline) {\n"
            "            insert new Outbox__c(Order__c = order.Id);\n"
            "        } else {\n"
            "            new Http().send(new HttpRequest());\n"
            "        }\n"
            "    }\n"
            "}\n",
            path="classes/OrderSubmit.cls",
        ),
    ]
    invalid = [
        Example(
            "public class OrderSubmit {\n"
            "    public static void submit(Order order) {\n"
            "        insert new Integration_Log__c(Order__c = order.Id);\n"
            "        new Http().send(new HttpRequest());\n"
            "    }\n"
            "}\n",
            path="classes/OrderSubmit.cls",
            line=4,
        ),
        Example(
            "public class OrderSubmit {\n"
            "    public static void submit(List<Order> orders) {\n"
            "        for (Order order : orders) {\n"
            "            HttpResponse response = new Http().send(new HttpRequest());\n"
            "            order.Status = response.getStatus();\n"
            "            update order;\n"
            "        }\n"
            "    }\n"
            "}\n",
            path="classes/OrderSubmit.cls",
            line=4,
        ),
    ]

    def check_apex(self, unit: ApexFile, index: ApexIndex) -> None:
        for frame, routine in index.production_routines(unit.path):
            self._check_routine(index, frame, routine)

    def _check_routine(self, index: ApexIndex, frame: Frame, routine: Routine) -> None:
        paths = index.paths
        writes: list[int] = []  # positions of the steps that write, in order
        callouts: list[int] = []
        for position, step in enumerate(routine.steps):
            if paths.reaches(frame, position, CALLOUT):
                earlier = next((write for write in writes if not step.exclusive_with(routine.steps[write])), None)
                if earlier is not None:
                    self._report(index, routine, frame, position, earlier, loop=None)
                    return
                callouts.append(position)
            if paths.reaches(frame, position, WRITE):
                writes.append(position)
        for position in callouts:  # the next pass of a loop calls out after this one wrote
            step = routine.steps[position]
            for later in writes:
                loop = _shared_loop(step, routine.steps[later])
                if loop is not None and not step.exclusive_with(routine.steps[later]):
                    if self._report(index, routine, frame, position, later, loop=loop):
                        return

    def _report(self, index: ApexIndex, routine: Routine, frame: Frame, position: int, written: int, loop: Site | None) -> bool:
        callout = index.paths.from_step(frame, position, CALLOUT)
        write = index.paths.from_step(frame, written, WRITE)
        if position == written and write.hops[0].target != callout.hops[0].target:
            return False  # one call writing in one implementation and calling out in another is not a sequence
        step = routine.steps[position]
        when = f"after {doing(index, write)} (line {write.hops[0].step.site.span.start_line}) wrote"
        if loop is not None:
            when = f"on each pass of the loop at line {loop.span.start_line} after the previous pass's {doing(index, write)} wrote"
        self.report(
            step.site,
            f"`{step.label}` {calls_out(index, callout)} {when} in the same transaction; Salesforce refuses it with "
            "`System.CalloutException: You have uncommitted work pending. Please commit or rollback before calling out`.",
            scope=routine.scope,
            hint="make the callouts before any DML in the transaction, or move the DML (or the callout) into a Queueable so each runs in its own transaction",
            confidence=confidence(type(self), write, callout),
            related=write.locations(index) + callout.locations(index),
        )
        return True


class CalloutInLoop(ApexRule):
    """
    ## What it does
    Flags a callout made once per iteration of a loop: `Http.send`,
    `WebServiceCallout.invoke`, a generated stub's method, or any method that
    reaches one, called inside a `for`, `while` or `do` loop (a SOQL `for` loop
    included). `@isTest` classes are skipped.

    ## Why it matters
    An Apex transaction may make at most 100 callouts; the loop runs once per
    record, so a trigger batch or a query larger than that fails with
    `System.LimitException: Too many callouts: 101`, and each round trip adds its
    latency to a transaction that is itself time-limited. The integration patterns
    guide warns that "a given batch has limits to the number of calls".

    ## Example
    ```java
    for (Order order : orders) {
        ErpService.push(order);  // -> new Http().send(request), once per order
    }
    ```

    ## Use instead
    ```java
    ErpService.pushAll(orders);  // one request carrying every order
    ```
    """

    code = "IL207"
    name = "callout-in-loop"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    requires = Requires(markers=("for", "while"))
    valid = [
        Example(
            "public class OrderExport {\n"
            "    public static void pushAll(List<Order> orders) {\n"
            "        List<Map<String, Object>> payload = new List<Map<String, Object>>();\n"
            "        for (Order order : orders) {\n"
            "            payload.add(new Map<String, Object>{ 'id' => order.Id });\n"
            "        }\n"
            "        HttpRequest request = new HttpRequest();\n"
            "        request.setBody(JSON.serialize(payload));\n"
            "        new Http().send(request);\n"
            "    }\n"
            "}\n",
            path="classes/OrderExport.cls",
        ),
    ]
    invalid = [
        Example(
            "public class OrderExport {\n"
            "    public static void pushEach(List<Order> orders) {\n"
            "        Http http = new Http();\n"
            "        for (Order order : orders) {\n"
            "            HttpRequest request = new HttpRequest();\n"
            "            request.setBody(JSON.serialize(order));\n"
            "            http.send(request);\n"
            "        }\n"
            "    }\n"
            "}\n",
            path="classes/OrderExport.cls",
            line=7,
        ),
    ]

    def check_apex(self, unit: ApexFile, index: ApexIndex) -> None:
        for frame, routine in index.production_routines(unit.path):
            for position, step in enumerate(routine.steps):
                if not step.loops:
                    continue
                trace = index.paths.from_step(frame, position, CALLOUT)
                if trace is not None:
                    self._report(index, routine, step, trace)

    def _report(self, index: ApexIndex, routine: Routine, step: Step, trace: Trace) -> None:
        loop = step.loops[-1]
        header = Location(routine.path, loop.span, f"the loop: `{loop.brief()}`")
        self.report(
            step.site,
            f"`{step.label}` {calls_out(index, trace)} on every pass of the loop at line {loop.span.start_line} "
            f"(`{loop.brief()}`); a transaction may make at most 100 callouts, so a large enough set fails with "
            "`System.LimitException: Too many callouts: 101`.",
            scope=routine.scope,
            hint="collect the records in the loop and send them in one request after it (a composite or bulk endpoint), or split the work into Queueable jobs",
            confidence=confidence(type(self), trace),
            related=(header, *trace.locations(index)),
        )


def _shared_loop(first: Step, second: Step) -> Site | None:
    """The innermost loop around both steps, or None."""
    shared = [loop for loop, other in zip(first.loops, second.loops) if loop == other]
    return shared[-1] if shared else None
