"""Rasterising what a person draws: brush segments with round caps and filled polygons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    """A pixel rectangle ``[x0, x1) x [y0, y1)``; empty when it has no area."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0

    @property
    def width(self) -> int:
        return max(self.x1 - self.x0, 0)

    @property
    def height(self) -> int:
        return max(self.y1 - self.y0, 0)

    @property
    def slices(self) -> tuple[slice, slice]:
        """Numpy index ``(rows, columns)`` of this rectangle."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def clip(self, width: int, height: int) -> Rect:
        return Rect(max(self.x0, 0), max(self.y0, 0), min(self.x1, width), min(self.y1, height))

    def union(self, other: Rect) -> Rect:
        if self.empty:
            return other
        if other.empty:
            return self
        return Rect(
            min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1)
        )

    @classmethod
    def from_points(cls, a: Point, b: Point) -> Rect:
        """The rectangle spanned by two corner points (any order), in whole pixels."""
        x0, x1 = sorted((a[0], b[0]))
        y0, y1 = sorted((a[1], b[1]))
        return cls(int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)), int(np.ceil(y1)))

    @classmethod
    def of_mask(cls, region: np.ndarray) -> Rect:
        """Bounding rectangle of the true pixels of a boolean array."""
        ys, xs = np.nonzero(region)
        if ys.size == 0:
            return cls(0, 0, 0, 0)
        return cls(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def stroke_region(shape: tuple[int, int], points: Sequence[Point], radius: float) -> tuple[Rect, np.ndarray]:
    """Pixels covered by a brush of ``radius`` dragged through ``points``.

    Returns the clipped bounding rectangle and a boolean patch of that rectangle's size, so a
    caller updates only what the stroke touched (a whole-image array per mouse move is too slow).
    """
    height, width = shape
    if not points:
        return Rect(0, 0, 0, 0), np.zeros((0, 0), bool)
    r = max(float(radius), 0.5)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pad = int(np.ceil(r)) + 1
    rect = Rect(
        int(np.floor(pts[:, 0].min())) - pad,
        int(np.floor(pts[:, 1].min())) - pad,
        int(np.ceil(pts[:, 0].max())) + pad + 1,
        int(np.ceil(pts[:, 1].max())) + pad + 1,
    )
    patch = np.zeros((rect.height, rect.width), np.uint8)
    # cv2 draws with sub-pixel precision when points are shifted by `shift` bits.
    shift = 4
    scale = 1 << shift
    local = np.round((pts - [rect.x0, rect.y0]) * scale).astype(np.int32)
    radius_fixed = round(r * scale)
    for p in local:
        cv2.circle(patch, (int(p[0]), int(p[1])), radius_fixed, 1, -1, cv2.LINE_8, shift)
    if len(local) > 1:
        # A thick polyline joins the discs so fast mouse moves leave no gaps.
        thickness = max(round(2 * r), 1)
        cv2.polylines(patch, [local.reshape(-1, 1, 2)], False, 1, thickness, cv2.LINE_8, shift)
    clipped = rect.clip(width, height)
    if clipped.empty:
        return clipped, np.zeros((0, 0), bool)
    sub = patch[clipped.y0 - rect.y0 : clipped.y1 - rect.y0, clipped.x0 - rect.x0 : clipped.x1 - rect.x0]
    return clipped, sub.astype(bool)


def polygon_region(shape: tuple[int, int], points: Sequence[Point]) -> np.ndarray:
    """Boolean image of a filled polygon (at least three vertices; fewer gives an empty region)."""
    out = np.zeros(shape, np.uint8)
    if len(points) >= 3:
        pts = np.round(np.asarray(points, dtype=np.float64) * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(out, [pts], 1, cv2.LINE_8, 4)
    return out.astype(bool)
