"""Synthetic parts for the plugin's tests: one textured pattern, posed slightly differently per sample."""

from __future__ import annotations

import cv2
import numpy as np

SIZE = 160


def pattern(size: int = SIZE, seed: int = 0) -> np.ndarray:
    """A grey ``size x size`` float32 part: smooth texture plus sharp-edged shapes (corners for ORB)."""
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), 3)
    img = (img - img.min()) / (img.max() - img.min()) * 0.4 + 0.3
    for _ in range(14):
        x, y = (int(v) for v in rng.integers(10, size - 30, 2))
        w, h = (int(v) for v in rng.integers(6, 22, 2))
        cv2.rectangle(img, (x, y), (x + w, y + h), float(rng.choice([0.05, 0.95])), -1)
    cv2.circle(img, (size // 2, size // 2), size // 8, 0.15, -1)
    return img


def posed(image: np.ndarray, dx: float, dy: float, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """``image`` turned by ``angle`` degrees about its centre and shifted, and its 3x3 template->image map."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[:, 2] += (dx, dy)
    out = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return out, np.vstack([matrix, [0.0, 0.0, 1.0]])


def sample(base: np.ndarray, rng: np.random.Generator, defect: bool = False) -> np.ndarray:
    """A uint8 part posed within 3 px and 2 degrees, with sensor noise; a scratch when ``defect``."""
    img, _ = posed(base, *rng.uniform(-3, 3, 2), rng.uniform(-2, 2))
    img = img + rng.normal(0, 0.01, img.shape).astype(np.float32)
    if defect:
        cv2.line(img, DEFECT_START, DEFECT_END, 0.6, 2)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


DEFECT_START, DEFECT_END = (40, 120), (70, 132)


def max_point_error(found: np.ndarray, true: np.ndarray, size: int = SIZE) -> float:
    """Largest distance (px) between where two 3x3 maps send a grid of points inside the image."""
    grid = np.array([[x, y, 1.0] for x in (10, size / 2, size - 10) for y in (10, size / 2, size - 10)]).T
    a, b = found @ grid, true @ grid
    return float(np.abs(a[:2] / a[2] - b[:2] / b[2]).max())
