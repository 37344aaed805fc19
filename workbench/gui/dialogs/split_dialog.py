"""Assign train/val/test splits (stratified, near-duplicates kept together) and lock the test set."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.project import Project
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.workers import Task, start


class SplitDialog(Retranslatable, QDialog):
    """Runs ``workbench.core.splits.assign_splits`` off the GUI thread with the chosen ratios."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.task: Task | None = None
        self.result: dict[str, object] | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.captions = tuple(QLabel() for _ in range(4))  # train, val, test, seed
        self.ratio_spins = []
        for caption, value in zip(self.captions, (70, 15, 15)):
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.setSuffix(" %")
            spin.setValue(value)
            self.ratio_spins.append(spin)
            form.addRow(caption, spin)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        form.addRow(self.captions[3], self.seed)
        self.only_unassigned = QCheckBox()
        self.only_unassigned.setChecked(True)
        self.lock = QCheckBox()
        self._locked = project.test_locked  # read once: retranslate() must not reach the project
        self.lock.setChecked(self._locked)
        form.addRow(self.only_unassigned)
        form.addRow(self.lock)
        layout.addLayout(form)
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        # Our own button, not a re-labelled Ok: Qt re-texts standard buttons on a language change.
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.assign_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.run)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Split samples"))
        captions = (self.tr("train"), self.tr("val"), self.tr("test"), self.tr("Seed"))
        for caption, text in zip(self.captions, captions, strict=True):
            caption.setText(text)
        self.only_unassigned.setText(self.tr("Only samples without a split"))
        self.lock.setText(self.tr("Lock the test split as the baseline afterwards"))
        note = self.tr("Stratified by label and class; near-duplicate images stay in one split.")
        if self._locked:
            note += "\n" + self.tr("The test split is locked: its samples stay where they are.")
        self.note.setText(note)
        self.assign_button.setText(self.tr("Assign splits"))

    def run(self) -> None:
        from workbench.core.splits import assign_splits, lock_test

        ratios = [s.value() / 100.0 for s in self.ratio_spins]
        if sum(ratios) <= 0:
            QMessageBox.warning(self, self.tr("Split samples"), self.tr("The ratios add up to nothing."))
            return
        project, seed, only, lock = (
            self.project,
            self.seed.value(),
            self.only_unassigned.isChecked(),
            self.lock.isChecked(),
        )

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            result = assign_splits(
                project, ratios, seed=seed, only_unassigned=only, progress=progress, cancel=cancel
            )
            if lock and not project.test_locked:
                lock_test(project)
            return result

        self.buttons.setEnabled(False)
        self.progress.setVisible(True)
        self.task = Task(work)
        self.task.signals.progress.connect(lambda f, _m: self.progress.setValue(int(f * 100)))
        self.task.signals.finished.connect(self._done)
        self.task.signals.failed.connect(self._failed)
        start(self.task)

    def _done(self, result: dict[str, object]) -> None:
        self.result = result
        self.accept()

    def _failed(self, message: str, _trace: str) -> None:
        self.buttons.setEnabled(True)
        self.progress.setVisible(False)
        QMessageBox.warning(self, self.tr("Cannot split"), message)
