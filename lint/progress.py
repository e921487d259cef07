"""A progress bar on stderr for long runs, shown only to a person at a terminal.

It redraws itself when told (at most ten times a second), never from a thread of its
own: worker processes are forked from this one, and forking a process that runs other
threads can deadlock the children.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

MIN_FILES = 100  # below this a run is over before a bar helps, and rich is never imported
REDRAW_SECONDS = 0.1
Progress = Callable[[int, int], None]


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """Yields `update(done, total)`, or None when stderr is not a TTY."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if not bar and total >= MIN_FILES:
            bar.update(_start(total))
        if bar:
            bar["progress"].update(bar["task"], completed=done)
            now = time.monotonic()
            if now - bar["drawn"] >= REDRAW_SECONDS or done == total:
                bar["progress"].refresh()
                bar["drawn"] = now

    try:
        yield update
    finally:
        if bar:
            bar["progress"].stop()


def _start(total: int) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn

    progress = RichProgress(
        TextColumn("linting"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True), transient=True, auto_refresh=False
    )
    progress.start()
    return {"progress": progress, "task": progress.add_task("lint", total=total), "drawn": 0.0}
