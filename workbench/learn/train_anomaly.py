"""Good-only training: fit the normal model on good train images, then place its threshold.

Every good-only model, built-in or a plugin's, takes the one path: ``ModelInfo.fit`` on the good
training images, then ``anomaly_threshold.place_threshold`` on every labelled image the fit did not
see (NG images of the train and val splits, good val images), so the run ships a decision placed
as a supervised run's is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import chain
from typing import Any

import numpy as np
import torch
from torch import nn

from workbench.core.cancel import CancelToken
from workbench.core.decisions import DecisionConfig
from workbench.core.operating_point import describe
from workbench.core.preprocess import unit_range
from workbench.core.project import Project
from workbench.core.run_config import ModelClass, ModelConfig, RunConfig, TrainConfig
from workbench.learn import log_lines
from workbench.learn.anomaly_threshold import hold_out_good, place_threshold
from workbench.learn.data import SplitSamples, class_lut, load_items
from workbench.learn.infer import LoadedRun
from workbench.learn.models import ANOMALY_BUILTIN, list_models, model_info
from workbench.learn.presets import ConfigError
from workbench.learn.time_budget import TimeBudget
from workbench.learn.train_loop import Reporter
from workbench.learn.validation import tile_for

# With a time limit, this share of it is kept for what follows the features of the good images
# (the memory bank's coreset and normal spread), besides the threshold placement's image scoring.
FIT_END_SHARE = 0.15
# Scoring an image to place the threshold, reckoned in feature times of one training image (which
# samples patches over several tiles): on elpv-mono (2-core AVX2 EPYC) fitting took 0.39 s a good
# image and scoring 0.18 s an image; 0.5 keeps a little room.
SCORE_COST = 0.5
# The fit never stops before this many good images (or all of them): a bank of a handful of parts
# rejects every good part, which no time saved is worth; a limit too short for it is overrun.
MIN_FIT_IMAGES = 32


def fit_pacer(
    budget: TimeBudget, n_total: int, n_scored: int, log: Callable[[str], None]
) -> Callable[[int], bool]:
    """``keep_going(n)`` for a fit over ``n_total`` good images, asked after the first ``n``: False
    once ``MIN_FIT_IMAGES`` are in and the features of one more image, the end of the fit
    (``FIT_END_SHARE`` of the limit) and scoring the ``n_scored`` images that place the threshold
    (``SCORE_COST`` feature times each) would not fit in the time left. The time per image is
    measured from the second image on (the first pays for building the model). The fit then uses
    the images it has, and says so once."""
    first: list[float] = []

    def keep_going(done: int) -> bool:
        if budget.limit is None:
            return True
        if done <= 1:
            first[:] = [budget.spent()]
            return True
        per_image = (budget.spent() - first[0]) / (done - 1)
        if done < MIN_FIT_IMAGES or budget.fits(
            per_image * (1 + SCORE_COST * n_scored) + FIT_END_SHARE * budget.limit
        ):
            return True
        short = not budget.fits(per_image * SCORE_COST * n_scored)
        said = log_lines.FIT_CUT_SHORT if short else log_lines.FIT_CUT
        line = said(done=done, total=n_total, scored=n_scored, limit=budget.limit)
        budget.skip(line)
        log(line)
        return False

    return keep_going


def train_anomaly(
    project: Project,
    cfg: TrainConfig,
    splits: SplitSamples,
    classes: list[ModelClass],
    decision: DecisionConfig,
    report: Reporter,
    cancel: CancelToken,
    budget: TimeBudget | None = None,
) -> tuple[nn.Module, RunConfig, dict[str, Any]]:
    """Fit on the OK training images; the threshold is placed on the labelled images the fit did
    not see, the NG images of the train split among them. ``budget`` records the phases (a good-only
    fit stops taking good images when the rest would not leave time to place the threshold, see
    ``fit_pacer``; the threshold placement itself always runs: a run needs its decision)."""
    budget = budget if budget is not None else TimeBudget(cfg.time_limit)
    lut = class_lut([0])
    with budget.phase("loading"):
        train = load_items(project, splits.train, lut, cfg.seed, _scaled(report, 0.0, 0.08), cancel)
        val = load_items(project, splits.val, lut, cfg.seed, _scaled(report, 0.08, 0.12), cancel)
        ng_train = load_items(
            project, splits.threshold_only, lut, cfg.seed, _scaled(report, 0.12, 0.15), cancel
        )
    tile, overlap = tile_for("anomaly", cfg.crop)
    fit, model_name = _fit_function(cfg.model)
    if model_name != ANOMALY_BUILTIN:
        # A plugin's fitted model (e.g. a golden template) must see whole images at once.
        side = max(max(it.image.shape[:2]) for it in train)
        tile, overlap = -(-side // 32) * 32, 0
    fit_on, held_out = hold_out_good(train, any(it.label == "ok" for it in val))
    # a seeded order: when the time limit stops the fit early, the images it took are a random
    # sample of the good parts, not the first ones imported (often one batch, one product variant)
    order = np.random.default_rng(cfg.seed).permutation(len(fit_on))
    fit_on = [fit_on[i] for i in order]
    report.log(log_lines.FITTING(model=model_name, fit=len(fit_on), val=len(val), held_out=len(held_out),
                                 ng=len(ng_train)))  # fmt: skip
    channels = int(train[0].image.shape[2])
    n_scored = len(val) + len(held_out) + len(ng_train)
    # the items hold the planes the model takes (``load_items`` applied the alpha rule)
    with budget.phase("fit"):
        model = fit(
            [unit_range(it.image) for it in fit_on],
            (unit_range(it.image) for it in chain(val, held_out) if it.label == "ok"),
            (unit_range(it.image) for it in chain(val, ng_train) if it.label == "ng"),
            progress=_scaled(report, 0.15, 0.6), cancel=cancel, tile=tile, overlap=overlap, seed=cfg.seed,
            device=cfg.device, keep_going=fit_pacer(budget, len(fit_on), n_scored, report.log),
        ).eval()  # fmt: skip
    features = getattr(model, "features", None)
    if features is not None and hasattr(features, "source"):
        report.log(log_lines.BACKBONE(source=features.source))
    config = _model_config(model, model_name, channels, classes, tile, overlap, decision)
    run = LoadedRun(project.root, config, model, _device_of(model))
    with budget.phase("decision"):
        placed = place_threshold(run, val, held_out, ng_train, decision, _scaled(report, 0.6, 0.95), cancel)
    config = replace(config, decision=placed.decision, decision_origin=tuple(placed.origins))
    for origin in placed.origins:
        report.log(log_lines.DECISION.said("decision " + describe(origin), origin=origin))
    for name, value in placed.validation.items():
        if value is not None:
            report.metric(f"val.{name}", float(value), 1)
    metrics = dict(placed.validation, threshold=placed.threshold, epochs=1, best_epoch=1)
    return model.cpu(), RunConfig(cfg, config), metrics


def _model_config(model: nn.Module, name: str, channels: int, classes: list[ModelClass], tile: int,
                  overlap: int, decision: DecisionConfig) -> ModelConfig:  # fmt: skip
    mean, std = getattr(model, "mean", None), getattr(model, "std", None)
    return ModelConfig(
        task="anomaly", model=name, in_channels=channels, classes=tuple(classes), tile_size=tile,
        overlap=overlap, decision=decision,
        mean=tuple(float(v) for v in mean.flatten()) if mean is not None else (0.0,) * channels,
        std=tuple(float(v) for v in std.flatten()) if std is not None else (1.0,) * channels,
    )  # fmt: skip


def _device_of(module: nn.Module) -> torch.device:
    first = next(chain(module.parameters(), module.buffers()), None)
    return first.device if first is not None else torch.device("cpu")


def _fit_function(name: str) -> tuple[Callable[..., nn.Module], str]:
    """The fit function of the chosen good-only model ("anomaly": the built-in memory bank)."""
    name = ANOMALY_BUILTIN if name == "anomaly" else name
    if name not in list_models("anomaly"):
        raise ConfigError(f"unknown good-only model {name!r}; choose one of {list_models('anomaly')}")
    fit = model_info(name).fit
    if fit is None:
        raise ConfigError(f"good-only model {name!r} has no fit function (ModelInfo.fit)")
    return fit, name


def _scaled(report: Reporter, lo: float, hi: float) -> Any:
    def progress(fraction: float, message: str = "") -> None:
        report.progress(lo + (hi - lo) * fraction, message)

    return progress
