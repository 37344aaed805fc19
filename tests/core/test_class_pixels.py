"""Which pixels belong to class k: the rule, and decisions that follow it at any threshold shift."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from workbench.core.class_pixels import (
    class_index_map,
    competition,
    defect_pixels,
    label_map,
    outline_index_map,
    owned_scores,
)
from workbench.core.decision_regions import prepare
from workbench.core.decisions import ClassRule, DecisionConfig, decide, image_score, redecide

# one row of pixels, classes 3 and 5: (0.6, 0.7), (0.2, 0.1), (0.9, 0.95), (0.5, 0.6), (0.35, 0.98)
SCORES = np.array([[[0.6, 0.2, 0.9, 0.5, 0.35]], [[0.7, 0.1, 0.95, 0.6, 0.98]]], dtype=np.float32)


def test_the_class_passing_its_threshold_by_most_owns_the_pixel() -> None:
    # equal thresholds: the higher score wins where it passes
    assert label_map(SCORES, [0.5, 0.5], [3, 5]).tolist() == [[5, 0, 5, 5, 5]]
    # 0.3 / 0.7: pixel 0 passes both, class 3 by 0.3 > 0.0; pixel 3 passes class 3 only although
    # class 5 scores higher; pixel 4 passes both, class 5 by more
    assert label_map(SCORES, [0.3, 0.7], [3, 5]).tolist() == [[3, 0, 3, 3, 5]]
    # a class reaching its threshold always makes the pixel a defect, whatever the other scores
    thresholds = np.array([0.3, 0.99], np.float32).reshape(-1, 1, 1)
    passes_any = (SCORES - thresholds >= 0).any(axis=0)
    np.testing.assert_array_equal(defect_pixels(SCORES, [0.3, 0.99]), passes_any)
    # a disabled class (no threshold) takes no pixel and lets the others have theirs
    assert class_index_map(SCORES, [0.5, None]).tolist() == [[0, -1, 0, 0, -1]]


def test_moving_every_threshold_together_keeps_each_pixel_in_its_class() -> None:
    rng = np.random.default_rng(0)
    maps = rng.random((3, 40, 50)).astype(np.float32)
    base = class_index_map(maps, [0.3, 0.5, 0.6])
    shifted = class_index_map(maps, [0.2, 0.4, 0.5])
    assert competition([0.3, 0.5, 0.6]) == competition([0.2, 0.4, 0.5]) == (0.0, 0.2, 0.3)
    # lowering all thresholds only adds pixels; none changes class
    kept = base >= 0
    np.testing.assert_array_equal(shifted[kept], base[kept])
    assert (shifted >= 0).sum() > kept.sum()
    owned = owned_scores(maps, competition([0.3, 0.5, 0.6]))
    for k, t in enumerate((0.3, 0.5, 0.6)):
        np.testing.assert_array_equal(owned[k] >= np.float32(t), base == k)


def _maps(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(4):
        m = (rng.random((2, 48, 56)) ** 3).astype(np.float32)
        m[:, 10:20, 10:30] = rng.random((2, 10, 20)) * 0.4 + 0.5  # both classes high: they compete
        out.append((m, rng.integers(0, 256, (48, 56), dtype=np.uint8)))
    return out


def _config(t1: float, t2: float, **extra: object) -> DecisionConfig:
    rules = [ClassRule(1, "a", t1, min_area_px=2), ClassRule(2, "b", t2, min_area_px=2)]
    return DecisionConfig(rules, **extra)  # type: ignore[arg-type]


def test_decisions_measure_the_pixels_of_each_class() -> None:
    for m, img in _maps(1):
        config = _config(0.3, 0.7)
        labels = label_map(m, config.pixel_thresholds(2), [1, 2])
        decision = decide(m, config, img)
        for cid in (1, 2):
            mine = (labels == cid).astype(np.uint8)
            n, _, stats, _ = cv2.connectedComponentsWithStats(mine, connectivity=8)
            areas = sorted(int(a) for a in stats[1:n, cv2.CC_STAT_AREA] if a >= 2)  # min_area_px 2
            assert sorted(d.area_px for d in decision.defects if d.class_id == cid) == areas
            assert areas, f"class {cid} must own regions for the check to mean anything"


def test_prepared_maps_redecide_at_shifted_thresholds_and_refuse_others() -> None:
    data = _maps(2)
    base = _config(0.3, 0.6)
    prepared = [prepare(m, img, 0.1, base.competition(2)) for m, img in data]
    for shift in (0.0, -0.15, 0.2):
        cfg = _config(0.3 + shift, 0.6 + shift)
        assert [d.to_dict() for d in redecide(prepared, cfg)] == [
            decide(m, cfg, img).to_dict() for m, img in data
        ]
    with pytest.raises(ValueError, match="prepare it again"):
        redecide(prepared, _config(0.3, 0.5))
    # a gray zone judges every class at one threshold: equal offsets
    gray = _config(0.3, 0.6, gray_low=0.4, gray_high=0.6)
    assert gray.competition(2) == (0.0, 0.0)
    assert redecide([m for m, _ in data], gray) == [decide(m, gray) for m, _ in data]


def test_image_score_counts_enabled_classes_only() -> None:
    m = np.zeros((2, 4, 4), np.float32)
    m[0, 1, 1], m[1, 2, 2] = 0.4, 0.9
    config = DecisionConfig([ClassRule(1, "a"), ClassRule(2, "b", enabled=False)])
    assert image_score(m) == pytest.approx(0.9)
    assert image_score(m, config) == pytest.approx(0.4) == decide(m, config).image_score


def test_outlines_below_the_threshold_draw_only_regions_that_reach_it() -> None:
    # a thin crack whose centre line scores 0.9 and whose labelled width 0.5; apart from it, a
    # faint patch at 0.5 that never reaches the threshold, and a second class's region at 0.95
    scores = np.zeros((2, 40, 60), np.float32)
    scores[0, 10:13, 5:40] = 0.5
    scores[0, 11, 5:40] = 0.9
    scores[0, 30:35, 5:15] = 0.5
    scores[1, 30:35, 40:50] = 0.95
    thresholds, outlines = [0.8, 0.6], [0.4, None]
    index = outline_index_map(scores, thresholds, outlines)
    crack = np.zeros((40, 60), bool)
    crack[10:13, 5:40] = True
    assert np.array_equal(index == 0, crack)  # the whole width, not the faint patch
    assert np.count_nonzero(index == 1) == 50  # the other class, drawn at its threshold
    # at the thresholds alone: the centre line only
    assert np.array_equal(class_index_map(scores, thresholds) == 0, crack & (scores[0] >= 0.9))
    # a level above the threshold draws only pixels reaching it; None outlines: the thresholds
    assert np.count_nonzero(outline_index_map(scores, [0.4, 0.6], [0.95, None]) == 0) == 0
    assert np.array_equal(outline_index_map(scores, thresholds, None), class_index_map(scores, thresholds))
    # the competition is settled at the thresholds: where class 1 passes its threshold by more,
    # a class 0 region reaching down there does not take the pixel
    scores[1, 12, 30:40] = 0.99
    assert not np.any(outline_index_map(scores, thresholds, outlines)[12, 30:40] == 0)
