"""The mask overlay: a QImage over a numpy RGBA buffer, recoloured only where a stroke changed it."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from workbench.core.assist import Rect


def class_lut(colours: Mapping[int, str]) -> np.ndarray:
    """256 x 4 premultiplied RGBA per class id; background and unknown ids are transparent."""
    lut = np.zeros((256, 4), np.uint8)
    for class_id, colour in colours.items():
        c = QColor(colour)
        lut[class_id] = (c.red(), c.green(), c.blue(), 255)
    return lut


class MaskOverlayItem(QGraphicsItem):
    """Draws the label map in class colours; opacity and visibility are the item's own."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._rgba = np.zeros((1, 1, 4), np.uint8)
        self._image = QImage()
        self._lut = class_lut({})
        self._size = (0, 0)

    def set_colours(self, colours: Mapping[int, str]) -> None:
        self._lut = class_lut(colours)

    def set_mask(self, mask: np.ndarray) -> None:
        """Recolour the whole map (a new sample, new colours)."""
        h, w = mask.shape
        if (h, w) != self._size:
            self.prepareGeometryChange()
            self._size = (h, w)
        self._rgba = np.ascontiguousarray(self._lut[mask])
        # The QImage shares the numpy buffer: later updates write pixels, not new images.
        self._image = QImage(self._rgba.data, w, h, w * 4, QImage.Format.Format_RGBA8888_Premultiplied)
        self.update()

    def update_rect(self, mask: np.ndarray, rect: Rect) -> None:
        """Recolour one rectangle after an edit and repaint only it."""
        if rect.empty or self._image.isNull():
            return
        self._rgba[rect.slices] = self._lut[mask[rect.slices]]
        self.update(QRectF(rect.x0, rect.y0, rect.width, rect.height))

    def pixels(self) -> np.ndarray:
        return self._rgba

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._size[1], self._size[0])

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._image.isNull():
            return
        exposed = option.exposedRect.toAlignedRect().intersected(self.boundingRect().toAlignedRect())  # type: ignore[attr-defined]
        if exposed.isEmpty():
            return
        painter.drawImage(exposed, self._image, exposed)
