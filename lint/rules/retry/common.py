"""What the IL4xx timeout, retry, polling and error-handling rules share: the integration calls each function
makes, the config settings they judge, and the names of clients, sleeps and errors.

The replay, composite and result rules of the family (IL405-IL409) live in lint/rules/replay/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import libcst as cst

from lint.rules.requirements import NETWORK_CALLS
from lint.sources.config_dialects import KAFKA_CONNECT
from lint.sources.config_model import ConfigDocument, Scalar, is_reference
from lint.sources.config_settings import Setting, settings
from lint.sources.python_clients import TOKEN_URL, ClientCall, client_call, http_request
from lint.sources.python_facts import PythonFacts
from lint.sources.python_salesforce import WRITE_METHODS

# What a file must import for these rules to find anything: a client that talks to another system.
CLIENTS = NETWORK_CALLS  # a file where python_clients can find an integration call


# -- the integration calls each function makes (shared by the IL4 rules of a file) -------


@dataclass
class _Calls:
    first: dict[cst.FunctionDef | None, str] = field(default_factory=dict)  # function -> its first integration call
    first_write: dict[cst.FunctionDef | None, str] = field(default_factory=dict)  # function -> its first integration write
    seen: set[cst.Call] = field(default_factory=set)


def _calls(facts: PythonFacts) -> _Calls:
    return _Calls()


def integration_call(facts: PythonFacts, call: cst.Call) -> ClientCall | None:
    """The network call `call` makes (not a log-in), noted under the function it is in.

    Every IL4 rule that reads `integration_calls_of` asks this of every call as the
    traversal reaches it, so the table is complete once the file is done.
    """
    found = client_call(facts, call)
    if found is None or found.login:
        return None
    calls = facts.shared(_calls)
    if call not in calls.seen:
        calls.seen.add(call)
        label, function = f"`{facts.source(call.func)}`", facts.current_function()
        calls.first.setdefault(function, label)
        if is_write(facts, call, found):
            calls.first_write.setdefault(function, label)
    return found


def is_write(facts: PythonFacts, call: cst.Call, found: ClientCall) -> bool:
    """A Salesforce write, or an HTTP POST/PUT/PATCH/DELETE that is not a token request."""
    if found.salesforce is not None and found.salesforce.api != "http":
        return found.salesforce.is_write
    request = http_request(facts, call)
    return request is not None and request.method in WRITE_METHODS and not TOKEN_URL.search(found.url or "")


def integration_calls_of(facts: PythonFacts, function: cst.FunctionDef, *, writes: bool = False) -> str | None:
    """The first integration call (or write) `function` makes itself, for messages; read once the traversal is over."""
    calls = facts.shared(_calls)
    return (calls.first_write if writes else calls.first).get(function)


def via_callee(facts: PythonFacts, call: cst.Call, *, writes: bool = False) -> Callable[[], str | None]:
    """A deferred "`push` (which calls `requests.post`)" for a same-module function `call` runs, if it makes integration calls (writes)."""
    callee = facts.callee(call.func)
    if callee is None:
        return lambda: None

    def label() -> str | None:
        inner = integration_calls_of(facts, callee, writes=writes)
        return f"`{callee.name.value}` (which calls {inner})" if inner else None

    return label


def function_label(facts: PythonFacts) -> str:
    """" in `push`" for a message about code in the function `push`; "" at module level."""
    function = facts.current_function()
    return f" in `{function.name.value}`" if function is not None else ""


# -- config settings (IL401, IL403) --------------------------------------------------------

MILLISECOND_WORDS = frozenset({"ms", "millis", "milliseconds"})
UNIT_WORDS = frozenset({*MILLISECOND_WORDS, "s", "sec", "secs", "second", "seconds", "in"})


@dataclass(frozen=True)
class LiteralSetting:
    """A config setting with a literal scalar value (`config_settings.Setting`), and whether its durations are milliseconds."""

    setting: Setting
    value: Scalar
    words: frozenset[str]  # of its name (`request.timeout.ms`: request, timeout, ms)
    in_milliseconds: bool  # named so (`.ms`, `_millis`), or a Kafka Connect setting, whose durations all are

    def named(self, anchors: frozenset[str], qualifiers: frozenset[str]) -> bool:
        """The key's name has one of `anchors` and no word but those and `qualifiers`."""
        return bool(self.words & anchors) and self.words <= anchors | qualifiers


def literal_settings(document: ConfigDocument) -> Iterator[LiteralSetting]:
    """Every setting of the document (not descriptions or examples) whose value is a literal scalar (not `${ENV}`,
    `{{placeholder}}` or a secret)."""
    for setting in settings(document):
        value = setting.value
        if isinstance(value, Scalar) and not is_reference(value, setting.key):
            words = frozenset(setting.words)
            yield LiteralSetting(setting, value, words, bool(words & MILLISECOND_WORDS) or document.dialect == KAFKA_CONNECT)


def called_name(expr: cst.BaseExpression) -> str | None:
    """The last name of what a decorator or call names: `task` for `@app.task(bind=True)`."""
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return expr.value if isinstance(expr, cst.Name) else None
