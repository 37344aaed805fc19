"""One training run from start to finish: run row, dataset state, training, model, metrics.

Called inside the job process (``workbench.jobs``) with the project opened without the write lock;
it touches only its own run row and its folder ``runs/<id>/``.
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.core.atomic import atomic_write_json
from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.project import Project
from workbench.core.run_config import ModelClass, RunConfig, TrainConfig
from workbench.core.run_quality import RECORD_KEY, decision_metrics, judge, warning_text
from workbench.core.snapshots import take_snapshot
from workbench.learn import log_lines
from workbench.learn.data import SplitSamples, choose_samples, dataset_state
from workbench.learn.device import cpu_speedups
from workbench.learn.infer import save_run_model
from workbench.learn.time_budget import TimeBudget
from workbench.learn.train_loop import Reporter

METRICS_FILE = "metrics.json"
MERGED_NAME = "defect"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def model_classes(project: Project, cfg: TrainConfig) -> list[ModelClass]:
    """The classes a model's channels stand for; one "defect" channel when merged or for anomaly."""
    classes = [ModelClass(c.id, c.name, c.color) for c in project.classes()]
    if cfg.task == "anomaly" or cfg.class_mode == "merge" or not classes:
        # The merged channel writes the first class id into proposals (1 in an empty project).
        first = classes[0] if classes else ModelClass(1, MERGED_NAME)
        return [ModelClass(first.id, MERGED_NAME if len(classes) != 1 else first.name, first.color)]
    return classes


def default_decision(classes: list[ModelClass], project: Project) -> DecisionConfig:
    """The default threshold per class (``core.decisions.DEFAULT_THRESHOLD``) until the run places its own."""
    rules = [ClassRule(class_id=c.id, name=c.name) for c in classes]
    return DecisionConfig(classes=rules, pixel_size_mm=project.pixel_size_mm)


def nested_metrics(flat: dict[str, Any], elapsed: float) -> dict[str, Any]:
    """``metrics.json`` layout: ``image.auroc``, ``pixel.dice``, plus loss, epochs, time."""
    out: dict[str, Any] = {"image": {}, "pixel": {}}
    for key, value in flat.items():
        group, _, name = key.partition("_")
        if group in ("image", "pixel") and name:
            out[group][name] = value
        elif key != "score":
            out[key] = value
    out = {k: v for k, v in out.items() if v != {}}
    out["score"] = flat.get("score")
    out["time_s"] = round(elapsed, 1)
    return out


def run_training(
    project_root: str | os.PathLike[str],
    run_id: str,
    cfg: TrainConfig,
    report: Reporter,
    cancel: CancelToken,
    resume: bool = False,
) -> dict[str, Any]:
    """Train run ``run_id`` of the project; records status, dataset, metrics; returns the metrics.

    On failure or cancel the run row says so (partial files such as checkpoints are kept) and the
    exception propagates to the caller (the job process reports it).
    """
    project = Project.open(project_root, lock=False)
    try:
        return _run(project, run_id, cfg, report, cancel, resume)
    except Cancelled:
        project.settle_run(run_id, "cancelled", "cancelled by the user")
        raise
    except BaseException as exc:
        project.settle_run(run_id, "failed", str(exc) or repr(exc))
        raise
    finally:
        project.close()


def _run(
    project: Project, run_id: str, cfg: TrainConfig, report: Reporter, cancel: CancelToken, resume: bool
) -> dict[str, Any]:
    budget = TimeBudget(cfg.time_limit)  # the limit counts from here: loading and saving are inside it
    cancel.raise_if_cancelled()
    run_dir = project.run_dir(run_id)
    project.move_run(run_id, "running", resume=resume, pid=os.getpid(), config=RunConfig(cfg))
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    else:
        cpu_speedups()
    seed_everything(cfg.seed)
    splits = choose_samples(project, cfg.task, cfg.doubtful)
    for note in splits.notes:
        report.log(note)
    state = dataset_state(splits)
    roles = {"train": splits.train, "val": splits.val, "threshold_only": splits.threshold_only}
    state["snapshot"] = take_snapshot(project, run_id, roles)  # runs/<id>/dataset.json, shared blobs
    project.update_run(run_id, dataset=state)
    classes = model_classes(project, cfg)
    decision = default_decision(classes, project)
    model, config, flat = _train_task(project, run_dir, cfg, splits, classes, decision, report, cancel,
                                      resume, budget)  # fmt: skip
    cancel.raise_if_cancelled()
    with budget.phase("save"):
        save_run_model(run_dir, model, config)
    report.artifact(str(run_dir / "model.pt"))
    metrics = nested_metrics(flat, budget.spent())
    metrics["time"] = budget.to_dict()
    if config.model is not None and (placed := decision_metrics(config.model.decision_origin)):
        metrics["decision"] = placed  # what the shipped thresholds cost on the val good parts
    found = judge(metrics)  # recorded with the run: every front end warns before it is shipped
    metrics[RECORD_KEY] = [s.to_dict() for s in found]
    if found:
        report.log(log_lines.BELOW_USABLE.said("warning: this run is " + warning_text(found),
                                               found=[s.to_dict() for s in found]))  # fmt: skip
    atomic_write_json(run_dir / METRICS_FILE, metrics)
    report.artifact(str(run_dir / METRICS_FILE))
    project.move_run(run_id, "completed", metrics=metrics, config=config)
    report.progress(1.0, log_lines.TRAINING_DONE())
    return metrics


# the trained module, the run's record (settings as training adjusted them, and the model), metrics
TaskResult = tuple[torch.nn.Module, RunConfig, dict[str, Any]]


def train_model(project: Project, work_dir: Path, cfg: TrainConfig, splits: SplitSamples, report: Reporter,
                cancel: CancelToken) -> TaskResult:  # fmt: skip
    """Train on ``splits`` without recording a run (the label check's fold models): the same model,
    loop, time budget and decision as a run (without a second stage: the folds' models only score
    their held-out parts); ``work_dir`` holds its checkpoints."""
    cfg = replace(cfg, region_stage=False)
    budget = TimeBudget(cfg.time_limit)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    else:
        cpu_speedups()
    seed_everything(cfg.seed)
    classes = model_classes(project, cfg)
    decision = default_decision(classes, project)
    return _train_task(project, work_dir, cfg, splits, classes, decision, report, cancel, False, budget)


def _train_task(project: Project, run_dir: Path, cfg: TrainConfig, splits: SplitSamples,
                classes: list[ModelClass], decision: DecisionConfig, report: Reporter,
                cancel: CancelToken, resume: bool, budget: TimeBudget) -> TaskResult:  # fmt: skip
    if cfg.task == "anomaly":
        from workbench.learn.train_anomaly import train_anomaly

        return train_anomaly(project, cfg, splits, classes, decision, report, cancel, budget)
    from workbench.learn.train_supervised import train_supervised

    return train_supervised(project, run_dir, cfg, splits, classes, decision, report, cancel, resume, budget)
