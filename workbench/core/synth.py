"""Defect synthesis for training: more NG examples made from labelled ones (no torch).

``paste_defect`` cuts one labelled defect out of an NG sample and blends it into another image;
``local_contrast_defect`` makes a soft local grey-level / contrast change. Both take and return
``H x W`` or ``H x W x C`` images (uint8, uint16 or float32) with their ``H x W`` uint8 label map,
never change their inputs, and label exactly the pixels they make defective.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from workbench.core.errors import WorkbenchError
from workbench.core.samplegen.shapes import blob_alpha

_DTYPES = (np.uint8, np.uint16, np.float32)
# Regions larger than this are blended, not solved: the solver's cost grows with area^1.5.
_SOLVER_MAX_PIXELS = 250_000
_SOLVER_MAX_ITER = 3000
# Labelled pieces of one class closer than this (pixels) are treated as one defect.
_GROUP_GAP = 3


class SynthError(WorkbenchError, ValueError):
    """Inputs to defect synthesis do not fit (shapes, types, an absent class)."""


def _check(img: np.ndarray, mask: np.ndarray, what: str) -> None:
    if img.dtype not in _DTYPES:
        raise SynthError(f"{what} image has dtype {img.dtype}; expected uint8, uint16 or float32")
    if img.ndim not in (2, 3) or img.shape[0] == 0 or img.shape[1] == 0:
        raise SynthError(f"{what} image has shape {img.shape}; expected H x W or H x W x C")
    if mask.shape != img.shape[:2]:
        raise SynthError(f"{what} mask has shape {mask.shape}, its image is {img.shape[:2]}")
    if not np.issubdtype(mask.dtype, np.integer):
        raise SynthError(f"{what} mask has dtype {mask.dtype}; expected an integer label map")


def _check_class(class_id: int) -> None:
    if not 1 <= int(class_id) <= 255:
        raise SynthError(f"class id {class_id} is outside 1..255")


def _as_hwc(img: np.ndarray) -> np.ndarray:
    return img[..., None] if img.ndim == 2 else img


def _to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Round and clip float pixels back to an integer dtype's range (floats pass unchanged)."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype)


def _with_window(img: np.ndarray, top: int, left: int, values: np.ndarray) -> np.ndarray:
    """A copy of ``img`` with the ``H x W x C`` float ``values`` written at (top, left)."""
    out = img.copy()
    target = out[top : top + values.shape[0], left : left + values.shape[1]]
    target[...] = _to_dtype(values, img.dtype).reshape(target.shape)
    return out


def _pick_component(mask: np.ndarray, class_id: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean map of one ``class_id`` defect (chosen at random).

    Pieces closer than a few pixels count as one defect: a thin crack or a faint scratch is
    often labelled as several fragments, and pasting one fragment alone would cut it apart.
    """
    hit = (mask == class_id).astype(np.uint8)
    if not hit.any():
        raise SynthError(f"source mask holds no pixel of class {class_id}")
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * _GROUP_GAP + 1, 2 * _GROUP_GAP + 1))
    n, labels = cv2.connectedComponents(cv2.dilate(hit, kernel), connectivity=8)
    return (labels == int(rng.integers(1, n))) & (hit > 0)


def _transform(arr: np.ndarray, k: int, flip: bool) -> np.ndarray:
    out = np.rot90(arr, k, axes=(0, 1))
    return np.ascontiguousarray(out[:, ::-1] if flip else out)


def _cut_patch(
    img: np.ndarray, comp: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """The defect's bounding box plus a margin, and its footprint, randomly flipped/rotated."""
    ys, xs = np.nonzero(comp)
    extent = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    margin = max(3, int(0.2 * extent))
    y0, x0 = max(0, ys.min() - margin), max(0, xs.min() - margin)
    y1, x1 = min(img.shape[0], ys.max() + 1 + margin), min(img.shape[1], xs.max() + 1 + margin)
    k, flip = int(rng.integers(0, 4)), bool(rng.random() < 0.5)
    patch = _transform(img[y0:y1, x0:x1], k, flip)
    foot = _transform(comp[y0:y1, x0:x1], k, flip)
    return patch, foot, margin


def _blend_region(foot: np.ndarray, margin: int) -> np.ndarray:
    """The footprint grown by part of the margin: the pixels the paste may change."""
    radius = max(1, margin // 2)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(foot.astype(np.uint8), kernel) > 0


def _neighbour_sum(x: np.ndarray) -> np.ndarray:
    """Sum of the 4 neighbours of every pixel (zero beyond the array)."""
    out = np.zeros_like(x)
    out[1:] += x[:-1]
    out[:-1] += x[1:]
    out[:, 1:] += x[:, :-1]
    out[:, :-1] += x[:, 1:]
    return out


def _solve_laplace(rhs: np.ndarray, inside: np.ndarray) -> np.ndarray | None:
    """Conjugate gradients for the discrete Laplace equation on ``inside`` (per channel).

    Returns None when it does not converge, so the caller can fall back to plain blending.
    """
    keep = inside[..., None]
    x = np.zeros_like(rhs)
    r = rhs * keep
    p = r.copy()
    rs = (r * r).sum(axis=(0, 1))
    goal = (1e-6 * (rhs * rhs).sum(axis=(0, 1))) + 1e-12
    for _ in range(min(_SOLVER_MAX_ITER, 4 * int(math.sqrt(inside.sum())) + 100)):
        ap = (4.0 * p - _neighbour_sum(p)) * keep
        alpha = rs / np.maximum((p * ap).sum(axis=(0, 1)), 1e-20)
        x += alpha * p
        r -= alpha * ap
        rs_new = (r * r).sum(axis=(0, 1))
        if np.all(rs_new <= goal):
            return x
        p = r + (rs_new / np.maximum(rs, 1e-20)) * p
        rs = rs_new
    return None


def _poisson(
    img: np.ndarray, patch: np.ndarray, region: np.ndarray, top: int, left: int
) -> np.ndarray | None:
    """Poisson (gradient-domain) cloning of ``patch`` into ``img``, changing only ``region`` pixels.

    The result is ``patch + h`` inside the region, with ``h`` harmonic and equal to
    ``target - patch`` on the region's border: the defect keeps its own gradients while the
    surrounding level and shading come from the target. (cv2.seamlessClone does this for 8-bit
    colour only, and in OpenCV 5.0 it writes into its mask argument and misplaces the result.)
    """
    ph, pw = region.shape
    window = _as_hwc(img[top : top + ph, left : left + pw]).astype(np.float64)
    src = _as_hwc(patch).astype(np.float64)
    inside = np.pad(region, 1)
    boundary = np.pad(window - src, ((1, 1), (1, 1), (0, 0)), mode="edge") * ~inside[..., None]
    h = _solve_laplace(_neighbour_sum(boundary), inside)
    if h is None:
        return None
    return _with_window(img, top, left, np.where(region[..., None], src + h[1:-1, 1:-1], window))


def _feathered(
    img: np.ndarray, patch: np.ndarray, foot: np.ndarray, region: np.ndarray, top: int, left: int
) -> np.ndarray:
    """Alpha blending with a soft edge; the patch is first shifted to the target's local level."""
    ph, pw = region.shape
    window = _as_hwc(img[top : top + ph, left : left + pw]).astype(np.float32)
    src = _as_hwc(patch).astype(np.float32)
    ring = region & ~foot
    if not ring.any():
        ring = region
    src = src + (window[ring].mean(axis=0) - src[ring].mean(axis=0))
    inside = region.astype(np.uint8)
    depth = cv2.distanceTransform(np.pad(inside, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    alpha = np.clip(depth / max(1.0, float(depth.max()) / 2.0), 0.0, 1.0)
    alpha[foot] = 1.0
    return _with_window(img, top, left, window * (1.0 - alpha[..., None]) + src * alpha[..., None])


def paste_defect(
    target_img: np.ndarray,
    target_mask: np.ndarray,
    source_img: np.ndarray,
    source_mask: np.ndarray,
    class_id: int,
    rng: np.random.Generator,
    position: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Paste one ``class_id`` defect of the source sample into the target; return new image and mask.

    ``position`` is the (row, column) of the pasted patch's top-left corner; random when None.
    Uses Poisson blending, or feathered alpha blending for huge regions or if the solver fails.
    """
    _check(target_img, target_mask, "target")
    _check(source_img, source_mask, "source")
    _check_class(class_id)
    if source_img.dtype != target_img.dtype or _as_hwc(source_img).shape[2] != _as_hwc(target_img).shape[2]:
        raise SynthError(
            f"source image ({source_img.dtype}, shape {source_img.shape}) and target image "
            f"({target_img.dtype}, shape {target_img.shape}) differ in dtype or channel count"
        )
    patch, foot, margin = _cut_patch(source_img, _pick_component(source_mask, class_id, rng), rng)
    ph, pw = foot.shape
    h, w = target_img.shape[:2]
    if ph > h or pw > w:
        raise SynthError(f"defect patch {ph}x{pw} does not fit in the {h}x{w} target image")
    if position is None:
        position = (int(rng.integers(0, h - ph + 1)), int(rng.integers(0, w - pw + 1)))
    top, left = position
    if not (0 <= top <= h - ph and 0 <= left <= w - pw):
        raise SynthError(f"position {position} puts the {ph}x{pw} patch outside the {h}x{w} target")
    region = _blend_region(foot, margin)
    out_img = None
    if region.sum() <= _SOLVER_MAX_PIXELS:
        out_img = _poisson(target_img, patch, region, top, left)
    if out_img is None:
        out_img = _feathered(target_img, patch, foot, region, top, left)
    out_mask = target_mask.astype(np.uint8, copy=True)
    out_mask[top : top + ph, left : left + pw][foot] = class_id
    return out_img, out_mask


def _value_range(img: np.ndarray) -> float:
    """Robust dynamic range of an image (1st to 99th percentile), so strengths mean the same
    for 8-bit, 12-bit-in-16 and float images."""
    step = max(1, int(math.sqrt(img.shape[0] * img.shape[1] / 65536)))
    lo, hi = np.percentile(img[::step, ::step], [1, 99])
    if hi - lo > 0:
        return float(hi - lo)
    return float(np.iinfo(img.dtype).max) * 0.25 if np.issubdtype(img.dtype, np.integer) else 0.25


def local_contrast_defect(
    img: np.ndarray,
    mask: np.ndarray,
    rng: np.random.Generator,
    class_id: int,
    size: int | None = None,
    strength: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A soft irregular blob whose grey level and contrast differ from its surroundings.

    ``size`` is the blob's diameter in pixels (random when None); ``strength`` the level change
    as a fraction of the image's dynamic range (random ±0.12-0.35 when None).
    """
    _check(img, mask, "image")
    _check_class(class_id)
    h, w = img.shape[:2]
    if min(h, w) < 8:
        raise SynthError(f"image {h}x{w} is too small for a synthetic defect")
    limit = (min(h, w) - 6) / 1.6
    size = int(size if size is not None else rng.uniform(0.03, 0.12) * min(h, w))
    size = int(max(4, min(size, limit)))
    alpha = blob_alpha(rng, size, softness=rng.uniform(0.2, 0.6), irregularity=0.35)
    side = alpha.shape[0]
    top, left = _free_spot(mask, alpha > 0.5, rng)
    change = strength if strength is not None else rng.uniform(0.12, 0.35) * rng.choice([-1.0, 1.0])
    window = _as_hwc(img[top : top + side, left : left + side]).astype(np.float32)
    mean = window.reshape(-1, window.shape[2]).mean(axis=0)
    changed = mean + (window - mean) * rng.uniform(0.4, 1.6) + change * _value_range(img)
    a = alpha[..., None]
    out = _with_window(img, top, left, window * (1.0 - a) + changed * a)
    out_mask = mask.astype(np.uint8, copy=True)
    out_mask[top : top + side, left : left + side][alpha > 0.5] = class_id
    return out, out_mask


def _free_spot(mask: np.ndarray, shape: np.ndarray, rng: np.random.Generator) -> tuple[int, int]:
    """A top-left corner where ``shape`` covers no labelled pixel, if one is found in a few tries."""
    side_h, side_w = shape.shape
    h, w = mask.shape
    corner = (0, 0)
    for _ in range(12):
        corner = (int(rng.integers(0, h - side_h + 1)), int(rng.integers(0, w - side_w + 1)))
        if not mask[corner[0] : corner[0] + side_h, corner[1] : corner[1] + side_w][shape].any():
            break
    return corner
