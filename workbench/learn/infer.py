"""In-process inference of a finished run: load ``runs/<id>/`` and predict score maps.

``save_run_model`` is the one writer of ``model.pt`` + ``config.json`` (a ``core.run_config.RunConfig``);
``load_run`` the one reader, so the trainer, evaluation and export agree on what a run holds
(docs/dev/contracts.md).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from workbench.core.atomic import atomic_write_bytes, atomic_write_json
from workbench.core.decisions import DecisionConfig
from workbench.core.errors import WorkbenchError
from workbench.core.inference import TiledModel
from workbench.core.region_stage import RegionFn, RegionStage
from workbench.core.run_config import ModelConfig, RunConfig, RunConfigError
from workbench.core.tiling import TileFn, Tiling
from workbench.learn.device import cpu_speedups, pick_device
from workbench.learn.models import ANOMALY_BUILTIN, get_model, list_models, model_info
from workbench.learn.region_model import RegionModelError, load_region_module
from workbench.learn.score_model import ScoreModel

CONFIG_NAME = "config.json"
MODEL_NAME = "model.pt"


class RunLoadError(WorkbenchError):
    """A run folder lacks its model or config, or they do not fit together."""


def save_run_model(run_dir: str | os.PathLike[str], score_module: nn.Module, config: RunConfig) -> None:
    """Write ``model.pt`` (a plain state dict) then ``config.json``, each atomically."""
    if config.model is None:
        raise RunLoadError(f"run {run_dir}: a model is saved with its model config")
    run = Path(run_dir)
    buf = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in score_module.state_dict().items()}, buf)
    atomic_write_bytes(run / MODEL_NAME, buf.getvalue())
    write_run_config(run, config)


def write_run_config(run_dir: str | os.PathLike[str], config: RunConfig) -> None:
    """Replace ``config.json`` atomically (a shipped decision changed; the model file stays)."""
    atomic_write_json(Path(run_dir) / CONFIG_NAME, config.to_dict())


def _read_config(run: Path) -> ModelConfig:
    path = run / CONFIG_NAME
    try:
        config = RunConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise RunLoadError(f"run {run} has no {CONFIG_NAME}; it did not finish training") from exc
    except (OSError, ValueError) as exc:
        raise RunLoadError(f"{path} is unreadable: {exc}") from exc
    except RunConfigError as exc:
        raise RunLoadError(f"{path} {exc}") from exc
    if config.model is None:
        raise RunLoadError(f"{path} holds no model; the run did not finish training")
    return config.model


def _read_state(run: Path) -> dict[str, torch.Tensor]:
    path = run / MODEL_NAME
    if not path.is_file():
        raise RunLoadError(f"run {run} has no {MODEL_NAME}; it did not finish training")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several unrelated types for damaged files
        raise RunLoadError(f"{path} is damaged or not a state dict: {exc}") from exc


def _fitted_module(config: ModelConfig, state: dict[str, torch.Tensor]) -> nn.Module:
    """A good-only run's empty module: a registered fitted model by name, else the built-in bank."""
    name = config.model
    if name != ANOMALY_BUILTIN and name in list_models() and model_info(name).fit is not None:
        return get_model(name, config.in_channels, 1, pretrained=False)
    from workbench.learn.anomaly import AnomalyModel

    return AnomalyModel.from_state_dict(state)


def build_score_module(config: ModelConfig, state: dict[str, torch.Tensor]) -> nn.Module:
    """Rebuild the run's score module from its config and load ``state`` into it."""
    if config.task == "anomaly":
        module: nn.Module = _fitted_module(config, state)
    else:
        # a softmax head has a channel for "OK" before the defect classes
        outputs = len(config.classes) + (config.head == "softmax")
        net = get_model(config.model, config.in_channels, outputs, pretrained=False)
        module = ScoreModel(net, list(config.mean), list(config.std), config.head)
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise RunLoadError(f"model.pt does not fit model {config.model!r}: {exc}") from exc
    return module.eval()


@dataclass
class LoadedRun(TiledModel):
    """A run ready to predict: its config, its score module (eval mode) and the device it is on.

    A thin adapter: the module is the tile function of core's ``TiledModel`` (``scores``,
    ``scores_many``, ``inspect``), the same pipeline a bundle runs in the runtime.
    """

    run_dir: Path
    config: ModelConfig
    score_module: nn.Module
    device: torch.device
    batch: int = 4
    region_module: nn.Module | None = None  # the second stage (``learn.region_model``), if any

    @property
    def task(self) -> str:
        return self.config.task

    @property
    def region_stage(self) -> RegionStage | None:
        return self.config.region_stage if self.region_module is not None else None

    def region_fn(self) -> RegionFn:
        module = self.region_module
        if module is None:
            return super().region_fn()

        def run(crops: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                x = torch.from_numpy(np.ascontiguousarray(crops)).to(self.device)
                return module(x).float().cpu().numpy()

        return run

    @property
    def in_channels(self) -> int:
        return self.config.in_channels

    @property
    def tiling(self) -> Tiling:
        return self.config.tiling

    @property
    def decision_config(self) -> DecisionConfig:
        return self.config.shipped_decision()

    def tile_fn(self) -> TileFn:
        def run(batch: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                x = torch.from_numpy(np.ascontiguousarray(batch)).to(self.device)
                return self.score_module(x).float().cpu().numpy()

        return run

    def tiles_per_call(self) -> int:
        # On a CPU, calls of several tiles were slower per pixel, not faster (2-core AVX2, U-Net
        # EfficientNet-Lite0: 4 tiles of 512 took 1.2-1.8x the time per tile of one call of one).
        return 1 if self.device.type == "cpu" else super().tiles_per_call()

    @contextmanager
    def running(self) -> Iterator[None]:
        # validation during training hands in a module in train mode; predict in eval, then restore
        modules = [m for m in (self.score_module, self.region_module) if m is not None]
        was_training = [m.training for m in modules]
        for m in modules:
            m.eval()
        try:
            yield
        finally:
            for m, mode in zip(modules, was_training, strict=True):
                m.train(mode)


def load_run(
    project_root: str | os.PathLike[str], run_id: str, device: str = "auto", batch: int = 4
) -> LoadedRun:
    """Load ``<project_root>/runs/<run_id>`` onto ``device`` (``auto`` = CUDA when available)."""
    run = Path(project_root) / "runs" / str(run_id)
    if not run.is_dir():
        raise RunLoadError(f"run folder {run} does not exist")
    config = _read_config(run)
    module = build_score_module(config, _read_state(run))
    try:
        region = load_region_module(run, config)
    except RegionModelError as exc:
        raise RunLoadError(str(exc)) from exc
    dev = pick_device(device)
    if dev.type == "cpu":
        cpu_speedups()
    return LoadedRun(run, config, module.to(dev), dev, batch, None if region is None else region.to(dev))
