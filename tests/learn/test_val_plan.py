"""The bounded validation set: windows around defects and on good areas, within a pixel budget."""

from __future__ import annotations

import numpy as np

from workbench.learn.data_sampling import TrainItem, defect_points
from workbench.learn.val_plan import plan_validation


def _item(i: int, h: int, w: int, spots: list[tuple[int, int]] = ()) -> TrainItem:  # type: ignore[assignment]
    target = np.zeros((h, w), np.uint8)
    for y, x in spots:
        target[y : y + 8, x : x + 8] = 1
    label = "ng" if spots else "ok"
    return TrainItem(
        i, np.zeros((h, w, 1), np.uint8), target, label, defect_points(target, np.random.default_rng(0))
    )


def test_small_images_are_validated_whole_and_large_ones_by_windows() -> None:
    items = [
        _item(0, 300, 300),
        _item(1, 300, 300, [(50, 50)]),
        _item(2, 2000, 2400, [(100, 100), (1500, 2000)]),
    ]
    plan = plan_validation(items, 512, pixel_budget=10_000_000)
    by_item = {i: [w for w in plan.windows if w.item == i] for i in range(3)}
    assert [(w.h, w.w) for w in by_item[0]] == [(300, 300)]
    # every labelled region of the large image lies in some window, and windows are tiles
    for y, x in [(100, 100), (1500, 2000)]:
        assert any(w.y <= y < w.y + w.h and w.x <= x < w.x + w.w for w in by_item[2])
    assert all((w.h, w.w) == (512, 512) for w in by_item[2])
    assert len(by_item[2]) > 2  # good-area windows too, while the budget lasts
    assert plan.pixels <= 10_000_000 and plan.dropped_images == 0


def test_budget_is_respected_and_both_labels_stay() -> None:
    items = [_item(i, 400, 400, [(10, 10)] if i % 4 == 0 else []) for i in range(40)]
    plan = plan_validation(items, 512, pixel_budget=10 * 400 * 400)
    assert plan.pixels <= 10 * 400 * 400 and len(plan.images) == 10
    labels = [items[i].label for i in plan.images]
    # a quarter of the images are NG; the subset holds as many NG as good ones
    assert labels.count("ng") == labels.count("ok") == 5 and plan.dropped_images == 30
    assert "left out" in plan.describe(len(items))
    # seeded: the same plan twice
    assert plan_validation(items, 512, 10 * 400 * 400).windows == plan.windows
    # fewer NG than half the subset: every NG image is taken, good ones fill the rest
    few = [_item(i, 400, 400, [(10, 10)] if i < 2 else []) for i in range(40)]
    small = plan_validation(few, 512, pixel_budget=10 * 400 * 400)
    assert [few[i].label for i in small.images].count("ng") == 2 and len(small.images) == 10
