"""Validation during training: full-resolution score maps of the val images, image AUROC, pixel Dice.

The image score of a map is the maximum of its lightly smoothed defect map (the max over
classes), so one stray pixel does not make an image NG while a thin crack still does.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from workbench.core.cancel import CancelToken
from workbench.learn.data_sampling import TrainItem
from workbench.learn.infer import LoadedRun

SMOOTH_KERNEL = 5
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


def image_score(score_map: np.ndarray) -> float:
    """Max over the smoothed, class-maxed ``(K,H,W)`` map."""
    defect = score_map.max(axis=0).astype(np.float32)
    k = min(SMOOTH_KERNEL, defect.shape[0], defect.shape[1])
    return float(cv2.blur(defect, (k, k)).max()) if k > 1 else float(defect.max())


def tile_for(task: str, crop: int) -> tuple[int, int]:
    """Inference tile and overlap for a model trained on ``crop`` pixels.

    Segmentation and anomaly nets are fully convolutional and see more context at inference
    (up to 512-pixel tiles); a classifier must see the size it was trained on.
    """
    tile = crop if task == "classification" else max(crop, min(512, 2 * crop))
    return tile, tile // 8


def validate(
    predictor: LoadedRun, items: list[TrainItem], cancel: CancelToken, pixels: bool = True
) -> dict[str, Any]:
    """Image AUROC (val OK vs NG) and, with ``pixels``, Dice of defect pixels over every val image
    whose mask is known; maps come from the same tiled prediction as evaluation."""
    scores, positives = [], []
    tp = fp = fn = 0
    for item in items:
        cancel.raise_if_cancelled()
        probs = predictor.predict(item.image)
        scores.append(image_score(probs))
        positives.append(item.label == "ng")
        if not pixels or (item.label == "ng" and not item.points):
            continue  # NG without a mask: counts for AUROC only
        pred = probs.max(axis=0) >= PIXEL_THRESHOLD
        truth = item.target > 0
        tp += int(np.count_nonzero(pred & truth))
        fp += int(np.count_nonzero(pred & ~truth))
        fn += int(np.count_nonzero(~pred & truth))
    roc = auroc(scores, positives)
    out: dict[str, Any] = {"image_auroc": roc}
    if pixels:
        out["pixel_dice"] = 2 * tp / (2 * tp + fp + fn) if (tp + fp + fn) else None
    else:
        out["image_accuracy"] = float(np.mean([(s >= 0.5) == p for s, p in zip(scores, positives)]))
    out["score"] = _combined(*out.values())
    return out


def _combined(*values: float | None) -> float:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else 0.0
