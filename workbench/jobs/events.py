"""The job event stream: one JSON object per line on stdout, mirrored to ``runs/<id>/events.jsonl``.

Types (docs/dev/contracts.md, Jobs): ``progress`` (fraction, message), ``metric`` (name, value,
epoch), ``log`` (message), ``artifact`` (path), ``done`` (result), ``error`` (message, traceback).
Every event also carries ``time`` (seconds since the epoch).
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

EVENT_TYPES = ("progress", "metric", "log", "artifact", "done", "error")
PROGRESS_FILE_INTERVAL = 2.0  # seconds between progress lines kept in events.jsonl


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

    def emit(self, type_: str, **fields: Any) -> None:
        if type_ not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type_!r}")
        event = {"type": type_, "time": round(time.time(), 3), **_clean(fields)}
        line = json.dumps(event, ensure_ascii=False, default=str)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()
            if self.log_path is not None and self._keep_in_file(type_):
                with open(self.log_path, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")

    def _keep_in_file(self, type_: str) -> bool:
        # Progress arrives every step; the file keeps one every few seconds, everything else always.
        if type_ != "progress":
            return True
        now = time.monotonic()
        if now - self._last_file_progress < PROGRESS_FILE_INTERVAL:
            return False
        self._last_file_progress = now
        return True

    def progress(self, fraction: float, message: str = "") -> None:
        self.emit("progress", fraction=round(float(min(max(fraction, 0.0), 1.0)), 4), message=message)

    def metric(self, name: str, value: float, epoch: int | None = None) -> None:
        self.emit("metric", name=name, value=float(value), epoch=epoch)

    def log(self, message: str) -> None:
        self.emit("log", message=message)

    def artifact(self, path: str) -> None:
        self.emit("artifact", path=path)

    def done(self, result: dict[str, Any]) -> None:
        self.emit("done", result=result)

    def error(self, message: str, traceback: str = "") -> None:
        self.emit("error", message=message, traceback=traceback)


def parse_event(line: str) -> dict[str, Any] | None:
    """One event from a line of job output; None for lines that are not events (stray prints)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
        return None
    return event


def read_events(path: Path) -> list[dict[str, Any]]:
    """All events of an ``events.jsonl`` file (damaged lines skipped)."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [e for e in (parse_event(line) for line in lines) if e is not None]
