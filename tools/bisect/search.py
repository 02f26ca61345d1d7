"""The search of ``python -m tools.bisect`` as a state machine (no I/O): feed it each step's verdict, it says
which build to run next, and in the end what it found (tools/bisect/README.md, "Search").

The builds are in order, oldest first. The first build's verdict is the reference; the search looks for the
first build whose verdict differs from it (``good`` -> ``bad`` for a regression, ``bad`` -> ``good`` for a
behaviour a later build brought). The two ends are run first: when they agree there is nothing to find.
Then a plain binary search between them: at most ceil(log2(n - 1)) more steps.

A ``bad`` run is repeated ``reruns`` more times before it counts: if the runs disagree the step is
``flaky`` and the search stops there, naming the build; a flaky step is never guessed good or bad. A step
that cannot be judged (``skipped``: the selection does not apply; ``error``: the board did not come up)
stops the search too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum


class Verdict(str, Enum):
    good = "good"  # every selected test passed
    bad = "bad"  # a selected test failed
    skipped = "skipped"  # every selected test was skipped: nothing to judge
    error = "error"  # the build could not be run (board did not come up, no test collected)
    flaky = "flaky"  # runs of one build disagreed


JUDGED = (Verdict.good, Verdict.bad)


@dataclass(frozen=True)
class Step:
    """One run of one build."""

    index: int
    verdict: Verdict
    attempt: int  # 1 for the first run of the build, 2.. for re-runs of a bad one


@dataclass(frozen=True)
class Outcome:
    """What the search found. ``kind``: ``found`` (``first_changed`` is the first build whose verdict is
    not the reference's, ``last_same`` the build before it), ``unchanged`` (the two ends agree) or
    ``stopped`` (``stopped_at`` could not be judged: ``reason`` says why)."""

    kind: str
    reference: Verdict | None = None
    first_changed: int | None = None
    last_same: int | None = None
    stopped_at: int | None = None
    reason: str = ""


@dataclass
class Bisection:
    """The search over ``builds`` builds; ``reruns``: how many more runs confirm a ``bad`` verdict."""

    builds: int
    reruns: int = 2
    steps: list[Step] = field(default_factory=list)
    _verdicts: dict[int, Verdict] = field(default_factory=dict)
    _pending: int | None = None  # the build being run (re-runs included)
    _lo: int = 0
    _hi: int = 0
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        if self.builds < 2:
            raise ValueError(f"a bisection needs at least two builds, got {self.builds}")
        if self.reruns < 0:
            raise ValueError(f"reruns must be 0 or more, got {self.reruns}")
        self._hi = self.builds - 1

    @property
    def max_steps(self) -> int:
        """Builds run at most: the two ends, then the binary search between them."""
        return 2 + math.ceil(math.log2(self.builds - 1))

    def next(self) -> int | None:
        """The build to run next (the same one again for a re-run), or None when the search is over."""
        if self.outcome is not None:
            return None
        if self._pending is None:
            self._pending = self._choose()
        return self._pending

    def feed(self, verdict: Verdict | str) -> None:
        """The verdict of one run of the build :meth:`next` named."""
        if self._pending is None:
            raise RuntimeError("feed() without a pending build: call next() first")
        verdict = Verdict(verdict)
        index = self._pending
        runs = [s for s in self.steps if s.index == index]
        self.steps.append(Step(index, verdict, len(runs) + 1))
        seen = {s.verdict for s in runs} | {verdict}
        if len(seen) > 1:
            verdicts = ", ".join(s.verdict.value for s in self.steps if s.index == index)
            self._stop(index, Verdict.flaky, f"runs of build {index} disagree: {verdicts}")
            return
        if verdict is Verdict.bad and len(runs) < self.reruns:
            return  # confirm it: next() names the same build again
        self._pending = None
        if verdict not in JUDGED:
            self._stop(index, verdict, f"build {index} could not be judged ({verdict.value})")
            return
        self._verdicts[index] = verdict
        self._advance(index, verdict)

    def _choose(self) -> int:
        if 0 not in self._verdicts:
            return 0
        if self.builds - 1 not in self._verdicts:
            return self.builds - 1
        return (self._lo + self._hi) // 2

    def _advance(self, index: int, verdict: Verdict) -> None:
        reference = self._verdicts.get(0)
        if index == 0:
            return
        if index == self.builds - 1 and verdict is reference:
            self.outcome = Outcome("unchanged", reference=reference)
            return
        if index != self.builds - 1:
            if verdict is reference:
                self._lo = index
            else:
                self._hi = index
        if self._hi - self._lo <= 1:
            self.outcome = Outcome("found", reference=reference, first_changed=self._hi, last_same=self._lo)

    def _stop(self, index: int, verdict: Verdict, reason: str) -> None:
        self._pending = None
        self._verdicts[index] = verdict
        self.outcome = Outcome("stopped", reference=self._verdicts.get(0), stopped_at=index, reason=reason)
