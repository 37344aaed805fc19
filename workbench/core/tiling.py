"""Tiled inference: cut an image into overlapping tiles, run a model on batches, blend back.

Evaluation, in-process prediction and the runtime all stitch through ``predict_tiled`` so that
what is evaluated is what is deployed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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


def _pad_to(image: np.ndarray, tile: int) -> np.ndarray:
    """Reflect-pad ``(C,H,W)`` to at least ``tile`` along H and W (bottom/right only)."""
    _, h, w = image.shape
    ph, pw = max(0, tile - h), max(0, tile - w)
    if ph == 0 and pw == 0:
        return image
    # numpy reflects repeatedly when the pad exceeds the axis; a 1-pixel axis cannot reflect.
    pad = ((0, 0), (0, ph), (0, pw))
    if min(h if ph else 2, w if pw else 2) > 1:
        return np.pad(image, pad, mode="reflect")
    return np.pad(image, pad, mode="edge")


def _check_output(out: np.ndarray, n: int, tile: int) -> np.ndarray:
    if out.ndim != 4 or out.shape[0] != n or out.shape[2:] != (tile, tile):
        raise ValueError(
            f"tile function returned shape {tuple(out.shape)}, expected ({n}, K, {tile}, {tile})"
        )
    return out


def predict_tiled(
    image_chw: np.ndarray,
    fn: TileFn,
    tile: int,
    overlap: int,
    batch: int = 4,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Run ``fn`` over overlapping tiles of a ``(C,H,W)`` image and blend to ``(K,H,W)`` float32.

    ``fn`` maps ``(N,C,tile,tile)`` float32 to ``(N,K,tile,tile)``. Images smaller than a tile
    are reflect-padded to a full tile and the result cropped. For a pointwise ``fn`` the result
    equals ``fn`` applied to the whole image.
    """
    if image_chw.ndim != 3:
        raise ValueError(f"expected a (C,H,W) image, got shape {tuple(image_chw.shape)}")
    if tile % TILE_MULTIPLE:
        raise ValueError(f"tile size must be a multiple of {TILE_MULTIPLE}, got {tile}")
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    _, height, width = image_chw.shape
    padded = _pad_to(np.asarray(image_chw, dtype=np.float32), tile)
    ph, pw = padded.shape[1:]
    tiles = tile_grid(ph, pw, tile, overlap)
    acc: np.ndarray | None = None
    norm = np.zeros((ph, pw), dtype=np.float64)
    for i in range(0, len(tiles), batch):
        if cancel is not None:
            cancel.raise_if_cancelled()
        group = tiles[i : i + batch]
        inp = np.stack([padded[:, t.y : t.y + t.h, t.x : t.x + t.w] for t in group])
        out = _check_output(np.asarray(fn(inp)), len(group), tile)
        if acc is None:
            acc = np.zeros((out.shape[1], ph, pw), dtype=np.float64)
        for t, pred in zip(group, out):
            wt = _weights(t, ph, pw, overlap)
            # float64 sums keep a pointwise fn exact after the final cast to float32.
            acc[:, t.y : t.y + t.h, t.x : t.x + t.w] += pred * wt
            norm[t.y : t.y + t.h, t.x : t.x + t.w] += wt
    assert acc is not None  # tile_grid always yields at least one tile
    acc /= norm
    return np.ascontiguousarray(acc[:, :height, :width], dtype=np.float32)
