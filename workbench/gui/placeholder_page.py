"""An honest page for a step this version does not have yet: it says what will be there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.gui.icons import icon

TEXT_WIDTH = 560


class PlaceholderPageWidget(QWidget):
    """Names the step, describes what it will do, and says plainly that it is not available yet."""

    def __init__(self, icon_name: str, title: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QWidget()
        column.setFixedWidth(TEXT_WIDTH)
        layout = QVBoxLayout(column)
        layout.setSpacing(14)
        picture = QLabel()
        picture.setPixmap(icon(icon_name).pixmap(64, 64, QIcon.Mode.Disabled))
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        body = QLabel(what)
        note = QLabel(
            self.tr(
                "This step is not available in this version of the window yet; nothing here works so far."
            )
        )
        note.setObjectName("muted")
        for label in (picture, heading, body, note):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            layout.addWidget(label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
