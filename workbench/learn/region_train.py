"""The second stage of a segmentation run: scan, train and place the region classifier.

Runs after the segmenter's decision is placed (``train_supervised``), within ``region_share`` of
the run's time limit, which the training loop reserved for it (``region_reserve``). That share is
split: the scan of the training images gets up to ``SCAN_SHARE`` of it, placing the threshold on
the val images ``STORED_VAL_SHARE`` when the best validation's score maps are at hand (the
classifier alone runs), else what the scan's pace says whole val images need (at most
``VAL_SHARE``), and the classifier's training the rest. Anything that goes wrong (no time left,
nothing to learn from, an error) leaves the run a plain one-stage run; the log says why.
docs/dev/architecture.md, "Second stage: training".
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
from workbench.core.preprocess import model_planes
from workbench.core.project import Project, Sample
from workbench.core.region_stage import RegionStage
from workbench.core.run_config import ModelConfig, TrainConfig
from workbench.learn import log_lines
from workbench.learn.data import SplitSamples
from workbench.learn.infer import LoadedRun
from workbench.learn.models import freeze_early
from workbench.learn.region_data import CropSet, ScanImage, interleave, labelled_crops, scan_crops
from workbench.learn.region_fit import BATCH, FitResult, fit_region_module
from workbench.learn.region_model import REGION_MODEL, RegionScoreModel, new_region_module, save_region_module
from workbench.learn.region_threshold import (
    Placement,
    ValImage,
    ValView,
    decide_val,
    effect,
    place_confirm,
    whole_images,
)
from workbench.learn.time_budget import TimeBudget
from workbench.learn.train_loop import Reporter
from workbench.learn.weights import says_loaded

SCAN_SHARE = 0.35  # of the stage's time: scanning the training images
VAL_SHARE = 0.25  # of the stage's time, at most: placing the threshold on the val images
VAL_PACE = 1.5  # a val image through both stages takes this many times its scan (until measured)
LABELLED_SHARE = 0.05  # of the stage's time, at most: reading the labelled regions the scan did not reach
STORED_VAL_SHARE = 0.1  # of the stage's time, kept for the val pass on the validation's stored maps
SAVE_S = 2.0  # kept back for saving the run after the stage
MIN_STAGE_S = 3.0  # a stage with less time than this is left out
MIN_FIT_S = 1.0  # ... and one whose classifier would train for less than this
MAX_STEPS_NO_LIMIT = 400  # classifier steps of a run without a time limit: max_epochs passes, within this
MIN_LEVEL = 0.01  # stage levels lie in (0, 1]
# The stage's levels are this share of the placed class thresholds: the classifier then looks at
# the regions a lowered threshold adds too (a zero-escape operating point lies well below the
# placed one, and a region found only below the levels is never vetoed). Re-evaluating bench
# crackforest's two-stage run (fast, 420 s) with its level lowered from 0.55 to 0.15 took its
# overkill at zero escape from 36 to 28 of 39 and at 5 escapes from 14 to 11; 0.05 gave about the
# same (28 and 11).
LEVEL_SHARE = 0.25


@dataclass
class StageResult:
    """A trained second stage: the model config to ship and ``metrics.json``'s ``region``."""

    config: ModelConfig
    metrics: dict[str, Any]


def region_reserve(cfg: TrainConfig) -> float:
    """Seconds of the limit the training loop keeps back for the second stage."""
    if not cfg.region_stage or cfg.time_limit is None:
        return 0.0
    return cfg.region_share * cfg.time_limit


def train_region_stage(project: Project, run_dir: Path, cfg: TrainConfig, splits: SplitSamples,
                       model: torch.nn.Module, config: ModelConfig, device: torch.device, report: Reporter,
                       cancel: CancelToken, budget: TimeBudget,
                       stored: list[ValView] | None = None) -> StageResult | None:  # fmt: skip
    """The run's model config with a second stage (``classifier.pt`` written), or None (logged why).
    ``stored``: the val images as the run's best validation scored them (their windows and maps),
    on which the decision was placed; without them the val images are scored whole."""
    seconds = _stage_seconds(cfg, budget)
    if seconds is not None and seconds < MIN_STAGE_S:
        return _left_out(report, budget, log_lines.REGION_NO_TIME(left=max(seconds, 0.0)))
    classes = project.classes()
    if not classes:
        return _left_out(report, budget, log_lines.REGION_NO_CLASSES())
    rules = config.decision.rules_for(len(config.classes))
    stage = RegionStage(
        levels=tuple(min(max(LEVEL_SHARE * r.threshold, MIN_LEVEL), 1.0) for r in rules),
        class_ids=tuple(c.id for c in classes),
        names=tuple(c.name for c in classes),
        input_size=cfg.region_input,
    )
    run = _StageRun(project, run_dir, cfg, model, config, stage, device, report, cancel, budget, seconds)
    try:
        return run.train(splits, stored)
    except Cancelled:
        raise
    except Exception as exc:  # the run still ships its segmenter: say why the stage is missing
        return _left_out(report, budget, log_lines.REGION_FAILED(error=f"{type(exc).__name__}: {exc}"))


def _stage_seconds(cfg: TrainConfig, budget: TimeBudget) -> float | None:
    """The stage's time: its share of the limit, or what is left less saving when that is less."""
    left = budget.left()
    if left is None:
        return None
    return min(left - SAVE_S, region_reserve(cfg))


def _left_out(report: Reporter, budget: TimeBudget, why: Said) -> StageResult | None:
    """No second stage (None), said in the log and recorded with the run's time."""
    line = log_lines.REGION_LEFT_OUT(why=why)
    budget.skip(line)
    report.log(line)
    return None


class _StageRun:
    """One second stage: its context, clock and the three phases (scan, fit, place)."""

    def __init__(self, project: Project, run_dir: Path, cfg: TrainConfig, model: torch.nn.Module,
                 config: ModelConfig, stage: RegionStage, device: torch.device, report: Reporter,
                 cancel: CancelToken, budget: TimeBudget, seconds: float | None) -> None:  # fmt: skip
        self.project, self.run_dir, self.cfg, self.model = project, run_dir, cfg, model
        self.config, self.stage, self.device = config, stage, device
        self.report, self.cancel, self.budget, self.seconds = report, cancel, budget, seconds
        self.start = time.monotonic()
        self.deadline = None if seconds is None else self.start + seconds

    def train(self, splits: SplitSamples, stored: list[ValView] | None) -> StageResult | None:
        cfg, seconds = self.cfg, self.seconds
        if seconds is None:
            self.report.log(log_lines.REGION_BUDGET_NONE())
        else:
            line = log_lines.REGION_BUDGET(seconds=seconds, limit=cfg.time_limit, share=cfg.region_share,
                                           scan=SCAN_SHARE * seconds, val=VAL_SHARE * seconds)  # fmt: skip
            self.report.log(line)
        train_images = interleave(*scan_images(self.project, splits.train, cfg.seed))
        crops = self.scan(train_images)
        self.add_labelled(train_images[crops.scanned :], crops)
        if not any(crops.labels) or all(crops.labels):
            return _left_out(self.report, self.budget, log_lines.REGION_NO_CROPS())
        if stored is not None:  # the segmenter's maps are known: the pass runs the classifier only
            val_images, pace = stored, 0.0
            val_s = STORED_VAL_SHARE * (self.seconds or 0.0)
        else:
            val_images = whole_images(interleave(*scan_images(self.project, splits.val, cfg.seed)))
            pace = VAL_PACE * crops.seconds / max(sum(im.pixels for im in train_images[: crops.scanned]), 1)
            val_s = pace * sum(im.pixels for im in val_images)
        fit_s = self._fit_seconds(val_s)
        if fit_s is not None and fit_s < MIN_FIT_S:
            return _left_out(self.report, self.budget, log_lines.REGION_NO_TIME(left=max(fit_s, 0.0)))
        module, fit = self.fit(crops, fit_s)
        decided, placement = self.place(module, val_images, pace)
        save_region_module(self.run_dir, module.cpu())
        moved = effect(decided, self.config.decision, placement.thresholds)
        self.report.log(log_lines.REGION_VAL_EFFECT(**moved))
        decision = _with_confirm(self.config.decision, placement.thresholds)
        metrics = {"crops": crops.per_label(), "kinds": crops.counts(), "scanned": crops.scanned,
                   "train_images": len(train_images), "scan_s": round(crops.seconds, 1), **fit.to_dict(),
                   "val_images": len(decided), "val": moved,
                   "thresholds": {str(r.class_id): r.confirm_threshold for r in decision.classes},
                   "highest": [None if h is None else round(h, 4) for h in placement.highest],
                   "stage_s": round(time.monotonic() - self.start, 1)}  # fmt: skip
        staged = replace(self.config, region_stage=self.stage, region_model=REGION_MODEL, decision=decision)
        return StageResult(staged, metrics)

    def _fit_seconds(self, val_s: float) -> float | None:
        """The classifier's training time: what is left less the val pass (at most ``VAL_SHARE``)."""
        if self.deadline is None or self.seconds is None:
            return None
        return self.deadline - time.monotonic() - min(val_s, VAL_SHARE * self.seconds)

    def scan(self, images: Sequence[ScanImage]) -> CropSet:
        levels = ", ".join(f"{v:.4g}" for v in self.stage.levels)
        self.report.log(log_lines.REGION_SCAN_STARTED(images=len(images), levels=levels))
        scan_end = None if self.seconds is None else self.start + SCAN_SHARE * self.seconds
        min_area = [r.min_area_px for r in self.config.decision.rules_for(len(self.config.classes))]
        segmenter = LoadedRun(self.run_dir, self.config, self.model, self.device, batch=2)

        def stop(expected: float) -> bool:
            self.cancel.raise_if_cancelled()
            return scan_end is not None and time.monotonic() + expected > scan_end

        with self.budget.phase("region_scan"):
            crops = scan_crops(segmenter, images, self.stage, min_area, self.cfg.seed, stop)
        kinds = crops.counts()
        self.report.log(log_lines.REGION_SCAN_DONE(
            scanned=crops.scanned, images=len(images), seconds=crops.seconds, defects=kinds.get("defect", 0),
            false_alarms=kinds.get("false_alarm", 0), good=kinds.get("good", 0)))  # fmt: skip
        return crops

    def add_labelled(self, rest: Sequence[ScanImage], crops: CropSet) -> None:
        """Every labelled region of the NG training images the scan did not reach becomes a
        positive too: they are only read and cut, no model runs (``LABELLED_SHARE``)."""
        if not any(im.ng for im in rest):
            return
        end = None if self.seconds is None else time.monotonic() + LABELLED_SHARE * self.seconds
        before = crops.counts().get("defect", 0)

        def stop(expected: float) -> bool:
            self.cancel.raise_if_cancelled()
            return end is not None and time.monotonic() + expected > end

        t0 = time.monotonic()
        with self.budget.phase("region_scan"):
            read = labelled_crops(rest, self.config.in_channels, self.stage, crops, stop)
        self.report.log(log_lines.REGION_LABELLED(
            read=read, images=sum(im.ng for im in rest), seconds=time.monotonic() - t0,
            defects=crops.counts().get("defect", 0) - before))  # fmt: skip

    def fit(self, crops: CropSet, seconds: float | None) -> tuple[RegionScoreModel, FitResult]:
        cfg, stage = self.cfg, self.stage
        module = new_region_module(
            REGION_MODEL, self.config.in_channels, stage.n_outputs, pretrained=cfg.pretrained
        )
        source = getattr(module.net, "pretrained_source", "built")
        self.report.log(log_lines.MODEL_SOURCE(model=REGION_MODEL, source=source))
        if says_loaded(source):  # the pretrained early layers stay: steps about 1.3x faster (2-core CPU)
            freeze_early(module.net, REGION_MODEL)
        zero_head(module.net)
        n = len(crops.labels)
        steps = _max_steps(cfg, n, seconds)
        if seconds is None:
            line = log_lines.REGION_TRAINING_STEPS(
                model=REGION_MODEL, crops=n, size=stage.input_size, steps=steps
            )
        else:
            line = log_lines.REGION_TRAINING(
                model=REGION_MODEL, crops=n, size=stage.input_size, seconds=seconds
            )
        self.report.log(line)
        with self.budget.phase("region_train"):
            fit = fit_region_module(module, crops, stage, self.device, seconds, steps, cfg.seed, self.cancel,
                                    _progress(self.report, self.budget, cfg))  # fmt: skip
        self.report.log(log_lines.REGION_TRAINED(steps=fit.steps, epochs=fit.epochs, seconds=fit.seconds,
                                                 loss=fit.loss))  # fmt: skip
        return module, fit

    def place(self, module: RegionScoreModel, images: Sequence[ValView],
              s_per_px: float) -> tuple[list[ValImage], Placement]:  # fmt: skip
        staged = replace(self.config, region_stage=self.stage, region_model=REGION_MODEL)
        both = LoadedRun(self.run_dir, staged, self.model, self.device, batch=2, region_module=module)
        deadline = self.deadline

        def stop(expected: float) -> bool:
            return deadline is not None and time.monotonic() + expected > deadline

        with self.budget.phase("region_threshold"):
            decided = decide_val(both, images, self.config.decision, s_per_px, stop, self.cancel)
            placement = place_confirm(decided, self.config.decision)
        rules = self.config.decision.classes
        for rule, t, top, caught in zip(rules, placement.thresholds, placement.highest, placement.ng_caught,
                                        strict=True):  # fmt: skip
            self.report.log(_threshold_line(rule.name, t, top, caught, len(decided), len(images)))
        return decided, placement


def scan_images(
    project: Project, samples: Sequence[Sample], seed: int
) -> tuple[list[ScanImage], list[ScanImage]]:
    """(NG, OK) images of ``samples`` (doubtful ones left out), each list in a seeded order; an
    image and its project mask are read when it is scanned."""
    rng = np.random.default_rng(seed)
    ng: list[ScanImage] = []
    ok: list[ScanImage] = []
    for s in samples:
        if s.label == "doubtful":
            continue
        is_ng = s.label == "ng" and s.has_mask
        (ng if is_ng else ok).append(ScanImage(s.name, is_ng, s.width * s.height, _reader(project, s, is_ng)))
    order_ng, order_ok = rng.permutation(len(ng)), rng.permutation(len(ok))
    return [ng[i] for i in order_ng], [ok[i] for i in order_ok]


def _reader(project: Project, sample: Sample, ng: bool) -> Callable[[], tuple[np.ndarray, np.ndarray | None]]:
    def read() -> tuple[np.ndarray, np.ndarray | None]:
        image = model_planes(
            project.read_image(sample, channel=None), one_file=len(sample.channel_files) == 1
        )
        return image, project.read_mask(sample) if ng else None

    return read


def zero_head(net: torch.nn.Module) -> None:
    """Start the last linear layer at zero: every class equally likely. timm's EfficientNet draws
    it from +-1/sqrt(outputs), which for a handful of outputs starts at a loss of about 7 instead
    of ln(outputs), and a stage of a few dozen steps spends them unlearning that."""
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    if linears:
        with torch.no_grad():
            linears[-1].weight.zero_()
            if linears[-1].bias is not None:
                linears[-1].bias.zero_()


def _max_steps(cfg: TrainConfig, crops: int, seconds: float | None) -> int:
    """Steps of the classifier's training: as many as fit in ``seconds``; without a limit,
    ``max_epochs`` passes over the crops (at least one step, at most ``MAX_STEPS_NO_LIMIT``)."""
    if seconds is not None:
        return 10**9
    return min(max(math.ceil(cfg.max_epochs * crops / BATCH), 1), MAX_STEPS_NO_LIMIT)


def _with_confirm(decision: DecisionConfig, thresholds: Sequence[float | None]) -> DecisionConfig:
    out = DecisionConfig.from_dict(decision.to_dict())
    out.classes = [replace(r, confirm_threshold=t) for r, t in zip(out.classes, thresholds, strict=True)]
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
    """The run's bar while the classifier trains (at most once a second)."""
    last = [0.0]

    def tick(done: float) -> None:
        now = time.monotonic()
        if now - last[0] < 1.0:
            return
        last[0] = now
        fraction = budget.spent() / cfg.time_limit if cfg.time_limit else 0.9 + 0.09 * done
        report.progress(min(fraction, 0.99), log_lines.REGION_TRAINING_STEP(percent=100 * done))

    return tick
