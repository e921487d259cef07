"""The result flow: what a function does with a followed call's result (keys read, names, hand-offs)."""

from __future__ import annotations

import textwrap

import libcst as cst

from lint.findings import Confidence, Severity
from lint.rules.replay.common import FollowsResults
from lint.sources.python import lint_file


class ResultProbe(FollowsResults):
    """
    ## What it does
    Test probe: follows every `load(...)` call and reports what its function did with the result.

    ## Why it matters
    It lets the tests read the result flow after a real traversal.

    ## Example
    ```python
    load()
    ```

    ## Use instead
    ```python
    pass
    ```
    """

    code = "IL994"
    name = "result-probe"
    severity = Severity.NOTE
    confidence = Confidence.HIGH
    valid = ["pass\n"]
    invalid = ["load()\n"]

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "load"):
            return
        followed = self.flow.follow(node)

        def message() -> str:
            fate = followed.fate()
            helpers = ",".join(helper.name.value for helper in fate.helpers)
            return (
                f"discarded={fate.discarded} keys={sorted(fate.keys)} tested={sorted(fate.tested)} "
                f"helpers=[{helpers}] handed_off={fate.handed_off}"
            )

        self.report_later(node, message)


def fate(code: str) -> str:
    result = lint_file("probe.py", textwrap.dedent(code).encode(), [ResultProbe], {})
    assert len(result.findings) == 1, result.findings
    return result.findings[0].message


def test_a_call_on_its_own_is_discarded():
    assert fate("def f():\n    load()\n") == "discarded=True keys=[] tested=[] helpers=[] handed_off=False"
    assert fate("async def f():\n    await load()\n").startswith("discarded=True")


def test_keys_are_read_through_names_loops_and_comprehensions():
    assert fate(
        """
        def f():
            response = load()
            body = response.json()
            for item in body["compositeResponse"]:
                if item["httpStatusCode"] >= 400:
                    raise RuntimeError(item.get("body"))
            ids = [row["id"] for row in response.json()]
        """
    ) == "discarded=False keys=['body', 'compositeResponse', 'get', 'httpStatusCode', 'id', 'json'] tested=['httpStatusCode'] helpers=[] handed_off=False"


def test_a_comprehension_element_before_its_iterable_is_read():
    assert fate("def f():\n    return sum(job['numberRecordsFailed'] for job in load())\n").startswith(
        "discarded=False keys=['numberRecordsFailed']"
    )


def test_keys_read_with_get_and_has_field():
    assert fate(
        """
        def f():
            for result in load().results:
                if result.HasField("error"):
                    log(result)
        """
    ) == "discarded=False keys=['HasField', 'error', 'results'] tested=['HasField', 'error'] helpers=[] handed_off=True"


def test_status_checks_and_output_are_no_hand_off():
    assert fate(
        """
        import logging
        log = logging.getLogger(__name__)

        def f():
            response = load()
            response.raise_for_status()
            log.info("sent: %s", response.json())
            print(len(response.text))
            return response.ok
        """
    ) == "discarded=False keys=['json', 'ok', 'raise_for_status', 'text'] tested=[] helpers=[] handed_off=False"


def test_returned_stored_and_handed_results():
    assert fate("def f():\n    return load()\n").endswith("handed_off=True")
    assert fate("def f():\n    return list(load())\n").endswith("handed_off=True")
    assert fate("def f(self):\n    self.last = load()\n").endswith("handed_off=True")
    assert fate("def f(out):\n    out += load()\n    return out\n").endswith("handed_off=True")
    assert fate("def f():\n    results = load()\n    yield from results\n").endswith("handed_off=True")
    assert fate("from audit import record\n\ndef f():\n    record(load())\n").endswith("handed_off=True")


def test_same_module_helpers_are_kept():
    assert fate(
        """
        def check(response):
            pass

        def f():
            response = load()
            check(response)
        """
    ) == "discarded=False keys=[] tested=[] helpers=[check] handed_off=False"


def test_only_the_function_of_the_call_is_followed():
    assert fate(
        """
        def other(response):
            return response["compositeResponse"]

        def f():
            response = load()
        """
    ) == "discarded=False keys=[] tested=[] helpers=[] handed_off=False"
