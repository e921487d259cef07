"""Where a Salesforce event subscription starts reading, and whether the code stores how far it got.

Subscriptions are read from the calls that set their start:
- Pub/Sub API: `FetchRequest(topic_name=..., replay_preset=..., replay_id=...)` (LATEST is the
  protobuf default when no preset is given), and subscribe helpers called with a replay type
  string, such as Salesforce's example `pubsub.subscribe(topic, "LATEST", "", 1, callback)`;
- aiosfstream: `Client(...)`/`SalesforceStreamingClient(...)` (and same-module subclasses) with
  their `replay=` argument (a `ReplayOption`, a mapping, a `ReplayMarkerStorage`) and
  `replay_storage_policy`;
- other CometD clients: `subscribe("/event/...", replay_id=-1)`.

Publishes are the Pub/Sub API's `stub.Publish(...)`/`stub.PublishStream(...)`, whose
responses carry each event's outcome.

A received replay id is stored when it reaches a store: a call that writes (`set`, `put`,
`save`, `write`, `execute`, `dump`, a function named `save_*`/`store_*`/`persist_*`, ...)
with the id among its arguments (directly, or through a name bound to it) or on an object
named like a checkpoint store, aiosfstream's `extract_replay_id`/`set_replay_marker`, or an
item set on a `shelve`/`dbm` mapping. Keeping it in a variable or reading it in a bare
expression statement stores nothing.

Each call is judged once per file (`replay_facts(facts)`), where the traversal stands at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from lint.sources.python_calls import is_none, keyword, positional, walk
from lint.sources.python_facts import PythonFacts
from lint.sources.python_handlers import PUBSUB, SALESFORCE_CHANNEL, STREAMING
from lint.sources.python_retry import short
from lint.sources.python_salesforce import HTTP_CLIENTS, HTTP_MODULES

COMETD = "cometd"  # a CometD client other than aiosfstream, subscribing with a replay id

# Where a subscription starts reading.
TIP = "tip"  # new events only: Pub/Sub LATEST, aiosfstream NEW_EVENTS, CometD -1
EARLIEST = "earliest"  # everything still retained: EARLIEST, ALL_EVENTS, -2
STORED = "stored"  # a position the code keeps: CUSTOM with a replay id, a durable replay storage
MEMORY = "memory"  # aiosfstream markers kept in a plain dict: gone when the process restarts

PRESETS = {"LATEST": TIP, "EARLIEST": EARLIEST, "CUSTOM": STORED}
REPLAY_OPTIONS = {"NEW_EVENTS": TIP, "ALL_EVENTS": EARLIEST}  # aiosfstream.ReplayOption
REPLAY_NUMBERS = {-1: TIP, -2: EARLIEST}  # CometD replay ids: -1 new events, -2 all retained events
RECEIVED_IDS = frozenset({"replay_id", "latest_replay_id"})  # a Pub/Sub ConsumerEvent's and FetchResponse's position
FETCH_REQUEST_FIELDS = frozenset({"topic_name", "replay_preset", "replay_id", "num_requested"})
PRESET_KEYWORDS = ("replay_type", "replay_preset", "replay_option", "preset")

AIOSFSTREAM_CLIENTS = frozenset(
    {
        "aiosfstream.Client",
        "aiosfstream.SalesforceStreamingClient",
        "aiosfstream.client.Client",
        "aiosfstream.client.SalesforceStreamingClient",
    }
)
MAPPING_STORAGES = ("MappingStorage", "DefaultMappingStorage")  # aiosfstream storages over a mapping
STORAGE_BASES = re.compile(r"(^aiosfstream\..*(ReplayMarkerStorage|MappingStorage))$|MutableMapping$")
IN_MEMORY_MAPPINGS = frozenset({"collections.OrderedDict", "collections.defaultdict"})
DURABLE_MAPPINGS = frozenset({"shelve.open", "dbm.open", "sqlitedict.SqliteDict", "diskcache.Cache", "diskcache.Index"})
PUBSUB_CLIENT_MODULES = re.compile(r"(^|\.)pubsub_api|^aiosfpubsub")

# Writes that put a value somewhere that outlives the process.
STORE_VERBS = frozenset(
    {
        "set", "setex", "setnx", "hset", "hmset", "mset", "put", "put_item", "put_object", "save", "store",
        "write", "write_text", "write_bytes", "writelines", "execute", "executemany", "dump",
        "update_one", "replace_one", "upsert", "commit", "persist", "checkpoint",
    }
)  # fmt: skip
STORE_NAME = re.compile(r"(?i)(^|_)(save|store|persist|write|checkpoint|commit)(_|$)")
MARKER_METHODS = frozenset({"extract_replay_id", "set_replay_marker"})  # aiosfstream storing a message's marker
POSITION_STORE = re.compile(r"(?i)replay|checkpoint|bookmark|offset")
REPLAY = re.compile(r"(?i)replay")
SQL_VERBS = frozenset({"execute", "executemany"})
SQL_READ = re.compile(r"(?i)\s*SELECT\b")
PUBLISH_METHODS = frozenset({"Publish", "PublishStream"})  # the Pub/Sub API's publish RPCs
PUBLISH_REQUEST_FIELDS = frozenset({"topic_name", "events"})  # Salesforce's PublishRequest, not Google Pub/Sub's
OUTPUT_STREAMS = frozenset({"sys.stdout", "sys.stderr"})
SUBSCRIBING = frozenset({"subscribe", "receive", "Subscribe"})


@dataclass(frozen=True)
class Subscription:
    """A call that decides where a subscription starts reading."""

    kind: str  # PUBSUB, STREAMING (aiosfstream) or COMETD
    node: cst.Call
    label: str  # how messages name the call: "`pb2.FetchRequest(...)`"
    start: str | None  # TIP, EARLIEST, STORED, MEMORY; None: unknown
    setting: str  # what sets the start, for messages: "`replay_preset=pb2.ReplayPreset.LATEST`"
    automatic: bool = False  # aiosfstream: each marker is stored as its message arrives (AUTOMATIC policy)


class ReplayFacts:
    """The file's subscriptions and replay stores, each call judged once; and what the file does overall."""

    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self._subscriptions: dict[cst.Call, Subscription | None] = {}
        self._stores: dict[cst.Call, bool] = {}
        imported = [binding.qualified or "" for binding in facts.module_scope.names.values()]
        self.pubsub_module = any(PUBSUB_CLIENT_MODULES.search(name) for name in imported)  # Salesforce's Pub/Sub API stubs or client
        self.streaming_module = any(name.split(".")[0] == "aiosfstream" for name in imported)
        # Filled as the traversal passes each call (`note`): whether the file resumes or stores a position.
        self.resumes = False  # some subscription starts from a stored position
        self.stores = False  # some received replay id reaches a store
        self.unstored: cst.CSTNode | None = None  # the first statement that reads a received id and keeps it nowhere
        self.subscribes = False  # some call subscribes or receives: a streaming client is not only publishing

    def subscription(self, call: cst.Call) -> Subscription | None:
        """Ask of every call, in traversal order: it also notes whether the module subscribes at all."""
        if call not in self._subscriptions:
            self._subscriptions[call] = _subscription(self, call)
            if _called_name(call.func) in SUBSCRIBING:
                self.subscribes = True
        return self._subscriptions[call]

    def stores_replay(self, call: cst.Call) -> bool:
        """The call writes a received replay id (or a message's replay marker) somewhere durable, a SQL statement included."""
        if call not in self._stores:
            self._stores[call] = _stores_replay(self.facts, call)
        return self._stores[call]

    def marks_position(self, call: cst.Call) -> bool:
        """The call stores the replay id as the subscriber's position: a replay store other than a SQL statement
        (which may as well insert the event itself, with its id)."""
        return self.stores_replay(call) and _called_name(call.func) not in SQL_VERBS

    def publishes(self, call: cst.Call) -> bool:
        """`stub.Publish(...)`/`stub.PublishStream(...)` of Salesforce's Pub/Sub API (its stubs imported, or its request built)."""
        if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in PUBLISH_METHODS):
            return False
        if self.pubsub_module:
            return True
        arg = keyword(call, "request") or next(iter(positional(call)), None)
        request = self.facts.value_of(arg.value, defaults=False) if arg is not None else None
        if not (isinstance(request, cst.Call) and _called_name(request.func) == "PublishRequest"):
            return False
        return any(field.keyword is not None and field.keyword.value in PUBLISH_REQUEST_FIELDS for field in request.args)

    def note(self, call: cst.Call) -> Subscription | None:
        """Judge a call where the traversal stands, keeping what it says about the file; its subscription, if any."""
        found = self.subscription(call)
        if found is not None and found.start == STORED:
            self.resumes = True
        if self.stores_replay(call):
            self.stores = True
        return found

    def note_statement(self, small: cst.BaseSmallStatement) -> None:
        """`shelf[topic] = event.replay_id` stores the id; `latest = event.latest_replay_id` does not."""
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Subscript) and self._durable_mapping(target.target.value) and _mentions_replay(self.facts, small.value):
                    self.stores = True
        value = small.value if isinstance(small, (cst.Assign, cst.Expr)) else None
        if self.unstored is None and isinstance(value, cst.Attribute) and value.attr.value in RECEIVED_IDS:
            stored_on = small.targets[0].target if isinstance(small, cst.Assign) else None
            if stored_on is None or isinstance(stored_on, cst.Name):
                self.unstored = small

    def _durable_mapping(self, expr: cst.BaseExpression) -> bool:
        value = self.facts.value_of(expr, defaults=False)
        return isinstance(value, cst.Call) and self.facts.qualified_name(value.func) in DURABLE_MAPPINGS


def replay_facts(facts: PythonFacts) -> ReplayFacts:
    """One per file, shared by every rule that asks."""
    return facts.shared(ReplayFacts)


# -- subscriptions ------------------------------------------------------------------


def _subscription(index: ReplayFacts, call: cst.Call) -> Subscription | None:
    name = _called_name(call.func)
    if name == "FetchRequest":
        return _fetch_request(index.facts, call)
    if name == "subscribe":
        return _subscribe(index, call)
    return _streaming_client(index.facts, call) if index.streaming_module else None


def _fetch_request(facts: PythonFacts, call: cst.Call) -> Subscription | None:
    """A Pub/Sub API `FetchRequest` (its fields are keyword-only, like every protobuf message's)."""
    if not any(arg.keyword is not None and arg.keyword.value in FETCH_REQUEST_FIELDS for arg in call.args):
        return None  # another library's FetchRequest
    label = f"`{short(facts, call)}`"
    (preset_known, preset), (id_known, replay_id) = _argument(facts, call, "replay_preset"), _argument(facts, call, "replay_id")
    if not (preset_known and id_known):
        return Subscription(PUBSUB, call, label, None, "`**` arguments")
    if keyword(call, "topic_name") is None:
        return Subscription(PUBSUB, call, label, None, "no `topic_name`")  # a flow-control request: only the first one sets the start
    if preset is None:
        start = STORED if _given(replay_id) else TIP
        return Subscription(PUBSUB, call, label, start, "no `replay_preset`: LATEST is the default")
    return Subscription(PUBSUB, call, label, PRESETS.get(_preset(facts, preset) or ""), f"`replay_preset={facts.source(preset)}`")


def _subscribe(index: ReplayFacts, call: cst.Call) -> Subscription | None:
    """A subscribe helper given a Pub/Sub replay type, or a CometD subscribe given a numeric replay id."""
    facts = index.facts
    channel = any(SALESFORCE_CHANNEL.match(facts.string_template(arg.value) or "") for arg in call.args)
    if not (channel or index.pubsub_module):
        return None
    label = f"`{short(facts, call)}`"
    args = positional(call)
    for arg in call.args:
        preset = _preset(facts, arg.value) if arg.keyword is None or arg.keyword.value in PRESET_KEYWORDS else None
        if preset is not None:
            after = args.index(arg) + 1 if arg in args else None
            replay_id = keyword(call, "replay_id") or (args[after] if after is not None and after < len(args) else None)
            start = PRESETS[preset]
            if start == TIP and replay_id is not None and _given(replay_id.value):
                start = None  # a helper given both may resume from the id: do not guess
            return Subscription(PUBSUB, call, label, start, f"`{facts.source(arg.value)}`")
    if not channel:
        return None
    for arg in call.args:
        if arg.keyword is None or REPLAY.search(arg.keyword.value):
            number = _number(facts, arg.value)
            if number in REPLAY_NUMBERS:
                return Subscription(COMETD, call, label, REPLAY_NUMBERS[number], f"replay ID `{number}`")
            if arg.keyword is not None:
                return Subscription(COMETD, call, label, STORED if _given(arg.value) else None, f"`{facts.argument_source(arg)}`")
    return None


def _streaming_client(facts: PythonFacts, call: cst.Call) -> Subscription | None:
    """An aiosfstream client: `replay=` says where it starts, `replay_storage_policy` when markers are stored."""
    if not _is_aiosfstream_client(facts, call.func):
        return None
    label = f"`{short(facts, call)}`"
    (replay_known, replay), (policy_known, policy) = _argument(facts, call, "replay"), _argument(facts, call, "replay_storage_policy")
    if not (replay_known and policy_known):
        return Subscription(STREAMING, call, label, None, "`**` arguments")
    automatic = policy is None or _last_name(facts.value_of(policy, defaults=False)) == "AUTOMATIC"
    if replay is None:
        return Subscription(STREAMING, call, label, TIP, "no `replay=`: `ReplayOption.NEW_EVENTS` is the default", automatic)
    return Subscription(STREAMING, call, label, _replay_storage(facts, replay), f"`replay={facts.source(replay)}`", automatic)


def _argument(facts: PythonFacts, call: cst.Call, name: str) -> tuple[bool, cst.BaseExpression | None]:
    """(known, value) of the `name=` argument: value None when not given; unknown when a `**` argument may give it."""
    given = keyword(call, name)
    if given is not None:
        return True, given.value
    for arg in call.args:
        if arg.star == "**":
            spread = facts.value_of(arg.value, defaults=False)
            if not isinstance(spread, cst.Dict) or not all(isinstance(element, cst.DictElement) for element in spread.elements):
                return False, None  # `**settings`: it may carry the argument
            found = facts.dict_value(spread, name)
            if found is not None:
                return True, found
    return True, None


def _is_aiosfstream_client(facts: PythonFacts, func: cst.BaseExpression) -> bool:
    if facts.qualified_name(func) in AIOSFSTREAM_CLIENTS:
        return True
    info = facts.class_named(func.value) if isinstance(func, cst.Name) else None
    return info is not None and any(base in AIOSFSTREAM_CLIENTS for base in info.bases)


def _replay_storage(facts: PythonFacts, expr: cst.BaseExpression) -> str | None:
    """Where an aiosfstream client given `replay=expr` starts: a ReplayOption, a mapping or a storage object."""
    value = facts.value_of(expr, defaults=False)
    if value is None:
        return None
    number = _number(facts, value)
    if number is not None:
        return REPLAY_NUMBERS.get(number)
    if isinstance(value, cst.Attribute):
        return REPLAY_OPTIONS.get(value.attr.value)
    if isinstance(value, (cst.Dict, cst.DictComp)):
        return MEMORY
    if not isinstance(value, cst.Call):
        return None
    qualified = facts.qualified_name(value.func) or ""
    args = positional(value)
    if facts.is_builtin(value.func, "dict") or qualified in IN_MEMORY_MAPPINGS:
        return MEMORY
    if qualified.rpartition(".")[2] in MAPPING_STORAGES and qualified.startswith("aiosfstream"):
        return _replay_storage(facts, args[0].value) if args else None
    if qualified.rpartition(".")[2] == "ConstantReplayId" and qualified.startswith("aiosfstream"):
        fixed = _replay_storage(facts, args[0].value) if args else None
        return fixed if fixed in (TIP, EARLIEST) else STORED  # a constant other than -1/-2 is a stored id
    if qualified in DURABLE_MAPPINGS:
        return STORED
    info = facts.class_named(value.func.value) if isinstance(value.func, cst.Name) else None
    return STORED if info is not None and any(STORAGE_BASES.search(base) for base in info.bases) else None


def _preset(facts: PythonFacts, expr: cst.BaseExpression) -> str | None:
    """"LATEST", "EARLIEST" or "CUSTOM" for a ReplayPreset member or its name; CUSTOM if either branch of `a if c else b` is."""
    value = facts.value_of(expr, defaults=False)
    if isinstance(value, cst.IfExp):
        branches = (_preset(facts, value.body), _preset(facts, value.orelse))
        return "CUSTOM" if "CUSTOM" in branches else None
    if isinstance(value, cst.Attribute) and value.attr.value in PRESETS:
        return value.attr.value
    text = facts.string_template(value) if isinstance(value, (cst.SimpleString, cst.Name)) else None
    return text if text in PRESETS else None


def _number(facts: PythonFacts, expr: cst.BaseExpression) -> int | None:
    """An integer, negative ones included (`-1` is a unary minus in the tree)."""
    value = facts.value_of(expr, defaults=False)
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        number = facts.integer_value(value.expression)
        return -number if number is not None else None
    return facts.integer_value(value) if value is not None else None


def _given(expr: cst.BaseExpression | None) -> bool:
    """A replay id that may hold a position: not missing, None, or an empty literal."""
    if expr is None or is_none(expr):
        return False
    if isinstance(expr, cst.SimpleString):
        return bool(expr.evaluated_value)
    return True


# -- replay stores --------------------------------------------------------------------


def _stores_replay(facts: PythonFacts, call: cst.Call) -> bool:
    name = _called_name(call.func)
    if name in MARKER_METHODS:
        return True
    if name not in STORE_VERBS and not STORE_NAME.search(name):
        return False
    if name in SQL_VERBS and call.args and SQL_READ.match(facts.string_template(call.args[0].value) or ""):
        return False  # reading a stored position back
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
    if receiver is not None:
        where = facts.source(receiver)
        if where in OUTPUT_STREAMS or _is_http(facts, call.func):
            return False  # output, or a request that sends the id (as an idempotency key) elsewhere
        if POSITION_STORE.search(where):
            return True  # `self.checkpoints.save(...)`, `replay_store.put(...)`
    if REPLAY.search(name):
        return True  # `save_replay_id(topic, rid)`
    return any(_mentions_replay(facts, arg.value) for arg in call.args)


def _is_http(facts: PythonFacts, func: cst.Attribute) -> bool:
    """`requests.put(...)`, `session.put(...)`, `httpx_client.put(...)`: an HTTP request, not a store."""
    module = (facts.qualified_name(func) or "").rpartition(".")[0]
    return module in HTTP_MODULES or facts.is_method_of(func, *HTTP_CLIENTS)


def _mentions_replay(facts: PythonFacts, expr: cst.BaseExpression) -> bool:
    """A replay id among the values of `expr`: a name, attribute or string about replay, or a name bound to one."""
    for node in walk(expr):
        if _names_replay(node):
            return True
        if isinstance(node, cst.Name):
            bound = facts.value_of(node, defaults=False)
            if bound is not None and bound is not node and any(_names_replay(inner) for inner in walk(bound)):
                return True
    return False


def _names_replay(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return bool(REPLAY.search(node.value))
    if isinstance(node, cst.Attribute):
        return bool(REPLAY.search(node.attr.value))
    if isinstance(node, (cst.SimpleString, cst.FormattedStringText)):
        return bool(REPLAY.search(node.value))
    return False


def _called_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _last_name(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return expr.value if isinstance(expr, cst.Name) else None
