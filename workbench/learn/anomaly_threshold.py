"""A good-only run's threshold, placed after the fit on labelled images the fit never saw.

The labelled NG images outside the locked test split (those of the val split and those of the
train split, which the fit leaves out) and the good val images (or good training images held out
of the fit) are scored by the fitted model as evaluation scores them. ``core.operating_point`` then
places the threshold exactly as it does for supervised runs: with NG images, below the highest
threshold at which none of them escapes, by a margin for NG parts scoring lower still; without,
a quantile of the good parts' scores, stated as a guess. The run's metrics say which happened.

The margin works in log-odds of the score; a good-only model's score must therefore be a [0, 1]
score whose log-odds means something. The built-in model's ``raw / (raw + scale)`` has log-odds
``log(raw / scale)``: the margin is a ratio of raw distances, the same for any ``scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken, Progress
from workbench.core.decisions import DEFAULT_THRESHOLD, DecisionConfig, image_score
from workbench.core.operating_point import ScoredImage, choose_decision
from workbench.learn import log_lines
from workbench.learn.data_sampling import TrainItem
from workbench.learn.infer import LoadedRun
from workbench.learn.validation import ValidationTally

PLACED_BY = {"val_zero_escape": "ng_images", "ok_quantile": "good_parts_guess", "default": "default"}


@dataclass
class PlacedThreshold:
    """The decision a good-only run ships, how it was placed, and its validation at that threshold."""

    decision: DecisionConfig
    origins: list[dict[str, Any]]  # per class rule, as ``core.operating_point.choose_decision`` gives
    validation: dict[str, Any]  # image AUROC of every image scored, pixel Dice of the val images at it
    threshold: dict[str, Any]  # the run's ``metrics["threshold"]``: which placement happened, counts


def hold_out_good(train: list[TrainItem], val_has_good: bool) -> tuple[list[TrainItem], list[TrainItem]]:
    """The good training images to fit on and, when no val image is good, every fifth of them
    kept out of the fit so that the threshold has good parts the model has not seen."""
    if val_has_good or len(train) < 5:
        return train, []
    return [it for i, it in enumerate(train) if i % 5 != 4], [it for i, it in enumerate(train) if i % 5 == 4]


def place_threshold(
    run: LoadedRun,
    val: list[TrainItem],
    held_out: list[TrainItem],
    ng_train: list[TrainItem],
    decision: DecisionConfig,
    progress: Progress,
    cancel: CancelToken,
) -> PlacedThreshold:
    """Score ``val`` (kept for validation), ``held_out`` good and ``ng_train`` NG images with ``run``,
    then place ``decision``'s threshold on all of them (``core.operating_point``)."""
    items = val + held_out + ng_train
    maps: list[np.ndarray] = []
    records: list[ScoredImage] = []
    for i, item in enumerate(items):
        cancel.raise_if_cancelled()
        score_map = run.scores(item.image, f"sample {item.sample_id}")
        if i < len(val):
            maps.append(score_map.astype(np.float16))  # float16 halves what the maps hold in memory
        # no area rule is placed (the good-only map is a smoothed distance, not a defect outline),
        # so an image's score is all that the placement reads
        plane = np.full((1, 1, 1), image_score(score_map))
        records.append(ScoredImage(item.label, frozenset(), [plane], sample_id=item.sample_id))
        progress((i + 1) / len(items), log_lines.THRESHOLD_SCORING(done=i + 1, total=len(items)))
    chosen, origins = choose_decision(records, DecisionConfig.from_dict(decision.to_dict()), None)
    for origin in origins:
        origin.update(train_ng=len(ng_train), held_out_ok=len(held_out))
    threshold = min((rule.threshold for rule in chosen.classes), default=chosen.default_threshold)
    tally = ValidationTally(pixels=True)
    for score_map, item in zip(maps, val):
        tally.add(centred(score_map, threshold), item)
    # the fit saw none of the others either: they count for the image AUROC (their maps are not
    # kept, so not for the Dice); without them a project whose NG images are all in the train
    # split would have no AUROC at all. Their scores are moved as the val maps were: a raw score
    # beside centred ones ranks wrongly (good val parts above NG training parts, AUROC 0.27
    # instead of 0.76 on elpv-mono).
    for record in records[len(val) :]:
        tally.scores.append(float(centred(record.maps[0], threshold).max()))
        tally.positives.append(record.label == "ng")
    return PlacedThreshold(chosen, origins, tally.result(), _summary(records, threshold, origins))


def centred(score_map: np.ndarray, threshold: float) -> np.ndarray:
    """``score_map`` moved monotonically so that ``threshold`` lands on validation's fixed
    ``DEFAULT_THRESHOLD``: the AUROC is unchanged and the Dice is that of the placed threshold."""
    m = score_map.astype(np.float32)
    t = float(np.clip(threshold, 1e-6, 1.0 - 1e-6))
    low = DEFAULT_THRESHOLD * m / t
    high = DEFAULT_THRESHOLD + (1.0 - DEFAULT_THRESHOLD) * (m - t) / (1.0 - t)
    return np.where(m < t, low, high).astype(np.float32)


def _summary(records: list[ScoredImage], threshold: float, origins: list[dict[str, Any]]) -> dict[str, Any]:
    """``metrics["threshold"]``: whether NG images placed the threshold or it is a guess from good
    parts, and what it does on the images it was placed on."""
    scores = {label: [float(r.maps[0].max()) for r in records if r.label == label] for label in ("ok", "ng")}
    origin: dict[str, Any] = origins[0] if origins else {"method": "default", "train_ng": 0}
    out: dict[str, Any] = {
        "placed_by": PLACED_BY[origin["method"]],
        "value": threshold,
        "ng_images": len(scores["ng"]),
        "ng_from_train": int(origin.get("train_ng", 0)),
        "ng_escapes": sum(s < threshold for s in scores["ng"]),
        "good_images": len(scores["ok"]),
        "good_rejected": sum(s >= threshold for s in scores["ok"]),
    }
    if origin["method"] == "ok_quantile":
        out["quantile"] = origin["quantile"]
    return out
