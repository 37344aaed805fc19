"""The second stage of a segmentation model: a classifier that looks at each region the score map
proposes, with its surroundings, names it and may veto it as "not a defect".

One definition, used by training (the crops it learns from), evaluation, export and the runtime:

score map -> proposals: the connected regions (8-connectivity) of each class's pixels at the
stage's own level (``RegionStage.levels``: the class thresholds the classifier was trained at;
pixels are shared among classes as ``class_pixels`` says) -> one square crop per proposal around
its box, ``context`` times its longer side on every side and at least ``min_side`` pixels, resized
to ``input_size`` -> the classifier's probabilities ``(N, 1 + M)``: output 0 "not a defect", output
j the defect class ``class_ids[j - 1]`` -> two maps of the image:

- ``confirm`` ``(H, W)`` float32: each proposal's pixels hold its defect probability
  ``1 - p(not a defect)``; ``NOT_LOOKED`` (-1) elsewhere;
- ``named`` ``(H, W)`` uint8: the project class id the classifier names (its most probable defect
  class) on the same pixels; 0 elsewhere.

The decision (``decisions.decide_prepared``) measures each region at any threshold and gives it
the highest defect probability among the proposal pixels it holds: a region at or above the
stage's level lies inside one proposal and takes its verdict; a region found only below it that
holds no proposal was never looked at and is not vetoed. Since the maps are stored with the score
maps, both thresholds (the segmenter's and the classifier's ``ClassRule.confirm_threshold``)
re-decide an evaluation without running a model.

Why the defect probability and not that of the region's own class: a veto turns a region into an
escape when it is wrong, so it takes the classifier's certainty that nothing is there; which class
the classifier names is reported beside the segmenter's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from workbench.core.class_pixels import competition, owned_scores
from workbench.core.errors import WorkbenchError

NOT_LOOKED = -1.0
# (N, C, S, S) float32 crops in [0, 1] -> (N, 1 + M) probabilities (output 0: not a defect)
RegionFn = Callable[[np.ndarray], np.ndarray]
CROP_BATCH = 32  # crops per classifier call


class RegionStageError(WorkbenchError, ValueError):
    """A region stage description is inconsistent or a classifier answered in the wrong shape."""


@dataclass(frozen=True)
class RegionStage:
    """What the decision needs to know about a run's region classifier."""

    levels: tuple[float, ...]  # per score-map channel: the level its proposals are found at
    class_ids: tuple[int, ...]  # the classifier's defect classes (its outputs 1..M)
    names: tuple[str, ...]
    input_size: int = 64
    context: float = 1.0
    min_side: int = 32
    max_regions: int = 64  # per image: the highest-scoring proposals are classified, others not looked at

    def __post_init__(self) -> None:
        if not self.levels or any(not 0.0 < v <= 1.0 for v in self.levels):
            raise RegionStageError(f"region stage levels must be in (0, 1], got {list(self.levels)}")
        if not self.class_ids or len(self.class_ids) != len(self.names):
            raise RegionStageError("a region stage names one or more classes, one name per class id")
        if any(not 0 < c < 256 for c in self.class_ids):
            raise RegionStageError(f"region stage class ids must be in 1..255, got {list(self.class_ids)}")
        if self.input_size < 16 or self.min_side < 4 or self.context < 0 or self.max_regions < 1:
            raise RegionStageError(
                "region stage input size, minimum side, context or region cap is out of range"
            )

    @property
    def n_outputs(self) -> int:
        return 1 + len(self.class_ids)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("levels", "class_ids", "names"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegionStage:
        try:
            return cls(
                levels=tuple(float(v) for v in data["levels"]),
                class_ids=tuple(int(v) for v in data["class_ids"]),
                names=tuple(str(v) for v in data["names"]),
                input_size=int(data.get("input_size", 64)),
                context=float(data.get("context", 1.0)),
                min_side=int(data.get("min_side", 32)),
                max_regions=int(data.get("max_regions", 64)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, RegionStageError):
                raise
            raise RegionStageError(f"bad region stage description: {exc!r}") from exc


@dataclass(frozen=True)
class Proposal:
    """One region the classifier looks at: its channel, box, highest score and pixel label."""

    channel: int
    x: int
    y: int
    w: int
    h: int
    max_score: float
    label: int  # its value in the proposals' label image


def crop_box(x: int, y: int, w: int, h: int, stage: RegionStage) -> tuple[int, int, int]:
    """``(x0, y0, side)`` of the square crop around a box: the box's longer side plus ``context``
    times it on each side, at least ``min_side``, centred on the box (it may reach past the image)."""
    side = max(round(max(w, h) * (1.0 + 2.0 * stage.context)), stage.min_side, 1)
    cx2, cy2 = 2 * x + w, 2 * y + h  # twice the centre, in integers
    return (cx2 - side) // 2, (cy2 - side) // 2, side


def cut_crop(chw: np.ndarray, x0: int, y0: int, side: int, size: int) -> np.ndarray:
    """``(C, size, size)`` float32 from a ``(C, H, W)`` image: the square at ``(x0, y0)``, edges
    reflected where it reaches past the image, resized (area averaging when shrinking)."""
    _, height, width = chw.shape
    ys = _reflect(np.arange(y0, y0 + side), height)
    xs = _reflect(np.arange(x0, x0 + side), width)
    square = chw[:, ys][:, :, xs].astype(np.float32, copy=False)
    if side == size:
        return np.ascontiguousarray(square)
    interp = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    planes = [cv2.resize(p, (size, size), interpolation=interp) for p in square]
    return np.stack(planes).astype(np.float32, copy=False)


def _reflect(idx: np.ndarray, n: int) -> np.ndarray:
    """Indices folded into ``0..n-1`` by mirroring at the edges (a one-pixel axis repeats it)."""
    if n == 1:
        return np.zeros_like(idx)
    period = 2 * (n - 1)
    folded = np.mod(idx, period)
    return np.where(folded < n, folded, period - folded)


def crops_for(chw: np.ndarray, boxes: Sequence[tuple[int, int, int, int]], stage: RegionStage) -> np.ndarray:
    """``(N, C, S, S)`` classifier input for boxes ``(x, y, w, h)`` of one ``(C, H, W)`` image."""
    size = stage.input_size
    out = np.zeros((len(boxes), chw.shape[0], size, size), np.float32)
    for i, (x, y, w, h) in enumerate(boxes):
        x0, y0, side = crop_box(x, y, w, h, stage)
        out[i] = cut_crop(chw, x0, y0, side, size)
    return out


def proposals(score_map: np.ndarray, stage: RegionStage) -> tuple[list[Proposal], np.ndarray]:
    """The proposals of a ``(K, H, W)`` map and their label image (``int32``, 0: none); at most
    ``max_regions``, the highest-scoring kept (ties: raster order)."""
    if score_map.ndim != 3 or score_map.shape[0] != len(stage.levels):
        raise RegionStageError(
            f"region stage has levels for {len(stage.levels)} classes, score map shape {score_map.shape}"
        )
    maps = np.asarray(score_map, np.float32)
    owned = owned_scores(maps, competition(list(stage.levels)))
    labels = np.zeros(maps.shape[1:], np.int32)
    found: list[Proposal] = []
    for k, level in enumerate(stage.levels):
        fg = (owned[k] >= level).view(np.uint8)
        n, comp, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
        if n <= 1:
            continue
        maxes = np.zeros(n, np.float32)
        idx = np.flatnonzero(comp)
        np.maximum.at(maxes, comp.ravel()[idx], owned[k].ravel()[idx])
        base = len(found)
        for i in range(1, n):
            x, y, w, h = (int(v) for v in stats[i, :4])
            found.append(Proposal(k, x, y, w, h, float(maxes[i]), base + i))
        where = comp > 0
        labels[where] = comp[where] + base  # 1-based over all classes
    return found, labels


def classify(
    chw: np.ndarray, found: Sequence[Proposal], stage: RegionStage, region_fn: RegionFn
) -> tuple[np.ndarray, np.ndarray]:
    """Defect probability and named class id of the proposals the stage looks at (NaN and 0 for the
    others: beyond ``max_regions``)."""
    defect = np.full(len(found), np.nan, np.float32)
    named = np.zeros(len(found), np.uint8)
    order = sorted(range(len(found)), key=lambda i: -found[i].max_score)[: stage.max_regions]
    ids = np.asarray(stage.class_ids, np.uint8)
    for start in range(0, len(order), CROP_BATCH):
        picked = order[start : start + CROP_BATCH]
        boxes = [(found[i].x, found[i].y, found[i].w, found[i].h) for i in picked]
        probs = np.asarray(region_fn(crops_for(chw, boxes, stage)), np.float32)
        if probs.shape != (len(picked), stage.n_outputs):
            raise RegionStageError(
                f"the region classifier returned shape {probs.shape} for {len(picked)} crops, "
                f"expected ({len(picked)}, {stage.n_outputs})"
            )
        defect[picked] = np.clip(1.0 - probs[:, 0], 0.0, 1.0)
        named[picked] = ids[np.argmax(probs[:, 1:], axis=1)]
    return defect, named


def stage_maps(
    score_map: np.ndarray, chw: np.ndarray, stage: RegionStage, region_fn: RegionFn
) -> tuple[np.ndarray, np.ndarray]:
    """``(confirm, named)`` maps of one image (see the module text) from its score map and its
    ``(C, H, W)`` model input."""
    found, labels = proposals(score_map, stage)
    confirm = np.full(labels.shape, NOT_LOOKED, np.float32)
    named_map = np.zeros(labels.shape, np.uint8)
    if not found:
        return confirm, named_map
    defect, named = classify(chw, found, stage, region_fn)
    looked = ~np.isnan(defect)
    lut_p = np.full(len(found) + 1, NOT_LOOKED, np.float32)
    lut_p[1:][looked] = defect[looked]
    lut_n = np.zeros(len(found) + 1, np.uint8)
    lut_n[1:] = named
    return lut_p[labels], lut_n[labels]


def region_verdict(
    confirm: np.ndarray, named: np.ndarray, member: np.ndarray
) -> tuple[float | None, int | None]:
    """A region's defect probability and named class from the stage maps over its pixels
    ``member``: those of the most probable proposal it holds; ``(None, None)`` when it holds none."""
    values = confirm[member]
    if not values.size or float(values.max()) < 0.0:
        return None, None
    best = int(np.argmax(values))
    return float(values[best]), int(named[member][best]) or None
