"""Choose what predicts (a run in process, or a deploy bundle through the runtime) and evaluate it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.decision_regions import StageMaps
from workbench.core.evaluation import (
    BatchedPredictor,
    EvaluationSession,
    Predictor,
    StagePredictor,
    run_evaluation,
    with_overrides,
)
from workbench.core.inference import TiledModel
from workbench.core.project import Project
from workbench.services.job_lines import LOADING_MODEL


def model_source(
    project_root: Path, run_id: str | None, bundle: str | None, engine: str = "auto"
) -> tuple[Predictor, dict[str, Any]]:
    """The predictor and model description of a run (in process) or a bundle (runtime).

    A run predicts on torch; with ``engine="auto"`` on a CPU, through its exported graph once that
    agreed with torch and was faster on the first chunk of images (``workbench.export.fast_eval``).
    """
    if run_id is not None:
        from workbench.learn.infer import load_run

        loaded = load_run(project_root, run_id)
        cfg = loaded.config
        info = {"task": cfg.task, "classes": cfg.class_dicts(), "decision": cfg.decision.to_dict()}
        if engine == "auto" and loaded.device.type == "cpu":
            from workbench.export.fast_eval import ExportedOrTorch

            chooser = ExportedOrTorch(loaded)
            predict = BatchedPredictor(chooser.one, chooser.many, chooser.describe, _stage(loaded))
        else:
            predict = BatchedPredictor(
                loaded.scores, loaded.scores_many, lambda: f"torch on {loaded.device}", _stage(loaded)
            )
        return predict, {**info, "run_id": run_id}
    from workbench.runtime import Inspector

    inspector = Inspector(str(bundle))
    manifest = inspector.bundle.manifest
    info = {"task": manifest.task, "classes": inspector.bundle.classes,
            "decision": manifest.decision.to_dict()}  # fmt: skip
    predict = BatchedPredictor(
        inspector.scores, inspector.scores_many, lambda: f"bundle: {inspector.describe()}", _stage(inspector)
    )
    return predict, {**info, "bundle": str(Path(str(bundle)).resolve())}


def _stage(model: TiledModel) -> StagePredictor | None:
    """The region classifier's maps of an image and its score map, for a model that has one."""
    if model.region_stage is None:
        return None

    def stage(image: np.ndarray, score_map: np.ndarray) -> StageMaps | None:
        return model.stage_of(image, score_map)

    return stage


def evaluate(
    project: Project,
    run_id: str | None,
    bundle: str | None,
    split: str = "test",
    *,
    engine: str = "auto",
    threshold: float | None = None,
    gray: tuple[float, float] | None = None,
    classifier: float | str | None = None,
    eval_id: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> EvaluationSession:
    """Run a run or a bundle over ``split`` ('all' = every split), decide, store ``evaluations/<id>/``.

    ``threshold`` / ``gray`` / ``classifier`` (a region-classifier threshold or "off") replace the
    model's shipped decision for this evaluation.
    """
    progress(0.0, LOADING_MODEL())
    predict, model = model_source(project.root, run_id, bundle, engine)
    model["decision"] = with_overrides(model["decision"], threshold, gray, classifier).to_dict()
    return run_evaluation(
        project, predict, model, split=None if split == "all" else split,
        progress=progress, cancel=cancel, eval_id=eval_id,
    )  # fmt: skip
