"""Annotation assists: rasterising, region finders, undo/redo and proposals."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from workbench.core.assist import (
    MaskEditor,
    Rect,
    UndoStack,
    grabcut_box,
    latest_proposal,
    magic_wand,
    polygon_region,
    proposal_region,
    stroke_region,
    threshold_in_box,
)
from workbench.core.assist.history import EditCommand
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig


def test_stroke_region_covers_segment_without_gaps() -> None:
    rect, patch = stroke_region((100, 200), [(10, 50), (150, 50)], radius=3)
    full = np.zeros((100, 200), bool)
    full[rect.slices] = patch
    assert full[50, 10:151].all()  # continuous along the path
    assert full[47, 80] and full[53, 80] and not full[45, 80] and not full[55, 80]
    assert rect == Rect.of_mask(full) or rect.union(Rect.of_mask(full)) == rect


def test_stroke_region_clips_at_border() -> None:
    rect, patch = stroke_region((20, 20), [(0, 0)], radius=5)
    assert (rect.x0, rect.y0) == (0, 0) and patch.shape == (rect.height, rect.width)
    assert patch[0, 0] and patch.sum() < np.pi * 25


def test_polygon_region_fills_triangle() -> None:
    region = polygon_region((50, 50), [(10, 10), (40, 10), (10, 40)])
    assert region[15, 15] and not region[35, 35]
    assert 400 < region.sum() < 520  # area 450 plus edge pixels
    assert not polygon_region((50, 50), [(1, 1), (5, 5)]).any()


def _disk_image(dtype: type = np.uint8, fg: int = 200, bg: int = 40) -> np.ndarray:
    img = np.full((80, 100), bg, dtype)
    cv2.circle(img, (50, 40), 15, fg, -1)
    return img


def test_magic_wand_fills_connected_similar_region() -> None:
    img = _disk_image()
    img[5:10, 5:10] = 200  # same grey, not connected
    region = magic_wand(img, (50, 40), tolerance=10)
    expected = _disk_image() == 200
    assert np.array_equal(region, expected)
    assert not region[7, 7]


def test_magic_wand_16bit_and_colour() -> None:
    img16 = _disk_image(np.uint16, 50000, 1000)
    assert magic_wand(img16, (50, 40), tolerance=500).sum() == (img16 == 50000).sum()
    rgb = np.stack([_disk_image()] * 3, axis=2)
    assert magic_wand(rgb, (2, 2), tolerance=5).sum() == (rgb[..., 0] == 40).sum()
    with pytest.raises(ValueError, match="outside"):
        magic_wand(img16, (500, 5), tolerance=1)


def test_threshold_in_box_otsu_picks_minority_side() -> None:
    img = _disk_image()
    region, t = threshold_in_box(img, Rect(20, 10, 80, 70))
    assert 40 <= t < 200
    assert np.array_equal(region, _disk_image() == 200)
    dark = 255 - img
    region_dark, _ = threshold_in_box(dark, Rect(20, 10, 80, 70))
    assert np.array_equal(region_dark, region)


def test_threshold_in_box_manual() -> None:
    img = np.tile(np.arange(100, dtype=np.uint8), (10, 1))
    region, t = threshold_in_box(img, Rect(0, 0, 100, 10), threshold=89.5, dark=False)
    assert t == 89.5 and region.sum() == 10 * 10
    with pytest.raises(ValueError, match="outside"):
        threshold_in_box(img, Rect(200, 200, 300, 300))


def test_grabcut_box_finds_object() -> None:
    rng = np.random.default_rng(0)
    img = rng.integers(20, 60, (120, 160, 3), dtype=np.uint8)
    cv2.circle(img, (80, 60), 20, (220, 60, 40), -1)
    region = grabcut_box(img, Rect(50, 30, 110, 90))
    truth = np.zeros((120, 160), np.uint8)
    cv2.circle(truth, (80, 60), 20, 1, -1)
    inter = (region & truth.astype(bool)).sum()
    union = (region | truth.astype(bool)).sum()
    assert inter / union > 0.8
    assert not region[:, :50].any()


def test_editor_stroke_undo_redo_and_dirty() -> None:
    ed = MaskEditor(np.zeros((60, 60), np.uint8))
    assert not ed.dirty
    ed.begin_stroke((10, 10), 2, value=3)
    ed.extend_stroke((40, 10))
    assert ed.dirty and ed.mask[10, 25] == 3
    rect = ed.end_stroke()
    assert not rect.empty and ed.history.can_undo
    ed.mark_saved()
    assert not ed.dirty
    ed.fill(ed.mask == 3, 0, "erase")
    assert ed.mask.max() == 0 and ed.dirty
    ed.undo()
    assert ed.mask[10, 25] == 3 and not ed.dirty
    ed.undo()
    assert ed.mask.max() == 0 and ed.dirty
    ed.redo()
    assert ed.mask[10, 25] == 3 and not ed.dirty


def test_eraser_stroke_only_records_real_changes() -> None:
    ed = MaskEditor(np.zeros((30, 30), np.uint8))
    ed.begin_stroke((5, 5), 2, value=0, text="eraser")
    ed.end_stroke()
    assert not ed.history.can_undo and not ed.dirty


def test_undo_stack_drops_oldest_and_forgets_unreachable_clean_state() -> None:
    stack = UndoStack(max_bytes=450)
    mask = np.zeros((10, 10), np.uint8)
    for i in range(3):
        before = mask.copy()
        mask[:] = i + 1
        stack.push(EditCommand(f"edit {i}", Rect(0, 0, 10, 10), before, mask.copy()))
    assert stack.undo_text == "edit 2"
    while stack.undo(mask) is not None:
        pass
    assert mask[0, 0] == 1  # first command was dropped for size; its effect stays
    assert not stack.clean


def test_proposals_pick_newest_completed_run(tmp_path) -> None:
    project = Project.create(tmp_path / "p")
    try:
        project.add_class("scratch")
        img = tmp_path / "a.png"
        cv2.imwrite(str(img), np.zeros((20, 30), np.uint8))
        sample, _ = project.add_sample([img])
        assert latest_proposal(project, sample.id) is None
        old = project.create_run(RunConfig(TrainConfig()))
        project.move_run(old.id, "running")
        project.move_run(old.id, "completed", finished_at="2026-01-01T00:00:00Z")
        new = project.create_run(RunConfig(TrainConfig()))
        prop = np.zeros((20, 30), np.uint8)
        prop[2:6, 2:6] = 1
        prop[10:15, 20:25] = 1
        for run in (old, new):
            (project.run_dir(run.id) / "proposals").mkdir()
            cv2.imwrite(str(project.run_dir(run.id) / "proposals" / f"{sample.id}.png"), prop)
        assert latest_proposal(project, sample.id)[0] == old.id  # newer one is still pending
        project.move_run(new.id, "running")
        project.move_run(new.id, "completed", finished_at="2026-01-02T00:00:00Z")
        assert latest_proposal(project, sample.id)[0] == new.id
    finally:
        project.close()
    assert proposal_region(prop, (3, 3)).sum() == 16
    assert proposal_region(prop).sum() == 16 + 25
    assert not proposal_region(prop, (0, 19)).any()


def test_otsu_threshold_lies_between_two_clean_modes() -> None:
    from workbench.core.assist.regions import otsu_threshold

    values = np.concatenate([np.full(500, 60.0), np.full(100, 200.0)])
    t = otsu_threshold(values)
    assert 100 < t < 160  # the middle of the gap, not grazing either mode
    assert otsu_threshold(np.full(10, 7.0)) == 7.0


def test_bounded_wand_does_not_flood_brushed_metal() -> None:
    from workbench.core.assist import bounded_wand
    from workbench.core.assist.regions import wand_limit
    from workbench.core.samplegen.surfaces import finish, render_metal

    rng = np.random.default_rng(3)
    metal = finish(render_metal(rng, 600, 800), rng)
    # the case: a plain fixed-range fill at 12 grey levels takes most of the part
    assert magic_wand(metal, (400, 300), 12).mean() > 0.5
    for seed in ((100, 100), (400, 300), (700, 500)):
        result = bounded_wand(metal, seed, 12)
        assert result.limited and result.area <= wand_limit(metal.shape) and result.tolerance < 12
        assert result.region[seed[1], seed[0]]
    # a real defect on the same surface is found whole, at the tolerance asked for
    spot = metal.copy()
    yy, xx = np.ogrid[:600, :800]
    disc = (yy - 300) ** 2 + (xx - 200) ** 2 <= 20**2
    spot[disc] = 20
    found = bounded_wand(spot, (200, 300), 6)
    assert not found.limited and np.array_equal(found.region, disc)
