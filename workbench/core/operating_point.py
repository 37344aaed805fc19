"""The decision a run ships with: class thresholds and a minimum area chosen on validation images.

A fixed 0.5 is wrong for most real models (a well-ranking model can reject every good part at
0.5), so a run ends by placing each class's threshold where its validation images say:

- with NG val images of the class: the highest threshold at which none of them escapes, then a
  margin toward fewer escapes. Zero escapes among n val NG images says little about the next
  part, which is about as likely to score one spacing of the lowest NG scores lower still; so
  the threshold moves down, in log-odds, by the mean spacing of the lowest tenth of the NG
  scores (at most ``MAX_MARGIN_LOGIT``), but never so far that it rejects more than
  ``MARGIN_OVERKILL_SHARE`` of the val good parts beyond those the zero-escape point already
  rejects: where good parts crowd just below the lowest NG score, a full margin turned a 76 %
  overkill into 100 % (bsdata, session 8), a cost no user would choose for a few more caught
  parts. The margin stops halfway (in log-odds) between the last good part it may reject and the
  first it may not. The val overkill this costs is recorded;
- without: the ``OK_QUANTILE`` quantile of the good val images' scores (about 1 % overkill
  expected), stated as a guess from good parts only;
- without any val image: the default threshold (``core.decisions.DEFAULT_THRESHOLD``).

A good-only run places its threshold with this same code, on every labelled image its fit did not
see (``learn.anomaly_threshold``); its origins also count the NG images of the train split
(``train_ng``) and the good training images held out of the fit (``held_out_ok``).

Each class's outline level (the level its pixels are drawn at, ``class_pixels``) is the level
with the best pixel Dice on the val windows whose masks are known, from ``OUTLINE_LEVELS`` and the
threshold itself, each image weighted by how many val images of its label it stands for (a
subset rich in NG images would otherwise undercount false alarms on good parts), and the false
alarms of a good image seen through windows by how many times their area the image is, and the
area of NG images no window saw at the good windows' false-alarm rate (bsdata,
session 10: 40 of 331 val good pieces, each through one window; val picked 0.80 where the test
split's pooled Dice peaked at 0.95, 0.786 against 0.803). Above the
threshold: the threshold is placed so that no defect escapes, and a threshold that low draws
outlines far larger than the defects. Below it: a threshold placed high above the good parts'
scores draws only the cores of thin defects (crackforest's cracks, session 9: pooled test Dice
0.688 drawn at the 0.83 threshold, 0.704 at 0.4-0.5), so regions that reach the threshold are
drawn down to the lower level.

Zero escapes among the val NG images is not zero escapes on the line: each class's origin states
the one-sided 95 % upper bound of the escape rate that its val NG images allow
(``escape_bound95``, Clopper-Pearson with none escaping), and names its ``WEAKEST_SHOWN`` lowest
scoring val NG images (``weakest_ng``), the parts that place the threshold. When the lowest of
them sits apart from the rest (``lone_weakest``: its log-odds gap to the next is over
``LONE_GAP_LOGIT`` and over ``LONE_GAP_SPACINGS`` times the mean spacing of the others' lowest
tenth), one part decides the whole operating point; often it is a label to check (on the
crackforest test split, session 17: a crack cut to its last three rows by the piece border scored
0.03 against 0.27 for the next; zero-escape overkill 90 % with it, 59 % without). The threshold
still keeps it from escaping (a real faint defect must not pass because it is rare); the origin
says what the threshold and the val overkill would be without it (``without_weakest``), so that a
person can look at the part and decide.

The minimum area is a quarter of the smallest labelled defect region (specks under
``SPECK_PX`` pixels are treated as label noise), so isolated false-alarm pixels do not reject a
part while the smallest real defect still does; the thresholds are chosen with that area rule in
force, so a val NG image counts as found only where the shipped rule finds it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from workbench.core.class_pixels import owned_scores, reaching
from workbench.core.decisions import DEFAULT_THRESHOLD, DecisionConfig
from workbench.core.metrics_image import clopper_pearson_upper

MARGIN = 0.1  # with a single val NG image there is no spread: a tenth of its score
MAX_MARGIN_LOGIT = 1.0  # the odds of the threshold drop at most e-fold
MARGIN_OVERKILL_SHARE = 0.05  # the margin rejects at most this share of val good parts more
TAIL_SHARE = 0.1
OK_QUANTILE = 0.99
SPECK_PX = 4
AREA_SHARE = 0.25
LOWEST = 0.01  # the margin takes no threshold below this; a zero-escape point below it is kept
TINY = 1e-6  # no threshold is lower: a score of 0 (no region at any level) escapes every threshold
HIGHEST = 0.99
_BISECT_STEPS = 14
WEAKEST_SHOWN = 3  # lowest-scoring val NG images named in a class's origin
LONE_GAP_LOGIT = 1.0  # the lowest NG score sits apart: its odds are over e-fold below the next one's
LONE_GAP_SPACINGS = 3.0  # ... and its gap is over this many spacings of the other low scores
OUTLINE_LEVELS = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95


@dataclass
class ScoredImage:
    """A validation image: its label, the model channels labelled in it, and its window maps."""

    label: str  # "ok" or "ng"
    channels: frozenset[int]
    maps: list[np.ndarray] = field(default_factory=list)  # (K,h,w) each
    # the labelled class ids of each window (h,w), in the order of ``maps``; empty: mask unknown
    targets: list[np.ndarray] = field(default_factory=list)
    # how many val images of its label this one stands for (a subset of val was scored): the
    # outline level's Dice weighs each image's pixels by it
    weight: float = 1.0
    # how many times its windows' area the whole image is, for a good image whose windows are a
    # random sample of it (1 for an NG image, whose windows centre on its defects): its false
    # alarms are counted that many times over, as a whole-image evaluation would count them
    area_weight: float = 1.0
    # the pixels of an NG image no window saw (its windows centre on its defects): counted as
    # showing the false alarms the good images' windows show, per pixel
    unseen_px: int = 0
    sample_id: int | None = None  # the project's sample, to name the parts that place a threshold


def smallest_defect_px(targets: Sequence[np.ndarray]) -> int | None:
    """Pixel area of the smallest labelled region (8-connected, any class) over ``targets``."""
    smallest: int | None = None
    for target in targets:
        if not np.any(target):
            continue
        n, _, stats, _ = cv2.connectedComponentsWithStats((target > 0).astype(np.uint8), connectivity=8)
        areas = [int(a) for a in stats[1:n, cv2.CC_STAT_AREA] if a >= SPECK_PX]
        if areas:
            smallest = min(areas) if smallest is None else min(smallest, *areas)
    return smallest


def min_area_for(smallest: int | None) -> int:
    return max(1, int(AREA_SHARE * smallest)) if smallest else 0


def _largest_region(mask: np.ndarray) -> int:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return int(stats[1:n, cv2.CC_STAT_AREA].max()) if n > 1 else 0


def rule_score(plane: np.ndarray, min_area: int) -> float:
    """Highest threshold at which ``plane`` holds a region of at least ``min_area`` pixels."""
    top = float(plane.max()) if plane.size else 0.0
    if min_area <= 1 or plane.size <= 1:
        return top
    if _largest_region(plane >= top) >= min_area:
        return top
    lo, hi = 0.0, top  # the region at lo qualifies (or lo is 0), the one at hi does not
    if _largest_region(plane > 0) < min_area:
        return 0.0
    for _ in range(_BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        if _largest_region(plane >= mid) >= min_area:
            lo = mid
        else:
            hi = mid
    return lo


def image_rule_score(image: ScoredImage, channel: int, min_area: int) -> float:
    return max((rule_score(np.asarray(m[channel], np.float32), min_area) for m in image.maps), default=0.0)


def _positive(image: ScoredImage, channel: int, n_channels: int) -> bool:
    """An NG image counts for a channel it is labelled with, or for the only channel of a merged
    model (which also covers NG images without a mask)."""
    return image.label == "ng" and (channel in image.channels or n_channels == 1)


def _logit(p: float | np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, np.float64), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def _sigmoid(z: float | np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, np.float64)))


def tail_margin(ng_scores: Sequence[float]) -> float | None:
    """Mean log-odds spacing of the lowest ``TAIL_SHARE`` of NG scores (at least two of them),
    capped at ``MAX_MARGIN_LOGIT``; None with fewer than two NG scores."""
    if len(ng_scores) < 2:
        return None
    z = np.sort(_logit(np.asarray(ng_scores, np.float64)))
    k = min(len(z), max(2, int(np.ceil(TAIL_SHARE * len(z)))))
    return float(min((z[k - 1] - z[0]) / (k - 1), MAX_MARGIN_LOGIT))


def _margin_floor(zero_escape: float, ok: np.ndarray) -> float | None:
    """Lowest threshold the margin may reach below ``zero_escape``: one that rejects at most
    ``MARGIN_OVERKILL_SHARE`` of the good parts ``ok`` beyond those at or above ``zero_escape``;
    None when no good part limits it."""
    below = np.sort(ok[ok < zero_escape])[::-1]  # good parts the margin could newly reject
    allowed = int(np.floor(MARGIN_OVERKILL_SHARE * ok.size))
    if below.size <= allowed:
        return None
    spared = float(below[allowed])  # the first good part the margin must not reject
    upper = float(below[allowed - 1]) if allowed else zero_escape
    return float(_sigmoid(0.5 * (_logit(spared) + _logit(upper))))


def choose_threshold(ng_scores: Sequence[float], ok_scores: Sequence[float]) -> tuple[float, dict[str, Any]]:
    """One class's threshold from its val NG and OK rule scores, with how it was chosen."""
    ok = np.asarray(ok_scores, np.float64)
    if len(ng_scores):
        zero_escape = float(min(ng_scores))
        margin = tail_margin(ng_scores)
        if margin is None:
            t = zero_escape * (1.0 - MARGIN)
        else:
            t = float(_sigmoid(_logit(zero_escape) - margin))
        floor = _margin_floor(zero_escape, ok)
        limited = False
        if floor is not None and floor > t:
            t, limited = floor, True
        # Never above the zero-escape point: a floor of LOWEST there would let the weakest val NG
        # parts through (an elpv run: zero-escape point 0.001, threshold 0.010, 3 of 47 escaped).
        stopped = t < LOWEST
        t = float(max(min(float(np.clip(t, LOWEST, HIGHEST)), zero_escape), TINY))
        return t, {"method": "val_zero_escape", "zero_escape_threshold": round_score(zero_escape),
                   "margin_logit": None if margin is None else round(margin, 3),
                   "margin_limited_by_overkill": limited, "margin_stopped_at_lowest": stopped,
                   "val_ng": len(ng_scores), "val_ok": int(ok.size),
                   "val_overkill_at_zero_escape": int(np.count_nonzero(ok >= zero_escape)),
                   "val_overkill": int(np.count_nonzero(ok >= t))}  # fmt: skip
    if ok.size:
        t = float(np.clip(np.quantile(ok, OK_QUANTILE), LOWEST, HIGHEST))
        return t, {"method": "ok_quantile", "quantile": OK_QUANTILE, "val_ng": 0, "val_ok": int(ok.size),
                   "val_overkill": int(np.count_nonzero(ok >= t))}  # fmt: skip
    return DEFAULT_THRESHOLD, {"method": "default", "val_ng": 0, "val_ok": 0}


def _kept_digits(x: float) -> int:
    """Decimals kept of a score or threshold: 4, or 4 significant digits below 0.001 (never 0)."""
    return 4 if x >= 1e-3 or x <= 0 else 3 - math.floor(math.log10(x))


def round_score(x: float) -> float:
    """A score or threshold kept to ``_kept_digits`` decimals."""
    return round(float(x), _kept_digits(x))


def floor_threshold(t: float) -> float:
    """``t`` rounded down to ``_kept_digits`` decimals: rounding up could put the threshold above the
    lowest NG score it was placed on."""
    digits = _kept_digits(t)
    return math.floor(t * 10**digits) / 10**digits


def score_text(x: float) -> str:
    """``0.123``, or ``8.1e-04`` below 0.001, where three decimals would show 0.001 or 0.000."""
    return f"{x:.3f}" if x >= 1e-3 or x <= 0 else f"{x:.1e}"


def lone_weakest(ng_scores: Sequence[float]) -> bool:
    """Whether the lowest of ``ng_scores`` sits apart from the others (see the module text); needs
    at least three scores, so that the others show a spacing."""
    if len(ng_scores) < 3:
        return False
    ranked = sorted(float(s) for s in ng_scores)
    gap = float(_logit(ranked[1]) - _logit(ranked[0]))
    return gap > LONE_GAP_LOGIT and gap > LONE_GAP_SPACINGS * (tail_margin(ranked[1:]) or 0.0)


def weakest_origin(ng: Sequence[tuple[float, int | None]], ok_scores: Sequence[float]) -> dict[str, Any]:
    """What a class's origin says of its val NG images beyond the threshold: the escape-rate bound,
    the lowest-scoring ones (score, sample id) and, when the lowest sits apart, the threshold and
    val overkill without it."""
    if not ng:
        return {}
    ranked = sorted(ng, key=lambda pair: pair[0])
    weakest = [{"sample_id": sid, "score": round_score(score)} for score, sid in ranked[:WEAKEST_SHOWN]]
    out: dict[str, Any] = {"escape_bound95": round(clopper_pearson_upper(0, len(ranked)), 4),
                           "weakest_ng": weakest}  # fmt: skip
    scores = [score for score, _ in ranked]
    if lone_weakest(scores):
        without, _ = choose_threshold(scores[1:], ok_scores)
        without = floor_threshold(without)
        rejected = int(np.count_nonzero(np.asarray(ok_scores, np.float64) >= without))
        out["lone_weakest"] = True
        out["without_weakest"] = {"threshold": without, "val_overkill": rejected}
    return out


def _dice(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)


def _drawn_counts(
    plane: np.ndarray, truth: np.ndarray, t32: np.float32, below: np.ndarray, above: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Labelled and unlabelled pixels drawn at each level (``below`` then ``above``) of one window."""
    hits, alarms = np.zeros(len(below) + len(above)), np.zeros(len(below) + len(above))
    for counts, where in ((hits, truth), (alarms, ~truth)):
        # in float32, as ``class_pixels`` compares scores with the levels
        bins = np.searchsorted(above.astype(np.float32), plane[where], side="right")
        counts[len(below) :] = np.cumsum(np.bincount(bins, minlength=len(above) + 1)[::-1])[::-1][1:]
    seeds = plane >= t32
    if seeds.any():  # else nothing reaches the threshold: nothing drawn at any lower level
        for i, level in enumerate(below):
            drawn = reaching(plane >= np.float32(level), seeds)
            hits[i] = np.count_nonzero(drawn & truth)
            alarms[i] = np.count_nonzero(drawn & ~truth)
    return hits, alarms


def choose_outline(
    images: Sequence[ScoredImage], decision: DecisionConfig, channel: int
) -> tuple[float | None, dict[str, Any]]:
    """One class's outline level: the level (its threshold or one of ``OUTLINE_LEVELS``) with the
    best pooled pixel Dice over the val windows with known masks, drawn as ``class_pixels`` draws
    it (below the threshold: only regions that reach the threshold); None when no window holds a
    labelled pixel of the class or the threshold itself draws best.

    False alarms count as a whole-image evaluation would count them: a good image's by its
    ``area_weight``; the area of NG images no window saw (``unseen_px``) at the rate the good
    images' windows show."""
    n = len(decision.classes)
    rule = decision.classes[channel]
    t32 = np.float32(rule.threshold)
    above = np.asarray(sorted({rule.threshold, *(o for o in OUTLINE_LEVELS if o > rule.threshold)}))
    below = np.asarray([o for o in OUTLINE_LEVELS if np.float32(o) < t32])
    levels = np.concatenate([below, above])
    offsets = decision.competition(n)
    hits, alarms, good_alarms = np.zeros(len(levels)), np.zeros(len(levels)), np.zeros(len(levels))
    labelled = good_px = unseen = 0.0
    for image in images:
        false_weight = image.weight * image.area_weight
        if image.targets and image.label != "ok":
            unseen += image.weight * image.unseen_px
        for score_map, target in zip(image.maps, image.targets):
            plane = owned_scores(np.asarray(score_map, np.float32), offsets)[channel]
            truth = target > 0 if n == 1 else target == channel + 1  # targets hold channel + 1
            labelled += image.weight * int(np.count_nonzero(truth))
            hit, alarm = _drawn_counts(plane, truth, t32, below, above)
            hits += image.weight * hit
            alarms += false_weight * alarm
            if image.label == "ok":
                good_alarms += false_weight * alarm
                good_px += false_weight * int(np.count_nonzero(~truth))
    if not labelled:
        return None, {}
    if good_px and unseen:
        alarms += good_alarms / good_px * unseen
    dice = _dice(hits, alarms, labelled - hits)
    at_threshold = len(below)
    # on a tie, the level nearest the threshold (the threshold itself first)
    tied = np.flatnonzero(dice >= dice.max())
    best = int(tied[np.argmin(np.abs(tied - at_threshold))])
    info = {"outline_threshold": float(levels[best]) if best != at_threshold else None,
            "val_dice_at_outline": round(float(dice[best]), 4),
            "val_dice_at_threshold": round(float(dice[at_threshold]), 4)}  # fmt: skip
    return info["outline_threshold"], info


def choose_decision(
    images: Sequence[ScoredImage], decision: DecisionConfig, smallest_px: int | None
) -> tuple[DecisionConfig, list[dict[str, Any]]]:
    """``decision`` with every class threshold and minimum area set from ``images``.

    Returns the new config and, per class rule (channel order), how its values were chosen.
    """
    n = len(decision.classes)
    min_area = min_area_for(smallest_px)
    origins: list[dict[str, Any]] = []
    for channel, rule in enumerate(decision.classes):
        ng_ids = [(image_rule_score(im, channel, min_area), im.sample_id) for im in images
                  if _positive(im, channel, n)]  # fmt: skip
        ng = [score for score, _ in ng_ids]
        ok = [image_rule_score(im, channel, min_area) for im in images if im.label == "ok"]
        rule.threshold, origin = choose_threshold(ng, ok)
        origin.update(weakest_origin(ng_ids, ok))
        rule.threshold = floor_threshold(rule.threshold)
        rule.min_area_px = min_area
        origin.update(class_id=rule.class_id, name=rule.name, threshold=rule.threshold,
                      min_area_px=min_area, smallest_defect_px=smallest_px)  # fmt: skip
        origins.append(origin)
    if decision.classes:
        decision.default_threshold = min(r.threshold for r in decision.classes)
    for channel, (rule, origin) in enumerate(zip(decision.classes, origins)):
        rule.outline_threshold, info = choose_outline(images, decision, channel)
        origin.update(info)
    decision.validate()
    return decision, origins


def _weakest_text(origin: dict[str, Any]) -> str:
    """The escape-rate bound and the val NG images that place the threshold, for ``describe``."""
    text = ""
    if origin.get("escape_bound95") is not None:
        bound = 100 * origin["escape_bound95"]
        text += f"; none of them escapes: up to {bound:.1f} % of new NG parts may (95 % bound)"
    weakest = [w for w in origin.get("weakest_ng", ()) if w.get("sample_id") is not None]
    if weakest:
        named = (f"sample {w['sample_id']} {score_text(w['score'])}" for w in weakest)
        text += "; lowest NG: " + ", ".join(named)
    if origin.get("lone_weakest"):
        without = origin["without_weakest"]
        text += (f"; the lowest sits far below the others, check its label: without it the threshold would "
                 f"be {score_text(without['threshold'])}, rejecting {without['val_overkill']} of the "
                 f"{origin.get('val_ok', 0)}")  # fmt: skip
    return text


def describe(origin: dict[str, Any]) -> str:
    """One line for logs and the CLI: the threshold, the area rule, the outline level and how
    they were chosen."""
    head = f"{origin.get('name', 'class')}: threshold {score_text(origin['threshold'])}"
    if origin.get("min_area_px"):
        head += f", min area {origin['min_area_px']} px"
        head += f" (smallest labelled defect {origin['smallest_defect_px']} px)"
    if origin.get("outline_threshold") is not None:
        level = origin["outline_threshold"]
        where = "drawn at" if level > origin["threshold"] else "that reach the threshold drawn down to"
        head += (f", outlines {where} {level:.2f} (val pixel Dice {origin['val_dice_at_outline']:.3f}, "
                 f"{origin['val_dice_at_threshold']:.3f} at the threshold)")  # fmt: skip
    method = origin["method"]
    if method == "user":
        where = f" on evaluation {origin['eval_id']}" if origin.get("eval_id") else ""
        return f"{head}; shipped by a person{where}"
    good_only = "train_ng" in origin  # placed on every labelled image a good-only fit did not see
    kind = "good part(s) the fit did not see" if good_only else "val good part(s)"
    good = f"{origin.get('val_ok', 0)} {kind}"
    if method == "val_zero_escape":
        ng = f"{origin['val_ng']} val NG image(s)"
        if good_only:
            ng = (f"{origin['val_ng']} NG image(s) outside the test split ({origin['train_ng']} of them "
                  "from the train split, kept out of the fit)")  # fmt: skip
        zero = origin["zero_escape_threshold"]
        how = "lowered by a margin for NG parts scoring lower still"
        if origin.get("margin_stopped_at_lowest") and zero < LOWEST:
            how = f"kept as it is (no margin takes a threshold below {LOWEST:g})"
        elif origin.get("margin_limited_by_overkill"):
            how += f" (it stops where it would reject more than {MARGIN_OVERKILL_SHARE:.0%} more good parts)"
        elif origin.get("margin_stopped_at_lowest"):
            how += f" (down to {LOWEST:g}, no lower)"
        return (f"{head}; zero-escape point {score_text(zero)} on {ng}, {how}; {origin['val_overkill']} "
                f"of {good} rejected{_weakest_text(origin)}")  # fmt: skip
    if method == "ok_quantile":
        where = "outside the test split" if good_only else "in validation"
        return (f"{head}; no NG image {where}: a guess from good parts only, the "
                f"{origin['quantile']:.0%} quantile of {good}; label NG parts to place it on "
                "defects")  # fmt: skip
    if origin.get("reason") == "time_limit":
        return f"{head}; the default (the time limit left no time to place it on the validation)"
    return f"{head}; the default (no val images)"
