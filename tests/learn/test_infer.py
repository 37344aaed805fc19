"""Run folders: save_run_model then load_run predicts exactly what the trained module predicted."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys

import numpy as np
import pytest
import torch

from workbench.core.preprocess import InputError
from workbench.core.run_config import ModelConfig, RunConfig, TrainConfig
from workbench.core.tiling import predict_tiled
from workbench.learn import models
from workbench.learn.anomaly import AnomalyModel
from workbench.learn.device import DeviceError, cpu_has_fast_bf16, pick_device, precision_candidates
from workbench.learn.infer import LoadedRun, RunLoadError, load_run, save_run_model
from workbench.learn.models import ModelInfo, get_model
from workbench.learn.score_model import ScoreModel
from workbench.learn.train_loop import _needs_scaler

CLASSES = [{"id": 1, "name": "scratch", "color": "#E69F00"}, {"id": 2, "name": "dent", "color": "#56B4E9"}]


def model_dict(task: str, model: str, in_channels: int = 3, **extra: object) -> dict[str, object]:
    base = {"task": task, "model": model, "in_channels": in_channels, "classes": CLASSES,
            "tile_size": 64, "overlap": 16, "mean": [0.5] * in_channels, "std": [0.25] * in_channels,
            "decision": {}}  # fmt: skip
    return {**base, **extra}


def config(task: str, model: str, in_channels: int = 3, **extra: object) -> RunConfig:
    model_config = ModelConfig.from_dict(model_dict(task, model, in_channels, **extra))
    return RunConfig(TrainConfig(task=task), model_config)


def run_module(module: torch.nn.Module, batch: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return module(torch.from_numpy(batch)).numpy()


def test_segmentation_round_trip_gives_the_same_score_map(tmp_path) -> None:
    torch.manual_seed(0)
    module = ScoreModel(get_model("fpn-effnetlite0", 1, 2, pretrained=False), [0.5], [0.25]).eval()
    save_run_model(tmp_path / "runs" / "r1", module, config("segmentation", "fpn-effnetlite0", 1))
    run = load_run(tmp_path, "r1", device="cpu")
    image = (np.random.default_rng(0).random((80, 100)) * 65535).astype(np.uint16)
    got = run.scores(image)
    want = predict_tiled((image[None] / 65535.0).astype(np.float32), lambda b: run_module(module, b), 64, 16)
    assert got.shape == (2, 80, 100) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert run.config.head == "sigmoid" and not run.score_module.training
    training = LoadedRun(tmp_path, run.config, module.train(), torch.device("cpu"))
    np.testing.assert_allclose(training.scores(image), want, atol=1e-5)  # predicted in eval mode
    assert module.training, "the caller's train mode is restored"


def test_classification_takes_the_per_class_maximum_over_tiles(tmp_path) -> None:
    torch.manual_seed(0)
    module = ScoreModel(get_model("cls-resnet18", 3, 2, pretrained=False), [0.5] * 3, [0.25] * 3).eval()
    save_run_model(tmp_path / "runs" / "c1", module, config("classification", "cls-resnet18"))
    run = load_run(tmp_path, "c1", device="cpu")
    image = (np.random.default_rng(1).random((64, 112, 3)) * 255).astype(np.uint8)
    got = run.scores(image)
    x = image.astype(np.float32).transpose(2, 0, 1) / 255.0
    tiles = np.stack([x[:, :, 0:64], x[:, :, 48:112]])  # tile_grid for width 112, tile 64, overlap 16
    want = run_module(module, tiles).max(axis=0)
    assert got.shape == (2, 1, 1)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_anomaly_round_trip_rebuilds_the_bank_from_the_state_dict(tmp_path) -> None:
    torch.manual_seed(0)
    module = AnomalyModel(3, 0).eval()
    module.bank = torch.randn(37, 152)
    module.spread = torch.rand(37) * 4.0
    module.scale.fill_(3.0)
    save_run_model(tmp_path / "runs" / "a1", module, config("anomaly", "anomaly-lite0", classes=CLASSES[:1]))
    run = load_run(tmp_path, "a1", device="cpu")
    assert run.score_module.bank.shape == (37, 152)
    assert torch.equal(run.score_module.spread, module.spread)
    image = np.random.default_rng(2).random((64, 64, 3)).astype(np.float32)
    got = run.scores(image)
    want = run_module(module, np.ascontiguousarray(image.transpose(2, 0, 1))[None])[0]
    assert got.shape == (1, 64, 64)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_broken_runs_and_wrong_images_are_reported_by_name(tmp_path) -> None:
    with pytest.raises(RunLoadError, match="does not exist"):
        load_run(tmp_path, "missing")
    module = ScoreModel(get_model("unet-resnet18", 3, 2, pretrained=False), [0.5] * 3, [0.25] * 3)
    save_run_model(tmp_path / "runs" / "r2", module, config("segmentation", "unet-resnet18"))
    run = load_run(tmp_path, "r2", device="cpu")
    with pytest.raises(InputError, match=r"1 channel.*expects 3"):
        run.scores(np.zeros((64, 64), np.uint8))
    (tmp_path / "runs" / "r2" / "model.pt").write_bytes(b"not a model")
    with pytest.raises(RunLoadError, match=r"model\.pt is damaged"):
        load_run(tmp_path, "r2")
    save_run_model(tmp_path / "runs" / "r3", module, config("segmentation", "fpn-resnet34"))
    with pytest.raises(RunLoadError, match="does not fit model 'fpn-resnet34'"):
        load_run(tmp_path, "r3")
    no_model = {"train": {"preset": "fast"}, "model": None}
    (tmp_path / "runs" / "r3" / "config.json").write_text(json.dumps(no_model))
    with pytest.raises(RunLoadError, match="holds no model"):
        load_run(tmp_path, "r3")
    incomplete = {"train": {}, "model": {"task": "segmentation", "model": "x"}}
    (tmp_path / "runs" / "r3" / "config.json").write_text(json.dumps(incomplete))
    with pytest.raises(RunLoadError, match="lacks in_channels, classes, tile_size, overlap"):
        load_run(tmp_path, "r3")


def test_a_config_json_written_by_earlier_code_loads(tmp_path) -> None:
    """Earlier code wrote the model settings with the training ones nested under "train"."""
    torch.manual_seed(0)
    module = ScoreModel(get_model("unet-resnet18", 3, 2, pretrained=False), [0.5] * 3, [0.25] * 3).eval()
    save_run_model(tmp_path / "runs" / "old", module, config("segmentation", "unet-resnet18"))
    earlier = {**model_dict("segmentation", "unet-resnet18"), "num_classes": 2, "head": "sigmoid",
               "train": {"preset": "balanced", "crop": 64}}  # fmt: skip
    (tmp_path / "runs" / "old" / "config.json").write_text(json.dumps(earlier))
    run = load_run(tmp_path, "old", device="cpu")
    assert run.config == ModelConfig.from_dict(model_dict("segmentation", "unet-resnet18"))
    image = np.random.default_rng(3).random((64, 64, 3)).astype(np.float32)
    want = run_module(module, np.ascontiguousarray(image.transpose(2, 0, 1))[None])[0]
    np.testing.assert_allclose(run.scores(image), want, atol=1e-5)


def test_device_choice_and_training_precision() -> None:
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(DeviceError, match="unknown device"):
        pick_device("tpu")
    cands = precision_candidates(torch.device("cpu"))
    assert cands[0].autocast_dtype is None  # the fallback is plain float32
    # bf16 is only timed where the CPU computes it natively
    assert any(c.autocast_dtype == torch.bfloat16 for c in cands) == cpu_has_fast_bf16()


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="an x86 oneDNN setting")
def test_bf16_is_not_timed_where_onednn_is_held_below_it(tmp_path) -> None:
    # a CPU whose flags offer bf16, in a process where oneDNN may not use it: certain on any x86 CPU
    flags = tmp_path / "cpuinfo"
    flags.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 fma avx512f avx512_bf16\n", encoding="ascii")
    probe = (
        "import sys, torch; from workbench.learn import device as d; "
        "print(d.cpu_has_fast_bf16(sys.argv[1]), d.cpu_has_fast_bf16(sys.argv[2]))"
    )
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2"}
    out = subprocess.run([sys.executable, "-c", probe, str(flags), str(tmp_path / "missing")],
                         env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.split() == ["False", "False"]
    # without flags for it, bf16 is never offered, whatever oneDNN says
    flags.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 fma avx512f\n", encoding="ascii")
    assert not cpu_has_fast_bf16(flags)


@pytest.mark.parametrize("bf16", [True, False])
def test_a_gpu_trains_in_bf16_where_it_can_else_fp16_with_loss_scaling(monkeypatch, bf16: bool) -> None:
    # what a GPU computes is the driver's answer; here it is given, so both branches run on any machine
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    monkeypatch.setattr(torch.cuda, "device", lambda d: contextlib.nullcontext())
    gpu = torch.device("cuda")
    (only,) = precision_candidates(gpu)
    assert only.channels_last and only.autocast_dtype == (torch.bfloat16 if bf16 else torch.float16)
    assert _needs_scaler(gpu, [only]) is (not bf16)
    # a CPU never scales: its candidates are fp32 or bf16
    assert not _needs_scaler(torch.device("cpu"), precision_candidates(torch.device("cpu")))


class _ToyFitted(torch.nn.Module):
    """A stand-in for a fitted plugin model: score = image mean times a fitted gain."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("gain", torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.mean(dim=1, keepdim=True) * self.gain).clamp(0.0, 1.0)


class _ToyEntry:
    name = "toy-fitted"
    value = "tests:toy"

    def load(self) -> ModelInfo:
        return ModelInfo("toy-fitted", "anomaly", "toy", 0.1, "none", 64, lambda c, k, p: _ToyFitted(),
                         fit=lambda *args, **kwargs: _ToyFitted())  # fmt: skip


def test_anomaly_run_of_a_fitted_plugin_model_is_rebuilt_by_name(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(models, "_plugin_entries", lambda: {"toy-fitted": _ToyEntry()})
    monkeypatch.setattr(models, "_plugin_cache", {})
    module = _ToyFitted()
    module.gain.fill_(0.5)
    save_run_model(tmp_path / "runs" / "p1", module, config("anomaly", "toy-fitted", classes=CLASSES[:1]))
    run = load_run(tmp_path, "p1", device="cpu")
    assert isinstance(run.score_module, _ToyFitted) and float(run.score_module.gain) == 0.5
    np.testing.assert_allclose(run.scores(np.ones((64, 64, 3), np.float32)), 0.5)
