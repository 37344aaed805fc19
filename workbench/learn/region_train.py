"""The second stage of a segmentation run: scan, train and place the region classifier.

Runs after the segmenter's decision is placed (``train_supervised``), within ``region_share`` of
the run's time limit, which the training loop reserved for it (``region_reserve``). That share is
split: the scan of the training images gets up to ``SCAN_SHARE`` of it, placing the threshold on
the val images what the scan's pace says it needs (at most ``VAL_SHARE``), the classifier's
training the rest. Anything that goes wrong (no time left, nothing to learn from, an error) leaves
the run a plain one-stage run; the log says why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.decisions import DecisionConfig
from workbench.core.messages import Said
from workbench.core.project import Project
from workbench.core.region_stage import RegionStage
from workbench.core.run_config import ModelConfig, TrainConfig
from workbench.learn import log_lines
from workbench.learn.data import SplitSamples
from workbench.learn.infer import LoadedRun
from workbench.learn.region_data import ScanImage, interleave, scan_crops
from workbench.learn.region_fit import BATCH, fit_region_module
from workbench.learn.region_model import REGION_MODEL, new_region_module, save_region_module
from workbench.learn.region_threshold import decide_val, effect, place_confirm
from workbench.learn.time_budget import TimeBudget
from workbench.learn.train_loop import Reporter

SCAN_SHARE = 0.35  # of the stage's time: scanning the training images
VAL_SHARE = 0.25  # of the stage's time, at most: placing the threshold on the val images
SAVE_S = 2.0  # kept back for saving the run after the stage
MIN_STAGE_S = 3.0  # a stage with less time than this is left out
MAX_STEPS_NO_LIMIT = 400  # classifier steps of a run without a time limit: max_epochs passes, within this
MIN_LEVEL = 0.01  # stage levels lie in (0, 1]


@dataclass
class StageResult:
    """A trained second stage: the config and decision to ship, and its ``metrics.json`` section."""

    config: ModelConfig
    metrics: dict[str, Any]


def region_reserve(cfg: TrainConfig) -> float:
    """Seconds of the limit the training loop keeps back for the second stage."""
    if not cfg.region_stage or cfg.time_limit is None:
        return 0.0
    return cfg.region_share * cfg.time_limit


def train_region_stage(project: Project, run_dir: Path, cfg: TrainConfig, splits: SplitSamples,
                       model: torch.nn.Module, config: ModelConfig, device: torch.device,
                       report: Reporter, cancel: CancelToken, budget: TimeBudget) -> StageResult | None:  # fmt: skip
    """The run's config with a second stage (``classifier.pt`` written), or None (logged why)."""
    seconds = _stage_seconds(cfg, budget)
    if seconds is not None and seconds < MIN_STAGE_S:
        return _left_out(report, budget, log_lines.REGION_NO_TIME(left=max(seconds, 0.0)))
    classes = project.classes()
    if not classes:
        return _left_out(report, budget, log_lines.REGION_NO_CLASSES())
    stage = RegionStage(
        levels=tuple(min(max(r.threshold, MIN_LEVEL), 1.0) for r in config.decision.rules_for(len(config.classes))),
        class_ids=tuple(c.id for c in classes),
        names=tuple(c.name for c in classes),
        input_size=cfg.region_input,
    )
    try:
        return _train(project, run_dir, cfg, splits, model, config, stage, device, report, cancel, budget, seconds)
    except Cancelled:
        raise
    except Exception as exc:  # the run still ships its segmenter: say why the stage is missing
        return _left_out(report, budget, log_lines.REGION_FAILED(error=f"{type(exc).__name__}: {exc}"))


def _stage_seconds(cfg: TrainConfig, budget: TimeBudget) -> float | None:
    left = budget.left()
    if left is None:
        return None
    return min(left - SAVE_S, region_reserve(cfg))


def _left_out(report: Reporter, budget: TimeBudget, why: Said) -> None:
    line = log_lines.REGION_LEFT_OUT(why=why)
    budget.skip(line)
    report.log(line)
    return None


def _train(project: Project, run_dir: Path, cfg: TrainConfig, splits: SplitSamples, model: torch.nn.Module,
           config: ModelConfig, stage: RegionStage, device: torch.device, report: Reporter,
           cancel: CancelToken, budget: TimeBudget, seconds: float | None) -> StageResult | None:  # fmt: skip
    t_start = time.monotonic()
    deadline = None if seconds is None else t_start + seconds
    if seconds is None:
        report.log(log_lines.REGION_BUDGET_NONE())
    else:
        report.log(log_lines.REGION_BUDGET(seconds=seconds, limit=cfg.time_limit, share=cfg.region_share,
                                           scan=SCAN_SHARE * seconds, val=VAL_SHARE * seconds))  # fmt: skip
    segmenter = LoadedRun(run_dir, config, model, device, batch=2)
    train_images = interleave(*_scan_images(project, splits.train, cfg.seed))
    report.log(log_lines.REGION_SCAN_STARTED(images=len(train_images), levels=_levels(stage)))
    scan_end = None if seconds is None else t_start + SCAN_SHARE * seconds
    min_area = [r.min_area_px for r in config.decision.rules_for(len(config.classes))]

    def scan_stop() -> bool:
        cancel.raise_if_cancelled()
        return scan_end is not None and time.monotonic() >= scan_end

    with budget.phase("region_scan"):
        crops = scan_crops(segmenter, train_images, stage, min_area, cfg.seed, scan_stop)
    kinds = crops.counts()
    report.log(log_lines.REGION_SCAN_DONE(scanned=crops.scanned, images=len(train_images), seconds=crops.seconds,
                                          defects=kinds.get("defect", 0), false_alarms=kinds.get("false_alarm", 0),
                                          good=kinds.get("good", 0)))  # fmt: skip
    if not any(crops.labels) or all(crops.labels):
        return _left_out(report, budget, log_lines.REGION_NO_CROPS())
    val_images = interleave(*_scan_images(project, splits.val, cfg.seed))
    val_s = _val_estimate(crops.seconds, crops.scanned, train_images, val_images)
    module = new_region_module(REGION_MODEL, config.in_channels, stage.n_outputs, pretrained=cfg.pretrained)
    report.log(log_lines.MODEL_SOURCE(model=REGION_MODEL, source=getattr(module.net, "pretrained_source", "built")))
    fit_s = None
    if deadline is not None and seconds is not None:
        fit_s = deadline - time.monotonic() - min(val_s, VAL_SHARE * seconds)
        if fit_s < 1.0:
            return _left_out(report, budget, log_lines.REGION_NO_TIME(left=max(fit_s, 0.0)))
    steps = _max_steps(cfg, len(crops.labels), fit_s)
    if fit_s is None:
        report.log(log_lines.REGION_TRAINING_STEPS(model=REGION_MODEL, crops=len(crops.labels),
                                                   size=stage.input_size, steps=steps))  # fmt: skip
    else:
        report.log(log_lines.REGION_TRAINING(model=REGION_MODEL, crops=len(crops.labels), size=stage.input_size,
                                             seconds=fit_s))  # fmt: skip
    with budget.phase("region_train"):
        fit = fit_region_module(module, crops, stage, device, fit_s, steps,
                                cfg.seed, cancel, _progress(report, budget, cfg))  # fmt: skip
    report.log(log_lines.REGION_TRAINED(steps=fit.steps, epochs=fit.epochs, seconds=fit.seconds, loss=fit.loss))
    staged = replace(config, region_stage=stage, region_model=REGION_MODEL)
    both = LoadedRun(run_dir, staged, model, device, batch=2, region_module=module)

    def val_stop() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    with budget.phase("region_threshold"):
        decided = decide_val(both, val_images, config.decision, val_stop, cancel)
        placement = place_confirm(decided, config.decision)
    decision = _with_confirm(config.decision, placement.thresholds)
    for rule, top, caught in zip(decision.classes, placement.highest, placement.ng_caught, strict=True):
        report.log(_threshold_line(rule.name, rule.confirm_threshold, top, caught, len(decided), len(val_images)))
    moved = effect(decided, config.decision, placement.thresholds)
    report.log(log_lines.REGION_VAL_EFFECT(**moved))
    save_region_module(run_dir, module.cpu())
    metrics = {"crops": crops.per_label(), "kinds": kinds, "scanned": crops.scanned,
               "train_images": len(train_images), "scan_s": round(crops.seconds, 1), **fit.to_dict(),
               "val_images": len(decided), "val": moved,
               "thresholds": {str(r.class_id): r.confirm_threshold for r in decision.classes},
               "highest": [None if h is None else round(h, 4) for h in placement.highest],
               "seconds": round(time.monotonic() - t_start, 1)}  # fmt: skip
    return StageResult(replace(staged, decision=decision), metrics)


def _max_steps(cfg: TrainConfig, crops: int, seconds: float | None) -> int:
    """Steps of the classifier's training: as many as fit in ``seconds``; without a limit,
    ``max_epochs`` passes over the crops (at least one step, at most ``MAX_STEPS_NO_LIMIT``)."""
    if seconds is not None:
        return 10**9
    return min(max(math.ceil(cfg.max_epochs * crops / BATCH), 1), MAX_STEPS_NO_LIMIT)


def _levels(stage: RegionStage) -> str:
    return ", ".join(f"{v:.4g}" for v in stage.levels)


def _scan_images(project: Project, samples: Sequence[Any], seed: int) -> tuple[list[ScanImage], list[ScanImage]]:
    """(NG, OK) images of ``samples`` with their project masks, each list in a seeded order."""
    from workbench.core.preprocess import model_planes

    rng = np.random.default_rng(seed)
    ng: list[ScanImage] = []
    ok: list[ScanImage] = []
    for s in samples:
        if s.label == "doubtful":
            continue
        image = model_planes(project.read_image(s, channel=None), one_file=len(s.channel_files) == 1)
        mask = project.read_mask(s) if s.has_mask else None
        is_ng = mask is not None and bool(mask.any())
        (ng if is_ng else ok).append(ScanImage(s.name, image, mask if is_ng else None))
    rng.shuffle(ng)  # type: ignore[arg-type]
    rng.shuffle(ok)  # type: ignore[arg-type]
    return ng, ok


def _val_estimate(scan_s: float, scanned: int, train: Sequence[ScanImage], val: Sequence[ScanImage]) -> float:
    """Seconds the val pass should take at the scan's pace per pixel (plus the classifier: x1.5)."""
    pixels = sum(im.image.shape[0] * im.image.shape[1] for im in train[:scanned])
    per_px = scan_s / max(pixels, 1)
    return 1.5 * per_px * sum(im.image.shape[0] * im.image.shape[1] for im in val)


def _with_confirm(decision: DecisionConfig, thresholds: Sequence[float | None]) -> DecisionConfig:
    out = DecisionConfig.from_dict(decision.to_dict())
    out.classes = [replace(rule, confirm_threshold=t) for rule, t in zip(out.classes, thresholds, strict=True)]
    return out


def _threshold_line(name: str, threshold: float | None, top: float | None, caught: int, seen: int,
                    total: int) -> Said:  # fmt: skip
    if threshold is None:
        return log_lines.REGION_THRESHOLD_NONE(name=name, ng=caught)
    if top is None:
        return log_lines.REGION_THRESHOLD_DEFAULT(name=name, threshold=threshold, seen=seen, total=total)
    return log_lines.REGION_THRESHOLD(name=name, threshold=threshold, highest=top, ng=caught, seen=seen,
                                      total=total)  # fmt: skip


def _progress(report: Reporter, budget: TimeBudget, cfg: TrainConfig) -> Callable[[float], None]:
    last = [0.0]

    def tick(done: float) -> None:
        now = time.monotonic()
        if now - last[0] < 1.0:
            return
        last[0] = now
        fraction = budget.spent() / cfg.time_limit if cfg.time_limit else 0.9 + 0.09 * done
        report.progress(min(fraction, 0.99), log_lines.REGION_TRAINING_STEP(percent=100 * done))

    return tick
