"""How the thumbnail grid draws a sample: a card with the picture, a label chip, name and split."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from workbench.core.types import Sample
from workbench.gui.sample_table import LABEL_COLOURS, SAMPLE_ROLE
from workbench.gui.thumbnails import THUMB_SIZE

PAD = 8
TEXT_LINES = 2


def card_size(metrics: QFontMetrics) -> QSize:
    """The size of one card for a font (the same for every sample)."""
    return QSize(THUMB_SIZE + 2 * PAD, THUMB_SIZE + 2 * PAD + TEXT_LINES * metrics.height() + 4)


class ThumbnailDelegate(QStyledItemDelegate):
    """Fixed-size cards, so the grid lays out 20,000 samples without measuring each one."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        # Source texts, translated at paint time so a language switch shows at the next repaint.
        self._labels = {
            "ok": QT_TRANSLATE_NOOP("ThumbnailDelegate", "OK"),
            "ng": QT_TRANSLATE_NOOP("ThumbnailDelegate", "NG"),
            "doubtful": QT_TRANSLATE_NOOP("ThumbnailDelegate", "doubtful"),
            "unlabeled": QT_TRANSLATE_NOOP("ThumbnailDelegate", "unlabeled"),
        }
        self._splits = {
            "train": QT_TRANSLATE_NOOP("ThumbnailDelegate", "train"),
            "val": QT_TRANSLATE_NOOP("ThumbnailDelegate", "val"),
            "test": QT_TRANSLATE_NOOP("ThumbnailDelegate", "test"),
        }

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return card_size(option.fontMetrics)  # type: ignore[attr-defined]

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        sample = index.data(SAMPLE_ROLE)
        if not isinstance(sample, Sample):
            return
        palette = option.palette  # type: ignore[attr-defined]
        # The grid may be wider than a card (columns spread over the view): centre the card.
        cell: QRect = option.rect  # type: ignore[attr-defined]
        card = self.sizeHint(option, index)
        rect = QRect(
            cell.left() + (cell.width() - card.width()) // 2, cell.top(), card.width(), card.height()
        )
        rect = rect.adjusted(3, 3, -3, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        fill = QColor(highlight) if selected else palette.color(QPalette.ColorRole.Base)
        if selected:
            fill.setAlpha(60)
        painter.setPen(
            QPen(highlight if selected else palette.color(QPalette.ColorRole.Mid), 1.5 if selected else 1)
        )
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 6, 6)
        box = QRect(rect.left() + PAD - 3, rect.top() + PAD - 3, THUMB_SIZE, THUMB_SIZE)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            pix = icon.pixmap(QSize(THUMB_SIZE, THUMB_SIZE))
            size = pix.deviceIndependentSize().toSize().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawPixmap(target, pix)
        self._chip(painter, box, sample)
        line = option.fontMetrics.height()  # type: ignore[attr-defined]
        text_rect = QRect(rect.left() + PAD - 3, box.bottom() + 4, THUMB_SIZE, line)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        metrics = option.fontMetrics  # type: ignore[attr-defined]
        name = metrics.elidedText(sample.name, Qt.TextElideMode.ElideMiddle, THUMB_SIZE)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft, name)
        split = self.tr(self._splits[sample.split]) if sample.split in self._splits else sample.split or ""
        classes = self.tr("%1 cls").replace("%1", str(len(sample.classes))) if sample.classes else ""
        detail = " · ".join(x for x in (split, classes) if x)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(text_rect.translated(0, line), Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(detail, Qt.TextElideMode.ElideRight, THUMB_SIZE))  # fmt: skip
        painter.restore()

    def _chip(self, painter: QPainter, box: QRect, sample: Sample) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
        font.setBold(True)
        painter.setFont(font)
        text = self.tr(self._labels[sample.label])
        width = painter.fontMetrics().horizontalAdvance(text) + 10
        chip = QRect(box.left() + 4, box.top() + 4, width, painter.fontMetrics().height() + 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(LABEL_COLOURS[sample.label]))
        painter.drawRoundedRect(chip, 4, 4)
        painter.setPen(QColor("#FFFFFF"))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
        font.setBold(False)
        font.setPointSizeF(font.pointSizeF() / 0.8)
        painter.setFont(font)
