"""The start page: create a project, open one, reopen a recent one, or open the sample project."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.core.types import TASKS
from workbench.gui.icons import icon
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.settings import recent_projects


def _card(heading: QLabel) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(20, 16, 20, 20)
    layout.setSpacing(10)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    return frame, layout


class StartPageWidget(Retranslatable, QWidget):
    """Asks what to work on; emits the folder (and, for a new project, its name and task)."""

    create_requested = Signal(str, str, str)  # folder, name, task
    open_requested = Signal(str)  # folder ("" = ask with a dialog)
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 36, 48, 36)
        outer.setSpacing(20)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("muted")
        outer.addWidget(self.title)
        outer.addWidget(self.subtitle)
        row = QHBoxLayout()
        row.setSpacing(20)
        row.addWidget(self._new_card(), 3)
        row.addWidget(self._open_card(), 4)
        outer.addLayout(row, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Defect Workbench"))
        self.subtitle.setText(
            self.tr("Build, check and ship a visual defect-inspection model without writing code.")
        )
        self.new_title.setText(self.tr("New project"))
        self.name_edit.setPlaceholderText(self.tr("e.g. Line 3 connector pins"))
        self.folder_edit.setPlaceholderText(self.tr("an empty or new folder"))
        self.browse_button.setText(self.tr("Browse…"))
        names = {
            "segmentation": self.tr("Segmentation: find and outline defects"),
            "classification": self.tr("Classification: OK/NG or defect type per image"),
            "anomaly": self.tr("Anomaly detection: learn from good parts only"),
        }
        for i in range(self.task_combo.count()):
            task = str(self.task_combo.itemData(i))
            self.task_combo.setItemText(i, names.get(task, task))
        for caption, text in zip(self.form_captions, (self.tr("Name"), self.tr("Folder"), self.tr("Task"))):
            caption.setText(text)
        self.create_button.setText(self.tr("Create project"))
        self.about.setText(self.tr(
            "A project is an ordinary folder: your imported images, their labels and masks, and "
            "everything trained from them. Back it up or move it like any folder."
        ))  # fmt: skip
        self.open_title.setText(self.tr("Open"))
        self.open_button.setText(self.tr("Open project…"))
        self.sample_button.setText(self.tr("Open sample project"))
        self.sample_button.setToolTip(self.tr("A synthetic inspection data set to try every step on"))
        self.recent_title.setText(self.tr("Recent projects"))
        for i in range(self.recent_list.count()):
            item = self.recent_list.item(i)
            if not item.data(Qt.ItemDataRole.UserRole):  # the hint, not a project's path
                item.setText(self._no_recent())

    # ------------------------------------------------------------------ new project
    def _new_card(self) -> QFrame:
        self.new_title = QLabel()
        frame, layout = _card(self.new_title)
        form = QFormLayout()
        form.setSpacing(10)
        self.name_edit = QLineEdit()
        self.folder_edit = QLineEdit()
        self.browse_button = QPushButton()
        self.browse_button.clicked.connect(self._browse_new)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        self.task_combo = QComboBox()
        for task in TASKS:
            self.task_combo.addItem(task, task)
        self.form_captions = (QLabel(), QLabel(), QLabel())
        for caption, field in zip(self.form_captions, (self.name_edit, folder_row, self.task_combo)):
            form.addRow(caption, field)
        layout.addLayout(form)
        self.create_button = QPushButton(icon("new"), "")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._create)
        self.folder_edit.textChanged.connect(self._update_create)
        self._update_create()
        layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addSpacing(12)
        self.about = QLabel()
        self.about.setObjectName("muted")
        self.about.setWordWrap(True)
        layout.addWidget(self.about)
        layout.addStretch(1)
        return frame

    def _browse_new(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the new project"))
        if folder:
            self.folder_edit.setText(folder)
            if not self.name_edit.text():
                self.name_edit.setText(Path(folder).name)

    def _update_create(self) -> None:
        self.create_button.setEnabled(bool(self.folder_edit.text().strip()))

    def _create(self) -> None:
        folder = self.folder_edit.text().strip()
        if folder:
            self.create_requested.emit(folder, self.name_edit.text().strip(), self.task_combo.currentData())

    # ------------------------------------------------------------------ open
    def _open_card(self) -> QFrame:
        self.open_title = QLabel()
        frame, layout = _card(self.open_title)
        buttons = QHBoxLayout()
        self.open_button = QPushButton(icon("open"), "")
        self.open_button.clicked.connect(lambda: self.open_requested.emit(""))
        self.sample_button = QPushButton(icon("sample"), "")
        self.sample_button.clicked.connect(self.sample_requested.emit)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.recent_title = QLabel()
        self.recent_title.setObjectName("muted")
        layout.addWidget(self.recent_title)
        self.recent_list = QListWidget()
        self.recent_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.recent_list.itemActivated.connect(self._open_recent)
        layout.addWidget(self.recent_list, 1)
        self.refresh_recent()
        return frame

    def _open_recent(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if path:
            self.open_requested.emit(path)

    def _no_recent(self) -> str:
        return self.tr("No recent projects yet.")

    def refresh_recent(self) -> None:
        self.recent_list.clear()
        paths = recent_projects()
        for path in paths:
            item = QListWidgetItem(icon("data"), f"{Path(path).name}\n{path}")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            self.recent_list.addItem(item)
        if not paths:
            item = QListWidgetItem(self._no_recent())
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent_list.addItem(item)
