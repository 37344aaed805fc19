"""What a job's events say so far: the one reducer the CLI's progress bar and the window both use.

``JobState.apply`` takes the events in order (``workbench.jobs.events``); the parent reads the
progress, the latest value of each metric, the log, the artifacts and what the job reported at its
end, and ``outcome`` applies the one rule for how a job ended (``workbench.jobs.outcome``).

Two display rules live here and nowhere else: the progress fraction never goes down (a job's own
estimate may, e.g. when training re-plans its epochs), and the time left (``eta``) is the job's
latest estimate counted down since, shown only while the job runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.jobs.events import (
    ArtifactEvent,
    DoneEvent,
    ErrorEvent,
    JobEvent,
    LogEvent,
    MetricEvent,
    ProgressEvent,
)
from workbench.jobs.outcome import job_outcome

VAL_PREFIX = "val."


@dataclass
class JobState:
    """Progress, metrics, log lines, artifacts and the reported end of one job."""

    fraction: float = 0.0  # the highest fraction reported so far
    message: str = ""
    eta_s: float | None = None  # the job's latest estimate of the seconds left ...
    eta_time: float = 0.0  # ... made at this time (the event's, seconds since the epoch)
    epoch: int | None = None  # of the latest metric that names one
    metrics: dict[str, float | None] = field(default_factory=dict)  # latest value per metric name
    log: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    # the ``done`` result, or ``{"error": message}`` after an ``error`` event
    reported: dict[str, Any] | None = None
    traceback: str = ""  # of the ``error`` event

    def apply(self, event: JobEvent) -> None:
        """Take one more event into the state."""
        if isinstance(event, ProgressEvent):
            self.fraction, self.message = max(self.fraction, float(event.fraction)), event.message
            self.eta_s, self.eta_time = event.eta_s, event.time
        elif isinstance(event, MetricEvent):
            self.metrics[event.name] = event.value
            if event.epoch is not None:
                self.epoch = int(event.epoch)
        elif isinstance(event, LogEvent):
            self.log.append(event.message)
        elif isinstance(event, ArtifactEvent):
            self.artifacts.append(event.path)
        elif isinstance(event, DoneEvent):
            self.reported = dict(event.result or {})
        elif isinstance(event, ErrorEvent):
            self.reported, self.traceback = {"error": event.message}, event.traceback

    @property
    def ended(self) -> bool:
        """The job reported its end (``done`` or ``error``)."""
        return self.reported is not None

    def eta(self, now: float) -> float | None:
        """Seconds left at ``now`` (seconds since the epoch): the job's latest estimate less the time
        since it was made, never below zero; None without an estimate and once the job has ended."""
        if self.ended or self.eta_s is None:
            return None
        return max(0.0, self.eta_s - max(now - self.eta_time, 0.0))

    def validation(self) -> dict[str, float]:
        """The latest validation metrics by short name (``dice``, ``auroc``; not the combined score)."""
        return {name[len(VAL_PREFIX) :]: value for name, value in self.metrics.items()
                if name.startswith(VAL_PREFIX) and name != "val.score" and value is not None}  # fmt: skip

    def status_line(self) -> str:
        """The progress message with the latest validation metrics, for a progress bar."""
        shown = " ".join(f"{k} {v:.3f}" for k, v in self.validation().items())
        return f"{self.message} {shown}".strip()

    def outcome(
        self, exit_code: int | None, cancel_requested: bool, hint: str = ""
    ) -> tuple[str, dict[str, Any]]:
        """How the job ended (``completed`` | ``cancelled`` | ``failed``) and its result."""
        return job_outcome(self.reported, exit_code, cancel_requested, hint)
