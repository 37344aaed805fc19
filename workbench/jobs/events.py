"""The job event stream: one JSON object per line on stdout, mirrored to ``runs/<id>/events.jsonl``.

One frozen dataclass per event type (docs/dev/contracts.md, Jobs): ``progress`` (fraction,
message, optional ``eta_s``), ``metric`` (name, value, epoch), ``log`` (message), ``artifact``
(path), ``done`` (result), ``error`` (message, traceback). Every event also carries ``time``
(seconds since the epoch). A ``progress`` or ``log`` message made from a registered line
(``workbench.core.messages``) also carries its ``msg_id`` and ``args``, so a window can show it in
its own language; ``message`` stays the English text, which the CLI, stored logs and older readers
use. ``EventWriter`` writes them in the child; ``parse_event`` reads them
back in the parents, whose one reducer is ``workbench.jobs.job_state.JobState``.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, TextIO

from workbench.core.messages import said_parts

PROGRESS_FILE_INTERVAL = 2.0  # seconds between progress lines kept in events.jsonl


@dataclass(frozen=True)
class _Event:
    type: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        data = _clean(asdict(self))
        if not data.get("msg_id"):  # a plain line: written as before line ids existed
            data.pop("msg_id", None)
            data.pop("args", None)
        return {"type": self.type, **data}


@dataclass(frozen=True)
class ProgressEvent(_Event):
    type: ClassVar[str] = "progress"
    fraction: float
    message: str = ""
    time: float = 0.0
    eta_s: float | None = None  # seconds left as the job estimates them at ``time``; None: no estimate
    msg_id: str = ""  # the registered line ``message`` was made from ('' for a plain one)
    args: dict[str, Any] = field(default_factory=dict)  # its formatted parameters


@dataclass(frozen=True)
class MetricEvent(_Event):
    type: ClassVar[str] = "metric"
    name: str
    value: float | None  # None where the value was not a finite number
    epoch: int | None = None
    time: float = 0.0


@dataclass(frozen=True)
class LogEvent(_Event):
    type: ClassVar[str] = "log"
    message: str
    time: float = 0.0
    msg_id: str = ""  # the registered line ``message`` was made from ('' for a plain one)
    args: dict[str, Any] = field(default_factory=dict)  # its formatted parameters


@dataclass(frozen=True)
class ArtifactEvent(_Event):
    type: ClassVar[str] = "artifact"
    path: str
    time: float = 0.0


@dataclass(frozen=True)
class DoneEvent(_Event):
    type: ClassVar[str] = "done"
    result: dict[str, Any] = field(default_factory=dict)
    time: float = 0.0


@dataclass(frozen=True)
class ErrorEvent(_Event):
    type: ClassVar[str] = "error"
    message: str
    traceback: str = ""
    time: float = 0.0


JobEvent = ProgressEvent | MetricEvent | LogEvent | ArtifactEvent | DoneEvent | ErrorEvent
EVENT_TYPES: dict[str, type[JobEvent]] = {
    e.type: e for e in (ProgressEvent, MetricEvent, LogEvent, ArtifactEvent, DoneEvent, ErrorEvent)
}


def _clean(value: Any) -> Any:
    """JSON-safe value: NaN/inf become None (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class EventWriter:
    """Writes events; implements the ``Reporter`` protocol the training loop reports to."""

    def __init__(self, stream: TextIO | None = None, log_path: Path | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.log_path = log_path
        self._lock = threading.Lock()
        self._last_file_progress = 0.0

    def set_log(self, path: Path) -> None:
        """Mirror further events to ``path`` (appending: a resumed run keeps its history)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = path

    def emit(self, event: JobEvent) -> None:
        line = json.dumps(event.to_dict(), ensure_ascii=False, default=str)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()
            if self.log_path is not None and self._keep_in_file(event):
                with open(self.log_path, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")

    def _keep_in_file(self, event: JobEvent) -> bool:
        # Progress arrives every step; the file keeps one every few seconds, everything else always.
        if not isinstance(event, ProgressEvent):
            return True
        now = time.monotonic()
        if now - self._last_file_progress < PROGRESS_FILE_INTERVAL:
            return False
        self._last_file_progress = now
        return True

    def progress(self, fraction: float, message: str = "", eta_s: float | None = None) -> None:
        eta = None if eta_s is None else round(max(float(eta_s), 0.0), 1)
        fraction = round(float(min(max(fraction, 0.0), 1.0)), 4)
        self.emit(ProgressEvent(fraction, str(message), _now(), eta, *said_parts(message)))

    def metric(self, name: str, value: float, epoch: int | None = None) -> None:
        self.emit(MetricEvent(name, float(value), epoch, _now()))

    def log(self, message: str) -> None:
        self.emit(LogEvent(str(message), _now(), *said_parts(message)))

    def artifact(self, path: str) -> None:
        self.emit(ArtifactEvent(path, _now()))

    def done(self, result: dict[str, Any]) -> None:
        self.emit(DoneEvent(result, _now()))

    def error(self, message: str, traceback: str = "") -> None:
        self.emit(ErrorEvent(message, traceback, _now()))


def _now() -> float:
    return round(time.time(), 3)


def parse_event(line: str) -> JobEvent | None:
    """One event from a line of job output; None for lines that are not events (stray prints)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    kind = data.get("type") if isinstance(data, dict) else None
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        return None
    try:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
    except TypeError:  # a required field is missing
        return None


def read_events(path: Path) -> list[JobEvent]:
    """All events of an ``events.jsonl`` file (damaged lines skipped)."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [e for e in (parse_event(line) for line in lines) if e is not None]
