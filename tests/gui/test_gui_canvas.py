"""The annotation canvas driven by simulated mouse and key events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.gui.windows import open_in_label
from tests.gui.windows import open_window as _window
from tests.gui.windows import viewport_point as _vp
from workbench.core import imageio
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _label(win: MainWindow, name: str) -> None:
    open_in_label(win, name)
    assert win.current_page() == "label" and win.label_page.sample.name == name


def test_brush_stroke_saved_by_autosave_and_undo_restores(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    page, canvas = win.label_page, win.label_page.canvas
    sid = page.sample.id
    mask_file = project_dir / "masks" / f"{sid}.png"
    assert not mask_file.exists()
    page.set_tool("brush")
    page.select_class_index(0)  # scratch, id 1
    vp = canvas.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 20, 60))
    for x in range(25, 141, 5):
        qtbot.mouseMove(vp, _vp(win, x, 60))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 140, 60))
    assert page.dirty and page.can_undo
    page.autosave.timeout.emit()
    assert not page.dirty
    saved = imageio.read_image(mask_file)
    assert saved[60, 20:141].min() == 1 and saved[0, 0] == 0
    win.actions_by_id["edit.undo"].trigger()
    page.autosave.timeout.emit()
    assert not mask_file.exists()  # an all-background map is stored as no mask
    with Project.open(project_dir, readonly=True) as p:
        assert not p.sample(sid).has_mask


def test_magic_wand_fills_the_disc(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    page, canvas = win.label_page, win.label_page.canvas
    page.set_tool("wand")
    page.options_bar.tolerance_spin.setValue(10)
    page.select_class_index(1)  # spot, id 2
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=_vp(win, 80, 60))
    assert not canvas.editor.mask.any()  # the first click previews
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=_vp(win, 82, 61))  # inside: apply
    mask = canvas.editor.mask
    expected = canvas.assist_image == 200
    assert np.array_equal(mask == 2, expected)


def test_polygon_and_grabcut_produce_masks(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    page, canvas = win.label_page, win.label_page.canvas
    vp = canvas.viewport()
    page.set_tool("polygon")
    for x, y in ((10, 10), (50, 10), (50, 40), (10, 40)):
        qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=_vp(win, x, y))
    canvas.setFocus()
    qtbot.keyClick(vp, Qt.Key.Key_Return)
    poly = canvas.editor.mask.copy()
    assert poly[25, 30] == 1 and poly[60, 80] == 0
    assert 1100 < (poly == 1).sum() < 1400
    page.set_tool("grabcut")
    page.select_class_index(1)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 45, 25))
    qtbot.mouseMove(vp, _vp(win, 115, 95))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 115, 95))
    qtbot.waitUntil(lambda: not canvas.tasks, timeout=10000)  # GrabCut runs in the thread pool
    cut = canvas.editor.mask == 2
    assert cut[60, 80] and not cut[28, 48] and not cut[:, :44].any()
    assert 0.7 < cut.sum() / (canvas.assist_image == 200).sum() < 1.3


def test_threshold_box_and_class_keys(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    canvas = win.label_page.canvas
    win.actions_by_id["tool.threshold"].trigger()
    win.actions_by_id["label.class2"].trigger()
    assert canvas.options.class_id == 2 and canvas.tool.name == "threshold"
    vp = canvas.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 40, 20))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 120, 100))
    assert np.array_equal(canvas.editor.mask == 2, canvas.assist_image == 200)


def test_closing_with_unsaved_strokes_saves_them(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    _label(win, "part_2")
    page, canvas = win.label_page, win.label_page.canvas
    sid = page.sample.id
    page.set_tool("brush")
    vp = canvas.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 30, 30))
    qtbot.mouseMove(vp, _vp(win, 60, 30))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=_vp(win, 60, 30))
    assert page.dirty
    win.close()
    with Project.open(project_dir, readonly=True) as p:
        assert p.read_mask(sid)[30, 45] == 1


def test_switching_sample_saves_and_next_unlabeled(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    page = win.label_page
    first = page.sample.id
    page.canvas.apply_fill(np.ones(page.canvas.editor.shape, bool), 1, "fill")
    assert page.next_unlabeled()
    assert page.sample.label == "unlabeled" and page.sample.id != first
    assert (project_dir / "masks" / f"{first}.png").exists()
    page.set_label("ok")
    row = win.data_page.model.row_of(page.sample.id)
    assert win.data_page.model.sample_at(row).label == "ok"


def test_sixteen_bit_window_and_channels(qtbot, tmp_path: Path) -> None:
    root = tmp_path / "p16"
    img16 = np.full((40, 50), 1000, np.uint16)
    img16[10:20, 10:20] = 3000
    rgb = np.zeros((40, 50, 3), np.uint8)
    rgb[..., 2] = 255
    imageio.write_image(tmp_path / "a.tif", img16)
    imageio.write_image(tmp_path / "b.png", rgb)
    with Project.create(root) as p:
        p.add_sample([tmp_path / "a.tif"])
        p.add_sample([tmp_path / "b.png"])
    win = _window(qtbot, root)
    _label(win, "a")
    bar = win.label_page.options_bar
    assert bar.window_group.isVisibleTo(win) and not bar.channel_group.isVisibleTo(win)
    bar.low_spin.setValue(0)
    bar.high_spin.setValue(4000)
    shown = win.label_page.canvas.assist_image
    assert shown[15, 15] == int(3000 * 255 / 4000) and shown[0, 0] == int(1000 * 255 / 4000)
    _label(win, "b")
    assert bar.channel_group.isVisibleTo(win) and not bar.window_group.isVisibleTo(win)
    bar.channel_combo.setCurrentIndex(bar.channel_combo.findData(2))  # blue plane alone
    assert win.label_page.canvas.assist_image.ndim == 2 and win.label_page.canvas.assist_image[0, 0] == 255


def test_accept_prediction_region_and_whole(qtbot, project_dir: Path) -> None:
    with Project.open(project_dir) as p:
        sample = next(s for s in p.samples() if s.name == "part_0")
        run = p.create_run(RunConfig(TrainConfig()))
        p.move_run(run.id, "running")
        p.move_run(run.id, "completed", finished_at="2026-01-01T00:00:00Z")
        proposal = np.zeros((120, 160), np.uint8)
        proposal[5:15, 5:15] = 1
        proposal[80:100, 100:140] = 2
        imageio.write_image(p.run_dir(run.id) / "proposals" / f"{sample.id}.png", proposal)
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    page, canvas = win.label_page, win.label_page.canvas
    assert canvas.proposal is not None and run.id in page.proposal_label.text()
    page.set_tool("prediction")
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=_vp(win, 120, 90))
    assert (canvas.editor.mask == 2).sum() == 20 * 40 and not canvas.editor.mask[5:15, 5:15].any()
    win.actions_by_id["label.accept_all"].trigger()
    assert np.array_equal(canvas.editor.mask, proposal)
    page.undo()
    page.undo()
    assert not canvas.editor.mask.any()


def test_zoom_pan_and_brush_size_keys(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    page, canvas = win.label_page, win.label_page.canvas
    win.actions_by_id["view.actual"].trigger()
    assert canvas.zoom() == 1.0
    win.actions_by_id["view.zoom_in"].trigger()
    assert canvas.zoom() == pytest.approx(1.25)
    win.actions_by_id["view.fit"].trigger()
    assert canvas.zoom() > 2  # a 160x120 image fills the view
    before = page.options_bar.size_spin.value()
    win.actions_by_id["label.bigger"].trigger()
    assert page.options_bar.size_spin.value() > before and canvas.options.brush_radius * 2 > before
    win.actions_by_id["view.mask"].trigger()
    assert not canvas.overlay.isVisible()
