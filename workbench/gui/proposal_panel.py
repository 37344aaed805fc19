"""The label page's model proposal: which run proposed what, drawing it, the class a merged run
writes, and making proposals from the window.

The window holds the project's lock, so `workbench predict` is refused while it is open; the
panel runs the same predict job (``workbench.jobs``, kind ``predict``) as a child process that
opens the project without the lock, and reloads the proposal when the job ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.assist.proposals import latest_proposal, proposal_merged, read_proposal
from workbench.core.errors import WorkbenchError
from workbench.core.label_check import TAG as SUSPECT_TAG
from workbench.core.label_check_store import latest_check
from workbench.core.project import Project
from workbench.core.types import DefectClass, Sample
from workbench.gui.canvas_view import CanvasView
from workbench.gui.dialogs.class_dialog import colour_icon
from workbench.gui.job_client import JobClient, JobRegistry
from workbench.gui.job_messages import job_line
from workbench.gui.label_check_panel import describe_suspects
from workbench.gui.retranslatable import ComposedLabel, Retranslatable
from workbench.gui.train_widgets import short_name
from workbench.jobs.events import JobEvent, ProgressEvent
from workbench.services.job_specs import PredictSpec


class ProposalPanelWidget(Retranslatable, QWidget):
    """Shows and accepts the latest proposal of the open sample; ``propose`` makes new ones."""

    message = Signal(str)
    proposals_written = Signal(list)  # a predict job ended: the sample ids it predicted

    def __init__(self, canvas: CanvasView, accept_all: QPushButton, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.jobs: JobRegistry | None = None  # set by the window: the status bar counts its jobs
        self.job: JobClient | None = None
        self.project: Project | None = None
        self.current_ids: Callable[[], Sequence[int]] = lambda: []
        self.sample: Sample | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(6)
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.info = ComposedLabel(word_wrap=True)
        self.info.setObjectName("muted")
        self.show_box = QCheckBox()
        self.show_box.setChecked(True)
        self.show_box.toggled.connect(canvas.proposal_item.setVisible)
        self.write_as = QComboBox()
        self.write_as.currentIndexChanged.connect(self._write_as_changed)
        self.write_as_caption = QLabel()
        form = QFormLayout()
        form.addRow(self.write_as_caption, self.write_as)
        self.write_as_row = QWidget()
        self.write_as_row.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        self.accept_all = accept_all
        self.run_combo = QComboBox()
        self.propose_button, self.propose_list_button = QPushButton(), QPushButton()
        self.propose_button.clicked.connect(lambda: self.propose(self._current()))
        self.propose_list_button.clicked.connect(lambda: self.propose(list(self.current_ids())))
        buttons = QHBoxLayout()
        buttons.addWidget(self.propose_button)
        buttons.addWidget(self.propose_list_button)
        self.status = ComposedLabel(word_wrap=True)
        self.status.setObjectName("muted")
        for w in (self.title, self.info, self.show_box, self.write_as_row, accept_all, self.run_combo):
            col.addWidget(w)
        col.addLayout(buttons)
        col.addWidget(self.status)
        canvas.ask_write_as = self.ask_class
        self.retranslate()
        self._show_state()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Model proposal"))
        self.show_box.setText(self.tr("Show on the image"))
        self.write_as_caption.setText(self.tr("Write as"))
        self.write_as.setToolTip(
            self.tr("The run merged all defect classes: the class its proposal is written as")
        )
        if self.write_as.count():
            self.write_as.setItemText(0, self.tr("choose a class…"))
        self.run_combo.setToolTip(self.tr("The trained run that makes proposals"))
        self.propose_button.setText(self.tr("Propose this sample"))
        self.propose_list_button.setText(self.tr("Propose the list"))
        self.propose_list_button.setToolTip(self.tr("Every sample of the list being labelled"))
        if not self.run_combo.count() or self.run_combo.itemData(0) is None:
            self._no_runs_item()
        for i in range(self.run_combo.count()):
            task = self.run_combo.itemData(i, Qt.ItemDataRole.UserRole + 1)
            if task:
                self.run_combo.setItemText(i, self._run_text(str(self.run_combo.itemData(i)), str(task)))

    @staticmethod
    def _run_text(run_id: str, task: str) -> str:
        """A run as the list names it: its id as it is, its task in the window's language."""
        return f"{run_id} ({short_name(task)})"

    # ------------------------------------------------------------------ project, classes, runs
    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.refresh_runs()

    def refresh_runs(self) -> None:
        """Offer the completed runs that make pixel proposals, newest first."""
        keep = self.run_combo.currentData()
        self.run_combo.clear()
        runs = [r for r in (self.project.runs() if self.project else []) if r.status == "completed"]
        runs = [r for r in runs if r.task != "classification"]
        runs.sort(key=lambda r: r.finished_at or r.created_at, reverse=True)
        for run in runs:
            self.run_combo.addItem(self._run_text(run.id, run.task), run.id)
            self.run_combo.setItemData(self.run_combo.count() - 1, run.task, Qt.ItemDataRole.UserRole + 1)
        if not runs:
            self._no_runs_item()
        self.run_combo.setCurrentIndex(max(self.run_combo.findData(keep), 0))
        self._show_state()

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh_runs()  # a run may have finished on the Train page meanwhile
        super().showEvent(event)

    def _no_runs_item(self) -> None:
        if self.run_combo.count() == 0:
            self.run_combo.addItem("", None)
        self.run_combo.setItemText(0, self.tr("no trained run yet"))

    def set_classes(self, classes: Sequence[DefectClass]) -> None:
        keep = self.write_as.currentData()
        self.write_as.blockSignals(True)
        self.write_as.clear()
        self.write_as.addItem(self.tr("choose a class…"), 0)
        for c in classes:
            self.write_as.addItem(colour_icon(c.color), c.name, c.id)
        self.write_as.setCurrentIndex(max(self.write_as.findData(keep), 0))
        self.write_as.blockSignals(False)
        self._write_as_changed()

    def _write_as_changed(self) -> None:
        self.canvas.proposal_write_as = int(self.write_as.currentData() or 0) or None

    # ------------------------------------------------------------------ the open sample's proposal
    def load(self, sample: Sample | None) -> None:
        """Show the newest proposal for ``sample`` (or none)."""
        self.sample = sample
        self.canvas.set_proposal(None)
        if sample is not None and self._load_check(sample):
            self._show_state()
            return
        found = latest_proposal(self.project, sample.id) if self.project and sample else None
        if sample is None:
            self.info.setText("")
        elif found is None:
            self.info.compose(lambda: self.tr("No model proposal for this sample yet."))
        else:
            run_id, path = found
            try:
                proposal = read_proposal(path, self.canvas.editor.shape)  # type: ignore[union-attr]
            except (WorkbenchError, ValueError) as exc:
                self.info.setText(str(exc))
            else:
                merged = proposal_merged(path)
                self.canvas.set_proposal(proposal, merged)
                self.info.compose(lambda: self._describe(run_id, merged))
        self._show_state()

    def _load_check(self, sample: Sample) -> bool:
        """A sample of a label check's review queue: its reasons, and its out-of-fold map as the proposal."""
        if self.project is None or SUSPECT_TAG not in sample.tags:
            return False
        check = latest_check(self.project.root)
        suspects = check.reasons(sample.id) if check is not None else []
        if check is None or not suspects:
            return False  # the tag of an earlier check: the runs' proposals as usual
        path = check.proposal_path(sample.id)
        shown = False
        if path is not None and path.is_file():
            try:
                self.canvas.set_proposal(read_proposal(path, self.canvas.editor.shape), check.merged)  # type: ignore[union-attr]
                shown = True
            except (WorkbenchError, ValueError) as exc:
                self.message.emit(str(exc))
        check_id = check.check_id

        def text() -> str:
            out = self.tr("Label check %1 suspects this sample: %2.").replace("%1", check_id)
            out = out.replace("%2", describe_suspects(suspects))
            if shown:
                out += " " + self.tr("The proposal is the out-of-fold prediction; remove the tag %1 to see "
                                     "the runs' proposals.").replace("%1", SUSPECT_TAG)  # fmt: skip
            return out

        self.info.compose(text)
        return True

    def _describe(self, run_id: str, merged: bool) -> str:
        text = self.tr("From run %1. Click a region with the Accept Prediction tool, or accept all.")
        if merged:
            text += " " + self.tr("This run merged the defect classes: choose the class to write.")
        return text.replace("%1", run_id)

    def ask_class(self) -> int | None:
        """The class a merged proposal is written as; asks when none is chosen yet."""
        if self.canvas.proposal_write_as:
            return self.canvas.proposal_write_as
        names = [self.write_as.itemText(i) for i in range(1, self.write_as.count())]
        if not names:
            self.message.emit(self.tr("Add a defect class first (Data ▸ Defect Classes…)."))
            return None
        name, ok = QInputDialog.getItem(self, self.tr("Accept prediction"),
                                        self.tr("This run merged all defect classes. Write the proposal as:"),
                                        names, 0, False)  # fmt: skip
        if not ok:
            return None
        self.write_as.setCurrentIndex(names.index(name) + 1)
        return self.canvas.proposal_write_as

    def _show_state(self) -> None:
        has = self.canvas.proposal is not None
        self.accept_all.setVisible(has)
        self.show_box.setVisible(has)
        self.write_as_row.setVisible(has and self.canvas.proposal_merged)
        idle = self.job is None or not self.job.running
        writable = self.project is not None and not self.project.readonly
        can_run = writable and idle and self.run_combo.currentData() is not None
        self.propose_button.setEnabled(can_run and self.sample is not None)
        self.propose_list_button.setEnabled(can_run and bool(self.current_ids()))

    def _current(self) -> list[int]:
        return [self.sample.id] if self.sample is not None else []

    # ------------------------------------------------------------------ making proposals
    def propose(self, ids: Sequence[int]) -> JobClient | None:
        """Predict ``ids`` with the chosen run in a job; the open sample's proposal reloads at the end."""
        run_id = self.run_combo.currentData()
        if self.project is None or self.jobs is None or run_id is None or not ids:
            return None
        spec = PredictSpec(project=str(self.project.root), run_id=str(run_id), samples=[int(i) for i in ids])
        title = self.tr("Proposals from %1").replace("%1", str(run_id))
        self.job = self.jobs.start(spec, title, self.project.root / "cache" / "jobs")
        self.job.received.connect(self._on_event)
        self.job.finished.connect(self._on_finished)
        n = len(ids)
        self.status.compose(lambda: self.tr("Predicting %1 sample(s) with run %2 …").replace("%1", str(n))
                            .replace("%2", str(run_id)))  # fmt: skip
        self._show_state()
        return self.job

    def _on_event(self, event: JobEvent) -> None:
        if isinstance(event, ProgressEvent) and self.job is not None:
            self.status.compose(lambda: job_line(event))

    def _on_finished(self, state: str, result: dict[str, Any]) -> None:
        if state == "completed":
            n = int(result.get("proposals", 0))
            self.status.compose(lambda: self.tr("%1 proposal(s) made.").replace("%1", str(n)))
            self.proposals_written.emit(list(self.job.spec.samples or []) if self.job else [])
        else:
            error = str(result.get("error", ""))
            self.status.compose(
                lambda: self.tr("The prediction %1: %2").replace("%1", state).replace("%2", error)
            )
        self.message.emit(self.status.text())
        self._show_state()
