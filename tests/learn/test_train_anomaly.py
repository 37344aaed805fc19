"""A good-only run end to end in-process: one scoring pass sets the threshold and the metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from test_train import Recorder
from tiny_project import make_tiny_project

from workbench.core.cancel import CancelToken
from workbench.core.project import Project
from workbench.learn.data import choose_samples, class_lut, load_items
from workbench.learn.infer import load_run
from workbench.learn.presets import resolve_config
from workbench.learn.train import run_training
from workbench.learn.validation import validate


def test_anomaly_run_metrics_are_those_of_the_saved_model(tmp_path: Path) -> None:
    root = make_tiny_project(tmp_path, n_ok=10, n_ng=4, size=96)
    cfg = resolve_config("anomaly", "fast", {"crop": 64, "threads": 2})
    with Project.open(root) as project:
        run_id = project.create_run("anomaly", cfg.to_dict()).id
    rec = Recorder()
    metrics = run_training(root, run_id, cfg, rec, CancelToken())
    assert metrics["image"]["auroc"] == 1.0  # bright squares on noise: every NG above every OK
    assert any("fitting anomaly-effnetlite0 on 6 good images" in m for m in rec.logs)
    with Project.open(root, readonly=True) as project:
        assert project.run(run_id).status == "completed"
        val = load_items(project, choose_samples(project, "anomaly").val, class_lut([0]))
    run = load_run(root, run_id, device="cpu")
    assert float(run.score_module.spread.max()) > 0  # the bank carries its normal spread
    # Metrics came from float16 raw maps scaled by the threshold chosen on them; the saved model
    # scoring the same images from scratch must agree.
    again = validate(run, val, CancelToken())
    assert again["image_auroc"] == metrics["image"]["auroc"]
    assert abs(again["pixel_dice"] - metrics["pixel"]["dice"]) < 0.01
    scores = {it.label: [] for it in val}
    for it in val:
        scores[it.label].append(float(run.scores(it.image).max()))
    assert max(scores["ok"]) < 0.5 < min(scores["ng"])  # the F1-optimal threshold separates them
    assert np.isfinite(metrics["time_s"])
