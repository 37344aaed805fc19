"""Validation during training: full-resolution score maps of the val images, image AUROC, pixel Dice.

The image score is ``core.decisions.image_score`` (the map's highest pixel), the same score that
evaluation, sweeps and the runtime use, so a validation AUROC describes the deployed decisions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from workbench.core.cancel import CancelToken
from workbench.core.decisions import image_score
from workbench.core.operating_point import ScoredImage
from workbench.core.tiling import TILE_MULTIPLE, pad_image, padded_length
from workbench.learn.data_sampling import TrainItem
from workbench.learn.infer import LoadedRun
from workbench.learn.val_plan import ValPlan, Window

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

    def __init__(self, pixels: bool = True, keep: bool = False) -> None:
        self.pixels = pixels
        self.keep = keep  # keep the maps for choosing thresholds (``learn.operating_point``)
        self.scores: list[float] = []
        self.positives: list[bool] = []
        self.records: list[ScoredImage] = []
        self.tp = self.fp = self.fn = 0

    def add(self, probs: np.ndarray, item: TrainItem) -> None:
        """Count one image's ``(K,H,W)`` score map against its label and mask."""
        self.add_windows([probs], [item.target], item)

    def add_windows(self, maps: list[np.ndarray], targets: list[np.ndarray], item: TrainItem) -> None:
        """Count the windows of one image: its score is their highest pixel."""
        masked = not (item.label == "ng" and not item.points)
        self.scores.append(max(image_score(m) for m in maps))
        self.positives.append(item.label == "ng")
        if self.keep:
            channels = frozenset(int(v) - 1 for v in np.unique(item.target) if v > 0)
            # float16 keeps a best validation's maps small until the thresholds are chosen
            self.records.append(ScoredImage(item.label, channels, [m.astype(np.float16) for m in maps]))
        if not self.pixels or not masked:
            return  # NG without a mask: counts for AUROC only
        for probs, target in zip(maps, targets):
            pred = probs.max(axis=0) >= PIXEL_THRESHOLD
            truth = target > 0
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


def validate_plan(
    predictor: LoadedRun,
    items: list[TrainItem],
    plan: ValPlan,
    cancel: CancelToken,
    pixels: bool = True,
    keep: bool = False,
    batch_pixels: int = 4 * 256 * 256,
) -> ValidationTally:
    """Validate on the planned windows: whole small images, defect and good windows of large ones.

    Windows are padded to the next multiple of 32 (reflect) and windows of one padded shape are
    predicted in batches of about ``batch_pixels``.
    """
    tally = ValidationTally(pixels, keep)
    if predictor.task == "classification":  # a classifier sees its trained size: tiles of whole images
        maps = [
            predictor.predict(items[w.item].image[w.y : w.y + w.h, w.x : w.x + w.w]) for w in plan.windows
        ]
    else:
        maps = predict_windows(predictor, items, plan.windows, cancel, batch_pixels)
    for idx in plan.images:
        mine = [i for i, w in enumerate(plan.windows) if w.item == idx]
        wins = [plan.windows[i] for i in mine]
        targets = [items[idx].target[w.y : w.y + w.h, w.x : w.x + w.w] for w in wins]
        tally.add_windows([maps[i] for i in mine], targets, items[idx])
    return tally


def predict_windows(
    predictor: LoadedRun, items: list[TrainItem], windows: list[Window], cancel: CancelToken,
    batch_pixels: int,
) -> list[np.ndarray]:  # fmt: skip
    """``(K,h,w)`` score maps of ``windows``, batched by padded shape."""
    inputs = []
    for w in windows:
        chw = predictor.to_input(items[w.item].image[w.y : w.y + w.h, w.x : w.x + w.w])
        # windows are at most a tile: each axis padded to the next multiple of 32, as in evaluation
        size = -(-max(chw.shape[1:]) // TILE_MULTIPLE) * TILE_MULTIPLE
        inputs.append(pad_image(chw, padded_length(chw.shape[1], size), padded_length(chw.shape[2], size)))
    groups: dict[tuple[int, int], list[int]] = {}
    for i, chw in enumerate(inputs):
        groups.setdefault((chw.shape[1], chw.shape[2]), []).append(i)
    out: list[np.ndarray] = [np.zeros(0)] * len(windows)
    for (ph, pw), members in groups.items():
        per_batch = max(1, batch_pixels // (ph * pw))
        for start in range(0, len(members), per_batch):
            cancel.raise_if_cancelled()
            chunk = members[start : start + per_batch]
            pred = _run_batch(predictor, np.stack([inputs[i] for i in chunk]))
            for i, p in zip(chunk, pred):
                out[i] = p[:, : windows[i].h, : windows[i].w]
    return out


def _run_batch(predictor: LoadedRun, batch: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(batch)).to(predictor.device)
        return predictor.score_module(x).float().cpu().numpy()


def _combined(*values: float | None) -> float:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else 0.0
