"""Defect-free surfaces (brushed metal, woven fabric) and the camera look applied to every image.

Everything works on float32 ``H x W x 3`` images in about [0, 1]; whole-image operations are
vectorised (numpy / OpenCV) so that a 2448x2048 image renders in well under a second.
"""

from __future__ import annotations

import cv2
import numpy as np

from workbench.core.samplegen.shapes import smooth_noise


def _tint(rng: np.random.Generator, base: float, spread: float) -> np.ndarray:
    """An almost neutral RGB colour: real grey parts pick up a faint tint from the light."""
    return (base * (1.0 + rng.uniform(-spread, spread, 3))).astype(np.float32)


def render_metal(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Brushed metal: long directional streaks, a slow sheen and fine grain."""
    level = rng.uniform(0.42, 0.62)
    streak_len = rng.uniform(40, 140)
    # Streaks run along the brushing direction: noise that is white across and smooth along it.
    pad = int(max(height, width) * 0.08) + 8
    rows, cols = height + 2 * pad, width + 2 * pad
    fine = cv2.resize(
        rng.standard_normal((rows, max(2, int(cols / streak_len))), dtype=np.float32),
        (cols, rows),
        interpolation=cv2.INTER_LINEAR,
    )
    coarse = cv2.resize(
        rng.standard_normal((max(2, rows // 5), max(2, int(cols / (streak_len * 3)))), dtype=np.float32),
        (cols, rows),
        interpolation=cv2.INTER_LINEAR,
    )
    streaks = 0.7 * fine + 0.5 * coarse
    angle = rng.uniform(-4.0, 4.0) + (90.0 if rng.random() < 0.25 else 0.0)
    rot = cv2.getRotationMatrix2D((cols / 2.0, rows / 2.0), angle, 1.0)
    streaks = cv2.warpAffine(
        streaks, rot, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    streaks = streaks[pad : pad + height, pad : pad + width]
    sheen = smooth_noise(rng, height, width, cell=max(height, width) / 3.0)
    grey = level * (1.0 + rng.uniform(0.025, 0.05) * streaks + 0.03 * sheen)
    return grey[..., None] * _tint(rng, 1.0, 0.015)


def render_weave(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Plain-weave fabric: alternating warp/weft threads with jitter and thread-to-thread variation."""
    period = rng.uniform(10.0, 18.0)
    jitter = period * rng.uniform(0.06, 0.14)
    cell = period * 5.0
    ys = np.arange(height, dtype=np.float32)[:, None] + jitter * smooth_noise(rng, height, width, cell)
    xs = np.arange(width, dtype=np.float32)[None, :] + jitter * smooth_noise(rng, height, width, cell)
    fx = (xs + rng.uniform(0, period)) / period
    fy = (ys + rng.uniform(0, period)) / period
    col = np.floor(fx)
    row = np.floor(fy)
    warp = np.sin(np.pi * (fx - col)) ** 0.6
    weft = np.sin(np.pi * (fy - row)) ** 0.6
    over = ((col + row) % 2) == 0
    n_cols, n_rows = int(width / period) + 8, int(height / period) + 8
    col_var = rng.normal(0.0, 1.0, n_cols).astype(np.float32)[col.astype(np.int64) % n_cols]
    row_var = rng.normal(0.0, 1.0, n_rows).astype(np.float32)[row.astype(np.int64) % n_rows]
    thread = np.where(over, warp * (1.0 + 0.07 * col_var), weft * (1.0 + 0.07 * row_var))
    fibre = smooth_noise(rng, height, width, cell=3.0)
    grey = rng.uniform(0.45, 0.6) * (0.5 + 0.5 * thread) * (1.0 + 0.03 * fibre)
    return grey[..., None] * _tint(rng, 1.0, 0.03)


def finish(
    img: np.ndarray, rng: np.random.Generator, noise: tuple[float, float] = (0.005, 0.011)
) -> np.ndarray:
    """Camera look: brightness/contrast jitter, lighting gradient, vignetting, sensor noise; to uint8.

    Works in place on ``img`` (float32) to keep 5-megapixel images cheap.
    """
    height, width = img.shape[:2]
    mean = float(img.mean())
    contrast, offset = rng.uniform(0.9, 1.1), rng.uniform(-0.04, 0.04)
    ys = np.linspace(-0.5, 0.5, height, dtype=np.float32)[:, None]
    xs = np.linspace(-0.5, 0.5, width, dtype=np.float32)[None, :]
    gx, gy = rng.uniform(-0.18, 0.18, 2)
    cx, cy = rng.uniform(-0.15, 0.15, 2)
    vignette = rng.uniform(0.15, 0.45)
    gain = (1.0 + gx * xs + gy * ys) * (1.0 - vignette * ((xs - cx) ** 2 + (ys - cy) ** 2))
    # (img - mean) * contrast + mean + offset, then lighting, in 8-bit units
    img -= mean
    img *= contrast
    img += mean + offset
    img *= (255.0 * gain)[..., None]
    sensor = rng.standard_normal(img.shape, dtype=np.float32)
    sensor *= 255.0 * rng.uniform(*noise)
    img += sensor
    img += 0.5
    np.maximum(img, 0.0, out=img)
    np.minimum(img, 255.0, out=img)
    return img.astype(np.uint8)
