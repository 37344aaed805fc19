"""The label page: the canvas, its tools and options, sample navigation, OK/NG, saving.

Every finished edit is kept on disk at once in the sample's mask journal (see
:mod:`workbench.core.mask_journal`); the mask itself is saved on switching samples and every
few seconds. Opening a project replays the journals a crashed session left, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workbench.core.assist.shapes import Rect
from workbench.core.assist.steps import MASK_EDIT, LabelChange, SampleSteps
from workbench.core.errors import WorkbenchError
from workbench.core.labelers import check_labeler_name
from workbench.core.mask_journal import JournalRecovery, LostEdits, MaskJournal, recover_journals
from workbench.core.project import Project
from workbench.core.types import Sample
from workbench.gui.actions import strip_mnemonic
from workbench.gui.canvas_view import CanvasView
from workbench.gui.display import channel_choices, default_window, display_image, value_range
from workbench.gui.label_options import ToolOptionsBar
from workbench.gui.names import breakable
from workbench.gui.proposal_panel import ProposalPanelWidget
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.settings import app_settings

AUTOSAVE_MS = 20_000


class LabelPageWidget(Retranslatable, QWidget):
    """Annotate one sample at a time out of an ordered list (the data page's current view)."""

    sample_saved = Signal(int)  # mask written
    sample_changed = Signal(int)  # label or mask changed in the project
    samples_changed = Signal(list)  # several samples changed (scores of a prediction)
    state_changed = Signal()  # undo/redo availability, current sample
    message = Signal(str)

    def __init__(self, actions: Mapping[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.ids: list[int] = []
        self.index = -1
        self.sample: Sample | None = None
        self.image: np.ndarray | None = None
        self.journal: MaskJournal | None = None  # the open sample's finished edits, kept on disk
        self.recovery_box: QMessageBox | None = None  # says which edits a crash took
        self._class_names: dict[int, str] = {}  # kept, so re-texting never reads the project
        self.steps = SampleSteps()  # mask edits and label changes of the open sample, for undo
        self._replaying = False  # an undo/redo of the mask editor is running: not a new step
        self.canvas = CanvasView()
        self.options_bar = ToolOptionsBar(self.canvas.options)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._toolbar(actions))
        self.options_bar.setFixedHeight(self.options_bar.sizeHint().height() + 6)
        layout.addWidget(self.options_bar)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.canvas, 1)
        # Scrolls when the window is too short for the facts, buttons and the proposal panel at once.
        side = QScrollArea()
        side.setWidget(self._side_panel(actions))
        side.setWidgetResizable(True)
        side.setFrameShape(QFrame.Shape.NoFrame)
        side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side.setFixedWidth(290 + side.verticalScrollBar().sizeHint().width())
        body.addWidget(side)
        layout.addLayout(body, 1)
        self.canvas.edited.connect(self._edited)
        self.canvas.message.connect(self.message)
        self.canvas.threshold_used.connect(self.options_bar.show_threshold)
        self.options_bar.display_changed.connect(self._redisplay)
        self.options_bar.auto_window.clicked.connect(self._auto_window)
        self.options_bar.opacity_changed.connect(self.canvas.overlay.setOpacity)
        self.options_bar.tool_options_changed.connect(lambda: self.canvas.tool.options_changed())
        self.options_bar.editing_done.connect(self.canvas.setFocus)
        self._mask_action = actions.get("view.mask")
        self._tool_actions = {k.removeprefix("tool."): a for k, a in actions.items() if k.startswith("tool.")}
        self.autosave = QTimer(self)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.save)
        self.autosave.start()
        self.set_tool("brush")
        self.retranslate()

    def retranslate(self) -> None:
        """Captions and buttons of the side panel, and the open sample's facts in the current language."""
        captions = (self.tr("Label"), self.tr("Review"), self.tr("Split"), self.tr("Classes"),
                    self.tr("Image"), self.tr("Mask"))  # fmt: skip
        for caption, text in zip(self.captions, captions, strict=True):
            caption.setText(text)
        self.previous_button.setText(self.tr("Previous"))
        self.next_button.setText(self.tr("Next"))
        self.labeler_caption.setText(self.tr("Labeler"))
        self.labeler_edit.setPlaceholderText(self.tr("nobody"))
        self.labeler_edit.setToolTip(
            self.tr("Your name: the labels and masks you set are also kept as yours, to compare labelers")
        )
        self._show_info()

    # ------------------------------------------------------------------ construction
    def _toolbar(self, actions: Mapping[str, QAction]) -> QToolBar:
        bar = QToolBar()
        bar.setIconSize(QSize(22, 22))
        order = ["tool.brush", "tool.eraser", "tool.polygon", "tool.grabcut", "tool.wand", "tool.threshold",
                 "tool.prediction", None, "edit.undo", "edit.redo", None, "view.fit", "view.actual",
                 "view.zoom_region", "view.next_region", "view.mask"]  # fmt: skip
        for key in order:
            if key is None:
                bar.addSeparator()
            elif key in actions:
                bar.addAction(actions[key])
        return bar

    def _side_panel(self, actions: Mapping[str, QAction]) -> QFrame:
        panel = QFrame()
        panel.setFixedWidth(290)
        col = QVBoxLayout(panel)
        col.setContentsMargins(14, 12, 14, 12)
        col.setSpacing(10)
        self.name_label = QLabel()
        self.name_label.setObjectName("sectionTitle")
        self.name_label.setWordWrap(True)
        self.position_label = QLabel()
        self.position_label.setObjectName("muted")
        col.addWidget(self.name_label)
        col.addWidget(self.position_label)
        form = QFormLayout()
        form.setSpacing(6)
        self.label_value, self.review_value, self.split_value, self.classes_value, self.size_value = (
            QLabel() for _ in range(5)
        )
        self.saved_value = QLabel()
        self.classes_value.setWordWrap(True)
        self.captions = tuple(QLabel() for _ in range(6))
        values = (self.label_value, self.review_value, self.split_value, self.classes_value, self.size_value,
                  self.saved_value)  # fmt: skip
        for caption, widget in zip(self.captions, values, strict=True):
            form.addRow(caption, widget)
        self.labeler_caption = QLabel()
        self.labeler_edit = QLineEdit(str(app_settings().value("labeler", "") or ""))
        self.labeler_edit.editingFinished.connect(self._labeler_edited)
        form.addRow(self.labeler_caption, self.labeler_edit)
        col.addLayout(form)
        ok_ng = QHBoxLayout()
        for key in ("label.ok", "label.ng"):
            ok_ng.addWidget(self._button(actions[key]))
        col.addLayout(ok_ng)
        col.addWidget(self._button(actions["label.reviewed"]))
        nav = QHBoxLayout()
        self.previous_button = self._button(actions["label.previous"], own_text=True)
        self.next_button = self._button(actions["label.next"], own_text=True)
        nav.addWidget(self.previous_button)
        nav.addWidget(self.next_button)
        col.addLayout(nav)
        col.addWidget(self._button(actions["label.next_unlabeled"]))
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        col.addWidget(line)
        self.accept_all_button = self._button(actions["label.accept_all"])
        self.proposals = ProposalPanelWidget(self.canvas, self.accept_all_button)
        self.proposals.current_ids = lambda: self.ids
        self.proposals.message.connect(self.message)
        self.proposals.proposals_written.connect(self._proposals_written)
        self.proposal_label = self.proposals.info
        col.addWidget(self.proposals)
        col.addStretch(1)
        self.cursor_label = QLabel()
        self.cursor_label.setObjectName("muted")
        self.canvas.cursor_info.connect(self.cursor_label.setText)
        col.addWidget(self.cursor_label)
        return panel

    @staticmethod
    def _button(action: QAction, own_text: bool = False) -> QPushButton:
        """A button that triggers ``action`` and follows its state, tooltip and (unless it has
        ``own_text``, set by :meth:`retranslate`) its text, also after a language switch."""
        button = QPushButton(action.icon(), "")

        def follow() -> None:
            button.setEnabled(action.isEnabled())
            button.setToolTip(action.toolTip())
            if not own_text:
                button.setText(strip_mnemonic(action.text()))

        button.clicked.connect(action.trigger)
        action.changed.connect(follow)
        follow()
        return button

    # ------------------------------------------------------------------ project and samples
    def set_project(self, project: Project | None) -> None:
        self.save()
        self._close_journal()
        self.project = project
        self.ids, self.index, self.sample, self.image = [], -1, None, None
        self.canvas.clear()
        self.proposals.set_project(project)
        self.proposals.load(None)
        self.refresh_classes()  # shows the (empty) sample facts too
        self._labeler_edited()
        self.state_changed.emit()
        if project is not None and not project.readonly:
            self._recover(project)

    def _labeler_edited(self) -> None:
        """Keep the labeler's name (a setting of this computer's user) and tell the open project."""
        name = self.labeler_edit.text().strip()
        try:
            name = check_labeler_name(name) if name else ""
        except WorkbenchError as exc:
            self.message.emit(self.tr("Labeler not set: %1").replace("%1", str(exc)))
            name = str(app_settings().value("labeler", "") or "")
        self.labeler_edit.setText(name)
        app_settings().setValue("labeler", name)
        if self.project is not None:
            self.project.set_labeler(name or None)

    def refresh_classes(self) -> None:
        """Read the project's classes again (names and colours) after they changed."""
        classes = self.project.classes() if self.project else []
        self._class_names = {c.id: c.name for c in classes}
        self.options_bar.set_classes(classes)
        self.proposals.set_classes(classes)
        self.canvas.set_colours({c.id: c.color for c in classes})
        self._show_info()

    @property
    def has_sample(self) -> bool:
        return self.sample is not None

    @property
    def can_undo(self) -> bool:
        return self.canvas.editor is not None and self.steps.can_undo

    @property
    def can_redo(self) -> bool:
        return self.canvas.editor is not None and self.steps.can_redo

    @property
    def dirty(self) -> bool:
        return self.canvas.editor is not None and self.canvas.editor.dirty

    def open_samples(self, ids: Sequence[int], current: int | None = None) -> None:
        """Label ``ids`` in this order, starting at ``current`` (or the first)."""
        old_ids, old_index = self.ids, self.index
        self.ids = list(ids)
        start = self.ids.index(current) if current in self.ids else 0
        if not self.show_index(start if self.ids else -1) and self.sample is not None:
            self.ids, self.index = old_ids, old_index  # still showing the previous sample

    def show_index(self, index: int) -> bool:
        """Save the current sample, then show the one at ``index`` of the list."""
        if self.project is None or not (0 <= index < len(self.ids)):
            return False
        if not self.save():
            return False
        try:
            sample = self.project.sample(self.ids[index])
            image = self.project.read_image(sample, channel=None)
            mask = self.project.read_mask(sample)
        except WorkbenchError as exc:
            self.message.emit(str(exc))
            QMessageBox.warning(self, self.tr("Cannot open sample"), str(exc))
            return False
        self.index, self.sample, self.image = index, sample, image
        self.steps.clear()
        rng = None if image.dtype == np.uint8 else value_range(image)
        self.options_bar.set_display_choices(channel_choices(image, len(sample.channel_files)), rng,
                                             default_window(image))  # fmt: skip
        self.canvas.load(self._display(), mask, {c.id: c.color for c in self.project.classes()})
        self._close_journal()  # the previous sample's: saved above
        self.journal = MaskJournal.for_sample(self.project.root, sample.id, sample.mask_rev, mask.shape)
        self.canvas.editor.on_change = self._keep_edit  # type: ignore[union-attr]
        self._load_proposal()
        self._show_info()
        self.state_changed.emit()
        return True

    def _display(self) -> np.ndarray:
        assert self.image is not None
        low, high = self.options_bar.window() if self.image.dtype != np.uint8 else (0.0, 255.0)
        return display_image(self.image, self.options_bar.channel(), low, high)

    def _redisplay(self) -> None:
        if self.image is not None:
            self.canvas.set_display(self._display())

    def _auto_window(self) -> None:
        if self.image is not None:
            self.options_bar.set_window(default_window(self.image))
            self._redisplay()

    def _load_proposal(self) -> None:
        self.proposals.load(self.sample)

    def _proposals_written(self, ids: list[int]) -> None:
        """A predict job ended: the samples' scores changed, and the open sample may have a proposal."""
        self._load_proposal()
        self.samples_changed.emit(ids)

    # ------------------------------------------------------------------ saving
    def save(self) -> bool:
        """Write the mask if it changed (atomically); False when saving failed."""
        editor = self.canvas.editor
        if self.project is None or self.sample is None or editor is None:
            return True
        if not editor.dirty:
            if self.journal is not None:
                self.journal.saved(self.sample.mask_rev)  # its edits undid each other
            return True
        if editor.stroking:
            editor.end_stroke()
        try:
            self.sample = self.project.write_mask(self.sample.id, editor.mask)
        except (WorkbenchError, OSError) as exc:
            self.message.emit(self.tr("Mask not saved: %1").replace("%1", str(exc)))
            return False
        editor.mark_saved()
        if self.journal is not None:
            self.journal.saved(self.sample.mask_rev)
        self.sample_saved.emit(self.sample.id)
        self._show_info()
        return True

    def _keep_edit(self, rect: Rect) -> None:
        """Put a finished edit into the journal; if that fails, save the whole mask now instead."""
        editor = self.canvas.editor
        if not self._replaying:
            self.steps.record(MASK_EDIT)
        if self.journal is None or editor is None:
            return
        try:
            self.journal.record(rect, editor.mask[rect.slices])
        except OSError as exc:
            text = self.tr("Edit not kept on disk (%1); saving the mask instead.")
            self.message.emit(text.replace("%1", str(exc)))
            self.save()

    def _close_journal(self) -> None:
        """Stop keeping edits of the open sample; a journal not yet saved stays for the next recovery."""
        if self.journal is not None:
            self.journal.close()
            self.journal = None

    def _recover(self, project: Project) -> None:
        """Save the edits a crashed session left in journals, and say what could not be recovered."""
        result = recover_journals(project)
        for sid in result.sample_ids:
            self.sample_saved.emit(sid)
        if result.recovered:
            text = self.tr("Recovered the unsaved edits of %1 sample(s) after the last session ended.")
            self.message.emit(text.replace("%1", str(len(result.recovered))))
        if result.lost:
            self._say_lost(result)

    def _say_lost(self, result: JournalRecovery) -> None:
        lines = "\n".join(f"• {lost.name}: {self._lost_reason(lost)}" for lost in result.lost)
        text = self.tr("The last session ended unexpectedly, and these edits could not be recovered:")
        if result.recovered:
            text = self.tr("The last session ended unexpectedly. The edits of %1 sample(s) were recovered, "
                           "these could not be:").replace("%1", str(len(result.recovered)))  # fmt: skip
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Edits not recovered"), text + "\n\n" + lines,
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.open()  # returns at once: the project opens behind it as usual
        self.recovery_box = box

    def _lost_reason(self, lost: LostEdits) -> str:
        reasons = {
            "last_edit": self.tr("the last edit was being saved at that moment"),
            "first_edit": self.tr("the first edit was being saved at that moment"),
            "saved_since": self.tr("its mask was saved since, so the edits no longer fit it (kept in %1)"),
            "unreadable": self.tr("the edits could not be read back (%1)"),
        }
        return reasons[lost.reason].replace("%1", lost.detail)

    def _edited(self) -> None:
        self._show_info()
        self.state_changed.emit()

    # ------------------------------------------------------------------ commands
    def set_tool(self, name: str) -> None:
        self.canvas.set_tool(name)
        self.options_bar.show_tool(name)
        action = self._tool_actions.get(name)
        if action is not None:
            action.setChecked(True)

    def undo(self) -> None:
        """Undo the newest step of the open sample: a mask edit, or a label set with O / N."""
        editor = self.canvas.editor
        if editor is not None and editor.stroking:
            editor.end_stroke()  # a stroke in progress becomes the step undone
        self._replay(self.steps.undo(), undo=True)

    def redo(self) -> None:
        self._replay(self.steps.redo(), undo=False)

    def _replay(self, step: object, undo: bool) -> None:
        if isinstance(step, LabelChange):
            self._write_label(step.before if undo else step.after)
            word = self.tr("Undone: label %1") if undo else self.tr("Redone: label %1")
            self.message.emit(word.replace("%1", self._label_names()[step.before if undo else step.after]))
        elif step == MASK_EDIT:
            self._replaying = True
            try:
                self.canvas.undo() if undo else self.canvas.redo()
            finally:
                self._replaying = False
        self.state_changed.emit()

    def grow_brush(self, direction: int) -> None:
        diameter = self.options_bar.size_spin.value()
        step = max(1, round(diameter * 0.2))
        self.options_bar.set_brush_diameter(diameter + direction * step)
        self.canvas.set_brush_radius(self.options_bar.size_spin.value() / 2.0)

    def select_class_index(self, index: int) -> None:
        if self.options_bar.select_class_index(index):
            self.message.emit(self.tr("Class: %1").replace("%1", self.options_bar.class_combo.currentText()))

    def toggle_mask(self) -> None:
        visible = not self.canvas.overlay.isVisible()
        self.canvas.overlay.setVisible(visible)
        if self._mask_action is not None:
            self._mask_action.setChecked(visible)

    def set_label(self, label: str) -> None:
        """Set the open sample's image label (O / N / D); Ctrl+Z undoes it like a stroke."""
        if self.project is None or self.sample is None or self.sample.label == label:
            return
        before = self.sample.label
        self._write_label(label)
        self.steps.record(LabelChange(self.sample.id, before, label))
        self.state_changed.emit()

    def _write_label(self, label: str) -> None:
        if self.project is None or self.sample is None:
            return
        self.project.update_samples([self.sample.id], label=label)
        self.sample = self.project.sample(self.sample.id)
        self.sample_changed.emit(self.sample.id)
        self._show_info()

    def mark_reviewed(self) -> None:
        """The open sample was looked at: its review state becomes reviewed (the Data page filters on it)."""
        if self.project is None or self.sample is None:
            return
        self.project.update_samples([self.sample.id], review="reviewed")
        self.sample = self.project.sample(self.sample.id)
        self.sample_changed.emit(self.sample.id)
        self._show_info()
        self.message.emit(self.tr("Marked reviewed: %1").replace("%1", self.sample.name))

    def _label_names(self) -> dict[str, str]:
        return {"ok": self.tr("OK"), "ng": self.tr("NG"), "doubtful": self.tr("doubtful"),
                "unlabeled": self.tr("unlabeled")}  # fmt: skip

    def step(self, delta: int) -> None:
        self.show_index(self.index + delta)

    def next_unlabeled(self, backwards: bool = False) -> bool:
        """Show the next (or previous) unlabeled sample of the list, wrapping around."""
        if self.project is None:
            return False
        unlabeled = {s.id for s in self.project.samples(label="unlabeled")}
        order = self.ids[self.index + 1 :] + self.ids[: max(self.index, 0)]
        if backwards:
            order = self.ids[: max(self.index, 0)][::-1] + self.ids[self.index + 1 :][::-1]
        for sid in order:
            if sid in unlabeled:
                return self.show_index(self.ids.index(sid))
        self.message.emit(self.tr("No unlabeled samples left in this list."))
        return False

    def accept_whole_prediction(self) -> None:
        if self.canvas.proposal is None:
            self.message.emit(self.tr("No model proposal for this sample yet."))
            return
        self.canvas.accept_proposal(self.canvas.proposal > 0)

    # ------------------------------------------------------------------ side panel
    def _show_info(self) -> None:
        s = self.sample
        if s is None:
            self.name_label.setText(self.tr("No sample open"))
            self.name_label.setToolTip("")
            self.position_label.setText(self.tr("Double-click a sample on the Data page."))
            for w in (
                self.label_value,
                self.review_value,
                self.split_value,
                self.classes_value,
                self.size_value,
                self.saved_value,
            ):
                w.setText("—")
            return
        names = self._class_names
        self.name_label.setText(breakable(s.name))
        self.name_label.setToolTip(s.name)
        self.position_label.setText(self.tr("%1 of %2").replace("%1", str(self.index + 1)).replace(
            "%2", str(len(self.ids))))  # fmt: skip
        self.label_value.setText(self._label_names()[s.label])
        reviews = {"needs_review": self.tr("needs review"), "reviewed": self.tr("reviewed")}
        self.review_value.setText(reviews.get(s.review, s.review) if s.review else "—")
        splits = {"train": self.tr("train"), "val": self.tr("val"), "test": self.tr("test")}
        self.split_value.setText(splits.get(s.split, s.split) if s.split else "—")
        self.classes_value.setText(", ".join(names.get(c, f"#{c}") for c in s.classes) or "—")
        size = self.tr("%1×%2 %3, %4 ch").replace("%1", str(s.width)).replace("%2", str(s.height))
        self.size_value.setText(size.replace("%3", s.dtype).replace("%4", str(s.n_channels)))
        self.saved_value.setText(self.tr("unsaved changes") if self.dirty else self.tr("saved"))
