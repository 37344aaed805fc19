"""A run's time limit as a budget that every phase of the run asks before it starts.

The limit counts from the moment the run starts (loading the images and building the model
included), not from the first training step. A phase starts only when its expected cost, measured
earlier in the run, fits in what is left; the run's end phases (the last validation, the decision,
saving) are reserved up front, so training stops early enough for them. What each phase cost is
recorded (``TimeBudget.to_dict``, stored in the run's ``metrics.json`` as ``time``), so a run shows
where its time went and that nothing started after the limit.

The clock is injectable: tests drive the budget with a fake clock instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]


@dataclass
class Phase:
    """One stretch of the run: ``name`` from ``start`` to ``end`` (seconds since the run started)."""

    name: str
    start: float
    end: float

    def to_dict(self) -> dict[str, Any]:
        return {"phase": self.name, "start": round(self.start, 2), "end": round(self.end, 2)}


class TimeBudget:
    """Seconds spent and left of a run's ``limit`` (None: no limit), by ``clock``."""

    def __init__(self, limit: float | None, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._start = clock()
        self.before = 0.0  # seconds spent by earlier attempts of this run (a resume)
        self.phases: list[Phase] = []
        self.skipped: list[str] = []  # one line per phase left out or shrunk to stay in the limit

    def spent(self) -> float:
        return self.before + self.clock() - self._start

    def left(self) -> float | None:
        return None if self.limit is None else self.limit - self.spent()

    def fits(self, seconds: float) -> bool:
        """True when a phase expected to take ``seconds`` ends within the limit (always without one)."""
        return self.limit is None or self.spent() + max(seconds, 0.0) <= self.limit

    def past(self) -> bool:
        return self.limit is not None and self.spent() >= self.limit

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Record the phase ``name`` around the block."""
        start = self.spent()
        try:
            yield
        finally:
            self.record(name, start, self.spent())

    def record(self, name: str, start: float, end: float) -> None:
        """Add a phase that ran from ``start`` to ``end``; one right after a phase of its name extends it."""
        last = self.phases[-1] if self.phases else None
        if last is not None and last.name == name:
            last.end = end
        else:
            self.phases.append(Phase(name, start, end))

    def skip(self, line: str) -> None:
        """Note a phase left out or shrunk to keep the limit (the caller logs the same line)."""
        self.skipped.append(line)

    def to_dict(self) -> dict[str, Any]:
        """``metrics.json``'s ``time``: the limit, the phases in order, and what was skipped."""
        return {"limit": self.limit, "spent": round(self.spent(), 2),
                "phases": [p.to_dict() for p in self.phases], "skipped": list(self.skipped)}  # fmt: skip
