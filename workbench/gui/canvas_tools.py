"""The canvas tools: each turns mouse and key input into one call of workbench.core.assist.

A tool keeps only its gesture state (points of a polygon, a box being dragged); which pixels
change is decided by the core functions, and every change is an undoable command of the editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsPixmapItem, QGraphicsRectItem

from workbench.core.assist import (
    Rect,
    WandResult,
    bounded_wand,
    grabcut_box,
    polygon_region,
    proposal_region,
    threshold_in_box,
)

if TYPE_CHECKING:
    from workbench.gui.canvas_view import CanvasView


def _tr(text: str) -> str:
    return QCoreApplication.translate("tools", text)


@dataclass
class ToolOptions:
    """Settings the tool options bar edits and the tools read."""

    class_id: int = 0
    brush_radius: float = 8.0
    # 12 grey levels flooded 75 % of a brushed-metal part; the wand also bounds its region
    tolerance: int = 6
    paint_over: bool = False  # tools replace pixels of other classes only when this is set
    threshold_auto: bool = True
    threshold_value: int = 128
    dark_defects: bool | None = None  # None: the smaller side of the threshold


def preview_pen() -> QPen:
    """The dashed yellow line of a shape being drawn."""
    pen = QPen(QColor("#FFD33D"))
    pen.setCosmetic(True)  # one screen pixel wide at every zoom
    pen.setWidthF(1.5)
    pen.setStyle(Qt.PenStyle.DashLine)
    return pen


class Tool:
    """Base: every handler may be left alone. Points are image (scene) coordinates."""

    name = ""
    cursor = Qt.CursorShape.CrossCursor
    shows_brush = False

    def __init__(self, view: CanvasView) -> None:
        self.view = view

    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None: ...

    def move(self, pos: QPointF) -> None: ...

    def release(self, pos: QPointF) -> None: ...

    def double_click(self, pos: QPointF) -> None: ...

    def key(self, event: QKeyEvent) -> bool:
        return False

    def cancel(self) -> None:
        """Drop a gesture in progress (tool switch, sample switch)."""

    def options_changed(self) -> None:
        """The tool options changed (tolerance, ...): refresh what the tool previews."""

    def _class_or_warn(self) -> int | None:
        class_id = self.view.options.class_id
        if class_id <= 0:
            self.view.message.emit(_tr("Add a defect class first (Data ▸ Defect Classes…)."))
            return None
        return class_id


class BrushTool(Tool):
    name = "brush"
    shows_brush = True

    def _value(self) -> int | None:
        return self._class_or_warn()

    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        value = self._value()
        editor = self.view.editor
        if value is None or editor is None:
            return
        opts = self.view.options
        rect = editor.begin_stroke(
            (pos.x(), pos.y()), opts.brush_radius, value, self.name, not opts.paint_over
        )
        self.view.refresh_rect(rect)

    def move(self, pos: QPointF) -> None:
        editor = self.view.editor
        if editor is not None and editor.stroking:
            self.view.refresh_rect(editor.extend_stroke((pos.x(), pos.y())))

    def release(self, pos: QPointF) -> None:
        editor = self.view.editor
        if editor is not None and editor.stroking:
            editor.end_stroke()
            self.view.edited.emit()

    def cancel(self) -> None:
        self.release(QPointF())


class EraserTool(BrushTool):
    name = "eraser"

    def _value(self) -> int | None:
        return 0


class PolygonTool(Tool):
    name = "polygon"

    def __init__(self, view: CanvasView) -> None:
        super().__init__(view)
        self.points: list[tuple[float, float]] = []
        self.item: QGraphicsPathItem | None = None
        self._hover: tuple[float, float] | None = None

    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.points.append((pos.x(), pos.y()))
        self._draw()

    def move(self, pos: QPointF) -> None:
        if self.points:
            self._hover = (pos.x(), pos.y())
            self._draw()

    def double_click(self, pos: QPointF) -> None:
        self.finish()

    def key(self, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        elif event.key() == Qt.Key.Key_Escape:
            self.cancel()
        elif event.key() == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self._draw()
        else:
            return False
        return True

    def finish(self) -> None:
        """Close the polygon and fill it with the selected class."""
        points = _dedupe(self.points)
        self.cancel()
        class_id = self._class_or_warn()
        editor = self.view.editor
        if class_id is None or editor is None or len(points) < 3:
            return
        self.view.apply_fill(polygon_region(editor.shape, points), class_id, "polygon")

    def cancel(self) -> None:
        self.points = []
        self._hover = None
        if self.item is not None:
            self.view.scene().removeItem(self.item)
            self.item = None

    def _draw(self) -> None:
        if self.item is None:
            self.item = QGraphicsPathItem()
            self.item.setPen(preview_pen())
            self.item.setZValue(10)
            self.view.scene().addItem(self.item)
        path = QPainterPath()
        pts = self.points + ([self._hover] if self._hover else [])
        if pts:
            path.moveTo(*pts[0])
            for p in pts[1:]:
                path.lineTo(*p)
        self.item.setPath(path)


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    # A double-click also lands as a press; its duplicate corner would be harmless but noisy.
    out: list[tuple[float, float]] = []
    for p in points:
        if not out or abs(p[0] - out[-1][0]) + abs(p[1] - out[-1][1]) > 0.5:
            out.append(p)
    return out


class BoxTool(Tool):
    """Drag a box; subclasses decide what inside it becomes the class."""

    text = "box"

    def __init__(self, view: CanvasView) -> None:
        super().__init__(view)
        self.start: QPointF | None = None
        self.item: QGraphicsRectItem | None = None

    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.start = pos
        self.item = QGraphicsRectItem(QRectF(pos, pos))
        self.item.setPen(preview_pen())
        self.item.setZValue(10)
        self.view.scene().addItem(self.item)

    def move(self, pos: QPointF) -> None:
        if self.start is not None and self.item is not None:
            self.item.setRect(QRectF(self.start, pos).normalized())

    def release(self, pos: QPointF) -> None:
        start = self.start
        self.cancel()
        editor, class_id = self.view.editor, self._class_or_warn()
        if start is None or editor is None or class_id is None or self.view.assist_image is None:
            return
        h, w = editor.shape
        rect = Rect.from_points((start.x(), start.y()), (pos.x(), pos.y())).clip(w, h)
        if rect.width < 3 or rect.height < 3:
            self.view.message.emit(_tr("Drag a box around the defect."))
            return
        self.apply(self.view.assist_image, rect, class_id)

    def apply(self, image: np.ndarray, rect: Rect, class_id: int) -> None:
        self.view.apply_fill(self.region(image, rect), class_id, self.text)

    def region(self, image: np.ndarray, rect: Rect) -> np.ndarray:
        raise TypeError("BoxTool is a base class")

    def cancel(self) -> None:
        self.start = None
        if self.item is not None:
            self.view.scene().removeItem(self.item)
            self.item = None


class GrabCutTool(BoxTool):
    name = "grabcut"
    text = "GrabCut"

    def apply(self, image: np.ndarray, rect: Rect, class_id: int) -> None:
        # GrabCut takes up to a second on a large box: it runs in the thread pool.
        self.view.run_assist(lambda: grabcut_box(image, rect), class_id, self.text)

    def region(self, image: np.ndarray, rect: Rect) -> np.ndarray:
        return grabcut_box(image, rect)


class ThresholdTool(BoxTool):
    name = "threshold"
    text = "threshold"

    def region(self, image: np.ndarray, rect: Rect) -> np.ndarray:
        opts = self.view.options
        manual = None if opts.threshold_auto else float(opts.threshold_value)
        region, used = threshold_in_box(image, rect, manual, opts.dark_defects)
        self.view.threshold_used.emit(round(used))
        return region


class WandTool(Tool):
    """A click previews the region; a click inside it or Enter applies it, Esc drops it.

    The region is bounded (:func:`workbench.core.assist.bounded_wand`): when the tolerance floods
    more than a small share of the image, it is lowered and the preview says so.
    """

    name = "wand"
    cursor = Qt.CursorShape.PointingHandCursor

    def __init__(self, view: CanvasView) -> None:
        super().__init__(view)
        self.seed: tuple[int, int] | None = None
        self.result: WandResult | None = None
        self.item: QGraphicsPixmapItem | None = None

    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        class_id, image = self._class_or_warn(), self.view.assist_image
        if class_id is None or image is None or self.view.editor is None:
            return
        x, y = int(pos.x()), int(pos.y())
        if not (0 <= x < image.shape[1] and 0 <= y < image.shape[0]):
            return
        if self.result is not None and self.result.region[y, x]:
            self.apply()
            return
        self.seed = (x, y)
        self.preview()

    def preview(self) -> None:
        """Find the region at the seed with the current tolerance and show it, without applying it."""
        image = self.view.assist_image
        if self.seed is None or image is None:
            return
        self.result = bounded_wand(image, self.seed, self.view.options.tolerance)
        self._draw(self.result.region)
        text = _tr("Magic wand: %1 px. Click inside or press Enter to apply, Esc to cancel.")
        if self.result.limited:
            text = _tr("Magic wand: tolerance %2 flooded the surface, so %3 was used: %1 px. "
                       "Click inside or press Enter to apply, Esc to cancel.")  # fmt: skip
            text = text.replace("%2", str(self.view.options.tolerance))
            text = text.replace("%3", f"{self.result.tolerance:g}")
        self.view.message.emit(text.replace("%1", str(self.result.area)))

    def apply(self) -> None:
        result, class_id = self.result, self._class_or_warn()
        self.cancel()
        if result is not None and class_id is not None:
            self.view.apply_fill(result.region, class_id, "magic wand")

    def key(self, event: QKeyEvent) -> bool:
        if self.result is None:
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.apply()
        elif event.key() == Qt.Key.Key_Escape:
            self.cancel()
        else:
            return False
        return True

    def options_changed(self) -> None:
        if self.seed is not None:
            self.preview()

    def cancel(self) -> None:
        self.seed, self.result = None, None
        if self.item is not None:
            self.view.scene().removeItem(self.item)
            self.item = None

    def _draw(self, region: np.ndarray) -> None:
        rect = Rect.of_mask(region)
        if self.item is None:
            self.item = QGraphicsPixmapItem()
            self.item.setZValue(5)
            self.view.scene().addItem(self.item)
        if rect.empty:
            self.item.setPixmap(QPixmap())
            return
        patch = region[rect.slices]
        rgba = np.zeros((*patch.shape, 4), np.uint8)
        rgba[patch] = (255, 211, 61, 150)  # the preview's yellow, see-through
        image = QImage(rgba.data, rect.width, rect.height, rect.width * 4, QImage.Format.Format_RGBA8888)
        self.item.setPixmap(QPixmap.fromImage(image.copy()))
        self.item.setPos(rect.x0, rect.y0)


class PredictionTool(Tool):
    name = "prediction"
    cursor = Qt.CursorShape.PointingHandCursor

    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        proposal = self.view.proposal
        if proposal is None:
            self.view.message.emit(_tr("No model proposal for this sample yet."))
            return
        region = proposal_region(proposal, (int(pos.x()), int(pos.y())))
        if not region.any():
            self.view.message.emit(_tr("The proposal has no defect here."))
            return
        self.view.accept_proposal(region)


TOOL_CLASSES: dict[str, type[Tool]] = {
    t.name: t
    for t in (BrushTool, EraserTool, PolygonTool, GrabCutTool, WandTool, ThresholdTool, PredictionTool)
}
