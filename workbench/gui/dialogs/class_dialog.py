"""Edit the project's defect classes: add, rename, recolour."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.gui.retranslatable import Retranslatable


def colour_icon(colour: str, size: int = 16) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(colour))
    return QIcon(pix)


class ClassDialog(Retranslatable, QDialog):
    """Lists classes with their colour and mask value; edits go to the project at once."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.resize(420, 360)
        layout = QVBoxLayout(self)
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        row = QHBoxLayout()
        self.list = QListWidget()
        self.list.itemDoubleClicked.connect(lambda _item: self.rename())
        row.addWidget(self.list, 1)
        buttons = QVBoxLayout()
        self.buttons = (QPushButton(), QPushButton(), QPushButton())  # add, rename, colour
        for button, slot in zip(self.buttons, (self.add, self.rename, self.recolour), strict=True):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        row.addLayout(buttons)
        layout.addLayout(row, 1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.refresh()
        self.retranslate()

    def retranslate(self) -> None:
        """The dialog's words; the classes are listed by their names as they are."""
        self.setWindowTitle(self.tr("Defect classes"))
        self.hint.setText(self.tr("The number is the class's value in mask files; it never changes."))
        texts = (self.tr("Add…"), self.tr("Rename…"), self.tr("Colour…"))
        for button, text in zip(self.buttons, texts, strict=True):
            button.setText(text)

    def refresh(self) -> None:
        self.list.clear()
        for c in self.project.classes():
            item = QListWidgetItem(colour_icon(c.color), f"{c.id}  {c.name}")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.list.addItem(item)

    def _current_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def add_class(self, name: str, colour: str | None = None) -> bool:
        """Add a class (used by the button and by tests); a clash is reported, not raised."""
        try:
            self.project.add_class(name, colour)
        except WorkbenchError as exc:
            QMessageBox.warning(self, self.tr("Cannot add class"), str(exc))
            return False
        self.refresh()
        return True

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("New defect class"), self.tr("Name:"))
        if ok and name.strip():
            self.add_class(name.strip())

    def rename(self) -> None:
        class_id = self._current_id()
        if class_id is None:
            return
        old = next(c.name for c in self.project.classes() if c.id == class_id)
        name, ok = QInputDialog.getText(self, self.tr("Rename class"), self.tr("Name:"), text=old)
        if ok and name.strip() and name.strip() != old:
            if self.project.class_by_name(name.strip()) is not None:
                QMessageBox.warning(self, self.tr("Cannot rename"), self.tr("That name is taken."))
                return
            self.project.update_class(class_id, name=name.strip())
            self.refresh()

    def recolour(self) -> None:
        class_id = self._current_id()
        if class_id is None:
            return
        old = next(c.color for c in self.project.classes() if c.id == class_id)
        colour = QColorDialog.getColor(QColor(old), self, self.tr("Class colour"))
        if colour.isValid():
            self.project.update_class(class_id, color=colour.name())
            self.refresh()
