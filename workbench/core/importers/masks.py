"""Mask files of other tools turned into project label maps (0 = background, k = class id k)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.core import imageio
from workbench.core.errors import MaskError

if TYPE_CHECKING:
    from workbench.core.project import Project

# Binary masks: the whole non-zero area is one defect of the class the importer gives.
_BINARY_VALUE_SETS = ({0, 1}, {0, 255}, {0, 65535})


def mask_plane(raw: np.ndarray, what: str) -> np.ndarray:
    """A single 2-D plane: grey as is; colour whose channels agree -> one channel; else any non-zero."""
    if raw.ndim == 2:
        return raw
    colour = raw[..., :3] if raw.shape[2] >= 3 else raw[..., :1]
    if raw.dtype.kind == "f":
        raise MaskError(f"mask {what} holds floating-point values; expected integer class ids or 0/255")
    first = colour[..., 0]
    if all(np.array_equal(first, colour[..., i]) for i in range(1, colour.shape[2])):
        return first
    return np.where(colour.any(axis=2), 255, 0).astype(np.uint8)


def to_label_map(plane: np.ndarray, project: Project, binary_class: str, what: str) -> np.ndarray:
    """Binary (0/255 or 0/1) -> ``binary_class`` (created if missing); values 1..k -> class ids k."""
    if plane.dtype.kind == "f":
        raise MaskError(f"mask {what} holds floating-point values; expected integer class ids or 0/255")
    values = {int(v) for v in np.unique(plane)}
    if values == {0}:
        return np.zeros(plane.shape, np.uint8)
    if any(values <= allowed for allowed in _BINARY_VALUE_SETS):
        class_id = project.ensure_class(binary_class).id
        return np.where(plane > 0, class_id, 0).astype(np.uint8)
    known = {c.id for c in project.classes()}
    unknown = sorted(v for v in values if v and v not in known)
    if unknown:
        shown = ", ".join(map(str, unknown[:8])) + (" ..." if len(unknown) > 8 else "")
        raise MaskError(
            f"mask {what} is neither binary (0/255 or 0/1) nor a label map of defined classes "
            f"(values {shown} are not class ids of this project)"
        )
    return plane.astype(np.uint8)


@dataclass(frozen=True)
class MaskFile:
    """A mask image beside the dataset's image; binary masks take ``binary_class``."""

    item: str
    path: Path
    binary_class: str

    def load(self, project: Project) -> np.ndarray:
        raw = imageio.read_image(self.path)  # ImageReadError names the file
        return to_label_map(mask_plane(raw, self.item), project, self.binary_class, self.item)
