"""Doubtful parts in training: left out by default, or trained at a low weight (a setting)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_train import Recorder
from tiny_project import TINY_SEG, make_tiny_project

from workbench.core.cancel import CancelToken
from workbench.core.project import Project
from workbench.core.run_config import RunConfig
from workbench.core.snapshots import load_snapshot
from workbench.learn.data import choose_samples, class_lut, load_items
from workbench.learn.data_sampling import CropSampler, TrainItem, defect_points
from workbench.learn.presets import ConfigError, resolve_config
from workbench.learn.train import run_training


def _mark_doubtful(project: Project) -> tuple[int, int]:
    """One OK and one NG training sample become doubtful, and one val sample; returns the train ones."""
    train = [s for s in project.samples() if s.split == "train"]
    ok = next(s for s in train if s.label == "ok")
    ng = next(s for s in train if s.label == "ng")
    val = next(s for s in project.samples() if s.split == "val")
    project.update_samples([ok.id, ng.id, val.id], label="doubtful")
    return ok.id, ng.id


def test_doubtful_parts_are_left_out_by_default(tmp_path: Any) -> None:
    root = make_tiny_project(tmp_path, n_ok=5, n_ng=5)
    with Project.open(root) as project:
        _mark_doubtful(project)
        doubtful = {s.id for s in project.samples(label="doubtful")}
        for task in ("segmentation", "classification", "anomaly"):
            splits = choose_samples(project, task)
            chosen = {s.id for s in [*splits.train, *splits.val, *splits.threshold_only]}
            assert not chosen & doubtful, task
            assert "2 doubtful training sample(s) left out" in splits.note
        assert resolve_config("segmentation").doubtful == "exclude"


def test_low_weight_trains_on_them_and_never_validates_on_them(tmp_path: Any) -> None:
    root = make_tiny_project(tmp_path, n_ok=5, n_ng=5)
    with Project.open(root) as project:
        ok_id, ng_id = _mark_doubtful(project)
        splits = choose_samples(project, "segmentation", "low_weight")
        assert {ok_id, ng_id} <= {s.id for s in splits.train}
        assert all(s.label != "doubtful" for s in splits.val)
        assert "trained at a low weight" in splits.note
        assert not {s.id for s in choose_samples(project, "anomaly", "low_weight").train} & {ok_id, ng_id}
        # without a val split the hold-out takes clear parts only
        project.update_samples([s.id for s in project.samples()], split=None)
        held = choose_samples(project, "segmentation", "low_weight")
        assert all(s.label != "doubtful" for s in held.val)
        assert len([s for s in held.train if s.label == "doubtful"]) == 3
        items = load_items(project, held.train, class_lut([1]), doubtful_weight=0.25)
        assert sorted({it.weight for it in items}) == [0.25, 1.0]
        assert all((it.weight == 0.25) == (it.label == "doubtful") for it in items)


def _item(label: str, weight: float, defect: bool) -> TrainItem:
    rng = np.random.default_rng(0)
    target = np.zeros((64, 64), np.uint8)
    if defect:
        target[20:30, 20:30] = 1
    image = np.zeros((64, 64, 1), np.uint8)
    return TrainItem(0, image, target, label, defect_points(target, rng), weight)


@pytest.mark.parametrize("ng_fraction", [0.0, 1.0])
def test_a_low_weight_image_gets_its_share_of_crops(ng_fraction: float) -> None:
    items = [_item("ng", 1.0, True), _item("doubtful", 0.25, True)]
    sampler = CropSampler(items, 32, ng_fraction=ng_fraction, hard_fraction=0.0)
    rng = np.random.default_rng(1)
    draws = np.array([sampler.draw(rng)[0] for _ in range(4000)])
    assert (draws == 1).mean() == pytest.approx(0.2, abs=0.03)  # 0.25 / 1.25
    sampler.record_losses(np.array([[0, 0, 0], [1, 0, 0]]), np.array([2.0, 2.0]))
    assert sampler.hard[(1, 0, 0)] == pytest.approx(0.5)  # its loss is no sure mistake


def test_the_setting_is_checked() -> None:
    with pytest.raises(ConfigError, match="doubtful must be one of exclude, low_weight"):
        resolve_config("segmentation", "fast", {"doubtful": "include"})
    with pytest.raises(ConfigError, match="doubtful_weight"):
        resolve_config("segmentation", "fast", {"doubtful": "low_weight", "doubtful_weight": 0.0})


def test_a_run_records_what_it_trained_on(tmp_path: Any) -> None:
    root = make_tiny_project(tmp_path, n_ok=4, n_ng=4)
    with Project.open(root) as project:
        ok_id, ng_id = _mark_doubtful(project)
    for mode, expected in (("exclude", set()), ("low_weight", {ok_id, ng_id})):
        cfg = resolve_config("segmentation", "fast", {**TINY_SEG, "max_epochs": 1, "pretrained": False,
                                                      "doubtful": mode})  # fmt: skip
        with Project.open(root) as project:
            run_id = project.create_run(RunConfig(cfg)).id
        run_training(root, run_id, cfg, Recorder(), CancelToken())
        with Project.open(root) as project:
            run = project.run(run_id)
            trained = {sid for sid, _ in run.dataset["train"]}
            validated = {sid for sid, _ in run.dataset["val"]}
            assert trained & {ok_id, ng_id} == expected, mode
            assert not validated & {s.id for s in project.samples(label="doubtful")}
            assert run.config.train.doubtful == mode
            # the run kept a snapshot of that data (dataset versions)
            snapshot = load_snapshot(project, run_id)
            assert snapshot["id"] == run.dataset["snapshot"]
            roles = {e["sample_id"]: e["role"] for e in snapshot["samples"]}
            assert {sid for sid, role in roles.items() if role == "train"} == trained
