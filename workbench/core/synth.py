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
# seamlessClone needs a band of untouched pixels around its region to solve against.
_CLONE_BORDER = 2
_CLONE_MIN_SIDE = 6


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


def _pick_component(mask: np.ndarray, class_id: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean map of one connected region of ``class_id`` (chosen at random)."""
    hit = (mask == class_id).astype(np.uint8)
    n, labels = cv2.connectedComponents(hit, connectivity=8)
    if n <= 1:
        raise SynthError(f"source mask holds no pixel of class {class_id}")
    return labels == int(rng.integers(1, n))


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


def _clone_ok(img: np.ndarray, region: np.ndarray, top: int, left: int) -> bool:
    """Whether cv2.seamlessClone can handle this paste (8-bit, 1 or 3 channels, away from the edge)."""
    if img.dtype != np.uint8 or _as_hwc(img).shape[2] not in (1, 3):
        return False
    ys, xs = np.nonzero(region)
    if ys.max() - ys.min() + 1 < _CLONE_MIN_SIDE or xs.max() - xs.min() + 1 < _CLONE_MIN_SIDE:
        return False
    h, w = img.shape[:2]
    b = _CLONE_BORDER
    return top + ys.min() >= b and left + xs.min() >= b and top + ys.max() < h - b and left + xs.max() < w - b


def _seamless(img: np.ndarray, patch: np.ndarray, region: np.ndarray, top: int, left: int) -> np.ndarray:
    """Poisson blending of the patch into ``img`` (uint8), changing only ``region`` pixels."""
    dst = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB) if _as_hwc(img).shape[2] == 1 else img
    src_patch = cv2.cvtColor(patch, cv2.COLOR_GRAY2RGB) if _as_hwc(patch).shape[2] == 1 else patch
    dst = np.ascontiguousarray(dst.reshape(img.shape[0], img.shape[1], 3))
    src = dst.copy()
    ph, pw = region.shape
    src[top : top + ph, left : left + pw] = src_patch.reshape(ph, pw, 3)
    full = np.zeros(img.shape[:2], np.uint8)
    full[top : top + ph, left : left + pw][region] = 255
    x, y, w, h = cv2.boundingRect(full)
    # seamlessClone places the mask's bounding box centred on this point: keep it where it is.
    out = cv2.seamlessClone(src, dst, full, (x + w // 2, y + h // 2), cv2.NORMAL_CLONE)
    out[full == 0] = dst[full == 0]  # the solver must not leak outside the region
    if img.ndim == 2:
        return np.ascontiguousarray(out[..., 0])
    return out if img.shape[2] == 3 else np.ascontiguousarray(out[..., :1])


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
    blended = window * (1.0 - alpha[..., None]) + src * alpha[..., None]
    out = img.copy()
    out[top : top + ph, left : left + pw] = _to_dtype(blended, img.dtype).reshape(
        out[top : top + ph, left : left + pw].shape
    )
    return out


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
    Uses Poisson blending (cv2.seamlessClone) where it applies, else feathered alpha blending.
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
    if _clone_ok(target_img, region, top, left):
        try:
            out_img = _seamless(target_img, patch, region, top, left)
        except cv2.error:  # tiny or odd regions the solver rejects: blend instead
            out_img = None
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
    blended = window * (1.0 - a) + changed * a
    out = img.copy()
    out[top : top + side, left : left + side] = _to_dtype(blended, img.dtype).reshape(
        out[top : top + side, left : left + side].shape
    )
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
