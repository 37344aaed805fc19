"""A printed-circuit-board-like surface: solder mask, traces, silkscreen, pads and vias.

The layout (where every pad is) is drawn separately from the pixels so that a "missing part"
defect can leave one pad, or a piece of it, out and label exactly that footprint. Like a real
line, every board is the same product: one design of BOARD x BOARD pixels, repeated as a panel
when the camera sees more than one board, placed with a small fixture shift and lit a little
differently per image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from workbench.core.samplegen.shapes import smooth_noise

GRID = 8  # traces and pads snap to this pitch, like a real board's routing grid
MAX_SHIFT = 6  # pixels a board may sit off its nominal place in the fixture
BOARD = 512  # side of one board design; larger images show a panel of copies


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
    metal: np.ndarray
    traces: list[tuple[np.ndarray, int]] = field(default_factory=list)
    pads: list[Pad] = field(default_factory=list)
    silk: list[tuple[int, int, int, int]] = field(default_factory=list)


def _snap(value: float) -> int:
    return round(value / GRID) * GRID


def _component(rng: np.random.Generator, cx: int, cy: int) -> tuple[list[Pad], tuple[int, int, int, int]]:
    """An IC footprint: two rows of rectangular pads, and its silkscreen outline."""
    n = int(rng.integers(3, 9))
    pitch = int(rng.choice([12, 16, 20]))
    pad_w = int(pitch * rng.uniform(0.45, 0.6))
    pad_h = int(rng.integers(14, 26))
    body = int(rng.integers(24, 56))
    x0 = cx - (n - 1) * pitch // 2
    pads = [Pad(x0 + i * pitch, cy + sign * (body // 2 + pad_h // 2), pad_w, pad_h)
            for i in range(n) for sign in (-1, 1)]  # fmt: skip
    half_w = (n - 1) * pitch // 2 + pitch
    return pads, (cx - half_w, cy - body // 2 + 3, cx + half_w, cy + body // 2 - 3)


def _footprint(pads: list[Pad], margin: int) -> tuple[int, int, int, int]:
    """Box around the pads, grown by ``margin`` on every side."""
    x0 = min(p.x - p.w // 2 for p in pads)
    y0 = min(p.y - p.h // 2 for p in pads)
    x1 = max(p.x + p.w // 2 for p in pads)
    y1 = max(p.y + p.h // 2 for p in pads)
    return x0 - margin, y0 - margin, x1 + margin, y1 + margin


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_components(layout: PcbLayout, rng: np.random.Generator, count: int) -> None:
    """Components where they fit: a good board never has two parts on top of each other."""
    mx, my = min(40.0, layout.width / 4), min(50.0, layout.height / 4)  # mostly on the image
    taken: list[tuple[int, int, int, int]] = []
    for _ in range(count):
        for _attempt in range(20):
            cx = _snap(rng.uniform(mx, layout.width - mx))
            cy = _snap(rng.uniform(my, layout.height - my))
            pads, silk = _component(rng, cx, cy)
            box = _footprint(pads, GRID)
            if not any(_overlaps(box, other) for other in taken):
                taken.append(box)
                layout.pads.extend(pads)
                layout.silk.append(silk)
                break


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
    """A random board design whose density does not depend on the image size."""
    green = rng.random() < 0.8
    board = np.array([0.10, 0.33, 0.17] if green else [0.30, 0.32, 0.31], np.float32)
    metal = np.array([0.82, 0.7, 0.42] if rng.random() < 0.6 else [0.78, 0.78, 0.76], np.float32)
    board = board * (1.0 + rng.uniform(-0.1, 0.1, 3)).astype(np.float32)
    layout = PcbLayout(height, width, board, metal)
    area = height * width
    for _ in range(max(4, int(area / 9000))):
        _add_trace(layout, rng)
    _place_components(layout, rng, max(2, int(area / 45000)))
    return layout


def placed(design: PcbLayout, rng: np.random.Generator, height: int, width: int) -> PcbLayout:
    """What a ``height x width`` camera sees of a panel of ``design`` copies sitting in the
    fixture a few pixels off its nominal place."""
    dx, dy = (int(v) for v in rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, 2))
    out = PcbLayout(height, width, design.board, design.metal)
    for oy in range(0, height + MAX_SHIFT, design.height):
        for ox in range(0, width + MAX_SHIFT, design.width):
            x, y = ox + dx, oy + dy
            out.traces += [(pts + np.array([x, y], np.int32), t) for pts, t in design.traces]
            out.pads += [Pad(p.x + x, p.y + y, p.w, p.h, p.round) for p in design.pads]
            out.silk += [(x0 + x, y0 + y, x1 + x, y1 + y) for x0, y0, x1, y1 in design.silk]
    return out


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
    metal = layout.metal
    for layer, colour in ((traces, copper), (silk, np.array([0.9, 0.9, 0.86], np.float32))):
        alpha = (layer.astype(np.float32) / 255.0)[..., None]
        img = img * (1.0 - alpha) + alpha * colour
    pad_alpha = (pads.astype(np.float32) / 255.0)[..., None]
    img = img * (1.0 - pad_alpha) + pad_alpha * metal * texture[..., None]
    hole_alpha = (holes.astype(np.float32) / 255.0)[..., None]
    return img * (1.0 - 0.85 * hole_alpha)
