"""Undo/redo as a stack of command objects holding the changed patch of a label map."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.core.assist.shapes import Rect


@dataclass(frozen=True)
class EditCommand:
    """One undoable change: the pixels of ``rect`` before and after it."""

    text: str
    rect: Rect
    before: np.ndarray
    after: np.ndarray

    def undo(self, mask: np.ndarray) -> Rect:
        mask[self.rect.slices] = self.before
        return self.rect

    def redo(self, mask: np.ndarray) -> Rect:
        mask[self.rect.slices] = self.after
        return self.rect

    @property
    def nbytes(self) -> int:
        return int(self.before.nbytes + self.after.nbytes)


class UndoStack:
    """Commands done and undone; the oldest are dropped beyond ``max_bytes`` of patches."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self._done: list[EditCommand] = []
        self._undone: list[EditCommand] = []
        self._max_bytes = max_bytes
        # Position of the saved state: index into _done, or None once it was dropped/forked away.
        self._clean: int | None = 0

    def push(self, command: EditCommand) -> None:
        if self._clean is not None and self._clean > len(self._done):
            self._clean = None  # the saved state was in the redo branch we now discard
        self._done.append(command)
        self._undone.clear()
        self._trim()

    def _trim(self) -> None:
        total = sum(c.nbytes for c in self._done)
        while len(self._done) > 1 and total > self._max_bytes:
            total -= self._done.pop(0).nbytes
            self._clean = None if self._clean in (None, 0) else self._clean - 1

    def undo(self, mask: np.ndarray) -> Rect | None:
        """Undo the latest command on ``mask``; returns the changed rectangle, or None."""
        if not self._done:
            return None
        command = self._done.pop()
        self._undone.append(command)
        return command.undo(mask)

    def redo(self, mask: np.ndarray) -> Rect | None:
        if not self._undone:
            return None
        command = self._undone.pop()
        self._done.append(command)
        return command.redo(mask)

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    @property
    def clean(self) -> bool:
        """True when the map equals what was last saved."""
        return self._clean == len(self._done)

    def set_clean(self) -> None:
        self._clean = len(self._done)

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean = 0
