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

Outlines: a class may be drawn at another level than it is judged at (``outline_threshold`` of
its rule, chosen on validation for the best pixel Dice, as a region threshold is kept apart from
the part's NG threshold in other inspection tools). The competition is settled at the decision
thresholds as above; the class's drawn pixels are then those it owns with ``s_k >= o_k`` that are
connected (8-connected, at level ``o_k``) to a pixel it owns with ``s_k >= t_k``: hysteresis, as
edge detectors keep weak edges joined to strong ones. Above the threshold (``o_k > t_k``) every
such pixel is connected to itself: a low NG threshold (no escape) no longer draws bloated
outlines, and a region the decision found whose scores never reach ``o_k`` has no outline (the
overlay marks its edge). Below it (``o_k < t_k``) a region that reaches the threshold is drawn to
its fuller extent (a thin crack whose centre line alone passes a high threshold), while a faint
patch that never reaches the threshold stays undrawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
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
    """``H x W`` int16: the channel each pixel is drawn as, -1 where none: each class's pixels at
    or above its outline level that are connected to one at or above its threshold (``None``
    outlines, or a class's ``None`` level: ``class_index_map``, drawn at the threshold)."""
    if outlines is None:
        return class_index_map(score_map, thresholds)
    if len(outlines) != len(thresholds):
        raise ValueError(f"{len(thresholds)} thresholds but {len(outlines)} outline levels")
    scores = np.asarray(score_map, np.float32)
    winners = _winners(scores, competition(thresholds))
    index = np.full(scores.shape[1:], -1, np.int16)
    for k, (t, o) in enumerate(zip(thresholds, outlines)):
        if t is None:
            continue
        own = winners == k
        level = np.float32(t if o is None else o)
        drawn = own & (scores[k] >= level)
        if level < np.float32(t):
            drawn = reaching(drawn, own & (scores[k] >= np.float32(t)))
        index[drawn] = k
    return index


def reaching(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """``H x W`` bool: the 8-connected regions of ``mask`` that hold a pixel of ``seeds``."""
    if not seeds.any():
        return np.zeros_like(mask, dtype=bool)
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[labels[seeds & mask]] = True
    keep[0] = False
    return keep[labels]


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
