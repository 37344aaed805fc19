"""The Data page's label check: settings dialog, the job's progress, and the review queue it opens.

The check runs as a job (``workbench.jobs``, kind ``check_labels``: the same work as `workbench
check-labels`). When it completes, its suspects get the tag ``suspect-label`` and the review state
"needs review" (``core.label_check_store.open_review_queue``), and ``queue_ready`` hands the ranked
sample ids to the page, which opens them in the labeler. The Label page shows each suspect's reasons
and its out-of-fold map as the proposal (``gui.proposal_panel``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import WorkbenchError
from workbench.core.label_check import DEFAULT_FOLDS, TAG, Suspect
from workbench.core.label_check_store import open_review_queue, read_check
from workbench.core.project import Project
from workbench.gui.job_client import JobClient, JobRegistry
from workbench.gui.job_messages import job_line
from workbench.gui.retranslatable import ComposedLabel, Retranslatable
from workbench.jobs.events import JobEvent, ProgressEvent
from workbench.services.job_specs import LabelCheckSpec, label_check_spec

DEFAULT_MINUTES = 10


class LabelCheckDialog(Retranslatable, QDialog):
    """Folds and the time limit of a label check."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("muted")
        layout.addWidget(self.note)
        form = QFormLayout()
        self.folds_caption, self.minutes_caption = QLabel(), QLabel()
        self.folds = QSpinBox()
        self.folds.setRange(2, 20)
        self.folds.setValue(DEFAULT_FOLDS)
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 24 * 60)
        self.minutes.setValue(DEFAULT_MINUTES)
        form.addRow(self.folds_caption, self.folds)
        form.addRow(self.minutes_caption, self.minutes)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Check labels"))
        self.note.setText(self.tr(
            "Trains a fast model once per fold on the other folds of the train and val samples (the "
            "test split is never used; doubtful parts are left out) and lists the labels and masks its "
            "held-out scores contradict. No training record is kept."
        ))  # fmt: skip
        self.folds_caption.setText(self.tr("Folds"))
        self.minutes_caption.setText(self.tr("Time limit (all folds)"))
        self.minutes.setSuffix(" " + self.tr("min"))
        self.start_button.setText(self.tr("Start check"))

    def settings(self) -> tuple[int, float]:
        """(folds, seconds in all)."""
        return self.folds.value(), 60.0 * self.minutes.value()


class LabelCheckWidget(Retranslatable, QWidget):
    """The "Check labels" button, the running job's progress, and the result's review queue."""

    queue_ready = Signal(list)  # ranked ids of the suspects, tagged and marked for review
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.jobs: JobRegistry | None = None  # set by the window (the status bar counts its jobs)
        self.job: JobClient | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton()
        self.button.clicked.connect(self.ask_and_start)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(160)
        self.status = ComposedLabel(word_wrap=True)
        self.status.setObjectName("muted")
        row.addWidget(self.button)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)
        row.addWidget(self.status, 1)
        self.retranslate()
        self._show_state()

    def retranslate(self) -> None:
        self.button.setText(self.tr("Check labels…"))
        self.button.setToolTip(self.tr("Find suspect labels and masks by cross-validation"))
        self.cancel_button.setText(self.tr("Cancel check"))

    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.status.setText("")
        self._show_state()

    def _show_state(self) -> None:
        running = self.job is not None and self.job.running
        writable = self.project is not None and not self.project.readonly
        self.button.setEnabled(writable and not running and self.jobs is not None)
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)

    def ask_and_start(self) -> None:
        dialog = LabelCheckDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            folds, seconds = dialog.settings()
            self.start(folds, seconds)

    def start(
        self, folds: int, seconds: float | None, config: dict[str, Any] | None = None
    ) -> JobClient | None:
        """Start the check as a job; ``config`` overrides settings of the fast recipe (tests)."""
        if self.project is None or self.jobs is None or (self.job is not None and self.job.running):
            return None
        try:
            spec = label_check_spec(self.project, folds, seconds, config)
        except WorkbenchError as exc:
            QMessageBox.warning(self, self.tr("Cannot check labels"), str(exc))
            return None
        self.job = self.jobs.start(spec, self.tr("Label check"), self.project.root / "cache" / "jobs")
        self.job.received.connect(self._on_event)
        self.job.finished.connect(self._on_finished)
        self.progress.setValue(0)
        self.status.compose(lambda: self.tr("Checking labels in %1 folds …").replace("%1", str(folds)))
        self._show_state()
        return self.job

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()

    def _on_event(self, event: JobEvent) -> None:
        if isinstance(event, ProgressEvent) and self.job is not None:
            self.progress.setValue(round(1000 * self.job.seen.fraction))
            self.status.compose(lambda: job_line(event))

    def _on_finished(self, state: str, result: dict[str, Any]) -> None:
        spec = self.job.spec if self.job is not None else None
        self._show_state()
        if state != "completed" or not isinstance(spec, LabelCheckSpec) or self.project is None:
            error = str(result.get("error", ""))
            self.status.compose(lambda: self.tr("The label check %1: %2").replace("%1", _state_word(state))
                                .replace("%2", error))  # fmt: skip
            self.message.emit(self.status.text())
            return
        try:
            check = read_check(self.project.root, str(spec.check_id))
            queue = open_review_queue(self.project, check)
        except WorkbenchError as exc:
            self.status.setText(str(exc))
            self.message.emit(str(exc))
            return
        n, total = len(queue), len(check.samples)
        self.status.compose(lambda: self.tr("%1 suspect(s) of %2 sample(s), tagged %3 for review.")
                            .replace("%1", str(n)).replace("%2", str(total)).replace("%3", TAG))  # fmt: skip
        self.message.emit(self.status.text())
        self.queue_ready.emit(queue)


def _t(text: str) -> str:
    return QCoreApplication.translate("LabelCheck", text)


def _state_word(state: str) -> str:
    words = {"cancelled": _t("was cancelled"), "failed": _t("failed")}
    return words.get(state, state)


def reason_words(reason: str) -> str:
    """A suspect's reason in the window's language (``core.label_check.REASONS`` holds the same)."""
    words = {
        "ok_scored_ng": _t("OK image that the other folds call NG"),
        "ng_scored_ok": _t("NG image with a low score"),
        "mask_region_missed": _t("mask region the model does not find"),
        "region_outside_mask": _t("confident defect region outside the mask"),
    }
    return words.get(reason, reason)


def describe_suspects(suspects: list[Suspect]) -> str:
    """The reasons of one sample's entries, each with its suspicion and, for a region, its place."""
    parts = []
    for s in suspects:
        box = s.details.get("box")
        where = _t(" at x %1, y %2").replace("%1", str(box[0])).replace("%2", str(box[1])) if box else ""
        parts.append(f"{reason_words(s.reason)}{where} ({s.suspicion:.2f})")
    return _t("; ").join(parts)
