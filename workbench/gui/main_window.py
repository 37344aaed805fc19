"""The main window: the composition root that wires pages, actions, menus and the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QByteArray, QCoreApplication, QSize, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench import __version__
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project, is_project
from workbench.core.types import LABELS
from workbench.gui.actions import ACTIONS, MENUS, PAGES, SUBMENUS, apply_texts, build_action, strip_mnemonic
from workbench.gui.data_page import DataPageWidget
from workbench.gui.eval_page import EvaluatePageWidget
from workbench.gui.export_page import ExportPageWidget
from workbench.gui.icons import icon
from workbench.gui.job_client import JobRegistry
from workbench.gui.label_page import LabelPageWidget
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.sample_project import DEFAULT_SAMPLE, generate_sample_project, sample_project_path
from workbench.gui.settings import add_recent_project, app_settings, recent_projects
from workbench.gui.start_page import StartPageWidget
from workbench.gui.train_page import TrainPageWidget
from workbench.gui.workers import Task, start

TASK_NAMES = {
    "segmentation": QT_TRANSLATE_NOOP("MainWindow", "segmentation"),
    "classification": QT_TRANSLATE_NOOP("MainWindow", "classification"),
    "anomaly": QT_TRANSLATE_NOOP("MainWindow", "anomaly detection"),
}


class MainWindow(Retranslatable, QMainWindow):
    """Holds the open project and hands it to the pages; knows no data logic itself."""

    def __init__(self) -> None:
        super().__init__()
        self.project: Project | None = None
        self.setWindowIcon(icon("app"))
        self.actions_by_id = self._build_actions()
        self.jobs = JobRegistry(self)
        self.start_page = StartPageWidget()
        self.data_page = DataPageWidget(self.actions_by_id)
        self.label_page = LabelPageWidget(self.actions_by_id)
        self.label_page.proposals.jobs = self.jobs
        self.data_page.label_check.jobs = self.jobs
        self.train_page = TrainPageWidget(self.jobs)
        self.evaluate_page = EvaluatePageWidget(self.jobs)
        self.export_page = ExportPageWidget(self.jobs)
        self.pages: dict[str, QWidget] = {
            "data": self.data_page,
            "label": self.label_page,
            "train": self.train_page,
            "evaluate": self.evaluate_page,
            "export": self.export_page,
        }
        self.root = QStackedWidget()
        self.root.addWidget(self.start_page)
        self.root.addWidget(self._workspace())
        self.setCentralWidget(self.root)
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self._restore_state()
        self.retranslate()

    # ------------------------------------------------------------------ construction
    def _build_actions(self) -> dict[str, QAction]:
        actions: dict[str, QAction] = {}
        groups: dict[str, QActionGroup] = {}
        for spec in ACTIONS:
            action = build_action(spec, self, self)
            if spec.group:
                groups.setdefault(spec.group, QActionGroup(self)).addAction(action)
            self.addAction(action)  # shortcuts work even for actions that are in no menu
            actions[spec.id] = action
        actions["view.mask"].setChecked(True)
        return actions

    def _build_menus(self) -> None:
        menus: dict[str, QMenu] = {}
        for key, _title in MENUS:
            menus[key] = self.menuBar().addMenu("")
        for spec in ACTIONS:
            for menu in spec.menus:
                if menu in SUBMENUS and menu not in menus:  # made where its first action goes
                    parent = menus[menu.split("/")[0]]
                    parent.addSeparator()
                    menus[menu] = parent.addMenu("")
                if menu in menus:
                    menus[menu].addAction(self.actions_by_id[spec.id])
            if spec.id == "file.sample":
                self.recent_menu = menus["file"].addMenu(icon("open"), "")
                self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
                menus["file"].addSeparator()
        self.menus = menus

    def _workspace(self) -> QWidget:
        widget = QWidget()
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(132)
        self.nav.setIconSize(QSize(22, 22))
        self.page_stack = QStackedWidget()
        for name in PAGES:
            item = QListWidgetItem(self.actions_by_id[f"page.{name}"].icon(), "")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.nav.addItem(item)
            self.page_stack.addWidget(self.pages[name])
        self.nav.currentRowChanged.connect(lambda row: self.show_page(PAGES[row]) if row >= 0 else None)
        row.addWidget(self.nav)
        row.addWidget(self.page_stack, 1)
        return widget

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.project_status = QLabel()
        self.counts_status = QLabel()
        self.jobs_status = QLabel()
        bar.addPermanentWidget(self.project_status)
        bar.addPermanentWidget(self.counts_status)
        bar.addPermanentWidget(self.jobs_status)

    def _connect(self) -> None:
        self.start_page.create_requested.connect(self.create_project)
        self.start_page.open_requested.connect(lambda path: self.open_project(path) if path else
                                               self.open_project_dialog())  # fmt: skip
        self.start_page.sample_requested.connect(self.open_sample_project)
        self.data_page.samples_changed.connect(self.refresh)
        self.data_page.classes_changed.connect(self.label_page.refresh_classes)
        self.data_page.selection_changed.connect(self.refresh_actions)
        self.data_page.open_in_label.connect(self._open_in_label)
        self.label_page.state_changed.connect(self.refresh_actions)
        self.label_page.sample_saved.connect(lambda sid: self.data_page.refresh_samples([sid]))
        self.label_page.sample_changed.connect(lambda sid: self.data_page.refresh_samples([sid]))
        self.label_page.samples_changed.connect(self.data_page.refresh_samples)
        self.label_page.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.data_page.label_check.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        for page in (self.train_page, self.evaluate_page):
            page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.train_page.runs_changed.connect(self.evaluate_page.refresh_sources)
        self.export_page.exported.connect(lambda _path: self.evaluate_page.refresh_sources())
        self.evaluate_page.open_in_label.connect(self._open_in_label)
        self.train_page.open_in_label.connect(self._open_in_label)
        self.evaluate_page.samples_changed.connect(self.data_page.refresh_samples)
        self.jobs.changed.connect(self._show_jobs)

    def retranslate(self) -> None:
        """Texts of the actions, menus, page list and status bar in the current language."""
        for spec in ACTIONS:
            apply_texts(self.actions_by_id[spec.id], spec)
        for key, title in (*MENUS, *SUBMENUS.items()):
            if key in self.menus:
                self.menus[key].setTitle(QCoreApplication.translate("menus", title))
        self.recent_menu.setTitle(self.tr("Open &Recent"))
        for row, name in enumerate(PAGES):
            self.nav.item(row).setText(strip_mnemonic(self.actions_by_id[f"page.{name}"].text()))
        self._show_jobs()
        self.refresh()

    # ------------------------------------------------------------------ state
    def _restore_state(self) -> None:
        settings = app_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        state = settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.data_page.set_view(str(settings.value("data/view", "grid")))

    def save_state(self) -> None:
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("data/view", self.data_page.view_mode())
        settings.sync()

    def current_page(self) -> str:
        if self.project is None:
            return "start"
        return PAGES[self.page_stack.currentIndex()]

    def refresh_actions(self) -> None:
        for spec in ACTIONS:
            if spec.enabled_when is not None:
                self.actions_by_id[spec.id].setEnabled(bool(spec.enabled_when(self)))

    def refresh(self) -> None:
        """Update the status bar and action states from the project."""
        if self.project is None:
            self.project_status.setText(self.tr("No project open"))
            self.counts_status.setText("")
            self.setWindowTitle(self.tr("Defect Workbench"))
        else:
            counts = self.data_page.counts
            task = TASK_NAMES.get(self.project.task)
            self.project_status.setText(
                f"{self.project.name} ({self.tr(task) if task else self.project.task})"
            )
            text = self.tr("%1 samples: %2 OK, %3 NG, %4 doubtful, %5 unlabeled")
            text = text.replace("%1", str(counts["total"]))
            for i, label in enumerate(LABELS, start=2):  # ok, ng, doubtful, unlabeled
                text = text.replace(f"%{i}", str(counts["label"][label]))
            self.counts_status.setText(text)
            self.setWindowTitle(f"{self.project.name} — " + self.tr("Defect Workbench"))
        self.refresh_actions()

    # ------------------------------------------------------------------ pages
    def show_start(self) -> None:
        self.start_page.refresh_recent()
        self.root.setCurrentWidget(self.start_page)
        self.start_page.name_edit.setFocus()

    def show_page(self, name: str) -> None:
        if self.project is None:
            return
        if name == "label" and not self.label_page.has_sample:
            ids = self.data_page.model.visible_ids()
            selected = self.data_page.selected_ids()
            self.label_page.open_samples(ids, selected[0] if selected else None)
        if name != "label":
            self.label_page.save()
        if name == "export":
            self.export_page.refresh()
        self.page_stack.setCurrentWidget(self.pages[name])
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(PAGES.index(name))
        self.nav.blockSignals(False)
        self.actions_by_id[f"page.{name}"].setChecked(True)
        self.refresh_actions()

    def _open_in_label(self, ids: list[int], current: int) -> None:
        self.label_page.open_samples(ids, current)
        self.show_page("label")

    # ------------------------------------------------------------------ projects
    def open_project_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open project folder"))
        if folder:
            self.open_project(folder)

    def open_project(self, folder: str | Path) -> bool:
        if not is_project(folder):
            text = self.tr("%1 is not a Defect Workbench project.").replace("%1", str(folder))
            QMessageBox.warning(self, self.tr("Open project"), text)
            return False
        try:
            project = Project.open(folder)
        except WorkbenchError as exc:
            QMessageBox.warning(self, self.tr("Cannot open project"), str(exc))
            return False
        self._set_project(project)
        return True

    def create_project(self, folder: str, name: str, task: str) -> bool:
        try:
            project = Project.create(folder, name=name or None, task=task)
        except (WorkbenchError, OSError) as exc:
            QMessageBox.warning(self, self.tr("Cannot create project"), str(exc))
            return False
        self._set_project(project)
        return True

    def open_sample_project(self) -> bool:
        """Open the built-in sample project, generating it first (with progress) when missing."""
        path = sample_project_path()
        if path is None:
            question = self.tr("The sample project does not exist yet. Generate it now in %1?").replace(
                "%1", str(DEFAULT_SAMPLE))  # fmt: skip
            if (
                QMessageBox.question(self, self.tr("Sample project"), question)
                != QMessageBox.StandardButton.Yes
            ):
                return False
            if not self._generate_sample():
                return False
            path = DEFAULT_SAMPLE
        return self.open_project(path)

    def _generate_sample(self) -> bool:
        dialog = QProgressDialog(self.tr("Generating the sample project…"), self.tr("Cancel"), 0, 1000, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        task = Task(lambda progress, cancel: generate_sample_project(progress=progress, cancel=cancel))
        outcome: dict[str, str] = {}
        task.signals.progress.connect(lambda f, m: (dialog.setValue(int(f * 1000)), dialog.setLabelText(m)))
        task.signals.finished.connect(lambda _r: (outcome.setdefault("ok", ""), dialog.reset()))
        task.signals.failed.connect(lambda m, _t: (outcome.setdefault("error", m), dialog.reset()))
        dialog.canceled.connect(task.cancel.cancel)
        QTimer.singleShot(0, lambda: start(task))  # after exec() runs, so reset() always ends it
        dialog.exec()
        QThreadPool.globalInstance().waitForDone()
        if "error" in outcome:
            QMessageBox.warning(self, self.tr("Sample project"), outcome["error"])
        return "ok" in outcome

    def _set_project(self, project: Project) -> None:
        self.close_project()
        self.project = project
        add_recent_project(project.root)
        self.data_page.set_project(project)
        self.label_page.set_project(project)
        self._set_job_pages(project)
        self.root.setCurrentIndex(1)
        self.show_page("data")
        self.refresh()

    def close_project(self) -> None:
        if self.project is None or not self.settle_jobs():
            return
        self.label_page.save()
        self.label_page.set_project(None)
        self.data_page.set_project(None)
        self._set_job_pages(None)
        self.project.close()
        self.project = None
        self.show_start()
        self.refresh()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in recent_projects():
            self.recent_menu.addAction(path, lambda p=path: self.open_project(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction(self.tr("No recent projects")).setEnabled(False)

    # ------------------------------------------------------------------ jobs
    def _set_job_pages(self, project: Project | None) -> None:
        self.train_page.set_project(project)
        self.evaluate_page.set_project(project)
        self.export_page.set_project(project)

    def _show_jobs(self) -> None:
        running = self.jobs.running()
        if not running:
            self.jobs_status.setText(self.tr("No jobs running"))
        elif len(running) == 1:
            self.jobs_status.setText(self.tr("Running: %1").replace("%1", running[0].title))
        else:
            self.jobs_status.setText(self.tr("%1 jobs running").replace("%1", str(len(running))))
        self.jobs_status.setToolTip("\n".join(job.title for job in running))

    def settle_jobs(self) -> bool:
        """Before the project goes away: cancel running jobs or let them finish alone; False keeps it."""
        running = self.jobs.running()
        if not running:
            return True
        choice = self.ask_about_jobs([job.title for job in running])
        if choice == "cancel":
            self.jobs.cancel_all(wait_ms=15000)
        elif choice == "background":
            self.jobs.detach_all()
        else:
            return False
        self._show_jobs()
        return True

    def ask_about_jobs(self, titles: list[str]) -> str:
        """``"cancel"``, ``"background"`` or ``"keep"`` (the window stays open)."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Jobs are running"), self.tr(
            "%1 is still running. Cancel it, or let it finish in the background? A run that finishes "
            "in the background appears on the Train page when the project is opened again.")
            .replace("%1", ", ".join(titles)), parent=self)  # fmt: skip
        cancel = box.addButton(self.tr("Cancel the jobs"), QMessageBox.ButtonRole.DestructiveRole)
        background = box.addButton(self.tr("Let them finish"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Keep working"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        return "cancel" if clicked is cancel else "background" if clicked is background else "keep"

    # ------------------------------------------------------------------ help
    def show_shortcuts(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Keyboard shortcuts"))
        dialog.resize(520, 600)
        table = QTableWidget(0, 2, dialog)
        table.setHorizontalHeaderLabels([self.tr("Command"), self.tr("Keys")])
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)
        for spec in ACTIONS:
            action = self.actions_by_id[spec.id]
            keys = ", ".join(k.toString() for k in action.shortcuts())
            if keys:
                row = table.rowCount()
                table.insertRow(row)
                table.setItem(row, 0, QTableWidgetItem(action.text().replace("&", "")))
                table.setItem(row, 1, QTableWidgetItem(keys))
        table.resizeColumnToContents(0)
        QVBoxLayout(dialog).addWidget(table)
        dialog.exec()

    def show_about(self) -> None:
        QMessageBox.about(self, self.tr("About Defect Workbench"), self.tr(
            "Defect Workbench %1\nBuild, check and ship visual defect-inspection models.\nApache-2.0"
        ).replace("%1", __version__))  # fmt: skip

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.project is not None and not self.label_page.save():
            answer = QMessageBox.question(self, self.tr("Unsaved mask"), self.tr(
                "The current mask could not be saved. Close anyway and lose the last strokes?"))  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if not self.settle_jobs():
            event.ignore()
            return
        self.save_state()
        self.evaluate_page.shutdown()
        QThreadPool.globalInstance().waitForDone(10000)  # an import or assist finishes its step
        if self.project is not None:
            self.label_page.set_project(None)
            self.data_page.set_project(None)
            self._set_job_pages(None)
            self.project.close()
            self.project = None
        self.data_page.thumbnails.wait(3000)
        event.accept()
