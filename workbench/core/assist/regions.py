"""Semi-automatic region finders: magic wand, threshold inside a box, box -> GrabCut."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from workbench.core.assist.shapes import Rect
from workbench.core.imageio import to_uint8

# GrabCut needs background around the box to learn from; this much context is added.
_GRABCUT_MARGIN = 0.25
# Large boxes are shrunk before GrabCut: its cost grows fast and a person waits for it.
_GRABCUT_MAX_SIDE = 640


def _gray_float(image: np.ndarray) -> np.ndarray:
    """One float32 plane in the image's own units (luminance of the first three channels)."""
    if image.ndim == 2:
        return image.astype(np.float32)
    if image.shape[2] >= 3:
        rgb = image[..., :3].astype(np.float32)
        return rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    return image[..., 0].astype(np.float32)


def _check_rect(rect: Rect, shape: tuple[int, ...]) -> Rect:
    clipped = rect.clip(shape[1], shape[0])
    if clipped.empty:
        raise ValueError(f"box {rect} lies outside the {shape[1]}x{shape[0]} image")
    return clipped


def magic_wand(
    image: np.ndarray, seed: tuple[int, int], tolerance: float, connectivity: int = 4
) -> np.ndarray:
    """Connected pixels around ``seed`` (x, y) whose grey value is within ``tolerance`` of the seed's.

    ``tolerance`` is in the image's own units (0..255 for 8-bit, 0..65535 for 16-bit).
    """
    gray = _gray_float(image)
    h, w = gray.shape
    x, y = int(seed[0]), int(seed[1])
    if not (0 <= x < w and 0 <= y < h):
        raise ValueError(f"seed ({x}, {y}) lies outside the {w}x{h} image")
    if connectivity not in (4, 8):
        raise ValueError("connectivity must be 4 or 8")
    mask = np.zeros((h + 2, w + 2), np.uint8)
    flags = connectivity | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
    tol = float(max(tolerance, 0.0))
    cv2.floodFill(gray, mask, (x, y), 0, tol, tol, flags)
    return mask[1:-1, 1:-1].astype(bool)


# A wand region larger than this share of the image (and than WAND_MIN_LIMIT pixels) has flooded
# the surface, not found a defect: on brushed metal a fixed-range fill at 12 grey levels took 75 %.
WAND_MAX_FRACTION = 0.02
WAND_MIN_LIMIT = 64 * 64


@dataclass(frozen=True)
class WandResult:
    """What the bounded wand found: the region, the tolerance that gave it, and whether it was lowered."""

    region: np.ndarray
    tolerance: float
    limited: bool

    @property
    def area(self) -> int:
        return int(self.region.sum())


def wand_limit(shape: tuple[int, ...], max_fraction: float = WAND_MAX_FRACTION) -> int:
    """The largest region, in pixels, the bounded wand returns for an image of ``shape``."""
    return max(int(shape[0] * shape[1] * max_fraction), WAND_MIN_LIMIT)


def bounded_wand(
    image: np.ndarray,
    seed: tuple[int, int],
    tolerance: float,
    max_area: int | None = None,
    connectivity: int = 4,
) -> WandResult:
    """:func:`magic_wand`, with the tolerance lowered until the region is at most ``max_area`` pixels.

    ``max_area`` defaults to :func:`wand_limit`. The largest tolerance (in whole grey levels for
    8-bit images, 1/256 of the range otherwise) whose region fits is found by bisection. When even
    a tolerance of 0 floods more (a flat image), that region is returned, marked ``limited``.
    """
    limit = wand_limit(image.shape) if max_area is None else int(max_area)
    region = magic_wand(image, seed, tolerance, connectivity)
    if int(region.sum()) <= limit:
        return WandResult(region, float(tolerance), False)
    step = 1.0 if image.dtype == np.uint8 else max(float(np.ptp(_gray_float(image))) / 256.0, 1e-6)
    lo, hi = 0, int(max(tolerance, 0.0) / step)  # in steps: lo fits (or is 0), hi floods
    best = magic_wand(image, seed, 0.0, connectivity)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        trial = magic_wand(image, seed, mid * step, connectivity)
        if int(trial.sum()) <= limit:
            lo, best = mid, trial
        else:
            hi = mid
    return WandResult(best, lo * step, True)


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of float values, in their own units.

    Where a range of thresholds separates the classes equally well (two clean modes), the middle
    of that range is taken, not its first value, so the cut never grazes one of the modes.
    """
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        return lo
    step = (hi - lo) / bins
    idx = np.minimum(((values - lo) / step).astype(np.int64), bins - 1)
    hist = np.bincount(idx.ravel(), minlength=bins).astype(np.float64)
    centres = lo + (np.arange(bins) + 0.5) * step
    w0 = np.cumsum(hist)[:-1]
    w1 = hist.sum() - w0
    s0 = np.cumsum(hist * centres)[:-1]
    m0 = s0 / np.maximum(w0, 1e-12)
    m1 = (float((hist * centres).sum()) - s0) / np.maximum(w1, 1e-12)
    between = w0 * w1 * (m0 - m1) ** 2
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))
    k = int(best[len(best) // 2]) if best[-1] - best[0] + 1 == len(best) else int(best[0])
    return lo + (k + 1) * step  # the upper edge of bin k: bins 0..k are the lower class


def threshold_in_box(
    image: np.ndarray, rect: Rect, threshold: float | None = None, dark: bool | None = None
) -> tuple[np.ndarray, float]:
    """Pixels inside ``rect`` on the defect side of a grey threshold; returns (region, threshold).

    With ``threshold`` None the threshold is Otsu's on the box (in the image's units). ``dark``
    says whether defects are darker than the threshold; None picks the smaller side, since a
    box is drawn around a defect on its background.
    """
    rect = _check_rect(rect, image.shape)
    gray = _gray_float(image)[rect.slices]
    if threshold is None:
        threshold = otsu_threshold(gray)
    above = gray > threshold
    if dark is None:
        dark = int(above.sum()) * 2 > above.size
    inside = ~above if dark else above
    region = np.zeros(image.shape[:2], bool)
    region[rect.slices] = inside
    return region, float(threshold)


def grabcut_box(image: np.ndarray, rect: Rect, iterations: int = 3) -> np.ndarray:
    """Foreground of ``rect`` as found by GrabCut (boolean image; nothing outside the box)."""
    rect = _check_rect(rect, image.shape)
    h, w = image.shape[:2]
    mx, my = int(rect.width * _GRABCUT_MARGIN) + 2, int(rect.height * _GRABCUT_MARGIN) + 2
    crop = Rect(rect.x0 - mx, rect.y0 - my, rect.x1 + mx, rect.y1 + my).clip(w, h)
    rgb = to_uint8(image[crop.slices])
    if rgb.ndim == 2:
        rgb = cv2.cvtColor(rgb, cv2.COLOR_GRAY2BGR)
    elif rgb.shape[2] == 1:
        rgb = cv2.cvtColor(rgb[..., 0], cv2.COLOR_GRAY2BGR)
    elif rgb.shape[2] != 3:
        rgb = np.ascontiguousarray(rgb[..., :3])
    scale = min(1.0, _GRABCUT_MAX_SIDE / max(crop.width, crop.height))
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    sh, sw = small.shape[:2]
    bx0 = int((rect.x0 - crop.x0) * scale)
    by0 = int((rect.y0 - crop.y0) * scale)
    bw = max(min(int(np.ceil(rect.width * scale)), sw - bx0), 1)
    bh = max(min(int(np.ceil(rect.height * scale)), sh - by0), 1)
    gc_mask = np.zeros((sh, sw), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(np.ascontiguousarray(small), gc_mask, (bx0, by0, bw, bh), bgd, fgd, iterations,
                    cv2.GC_INIT_WITH_RECT)  # fmt: skip
    except cv2.error:
        # A box covering the whole image leaves GrabCut no background to model.
        return threshold_in_box(image, rect)[0]
    fg: np.ndarray = np.isin(gc_mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    if scale < 1:
        fg = np.asarray(cv2.resize(fg, (crop.width, crop.height), interpolation=cv2.INTER_NEAREST))
    region = np.zeros((h, w), bool)
    region[crop.slices] = fg.astype(bool)
    box_only = np.zeros((h, w), bool)
    box_only[rect.slices] = True
    return region & box_only
