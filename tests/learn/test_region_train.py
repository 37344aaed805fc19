"""The second stage's training: crops labelled by overlap, the confirm threshold placed on
validation, the budget split, a tiny run end to end, and ``workbench train --set``."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_train import Recorder
from tiny_project import TINY_SEG, make_tiny_project

from workbench.commands.common import parse_setting
from workbench.commands.learn_cmds import SETTING_KINDS, _overrides, _setting
from workbench.core.cancel import CancelToken
from workbench.core.decisions import ClassRule, DecisionConfig, Defect
from workbench.core.preprocess import InputError
from workbench.core.project import Project
from workbench.core.region_stage import RegionStage, crops_for, proposals
from workbench.core.run_config import RunConfig
from workbench.learn.infer import load_run
from workbench.learn.presets import ConfigError, resolve_config
from workbench.learn.region_data import (
    IGNORED,
    CropSet,
    ScanImage,
    good_boxes,
    interleave,
    labelled_crops,
    mask_regions,
    overlap_labels,
    scan_crops,
)
from workbench.learn.region_threshold import (
    DEFAULT_CONFIRM,
    ValImage,
    decide_val,
    effect,
    place_confirm,
    whole_images,
)
from workbench.learn.region_train import (
    LEVEL_SHARE,
    MIN_LEVEL,
    SAVE_S,
    _stage_seconds,
    region_reserve,
    scan_images,
)
from workbench.learn.time_budget import TimeBudget
from workbench.learn.train import run_training

STAGE = RegionStage(levels=(0.5,), class_ids=(1, 2), names=("scratch", "spot"), min_side=8)


def _proposals(score: np.ndarray) -> tuple[list[Any], np.ndarray]:
    return proposals(score[None].astype(np.float32), STAGE)


def test_overlap_labels_as_specified() -> None:
    score = np.zeros((20, 30), np.float32)
    score[1:4, 1:4] = 0.9  # A: on a scratch (3 px) and a spot (2 px): the class with more pixels
    score[10:12, 1:6] = 0.9  # B: on one spot pixel only: spot
    score[1:6, 10:15] = 0.9  # C: an L-shaped proposal whose box holds a scratch its pixels miss
    score[3:6, 12:15] = 0.0
    score[14:18, 20:26] = 0.9  # D: on good area, nothing labelled in its box: not a defect
    score[5:7, 25:27] = 0.9  # E: a tie of one scratch and one spot pixel: the lower class id
    mask = np.zeros((20, 30), np.uint8)
    mask[1, 1:4] = 1
    mask[2, 1:3] = 2
    mask[11, 5] = 2
    mask[4, 13] = 1  # inside C's box, outside its pixels
    mask[5, 25], mask[6, 26] = 2, 1
    found, labels = _proposals(score)
    by_corner = {(p.x, p.y): i for i, p in enumerate(found)}
    got = overlap_labels(labels, found, mask)
    assert len(found) == 5
    assert got[by_corner[(1, 1)]] == 1
    assert got[by_corner[(1, 10)]] == 2
    assert got[by_corner[(10, 1)]] == IGNORED
    assert got[by_corner[(20, 14)]] == 0
    assert got[by_corner[(25, 5)]] == 1
    # a good part (an empty mask): every proposal is "not a defect"
    assert overlap_labels(labels, found, np.zeros_like(mask)) == [0] * 5
    assert overlap_labels(labels, [], mask) == []
    with pytest.raises(ValueError):
        overlap_labels(labels, found, mask[:10])


def test_mask_regions_and_good_boxes() -> None:
    mask = np.zeros((40, 40), np.uint8)
    mask[2:4, 2:4] = 1  # 4 px
    mask[20:30, 20:25] = 2  # 50 px
    mask[2:3, 30:33] = 1  # 3 px, a second scratch region
    regions = mask_regions(mask)
    assert regions == [(2, (20, 20, 5, 10)), (1, (2, 2, 2, 2)), (1, (30, 2, 3, 1))]  # largest first
    assert mask_regions(mask, limit=1) == [(2, (20, 20, 5, 10))]
    rng = np.random.default_rng(0)
    boxes = good_boxes(mask, [(4, 4)], 20, STAGE, rng)
    assert boxes
    for x, y, w, h in boxes:  # the whole crop square (12 px around a 4 px box) is on good area
        assert not mask[max(y - 4, 0) : y + h + 4, max(x - 4, 0) : x + w + 4].any()
    assert good_boxes(np.ones((40, 40), np.uint8), [(4, 4)], 5, STAGE, rng) == []


def test_crop_weights_balance_labels_and_kinds() -> None:
    crops = CropSet()
    zero = np.zeros((1, 1, 8, 8), np.float32)
    crops.add(np.repeat(zero, 6, 0), [1] * 6, ["defect"] * 6)
    crops.add(np.repeat(zero, 1, 0), [0], ["false_alarm"])
    crops.add(np.repeat(zero, 3, 0), [0] * 3, ["good"] * 3)
    w = crops.weights()
    assert w.sum() == pytest.approx(1.0)
    assert w[:6].sum() == pytest.approx(0.5)  # each label half
    assert w[6] == pytest.approx(0.25) and w[7:].sum() == pytest.approx(
        0.25
    )  # each kind of label 0 half of it
    assert crops.per_label() == {"0": 4, "1": 6} and crops.counts()["good"] == 3


def test_the_labelled_regions_the_scan_did_not_reach_become_positives() -> None:
    image = np.zeros((40, 40), np.uint8)
    image[20:30, 20:25] = 200
    mask = np.zeros((40, 40), np.uint8)
    mask[20:30, 20:25] = 2
    mask[2:4, 2:4] = 1
    reads: list[str] = []

    def item(name: str, stored: np.ndarray | None) -> ScanImage:
        def read() -> tuple[np.ndarray, np.ndarray | None]:
            reads.append(name)
            return image, stored

        return ScanImage(name, stored is not None, 1600, read)

    images = [item("ng1", mask), item("ok1", None), item("ng2", mask), item("ng3", mask)]
    out = CropSet()
    out.add(np.zeros((1, 1, 64, 64), np.float32), [0], ["good"])
    seen: list[float] = []

    def stop(expected: float) -> bool:
        seen.append(expected)
        return len(seen) > 2  # the third NG image is not read

    assert labelled_crops(images, 1, STAGE, out, stop) == 2
    assert reads == ["ng1", "ng2"]  # good images are not read: they have no labelled region
    assert seen[0] == 0.0 and seen[1] >= 0.0  # the pace so far predicts the next image
    assert out.labels == [0, 2, 1, 2, 1] and out.kinds == ["good"] + ["defect"] * 4
    chw = image[None].astype(np.float32) / 255.0
    expected = crops_for(chw, [(20, 20, 5, 10), (2, 2, 2, 2)], STAGE)
    np.testing.assert_allclose(np.stack(out.crops[1:3]).astype(np.float32), expected, atol=1e-3)
    assert labelled_crops(images, 1, STAGE, CropSet(), lambda s: False) == 3
    with pytest.raises(InputError):  # the model's channel count is checked as the scan checks it
        labelled_crops(images, 3, STAGE, CropSet(), lambda s: False)


class _Blobs:
    """A segmenter stand-in: ten separate 2x2 proposals on every image, scored 0.55 .. 1.0."""

    in_channels = 1

    def scores(self, image: np.ndarray, name: str) -> np.ndarray:
        score = np.zeros((1, 40, 40), np.float32)
        for i in range(10):
            y, x = 4 * (i // 5) + 2, 8 * (i % 5) + 2
            score[0, y : y + 2, x : x + 2] = 0.55 + 0.05 * i
        return score


def test_the_scan_keeps_room_for_positives(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.learn import region_data

    mask = np.zeros((40, 40), np.uint8)
    mask[30:36, 30:36] = 1  # away from every blob: the blobs are false alarms on NG images too

    def item(name: str, stored: np.ndarray | None) -> ScanImage:
        return ScanImage(name, stored is not None, 1600, lambda: (np.zeros((40, 40), np.uint8), stored))

    crops = scan_crops(_Blobs(), [item("ok1", None)], STAGE, [1], 0, lambda s: False)
    per_image = region_data.FALSE_ALARMS_PER_IMAGE
    assert crops.counts()["false_alarm"] == per_image < 10  # its highest-scoring of ten
    top = scan_crops(_Blobs(), [item("ok1", None)], replace(STAGE, max_regions=per_image), [1], 0,
                     lambda s: False)  # fmt: skip
    kept = [c for c, k in zip(crops.crops, crops.kinds, strict=True) if k == "false_alarm"]
    wanted = [c for c, k in zip(top.crops, top.kinds, strict=True) if k == "false_alarm"]
    np.testing.assert_array_equal(np.stack(kept), np.stack(wanted))
    monkeypatch.setattr(region_data, "MAX_CROPS", 40)  # negatives: at most 24
    images = [item(f"ok{i}", None) for i in range(5)] + [item(f"ng{i}", mask) for i in range(8)]
    crops = scan_crops(_Blobs(), images, STAGE, [1], 0, lambda s: False)
    negatives = crops.labels.count(0)
    assert negatives == int(region_data.NEGATIVE_SHARE * 40) == 24
    assert crops.labels.count(1) == 8 and crops.scanned == 13  # every NG image's defect still came in


def test_interleave_alternates_ng_and_ok() -> None:
    assert interleave([1, 2, 3], ["a"]) == [1, "a", 2, 3]  # type: ignore[list-item]


def _defect(cid: int, prob: float | None, verdict: str = "NG") -> Defect:
    return Defect(cid, "c", 0, 0, 1, 1, 1, None, None, None, 0.9, 0.9, verdict, prob)  # type: ignore[arg-type]


def test_confirm_threshold_is_half_the_highest_without_an_added_escape() -> None:
    decision = DecisionConfig(classes=[ClassRule(1, "scratch", 0.5), ClassRule(2, "spot", 0.5)])
    images = [
        ValImage(True, (_defect(1, 0.3), _defect(1, 0.8))),  # its best scratch region: 0.8
        ValImage(True, (_defect(1, 0.6),)),  # 0.6: the highest safe threshold of scratch
        ValImage(True, (_defect(1, None),)),  # not looked at: never vetoed
        ValImage(True, ()),  # an escape of the segmenter: no threshold changes it
        ValImage(False, (_defect(1, 0.1), _defect(2, 0.9))),  # a false alarm of each class
        ValImage(False, (_defect(1, 0.25),)),
        ValImage(False, (_defect(2, 0.2, "GRAY"),)),
    ]
    placed = place_confirm(images, decision)
    assert placed.highest == [0.6, None] and placed.ng_caught == [3, 0]
    assert placed.thresholds == [0.3, DEFAULT_CONFIRM]  # half of 0.6; spot: no val NG image
    moved = effect(images, decision, placed.thresholds)
    assert moved == {"ok_images": 3, "ng_images": 4, "overkill_before": 2, "overkill_after": 1,
                     "escapes_before": 1, "escapes_after": 1}  # fmt: skip
    # the highest threshold itself would add no escape either; one above it would
    assert effect(images, decision, [0.6, None])["escapes_after"] == 1
    assert effect(images, decision, [0.61, None])["escapes_after"] == 2
    # a class whose val NG images get almost no defect probability: no veto at all
    assert place_confirm([ValImage(True, (_defect(1, 0.00005),))], decision).thresholds == [None, 0.5]
    assert place_confirm([], decision).thresholds == [0.5, 0.5]


def test_the_regions_on_a_labelled_defect_are_the_ones_kept() -> None:
    """A val NG image found both on its defect (0.4) and by a false alarm (0.9): the threshold keeps
    the defect, not merely the image NG; an image found only by false alarms keeps those."""
    decision = DecisionConfig(classes=[ClassRule(1, "scratch", 0.5), ClassRule(2, "spot", 0.5)])
    on = ValImage(True, (_defect(1, 0.4), _defect(2, 0.9)), (True, False))
    assert place_confirm([on], decision).highest == [0.4, None]
    lucky = ValImage(True, (_defect(1, 0.7), _defect(2, 0.9)), (False, False))
    assert place_confirm([on, lucky], decision).highest == [0.4, 0.9]
    assert place_confirm([on, lucky], decision).thresholds == [0.2, 0.45]


def test_region_settings_are_checked() -> None:
    assert resolve_config("segmentation", "balanced").region_stage
    assert resolve_config("segmentation", "accurate").region_stage
    assert not resolve_config("segmentation", "fast").region_stage
    assert resolve_config("segmentation", "fast", {"region_stage": True}).region_share == 0.2
    for bad in ({"region_share": 0.0}, {"region_share": 1.0}, {"region_input": 48}):
        with pytest.raises(ConfigError):
            resolve_config("segmentation", "fast", bad)
    with pytest.raises(ConfigError, match="segmentation"):
        resolve_config("classification", "fast", {"region_stage": True})


def test_the_stage_gets_its_share_of_the_limit() -> None:
    now = [0.0]
    cfg = resolve_config("segmentation", "fast", {"region_stage": True, "time_limit": 100.0})
    assert region_reserve(cfg) == pytest.approx(20.0)
    assert region_reserve(replace(cfg, region_stage=False)) == 0.0
    assert region_reserve(replace(cfg, time_limit=None)) == 0.0
    budget = TimeBudget(100.0, clock=lambda: now[0])
    now[0] = 70.0  # the segmenter ended early: the stage still takes only its share
    assert _stage_seconds(cfg, budget) == pytest.approx(20.0)
    now[0] = 85.0  # it ended late: what is left, less saving
    assert _stage_seconds(cfg, budget) == pytest.approx(15.0 - SAVE_S)
    assert _stage_seconds(replace(cfg, time_limit=None), TimeBudget(None)) is None


def test_set_parses_typed_settings() -> None:
    assert _setting("region_stage=true") == ("region_stage", True)
    assert _setting("region_stage=off") == ("region_stage", False)
    assert _setting("region_share=0.25") == ("region_share", 0.25)
    assert _setting("region_input=96") == ("region_input", 96)
    assert _setting("time_limit=none") == ("time_limit", None)
    assert _setting("time_limit=60") == ("time_limit", 60.0)
    assert _setting("class_mode=separate") == ("class_mode", "separate")
    assert _setting('augment={"rot90": false}') == ("augment", {"rot90": False})
    for bad, said in (("region_stag=true", "did you mean region_stage"),
                      ("region_stage=maybe", "true or false"),
                      ("region_input=6.5", "whole number"), ("region_share=much", "a number"),
                      ("region_stage", "KEY=VALUE"), ("augment=[1]", "JSON object"),
                      ("task=anomaly", "its own option: --task")):  # fmt: skip
        with pytest.raises(argparse.ArgumentTypeError, match=said):
            _setting(bad)
    with pytest.raises(ValueError, match="unknown setting 'x'"):
        parse_setting("x=1", {"y": "int"})
    assert set(SETTING_KINDS) >= {"region_stage", "region_share", "region_input", "time_limit"}


def test_set_reaches_the_train_spec() -> None:
    from workbench.cli import build_parser

    args = build_parser().parse_args(
        [
            "train",
            "p",
            "--preset",
            "fast",
            "--set",
            "region_stage=true",
            "--set",
            "crop=320",
            "--time-limit",
            "60",
        ]
    )
    over = _overrides(args)
    assert over["region_stage"] is True and over["crop"] == 320 and over["time_limit"] == 60.0
    cfg = resolve_config("segmentation", over.pop("preset"), over)
    assert cfg.region_stage and cfg.crop == 320
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "p", "--set", "region_stage=maybe"])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_project(tmp_path_factory.mktemp("tiny_region"), n_ok=4, n_ng=4)


def _train(root: Path, **over: Any) -> tuple[str, dict[str, Any], Recorder]:
    settings = {**TINY_SEG, "max_epochs": 1, "pretrained": False, "region_stage": True, **over}
    cfg = resolve_config("segmentation", "fast", settings)
    with Project.open(root) as project:
        run_id = project.create_run(RunConfig(cfg)).id
    rec = Recorder()
    return run_id, run_training(root, run_id, cfg, rec, CancelToken()), rec


def test_a_tiny_run_trains_and_ships_both_stages(tiny: Path) -> None:
    run_id, metrics, rec = _train(tiny)
    run_dir = tiny / "runs" / run_id
    assert (run_dir / "classifier.pt").is_file()
    assert rec.lines_without_id() == []
    region = metrics["region"]
    assert region["scanned"] == region["train_images"] == 4
    assert region["crops"]["1"] >= 2 and region["crops"]["0"] >= 1  # every mask region + good crops
    assert region["steps"] >= 1 and region["val_images"] == 4
    assert {"overkill_before", "overkill_after", "escapes_before", "escapes_after"} <= set(region["val"])
    assert [p["phase"] for p in metrics["time"]["phases"]][-4:] == [
        "region_scan", "region_train", "region_threshold", "save"
    ]  # fmt: skip
    with Project.open(tiny) as project:
        model = project.run(run_id).config.model
    assert model is not None and model.region_stage is not None and model.region_model == "cls-effnetlite0"
    rule = model.decision.classes[0]
    assert model.region_stage.levels == (max(LEVEL_SHARE * rule.threshold, MIN_LEVEL),)
    assert model.region_stage.names == ("spot",)
    assert rule.confirm_threshold is not None and 0.0 < rule.confirm_threshold <= DEFAULT_CONFIRM
    assert region["thresholds"] == {str(rule.class_id): rule.confirm_threshold}
    assert any(line.startswith("second stage: scanned 4 of 4") for line in rec.logs)
    assert any(line.startswith("classifier threshold of spot") for line in rec.logs)
    loaded = load_run(tiny, run_id)
    assert loaded.region_module is not None and loaded.region_stage == model.region_stage
    with Project.open(tiny) as project:
        ng = next(s for s in project.samples() if s.label == "ng")
        image = project.read_image(ng, channel=None)
    calls: list[int] = []
    region_fn = loaded.region_fn

    def counting() -> Any:
        fn = region_fn()

        def run(crops: np.ndarray) -> np.ndarray:
            calls.append(len(crops))
            return fn(crops)

        return run

    loaded.region_fn = counting  # type: ignore[method-assign]
    result = loaded.inspect(image)
    assert calls  # the second stage looked at what the first proposed
    looked = [d for d in result.defects + result.vetoed if d["defect_prob"] is not None]
    assert looked and all(d["named_class"] == 1 for d in looked)
    _scan_and_val_whole_images(tiny, loaded)


def _scan_and_val_whole_images(root: Path, loaded: Any) -> None:
    """The scan stops when told (it predicts each image's cost from its pace), and the val pass
    on whole images (a run whose validation kept no maps) decides both stages."""
    with Project.open(root) as project:
        samples = project.samples()
        train = interleave(*scan_images(project, [s for s in samples if s.split == "train"], 0))
        val = interleave(*scan_images(project, [s for s in samples if s.split == "val"], 0))
        assert [im.ng for im in train] == [True, False, True, False]  # NG, OK, NG, OK
        expected: list[float] = []

        def stop(seconds: float) -> bool:
            expected.append(seconds)
            return len(expected) > 2

        stage = loaded.region_stage
        crops = scan_crops(loaded, train, stage, [1], 0, stop)
        assert crops.scanned == 2 and expected[0] == 0.0 and expected[1] > 0.0
        assert crops.counts()["defect"] >= 1 and crops.counts()["good"] >= 1
        decided = decide_val(
            loaded, whole_images(val), loaded.decision_config, 0.0, lambda s: False, CancelToken()
        )
    assert [v.ng for v in decided] == [im.ng for im in val]
    found = [d for v in decided if v.ng for d in v.defects]
    assert found and all(d.defect_prob is not None for d in found)


def test_without_time_left_the_run_has_one_stage(tiny: Path) -> None:
    run_id, metrics, rec = _train(tiny, time_limit=1.0)
    assert not (tiny / "runs" / run_id / "classifier.pt").exists()
    assert any(
        line.startswith("second stage left out, the run has one stage: no time left") for line in rec.logs
    )
    assert metrics["region"]["skipped"].startswith("second stage left out")
    with Project.open(tiny) as project:
        run = project.run(run_id)
    assert run.status == "completed" and run.config.model is not None
    assert (
        run.config.model.region_stage is None
        and run.config.model.decision.classes[0].confirm_threshold is None
    )


def test_the_classifier_starts_with_every_class_equally_likely() -> None:
    import torch

    from workbench.learn.region_model import new_region_module
    from workbench.learn.region_train import zero_head

    module = new_region_module("cls-effnetlite0", 3, 4, pretrained=False).eval()
    crops = torch.rand(2, 3, 64, 64)
    assert not torch.allclose(module(crops), torch.full((2, 4), 0.25), atol=1e-3)  # timm's own head
    zero_head(module.net)
    assert torch.allclose(module(crops), torch.full((2, 4), 0.25))


def test_the_job_spec_carries_the_stage_setting(tiny: Path) -> None:
    """The window and the CLI both record a run through ``new_train_spec``; the job resolves its
    config again from the spec, so the setting survives both ends."""
    from workbench.services.job_specs import TrainSpec
    from workbench.services.training import new_train_spec

    with Project.open(tiny) as project:
        spec = new_train_spec(project, {"preset": "fast", "region_stage": True, "region_share": 0.3})
        assert project.run(spec.run_id or "").config.train.region_stage
    assert isinstance(spec, TrainSpec) and spec.config["region_stage"] is True
    cfg = resolve_config(spec.config["task"], spec.config["preset"], spec.config)
    assert cfg.region_stage and cfg.region_share == 0.3
    with Project.open(tiny) as project, pytest.raises(ConfigError, match="region_share"):
        new_train_spec(project, {"preset": "fast", "region_share": 2.0})


def test_workbench_train_says_what_the_stage_did() -> None:
    from workbench.commands.learn_cmds import region_summary

    region = {"steps": 45, "crops": {"0": 10, "1": 3}, "thresholds": {"1": 0.0895, "2": None},
              "val": {"overkill_before": 2, "overkill_after": 1, "ok_images": 5}}  # fmt: skip
    assert region_summary(region) == (
        "second stage: 45 steps on 13 crops; classifier threshold per class id 1: 0.0895, 2: none; "
        "val overkill 2 -> 1 of 5 good"
    )
    assert region_summary({"skipped": "second stage left out, the run has one stage: x"}).endswith(": x")
    assert region_summary(None) == ""


def test_a_stage_that_fails_leaves_a_one_stage_run(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import workbench.learn.region_train as region_train

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(region_train, "fit_region_module", broken)
    run_id, metrics, rec = _train(tiny)
    said = "second stage left out, the run has one stage: it failed: RuntimeError: out of memory"
    assert said in rec.logs and metrics["region"] == {"skipped": said}
    with Project.open(tiny) as project:
        run = project.run(run_id)
    assert (
        run.status == "completed" and run.config.model is not None and run.config.model.region_stage is None
    )
    assert load_run(tiny, run_id).region_module is None


@pytest.mark.slow
def test_a_time_limited_run_splits_its_budget(tiny: Path) -> None:
    """With a limit, the loop keeps the stage's share back and the stage trains within it; a tiny
    project's one epoch ends long before that share (so the outcome does not hang on the CPU)."""
    run_id, metrics, rec = _train(tiny, time_limit=30.0, region_share=0.5)
    assert (tiny / "runs" / run_id / "classifier.pt").is_file()
    assert any(line.startswith("second stage: the region classifier gets ") for line in rec.logs)
    assert any(line.startswith("second stage: training cls-effnetlite0 on ") and "for up to" in line
               for line in rec.logs)  # fmt: skip
    region = metrics["region"]
    assert region["steps"] >= 1 and region["thresholds"]
    phases = [p["phase"] for p in metrics["time"]["phases"]]
    assert phases.index("decision") < phases.index("region_scan") < phases.index("region_train")
