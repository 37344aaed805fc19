"""What the canvas shows of a sample: a channel or the colour image, window/level applied (no Qt)."""

from __future__ import annotations

import numpy as np

from workbench.core.imageio import to_uint8

COLOUR = -1  # channel choice: show the first three planes as colour


def planes(image: np.ndarray) -> int:
    return 1 if image.ndim == 2 else int(image.shape[2])


def channel_choices(image: np.ndarray, n_files: int = 1) -> list[int]:
    """Choices for the channel selector: COLOUR for one RGB(A) file, then each plane by index."""
    n = planes(image)
    if n == 1:
        return [0]
    colour = [COLOUR] if n_files == 1 and n in (3, 4) else []
    return colour + list(range(n))


def default_window(image: np.ndarray) -> tuple[float, float]:
    """A window that shows 8-bit images as they are and stretches deeper ones to their content."""
    if image.dtype == np.uint8:
        return 0.0, 255.0
    sample = image[:: max(image.shape[0] // 512, 1), :: max(image.shape[1] // 512, 1)]
    lo, hi = np.percentile(sample, (0.5, 99.5))
    if hi <= lo:
        hi = lo + 1.0
    return float(lo), float(hi)


def value_range(image: np.ndarray) -> tuple[float, float]:
    """The range a window may span for this dtype."""
    if image.dtype == np.uint8:
        return 0.0, 255.0
    if image.dtype == np.uint16:
        return 0.0, 65535.0
    return float(min(image.min(), 0.0)), float(max(image.max(), 1.0))


def display_image(image: np.ndarray, channel: int, low: float, high: float) -> np.ndarray:
    """8-bit grey ``H x W`` or RGB ``H x W x 3`` for the screen (and for the assists, which work
    on what the person sees)."""
    if image.ndim == 3:
        plane = np.ascontiguousarray(image[..., :3]) if channel == COLOUR else image[..., channel]
    else:
        plane = image
    if plane.dtype == np.uint8 and low <= 0 and high >= 255:
        return np.ascontiguousarray(plane)
    return np.ascontiguousarray(to_uint8(plane, low, high))
