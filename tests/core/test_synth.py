"""Defect synthesis: pasting labelled defects and local contrast blobs."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from workbench.core import synth
from workbench.core.synth import SynthError, local_contrast_defect, paste_defect

H, W = 96, 128


def _texture(seed: int, channels: int | None, dtype: type = np.uint8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.linspace(80, 160, W, dtype=np.float32)[None, :] + rng.normal(0, 4, (H, W)).astype(np.float32)
    img = np.repeat(base[..., None], channels, axis=2) if channels else base
    if dtype == np.uint16:
        return (img * 64).astype(np.uint16)  # 14-bit-like values
    if dtype == np.float32:
        return img / 255.0
    return img.astype(np.uint8)


def _source(channels: int | None, dtype: type = np.uint8) -> tuple[np.ndarray, np.ndarray]:
    img = _texture(7, channels, dtype)
    mask = np.zeros((H, W), np.uint8)
    cv2.ellipse(mask, (60, 40), (9, 5), 30, 0, 360, 2, -1)
    img[mask == 2] = (img[mask == 2] * 0.4).astype(img.dtype)  # a dark defect
    return img, mask


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != b).reshape(H, W, -1).any(axis=2)


@pytest.mark.parametrize(
    ("channels", "dtype"),
    [(3, np.uint8), (None, np.uint8), (None, np.uint16), (3, np.uint16), (1, np.float32), (4, np.uint8)],
)
def test_paste_labels_defect_and_changes_only_its_window(channels: int | None, dtype: type) -> None:
    src, src_mask = _source(channels, dtype)
    target = _texture(1, channels, dtype)
    target_mask = np.zeros((H, W), np.uint8)
    target_mask[:5, :5] = 1  # an existing label elsewhere must survive
    before = (target.copy(), target_mask.copy(), src.copy())
    img, mask = paste_defect(
        target, target_mask, src, src_mask, 2, np.random.default_rng(0), position=(30, 40)
    )
    assert img.dtype == target.dtype and img.shape == target.shape
    assert (mask == 2).sum() == (src_mask == 2).sum()  # flips and quarter turns keep the area
    assert (mask[:5, :5] == 1).all()
    ys, xs = np.nonzero(mask == 2)
    changed = _changed(img, target)
    assert changed[mask == 2].mean() > 0.5
    cy, cx = np.nonzero(changed)
    assert cy.min() >= 30 and cx.min() >= 40
    assert cy.max() <= ys.max() + 8 and cx.max() <= xs.max() + 8
    for a, b in zip(before, (target, target_mask, src)):
        assert np.array_equal(a, b)  # inputs are never modified
    # the pasted defect stays darker than its surroundings
    g, t = img.reshape(H, W, -1)[..., 0].astype(float), target.reshape(H, W, -1)[..., 0].astype(float)
    assert g[mask == 2].mean() < t[mask == 2].mean()


def test_paste_at_the_image_edge_and_random_position() -> None:
    src, src_mask = _source(3)
    target = _texture(2, 3)
    empty = np.zeros((H, W), np.uint8)
    img, mask = paste_defect(target, empty, src, src_mask, 2, np.random.default_rng(1), position=(0, 0))
    assert (mask == 2).sum() == (src_mask == 2).sum()
    assert _changed(img, target).any()
    img2, mask2 = paste_defect(target, empty, src, src_mask, 2, np.random.default_rng(5))
    again = paste_defect(target, empty, src, src_mask, 2, np.random.default_rng(5))
    assert np.array_equal(img2, again[0]) and np.array_equal(mask2, again[1])


def test_paste_rejects_bad_input() -> None:
    src, src_mask = _source(3)
    target = _texture(2, 3)
    empty = np.zeros((H, W), np.uint8)
    rng = np.random.default_rng(0)
    with pytest.raises(SynthError, match="no pixel of class 3"):
        paste_defect(target, empty, src, src_mask, 3, rng)
    with pytest.raises(SynthError, match="differ in dtype"):
        paste_defect(target.astype(np.uint16), empty, src, src_mask, 2, rng)
    with pytest.raises(SynthError, match="mask has shape"):
        paste_defect(target, empty[:10], src, src_mask, 2, rng)
    with pytest.raises(SynthError, match="does not fit"):
        paste_defect(target[:8, :8], empty[:8, :8], src, src_mask, 2, rng)
    with pytest.raises(SynthError, match="outside"):
        paste_defect(target, empty, src, src_mask, 2, rng, position=(H - 2, 0))


@pytest.mark.parametrize(
    ("channels", "dtype"), [(None, np.uint8), (3, np.uint8), (None, np.uint16), (3, np.float32)]
)
def test_local_contrast_defect(channels: int | None, dtype: type) -> None:
    img = _texture(3, channels, dtype)
    mask = np.zeros((H, W), np.uint8)
    mask[80:, 100:] = 1
    out, out_mask = local_contrast_defect(img, mask, np.random.default_rng(4), 3, size=20, strength=0.3)
    assert out.dtype == img.dtype and out.shape == img.shape
    assert (out_mask == 3).sum() > 100
    assert (out_mask[80:, 100:] == 1).all()  # placed away from existing labels
    diff = np.abs(out.astype(np.float64) - img.astype(np.float64)).reshape(H, W, -1).max(axis=2)
    span = float(np.percentile(img, 99) - np.percentile(img, 1))
    assert diff[out_mask == 3].mean() > 0.15 * span
    ys, xs = np.nonzero(out_mask == 3)
    cy, cx = np.nonzero(diff > 0)
    assert cy.min() >= ys.min() - 20 and cy.max() <= ys.max() + 20
    assert cx.min() >= xs.min() - 20 and cx.max() <= xs.max() + 20


def test_local_contrast_rejects_bad_input() -> None:
    img = _texture(3, 3)
    with pytest.raises(SynthError, match="class id 0"):
        local_contrast_defect(img, np.zeros((H, W), np.uint8), np.random.default_rng(0), 0)
    with pytest.raises(SynthError, match="dtype int32"):
        local_contrast_defect(img.astype(np.int32), np.zeros((H, W), np.uint8), np.random.default_rng(0), 1)


def test_fragments_of_one_defect_are_pasted_together() -> None:
    src = _texture(7, 3)
    src_mask = np.zeros((H, W), np.uint8)
    src_mask[40, 30:50] = 1
    src_mask[40, 52:70] = 1  # the same scratch, broken by a 2 px gap in its label
    target = _texture(1, 3)
    _, mask = paste_defect(target, np.zeros((H, W), np.uint8), src, src_mask, 1, np.random.default_rng(0))
    assert (mask == 1).sum() == 38


def test_feathered_fallback_stays_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "_SOLVER_MAX_PIXELS", 0)  # as for a huge region
    src, src_mask = _source(None, np.uint16)
    target = _texture(1, None, np.uint16)
    img, mask = paste_defect(
        target, np.zeros((H, W), np.uint8), src, src_mask, 2, np.random.default_rng(0), (30, 40)
    )
    changed = _changed(img, target)
    assert (mask == 2).sum() == (src_mask == 2).sum() and changed[mask == 2].all()
    ys, xs = np.nonzero(changed)
    assert ys.min() >= 30 and xs.min() >= 40 and ys.max() < 30 + 30 and xs.max() < 40 + 30
    assert img[mask == 2].astype(float).mean() < target[mask == 2].astype(float).mean() * 0.7
