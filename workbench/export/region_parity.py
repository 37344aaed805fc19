"""Parity of the region classifier: torch's probabilities against each backend's, on the crops the
second stage cuts from the golden images (the regions their reference score maps propose)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.core.preprocess import model_input
from workbench.core.region_stage import RegionFn, RegionStage, crops_for, proposals
from workbench.export.parity import ParityImage
from workbench.runtime.manifest import FP32_TOLERANCE, ParityRow


def golden_crops(items: Sequence[ParityImage], stage: RegionStage, in_channels: int) -> np.ndarray:
    """``(N, C, S, S)``: the crops of every proposal the stage looks at in the golden images (at
    most ``max_regions`` each, highest first); the whole image's crop for an image with none, so
    the classifier is compared on every golden image."""
    crops = []
    for item in items:
        if item.scores is None:
            raise ValueError(f"golden image {item.name} was not scored by the trained model")
        chw = model_input(item.image, in_channels, item.name)
        found, _ = proposals(item.scores, stage)
        found = sorted(found, key=lambda p: -p.max_score)[: stage.max_regions]
        boxes = [(p.x, p.y, p.w, p.h) for p in found] or [(0, 0, chw.shape[2], chw.shape[1])]
        crops.append(crops_for(chw, boxes, stage))
    return np.concatenate(crops) if crops else np.zeros((0, in_channels, stage.input_size, stage.input_size))


def region_rows(
    crops: np.ndarray, reference: RegionFn, variants: Sequence[tuple[str, RegionFn]], batch: int = 32
) -> list[ParityRow]:
    """One gated row per backend: how far its probabilities lie from torch's (``FP32_TOLERANCE``);
    whether a veto changes is the two-stage decision's part of the parity (``parity.measure``)."""
    ref = _run(reference, crops, batch)
    rows = []
    for label, fn in variants:
        out = _run(fn, crops, batch)
        diff = np.abs(out - ref) if ref.size else np.zeros(1)
        max_abs = float(diff.max())
        rows.append(ParityRow(label, "fp32", len(crops), max_abs, float(diff.mean()), gate=True,
                              passed=max_abs <= FP32_TOLERANCE))  # fmt: skip
    return rows


def _run(fn: RegionFn, crops: np.ndarray, batch: int) -> np.ndarray:
    parts = [np.asarray(fn(crops[i : i + batch]), np.float64) for i in range(0, len(crops), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, 1))
