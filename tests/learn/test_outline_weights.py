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


def test_a_window_sampled_good_image_weighs_its_false_alarms_by_its_area() -> None:
    # NG parts: half of each labelled 20x20 defect scores 0.7, half 0.45; one weak NG part keeps
    # the threshold low. Good parts hold a 60-pixel false alarm at 0.45 in the window seen of
    # them. Seen whole (area weight 1), the false alarms cost less than half of each defect: drawn
    # at the threshold. Each window a tenth of its image: the level above the false alarms.
    from workbench.core.decisions import ClassRule, DecisionConfig
    from workbench.core.operating_point import choose_decision

    def ng(weak: bool = False) -> ScoredImage:
        m, t = np.full((1, 64, 64), 0.01, np.float32), np.zeros((64, 64), np.uint8)
        t[10:30, 10:30] = 1
        m[0, 10:30, 10:30] = 0.2 if weak else 0.45
        m[0, 10:20, 10:30] = 0.2 if weak else 0.7
        return ScoredImage("ng", frozenset({0}), [m], [t])

    def ok(area: float) -> ScoredImage:
        m = np.full((1, 64, 64), 0.01, np.float32)
        m[0, 40:46, 40:50] = 0.45
        return ScoredImage("ok", frozenset(), [m], [np.zeros((64, 64), np.uint8)], area_weight=area)

    def config() -> DecisionConfig:
        return DecisionConfig(classes=[ClassRule(class_id=1, name="defect")])

    images = [ng(weak=True), *(ng() for _ in range(5))]
    whole, _ = choose_decision([*images, *(ok(1.0) for _ in range(6))], config(), smallest_px=None)
    assert whole.classes[0].outline_threshold is None
    windowed, _ = choose_decision([*images, *(ok(10.0) for _ in range(6))], config(), smallest_px=None)
    assert windowed.classes[0].outline_threshold == 0.5


def test_the_unseen_area_of_ng_images_shows_the_good_windows_false_alarm_rate() -> None:
    # as above with good parts seen whole (drawn at the threshold), but each NG image has ten
    # times its window unseen: at the good windows' rate its false alarms tip the level up
    from workbench.core.decisions import ClassRule, DecisionConfig
    from workbench.core.operating_point import choose_decision

    def ng(weak: bool, unseen: int) -> ScoredImage:
        m, t = np.full((1, 64, 64), 0.01, np.float32), np.zeros((64, 64), np.uint8)
        t[10:30, 10:30] = 1
        m[0, 10:30, 10:30] = 0.2 if weak else 0.45
        m[0, 10:20, 10:30] = 0.2 if weak else 0.7
        return ScoredImage("ng", frozenset({0}), [m], [t], unseen_px=unseen)

    def ok() -> ScoredImage:
        m = np.full((1, 64, 64), 0.01, np.float32)
        m[0, 40:46, 40:50] = 0.45
        return ScoredImage("ok", frozenset(), [m], [np.zeros((64, 64), np.uint8)])

    def level(unseen: int) -> float | None:
        images = [ng(True, unseen), *(ng(False, unseen) for _ in range(5)), *(ok() for _ in range(6))]
        config = DecisionConfig(classes=[ClassRule(class_id=1, name="defect")])
        return choose_decision(images, config, smallest_px=None)[0].classes[0].outline_threshold

    assert level(0) is None
    assert level(10 * 64 * 64) == 0.5
