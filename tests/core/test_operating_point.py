"""Thresholds and minimum area chosen on validation maps (core.operating_point)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from workbench.core.decisions import ClassRule, DecisionConfig, decide
from workbench.core.operating_point import (
    LOWEST,
    TINY,
    ScoredImage,
    choose_decision,
    choose_threshold,
    describe,
    floor_threshold,
    lone_weakest,
    min_area_for,
    rule_score,
    score_text,
    smallest_defect_px,
    weakest_origin,
)


def _map(size: int, peak: float, spot: int, base: float = 0.0) -> np.ndarray:
    m = np.full((1, size, size), base, np.float32)
    m[0, 10 : 10 + spot, 10 : 10 + spot] = peak
    return m


def _config() -> DecisionConfig:
    return DecisionConfig(classes=[ClassRule(class_id=1, name="defect")])


def test_threshold_where_half_is_clearly_wrong() -> None:
    # a model that ranks perfectly but whose good parts score 0.6-0.8: 0.5 rejects every good part
    ok = [ScoredImage("ok", frozenset(), [_map(64, 0.6 + 0.02 * i, 12)]) for i in range(10)]
    ng = [ScoredImage("ng", frozenset({0}), [_map(64, 0.9 + 0.005 * i, 12)]) for i in range(5)]
    config, origins = choose_decision(ok + ng, _config(), smallest_px=None)
    t = config.classes[0].threshold
    assert 0.78 < t <= 0.9  # above every good part, at or below the lowest NG
    assert origins[0]["method"] == "val_zero_escape" and origins[0]["val_overkill"] == 0
    verdicts = [decide(im.maps[0], config).verdict for im in ok + ng]
    assert verdicts == ["OK"] * 10 + ["NG"] * 5
    # at the shipped default every good part would have been rejected
    assert all(decide(im.maps[0], _config()).verdict == "NG" for im in ok)


def test_margin_toward_fewer_escapes_follows_the_spread_of_the_lowest_ng_scores() -> None:
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    # NG scores packed tightly at the bottom: a small step below the lowest one
    tight = [0.90, 0.901, 0.902, 0.95, 0.99]
    t, origin = choose_threshold(tight, [0.1, 0.2])
    assert origin["zero_escape_threshold"] == 0.9 and 0.895 < t < 0.9
    assert origin["margin_logit"] == pytest.approx(logit(0.901) - logit(0.9), abs=1e-3)
    # a long low tail (the next NG part may well score lower still): a larger step, capped
    spread = [0.15, 0.5, 0.7, 0.9, 0.95]
    t2, origin2 = choose_threshold(spread, [0.01, 0.02])
    assert origin2["margin_logit"] == 1.0 and t2 == pytest.approx(
        1 / (1 + math.exp(1 - logit(0.15))), abs=1e-9
    )
    # with two val good parts (5 % of them is none), the margin stops short of the good part
    # just below the zero-escape point, halfway to it in log-odds
    t3, origin3 = choose_threshold(tight, [0.1, 0.899])
    assert 0.899 < t3 < 0.9 and origin3["val_overkill"] == 0 and origin3["margin_limited_by_overkill"]
    assert t3 == pytest.approx(1 / (1 + math.exp(-0.5 * (logit(0.899) + logit(0.9)))), abs=1e-9)
    # one NG image has no spread: a tenth of its score
    t4, origin4 = choose_threshold([0.5], [0.7, 0.1])  # overlapping: zero escape costs overkill
    assert t4 == pytest.approx(0.45) and origin4["margin_logit"] is None and origin4["val_overkill"] == 1


def test_the_margin_rejects_at_most_five_percent_more_good_parts() -> None:
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    ng = [0.15, 0.5, 0.7, 0.9, 0.95]  # a long low tail: the full margin is 1 logit
    full = 1 / (1 + math.exp(1 - logit(0.15)))  # about 0.061
    # 40 good parts: 10 above the NG parts' lowest score, 30 crowded just below it (0.10 .. 0.13)
    ok = [0.2] * 10 + list(np.linspace(0.10, 0.13, 30))
    t, origin = choose_threshold(ng, ok)
    assert origin["val_overkill_at_zero_escape"] == 10 and origin["margin_limited_by_overkill"]
    # 5 % of 40 good parts is two more: the margin stops between the second and third highest below
    below = sorted((v for v in ok if v < 0.15), reverse=True)
    assert below[2] < t < below[1] and origin["val_overkill"] == 12 and t > full
    assert "stops where it would reject more than 5% more good parts" in describe(
        {**origin, "name": "x", "threshold": t}
    )
    # good parts far below the lowest NG score: the full margin, nothing spared
    t2, origin2 = choose_threshold(ng, [0.2] * 10 + [0.01] * 30)
    assert t2 == pytest.approx(full, abs=1e-9) and not origin2["margin_limited_by_overkill"]
    assert origin2["val_overkill"] == 10


def test_the_shipped_threshold_is_rounded_down_so_no_ng_image_escapes() -> None:
    # two NG images at the same score: no spread, no margin, the threshold is their score; rounded
    # to 4 decimals it must not land above them
    ng = [ScoredImage("ng", frozenset({0}), [_map(32, 0.123456, 4)]) for _ in range(2)]
    ok = [ScoredImage("ok", frozenset(), [_map(32, 0.05, 4)])]
    config, origins = choose_decision(ng + ok, _config(), smallest_px=None)
    assert origins[0]["margin_logit"] == 0.0 and config.classes[0].threshold == 0.1234
    assert [decide(im.maps[0], config).verdict for im in ng] == ["NG", "NG"]


def test_a_zero_escape_point_below_the_lowest_margin_level_is_kept_not_raised() -> None:
    # a classifier's weakest val NG parts at 0.001: a floor of 0.01 would let all three through
    ng = [0.0009, 0.0011, 0.008, 0.3, 0.6, 0.9, 0.95, 0.97, 0.99, 0.99]
    ok = [0.0005, 0.004, 0.02, 0.05, 0.1]
    t, origin = choose_threshold(ng, ok)
    assert t == pytest.approx(0.0009) and min(ng) >= t
    assert origin["margin_stopped_at_lowest"] and origin["zero_escape_threshold"] == 0.0009
    assert origin["val_overkill"] == 4  # every good part from 0.004 up
    text = describe({**origin, "name": "defect", "threshold": floor_threshold(t)})
    assert "threshold 9.0e-04" in text and "zero-escape point 9.0e-04" in text
    assert "kept as it is (no margin takes a threshold below 0.01)" in text and "lowered" not in text
    # a point just above 0.01 whose margin would go below it: the margin stops there
    t2, origin2 = choose_threshold([0.012, 0.05, 0.5, 0.9], [0.001])
    assert t2 == LOWEST and origin2["margin_stopped_at_lowest"]
    assert "(down to 0.01, no lower)" in describe({**origin2, "name": "d", "threshold": t2})
    # above it, nothing changes: no stop named
    t3, origin3 = choose_threshold([0.3, 0.31, 0.5, 0.9], [0.1])
    assert t3 < 0.3 and not origin3["margin_stopped_at_lowest"]
    assert "no lower" not in describe({**origin3, "name": "d", "threshold": t3})
    # kept also where the overkill floor of the margin was in force: the text does not say "lowered"
    limited = {**origin, "margin_limited_by_overkill": True, "name": "d", "threshold": 0.0009}
    assert "kept as it is" in describe(limited) and "lowered" not in describe(limited)
    # an NG part with no region at any level (score 0) cannot be caught: the threshold stays positive
    assert choose_threshold([0.0, 0.5], [0.1])[0] == TINY


def test_small_thresholds_are_rounded_down_to_significant_digits_and_shown_as_such() -> None:
    assert floor_threshold(0.123456) == 0.1234 and floor_threshold(0.0305) == 0.0305
    assert (
        floor_threshold(8.123456e-4) == pytest.approx(8.123e-4)
        and floor_threshold(8.123456e-4) <= 8.123456e-4
    )
    assert floor_threshold(3.3e-6) == pytest.approx(3.3e-6) and floor_threshold(TINY) > 0
    assert (score_text(0.8312), score_text(0.00081), score_text(0.0)) == ("0.831", "8.1e-04", "0.000")
    # end to end: NG maps peaking at 0.0004 get a threshold that still calls them NG
    ng = [ScoredImage("ng", frozenset({0}), [_map(32, peak, 4)]) for peak in (0.0004, 0.00041, 0.7)]
    ok = [ScoredImage("ok", frozenset(), [_map(32, 0.0001, 4)])]
    config, origins = choose_decision(ng + ok, _config(), smallest_px=None)
    assert 0 < config.classes[0].threshold <= 0.0004 and origins[0]["margin_stopped_at_lowest"]
    assert [decide(im.maps[0], config).verdict for im in ng] == ["NG", "NG", "NG"]


def test_without_ng_the_threshold_is_a_stated_quantile_of_good_parts() -> None:
    ok_scores = list(np.linspace(0.05, 0.45, 200))
    t, origin = choose_threshold([], ok_scores)
    assert origin["method"] == "ok_quantile" and origin["quantile"] == 0.99
    assert 0.44 < t < 0.45 and origin["val_overkill"] == 2
    assert "guess from good parts only" in describe({**origin, "name": "x", "threshold": t})
    assert choose_threshold([], [])[0] == 0.5


def test_minimum_area_from_the_smallest_labelled_defect_ignores_specks() -> None:
    target = np.zeros((64, 64), np.uint8)
    target[5:15, 5:15] = 1  # 100 px
    target[40:60, 40:60] = 2  # 400 px
    target[0, 63] = 1  # a 1-px speck: label noise
    assert smallest_defect_px([target, np.zeros((8, 8), np.uint8)]) == 100
    assert min_area_for(100) == 25 and min_area_for(None) == 0 and min_area_for(4) == 1


def test_rule_score_is_the_threshold_where_a_big_enough_region_remains() -> None:
    plane = np.zeros((40, 40), np.float32)
    plane[2, 2] = 0.95  # a single hot pixel
    plane[20:26, 20:26] = 0.6  # 36 px at 0.6
    assert rule_score(plane, 1) == np.float32(0.95)
    assert abs(rule_score(plane, 20) - 0.6) < 1e-3
    assert rule_score(plane, 100) == 0.0


def test_thresholds_are_chosen_with_the_area_rule_in_force() -> None:
    # good parts have bright specks (2x2 at 0.95), defects are 6x6 regions at 0.7: with the area
    # rule of a quarter of the smallest labelled defect (36 px -> 9 px) the specks do not count
    ok = [ScoredImage("ok", frozenset(), [_map(48, 0.95, 2)]) for _ in range(6)]
    ng = [ScoredImage("ng", frozenset({0}), [_map(48, 0.7, 6)]) for _ in range(4)]
    config, origins = choose_decision(ok + ng, _config(), smallest_px=36)
    rule = config.classes[0]
    assert rule.min_area_px == 9 and 0.6 <= rule.threshold <= 0.7
    assert [decide(im.maps[0], config).verdict for im in ok + ng] == ["OK"] * 6 + ["NG"] * 4
    assert origins[0]["val_overkill"] == 0 and "min area 9 px" in describe(origins[0])


def test_each_class_gets_its_own_threshold() -> None:
    def two(peak_a: float, peak_b: float) -> np.ndarray:
        return np.concatenate([_map(32, peak_a, 8), _map(32, peak_b, 8)])

    images = [
        ScoredImage("ok", frozenset(), [two(0.3, 0.7)]),
        ScoredImage("ng", frozenset({0}), [two(0.5, 0.7)]),
        ScoredImage("ng", frozenset({1}), [two(0.3, 0.95)]),
    ]
    rules = [ClassRule(class_id=1, name="a"), ClassRule(class_id=2, name="b")]
    config, origins = choose_decision(images, DecisionConfig(classes=rules), smallest_px=None)
    ta, tb = (r.threshold for r in config.classes)
    assert 0.3 < ta <= 0.5 and 0.7 < tb <= 0.95
    assert [o["val_ng"] for o in origins] == [1, 1]


def _haloed(peak: float, halo: float) -> tuple[np.ndarray, np.ndarray]:
    """A defect (10x10, labelled) scoring ``peak`` inside a halo scoring ``halo`` 6 px around it."""
    m = np.full((1, 64, 64), 0.01, np.float32)
    m[0, 14:36, 14:36] = halo
    m[0, 20:30, 20:30] = peak
    target = np.zeros((64, 64), np.uint8)
    target[20:30, 20:30] = 1
    return m, target


def test_outline_level_is_chosen_for_the_best_val_dice_above_a_low_threshold() -> None:
    # one weak NG part pulls the no-escape threshold down to about 0.15; drawn there, every
    # defect would carry its 0.3 halo (Dice about 0.34); drawn above the halo, the defect itself
    weak_map, weak_target = _haloed(0.16, 0.12)
    weak = ScoredImage("ng", frozenset({0}), [weak_map], [weak_target])
    strong = [ScoredImage("ng", frozenset({0}), [m], [t]) for m, t in (_haloed(0.9, 0.3) for _ in range(6))]
    good = np.full((1, 64, 64), 0.02, np.float32)
    ok = [ScoredImage("ok", frozenset(), [good], [np.zeros((64, 64), np.uint8)])]
    config, origins = choose_decision([weak, *strong, *ok], _config(), smallest_px=None)
    rule, origin = config.classes[0], origins[0]
    assert rule.threshold < 0.16
    assert 0.3 < rule.outline_threshold <= 0.9
    assert origin["val_dice_at_outline"] > 0.8 > 0.5 > origin["val_dice_at_threshold"]
    assert config.outline_levels(1) == [rule.outline_threshold]
    assert "outlines drawn at" in describe(origin)
    # decisions are judged at the threshold: the weak part stays NG
    assert decide(weak.maps[0], config).verdict == "NG"


def test_no_outline_level_without_masks_or_when_the_threshold_draws_best() -> None:
    clean = [ScoredImage("ng", frozenset({0}), [m], [t]) for m, t in (_haloed(0.9, 0.01) for _ in range(3))]
    config, origins = choose_decision(clean, _config(), smallest_px=None)
    assert config.classes[0].outline_threshold is None and origins[0]["val_dice_at_threshold"] > 0.99
    unmasked = [ScoredImage("ng", frozenset({0}), [m]) for m, _ in (_haloed(0.9, 0.3) for _ in range(3))]
    config, origins = choose_decision(unmasked, _config(), smallest_px=None)
    assert config.classes[0].outline_threshold is None and "val_dice_at_outline" not in origins[0]


def _halved_defect(weak: bool = False, unseen: int = 0) -> ScoredImage:
    """An NG part: half of its labelled 20x20 defect scores 0.7, half 0.45 (weak: 0.2 all over)."""
    m, t = np.full((1, 64, 64), 0.01, np.float32), np.zeros((64, 64), np.uint8)
    t[10:30, 10:30] = 1
    m[0, 10:30, 10:30] = 0.2 if weak else 0.45
    m[0, 10:20, 10:30] = 0.2 if weak else 0.7
    return ScoredImage("ng", frozenset({0}), [m], [t], unseen_px=unseen)


def _false_alarm(weight: float = 1.0, area: float = 1.0) -> ScoredImage:
    """A good part with a 60-pixel false alarm at 0.45."""
    m = np.full((1, 64, 64), 0.01, np.float32)
    m[0, 40:46, 40:50] = 0.45
    blank = np.zeros((64, 64), np.uint8)
    return ScoredImage("ok", frozenset(), [m], [blank], weight=weight, area_weight=area)


def _outline_of(goods: list[ScoredImage], unseen: int = 0) -> tuple[DecisionConfig, list[dict[str, Any]]]:
    """Six halved NG parts (one weak, keeping the threshold low) and ``goods``: drawn at 0.45 the
    defects are whole; above 0.45 half of each is lost."""
    images = [_halved_defect(weak=True, unseen=unseen), *(_halved_defect(unseen=unseen) for _ in range(5))]
    return choose_decision([*images, *goods], _config(), smallest_px=None)


def test_outline_level_weighs_good_parts_by_how_many_they_stand_for() -> None:
    even, _ = _outline_of([_false_alarm() for _ in range(6)])
    # drawn at the threshold, every defect is whole and six false alarms cost little (Dice 0.93)
    assert even.classes[0].threshold < 0.2 and even.classes[0].outline_threshold is None
    # the same six good parts standing for ten times as many (a val subset kept NG parts first)
    many, origins = _outline_of([_false_alarm(weight=10.0) for _ in range(6)])
    assert many.classes[0].outline_threshold == 0.5  # the first level above the false alarms
    assert origins[0]["val_dice_at_outline"] == pytest.approx(2000 / 3400, abs=1e-3)
    assert origins[0]["val_dice_at_threshold"] == pytest.approx(4800 / 8400, abs=1e-3)


def test_outline_level_counts_false_alarms_over_the_whole_image_windows_stand_for() -> None:
    # each good part seen through a window a tenth of its area: its false alarms count ten times
    windowed, _ = _outline_of([_false_alarm(area=10.0) for _ in range(6)])
    assert windowed.classes[0].outline_threshold == 0.5
    # good parts seen whole, but each NG part has ten times its window unseen: that area shows the
    # good windows' false-alarm rate
    unseen, _ = _outline_of([_false_alarm() for _ in range(6)], unseen=10 * 64 * 64)
    assert unseen.classes[0].outline_threshold == 0.5


def test_outline_level_below_a_high_threshold_draws_thin_defects_whole() -> None:
    # good parts carry faint 0.5 patches, so the threshold sits high (above 0.6); each NG part's
    # thin labelled crack scores 0.5 across its width and 0.9 along its centre line only. Drawn at
    # the threshold, a third of each crack; drawn down to 0.5 around what reaches the threshold,
    # the crack whole and no good-part patch (it never reaches the threshold)
    def crack() -> ScoredImage:
        m, t = np.full((1, 64, 64), 0.01, np.float32), np.zeros((64, 64), np.uint8)
        t[20:23, 5:60] = 1
        m[0, 20:23, 5:60] = 0.5
        m[0, 21, 5:60] = 0.9
        return ScoredImage("ng", frozenset({0}), [m], [t])

    def good(peak: float) -> ScoredImage:
        m = np.full((1, 64, 64), 0.01, np.float32)
        m[0, 30:40, 30:40] = 0.5
        m[0, 5, 5] = peak
        return ScoredImage("ok", frozenset(), [m], [np.zeros((64, 64), np.uint8)])

    images = [*(crack() for _ in range(4)), *(good(0.55 + 0.01 * i) for i in range(6))]
    config, origins = choose_decision(images, _config(), smallest_px=None)
    rule, origin = config.classes[0], origins[0]
    assert rule.threshold > 0.6
    assert rule.outline_threshold == 0.5  # the level nearest the threshold among those drawing best
    assert origin["val_dice_at_outline"] == pytest.approx(1.0)
    assert origin["val_dice_at_threshold"] == pytest.approx(2 * 55 / (55 + 165), abs=1e-3)
    assert config.outline_levels(1) == [0.5]
    assert "drawn down to 0.50" in describe(origin)
    # judged at the threshold still: good parts stay OK, cracks NG
    assert [decide(im.maps[0], config).verdict for im in images] == ["NG"] * 4 + ["OK"] * 6


def _scored(label: str, peak: float, sample_id: int) -> ScoredImage:
    return ScoredImage(label, frozenset({0}) if label == "ng" else frozenset(), [_map(32, peak, 4)],
                       sample_id=sample_id)  # fmt: skip


def test_origin_names_the_lowest_ng_parts_and_bounds_the_escape_rate() -> None:
    ng = [_scored("ng", peak, sid) for peak, sid in ((0.9, 11), (0.62, 12), (0.95, 13), (0.7, 14), (0.8, 15))]
    ok = [_scored("ok", 0.1 + 0.02 * i, 100 + i) for i in range(10)]
    _, origins = choose_decision(ok + ng, _config(), smallest_px=None)
    origin = origins[0]
    assert [w["sample_id"] for w in origin["weakest_ng"]] == [12, 14, 15]  # lowest first
    assert [w["score"] for w in origin["weakest_ng"]] == [0.62, 0.7, 0.8]
    # none of 5 escapes: the one-sided 95 % bound is 1 - 0.05 ** (1 / 5) = 45.1 %
    assert origin["escape_bound95"] == pytest.approx(0.4507, abs=1e-4)
    assert "lone_weakest" not in origin  # 0.62 is not far below 0.70
    line = describe(origin)
    assert "up to 45.1 % of new NG parts may (95 % bound)" in line
    assert "lowest NG: sample 12 0.620, sample 14 0.700, sample 15 0.800" in line


def test_a_lone_weakest_ng_part_is_flagged_with_the_threshold_without_it() -> None:
    spread = [0.85 + 0.003 * i for i in range(20)]  # log-odds spacing about 0.02
    assert not lone_weakest(spread)
    assert lone_weakest([0.03, *spread])  # e.g. a crack cut to its last rows by the piece border
    assert not lone_weakest([0.7, *spread])  # a gap of 0.89 log-odds: under 1
    assert lone_weakest([0.6, *spread])  # 1.33: over 1 and over 3 spacings of the others
    assert not lone_weakest([0.03, 0.9])  # two scores show no spacing to compare with
    # a gap over 1 log-odds is not enough where the others are spread as widely
    wide = [0.2, 0.5, 0.8, 0.95, 0.99]
    assert not lone_weakest([0.05, *wide])

    ok = [0.01 * i for i in range(60)]  # good parts from 0.00 to 0.59
    pairs = [(0.03, 7), *((s, 20 + i) for i, s in enumerate(spread))]
    origin = weakest_origin(pairs, ok)
    assert origin["lone_weakest"] is True
    without = origin["without_weakest"]
    expected, _ = choose_threshold(spread, ok)
    assert without["threshold"] == math.floor(expected * 1e4) / 1e4
    assert without["val_overkill"] == sum(1 for s in ok if s >= without["threshold"])
    assert without["val_overkill"] < 60 - 3  # at 0.03 nearly every good part is rejected
    assert origin["weakest_ng"][0] == {"sample_id": 7, "score": 0.03}


def test_no_ng_parts_no_weakest_origin() -> None:
    assert weakest_origin([], [0.1, 0.2]) == {}
    _, origins = choose_decision([_scored("ok", 0.2, 1), _scored("ok", 0.3, 2)], _config(), smallest_px=None)
    assert "weakest_ng" not in origins[0] and "escape_bound95" not in origins[0]
