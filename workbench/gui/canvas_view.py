"""The annotation canvas: image, class-coloured mask overlay, zoom and pan, and the active tool.

Zoom keeps the image point under the mouse where it is (the wheel, and the keys while the mouse
is over the canvas; else the centre stays). Ctrl+drag, or one drag after "Zoom to Region", zooms
to a rectangle; an overview shows where a zoomed-in view is; "next region" steps through the
label map's defects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QImage, QKeyEvent, QMouseEvent, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsEllipseItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
)

from workbench.core.assist import MaskEditor, Rect
from workbench.core.assist.navigation import mask_regions
from workbench.core.assist.proposals import proposal_outline
from workbench.gui.canvas_tools import TOOL_CLASSES, Tool, ToolOptions, preview_pen
from workbench.gui.navigator import NavigatorWidget
from workbench.gui.overlay import MaskOverlayItem
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.thumbnails import to_qimage
from workbench.gui.workers import Task, start

MIN_ZOOM, MAX_ZOOM = 0.02, 64.0
MERGED_COLOUR = "#FFD33D"  # a merged run's proposal has no class of its own to be coloured by
REGION_ZOOM_MAX = 8.0  # "next region" zooms in no further, so a tiny defect keeps its surroundings


class CanvasView(Retranslatable, QGraphicsView):
    """Shows one sample and routes mouse/keys to the current tool; edits go through ``editor``."""

    edited = Signal()  # the label map changed (a command was pushed, undone or redone)
    message = Signal(str)  # a hint for the status bar
    zoom_changed = Signal(float)
    cursor_info = Signal(str)
    threshold_used = Signal(int)

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setScene(QGraphicsScene(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        # Anchors are done by hand (zoom_by): Qt's AnchorUnderMouse uses the last mouse *move*,
        # so a wheel turn or key without a move first zoomed about the top-left corner.
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        # No scroll bars: one appearing mid-zoom shrank the viewport and moved the image under the
        # mouse; the overview and panning (middle button, Space+drag) take their place.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setBackgroundBrush(QColor("#2B2D31"))
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.image_item = QGraphicsPixmapItem()
        self.image_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.overlay = MaskOverlayItem()
        self.overlay.setOpacity(0.5)
        self.overlay.setZValue(1)
        self.brush_item = QGraphicsEllipseItem()
        pen = QPen(QColor("#FFFFFF"))
        pen.setCosmetic(True)
        self.brush_item.setPen(pen)
        self.brush_item.setZValue(20)
        self.brush_item.setVisible(False)
        self.proposal_item = MaskOverlayItem()  # the proposal's outlines, over the mask
        self.proposal_item.setZValue(2)
        for item in (self.image_item, self.overlay, self.proposal_item, self.brush_item):
            self.scene().addItem(item)
        self.editor: MaskEditor | None = None
        self.assist_image: np.ndarray | None = None  # what is shown, 8-bit: the assists work on it
        self.proposal: np.ndarray | None = None
        self.proposal_merged = False  # the proposal's run merged every class: its ids say nothing
        self.proposal_write_as: int | None = None  # the class a merged proposal is written as
        self.ask_write_as: Callable[[], int | None] | None = None  # asks for it when not chosen
        self._colours: dict[int, str] = {}
        self.image_rect = QRectF()  # the image in scene coordinates (the scene has room around it)
        self.options = ToolOptions()
        self.tool: Tool = TOOL_CLASSES["brush"](self)
        self._pan_from: QPointF | None = None
        self._auto_fit = True  # keep fitting on resize until the person zooms
        self.tasks: set[Task] = set()  # assists running in the thread pool
        self._space = False
        self._cursor: tuple[int, int, str, int] | None = None  # last told: x, y, value, class
        self.zoom_region_armed = False  # the next left drag zooms to its rectangle
        self._band_from: QPointF | None = None
        self._band_item: QGraphicsRectItem | None = None
        self._region_index = -1  # which region "next region" showed last
        self.navigator = NavigatorWidget(self)
        self.navigator.hide()
        self.navigator.centre_requested.connect(self.centre_on)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(self._update_navigator)

    # ------------------------------------------------------------------ content
    def load(self, display: np.ndarray, mask: np.ndarray, colours: Mapping[int, str]) -> None:
        """Show a new sample: its display image and label map (a fresh editor and undo history)."""
        self.tool.cancel()
        self.editor = MaskEditor(mask)
        self.set_proposal(None)
        self._colours = dict(colours)
        self.overlay.set_colours(colours)
        self.overlay.set_mask(self.editor.mask)
        self.set_display(display)
        self.image_rect = QRectF(0, 0, mask.shape[1], mask.shape[0])
        # One image size of room on every side: the view can always scroll, so Qt never centres
        # an image narrower than the view, and a zoom keeps the point under the mouse exactly.
        w, h = mask.shape[1], mask.shape[0]
        self.scene().setSceneRect(QRectF(-w, -h, 3 * w, 3 * h))
        self._region_index = -1
        self.fit()

    def set_display(self, display: np.ndarray) -> None:
        """Replace the picture (window/level, channel) without touching the mask."""
        self.assist_image = display
        self.image_item.setPixmap(QPixmap.fromImage(to_qimage(display)))
        self.navigator.set_image(display)
        self._update_navigator()

    def clear(self) -> None:
        self.tool.cancel()
        self.editor = None
        self.assist_image = None
        self.image_rect = QRectF()
        self.set_proposal(None)
        self.image_item.setPixmap(QPixmap())
        self.overlay.set_mask(np.zeros((1, 1), np.uint8))
        self.navigator.hide()

    def set_colours(self, colours: Mapping[int, str]) -> None:
        self._colours = dict(colours)
        self.overlay.set_colours(colours)
        if self.editor is not None:
            self.overlay.set_mask(self.editor.mask)
        if self.proposal is not None:
            self.set_proposal(self.proposal, self.proposal_merged)

    def set_proposal(self, proposal: np.ndarray | None, merged: bool = False) -> None:
        """The model proposal to accept from, drawn as outlines in its classes' colours."""
        self.proposal, self.proposal_merged = proposal, merged
        if proposal is None:
            self.proposal_item.set_mask(np.zeros((1, 1), np.uint8))
            return
        colours = {i: MERGED_COLOUR for i in range(1, 256)} if merged else self._colours
        self.proposal_item.set_colours(colours)
        self.proposal_item.set_mask(proposal_outline(proposal))

    def refresh_rect(self, rect: Rect | None) -> None:
        """Redraw the overlay where the label map changed."""
        if rect is not None and self.editor is not None:
            self.overlay.update_rect(self.editor.mask, rect)

    def apply_fill(self, region: np.ndarray, value: int, text: str) -> None:
        if self.editor is None:
            return
        rect = self.editor.fill(region, value, text, protect=not self.options.paint_over)
        if rect.empty:
            self.message.emit(self.tr("Nothing changed."))
            return
        self.refresh_rect(rect)
        self.edited.emit()

    def run_assist(self, compute: Callable[[], np.ndarray], value: int, text: str) -> None:
        """Compute a region off the GUI thread, then fill it, if the same sample is still open."""
        editor = self.editor
        task = Task(lambda _progress, _cancel: compute())
        self.tasks.add(task)
        self.viewport().setCursor(Qt.CursorShape.BusyCursor)
        self.message.emit(self.tr("%1 running…").replace("%1", text))

        def finished(region: np.ndarray) -> None:
            self.tasks.discard(task)
            self.viewport().setCursor(self.tool.cursor)
            if self.editor is editor:
                self.apply_fill(region, value, text)

        def failed(message: str, _trace: str) -> None:
            self.tasks.discard(task)
            self.viewport().setCursor(self.tool.cursor)
            self.message.emit(message)

        task.signals.finished.connect(finished)
        task.signals.failed.connect(failed)
        start(task)

    def accept_proposal(self, region: np.ndarray) -> None:
        """Copy the proposal's class ids inside ``region`` into the label map.

        A merged run's proposal is written as the class chosen for it (asked for when none is).
        """
        if self.editor is None or self.proposal is None:
            return
        rect = Rect.of_mask(region)
        if rect.empty:
            return
        proposed = self.proposal[rect.slices]
        if self.proposal_merged:
            value = self.proposal_write_as or (self.ask_write_as() if self.ask_write_as else None)
            if not value:
                self.message.emit(self.tr("Choose the class this merged proposal is written as."))
                return
            proposed = np.where(proposed > 0, np.uint8(value), np.uint8(0))
        current = self.editor.mask[rect.slices]
        take = region[rect.slices]
        if not self.options.paint_over:
            take = take & ((current == 0) | (current == proposed))
        patch = np.where(take, proposed, current)
        self.refresh_rect(self.editor.replace(rect, patch, "accept prediction"))
        self.edited.emit()

    def undo(self) -> None:
        if self.editor is not None:
            self.refresh_rect(self.editor.undo())
            self.edited.emit()

    def redo(self) -> None:
        if self.editor is not None:
            self.refresh_rect(self.editor.redo())
            self.edited.emit()

    # ------------------------------------------------------------------ tools
    def set_tool(self, name: str) -> None:
        self.tool.cancel()
        self.tool = TOOL_CLASSES[name](self)
        self.viewport().setCursor(self.tool.cursor)
        self.brush_item.setVisible(False)

    def set_brush_radius(self, radius: float) -> None:
        self.options.brush_radius = radius
        self._place_brush(self.brush_item.rect().center())

    def _place_brush(self, centre: QPointF) -> None:
        r = self.options.brush_radius
        self.brush_item.setRect(QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r))

    # ------------------------------------------------------------------ zoom and pan
    def zoom(self) -> float:
        return float(self.transform().m11())

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the image point at ``anchor`` (viewport pixels) in place.

        Without an anchor: the mouse position when the mouse is over the canvas, else the centre.
        """
        self._auto_fit = False
        target = min(max(self.zoom() * factor, MIN_ZOOM), MAX_ZOOM)
        factor = target / max(self.zoom(), 1e-9)
        if anchor is None:
            anchor = self._key_anchor()
        fixed = self.viewportTransform().inverted()[0].map(anchor)
        self.scale(factor, factor)
        moved = self.viewportTransform().map(fixed) - anchor
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + round(moved.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + round(moved.y()))
        self._zoomed()

    def _key_anchor(self) -> QPointF:
        under = self.viewport().mapFromGlobal(QCursor.pos())
        if self.viewport().rect().contains(under):
            return QPointF(under)
        return QPointF(self.viewport().rect().center())

    def _zoomed(self) -> None:
        self.zoom_changed.emit(self.zoom())
        self._update_navigator()

    def fit(self) -> None:
        rect = self.image_rect
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self._auto_fit = True
        self._zoomed()

    def actual_size(self) -> None:
        self._auto_fit = False
        centre = self.mapToScene(self.viewport().rect().center())
        self.resetTransform()
        self.centerOn(centre)
        self._zoomed()

    def zoom_to(self, rect: QRectF, max_zoom: float = MAX_ZOOM) -> None:
        """Show the image rectangle ``rect`` as large as fits (no further in than ``max_zoom``)."""
        if rect.width() < 1 or rect.height() < 1:
            return
        self._auto_fit = False
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > max_zoom:
            self.scale(max_zoom / self.zoom(), max_zoom / self.zoom())
        self.centerOn(rect.center())
        self._zoomed()

    def centre_on(self, point: QPointF) -> None:
        self.centerOn(point)
        self._update_navigator()

    def visible_rect(self) -> QRectF:
        """The part of the image the canvas shows, in image coordinates."""
        shown = self.mapToScene(self.viewport().rect()).boundingRect()
        return shown.intersected(self.image_rect)

    def _update_navigator(self) -> None:
        """Show the overview while part of the image is out of view, with that part framed."""
        scene = self.image_rect
        visible = self.visible_rect()
        cut = self.editor is not None and (
            visible.width() < scene.width() - 1 or visible.height() < scene.height() - 1
        )
        self.navigator.setVisible(cut)
        if cut:
            self.navigator.set_visible_rect(visible)
            self._place_navigator()

    def _place_navigator(self) -> None:
        vp = self.viewport().geometry()
        nav = self.navigator.size()
        self.navigator.move(vp.right() - nav.width() - 10, vp.bottom() - nav.height() - 10)
        self.navigator.raise_()

    def next_region(self, step: int = 1) -> bool:
        """Zoom to the next (``step`` 1) or previous (-1) connected region of the label map.

        When the map holds no region yet, the model proposal's regions are visited instead.
        """
        if self.editor is None:
            return False
        regions, source = mask_regions(self.editor.mask), self.tr("Region %1 of %2")
        if not regions and self.proposal is not None:
            regions, source = mask_regions(self.proposal), self.tr("Proposed region %1 of %2")
        if not regions:
            self.message.emit(self.tr("This sample has no labelled region yet."))
            return False
        self._region_index = (self._region_index + step) % len(regions)
        r = regions[self._region_index]
        margin = max(r.width, r.height) * 1.5 + 16  # the defect with enough of its surroundings
        around = QRectF(r.x0 - margin, r.y0 - margin, r.width + 2 * margin, r.height + 2 * margin)
        self.zoom_to(around.intersected(self.image_rect), REGION_ZOOM_MAX)
        text = source.replace("%1", str(self._region_index + 1)).replace("%2", str(len(regions)))
        self.message.emit(text)
        return True

    def arm_zoom_region(self) -> None:
        """The next left drag draws a rectangle to zoom to (Ctrl+drag does so at any time)."""
        self.zoom_region_armed = True
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.message.emit(self.tr("Drag a rectangle to zoom to (Esc cancels)."))

    def _band_start(self, pos: QPointF) -> None:
        self._band_from = pos
        self._band_item = QGraphicsRectItem(QRectF(pos, pos))
        self._band_item.setPen(preview_pen())
        self._band_item.setZValue(30)
        self.scene().addItem(self._band_item)

    def _band_end(self, pos: QPointF | None) -> None:
        start, item = self._band_from, self._band_item
        self._band_from, self._band_item = None, None
        self.zoom_region_armed = False
        self.viewport().setCursor(self.tool.cursor)
        if item is not None:
            self.scene().removeItem(item)
        if start is not None and pos is not None:
            rect = QRectF(start, pos).normalized().intersected(self.image_rect)
            if rect.width() >= 2 and rect.height() >= 2:
                self.zoom_to(rect)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self._auto_fit and self.editor is not None:
            self.fit()
        self._update_navigator()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.25**steps, event.position())
        event.accept()

    def _scene_pos(self, event: QMouseEvent) -> QPointF:
        return self.mapToScene(event.position().toPoint())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        panning = event.button() == Qt.MouseButton.MiddleButton or (
            self._space and event.button() == Qt.MouseButton.LeftButton
        )
        banding = event.button() == Qt.MouseButton.LeftButton and (
            self.zoom_region_armed or event.modifiers() & Qt.KeyboardModifier.ControlModifier
        )
        if panning:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif banding and self.editor is not None:
            self._band_start(self._scene_pos(event))
        elif event.button() == Qt.MouseButton.LeftButton and self.editor is not None:
            self.tool.press(self._scene_pos(event), event.modifiers())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = self._scene_pos(event)
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
        elif self._band_item is not None and self._band_from is not None:
            self._band_item.setRect(QRectF(self._band_from, pos).normalized())
        elif self.editor is not None:
            if self.tool.shows_brush:
                self._place_brush(pos)
                self.brush_item.setVisible(True)
            self.tool.move(pos)
            self._report_cursor(pos)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(self.tool.cursor)
        elif self._band_from is not None:
            self._band_end(self._scene_pos(event))
        elif event.button() == Qt.MouseButton.LeftButton and self.editor is not None:
            self.tool.release(self._scene_pos(event))
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.editor is not None:
            self.tool.double_click(self._scene_pos(event))
        event.accept()

    def leaveEvent(self, event: object) -> None:
        self.brush_item.setVisible(False)
        super().leaveEvent(event)  # type: ignore[arg-type]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif event.key() == Qt.Key.Key_Escape and (self.zoom_region_armed or self._band_from is not None):
            self._band_end(None)
        elif not self.tool.key(event):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(self.tool.cursor)
        super().keyReleaseEvent(event)

    def _report_cursor(self, pos: QPointF) -> None:
        x, y = int(pos.x()), int(pos.y())
        image = self.assist_image
        if image is None or not (0 <= x < image.shape[1] and 0 <= y < image.shape[0]):
            self._cursor = None
        else:
            shown = "/".join(str(int(v)) for v in np.atleast_1d(image[y, x]))
            label = int(self.editor.mask[y, x]) if self.editor is not None else 0
            self._cursor = (x, y, shown, label)
        self._say_cursor()

    def retranslate(self) -> None:
        self._say_cursor()  # the pixel under the mouse, told again in the current language

    def _say_cursor(self) -> None:
        if self._cursor is None:
            self.cursor_info.emit("")
            return
        text = self.tr("x %1  y %2  value %3  class %4")
        for i, value in enumerate(self._cursor, start=1):
            text = text.replace(f"%{i}", str(value))
        self.cursor_info.emit(text)

    def grab_image(self) -> QImage:
        return self.viewport().grab().toImage()
