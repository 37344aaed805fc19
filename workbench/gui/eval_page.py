"""The Evaluation viewer: evaluate a run or bundle as a job, then explore escapes and overkill.

Moving the threshold re-decides from the stored score maps in a worker thread (no model run),
so the counts follow the slider at once; galleries show the mistakes with heat-map overlays. With a
second stage (a region classifier), its threshold re-decides the same way; a click on a gallery image
lists its regions with both scores and the classifier's verdict (``eval_regions``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core.decisions import DecisionConfig
from workbench.core.errors import MaskError, ProjectError
from workbench.core.evaluation import EvaluationSession, with_overrides
from workbench.core.project import Project
from workbench.gui.eval_compare import CompareWidget
from workbench.gui.eval_regions import VIEW_SIZE, ClassifierControl, RegionPanel
from workbench.gui.eval_ship import OperatingPointBar
from workbench.gui.eval_widgets import (
    ConfusionTableWidget,
    GalleryWidget,
    OperatingCurveWidget,
    SummaryCardsWidget,
    class_table,
    fill_class_table,
    heat_thumbnail,
)
from workbench.gui.icons import icon
from workbench.gui.job_client import JobClient, JobRegistry
from workbench.gui.job_messages import job_line
from workbench.gui.retranslatable import ComposedLabel, Retranslatable
from workbench.gui.settings import app_settings
from workbench.gui.shipped_decision import WARNING_STYLE, chosen_on_validation, evaluation_note
from workbench.gui.train_widgets import short_name, styled_label
from workbench.gui.workers import Task, start
from workbench.jobs.events import JobEvent, ProgressEvent
from workbench.services.job_specs import evaluate_spec


def fill(text: str, *args: object) -> str:
    """Fill %1, %2 ... of a translated text."""
    for i, arg in enumerate(args, 1):
        text = text.replace(f"%{i}", str(arg))
    return text


SPLITS = ("test", "val", "train", "all")
STEPS = 1000  # slider steps over the threshold range (0, 1]
GALLERY_LIMIT = 60  # thumbnails made per gallery
VETOED_TAB = 3  # index of the "vetoed by the classifier" gallery among the tabs


class EvaluatePageWidget(Retranslatable, QWidget):
    """Chooses what to evaluate, runs it as a job, and shows the stored evaluation."""

    open_in_label = Signal(list, int)
    samples_changed = Signal(list)
    message = Signal(str)

    def __init__(self, jobs: JobRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.project: Project | None = None
        self.session: EvaluationSession | None = None
        self.job: JobClient | None = None
        self.metrics: dict[str, Any] = {}
        self.rows: list[dict[str, Any]] = []
        self._busy = False
        self._wanted: tuple[Any, ...] | None = None  # the settings to decide once the running decision ends
        self.has_stage = False  # the shown evaluation's maps hold a region classifier's
        self._picked: tuple[str, int] | None = None  # (gallery, sample id) whose regions are shown
        self._picture: tuple[int, np.ndarray, float] | None = None  # sample id, picture, its scale
        self._thumbs: dict[int, tuple[np.ndarray, float]] = {}  # picture, its pixels per image pixel
        self._tasks: list[Task] = []
        self._run_names: dict[str, tuple[str, str]] = {}  # run id -> task, preset, for the source list
        self._eval_splits: dict[str, str] = {}  # evaluation id -> split, for the evaluation lists
        self._debounce = QTimer(self, singleShot=True, interval=40)
        self._debounce.timeout.connect(self._redecide_now)
        self._build()
        self.retranslate()

    def retranslate(self) -> None:
        """The page's words; run ids, bundle and class names, counts and job messages stay."""
        self.title.setText(self.tr("Evaluate a model"))
        captions = (self.tr("Model"), self.tr("Split"), self.tr("Show evaluation"), self.tr("NG threshold"))
        for caption, text in zip(self.captions, captions, strict=True):
            caption.setText(text)
        self.add_bundle_button.setText(self.tr("Bundle…"))
        self.add_bundle_button.setToolTip(self.tr("Evaluate a deploy bundle (.wbx) through the runtime"))
        self.evaluate_button.setText(self.tr("Evaluate"))
        self.send_button.setText(self.tr("Send mistakes to labeling"))
        self.send_button.setToolTip(
            self.tr("Tag the escapes, overkill and gray images at this threshold and mark them for review")
        )
        tabs = (self.tr("Escapes"), self.tr("Overkill"), self.tr("To review"),
                self.tr("Vetoed by the classifier"), self.tr("Compare"))  # fmt: skip
        for index, text in enumerate(tabs):
            self.tabs.setTabText(index, text)
        self.tabs.setTabText(VETOED_TAB, self._vetoed_tab_text())
        # once the classifier control has its words too; the page as context: no call after it is gone
        QTimer.singleShot(0, self, self._align_captions)
        names = self._split_names()
        for i in range(self.split_combo.count()):
            self.split_combo.setItemText(i, names[self.split_combo.itemData(i)])
        for i in range(self.source_combo.count()):
            self.source_combo.setItemText(i, self._source_text(self.source_combo.itemData(i)))
        for i in range(self.eval_combo.count()):
            self.eval_combo.setItemText(i, self._eval_text(str(self.eval_combo.itemData(i))))

    def _align_captions(self) -> None:
        """The NG and classifier threshold sliders start at the same place."""
        captions = (self.captions[3], self.classifier.caption)
        if not all(shiboken6.isValid(c) for c in captions):  # the window closed before the timer fired
            return
        width = max(c.sizeHint().width() for c in captions)
        for c in captions:
            c.setMinimumWidth(width)

    def _split_names(self) -> dict[str, str]:
        return {"test": self.tr("test"), "val": self.tr("validation"), "train": self.tr("train"),
                "all": self.tr("all splits")}  # fmt: skip

    def _source_text(self, source: tuple[str, str]) -> str:
        """How the model list shows a run or a bundle."""
        kind, value = source
        if kind == "run":
            task, preset = self._run_names.get(value, ("", ""))
            return fill(self.tr("run %1 (%2, %3)"), value, short_name(task), short_name(preset))
        return self.tr("bundle %1").replace("%1", Path(value).name)

    def _eval_text(self, eval_id: str) -> str:
        """How the evaluation lists show a stored evaluation: its id and split."""
        split = self._eval_splits.get(eval_id, "all")
        return f"{eval_id} ({self._split_names().get(split, split)})"

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        self.source_combo = QComboBox(minimumContentsLength=28)
        self.add_bundle_button = QPushButton(icon("open"), "")
        self.split_combo = QComboBox()
        for split in SPLITS:
            self.split_combo.addItem("", split)
        self.evaluate_button = QPushButton(icon("evaluate"), "")
        self.evaluate_button.setObjectName("primary")
        self.progress = QProgressBar(minimum=0, maximum=1000, textVisible=False)
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.eval_combo = QComboBox(minimumContentsLength=24)
        self.state_label = ComposedLabel(word_wrap=True)
        self.state_label.compose(lambda: self.tr("Choose a trained run and a split, then Evaluate."))
        self.cards = SummaryCardsWidget()
        self.cards.open_sample.connect(lambda sid: self.open_in_label.emit([sid], sid))
        self.curve = OperatingCurveWidget()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, STEPS)
        self.slider.setValue(STEPS // 2)
        self.threshold_label = QLabel()
        self.threshold_origin = ComposedLabel()
        self.threshold_origin.setObjectName("muted")
        self.confusion = ConfusionTableWidget()
        self.classes = class_table()
        self.galleries = {kind: GalleryWidget() for kind in ("escape", "overkill", "gray")}
        self.galleries["vetoed"] = GalleryWidget(vetoed=True)
        self.classifier = ClassifierControl()
        self.regions = RegionPanel()
        self.compare = CompareWidget()
        self.send_button = QPushButton(icon("label"), "")
        self.point_bar = OperatingPointBar()
        self.title = styled_label("", "pageTitle")
        self.captions = tuple(QLabel() for _ in range(4))  # model, split, show evaluation, NG threshold
        self._arrange()
        self.add_bundle_button.clicked.connect(self.choose_bundle)
        self.evaluate_button.clicked.connect(self.start_evaluation)
        self.eval_combo.activated.connect(lambda _i: self.load_evaluation(str(self.eval_combo.currentData())))
        self.slider.valueChanged.connect(self._slider_moved)
        self.curve.threshold_picked.connect(self.set_threshold)
        self.send_button.clicked.connect(self.send_mistakes)
        self.point_bar.gray_changed.connect(self._debounce.start)
        self.point_bar.ship_requested.connect(self.ship_decision)
        self.classifier.changed.connect(self._debounce.start)
        for kind, gallery in self.galleries.items():
            gallery.open_sample.connect(lambda sid, g=gallery: self.open_in_label.emit(g.ids(), sid))
            gallery.picked.connect(lambda sid, k=kind: self.pick_sample(k, sid))
        self.regions.open_requested.connect(self._open_picked)
        self._update_buttons()

    def _arrange(self) -> None:
        top = QHBoxLayout()
        model_label, split_label, show_label, threshold_label = self.captions
        for w in (model_label, self.source_combo, self.add_bundle_button, split_label, self.split_combo,
                  self.evaluate_button, self.progress):  # fmt: skip
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(show_label)
        top.addWidget(self.eval_combo)
        slider_row = QHBoxLayout()
        slider_row.addWidget(threshold_label)
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.threshold_label)
        slider_row.addWidget(self.threshold_origin)
        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        lcol.addWidget(self.curve, 3)
        lcol.addLayout(slider_row)
        lcol.addWidget(self.classifier)
        lcol.addWidget(self.point_bar)
        lcol.addWidget(self.confusion)
        lcol.addWidget(self.classes, 1)
        tabs = QTabWidget()
        for kind in ("escape", "overkill", "gray", "vetoed"):
            tabs.addTab(self.galleries[kind], "")
        tabs.addTab(self.compare, "")
        tabs.setTabVisible(VETOED_TAB, False)
        self.tabs = tabs
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(tabs)
        right.addWidget(self.regions)
        right.setSizes([360, 300])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([480, 800])
        bottom = QHBoxLayout()
        bottom.addWidget(self.state_label, 1)
        bottom.addWidget(self.send_button)
        page = QVBoxLayout(self)
        page.addWidget(self.title)
        page.addLayout(top)
        page.addWidget(self.cards)
        page.addWidget(splitter, 1)
        page.addLayout(bottom)

    # ------------------------------------------------------------------ project and lists
    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.session = None
        self.metrics, self.rows = {}, []
        self._thumbs.clear()
        self.threshold_origin.clear()
        for gallery in self.galleries.values():
            gallery.clear()
        self._picked, self._picture = None, None
        self.regions.clear()
        self.has_stage = False
        self.classifier.show_for(False, None)
        self.tabs.setTabVisible(VETOED_TAB, False)
        split = str(app_settings().value("evaluate/split", "test"))
        self.split_combo.setCurrentIndex(max(0, self.split_combo.findData(split)))
        self.refresh_sources()
        self._update_buttons()
        if self.isVisible():
            self._open_newest()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._open_newest()

    def _open_newest(self) -> None:
        """Show the newest stored evaluation when none is shown: the list names it as current."""
        if self.project is not None and self.session is None and not self._busy and self.eval_combo.count():
            self.load_evaluation(str(self.eval_combo.itemData(0)))

    def refresh_sources(self) -> None:
        """Completed runs and the project's bundles; stored evaluations, newest first."""
        keep = self.source_combo.currentData()
        self.source_combo.clear()
        self.eval_combo.clear()
        self.compare.set_evaluations(self.project, [])
        if self.project is None:
            return
        for run in self.project.runs():
            if run.status == "completed":
                self._run_names[run.id] = (run.task, run.name)
                self.source_combo.addItem(self._source_text(("run", run.id)), ("run", run.id))
        for bundle in sorted((self.project.root / "exports").glob("*.wbx")):
            source = ("bundle", str(bundle))
            self.source_combo.addItem(self._source_text(source), source)
        if keep is not None and self.source_combo.findData(keep) >= 0:
            self.source_combo.setCurrentIndex(self.source_combo.findData(keep))
        evaluations = self.project.evaluations()
        stored = [str(ev["id"]) for ev in evaluations]
        self._eval_splits = {str(ev["id"]): str(ev.get("split") or "all") for ev in evaluations}
        for eval_id in stored:
            self.eval_combo.addItem(self._eval_text(eval_id), eval_id)
        self.compare.set_evaluations(self.project, stored, self._eval_text)
        if self.session is not None:
            self.eval_combo.setCurrentIndex(max(0, self.eval_combo.findData(self.session.eval_id)))
        self._update_buttons()

    def choose_bundle(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Evaluate a bundle"), "", self.tr("Bundles (*.wbx)")
        )
        if path:
            self.source_combo.addItem(self._source_text(("bundle", path)), ("bundle", path))
            self.source_combo.setCurrentIndex(self.source_combo.count() - 1)

    def _update_buttons(self) -> None:
        running = self.job is not None and self.job.running
        self.evaluate_button.setEnabled(
            self.project is not None and self.source_combo.count() > 0 and not running
        )
        loaded = self.session is not None
        self.compare.set_current(self.session.eval_id if self.session is not None else None)
        for w in (self.slider, self.send_button, self.point_bar, self.classifier):
            w.setEnabled(loaded)
        self.point_bar.ship_button.setEnabled(self._evaluated_run() is not None)

    # ------------------------------------------------------------------ evaluation job
    def start_evaluation(self) -> JobClient | None:
        if self.project is None or self.source_combo.currentData() is None:
            return None
        kind, value = self.source_combo.currentData()
        split = str(self.split_combo.currentData())
        app_settings().setValue("evaluate/split", split)
        run_id, bundle = (str(value), None) if kind == "run" else (None, str(value))
        spec = evaluate_spec(self.project, run_id, bundle, split)
        folder = self.project.root / "cache" / "jobs"
        self.job = self.jobs.start(spec, self.tr("Evaluating %1").replace("%1", str(value)), folder)
        self.job.received.connect(self._on_event)
        self.job.finished.connect(self._on_finished)
        self.state_label.compose(
            lambda: self.tr("Evaluating on the %1 split …").replace("%1", self._split_names()[split])
        )
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._update_buttons()
        return self.job

    def _on_event(self, event: JobEvent) -> None:
        if isinstance(event, ProgressEvent) and self.job is not None:
            self.progress.setValue(int(self.job.seen.fraction * 1000))
            self.state_label.compose(lambda: job_line(event))  # worded again after a language switch

    def _on_finished(self, state: str, result: dict[str, Any]) -> None:
        self._update_buttons()
        self.progress.setVisible(False)
        if state == "completed":
            self.progress.setValue(1000)
            self.refresh_sources()
            self.load_evaluation(str(result["eval_id"]))
        else:
            error = str(result.get("error", ""))
            self.state_label.compose(
                lambda: self.tr("The evaluation %1: %2").replace("%1", state).replace("%2", error)
            )
        self.message.emit(self.state_label.text())

    # ------------------------------------------------------------------ stored evaluation
    def load_evaluation(self, eval_id: str) -> None:
        """Load the stored maps (worker thread), then show the evaluation at its saved threshold."""
        if self.project is None:
            return
        project = self.project
        self.state_label.compose(lambda: self.tr("Loading evaluation %1 …").replace("%1", eval_id))

        def work(_progress: Any, _cancel: Any) -> tuple[EvaluationSession, Any, dict[str, Any]]:
            session = EvaluationSession.load(project, eval_id)
            config = session.current_config()
            decisions, metrics = session.image_level(config)
            has_stage = any(p.has_stage for p in session.prepare_for(config))
            return session, (config, decisions, has_stage), metrics

        self._busy = True
        self._run(work, self._loaded)

    def _loaded(self, result: tuple[EvaluationSession, Any, dict[str, Any]]) -> None:
        session, (config, decisions, has_stage), metrics = result
        self.session = session
        self._thumbs.clear()
        if self._picked is not None and self._picked[1] not in {c.sample_id for c in session.cases}:
            self._picked, self._picture = None, None
            self.regions.clear()
        first = config.classes[0] if config.classes else None
        self.has_stage = has_stage
        self.classifier.show_for(has_stage, first.confirm_threshold if first is not None else None)
        self.tabs.setTabVisible(VETOED_TAB, has_stage)
        threshold = config.ng_threshold(first) if first else (config.gray_high or config.default_threshold)
        self.slider.blockSignals(True)
        self.slider.setValue(max(1, round(threshold * STEPS)))
        self.slider.blockSignals(False)
        gray = (config.gray_low, config.gray_high) if config.has_gray_zone else None
        self.point_bar.show_gray(gray, threshold, metrics)  # type: ignore[arg-type]
        self._show(threshold, decisions, metrics)
        origins = self._run_origins(session, config)
        if origins is not None:
            self.threshold_origin.compose(lambda: evaluation_note(origins)[0])
            self.threshold_origin.setStyleSheet(WARNING_STYLE if evaluation_note(origins)[1] else "")
        else:
            self.threshold_origin.clear()
        self.eval_combo.setCurrentIndex(max(0, self.eval_combo.findData(session.eval_id)))
        eval_id, n = session.eval_id, len(session.cases)
        self.state_label.compose(lambda: fill(
            self.tr("Evaluation %1 on %2 images. Move the threshold to see its effect."), eval_id, n
        ))  # fmt: skip
        self._update_buttons()
        self._done()

    @property
    def threshold(self) -> float:
        return self.slider.value() / STEPS

    def set_threshold(self, value: float) -> None:
        self.slider.setValue(max(1, min(STEPS, round(value * STEPS))))

    def _run_origins(self, session: EvaluationSession, config: DecisionConfig) -> list[dict[str, Any]] | None:
        """How the run chose its thresholds, when ``config`` holds the ones it chose; else None."""
        run_id = session.meta.get("model", {}).get("run_id")
        if self.project is None or not run_id:
            return None
        try:
            run = self.project.run(str(run_id))
        except ProjectError:
            return None  # the run was deleted; its evaluation stays
        if run.config.model is None or not chosen_on_validation(run, config):
            return None
        return list(run.config.model.decision_origin)

    def _slider_moved(self, _value: int) -> None:
        self.threshold_label.setText(f"{self.threshold:.3f}")
        self.threshold_origin.clear()  # the slider sets every class to one threshold of the user's
        self._debounce.start()

    def _redecide_now(self) -> None:
        if self.session is None:
            return
        if self._busy:
            self._wanted = self._settings()  # decided as soon as the running one ends
            return
        session, (threshold, gray, classifier) = self.session, self._settings()

        def work(_progress: Any, _cancel: Any) -> tuple[float, Any, dict[str, Any]]:
            config = with_overrides(session.current_config().to_dict(), threshold, gray, classifier)
            decisions, metrics = session.image_level(config)
            return threshold, decisions, metrics

        self._busy = True
        self._run(work, self._redecided)

    def _redecided(self, result: tuple[float, Any, dict[str, Any]]) -> None:
        self._show(*result)
        self._done()

    def _settings(self) -> tuple[float, tuple[float, float] | None, float | str | None]:
        """The NG threshold, gray zone and classifier threshold (None: as stored) the page shows."""
        return self.threshold, self.point_bar.gray(self.threshold), self.classifier.override()

    def _done(self) -> None:
        self._busy = False
        if self._wanted is not None:
            wanted, self._wanted = self._wanted, None
            if self.session is not None and wanted == self._settings():
                self._redecide_now()

    @property
    def idle(self) -> bool:
        """No re-decision running or waiting (tests wait for this)."""
        return not self._busy and self._wanted is None and not self._debounce.isActive()

    def _show(self, threshold: float, decisions: Any, metrics: dict[str, Any]) -> None:
        assert self.session is not None
        self.metrics = metrics
        self.rows = self.session.rows(decisions)
        self.threshold_label.setText(f"{threshold:.3f}")
        self.cards.show_metrics(metrics)
        self.curve.set_sweep(metrics)
        self.curve.set_point(metrics.get("image.overkill_rate"), metrics.get("image.escape_rate"))
        self.confusion.show_metrics(metrics)
        fill_class_table(self.classes, metrics, self.class_names())
        for kind, gallery in self.galleries.items():
            if kind == "vetoed":
                rows = sorted((r for r in self.rows if r.get("vetoed")),
                              key=lambda r: (-len(r["vetoed"]), -r["image_score"]))  # fmt: skip
            else:
                rows = sorted((r for r in self.rows if r["outcome"] == kind), key=lambda r: -r["image_score"])
            gallery.set_rows(rows[:GALLERY_LIMIT])
            for sid in gallery.ids():
                if sid in self._thumbs:
                    gallery.set_thumbnail(sid, *self._thumbs[sid])
        self.tabs.setTabText(VETOED_TAB, self._vetoed_tab_text())
        self._show_picked()
        self._make_thumbnails()

    def _vetoed_tab_text(self) -> str:
        """The tab's name with the number of images that have a vetoed region (once one is shown)."""
        n = sum(1 for r in self.rows if r.get("vetoed"))
        return (
            f"{self.tr('Vetoed by the classifier')} ({n})"
            if self.session is not None
            else self.tr("Vetoed by the classifier")
        )

    def class_names(self) -> dict[int, str]:
        """Class id -> name: the model's, then the project's where it has the id."""
        names: dict[int, str] = {}
        if self.session is not None:
            names = dict(zip(self.session.class_ids, self.session.class_names, strict=False))
        if self.project is not None:
            names.update({c.id: c.name for c in self.project.classes()})
        return names

    # ------------------------------------------------------------------ regions of one image
    def pick_sample(self, gallery: str, sample_id: int) -> None:
        """Show the regions of ``sample_id`` (picked in ``gallery``) in the region panel."""
        self._picked = (gallery, sample_id)
        self._show_picked()
        if self._picture is not None and self._picture[0] == sample_id:
            self.regions.set_picture(*self._picture)
            return
        if self.session is None or self.project is None:
            return
        session, project = self.session, self.project

        def work(_progress: Any, _cancel: Any) -> tuple[int, np.ndarray, float]:
            sample = project.sample(sample_id)
            try:
                truth = project.read_mask(sample) if sample.has_mask else None
            except MaskError:
                truth = None
            image = project.read_image(sample, None)
            rgb = heat_thumbnail(image, session.score_map(sample_id), size=VIEW_SIZE, truth=truth)
            return sample_id, rgb, rgb.shape[1] / image.shape[1]

        self._run(work, self._picture_ready)

    def _picture_ready(self, result: tuple[int, np.ndarray, float]) -> None:
        self._picture = result
        self.regions.set_picture(*result)

    def _show_picked(self) -> None:
        if self._picked is None:
            return
        row = next((r for r in self.rows if r["sample_id"] == self._picked[1]), None)
        if row is None:
            self.regions.clear()
            return
        self.regions.show_row(row, self.class_names(), self.has_stage)

    def _open_picked(self, sample_id: int) -> None:
        gallery = self.galleries.get(self._picked[0]) if self._picked is not None else None
        ids = gallery.ids() if gallery is not None and sample_id in gallery.ids() else [sample_id]
        self.open_in_label.emit(ids, sample_id)

    def _make_thumbnails(self) -> None:
        if self.session is None or self.project is None:
            return
        missing = [sid for g in self.galleries.values() for sid in g.ids() if sid not in self._thumbs]
        if not missing:
            return
        session, project = self.session, self.project

        def work(_progress: Any, cancel: Any) -> dict[int, tuple[np.ndarray, float]]:
            out = {}
            for sid in missing:
                if cancel.cancelled:
                    break
                sample = project.sample(sid)
                try:
                    truth = project.read_mask(sample) if sample.has_mask else None
                except MaskError:  # a damaged mask file: the heat map without the outline
                    truth = None
                image = project.read_image(sample, None)
                thumb = heat_thumbnail(image, session.score_map(sid), truth=truth)
                out[sid] = (thumb, thumb.shape[1] / image.shape[1])
            return out

        self._run(work, self._thumbnails_ready)

    def _thumbnails_ready(self, thumbs: dict[int, tuple[np.ndarray, float]]) -> None:
        self._thumbs.update(thumbs)
        for gallery in self.galleries.values():
            for sid in gallery.ids():
                if sid in thumbs:
                    gallery.set_thumbnail(sid, *thumbs[sid])

    # ------------------------------------------------------------------ feedback
    def send_mistakes(self) -> None:
        """Save the decisions at this threshold, then tag its mistakes for review (worker thread)."""
        if self.project is None or self.session is None:
            return
        from workbench.core.feedback import send_mistakes_to_review

        session, project = self.session, self.project
        threshold, gray, classifier = self._settings()

        def work(_progress: Any, _cancel: Any) -> tuple[int, list[int]]:
            config = with_overrides(session.current_config().to_dict(), threshold, gray, classifier)
            rows = session.rows(session.redecide(config))
            session.write_results(config)
            n = send_mistakes_to_review(project, session.eval_id)
            return n, [r["sample_id"] for r in rows if r["outcome"] not in ("correct", "doubtful")]

        self.send_button.setEnabled(False)
        self._run(work, self._sent)

    def _sent(self, result: tuple[int, list[int]]) -> None:
        n, ids = result
        self.state_label.compose(
            lambda: self.tr("%1 images tagged and marked for review in the Data page.").replace("%1", str(n))
        )
        self.samples_changed.emit(ids)
        self.message.emit(self.state_label.text())
        self._update_buttons()

    def _evaluated_run(self) -> str | None:
        """The completed run the shown evaluation ran (None for a bundle or a deleted run)."""
        run_id = self.session.meta.get("model", {}).get("run_id") if self.session is not None else None
        if self.project is None or not run_id:
            return None
        try:
            run = self.project.run(str(run_id))
        except ProjectError:
            return None
        return run.id if run.status == "completed" and run.config.model is not None else None

    def ship_decision(self) -> None:
        """Ask, then make the threshold and gray zone shown what the evaluated run ships."""
        run_id = self._evaluated_run()
        if self.project is None or self.session is None or run_id is None:
            return
        threshold, gray, classifier = self._settings()
        question = self.point_bar.ship_question(run_id, threshold, gray)
        if self.classifier.present:
            question += "\n" + self._classifier_words()
        if not self.point_bar.confirm_ship(question):
            return
        from workbench.services.decision import ship_decision

        session, project = self.session, self.project

        def work(_progress: Any, _cancel: Any) -> tuple[str, float, tuple[float, float] | None]:
            config = with_overrides(session.current_config().to_dict(), threshold, gray, classifier)
            session.write_results(config)  # the evaluation shows what the run now ships
            ship_decision(project, run_id, config, session.eval_id)
            return run_id, threshold, gray

        self.point_bar.ship_button.setEnabled(False)
        self._run(work, self._shipped)

    def _classifier_words(self) -> str:
        """The region classifier's setting the page shows, in a sentence."""
        if not self.classifier.on:
            return self.tr("The region classifier is off: it vetoes nothing.")
        return self.tr("Region classifier threshold %1.").replace("%1", f"{self.classifier.threshold:.3f}")

    def _shipped(self, result: tuple[str, float, tuple[float, float] | None]) -> None:
        run_id, threshold, gray = result

        def text() -> str:
            line = fill(self.tr("Run %1 now ships NG threshold %2"), run_id, f"{threshold:.3f}")
            if gray is not None:
                line += fill(self.tr(", gray zone from %1"), f"{gray[0]:.3f}")
            return line + ". " + self.tr("Its exports and evaluations use it.")

        self.state_label.compose(text)
        self.threshold_origin.compose(lambda: self.tr("the decision the run ships, chosen by a person"))
        self.threshold_origin.setStyleSheet("")
        self.message.emit(self.state_label.text())
        self._update_buttons()

    # ------------------------------------------------------------------ worker plumbing
    def _run(self, fn: Any, on_result: Any) -> None:
        task = Task(fn)
        task.signals.finished.connect(on_result)
        task.signals.failed.connect(self._failed)
        task.signals.finished.connect(lambda _r, t=task: self._forget(t))
        task.signals.failed.connect(lambda _m, _tb, t=task: self._forget(t))
        self._tasks.append(task)
        start(task)

    def _forget(self, task: Task) -> None:
        if task in self._tasks:
            self._tasks.remove(task)

    def _failed(self, message: str, _traceback: str) -> None:
        self._busy = False
        self._wanted = None
        self.state_label.compose(lambda: self.tr("Error: %1").replace("%1", message))
        self._update_buttons()

    def shutdown(self) -> None:
        """Ask running thumbnail work to stop (window close)."""
        for task in self._tasks:
            task.cancel.cancel()
