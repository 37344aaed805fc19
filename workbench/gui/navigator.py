"""The overview of a large image: a small copy of the picture with the part the canvas shows.

A click or drag in it centres the canvas there. It floats over the canvas's bottom-right corner
and shows itself only while the canvas does not show the whole image.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from workbench.gui.thumbnails import to_qimage

SIDE = 180  # the longer side of the overview, in screen pixels


class NavigatorWidget(QWidget):
    """Draws ``image`` scaled to fit :data:`SIDE` and the visible rectangle (image coordinates)."""

    centre_requested = Signal(QPointF)  # an image point the canvas should centre on

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap = QPixmap()
        self._image_size = (0, 0)  # width, height of the full image
        self._visible = QRectF()
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def set_image(self, display: np.ndarray) -> None:
        """A new picture (sample, channel or window changed); scaled down once here."""
        h, w = display.shape[:2]
        self._image_size = (w, h)
        scale = SIDE / max(w, h, 1)
        image: QImage = to_qimage(display)
        size = (max(round(w * scale), 1), max(round(h * scale), 1))
        self._pixmap = QPixmap.fromImage(
            image.scaled(
                *size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.setFixedSize(self._pixmap.size().width() + 2, self._pixmap.size().height() + 2)
        self.update()

    def set_visible_rect(self, rect: QRectF) -> None:
        self._visible = QRectF(rect)
        self.update()

    def scale(self) -> float:
        w = self._image_size[0]
        return self._pixmap.width() / w if w else 1.0

    def visible_rect(self) -> QRectF:
        return QRectF(self._visible)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1E1F22"))
        painter.drawPixmap(1, 1, self._pixmap)
        s = self.scale()
        frame = QRectF(1 + self._visible.x() * s, 1 + self._visible.y() * s,
                       self._visible.width() * s, self._visible.height() * s)  # fmt: skip
        pen = QPen(QColor("#FFD33D"))
        pen.setWidth(2)
        painter.setPen(pen)
        painter.drawRect(frame.intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1)))
        painter.end()

    def _request(self, event: QMouseEvent) -> None:
        s = self.scale()
        if s > 0:
            pos = event.position()
            self.centre_requested.emit(QPointF((pos.x() - 1) / s, (pos.y() - 1) / s))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._request(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._request(event)
