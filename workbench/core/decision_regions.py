"""Defect regions of a score map and their measurements, prepared once and re-thresholded fast.

``prepare`` settles which class owns each pixel (``workbench.core.class_pixels``), then finds the
connected components of every class's owned scores at a low floor threshold and keeps a small crop
around each (scores, membership, grey levels with a margin for the contrast ring).
Every region at a threshold ``t >= floor`` lies inside exactly one floor component, so measuring
inside the crops gives the same regions as the whole image, at a fraction of the cost. The
decision code (``workbench.core.decisions``) always goes through here, so one path serves the
runtime, evaluation and threshold tuning.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from workbench.core.class_pixels import Competition, owned_scores
from workbench.core.region_stage import region_verdict

# A region classifier's maps of one image (``region_stage.stage_maps``): defect probability, named class.
StageMaps = tuple[np.ndarray, np.ndarray]

# Width in pixels of the ring around a region whose mean grey level is the "surroundings".
RING_PX = 5
DEFAULT_FLOOR = 0.05
_RING_KERNEL = np.ones((2 * RING_PX + 1, 2 * RING_PX + 1), dtype=np.uint8)
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Region:
    """One connected region of a class map above a threshold, measured in image pixels."""

    x: int
    y: int
    w: int
    h: int
    area_px: int
    length_px: float | None
    contrast: float | None
    max_score: float
    mean_score: float
    # the region classifier's verdict (``region_stage.region_verdict``); None: not looked at
    defect_prob: float | None = None
    named_class: int | None = None


@dataclass(frozen=True)
class Patch:
    """Crop around one floor component: scores, its own pixels, grey levels (or None), and the
    region classifier's maps over the same crop (or None)."""

    x0: int
    y0: int
    scores: np.ndarray
    member: np.ndarray
    grey: np.ndarray | None
    confirm: np.ndarray | None = None
    named: np.ndarray | None = None


@dataclass(frozen=True)
class PreparedMap:
    """A score map reduced to what re-deciding at any threshold >= ``floor`` needs.

    ``class_max`` is each class's highest score anywhere; ``owned_max`` its highest score on the
    pixels it owns under ``competition`` (the thresholds the map was prepared for, up to a shift).
    """

    height: int
    width: int
    floor: float
    competition: Competition
    class_max: tuple[float, ...]
    owned_max: tuple[float, ...]
    patches: tuple[tuple[Patch, ...], ...]
    patch_max: tuple[np.ndarray, ...]
    patch_area: tuple[np.ndarray, ...]
    whole_image: bool
    has_image: bool
    has_stage: bool = False  # prepared with a region classifier's maps
    # each class's highest owned score outside its floor components (below the floor)
    rest_max: tuple[float, ...] = ()

    @property
    def n_classes(self) -> int:
        return len(self.class_max)


def grey_levels(image: np.ndarray) -> np.ndarray:
    """Image (crop) as float32 grey levels of the 8-bit scale (0..255).

    RGB(A) uses Rec. 601 luma weights (alpha dropped); other channel counts (several light
    sources) are averaged. uint16 is divided by 257, float images are taken as [0, 1].
    """
    img = image
    if img.ndim == 3:
        if img.shape[2] == 4:
            img = img[..., :3]
        if img.shape[2] == 3:
            img = img.astype(np.float32) @ _LUMA
        else:
            img = img.astype(np.float32).mean(axis=2)
    img = img.astype(np.float32)
    if image.dtype == np.uint16:
        return img * np.float32(1.0 / 257.0)
    if image.dtype.kind == "f":
        return np.clip(img, 0.0, 1.0) * np.float32(255.0)
    return img


def _check_inputs(score_map: np.ndarray, image: np.ndarray | None) -> tuple[int, int, bool]:
    if score_map.ndim != 3 or score_map.shape[0] < 1:
        raise ValueError(f"score map must have shape (K,H,W), got {tuple(score_map.shape)}")
    whole = score_map.shape[1:] == (1, 1)
    h, w = score_map.shape[1:]
    if image is not None:
        if image.ndim not in (2, 3):
            raise ValueError(f"image must be HxW or HxWxC, got shape {tuple(image.shape)}")
        if whole:
            h, w = image.shape[:2]
        elif image.shape[:2] != (h, w):
            raise ValueError(
                f"image size {image.shape[1]}x{image.shape[0]} differs from score map size {w}x{h}"
            )
    return h, w, whole


def _component_max(labels: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    """Maximum score per component label (index 0 = background, left at 0)."""
    out = np.zeros(n, dtype=np.float32)
    idx = np.flatnonzero(labels)
    np.maximum.at(out, labels.ravel()[idx], scores.ravel()[idx])
    return out


def _class_patches(
    scores: np.ndarray, image: np.ndarray | None, floor: float, stage: StageMaps | None
) -> tuple[tuple[Patch, ...], np.ndarray, np.ndarray]:
    fg = (scores >= floor).view(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    height, width = scores.shape
    maxes = _component_max(labels, scores, n)
    margin = RING_PX + 1
    patches = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        x0, y0 = max(0, x - margin), max(0, y - margin)
        x1, y1 = min(width, x + w + margin), min(height, y + h + margin)
        grey = None if image is None else grey_levels(image[y0:y1, x0:x1])
        member = labels[y0:y1, x0:x1] == i
        confirm = named = None
        if stage is not None:
            confirm, named = stage[0][y0:y1, x0:x1].copy(), stage[1][y0:y1, x0:x1].copy()
        patches.append(Patch(x0, y0, scores[y0:y1, x0:x1].copy(), member, grey, confirm, named))
    return tuple(patches), maxes[1:], stats[1:, cv2.CC_STAT_AREA].astype(np.int64)


def prepare(
    score_map: np.ndarray,
    image: np.ndarray | None = None,
    floor: float = DEFAULT_FLOOR,
    competition: Competition | None = None,
    stage: StageMaps | None = None,
) -> PreparedMap:
    """Settle pixel ownership under ``competition`` (default: every class, equal thresholds),
    find floor components of every class's owned scores and keep crops for later measurement
    (with ``stage``, the region classifier's maps too)."""
    if not 0.0 < floor <= 1.0:
        raise ValueError(f"floor threshold must be in (0, 1], got {floor}")
    height, width, whole = _check_inputs(score_map, image)
    if stage is not None and (stage[0].shape != (height, width) or stage[1].shape != (height, width)):
        raise ValueError(f"region classifier maps of shape {stage[0].shape} for a {width}x{height} score map")
    maps = np.asarray(score_map, dtype=np.float32)
    offsets = competition if competition is not None else (0.0,) * len(maps)
    owned = owned_scores(maps, offsets)
    class_max = tuple(float(m.max()) for m in maps)
    owned_max = tuple(float(m.max()) for m in owned)
    if whole:
        empty = np.zeros(0, dtype=np.float32)
        return PreparedMap(
            height, width, floor, offsets, class_max, owned_max, ((),) * len(maps), (empty,) * len(maps),
            (empty.astype(np.int64),) * len(maps), True, image is not None,
        )  # fmt: skip
    per_class = [_class_patches(m, image, floor, stage) for m in owned]
    return PreparedMap(
        height=height,
        width=width,
        floor=floor,
        competition=offsets,
        class_max=class_max,
        owned_max=owned_max,
        patches=tuple(p for p, _, _ in per_class),
        patch_max=tuple(m for _, m, _ in per_class),
        patch_area=tuple(a for _, _, a in per_class),
        whole_image=False,
        has_image=image is not None,
        has_stage=stage is not None,
        rest_max=tuple(float(np.max(m, where=m < floor, initial=0.0)) for m in owned),
    )


def unvetoed_max(prepared: PreparedMap, channel: int, confirm_threshold: float) -> float:
    """The channel's highest owned score on pixels the region classifier did not veto at
    ``confirm_threshold`` (a proposal's pixels whose defect probability is below it)."""
    best = prepared.rest_max[channel] if prepared.rest_max else 0.0
    for patch in prepared.patches[channel]:
        keep = patch.member
        if patch.confirm is not None:
            keep = keep & ~((patch.confirm >= 0.0) & (patch.confirm < confirm_threshold))
        if keep.any():
            best = max(best, float(patch.scores[keep].max()))
    return best


def region_length(mask: np.ndarray) -> float:
    """Longest side of the minimum-area rectangle around the pixel centres, plus one pixel.

    A horizontal run of n pixels has length n; a single pixel has length 1.
    """
    pts = cv2.findNonZero(mask.view(np.uint8))
    (_, _), (rw, rh), _ = cv2.minAreaRect(pts)
    return float(max(rw, rh)) + 1.0


def region_contrast(mask: np.ndarray, grey: np.ndarray) -> float | None:
    """Mean grey inside the region minus the mean of a ``RING_PX`` ring around it."""
    ring = cv2.dilate(mask.view(np.uint8), _RING_KERNEL).view(bool) & ~mask
    if not ring.any():
        return None
    return float(grey[mask].mean() - grey[ring].mean())


def regions_in_patch(patch: Patch, threshold: float, min_area_px: int) -> list[Region]:
    """Regions of a patch at ``threshold`` with at least ``min_area_px`` pixels, measured."""
    fg = (patch.member & (patch.scores >= threshold)).view(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    ph, pw = fg.shape
    out = []
    for j in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[j])
        if area < min_area_px:
            continue
        # Work on the region's box plus the ring margin: the patch margin guarantees that
        # this equals working on the whole image.
        bx0, by0 = max(0, x - RING_PX), max(0, y - RING_PX)
        bx1, by1 = min(pw, x + w + RING_PX), min(ph, y + h + RING_PX)
        mask = labels[by0:by1, bx0:bx1] == j
        vals = patch.scores[by0:by1, bx0:bx1][mask]
        contrast = None if patch.grey is None else region_contrast(mask, patch.grey[by0:by1, bx0:bx1])
        defect_prob = named = None
        if patch.confirm is not None and patch.named is not None:
            box = (slice(by0, by1), slice(bx0, bx1))
            defect_prob, named = region_verdict(patch.confirm[box], patch.named[box], mask)
        out.append(
            Region(
                x=patch.x0 + x,
                y=patch.y0 + y,
                w=w,
                h=h,
                area_px=area,
                length_px=region_length(mask),
                contrast=contrast,
                max_score=float(vals.max()),
                mean_score=float(vals.mean(dtype=np.float64)),
                defect_prob=defect_prob,
                named_class=named,
            )
        )
    return out


def find_regions(prepared: PreparedMap, channel: int, threshold: float, min_area_px: int = 0) -> list[Region]:
    """All regions of one class map at ``threshold`` (>= the floor) with enough pixels."""
    if threshold < prepared.floor:
        raise ValueError(
            f"threshold {threshold} is below the floor {prepared.floor} the score map was prepared at"
        )
    maxes, areas = prepared.patch_max[channel], prepared.patch_area[channel]
    # A region is a subset of its floor component: a component whose maximum or area is too
    # small cannot hold a qualifying region.
    keep = np.flatnonzero((maxes >= threshold) & (areas >= min_area_px))
    out: list[Region] = []
    for i in keep:
        out.extend(regions_in_patch(prepared.patches[channel][i], threshold, min_area_px))
    # Raster order of the boxes, whatever floor the map was prepared at.
    out.sort(key=lambda r: (r.y, r.x, r.h, r.w, r.area_px, r.max_score))
    return out
