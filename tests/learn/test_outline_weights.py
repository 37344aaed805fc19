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
