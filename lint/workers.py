"""Linting files across worker processes, with a time and a memory guard on every file.

The parent process decides what to lint (lint.engine); this module runs it, within the
limits of `lint.engine.Limits`. With one worker the files are linted in the parent.
Otherwise a pool of worker processes each takes a batch of files (biggest first, so the
batches finish together), lints them one by one and sends each outcome back as soon as it
has it. Each worker gets what every file needs once, when it
starts: the settings, the rules and the cross-file indexes (the Apex index is built once, in
the parent, and is plain data). On Linux workers are forked, so that costs nothing; elsewhere
it is pickled. Outcomes are collected by file, so they are the same for any number of workers
and any batching.

Guards (so that one pathological file cannot stall or sink the run; it is skipped with a
notice and the run goes on):
- time: `--file-timeout` seconds (default 30) per file. An alarm interrupts the Python side
  of linting (the rules, the traversal); in a worker, a CPU-time limit of twice that plus
  five seconds also ends native code that never returns (a parser), by ending the worker.
  Unix only; with `--jobs 1` only the alarm applies.
- memory: `--max-memory` MB per worker (default 2048), as the worker's address-space limit
  (`RLIMIT_AS`): past it, allocation fails and the file is skipped. Workers only (Unix); the
  parent process is never limited.
A worker that dies (a limit, a crash) is replaced; the file it was on is reported skipped,
and the rest of its batch goes on in another worker.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from lint.engine import Limits, lint_source
from lint.results import FileOutcome
from lint.rules import Registry
from lint.settings import Settings
from lint.sources import KINDS_BY_NAME

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

try:
    import resource
except ImportError:  # Windows: no resource limits
    resource = None  # type: ignore[assignment]

# Collect young objects every 50,000 allocations instead of 700: see _fewer_collections.
YOUNG_COLLECTION_THRESHOLD = 50_000
BATCHES_PER_WORKER = 4  # enough batches that no worker idles while another finishes a big one
MIN_FILES_PER_WORKER = 4  # fewer files than this per worker are linted in-process: a worker costs more
CPU_GRACE = 5  # seconds past twice the timeout before the CPU limit ends a worker stuck in native code


@dataclass(frozen=True)
class Task:
    relative: str
    kind: str  # the source kind's name
    data: bytes
    rules: tuple[str, ...]  # codes of the enabled rules whose requirement the file meets


@dataclass(frozen=True)
class Job:
    """What linting any file of the run needs; a worker receives it once."""

    settings: Settings
    registry: Registry
    indexes: Mapping[str, Any]  # cross-file indexes by kind name (the Apex index)
    limits: Limits


def lint_files(tasks: Sequence[Task], job: Job, jobs: int, done: Callable[[], None]) -> list[FileOutcome]:
    """The outcome of each task, in the tasks' order; `done()` is called as each file finishes."""
    workers = min(jobs, len(tasks) // MIN_FILES_PER_WORKER)
    if workers <= 1:
        linter = _Linter(job)
        outcomes = []
        with _fewer_collections():
            for task in tasks:
                outcomes.append(linter.lint(task))
                done()
        return outcomes
    return _Pool(job, workers).run(tasks, done)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while linting.

    A parse allocates tens of thousands of tree nodes, which hold no reference cycles and
    are freed by reference counting; at the default threshold the collector runs every 700
    allocations and rescans what survived, which cost a tenth of the parse. Objects that
    exist before linting (modules, rules) are set aside (`gc.freeze`) until it is over,
    unless the program running intlint has frozen objects of its own.
    """
    threshold = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


def skipped(relative: str, why: str) -> FileOutcome:
    return FileOutcome([], [], parsed=False, notices=(f"skipped {relative}: {why}",), transient=True)


# -- one file ------------------------------------------------------------------------------


class FileTimeout(BaseException):
    """The file's time is up. A BaseException, so that no rule's `except Exception` swallows it."""


class _Linter:
    def __init__(self, job: Job, *, in_worker: bool = False) -> None:
        self.job = job
        self.in_worker = in_worker
        self._classes: dict[str, Any] = {}

    def lint(self, task: Task) -> FileOutcome:
        rules = tuple(self._rule_class(code) for code in task.rules)
        kind = KINDS_BY_NAME[task.kind]
        timeout = self.job.limits.file_timeout
        if self.in_worker and timeout:
            _limit_cpu(2 * timeout + CPU_GRACE)
        try:
            with _alarm(timeout):
                return lint_source(task.relative, task.data, kind, rules, self.job.settings, self.job.registry, self.job.indexes.get(kind.name))
        except FileTimeout:
            return skipped(task.relative, f"linting it took longer than {timeout:g} s (--file-timeout)")
        except MemoryError:
            return skipped(task.relative, f"linting it needed more than {self.job.limits.max_memory_mb} MB (--max-memory)")

    def _rule_class(self, code: str) -> Any:
        found = self._classes.get(code)
        if found is None:
            rule = self.job.registry[code]
            found = self._classes[code] = rule if isinstance(rule, type) else rule.load()
        return found


@contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """Raise FileTimeout in this thread after `seconds` (main thread, Unix; elsewhere no limit)."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise FileTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _limit_cpu(seconds: float) -> None:
    """End this process (SIGXCPU) once it has used `seconds` more CPU time."""
    if resource is None:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _limit_memory(megabytes: int | None) -> None:
    if resource is None:
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))  # a killed worker leaves no core file
    if megabytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


# -- the pool ------------------------------------------------------------------------------


def _work(connection: Connection, job: Job) -> None:
    """A worker: lint each batch it is sent, answering file by file, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _limit_memory(job.limits.max_memory_mb)
    linter = _Linter(job, in_worker=True)
    with _fewer_collections():
        while True:
            try:
                batch = connection.recv()
            except EOFError:
                return
            if batch is None:
                return
            for index, task in batch:
                connection.send((index, linter.lint(task)))


@dataclass
class _Worker:
    process: Any
    connection: Connection
    batch: deque  # indexes of the tasks sent and not answered yet, in order


class _Pool:
    def __init__(self, job: Job, size: int) -> None:
        self.job = job
        self.size = size
        # Forked workers start at once and inherit the job; the parent runs no threads to trip over.
        import multiprocessing  # here: most runs lint in-process

        method = "fork" if sys.platform == "linux" else None
        self.context = multiprocessing.get_context(method)

    def run(self, tasks: Sequence[Task], done: Callable[[], None]) -> list[FileOutcome]:
        from multiprocessing.connection import wait

        outcomes: list[FileOutcome | None] = [None] * len(tasks)
        pending = deque(_batches(tasks, self.size * BATCHES_PER_WORKER))
        workers = [self._start() for _ in range(min(self.size, len(pending)))]
        finished = False
        try:
            for worker in workers:
                self._assign(worker, pending, tasks)
            while any(worker.batch for worker in workers):
                busy = [worker for worker in workers if worker.batch]
                ready = set(wait([worker.connection for worker in busy] + [worker.process.sentinel for worker in busy]))
                for position, worker in enumerate(workers):
                    if worker.batch and (worker.connection in ready or worker.process.sentinel in ready):
                        workers[position] = self._collect(worker, outcomes, pending, tasks, done)
            finished = True
        finally:
            for worker in workers:
                self._stop(worker, wait_for_it=finished)  # interrupted (Ctrl-C): end them now
        return outcomes  # type: ignore[return-value]  # every task has been answered

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_work, args=(theirs, self.job), daemon=True)
        process.start()
        theirs.close()
        return _Worker(process, ours, deque())

    def _assign(self, worker: _Worker, pending: deque, tasks: Sequence[Task]) -> None:
        if pending:
            batch = pending.popleft()
            worker.batch.extend(batch)
            worker.connection.send([(index, tasks[index]) for index in batch])

    def _collect(self, worker: _Worker, outcomes: list, pending: deque, tasks: Sequence[Task], done: Callable[[], None]) -> _Worker:
        """Take what the worker has answered; replace it if it died, skipping the file it was on."""
        try:
            while worker.batch and worker.connection.poll():
                index, outcome = worker.connection.recv()
                outcomes[index] = outcome
                worker.batch.remove(index)
                done()
        except (EOFError, OSError):
            pass  # it died: the sentinel says so
        if worker.batch and not worker.process.is_alive():
            worker.process.join()
            culprit = worker.batch.popleft()
            outcomes[culprit] = skipped(tasks[culprit].relative, _death(worker.process.exitcode, self.job.limits))
            done()
            if worker.batch:
                pending.appendleft(list(worker.batch))
            worker.connection.close()
            worker = self._start()
        if not worker.batch:
            self._assign(worker, pending, tasks)
        return worker

    def _stop(self, worker: _Worker, wait_for_it: bool) -> None:
        try:
            worker.connection.send(None)
        except OSError:
            pass
        worker.process.join(timeout=5 if wait_for_it else 0)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()


def _batches(tasks: Sequence[Task], count: int) -> list[list[int]]:
    """About `count` batches of task indexes with similar byte totals, the biggest files first."""
    order = sorted(range(len(tasks)), key=lambda index: -len(tasks[index].data))
    budget = max(1, sum(len(task.data) for task in tasks) // max(count, 1))
    batches: list[list[int]] = []
    current: list[int] = []
    size = 0
    for index in order:
        current.append(index)
        size += len(tasks[index].data)
        if size >= budget:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    return batches


def _death(exitcode: int | None, limits: Limits) -> str:
    """Why a worker ended while linting a file, for the notice."""
    if exitcode is not None and exitcode == -getattr(signal, "SIGXCPU", 0):
        return f"linting it took longer than {limits.file_timeout:g} s (--file-timeout), in code that could not be interrupted"
    cause = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    memory = f" (more than {limits.max_memory_mb} MB, --max-memory?)" if limits.max_memory_mb else ""
    return f"the worker process linting it ended ({cause}); it may have run out of memory{memory}"
