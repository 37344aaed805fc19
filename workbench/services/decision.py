"""Ship another decision with a trained run: the operating point a person chose on an evaluation.

Training places each class's threshold on its validation images (``core.operating_point``). The
engineer who looks at an evaluation may choose otherwise: a threshold that trades a few escapes for
far less overkill, or a gray zone that sends the uncertain parts to a person. ``ship_decision``
makes that choice the run's shipped decision: the window's Evaluate page, `workbench decide` and
every later evaluation and export use it. The decision training placed is kept (``ModelConfig.
trained``) and ``restore_trained`` brings it back.

A run flagged because its thresholds rejected most good val parts (``core.run_quality``) loses that
flag once a person ships a decision of their own; the other flags (AUROC, Dice) stay.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from workbench.core.clock import now_iso
from workbench.core.decisions import DecisionConfig
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.core.run_config import ModelConfig, RunConfig
from workbench.core.run_quality import CEILINGS, RECORD_KEY
from workbench.core.types import Run

USER_METHOD = "user"  # ``decision_origin`` method of a decision a person shipped


class DecisionShipError(WorkbenchError):
    """The run cannot take a new decision (not completed, or the decision does not fit its classes)."""


def _completed_model(project: Project, run_id: str) -> tuple[Run, ModelConfig]:
    run = project.run(run_id)
    if run.status != "completed" or run.config.model is None:
        raise DecisionShipError(f"run {run_id} is {run.status}: only a completed run ships a decision")
    return run, run.config.model


def user_origins(
    decision: DecisionConfig, eval_id: str | None, trained: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One origin per class rule: set by a person (on evaluation ``eval_id``), with training's."""
    by_class = {o.get("class_id"): o for o in trained}
    out = []
    for rule in decision.classes:
        origin: dict[str, Any] = {
            "method": USER_METHOD, "class_id": rule.class_id, "name": rule.name,
            "threshold": decision.ng_threshold(rule), "min_area_px": rule.min_area_px,
            "eval_id": eval_id, "set_at": now_iso(),
            "gray_low": decision.gray_low, "gray_high": decision.gray_high,
        }  # fmt: skip
        if rule.outline_threshold is not None:
            origin["outline_threshold"] = rule.outline_threshold
        if (before := by_class.get(rule.class_id)) is not None and before.get("method") != USER_METHOD:
            origin["trained_threshold"] = before.get("threshold")
        out.append(origin)
    return out


def ship_decision(
    project: Project, run_id: str, decision: DecisionConfig, eval_id: str | None = None
) -> RunConfig:
    """Make ``decision`` what run ``run_id`` ships; returns the run's new record."""
    run, model = _completed_model(project, run_id)
    decision = DecisionConfig.from_dict(decision.to_dict())
    decision.validate()
    wanted = {c.id for c in model.classes}
    if decision.classes and {r.class_id for r in decision.classes} != wanted:
        raise DecisionShipError(
            f"the decision's classes {sorted(r.class_id for r in decision.classes)} are not the run's "
            f"{sorted(wanted)}"
        )
    trained = model.trained or {
        "decision": model.decision.to_dict(),
        "decision_origin": [dict(o) for o in model.decision_origin],
    }
    origins = user_origins(decision, eval_id, list(trained["decision_origin"]))
    new_model = replace(model, decision=decision, decision_origin=tuple(origins), trained=trained)
    return _store(project, run, replace(run.config, model=new_model), drop_ceiling=True)


def restore_trained(project: Project, run_id: str) -> RunConfig:
    """Ship again the decision training placed (nothing to do when it still ships)."""
    run, model = _completed_model(project, run_id)
    if model.trained is None:
        return run.config
    decision = DecisionConfig.from_dict(model.trained["decision"])
    origins = tuple(dict(o) for o in model.trained.get("decision_origin") or [])
    new_model = replace(model, decision=decision, decision_origin=origins, trained=None)
    return _store(project, run, replace(run.config, model=new_model), drop_ceiling=False)


def shipped_by_user(model: ModelConfig | None) -> bool:
    return model is not None and any(o.get("method") == USER_METHOD for o in model.decision_origin)


def _store(project: Project, run: Run, config: RunConfig, drop_ceiling: bool) -> RunConfig:
    from workbench.learn.infer import write_run_config  # torch: only when a decision is shipped

    metrics = dict(run.metrics or {})
    recorded = metrics.get(RECORD_KEY)
    if isinstance(recorded, list):
        if drop_ceiling:  # a person chose the operating point: the training-time flag no longer holds
            metrics["trained_" + RECORD_KEY] = metrics.get("trained_" + RECORD_KEY, recorded)
            metrics[RECORD_KEY] = [r for r in recorded if r.get("metric") not in CEILINGS]
        elif "trained_" + RECORD_KEY in metrics:
            metrics[RECORD_KEY] = metrics.pop("trained_" + RECORD_KEY)
    write_run_config(project.run_dir(run.id), config)  # what load_run, evaluation and export read
    try:
        project.update_run(run.id, config=config, metrics=metrics)
    except BaseException:
        write_run_config(project.run_dir(run.id), run.config)  # the file and the database agree
        raise
    return config
