"""The dataset manager: samples as a thumbnail grid or a table, filters, bulk edits, balance chart."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import WorkbenchError
from workbench.core.label_check import TAG as SUSPECT_TAG
from workbench.core.project import Project
from workbench.core.types import LABELS, SPLITS
from workbench.gui.agreement_bar import AgreementBarWidget
from workbench.gui.balance_chart import BalanceChartWidget
from workbench.gui.label_check_panel import LabelCheckWidget
from workbench.gui.retranslatable import ComposedLabel, Retranslatable
from workbench.gui.sample_query import SampleFilter, all_tags, sample_counts
from workbench.gui.sample_table import SAMPLE_ID_ROLE, SampleTableModel
from workbench.gui.thumbnail_delegate import ThumbnailDelegate, card_size
from workbench.gui.thumbnails import THUMB_SIZE, ThumbnailLoader


class SampleGridView(QListView):
    """The thumbnail grid: as many columns as fit, spread over the whole width."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        card = card_size(self.fontMetrics())
        width = self.viewport().width() - 2
        columns = max(1, width // card.width())
        self.setGridSize(QSize(width // columns, card.height()))


class DataPageWidget(Retranslatable, QWidget):
    """Browse, filter and bulk-edit the samples of the open project."""

    samples_changed = Signal()  # counts changed (status bar, chart)
    classes_changed = Signal()  # names or colours of defect classes changed
    open_in_label = Signal(list, int)  # ordered sample ids, the one to show first
    selection_changed = Signal()

    def __init__(self, actions: Mapping[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self._choices: tuple[list[tuple[str, int]], list[tuple[str, str]]] | None = None
        self.counts = sample_counts([], [])
        self.thumbnails = ThumbnailLoader(self)
        self.model = SampleTableModel(self.thumbnails, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(8)
        layout.addWidget(self._toolbar(actions))
        layout.addLayout(self._filter_row())
        self.agreement = AgreementBarWidget()
        self.agreement.filter_changed.connect(self._filter_changed)
        self.agreement.labels_changed.connect(self._labels_replaced)
        layout.addWidget(self.agreement)
        self.label_check = LabelCheckWidget()
        self.label_check.queue_ready.connect(self.open_suspects)
        layout.addWidget(self.label_check)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.stack = QStackedWidget()
        self.grid = self._make_grid()
        self.table = self._make_table()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.table)
        self.table.setSelectionModel(self.grid.selectionModel())  # one selection for both views
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        splitter.addWidget(self.stack)
        self.chart = BalanceChartWidget()
        self.chart.setMinimumWidth(220)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 300])
        self.splitter = splitter
        layout.addWidget(splitter, 1)
        layout.addLayout(self._bulk_row())
        self._view_actions = (actions.get("view.grid"), actions.get("view.table"))
        self.set_view("grid")
        self.retranslate()

    def retranslate(self) -> None:
        """The page's own words; class names, tags and sample data stay as the project holds them."""
        self.text_filter.setPlaceholderText(self.tr("Search names, notes, tags…"))
        labels, splits = self._label_names(), self._split_names()
        reviews = self._review_names()
        for combo, names in (
            (self.label_filter, labels),
            (self.split_filter, splits),
            (self.review_filter, reviews),
        ):
            for i in range(combo.count()):
                combo.setItemText(i, names[combo.itemData(i)])
        captions = (self.tr("Label"), self.tr("Class"), self.tr("Split"), self.tr("Tag"), self.tr("Review"))
        combos = (
            self.label_filter,
            self.class_filter,
            self.split_filter,
            self.tag_filter,
            self.review_filter,
        )
        for widget, caption in zip(combos, captions):
            widget.setToolTip(caption)
        self._retext_choice_filters()
        self.label_button.setText(self.tr("Set label"))
        self.split_button.setText(self.tr("Set split"))
        for value, action in self._label_actions:
            action.setText(labels[value])
        for split, action in self._split_actions:
            action.setText(splits[split])
        self.review_button.setText(self.tr("Set review"))
        review_actions = {"reviewed": self.tr("Reviewed"), "needs_review": self.tr("Needs review"),
                          "": self.tr("No review state")}  # fmt: skip
        for value, action in self._review_actions:
            action.setText(review_actions[value])
        self.add_tag_button.setText(self.tr("Add tag…"))
        self.remove_tag_button.setText(self.tr("Remove tag…"))
        self.model.retranslate()

    # ------------------------------------------------------------------ construction
    def _toolbar(self, actions: Mapping[str, QAction]) -> QToolBar:
        bar = QToolBar()
        bar.setIconSize(QSize(20, 20))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for key in ("view.grid", "view.table", None, "data.import", "data.classes", "data.split", None,
                    "data.open_label"):  # fmt: skip
            if key is None:
                bar.addSeparator()
            elif key in actions:
                bar.addAction(actions[key])
        return bar

    def _filter_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.label_filter = QComboBox()
        self.class_filter = QComboBox()
        self.split_filter = QComboBox()
        self.tag_filter = QComboBox()
        self.review_filter = QComboBox()
        for value in (None, "needs_review", "reviewed", "none"):
            self.review_filter.addItem("", value)
        self.text_filter = QLineEdit()
        self.text_filter.setClearButtonEnabled(True)
        for value in (None, *LABELS):
            self.label_filter.addItem("", value)
        for split in (None, *SPLITS, "none"):
            self.split_filter.addItem("", split)
        for widget in (
            self.label_filter,
            self.class_filter,
            self.split_filter,
            self.tag_filter,
            self.review_filter,
        ):
            widget.setMinimumWidth(104)
            widget.currentIndexChanged.connect(self._filter_changed)
            row.addWidget(widget)
        self.text_filter.textChanged.connect(self._filter_changed)
        row.addWidget(self.text_filter, 1)
        self.count_label = ComposedLabel()
        self.count_label.setObjectName("muted")
        row.addWidget(self.count_label)
        return row

    def _make_grid(self) -> QListView:
        grid = SampleGridView()
        grid.setModel(self.model)
        grid.setViewMode(QListView.ViewMode.IconMode)
        grid.setResizeMode(QListView.ResizeMode.Adjust)
        grid.setMovement(QListView.Movement.Static)
        grid.setUniformItemSizes(True)  # keeps layout O(1) per item with 20,000 samples
        grid.setLayoutMode(QListView.LayoutMode.Batched)
        grid.setBatchSize(500)
        grid.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        grid.setItemDelegate(ThumbnailDelegate(grid))
        grid.setSpacing(4)
        grid.setWordWrap(False)
        grid.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        grid.doubleClicked.connect(self._activated)
        return grid

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setIconSize(QSize(28, 28))
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(32)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        header.resizeSection(0, 280)
        table.doubleClicked.connect(self._activated)
        return table

    def _bulk_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.selection_label = ComposedLabel()
        row.addWidget(self.selection_label)
        row.addStretch(1)
        self.label_button = QPushButton()
        menu = QMenu(self.label_button)
        self._label_actions = [
            (value, menu.addAction("", lambda v=value: self.bulk_update(label=v))) for value in LABELS
        ]
        self.label_button.setMenu(menu)
        self.split_button = QPushButton()
        menu = QMenu(self.split_button)
        self._split_actions = [
            (split, menu.addAction("", lambda v=split: self.bulk_update(split=None if v == "none" else v)))
            for split in (*SPLITS, "none")
        ]
        self.split_button.setMenu(menu)
        self.review_button = QPushButton()
        menu = QMenu(self.review_button)
        self._review_actions = [
            (value, menu.addAction("", lambda v=value: self.bulk_update(review=v)))
            for value in ("reviewed", "needs_review", "")
        ]
        self.review_button.setMenu(menu)
        self.add_tag_button = QPushButton()
        self.add_tag_button.clicked.connect(self._add_tag)
        self.remove_tag_button = QPushButton()
        self.remove_tag_button.clicked.connect(self._remove_tag)
        self._bulk_buttons = (
            self.label_button,
            self.split_button,
            self.review_button,
            self.add_tag_button,
            self.remove_tag_button,
        )
        for button in self._bulk_buttons:
            row.addWidget(button)
        return row

    def _label_names(self) -> dict[str | None, str]:
        """Captions of the label choices; None is the filter's "any"."""
        return {None: self.tr("All labels"), "ok": self.tr("OK"), "ng": self.tr("NG"),
                "doubtful": self.tr("Doubtful"), "unlabeled": self.tr("Unlabeled")}  # fmt: skip

    def _split_names(self) -> dict[str | None, str]:
        """Captions of the split choices; None is the filter's "any", "none" a sample without a split."""
        return {None: self.tr("All splits"), "train": self.tr("train"), "val": self.tr("val"),
                "test": self.tr("test"), "none": self.tr("no split")}  # fmt: skip

    def _review_names(self) -> dict[str | None, str]:
        """Captions of the review choices; None is "any", "none" a sample never sent for review."""
        return {None: self.tr("Any review state"), "needs_review": self.tr("Needs review"),
                "reviewed": self.tr("Reviewed"), "none": self.tr("Not for review")}  # fmt: skip

    # ------------------------------------------------------------------ project
    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.thumbnails.set_project_root(project.root if project else None)
        self.agreement.set_project(project)
        self.label_check.set_project(project)
        self.reload()

    def reload(self) -> None:
        """Read samples and classes again from the project."""
        if self.project is None:
            self.model.set_samples([], [])
        else:
            self.model.set_samples(self.project.samples(), self.project.classes())
        self.agreement.refresh(full=True)
        self._choices = None
        self._fill_choice_filters()
        self._filter_changed()

    def _fill_choice_filters(self) -> None:
        """Offer the project's classes and tags; re-filter only when the choices changed."""
        classes = [(c.name, c.id) for c in self.model.classes()]
        tags = [(t, t) for t in all_tags(self.model.all_samples())]
        if (classes, tags) == self._choices:
            return
        self._choices = (classes, tags)
        keep_class, keep_tag = self.class_filter.currentData(), self.tag_filter.currentData()
        for combo in (self.class_filter, self.tag_filter):
            combo.blockSignals(True)
            combo.clear()
        self.class_filter.addItem("", None)
        self.class_filter.addItem("", 0)
        for name, class_id in classes:
            self.class_filter.addItem(name, class_id)
        self.tag_filter.addItem("", None)
        for tag, _ in tags:
            self.tag_filter.addItem(tag, tag)
        self._retext_choice_filters()
        for combo, keep in ((self.class_filter, keep_class), (self.tag_filter, keep_tag)):
            combo.setCurrentIndex(max(combo.findData(keep), 0))
            combo.blockSignals(False)
        self._filter_changed()

    def _retext_choice_filters(self) -> None:
        """The "any" and "none" choices that head the class and tag filters (the rest is project data)."""
        if self.class_filter.count() >= 2:
            self.class_filter.setItemText(0, self.tr("All classes"))
            self.class_filter.setItemText(1, self.tr("no class"))
        if self.tag_filter.count():
            self.tag_filter.setItemText(0, self.tr("All tags"))

    def _filter_changed(self) -> None:
        self.model.set_filter(
            SampleFilter(
                label=self.label_filter.currentData(),
                class_id=self.class_filter.currentData(),
                split=self.split_filter.currentData(),
                tag=self.tag_filter.currentData(),
                review=self.review_filter.currentData(),
                text=self.text_filter.text().strip(),
                only_ids=self.agreement.disagreeing_ids(),
            )
        )
        self._update_counts()

    def _update_counts(self) -> None:
        shown, total = self.model.rowCount(), len(self.model.all_samples())
        self.count_label.compose(
            lambda: self.tr("%1 of %2 samples").replace("%1", str(shown)).replace("%2", str(total))
        )
        # Counted from the samples in memory: no database pass per edit, even with 20,000 samples.
        self.counts = sample_counts(self.model.all_samples(), self.model.classes())
        self.chart.set_counts(self.counts, self.model.classes())
        self._selection_changed()

    # ------------------------------------------------------------------ selection
    def set_view(self, mode: str) -> None:
        self.stack.setCurrentWidget(self.grid if mode == "grid" else self.table)
        grid_action, table_action = self._view_actions
        if grid_action is not None and table_action is not None:
            (grid_action if mode == "grid" else table_action).setChecked(True)

    def view_mode(self) -> str:
        return "grid" if self.stack.currentWidget() is self.grid else "table"

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.grid.selectionModel().selectedIndexes()})
        return [self.model.sample_at(r).id for r in rows]

    def selected_count(self) -> int:
        return len({i.row() for i in self.grid.selectionModel().selectedIndexes()})

    def select_ids(self, ids: list[int]) -> None:
        sel = self.grid.selectionModel()
        sel.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for sid in ids:
            row = self.model.row_of(sid)
            if row is not None:
                sel.select(self.model.index(row, 0), flags)

    def _selection_changed(self) -> None:
        n = self.selected_count()
        self.selection_label.compose(
            lambda: (
                self.tr("%1 selected").replace("%1", str(n))
                if n
                else self.tr("Select samples to edit them together")
            )
        )
        for button in self._bulk_buttons:
            button.setEnabled(n > 0)
        ids = self.selected_ids() if n == 1 else []
        self.agreement.show_sample(ids[0] if ids else None)
        self.selection_changed.emit()

    def _activated(self, index: QModelIndex) -> None:
        self.open_in_label.emit(self.model.visible_ids(), int(index.data(SAMPLE_ID_ROLE)))

    def open_suspects(self, queue: list[int]) -> None:
        """A label check ended: list its suspects (tag filter) and label them, most suspect first."""
        self.reload()
        self.samples_changed.emit()
        if not queue:
            return
        self.tag_filter.setCurrentIndex(max(self.tag_filter.findData(SUSPECT_TAG), 0))
        self.open_in_label.emit(list(queue), queue[0])

    def label_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.open_in_label.emit(self.model.visible_ids(), ids[0])

    # ------------------------------------------------------------------ bulk edits
    def bulk_update(self, **fields: object) -> int:
        """Apply one change to every selected sample; returns how many changed."""
        ids = self.selected_ids()
        if self.project is None or not ids:
            return 0
        try:
            self.project.update_samples(ids, **fields)
        except WorkbenchError as exc:
            QMessageBox.warning(self, self.tr("Cannot change samples"), str(exc))
            return 0
        self.refresh_samples(ids)
        return len(ids)

    def refresh_samples(self, ids: list[int]) -> None:
        """Re-read some samples after they changed elsewhere (a saved mask, a label)."""
        if self.project is None:
            return
        keep = self.selected_ids()
        self.model.update_samples(self.project.samples(ids=ids))
        if self.project.labeler or self.agreement.report is not None:  # a labeler's label changed
            self.agreement.refresh()
        self._fill_choice_filters()
        self._update_counts()
        self.select_ids(keep)
        self.samples_changed.emit()

    def _labels_replaced(self) -> None:
        """One labeler's labels or the merge became the labels training uses."""
        self.reload()
        self.samples_changed.emit()

    def _add_tag(self) -> None:
        tag, ok = QInputDialog.getText(
            self, self.tr("Add tag"), self.tr("Tag to add to the selected samples:")
        )
        if ok and tag.strip():
            self.bulk_update(add_tags=[tag.strip()])

    def _remove_tag(self) -> None:
        tags = all_tags([s for s in self.model.all_samples() if s.id in set(self.selected_ids())])
        if not tags:
            QMessageBox.information(
                self, self.tr("Remove tag"), self.tr("The selected samples have no tags.")
            )
            return
        tag, ok = QInputDialog.getItem(self, self.tr("Remove tag"), self.tr("Tag to remove:"), tags, 0, False)
        if ok and tag:
            self.bulk_update(remove_tags=[tag])

    # ------------------------------------------------------------------ dialogs
    def import_data(self) -> None:
        from workbench.gui.dialogs.import_dialog import ImportDialog

        if self.project is not None:
            ImportDialog(self.project, self).exec()
            self.reload()
            self.samples_changed.emit()
            self.classes_changed.emit()  # an import may have made classes: the Label page shows them now

    def edit_classes(self) -> None:
        from workbench.gui.dialogs.class_dialog import ClassDialog

        if self.project is not None:
            ClassDialog(self.project, self).exec()
            self.reload()
            self.samples_changed.emit()
            self.classes_changed.emit()

    def split_samples(self) -> None:
        from workbench.gui.dialogs.split_dialog import SplitDialog

        if self.project is not None:
            SplitDialog(self.project, self).exec()
            self.reload()
            self.samples_changed.emit()
