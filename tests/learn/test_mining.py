"""The training scan: false alarms and misses of whole training images become hard examples."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken
from workbench.learn.data_sampling import CropSampler, TrainItem
from workbench.learn.mining import TrainingScanner, find_mistakes


def test_find_mistakes_tells_false_alarms_from_found_and_missed_defects() -> None:
    target = np.zeros((100, 120), np.uint8)
    target[10:20, 10:20] = 1  # found: predicted region overlaps it
    target[70:80, 90:100] = 1  # missed
    probs = np.zeros((1, 100, 120), np.float32)
    probs[0, 12:18, 12:24] = 0.9  # the found defect (spills over its label: still not a false alarm)
    probs[0, 50:53, 40:43] = 0.8  # false alarm, 3x3 px
    probs[0, 72:75, 92:95] = 0.3  # below threshold on the missed defect
    mistakes = find_mistakes(probs, target)
    kinds = {(m.kind, m.y, m.x) for m in mistakes}
    assert kinds == {("false_alarm", 51, 41), ("miss", 74, 94)}
    assert [m.kind for m in mistakes] == ["false_alarm", "miss"]  # worst first: 0.8 vs 1 - 0.3
    assert find_mistakes(np.zeros((1, 100, 120), np.float32), np.zeros((100, 120), np.uint8)) == []


class FakePredictor:
    """Returns a fixed false alarm at (30, 200) on every image."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def scores(self, image: np.ndarray) -> Any:
        self.seen.append(image.shape[:2])
        probs = np.zeros((1, *image.shape[:2]), np.float32)
        probs[0, 29:32, 199:202] = 0.95
        return probs


def _item(i: int, h: int = 256, w: int = 512) -> TrainItem:
    return TrainItem(i, np.zeros((h, w, 1), np.uint8), np.zeros((h, w), np.uint8), "ok")


def test_scanner_feeds_the_hard_pool_in_turns_within_its_budget() -> None:
    items = [_item(i) for i in range(5)]
    sampler = CropSampler(items, 64, ng_fraction=0.0, hard_fraction=1.0)
    sampler.record_losses(np.array([[4, 0, 0]]), np.array([3.0]))
    scanner = TrainingScanner(items, sampler, pixel_budget=2 * 256 * 512)
    fake = FakePredictor()
    report = scanner.scan(fake, CancelToken())  # type: ignore[arg-type]
    assert report.images == 2 and report.false_alarms == 2 and report.misses == 0
    # windows centred on the false alarm, ranked with the worst crop seen so far
    assert sampler.hard[(0, 0, 168)] == 3.0 and sampler.hard[(1, 0, 168)] == 3.0
    assert scanner.scan(fake, CancelToken()).images == 2  # type: ignore[arg-type]
    assert scanner.state() == 4
    scanner.scan(fake, CancelToken())  # type: ignore[arg-type]
    assert scanner.state() == 1  # wraps around the training images
    assert len(fake.seen) == 6
    rng = np.random.default_rng(0)
    drawn = [sampler.draw(rng) for _ in range(200)]
    near = [d for d in drawn if d[1] <= 8 and abs(d[2] - 168) <= 8]  # hard crops jitter by 1/8 crop
    assert len(near) > 130  # 5 of the 6 pooled windows hold the false alarm
