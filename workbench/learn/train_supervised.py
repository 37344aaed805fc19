"""Segmentation and classification training: model, crops, loss and validation for the shared loop."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import torch

from workbench.core.cancel import CancelToken
from workbench.core.decisions import DecisionConfig
from workbench.core.messages import Message
from workbench.core.operating_point import ScoredImage, choose_decision, describe, smallest_defect_px
from workbench.core.project import Project
from workbench.core.run_config import ModelClass, ModelConfig, RunConfig, TrainConfig
from workbench.learn import log_lines
from workbench.learn.augment import ROT90_MAX_ASYMMETRY, AugmentConfig, axis_asymmetry
from workbench.learn.data import CropDataset, SplitSamples, class_lut, load_items
from workbench.learn.data_sampling import CropSampler, TrainItem, fit_crop, fit_input
from workbench.learn.device import precision_candidates
from workbench.learn.infer import LoadedRun
from workbench.learn.losses import ClassificationLoss, SegmentationLoss
from workbench.learn.mining import TrainingScanner
from workbench.learn.models import default_normalization, freeze_early, get_model, model_info
from workbench.learn.presets import ConfigError
from workbench.learn.region_threshold import Part, ValView
from workbench.learn.region_train import region_reserve, train_region_stage
from workbench.learn.score_model import ScoreModel
from workbench.learn.synthetic import SyntheticDefects
from workbench.learn.time_budget import TimeBudget
from workbench.learn.train_loop import LoopParts, Reporter, TrainLoop
from workbench.learn.val_plan import ValPlan, plan_validation
from workbench.learn.validation import ValidationTally, tile_for, validate_plan
from workbench.learn.warm_start import warm_start
from workbench.learn.weights import says_loaded


def build_model(cfg: TrainConfig, in_channels: int, n_classes: int, report: Reporter) -> ScoreModel:
    """The ScoreModel to train: registered net + normalisation, seeded, optionally warm-started."""
    info = model_info(cfg.model)
    if info.task != cfg.task:
        raise ConfigError(f"model {cfg.model!r} is a {info.task} model, not a {cfg.task} one")
    torch.manual_seed(cfg.seed)
    net = get_model(cfg.model, in_channels, n_classes, pretrained=cfg.pretrained and not cfg.init_from)
    report.log(log_lines.MODEL_SOURCE(model=cfg.model, source=getattr(net, "pretrained_source", "built")))
    mean, std = default_normalization(cfg.model, in_channels)
    model = ScoreModel(net, mean, std, head="sigmoid")
    if cfg.init_from:
        report.log(warm_start(model, Path(cfg.init_from)))
    if cfg.freeze_early and (cfg.init_from or says_loaded(getattr(net, "pretrained_source", None))):
        frozen = freeze_early(net, cfg.model)
        if frozen:
            report.log(log_lines.EARLY_FROZEN(tensors=frozen))
    return model


def model_config(cfg: TrainConfig, model: ScoreModel, in_channels: int, classes: list[ModelClass],
                 decision: DecisionConfig) -> ModelConfig:  # fmt: skip
    """The model part of the run's config (docs/dev/contracts.md, Runs), before its decision is placed."""
    tile, overlap = tile_for(cfg.task, cfg.crop)
    return ModelConfig(
        task=cfg.task,
        model=cfg.model,
        in_channels=in_channels,
        classes=tuple(classes),
        tile_size=tile,
        overlap=overlap,
        mean=tuple(float(v) for v in model.mean.flatten()),
        std=tuple(float(v) for v in model.std.flatten()),
        decision=decision,
        head=model.head,
    )


def train_supervised(
    project: Project,
    run_dir: Path,
    cfg: TrainConfig,
    splits: SplitSamples,
    classes: list[ModelClass],
    decision: DecisionConfig,
    report: Reporter,
    cancel: CancelToken,
    resume: bool = False,
    budget: TimeBudget | None = None,
) -> tuple[ScoreModel, RunConfig, dict[str, Any]]:
    """Train and return ``(best model, the run's config, best validation metrics)``; ``budget``
    (the run's time limit, from the run's start) is asked before every phase."""
    from workbench.learn.device import pick_device

    budget = budget if budget is not None else TimeBudget(cfg.time_limit)
    ids = [c.id for c in classes] if cfg.class_mode == "separate" else [0]
    lut = class_lut(ids)
    with budget.phase("loading"):
        t0 = budget.clock()
        load = _sub(report, 0.0, 0.02, log_lines.TRAIN_SPLIT_STEP)
        train_items = load_items(project, splits.train, lut, cfg.seed, load, cancel, cfg.doubtful_weight)
        val_items = load_items(
            project, splits.val, lut, cfg.seed, _sub(report, 0.02, 0.03, log_lines.VAL_SPLIT_STEP), cancel
        )
        loading_s = budget.clock() - t0
        cfg = _fit_crop(cfg, train_items, report)
        cfg = _fit_rotations(cfg, train_items, report)
        in_channels = int(train_items[0].image.shape[2])
        model = build_model(cfg, in_channels, len(classes), report)
    config = model_config(cfg, model, in_channels, classes, decision)
    device = pick_device(cfg.device)
    parts, validation = _parts(cfg, model, config, train_items, val_items, len(classes), device, run_dir,
                               report, cancel)  # fmt: skip
    parts.loading_s = loading_s
    report.log(log_lines.TRAINING_ON(device=device, threads=torch.get_num_threads(), train=len(train_items),
                                     val=len(val_items)))  # fmt: skip
    ckpt_dir = run_dir / "checkpoints"
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    candidates = precision_candidates(device, threads_fixed=bool(cfg.threads))
    loop = TrainLoop(parts, cfg, device, candidates, ckpt_dir, report, cancel, budget)
    if resume and (ckpt_dir / "last.pt").is_file():
        loop.load_checkpoint(ckpt_dir / "last.pt")
    metrics = loop.run()
    # The decision's measured cost is reserved in the loop. It still runs when the run ends a moment
    # past the limit, if placing it costs little (``DECISION_GRACE_S``): a run without it ships a
    # constant threshold, which can reject every good part (bsdata, 2-core EPYC: 0.7 s over at 420 s).
    if not budget.past() or _decision_fits_grace(validation):
        with budget.phase("decision"):
            predictor = LoadedRun(run_dir, config, loop.model, device, batch=2)
            extra = _score_left_out_ng(predictor, validation, cfg.task, budget, report, cancel)
            shipped, origins = _ship_decision(decision, validation, train_items + val_items, cfg.task, report,
                                              extra)  # fmt: skip
    else:
        line = log_lines.DECISION_SKIPPED()
        budget.skip(line)
        report.log(line)
        shipped, origins = _ship_decision(decision, None, train_items + val_items, cfg.task, report)
    config = replace(config, decision=shipped, decision_origin=tuple(origins))
    if cfg.region_stage and cfg.task == "segmentation":
        config = _second_stage(project, run_dir, cfg, splits, loop.model, config, device, report, cancel,
                               budget, metrics, stored_val(validation))  # fmt: skip
    return loop.model.cpu().to(memory_format=torch.contiguous_format), RunConfig(cfg, config), metrics


def _second_stage(project: Project, run_dir: Path, cfg: TrainConfig, splits: SplitSamples, model: ScoreModel,
                  config: ModelConfig, device: torch.device, report: Reporter, cancel: CancelToken,
                  budget: TimeBudget, metrics: dict[str, Any],
                  stored: list[ValView] | None) -> ModelConfig:  # fmt: skip
    """The config with the region classifier trained and placed (``learn.region_train``), or as it
    was when the stage was left out (the log says why); ``metrics`` gains its ``region`` section."""
    model.eval()
    staged = train_region_stage(
        project, run_dir, cfg, splits, model, config, device, report, cancel, budget, stored
    )
    if staged is None:
        metrics["region"] = {"skipped": budget.skipped[-1] if budget.skipped else ""}
        return config
    metrics["region"] = staged.metrics
    return staged.config


def _fit_crop(cfg: TrainConfig, items: list[TrainItem], report: Reporter) -> TrainConfig:
    """Crops no larger than the images (``fit_crop``), a classifier's input the size of the
    whole part (``fit_input``); an epoch keeps its number of steps."""
    sizes = [it.shape for it in items]
    seg = cfg.task == "segmentation"
    crop, batch = fit_crop(cfg.crop, cfg.batch, sizes) if seg else fit_input(cfg.crop, cfg.batch, sizes)
    if crop == cfg.crop:
        return cfg
    per_epoch = max(1, round(cfg.crops_per_epoch * batch / cfg.batch))
    why = log_lines.CROPS_SMALL_IMAGES(crop=cfg.crop) if seg else log_lines.CROPS_WHOLE_PARTS()
    report.log(log_lines.CROPS_FITTED(crop=crop, batch=batch, why=why))
    return replace(cfg, crop=crop, batch=batch, crops_per_epoch=per_epoch)


def _fit_rotations(cfg: TrainConfig, items: list[TrainItem], report: Reporter) -> TrainConfig:
    """Quarter-turn augmentation only for images without a dominant direction (``axis_asymmetry``);
    a ``rot90`` the user set stands. The run's settings record the choice."""
    if "rot90" in cfg.augment:
        return cfg
    asymmetry = axis_asymmetry([it.image for it in items], cfg.seed)
    turns = asymmetry < ROT90_MAX_ASYMMETRY
    if not turns:
        report.log(log_lines.QUARTER_TURNS_OFF(asymmetry=asymmetry, limit=ROT90_MAX_ASYMMETRY))
    return replace(cfg, augment={**cfg.augment, "rot90": turns})


DECISION_GRACE_S = 5.0  # seconds past the limit a cheap decision on a finished validation may take


def _decision_fits_grace(validation: _Validation) -> bool:
    cost = validation.decision_s
    return validation.best is not None and cost is not None and cost <= DECISION_GRACE_S


def _score_left_out_ng(predictor: LoadedRun, validation: _Validation, task: str, budget: TimeBudget,
                       report: Reporter, cancel: CancelToken) -> list[ScoredImage]:  # fmt: skip
    """The val NG images the validation plan left out (it keeps to its share of the time budget),
    scored whole by the shipped weights, as many as the time left allows: the threshold is placed
    on every val NG part it can reach, not on the plan's subset (bsdata, session 17: the plan
    scored 51 of 93 val NG images). A few seconds: NG images are few beside good ones."""
    left_out = validation.left_out_ng()
    if validation.best is None or not left_out:
        return []
    tally = ValidationTally(pixels=task == "segmentation", keep=True)
    pace, t0, done = validation.s_per_px, time.monotonic(), 0
    for item in left_out:
        cancel.raise_if_cancelled()
        pixels = item.shape[0] * item.shape[1]
        if done + pixels > validation.extra_px() or (pace is not None and not budget.fits(pace * pixels)):
            break
        done += pixels
        t1 = time.monotonic()
        tally.add(predictor.scores(item.image), item)
        pace = (time.monotonic() - t1) / max(pixels, 1)  # this pass's own pace from here on
    seconds = time.monotonic() - t0
    report.log(log_lines.DECISION_MORE_NG(scored=len(tally.records), left_out=len(left_out), seconds=seconds))
    return tally.records


Origins = list[dict[str, Any]]


def _ship_decision(decision: DecisionConfig, validation: _Validation | None, items: list[TrainItem],
                   task: str, report: Reporter,
                   extra: list[ScoredImage] | None = None) -> tuple[DecisionConfig, Origins]:  # fmt: skip
    """Thresholds and minimum area chosen on the best validation's maps and on ``extra`` (val NG
    images the plan left out, ``_score_left_out_ng``) (``core.operating_point``); without
    ``validation`` (no time was left for it) the default threshold, said so."""
    records = validation.best.records if validation is not None and validation.best is not None else []
    records = [*records, *(extra or [])] if records else []
    if validation is not None:
        _weigh_by_label(records, validation)
    smallest = smallest_defect_px([it.target for it in items]) if task == "segmentation" else None
    # a copy: choose_decision sets the values on the config it is given
    chosen, origins = choose_decision(records, DecisionConfig.from_dict(decision.to_dict()), smallest)
    for origin in origins:
        if validation is None:
            origin["reason"] = "time_limit"
        report.log(log_lines.DECISION.said("decision " + describe(origin), origin=origin))
    return chosen, origins


def _weigh_by_label(records: list[ScoredImage], validation: _Validation) -> None:
    """Each scored val image stands for the val images of its label left out of the plan (the
    plan keeps NG images first, so good parts are undersampled)."""
    scored = Counter(r.label for r in records)
    every = Counter(it.label for it in validation.items)
    for record in records:
        record.weight = every[record.label] / scored[record.label] if scored[record.label] else 1.0


def stored_val(validation: _Validation) -> list[ValView] | None:
    """The val images as the best validation scored them: its windows with their maps (the shipped
    decision was placed on them); None without a best validation or when plan and maps differ."""
    best, plan = validation.best, validation.plan
    if best is None or plan is None or len(best.records) != len(plan.images):
        return None
    views = []
    for record, idx in zip(best.records, plan.images, strict=True):
        item = validation.items[idx]
        wins = [w for w in plan.windows if w.item == idx]
        if len(wins) != len(record.maps) or any(
            m.shape[-2:] != (w.h, w.w) for w, m in zip(wins, record.maps)
        ):
            return None
        masks = record.targets if len(record.targets) == len(wins) else [None] * len(wins)
        parts: list[Part] = [
            (item.image[w.y : w.y + w.h, w.x : w.x + w.w], m, t)
            for w, m, t in zip(wins, record.maps, masks, strict=True)
        ]
        name, pixels = f"sample {item.sample_id}", sum(w.pixels for w in wins)
        views.append(ValView(name, record.label == "ng", pixels, partial(list, parts)))
    return views


MIN_VAL_PIXELS = 4 * 512 * 512


class _Validation:
    """The validation plan (made once the loop has measured its speed), the best tally, and what
    placing the decision on a tally costs (measured on the first one, for the time budget)."""

    def __init__(self, items: list[TrainItem], size: int, seed: int) -> None:
        self.items, self.size, self.seed = items, size, seed
        self.plan: ValPlan | None = None
        self.last: ValidationTally | None = None
        self.best: ValidationTally | None = None
        self.decision_s: float | None = None
        self.s_per_px: float | None = None  # inference pace the loop measured, when it did

    def make_plan(self, pixel_budget: int) -> ValPlan:
        self.plan = plan_validation(self.items, self.size, max(pixel_budget, 1), self.seed)
        return self.plan

    def left_out_ng(self) -> list[TrainItem]:
        """The val NG images the plan does not score (none before a plan is made)."""
        planned = set(self.plan.images) if self.plan is not None else set(range(len(self.items)))
        return [it for i, it in enumerate(self.items) if it.label == "ng" and i not in planned]

    def extra_px(self) -> int:
        """At most this many pixels of ``left_out_ng`` are scored at the end: as many as the plan
        scores, so that their maps (kept for the outline level) take no more memory than a
        validation's already do."""
        return self.plan.pixels if self.plan is not None else 0

    def left_out_ng_s(self) -> float:
        """What scoring ``left_out_ng`` whole is expected to take, for the time budget."""
        if self.s_per_px is None:
            return 0.0
        pixels = sum(it.shape[0] * it.shape[1] for it in self.left_out_ng())
        return self.s_per_px * min(pixels, self.extra_px())


def _parts(cfg: TrainConfig, model: ScoreModel, config: ModelConfig, train_items: list[TrainItem],
           val_items: list[TrainItem], n_classes: int, device: torch.device, run_dir: Path,
           report: Reporter, cancel: CancelToken) -> tuple[LoopParts, _Validation]:  # fmt: skip
    sampler = CropSampler(train_items, cfg.crop, cfg.ng_fraction, cfg.hard_fraction)
    aug = AugmentConfig.from_dict(cfg.augment)
    seg = cfg.task == "segmentation"
    painter = SyntheticDefects(train_items, n_classes, cfg.synthetic) if cfg.synthetic > 0 else None
    dataset = CropDataset(
        sampler, cfg.crops_per_epoch, aug, cfg.seed, n_classes=None if seg else n_classes, synth=painter
    )
    loss: torch.nn.Module = (
        SegmentationLoss(n_classes, cfg.bce_weight, cfg.dice_weight, cfg.focal_gamma)
        if seg
        else ClassificationLoss(cfg.label_smoothing)
    )

    val_pixels = sum(it.shape[0] * it.shape[1] for it in val_items)
    # a classifier is validated on whole images (tiles of its trained size), the others on windows
    window = config.tile_size if seg else 1 << 30
    validation = _Validation(val_items, window, cfg.seed)
    scanner = None
    if seg and cfg.hard_fraction > 0 and cfg.scan_share > 0:
        # the scan runs with each validation, so the loop's validation budget paces it too
        scanner = TrainingScanner(train_items, sampler, int(cfg.scan_share * val_pixels))

    def plan(infer_s_per_px: float, seconds: float) -> tuple[str, float]:
        validation.s_per_px = infer_s_per_px
        share = 1.0 + (cfg.scan_share if scanner else 0.0)
        # at least a few tiles' worth: a short run still validates on something meaningful
        budget = max(int(seconds / share / max(infer_s_per_px, 1e-12)), MIN_VAL_PIXELS)
        made = validation.make_plan(budget)
        if scanner is not None:
            scanner.pixel_budget = max(1, int(cfg.scan_share * made.pixels))
        expected = made.pixels * share * infer_s_per_px
        line = log_lines.VAL_ESTIMATE_SCAN if scanner else log_lines.VAL_ESTIMATE
        return line(
            us_per_px=infer_s_per_px * 1e6, plan=made.describe(len(val_items)), seconds=expected
        ), expected

    smallest = smallest_defect_px([it.target for it in train_items + val_items]) if seg else None

    def run_validation(m: ScoreModel, last: bool) -> dict[str, Any]:
        predictor = LoadedRun(run_dir, config, m, device, batch=2)
        if validation.plan is None:  # no speed measured (e.g. a one-step run): validate everything
            report.log(validation.make_plan(val_pixels).describe(len(val_items)))
        assert validation.plan is not None
        validation.last = validate_plan(predictor, val_items, validation.plan, cancel, pixels=seg, keep=True)
        metrics = validation.last.result()
        if validation.decision_s is None:  # what the run's end will cost, for the time budget
            t0 = time.monotonic()
            fresh = DecisionConfig.from_dict(config.decision.to_dict())
            choose_decision(validation.last.records, fresh, smallest)
            validation.decision_s = time.monotonic() - t0
            metrics["probe_s"] = validation.decision_s
        if scanner is not None and not last:
            t0 = time.monotonic()
            report.log(scanner.scan(predictor, cancel).line())
            metrics["scan_s"] = time.monotonic() - t0
        return metrics

    def on_best() -> None:
        validation.best = validation.last

    def record(meta: torch.Tensor, per_item: torch.Tensor) -> None:
        sampler.record_losses(meta.numpy(), per_item.numpy())

    def state() -> dict[str, Any]:
        return {"hard": sampler.state(), "scan": scanner.state() if scanner else 0}

    def load_state(saved: dict[str, Any]) -> None:
        sampler.load_state(saved["hard"])
        if scanner is not None:
            scanner.load_state(int(saved["scan"]))

    return LoopParts(
        model=model,
        dataset=dataset,
        loss=loss,
        validate=run_validation,
        plan=plan,
        on_best=on_best,
        # the run's end: scoring the val NG images the plan left out and placing the decision, then
        # the second stage's share of the limit
        end_cost=lambda: validation.left_out_ng_s() + (validation.decision_s or 0.0) + region_reserve(cfg),
        on_losses=record if cfg.hard_fraction > 0 else None,
        on_epoch_end=sampler.age,
        sampler_state=state,
        load_sampler_state=load_state,
    ), validation


class _SubReporter:
    """Maps a sub-step's progress onto ``[lo, hi]`` of the run's bar."""

    def __init__(self, report: Reporter, lo: float, hi: float, what: Message):
        self.report, self.lo, self.hi, self.what = report, lo, hi, what

    def __call__(self, fraction: float, message: str = "") -> None:
        self.report.progress(self.lo + (self.hi - self.lo) * fraction, self.what(line=message))


def _sub(report: Reporter, lo: float, hi: float, what: Message) -> _SubReporter:
    return _SubReporter(report, lo, hi, what)
