"""Training presets (fast | balanced | accurate per task) and the checked training config.

``fast`` is tuned for real line data on a 2-core CPU: a pretrained EfficientNet-Lite0 U-Net on
256-pixel crops cut around defects, one "defect" channel (every class merged: the quickest signal
for an OK/NG decision), time-boxed to a few minutes and stopped early once the validation score
stops improving. ``balanced`` and ``accurate`` keep one channel per defect class, train on larger
crops for longer, and add the second stage (``region_stage``: a region classifier that names each
region and vetoes false alarms, ``learn.region_train``). Any field can be overridden from the job
spec. The settings themselves are ``core.run_config.TrainConfig`` (the project records them with
each run).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.run_config import DEFAULT_PRESET, DOUBTFUL_MODES, PRESET_NAMES, TrainConfig
from workbench.core.types import TASKS


class ConfigError(WorkbenchError):
    """A training spec names an unknown task, preset or setting, or a value out of range."""


_SEG = {
    "fast": {},
    "balanced": {"crop": 320, "max_epochs": 150, "time_limit": 1200.0, "crops_per_epoch": 240,
                 "patience": 12, "lr": 1.5e-3, "warmup_steps": 30, "class_mode": "separate",
                 "region_stage": True},
    "accurate": {"crop": 384, "max_epochs": 300, "time_limit": 3600.0, "crops_per_epoch": 320,
                 "patience": 20, "lr": 1e-3, "warmup_steps": 50, "focal_gamma": 1.0,
                 "class_mode": "separate", "synthetic": 0.2, "region_stage": True},
}  # fmt: skip
_CLS = {
    "fast": {"model": "cls-effnetlite0", "crop": 256, "batch": 16, "max_epochs": 40, "time_limit": 300.0,
             "lr": 1e-3, "patience": 8},
    "balanced": {"model": "cls-effnetlite0", "crop": 384, "batch": 16, "max_epochs": 80,
                 "time_limit": 1200.0, "lr": 7e-4, "patience": 12},
    "accurate": {"model": "cls-effnetlite0", "crop": 512, "batch": 8, "max_epochs": 150,
                 "time_limit": 3600.0, "lr": 5e-4, "patience": 20},
}  # fmt: skip
_ANOMALY = {
    "fast": {"model": "anomaly", "crop": 256, "time_limit": 120.0},
    "balanced": {"model": "anomaly", "crop": 256, "time_limit": 600.0},
    "accurate": {"model": "anomaly", "crop": 320, "time_limit": 1800.0},
}
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "segmentation": _SEG,
    "classification": _CLS,
    "anomaly": _ANOMALY,
}


def resolve_config(
    task: str, preset: str = DEFAULT_PRESET, overrides: dict[str, Any] | None = None
) -> TrainConfig:
    """The preset's config for ``task`` with ``overrides`` applied and checked."""
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if preset not in PRESET_NAMES:
        raise ConfigError(f"unknown preset {preset!r}; choose one of {', '.join(PRESET_NAMES)}")
    overrides = {k: v for k, v in (overrides or {}).items() if k not in ("task", "preset")}
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise ConfigError(f"unknown training setting(s): {', '.join(sorted(unknown))}")
    cfg = replace(TrainConfig(task=task, preset=preset), **PRESETS[task][preset])
    cfg = replace(cfg, **overrides)
    _check(cfg)
    return cfg


def _check(cfg: TrainConfig) -> None:
    if cfg.crop < 32 or cfg.crop % 32:
        raise ConfigError(f"crop size must be a multiple of 32 (at least 32), got {cfg.crop}")
    if cfg.batch < 1 or cfg.max_epochs < 1 or cfg.crops_per_epoch < 1:
        raise ConfigError("batch, max_epochs and crops_per_epoch must be at least 1")
    if cfg.time_limit is not None and cfg.time_limit <= 0:
        raise ConfigError(f"time limit must be positive seconds, got {cfg.time_limit}")
    if cfg.class_mode not in ("separate", "merge"):
        raise ConfigError(f"class_mode must be 'separate' or 'merge', got {cfg.class_mode!r}")
    if not all(0.0 <= v <= 1.0 for v in (cfg.ng_fraction, cfg.hard_fraction, cfg.synthetic)):
        raise ConfigError("ng_fraction, hard_fraction and synthetic must lie in [0, 1]")
    if cfg.doubtful not in DOUBTFUL_MODES:
        raise ConfigError(f"doubtful must be one of {', '.join(DOUBTFUL_MODES)}, got {cfg.doubtful!r}")
    if not 0.0 < cfg.doubtful_weight <= 1.0:
        raise ConfigError(f"doubtful_weight must lie in (0, 1], got {cfg.doubtful_weight}")
    if not 0.0 <= cfg.scan_share <= 10.0:
        raise ConfigError(f"scan_share must lie in [0, 10] (a share of the val pixels), got {cfg.scan_share}")
    _check_region(cfg)


def _check_region(cfg: TrainConfig) -> None:
    if cfg.region_stage and cfg.task != "segmentation":
        raise ConfigError(f"region_stage (the second-stage classifier) is for segmentation, not {cfg.task}")
    if not 0.0 < cfg.region_share < 1.0:
        raise ConfigError(
            f"region_share must lie in (0, 1) (a share of the time limit), got {cfg.region_share}"
        )
    if cfg.region_input < 32 or cfg.region_input % 32:
        raise ConfigError(f"region_input must be a multiple of 32 (at least 32), got {cfg.region_input}")
