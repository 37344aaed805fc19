"""Image-level metrics: escape and overkill with intervals, sweeps, operating points.

Escape = an NG part called OK; overkill = an OK part called NG. A GRAY verdict (sent to human
review) is neither an escape nor an overkill and is counted separately. Sweeps call an image NG
when its score is >= the threshold, and use every distinct score as a threshold. Doubtful parts
(the experts disagree) are measured apart (``doubtful_metrics``): escape and overkill are counted
on the clear parts only, the numbers that must be zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

Z95 = 1.959963984540054  # two-sided 95% normal quantile
VERDICTS = ("OK", "NG", "GRAY")


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n``; ``(0, 1)`` when ``n == 0``."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = n + z * z
    centre = (k + z * z / 2) / denom
    half = z / denom * math.sqrt(n * p * (1 - p) + z * z / 4)
    return (max(0.0, centre - half), min(1.0, centre + half))


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space."""
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 1.0 if k >= n else 0.0
    lp, lq = math.log(p), math.log1p(-p)
    lgn = math.lgamma(n + 1)
    terms = [lgn - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq for i in range(k + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def clopper_pearson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact (Clopper-Pearson) upper confidence bound of a proportion ``k / n``."""
    if n == 0 or k >= n:
        return 1.0
    alpha = 1.0 - confidence
    if k == 0:
        return 1.0 - alpha ** (1.0 / n)
    lo, hi = k / n, 1.0
    for _ in range(80):  # bisection to well below 1e-15
        mid = (lo + hi) / 2
        if binom_cdf(k, n, mid) > alpha:
            lo = mid
        else:
            hi = mid
    return hi


def extra_ng_needed(escapes: int, n_ng: int, target: float, confidence: float = 0.95) -> int | None:
    """How many more NG parts, all caught, must be tested to claim escape rate <= ``target``.

    Uses the one-sided Clopper-Pearson upper bound; with no escape this is the exact binomial
    rule ``n >= ln(1 - confidence) / ln(1 - target)``. None if over a billion parts would be needed.
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"target escape rate must be in (0, 1), got {target}")
    if escapes == 0:
        # Tiny slack so exact boundary cases are not pushed one part up by rounding.
        total = math.ceil(math.log(1.0 - confidence) / math.log1p(-target) - 1e-9)
        return max(0, total - n_ng)
    limit = 10**9

    def ok(extra: int) -> bool:
        return clopper_pearson_upper(escapes, n_ng + extra, confidence) <= target

    if ok(0):
        return 0
    hi = 1
    while not ok(hi):
        hi *= 2
        if hi > limit:
            return None
    lo = hi // 2
    while hi - lo > 1:  # invariant: not ok(lo), ok(hi)
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def _is_ng(label: object, index: int) -> bool:
    if isinstance(label, str) and label.lower() in ("ok", "ng"):
        return label.lower() == "ng"
    if isinstance(label, (bool, int, np.integer, np.bool_)) and int(label) in (0, 1):
        return bool(label)
    raise ValueError(f"image {index}: label {label!r} is neither 'ok' nor 'ng'")


def _verdict(value: object, index: int) -> str:
    v = str(value).upper()
    if v not in VERDICTS:
        raise ValueError(f"image {index}: verdict {value!r} is not one of {VERDICTS}")
    return v


def _rate(k: int, n: int) -> float | None:
    return k / n if n else None


def _rate_block(prefix: str, name: str, k: int, n: int) -> dict[str, Any]:
    return {
        f"{prefix}.{name}s": k,
        f"{prefix}.{name}_rate": _rate(k, n),
        f"{prefix}.{name}_ci95": list(wilson_interval(k, n)),
    }


def _confusion(is_ng: np.ndarray, verdicts: list[str]) -> dict[str, dict[str, int]]:
    out = {row: dict.fromkeys(VERDICTS, 0) for row in ("ok", "ng")}
    for ng, v in zip(is_ng, verdicts):
        out["ng" if ng else "ok"][v] += 1
    return out


def _sweep(ok_s: np.ndarray, ng_s: np.ndarray) -> dict[str, Any]:
    """Escape / overkill counts at every distinct score (NG when score >= threshold)."""
    thr = np.unique(np.concatenate([ok_s, ng_s]))
    escapes = np.searchsorted(ng_s, thr, side="left")
    overkills = len(ok_s) - np.searchsorted(ok_s, thr, side="left")
    n_ok, n_ng = len(ok_s), len(ng_s)
    return {
        "image.sweep.thresholds": thr.tolist(),
        "image.sweep.escapes": escapes.tolist(),
        "image.sweep.overkills": overkills.tolist(),
        "image.sweep.escape_rate": (escapes / n_ng).tolist() if n_ng else None,
        "image.sweep.overkill_rate": (overkills / n_ok).tolist() if n_ok else None,
    }


def auroc(scores: Sequence[float], positives: Sequence[bool]) -> float | None:
    """Area under the ROC curve of image scores (``positives``: NG images): P(NG score > OK
    score) with ties counted half; None without both kinds of image."""
    sc = np.asarray(scores, dtype=np.float64)
    pos = np.asarray(positives, dtype=bool)
    return _auroc(np.sort(sc[~pos]), np.sort(sc[pos]))


def _auroc(ok_s: np.ndarray, ng_s: np.ndarray) -> float | None:
    """``auroc`` of sorted OK and NG scores (Mann-Whitney U / (n_ng * n_ok))."""
    if len(ok_s) == 0 or len(ng_s) == 0:
        return None
    below = np.searchsorted(ok_s, ng_s, side="left")
    tied = np.searchsorted(ok_s, ng_s, side="right") - below
    return float((below.sum() + 0.5 * tied.sum()) / (len(ok_s) * len(ng_s)))


def _curves(sweep: dict[str, Any], n_ok: int, n_ng: int) -> dict[str, Any]:
    """ROC (from the strictest threshold down, starting at (0, 0)), PR and average precision."""
    esc = np.asarray(sweep["image.sweep.escapes"], dtype=np.float64)[::-1]
    ovk = np.asarray(sweep["image.sweep.overkills"], dtype=np.float64)[::-1]
    tp = n_ng - esc
    out: dict[str, Any] = {"image.roc.fpr": None, "image.roc.tpr": None}
    out.update({"image.pr.precision": None, "image.pr.recall": None, "image.ap": None})
    if n_ok and n_ng:
        out["image.roc.fpr"] = [0.0, *(ovk / n_ok).tolist()]
        out["image.roc.tpr"] = [0.0, *(tp / n_ng).tolist()]
    if n_ng:
        precision = tp / np.maximum(tp + ovk, 1)
        recall = tp / n_ng
        out["image.pr.precision"] = precision.tolist()
        out["image.pr.recall"] = recall.tolist()
        # Step-wise AP: precision at each threshold times the recall gained there.
        out["image.ap"] = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
    return out


def _operating_points(ok_s: np.ndarray, ng_s: np.ndarray, target_overkill: float) -> dict[str, Any]:
    n_ok, n_ng = len(ok_s), len(ng_s)
    out: dict[str, Any] = {"image.target_overkill": target_overkill}
    if n_ng:
        t0 = float(ng_s[0])  # the lowest NG score: the highest threshold that catches all NG
        k = int(n_ok - np.searchsorted(ok_s, t0, side="left"))
        out.update({"image.zero_escape_threshold": t0, "image.overkills_at_zero_escape": k})
        out["image.overkill_at_zero_escape"] = _rate(k, n_ok)
    else:
        out.update(dict.fromkeys(["image.zero_escape_threshold", "image.overkills_at_zero_escape"]))
        out["image.overkill_at_zero_escape"] = None
    out["image.threshold_at_overkill"] = None
    out["image.escape_at_overkill"] = None
    if n_ok:
        thr = np.unique(np.concatenate([ok_s, ng_s]))
        overkill = (n_ok - np.searchsorted(ok_s, thr, side="left")) / n_ok
        fits = np.flatnonzero(overkill <= target_overkill)
        # Above every score when even the top score overkills too much: all parts pass.
        t = float(thr[fits[0]]) if len(fits) else float(np.nextafter(np.float32(thr[-1]), np.float32(2)))
        out["image.threshold_at_overkill"] = t
        out["image.escape_at_overkill"] = _rate(int(np.searchsorted(ng_s, t, side="left")), n_ng)
    return out


def _coverage(ok_s: np.ndarray, ng_s: np.ndarray) -> dict[str, Any]:
    """The share of parts two thresholds decide without a person, with no escape and no overkill.

    Parts below the lowest NG score pass (no NG part is passed); parts above the highest OK score
    are rejected (no OK part is rejected); the parts between form the gray zone a person decides.
    When every NG part scores above every OK part, one threshold decides all. Both thresholds are
    read off these same parts, so the share is what this test set allows at best; the interval
    (Wilson) covers the sampling of the parts, not the choice of thresholds.
    """
    keys = ("pass_below", "reject_above", "auto_ok", "auto_ng")
    out: dict[str, Any] = dict.fromkeys([f"image.coverage.{k}" for k in keys])
    out.update({"image.coverage_at_zero_escape": None, "image.coverage_ci95": None})
    n = len(ok_s) + len(ng_s)
    if not len(ok_s) or not len(ng_s):
        return out
    pass_below, reject_above = float(ng_s[0]), float(ok_s[-1])
    auto_ok = int(np.searchsorted(ok_s, pass_below, side="left"))
    auto_ng = int(len(ng_s) - np.searchsorted(ng_s, reject_above, side="right"))
    if pass_below > reject_above:  # separated: a threshold between them decides every part
        auto_ok, auto_ng = len(ok_s), len(ng_s)
    decided = auto_ok + auto_ng
    out.update({"image.coverage.pass_below": pass_below, "image.coverage.reject_above": reject_above})
    out.update({"image.coverage.auto_ok": auto_ok, "image.coverage.auto_ng": auto_ng})
    out["image.coverage_at_zero_escape"] = decided / n
    out["image.coverage_ci95"] = list(wilson_interval(decided, n))
    return out


def _per_class(
    prefix: str, name: str, members: Sequence[Iterable[int]], mask: np.ndarray, bad: np.ndarray
) -> dict[str, Any]:
    """Rates per class id among the images selected by ``mask`` that list the class."""
    if len(members) != len(mask):
        raise ValueError(f"{len(members)} class lists for {len(mask)} images")
    sets = [{int(c) for c in m} for m in members]
    n_key = "n_ng" if name == "escape" else "n_ok"
    out: dict[str, Any] = {}
    for c in sorted(set().union(*(sets[i] for i in np.flatnonzero(mask)))):
        has = np.array([c in s for s in sets], dtype=bool) & mask
        n = int(has.sum())
        out[f"{prefix}.class.{c}.{n_key}"] = n
        out.update(_rate_block(f"{prefix}.class.{c}", name, int((has & bad).sum()), n))
    return out


def image_metrics(
    labels: Sequence[object],
    scores: Sequence[float],
    verdicts: Sequence[str],
    classes_per_image: Sequence[Iterable[int]] | None = None,
    *,
    predicted_classes: Sequence[Iterable[int]] | None = None,
    target_overkill: float = 0.01,
    target_escape: float = 0.01,
) -> dict[str, Any]:
    """Flat, JSON-safe image-level metrics (keys ``image.*``).

    ``labels``: "ok"/"ng" (or 0/1); ``scores``: image scores for the sweeps; ``verdicts``: the
    decisions "OK"/"NG"/"GRAY". ``classes_per_image``: true defect classes of each image, for
    escapes per class; ``predicted_classes``: classes the decision flagged, for overkill per class.
    """
    n = len(labels)
    if len(scores) != n or len(verdicts) != n:
        raise ValueError(f"{n} labels but {len(scores)} scores and {len(verdicts)} verdicts")
    is_ng = np.array([_is_ng(lab, i) for i, lab in enumerate(labels)], dtype=bool)
    vs = [_verdict(v, i) for i, v in enumerate(verdicts)]
    called_ok = np.array([v == "OK" for v in vs], dtype=bool)
    called_ng = np.array([v == "NG" for v in vs], dtype=bool)
    gray = ~called_ok & ~called_ng
    sc = np.asarray(scores, dtype=np.float64)
    ok_s, ng_s = np.sort(sc[~is_ng]), np.sort(sc[is_ng])
    n_ok, n_ng = len(ok_s), len(ng_s)
    escapes = int((is_ng & called_ok).sum())
    out: dict[str, Any] = {"image.n": n, "image.n_ok": n_ok, "image.n_ng": n_ng}
    out.update({"image.n_gray": int(gray.sum()), "image.gray_rate": _rate(int(gray.sum()), n)})
    out.update({"image.gray_ok": int((gray & ~is_ng).sum()), "image.gray_ng": int((gray & is_ng).sum())})
    out.update(_rate_block("image", "escape", escapes, n_ng))
    out.update(_rate_block("image", "overkill", int((~is_ng & called_ng).sum()), n_ok))
    out["image.confusion"] = _confusion(is_ng, vs)
    out["image.auroc"] = _auroc(ok_s, ng_s)
    sweep = _sweep(ok_s, ng_s)
    out.update(sweep)
    out.update(_curves(sweep, n_ok, n_ng))
    out.update(_operating_points(ok_s, ng_s, target_overkill))
    out.update(_coverage(ok_s, ng_s))
    out["image.target_escape"] = target_escape
    out["image.extra_ng_needed"] = extra_ng_needed(escapes, n_ng, target_escape)
    if classes_per_image is not None:
        out.update(_per_class("image", "escape", classes_per_image, is_ng, called_ok))
    if predicted_classes is not None:
        out.update(_per_class("image", "overkill", predicted_classes, ~is_ng, called_ng))
    return out


def doubtful_metrics(scores: Sequence[float], verdicts: Sequence[str]) -> dict[str, Any]:
    """How the model splits the doubtful parts (keys ``image.doubtful.*``): counts called NG, OK and
    GRAY, the share called NG, and their image scores' minimum, quartiles and maximum (None without
    doubtful parts)."""
    if len(scores) != len(verdicts):
        raise ValueError(f"{len(scores)} scores but {len(verdicts)} verdicts")
    vs = [_verdict(v, i) for i, v in enumerate(verdicts)]
    n = len(vs)
    called_ng = vs.count("NG")
    out: dict[str, Any] = {
        "image.doubtful.n": n,
        "image.doubtful.called_ng": called_ng,
        "image.doubtful.called_ok": vs.count("OK"),
        "image.doubtful.gray": vs.count("GRAY"),
        "image.doubtful.called_ng_rate": _rate(called_ng, n),
    }
    sc = np.asarray(scores, dtype=np.float64)
    names = ("min", "q25", "median", "q75", "max")
    values = np.quantile(sc, (0.0, 0.25, 0.5, 0.75, 1.0)).tolist() if n else [None] * len(names)
    out.update({f"image.doubtful.score_{k}": v for k, v in zip(names, values, strict=True)})
    return out
