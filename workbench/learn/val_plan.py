"""What validation looks at: a bounded set of windows, not every whole image.

A validation pass must cost a small, known share of the time budget on any CPU, so the trainer
gives it a pixel budget measured at the start of the run (``TrainLoop``'s speed probe). Small
images are validated whole (predicted as evaluation predicts them: padded to the next multiple of
32, tiled where a side exceeds the tile); a large
image is represented by windows centred on each labelled defect region plus a few seeded windows
on its good area. Every val image keeps at least one window so the image AUROC sees all of them;
when even that does not fit, a seeded subset of images is used and the log says so: NG images
make up at least half of it while there are enough of them (the shipped threshold is placed on
the val NG scores, and its low tail is what matters), the rest good images.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from workbench.learn import log_lines
from workbench.learn.data_sampling import TrainItem

MAX_DEFECT_WINDOWS = 6  # per image: the largest labelled regions first
SMALL_FACTOR = 2.0  # an image of at most this many window areas is validated whole


@dataclass(frozen=True)
class Window:
    """A window of val image ``item`` (top-left ``y``, ``x``; size ``h`` x ``w``)."""

    item: int
    y: int
    x: int
    h: int
    w: int

    @property
    def pixels(self) -> int:
        return self.h * self.w


@dataclass
class ValPlan:
    """Windows per val image (index into the val items) and what was left out."""

    windows: list[Window]
    images: list[int]
    dropped_images: int = 0

    @property
    def pixels(self) -> int:
        return sum(w.pixels for w in self.windows)

    def describe(self, n_items: int) -> str:
        counts = {"windows": len(self.windows), "images": len(self.images), "mp": self.pixels / 1e6}
        if self.dropped_images:
            return log_lines.VAL_PLAN_DROPPED(**counts, dropped=self.dropped_images, total=n_items)
        return log_lines.VAL_PLAN(**counts)


def _clamp(start: int, size: int, extent: int) -> int:
    return int(np.clip(start, 0, max(extent - size, 0)))


def _defect_windows(idx: int, item: TrainItem, size: int) -> list[Window]:
    """One window per labelled region (largest first), skipping regions an earlier window covers."""
    h, w = item.shape
    n, _, stats, centres = cv2.connectedComponentsWithStats(
        (item.target > 0).astype(np.uint8), connectivity=8
    )
    order = sorted(range(1, n), key=lambda i: -int(stats[i, cv2.CC_STAT_AREA]))
    out: list[Window] = []
    wh, ww = min(size, h), min(size, w)
    for i in order:
        cy, cx = round(float(centres[i][1])), round(float(centres[i][0]))
        if any(win.y <= cy < win.y + win.h and win.x <= cx < win.x + win.w for win in out):
            continue
        out.append(Window(idx, _clamp(cy - wh // 2, wh, h), _clamp(cx - ww // 2, ww, w), wh, ww))
        if len(out) >= MAX_DEFECT_WINDOWS:
            break
    return out


def _good_window(
    idx: int, item: TrainItem, size: int, taken: list[Window], rng: np.random.Generator
) -> Window:
    """A seeded window that avoids the windows already taken when it can (eight tries)."""
    h, w = item.shape
    wh, ww = min(size, h), min(size, w)
    best = Window(idx, 0, 0, wh, ww)
    for _ in range(8):
        y, x = int(rng.integers(0, h - wh + 1)), int(rng.integers(0, w - ww + 1))
        best = Window(idx, y, x, wh, ww)
        if not any(abs(t.y - y) < wh and abs(t.x - x) < ww for t in taken):
            break
    return best


def plan_validation(items: list[TrainItem], size: int, pixel_budget: int, seed: int = 0) -> ValPlan:
    """Windows of at most ``size`` pixels a side covering ``items`` within ``pixel_budget`` pixels."""
    rng = np.random.default_rng([seed, 7])
    base: dict[int, list[Window]] = {}
    large: set[int] = set()
    for idx, item in enumerate(items):
        h, w = item.shape
        if h * w <= SMALL_FACTOR * size * size:
            base[idx] = [Window(idx, 0, 0, h, w)]
            continue
        large.add(idx)
        first = _defect_windows(idx, item, size)[:1] if item.label == "ng" and item.points else []
        base[idx] = first or [_good_window(idx, item, size, [], rng)]
    images = _fit_images(items, base, pixel_budget, rng)
    windows = [w for idx in images for w in base[idx]]
    spent = sum(w.pixels for w in windows)

    def add(extra: Window) -> bool:
        nonlocal spent
        if spent + extra.pixels > pixel_budget:
            return False
        windows.append(extra)
        spent += extra.pixels
        return True

    # then the other defect regions of large images, then their good areas, while the budget lasts
    for idx in (i for i in images if i in large and items[i].label == "ng"):
        for extra in _defect_windows(idx, items[idx], size)[1:]:
            if not add(extra):
                break
    for _ in range(4):
        for idx in (i for i in images if i in large):
            taken = [w for w in windows if w.item == idx]
            if not add(_good_window(idx, items[idx], size, taken, rng)):
                break
    windows.sort(key=lambda w: (w.item, w.y, w.x))
    return ValPlan(windows, images, len(items) - len(images))


def _fit_images(
    items: list[TrainItem], base: dict[int, list[Window]], budget: int, rng: np.random.Generator
) -> list[int]:
    """Every image when its first window(s) fit in twice the budget (a validation that sees every
    image is worth validating less often); else a seeded subset within the budget, at least half
    NG while NG images last (the threshold's zero-escape point and the AUROC both need NG)."""
    cost = {idx: sum(w.pixels for w in wins) for idx, wins in base.items()}
    if sum(cost.values()) <= 2 * budget:
        return sorted(base)
    ng = [i for i in base if items[i].label == "ng"]
    ok = [i for i in base if items[i].label != "ng"]
    rng.shuffle(ng)
    rng.shuffle(ok)
    chosen: list[int] = []
    spent = 0
    # alternate so both labels stay represented: NG in proportion to their count, but at least half
    share = max(len(ng) / max(len(ng) + len(ok), 1), 0.5)
    while ng or ok:
        take_ng = bool(ng) and (not ok or sum(items[i].label == "ng" for i in chosen) <= share * len(chosen))
        idx = (ng if take_ng else ok).pop()
        if spent + cost[idx] > budget and len(chosen) >= 2:
            continue
        chosen.append(idx)
        spent += cost[idx]
    return sorted(chosen)
