"""Anomaly training from good images only: fit the memory-bank model, then validate like the others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from workbench.core.cancel import CancelToken
from workbench.core.preprocess import to_unit_float
from workbench.core.project import Project
from workbench.learn.anomaly import fit_anomaly
from workbench.learn.data import SplitSamples, class_lut, load_items
from workbench.learn.device import pick_device
from workbench.learn.infer import LoadedRun
from workbench.learn.models import ANOMALY_BUILTIN, list_models, model_info
from workbench.learn.presets import ConfigError, TrainConfig
from workbench.learn.train_loop import Reporter
from workbench.learn.validation import tile_for, validate


def train_anomaly(
    project: Project,
    cfg: TrainConfig,
    splits: SplitSamples,
    classes: list[dict[str, Any]],
    decision: dict[str, Any],
    report: Reporter,
    cancel: CancelToken,
) -> tuple[nn.Module, dict[str, Any], dict[str, Any]]:
    """Fit on the OK training images; the 0.5 threshold is set on the val images (OK and any NG)."""
    lut = class_lut([0])
    train = load_items(project, splits.train, lut, cfg.seed, _scaled(report, 0.0, 0.1), cancel)
    val = load_items(project, splits.val, lut, cfg.seed, _scaled(report, 0.1, 0.15), cancel)
    tile, overlap = tile_for("anomaly", cfg.crop)
    fit, model_name = _fit_function(cfg.model)
    if model_name != ANOMALY_BUILTIN:
        # A plugin's fitted model (e.g. a golden template) must see whole images at once.
        side = max(max(it.image.shape[:2]) for it in train)
        tile, overlap = -(-side // 32) * 32, 0
    report.log(f"fitting {model_name} on {len(train)} good images ({len(val)} for validation)")
    model = fit(
        [to_unit_float(it.image) for it in train],
        [to_unit_float(it.image) for it in val if it.label == "ok"],
        [to_unit_float(it.image) for it in val if it.label == "ng"],
        progress=_scaled(report, 0.15, 0.85),
        cancel=cancel,
        tile=tile,
        overlap=overlap,
        seed=cfg.seed,
    )
    channels = int(train[0].image.shape[2])
    features = getattr(model, "features", None)
    if features is not None and hasattr(features, "source"):
        report.log(f"backbone: {features.source}")
    mean = getattr(model, "mean", None)
    std = getattr(model, "std", None)
    config = {
        "task": "anomaly",
        "model": model_name,
        "in_channels": channels,
        "classes": classes,
        "num_classes": 1,
        "tile_size": tile,
        "overlap": overlap,
        "mean": [float(v) for v in mean.flatten()] if mean is not None else [0.0] * channels,
        "std": [float(v) for v in std.flatten()] if std is not None else [1.0] * channels,
        "decision": decision,
        "train": cfg.to_dict(),
    }
    report.progress(0.85, "validating")
    predictor = LoadedRun(project.root, config, model.eval(), pick_device("cpu"))
    metrics = validate(predictor, val, cancel, pixels=True)
    for name, value in metrics.items():
        if value is not None:
            report.metric(f"val.{name}", float(value), 1)
    return model, config, dict(metrics, epochs=1, best_epoch=1)


def _fit_function(name: str) -> tuple[Callable[..., nn.Module], str]:
    """The fit function of the chosen good-only model: a registered one (plugins) or the built-in."""
    if name not in ("anomaly", ANOMALY_BUILTIN):
        if name not in list_models("anomaly"):
            raise ConfigError(f"unknown good-only model {name!r}; choose one of {list_models('anomaly')}")
        info = model_info(name)
        if info.fit is not None:
            return info.fit, name
    return fit_anomaly, ANOMALY_BUILTIN


def _scaled(report: Reporter, lo: float, hi: float) -> Any:
    def progress(fraction: float, message: str = "") -> None:
        report.progress(lo + (hi - lo) * fraction, message)

    return progress
