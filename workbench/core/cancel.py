"""Cancellation token passed to long functions (never a Qt signal)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from workbench.core.errors import WorkbenchError

Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str = "") -> None:
    """A progress callback that ignores everything."""


class Cancelled(WorkbenchError):
    """Raised inside long work when its token was cancelled."""


class CancelToken:
    """Thread-safe flag a caller sets and long work checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user")
