"""Import a folder with any registered importer: progress, cancel, and a report of what was refused.

Importing a folder again brings in the masks added or fixed there since; when some of them differ
from masks drawn in the workbench, the dialog asks before it replaces those.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.importers import AUTO, import_dataset, importer_names
from workbench.core.project import Project
from workbench.gui.retranslatable import ComposedLabel, Retranslatable
from workbench.gui.workers import Task, start


class ImportDialog(Retranslatable, QDialog):
    """Pick a folder and a format, import in the thread pool, then show the report."""

    def __init__(self, project: Project, parent: QWidget | None = None, folder: str = "") -> None:
        super().__init__(parent)
        self.project = project
        self.task: Task | None = None
        self.report: Any = None
        self.resize(640, 460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.folder_edit = QLineEdit(folder)
        self.browse_button = QPushButton()
        self.browse_button.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.browse_button)
        self.captions = (QLabel(), QLabel())  # folder, format
        form.addRow(self.captions[0], row)
        self.format_combo = QComboBox()
        for name in (AUTO, *importer_names()):
            self.format_combo.addItem(name, name)
        form.addRow(self.captions[1], self.format_combo)
        layout.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = ComposedLabel(word_wrap=True)
        self.status.setObjectName("muted")
        self.status.compose(
            lambda: self.tr("Images are copied into the project; the originals are not touched.")
        )
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.skipped_table = QTableWidget(0, 2)
        self.skipped_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.skipped_table.horizontalHeader().resizeSection(0, 220)
        self.skipped_table.verticalHeader().setVisible(False)
        self.skipped_table.setVisible(False)
        layout.addWidget(self.skipped_table, 1)
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        # Shown once it is done; our own button, as Qt re-texts standard ones on a language change.
        self.close_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setVisible(False)
        self.import_button.clicked.connect(lambda: self.run())
        self.cancel_button.clicked.connect(self._cancel)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        """The dialog's words; file names and the importers' reasons stay as they are."""
        self.setWindowTitle(self.tr("Import images"))
        self.browse_button.setText(self.tr("Browse…"))
        self.captions[0].setText(self.tr("Folder"))
        self.captions[1].setText(self.tr("Format"))
        descriptions = {
            AUTO: self.tr("Detect automatically"),
            "folder": self.tr("Plain folder (sub-folders ok/ng/<class> become labels)"),
            "mvtec": self.tr("MVTec AD layout (train/good, test/<defect>, ground_truth)"),
            "labelme": self.tr("labelme JSON polygons"),
        }
        for i in range(self.format_combo.count()):
            name = str(self.format_combo.itemData(i))
            self.format_combo.setItemText(i, descriptions.get(name, name))
        self.skipped_table.setHorizontalHeaderLabels([self.tr("File"), self.tr("Why it was not imported")])
        self.import_button.setText(self.tr("Import"))
        self.close_button.setText(self.tr("Close"))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder to import"), self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def run(self, overwrite_masks: bool = False) -> None:
        """Start the import of the chosen folder (``overwrite_masks``: see :func:`import_dataset`)."""
        folder = Path(self.folder_edit.text().strip())
        if not str(folder) or not folder.is_dir():
            QMessageBox.warning(self, self.tr("Import"), self.tr("Choose an existing folder to import."))
            return
        fmt, project = self.format_combo.currentData(), self.project

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            return import_dataset(project, folder, fmt, progress, cancel, overwrite_masks=overwrite_masks)

        self.report = None
        self.import_button.setEnabled(False)
        self.status.compose(lambda: self.tr("Importing…"))
        self.task = Task(work)
        self.task.signals.progress.connect(self._progress)
        self.task.signals.finished.connect(self._finished)
        self.task.signals.failed.connect(self._failed)
        start(self.task)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.status.setText(message)

    def _cancel(self) -> None:
        if self.task is not None and self.report is None:
            self.task.cancel.cancel()
            self.status.compose(lambda: self.tr("Cancelling after the current file…"))
        else:
            self.reject()

    def _finished(self, report: Any) -> None:
        self.report = report
        self.task = None
        self.progress.setValue(1000)
        self.status.compose(lambda: self._outcome(report))
        self.skipped_table.setRowCount(len(report.skipped))
        for row, (item, reason) in enumerate(report.skipped):
            self.skipped_table.setItem(row, 0, QTableWidgetItem(item))
            self.skipped_table.setItem(row, 1, QTableWidgetItem(reason))
        self.skipped_table.setVisible(bool(report.skipped))
        self.import_button.setVisible(False)
        self.cancel_button.setVisible(False)
        self.close_button.setVisible(True)
        if report.masks_kept and not report.cancelled and self.ask_overwrite(len(report.masks_kept)):
            self.run(overwrite_masks=True)

    def ask_overwrite(self, kept: int) -> bool:
        """Whether to replace ``kept`` masks drawn in the workbench with the differing masks of the source."""
        question = self.tr(
            "%1 sample(s) already in the project have masks drawn or changed in the workbench that differ "
            "from the masks in this folder. Replace them with the folder's masks? (No keeps the drawn masks.)"
        ).replace("%1", str(kept))
        answer = QMessageBox.question(
            self,
            self.tr("Masks drawn in the workbench"),
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _outcome(self, report: Any) -> str:
        """What the import did, in words."""
        parts = [
            self.tr("%1 imported").replace("%1", str(report.imported)),
            self.tr("%1 already in the project").replace("%1", str(report.duplicates)),
            self.tr("%1 not imported").replace("%1", str(len(report.skipped))),
        ]
        if report.resumed:
            parts.append(self.tr("%1 done by an earlier run").replace("%1", str(report.resumed)))
        text = ", ".join(parts) + "."
        if report.duplicates:
            masks = self.tr("Masks of samples already in the project: %1 attached, %2 updated, %3 kept.")
            for key, value in (("%1", report.masks_attached), ("%2", report.masks_updated),
                               ("%3", len(report.masks_kept))):  # fmt: skip
                masks = masks.replace(key, str(value))
            text += " " + masks
        if report.cancelled:
            text += " " + self.tr("Cancelled: import the same folder again to resume.")
        return text

    def _failed(self, message: str, _trace: str) -> None:
        self.task = None
        self.import_button.setEnabled(True)
        self.status.setText(message)
        QMessageBox.warning(self, self.tr("Import failed"), message)

    def reject(self) -> None:
        if self.task is not None:  # a running import finishes its file before the dialog goes
            self.task.cancel.cancel()
            return
        super().reject()
