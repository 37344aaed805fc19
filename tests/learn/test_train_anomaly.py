"""Good-only runs end to end in-process: the fit, the threshold placed on labelled images the fit
never saw (NG images of the train split among them), and metrics that say how it was placed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from test_train import Recorder
from tiny_project import make_tiny_project

from workbench.core.cancel import CancelToken
from workbench.core.decisions import image_score
from workbench.core.operating_point import describe
from workbench.core.project import Project
from workbench.core.run_config import RunConfig
from workbench.learn.anomaly_threshold import centred
from workbench.learn.data import choose_samples, class_lut, load_items
from workbench.learn.infer import LoadedRun, load_run
from workbench.learn.presets import resolve_config
from workbench.learn.train import run_training
from workbench.learn.validation import ValidationTally


def _train(root: Path) -> tuple[str, dict[str, Any], Recorder]:
    cfg = resolve_config("anomaly", "fast", {"crop": 64, "threads": 2})
    with Project.open(root) as project:
        run_id = project.create_run(RunConfig(cfg)).id
    rec = Recorder()
    return run_id, run_training(root, run_id, cfg, rec, CancelToken()), rec


def _threshold(run: LoadedRun) -> float:
    return run.config.decision.classes[0].threshold


def test_anomaly_run_metrics_are_those_of_the_saved_model(tmp_path: Path) -> None:
    root = make_tiny_project(tmp_path, n_ok=10, n_ng=4, size=96)
    run_id, metrics, rec = _train(root)
    assert metrics["image"]["auroc"] == 1.0  # bright squares on noise: every NG above every OK
    assert any("fitting anomaly-effnetlite0 on 6 good images" in m for m in rec.logs)
    assert rec.lines_without_id() == []  # every line of the run has a line id
    with Project.open(root, readonly=True) as project:
        assert project.run(run_id).status == "completed"
        val = load_items(project, choose_samples(project, "anomaly").val, class_lut([0]))
    run = load_run(root, run_id, device="cpu")
    assert float(run.score_module.spread.max()) > 0  # the bank carries its normal spread
    # Metrics came from float16 maps scored during training, the Dice at the placed threshold; the
    # saved model scoring the same images from scratch must agree.
    threshold = _threshold(run)
    tally = ValidationTally(pixels=True)
    for it in val:
        tally.add(centred(run.scores(it.image), threshold), it)
    again = tally.result()
    assert again["image_auroc"] == metrics["image"]["auroc"]
    assert abs(again["pixel_dice"] - metrics["pixel"]["dice"]) < 0.01
    scores: dict[str, list[float]] = {"ok": [], "ng": []}
    for it in val:
        scores[it.label].append(image_score(run.scores(it.image)))
    assert max(scores["ok"]) < threshold <= min(scores["ng"])
    assert np.isfinite(metrics["time_s"])


def test_ng_images_of_the_train_split_place_the_threshold_and_none_of_them_passes(tmp_path: Path) -> None:
    root = make_tiny_project(tmp_path, n_ok=10, n_ng=5, size=96, seed=3)
    with Project.open(root) as project:
        ng = [s for s in project.samples() if s.label == "ng"]
        project.update_samples([s.id for s in ng], split="train")  # no NG image in validation at all
        splits = choose_samples(project, "anomaly")
        assert {s.id for s in splits.threshold_only} == {s.id for s in ng}
        assert all(s.label == "ok" for s in splits.train + splits.val)  # NG never fitted on
    run_id, metrics, rec = _train(root)
    assert any("5 NG training sample(s) kept out of the fit" in m for m in rec.logs)
    placed = metrics["threshold"]
    assert placed["placed_by"] == "ng_images"
    assert placed["ng_images"] == placed["ng_from_train"] == 5 and placed["ng_escapes"] == 0
    assert metrics["image"]["auroc"] == 1.0  # over every image the fit did not see, these NG included
    run = load_run(root, run_id, device="cpu")
    origin = run.config.decision_origin[0]
    assert origin["method"] == "val_zero_escape" and origin["train_ng"] == 5
    assert origin["threshold"] == _threshold(run) == placed["value"]
    assert "from the train split, kept out of the fit" in describe(origin)
    with Project.open(root, readonly=True) as project:
        assert project.run(run_id).metrics["threshold"]["placed_by"] == "ng_images"
        assert project.run(run_id).dataset["threshold_only"]
        ng_items = load_items(project, [s for s in project.samples() if s.label == "ng"], class_lut([0]))
    # the shipped decision, as evaluation and the runtime apply it, lets none of them pass
    assert [run.inspect(it.image).verdict for it in ng_items] == ["NG"] * 5


def test_without_ng_images_the_threshold_is_stated_as_a_guess(tmp_path: Path) -> None:
    root = make_tiny_project(tmp_path, n_ok=8, n_ng=0, size=96)
    run_id, metrics, rec = _train(root)
    placed = metrics["threshold"]
    assert placed["placed_by"] == "good_parts_guess" and placed["ng_images"] == 0
    assert placed["quantile"] == 0.99 and placed["good_images"] > 0
    run = load_run(root, run_id, device="cpu")
    origin = run.config.decision_origin[0]
    assert origin["method"] == "ok_quantile"
    assert any("a guess from good parts only" in m and "label NG parts" in m for m in rec.logs)
