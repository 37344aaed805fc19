"""The order of what a person did on one sample: mask edits and image-label changes, for one undo.

The mask edits themselves are commands of :class:`~workbench.core.assist.editor.MaskEditor`'s
stack; this list only says which comes next, so Ctrl+Z after pressing O (mark OK) undoes the
label, and after a stroke undoes the stroke. A label change is not a mask edit: it never marks
the mask unsaved.
"""

from __future__ import annotations

from dataclasses import dataclass

MASK_EDIT = "mask"


@dataclass(frozen=True)
class LabelChange:
    """The image label of a sample went from ``before`` to ``after`` (ok / ng / unlabeled)."""

    sample_id: int
    before: str
    after: str


Step = LabelChange | str  # a LabelChange, or MASK_EDIT: the mask editor's next command


class SampleSteps:
    """Done and undone steps of the open sample, newest last."""

    def __init__(self) -> None:
        self._done: list[Step] = []
        self._undone: list[Step] = []

    def record(self, step: Step) -> None:
        """A new step: it can be undone, and what was undone before can no longer be redone."""
        self._done.append(step)
        self._undone.clear()

    def undo(self) -> Step | None:
        if not self._done:
            return None
        step = self._done.pop()
        self._undone.append(step)
        return step

    def redo(self) -> Step | None:
        if not self._undone:
            return None
        step = self._undone.pop()
        self._done.append(step)
        return step

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
