"""Parent side of a job: start the child, read its events, cancel it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from workbench.core.atomic import atomic_write_json
from workbench.jobs.events import JobEvent, parse_event
from workbench.services.job_specs import JobSpec

# After SIGTERM, how long a job may take to stop before it is killed (the CLI's and the window's).
CANCEL_GRACE_S = 30.0


class JobProcess:
    """One job child process; iterate :meth:`events` until it ends, then read :attr:`returncode`."""

    def __init__(self, spec: JobSpec, spec_path: Path, stderr_path: Path | None = None) -> None:
        self.spec = spec
        self.spec_path = spec_path
        self.stderr_path = stderr_path
        self.proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None

    def start(self) -> JobProcess:
        atomic_write_json(self.spec_path, self.spec.to_dict())
        if self.stderr_path is not None:
            self.stderr_path.parent.mkdir(parents=True, exist_ok=True)
            self._stderr = open(self.stderr_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in wait)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.jobs", str(self.spec_path)],
            stdout=subprocess.PIPE,
            stderr=self._stderr if self._stderr is not None else subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            bufsize=1,
            env=env,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, "start() the job first"
        return self.proc.pid

    def events(self) -> Iterator[JobEvent]:
        """Events as the child prints them; ends when the child closes its output."""
        assert self.proc is not None and self.proc.stdout is not None, "start() the job first"
        for line in self.proc.stdout:
            event = parse_event(line)
            if event is not None:
                yield event

    def cancel(self, grace_s: float = CANCEL_GRACE_S) -> int:
        """Ask the job to stop (SIGTERM); kill it if it has not stopped after ``grace_s``."""
        assert self.proc is not None, "start() the job first"
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.wait()

    def wait(self) -> int:
        """Wait for the child to end; returns its exit status (see ``workbench.jobs.runner``)."""
        assert self.proc is not None, "start() the job first"
        code = self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        return code

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.returncode
