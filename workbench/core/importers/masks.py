"""Mask files of other tools turned into project label maps (0 = background, k = class id k).

Masks are read as real tools write them, by these rules in order:

- floating-point values are refused: nothing says which of them mean a defect.
- transparency: pixels less than half opaque are background.
- a palette PNG whose palette is not the class colours is read by its indices when these form
  a binary mask or a label map (VOC-style label maps, labelme's ``label.png``).
- colour (channels differ): the project's class colours map to those classes; one colour on
  black is a binary mask (see :mod:`workbench.core.importers.mask_colours`).
- grey: all zero -> empty; 0/1, 0/255, 0/65535 -> the binary class; values that are all class
  ids -> a label map. Anything else is taken as binary in meaning with grey edges
  (anti-aliasing, resizing, JPEG) and thresholded at half its range (half of 255 for 8-bit
  values, of 65535 for 16-bit ones), but only when the class is known from the folder or name:
  otherwise a label map of classes not defined yet looks the same, and guessing would import
  wrong labels. A mask with nothing above half the range is refused, not imported empty, and so
  is one with several grey levels that each fill regions of their own (128 and 255, say): that
  is a label map of several classes, and one cut would merge them or drop some.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from workbench.core import imageio
from workbench.core.errors import MaskError
from workbench.core.importers.base import ReadMask
from workbench.core.importers.mask_colours import TOLERANCE, hex_rgb, read_colour_mask
from workbench.core.importers.palette_png import is_palette_png, read_palette_png

if TYPE_CHECKING:
    from workbench.core.project import Project

_BINARY_VALUE_SETS = ({0, 1}, {0, 255}, {0, 65535})
GREY_SPREAD = 16  # channels this close (8-bit scale) are one grey: JPEG of a grey mask stays within it
LEVEL_TOLERANCE = 8  # (8-bit scale) levels this close are one level (JPEG noise around it)
# A grey level is a class of its own when it fills solid regions, 5x5 blocks of one value (within
# FLAT_TOLERANCE), of at least this share of the mask's foreground. Edge ramps of anti-aliasing,
# resizing and blurring change value every pixel or two and seldom do; JPEG keeps flat blocks flat.
FLAT_TOLERANCE = 1
MIN_LEVEL_SHARE = 0.02
MIN_LEVEL_PIXELS = 9
MAX_LEVELS_CHECKED = 12


@dataclass(frozen=True)
class MaskClass:
    """The class a binary mask takes; ``known`` when a folder or file name said so (not a fallback)."""

    name: str
    known: bool = True


def _full_range(values: np.ndarray) -> int:
    """255 for 8-bit data (also 8-bit values stored in 16 bits), else 65535."""
    if values.dtype == np.uint8 or not values.size or int(values.max()) <= 255:
        return 255
    return 65535


def _shown(values: list[int]) -> str:
    return ", ".join(map(str, values[:8])) + (" ..." if len(values) > 8 else "")


def exact_label_map(plane: np.ndarray, project: Project, cls: MaskClass) -> np.ndarray | None:
    """The label map when ``plane`` needs no interpretation: empty, two-level, or class ids; else None."""
    values = {int(v) for v in np.unique(plane)}
    nonzero = values - {0}
    if not nonzero:
        return np.zeros(plane.shape, np.uint8)
    if any(values <= allowed for allowed in _BINARY_VALUE_SETS):
        return np.where(plane > 0, project.ensure_class(cls.name).id, 0).astype(np.uint8)
    if nonzero <= {c.id for c in project.classes()}:
        return plane.astype(np.uint8)
    return None


def _class_unknown(what: str, detail: str) -> MaskError:
    return MaskError(
        f"mask {what} is neither binary (0/255 or 0/1) nor a label map of this project's classes "
        f"({detail}), and no defect class is known from its folder to threshold it for; if it marks one "
        "kind of defect, put the image in a folder named after the defect (or create that one class in "
        "the project first); if its values are class ids, create those classes first; then import again"
    )


def flat_levels(plane: np.ndarray) -> list[int]:
    """The grey levels of a mask that fill solid regions of their own, most used first."""
    tolerance = LEVEL_TOLERANCE * _full_range(plane) // 255
    flat = FLAT_TOLERANCE * _full_range(plane) // 255
    values = plane.astype(np.int64)
    # The faint tail of a resized or blurred edge can be wide and nearly flat; it is background.
    foreground = values > _full_range(plane) // 8
    needed = max(MIN_LEVEL_PIXELS, MIN_LEVEL_SHARE * int(foreground.sum()))
    uniq, counts = np.unique(values[foreground], return_counts=True)
    levels: list[int] = []
    block = np.ones((5, 5), np.uint8)
    for value in uniq[np.argsort(-counts)][:MAX_LEVELS_CHECKED]:
        if any(abs(int(value) - level) <= 2 * tolerance for level in levels):
            continue  # JPEG noise around a level already found
        near = (np.abs(values - int(value)) <= flat).astype(np.uint8)
        if int(cv2.erode(near, block).sum()) >= needed:
            levels.append(int(value))
    return levels


def threshold(plane: np.ndarray, project: Project, cls: MaskClass, what: str) -> np.ndarray:
    """Binary in meaning with grey values: at least half the range -> ``cls``; refuse if that guesses."""
    values = [int(v) for v in np.unique(plane) if v]
    detail = f"values {_shown(values)} are not class ids of this project"
    if not cls.known:
        raise _class_unknown(what, detail)
    levels = flat_levels(plane)
    if len(levels) > 1:
        raise MaskError(
            f"mask {what} has {len(levels)} grey levels that each fill regions of their own "
            f"({_shown(sorted(levels))}): it marks several classes, and one cut at half the range would "
            "merge them or drop some; create the classes and save the mask as a label map (0 = background, "
            "k = class id k) or as one mask per class (or, if it marks one kind of defect, as 0/255), then "
            "import again"
        )
    half = _full_range(plane) // 2
    above = plane > half
    if not above.any():
        raise MaskError(
            f"mask {what}: {detail} and none reaches half the range ({half + 1}), so it is no binary mask "
            "either; create classes with these ids, or save the mask as 0/255, then import again"
        )
    return np.where(above, project.ensure_class(cls.name).id, 0).astype(np.uint8)


def _opaque(raw: np.ndarray) -> np.ndarray:
    """Colour or grey without alpha; transparent pixels become background."""
    if raw.ndim != 3 or raw.shape[2] not in (2, 4):
        return raw
    alpha, colour = raw[..., -1], raw[..., :-1]
    if colour.shape[2] == 1:
        colour = colour[..., 0]
    if int(alpha.min()) == int(alpha.max()):
        return colour
    opaque = alpha > _full_range(alpha) // 2
    if int(colour.min()) == int(colour.max()):  # the mask is in the alpha channel alone
        return np.where(opaque, _full_range(alpha), 0).astype(raw.dtype)
    return np.where(opaque[..., None] if colour.ndim == 3 else opaque, colour, 0).astype(raw.dtype)


def _to_rgb8(rgb: np.ndarray) -> np.ndarray:
    if _full_range(rgb) == 255:
        return rgb.astype(np.uint8)
    return np.rint(rgb / 257.0).astype(np.uint8)


def _is_grey(colour: np.ndarray) -> bool:
    spread = int((colour.max(axis=2).astype(np.int64) - colour.min(axis=2)).max())
    return spread * 255 <= GREY_SPREAD * _full_range(colour)


def _from_palette(
    indices: np.ndarray, palette: np.ndarray, project: Project, cls: MaskClass
) -> np.ndarray | None:
    """The indices as a label map, unless the palette's colours are the point (grey or class colours)."""
    used = palette[np.unique(indices).clip(0, len(palette) - 1)].astype(np.float64)
    coloured = used[np.ptp(used, axis=1) > 0]
    if not len(coloured):  # a grey palette: the colours are the values
        return None
    for c in project.classes():
        rgb = hex_rgb(c.color)
        if rgb is not None and (np.linalg.norm(coloured - rgb, axis=1) <= TOLERANCE).any():
            return None
    return exact_label_map(indices, project, cls)


def read_mask(
    raw: np.ndarray,
    project: Project,
    cls: MaskClass,
    what: str,
    palette: tuple[np.ndarray, np.ndarray] | None = None,
) -> ReadMask:
    """A label map from a mask image as read from disk (``palette``: indices and colours of a palette PNG)."""
    if raw.dtype.kind == "f":
        raise MaskError(
            f"mask {what} holds floating-point values; save it as an 8-bit PNG with 0 = background and "
            "255 = defect (or class ids 1..k), then import again"
        )
    if palette is not None:
        labels = _from_palette(*palette, project, cls)
        if labels is not None:
            return ReadMask(labels)
    raw = _opaque(raw)
    if raw.ndim == 3 and raw.shape[2] >= 3 and not _is_grey(raw[..., :3]):
        read = read_colour_mask(_to_rgb8(raw[..., :3]), project.classes(), what)
        if not read.binary:
            return ReadMask(read.labels, read.thresholded)
        if read.thresholded and not cls.known:
            raise _class_unknown(what, "one colour on black with blended edges")
        class_id = project.ensure_class(cls.name).id
        return ReadMask(np.where(read.labels > 0, class_id, 0).astype(np.uint8), read.thresholded)
    plane = raw
    if raw.ndim == 3:
        plane = raw[..., 0] if raw.shape[2] < 3 else np.rint(raw[..., :3].mean(axis=2)).astype(raw.dtype)
    exact = exact_label_map(plane, project, cls)
    if exact is not None:
        return ReadMask(exact)
    return ReadMask(threshold(plane, project, cls, what), thresholded=True)


@dataclass(frozen=True)
class MaskFile:
    """A mask image beside the dataset's image; binary masks take ``binary_class``.

    ``class_known`` is False when ``binary_class`` is only a fallback name: such masks are not
    thresholded (see the module docstring).
    """

    item: str
    path: Path
    binary_class: str
    class_known: bool = True

    def load(self, project: Project) -> ReadMask:
        raw = imageio.read_image(self.path)  # ImageReadError names the file
        palette = None
        if raw.ndim == 3 and is_palette_png(self.path):
            palette = read_palette_png(self.path.read_bytes())
        return read_mask(raw, project, MaskClass(self.binary_class, self.class_known), self.item, palette)
