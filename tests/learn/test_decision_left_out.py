"""The decision also scores the val NG images the validation plan left out (learn.train_supervised)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.learn.test_train import Recorder
from workbench.core.cancel import CancelToken
from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.learn.data_sampling import TrainItem
from workbench.learn.time_budget import TimeBudget
from workbench.learn.train_supervised import _score_left_out_ng, _ship_decision, _Validation
from workbench.learn.val_plan import ValPlan, Window
from workbench.learn.validation import ValidationTally

SIZE = 32


def _item(sample_id: int, label: str, peak: float) -> TrainItem:
    image = np.full((SIZE, SIZE, 3), peak, np.float32)  # the fake model scores its pixel value
    target = np.zeros((SIZE, SIZE), np.uint8)
    if label == "ng":
        target[10:20, 10:20] = 1
    return TrainItem(
        sample_id, image, target, label, points={0: np.array([[15, 15]])} if label == "ng" else {}
    )


class Scorer:
    """A model whose map is the image's first plane where the mask would be, low elsewhere."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    def scores(self, image: np.ndarray) -> np.ndarray:
        self.seen.append(float(image[0, 0, 0]))
        m = np.full((1, SIZE, SIZE), 0.01, np.float32)
        m[0, 10:20, 10:20] = image[0, 0, 0]
        return m


def _validation(items: list[TrainItem], planned: list[int]) -> _Validation:
    validation = _Validation(items, SIZE, seed=0)
    validation.plan = ValPlan([Window(i, 0, 0, SIZE, SIZE) for i in planned], planned)
    validation.s_per_px = 1e-9
    tally = ValidationTally(keep=True)
    for i in planned:
        tally.add(Scorer().scores(items[i].image), items[i])
    validation.best = tally
    return validation


def test_left_out_val_ng_images_place_the_threshold_too() -> None:
    items = [_item(1, "ng", 0.9), _item(2, "ng", 0.3), _item(3, "ng", 0.8), _item(4, "ok", 0.05),
             _item(5, "ok", 0.1), _item(6, "ng", 0.85)]  # fmt: skip
    validation = _validation(items, planned=[0, 3, 4, 5])  # two NG images left out: 2 (0.3) and 3 (0.8)
    assert [it.sample_id for it in validation.left_out_ng()] == [2, 3]
    rec, scorer = Recorder(), Scorer()
    extra = _score_left_out_ng(scorer, validation, "segmentation", TimeBudget(None), rec, CancelToken())  # type: ignore[arg-type]
    assert [r.sample_id for r in extra] == [2, 3] and all(r.label == "ng" for r in extra)
    assert scorer.seen == pytest.approx([0.3, 0.8])
    assert any(m.startswith("the decision also scored 2 of the 2 val NG image(s)") for m in rec.logs)
    decision = DecisionConfig(classes=[ClassRule(class_id=1, name="spot")])
    _, origins = _ship_decision(decision, validation, items, "segmentation", rec, extra)
    origin = origins[0]
    # the left-out 0.3 places it (maps are kept in float16: 0.2998)
    assert origin["val_ng"] == 4 and origin["zero_escape_threshold"] == pytest.approx(0.3, abs=1e-3)
    assert origin["weakest_ng"][0]["sample_id"] == 2
    _, without = _ship_decision(decision, validation, items, "segmentation", rec)  # the plan's alone
    assert without[0]["val_ng"] == 2 and without[0]["zero_escape_threshold"] == pytest.approx(0.85, abs=1e-3)


def test_left_out_scoring_keeps_to_the_plans_pixels_and_the_time_left() -> None:
    items = [_item(1, "ng", 0.9), _item(2, "ng", 0.3), _item(3, "ng", 0.8), _item(4, "ok", 0.05)]
    validation = _validation(items, planned=[0])  # the plan scores one image: one more fits its memory
    assert validation.extra_px() == SIZE * SIZE
    assert validation.left_out_ng_s() == 1e-9 * SIZE * SIZE  # what the loop reserves for it
    rec = Recorder()
    extra = _score_left_out_ng(Scorer(), validation, "segmentation", TimeBudget(None), rec, CancelToken())  # type: ignore[arg-type]
    assert [r.sample_id for r in extra] == [2]
    assert any(m.startswith("the decision also scored 1 of the 2 val NG image(s)") for m in rec.logs)
    now = [0.0]
    spent = TimeBudget(10.0, clock=lambda: now[0])
    now[0] = 10.0  # no time left: nothing more is scored
    assert _score_left_out_ng(Scorer(), validation, "segmentation", spent, rec, CancelToken()) == []  # type: ignore[arg-type]
    validation.best = None  # no best validation: no decision on validation at all
    assert (
        _score_left_out_ng(Scorer(), validation, "segmentation", TimeBudget(None), rec, CancelToken()) == []
    )  # type: ignore[arg-type]
