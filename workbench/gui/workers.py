"""Work off the GUI thread: a function runs in the thread pool, its result comes back as a signal.

Inputs are captured when the task starts (immutable values, paths); results are applied by
slots on the GUI thread, so widgets are never touched from a worker.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from workbench.core.cancel import CancelToken


class TaskSignals(QObject):
    """Signals of one task; created on the GUI thread so connected slots run there."""

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)  # message, traceback


class Task(QRunnable):
    """Run ``fn(progress, cancel)`` in the pool; ``progress`` and the outcome arrive as signals."""

    def __init__(self, fn: Callable[[Callable[[float, str], None], CancelToken], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = TaskSignals()
        self.cancel = CancelToken()
        self.setAutoDelete(False)  # the caller keeps the task (and its signals) alive

    def run(self) -> None:
        try:
            result = self.fn(self._progress, self.cancel)
        except Exception as exc:  # reported to the user, never lost in a thread
            self.signals.failed.emit(str(exc), traceback.format_exc())
            return
        self.signals.finished.emit(result)

    def _progress(self, fraction: float, message: str = "") -> None:
        self.signals.progress.emit(float(fraction), str(message))


def start(task: Task, pool: QThreadPool | None = None) -> Task:
    (pool or QThreadPool.globalInstance()).start(task)
    return task
