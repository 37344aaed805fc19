"""Borderline decisions: a backend that agrees within tolerance may flip an image whose
reference decision itself flips when the threshold moves by the parity margin."""

from __future__ import annotations

import numpy as np

from workbench.core.decisions import ClassRule, DecisionConfig, decide
from workbench.export.golden import pick_golden
from workbench.export.parity import ParityImage, VariantParity, is_borderline


def _config() -> DecisionConfig:
    return DecisionConfig(classes=[ClassRule(1, "defect", threshold=0.5)])


def _map(peak: float) -> np.ndarray:
    scores = np.zeros((1, 32, 32), np.float32)
    scores[0, 10:14, 10:14] = peak
    return scores


def test_a_region_at_the_threshold_is_borderline_and_a_clear_one_is_not() -> None:
    assert is_borderline(_map(0.5002), _config())
    assert not is_borderline(_map(0.9), _config())
    assert not is_borderline(_map(0.1), _config())


def test_borderline_flip_is_reported_but_does_not_fail_the_gate() -> None:
    config = _config()
    item = ParityImage("part", "ng", np.zeros((32, 32), np.uint8))
    ref, out = _map(0.5002), _map(0.4998)  # 4e-4 apart: within the FP32 tolerance
    row = VariantParity("onnxruntime fp32", "fp32", gate=True)
    row.add(ref, decide(ref, config), out, decide(out, config), item, borderline=True)
    assert row.borderline_changes == ["part: NG->OK (borderline)"]
    assert row.verdict_changes == [] and row.passed


def test_a_clear_flip_fails_the_gate() -> None:
    config = _config()
    item = ParityImage("part", "ng", np.zeros((32, 32), np.uint8))
    ref, out = _map(0.9), _map(0.1)
    row = VariantParity("onnxruntime fp32", "fp32", gate=True)
    row.add(ref, decide(ref, config), out, decide(out, config), item, borderline=False)
    assert row.verdict_changes == ["part: NG->OK"]
    assert not row.passed


def test_golden_images_prefer_stable_decisions() -> None:
    img = np.zeros((8, 8), np.uint8)
    items = [
        ParityImage("ng-border", "ng", img, borderline=True),
        ParityImage("ng-clear", "ng", img),
        ParityImage("ok-clear", "ok", img),
    ]
    assert [i.name for i in pick_golden(items, 2)] == ["ng-clear", "ok-clear"]


def _veto(probability: float) -> tuple[DecisionConfig, tuple[np.ndarray, np.ndarray]]:
    """A rule with a classifier threshold of 0.5 and stage maps giving the region ``probability``."""
    config = DecisionConfig(classes=[ClassRule(1, "defect", threshold=0.5, confirm_threshold=0.5)])
    confirm = np.full((32, 32), -1.0, np.float32)
    confirm[10:14, 10:14] = probability
    named = np.where(confirm >= 0, 1, 0).astype(np.uint8)
    return config, (confirm, named)


def test_a_defect_probability_at_the_classifier_threshold_is_borderline() -> None:
    for probability, borderline in ((0.5002, True), (0.9, False), (0.1, False)):
        config, stage = _veto(probability)
        assert is_borderline(_map(0.9), config, stage=stage) is borderline, probability


def test_a_veto_on_one_side_only_fails_the_gate() -> None:
    config, kept = _veto(0.9)
    _, vetoed = _veto(0.1)
    gray = np.zeros((32, 32), np.uint8)
    ref = out = _map(0.9)
    ref_dec, out_dec = decide(ref, config, stage=kept), decide(out, config, stage=vetoed)
    assert (ref_dec.verdict, len(ref_dec.vetoed), out_dec.verdict, len(out_dec.vetoed)) == ("NG", 0, "OK", 1)
    row = VariantParity("onnxruntime fp32", "fp32", gate=True)
    row.add(ref, ref_dec, out, out_dec, ParityImage("part", "ng", gray), borderline=False)
    assert row.verdict_changes == ["part: NG->OK"] and not row.passed


def test_a_changed_veto_count_fails_the_gate_when_verdict_and_defects_stay() -> None:
    config = DecisionConfig(classes=[ClassRule(1, "defect", threshold=0.5, confirm_threshold=0.5)])
    confirm = np.full((32, 32), -1.0, np.float32)
    confirm[2:6, 2:6], confirm[20:24, 20:24] = 0.9, 0.1  # region A confirmed, region B vetoed
    stage = (confirm, np.where(confirm >= 0, 1, 0).astype(np.uint8))
    ref = np.zeros((1, 32, 32), np.float32)
    ref[0, 2:6, 2:6] = ref[0, 20:24, 20:24] = 0.9
    out = ref.copy()
    out[0, 20:24, 20:24] = 0.1  # B no longer reaches the segmenter's threshold: nothing to veto
    ref_dec, out_dec = decide(ref, config, stage=stage), decide(out, config, stage=stage)
    assert (ref_dec.verdict, len(ref_dec.defects), len(ref_dec.vetoed)) == ("NG", 1, 1)
    assert (out_dec.verdict, len(out_dec.defects), len(out_dec.vetoed)) == ("NG", 1, 0)
    row = VariantParity("onnxruntime fp32", "fp32", gate=True)
    row.add(ref, ref_dec, out, out_dec, ParityImage("part", "ng", np.zeros((32, 32), np.uint8)))
    assert row.count_changes == ["part: 1->0 vetoed by the classifier"] and not row.passed
