"""The text view of a job's log, shown again in the new language after a language switch."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from workbench.gui.retranslatable import Retranslatable

MAX_LINES = 2000


class JobLogView(Retranslatable, QPlainTextEdit):
    """Read-only lines, each kept as the function that words it (``job_messages.job_line`` for a
    job's event, a ``self.tr`` text of the page, or fixed text), so ``retranslate`` can word them
    all again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self._lines: deque[Callable[[], str]] = deque(maxlen=MAX_LINES)

    def add(self, make: Callable[[], str]) -> None:
        """Show the line ``make()`` at the end, and word it again after a language switch."""
        self._lines.append(make)
        self.appendPlainText(make())

    def add_text(self, text: str) -> None:
        """Show fixed text (data, an error from elsewhere) at the end."""
        self.add(lambda: text)

    def clear(self) -> None:
        self._lines.clear()
        super().clear()

    def retranslate(self) -> None:
        if not self._lines:
            return
        super().clear()
        self.appendPlainText("\n".join(make() for make in self._lines))
