"""Validation during training: full-resolution score maps of the val images, image AUROC, pixel Dice.

Maps come from the run's ``scores_many`` (core's padding, tiling and merge, as in evaluation); the
image score is ``core.decisions.image_score``, the AUROC ``core.metrics.auroc`` and the defect
pixels ``core.class_pixels`` at one threshold for every class (none is chosen yet), the same
definitions evaluation and the runtime use, so a validation AUROC describes the deployed decisions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken
from workbench.core.class_pixels import defect_pixels
from workbench.core.decisions import DEFAULT_THRESHOLD, image_score
from workbench.core.metrics import auroc
from workbench.core.operating_point import ScoredImage
from workbench.learn.data_sampling import TrainItem
from workbench.learn.infer import LoadedRun
from workbench.learn.val_plan import ValPlan


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
        self.keep = keep  # keep the maps for choosing thresholds (``core.operating_point``)
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
            # float16 keeps a best validation's maps small until the thresholds are chosen; the
            # window masks (when known) place the outline levels
            kept = [m.astype(np.float16) for m in maps]
            marks = [np.asarray(t, np.uint8) for t in targets] if self.pixels and masked else []
            seen = sum(int(m.shape[-2]) * int(m.shape[-1]) for m in maps)
            whole = int(item.shape[0]) * int(item.shape[1])
            # a good image's windows are a random sample of its area; an NG image's centre on its
            # defects, so their false alarms say nothing of the rest of it
            ok = item.label == "ok"
            area = max(whole / max(seen, 1), 1.0) if ok else 1.0
            unseen = 0 if ok else max(whole - seen, 0)
            record = ScoredImage(item.label, channels, kept, marks, area_weight=area, unseen_px=unseen,
                                 sample_id=item.sample_id)  # fmt: skip
            self.records.append(record)
        if not self.pixels or not masked:
            return  # NG without a mask: counts for AUROC only
        for probs, target in zip(maps, targets):
            pred = defect_pixels(probs, [DEFAULT_THRESHOLD] * probs.shape[0])
            truth = target > 0
            self.tp += int(np.count_nonzero(pred & truth))
            self.fp += int(np.count_nonzero(pred & ~truth))
            self.fn += int(np.count_nonzero(~pred & truth))

    def result(self) -> dict[str, Any]:
        """``image_auroc``, then ``pixel_dice`` (or ``image_accuracy``), and their mean ``score``."""
        out: dict[str, Any] = {"image_auroc": auroc(self.scores, self.positives)}
        if self.pixels:
            # measured only where val masks hold defect pixels: without any, Dice says nothing
            labelled = self.tp + self.fn
            out["pixel_dice"] = 2 * self.tp / (2 * self.tp + self.fp + self.fn) if labelled else None
        else:
            hits = [(s >= DEFAULT_THRESHOLD) == p for s, p in zip(self.scores, self.positives)]
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
        tally.add(predictor.scores(item.image), item)
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

    Each window is predicted as evaluation predicts an image of its size (padded, tiled and merged
    by core); windows of one padded shape share model calls of about ``batch_pixels``.
    """
    tally = ValidationTally(pixels, keep)
    crops = [items[w.item].image[w.y : w.y + w.h, w.x : w.x + w.w] for w in plan.windows]
    maps = predictor.scores_many(crops, cancel, max_pixels=batch_pixels)
    for idx in plan.images:
        mine = [i for i, w in enumerate(plan.windows) if w.item == idx]
        wins = [plan.windows[i] for i in mine]
        targets = [items[idx].target[w.y : w.y + w.h, w.x : w.x + w.w] for w in wins]
        tally.add_windows([maps[i] for i in mine], targets, items[idx])
    return tally


def _combined(*values: float | None) -> float:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else 0.0
