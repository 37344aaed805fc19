"""Colour masks: the colours of the project's classes -> those classes; one colour on black -> binary.

Tools that draw classes in colour blend neighbouring colours at the edges (anti-aliasing,
resizing) and JPEG moves flat colours a little. A pixel is *explained* when it lies near a
colour in use or near the straight line between two of them (a blend of the two). Every pixel
goes to the nearest colour in use: for blends that is the colour version of cutting at half the
range, so masks with blended pixels count as thresholded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

import cv2
import numpy as np

from workbench.core.errors import MaskError
from workbench.core.types import DefectClass

TOLERANCE = 48.0  # RGB distance (8-bit scale) within which a pixel counts as that colour or blend
TIGHT = 20.0  # a pixel this near a class colour (and no blend of others) shows the class is drawn
EXACT = 8.0  # a class colour drawn this close, even in thin lines, is in use
MIN_EXACT_PIXELS = 10
# Share of the non-background pixels allowed to be unexplained: JPEG ringing, corners where
# three colours meet. A region in a colour of its own is far more than this.
UNEXPLAINED_SHARE = 0.01
BLACK = np.zeros(3)
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class ColourRead:
    """Class ids per pixel, or 0/1 when ``binary`` (one colour on black: the caller knows the class)."""

    labels: np.ndarray
    binary: bool
    thresholded: bool


@dataclass(frozen=True)
class _Colours:
    """The distinct colours of a mask (``rgb`` U x 3), how often each occurs, and pixel -> colour row."""

    rgb: np.ndarray
    counts: np.ndarray
    inverse: np.ndarray
    shape: tuple[int, int]

    def pixels(self, per_colour: np.ndarray) -> np.ndarray:
        return per_colour[self.inverse].reshape(self.shape)


def hex_rgb(colour: str) -> np.ndarray | None:
    """``"#D55E00"`` -> RGB floats; None for anything else (a class colour the user typed oddly)."""
    match = _HEX.match(colour.strip())
    if match is None:
        return None
    value = int(match.group(1), 16)
    return np.array([(value >> 16) & 255, (value >> 8) & 255, value & 255], np.float64)


def _distinct(rgb8: np.ndarray) -> _Colours:
    keys = (rgb8[..., 0].astype(np.int32) << 16) | (rgb8[..., 1].astype(np.int32) << 8) | rgb8[..., 2]
    uniq, inverse, counts = np.unique(keys.ravel(), return_inverse=True, return_counts=True)
    rgb = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1).astype(np.float64)
    return _Colours(rgb, counts, inverse.reshape(-1), (rgb8.shape[0], rgb8.shape[1]))


def _distance(rgb: np.ndarray, colour: np.ndarray) -> np.ndarray:
    return np.asarray(np.linalg.norm(rgb - colour, axis=1))


def _segment_distance(rgb: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip((rgb - a) @ ab / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.asarray(np.linalg.norm(rgb - (a + t[:, None] * ab), axis=1))


def _drawn(colours: _Colours, colour: np.ndarray, others: list[np.ndarray]) -> bool:
    """True when some pixels are ``colour`` itself, not a blend of ``others`` passing near it.

    Pixels nearer to another colour never count. Enough pixels of almost exactly the colour
    (a thin line) show it is drawn: blends seldom land that close that often. Otherwise the
    pixels near it that are not near the line between two other colours (where blends from
    anti-aliasing or resizing lie) must form a solid patch.
    """
    dist = _distance(colours.rgb, colour)
    own = dist <= TIGHT
    for other in others:
        own &= dist < _distance(colours.rgb, other)
    if int(colours.counts[own & (dist <= EXACT)].sum()) >= MIN_EXACT_PIXELS:
        return True
    for a, b in combinations(others, 2):
        own &= _segment_distance(colours.rgb, a, b) > TIGHT
    patch = colours.pixels(own).astype(np.uint8)
    return bool(cv2.erode(patch, np.ones((3, 3), np.uint8)).any())


def _classes_in_use(colours: _Colours, classes: list[DefectClass]) -> list[tuple[int, np.ndarray]]:
    """``(class id, colour)`` of the classes drawn in the mask, by their colours."""
    candidates = []
    for cls in classes:
        rgb = hex_rgb(cls.color)
        near = 0 if rgb is None else int(colours.counts[_distance(colours.rgb, rgb) <= TOLERANCE].sum())
        if rgb is not None and near:
            candidates.append((near, cls.id, rgb))
    accepted: list[tuple[int, np.ndarray]] = []
    for _, class_id, rgb in sorted(candidates, key=lambda c: -c[0]):  # the most used colours first
        if _drawn(colours, rgb, [BLACK, *(a[1] for a in accepted)]):
            accepted.append((class_id, rgb))
    # A colour taken before the two it lies between were known: check each against all the others.
    return [
        (class_id, rgb)
        for class_id, rgb in accepted
        if _drawn(colours, rgb, [BLACK, *(a[1] for a in accepted if a[0] != class_id)])
    ]


def _assign(colours: _Colours, palette: list[np.ndarray], foreground: int) -> tuple[np.ndarray, bool] | None:
    """Nearest palette row per colour and whether any pixel was a blend; None if too much is unexplained."""
    dist = np.stack([_distance(colours.rgb, p) for p in palette], axis=1)
    best = dist.min(axis=1)
    explained = best <= TOLERANCE
    for a, b in combinations(palette, 2):
        explained |= _segment_distance(colours.rgb, a, b) <= TOLERANCE
    if int(colours.counts[~explained].sum()) > UNEXPLAINED_SHARE * max(foreground, 1):
        return None
    return dist.argmin(axis=1), bool((best > TOLERANCE).any())


def _dominant(colours: _Colours, foreground_rows: np.ndarray) -> np.ndarray | None:
    if not foreground_rows.any():
        return None
    counts = np.where(foreground_rows, colours.counts, 0)
    return np.asarray(colours.rgb[int(counts.argmax())])


def _colour_names(colours: _Colours, foreground_rows: np.ndarray, most: int = 4) -> list[str]:
    """The main colours of the foreground, one per cluster, most frequent first (for messages)."""
    picked: list[np.ndarray] = []
    for row in np.argsort(-colours.counts)[:500]:
        if foreground_rows[row] and all(np.linalg.norm(colours.rgb[row] - p) > TOLERANCE for p in picked):
            picked.append(colours.rgb[row])
            if len(picked) == most:
                break
    return ["#{:02X}{:02X}{:02X}".format(*(int(v) for v in p)) for p in picked]


def read_colour_mask(rgb8: np.ndarray, classes: list[DefectClass], what: str) -> ColourRead:
    """Map an 8-bit RGB mask (background black) to class ids by colour; raise ``MaskError`` if none fits."""
    colours = _distinct(rgb8)
    foreground_rows = _distance(colours.rgb, BLACK) > TOLERANCE
    foreground = int(colours.counts[foreground_rows].sum())
    if not foreground:  # only near-black noise
        return ColourRead(np.zeros(colours.shape, np.uint8), binary=False, thresholded=False)
    in_use = _classes_in_use(colours, classes)
    ids, palette = [0, *(c[0] for c in in_use)], [BLACK, *(c[1] for c in in_use)]
    if len(palette) > 1:
        assigned = _assign(colours, palette, foreground)
        if assigned is not None:
            rows, blended = assigned
            labels = colours.pixels(np.asarray(ids, np.uint8)[rows])
            return ColourRead(labels, binary=False, thresholded=blended)
    single = _dominant(colours, foreground_rows)
    if single is not None:
        assigned = _assign(colours, [BLACK, single], foreground)
        if assigned is not None:
            rows, blended = assigned
            return ColourRead(colours.pixels(rows.astype(np.uint8)), binary=True, thresholded=blended)
    raise MaskError(
        f"mask {what} is in colour ({', '.join(_colour_names(colours, foreground_rows))} on black) and its "
        "colours are not the colours of this project's classes; give each defect class the colour it has "
        "in these masks (class editor), or save the masks as label maps (0 = background, k = class id k), "
        "then import again"
    )
