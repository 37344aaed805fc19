"""Decisions: regions, measurements, class rules, gray zone and the fast re-decide path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.core.decision_regions import prepare
from workbench.core.decisions import (
    ClassRule,
    Decision,
    DecisionConfig,
    DecisionConfigError,
    decide,
    redecide,
)


def _one_class(**rule: object) -> DecisionConfig:
    return DecisionConfig([ClassRule(1, "scratch", **rule)])  # type: ignore[arg-type]


def _map_with_defect_and_speck() -> np.ndarray:
    m = np.zeros((1, 64, 80), dtype=np.float32)
    m[0, 10:20, 30:34] = 0.9  # 10 x 4 = 40 px defect
    m[0, 50:52, 60:62] = 0.8  # 2 x 2 = 4 px false alarm
    return m


def test_minimum_area_removes_small_false_alarm_and_flips_to_ok():
    m = np.zeros((1, 64, 80), dtype=np.float32)
    m[0, 50:52, 60:62] = 0.8  # only the 4 px speck
    assert decide(m, _one_class()).verdict == "NG"
    decision = decide(m, _one_class(min_area_px=5))
    assert decision.verdict == "OK" and decision.defects == ()
    # the image score is still the raw maximum, so sweeps can see the speck
    assert decision.image_score == pytest.approx(0.8)


def test_measurements_of_a_region():
    m = _map_with_defect_and_speck()
    m[0, 10, 30] = 1.0
    image = np.full((64, 80), 100, dtype=np.uint8)
    image[10:20, 30:34] = 40  # dark defect on a uniform background
    cfg = DecisionConfig([ClassRule(1, "scratch", min_area_px=5)], pixel_size_mm=0.1)
    decision = decide(m, cfg, image)
    assert decision.verdict == "NG"
    (d,) = decision.defects
    assert (d.x, d.y, d.w, d.h, d.area_px) == (30, 10, 4, 10, 40)
    assert d.area_mm2 == pytest.approx(40 * 0.01)  # 40 px * (0.1 mm)^2
    assert d.length_px == pytest.approx(10.0)  # centres span 9 px, plus one pixel
    assert d.contrast == pytest.approx(40 - 100)  # inside 40, ring 100
    assert d.max_score == pytest.approx(1.0)
    assert d.mean_score == pytest.approx((39 * 0.9 + 1.0) / 40)
    assert (d.class_id, d.class_name, d.verdict) == (1, "scratch", "NG")
    assert decision.class_scores == {1: pytest.approx(1.0)}


def test_contrast_with_colour_and_16_bit_images():
    m = np.zeros((1, 40, 40), dtype=np.float32)
    m[0, 15:25, 15:25] = 0.9
    rgb = np.zeros((40, 40, 3), dtype=np.uint8)
    rgb[15:25, 15:25] = (255, 255, 255)  # white square on black: luma 255 vs 0
    assert decide(m, _one_class(), rgb).defects[0].contrast == pytest.approx(255.0, abs=1e-3)
    grey16 = np.full((40, 40), 257 * 10, dtype=np.uint16)
    grey16[15:25, 15:25] = 257 * 30  # 30 vs 10 grey levels on the 8-bit scale
    assert decide(m, _one_class(), grey16).defects[0].contrast == pytest.approx(20.0)


def test_length_and_contrast_rules():
    m = np.zeros((1, 60, 60), dtype=np.float32)
    m[0, 5, 5:25] = 0.9  # line: length 20, area 20
    m[0, 40:44, 40:44] = 0.9  # blob: length 4, area 16
    by_length = decide(m, _one_class(min_length_px=15))
    assert [(d.x, d.length_px) for d in by_length.defects] == [(5, pytest.approx(20.0))]
    image = np.full((60, 60), 100, dtype=np.uint8)
    image[5, 5:25] = 103  # line barely visible (contrast 3), blob clearly (contrast 50)
    image[40:44, 40:44] = 150
    by_contrast = decide(m, _one_class(min_contrast=10), image)
    assert [d.x for d in by_contrast.defects] == [40]
    # without an image the contrast cannot be measured, so the rule does not remove anything
    assert len(decide(m, _one_class(min_contrast=10)).defects) == 2


def test_area_in_mm2_rule():
    m = _map_with_defect_and_speck()
    cfg = DecisionConfig([ClassRule(1, "scratch", min_area_mm2=0.1)], pixel_size_mm=0.1)
    # 40 px = 0.4 mm^2 passes, 4 px = 0.04 mm^2 does not
    assert [d.area_px for d in decide(m, cfg).defects] == [40]


def test_gray_zone():
    cfg = DecisionConfig([ClassRule(1, "scratch", min_area_px=5)], gray_low=0.3, gray_high=0.5)
    m = np.zeros((1, 32, 32), dtype=np.float32)
    m[0, 4:12, 4:12] = 0.4
    gray = decide(m, cfg)
    assert gray.verdict == "GRAY" and gray.defects[0].verdict == "GRAY"
    assert "gray zone [0.3, 0.5)" in (gray.gray_reason or "")
    m[0, 20:28, 20:28] = 0.6  # a real defect elsewhere makes it NG
    ng = decide(m, cfg)
    assert ng.verdict == "NG" and [d.x for d in ng.defects] == [20] and ng.gray_reason is None
    m[:] = 0.2  # below the gray zone
    assert decide(m, cfg).verdict == "OK"


def test_gray_zone_reviews_a_strong_but_small_region():
    # 2x2 pixels at 0.9 fail min area 5 at the NG threshold, but the halo at 0.35 around
    # them makes a 6x6 region at the gray-zone floor: a person should look at it.
    m = np.zeros((1, 32, 32), dtype=np.float32)
    m[0, 8:14, 8:14] = 0.35
    m[0, 10:12, 10:12] = 0.9
    without_gray = DecisionConfig([ClassRule(1, "scratch", threshold=0.5, min_area_px=5)])
    assert decide(m, without_gray).verdict == "OK"
    cfg = DecisionConfig([ClassRule(1, "scratch", min_area_px=5)], gray_low=0.3, gray_high=0.5)
    decision = decide(m, cfg)
    assert decision.verdict == "GRAY" and decision.defects[0].area_px == 36
    assert "passes the rules only above 0.3" in (decision.gray_reason or "")


def test_classification_map_is_one_whole_image_region():
    cfg = DecisionConfig([ClassRule(3, "crack"), ClassRule(5, "stain", threshold=0.8)])
    image = np.zeros((30, 50), dtype=np.uint8)
    decision = decide(np.array([[[0.2]], [[0.85]]], dtype=np.float32), cfg, image)
    assert decision.verdict == "NG"
    (d,) = decision.defects
    assert (d.class_id, d.x, d.y, d.w, d.h, d.area_px) == (5, 0, 0, 50, 30, 1500)
    assert d.max_score == pytest.approx(0.85) and d.length_px is None and d.contrast is None
    assert decision.class_scores == {3: pytest.approx(0.2), 5: pytest.approx(0.85)}
    assert decide(np.array([[[0.2]], [[0.7]]], dtype=np.float32), cfg).verdict == "OK"


def test_channels_follow_rules_and_disabled_classes_are_ignored():
    m = np.zeros((2, 20, 20), dtype=np.float32)
    m[1, 5:10, 5:10] = 0.9
    rules = [ClassRule(2, "dent"), ClassRule(7, "burr", enabled=False)]
    decision = decide(m, DecisionConfig(rules))
    assert decision.verdict == "OK" and decision.image_score == 0.0
    rules[1].enabled = True
    assert [d.class_id for d in decide(m, DecisionConfig(rules)).defects] == [7]
    # no rules configured: default rules with class ids 1..K at the default threshold
    assert [d.class_id for d in decide(m, DecisionConfig(default_threshold=0.95)).defects] == []
    assert [d.class_id for d in decide(m, DecisionConfig()).defects] == [2]


def test_config_round_trip_and_validation():
    cfg = DecisionConfig(
        [ClassRule(1, "scratch", 0.4, 10, 0.5, 3.0, 5.0), ClassRule(2, "dent", enabled=False)],
        pixel_size_mm=0.05,
        gray_low=0.3,
        gray_high=0.6,
    )
    data = json.loads(json.dumps(cfg.to_dict()))
    assert data["version"] == 1
    assert DecisionConfig.from_dict(data) == cfg
    with pytest.raises(DecisionConfigError, match="both"):
        DecisionConfig(gray_low=0.3)
    with pytest.raises(DecisionConfigError, match="pixel size"):
        DecisionConfig([ClassRule(1, "scratch", min_area_mm2=1.0)])
    with pytest.raises(DecisionConfigError, match="version 2"):
        DecisionConfig.from_dict({"version": 2})
    with pytest.raises(DecisionConfigError, match="threshold of class 'x'"):
        DecisionConfig([ClassRule(1, "x", threshold=1.5)])
    with pytest.raises(DecisionConfigError, match="bad class rule"):
        DecisionConfig.from_dict({"classes": [{"class_id": 1, "name": "a", "colour": "red"}]})


def test_bad_inputs_are_reported():
    m = np.zeros((2, 10, 10), dtype=np.float32)
    with pytest.raises(DecisionConfigError, match="cover 1 classes but the score map has 2"):
        decide(m, _one_class())
    with pytest.raises(ValueError, match="differs from score map size"):
        decide(m[:1], _one_class(), np.zeros((10, 12), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"\(K,H,W\)"):
        decide(np.zeros((10, 10), dtype=np.float32), _one_class())


def test_decision_to_dict_round_trip():
    image = np.full((64, 80), 90, dtype=np.uint8)
    decision = decide(_map_with_defect_and_speck(), _one_class(), image)
    data = json.loads(json.dumps(decision.to_dict()))
    assert Decision.from_dict(data) == decision
    assert data["verdict"] == "NG" and len(data["defects"]) == 2


def _random_maps(n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        m = (rng.random((2, 48, 56)) ** 6).astype(np.float32)  # mostly low, scattered peaks
        m[0, 10:18, 10:30] = rng.random((8, 20)) * 0.5 + 0.5
        out.append((m, rng.integers(0, 256, (48, 56), dtype=np.uint8)))
    return out


def test_redecide_matches_decide_at_new_thresholds():
    data = _random_maps(6, seed=3)
    prepared = [prepare(m, img, floor=0.1) for m, img in data]
    for threshold, gray in ((0.5, None), (0.8, None), (0.1, None), (0.7, (0.4, 0.7))):
        rules = [ClassRule(1, "a", threshold, min_area_px=3), ClassRule(2, "b", threshold, min_length_px=4)]
        gray_low, gray_high = gray if gray else (None, None)
        cfg = DecisionConfig(rules, gray_low=gray_low, gray_high=gray_high)
        fast = [d.to_dict() for d in redecide(prepared, cfg)]
        slow = [decide(m, cfg, img).to_dict() for m, img in data]
        assert fast == slow
    assert any(d["verdict"] == "NG" for d in fast)


def test_redecide_refuses_thresholds_below_the_floor():
    m, img = _random_maps(1, seed=4)[0]
    prepared = prepare(m, img, floor=0.5)
    with pytest.raises(ValueError, match=r"below the floor 0\.5"):
        redecide([prepared], DecisionConfig(default_threshold=0.3))
    # plain score maps are prepared on the fly
    assert redecide([m], DecisionConfig())[0] == decide(m, DecisionConfig())
