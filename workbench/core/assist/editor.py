"""A label map being edited: strokes, region fills, undo/redo and the saved/unsaved state."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from workbench.core.assist.history import EditCommand, UndoStack
from workbench.core.assist.shapes import Point, Rect, stroke_region


class MaskEditor:
    """Holds one sample's label map (uint8, 0 = background) and every edit made to it.

    Each method returns the rectangle it changed so a view redraws only that part. ``on_change``,
    when set, is called with that rectangle after every finished edit (a stroke when it ends, a
    fill, an undo, a redo), when ``mask`` already holds the result: the moment to save it.

    Strokes and fills with ``protect`` set leave pixels of other classes as they are: a class
    ``value`` > 0 is written only over background and its own pixels (erasing is never held back).
    """

    def __init__(self, mask: np.ndarray) -> None:
        if mask.ndim != 2:
            raise ValueError(f"a label map is 2-D, got shape {mask.shape}")
        self.mask = np.ascontiguousarray(mask, dtype=np.uint8).copy()
        self.history = UndoStack()
        self._stroke_before: np.ndarray | None = None
        self._stroke_rect = Rect(0, 0, 0, 0)
        self._stroke_points: list[Point] = []
        self._stroke_value = 0
        self._stroke_radius = 1.0
        self._stroke_text = ""
        self._stroke_protect = False
        self.on_change: Callable[[Rect], None] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.mask.shape[0]), int(self.mask.shape[1]))

    @property
    def dirty(self) -> bool:
        """True when the map differs from the last saved state (or a stroke is in progress)."""
        return not self.history.clean or self._stroke_before is not None

    def mark_saved(self) -> None:
        self.history.set_clean()

    # ------------------------------------------------------------------ strokes
    def begin_stroke(
        self, point: Point, radius: float, value: int, text: str = "brush", protect: bool = False
    ) -> Rect:
        """Start a brush (``value`` = class id) or eraser (``value`` = 0) stroke at ``point``."""
        if self._stroke_before is not None:
            self.end_stroke()
        # One copy per stroke; each mouse move then touches only its own small rectangle.
        self._stroke_before = self.mask.copy()
        self._stroke_rect = Rect(0, 0, 0, 0)
        self._stroke_points = [point]
        self._stroke_value = int(value)
        self._stroke_radius = float(radius)
        self._stroke_text = text
        self._stroke_protect = protect
        return self._paint([point])

    def extend_stroke(self, point: Point) -> Rect:
        """Continue the stroke to ``point``; returns the rectangle of this segment."""
        if self._stroke_before is None:
            return Rect(0, 0, 0, 0)
        last = self._stroke_points[-1]
        self._stroke_points.append(point)
        return self._paint([last, point])

    def _paint(self, points: Sequence[Point]) -> Rect:
        rect, region = stroke_region(self.shape, points, self._stroke_radius)
        if not rect.empty:
            if self._stroke_protect and self._stroke_before is not None:
                region = region & self.writable(self._stroke_value, self._stroke_before[rect.slices])
            self.mask[rect.slices][region] = self._stroke_value
            self._stroke_rect = self._stroke_rect.union(rect)
        return rect

    def end_stroke(self) -> Rect:
        """Finish the stroke and record it as one undoable command."""
        before, rect = self._stroke_before, self._stroke_rect
        self._stroke_before = None
        if before is None or rect.empty:
            return Rect(0, 0, 0, 0)
        old, new = before[rect.slices].copy(), self.mask[rect.slices].copy()
        if np.array_equal(old, new):
            return rect
        self.history.push(EditCommand(self._stroke_text, rect, old, new))
        self._changed(rect)
        return rect

    @property
    def stroking(self) -> bool:
        return self._stroke_before is not None

    # ------------------------------------------------------------------ regions
    @staticmethod
    def writable(value: int, current: np.ndarray) -> np.ndarray:
        """Where a protected edit may write ``value``: background, its own class, or anywhere to erase."""
        if value == 0:
            return np.ones(current.shape, bool)
        return (current == 0) | (current == value)

    def fill(self, region: np.ndarray, value: int, text: str = "fill", protect: bool = False) -> Rect:
        """Set the pixels of a boolean ``region`` (full image size) to ``value`` as one command."""
        if region.shape != self.shape:
            raise ValueError(f"region {region.shape} does not match the label map {self.shape}")
        if protect:
            region = region & self.writable(value, self.mask)
        rect = Rect.of_mask(region)
        if rect.empty:
            return rect
        patch = np.where(region[rect.slices], np.uint8(value), self.mask[rect.slices])
        return self.replace(rect, patch, text)

    def replace(self, rect: Rect, patch: np.ndarray, text: str) -> Rect:
        """Put ``patch`` (uint8 class ids) into ``rect`` as one command."""
        old = self.mask[rect.slices].copy()
        new = np.ascontiguousarray(patch, dtype=np.uint8)
        if new.shape != old.shape:
            raise ValueError(f"patch {new.shape} does not match rectangle {rect}")
        if np.array_equal(old, new):
            return Rect(0, 0, 0, 0)
        self.mask[rect.slices] = new
        self.history.push(EditCommand(text, rect, old, new.copy()))
        self._changed(rect)
        return rect

    # ------------------------------------------------------------------ history
    def undo(self) -> Rect | None:
        if self._stroke_before is not None:
            self.end_stroke()
        return self._changed(self.history.undo(self.mask))

    def redo(self) -> Rect | None:
        return self._changed(self.history.redo(self.mask))

    def _changed(self, rect: Rect | None) -> Rect | None:
        if rect is not None and not rect.empty and self.on_change is not None:
            self.on_change(rect)
        return rect
