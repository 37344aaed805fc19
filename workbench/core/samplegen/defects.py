"""Synthetic defects drawn onto a float32 ``H x W x 3`` surface, labelled in a uint8 mask.

Each ``draw_*`` function changes ``img`` and ``mask`` in place inside a small region of interest,
so the cost depends on the defect's size, not the image's. ``faint`` defects keep their shape but
get a fraction of the usual contrast: the borderline cases an inspection model must still catch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from workbench.core.samplegen.pcb import PcbLayout, draw_pads
from workbench.core.samplegen.shapes import blob_alpha, footprint, smooth_noise, stroke_layer

Drawer = Callable[[np.ndarray, np.ndarray, np.random.Generator, int, bool, int], None]


def _contrast(rng: np.random.Generator, low: float, high: float, faint: bool) -> float:
    value = rng.uniform(low, high)
    return value * rng.uniform(0.3, 0.45) if faint else value


def _place(rng: np.random.Generator, shape: tuple[int, ...], side_h: int, side_w: int) -> tuple[slice, slice]:
    """A random window of the given size fully inside the image."""
    y0 = int(rng.integers(0, max(1, shape[0] - side_h + 1)))
    x0 = int(rng.integers(0, max(1, shape[1] - side_w + 1)))
    return slice(y0, y0 + side_h), slice(x0, x0 + side_w)


def _fit(size: int, shape: tuple[int, ...], factor: float) -> int:
    """Shrink a defect so that its drawing window (``factor`` x size) fits in the image."""
    return int(max(4, min(size, (min(shape[:2]) - 8) / factor)))


def _stamp(
    img: np.ndarray,
    mask: np.ndarray,
    rng: np.random.Generator,
    layer: np.ndarray,
    colour: np.ndarray,
    labelled: np.ndarray,
    class_id: int,
) -> None:
    """Add ``layer * colour`` to a random window and label the ``labelled`` pixels."""
    rows, cols = _place(rng, img.shape, *layer.shape)
    img[rows, cols] += layer[..., None] * colour
    mask[rows, cols][labelled] = class_id


def _bezier(rng: np.random.Generator, length: float, centre: float, n: int) -> np.ndarray:
    """Points (x, y) of a gently curved stroke of ``length`` centred at (centre, centre)."""
    angle = rng.uniform(0, math.pi)
    d = np.array([math.cos(angle), math.sin(angle)])
    normal = np.array([-d[1], d[0]])
    p0, p2 = centre - d * length / 2, centre + d * length / 2
    p1 = centre + normal * length * rng.uniform(-0.18, 0.18)
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def draw_scratch(
    img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, size: int, faint: bool, class_id: int
) -> None:
    """A thin, curved, tapered line, usually darker (groove), sometimes brighter (burnished)."""
    size = _fit(size, img.shape, 1.0)
    side = size + 8
    n = max(6, size // 3)
    pts = _bezier(rng, size, (side - 1) / 2.0, n)
    s = (np.arange(n - 1) + 0.5) / (n - 1)
    width_max = rng.uniform(0.8, 1.6) if size < 24 else rng.uniform(1.0, 3.8)
    widths = np.maximum(width_max * np.sin(np.pi * s) ** 0.5, 0.35)
    levels = np.sin(np.pi * s) ** 0.3 * rng.uniform(0.7, 1.0, n - 1)
    layer = stroke_layer((side, side), [pts], [widths], [levels])
    sign = -1.0 if rng.random() < 0.65 else 1.0
    colour = np.full(3, sign * _contrast(rng, 0.14, 0.32, faint), np.float32)
    _stamp(img, mask, rng, layer, colour, footprint(layer), class_id)


def _walk(
    rng: np.random.Generator, start: np.ndarray, heading: float, length: float, step: float
) -> np.ndarray:
    """A jagged path: a random walk of the heading around its first direction."""
    n = max(3, int(length / step))
    turns = heading + np.cumsum(rng.normal(0.0, 0.35, n)) * 0.6
    steps = step * np.stack([np.cos(turns), np.sin(turns)], axis=1)
    return np.vstack([start, start + np.cumsum(steps, axis=0)])


def draw_crack(
    img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, size: int, faint: bool, class_id: int
) -> None:
    """A branching, jagged dark line, thickest in the middle."""
    size = _fit(size, img.shape, 1.6)
    side = int(size * 1.6) + 8
    step = max(1.5, size / 14.0)
    main = _walk(rng, np.zeros(2), rng.uniform(0, 2 * math.pi), size, step)
    main += (side - 1) / 2.0 - (main.min(axis=0) + main.max(axis=0)) / 2.0
    paths, widths = [main], []
    w_max = rng.uniform(0.9, 2.2)
    s = (np.arange(len(main) - 1) + 0.5) / (len(main) - 1)
    widths.append(np.maximum(w_max * np.sin(np.pi * s) ** 0.7, 0.4))
    for _ in range(int(rng.integers(1, 4))):
        k = int(rng.integers(len(main) // 5, max(len(main) // 5 + 1, 4 * len(main) // 5)))
        d = main[min(k + 1, len(main) - 1)] - main[max(k - 1, 0)]
        heading = math.atan2(d[1], d[0]) + rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.1)
        branch = _walk(rng, main[k], heading, size * rng.uniform(0.2, 0.45), step)
        paths.append(np.clip(branch, 0, side - 1))
        widths.append(np.linspace(0.6 * w_max, 0.35, len(branch) - 1))
    levels = [np.ones(len(p) - 1) for p in paths]
    layer = stroke_layer((side, side), paths, widths, levels)
    colour = np.full(3, -_contrast(rng, 0.16, 0.34, faint), np.float32)
    _stamp(img, mask, rng, layer, colour, footprint(layer), class_id)


def draw_spot(
    img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, size: int, faint: bool, class_id: int
) -> None:
    """A soft-edged irregular blob: a stain (darker, often brownish) or a bright residue spot."""
    size = _fit(size, img.shape, 1.6)
    alpha = blob_alpha(rng, size, softness=rng.uniform(0.12, 0.5), irregularity=0.35)
    side = alpha.shape[0]
    mottle = 1.0 + 0.25 * smooth_noise(rng, side, side, cell=max(3.0, size / 4.0))
    layer = alpha * mottle
    dark = rng.random() < 0.6
    tint = np.array([1.0, 1.1, 1.35] if dark and rng.random() < 0.5 else [1.0, 1.0, 1.0], np.float32)
    colour = (-1.0 if dark else 1.0) * _contrast(rng, 0.1, 0.26, faint) * tint
    _stamp(img, mask, rng, layer, colour, alpha > 0.5, class_id)


def draw_hole(
    img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, size: int, faint: bool, class_id: int
) -> None:
    """Missing material: an irregular region with frayed edges showing a dark backing."""
    size = _fit(size, img.shape, 1.6)
    alpha = blob_alpha(rng, size, softness=0.06, irregularity=0.5, fray=0.08)
    alpha *= rng.uniform(0.3, 0.45) if faint else 1.0
    rows, cols = _place(rng, img.shape, *alpha.shape)
    backing = rng.uniform(0.03, 0.12)
    a = alpha[..., None]
    img[rows, cols] = img[rows, cols] * (1.0 - a) + a * backing
    mask[rows, cols][footprint(alpha, 0.5)] = class_id


def missing_pad(
    layout: PcbLayout, rng: np.random.Generator, size: int, faint: bool, taken: np.ndarray
) -> np.ndarray | None:
    """Pixels of one pad (or, when faint, a chipped piece of it) to leave out; None if no pad fits."""
    h, w = layout.height, layout.width
    fits = [
        p
        for p in layout.pads
        if p.w // 2 + 3 <= p.x < w - p.w // 2 - 3
        and p.h // 2 + 3 <= p.y < h - p.h // 2 - 3
        and not taken[p.y, p.x]
    ]
    if not fits:
        return None
    fits.sort(key=lambda p: abs(p.size - size))
    pad = fits[int(rng.integers(0, min(4, len(fits))))]
    gone = draw_pads(layout, [pad]) > 0
    if faint:
        # A chipped pad: only the part beyond a random cut through it is missing.
        ys = np.arange(h, dtype=np.float32)[:, None]
        xs = np.arange(w, dtype=np.float32)[None, :]
        angle = rng.uniform(0, 2 * math.pi)
        offset = rng.uniform(0.0, 0.3) * min(pad.w, pad.h) / 2.0
        side = (xs - pad.x) * math.cos(angle) + (ys - pad.y) * math.sin(angle) > offset
        gone &= side
    return gone if gone.any() else draw_pads(layout, [pad]) > 0


DRAWERS: dict[str, Drawer] = {
    "scratch": draw_scratch,
    "spot": draw_spot,
    "crack": draw_crack,
    "missing_part": draw_hole,
}
