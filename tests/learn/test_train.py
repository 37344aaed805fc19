"""The training loop in-process: determinism, presets, losses, warm start, failure recording."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from tiny_project import TINY_SEG, make_tiny_project

from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.messages import MESSAGES
from workbench.core.project import Project
from workbench.core.run_config import RunConfig
from workbench.learn.infer import load_run
from workbench.learn.losses import ClassificationLoss, SegmentationLoss, soft_dice_loss
from workbench.learn.presets import ConfigError, resolve_config
from workbench.learn.train import run_training
from workbench.learn.warm_start import WarmStartError, warm_start


class Recorder:
    """Collects what the loop reports (the job's EventWriter does the same on stdout)."""

    def __init__(self, cancel_at_progress: CancelToken | None = None) -> None:
        self.metrics: list[tuple[str, float, int | None]] = []
        self.logs: list[str] = []
        self.artifacts: list[str] = []
        self.cancel_at_progress = cancel_at_progress

    def progress(self, fraction: float, message: str, eta_s: float | None = None) -> None:
        if self.cancel_at_progress is not None and "step" in message:
            self.cancel_at_progress.cancel()

    def metric(self, name: str, value: float, epoch: int | None = None) -> None:
        self.metrics.append((name, value, epoch))

    def log(self, message: str) -> None:
        self.logs.append(message)

    def artifact(self, path: str) -> None:
        self.artifacts.append(path)

    def lines_without_id(self) -> list[str]:
        """Logged lines a window could not show in its own language (no registered line id)."""
        return [m for m in self.logs if getattr(m, "msg_id", "") not in MESSAGES]


def _train(root: Any, **over: Any) -> tuple[str, dict[str, Any], Recorder]:
    # on the CPU on every machine: a GPU adds in another order, and it has no precision trial
    tiny = {**TINY_SEG, "max_epochs": 1, "pretrained": False, "device": "cpu"}
    cfg = resolve_config("segmentation", "fast", {**tiny, **over})
    with Project.open(root) as project:
        run_id = project.create_run(RunConfig(cfg)).id
    rec = Recorder()
    return run_id, run_training(root, run_id, cfg, rec, CancelToken()), rec


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_tiny_project(tmp_path_factory.mktemp("tiny"), n_ok=4, n_ng=4)


def test_same_seed_gives_the_same_first_epoch_loss(tiny: Any) -> None:
    first, metrics, rec = _train(tiny, seed=7, max_epochs=2)
    _, _, rec2 = _train(tiny, seed=7, max_epochs=2)
    loss_a = [v for n, v, e in rec.metrics if n == "train.loss" and e == 1]
    loss_b = [v for n, v, e in rec2.metrics if n == "train.loss" and e == 1]
    assert loss_a and loss_a == loss_b
    assert rec.logs and rec.lines_without_id() == []  # every line of the run has a line id
    assert metrics["epochs"] == 2 and "auroc" in metrics["image"] and "dice" in metrics["pixel"]
    with Project.open(tiny) as project:
        run = project.run(first)
        assert run.status == "completed" and run.metrics["epochs"] == 2
        assert run.dataset["hash"] and run.dataset["train"]
        model = run.config.model
        assert model is not None and model.tile_size == 128 and model.classes[0].name == "spot"
        assert run.config.train.seed == 7 and run.config.preset == "fast"
        # the decision the run ships was placed on its validation images, with how
        origin = model.decision_origin[0]
        assert model.decision.classes[0].threshold == origin["threshold"]
        assert origin["min_area_px"] == max(1, origin["smallest_defect_px"] // 4)
        # the val NG parts that place it are named, lowest score first, with the escape-rate bound
        val_ng = {s.id for s in project.samples(split="val") if s.label == "ng"}
        assert origin["method"] == "val_zero_escape" and len(val_ng) == origin["val_ng"] == 2
        assert {w["sample_id"] for w in origin["weakest_ng"]} == val_ng
        scores = [w["score"] for w in origin["weakest_ng"]]
        assert scores == sorted(scores) and scores[0] == origin["zero_escape_threshold"]
        assert origin["escape_bound95"] == round(1 - 0.05**0.5, 4)
    assert any(m.startswith("time: loading") and "validation" in m and "scan" in m for m in rec.logs)
    loaded = load_run(tiny, first)
    assert loaded.scores(torch.rand(64, 64, 3).numpy()).shape == (1, 64, 64)
    # resume that run from its last checkpoint for one more epoch
    cfg = resolve_config(
        "segmentation", "fast", {**TINY_SEG, "max_epochs": 3, "pretrained": False, "seed": 7}
    )
    before = torch.load(tiny / "runs" / first / "checkpoints" / "last.pt", weights_only=True)
    # the validation after epoch 1 also scanned training images whole (2 of the 4 per turn: half
    # the val pixels) for false alarms and misses; the last one (epoch 2) did not: no training
    # follows it to use what a scan finds
    assert before["sampler"]["scan"] == 2
    assert [m for m in rec.logs if m.startswith("scan of ")] == [
        m for m in rec.logs if m.startswith("scan of 2 ")
    ]
    assert len([m for m in rec.logs if m.startswith("scan of ")]) == 1
    rec3 = Recorder()
    resumed = run_training(tiny, first, cfg, rec3, CancelToken(), resume=True)
    assert any(m.startswith("resumed from") for m in rec3.logs)
    # the resumed run went on from where the scan was (its one validation is its last: no scan)
    ckpt = torch.load(tiny / "runs" / first / "checkpoints" / "last.pt", weights_only=True)
    assert set(ckpt["sampler"]) == {"hard", "scan"} and ckpt["sampler"]["scan"] == 2
    assert not any(m.startswith("scan of ") for m in rec3.logs)
    assert resumed["epochs"] == 3 and [e for n, _, e in rec3.metrics if n == "train.loss"] == [3]
    # warm start from that run: every tensor fits the same architecture
    model = loaded.score_module
    sentence = warm_start(model, tiny / "runs" / first)
    assert "tensors loaded" in sentence and "left fresh" not in sentence


def test_cancel_marks_the_run_cancelled_and_keeps_the_project(tiny: Any) -> None:
    cfg = resolve_config("segmentation", "fast", {**TINY_SEG, "pretrained": False})
    with Project.open(tiny) as project:
        run_id = project.create_run(RunConfig(cfg)).id
    token = CancelToken()
    with pytest.raises(Cancelled):
        run_training(tiny, run_id, cfg, Recorder(cancel_at_progress=token), token)
    with Project.open(tiny) as project:
        assert project.run(run_id).status == "cancelled"
        assert project.count_samples() == 8


def test_warm_start_refuses_a_missing_or_foreign_run(tmp_path: Any) -> None:
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3))
    with pytest.raises(WarmStartError, match="does not exist"):
        warm_start(net, tmp_path)
    torch.save({"other.weight": torch.zeros(2)}, tmp_path / "model.pt")
    with pytest.raises(WarmStartError, match="no layer"):
        warm_start(net, tmp_path)


def test_presets_and_overrides_are_checked() -> None:
    fast = resolve_config("segmentation", "fast")
    assert fast.model == "unet-effnetlite0" and fast.crop == 256 and fast.time_limit
    assert resolve_config("segmentation", "accurate").crop > fast.crop
    assert resolve_config("classification", "fast").model.startswith("cls-")
    assert resolve_config("segmentation", "fast", {"seed": 3}).seed == 3
    with pytest.raises(ConfigError, match="unknown training setting"):
        resolve_config("segmentation", "fast", {"colour": 1})
    with pytest.raises(ConfigError, match="multiple of 32"):
        resolve_config("segmentation", "fast", {"crop": 100})
    with pytest.raises(ConfigError, match="unknown preset"):
        resolve_config("segmentation", "huge")


def test_losses_reward_the_right_answer() -> None:
    target = torch.zeros(2, 8, 8, dtype=torch.int64)
    target[0, 2:5, 2:5] = 1
    good = torch.where(target.unsqueeze(1) == 1, 8.0, -8.0)
    loss = SegmentationLoss(1)
    assert float(loss(good, target)[0]) < 0.05 < float(loss(-good, target)[0])
    per_crop = loss(-good, target)[1]
    assert per_crop[0] > per_crop[1]  # the crop with the missed defect ranks as harder
    assert float(soft_dice_loss(good, (target.unsqueeze(1) == 1).float())) < 0.01
    cls = ClassificationLoss(0.1)
    y = torch.tensor([[1.0], [0.0]])
    assert float(cls(torch.tensor([[6.0], [-6.0]]), y)[0]) < float(cls(torch.tensor([[-6.0], [6.0]]), y)[0])


def test_dice_weighs_a_missed_tiny_defect_like_a_missed_large_one() -> None:
    """Per-crop Dice: missing a 4-pixel defect costs as much as missing a 400-pixel one."""
    truth = torch.zeros(2, 1, 32, 32)
    truth[0, 0, :20, :20] = 1.0  # large defect, found
    truth[1, 0, 5:7, 5:7] = 1.0  # tiny defect, missed
    logits = torch.where(truth > 0, 8.0, -8.0)
    logits[1] = -8.0
    loss = float(soft_dice_loss(logits, truth))
    # Crop 1 misses all 4 pixels: 1 - (0 + 1) / (4 + 1) = 0.8; crop 0 ~0; mean ~0.4. Pooled over
    # the batch the same miss would cost 1 - (800 + 1) / (800 + 4 + 1) ~ 0.005.
    assert 0.35 < loss < 0.45
    empty = torch.zeros(1, 1, 8, 8)
    assert float(soft_dice_loss(torch.full((1, 1, 8, 8), -8.0), empty)) == 0.0


def test_a_small_confident_false_alarm_ranks_a_crop_as_hard() -> None:
    """Mining must find the 8x8 spot that rejects a good part, not only crops with much mild error."""
    target = torch.zeros(2, 64, 64, dtype=torch.int64)
    logits = torch.full((2, 1, 64, 64), -1.5)  # crop 0: unsure everywhere (mean BCE ~0.2)
    logits[1] = -8.0
    logits[1, 0, 20:28, 20:28] = 6.0  # crop 1: sure everywhere but one confident 8x8 false alarm
    _, hard = SegmentationLoss(1)(logits, target)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    plain = bce(logits, torch.zeros_like(logits), reduction="none").mean(dim=(1, 2, 3))
    assert plain[0] > plain[1]  # a mean over the crop ranks them the wrong way round
    assert hard[1] > hard[0]


def test_first_steps_time_each_precision_and_size_validation(tiny: Any) -> None:
    # 2 steps per epoch: a warm-up step and two timed steps for each CPU candidate (threads fixed:
    # with and without channels_last, and bf16 too where this CPU computes it natively)
    from workbench.learn.device import precision_candidates

    n = len(precision_candidates(torch.device("cpu"), threads_fixed=True))
    epochs = math.ceil((1 + 2 * n) / 2) + 1
    _, metrics, rec = _train(tiny, max_epochs=epochs, seed=1)
    trial = [m for m in rec.logs if m.startswith("precision trial")]
    assert len(trial) == 1 and "fp32 channels_last" in trial[0] and "using" in trial[0]
    plan = [m for m in rec.logs if m.startswith("inference ")]
    assert len(plan) == 1 and "us/px" in plan[0] and "4 image(s)" in plan[0]
    assert metrics["epochs"] == epochs


def test_the_run_records_whether_quarter_turns_were_used(tiny: Any) -> None:
    from workbench.learn.augment import ROT90_MAX_ASYMMETRY, axis_asymmetry
    from workbench.learn.data import load_items

    with Project.open(tiny) as project:
        items = load_items(project, project.samples(split="train"), np.zeros(256, np.uint8))
    expected = axis_asymmetry([it.image for it in items]) < ROT90_MAX_ASYMMETRY
    run_id, _, rec = _train(tiny)
    with Project.open(tiny) as project:
        assert project.run(run_id).config.train.augment["rot90"] is expected
    assert any(m.startswith("quarter turns left out") for m in rec.logs) is not expected
    run_id, _, rec = _train(tiny, augment={"rot90": not expected})  # the user's setting stands
    with Project.open(tiny) as project:
        assert project.run(run_id).config.train.augment["rot90"] is (not expected)
    assert not any(m.startswith("quarter turns left out") for m in rec.logs)
