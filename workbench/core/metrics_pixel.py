"""Pixel and region metrics of predicted label maps against labelled masks.

Label maps are ``H x W`` integer arrays as in ``masks/``: 0 = background, k = defect class k;
predicted ones come from score maps through ``class_pixels.label_map`` (the decisions' own rule).
Pixel counts are summed over the whole data set before Dice / IoU are taken (so large images
weigh more); the overall value is the mean over classes where it is defined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np


def _pairs(
    true_masks: Sequence[np.ndarray], pred_masks: Sequence[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    if len(true_masks) != len(pred_masks):
        raise ValueError(f"{len(true_masks)} labelled masks but {len(pred_masks)} predicted masks")
    for i, (t, p) in enumerate(zip(true_masks, pred_masks)):
        if t.shape != p.shape or t.ndim != 2:
            raise ValueError(
                f"image {i}: labelled mask {t.shape} and prediction {p.shape} differ or are not HxW"
            )
        for what, m in (("labelled mask", t), ("prediction", p)):
            if m.dtype != np.uint8 and m.size and (m.dtype.kind not in "biu" or m.min() < 0 or m.max() > 255):
                raise ValueError(f"image {i}: {what} must hold class ids 0..255, got {m.dtype}")
    return list(zip(true_masks, pred_masks))


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _mean(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def pixel_metrics(
    true_masks: Sequence[np.ndarray], pred_masks: Sequence[np.ndarray], class_ids: Sequence[int]
) -> dict[str, Any]:
    """Dice and IoU per class (``pixel.class.<id>.*``) and their class mean (``pixel.dice``, ``pixel.iou``).

    A class with no labelled and no predicted pixel has no Dice / IoU (None) and is left out of
    the mean. ``pixel.any.*`` treats every class as one "defect" class.
    """
    # Joint histogram of (true, predicted) labels over the data set.
    joint = np.zeros((256, 256), dtype=np.int64)
    for t, p in _pairs(true_masks, pred_masks):
        code = t.astype(np.int64).ravel() * 256 + p.astype(np.int64).ravel()
        joint += np.bincount(code, minlength=256 * 256).reshape(256, 256)
    out: dict[str, Any] = {}
    dices, ious = [], []
    for c in class_ids:
        tp = int(joint[c, c])
        fp = int(joint[:, c].sum()) - tp
        fn = int(joint[c, :].sum()) - tp
        dice, iou = _ratio(2 * tp, 2 * tp + fp + fn), _ratio(tp, tp + fp + fn)
        dices.append(dice)
        ious.append(iou)
        out.update({f"pixel.class.{c}.tp": tp, f"pixel.class.{c}.fp": fp, f"pixel.class.{c}.fn": fn})
        out.update({f"pixel.class.{c}.dice": dice, f"pixel.class.{c}.iou": iou})
    out["pixel.dice"], out["pixel.iou"] = _mean(dices), _mean(ious)
    tp_any = int(joint[1:, 1:].sum())
    fp_any, fn_any = int(joint[0, 1:].sum()), int(joint[1:, 0].sum())
    out["pixel.any.dice"] = _ratio(2 * tp_any, 2 * tp_any + fp_any + fn_any)
    out["pixel.any.iou"] = _ratio(tp_any, tp_any + fp_any + fn_any)
    return out


def components(mask: np.ndarray) -> tuple[int, np.ndarray]:
    """(number of 8-connected regions, H x W region labels 1..n, 0 elsewhere) of a boolean mask."""
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    return n - 1, labels


def _match(truth: np.ndarray, pred: np.ndarray) -> tuple[int, int, int]:
    """(labelled regions, those overlapped by the prediction, predicted regions touching no label)."""
    n_true, true_lab = components(truth)
    n_pred, pred_lab = components(pred)
    found = np.unique(true_lab[pred & (true_lab > 0)]).size
    hit = np.unique(pred_lab[truth & (pred_lab > 0)]).size
    return n_true, found, n_pred - hit


def region_metrics(
    true_masks: Sequence[np.ndarray],
    pred_masks: Sequence[np.ndarray],
    class_ids: Sequence[int],
    match_class: bool = True,
) -> dict[str, Any]:
    """Defect-region recall and false-alarm regions per image (8-connected regions).

    A labelled region is found when any predicted pixel (of the same class when ``match_class``,
    else of any class) overlaps it; a predicted region overlapping no such labelled pixel is a
    false alarm.
    """
    pairs = _pairs(true_masks, pred_masks)
    totals = np.zeros(3, dtype=np.int64)
    out: dict[str, Any] = {}
    for c in class_ids:
        counts = np.zeros(3, dtype=np.int64)
        for t, p in pairs:
            counts += _match(t == c, p == c if match_class else p > 0)
        totals += counts
        block = _region_block(f"region.class.{c}", counts, len(pairs))
        if not match_class:
            # Any-class predictions cannot be assigned to one class's false alarms.
            block.update(
                dict.fromkeys(
                    [f"region.class.{c}.n_false_alarms", f"region.class.{c}.false_alarms_per_image"]
                )
            )
        out.update(block)
    if not match_class:
        totals[2] = sum(_match(t > 0, p > 0)[2] for t, p in pairs)
    out.update(_region_block("region", totals, len(pairs)))
    return out


def _region_block(prefix: str, counts: np.ndarray, n_images: int) -> dict[str, Any]:
    n_true, found, false_alarms = (int(v) for v in counts)
    return {
        f"{prefix}.n_true": n_true,
        f"{prefix}.n_found": found,
        f"{prefix}.recall": _ratio(found, n_true),
        f"{prefix}.n_false_alarms": false_alarms,
        f"{prefix}.false_alarms_per_image": _ratio(false_alarms, n_images),
    }
