"""Evaluation: run a predictor over a split, keep the raw score maps, decide, measure, report.

The model is passed in as a function (``image -> (K,H,W) score map``) so that the same code
evaluates an in-process torch model and a deployed bundle through the runtime. Score maps are
stored quantised to 16 bits (``maps/<sample_id>.npz``); every decision, now and later, is made
from the stored maps, so moving a threshold re-decides without running the model again.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text
from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.class_pixels import Competition, label_map
from workbench.core.decision_regions import PreparedMap, StageMaps
from workbench.core.decisions import Decision, DecisionConfig, decide_prepared, prepare_for
from workbench.core.errors import ProjectError
from workbench.core.job_lines import EVAL_DECIDING, EVAL_PREDICTING, EVAL_PREDICTING_MORE, EVAL_WRITTEN
from workbench.core.metrics import doubtful_metrics, image_metrics, pixel_metrics, region_metrics
from workbench.core.operating_point import lone_weakest
from workbench.core.project import Project
from workbench.core.types import CLEAR_LABELS, Sample

Predictor = Callable[[np.ndarray], np.ndarray]
ManyPredictor = Callable[[Sequence[np.ndarray], CancelToken | None], list[np.ndarray]]
# (stored image, its score map) -> the region classifier's maps (``TiledModel.stage_of``)
StagePredictor = Callable[[np.ndarray, np.ndarray], "StageMaps | None"]
# Images handed to a batched predictor at once: enough small images for their tiles to fill
# model batches, few enough that their pixels and float maps stay a small share of memory.
CHUNK_PIXELS = 4_000_000
CHUNK_IMAGES = 64
# Maps are prepared (regions found once) at a floor just below the thresholds in use; a floor far
# below them makes the background one huge region that every re-decision has to split again.
# Floors come from this ladder so a threshold slider re-prepares at most once per step down.
FLOOR_LADDER = (0.05, 0.1, 0.2, 0.3, 0.4)
KEEP_LEVELS = 2  # prepared floors held in memory at once
_Q = 65535.0


def quantise(score_map: np.ndarray) -> np.ndarray:
    """Scores in [0,1] to uint16 (steps of 1.5e-5: far below any threshold a person sets)."""
    return np.round(np.clip(score_map, 0.0, 1.0) * _Q).astype(np.uint16)


def dequantise(stored: np.ndarray) -> np.ndarray:
    return stored.astype(np.float32) * np.float32(1.0 / _Q)


def save_map(path: Path, score_map: np.ndarray, stage: StageMaps | None = None) -> None:
    """An ``.npz`` as ``np.savez_compressed`` writes it, at zlib's fastest level (bsdata test
    maps: 8 ms a map against 21 ms at the default level, 18 % more bytes). With a region
    classifier, its maps too: ``confirm`` (uint16, 0: not looked at, else 1 + the defect
    probability in 65534 steps) and ``named`` (uint8 class ids)."""
    arrays = {"scores": quantise(score_map)}
    if stage is not None:
        confirm, named = stage
        looked = confirm >= 0.0
        steps = np.round(np.clip(confirm, 0.0, 1.0) * (_Q - 1.0)).astype(np.uint16) + 1
        arrays["confirm"] = np.where(looked, steps, 0).astype(np.uint16)
        arrays["named"] = np.asarray(named, np.uint8)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, array in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, array, allow_pickle=False)
    atomic_write_bytes(path, buf.getvalue())


def load_map(path: Path) -> np.ndarray:
    with np.load(path, allow_pickle=False) as data:
        return dequantise(data["scores"])


def load_stage(path: Path) -> StageMaps | None:
    """The region classifier's maps stored beside a score map (None: the model had none)."""
    with np.load(path, allow_pickle=False) as data:
        if "confirm" not in data.files:
            return None
        stored, named = data["confirm"], data["named"]
    confirm = np.where(stored > 0, (stored.astype(np.float32) - 1.0) * np.float32(1.0 / (_Q - 1.0)), -1.0)
    return confirm.astype(np.float32), named


@dataclass(frozen=True)
class BatchedPredictor:
    """A predictor that also scores several images in one call (their tiles share model batches).

    Called with one image it is a plain ``Predictor``; ``run_evaluation`` uses ``many`` and stores
    what ``describe`` says after the run (which engine computed the maps) with the evaluation.
    """

    one: Predictor
    many: ManyPredictor
    describe: Callable[[], str] | None = None
    stage: StagePredictor | None = None  # a model with a region classifier

    def __call__(self, image: np.ndarray) -> np.ndarray:
        return self.one(image)


@dataclass(frozen=True)
class ImageCase:
    """One evaluated image: who it is and what the labels say."""

    sample_id: int
    name: str
    label: str
    classes: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample_id": self.sample_id,
            "name": self.name,
            "label": self.label,
            "classes": list(self.classes),
        }


def outcome(label: str, verdict: str) -> str:
    """doubtful (a part the experts disagree on: never a mistake), escape (NG called OK), overkill
    (OK called NG), gray, or correct."""
    if label == "doubtful":
        return "doubtful"
    if verdict == "GRAY":
        return "gray"
    if label == "ng" and verdict == "OK":
        return "escape"
    if label == "ok" and verdict == "NG":
        return "overkill"
    return "correct"


def summary_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The scalar metrics (no sweeps or curves): what the project database keeps per evaluation."""
    return {k: v for k, v in metrics.items() if not isinstance(v, list) or len(v) <= 2}


CLASSIFIER_OFF = "off"


def with_overrides(
    decision: dict[str, Any],
    threshold: float | None = None,
    gray: tuple[float, float] | None = None,
    classifier: float | str | None = None,
) -> DecisionConfig:
    """A stored decision config with every class threshold and/or the gray zone replaced; with
    ``classifier``, every class's region-classifier threshold (``CLASSIFIER_OFF``: no veto)."""
    config = DecisionConfig.from_dict(decision)
    if classifier is not None:
        for rule in config.classes:
            rule.confirm_threshold = None if classifier == CLASSIFIER_OFF else float(classifier)
    if threshold is not None:
        config.default_threshold = threshold
        for rule in config.classes:
            rule.threshold = threshold
    if gray is not None:
        config.gray_low, config.gray_high = gray
    elif threshold is not None:
        # A stored gray zone would override the new threshold (NG is decided at its upper end).
        config.gray_low = config.gray_high = None
    config.validate()
    return config


def floor_for(threshold: float) -> float:
    """The prepare floor for a lowest threshold: the highest ladder step at or below it."""
    below = [f for f in FLOOR_LADDER if f <= threshold]
    return max(below) if below else max(threshold, 1e-4)


def new_eval_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


def _cases(project: Project, split: str | None, sample_ids: Sequence[int] | None) -> list[Sample]:
    samples = project.samples(split=split, ids=sample_ids)
    if not any(s.label in CLEAR_LABELS for s in samples):
        where = f"split {split!r}" if split else "the selection"
        raise ProjectError(f"no OK/NG-labelled samples in {where} of {project.root}: nothing to evaluate")
    return [s for s in samples if s.label in (*CLEAR_LABELS, "doubtful")]


def run_evaluation(
    project: Project,
    predict: Predictor,
    model: dict[str, Any],
    split: str | None = "test",
    sample_ids: Sequence[int] | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    eval_id: str | None = None,
) -> EvaluationSession:
    """Predict every OK, NG and doubtful sample of ``split``, store maps, decide, write metrics and
    report (doubtful parts are measured apart from the clear ones, ``image.doubtful.*``).

    ``model`` describes the source: ``classes`` ([{"id", "name", ...}] in map-channel order),
    ``decision`` (a DecisionConfig dict), ``task``, and ``run_id`` or ``bundle``.
    """
    samples = _cases(project, split, sample_ids)
    eval_id = eval_id or new_eval_id()
    out = project.evaluation_dir(eval_id)
    (out / "maps").mkdir(parents=True, exist_ok=True)
    cases: list[ImageCase] = []
    for chunk, images in _chunks(project, samples, isinstance(predict, BatchedPredictor), cancel):
        name, more = chunk[0].name, len(chunk) - 1
        line = EVAL_PREDICTING_MORE(name=name, more=more) if more else EVAL_PREDICTING(name=name)
        progress(len(cases) / len(samples), line)
        if isinstance(predict, BatchedPredictor):
            maps = predict.many(images, cancel)
        else:
            maps = [predict(images[0])]
        for s, image, raw in zip(chunk, images, maps, strict=True):
            score_map = np.asarray(raw, dtype=np.float32)
            if score_map.ndim != 3:
                raise ProjectError(f"the model returned a score map of shape {score_map.shape} for {s.name}")
            stage = None
            if isinstance(predict, BatchedPredictor) and predict.stage is not None:
                stage = predict.stage(image, score_map)
            save_map(out / "maps" / f"{s.id}.npz", score_map, stage)
            cases.append(ImageCase(s.id, s.name, s.label, s.classes))
    meta = {
        "id": eval_id,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "split": split,
        "test_locked": project.test_locked,
        "model": model,
        "cases": [c.to_dict() for c in cases],
    }
    if isinstance(predict, BatchedPredictor) and predict.describe is not None:
        meta["inference"] = predict.describe()
    atomic_write_json(out / "meta.json", meta)
    progress(0.95, EVAL_DECIDING())
    session = EvaluationSession.load(project, eval_id)
    session.write_results(DecisionConfig.from_dict(model.get("decision", {})))
    project.add_evaluation(
        eval_id, model.get("run_id"), model.get("bundle"), split, summary_metrics(session.metrics_flat)
    )
    progress(1.0, EVAL_WRITTEN())
    return session


def _chunks(
    project: Project, samples: Sequence[Sample], batched: bool, cancel: CancelToken | None
) -> Iterator[tuple[list[Sample], list[np.ndarray]]]:
    """Samples with their images, one at a time, or for a batched predictor as many as fit a chunk."""
    chunk: list[Sample] = []
    images: list[np.ndarray] = []
    pixels = 0
    for s in samples:
        if cancel is not None:
            cancel.raise_if_cancelled()
        image = project.read_image(s, None)
        chunk.append(s)
        images.append(image)
        pixels += int(image.shape[0]) * int(image.shape[1])
        if not batched or pixels >= CHUNK_PIXELS or len(chunk) >= CHUNK_IMAGES:
            yield chunk, images
            chunk, images, pixels = [], [], 0
    if chunk:
        yield chunk, images


class EvaluationSession:
    """A stored evaluation held in memory for fast re-decisions at new thresholds and rules."""

    def __init__(self, project: Project, eval_id: str, meta: dict[str, Any]) -> None:
        self.project = project
        self.eval_id = eval_id
        self.dir = project.evaluation_dir(eval_id)
        self.meta = meta
        self.cases = [
            ImageCase(c["sample_id"], c["name"], c["label"], tuple(c["classes"])) for c in meta["cases"]
        ]
        model = meta["model"]
        self.class_ids = [int(c["id"]) for c in model.get("classes", [])]
        self.class_names = [str(c["name"]) for c in model.get("classes", [])]
        # Overkill per class is only meaningful when the model's classes are the project's
        # (same id, same name); a merged "defect" channel must not be counted as project class 1.
        project_names = {c.id: c.name for c in project.classes()}
        self.classes_match_project = bool(self.class_ids) and all(
            project_names.get(i) == n for i, n in zip(self.class_ids, self.class_names, strict=True)
        )
        self.base_config = DecisionConfig.from_dict(model.get("decision", {}))
        self._levels: dict[tuple[float, Competition], list[PreparedMap]] = {}
        self._n_classes = len(self.class_ids) or 1
        self.metrics_flat: dict[str, Any] = {}

    @classmethod
    def load(cls, project: Project, eval_id: str) -> EvaluationSession:
        folder = project.evaluation_dir(eval_id)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ProjectError(
                f"evaluation {eval_id!r} in {project.root} is missing or damaged: {exc}"
            ) from exc
        session = cls(project, eval_id, meta)
        session.prepare_for(session.current_config())
        return session

    def current_config(self) -> DecisionConfig:
        """The settings last applied (``decision.json``), else those the evaluation started with."""
        path = self.dir / "decision.json"
        if path.is_file():
            try:
                return DecisionConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except ValueError as exc:
                raise ProjectError(f"{path} is damaged: {exc}") from exc
        return self.base_config

    def score_map(self, sample_id: int) -> np.ndarray:
        return load_map(self.dir / "maps" / f"{sample_id}.npz")

    def _level(self, config: DecisionConfig) -> list[PreparedMap]:
        """The maps prepared for ``config``'s floor and class competition, reading maps and images
        once per level."""
        floor = floor_for(config.lowest_threshold(self._n_classes))
        key = (floor, config.competition(self._n_classes))
        if key in self._levels:
            self._levels[key] = self._levels.pop(key)  # most recently used last
            return self._levels[key]
        while len(self._levels) >= KEEP_LEVELS:
            del self._levels[next(iter(self._levels))]
        prepared = []
        for case in self.cases:
            image = self.project.read_image(self.project.sample(case.sample_id), None)
            path = self.dir / "maps" / f"{case.sample_id}.npz"
            prepared.append(prepare_for(load_map(path), config, image, floor, stage=load_stage(path)))
        if prepared:
            self._n_classes = prepared[0].n_classes
        self._levels[key] = prepared
        return prepared

    def redecide(self, config: DecisionConfig) -> list[Decision]:
        """Decisions for every image under ``config``, from the stored maps (no model run).

        Fast once the maps are prepared at the needed floor; the first threshold below the
        prepared floors, or class thresholds that change their differences (pixels change
        class, see ``class_pixels``), prepare them again (about as long as loading the evaluation).
        """
        return [decide_prepared(p, config) for p in self.prepare_for(config)]

    def prepare_for(self, config: DecisionConfig) -> list[PreparedMap]:
        """Make sure the maps are prepared for ``config`` (slow only the first time)."""
        return self._level(config)

    def image_level(self, config: DecisionConfig) -> tuple[list[Decision], dict[str, Any]]:
        """Decisions and image-level metrics under ``config``: fast. Escape, overkill and sweeps are
        measured on the clear (OK and NG) parts; the doubtful ones only say how they were called."""
        decisions = self.redecide(config)
        clear = [(c, d) for c, d in zip(self.cases, decisions, strict=True) if c.label != "doubtful"]
        doubtful = [d for c, d in zip(self.cases, decisions, strict=True) if c.label == "doubtful"]
        metrics = image_metrics(
            [c.label for c, _ in clear],
            [d.image_score for _, d in clear],
            [d.verdict for _, d in clear],
            classes_per_image=[c.classes for c, _ in clear],
            predicted_classes=[[f.class_id for f in d.defects] for _, d in clear]
            if self.classes_match_project
            else None,
        )
        metrics.update(doubtful_metrics([d.image_score for d in doubtful], [d.verdict for d in doubtful]))
        metrics.update(zero_escape_part([(c, d.image_score) for c, d in clear]))
        return decisions, metrics

    def pixel_level(self, config: DecisionConfig) -> dict[str, Any]:
        """Dice / IoU per class and region recall of the outlines drawn under ``config`` (each class at
        its outline level, ``class_pixels``; reads masks)."""
        n = len(self.class_ids) or 1
        ids = self.class_ids or [r.class_id for r in config.rules_for(n)]
        thresholds, outlines = config.pixel_thresholds(n), config.outline_levels(n)
        truths, preds = [], []
        for case in self.cases:
            if case.label == "doubtful":
                continue  # its mask, if any, is one opinion among several: no pixel truth
            score_map = self.score_map(case.sample_id)
            if score_map.shape[1:] == (1, 1):
                continue  # an image-level (classification) score has no pixels to compare
            mask = self.project.read_mask(case.sample_id)
            if len(ids) == 1:  # one-class models (anomaly, binary) are scored on "any defect"
                mask = np.where(mask > 0, ids[0], 0).astype(np.uint8)
            truths.append(mask)
            preds.append(label_map(score_map, thresholds, ids, outlines))
        if not truths:
            return {}
        out = pixel_metrics(truths, preds, ids)
        out.update(region_metrics(truths, preds, ids))
        return out

    def rows(self, decisions: Sequence[Decision]) -> list[dict[str, Any]]:
        """Per-image results: verdict, outcome, score, defects with measurements."""
        rows = []
        for case, d in zip(self.cases, decisions, strict=True):
            rows.append({
                **case.to_dict(),
                "verdict": d.verdict,
                "outcome": outcome(case.label, d.verdict),
                "image_score": round(float(d.image_score), 6),
                "n_defects": len(d.defects),
                "defects": [f.to_dict() for f in d.defects],
                "gray_reason": d.gray_reason,
                "vetoed": [f.to_dict() for f in d.vetoed],
            })  # fmt: skip
        return rows

    def write_results(self, config: DecisionConfig) -> dict[str, Any]:
        """Write results.json/csv, metrics.json, decision.json and report.html; update last scores."""
        from workbench.core.report import write_report

        decisions, metrics = self.image_level(config)
        metrics.update(self.pixel_level(config))
        metrics["eval.id"] = self.eval_id
        metrics["eval.split"] = self.meta.get("split")
        rows = self.rows(decisions)
        atomic_write_json(self.dir / "results.json", rows)
        atomic_write_text(self.dir / "results.csv", _rows_csv(rows))
        atomic_write_json(self.dir / "metrics.json", metrics)
        atomic_write_json(self.dir / "decision.json", config.to_dict())
        self.metrics_flat = metrics
        write_report(self, rows, metrics, config)
        if not self.project.readonly:
            for row in rows:
                self.project.update_samples([row["sample_id"]], last_score=row["image_score"])
        return metrics


def zero_escape_part(scored: Sequence[tuple[ImageCase, float]]) -> dict[str, Any]:
    """The NG part whose score is the zero-escape point (the lowest), and whether it sits far below
    the other NG parts (``core.operating_point.lone_weakest``): then this one part decides the
    overkill at zero escape, and the overkill with it let through is given too, so that a person
    looks at it (on crackforest's test split, session 17: a crack the piece border cut to its last
    rows moved that overkill from 59 % to 90 %)."""
    ng = sorted(((score, case) for case, score in scored if case.label == "ng"), key=lambda pair: pair[0])
    ok = np.asarray([score for case, score in scored if case.label == "ok"], np.float64)
    out: dict[str, Any] = {"image.zero_escape_sample": None, "image.zero_escape_name": None}
    out.update({"image.zero_escape_lone": False, "image.overkill_without_lowest_ng": None})
    if not ng:
        return out
    out.update({"image.zero_escape_sample": ng[0][1].sample_id, "image.zero_escape_name": ng[0][1].name})
    if ok.size and lone_weakest([score for score, _ in ng]):
        out["image.zero_escape_lone"] = True
        out["image.overkill_without_lowest_ng"] = float(np.count_nonzero(ok >= ng[1][0]) / ok.size)
    return out


def _rows_csv(rows: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    fields = ["sample_id", "name", "label", "classes", "verdict", "outcome", "image_score", "n_defects",
              "max_defect_area_px", "gray_reason"]  # fmt: skip
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({
            **{k: r[k] for k in fields if k in r},
            "classes": " ".join(map(str, r["classes"])),
            "max_defect_area_px": max((d["area_px"] for d in r["defects"]), default=0),
        })  # fmt: skip
    return buf.getvalue()
