"""The second stage as the decision sees it: proposals, crops, the classifier's maps, vetoes."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.decision_regions import prepare
from workbench.core.decisions import ClassRule, Decision, DecisionConfig, decide, decide_prepared
from workbench.core.region_stage import (
    NOT_LOOKED,
    RegionStage,
    RegionStageError,
    crop_box,
    crops_for,
    proposals,
    stage_maps,
)


def _stage(**kw: object) -> RegionStage:
    return RegionStage(levels=(0.5,), class_ids=(3, 7), names=("pit", "scratch"), **kw)  # type: ignore[arg-type]


def _two_regions() -> np.ndarray:
    m = np.zeros((1, 60, 80), np.float32)
    m[0, 10:14, 10:16] = 0.9  # a defect (left)
    m[0, 40:43, 60:63] = 0.7  # a false alarm (right)
    return m


def _by_column(crops: np.ndarray) -> np.ndarray:
    """A fake classifier: a crop whose centre is bright is a "scratch", a dark one not a defect."""
    out = np.zeros((len(crops), 3), np.float32)
    c = crops.shape[-1] // 2
    bright = crops[:, 0, c, c] > 0.5
    out[bright] = (0.1, 0.2, 0.7)
    out[~bright] = (0.8, 0.15, 0.05)
    return out


def _image() -> np.ndarray:
    image = np.zeros((60, 80), np.uint8)
    image[10:14, 10:16] = 255  # the defect is bright, the false alarm's area is not
    return image


def test_crop_box_is_square_centred_with_context_and_minimum():
    st = _stage(context=1.0, min_side=8)
    assert crop_box(10, 20, 6, 4, st) == (4, 13, 18)  # 6 * 3 = 18, centred on (13, 22)
    assert crop_box(0, 0, 2, 2, st) == (-3, -3, 8)  # at least the minimum side, past the edge


def test_crops_reflect_past_the_edge_and_resize():
    chw = np.arange(5 * 6, dtype=np.float32).reshape(1, 5, 6) / 30.0
    crops = crops_for(chw, [(0, 0, 6, 5)], _stage(context=0.0, min_side=4, input_size=16))
    assert crops.shape == (1, 1, 16, 16) and crops.dtype == np.float32
    square = crops_for(chw, [(0, 0, 2, 2)], RegionStage((0.5,), (1,), ("a",), input_size=16, context=0.0,
                                                          min_side=4))  # fmt: skip
    assert square.min() >= 0.0 and square.max() <= 1.0


def test_proposals_at_the_stage_level_with_labels():
    found, labels = proposals(_two_regions(), _stage())
    assert [(p.x, p.y, p.w, p.h) for p in found] == [(10, 10, 6, 4), (60, 40, 3, 3)]
    assert set(np.unique(labels)) == {0, found[0].label, found[1].label}
    assert (labels[10:14, 10:16] == found[0].label).all()


def test_stage_maps_give_defect_probability_and_named_class_on_proposal_pixels():
    confirm, named = stage_maps(_two_regions(), _image()[None] / 255.0, _stage(), _by_column)
    assert confirm[12, 12] == pytest.approx(0.9) and named[12, 12] == 7
    assert confirm[41, 61] == pytest.approx(0.2) and named[41, 61] == 3
    assert confirm[0, 0] == NOT_LOOKED and named[0, 0] == 0


def test_a_vetoed_false_alarm_turns_the_image_ok():
    score_map = _two_regions()
    score_map[0, 10:14, 10:16] = 0.0  # only the false alarm is left
    stage = stage_maps(score_map, _image()[None] / 255.0, _stage(), _by_column)
    plain = DecisionConfig([ClassRule(1, "defect", 0.5)])
    assert decide(score_map, plain, stage=stage).verdict == "NG"  # no classifier threshold: no veto
    two_stage = DecisionConfig([ClassRule(1, "defect", 0.5, confirm_threshold=0.5)])
    decision = decide(score_map, two_stage, stage=stage)
    assert decision.verdict == "OK" and decision.defects == ()
    assert len(decision.vetoed) == 1 and decision.vetoed[0].defect_prob == pytest.approx(0.2)
    assert Decision.from_dict(decision.to_dict()) == decision


def test_confirmed_defect_stays_ng_and_is_named():
    stage = stage_maps(_two_regions(), _image()[None] / 255.0, _stage(), _by_column)
    config = DecisionConfig([ClassRule(1, "defect", 0.5, confirm_threshold=0.5)])
    decision = decide(_two_regions(), config, _image(), stage=stage)
    assert decision.verdict == "NG"
    assert [(d.x, d.named_class) for d in decision.defects] == [(10, 7)]
    assert [(d.x, d.named_class) for d in decision.vetoed] == [(60, 3)]


def test_both_thresholds_redecide_from_one_preparation():
    stage = stage_maps(_two_regions(), _image()[None] / 255.0, _stage(), _by_column)
    prepared = prepare(_two_regions(), None, 0.1, stage=stage)
    strict = DecisionConfig([ClassRule(1, "defect", 0.5, confirm_threshold=0.95)])
    loose = DecisionConfig([ClassRule(1, "defect", 0.5, confirm_threshold=0.1)])
    higher = DecisionConfig([ClassRule(1, "defect", 0.8, confirm_threshold=0.5)])
    assert decide_prepared(prepared, strict).verdict == "OK"
    assert len(decide_prepared(prepared, loose).defects) == 2
    # above the stage's level a region lies inside its proposal and keeps its verdict
    assert [d.x for d in decide_prepared(prepared, higher).defects] == [10]


def test_region_found_only_below_the_stage_level_is_not_vetoed():
    score_map = np.zeros((1, 40, 40), np.float32)
    score_map[0, 5:9, 5:9] = 0.3  # never reaches the stage's level 0.5
    stage = stage_maps(score_map, np.zeros((1, 40, 40), np.float32), _stage(), _by_column)
    config = DecisionConfig([ClassRule(1, "defect", 0.2, confirm_threshold=0.99)])
    decision = decide(score_map, config, stage=stage)
    assert decision.verdict == "NG" and decision.defects[0].defect_prob is None


def test_classifier_answering_the_wrong_shape_is_refused():
    with pytest.raises(RegionStageError, match="expected"):
        stage_maps(_two_regions(), _image()[None] / 255.0, _stage(), lambda c: np.zeros((len(c), 2)))


def test_stage_description_round_trips_and_is_checked():
    st = _stage(input_size=48)
    assert RegionStage.from_dict(st.to_dict()) == st
    with pytest.raises(RegionStageError):
        RegionStage((0.5,), (1, 2), ("a",))
    with pytest.raises(RegionStageError):
        RegionStage.from_dict({"levels": [0.5]})


def test_stored_maps_keep_the_classifier_maps(tmp_path):
    from workbench.core.evaluation import load_map, load_stage, save_map

    stage = stage_maps(_two_regions(), _image()[None] / 255.0, _stage(), _by_column)
    save_map(tmp_path / "a.npz", _two_regions(), stage)
    save_map(tmp_path / "b.npz", _two_regions())
    confirm, named = load_stage(tmp_path / "a.npz")  # type: ignore[misc]
    assert np.allclose(confirm, stage[0], atol=2e-5) and (named == stage[1]).all()
    assert (confirm == NOT_LOOKED).sum() == (stage[0] == NOT_LOOKED).sum()
    assert load_stage(tmp_path / "b.npz") is None
    assert np.allclose(load_map(tmp_path / "a.npz"), _two_regions(), atol=1e-4)


def test_image_score_leaves_out_vetoed_pixels_so_sweeps_see_both_stages():
    stage = stage_maps(_two_regions(), _image()[None] / 255.0, _stage(), _by_column)
    prepared = prepare(_two_regions(), None, 0.1, stage=stage)
    plain = DecisionConfig([ClassRule(1, "defect", 0.5)])
    assert decide_prepared(prepared, plain).image_score == pytest.approx(0.9)
    only_alarm = _two_regions()
    only_alarm[0, 10:14, 10:16] = 0.0
    prepared = prepare(only_alarm, None, 0.1, stage=stage_maps(only_alarm, _image()[None] / 255.0, _stage(),
                                                                  _by_column))  # fmt: skip
    vetoing = DecisionConfig([ClassRule(1, "defect", 0.5, confirm_threshold=0.5)])
    decision = decide_prepared(prepared, vetoing)
    # the vetoed false alarm (0.7) no longer scores the image: it turns NG at no threshold above the floor
    assert decision.verdict == "OK" and decision.image_score < 0.1
    assert decide_prepared(prepared, plain).image_score == pytest.approx(0.7)


def test_overrides_set_or_remove_the_classifier_threshold():
    from workbench.core.evaluation import CLASSIFIER_OFF, with_overrides

    stored = DecisionConfig([ClassRule(1, "defect", 0.5, confirm_threshold=0.3)]).to_dict()
    assert with_overrides(stored).classes[0].confirm_threshold == 0.3
    assert with_overrides(stored, classifier=0.7).classes[0].confirm_threshold == 0.7
    assert with_overrides(stored, classifier=CLASSIFIER_OFF).classes[0].confirm_threshold is None
