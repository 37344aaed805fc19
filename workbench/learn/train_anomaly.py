"""Anomaly training from good images only: fit the model, set its threshold on val, validate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from torch import nn

from workbench.core.cancel import CancelToken
from workbench.core.decisions import image_score
from workbench.core.preprocess import unit_range
from workbench.core.project import Project
from workbench.learn.anomaly import AnomalyModel, RawScores, fit_bank, raw_image_score, set_threshold
from workbench.learn.data import SplitSamples, class_lut, load_items
from workbench.learn.data_sampling import TrainItem
from workbench.learn.device import pick_device
from workbench.learn.infer import LoadedRun
from workbench.learn.models import ANOMALY_BUILTIN, list_models, model_info
from workbench.learn.presets import ConfigError, TrainConfig
from workbench.learn.train_loop import Reporter
from workbench.learn.validation import ValidationTally, tile_for, validate


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
    channels = int(train[0].image.shape[2])
    config = {"task": "anomaly", "model": model_name, "in_channels": channels, "classes": classes,
              "num_classes": 1, "tile_size": tile, "overlap": overlap, "decision": decision,
              "train": cfg.to_dict()}  # fmt: skip
    # the items hold the planes the model takes (``load_items`` applied the alpha rule)
    train_unit = [unit_range(it.image) for it in train]
    model: nn.Module  # the built-in bank, or whatever module a plugin's fit returns
    if fit is None:
        model, metrics = _fit_builtin(project, cfg, config, train_unit, val, report, cancel)
    else:
        model = fit(
            train_unit,
            [unit_range(it.image) for it in val if it.label == "ok"],
            [unit_range(it.image) for it in val if it.label == "ng"],
            progress=_scaled(report, 0.15, 0.85), cancel=cancel, tile=tile, overlap=overlap,
            seed=cfg.seed,
        )  # fmt: skip
        report.progress(0.85, "validating")
        predictor = LoadedRun(project.root, config, model.eval(), pick_device("cpu"))
        metrics = validate(predictor, val, cancel, pixels=True)
    features = getattr(model, "features", None)
    if features is not None and hasattr(features, "source"):
        report.log(f"backbone: {features.source}")
    mean = getattr(model, "mean", None)
    std = getattr(model, "std", None)
    config["mean"] = [float(v) for v in mean.flatten()] if mean is not None else [0.0] * channels
    config["std"] = [float(v) for v in std.flatten()] if std is not None else [1.0] * channels
    for name, value in metrics.items():
        if value is not None:
            report.metric(f"val.{name}", float(value), 1)
    return model, config, dict(metrics, epochs=1, best_epoch=1)


def _fit_builtin(
    project: Project, cfg: TrainConfig, config: dict[str, Any], train: list[np.ndarray],
    val: list[TrainItem], report: Reporter, cancel: CancelToken,
) -> tuple[AnomalyModel, dict[str, Any]]:  # fmt: skip
    """Memory bank, then one scoring pass over the val images that both sets the threshold and
    gives the validation metrics (scoring is most of the time on large images)."""
    tile, overlap = int(config["tile_size"]), int(config["overlap"])
    has_ok = any(it.label == "ok" for it in val)
    model, held_out = fit_bank(train, _scaled(report, 0.15, 0.6), cancel, tile, seed=cfg.seed,
                               device=cfg.device, hold_out=not has_ok)  # fmt: skip
    raw_run = LoadedRun(project.root, config, RawScores(model).eval(), model.mean.device)
    maps: list[np.ndarray] = []
    for i, item in enumerate(val):
        cancel.raise_if_cancelled()
        # float16 halves what the val maps hold in memory; the threshold needs far less precision
        maps.append(raw_run.scores(item.image).astype(np.float16))
        report.progress(0.6 + 0.35 * (i + 1) / len(val), f"scoring validation image {i + 1}/{len(val)}")
    ok = [image_score(m) for m, it in zip(maps, val) if it.label == "ok"]
    ok += [raw_image_score(model, chw, tile, overlap) for chw in held_out]
    ng = [image_score(m) for m, it in zip(maps, val) if it.label == "ng"]
    threshold = set_threshold(model, ok, ng)
    tally = ValidationTally(pixels=True)
    for raw, item in zip(maps, val):
        tally.add(np.clip(raw.astype(np.float32) / (2.0 * threshold), 0.0, 1.0), item)
    return model.cpu(), tally.result()


def _fit_function(name: str) -> tuple[Callable[..., nn.Module] | None, str]:
    """The fit function of the chosen good-only model (plugins); None for the built-in bank."""
    if name not in ("anomaly", ANOMALY_BUILTIN):
        if name not in list_models("anomaly"):
            raise ConfigError(f"unknown good-only model {name!r}; choose one of {list_models('anomaly')}")
        info = model_info(name)
        if info.fit is not None:
            return info.fit, name
    return None, ANOMALY_BUILTIN


def _scaled(report: Reporter, lo: float, hi: float) -> Any:
    def progress(fraction: float, message: str = "") -> None:
        report.progress(lo + (hi - lo) * fraction, message)

    return progress
