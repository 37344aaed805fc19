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
