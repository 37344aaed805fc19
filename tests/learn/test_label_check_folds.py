"""The label check's fold training: what each fold trains on, its share of the time, and a cancel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tiny_project import make_tiny_project

from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.label_check import LabelCheckError
from workbench.core.label_check_store import CHECKS_DIR
from workbench.core.project import Project
from workbench.learn.label_check import TRAIN_SHARE, CheckSettings, check_labels, fold_limit, fold_training
from workbench.learn.presets import resolve_config


class _Silent:
    def progress(self, fraction: float, message: str, eta_s: float | None = None) -> None: ...
    def metric(self, name: str, value: float, epoch: int | None = None) -> None: ...
    def log(self, message: str) -> None: ...
    def artifact(self, path: str) -> None: ...


def test_fold_training_follows_the_task(tmp_path: Path) -> None:
    root = make_tiny_project(tmp_path, n_ok=6, n_ng=6)
    with Project.open(root) as project:
        samples = project.samples()
        no_mask = next(s for s in samples if s.label == "ng")
        project.write_mask(no_mask.id, np.zeros((64, 64), np.uint8))
        samples = project.samples()
    seg = fold_training(samples, "segmentation")
    assert no_mask.id not in {s.id for s in seg.train + seg.val}
    assert seg.val and not {s.id for s in seg.val} & {s.id for s in seg.train}
    anomaly = fold_training(samples, "anomaly")
    assert all(s.label == "ok" for s in anomaly.train + anomaly.val)
    assert {s.id for s in anomaly.threshold_only} == {s.id for s in samples if s.label == "ng"}
    with pytest.raises(LabelCheckError):
        fold_training([s for s in samples if s.label == "ok"], "segmentation")


def test_the_total_limit_is_shared_among_the_folds_left() -> None:
    preset = resolve_config("segmentation", "fast")
    assert fold_limit(None, preset, 100.0, 3) == preset.time_limit
    assert fold_limit(300.0, preset, 0.0, 5) == pytest.approx(TRAIN_SHARE * 60.0)
    assert fold_limit(300.0, preset, 200.0, 2) == pytest.approx(TRAIN_SHARE * 50.0)
    assert fold_limit(300.0, preset, 400.0, 1) > 0  # an overrun leaves the last fold its minimum


def test_a_cancelled_check_leaves_no_result(tmp_path: Path) -> None:
    root = make_tiny_project(tmp_path, n_ok=4, n_ng=4)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        check_labels(root, CheckSettings(folds=2), _Silent(), cancel, "20260101-000000-aaaaaa")
    assert not (root / CHECKS_DIR / "20260101-000000-aaaaaa").exists()
    with Project.open(root, readonly=True) as project:
        assert project.runs() == []
