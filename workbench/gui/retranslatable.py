"""Widgets that set their own texts again when the language changes.

Installing a translator makes Qt send ``QEvent.LanguageChange`` down every widget tree (see
:func:`workbench.gui.i18n.install_language`). A widget class that mixes in :class:`Retranslatable`
answers it by calling its ``retranslate()``, which sets the texts that class put on its own child
widgets, and nothing else: data a person typed or imported (class names, sample names, run ids,
table cells) is never looked at, so it cannot be mistaken for a word of the interface.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QWidget


class Retranslatable:
    """Mixin for a QWidget subclass (put it first among the bases) that defines ``retranslate()``.

    The class calls ``retranslate()`` once itself when it is built, so its texts are set in one place.
    """

    def retranslate(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} mixes in Retranslatable without retranslate()")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)  # type: ignore[misc]


class ComposedLabel(Retranslatable, QLabel):
    """A label whose text is made from translated words and data, by a function it keeps.

    ``compose(lambda: self.tr("Run %1 completed.").replace("%1", run_id))`` shows the text now and
    makes it again after a language switch; ``setText`` and ``clear`` show fixed text (a message
    from a job, an error) that stays as it is.
    """

    def __init__(self, parent: QWidget | None = None, *, word_wrap: bool = False) -> None:
        super().__init__(parent)
        self._compose: Callable[[], str] | None = None
        self.setWordWrap(word_wrap)

    def compose(self, make: Callable[[], str]) -> None:
        self._compose = make
        super().setText(make())

    def setText(self, text: str) -> None:
        self._compose = None
        super().setText(text)

    def clear(self) -> None:
        self._compose = None
        super().clear()

    def retranslate(self) -> None:
        if self._compose is not None:
            super().setText(self._compose())
