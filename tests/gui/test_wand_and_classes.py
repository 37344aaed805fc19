"""The magic wand previews and stays bounded; no tool overwrites another class unless asked (item 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.gui.windows import viewport_point as _vp
from tests.gui.windows import window_on_label as _label
from workbench.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _spot_in_disc(win: MainWindow) -> np.ndarray:
    """Class 2 (spot) painted on a patch inside the bright disc; returns the patch's region."""
    canvas = win.label_page.canvas
    region = np.zeros(canvas.editor.shape, bool)
    region[55:65, 75:85] = True
    canvas.apply_fill(region, 2, "test")
    return region


def test_wand_does_not_overwrite_another_class(qtbot, project_dir: Path) -> None:
    win = _label(qtbot, project_dir)
    page, canvas = win.label_page, win.label_page.canvas
    spot = _spot_in_disc(win)
    disc = canvas.assist_image == 200
    page.set_tool("wand")
    page.select_class_index(0)  # scratch, id 1
    assert not page.options_bar.paint_over.isChecked()
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=_vp(win, 100, 60))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    mask = canvas.editor.mask
    assert np.array_equal(mask == 2, spot)  # the other class kept every pixel
    assert np.array_equal(mask == 1, disc & ~spot)
    page.undo()
    page.options_bar.paint_over.setChecked(True)  # asked for: now it does
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=_vp(win, 100, 60))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert np.array_equal(canvas.editor.mask == 1, disc) and not (canvas.editor.mask == 2).any()


def test_brush_and_polygon_keep_other_classes(qtbot, project_dir: Path) -> None:
    win = _label(qtbot, project_dir)
    page, canvas = win.label_page, win.label_page.canvas
    spot = _spot_in_disc(win)
    page.select_class_index(0)
    page.set_tool("brush")
    vp = canvas.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 60, 60))
    for x in range(62, 101, 2):
        qtbot.mouseMove(vp, _vp(win, x, 60))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 100, 60))
    mask = canvas.editor.mask
    assert np.array_equal(mask == 2, spot) and (mask[60, 60:75] == 1).all() and (mask[60, 86:100] == 1).all()
    page.set_tool("polygon")
    for x, y in ((70, 50), (90, 50), (90, 70), (70, 70)):
        qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=_vp(win, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    mask = canvas.editor.mask
    assert np.array_equal(mask == 2, spot) and mask[52, 72] == 1
    page.set_tool("eraser")  # erasing is never held back
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 80, 60))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 80, 60))
    assert canvas.editor.mask[60, 80] == 0


def test_wand_preview_follows_the_tolerance_and_esc_drops_it(qtbot, project_dir: Path) -> None:
    win = _label(qtbot, project_dir)
    page, canvas = win.label_page, win.label_page.canvas
    page.set_tool("wand")
    page.select_class_index(0)
    messages: list[str] = []
    page.message.connect(messages.append)
    page.options_bar.tolerance_spin.setValue(200)  # floods the whole part at once
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=_vp(win, 10, 10))
    tool = canvas.tool
    assert tool.result is not None and tool.result.limited and tool.result.area <= 4096
    assert "flooded" in messages[-1] and not canvas.editor.mask.any()
    page.options_bar.tolerance_spin.setValue(3)  # the preview is redone at the same click
    assert not tool.result.limited and tool.result.tolerance == 3
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert tool.result is None and tool.item is None
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert not canvas.editor.mask.any()
