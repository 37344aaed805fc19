"""Where training crops come from: around defects, anywhere on OK areas, and where the model errs.

Crops are cut at full resolution (never resized); an image smaller than the crop is padded by
reflection. Defect crops pick a class first (uniformly over the classes present) so rare defect
classes are seen as often as common ones. Hard-example mining keeps the places whose crops had
the highest loss (false alarms on OK areas, missed defects), and the places where a scan of whole
training images found them (``learn.mining``), and draws there more often.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_POINTS_PER_CLASS = 4000  # defect pixel coordinates kept per item and class (subsampled)
HARD_POOL_SIZE = 256


@dataclass
class TrainItem:
    """One training image held in memory as stored (uint8/uint16/float) with its class-index map."""

    sample_id: int
    image: np.ndarray  # H x W x C
    target: np.ndarray  # H x W uint8: 0 background, i + 1 = model channel i
    label: str
    points: dict[int, np.ndarray] = field(default_factory=dict)  # channel index -> (P, 2) y, x
    weight: float = 1.0  # how often its crops are drawn against a clear image's (doubtful parts: less)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.image.shape[0]), int(self.image.shape[1])


MIN_FIT_CROP = 64
MAX_BATCH_GROWTH = 4  # a fitted crop's batch grows at most this many times (memory, BatchNorm)


def fit_crop(crop: int, batch: int, sizes: list[tuple[int, int]], share: float = 0.9) -> tuple[int, int]:
    """``(crop, batch)`` for images smaller than the configured crop.

    A crop larger than the image is mostly reflection padding: time spent on mirrored copies of
    the part (a crack mirrored at the border is a second crack that is not there). The crop is cut
    to the largest multiple of 32 that fits ``share`` of the images' shorter sides, and the batch
    grows so a step still sees about as many pixels. Larger images keep the configured crop.
    """
    if not sizes:
        return crop, batch
    shorter = np.sort([min(h, w) for h, w in sizes])
    side = int(shorter[int((1.0 - share) * (len(shorter) - 1))])
    fitted = max(MIN_FIT_CROP, side // 32 * 32)
    if fitted >= crop:
        return crop, batch
    grown = round(batch * (crop / fitted) ** 2)
    return fitted, max(batch, min(grown, batch * MAX_BATCH_GROWTH))


def fit_input(crop: int, batch: int, sizes: list[tuple[int, int]], share: float = 0.9) -> tuple[int, int]:
    """``(input size, batch)`` of a classifier for images about the size of its configured input.

    An image-level label belongs to the whole part: a crop that cuts off the defect of an NG
    part still says NG (label noise), and a part a little larger than the input is predicted as
    four overlapping tiles (four times the work). When ``share`` of the images fit in up to 1.5x
    the configured input, the input becomes their longer side rounded up to a multiple of 32 and
    the batch changes so a step sees about as many pixels (at least 4 images).
    """
    if not sizes:
        return crop, batch
    longer = np.sort([max(h, w) for h, w in sizes])
    side = int(longer[int(np.ceil(share * (len(longer) - 1)))])
    fitted = max(MIN_FIT_CROP, -(-side // 32) * 32)
    if fitted == crop or fitted > 1.5 * crop:
        return crop, batch
    scaled = round(batch * (crop / fitted) ** 2)
    return fitted, max(4, min(scaled, batch * MAX_BATCH_GROWTH))


def defect_points(target: np.ndarray, rng: np.random.Generator) -> dict[int, np.ndarray]:
    """Coordinates of defect pixels per class index (at most MAX_POINTS_PER_CLASS each)."""
    out: dict[int, np.ndarray] = {}
    for value in np.unique(target):
        if value == 0:
            continue
        ys, xs = np.nonzero(target == value)
        pts = np.stack([ys, xs], axis=1).astype(np.int32)
        if len(pts) > MAX_POINTS_PER_CLASS:
            pts = pts[np.sort(rng.choice(len(pts), MAX_POINTS_PER_CLASS, replace=False))]
        out[int(value) - 1] = pts
    return out


def cut(array: np.ndarray, y0: int, x0: int, size: int) -> np.ndarray:
    """A ``size x size`` window at (y0, x0), reflect-padded where it leaves the array."""
    h, w = array.shape[:2]
    win = array[max(y0, 0) : y0 + size, max(x0, 0) : x0 + size]
    pad_y = (max(-y0, 0), size - win.shape[0] - max(-y0, 0))
    pad_x = (max(-x0, 0), size - win.shape[1] - max(-x0, 0))
    if pad_y == (0, 0) and pad_x == (0, 0):
        return win
    pads = [pad_y, pad_x] + [(0, 0)] * (array.ndim - 2)
    if min(h, w) > 1:
        return np.pad(win, pads, mode="reflect")
    return np.pad(win, pads, mode="edge")  # a 1-pixel axis cannot reflect


def _origin(center: int, extent: int, size: int, rng: np.random.Generator) -> int:
    """Top-left coordinate of a crop holding ``center`` away from its border, inside the image."""
    if extent <= size:
        return (extent - size) // 2  # negative: the crop is padded on both sides
    margin = size // 8
    start = center - int(rng.integers(margin, size - margin))
    return int(np.clip(start, 0, extent - size))


class CropSampler:
    """Chooses crop windows ``(item index, y0, x0)``; deterministic given the generator.

    ``ng_fraction`` and ``hard_fraction`` have no defaults here: the run's ``TrainConfig`` holds them.
    """

    def __init__(self, items: list[TrainItem], size: int, ng_fraction: float, hard_fraction: float) -> None:
        if not items:
            raise ValueError("no training images to sample crops from")
        self.items = items
        self.size = size
        self.ng_fraction = ng_fraction
        self.hard_fraction = hard_fraction
        self.by_class: dict[int, list[int]] = {}
        for idx, item in enumerate(items):
            for cls in item.points:
                self.by_class.setdefault(cls, []).append(idx)
        areas = np.array([it.shape[0] * it.shape[1] for it in items], np.float64)
        # Large images hold more places to look at, but not so many that small ones vanish.
        weights = np.sqrt(areas) * np.array([it.weight for it in items], np.float64)
        self.item_weights = weights / weights.sum()
        self.hard: dict[tuple[int, int, int], float] = {}

    def draw(self, rng: np.random.Generator) -> tuple[int, int, int]:
        """One crop window."""
        r = rng.random()
        if self.by_class and r < self.ng_fraction:
            return self._defect_crop(rng)
        if self.hard and r < self.ng_fraction + (1 - self.ng_fraction) * self.hard_fraction:
            return self._hard_crop(rng)
        idx = int(rng.choice(len(self.items), p=self.item_weights))
        h, w = self.items[idx].shape
        y0 = int(rng.integers(0, h - self.size + 1)) if h > self.size else (h - self.size) // 2
        x0 = int(rng.integers(0, w - self.size + 1)) if w > self.size else (w - self.size) // 2
        return idx, y0, x0

    def _defect_crop(self, rng: np.random.Generator) -> tuple[int, int, int]:
        classes = sorted(self.by_class)
        cls = classes[int(rng.integers(len(classes)))]
        members = self.by_class[cls]
        weights = np.array([self.items[i].weight for i in members], np.float64)
        if (weights == 1.0).all():
            idx = members[int(rng.integers(len(members)))]
        else:
            idx = members[int(rng.choice(len(members), p=weights / weights.sum()))]
        pts = self.items[idx].points[cls]
        py, px = (int(v) for v in pts[int(rng.integers(len(pts)))])
        h, w = self.items[idx].shape
        return idx, _origin(py, h, self.size, rng), _origin(px, w, self.size, rng)

    def _hard_crop(self, rng: np.random.Generator) -> tuple[int, int, int]:
        keys = sorted(self.hard)
        weights = np.array([self.hard[k] for k in keys], np.float64)
        idx, y0, x0 = keys[int(rng.choice(len(keys), p=weights / weights.sum()))]
        h, w = self.items[idx].shape
        jitter = self.size // 8
        if h > self.size:
            y0 = int(np.clip(y0 + rng.integers(-jitter, jitter + 1), 0, h - self.size))
        if w > self.size:
            x0 = int(np.clip(x0 + rng.integers(-jitter, jitter + 1), 0, w - self.size))
        return idx, y0, x0

    def record_losses(self, windows: np.ndarray, losses: np.ndarray) -> None:
        """Remember per-crop losses; the worst windows become the hard-example pool."""
        for (idx, y0, x0), loss in zip(windows.tolist(), losses.tolist()):
            key = (int(idx), int(y0), int(x0))
            # a doubtful image's loss is no sure mistake: it ranks by its weight
            self.hard[key] = max(float(loss) * self.items[int(idx)].weight, 1e-6)
        self._trim()

    def add_hard_window(self, idx: int, cy: int, cx: int) -> None:
        """Put the window centred on ``(cy, cx)`` of item ``idx`` in the pool, ranked with the worst.

        For places found wrong by scanning whole images; once drawn, its crop loss replaces the rank.
        """
        h, w = self.items[idx].shape
        y0 = int(np.clip(cy - self.size // 2, 0, h - self.size)) if h > self.size else (h - self.size) // 2
        x0 = int(np.clip(cx - self.size // 2, 0, w - self.size)) if w > self.size else (w - self.size) // 2
        self.hard[(idx, y0, x0)] = max([1.0, *self.hard.values()])
        self._trim()

    def _trim(self) -> None:
        if len(self.hard) > HARD_POOL_SIZE:
            keep = sorted(self.hard.items(), key=lambda kv: (-kv[1], kv[0]))[:HARD_POOL_SIZE]
            self.hard = dict(keep)

    def age(self, factor: float = 0.7) -> None:
        """Fade old losses each epoch so the pool follows what the current model gets wrong."""
        self.hard = {k: v * factor for k, v in self.hard.items()}

    def state(self) -> list[list[float]]:
        """The hard-example pool as JSON-friendly rows (for checkpoints)."""
        return [[*k, v] for k, v in sorted(self.hard.items())]

    def load_state(self, rows: list[list[float]]) -> None:
        self.hard = {(int(r[0]), int(r[1]), int(r[2])): float(r[3]) for r in rows}
