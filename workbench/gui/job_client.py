"""A job child process seen from the window: `python -m workbench.jobs SPEC.json` in its own session.

The child writes its JSON-lines events to a file next to its spec, and the window follows that
file with a timer, so events arrive as signals on the GUI thread and the window never blocks on
a job. The child has no pipe to the window, so it does not die with it: closing the window
during training may let the job finish in the background. ``JobRegistry`` counts the running
jobs for the status bar.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.jobs.events import parse_event
from workbench.jobs.job_state import JobState
from workbench.jobs.process import CANCEL_GRACE_S
from workbench.services.job_specs import JobSpec

POLL_MS = 150
STDERR_TAIL = 4000  # bytes of the child's stderr read to explain a crash


class JobClient(QObject):
    """One job: ``start()``, then ``received`` for each event and ``finished`` once at the end.

    ``seen`` is what the events say so far (``workbench.jobs.job_state.JobState``, the CLI's
    reducer too); a page reads it when ``received`` fires. ``finished`` carries the final state:
    ``completed``, ``cancelled`` or ``failed``, and the ``done`` result (or ``{"error": message}``
    for a failed job, including one that crashed).
    """

    received = Signal(object)  # a workbench.jobs.events.JobEvent
    finished = Signal(str, dict)

    def __init__(self, spec: JobSpec, spec_path: Path, title: str, parent: QObject | None = None):
        super().__init__(parent)
        self.spec = spec
        self.spec_path = spec_path
        self.events_path = spec_path.with_suffix(".events.jsonl")
        self.stderr_path = spec_path.with_suffix(".stderr.log")
        self.title = title
        self.state = "pending"
        self.result: dict[str, Any] = {}
        self.seen = JobState()
        self.pid = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.cancel_requested: float | None = None
        self._offset = 0
        self._partial = b""
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self) -> JobClient:
        self.spec_path.parent.mkdir(parents=True, exist_ok=True)
        self.spec_path.write_text(json.dumps(self.spec.to_dict(), indent=2), encoding="utf-8")
        self.events_path.write_bytes(b"")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("QT_QPA_PLATFORM", None)  # the job never shows a window
        try:
            with open(self.events_path, "wb") as out, open(self.stderr_path, "ab") as err:
                # Own session: the job outlives the window when the user lets it finish alone.
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "workbench.jobs", str(self.spec_path)], stdout=out, stderr=err,
                    stdin=subprocess.DEVNULL, env=env, start_new_session=os.name != "nt",
                )  # fmt: skip
        except OSError as exc:
            self.state = "failed"
            self.result = {"error": f"cannot start the job process ({sys.executable}): {exc}"}
            QTimer.singleShot(0, lambda: self.finished.emit(self.state, self.result))
            return self
        pid = self.process.pid
        self.pid = int(pid)
        self.state = "running"
        self._timer.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop (SIGTERM: it marks its partial output cancelled); kill it if it hangs."""
        if not self.running or not self.pid:
            return
        self.cancel_requested = time.monotonic()
        self._signal(signal.SIGTERM)

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(OSError):  # already gone: poll() reports how it ended
            os.kill(self.pid, sig)

    def wait(self, ms: int) -> bool:
        """Block up to ``ms`` for the end (window close only); returns whether the job ended."""
        deadline = time.monotonic() + ms / 1000
        while self.running and time.monotonic() < deadline:
            time.sleep(POLL_MS / 1000)
            self.poll()
        return not self.running

    def detach(self) -> None:
        """Stop following the job; it goes on alone and records its end in its run folder."""
        self._timer.stop()
        self.state = "detached"

    def poll(self) -> None:
        """Read new events; notice the end of the process."""
        if not self.running:
            return
        alive = self.process is not None and self.process.poll() is None
        self._read_events()
        if alive:
            if (
                self.cancel_requested is not None
                and time.monotonic() - self.cancel_requested > CANCEL_GRACE_S
            ):
                self._signal(getattr(signal, "SIGKILL", signal.SIGTERM))
            return
        self._read_events()
        self._timer.stop()
        self._finish()

    def _read_events(self) -> None:
        try:
            with open(self.events_path, "rb") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
        except OSError:
            return
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        for raw in lines:
            event = parse_event(raw.decode("utf-8", errors="replace"))
            if event is not None:
                self.seen.apply(event)
                self.received.emit(event)

    def _finish(self) -> None:
        code = self.process.returncode if self.process is not None else None
        cancelled = self.cancel_requested is not None
        self.state, self.result = self.seen.outcome(code, cancelled, self._stderr_hint())
        self.finished.emit(self.state, self.result)

    def _stderr_hint(self) -> str:
        try:
            with open(self.stderr_path, "rb") as fh:
                fh.seek(max(0, self.stderr_path.stat().st_size - STDERR_TAIL))
                lines = fh.read().decode("utf-8", errors="replace").strip().splitlines()
        except OSError:
            return ""
        return f": {lines[-1]}" if lines else ""


class JobRegistry(QObject):
    """The window's running jobs; ``changed`` fires when one starts or ends."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[JobClient] = []

    def start(self, spec: JobSpec, title: str, folder: Path) -> JobClient:
        """Start a job whose spec is written to ``folder`` (a run folder, or the project cache)."""
        job = JobClient(spec, folder / f"job-{spec.kind}-{uuid.uuid4().hex[:8]}.json", title, self)
        job.finished.connect(lambda *_: self._ended(job))
        self.jobs.append(job)
        job.start()
        self.changed.emit()
        return job

    def running(self) -> list[JobClient]:
        return [j for j in self.jobs if j.running]

    def _ended(self, job: JobClient) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        self.changed.emit()

    def cancel_all(self, wait_ms: int = 0) -> None:
        for job in self.running():
            job.cancel()
        for job in self.running():
            job.wait(wait_ms)

    def detach_all(self) -> None:
        for job in self.running():
            job.detach()
        self.jobs.clear()
