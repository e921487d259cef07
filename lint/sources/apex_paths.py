"""Synchronous paths through the Apex call graph to a callout or a write.

The graph's nodes are frames (apex_index); an edge is a call that runs in the
same transaction (asynchronous starts end the path: `@future` methods and jobs
run in transactions of their own). For each goal the shortest path from every
frame is found at once, by a search backwards from the frames that reach the
goal directly. "Shortest" prefers paths with fewer calls dispatched at run
time, then fewer calls, then earlier steps.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lint.findings import Location
from lint.sources.apex_model import Step
from lint.sources.apex_terms import CALLOUT, WRITE

if TYPE_CHECKING:
    from lint.sources.apex_index import ApexIndex, Effect, Frame, Target

_Cost = tuple[int, int]  # (calls dispatched at run time, calls)


def _reaches(effect: Effect, goal: str) -> str | None:
    """What the step itself does towards `goal`: `Http.send`, `insert`, ..., or None."""
    return effect.callout if goal == CALLOUT else effect.write


@dataclass(frozen=True)
class Hop:
    frame: Frame
    step: Step
    target: Target | None  # the call followed from this step; None on the last hop, the goal itself


@dataclass(frozen=True)
class Trace:
    goal: str  # CALLOUT or WRITE
    what: str  # what the last step does: `Http.send`, `insert`, `System.enqueueJob`
    hops: tuple[Hop, ...]

    @property
    def last(self) -> Hop:
        return self.hops[-1]

    @property
    def dispatches(self) -> int:
        """Calls on the path whose target is chosen at run time (interfaces, overrides)."""
        return sum(1 for hop in self.hops if hop.target is not None and hop.target.dispatched)

    def locations(self, index: ApexIndex) -> tuple[Location, ...]:
        """One location per hop, each saying what that step does: the path as related locations."""
        return tuple(Location(index.routines[hop.frame[0]].path, hop.step.site.span, self._describe(index, hop)) for hop in self.hops)

    def _describe(self, index: ApexIndex, hop: Hop) -> str:
        routine = index.routines[hop.frame[0]]
        if hop.target is None:
            verb = "makes the callout" if self.goal == CALLOUT else "writes:"
            what = "" if hop.step.label.startswith(self.what) else f" ({self.what})"
            return f"`{routine.label}` {verb} `{hop.step.label}`{what}"
        callee = index.routines[hop.target.frame[0]].label
        if not hop.target.dispatched:
            return f"`{routine.label}` calls `{callee}`"
        implementations = "its only implementation" if hop.target.candidates == 1 else f"one of {hop.target.candidates} implementations"
        return f"`{routine.label}` calls `{hop.step.label}`, dispatched at run time to `{callee}` ({implementations})"


class Paths:
    def __init__(self, index: ApexIndex) -> None:
        self.index = index
        self._seen: set[Frame] = set()
        self._callers: dict[Frame, list[tuple[Frame, int, Target]]] = defaultdict(list)
        self._direct: dict[str, dict[Frame, int]] = {CALLOUT: {}, WRITE: {}}  # frame -> first step that is the goal
        self._best: dict[str, dict[Frame, tuple[_Cost, int, Target | None]]] = {}
        self._explore(index.seeds())

    def reaches(self, frame: Frame, position: int, goal: str) -> bool:
        """Whether one step of a frame gets to `goal` synchronously (cheap; `from_step` gives the path)."""
        effect = self.index.effects(frame)[position]
        if _reaches(effect, goal) is not None:
            return True
        self._explore([frame])
        best = self._solve(goal)
        return any(target.frame in best for target in effect.calls)

    def from_step(self, frame: Frame, position: int, goal: str) -> Trace | None:
        """The best path from one step of a frame to `goal`, or None if it never gets there synchronously."""
        effect = self.index.effects(frame)[position]
        what = _reaches(effect, goal)
        if what is not None:
            return Trace(goal, what, (Hop(frame, effect.step, None),))
        self._explore([frame])
        best = self._solve(goal)
        options = [(_add(best[target.frame][0], target), index, target) for index, target in enumerate(effect.calls) if target.frame in best]
        if not options:
            return None
        _, _, target = min(options, key=lambda option: option[:2])
        rest = self._follow(target.frame, goal)
        return Trace(goal, rest.what, (Hop(frame, effect.step, target), *rest.hops))

    def from_frame(self, frame: Frame, goal: str) -> Trace | None:
        """The best path from anywhere in a frame's routine to `goal`."""
        self._explore([frame])
        return self._follow(frame, goal) if frame in self._solve(goal) else None

    def _follow(self, frame: Frame, goal: str) -> Trace:
        best = self._solve(goal)
        hops = []
        while True:
            _, position, target = best[frame]
            effect = self.index.effects(frame)[position]
            hops.append(Hop(frame, effect.step, target))
            if target is None:
                return Trace(goal, _reaches(effect, goal) or "", tuple(hops))
            frame = target.frame

    def _explore(self, frames: list[Frame]) -> None:
        """Add the frames, and every frame their calls reach, to the graph."""
        pending = [frame for frame in frames if frame not in self._seen]
        if not pending:
            return
        self._best.clear()  # new frames may give shorter paths
        self._seen.update(pending)
        while pending:
            frame = pending.pop()
            for position, effect in enumerate(self.index.effects(frame)):
                for goal, direct in self._direct.items():
                    if _reaches(effect, goal) is not None:
                        direct.setdefault(frame, position)
                for target in effect.calls:
                    self._callers[target.frame].append((frame, position, target))
                    if target.frame not in self._seen:
                        self._seen.add(target.frame)
                        pending.append(target.frame)

    def _solve(self, goal: str) -> dict[Frame, tuple[_Cost, int, Target | None]]:
        """For every frame that reaches `goal`: (cost, the step to take, the call it follows)."""
        best = self._best.get(goal)
        if best is not None:
            return best
        best = {}
        queue: list = [((0, 0), position, order, frame, None) for order, (frame, position) in enumerate(self._direct[goal].items())]
        heapq.heapify(queue)
        order = len(queue)
        while queue:
            cost, position, _, frame, target = heapq.heappop(queue)
            if frame in best:
                continue
            best[frame] = (cost, position, target)
            for caller, caller_position, call in self._callers.get(frame, ()):
                if caller not in best:
                    order += 1
                    heapq.heappush(queue, (_add(cost, call), caller_position, order, caller, call))
        self._best[goal] = best
        return best


def _add(cost: _Cost, call: Target) -> _Cost:
    return (cost[0] + call.dispatched, cost[1] + 1)
