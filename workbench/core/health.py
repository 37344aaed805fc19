"""Image health checks: exposure, blur, size outliers, near-duplicates, NG without mask.

A check sets a flag on the sample (constants in :mod:`workbench.core.types`); it never rejects
one. Per-image measurements are cached in ``cache/health.json`` by file hash, so a rescan after
an import only reads the new images; the project-wide rules (blur relative to the project,
sizes far outside the project's own spread, near-duplicates) are re-applied to every sample on
each scan. A flag is meant to be acted on, so each rule asks how a sample differs from the rest of
its project: naturally varying sizes or different parts of one uniform surface flag nothing.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np

from workbench.core.atomic import atomic_write_json
from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.errors import ImageReadError
from workbench.core.imageio import to_gray8
from workbench.core.phash import Fingerprint, fingerprint, near_pairs, phash, similar_pairs
from workbench.core.project import Project
from workbench.core.types import (
    FLAG_BLURRED,
    FLAG_DUPLICATE,
    FLAG_NG_WITHOUT_MASK,
    FLAG_OVEREXPOSED,
    FLAG_SIZE_OUTLIER,
    FLAG_UNDEREXPOSED,
    Sample,
)

HEALTH_FLAGS = (
    FLAG_OVEREXPOSED,
    FLAG_UNDEREXPOSED,
    FLAG_BLURRED,
    FLAG_SIZE_OUTLIER,
    FLAG_DUPLICATE,
    FLAG_NG_WITHOUT_MASK,
)
WORK_SIDE = 1024  # measurements run on a downscale with this longest side (5 MP images exist)
CLIP_LEVEL = 0.98  # a pixel at or above this share of full scale counts as clipped
DARK_LEVEL = 0.03  # ... at or below this share counts as black
OVER_SHARE = 0.30  # overexposed: this share of pixels clipped, or the mean above OVER_MEAN
OVER_MEAN = 0.92
UNDER_SHARE = 0.60  # underexposed: this share of pixels black, or the mean below UNDER_MEAN
UNDER_MEAN = 0.06
# Blurred needs both: far below the project's own median (smooth parts are not blurry because
# every image of them is smooth) and below an absolute variance-of-Laplacian bound. The relative
# test divides by the image's own contrast (grey variance): a dim, low-contrast part has weaker
# edges without being out of focus, and a smooth product in a project that also holds busy ones
# is as sharp as its own contrast allows.
BLUR_RELATIVE = 0.25
BLUR_ABSOLUTE = 100.0
BLUR_CONTRAST_FLOOR = 1.0  # grey levels squared: a flat frame is not infinitely sharp
DUPLICATE_DISTANCE = 4  # perceptual-hash bits, for callers that have hashes only
# Near-duplicates are confirmed on fingerprints (see phash): correlations of the detail left once
# the lighting is removed. Other parts of one uniform or streaked surface scored below 0.3 in sets
# of 1,300, and JPEG re-saves, 1-2 px shifts and brightness changes of 80-500 px images above 0.5.
DUPLICATE_SIMILARITY = 0.5
# A sample that still resembles more than this many others (phash.LOOKALIKE_SIMILARITY) once the
# patterns the whole set shares are removed belongs to a family of look-alike parts, not copies.
DUPLICATE_LOOKALIKES_MAX = 3
DUPLICATE_GROUP_MAX = 8  # hash-only: a larger cluster of look-alikes is the product's look
# Sizes: the bulk is the 10th-90th percentile of widths (and of heights), in log scale; a side is
# far when it lies beyond the bulk by the bulk's own spread, and at least by a factor SIZE_FAR.
SIZE_BULK = (10.0, 90.0)
SIZE_FAR = 2.0
SIZE_SHARED_MIN = 3  # a size this many samples (and SIZE_SHARED_SHARE of them) share is a setting
SIZE_SHARED_SHARE = 0.02
CACHE_FILE = "health.json"
CACHE_VERSION = 3  # 2: fingerprints for the near-duplicate pixel check; 3: contrast
_UINT16_SCALES = (255.0, 1023.0, 4095.0, 16383.0, 65535.0)  # 8/10/12/14/16-bit data in uint16


@dataclass(frozen=True)
class ImageStats:
    """Raw measurements of one image file, independent of any project-wide rule."""

    width: int
    height: int
    dtype: str
    raw_max: float  # 99.9th percentile of the brightest plane
    # full-scale value -> (mean, clipped share, black share); several for uint16 because
    # 10/12/14-bit cameras store into 16 bits and the project decides which one applies.
    exposure: dict[str, tuple[float, float, float]]
    sharpness: float
    phash: int
    fingerprint: str  # phash.Fingerprint.encode(): thumbnail and profiles for the pixel check
    contrast: float  # variance of the 8-bit grey downscale that ``sharpness`` is measured on

    @property
    def relative_sharpness(self) -> float:
        """Sharpness for the contrast the image has: comparable across dim and bright parts."""
        return relative_sharpness(self.sharpness, self.contrast)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImageStats:
        exposure = {str(k): (float(v[0]), float(v[1]), float(v[2])) for k, v in data["exposure"].items()}
        print_text = str(data["fingerprint"])
        Fingerprint.decode(print_text)  # a damaged entry raises here, so it is measured again
        return cls(int(data["width"]), int(data["height"]), str(data["dtype"]), float(data["raw_max"]),
                   exposure, float(data["sharpness"]), int(data["phash"]), print_text,
                   float(data["contrast"]))  # fmt: skip


@dataclass(frozen=True)
class ImageHealth:
    """Exposure and sharpness of one image, and the flags that follow from them."""

    width: int
    height: int
    full_scale: float
    mean: float  # share of full scale
    clipped_share: float
    black_share: float
    sharpness: float  # variance of the Laplacian of the grey downscale
    relative_sharpness: float  # sharpness / grey variance: what the blur rule compares
    phash: int
    flags: tuple[str, ...] = field(default=())


def _candidate_scales(img: np.ndarray) -> tuple[float, ...]:
    if img.dtype == np.uint8:
        return (255.0,)
    if img.dtype == np.uint16:
        return _UINT16_SCALES
    return (1.0, 255.0, 65535.0)


def natural_scale(dtype: str, raw_max: float) -> float:
    """The smallest usual full-scale value of ``dtype`` that holds ``raw_max``."""
    scales = {"uint8": (255.0,), "uint16": _UINT16_SCALES}.get(dtype, (1.0, 255.0, 65535.0))
    return next((s for s in scales if raw_max <= s), scales[-1])


def _downscale(img: np.ndarray) -> np.ndarray:
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    h, w = img.shape[:2]
    factor = WORK_SIDE / max(h, w)
    if factor >= 1.0:
        return img
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def measure_image(img: np.ndarray) -> ImageStats:
    """Raw exposure, sharpness and fingerprints of an array (any dtype, grey or multi-channel)."""
    small = _downscale(img)
    planes = small.astype(np.float32)
    if planes.ndim == 3 and planes.shape[2] == 4:
        planes = planes[..., :3]  # alpha says nothing about exposure
    # Clipping in any plane is clipping; darkness is judged on the mean of the planes.
    brightest = planes if planes.ndim == 2 else planes.max(axis=2)
    average = planes if planes.ndim == 2 else planes.mean(axis=2)
    mean_raw = float(average.mean())
    exposure = {}
    for scale in _candidate_scales(img):
        clipped = float(np.count_nonzero(brightest >= CLIP_LEVEL * scale)) / brightest.size
        black = float(np.count_nonzero(average <= DARK_LEVEL * scale)) / average.size
        exposure[f"{scale:g}"] = (mean_raw / scale, clipped, black)
    gray = to_gray8(small)
    sharpness = float(cv2.Laplacian(gray, cv2.CV_32F).var())
    # A robust maximum: one hot pixel must not make a 12-bit project look like a 16-bit one.
    robust_max = float(np.percentile(brightest, 99.9))
    return ImageStats(int(img.shape[1]), int(img.shape[0]), str(img.dtype), robust_max,
                      exposure, sharpness, phash(gray), fingerprint(gray).encode(),
                      float(gray.var()))  # fmt: skip


def judge_image(
    stats: ImageStats, full_scale: float | None = None, median_sharpness: float | None = None
) -> ImageHealth:
    """Apply the per-image rules to measurements; blur needs the project's median relative sharpness."""
    scale = full_scale if full_scale is not None else natural_scale(stats.dtype, stats.raw_max)
    key = f"{scale:g}"
    if key not in stats.exposure:
        key = f"{natural_scale(stats.dtype, stats.raw_max):g}"
        scale = float(key)
    mean, clipped, black = stats.exposure[key]
    flags = []
    if clipped >= OVER_SHARE or mean >= OVER_MEAN:
        flags.append(FLAG_OVEREXPOSED)
    if black >= UNDER_SHARE or mean <= UNDER_MEAN:
        flags.append(FLAG_UNDEREXPOSED)
    if median_sharpness is not None and is_blurred(stats, median_sharpness):
        flags.append(FLAG_BLURRED)
    return ImageHealth(stats.width, stats.height, scale, mean, clipped, black, stats.sharpness,
                       stats.relative_sharpness, stats.phash, tuple(flags))  # fmt: skip


def relative_sharpness(sharpness: float, contrast: float) -> float:
    """Variance of the Laplacian per unit of grey variance."""
    return sharpness / (contrast + BLUR_CONTRAST_FLOOR)


def is_blurred(stats: ImageStats, median_relative: float) -> bool:
    """The blur rule: relative sharpness far below the project's median, and below the absolute bound."""
    return stats.relative_sharpness < BLUR_RELATIVE * median_relative and stats.sharpness < BLUR_ABSOLUTE


def check_image(
    img: np.ndarray, full_scale: float | None = None, median_sharpness: float | None = None
) -> ImageHealth:
    """Measure one image and flag exposure (and blur, given the project's median relative sharpness)."""
    return judge_image(measure_image(img), full_scale, median_sharpness)


# ---------------------------------------------------------------------- per-sample measurements
def _load_cache(project: Project) -> dict[str, dict[str, Any]]:
    path = project.root / "cache" / CACHE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # the cache is disposable: missing or damaged means recompute
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _save_cache(project: Project, files: dict[str, dict[str, Any]]) -> None:
    atomic_write_json(project.root / "cache" / CACHE_FILE, {"version": CACHE_VERSION, "files": files})


def _channel_stats(
    project: Project, s: Sample, idx: int, cache: dict[str, dict[str, Any]]
) -> tuple[ImageStats, bool]:
    """Stats of one channel image from the cache, or measured; second item: newly measured."""
    key = s.channel_files[idx].sha256
    entry = cache.get(key)
    if entry is not None:
        # A damaged or hand-edited entry is measured again.
        with contextlib.suppress(KeyError, TypeError, ValueError, IndexError):
            return ImageStats.from_json(entry), False
    stats = measure_image(project.read_image(s, idx))
    cache[key] = stats.to_json()
    return stats, True


def sample_stats(
    project: Project,
    samples: Iterable[Sample],
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    errors: dict[int, str] | None = None,
) -> dict[int, list[ImageStats]]:
    """Measurements of every channel image of ``samples`` (cached by file hash).

    Samples whose images cannot be read are left out and described in ``errors``.
    """
    progress = progress or no_progress
    todo = list(samples)
    cache = _load_cache(project)
    dirty = 0
    out: dict[int, list[ImageStats]] = {}
    for n, s in enumerate(todo):
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            measured = [_channel_stats(project, s, i, cache) for i in range(len(s.channel_files))]
        except ImageReadError as exc:
            if errors is not None:
                errors[s.id] = str(exc)
            continue
        out[s.id] = [st for st, _ in measured]
        dirty += sum(new for _, new in measured)
        # Keep the work done so far if the scan is killed or cancelled; the file is rewritten
        # whole, so saves grow apart as it grows (a few KB per image, 10,000 images and more).
        if dirty >= max(200, len(cache) // 4):
            _save_cache(project, cache)
            dirty = 0
        progress((n + 1) / max(len(todo), 1), f"measured {s.name}")
    if dirty:
        _save_cache(project, cache)
    return out


def cached_stats(project: Project, samples: Iterable[Sample]) -> dict[int, list[ImageStats]]:
    """Measurements already in the cache (no image is read)."""
    cache = _load_cache(project)
    out = {}
    for s in samples:
        entries = [cache.get(ch.sha256) for ch in s.channel_files]
        if entries and all(e is not None for e in entries):
            try:
                out[s.id] = [ImageStats.from_json(e) for e in entries if e is not None]
            except (KeyError, TypeError, ValueError, IndexError):
                continue
    return out


# ---------------------------------------------------------------------- project-wide rules
def size_outliers(sizes: dict[int, tuple[int, int]]) -> set[int]:
    """Ids whose width or height lies far outside the bulk of the project's sizes.

    The bulk and its spread come from the project itself, so a set whose sizes vary naturally
    (crops, parts of different length) has no outlier, while one 20x20 image among 500x500 ones
    is; a size that several samples share is a camera setting, not an outlier.
    """
    if len(sizes) < 3:
        return set()
    ids = list(sizes)
    logs = np.log(np.maximum(np.array([sizes[i] for i in ids], np.float64), 1.0))
    low, high = np.percentile(logs, SIZE_BULK, axis=0)
    margin = np.maximum(high - low, np.log(SIZE_FAR))
    far = np.any((logs < low - margin) | (logs > high + margin), axis=1)
    shared = Counter(sizes.values())
    setting = max(SIZE_SHARED_MIN, SIZE_SHARED_SHARE * len(sizes))
    return {sid for sid, is_far in zip(ids, far.tolist()) if is_far and shared[sizes[sid]] < setting}


class Groups:
    """Union-find over sample ids (clusters of near-duplicates)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def duplicate_pairs(
    stats: dict[int, list[ImageStats]], min_similarity: float = DUPLICATE_SIMILARITY
) -> list[tuple[int, int, float]]:
    """Pairs ``(id_a, id_b, similarity)`` of near-duplicate samples, confirmed on their pixels.

    A re-saved, slightly shifted or brightness-scaled copy is one; another part of the same
    uniform surface is not, and neither is a sample with more than ``DUPLICATE_LOOKALIKES_MAX``
    look-alikes (parts of one family that look alike down to the fingerprint).
    """
    ids = sorted(sid for sid, chans in stats.items() if chans)
    prints = [Fingerprint.decode(stats[sid][0].fingerprint) for sid in ids]
    found = similar_pairs(prints, min_similarity, DUPLICATE_LOOKALIKES_MAX)
    return [(ids[i], ids[j], sim) for i, j, sim in found]


def near_duplicates(
    hashes: dict[int, int], max_distance: int = DUPLICATE_DISTANCE
) -> list[tuple[int, int, int]]:
    """Pairs ``(id_a, id_b, distance)`` of samples whose perceptual hashes are within ``max_distance``.

    The hash alone cannot tell a copy from another part of a uniform surface; where the
    measurements are at hand, :func:`duplicate_pairs` can.

    Pairs inside a cluster of more than ``DUPLICATE_GROUP_MAX`` samples are left out: such a
    cluster is the normal look of the product (identical parts under identical light), which a
    64-bit hash cannot tell apart, not a part photographed twice.
    """
    ids = sorted(hashes)
    pairs = [(ids[i], ids[j], d) for i, j, d in near_pairs([hashes[i] for i in ids], max_distance)]
    groups = Groups()
    for a, b, _ in pairs:
        groups.union(a, b)
    members: dict[int, set[int]] = {}
    for a, b, _ in pairs:
        members.setdefault(groups.find(a), set()).update((a, b))
    return [(a, b, d) for a, b, d in pairs if len(members[groups.find(a)]) <= DUPLICATE_GROUP_MAX]


def project_full_scales(stats: dict[int, list[ImageStats]]) -> dict[str, float]:
    """Full-scale value per dtype: the bit depth the brightest image of that dtype needs."""
    scales: dict[str, float] = {}
    for chans in stats.values():
        for st in chans:
            scales[st.dtype] = max(scales.get(st.dtype, 0.0), natural_scale(st.dtype, st.raw_max))
    return scales


def _sample_flags(chans: list[ImageStats], scales: dict[str, float], median_sharpness: float) -> set[str]:
    flags: set[str] = set()
    for st in chans:
        flags.update(judge_image(st, scales.get(st.dtype), None).flags)
    # Channels of one sample share the focus; a sample is blurred only if its sharpest plane is.
    if is_blurred(max(chans, key=lambda st: st.relative_sharpness), median_sharpness):
        flags.add(FLAG_BLURRED)
    return flags


def scan_project(
    project: Project,
    sample_ids: list[int] | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, int]:
    """Measure samples (all, or ``sample_ids``), re-apply every health rule, update the flags.

    Returns the number of samples carrying each health flag afterwards, plus ``scanned`` and
    ``unreadable`` counts.
    """
    progress = progress or no_progress
    everyone = project.samples()
    wanted = set(sample_ids) if sample_ids is not None else None
    # Samples outside ``sample_ids`` come from the cache; those it lacks (a deleted or older cache)
    # are measured too, since the project-wide rules compare every sample with the others.
    stats = cached_stats(project, [s for s in everyone if wanted is not None and s.id not in wanted])
    to_scan = [s for s in everyone if s.id not in stats]
    errors: dict[int, str] = {}
    scanned = sample_stats(project, to_scan, lambda f, m: progress(0.95 * f, m), cancel, errors)
    stats.update(scanned)
    scales = project_full_scales(stats)
    sharp = [max(st.relative_sharpness for st in chans) for chans in stats.values()]
    median_sharpness = float(np.median(sharp)) if sharp else 0.0
    outliers = size_outliers({s.id: (s.width, s.height) for s in everyone})
    dups = {i for a, b, _ in duplicate_pairs(stats) for i in (a, b)}
    groups: dict[tuple[str, ...], list[int]] = {}
    masks_expected = project.masks_expected
    for s in everyone:
        old = set(s.flags)
        new = old - set(HEALTH_FLAGS) if s.id in stats else old - {FLAG_SIZE_OUTLIER, FLAG_NG_WITHOUT_MASK}
        if s.id in stats:
            new |= _sample_flags(stats[s.id], scales, median_sharpness)
            new |= {FLAG_DUPLICATE} if s.id in dups else set()
        new |= {FLAG_SIZE_OUTLIER} if s.id in outliers else set()
        new |= {FLAG_NG_WITHOUT_MASK} if masks_expected and s.label == "ng" and not s.has_mask else set()
        if new != old:
            ordered = tuple([f for f in s.flags if f in new] + sorted(new - old))
            groups.setdefault(ordered, []).append(s.id)
    for flags, ids in groups.items():
        project.update_samples(ids, flags=list(flags))
    progress(1.0, "health scan done")
    counts = Counter(f for s in project.samples() for f in s.flags if f in HEALTH_FLAGS)
    summary = {flag: counts.get(flag, 0) for flag in HEALTH_FLAGS}
    summary.update(scanned=len(scanned), unreadable=len(errors))
    return summary
