"""Scanning training images with the current model for the places where it is wrong.

Crop losses only rank crops that happened to be drawn, and a few-pixel false alarm barely moves a
crop's loss. Alongside each validation, a scan predicts parts of the training images (squares of
at most 512 pixels, in turn, each as evaluation predicts an image of that size) and hands the
hard-example pool a window around every false alarm (a predicted region touching no labelled
defect) and every missed labelled region, so those places are drawn more often from then on. False
alarms on good parts are what makes overkill on the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from workbench.core.cancel import CancelToken
from workbench.core.class_pixels import defect_pixels
from workbench.core.decisions import DEFAULT_THRESHOLD
from workbench.core.tiling import tile_grid
from workbench.learn import log_lines
from workbench.learn.data_sampling import CropSampler, TrainItem
from workbench.learn.infer import LoadedRun

MAX_REGIONS_PER_IMAGE = 4
TOUCH_PX = 2  # a predicted region this close to a labelled pixel is that defect, not a false alarm


@dataclass(frozen=True)
class Mistake:
    """Centre of a wrong region and how wrong it is (peak score of a false alarm, 1 - peak of a miss)."""

    y: int
    x: int
    badness: float
    kind: str  # "false_alarm" or "miss"


def _regions(mask: np.ndarray) -> list[tuple[slice, slice, np.ndarray, tuple[float, float]]]:
    n, labels, stats, centres = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        box = (slice(y, y + h), slice(x, x + w))
        out.append((box[0], box[1], labels[box] == i, (float(centres[i][1]), float(centres[i][0]))))
    return out


def find_mistakes(probs: np.ndarray, target: np.ndarray) -> list[Mistake]:
    """False alarms and misses of one ``(K,H,W)`` map against its ``H x W`` target, worst first."""
    score = probs.max(axis=0)
    pred = defect_pixels(probs, [DEFAULT_THRESHOLD] * probs.shape[0])
    truth = target > 0
    near = cv2.dilate(truth.astype(np.uint8), np.ones((2 * TOUCH_PX + 1,) * 2, np.uint8)) > 0
    found: list[Mistake] = []
    for rows, cols, member, (cy, cx) in _regions(pred):
        if not near[rows, cols][member].any():
            found.append(Mistake(round(cy), round(cx), float(score[rows, cols][member].max()), "false_alarm"))
    for rows, cols, member, (cy, cx) in _regions(truth):
        if not pred[rows, cols][member].any():
            found.append(Mistake(round(cy), round(cx), 1.0 - float(score[rows, cols][member].max()), "miss"))
    found.sort(key=lambda m: -m.badness)
    return found[:MAX_REGIONS_PER_IMAGE]


@dataclass
class ScanReport:
    images: int = 0
    false_alarms: int = 0
    misses: int = 0

    def __str__(self) -> str:
        return str(self.line())

    def line(self) -> str:
        """The report as a log line (``log_lines.SCAN``)."""
        return log_lines.SCAN(images=self.images, false_alarms=self.false_alarms, misses=self.misses)


class TrainingScanner:
    """Predicts training images in turn, a part at a time, up to a pixel budget per call.

    Images are visited as parts of at most ``part`` x ``part`` pixels (a small image is one part),
    so one turn's cost stays within its budget even on 5 MP images.
    """

    def __init__(
        self, items: list[TrainItem], sampler: CropSampler, pixel_budget: int, part: int = 512
    ) -> None:
        self.items = items
        self.sampler = sampler
        self.pixel_budget = max(1, pixel_budget)
        # a doubtful image's "mistakes" are no sure ones: it is not scanned
        self.parts = [
            (i, t)
            for i, it in enumerate(items)
            if it.label != "doubtful"
            for t in tile_grid(*it.shape, part, 0)
        ]
        self.next = 0

    def scan(self, predictor: LoadedRun, cancel: CancelToken) -> ScanReport:
        """One turn: the next parts (at least one) until the budget is spent."""
        report = ScanReport()
        pixels = 0
        seen: set[int] = set()
        done = 0
        while done < len(self.parts) and (done == 0 or pixels < self.pixel_budget):
            cancel.raise_if_cancelled()
            idx, t = self.parts[self.next]
            self.next = (self.next + 1) % len(self.parts)
            item = self.items[idx]
            window = (slice(t.y, t.y + t.h), slice(t.x, t.x + t.w))
            for m in find_mistakes(predictor.scores(item.image[window]), item.target[window]):
                self.sampler.add_hard_window(idx, t.y + m.y, t.x + m.x)
                report.false_alarms += m.kind == "false_alarm"
                report.misses += m.kind == "miss"
            pixels += t.h * t.w
            done += 1
            seen.add(idx)
        report.images = len(seen)
        return report

    def state(self) -> int:
        return self.next

    def load_state(self, position: int) -> None:
        self.next = int(position) % max(1, len(self.parts))
