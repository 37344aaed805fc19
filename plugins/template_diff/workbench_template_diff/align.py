"""Alignment of an image to the golden template: ECC on an image pyramid, ORB + RANSAC as the fallback.

Every transform is a 3x3 matrix that maps template pixel coordinates to image pixel coordinates,
the convention of ``cv2.findTransformECC``; warping with ``WARP_INVERSE_MAP`` brings the image into
the template's frame and warping without it brings a map back into the image's frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MOTIONS = {
    "translation": cv2.MOTION_TRANSLATION,
    "euclidean": cv2.MOTION_EUCLIDEAN,
    "affine": cv2.MOTION_AFFINE,
}
MIN_CORRELATION = 0.5  # below this ECC is distrusted and ORB is tried as well
MIN_MATCHES = 12


@dataclass(frozen=True)
class Alignment:
    """Where the template lies in one image: ``matrix`` maps template pixels to image pixels."""

    matrix: np.ndarray
    method: str  # "ecc", "orb" or "none" (nothing converged: identity)
    correlation: float  # normalised cross-correlation of template and aligned image

    @property
    def ok(self) -> bool:
        return self.method != "none"


def to_grey(unit: np.ndarray) -> np.ndarray:
    """``H x W x C`` float image to a contiguous ``H x W`` float32 intensity image."""
    grey = unit.mean(axis=2) if unit.ndim == 3 else unit
    return np.ascontiguousarray(grey, dtype=np.float32)


def warp_to_template(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resample ``image`` into the template's frame (``size`` = template height, width)."""
    h, w = size
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    planes = image[..., None] if image.ndim == 2 else image
    # cv2 warps at most 4 channels at once; multi-light samples can have more
    out = [
        cv2.warpPerspective(np.ascontiguousarray(planes[..., c]), matrix, (w, h), flags=flags,
                            borderMode=cv2.BORDER_REPLICATE)
        for c in range(planes.shape[2])
    ]  # fmt: skip
    warped = np.stack(out, axis=2)
    return warped[..., 0] if image.ndim == 2 else warped


def valid_area(image_size: tuple[int, int], matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bool ``H x W`` map of template pixels that fall inside the image (not border padding)."""
    ones = np.ones(image_size, dtype=np.uint8)
    flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    inside = cv2.warpPerspective(ones, matrix, (size[1], size[0]), flags=flags, borderValue=0)
    return inside.astype(bool)


def correlation(template: np.ndarray, warped: np.ndarray, valid: np.ndarray) -> float:
    """Zero-mean normalised cross-correlation over the valid pixels (1 = identical up to gain)."""
    a = template[valid].astype(np.float64)
    b = warped[valid].astype(np.float64)
    if a.size < 2:
        return 0.0
    a -= a.mean()
    b -= b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def _pyramid(grey: np.ndarray, levels: int) -> list[np.ndarray]:
    out = [grey]
    for _ in range(levels):
        out.append(cv2.pyrDown(out[-1]))
    return out


def _levels(shape: tuple[int, ...], coarsest_side: int) -> int:
    """How many halvings keep the shorter side at least ``coarsest_side`` (at most 6)."""
    side, levels = min(shape[:2]), 0
    while side // 2 >= coarsest_side and levels < 6:
        side //= 2
        levels += 1
    return levels


def ecc_align(
    template: np.ndarray,
    image: np.ndarray,
    motion: str = "euclidean",
    coarsest_side: int = 48,
    finest_side: int = 1024,
    iterations: int = 60,
    init: np.ndarray | None = None,
) -> np.ndarray | None:
    """3x3 template->image matrix from coarse-to-fine ECC on grey images; None if it never converged.

    Levels whose longer side exceeds ``finest_side`` are skipped: sub-pixel accuracy at that size
    is enough for a difference map and full-resolution ECC on 5 MP images is slow. ``init`` (3x3,
    full resolution) starts the search from a known pose; its perspective part is ignored.
    """
    levels = _levels(template.shape, coarsest_side)
    pyr_t, pyr_i = _pyramid(template, levels), _pyramid(image, levels)
    used = [lvl for lvl in range(levels, -1, -1) if lvl == levels or max(pyr_t[lvl].shape) <= finest_side]
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iterations, 1e-5)
    warp = np.eye(2, 3, dtype=np.float32) if init is None else init[:2].astype(np.float32)
    warp[:, 2] /= 2.0**levels
    current = levels  # the pyramid level the warp is expressed at
    for level in used:
        warp[:, 2] *= 2.0 ** (current - level)  # finer level: translations scale, the linear part stays
        current = level
        try:
            _, warp = cv2.findTransformECC(pyr_t[level], pyr_i[level], warp.copy(), MOTIONS[motion],
                                           criteria, None, 5)  # type: ignore[call-overload]  # fmt: skip
        except cv2.error:
            if level == levels:
                return None  # the coarsest level decides whether ECC found the part at all
            break  # keep the coarser estimate rather than lose it to a failed refinement
    warp[:, 2] *= 2.0**current
    return np.vstack([warp, [0.0, 0.0, 1.0]]).astype(np.float64)


def orb_align(template: np.ndarray, image: np.ndarray, features: int = 2000) -> np.ndarray | None:
    """3x3 template->image homography from ORB matches and RANSAC; None when too few agree."""
    orb = cv2.ORB.create(nfeatures=features)
    kp_t, des_t = orb.detectAndCompute(_to_u8(template), None)
    kp_i, des_i = orb.detectAndCompute(_to_u8(image), None)
    if des_t is None or des_i is None or len(kp_t) < MIN_MATCHES or len(kp_i) < MIN_MATCHES:
        return None
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(des_t, des_i)
    if len(matches) < MIN_MATCHES:
        return None
    src = np.array([kp_t[m.queryIdx].pt for m in matches], np.float32).reshape(-1, 1, 2)
    dst = np.array([kp_i[m.trainIdx].pt for m in matches], np.float32).reshape(-1, 1, 2)
    matrix, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    if matrix is None or inliers is None or int(inliers.sum()) < MIN_MATCHES:
        return None
    return matrix.astype(np.float64)


def _to_u8(grey: np.ndarray) -> np.ndarray:
    return np.clip(grey * 255.0 + 0.5, 0, 255).astype(np.uint8)


def align(template: np.ndarray, image: np.ndarray, motion: str = "euclidean") -> Alignment:
    """Align grey ``image`` to grey ``template`` (same size): ECC first, ORB when ECC fails or is poor."""
    if template.shape != image.shape:
        raise ValueError(f"image is {image.shape[1]}x{image.shape[0]} px but the template is "
                         f"{template.shape[1]}x{template.shape[0]} px")  # fmt: skip
    if motion not in MOTIONS:
        raise ValueError(f"unknown motion {motion!r}; choose one of {', '.join(MOTIONS)}")
    ecc = ecc_align(template, image, motion)
    if ecc is not None:
        best = Alignment(ecc, "ecc", _score(template, image, ecc))
        if best.correlation >= MIN_CORRELATION:
            return best
    else:
        best = Alignment(np.eye(3), "none", _score(template, image, np.eye(3)))
    orb = orb_align(template, image)
    if orb is None:
        return best
    candidates = [Alignment(orb, "orb", _score(template, image, orb))]
    # ORB finds the pose, ECC makes it sub-pixel. OpenCV's Euclidean ECC re-reads its angle with
    # asin, which folds turns beyond 90 degrees, so the refinement is affine.
    refined = ecc_align(template, image, "affine" if motion == "euclidean" else motion, init=orb)
    if refined is not None:
        candidates.append(Alignment(refined, "orb", _score(template, image, refined)))
    return max([best, *candidates], key=lambda a: a.correlation)


def _score(template: np.ndarray, image: np.ndarray, matrix: np.ndarray, max_side: int = 512) -> float:
    """Correlation after alignment, measured at most ``max_side`` px wide (it only ranks poses)."""
    factor = 1.0
    while max(template.shape[:2]) / factor > max_side:
        factor *= 2.0
    if factor > 1.0:
        shift = (factor - 1.0) / 2.0  # INTER_AREA: small pixel i covers full pixels f*i .. f*i + f - 1
        scale = np.array([[factor, 0.0, shift], [0.0, factor, shift], [0.0, 0.0, 1.0]])  # small -> full
        matrix = np.linalg.inv(scale) @ matrix @ scale
        template, image = _shrink(template, factor), _shrink(image, factor)
    warped = warp_to_template(image, matrix, template.shape[:2])
    return correlation(template, warped, valid_area(image.shape[:2], matrix, template.shape[:2]))


def _shrink(grey: np.ndarray, factor: float) -> np.ndarray:
    size = (max(1, round(grey.shape[1] / factor)), max(1, round(grey.shape[0] / factor)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
