"""Which pixels belong to defect class k: the one rule of the workbench.

Given a ``(K,H,W)`` score map and a threshold ``t_k`` per class, a pixel belongs to class k when
``s_k >= t_k`` and ``s_k`` exceeds its own threshold by more than any other class exceeds its own
(``s_k - t_k > s_j - t_j``; on a tie the lower channel wins). So a pixel is a defect exactly when
some class reaches its threshold, and it belongs to one class only. A class without a threshold
(``None``: disabled in the decision rules) competes for no pixel.

Why the margin and not the highest score: thresholds are set per class (a class the model scores
high on good parts gets a high threshold), so the class a pixel passes by most is the one the
model is surest of. And the winner depends only on the differences between thresholds: moving
every threshold by the same amount (the evaluation's threshold slider, a gray zone, which replaces
every class threshold) never moves a pixel from one class to another, so score maps whose
competition was settled once (``competition`` + ``owned_scores``) are re-decided at any such
shift without the model. Pixels of class k at threshold ``t_k`` are then ``owned_k >= t_k``.

Decisions (regions per class), evaluation's pixel metrics, proposals, the runtime's overlays and
score summaries, and training validation all go through this module.

Outlines: a class may be drawn at a higher level than it is judged at (``outline_threshold`` of
its rule, chosen on validation for the best pixel Dice, as a region threshold is kept apart from
the part's NG threshold in other inspection tools). The competition is settled at the decision
thresholds as above; the class's drawn pixels are then those it owns with ``s_k >= o_k``. A low
NG threshold (no escape) then no longer draws bloated outlines; a region the decision found but
whose scores never reach ``o_k`` has no outline (the overlay marks its edge).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Competition = tuple[float | None, ...]
# Offsets are rounded so thresholds that differ by float noise settle the competition alike.
_DIGITS = 9


def competition(thresholds: Sequence[float | None]) -> Competition:
    """What settles which class owns a pixel: each class's threshold minus the lowest one."""
    present = [t for t in thresholds if t is not None]
    low = min(present, default=0.0)
    return tuple(None if t is None else round(float(t) - low, _DIGITS) for t in thresholds)


def _winners(score_map: np.ndarray, offsets: Competition) -> np.ndarray:
    """``H x W`` channel with the largest margin over its offset (-1 where no class competes)."""
    if len(offsets) != score_map.shape[0]:
        raise ValueError(f"score map has {score_map.shape[0]} classes, got {len(offsets)} thresholds")
    competing = [k for k, o in enumerate(offsets) if o is not None]
    if len(competing) <= 1:
        return np.full(score_map.shape[1:], competing[0] if competing else -1, dtype=np.int16)
    shift = np.asarray([offsets[k] for k in competing], np.float32).reshape(-1, 1, 1)
    margins = np.asarray(score_map[competing], np.float32) - shift
    return np.asarray(competing, np.int16)[np.argmax(margins, axis=0)]


def owned_scores(score_map: np.ndarray, offsets: Competition) -> np.ndarray:
    """``(K,H,W)`` float32: each class's scores where it wins the competition, 0 elsewhere."""
    scores = np.asarray(score_map, np.float32)
    winners = _winners(scores, offsets)
    if scores.shape[0] == 1 and offsets[0] is not None:
        return scores
    ks = np.arange(scores.shape[0], dtype=np.int16).reshape(-1, 1, 1)
    return np.where(winners[None] == ks, scores, np.float32(0.0))


def class_index_map(score_map: np.ndarray, thresholds: Sequence[float | None]) -> np.ndarray:
    """``H x W`` int16: the channel each pixel belongs to, -1 where it is no defect."""
    scores = np.asarray(score_map, np.float32)
    winners = _winners(scores, competition(thresholds))
    level = np.asarray([np.inf if t is None else t for t in thresholds], np.float32)
    safe = np.maximum(winners, 0)
    own = np.take_along_axis(scores, safe[None].astype(np.intp), axis=0)[0]
    passes = (winners >= 0) & (own >= level[safe])
    return np.where(passes, winners, np.int16(-1)).astype(np.int16)


def outline_index_map(
    score_map: np.ndarray, thresholds: Sequence[float | None], outlines: Sequence[float | None] | None
) -> np.ndarray:
    """``class_index_map`` with each class's pixels kept only where its score reaches its outline
    level (``None`` or a level at or below the threshold: drawn at the threshold)."""
    index = class_index_map(score_map, thresholds)
    if outlines is None:
        return index
    if len(outlines) != len(thresholds):
        raise ValueError(f"{len(thresholds)} thresholds but {len(outlines)} outline levels")
    scores = np.asarray(score_map, np.float32)
    for k, (t, o) in enumerate(zip(thresholds, outlines)):
        if t is not None and o is not None and o > t:
            index[(index == k) & (scores[k] < np.float32(o))] = -1
    return index


def label_map(
    score_map: np.ndarray,
    thresholds: Sequence[float | None],
    class_ids: Sequence[int],
    outlines: Sequence[float | None] | None = None,
) -> np.ndarray:
    """``H x W`` uint8 label map as in ``masks/``: the class id of each pixel's class, 0 elsewhere;
    with ``outlines``, each class drawn at its outline level (``outline_index_map``)."""
    if len(class_ids) != score_map.shape[0]:
        raise ValueError(f"score map has {score_map.shape[0]} classes, got {len(class_ids)} class ids")
    index = outline_index_map(score_map, thresholds, outlines)
    ids = np.asarray([0, *class_ids], np.uint8)
    return ids[index.astype(np.intp) + 1]


def defect_pixels(score_map: np.ndarray, thresholds: Sequence[float | None]) -> np.ndarray:
    """``H x W`` bool: the pixels that belong to some class."""
    return class_index_map(score_map, thresholds) >= 0
