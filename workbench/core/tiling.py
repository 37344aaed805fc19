"""Tiled inference: pad images, cut them into overlapping tiles, run a model on batches, merge back.

Training validation, evaluation, proposals, export and the runtime all pad, plan and merge through
this module (``score_maps`` with a ``Tiling``), so that what is evaluated is what is deployed.
An image smaller than a tile is padded only up to the next multiple of ``TILE_MULTIPLE`` per axis
(fully convolutional nets accept that), not to a whole tile; an axis of one pixel, which cannot
reflect, repeats its edge. Tiles of several images that share a shape run through the model in
one batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken

TileFn = Callable[[np.ndarray], np.ndarray]

# Tile sizes must suit encoders that downsample five times (2**5).
TILE_MULTIPLE = 32


@dataclass(frozen=True)
class Tile:
    """One tile: its top-left corner and size in image pixels."""

    y: int
    x: int
    h: int
    w: int


@dataclass(frozen=True)
class TilePlan:
    """How one image is cut: its size, the size it is padded to, and its tiles (all one shape)."""

    height: int
    width: int
    padded_h: int
    padded_w: int
    tiles: tuple[Tile, ...]

    @property
    def tile_shape(self) -> tuple[int, int]:
        return self.tiles[0].h, self.tiles[0].w


MERGES = ("blend", "max")


@dataclass(frozen=True)
class Tiling:
    """How a model sees images: ``tile`` squares overlapping by ``overlap`` pixels, merged by
    ``merge``, small images padded up to a multiple of ``pad_multiple``.

    ``merge`` 'blend': a per-pixel weighted mean of the overlapping tiles, a ``(K,H,W)`` map
    (segmentation, anomaly). 'max': each class's highest output over the tiles, a ``(K,1,1)`` map
    (classification); a classifier sees whole tiles only, so ``pad_multiple`` is ignored.
    ``pad_multiple`` ``None``: an axis shorter than a tile is padded to the whole tile.
    """

    tile: int
    overlap: int
    merge: str = "blend"
    pad_multiple: int | None = TILE_MULTIPLE

    def __post_init__(self) -> None:
        if self.merge not in MERGES:
            raise ValueError(f"tile merge must be one of {', '.join(MERGES)}, got {self.merge!r}")

    @classmethod
    def for_task(cls, task: str, tile: int, overlap: int) -> Tiling:
        """The tiling the workbench runs a model of ``task`` with (and writes into its bundles)."""
        merge = "max" if task == "classification" else "blend"
        return cls(tile, overlap, merge, pad_multiple_for(task))

    @classmethod
    def from_manifest(cls, data: dict[str, Any], task: str) -> Tiling:
        """A bundle manifest's ``tiling``; what older bundles leave out is what they were run with
        (merge by task; no ``pad_multiple`` before format 2: padded to the whole tile)."""
        merge = data.get("merge") or cls.for_task(task, 1, 0).merge
        multiple = data.get("pad_multiple")
        pad_multiple = None if multiple is None else int(multiple)
        return cls(int(data["tile"]), int(data["overlap"]), str(merge), pad_multiple)

    def to_manifest(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tile": self.tile, "overlap": self.overlap, "merge": self.merge}
        if self.pad_multiple is not None and self.merge == "blend":
            out["pad_multiple"] = self.pad_multiple
        return out

    def plan(self, height: int, width: int) -> TilePlan:
        """The padding and tiles of a ``height x width`` image."""
        multiple = self.pad_multiple if self.merge == "blend" else None
        return plan_tiles(height, width, self.tile, self.overlap, multiple)


def pad_multiple_for(task: str) -> int | None:
    """How small images of a task are padded: ``None`` (to a whole tile) for classifiers.

    A classifier must see the input size it was trained on; segmentation and anomaly nets are
    fully convolutional and take any multiple of ``TILE_MULTIPLE``.
    """
    return None if task == "classification" else TILE_MULTIPLE


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile starts along one axis; the last tile is shifted inward to end at the border."""
    if length <= tile:
        return [0]
    stride = tile - overlap
    n = math.ceil((length - tile) / stride) + 1
    starts = [i * stride for i in range(n - 1)]
    starts.append(length - tile)
    return starts


def tile_grid(height: int, width: int, tile: int, overlap: int) -> list[Tile]:
    """Tiles covering a ``height x width`` image, row by row.

    Tiles are full ``tile x tile`` squares except along an axis shorter than ``tile``, where
    the single tile has the image's length.
    """
    if height < 1 or width < 1:
        raise ValueError(f"image size must be positive, got {height}x{width}")
    if tile < 1:
        raise ValueError(f"tile size must be positive, got {tile}")
    if not 0 <= overlap < tile:
        raise ValueError(f"overlap must be in [0, tile={tile}), got {overlap}")
    th, tw = min(tile, height), min(tile, width)
    return [Tile(y, x, th, tw) for y in _starts(height, tile, overlap) for x in _starts(width, tile, overlap)]


def padded_length(length: int, tile: int, pad_multiple: int | None = TILE_MULTIPLE) -> int:
    """An axis' length after padding: unchanged from one tile up, else the next multiple (at most
    the tile), or the whole tile when ``pad_multiple`` is ``None``."""
    if length >= tile:
        return length
    if pad_multiple is None:
        return tile
    return min(tile, -(-length // pad_multiple) * pad_multiple)


def plan_tiles(
    height: int, width: int, tile: int, overlap: int, pad_multiple: int | None = TILE_MULTIPLE
) -> TilePlan:
    """The padding and tiles of a ``height x width`` image for a model run on ``tile`` squares."""
    if tile % TILE_MULTIPLE:
        raise ValueError(f"tile size must be a multiple of {TILE_MULTIPLE}, got {tile}")
    if pad_multiple is not None and pad_multiple < 1:
        raise ValueError(f"pad multiple must be positive, got {pad_multiple}")
    ph = padded_length(height, tile, pad_multiple)
    pw = padded_length(width, tile, pad_multiple)
    return TilePlan(height, width, ph, pw, tuple(tile_grid(ph, pw, tile, overlap)))


def _ramp(length: int, overlap: int, ramp_start: bool, ramp_end: bool) -> np.ndarray:
    """1-D blending weight: a raised-cosine ramp over ``overlap`` pixels at inner edges.

    Weights stay strictly positive so every covered pixel has a defined blend, and they are 1
    at image borders so border pixels are not down-weighted.
    """
    w = np.ones(length, dtype=np.float64)
    n = min(overlap, length)
    if n == 0:
        return w
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(1, n + 1) / (n + 1))
    if ramp_start:
        w[:n] = np.minimum(w[:n], ramp)
    if ramp_end:
        w[length - n :] = np.minimum(w[length - n :], ramp[::-1])
    return w


def _weights(tile: Tile, height: int, width: int, overlap: int) -> np.ndarray:
    wy = _ramp(tile.h, overlap, tile.y > 0, tile.y + tile.h < height)
    wx = _ramp(tile.w, overlap, tile.x > 0, tile.x + tile.w < width)
    return np.outer(wy, wx)


def pad_image(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Reflect-pad ``(C,H,W)`` at the bottom/right to at least ``height x width``; an axis of one
    pixel, which cannot reflect, repeats its edge (the other axis still reflects)."""
    _, h, w = image.shape
    out = image
    # numpy reflects repeatedly when the pad exceeds the axis; padding the axes one after the
    # other is what np.pad does for both at once, so only the mode of a 1-pixel axis differs.
    if height > h:
        out = np.pad(out, ((0, 0), (0, height - h), (0, 0)), mode="reflect" if h > 1 else "edge")
    if width > w:
        out = np.pad(out, ((0, 0), (0, 0), (0, width - w)), mode="reflect" if w > 1 else "edge")
    return out


def whole_tiles(chw: np.ndarray, tile: int) -> tuple[np.ndarray, tuple[Tile, ...]]:
    """A ``(C,H,W)`` image padded to whole tiles and its grid of full, non-overlapping tiles
    (the last shifted inward): what anomaly banks and INT8 calibration sample the model on."""
    plan = plan_tiles(chw.shape[1], chw.shape[2], tile, 0, pad_multiple=None)
    return pad_image(chw, plan.padded_h, plan.padded_w), plan.tiles


def _check_image(image: np.ndarray) -> np.ndarray:
    if image.ndim != 3:
        raise ValueError(f"expected a (C,H,W) image, got shape {tuple(image.shape)}")
    return np.asarray(image, dtype=np.float32)


def _check_map(pred: np.ndarray, tile: Tile) -> None:
    if pred.ndim != 3 or pred.shape[1:] != (tile.h, tile.w):
        raise ValueError(
            f"tile function returned {tuple(pred.shape)} per tile, expected (K, {tile.h}, {tile.w})"
        )


def run_tiles(
    padded: Sequence[np.ndarray],
    plans: Sequence[TilePlan],
    fn: TileFn,
    max_pixels: int,
    cancel: CancelToken | None = None,
) -> Iterator[tuple[int, Tile, np.ndarray]]:
    """Run ``fn`` on every tile of every padded image; yield ``(image index, tile, fn output)``.

    Tiles of equal shape, from any image, share a call of at most ``max_pixels`` input pixels
    (at least one tile): memory follows the pixels, whatever the images' sizes.
    """
    groups: dict[tuple[int, int], list[tuple[int, Tile]]] = {}
    for i, plan in enumerate(plans):
        groups.setdefault(plan.tile_shape, []).extend((i, t) for t in plan.tiles)
    for (h, w), jobs in groups.items():
        per_call = max(1, max_pixels // (h * w))
        for start in range(0, len(jobs), per_call):
            if cancel is not None:
                cancel.raise_if_cancelled()
            group = jobs[start : start + per_call]
            inp = np.stack([padded[i][:, t.y : t.y + t.h, t.x : t.x + t.w] for i, t in group])
            out = np.asarray(fn(inp))
            if out.ndim < 2 or out.shape[0] != len(group):
                raise ValueError(
                    f"tile function returned shape {tuple(out.shape)} for {len(group)} tiles, "
                    f"expected ({len(group)}, K, ...)"
                )
            yield from ((i, t, o) for (i, t), o in zip(group, out))


def score_maps(
    images: Sequence[np.ndarray],
    fn: TileFn,
    tiling: Tiling,
    max_pixels: int,
    cancel: CancelToken | None = None,
) -> list[np.ndarray]:
    """Score maps of several ``(C,H,W)`` images, their tiles run together and merged by ``tiling``.

    ``fn`` maps ``(N,C,h,w)`` float32 to ``(N,K,h,w)`` (``(N,K)`` or any ``(N,K,...)`` for a
    'max' merge). 'blend' gives ``(K,H,W)`` maps, 'max' ``(K,1,1)``. Each image's map is what it
    gets alone: batching only changes which tiles share a call of ``fn``.
    """
    arrays = [_check_image(im) for im in images]
    plans = [tiling.plan(a.shape[1], a.shape[2]) for a in arrays]
    padded = [pad_image(a, p.padded_h, p.padded_w) for a, p in zip(arrays, plans)]
    outputs = run_tiles(padded, plans, fn, max_pixels, cancel)
    if tiling.merge == "max":
        return _max_merge(outputs, len(plans))
    return _blend_merge(outputs, plans, tiling.overlap)


def _blend_merge(
    outputs: Iterator[tuple[int, Tile, np.ndarray]], plans: Sequence[TilePlan], overlap: int
) -> list[np.ndarray]:
    """Per-pixel weighted mean of overlapping tile outputs (raised-cosine ramps), cropped."""
    maps: list[np.ndarray | None] = [None] * len(plans)
    norms: list[np.ndarray | None] = [None] * len(plans)
    for i, t, pred in outputs:
        plan = plans[i]
        _check_map(pred, t)
        if len(plan.tiles) == 1:  # every weight is 1: the blend is the tile's own output
            # a copy, not a view: a backend may reuse its output buffer on the next call
            maps[i] = np.array(pred[:, : plan.height, : plan.width], dtype=np.float32, copy=True)
            continue
        if maps[i] is None:
            # float64 sums keep a pointwise fn exact after the final cast to float32.
            maps[i] = np.zeros((pred.shape[0], plan.padded_h, plan.padded_w), dtype=np.float64)
            norms[i] = np.zeros((plan.padded_h, plan.padded_w), dtype=np.float64)
        acc, norm = maps[i], norms[i]
        assert acc is not None and norm is not None
        wt = _weights(t, plan.padded_h, plan.padded_w, overlap)
        acc[:, t.y : t.y + t.h, t.x : t.x + t.w] += pred * wt
        norm[t.y : t.y + t.h, t.x : t.x + t.w] += wt
    out = []
    for plan, acc, norm in zip(plans, maps, norms):
        assert acc is not None  # every plan has at least one tile
        if norm is not None:
            acc = np.ascontiguousarray((acc / norm)[:, : plan.height, : plan.width], dtype=np.float32)
        out.append(acc)
    return out


def _max_merge(outputs: Iterator[tuple[int, Tile, np.ndarray]], n_images: int) -> list[np.ndarray]:
    """Each class's highest output over an image's tiles, as a ``(K,1,1)`` map."""
    best: list[np.ndarray | None] = [None] * n_images
    for i, _, pred in outputs:
        top = pred.reshape(pred.shape[0], -1).max(axis=1)
        prev = best[i]
        best[i] = top if prev is None else np.maximum(prev, top)
    return [np.asarray(b, dtype=np.float32).reshape(-1, 1, 1) for b in best]


def predict_tiled_many(
    images: Sequence[np.ndarray],
    fn: TileFn,
    tile: int,
    overlap: int,
    max_pixels: int,
    pad_multiple: int | None = TILE_MULTIPLE,
    cancel: CancelToken | None = None,
) -> list[np.ndarray]:
    """Blended ``(K,H,W)`` float32 maps of several images (``score_maps`` with a 'blend' tiling)."""
    return score_maps(images, fn, Tiling(tile, overlap, "blend", pad_multiple), max_pixels, cancel)


def predict_tiled(
    image_chw: np.ndarray,
    fn: TileFn,
    tile: int,
    overlap: int,
    batch: int = 4,
    cancel: CancelToken | None = None,
    pad_multiple: int | None = TILE_MULTIPLE,
) -> np.ndarray:
    """Run ``fn`` over overlapping tiles of a ``(C,H,W)`` image and blend to ``(K,H,W)`` float32.

    ``fn`` maps ``(N,C,h,w)`` float32 to ``(N,K,h,w)``. An axis shorter than ``tile`` is
    reflect-padded to the next multiple of ``pad_multiple`` (``None``: to ``tile``) and the result
    cropped; ``batch`` full tiles' worth of pixels go to each call. For a pointwise ``fn`` the
    result equals ``fn`` applied to the whole image.
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    return predict_tiled_many([image_chw], fn, tile, overlap, batch * tile * tile, pad_multiple, cancel)[0]


def classify_tiled_many(
    images: Sequence[np.ndarray], fn: TileFn, tile: int, overlap: int, max_pixels: int,
    cancel: CancelToken | None = None,
) -> list[np.ndarray]:  # fmt: skip
    """Classification maps ``(K,1,1)``: each class's probability maximised over an image's tiles
    (``score_maps`` with a 'max' tiling: whole tiles only, as in training)."""
    return score_maps(images, fn, Tiling(tile, overlap, "max", None), max_pixels, cancel)


def classify_tiled(
    chw: np.ndarray, fn: TileFn, tile: int, overlap: int, batch: int = 4, cancel: CancelToken | None = None
) -> np.ndarray:
    """Classification map ``(K,1,1)`` of one image (see ``classify_tiled_many``)."""
    return classify_tiled_many([chw], fn, tile, overlap, batch * tile * tile, cancel)[0]
