"""Annotation assists: pure numpy/OpenCV algorithms and undoable edits of a label map (no Qt).

The window draws and collects points; everything that decides which pixels change lives here,
so the same edits run in tests and scripts.
"""

from __future__ import annotations

from workbench.core.assist.editor import MaskEditor
from workbench.core.assist.history import EditCommand, UndoStack
from workbench.core.assist.proposals import latest_proposal, proposal_region
from workbench.core.assist.regions import WandResult, bounded_wand, grabcut_box, magic_wand, threshold_in_box
from workbench.core.assist.shapes import Rect, polygon_region, stroke_region

__all__ = [
    "EditCommand",
    "MaskEditor",
    "Rect",
    "UndoStack",
    "WandResult",
    "bounded_wand",
    "grabcut_box",
    "latest_proposal",
    "magic_wand",
    "polygon_region",
    "proposal_region",
    "stroke_region",
    "threshold_in_box",
]
