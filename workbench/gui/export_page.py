"""The Export page: the project's deploy bundles and the button that opens the Export wizard."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.project import Project
from workbench.gui.export_wizard import ExportWizard
from workbench.gui.icons import icon
from workbench.gui.job_client import JobRegistry
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.train_widgets import styled_label


class ExportPageWidget(Retranslatable, QWidget):
    """Lists `exports/*.wbx`; the wizard makes new ones."""

    exported = Signal(str)

    def __init__(self, jobs: JobRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.project: Project | None = None
        self.wizard: ExportWizard | None = None
        self.export_button = QPushButton(icon("export"), "")
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.open_wizard)
        self.folder_button = QPushButton(icon("open"), "")
        self.folder_button.clicked.connect(self._open_folder)
        self.table = QTableWidget(0, 3)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.what = QLabel()
        self.what.setWordWrap(True)
        self.what.setMaximumWidth(760)
        self.what.setObjectName("muted")
        self.title = styled_label("", "pageTitle")
        self.bundles_title = styled_label("", "sectionTitle")
        self.empty = styled_label("", "muted", wrap=True)  # in place of an empty table
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.what)
        layout.addLayout(buttons)
        layout.addWidget(self.bundles_title)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addStretch(0)  # takes the room only while the table is hidden
        self.refresh()
        self.retranslate()

    def retranslate(self) -> None:
        """The page's words; the bundles listed keep their file names."""
        self.title.setText(self.tr("Export for the line"))
        self.what.setText(self.tr(
            "A bundle (.wbx) holds the model as ONNX and, on request, OpenVINO, the decision rules and a "
            "few golden images. On the industrial PC, `workbench-run verify BUNDLE` proves that it gives "
            "the same answers there; `workbench-run predict` inspects images."))  # fmt: skip
        self.export_button.setText(self.tr("Export a model…"))
        self.folder_button.setText(self.tr("Open exports folder"))
        self.bundles_title.setText(self.tr("Bundles of this project"))
        self.empty.setText(self.tr(
            "No bundle yet. “Export a model…” makes one from a completed run; it is written to the "
            "project's exports folder and listed here."))  # fmt: skip
        self.table.setHorizontalHeaderLabels([self.tr("Bundle"), self.tr("Size"), self.tr("Written")])

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.refresh()

    def refresh(self) -> None:
        self.table.setRowCount(0)
        self.export_button.setEnabled(self.project is not None)
        self.folder_button.setEnabled(self.project is not None)
        self.empty.setVisible(False)
        if self.project is None:
            return
        bundles = sorted((self.project.root / "exports").glob("*.wbx"), key=lambda p: -p.stat().st_mtime)
        for row, path in enumerate(bundles):
            stat = path.stat()
            self.table.insertRow(row)
            values = (path.name, f"{stat.st_size / 1e6:.1f} MB",
                      time.strftime("%Y-%m-%d %H:%M", time.localtime(stat.st_mtime)))  # fmt: skip
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(path))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.setVisible(bool(bundles))
        self.empty.setVisible(not bundles)

    def open_wizard(self) -> ExportWizard | None:
        """Open the wizard (not modal: the window stays usable while it exports)."""
        if self.project is None:
            return None
        self.wizard = ExportWizard(self.project, self.jobs, self)
        self.wizard.accepted.connect(self._finished)
        self.wizard.show()
        return self.wizard

    def _finished(self) -> None:
        self.refresh()
        if self.wizard is not None and self.wizard.export_result.get("path"):
            self.exported.emit(str(self.wizard.export_result["path"]))

    def _open_folder(self) -> None:
        if self.project is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.project.root / "exports")))
