"""What the region classifier (the second stage, ``core.region_stage``) learns from: labelled crops.

The trained segmenter scans the training images at the stage's levels; each proposal it makes is
cut exactly as inference cuts it (``region_stage.crops_for``) and labelled by overlap with the
image's mask (``overlap_labels``). Every labelled region of every training mask is a positive too,
and random crops of good areas are negatives beside the segmenter's own false alarms.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from workbench.core.inference import TiledModel
from workbench.core.preprocess import model_input
from workbench.core.region_stage import Proposal, RegionStage, crop_box, crops_for, proposals

Box = tuple[int, int, int, int]  # x, y, w, h
IGNORED = -1  # a proposal beside a defect: its crop shows the defect, its pixels miss it; not used
GOOD_PER_IMAGE = 4  # random good crops per scanned image
MAX_MASK_REGIONS = 32  # labelled regions per image taken as positives (the largest first)
MAX_CROPS = 6000  # crops kept in memory (float16: 6000 crops of 3 x 64 x 64 are 150 MB)
# Negatives ("not a defect") take at most this share of MAX_CROPS, and one image gives at most
# FALSE_ALARMS_PER_IMAGE false alarms (its highest-scoring): at a low level a textured good surface
# gives a dozen proposals per image, and they had filled the crop memory before the positives were
# collected (bsdata fast run, level 0.01: 4283 false alarms of 335 images against 393 defect crops,
# and the classifier then vetoed nothing on the val images).
NEGATIVE_SHARE = 0.6
FALSE_ALARMS_PER_IMAGE = 6
FALSE_ALARM, DEFECT, GOOD = "false_alarm", "defect", "good"


def overlap_labels(labels: np.ndarray, found: Sequence[Proposal], mask: np.ndarray) -> list[int]:
    """The label of each proposal by overlap with ``mask`` (project class ids, 0 = good area).

    ``labels`` is the proposals' label image (``region_stage.proposals``). A proposal is labelled

    - ``k``: the defect class with the most labelled pixels among the proposal's own pixels (any
      one pixel is enough; a tie goes to the lowest class id);
    - ``0`` ("not a defect"): none of its pixels and none of its box's pixels is labelled;
    - ``IGNORED``: none of its pixels is labelled but its box holds labelled pixels (it lies beside
      a defect, so its crop shows one: neither a clean positive nor a clean negative).
    """
    if labels.shape != mask.shape:
        raise ValueError(f"proposal labels {labels.shape} and mask {mask.shape} differ in shape")
    if not found:
        return []
    n = int(labels.max()) + 1
    inside = labels > 0
    pairs = labels[inside].astype(np.int64) * 256 + mask[inside].astype(np.int64)
    counts = np.bincount(pairs, minlength=n * 256).reshape(n, 256)
    out = []
    for p in found:
        row = counts[p.label, 1:]
        if row.any():
            out.append(int(np.argmax(row)) + 1)  # argmax takes the first of equal counts
        elif mask[p.y : p.y + p.h, p.x : p.x + p.w].any():
            out.append(IGNORED)
        else:
            out.append(0)
    return out


def mask_regions(mask: np.ndarray, limit: int = MAX_MASK_REGIONS) -> list[tuple[int, Box]]:
    """``(class id, box)`` of each labelled region of a mask (8-connected, per class), largest first."""
    found: list[tuple[int, int, Box]] = []
    for k in (int(v) for v in np.unique(mask) if v):
        n, _, stats, _ = cv2.connectedComponentsWithStats((mask == k).view(np.uint8), connectivity=8)
        for i in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[i])
            found.append((area, k, (x, y, w, h)))
    found.sort(key=lambda f: -f[0])
    return [(k, box) for _, k, box in found[:limit]]


def good_boxes(mask: np.ndarray, sizes: Sequence[tuple[int, int]], count: int, stage: RegionStage,
               rng: np.random.Generator) -> list[Box]:  # fmt: skip
    """Up to ``count`` random boxes (sizes drawn from ``sizes``) whose whole crop lies on good area."""
    height, width = mask.shape
    out: list[Box] = []
    for _ in range(4 * count):
        if len(out) >= count:
            break
        w, h = sizes[int(rng.integers(len(sizes)))]
        w, h = min(w, width), min(h, height)
        x, y = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
        x0, y0, side = crop_box(x, y, w, h, stage)
        if not mask[max(y0, 0) : y0 + side, max(x0, 0) : x0 + side].any():
            out.append((x, y, w, h))
    return out


@dataclass
class CropSet:
    """Crops (float16, ``(C, S, S)``), their labels (0 or a project class id) and their kinds."""

    crops: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    scanned: int = 0
    seconds: float = 0.0

    def add(self, crops: np.ndarray, labels: Sequence[int], kinds: Sequence[str]) -> None:
        for crop, label, kind in zip(crops, labels, kinds, strict=True):
            self.crops.append(crop.astype(np.float16))
            self.labels.append(int(label))
            self.kinds.append(kind)

    def counts(self) -> dict[str, int]:
        """Crops per kind (``defect``, ``false_alarm``, ``good``)."""
        return dict(Counter(self.kinds))

    def per_label(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(Counter(self.labels).items())}

    def weights(self) -> np.ndarray:
        """Sampling weights: each label drawn equally often; within "not a defect", false alarms
        and random good crops equally often (when both exist)."""
        groups = Counter(zip(self.labels, self.kinds, strict=True))
        kinds_of = Counter(label for label, _ in groups)
        pairs = zip(self.labels, self.kinds, strict=True)
        arr = np.asarray([1.0 / (groups[p] * kinds_of[p[0]]) for p in pairs], np.float64)
        return arr / arr.sum() if arr.size else arr


@dataclass
class ScanImage:
    """One image to scan, read when it is scanned: its model planes and project mask (None: good)."""

    name: str
    ng: bool
    pixels: int
    read: Callable[[], tuple[np.ndarray, np.ndarray | None]]


def interleave(ng: Sequence[ScanImage], ok: Sequence[ScanImage]) -> list[ScanImage]:
    """NG, OK, NG, OK ... so that a scan cut short has seen both kinds."""
    out: list[ScanImage] = []
    for i in range(max(len(ng), len(ok))):
        out += [seq[i] for seq in (ng, ok) if i < len(seq)]
    return out


def scan_crops(model: TiledModel, images: Sequence[ScanImage], stage: RegionStage, min_area: Sequence[int],
               seed: int, stop: Callable[[float], bool]) -> CropSet:  # fmt: skip
    """Scan ``images`` in order with the segmenter at the stage's levels and collect labelled
    crops: proposals by overlap (``overlap_labels``; proposals of fewer than ``min_area[channel]``
    pixels, which the decision ignores, are left out), every mask region, and random good crops;
    at most ``FALSE_ALARMS_PER_IMAGE`` false alarms per image (the highest-scoring) and negatives
    up to ``NEGATIVE_SHARE`` of ``MAX_CROPS``, so that the positives keep their room. Before each
    image, ``stop(expected seconds of that image, at the pace so far)`` may end the scan."""
    rng = np.random.default_rng(seed)
    out = CropSet()
    t0 = time.monotonic()
    sizes: list[tuple[int, int]] = []
    pixels = 0
    for item in images:
        expected = (time.monotonic() - t0) / pixels * item.pixels if pixels else 0.0
        if stop(expected) or len(out.labels) >= MAX_CROPS:
            break
        image, stored = item.read()
        chw = model_input(image, model.in_channels, item.name)
        mask = stored if stored is not None else np.zeros(chw.shape[1:], np.uint8)
        found, labels = proposals(model.scores(image, item.name), stage)
        if found:
            areas = np.bincount(labels.ravel(), minlength=len(found) + 1)
            found = [p for p in found if areas[p.label] >= min_area[p.channel]]
            found = sorted(found, key=lambda p: -p.max_score)[: stage.max_regions]
        tags = overlap_labels(labels, found, mask)
        used = [(p, t) for p, t in zip(found, tags, strict=True) if t != IGNORED]
        room = _negative_room(out)
        alarms = [p for p, t in used if not t][: min(FALSE_ALARMS_PER_IMAGE, room)]
        used = [(p, t) for p, t in used if t] + [(p, 0) for p in alarms]
        if used:
            crops = crops_for(chw, [(p.x, p.y, p.w, p.h) for p, _ in used], stage)
            out.add(crops, [t for _, t in used], [DEFECT if t else FALSE_ALARM for _, t in used])
        regions = mask_regions(mask)
        if regions:
            boxes = [b for _, b in regions]
            out.add(crops_for(chw, boxes, stage), [k for k, _ in regions], [DEFECT] * len(boxes))
            sizes += [(b[2], b[3]) for b in boxes]
        half = stage.min_side // 2
        good = good_boxes(mask, sizes or [(half, half)], min(GOOD_PER_IMAGE, _negative_room(out)), stage, rng)
        if good:
            out.add(crops_for(chw, good, stage), [0] * len(good), [GOOD] * len(good))
        out.scanned += 1
        pixels += item.pixels
    out.seconds = time.monotonic() - t0
    return out


def _negative_room(crops: CropSet) -> int:
    """How many more negative crops ``crops`` may take (``NEGATIVE_SHARE`` of ``MAX_CROPS``)."""
    return max(int(NEGATIVE_SHARE * MAX_CROPS) - sum(1 for label in crops.labels if not label), 0)


def labelled_crops(images: Sequence[ScanImage], channels: int, stage: RegionStage, out: CropSet,
                   stop: Callable[[float], bool]) -> int:  # fmt: skip
    """Add every labelled region of the NG ``images`` as a defect crop to ``out`` (the images the
    scan did not reach: no segmenter runs, each is only read and cut). Before each image,
    ``stop(expected seconds of that image, at the pace so far)`` may end it, as may ``MAX_CROPS``.
    Returns how many images were read."""
    t0 = time.monotonic()
    pixels = read = 0
    for item in images:
        if not item.ng:
            continue
        expected = (time.monotonic() - t0) / pixels * item.pixels if pixels else 0.0
        if stop(expected) or len(out.labels) >= MAX_CROPS:
            break
        image, mask = item.read()
        read += 1
        pixels += item.pixels
        if mask is None:
            continue
        regions = mask_regions(mask, MAX_CROPS - len(out.labels))
        if regions:
            chw = model_input(image, channels, item.name)
            out.add(crops_for(chw, [b for _, b in regions], stage), [k for k, _ in regions],
                    [DEFECT] * len(regions))  # fmt: skip
    return read
