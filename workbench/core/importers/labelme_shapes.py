"""labelme shapes (polygon, rectangle, circle, line, point, mask) drawn into a label map."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from workbench.core import imageio
from workbench.core.errors import MaskError

if TYPE_CHECKING:
    from workbench.core.project import Project

LINE_WIDTH = 3  # px; lines and points have no area of their own in labelme
POINT_RADIUS = 3
DEFAULT_CLASS = "defect"


def _points(shape: dict[str, Any], least: int, what: str) -> np.ndarray:
    try:
        pts = np.asarray(shape.get("points", []), dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError) as exc:
        raise MaskError(f"{what}: points are not a list of [x, y] pairs") from exc
    if len(pts) < least or not np.isfinite(pts).all():
        raise MaskError(f"{what}: needs at least {least} finite point(s), has {len(pts)}")
    return pts


def _ints(pts: np.ndarray) -> np.ndarray:
    return np.round(pts).astype(np.int32)


def _paste_bitmap(mask: np.ndarray, shape: dict[str, Any], value: int, what: str) -> None:
    corner = _ints(_points(shape, 1, what))[0]
    try:
        data = base64.b64decode(str(shape.get("mask", "")), validate=True)
    except ValueError as exc:
        raise MaskError(f"{what}: the embedded mask is not valid base64") from exc
    bitmap = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE) if data else None
    if bitmap is None:
        raise MaskError(f"{what}: the embedded mask is not a readable image")
    x0, y0 = max(int(corner[0]), 0), max(int(corner[1]), 0)
    region = mask[y0 : y0 + bitmap.shape[0], x0 : x0 + bitmap.shape[1]]
    crop = bitmap[: region.shape[0], : region.shape[1]] > 0
    region[crop] = value


def draw_shape(mask: np.ndarray, shape: dict[str, Any], value: int, what: str) -> None:
    """Paint one labelme shape into ``mask`` with ``value`` (in place)."""
    kind = str(shape.get("shape_type") or "polygon")
    if kind == "polygon":
        cv2.fillPoly(mask, [_ints(_points(shape, 3, what))], value)
    elif kind == "rectangle":
        pts = _points(shape, 2, what)
        (x0, y0), (x1, y1) = _ints(pts.min(axis=0)), _ints(pts.max(axis=0))
        cv2.rectangle(mask, (int(x0), int(y0)), (int(x1), int(y1)), value, thickness=-1)
    elif kind == "circle":
        pts = _points(shape, 2, what)
        radius = math.dist(pts[0], pts[1])
        centre = _ints(pts[0])
        cv2.circle(mask, (int(centre[0]), int(centre[1])), round(radius), value, thickness=-1)
    elif kind in ("line", "linestrip"):
        cv2.polylines(mask, [_ints(_points(shape, 2, what))], False, value, thickness=LINE_WIDTH)
    elif kind == "point":
        x, y = _ints(_points(shape, 1, what))[0]
        cv2.circle(mask, (int(x), int(y)), POINT_RADIUS, value, thickness=-1)
    elif kind == "mask":
        _paste_bitmap(mask, shape, value, what)
    else:
        raise MaskError(f"{what}: unknown shape type {kind!r}")


@dataclass(frozen=True)
class LabelmeMask:
    """The shapes of one labelme JSON, drawn in order (a later shape wins where shapes overlap)."""

    item: str
    shapes: tuple[dict[str, Any], ...]
    image: Path
    height: int | None = None
    width: int | None = None

    def load(self, project: Project) -> np.ndarray:
        height, width = self.height, self.width
        if not height or not width:  # older files omit the size: take it from the image
            height, width = imageio.read_image(self.image).shape[:2]
        mask = np.zeros((height, width), np.uint8)
        for n, shape in enumerate(self.shapes, start=1):
            name = str(shape.get("label") or "").strip() or DEFAULT_CLASS
            draw_shape(mask, shape, project.ensure_class(name).id, f"{self.item} shape {n} ({name})")
        return mask
