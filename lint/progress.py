"""A progress bar on stderr for long runs, shown only to a person at a terminal."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

MIN_FILES = 100  # below this a run is over before a bar helps
Progress = Callable[[int, int], None]


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """Yields `update(done, total)`, or None when stderr is not a TTY."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn

    columns = (TextColumn("linting"), BarColumn(), MofNCompleteColumn())
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("lint", total=None, visible=False)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, visible=total >= MIN_FILES)

        yield update
