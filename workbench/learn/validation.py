"""Validation during training: full-resolution score maps of the val images, image AUROC, pixel Dice.

The image score is ``core.decisions.image_score`` (the map's highest pixel), the same score that
evaluation, sweeps and the runtime use, so a validation AUROC describes the deployed decisions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken
from workbench.core.decisions import image_score
from workbench.learn.data_sampling import TrainItem
from workbench.learn.infer import LoadedRun

PIXEL_THRESHOLD = 0.5


def auroc(scores: list[float], positives: list[bool]) -> float | None:
    """Area under the ROC curve (ties count half); None without both classes."""
    s = np.asarray(scores, np.float64)
    y = np.asarray(positives, bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def tile_for(task: str, crop: int) -> tuple[int, int]:
    """Inference tile and overlap for a model trained on ``crop`` pixels.

    Segmentation and anomaly nets are fully convolutional and see more context at inference
    (up to 512-pixel tiles); a classifier must see the size it was trained on.
    """
    tile = crop if task == "classification" else max(crop, min(512, 2 * crop))
    return tile, tile // 8


class ValidationTally:
    """Image scores and defect-pixel counts of val images, added one score map at a time."""

    def __init__(self, pixels: bool = True) -> None:
        self.pixels = pixels
        self.scores: list[float] = []
        self.positives: list[bool] = []
        self.tp = self.fp = self.fn = 0

    def add(self, probs: np.ndarray, item: TrainItem) -> None:
        """Count one image's ``(K,H,W)`` score map against its label and mask."""
        self.scores.append(image_score(probs))
        self.positives.append(item.label == "ng")
        if not self.pixels or (item.label == "ng" and not item.points):
            return  # NG without a mask: counts for AUROC only
        pred = probs.max(axis=0) >= PIXEL_THRESHOLD
        truth = item.target > 0
        self.tp += int(np.count_nonzero(pred & truth))
        self.fp += int(np.count_nonzero(pred & ~truth))
        self.fn += int(np.count_nonzero(~pred & truth))

    def result(self) -> dict[str, Any]:
        """``image_auroc``, then ``pixel_dice`` (or ``image_accuracy``), and their mean ``score``."""
        out: dict[str, Any] = {"image_auroc": auroc(self.scores, self.positives)}
        if self.pixels:
            counted = self.tp + self.fp + self.fn
            out["pixel_dice"] = 2 * self.tp / (2 * self.tp + self.fp + self.fn) if counted else None
        else:
            hits = [(s >= PIXEL_THRESHOLD) == p for s, p in zip(self.scores, self.positives)]
            out["image_accuracy"] = float(np.mean(hits)) if hits else None
        out["score"] = _combined(*out.values())
        return out


def validate(
    predictor: LoadedRun, items: list[TrainItem], cancel: CancelToken, pixels: bool = True
) -> dict[str, Any]:
    """Image AUROC (val OK vs NG) and, with ``pixels``, Dice of defect pixels over every val image
    whose mask is known; maps come from the same tiled prediction as evaluation."""
    tally = ValidationTally(pixels)
    for item in items:
        cancel.raise_if_cancelled()
        tally.add(predictor.predict(item.image), item)
    return tally.result()


def _combined(*values: float | None) -> float:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else 0.0
