"""Property-based tests (hypothesis) of every loader.

1. Whatever the bytes, a source's `lint_file` (called as the engine calls it, with every rule
   of its kind) returns a result: it never raises, and every span it reports lies in the file.
2. For generated valid JSON and YAML, every key and scalar the loader returns sits at the
   line and column of its text, and that text reads back as the node's value.
3. For generated valid Python, IL401 points exactly at each `requests` call without a timeout,
   whatever the indentation, blank lines, comments, line endings and line breaks inside the call.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lint.engine import lint_source
from lint.findings import Span
from lint.rules import load_registry
from lint.sources import kind_of, load_source
from lint.sources.config_json import load as load_json
from lint.sources.config_model import Mapping, Node, Scalar, Sequence
from lint.sources.config_yaml import load as load_yaml
from tests.conftest import settings_for

# Modest example counts keep the suite fast; raise them locally to hunt (6,000 found nothing more).
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GENERATED = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGISTRY = load_registry()
OPTIONS = settings_for().options
IL401_ONLY = settings_for(selected=frozenset({"IL401"}))
LINE_BREAKS = re.compile(rb"\r\n|\r|\n")  # \r alone ends a line for Python and YAML too

# --- 1. arbitrary bytes never raise out of a loader --------------------------------------------

# Valid seeds per kind: mutations of them get past decoding and pre-checks into the parsers and rules.
SEEDS = {
    "example.py": b"import requests\nfrom simple_salesforce import Salesforce\n\n\ndef push(sf, rows):\n"
    b"    for row in rows:\n        sf.Account.create(row)\n        requests.post(URL, json=row)\n",
    "connector.json": b'{"name": "sink", "config": {"connector.class": "io.confluent.salesforce.SalesforceSObjectSinkConnector",'
    b' "salesforce.object": "Lead", "topics": "leads"}}\n',
    "mapping.yml": b"Insert Accounts:\n  sf_object: Account\n  table: accounts\n  fields: [Name, Phone]\n"
    b"defaults: &d {api: 2}\nother:\n  <<: *d\n  salesforce: true\n",
    "worker.properties": b"connector.class=io.confluent.salesforce.SalesforceSourceConnector\n"
    b"salesforce.object=Account\nsalesforce.instance=https\\://acme.my.salesforce.com\n# intlint: ignore[IL101] why\n",
    "OrderSync.cls": b"public class OrderSync {\n    public static void push(List<Order> orders) {\n"
    b"        for (Order o : orders) { HttpRequest r = new HttpRequest(); new Http().send(r); update o; }\n    }\n}\n",
    "OrderTrigger.trigger": b"trigger OrderTrigger on Order (after insert) {\n    OrderSync.push(Trigger.new);\n}\n",
    "Order_Event__e.object-meta.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <eventType>HighVolume</eventType>\n    <publishBehavior>PublishImmediately</publishBehavior>\n</CustomObject>\n",
}


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with a few bytes inserted, deleted or replaced, or cut short."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        chunk = draw(st.sampled_from([b"{", b"}", b"(", b")", b"[", b"\n", b"\r", b"\t", b"\0", b"\xff", b"\xef\xbb\xbf", b"'", b'"', b"\\", b":", b"<", b"&"]) | st.binary(min_size=1, max_size=3))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        if edit == "insert":
            data[at:at] = chunk
        elif edit == "delete":
            del data[at : at + len(chunk)]
        else:
            data[at : at + len(chunk)] = chunk
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def file_bytes(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=200), mutated(seed), st.binary(max_size=60).map(lambda tail: seed[: len(seed) // 2] + tail))


def lint_like_the_engine(path: str, data: bytes) -> Any:
    """The source module's `lint_file` with every rule of its kind, and the cross-file index if it builds one."""
    kind = kind_of(path)
    source = load_source(kind)
    rules = [rule for rule in REGISTRY.sorted() if kind.name in rule.sources and issubclass(rule, source.RULE_BASE)]
    indexed = (source.build_index([(path, data)]),) if hasattr(source, "build_index") else ()
    return source.lint_file(path, data, rules, OPTIONS, *indexed)



@pytest.mark.parametrize("path", sorted(SEEDS))
def test_arbitrary_bytes_never_raise_out_of_a_loader(path: str) -> None:
    @FUZZ
    @given(data=file_bytes(SEEDS[path]))
    def check(data: bytes) -> None:
        result = lint_like_the_engine(path, data)
        lines = len(LINE_BREAKS.split(data))
        for finding in result.findings:
            span = finding.span
            assert 1 <= span.start_line <= span.end_line <= lines, finding
            assert span.start_column >= 1 and span.end_column >= 1, finding

    check()


# What fuzzing found, kept as plain examples: (path, bytes, the IL001 positions expected).
FOUND = [
    ("Order_Event__e.object-meta.xml", b'<?xml version="1.0" encoding="TF-8"?><CustomObject/>', [(1, 1)]),  # raised LookupError
    ("mapping.yml", b"sf_object:\t[", [(1, 13)]),  # the end of the file, not a line after it
    ("connector.json", b'{"salesforce": ' + b"9" * 5000 + b"}", []),  # raised ValueError: too many digits for int()
    ("example.py", b"\n\r\x01", [(3, 1)]),  # a lone \r ends a line
]


@pytest.mark.parametrize(("path", "data", "positions"), FOUND)
def test_what_fuzzing_found(path: str, data: bytes, positions: list[tuple[int, int]]) -> None:
    findings = lint_like_the_engine(path, data).findings
    assert [(f.span.start_line, f.span.start_column) for f in findings if f.code == "IL001"] == positions


def test_the_seeds_are_valid() -> None:
    """The fuzzing starts from files that parse, so mutations reach every stage."""
    for path, data in SEEDS.items():
        assert not [finding for finding in lint_like_the_engine(path, data).findings if finding.code == "IL001"], path


# --- 2. positions in generated JSON and YAML ---------------------------------------------------

# Text without the characters YAML counts as line breaks besides \n and \r (NEL, LS, PS): the
# offsets below count lines at \n, as every editor and SARIF viewer does.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\x85\ufeff"), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False) | TEXT
DOCUMENTS = st.dictionaries(
    TEXT,
    st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=16),
    max_size=5,
)


def walk(node: Node) -> Iterator[tuple[Scalar, bool]]:
    """Every scalar under `node`, with whether it is a mapping key."""
    if isinstance(node, Mapping):
        for entry in node.entries:
            yield entry.key, True
            yield from walk(entry.value)
    elif isinstance(node, Sequence):
        for item in node.items:
            yield from walk(item)
    else:
        yield node, False


def plain(node: Node) -> Any:
    """The loaded tree as Python data, to compare with what was dumped."""
    if isinstance(node, Mapping):
        return {entry.key.text: plain(entry.value) for entry in node.entries}
    if isinstance(node, Sequence):
        return [plain(item) for item in node.items]
    return node.value


def text_at(text: str, span: Span) -> str:
    """The text a span covers, lines counted at each \\n and columns in characters."""
    starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]
    return text[starts[span.start_line - 1] + span.start_column - 1 : starts[span.end_line - 1] + span.end_column - 1]


def same(loaded: Any, dumped: Any) -> bool:
    """Equal, and of the same type (True is not 1), all the way down."""
    if isinstance(dumped, dict):
        return isinstance(loaded, dict) and list(loaded) == list(dumped) and all(same(loaded[key], dumped[key]) for key in dumped)
    if isinstance(dumped, list):
        return isinstance(loaded, list) and len(loaded) == len(dumped) and all(map(same, loaded, dumped))
    return type(loaded) is type(dumped) and loaded == dumped


def read_yaml(text: str) -> Any:
    """What PyYAML reads, with the parser the loader uses (libyaml when the wheel has it)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def assert_positions(text: str, root: Node, read: Any) -> None:
    for scalar, is_key in walk(root):
        covered = text_at(text, scalar.span)
        assert covered == scalar.site.text, (scalar.span, covered, scalar.site.text)
        assert same(read(covered), scalar.text if is_key else scalar.value), (scalar.span, covered)


@GENERATED
@given(
    document=DOCUMENTS,
    indent=st.sampled_from([None, 0, 1, 2, "\t"]),
    ensure_ascii=st.booleans(),
    separators=st.sampled_from([None, (",", ":"), (" , ", " : ")]),
)
def test_json_keys_and_values_are_where_the_loader_says(document: dict, indent: Any, ensure_ascii: bool, separators: Any) -> None:
    text = json.dumps(document, indent=indent, ensure_ascii=ensure_ascii, separators=separators)
    (root,) = load_json(text).roots
    assert same(plain(root), json.loads(text))
    assert_positions(text, root, json.loads)


@GENERATED
@given(
    document=DOCUMENTS,
    flow=st.sampled_from([False, True, None]),
    indent=st.integers(2, 6),
    width=st.sampled_from([20, 80, 10_000]),
    allow_unicode=st.booleans(),
    line_break=st.sampled_from(["\n", "\r\n"]),
)
def test_yaml_keys_and_values_are_where_the_loader_says(document: dict, flow: Any, indent: int, width: int, allow_unicode: bool, line_break: str) -> None:
    text = yaml.safe_dump(document, default_flow_style=flow, indent=indent, width=width, allow_unicode=allow_unicode, sort_keys=False, line_break=line_break)
    (root,) = load_yaml(text).roots
    assert same(plain(root), read_yaml(text))  # not always `document`: PyYAML's emitter has round-trip bugs
    assert_positions(text, root, read_yaml)


# --- 3. positions in generated Python ----------------------------------------------------------

URLS = st.sampled_from(["url", "BASE + '/sobjects/Account'", "f'{base}/query'", "'https://acme.my.salesforce.com/services/data'"])


@st.composite
def requests_call(draw: st.DrawFn) -> tuple[str, bool]:
    """A `requests` call, perhaps spread over lines inside its parentheses; and whether it has a timeout."""
    verb = draw(st.sampled_from(["get", "post", "put", "patch", "delete"]))
    arguments = [draw(URLS)]
    if draw(st.booleans()):
        arguments.append("json=payload")
    timed = draw(st.booleans())
    if timed:
        arguments.append("timeout=" + draw(st.sampled_from(["30", "(3.05, 27)", "TIMEOUT"])))
    gap = draw(st.sampled_from(["", " ", "\n        ", "  # why\n    "]))
    return f"requests.{verb}({gap}{(',' + gap).join(arguments)})", timed


@st.composite
def python_module(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A module calling `requests` at varied depths, and the calls that lack a timeout, in order."""
    unit = draw(st.sampled_from(["    ", "  ", "\t"]))
    lines = ["import requests", ""]
    untimed: list[str] = []
    depth = 0
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["call", "call", "assign", "blank", "comment", "open", "close"]))
        pad = unit * depth
        if kind == "open":
            lines.append(pad + draw(st.sampled_from(["def push(payload):", "if ready:", "for row in rows:", "with lock:", "class Client:"])))
            lines.append(pad + unit + "pass")
            depth += 1
        elif kind == "close" and depth:
            depth -= 1
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", unit])))
        elif kind == "comment":
            lines.append(pad + "# requests.get(url) is only mentioned here")
        else:
            call, timed = draw(requests_call())
            lines.append(pad + ("response = " if kind == "assign" else "") + call + draw(st.sampled_from(["", "  # sync", ";"])))
            if not timed:
                untimed.append(call)
    return "\n".join(lines) + "\n", untimed


@GENERATED
@given(module=python_module(), line_break=st.sampled_from(["\n", "\r\n", "\r"]), bom=st.booleans())
def test_python_findings_point_at_the_flagged_call(module: tuple[str, list[str]], line_break: str, bom: bool) -> None:
    source, untimed = module
    data = ("\ufeff" if bom else "") + source.replace("\n", line_break)
    outcome = lint_source("example.py", data.encode(), None, [REGISTRY["IL401"]], IL401_ONLY, REGISTRY)
    assert outcome.error is None
    flagged = [text_at(source, finding.span) for finding in outcome.findings]
    assert flagged == untimed
    for call, finding in zip(flagged, outcome.findings):
        assert finding.message.startswith(f"`{call.split('(')[0]}` has no `timeout=`")

