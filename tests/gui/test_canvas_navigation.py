"""Zoom about the mouse, zoom to a region, the overview, and stepping through regions (issue 16 item 11)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QCursor, QWheelEvent
from PySide6.QtWidgets import QApplication

from tests.gui.windows import window_on_label as _window
from workbench.core.assist.navigation import mask_regions
from workbench.gui.canvas_view import CanvasView

pytestmark = pytest.mark.gui


def _scene_at(canvas: CanvasView, viewport_pos: QPointF) -> QPointF:
    return canvas.viewportTransform().inverted()[0].map(viewport_pos)


def _wheel(canvas: CanvasView, pos: QPointF, clicks: int) -> None:
    event = QWheelEvent(pos, QPointF(canvas.viewport().mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * clicks), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(canvas.viewport(), event)


def test_wheel_zoom_keeps_the_image_point_under_the_cursor(qtbot, project_dir: Path) -> None:
    canvas = _window(qtbot, project_dir).label_page.canvas
    size = canvas.viewport().size()
    # Off-centre points, no mouse move first: Qt's own anchor used the last move and jumped.
    for fx, fy, clicks in ((0.2, 0.25, 3), (0.8, 0.7, 2), (0.3, 0.8, -1), (0.65, 0.35, 4)):
        pos = QPointF(size.width() * fx, size.height() * fy)
        before, zoom = _scene_at(canvas, pos), canvas.zoom()
        _wheel(canvas, pos, clicks)
        assert canvas.zoom() == pytest.approx(zoom * 1.25**clicks, rel=1e-6)
        after = _scene_at(canvas, pos)
        # scroll bars move in whole screen pixels: one of them is 1/zoom image pixels
        tolerance = 1.0 / canvas.zoom() + 1e-6
        assert abs(after.x() - before.x()) <= tolerance and abs(after.y() - before.y()) <= tolerance
    # from "fit", where the image does not fill the view in one direction, and zooming out below it:
    # Qt centred such an image and the point slid away; the scene's margin keeps it in place
    for fx, fy, clicks in ((0.1, 0.5, 1), (0.9, 0.1, -1), (0.05, 0.95, 2)):
        canvas.fit()
        pos = QPointF(size.width() * fx, size.height() * fy)
        before = _scene_at(canvas, pos)
        _wheel(canvas, pos, clicks)
        after = _scene_at(canvas, pos)
        tolerance = 1.0 / canvas.zoom() + 1e-6
        assert abs(after.x() - before.x()) <= tolerance and abs(after.y() - before.y()) <= tolerance, (fx, fy)


def test_zoom_keys_keep_the_centre_when_the_mouse_is_elsewhere_and_ctrl0_fits(
    qtbot, project_dir: Path
) -> None:
    win = _window(qtbot, project_dir)
    canvas = win.label_page.canvas
    QCursor.setPos(QPoint(-5000, -5000))  # nowhere over the canvas
    _wheel(canvas, QPointF(canvas.viewport().width() * 0.3, canvas.viewport().height() * 0.3), 2)
    centre = QPointF(canvas.viewport().rect().center())
    before = _scene_at(canvas, centre)
    win.actions_by_id["view.zoom_in"].trigger()
    after = _scene_at(canvas, centre)
    assert abs(after.x() - before.x()) <= 1 / canvas.zoom() + 1e-6
    assert abs(after.y() - before.y()) <= 1 / canvas.zoom() + 1e-6
    fitted = win.actions_by_id["view.fit"]
    assert "Ctrl+0" in [k.toString() for k in fitted.shortcuts()]
    fitted.trigger()
    visible = canvas.visible_rect()
    assert visible.width() >= 159 and visible.height() >= 119  # the whole 160x120 image shows
    assert not canvas.navigator.isVisible()


def test_ctrl_drag_zooms_to_the_rectangle_and_the_overview_moves_the_view(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    canvas = win.label_page.canvas
    vp = canvas.viewport()
    mask_before = canvas.editor.mask.copy()
    win.label_page.set_tool("brush")
    a, b = canvas.mapFromScene(QPointF(20, 30)), canvas.mapFromScene(QPointF(60, 50))
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, ctrl, a)
    qtbot.mouseMove(vp, b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, ctrl, b)
    assert np.array_equal(canvas.editor.mask, mask_before)  # the drag zoomed; the brush did not paint
    shown = canvas.visible_rect()
    assert shown.contains(QPointF(21, 31)) and shown.contains(QPointF(59, 49))
    assert shown.width() < 80 and shown.height() < 60  # zoomed in to about the rectangle
    assert canvas.navigator.isVisible()
    frame = canvas.navigator.visible_rect()
    assert frame.x() == pytest.approx(shown.x(), abs=1) and frame.width() == pytest.approx(
        shown.width(), abs=1
    )
    # a click on the overview's lower right centres the canvas there
    s = canvas.navigator.scale()
    qtbot.mouseClick(
        canvas.navigator, Qt.MouseButton.LeftButton, pos=QPoint(round(1 + 130 * s), round(1 + 95 * s))
    )
    centre = canvas.visible_rect().center()
    assert abs(centre.x() - 130) < 3 and abs(centre.y() - 95) < 3
    # the toolbar action arms one drag with no modifier
    win.actions_by_id["view.fit"].trigger()
    win.actions_by_id["view.zoom_region"].trigger()
    a, b = canvas.mapFromScene(QPointF(100, 70)), canvas.mapFromScene(QPointF(140, 100))
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)
    shown = canvas.visible_rect()
    assert shown.contains(QPointF(101, 71)) and shown.contains(QPointF(139, 99)) and shown.width() < 80
    assert np.array_equal(canvas.editor.mask, mask_before) and not canvas.zoom_region_armed


def test_next_region_steps_through_the_mask(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir, "part_1")  # its mask holds class 2 at rows 10-19, columns 10-29
    page, canvas = win.label_page, win.label_page.canvas
    region = np.zeros(canvas.editor.shape, bool)
    region[90:100, 120:135] = True
    canvas.apply_fill(region, 1, "test")
    messages: list[str] = []
    page.message.connect(messages.append)
    win.actions_by_id["view.next_region"].trigger()
    first = canvas.visible_rect()
    assert (
        first.contains(QPointF(10, 10))
        and first.contains(QPointF(29, 19))
        and not first.contains(QPointF(130, 95))
    )
    assert messages[-1] == "Region 1 of 2"
    win.actions_by_id["view.next_region"].trigger()
    second = canvas.visible_rect()
    assert (
        second.contains(QPointF(120, 90))
        and second.contains(QPointF(134, 99))
        and not second.contains(QPointF(15, 15))
    )
    win.actions_by_id["view.previous_region"].trigger()
    assert canvas.visible_rect().contains(QPointF(15, 15))


def test_mask_regions_orders_rows_and_keeps_touching_classes_apart() -> None:
    label_map = np.zeros((50, 60), np.uint8)
    label_map[30:35, 5:10] = 1
    label_map[2:6, 40:50] = 1
    label_map[2:6, 50:55] = 2  # touches the class-1 region above
    rects = mask_regions(label_map)
    assert [(r.x0, r.y0, r.x1, r.y1) for r in rects] == [(40, 2, 50, 6), (50, 2, 55, 6), (5, 30, 10, 35)]
    assert mask_regions(np.zeros((4, 4), np.uint8)) == []
