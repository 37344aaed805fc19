"""A printed-circuit-board-like surface: solder mask, traces, silkscreen, pads and vias.

The layout (where every pad is) is drawn separately from the pixels so that a "missing part"
defect can leave one pad, or a piece of it, out and label exactly that footprint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from workbench.core.samplegen.shapes import smooth_noise

GRID = 8  # traces and pads snap to this pitch, like a real board's routing grid


@dataclass(frozen=True)
class Pad:
    """A copper pad: rectangle (``round`` False) or circle of diameter ``w`` centred at x, y."""

    x: int
    y: int
    w: int
    h: int
    round: bool = False

    @property
    def size(self) -> int:
        return max(self.w, self.h)


@dataclass
class PcbLayout:
    """Everything drawn on one board, in pixel coordinates."""

    height: int
    width: int
    board: np.ndarray
    traces: list[tuple[np.ndarray, int]] = field(default_factory=list)
    pads: list[Pad] = field(default_factory=list)
    silk: list[tuple[int, int, int, int]] = field(default_factory=list)


def _snap(value: float) -> int:
    return round(value / GRID) * GRID


def _add_component(layout: PcbLayout, rng: np.random.Generator, cx: int, cy: int) -> None:
    """An IC footprint: two rows of rectangular pads and a silkscreen outline."""
    n = int(rng.integers(3, 9))
    pitch = int(rng.choice([12, 16, 20]))
    pad_w = int(pitch * rng.uniform(0.45, 0.6))
    pad_h = int(rng.integers(14, 26))
    body = int(rng.integers(24, 56))
    x0 = cx - (n - 1) * pitch // 2
    for i in range(n):
        for sign in (-1, 1):
            layout.pads.append(Pad(x0 + i * pitch, cy + sign * (body // 2 + pad_h // 2), pad_w, pad_h))
    half_w = (n - 1) * pitch // 2 + pitch
    layout.silk.append((cx - half_w, cy - body // 2 + 3, cx + half_w, cy + body // 2 - 3))


def _add_trace(layout: PcbLayout, rng: np.random.Generator) -> None:
    """A route of 2-4 straight segments at multiples of 45 degrees."""
    pts = [(_snap(rng.uniform(0, layout.width)), _snap(rng.uniform(0, layout.height)))]
    direction = int(rng.integers(0, 8))
    for _ in range(int(rng.integers(2, 5))):
        direction = (direction + int(rng.choice([-1, 0, 1]))) % 8
        length = _snap(rng.uniform(30, 160))
        dx = round(math.cos(direction * math.pi / 4))
        dy = round(math.sin(direction * math.pi / 4))
        pts.append((pts[-1][0] + dx * length, pts[-1][1] + dy * length))
    layout.traces.append((np.array(pts, np.int32), int(rng.integers(3, 8))))
    if rng.random() < 0.6:  # a via at the end of the route
        diameter = int(rng.integers(10, 18))
        layout.pads.append(Pad(int(pts[-1][0]), int(pts[-1][1]), diameter, diameter, round=True))


def pcb_layout(rng: np.random.Generator, height: int, width: int) -> PcbLayout:
    """A random board layout whose density does not depend on the image size."""
    green = rng.random() < 0.8
    board = np.array([0.10, 0.33, 0.17] if green else [0.30, 0.32, 0.31], np.float32)
    layout = PcbLayout(height, width, board * (1.0 + rng.uniform(-0.1, 0.1, 3)).astype(np.float32))
    area = height * width
    for _ in range(max(4, int(area / 9000))):
        _add_trace(layout, rng)
    mx, my = min(40.0, width / 4), min(50.0, height / 4)  # keep components mostly on the image
    for _ in range(max(2, int(area / 45000))):
        _add_component(layout, rng, _snap(rng.uniform(mx, width - mx)), _snap(rng.uniform(my, height - my)))
    return layout


def draw_pads(layout: PcbLayout, pads: list[Pad] | None = None) -> np.ndarray:
    """A uint8 layer, 255 inside the given pads (all pads by default)."""
    layer = np.zeros((layout.height, layout.width), np.uint8)
    for p in layout.pads if pads is None else pads:
        if p.round:
            cv2.circle(layer, (p.x, p.y), p.w // 2, 255, -1, cv2.LINE_AA)
        else:
            x0, y0 = p.x - p.w // 2, p.y - p.h // 2
            cv2.rectangle(layer, (x0, y0), (x0 + p.w - 1, y0 + p.h - 1), 255, -1)
    return layer


def render_pcb(layout: PcbLayout, rng: np.random.Generator, missing: np.ndarray | None = None) -> np.ndarray:
    """Pixels of a board; pad pixels where ``missing`` is True are left bare (a missing part)."""
    h, w = layout.height, layout.width
    texture = 1.0 + 0.05 * smooth_noise(rng, h, w, cell=24.0) + 0.03 * smooth_noise(rng, h, w, cell=200.0)
    img = texture[..., None] * layout.board
    traces = np.zeros((h, w), np.uint8)
    for pts, thickness in layout.traces:
        cv2.polylines(traces, [pts], False, 255, thickness, cv2.LINE_AA)
    silk = np.zeros((h, w), np.uint8)
    for x0, y0, x1, y1 in layout.silk:
        cv2.rectangle(silk, (x0, y0), (x1, y1), 255, 2, cv2.LINE_AA)
    pads = draw_pads(layout)
    if missing is not None:
        pads[missing] = 0
    holes = np.zeros((h, w), np.uint8)
    for p in layout.pads:
        if p.round:
            cv2.circle(holes, (p.x, p.y), max(2, p.w // 5), 255, -1, cv2.LINE_AA)
    if missing is not None:
        holes[missing] = 0
    copper = layout.board * np.array([1.45, 1.35, 1.4], np.float32)
    metal = np.array([0.82, 0.7, 0.42] if rng.random() < 0.6 else [0.78, 0.78, 0.76], np.float32)
    for layer, colour in ((traces, copper), (silk, np.array([0.9, 0.9, 0.86], np.float32))):
        alpha = (layer.astype(np.float32) / 255.0)[..., None]
        img = img * (1.0 - alpha) + alpha * colour
    pad_alpha = (pads.astype(np.float32) / 255.0)[..., None]
    img = img * (1.0 - pad_alpha) + pad_alpha * metal * texture[..., None]
    hole_alpha = (holes.astype(np.float32) / 255.0)[..., None]
    return img * (1.0 - 0.85 * hole_alpha)
