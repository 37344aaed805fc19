"""A val subset stands for the whole val split when outline levels are chosen (train_supervised)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from workbench.core.operating_point import ScoredImage
from workbench.learn.train_supervised import _weigh_by_label


def test_scored_images_stand_for_the_val_images_of_their_label() -> None:
    # 12 good and 4 NG val images; the plan scored every NG image but only 3 good ones
    validation = SimpleNamespace(items=[SimpleNamespace(label="ok")] * 12 + [SimpleNamespace(label="ng")] * 4)
    blank = [np.zeros((1, 4, 4), np.float32)]
    records = [ScoredImage("ok", frozenset(), blank) for _ in range(3)]
    records += [ScoredImage("ng", frozenset({0}), blank) for _ in range(4)]
    _weigh_by_label(records, validation)  # type: ignore[arg-type]
    assert [r.weight for r in records] == [4.0] * 3 + [1.0] * 4


def test_good_images_seen_through_windows_count_their_false_alarms_for_the_whole_image() -> None:
    from workbench.learn.data_sampling import TrainItem
    from workbench.learn.validation import ValidationTally

    tally = ValidationTally(keep=True)
    good = TrainItem(1, np.zeros((200, 100, 1), np.uint8), np.zeros((200, 100), np.uint8), "ok")
    ng_target = np.zeros((200, 100), np.uint8)
    ng_target[10:20, 10:20] = 1
    ng = TrainItem(2, np.zeros((200, 100, 1), np.uint8), ng_target, "ng", {0: np.array([[15, 15]])})
    window = [np.zeros((1, 50, 100), np.float32)]
    tally.add_windows(window, [np.zeros((50, 100), np.uint8)], good)  # a quarter of the image
    tally.add_windows(window, [ng_target[:50]], ng)  # centred on its defect: says nothing of the rest
    tally.add_windows([np.zeros((1, 200, 100), np.float32)], [np.zeros((200, 100), np.uint8)], good)
    assert [r.area_weight for r in tally.records] == [4.0, 1.0, 1.0]
    assert [r.unseen_px for r in tally.records] == [0, 15000, 0]  # the NG image's rest
