"""Drawing primitives shared by the sample generator and defect synthesis (float32 layers)."""

from __future__ import annotations

import math

import cv2
import numpy as np

# Strokes are drawn this many times larger, then area-averaged down, so that 1 px lines get
# sub-pixel edges and taper smoothly like a real scratch instead of jumping between widths.
SUPERSAMPLE = 4


def smooth_noise(rng: np.random.Generator, height: int, width: int, cell: float) -> np.ndarray:
    """Low-frequency noise (about unit variance) with features about ``cell`` pixels wide."""
    gh = max(2, math.ceil(height / cell) + 2)
    gw = max(2, math.ceil(width / cell) + 2)
    grid = rng.standard_normal((gh, gw), dtype=np.float32)
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)


def blob_alpha(
    rng: np.random.Generator,
    diameter: float,
    softness: float = 0.15,
    irregularity: float = 0.3,
    fray: float = 0.0,
) -> np.ndarray:
    """A square float32 map in [0, 1] holding one irregular, soft-edged blob at its centre.

    ``fray`` roughens the outline at the pixel scale (torn fabric, chipped material).
    """
    r0 = max(diameter / 2.0, 1.0)
    side = math.ceil(diameter * 1.6) + 6
    centre = (side - 1) / 2.0
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) - centre
    angle = rng.uniform(0, math.pi)
    aspect = rng.uniform(1.0, 1.6)
    xr = (xx * math.cos(angle) + yy * math.sin(angle)) / aspect
    yr = (-xx * math.sin(angle) + yy * math.cos(angle)) * aspect**0.5
    theta = np.arctan2(yr, xr)
    dist = np.hypot(xr, yr)
    radius = np.full_like(dist, r0)
    for k in range(2, 7):
        amp = r0 * irregularity / k * rng.uniform(-1.0, 1.0)
        radius += amp * np.cos(k * theta + rng.uniform(0, 2 * math.pi)).astype(np.float32)
    if fray > 0:
        radius += fray * r0 * smooth_noise(rng, side, side, cell=2.5)
    edge = max(0.7, softness * r0)
    return np.clip((radius - dist) / edge + 0.5, 0.0, 1.0).astype(np.float32)


def stroke_layer(
    shape: tuple[int, int],
    paths: list[np.ndarray],
    widths: list[np.ndarray],
    levels: list[np.ndarray],
) -> np.ndarray:
    """Rasterise polylines (points in pixel units, x/y) with per-segment width and level.

    Returns a float32 ``shape`` layer in [0, 1] drawn at :data:`SUPERSAMPLE` times the size
    and area-averaged down, so widths below one pixel fade instead of vanishing.
    """
    ss = SUPERSAMPLE
    big = np.zeros((shape[0] * ss, shape[1] * ss), np.uint8)
    for pts, wid, lev in zip(paths, widths, levels, strict=True):
        scaled = np.round(pts * ss + (ss - 1) / 2.0).astype(np.int32)
        for i in range(len(scaled) - 1):
            thickness = max(1, round(float(wid[i]) * ss))
            value = round(255 * float(np.clip(lev[i], 0.0, 1.0)))
            p0 = (int(scaled[i, 0]), int(scaled[i, 1]))
            p1 = (int(scaled[i + 1, 0]), int(scaled[i + 1, 1]))
            cv2.line(big, p0, p1, value, thickness, cv2.LINE_AA)
    small = cv2.resize(big, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0


def footprint(layer: np.ndarray, fraction: float = 0.3) -> np.ndarray:
    """Pixels where a defect layer reaches ``fraction`` of its peak: the labelled area."""
    peak = float(layer.max())
    if peak <= 0:
        return np.zeros(layer.shape, bool)
    return layer >= fraction * peak
