"""The Train page: choose task and preset, start a training job, watch it live, list the runs."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.core.run_config import DEFAULT_PRESET
from workbench.core.run_quality import shortfalls
from workbench.core.types import TASKS, Run
from workbench.gui.icons import icon
from workbench.gui.job_client import JobClient, JobRegistry
from workbench.gui.job_log import JobLogView
from workbench.gui.job_messages import job_line, shortfalls_text
from workbench.gui.retranslatable import ComposedLabel, Retranslatable
from workbench.gui.run_data import RunDataWidget
from workbench.gui.settings import app_settings
from workbench.gui.shipped_decision import ShippedDecisionWidget
from workbench.gui.train_widgets import CurvesWidget, TrainSettingsWidget, short_name, styled_label
from workbench.jobs.events import ErrorEvent, JobEvent, LogEvent, MetricEvent, ProgressEvent, read_events
from workbench.services.training import new_train_spec, settle_train_run

RUN_COLUMNS = ("run", "preset", "task", "status", "auroc", "dice", "time")
NAMED_COLUMNS = (1, 2, 3)  # cells that show short_name() of a key, re-made after a language switch
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
WARNING_ROLE = Qt.ItemDataRole.UserRole + 2  # the run is far below usable
WARNING_COLOUR = "#B9770E"


def run_key_metrics(run: Run) -> tuple[str, str, str]:
    """Image AUROC, pixel Dice and training time of a run as short texts ('' when unknown)."""
    m = run.metrics or {}
    auroc = (m.get("image") or {}).get("auroc")
    dice = (m.get("pixel") or {}).get("dice")
    spent = m.get("time_s")
    return (f"{auroc:.3f}" if auroc is not None else "", f"{dice:.3f}" if dice is not None else "",
            f"{spent:.0f} s" if spent is not None else "")  # fmt: skip


def below_usable_text(run: Run) -> str:
    """A completed run far below usable (``core.run_quality``) in the window's words; '' otherwise."""
    return shortfalls_text(shortfalls(run.metrics) if run.status == "completed" else [])


def format_eta(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return (
        f"{seconds // 60}:{seconds % 60:02d}"
        if seconds < 3600
        else f"{seconds // 3600} h {seconds // 60 % 60:02d}"
    )


def _task_key(project: Project) -> str:
    """Where the task last chosen for ``project`` is kept (by its folder, hashed: no separators)."""
    folder = str(Path(project.root).resolve())
    return "train/task_of/" + hashlib.sha1(folder.encode("utf-8")).hexdigest()[:16]


class TrainPageWidget(Retranslatable, QWidget):
    """Starts training jobs in child processes; the page only shows what their events say."""

    runs_changed = Signal()
    message = Signal(str)
    open_in_label = Signal(list, int)  # ordered sample ids, the one to show first

    def __init__(self, jobs: JobRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.project: Project | None = None
        self.job: JobClient | None = None
        self._listed_running = False  # the runs table shows the training run as running
        self.settings = TrainSettingsWidget()
        self.train_button = QPushButton(icon("train"), "")
        self.train_button.setObjectName("primary")
        self.cancel_button = QPushButton(icon("close"), "")
        self.train_button.clicked.connect(self.start_training)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.state_label = ComposedLabel(word_wrap=True)
        self.state_label.compose(lambda: self.tr("No training running."))
        self.progress = QProgressBar(minimum=0, maximum=1000, textVisible=False)
        self.epoch_label = ComposedLabel()
        self.eta_label = ComposedLabel()
        self.curves = CurvesWidget()
        self.log = JobLogView()
        self.runs_table = self._make_runs_table()
        self.run_data = RunDataWidget()
        self.run_data.report.connect(self._data_report)
        self.run_data.failed.connect(self._data_report)
        self.decision_block = ShippedDecisionWidget()
        self.decision_block.name_of = self._sample_name
        self.decision_block.open_samples.connect(self.open_in_label)
        self.title = styled_label("", "pageTitle")
        self.runs_title = styled_label("", "sectionTitle")
        self._layout()
        self._restore_choices()
        self.settings.changed.connect(self._save_choices)
        self._update_buttons()
        self.retranslate()

    def retranslate(self) -> None:
        """The page's words; run ids, metrics and job messages stay as they are."""
        self.title.setText(self.tr("Train a model"))
        self.train_button.setText(self.tr("Train"))
        self.cancel_button.setText(self.tr("Cancel training"))
        self.log.setPlaceholderText(self.tr("Messages of the training job appear here."))
        self.runs_title.setText(self.tr("Runs"))
        headers = (self.tr("Run"), self.tr("Preset"), self.tr("Task"), self.tr("Status"),
                   self.tr("Image AUROC"), self.tr("Pixel Dice"), self.tr("Time"))  # fmt: skip
        self.runs_table.setHorizontalHeaderLabels(list(headers))
        for row in range(self.runs_table.rowCount()):
            for col in NAMED_COLUMNS:
                item = self.runs_table.item(row, col)
                if item is not None:
                    item.setText(short_name(str(item.data(KEY_ROLE))))
        self._warn_in_table()

    def _warn_in_table(self) -> None:
        """The status cell of a run far below usable says why in its tooltip (in today's language)."""
        if self.project is None:
            return
        for row in range(self.runs_table.rowCount()):
            item = self.runs_table.item(row, 3)
            if item is not None and item.data(WARNING_ROLE):
                item.setToolTip(below_usable_text(self.project.run(str(item.data(Qt.ItemDataRole.UserRole)))))

    # ------------------------------------------------------------------ construction
    def _make_runs_table(self) -> QTableWidget:
        table = QTableWidget(0, len(RUN_COLUMNS))
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.itemSelectionChanged.connect(self._show_selected_run)
        table.itemSelectionChanged.connect(self._select_run_data)
        return table

    def _layout(self) -> None:
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(self.title)
        column.addWidget(self.settings)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.cancel_button)
        column.addLayout(buttons)
        column.addStretch(1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(left)
        scroll.setMinimumWidth(340)
        right = QWidget()
        live = QVBoxLayout(right)
        live.addWidget(self.state_label)
        live.addWidget(self.progress)
        row = QHBoxLayout()
        row.addWidget(self.epoch_label)
        row.addStretch(1)
        row.addWidget(self.eta_label)
        live.addLayout(row)
        live.addWidget(self.curves, 3)
        live.addWidget(self.runs_title)
        live.addWidget(self.runs_table, 2)
        live.addWidget(self.run_data)
        live.addWidget(self.decision_block)
        live.addWidget(self.log, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 900])
        QVBoxLayout(self).addWidget(splitter)

    def _restore_choices(self) -> None:
        s = app_settings()
        self.settings.set_task(str(s.value("train/task", TASKS[0])))
        self.settings.set_preset(str(s.value("train/preset", DEFAULT_PRESET)))

    def _save_choices(self) -> None:
        s = app_settings()
        s.setValue("train/task", self.settings.task)
        s.setValue("train/preset", self.settings.preset)
        if self.project is not None:
            s.setValue(_task_key(self.project), self.settings.task)

    # ------------------------------------------------------------------ project
    def set_project(self, project: Project | None) -> None:
        """Show ``project``; the task to train is the one last chosen for it, else its own task (a
        task chosen for another project must not carry over: a segmentation project opened after
        a classification one would otherwise train a classifier)."""
        self.project = project
        if project is not None:
            self.settings.set_task(str(app_settings().value(_task_key(project), project.task)))
        self.refresh_runs()
        self._update_buttons()
        self._show_newest_run()

    def _sample_name(self, sample_id: int) -> str | None:
        """A sample's name for the shipped decision's links; None once it left the project."""
        if self.project is None:
            return None
        try:
            return self.project.sample(sample_id).name
        except WorkbenchError:
            return None

    def _show_newest_run(self) -> None:
        """Select the newest run (the table lists newest first) so that an opened project shows its
        last curves, decision and log instead of empty charts; nothing while a job trains."""
        if self.training:
            return
        for row in range(self.runs_table.rowCount()):
            item = self.runs_table.item(row, 0)
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsSelectable:
                self.runs_table.selectRow(row)
                return

    @property
    def training(self) -> bool:
        return self.job is not None and self.job.running

    def _update_buttons(self) -> None:
        self.train_button.setEnabled(self.project is not None and not self.training)
        self.cancel_button.setEnabled(self.training)
        self.settings.setEnabled(not self.training)

    def refresh_runs(self) -> None:
        self.runs_table.blockSignals(True)
        self.runs_table.setRowCount(0)
        runs = self.project.runs() if self.project is not None else []
        for row, run in enumerate(runs):
            self.runs_table.insertRow(row)
            keys = (run.id, run.name, run.task, run.status, *run_key_metrics(run))
            for col, key in enumerate(keys):
                item = QTableWidgetItem(short_name(key) if col in NAMED_COLUMNS else key)
                item.setData(Qt.ItemDataRole.UserRole, run.id)
                item.setData(KEY_ROLE, key)
                if col == 3 and run.error:
                    item.setToolTip(run.error)
                if col == 3 and below_usable_text(run):
                    item.setForeground(QColor(WARNING_COLOUR))
                    item.setData(WARNING_ROLE, True)
                self.runs_table.setItem(row, col, item)
        self._list_unreadable_runs()
        self._warn_in_table()
        self.runs_table.resizeColumnsToContents()
        self.runs_table.blockSignals(False)
        self.decision_block.show_run(None)  # the selection is gone with the old rows
        self._select_run_data()

    def _list_unreadable_runs(self) -> None:
        """Rows for run records that cannot be read (named with why), so that none vanishes silently;
        they cannot be selected: nothing of them can be shown, compared or exported."""
        for run_id, why in self.project.unreadable_runs() if self.project is not None else []:
            row = self.runs_table.rowCount()
            self.runs_table.insertRow(row)
            for col, key in enumerate((run_id, "", "", "unreadable")):
                item = QTableWidgetItem(short_name(key) if col in NAMED_COLUMNS else key)
                item.setData(KEY_ROLE, key)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                item.setForeground(QColor(WARNING_COLOUR))
                item.setToolTip(why)
                self.runs_table.setItem(row, col, item)

    # ------------------------------------------------------------------ training
    def start_training(self) -> JobClient | None:
        """Record a run and start its job with the chosen settings."""
        if self.project is None or self.training:
            return None
        try:
            spec = new_train_spec(self.project, self.settings.overrides())
        except WorkbenchError as exc:
            message = str(exc)
            self._show_error(lambda: message)
            return None
        run_id = str(spec.run_id)
        self.curves.clear_curves()
        self.log.clear()
        self.progress.setValue(0)
        self.epoch_label.clear()
        self.eta_label.clear()
        self._listed_running = False
        self.state_label.compose(lambda: self.tr("Training run %1 …").replace("%1", run_id))
        self.state_label.setObjectName("")
        self.state_label.setStyleSheet("")
        self.job = self.jobs.start(spec, self.tr("Training %1").replace("%1", run_id),
                                   self.project.run_dir(run_id))  # fmt: skip
        self.job.received.connect(self._on_event)
        self.job.finished.connect(self._on_finished)
        self.refresh_runs()
        self._update_buttons()
        self.runs_changed.emit()
        return self.job

    def cancel_training(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.state_label.compose(lambda: self.tr("Cancelling: the job stops at its next step …"))

    def _on_event(self, event: JobEvent) -> None:
        """Show what the job's state (``JobClient.seen``) says now; a metric also extends its curve."""
        if self.job is None:
            return
        seen = self.job.seen
        if isinstance(event, ProgressEvent):
            self.progress.setValue(int(seen.fraction * 1000))  # never down: JobState's rule
            self._show_eta(seen.eta(time.time()))
            self._show_running()
        elif isinstance(event, MetricEvent):
            if self.curves.add_metric(event.name, event.value, event.epoch) and seen.epoch is not None:
                epoch = str(seen.epoch)
                self.epoch_label.compose(lambda: self.tr("epoch %1").replace("%1", epoch))
        elif isinstance(event, (LogEvent, ErrorEvent)):
            self.log.add(partial(job_line, event))

    def _show_eta(self, seconds: float | None) -> None:
        """The job's own estimate of the time left (``JobState.eta``); nothing without one."""
        if seconds is None:
            self.eta_label.clear()
            return
        left = format_eta(seconds)
        self.eta_label.compose(lambda: self.tr("about %1 left").replace("%1", left))

    def _show_running(self) -> None:
        """List the run as running once its job has moved it there (it was listed pending)."""
        if self._listed_running or self.project is None or self.job is None or not self.job.spec.run_id:
            return
        if self.project.run(str(self.job.spec.run_id)).status != "pending":
            self._listed_running = True
            self.refresh_runs()

    def _on_finished(self, state: str, result: dict[str, Any]) -> None:
        run_id = str(self.job.spec.run_id or "") if self.job is not None else ""
        error = str(result.get("error", ""))
        if self.project is not None and run_id:
            run = settle_train_run(self.project, run_id, state, error)
            state, error = run.status, error or run.error  # the run's record decides, as in the CLI
        if result.get("warning"):
            self.log.add_text(str(result["warning"]))
        self.eta_label.clear()  # the time left is shown only while the job runs
        if state == "completed":
            self.progress.setValue(1000)
            self._state_with_warning(run_id, lambda: self.tr("Run %1 completed.").replace("%1", run_id))
        elif state == "cancelled":
            self.state_label.compose(
                lambda: self.tr("Run %1 was cancelled; its partial files are kept.").replace("%1", run_id)
            )
        else:
            self._show_error(lambda: self.tr("Run %1 failed: %2").replace("%1", run_id).replace("%2", error))
        self.message.emit(self.state_label.text())
        self.refresh_runs()
        self._update_buttons()
        self.runs_changed.emit()

    def _show_error(self, make: Callable[[], str]) -> None:
        """Show the error ``make()`` says (again after a language switch) and log it once."""
        self.state_label.compose(make)
        self.state_label.setObjectName("error")
        self.state_label.setStyleSheet("color: #C0392B;")
        self.log.add(make)

    def _select_run_data(self) -> None:
        items = self.runs_table.selectedItems()
        run_id = str(items[0].data(Qt.ItemDataRole.UserRole)) if items else None
        runs = [r.id for r in self.project.runs()] if self.project is not None else []
        self.run_data.set_run(self.project, run_id, runs)

    def _data_report(self, text: str) -> None:
        self.log.add_text(text)
        self.message.emit(text.splitlines()[0])

    def _show_selected_run(self) -> None:
        """Curves of a finished run, read back from its event log, while nothing is training."""
        items = self.runs_table.selectedItems()
        if self.training or self.project is None:
            return
        if not items:
            self.decision_block.show_run(None)  # no run chosen: no run's decision either
            return
        run_id = str(items[0].data(Qt.ItemDataRole.UserRole))
        self.curves.clear_curves()
        self.log.clear()
        events = read_events(self.project.run_dir(run_id) / "events.jsonl")
        if not events:
            self.log.add(lambda: self.tr(
                "This run has no training log: it was trained outside the window (for example by "
                "a benchmark). The table shows its final metrics."
            ))  # fmt: skip
        for event in events:
            if isinstance(event, MetricEvent):
                self.curves.add_metric(event.name, event.value, event.epoch)
            elif isinstance(event, (LogEvent, ErrorEvent)):
                self.log.add(partial(job_line, event))
        run = self.project.run(run_id)
        self.decision_block.show_run(run)
        self.progress.setValue(1000 if run.status == "completed" else 0)
        self.eta_label.clear()
        self.state_label.setStyleSheet("" if run.status != "failed" else "color: #C0392B;")
        status, error = run.status, f" — {run.error}" if run.error else ""
        self._state_with_warning(
            run_id,
            lambda: self.tr("Run %1: %2").replace("%1", run_id).replace("%2", short_name(status)) + error,
        )

    def _state_with_warning(self, run_id: str, make: Callable[[], str]) -> None:
        """The state line ``make()``, followed by the run's warning when it is far below usable."""
        run = self.project.run(run_id) if self.project is not None else None
        if run is None or not below_usable_text(run):
            self.state_label.compose(make)
            return
        self.state_label.compose(lambda: make() + " " + below_usable_text(run))
        self.state_label.setStyleSheet(f"color: {WARNING_COLOUR};")
