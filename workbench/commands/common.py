"""Helpers shared by CLI verbs: progress bar, JSON output, opening projects."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

from workbench.core.project import Project


class ProgressBar:
    """A one-line text progress bar on stderr; silent when ``enabled`` is False.

    Call it as ``progress(fraction, message)``: the signature every long core function takes. The
    time left is guessed from the elapsed time and the fraction, unless ``own_eta`` is False: then it
    is the ``eta_s`` passed in (a job's own estimate, ``JobState.eta``), and none without one.
    """

    def __init__(
        self, label: str = "", enabled: bool = True, stream: TextIO | None = None, own_eta: bool = True
    ) -> None:
        self.label = label
        self.own_eta = own_eta
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.start = time.monotonic()
        self._last = 0.0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, fraction: float, message: str = "", eta_s: float | None = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < (0.1 if self._tty else 2.0):
            return
        self._last = now
        fraction = min(max(fraction, 0.0), 1.0)
        elapsed = now - self.start
        if self.own_eta:
            eta_s = elapsed / fraction - elapsed if 0.02 < fraction < 1.0 else None
        eta = f" ETA {eta_s:4.0f}s" if eta_s is not None and fraction < 1.0 else ""
        width = 28
        bar = "#" * int(width * fraction) + "-" * (width - int(width * fraction))
        line = f"{self.label} [{bar}] {fraction * 100:5.1f}%{eta} {message}"[:160]
        if self._tty:
            self.stream.write("\r" + line.ljust(100))
            if fraction >= 1.0:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self, message: str = "done") -> None:
        self._last = 0.0
        self(1.0, message)


def print_json(obj: Any) -> None:
    """Print an object as JSON on stdout (for scripts)."""
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def open_project(folder: str, readonly: bool = False) -> Project:
    return Project.open(folder, readonly=readonly)
