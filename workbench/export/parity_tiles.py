"""What the parity gate compares: whole golden images scored once by torch, and a bounded set of tiles.

The exported model replaces only the function from one tile to scores (padding, tiling, merging and
the decision are the one definition in ``workbench.core``), so the gate runs torch and every variant
on tiles the size of the model's tile, never on whole large images: the highest-scoring regions of
each golden image (where its decisions are made) and some of its background. The golden images
themselves are scored whole by torch once; ``workbench-run verify`` recomputes those on the target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from workbench.core.cancel import CancelToken, Progress
from workbench.core.decisions import DecisionConfig, image_score
from workbench.core.tiling import Tile, Tiling, plan_tiles
from workbench.export.golden import pick_golden
from workbench.export.job_lines import SCORING_GOLDEN
from workbench.export.parity import ParityImage, StageFn, is_borderline

ScoreFn = Callable[[np.ndarray], np.ndarray]


def choose_golden(
    candidates: Sequence[Callable[[], ParityImage]],
    reference: ScoreFn,
    config: DecisionConfig,
    count: int,
    progress: Progress,
    cancel: CancelToken | None = None,
    stage: StageFn | None = None,
) -> list[ParityImage]:
    """Up to ``count`` images scored whole by torch, NG and OK alternating, borderline ones last
    (with ``stage``, a two-stage run's, also its region classifier's maps of each).

    ``candidates`` (already in NG/OK alternating order) are read one at a time; at most
    ``2 * count`` are scored, so a project of many large images costs ``count`` whole-image torch
    passes, plus a few when some decisions sit on a threshold.
    """
    stable: list[ParityImage] = []
    borderline: list[ParityImage] = []
    for read in candidates[: 2 * count]:
        if len(stable) >= count:
            break
        if cancel is not None:
            cancel.raise_if_cancelled()
        item = read()
        progress(len(stable) / max(count, 1), SCORING_GOLDEN(name=item.name))
        item.scores = reference(item.image)
        item.stage = stage(item.image, item.scores) if stage is not None else None
        item.borderline = is_borderline(item.scores, config, item.image, item.stage)
        (borderline if item.borderline else stable).append(item)
    return pick_golden(stable + borderline, count)


def _tile_plan(item: ParityImage, tiling: Tiling) -> tuple[Tile, ...]:
    h, w = item.image.shape[:2]
    pad = tiling.pad_multiple if tiling.merge == "blend" else None
    return plan_tiles(h, w, tiling.tile, tiling.overlap, pad).tiles


def _overlaps(a: Tile, b: Tile) -> bool:
    """More than a quarter of a tile shared."""
    dy = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    dx = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    return dy > 0 and dx > 0 and 4 * dy * dx > a.h * a.w


def _tile_scores(item: ParityImage, tiles: Sequence[Tile], config: DecisionConfig) -> list[float]:
    scores = item.scores
    h, w = item.image.shape[:2]
    if scores is None or scores.shape[1:] != (h, w):
        # A classifier's map has no pixels to rank: spread the choice over the image instead.
        return [0.0] * len(tiles)
    return [image_score(scores[:, t.y : t.y + t.h, t.x : t.x + t.w], config) for t in tiles]


def _pick(tiles: Sequence[Tile], scores: list[float], quota: int, rng: np.random.Generator) -> list[int]:
    """Indices of the highest-scoring tiles (not overlapping each other) and some background."""
    n_background = min(max(1, quota // 3), quota - 1) if quota > 1 else 0
    n_top = quota - n_background
    if len(set(scores)) == 1:  # nothing to rank: evenly spaced over the grid
        return sorted({int(k) for k in np.linspace(0, len(tiles) - 1, quota).round()})
    order = sorted(range(len(tiles)), key=lambda i: (-scores[i], i))
    top: list[int] = []
    for i in order:
        if len(top) < n_top and not any(_overlaps(tiles[i], tiles[j]) for j in top):
            top.append(i)
    top += [i for i in order if i not in top][: n_top - len(top)]
    rest = [i for i in order if i not in top]
    low = rest[max(0, min(len(rest) // 2, len(rest) - n_background)) :]  # the lower-scoring half
    picked = rng.choice(len(low), size=min(n_background, len(low)), replace=False) if low else ()
    return sorted(top + [low[int(k)] for k in picked])


def _quotas(capacities: list[int], total: int) -> list[int]:
    """``total`` tiles shared out in turn among images that have that many."""
    quotas = [0] * len(capacities)
    while sum(quotas) < total and any(q < c for q, c in zip(quotas, capacities, strict=True)):
        for i, cap in enumerate(capacities):
            if quotas[i] < cap and sum(quotas) < total:
                quotas[i] += 1
    return quotas


def _tile_label(item: ParityImage, tile: Tile, top: bool) -> str:
    """A tile of an OK part is OK; of an NG part, NG where its mask marks a defect (without a
    mask, the tile where the trained model scores highest stands for the part)."""
    h, w = item.image.shape[:2]
    if item.label != "ng" or (tile.h >= h and tile.w >= w):  # an OK part, or the whole part
        return item.label
    if item.mask is not None and item.mask.any():
        inside = item.mask[tile.y : tile.y + tile.h, tile.x : tile.x + tile.w]
        return "ng" if inside.any() else "ok"
    return "ng" if top else "unlabeled"


def parity_tiles(
    golden: Sequence[ParityImage], tiling: Tiling, config: DecisionConfig, total: int, seed: int = 0
) -> list[ParityImage]:
    """At most ``total`` tiles of the golden images, each at most ``tiling.tile`` pixels square."""
    rng = np.random.default_rng(seed)
    plans = [_tile_plan(item, tiling) for item in golden]
    out: list[ParityImage] = []
    for item, tiles, quota in zip(golden, plans, _quotas([len(p) for p in plans], total), strict=True):
        if not quota:
            continue
        scores = _tile_scores(item, tiles, config)
        ranked = len(set(scores)) > 1
        best = max(range(len(tiles)), key=lambda i: (scores[i], -i)) if ranked else -1
        h, w = item.image.shape[:2]
        for i in _pick(tiles, scores, quota, rng):
            t = tiles[i]
            y1, x1 = min(t.y + t.h, h), min(t.x + t.w, w)
            crop = np.ascontiguousarray(item.image[t.y : y1, t.x : x1])
            name = f"{item.name} (x {t.x}, y {t.y})"
            out.append(ParityImage(name, _tile_label(item, t, i == best), crop))
    return out
