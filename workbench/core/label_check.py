"""The label check: k folds over train + val, and suspects ranked from out-of-fold score maps.

A model trained on the other folds scores each held-out image; where its verdict and the label
disagree with confidence, the label is suspect:

- ``ok_scored_ng``: an OK image the other folds call NG;
- ``ng_scored_ok``: an NG image they call OK (its image score stays below the threshold);
- ``mask_region_missed``: a connected region of the mask that no predicted pixel overlaps;
- ``region_outside_mask``: a predicted region on an NG image that touches no mask pixel.

Each suspect has a suspicion in (0, 1): how far the out-of-fold score lies on the wrong side of
the fold model's threshold, in log-odds, squashed by the logistic function (0.5 at the threshold,
towards 1 far beyond it), so that reasons from models of different folds rank on one scale. Pure
functions (numpy, OpenCV); the training lives in ``workbench.learn.label_check``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.core.class_pixels import label_map
from workbench.core.errors import WorkbenchError
from workbench.core.health import Groups
from workbench.core.metrics_pixel import components
from workbench.core.types import CLEAR_LABELS, Sample

TAG = "suspect-label"  # the tag the review queue of a label check carries
DEFAULT_FOLDS = 5
MIN_AREA_PX = 4  # specks under this many pixels are neither missed mask regions nor false regions
_EPS = 1e-6

# reason code -> (English, Simplified Chinese) as shown beside a suspect
REASONS: dict[str, tuple[str, str]] = {
    "ok_scored_ng": ("OK image that the other folds call NG", "其余折判为 NG 的 OK 图像"),
    "ng_scored_ok": ("NG image with a low score", "得分偏低的 NG 图像"),
    "mask_region_missed": ("mask region the model does not find", "模型未找到的掩膜区域"),
    "region_outside_mask": ("confident defect region outside the mask", "掩膜之外的高置信度缺陷区域"),
}


class LabelCheckError(WorkbenchError):
    """The project cannot be checked this way (too few samples for the folds, bad settings)."""


def reason_text(code: str, language: str = "en") -> str:
    """The wording of a reason code in ``language`` ("en" or "zh"); an unknown code as it is."""
    en, zh = REASONS.get(code, (code, code))
    return zh if language.startswith("zh") else en


@dataclass(frozen=True)
class Suspect:
    """One reason to doubt one sample's label or mask."""

    sample_id: int
    reason: str  # a key of REASONS
    suspicion: float  # in (0, 1); the list is ranked by it
    details: dict[str, Any] = field(default_factory=dict)  # image_score, threshold, box [x, y, w, h], ...

    def to_dict(self) -> dict[str, Any]:
        return {"sample_id": self.sample_id, "reason": self.reason, "suspicion": round(self.suspicion, 6),
                "text": {"en": reason_text(self.reason, "en"), "zh": reason_text(self.reason, "zh")},
                "details": self.details}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Suspect:
        return cls(int(data["sample_id"]), str(data["reason"]), float(data["suspicion"]),
                   dict(data.get("details") or {}))  # fmt: skip


@dataclass(frozen=True)
class OutOfFold:
    """One held-out sample as the model of the other folds scored it."""

    sample_id: int
    label: str  # "ok" or "ng"
    score_map: np.ndarray  # (K, H, W) in [0, 1]; (K, 1, 1) for a classifier
    thresholds: tuple[float, ...]  # per channel: the fold model's decision
    class_ids: tuple[int, ...]  # per channel: the project class it stands for
    mask: np.ndarray | None = None  # H x W class ids of an NG sample (segmentation: zeros when undrawn)
    merged: bool = False  # one channel for every class: any mask class counts as found


# ---------------------------------------------------------------------- folds
def check_samples(samples: Iterable[Sample]) -> list[Sample]:
    """The samples a label check covers: OK or NG, outside the test split (doubtful parts left out)."""
    return [s for s in samples if s.label in CLEAR_LABELS and s.split != "test"]


def assign_folds(
    samples: Sequence[Sample], folds: int, seed: int = 0, pairs: Iterable[tuple[int, int]] = ()
) -> dict[int, int]:
    """Sample id -> fold (0..folds-1): stratified by OK/NG, seeded; each pair of ``pairs`` (near-
    duplicates) stays in one fold, so no image is judged by a model trained on its twin."""
    if folds < 2:
        raise LabelCheckError(f"a label check needs at least 2 folds, not {folds}")
    if len(samples) < folds:
        raise LabelCheckError(
            f"{len(samples)} OK/NG sample(s) outside the test split cannot fill {folds} folds"
        )
    known = {s.id: s for s in samples}
    groups = Groups()
    for a, b in pairs:
        if a in known and b in known:
            groups.union(a, b)
    units: dict[int, list[Sample]] = {}
    for s in sorted(samples, key=lambda s: s.id):
        units.setdefault(groups.find(s.id), []).append(s)
    strata: dict[str, list[list[Sample]]] = {"ng": [], "ok": []}
    for unit in units.values():
        strata["ng" if any(s.label == "ng" for s in unit) else "ok"].append(unit)
    per_stratum = {key: [0] * folds for key in strata}
    total = [0] * folds
    out: dict[int, int] = {}
    rng = np.random.default_rng(seed)
    for key in ("ng", "ok"):  # the rarer label first is not needed: strata are balanced separately
        members = strata[key]
        for i in rng.permutation(len(members)):
            unit = members[int(i)]
            k = min(range(folds), key=lambda f: (per_stratum[key][f], total[f], f))
            per_stratum[key][k] += len(unit)
            total[k] += len(unit)
            out.update((s.id, k) for s in unit)
    return out


# ---------------------------------------------------------------------- suspects
def _logit(p: float | np.ndarray) -> Any:
    q = np.clip(p, _EPS, 1.0 - _EPS)
    return np.log(q) - np.log1p(-q)


def squash(margin: float) -> float:
    """Log-odds margin -> suspicion in (0, 1)."""
    return 1.0 / (1.0 + math.exp(-max(min(margin, 50.0), -50.0)))


def margins(r: OutOfFold) -> np.ndarray:
    """(K, H, W): each channel's log-odds above its threshold (negative below it)."""
    t = np.asarray(r.thresholds, np.float64).reshape(-1, 1, 1)
    return np.asarray(_logit(r.score_map.astype(np.float64)) - _logit(t))


def image_suspects(r: OutOfFold) -> list[Suspect]:
    """An OK image past a threshold, or an NG image below every threshold."""
    m = margins(r)
    margin = float(m.max())  # the image turns NG when any class passes its threshold
    score = float(r.score_map.max())
    details = {"image_score": round(score, 6), "margin": round(margin, 4)}
    if r.label == "ok" and margin >= 0:
        return [Suspect(r.sample_id, "ok_scored_ng", squash(margin), details)]
    if r.label == "ng" and margin < 0:
        return [Suspect(r.sample_id, "ng_scored_ok", squash(-margin), details)]
    return []


def _box(labels: np.ndarray, j: int) -> list[int]:
    ys, xs = np.nonzero(labels == j)
    return [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]


def region_suspects(r: OutOfFold, min_area_px: int = MIN_AREA_PX) -> list[Suspect]:
    """Mask regions the model does not find, and its confident regions outside the mask (NG images
    of a pixel map whose mask was read; an empty mask leaves every predicted region outside)."""
    if r.label != "ng" or r.mask is None or r.score_map.shape[1:] == (1, 1):
        return []
    if r.mask.shape != r.score_map.shape[1:]:
        raise LabelCheckError(
            f"sample {r.sample_id}: mask {r.mask.shape} and score map {r.score_map.shape} differ"
        )
    m = margins(r)
    predicted = label_map(r.score_map, r.thresholds, r.class_ids)
    out: list[Suspect] = []
    channel_of = {cid: k for k, cid in enumerate(r.class_ids)}
    for cid in (int(c) for c in np.unique(r.mask) if c):
        mine = (predicted > 0) if r.merged else (predicted == cid)
        ch = 0 if r.merged else channel_of.get(cid)
        n, labels = components(r.mask == cid)
        for j in range(1, n + 1):
            region = labels == j
            area = int(region.sum())
            if area < min_area_px or mine[region].any():
                continue
            margin = float((m.max(axis=0) if ch is None else m[ch])[region].max())
            score = float((r.score_map.max(axis=0) if ch is None else r.score_map[ch])[region].max())
            out.append(Suspect(r.sample_id, "mask_region_missed", squash(-margin) if margin < 0 else 0.5,
                               {"box": _box(labels, j), "area_px": area, "class_id": cid,
                                "region_score": round(score, 6)}))  # fmt: skip
    n, labels = components(predicted > 0)
    best = m.max(axis=0)
    for j in range(1, n + 1):
        region = labels == j
        area = int(region.sum())
        if area < min_area_px or (r.mask[region] > 0).any():
            continue
        margin = float(best[region].max())
        score = float(r.score_map.max(axis=0)[region].max())
        details = {"box": _box(labels, j), "area_px": area, "region_score": round(score, 6)}
        out.append(Suspect(r.sample_id, "region_outside_mask", squash(margin), details))
    return out


def find_suspects(results: Iterable[OutOfFold], min_suspicion: float = 0.5) -> list[Suspect]:
    """Every suspect of ``results``, most suspicious first (ties: by sample id, then reason)."""
    found: list[Suspect] = []
    for r in results:
        found += [s for s in (*image_suspects(r), *region_suspects(r)) if s.suspicion >= min_suspicion]
    return rank(found)


def rank(suspects: Iterable[Suspect]) -> list[Suspect]:
    return sorted(suspects, key=lambda s: (-s.suspicion, s.sample_id, s.reason))


def ranked_samples(suspects: Sequence[Suspect]) -> list[int]:
    """Sample ids in the order of their most suspicious entry (each once): the review queue."""
    seen: dict[int, None] = {}
    for s in rank(suspects):
        seen.setdefault(s.sample_id)
    return list(seen)


def precision_at(queue: Sequence[int], planted: Iterable[int], n: int | None = None) -> float | None:
    """Share of the first ``n`` (default: as many as were planted) samples of ``queue`` that were planted."""
    planted = set(planted)
    n = len(planted) if n is None else n
    if n <= 0:
        return None
    return len(set(queue[:n]) & planted) / n
