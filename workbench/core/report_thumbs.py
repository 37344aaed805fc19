"""Gallery thumbnails of the evaluation report: image + score heat map + label contour + boxes.

Each thumbnail is a small JPEG embedded as a base64 data URI so that report.html is one file.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from workbench.core.imageio import to_uint8

MAX_SIDE = 320
# Scores below this stay uncoloured so the part itself remains visible under the heat map.
HEAT_FLOOR = 0.1
LABEL_BGR = (80, 220, 60)  # labelled defect contour: green
BOX_BGR = (255, 60, 255)  # predicted defect boxes: magenta
MAX_BOXES = 12
MIN_BOX = 10


def _to_bgr8(image: np.ndarray) -> np.ndarray:
    """Any stored image (grey, RGB(A), several light channels, 8/16-bit, float) as 8-bit BGR."""
    img = to_uint8(image)
    if img.ndim == 3 and img.shape[2] in (3, 4):
        return cv2.cvtColor(np.ascontiguousarray(img[..., :3]), cv2.COLOR_RGB2BGR)
    if img.ndim == 3:
        img = img[..., 0]  # several light sources: the first one stands for the part
    return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_GRAY2BGR)


def _heat(base: np.ndarray, score_map: np.ndarray) -> np.ndarray:
    """Blend a colour map of the per-pixel maximum score over ``base`` (opacity grows with score)."""
    h, w = base.shape[:2]
    top = score_map.max(axis=0) if score_map.ndim == 3 else score_map
    top = cv2.resize(top.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    colours = cv2.applyColorMap(np.clip(top * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET)
    alpha = np.clip((top - HEAT_FLOOR) / (1 - HEAT_FLOOR), 0, 1)[..., None] * 0.6
    return (base * (1 - alpha) + colours * alpha).astype(np.uint8)


def overlay_thumbnail(
    image: np.ndarray,
    score_map: np.ndarray,
    mask: np.ndarray | None,
    defects: Sequence[dict[str, Any]],
    max_side: int = MAX_SIDE,
) -> np.ndarray:
    """BGR uint8 thumbnail (longest side ``max_side``) with heat map, label contour and boxes."""
    base = _to_bgr8(image)
    h, w = base.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    tw, th = max(1, round(w * scale)), max(1, round(h * scale))
    thumb = cv2.resize(base, (tw, th), interpolation=cv2.INTER_AREA)
    thumb = _heat(thumb.astype(np.float32), score_map)
    if mask is not None and mask.any():
        small = cv2.resize((mask > 0).astype(np.uint8), (tw, th), interpolation=cv2.INTER_NEAREST)
        if not small.any():  # a defect smaller than one thumbnail pixel still gets a mark
            ys, xs = np.nonzero(mask)
            small[min(th - 1, int(ys.mean() * scale)), min(tw - 1, int(xs.mean() * scale))] = 1
        contours, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(thumb, contours, -1, LABEL_BGR, 2)
    # A badly trained model can report thousands of specks; the largest few tell the story.
    for d in sorted(defects, key=lambda d: -int(d.get("area_px", 0)))[:MAX_BOXES]:
        cx, cy = (d["x"] + d["w"] / 2) * scale, (d["y"] + d["h"] / 2) * scale
        # Tiny defects get a box of at least MIN_BOX pixels so they can be seen at all.
        hw, hh = max(d["w"] * scale, MIN_BOX) / 2 + 1, max(d["h"] * scale, MIN_BOX) / 2 + 1
        cv2.rectangle(thumb, (int(cx - hw), int(cy - hh)), (int(cx + hw), int(cy + hh)), BOX_BGR, 2)
    return thumb


def jpeg_data_uri(bgr: np.ndarray, quality: int = 82) -> str:
    ok, buf = cv2.imencode(".jpg", bgr, [int(cv2.IMWRITE_JPEG_QUALITY), quality])
    if not ok:
        raise ValueError("could not encode a report thumbnail as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")
