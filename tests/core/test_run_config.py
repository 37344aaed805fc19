"""A run's record: one type for the database column and ``config.json``, the training settings and
the model settings apart, and the layouts earlier code stored read alike."""

from __future__ import annotations

import json

import pytest

from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.run_config import ModelClass, ModelConfig, RunConfig, RunConfigError, TrainConfig

MODEL = ModelConfig(
    task="segmentation", model="unet-effnetlite0", in_channels=3,
    classes=(ModelClass(1, "scratch", "#E69F00"),), tile_size=512, overlap=64,
    mean=(0.5,) * 3, std=(0.25,) * 3, decision=DecisionConfig([ClassRule(1, "scratch", 0.62, min_area_px=9)]),
    decision_origin=({"method": "val_zero_escape", "class_id": 1, "threshold": 0.62},),
)  # fmt: skip


def test_both_parts_round_trip_through_json() -> None:
    train = TrainConfig(preset="balanced", crop=320, seed=4)
    for config in (RunConfig(train), RunConfig(train, MODEL)):
        stored = json.loads(json.dumps(config.to_dict()))
        assert set(stored) == {"train", "model"}
        assert RunConfig.from_dict(stored) == config
    assert RunConfig(train).model_name == "unet-effnetlite0" and RunConfig(train).preset == "balanced"


def test_the_layouts_earlier_code_stored_are_read() -> None:
    train = TrainConfig(task="anomaly", preset="accurate", model="anomaly").to_dict()
    assert RunConfig.from_dict(train) == RunConfig(TrainConfig.from_dict(train))  # while it ran
    completed = {**MODEL.to_dict(), "num_classes": 1, "train": train}  # once it completed
    read = RunConfig.from_dict(completed)
    assert read.train.preset == "accurate" and read.model == MODEL
    assert RunConfig.from_dict({}, task="classification").train.task == "classification"
    # a setting a later version dropped is ignored, a missing one takes its default
    assert TrainConfig.from_dict({"preset": "fast", "retired_knob": 1}) == TrainConfig()


def test_the_model_part_names_what_is_missing_or_malformed() -> None:
    with pytest.raises(RunConfigError, match="lacks tile_size, overlap"):
        ModelConfig.from_dict({"task": "segmentation", "model": "m", "in_channels": 3, "classes": []})
    good = MODEL.to_dict()
    with pytest.raises(RunConfigError, match="overlap 600"):
        ModelConfig.from_dict({**good, "overlap": 600})
    with pytest.raises(RunConfigError, match="whole-number 'id'"):
        ModelConfig.from_dict({**good, "classes": [{"name": "scratch"}]})
    with pytest.raises(RunConfigError, match="unusable 'decision'"):
        ModelConfig.from_dict({**good, "decision": {"classes": [{"klass": 1}]}})
    with pytest.raises(RunConfigError, match="training settings that are not a table"):
        RunConfig.from_dict({"train": [1], "model": None})


def test_the_shipped_decision_has_a_rule_per_class() -> None:
    bare = ModelConfig(
        task="anomaly", model="anomaly-effnetlite0", in_channels=1, classes=(ModelClass(1, "defect"),),
        tile_size=256, overlap=32, mean=(0.0,), std=(1.0,), decision=DecisionConfig(),
    )  # fmt: skip
    shipped = bare.shipped_decision()
    assert [(r.class_id, r.threshold) for r in shipped.classes] == [(1, 0.5)]
    assert not bare.decision.classes  # a copy: the record is unchanged
    assert bare.tiling.merge == "blend" and bare.tiling.tile == 256
