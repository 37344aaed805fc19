"""Where the defects of a label map are: its connected regions in reading order, for "next region"."""

from __future__ import annotations

import cv2
import numpy as np

from workbench.core.assist.shapes import Rect


def mask_regions(label_map: np.ndarray) -> list[Rect]:
    """Bounding rectangles of the connected regions of each class (8-connected), top to bottom.

    Regions of different classes that touch stay separate: a person steps through what was
    labelled, one defect at a time. Order: by the centre's row, then its column.
    """
    rects: list[Rect] = []
    for class_id in np.unique(label_map):
        if class_id == 0:
            continue
        same = (label_map == class_id).astype(np.uint8)
        n, _labels, stats, _centroids = cv2.connectedComponentsWithStats(same, connectivity=8)
        for x, y, w, h, _area in stats[1:n]:
            rects.append(Rect(int(x), int(y), int(x + w), int(y + h)))
    rects.sort(key=lambda r: ((r.y0 + r.y1) // 2, (r.x0 + r.x1) // 2))
    return rects
