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

from workbench.core.project import TASKS
from workbench.gui.icons import icon
from workbench.gui.settings import recent_projects


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(20, 16, 20, 20)
    layout.setSpacing(10)
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    return frame, layout


class StartPageWidget(QWidget):
    """Asks what to work on; emits the folder (and, for a new project, its name and task)."""

    create_requested = Signal(str, str, str)  # folder, name, task
    open_requested = Signal(str)  # folder ("" = ask with a dialog)
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 36, 48, 36)
        outer.setSpacing(20)
        title = QLabel(self.tr("Defect Workbench"))
        title.setObjectName("pageTitle")
        subtitle = QLabel(
            self.tr("Build, check and ship a visual defect-inspection model without writing code.")
        )
        subtitle.setObjectName("muted")
        outer.addWidget(title)
        outer.addWidget(subtitle)
        row = QHBoxLayout()
        row.setSpacing(20)
        row.addWidget(self._new_card(), 3)
        row.addWidget(self._open_card(), 4)
        outer.addLayout(row, 1)

    # ------------------------------------------------------------------ new project
    def _new_card(self) -> QFrame:
        frame, layout = _card(self.tr("New project"))
        form = QFormLayout()
        form.setSpacing(10)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("e.g. Line 3 connector pins"))
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(self.tr("an empty or new folder"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse_new)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.task_combo = QComboBox()
        names = {
            "segmentation": self.tr("Segmentation: find and outline defects"),
            "classification": self.tr("Classification: OK/NG or defect type per image"),
            "anomaly": self.tr("Anomaly detection: learn from good parts only"),
        }
        for task in TASKS:
            self.task_combo.addItem(names.get(task, task), task)
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Folder"), folder_row)
        form.addRow(self.tr("Task"), self.task_combo)
        layout.addLayout(form)
        self.create_button = QPushButton(icon("new"), self.tr("Create project"))
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._create)
        self.folder_edit.textChanged.connect(self._update_create)
        self._update_create()
        layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addSpacing(12)
        about = QLabel(
            self.tr(
                "A project is an ordinary folder: your imported images, their labels and masks, and "
                "everything trained from them. Back it up or move it like any folder."
            )
        )
        about.setObjectName("muted")
        about.setWordWrap(True)
        layout.addWidget(about)
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
        frame, layout = _card(self.tr("Open"))
        buttons = QHBoxLayout()
        open_button = QPushButton(icon("open"), self.tr("Open project…"))
        open_button.clicked.connect(lambda: self.open_requested.emit(""))
        self.sample_button = QPushButton(icon("sample"), self.tr("Open sample project"))
        self.sample_button.setToolTip(self.tr("A synthetic inspection data set to try every step on"))
        self.sample_button.clicked.connect(self.sample_requested.emit)
        buttons.addWidget(open_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        recent_title = QLabel(self.tr("Recent projects"))
        recent_title.setObjectName("muted")
        layout.addWidget(recent_title)
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

    def refresh_recent(self) -> None:
        self.recent_list.clear()
        paths = recent_projects()
        for path in paths:
            item = QListWidgetItem(icon("data"), f"{Path(path).name}\n{path}")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            self.recent_list.addItem(item)
        if not paths:
            item = QListWidgetItem(self.tr("No recent projects yet."))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent_list.addItem(item)
