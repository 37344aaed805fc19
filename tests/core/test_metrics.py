"""Metrics checked against hand-computed values (the computation is in the comments)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.core.metrics import (
    binom_cdf,
    clopper_pearson_upper,
    extra_ng_needed,
    image_metrics,
    pixel_metrics,
    region_metrics,
    wilson_interval,
)

approx = pytest.approx


def test_wilson_interval_known_values():
    # z = 1.95996, z^2 = 3.84146. k=0, n=10: centre = (0 + 1.92073) / 13.84146 = 0.13877,
    # half = 1.95996 / 13.84146 * sqrt(0 + 0.96036) = 0.14160 * 0.97998 = 0.13877 -> [0, 0.27753]
    assert wilson_interval(0, 10) == (0.0, approx(0.27753, abs=1e-5))
    # k=5, n=10: centre = (5 + 1.92073) / 13.84146 = 0.5,
    # half = 0.14160 * sqrt(10 * 0.25 + 0.96036) = 0.14160 * 1.86020 = 0.26341 -> [0.23659, 0.76341]
    lo, hi = wilson_interval(5, 10)
    assert (lo, hi) == (approx(0.23659, abs=1e-5), approx(0.76341, abs=1e-5))
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(10, 10)[1] == 1.0


def test_clopper_pearson_and_binomial_cdf():
    # P(X <= 1), n=4, p=0.5: (1 + 4) / 16 = 0.3125
    assert binom_cdf(1, 4, 0.5) == approx(0.3125)
    # k=0: 1 - 0.05^(1/59) = 1 - exp(-2.995732 / 59) = 1 - exp(-0.0507751) = 0.049508
    assert clopper_pearson_upper(0, 59) == approx(0.049508, abs=1e-6)
    # k=1 at p = 0.01: n=473: 0.99^473 + 473*0.01*0.99^472 = 0.008603 + 0.041103 = 0.049706 < 0.05,
    # so the bound is just below 1%; n=472: 0.008690 + 0.041430 = 0.050120 > 0.05, just above.
    assert clopper_pearson_upper(1, 473) < 0.01 < clopper_pearson_upper(1, 472)
    assert clopper_pearson_upper(3, 3) == 1.0 and clopper_pearson_upper(0, 0) == 1.0


def test_extra_ng_needed():
    # No escape: n >= ln(0.05) / ln(0.99) = -2.995732 / -0.0100503 = 298.07 -> 299 parts.
    assert extra_ng_needed(0, 100, 0.01) == 199
    assert extra_ng_needed(0, 300, 0.01) == 0
    # 5%: -2.995732 / ln(0.95) = -2.995732 / -0.0512933 = 58.40 -> 59 parts
    assert extra_ng_needed(0, 0, 0.05) == 59
    # One escape: 473 parts in all (see the Clopper-Pearson test above), 100 already tested.
    assert extra_ng_needed(1, 100, 0.01) == 373
    with pytest.raises(ValueError, match="target escape rate"):
        extra_ng_needed(0, 10, 0.0)


def _small_set() -> dict:
    # image:   A    B    C     D    E
    # label:   ok   ok   ng    ng   ok
    # score:   0.1  0.4  0.4   0.9  0.2   (B and C tie)
    # verdict: OK   NG   GRAY  NG   OK
    return image_metrics(
        ["ok", "ok", "ng", "ng", "ok"], [0.1, 0.4, 0.4, 0.9, 0.2], ["OK", "NG", "GRAY", "NG", "OK"]
    )


def test_image_counts_rates_and_confusion():
    m = _small_set()
    assert (m["image.n"], m["image.n_ok"], m["image.n_ng"], m["image.n_gray"]) == (5, 3, 2, 1)
    # C (NG) is GRAY: not an escape but counted as gray; B (OK) called NG is an overkill.
    assert (m["image.escapes"], m["image.gray_ng"], m["image.gray_ok"]) == (0, 1, 0)
    assert m["image.escape_rate"] == 0.0
    # Wilson k=0, n=2: centre = 1.92073 / 5.84146 = 0.32881 = half -> [0, 0.65762]
    assert m["image.escape_ci95"] == [0.0, approx(0.65762, abs=1e-5)]
    assert (m["image.overkills"], m["image.overkill_rate"]) == (1, approx(1 / 3))
    assert m["image.gray_rate"] == approx(0.2)
    assert m["image.confusion"] == {"ok": {"OK": 2, "NG": 1, "GRAY": 0}, "ng": {"OK": 0, "NG": 1, "GRAY": 1}}
    json.dumps(m)  # everything is JSON-safe


def test_image_auroc_ap_and_sweep_with_ties():
    m = _small_set()
    # NG 0.9 beats all three OK (3); NG 0.4 beats 0.1 and 0.2 and ties 0.4 (2.5): 5.5 / 6
    assert m["image.auroc"] == approx(5.5 / 6)
    # thresholds at distinct scores; NG when score >= t
    assert m["image.sweep.thresholds"] == approx([0.1, 0.2, 0.4, 0.9])
    assert m["image.sweep.escapes"] == [0, 0, 0, 1]
    assert m["image.sweep.overkills"] == [3, 2, 1, 0]
    # from the strictest threshold: t=0.9 TP 1 FP 0; t=0.4 TP 2 FP 1; t=0.2 FP 2; t=0.1 FP 3
    assert m["image.roc.fpr"] == approx([0, 0, 1 / 3, 2 / 3, 1])
    assert m["image.roc.tpr"] == approx([0, 0.5, 1, 1, 1])
    # AP = (0.5 - 0) * 1 + (1 - 0.5) * 2/3 + 0 + 0 = 0.83333
    assert m["image.ap"] == approx(0.5 + 0.5 * 2 / 3)
    assert m["image.pr.precision"] == approx([1, 2 / 3, 0.5, 0.4])


def test_image_operating_points():
    m = _small_set()
    # all NG caught at t = 0.4 (lowest NG score); OK images with score >= 0.4: B -> 1 of 3
    assert m["image.zero_escape_threshold"] == approx(0.4)
    assert (m["image.overkills_at_zero_escape"], m["image.overkill_at_zero_escape"]) == (1, approx(1 / 3))
    # target overkill 1%: the lowest threshold with no overkill is 0.9, where D is caught and C escapes
    assert m["image.threshold_at_overkill"] == approx(0.9)
    assert m["image.escape_at_overkill"] == approx(0.5)
    # no escape among 2 NG: 299 - 2 more NG parts for escape <= 1%
    assert m["image.extra_ng_needed"] == 297
    looser = image_metrics(
        ["ok", "ok", "ng", "ng", "ok"], [0.1, 0.4, 0.4, 0.9, 0.2], ["OK"] * 5, target_overkill=0.34
    )
    # overkill 1/3 <= 0.34 already at t = 0.4, where no NG escapes
    assert (looser["image.threshold_at_overkill"], looser["image.escape_at_overkill"]) == (approx(0.4), 0.0)
    assert looser["image.escapes"] == 2 and looser["image.extra_ng_needed"] is not None


def test_image_metrics_without_ng():
    m = image_metrics(["ok", "ok", "ok"], [0.1, 0.6, 0.3], ["OK", "NG", "OK"])
    assert (m["image.n_ng"], m["image.escape_rate"], m["image.escape_ci95"]) == (0, None, [0.0, 1.0])
    assert m["image.overkill_rate"] == approx(1 / 3)
    assert m["image.auroc"] is None and m["image.ap"] is None and m["image.roc.fpr"] is None
    assert m["image.zero_escape_threshold"] is None and m["image.overkill_at_zero_escape"] is None
    assert m["image.sweep.escape_rate"] is None
    # overkill 0 needs a threshold above 0.6, the highest OK score
    assert m["image.threshold_at_overkill"] > 0.6 and m["image.escape_at_overkill"] is None
    assert m["image.extra_ng_needed"] == 299


def test_image_metrics_without_ok_and_single_image():
    m = image_metrics(["ng", "ng"], [0.7, 0.3], ["NG", "OK"])
    assert (m["image.overkill_rate"], m["image.overkill_ci95"]) == (None, [0.0, 1.0])
    assert m["image.escape_rate"] == 0.5 and m["image.auroc"] is None
    assert m["image.zero_escape_threshold"] == approx(0.3)
    assert m["image.overkill_at_zero_escape"] is None and m["image.threshold_at_overkill"] is None
    assert m["image.ap"] == approx(1.0)  # no OK image: precision is 1 at every recall
    one = image_metrics(["ng"], [0.9], ["NG"])
    assert (one["image.n"], one["image.escape_rate"], one["image.sweep.thresholds"]) == (1, 0.0, [0.9])


def test_all_scores_tied():
    m = image_metrics(np.array([True, False, True, False]), [0.5] * 4, ["NG"] * 4)
    # every NG/OK pair ties: 4 half-wins / 4 pairs
    assert m["image.auroc"] == 0.5
    assert m["image.sweep.thresholds"] == [0.5] and m["image.sweep.overkills"] == [2]


def test_per_class_escape_and_overkill():
    labels = ["ng", "ng", "ng", "ok", "ok"]
    verdicts = ["OK", "NG", "NG", "NG", "OK"]
    truth = [[1], [1, 2], [2], [], []]
    flagged = [[], [1], [2], [2], []]
    m = image_metrics(labels, [0.2, 0.8, 0.9, 0.7, 0.1], verdicts, truth, predicted_classes=flagged)
    # class 1 is on images 0 and 1; image 0 escaped -> 1 / 2. class 2 on images 1, 2: 0 / 2
    assert (m["image.class.1.n_ng"], m["image.class.1.escapes"], m["image.class.1.escape_rate"]) == (
        2,
        1,
        0.5,
    )
    assert (m["image.class.2.n_ng"], m["image.class.2.escape_rate"]) == (2, 0.0)
    # OK image 3 was called NG for class 2: class 2 overkill 1 of 1 OK image flagged with it
    assert (m["image.class.2.n_ok"], m["image.class.2.overkills"]) == (1, 1)
    assert "image.class.1.overkills" not in m


def test_bad_labels_are_reported():
    with pytest.raises(ValueError, match="image 1: label 'maybe'"):
        image_metrics(["ok", "maybe"], [0.1, 0.2], ["OK", "OK"])
    with pytest.raises(ValueError, match="verdict 'PASS'"):
        image_metrics(["ok"], [0.1], ["PASS"])
    with pytest.raises(ValueError, match="2 labels but 1 scores"):
        image_metrics(["ok", "ng"], [0.1], ["OK", "OK"])


def test_pixel_dice_and_iou():
    truth = np.array([[1, 1, 0], [0, 2, 2]], dtype=np.uint8)
    pred = np.array([[1, 0, 0], [0, 2, 1]], dtype=np.uint8)
    m = pixel_metrics([truth], [pred], [1, 2, 3])
    # class 1: TP (0,0); FP (1,2); FN (0,1) -> Dice 2/4 = 0.5, IoU 1/3
    assert (m["pixel.class.1.tp"], m["pixel.class.1.fp"], m["pixel.class.1.fn"]) == (1, 1, 1)
    assert (m["pixel.class.1.dice"], m["pixel.class.1.iou"]) == (approx(0.5), approx(1 / 3))
    # class 2: TP (1,1); FP none; FN (1,2) -> Dice 2/3, IoU 1/2
    assert (m["pixel.class.2.dice"], m["pixel.class.2.iou"]) == (approx(2 / 3), approx(0.5))
    # class 3 is nowhere: undefined and left out of the mean
    assert m["pixel.class.3.dice"] is None
    assert m["pixel.dice"] == approx((0.5 + 2 / 3) / 2) and m["pixel.iou"] == approx((1 / 3 + 0.5) / 2)
    # any defect: TP (0,0),(1,1),(1,2) = 3, FP 0, FN (0,1) = 1 -> Dice 6/7, IoU 3/4
    assert (m["pixel.any.dice"], m["pixel.any.iou"]) == (approx(6 / 7), approx(0.75))


def test_pixel_metrics_reject_mismatched_masks():
    with pytest.raises(ValueError, match="image 0"):
        pixel_metrics([np.zeros((2, 2), np.uint8)], [np.zeros((2, 3), np.uint8)], [1])
    with pytest.raises(ValueError, match="1 labelled masks but 2"):
        pixel_metrics([np.zeros((2, 2), np.uint8)], [np.zeros((2, 2), np.uint8)] * 2, [1])


def test_region_recall_and_false_alarms():
    ng = np.zeros((20, 20), dtype=np.uint8)
    ng[1:4, 1:4] = 1  # region a, found
    ng[10:12, 10:12] = 1  # region b, missed
    ng[15:18, 2:5] = 2  # region c (class 2), found only by a class-1 prediction
    pred_ng = np.zeros_like(ng)
    pred_ng[2:3, 2:6] = 1  # overlaps a
    pred_ng[16, 3] = 1  # overlaps c, wrong class
    pred_ng[5:7, 15:17] = 1  # false alarm
    ok, pred_ok = np.zeros_like(ng), np.zeros_like(ng)
    pred_ok[0:2, 0:2] = 2  # false alarm on an OK image
    m = region_metrics([ng, ok], [pred_ng, pred_ok], [1, 2])
    # class 1: 2 regions, 1 found; false alarms: the 5:7 blob and the speck on c (no class-1 label)
    assert (m["region.class.1.n_true"], m["region.class.1.n_found"], m["region.class.1.n_false_alarms"]) == (
        2,
        1,
        2,
    )
    # class 2: c not found by class 2; the OK-image blob is a false alarm
    assert (m["region.class.2.recall"], m["region.class.2.n_false_alarms"]) == (0.0, 1)
    assert (m["region.recall"], m["region.false_alarms_per_image"]) == (approx(1 / 3), approx(3 / 2))
    any_class = region_metrics([ng, ok], [pred_ng, pred_ok], [1, 2], match_class=False)
    # any class: a and c found (2 of 3); false alarms: 5:7 blob and the OK-image blob
    assert any_class["region.recall"] == approx(2 / 3) and any_class["region.n_false_alarms"] == 2
    assert any_class["region.class.2.n_false_alarms"] is None


def test_coverage_at_zero_escape_counts_parts_outside_the_gray_zone() -> None:
    # OK: 0.1 0.2 0.3 0.6 | NG: 0.5 0.7 0.8  -> pass below 0.5 (3 OK), reject above 0.6 (0.7, 0.8)
    labels = ["ok"] * 4 + ["ng"] * 3
    scores = [0.1, 0.2, 0.3, 0.6, 0.5, 0.7, 0.8]
    m = image_metrics(labels, scores, ["OK"] * 7)
    assert m["image.coverage.pass_below"] == 0.5 and m["image.coverage.reject_above"] == 0.6
    assert (m["image.coverage.auto_ok"], m["image.coverage.auto_ng"]) == (3, 2)
    assert m["image.coverage_at_zero_escape"] == pytest.approx(5 / 7)
    lo, hi = m["image.coverage_ci95"]
    assert (lo, hi) == pytest.approx(wilson_interval(5, 7)) and lo < 5 / 7 < hi


def test_coverage_is_whole_when_the_scores_separate_and_empty_without_ng() -> None:
    m = image_metrics(["ok", "ok", "ng"], [0.1, 0.4, 0.4000001], ["OK"] * 3)
    assert m["image.coverage_at_zero_escape"] == 1.0
    tied = image_metrics(["ok", "ng"], [0.4, 0.4], ["OK", "OK"])  # a tie: neither part is sure
    assert tied["image.coverage_at_zero_escape"] == 0.0
    none = image_metrics(["ok", "ok"], [0.1, 0.2], ["OK", "OK"])
    assert none["image.coverage_at_zero_escape"] is None and none["image.coverage_ci95"] is None
