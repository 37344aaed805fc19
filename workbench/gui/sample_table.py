"""The dataset manager's model: a virtual table of samples shared by the table and the grid."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap

from workbench.core.types import DefectClass, Sample
from workbench.gui.sample_query import COLUMNS, SampleFilter, query
from workbench.gui.thumbnails import THUMB_SIZE, ThumbnailLoader

Index = QModelIndex | QPersistentModelIndex
SAMPLE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SAMPLE_ROLE = Qt.ItemDataRole.UserRole + 2
LABEL_COLOURS = {"ok": "#1A7F37", "ng": "#CF222E", "doubtful": "#BF8700", "unlabeled": "#8C959F"}


class SampleTableModel(QAbstractTableModel):
    """Rows are the filtered, sorted samples; cells are computed only when a view asks."""

    def __init__(self, thumbnails: ThumbnailLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[Sample] = []
        self._rows: list[Sample] = []
        self._row_of: dict[int, int] = {}
        self._classes: dict[int, DefectClass] = {}
        self._filter = SampleFilter()
        self._sort = ("name", False)
        self._thumbs = thumbnails
        blank = QPixmap(THUMB_SIZE, THUMB_SIZE)
        blank.fill(QColor(128, 128, 128, 40))
        self._placeholder = QIcon(blank)
        # QPixmap conversions are kept for what is on screen; 20,000 of them would not fit.
        self._pixmaps: OrderedDict[int, QIcon] = OrderedDict()
        thumbnails.ready.connect(self._thumbnail_ready)
        # Source texts, translated when a view asks, so a language switch needs no rebuild.
        N_ = QT_TRANSLATE_NOOP
        self._headers = {
            "name": N_("SampleTableModel", "Name"),
            "label": N_("SampleTableModel", "Label"),
            "classes": N_("SampleTableModel", "Classes"),
            "split": N_("SampleTableModel", "Split"),
            "tags": N_("SampleTableModel", "Tags"),
            "review": N_("SampleTableModel", "Review"),
            "score": N_("SampleTableModel", "Last score"),
        }
        self._label_text = {"ok": N_("SampleTableModel", "OK"), "ng": N_("SampleTableModel", "NG"),
                            "doubtful": N_("SampleTableModel", "doubtful"),
                            "unlabeled": N_("SampleTableModel", "unlabeled")}  # fmt: skip
        self._review_text = {"": "", "needs_review": N_("SampleTableModel", "needs review"),
                             "reviewed": N_("SampleTableModel", "reviewed")}  # fmt: skip
        self._split_text = {"train": N_("SampleTableModel", "train"), "val": N_("SampleTableModel", "val"),
                            "test": N_("SampleTableModel", "test")}  # fmt: skip

    # ------------------------------------------------------------------ contents
    def set_samples(self, samples: Sequence[Sample], classes: Sequence[DefectClass]) -> None:
        self.beginResetModel()
        self._all = list(samples)
        self._classes = {c.id: c for c in classes}
        self._apply()
        self.endResetModel()

    def update_samples(self, samples: Sequence[Sample]) -> None:
        """Replace changed samples in place (bulk edits, a saved mask) and re-filter."""
        changed = {s.id: s for s in samples}
        self._all = [changed.get(s.id, s) for s in self._all]
        self.layoutAboutToBeChanged.emit()
        old = [s.id for s in self._rows]
        self._apply()
        persistent = self.persistentIndexList()
        new_rows = self._row_of
        to = [
            self.index(new_rows[old[i.row()]], i.column()) if old[i.row()] in new_rows else QModelIndex()
            for i in persistent
        ]
        self.changePersistentIndexList(persistent, to)
        self.layoutChanged.emit()

    def set_filter(self, flt: SampleFilter) -> None:
        self.beginResetModel()
        self._filter = flt
        self._apply()
        self.endResetModel()

    def _apply(self) -> None:
        names = {k: c.name for k, c in self._classes.items()}
        self._rows = query(self._all, self._filter, self._sort[0], self._sort[1], names)
        self._row_of = {s.id: i for i, s in enumerate(self._rows)}

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        old = [s.id for s in self._rows]
        self._sort = (COLUMNS[column], order == Qt.SortOrder.DescendingOrder)
        self._apply()
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent, [self.index(self._row_of[old[i.row()]], i.column()) for i in persistent]
        )
        self.layoutChanged.emit()

    # ------------------------------------------------------------------ access
    @property
    def filter(self) -> SampleFilter:
        return self._filter

    def all_samples(self) -> list[Sample]:
        return list(self._all)

    def visible_ids(self) -> list[int]:
        return [s.id for s in self._rows]

    def sample_at(self, row: int) -> Sample:
        return self._rows[row]

    def row_of(self, sample_id: int) -> int | None:
        return self._row_of.get(sample_id)

    def classes(self) -> list[DefectClass]:
        return list(self._classes.values())

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self._headers[COLUMNS[section]])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        s = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(s, column)
        if role == SAMPLE_ID_ROLE:
            return s.id
        if role == SAMPLE_ROLE:
            return s
        if role == Qt.ItemDataRole.DecorationRole and column == "name":
            return self._thumbnail(s)
        if role == Qt.ItemDataRole.ForegroundRole and column == "label":
            return QBrush(QColor(LABEL_COLOURS[s.label]))
        if role == Qt.ItemDataRole.ToolTipRole and column == "name":
            files = ", ".join(c.original_name for c in s.channel_files)
            size = self.tr("%1×%2 %3, %4 ch").replace("%1", str(s.width)).replace("%2", str(s.height))
            return f"{s.name}\n{size.replace('%3', s.dtype).replace('%4', str(s.n_channels))}\n{files}"
        return None

    def _display(self, s: Sample, column: str) -> str:
        if column == "name":
            return s.name
        if column == "label":
            return self.tr(self._label_text[s.label])
        if column == "classes":
            return ", ".join(self._classes[c].name if c in self._classes else f"#{c}" for c in s.classes)
        if column == "split":
            return self.tr(self._split_text.get(s.split, s.split)) if s.split else "—"
        if column == "tags":
            return ", ".join(s.tags)
        if column == "review":
            return self.tr(self._review_text.get(s.review, s.review)) if s.review else ""
        return "" if s.last_score is None else f"{s.last_score:.3f}"

    def _thumbnail(self, s: Sample) -> QIcon:
        if not s.channel_files:
            return self._placeholder
        if s.id in self._pixmaps:
            self._pixmaps.move_to_end(s.id)
            return self._pixmaps[s.id]
        image = self._thumbs.get(s.id, s.channel_files[0].file, s.content_hash)
        if image is None:
            return self._placeholder
        pix = self._pixmaps[s.id] = QIcon(QPixmap.fromImage(image))
        while len(self._pixmaps) > 1500:
            self._pixmaps.popitem(last=False)
        return pix

    def forget_thumbnail(self, sample_id: int) -> None:
        self._pixmaps.pop(sample_id, None)
        self._thumbs.forget(sample_id)

    def _thumbnail_ready(self, sample_id: int) -> None:
        self._pixmaps.pop(sample_id, None)
        row = self._row_of.get(sample_id)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def retranslate(self) -> None:
        """Views ask for headers and cells again: their words are translated when asked for."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole]
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1), roles)

    @staticmethod
    def thumb_size() -> QSize:
        return QSize(THUMB_SIZE, THUMB_SIZE)
