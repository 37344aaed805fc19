"""The label check's training: one fast model per fold on the other folds, out-of-fold score maps.

``check_labels`` deals the OK/NG samples outside the test split into folds
(``core.label_check.assign_folds``; near-duplicates the health check measured stay together),
trains the fast recipe of the project's task once per fold on the other folds
(``learn.train.train_model``: the loop, budget and decision of a run, without recording a run),
scores each held-out image with that fold's model, and ranks the suspects
(``core.label_check.find_suspects``). The result is ``label_checks/<id>/``
(``core.label_check_store``). The total time limit is shared among the folds: each fold trains
within its share of what is left, less the time the earlier folds took to score their images.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2

from workbench.core.atomic import atomic_write_bytes
from workbench.core.cancel import CancelToken
from workbench.core.class_pixels import label_map
from workbench.core.clock import now_iso
from workbench.core.evaluation import save_map
from workbench.core.health import DUPLICATE_SIMILARITY, cached_stats, duplicate_pairs
from workbench.core.label_check import (
    DEFAULT_FOLDS,
    LabelCheckError,
    OutOfFold,
    Suspect,
    assign_folds,
    check_samples,
    find_suspects,
    rank,
)
from workbench.core.label_check_store import LabelCheck, check_dir, new_check_id, write_check
from workbench.core.project import Project
from workbench.core.run_config import TrainConfig
from workbench.core.types import Sample
from workbench.learn.data import SplitSamples, holdout
from workbench.learn.device import pick_device
from workbench.learn.infer import LoadedRun
from workbench.learn.log_lines import CHECK_DONE, CHECK_STARTED, FOLD_LINE, FOLD_SCORING
from workbench.learn.presets import resolve_config
from workbench.learn.train import train_model
from workbench.learn.train_loop import Reporter

PRESET = "fast"
TRAIN_SHARE = 0.85  # of a fold's share of the time: the rest scores its held-out images
MIN_FOLD_S = 5.0  # a fold never gets less than this, even when earlier folds overran
PREDICT_CHUNK = 4  # held-out images scored per call (their tiles share model batches)


@dataclass(frozen=True)
class CheckSettings:
    """What a label check is asked: folds, total seconds (None: the preset's limit per fold), seed and
    training setting overrides (tests use tiny ones)."""

    folds: int = DEFAULT_FOLDS
    time_limit: float | None = None
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"folds": self.folds, "time_limit": self.time_limit, "seed": self.seed,
                "overrides": dict(self.overrides)}  # fmt: skip


class _FoldReport:
    """A fold's training events as a slice of the whole check's progress."""

    def __init__(self, report: Reporter, lo: float, hi: float, fold: int, folds: int) -> None:
        self.report, self.lo, self.hi, self.fold, self.folds = report, lo, hi, fold, folds

    def progress(self, fraction: float, message: str, eta_s: float | None = None) -> None:
        self.report.progress(self.lo + (self.hi - self.lo) * min(max(fraction, 0.0), 1.0),
                             FOLD_LINE(fold=self.fold, folds=self.folds, line=message))  # fmt: skip

    def metric(self, name: str, value: float, epoch: int | None = None) -> None:
        return None  # a fold's validation metrics are not the check's

    def log(self, message: str) -> None:
        self.report.log(FOLD_LINE(fold=self.fold, folds=self.folds, line=message))

    def artifact(self, path: str) -> None:
        return None  # fold checkpoints are scratch


def fold_training(train: list[Sample], task: str) -> SplitSamples:
    """The other folds as one training: a stratified hold-out validates (never the held-out fold,
    whose labels are on trial); as a run, segmentation skips NG images without a mask and a
    good-only fit takes the OK images, the NG ones only placing its threshold."""
    if task == "segmentation":
        train = [s for s in train if not (s.label == "ng" and not s.has_mask)]
        if not any(s.has_mask for s in train):
            raise LabelCheckError("the training folds hold no defect mask; a segmentation check needs masks")
    threshold_only: list[Sample] = []
    if task == "anomaly":
        threshold_only = [s for s in train if s.label == "ng"]
        train = [s for s in train if s.label == "ok"]
    if not train:
        raise LabelCheckError(f"a fold has no training images for {task}")
    fit, val = holdout(train)
    return SplitSamples(fit, val, [], threshold_only)


def _pairs(project: Project, samples: list[Sample]) -> list[tuple[int, int]]:
    """Near-duplicate pairs from the health check's cached measurements (no image is read)."""
    return [(a, b) for a, b, _ in duplicate_pairs(cached_stats(project, samples), DUPLICATE_SIMILARITY)]


def fold_limit(total: float | None, preset: TrainConfig, elapsed: float, folds_left: int) -> float | None:
    """A fold's training limit: its share of the seconds left (less the scoring of its images), or
    the preset's limit when the check has none."""
    if total is None:
        return preset.time_limit
    return max(MIN_FOLD_S, TRAIN_SHARE * (total - elapsed) / folds_left)


def _score(project: Project, model: LoadedRun, held: list[Sample], out: Path, merged: bool, task: str,
           cancel: CancelToken) -> tuple[list[Suspect], dict[int, dict[str, Any]]]:  # fmt: skip
    """Score the held-out images, store their maps and proposals; their suspects and records."""
    decision = model.decision_config
    n = len(model.config.classes)
    raw = decision.pixel_thresholds(n)
    thresholds = tuple(1.0 if t is None else float(t) for t in raw)
    class_ids = tuple(r.class_id for r in decision.rules_for(n))
    suspects: list[Suspect] = []
    records: dict[int, dict[str, Any]] = {}
    for start in range(0, len(held), PREDICT_CHUNK):
        cancel.raise_if_cancelled()
        chunk = held[start : start + PREDICT_CHUNK]
        images = [project.read_image(s, channel=None) for s in chunk]
        maps = model.scores_many(images, cancel=cancel, sources=[s.name for s in chunk])
        for s, score_map in zip(chunk, maps, strict=True):
            save_map(out / "maps" / f"{s.id}.npz", score_map)
            record: dict[str, Any] = {"label": s.label, "image_score": round(float(score_map.max()), 6)}
            if score_map.shape[1:] != (1, 1):
                ok, buf = cv2.imencode(".png", label_map(score_map, raw, class_ids))
                if ok:
                    atomic_write_bytes(out / "proposals" / f"{s.id}.png", buf.tobytes())
                    record["proposal"] = f"{s.id}.png"
            # segmentation: an NG part without a drawn mask has every predicted region outside it
            mask = (
                project.read_mask(s) if s.label == "ng" and (s.has_mask or task == "segmentation") else None
            )
            result = OutOfFold(s.id, s.label, score_map, thresholds, class_ids, mask, merged)
            suspects += find_suspects([result])
            records[s.id] = record
    return suspects, records


def check_labels(project_root: str | os.PathLike[str], settings: CheckSettings, report: Reporter,
                 cancel: CancelToken, check_id: str | None = None) -> LabelCheck:  # fmt: skip
    """Run the whole check; returns the stored result (``label_checks/<id>/suspects.json``)."""
    check_id = check_id or new_check_id()
    try:
        return _check(project_root, settings, report, cancel, check_id)
    except BaseException:
        # a cancelled or failed check leaves nothing behind: only a finished one has a result
        shutil.rmtree(check_dir(project_root, check_id), ignore_errors=True)
        raise


def _check(project_root: str | os.PathLike[str], settings: CheckSettings, report: Reporter,
           cancel: CancelToken, check_id: str) -> LabelCheck:  # fmt: skip
    started = time.monotonic()
    with Project.open(project_root, lock=False) as project:
        samples = check_samples(project.samples())
        folds = assign_folds(samples, settings.folds, settings.seed, _pairs(project, samples))
        base = resolve_config(project.task, PRESET, {"seed": settings.seed, **settings.overrides})
        out = check_dir(project.root, check_id)
        (out / "maps").mkdir(parents=True, exist_ok=True)
        (out / "proposals").mkdir(exist_ok=True)
        merged = base.task == "anomaly" or base.class_mode == "merge"
        report.log(CHECK_STARTED(check_id=check_id, count=len(samples), folds=settings.folds,
                                 task=base.task, preset=PRESET))  # fmt: skip
        suspects: list[Suspect] = []
        records: dict[int, dict[str, Any]] = {}
        for k in range(settings.folds):
            cancel.raise_if_cancelled()
            held = [s for s in samples if folds[s.id] == k]
            train = [s for s in samples if folds[s.id] != k]
            limit = fold_limit(settings.time_limit, base, time.monotonic() - started, settings.folds - k)
            cfg = replace(base, time_limit=limit)
            lo, hi = k / settings.folds, (k + 1) / settings.folds
            fold_report = _FoldReport(report, lo, lo + 0.9 * (hi - lo), k + 1, settings.folds)
            work = out / "folds" / str(k)
            work.mkdir(parents=True, exist_ok=True)
            module, run_config, _ = train_model(project, work, cfg, fold_training(train, base.task),
                                                fold_report, cancel)  # fmt: skip
            assert run_config.model is not None
            device = pick_device(cfg.device)
            model = LoadedRun(work, run_config.model, module.to(device).eval(), device)
            report.progress(
                lo + 0.9 * (hi - lo), FOLD_SCORING(fold=k + 1, folds=settings.folds, count=len(held))
            )
            found, seen = _score(project, model, held, out, merged, base.task, cancel)
            suspects += found
            for sid, record in seen.items():
                records[sid] = {"fold": k, **record}
            shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(out / "folds", ignore_errors=True)
        settings_out = {**settings.to_dict(), "task": base.task, "preset": PRESET,
                        "seconds": round(time.monotonic() - started, 1)}  # fmt: skip
        check = LabelCheck(check_id, out, now_iso(), settings_out, records, rank(suspects), merged)
        write_check(check)
    report.progress(1.0, CHECK_DONE())
    return check
