"""Train / val / test splits: stratified, seeded assignment, a lockable test set, leak checks.

Assignment is stratified by label and by the sample's primary (rarest) defect class, so small
classes reach every split; near-duplicate images (perceptual hash, confirmed on pixels) are kept
in one split so a twin of a training image does not land in the test set. Once the test split is locked as the
baseline its members never change and new samples never enter it; a new twin of a locked test
image then goes to train/val and :func:`find_split_leaks` reports the pair.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.errors import ProjectError
from workbench.core.health import DUPLICATE_SIMILARITY, Groups, duplicate_pairs, sample_stats
from workbench.core.project import Project
from workbench.core.types import FLAG_SPLIT_LEAK, LABELS, SPLITS, Sample

DEFAULT_RATIOS = (0.7, 0.15, 0.15)
MIN_CLASS_FOR_EVERY_SPLIT = 3  # a stratum this large gets at least one sample in val and test


class SplitLeak(NamedTuple):
    """Two near-duplicate samples that sit in different splits."""

    a: Sample
    b: Sample
    similarity: float  # of their pixel fingerprints (``health.duplicate_pairs``)


def parse_ratios(text: str) -> tuple[float, float, float]:
    """``"0.7,0.15,0.15"`` -> a normalised (train, val, test) triple."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise ProjectError(f"split ratios {text!r} are not three numbers like 0.7,0.15,0.15") from None
    return normalise_ratios(values)


def normalise_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    """Check and scale (train, val, test) ratios to sum to 1."""
    if len(ratios) != 3 or any(not math.isfinite(r) or r < 0 for r in ratios) or sum(ratios) <= 0:
        raise ProjectError(f"split ratios must be three finite, non-negative numbers, not {tuple(ratios)}")
    total = float(sum(ratios))
    return (ratios[0] / total, ratios[1] / total, ratios[2] / total)


def quotas(n: int, ratios: Sequence[float]) -> list[int]:
    """Whole sample counts per split for a stratum of ``n`` (largest remainder, small-class minimum)."""
    total = sum(ratios) or 1.0
    raw = [r / total * n for r in ratios]
    out = [int(v) for v in raw]
    by_remainder = sorted(range(3), key=lambda k: (-(raw[k] - out[k]), k))
    for k in by_remainder[: n - sum(out)]:
        out[k] += 1
    if n >= MIN_CLASS_FOR_EVERY_SPLIT:
        for k in (1, 2):
            if ratios[k] > 0 and out[k] == 0:
                donor = max(range(3), key=lambda j: (out[j], -j))
                out[donor] -= 1
                out[k] += 1
    return out


def primary_class(sample: Sample, class_counts: Counter[int]) -> int:
    """The sample's rarest defect class in the project (0 when it has none)."""
    if not sample.classes:
        return 0
    return min(sample.classes, key=lambda c: (class_counts[c], c))


def _stratum(sample: Sample, class_counts: Counter[int]) -> str:
    return f"{sample.label}/{primary_class(sample, class_counts)}"


def _duplicates(
    project: Project, samples: list[Sample], min_similarity: float, progress: Progress,
    cancel: CancelToken | None,
) -> list[tuple[int, int, float]]:  # fmt: skip
    """Near-duplicate pairs, confirmed on their pixels: another part of the same uniform surface
    (same hash, different detail) is not one, so it neither binds a split nor counts as a leak."""
    stats = sample_stats(project, samples, progress, cancel, errors={})
    return duplicate_pairs(stats, min_similarity)


def _units(
    samples: list[Sample], candidates: set[int], pairs: list[tuple[int, int, float]]
) -> list[list[Sample]]:
    """Groups of samples that must share a split (near-duplicates); singletons otherwise."""
    groups = Groups()
    for a, b, _ in pairs:
        groups.union(a, b)
    by_root: dict[int, list[Sample]] = {}
    for s in samples:
        by_root.setdefault(groups.find(s.id), []).append(s)
    return [members for members in by_root.values() if any(m.id in candidates for m in members)]


def _choose(counts: list[int], target: list[int], allowed: Sequence[int]) -> int:
    return max(allowed, key=lambda k: (target[k] - counts[k], -k))


def assign_splits(
    project: Project,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    seed: int = 0,
    only_unassigned: bool = True,
    progress: Progress | None = None,
    group_near_duplicates: bool = True,
    min_similarity: float = DUPLICATE_SIMILARITY,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Give samples a split, stratified by label and primary class; deterministic for a seed.

    ``only_unassigned=False`` re-deals every sample except a locked test set. Returns
    ``{"assigned", "kept_together", "test_locked", "per_split": {split: {label: n}}}``.
    """
    progress = progress or no_progress
    ratios = normalise_ratios(ratios)
    locked = project.test_locked
    samples = project.samples()
    fixed = {
        s.id for s in samples if (s.split is not None if only_unassigned else locked and s.split == "test")
    }
    candidates = {s.id for s in samples} - fixed
    allowed = [k for k in range(3) if not (locked and SPLITS[k] == "test")]
    if candidates and not any(ratios[k] > 0 for k in allowed):
        raise ProjectError("the test split is locked and the ratios leave nothing for train or val")
    pairs: list[tuple[int, int, float]] = []
    if group_near_duplicates and candidates:
        pairs = _duplicates(project, samples, min_similarity, lambda f, m: progress(0.9 * f, m), cancel)
    units = _units(samples, candidates, pairs)
    class_counts = Counter(c for s in samples for c in s.classes)
    strata: dict[str, list[list[Sample]]] = {}
    for unit in units:
        first_mover = next(m for m in unit if m.id in candidates)
        strata.setdefault(_stratum(first_mover, class_counts), []).append(unit)
    fixed_counts: dict[str, list[int]] = {}
    for s in samples:
        if s.id in fixed and s.split is not None:
            fixed_counts.setdefault(_stratum(s, class_counts), [0, 0, 0])[SPLITS.index(s.split)] += 1
    decided: dict[str, list[int]] = {split: [] for split in SPLITS}
    for key in sorted(strata):
        _deal(key, strata[key], fixed_counts.get(key, [0, 0, 0]), ratios, allowed, candidates, seed, decided)
    for split, ids in decided.items():
        if ids:
            project.update_samples(ids, split=split)
    progress(1.0, "splits assigned")
    return {
        "assigned": sum(len(v) for v in decided.values()),
        "kept_together": sum(1 for u in units if len(u) > 1),
        "test_locked": locked,
        "per_split": split_counts(project),
    }


def _deal(
    key: str,
    units: list[list[Sample]],
    counts: list[int],
    ratios: Sequence[float],
    allowed: Sequence[int],
    candidates: set[int],
    seed: int,
    decided: dict[str, list[int]],
) -> None:
    """Assign one stratum's units: forced ones join their twins' split, the rest fill quotas."""
    counts = list(counts)
    n = sum(counts) + sum(len([m for m in u if m.id in candidates]) for u in units)
    target = quotas(n, [r if k in allowed or counts[k] else 0.0 for k, r in enumerate(ratios)])
    free: list[list[Sample]] = []
    for unit in units:
        placed = [SPLITS.index(m.split) for m in unit if m.id not in candidates and m.split is not None]
        forced = Counter(k for k in placed if k in allowed).most_common(1)
        if forced:
            _place(unit, forced[0][0], counts, candidates, decided)
        else:
            free.append(unit)
    rng = np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])
    for i in rng.permutation(len(free)):
        _place(free[i], _choose(counts, target, allowed), counts, candidates, decided)


def _place(
    unit: list[Sample], k: int, counts: list[int], candidates: set[int], decided: dict[str, list[int]]
) -> None:
    movers = [m.id for m in unit if m.id in candidates]
    decided[SPLITS[k]].extend(movers)
    counts[k] += len(movers)


def split_counts(project: Project) -> dict[str, dict[str, int]]:
    """Samples per split (and ``none``) and label."""
    out: dict[str, dict[str, int]] = {split: {label: 0 for label in LABELS} for split in (*SPLITS, "none")}
    for s in project.samples():
        out[s.split or "none"][s.label] += 1
    return out


def lock_test(project: Project) -> int:
    """Lock the test split as the baseline; returns its size. An empty test split cannot be locked."""
    n = len(project.samples(split="test"))
    if n == 0:
        raise ProjectError(f"project {project.root} has no test samples to lock; assign splits first")
    project.lock_test_split(True)
    return n


def unlock_test(project: Project) -> None:
    """Allow the test split to change again."""
    project.lock_test_split(False)


def find_split_leaks(
    project: Project,
    min_similarity: float = DUPLICATE_SIMILARITY,
    progress: Progress | None = None,
    flag: bool = True,
    cancel: CancelToken | None = None,
) -> list[SplitLeak]:
    """Near-duplicate pairs in different splits; with ``flag``, mark exactly those samples."""
    samples = [s for s in project.samples() if s.split is not None]
    by_id = {s.id: s for s in samples}
    pairs = _duplicates(project, samples, min_similarity, progress or no_progress, cancel)
    leaks = [SplitLeak(by_id[a], by_id[b], sim) for a, b, sim in pairs if by_id[a].split != by_id[b].split]
    if flag:
        leaking = {s.id for leak in leaks for s in (leak.a, leak.b)}
        for s in project.samples():
            has = FLAG_SPLIT_LEAK in s.flags
            if has and s.id not in leaking:
                project.set_flags(s.id, remove=[FLAG_SPLIT_LEAK])
            elif not has and s.id in leaking:
                project.set_flags(s.id, add=[FLAG_SPLIT_LEAK])
    return leaks
