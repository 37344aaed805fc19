"""Job specs: what a job child process is asked to do (``python -m workbench.jobs SPEC.json``).

One frozen dataclass per job kind. The front ends make them (the CLI's verbs and the window, through
the builders here and in ``services.training``), ``to_dict`` is the JSON the child reads, and
``spec_from_dict`` is the one reader (``workbench.jobs.runner``). The types live in the service
layer because the services build them and the job bodies, one layer up, run them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.core.errors import WorkbenchError

if TYPE_CHECKING:  # the job child reads specs before anything slow is imported
    from workbench.core.project import Project

BENCH_REPEAT = 3  # timed runs per latency figure after an export


class SpecError(WorkbenchError):
    """A job spec is unreadable or lacks what its kind needs."""


@dataclass(frozen=True)
class _Spec:
    kind: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class TrainSpec(_Spec):
    """Train a run: ``config`` holds the task, preset and setting overrides (``learn.presets``).

    Without ``run_id`` the job records a new run; without a task it trains the project's task.
    """

    kind: ClassVar[str] = "train"
    project: str
    config: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    resume: bool = False


@dataclass(frozen=True)
class PredictSpec(_Spec):
    """Write a finished run's proposals: ``samples`` and/or ``split``, else what `workbench predict` does."""

    kind: ClassVar[str] = "predict"
    project: str
    run_id: str
    samples: list[int] | None = None
    split: str | None = None

    def __post_init__(self) -> None:
        if not self.run_id:
            raise SpecError("a predict job needs the 'run_id' of a finished run")


@dataclass(frozen=True)
class EvaluateSpec(_Spec):
    """Evaluate a run or a bundle on a split (``threshold`` replaces the shipped ones)."""

    kind: ClassVar[str] = "evaluate"
    project: str
    run_id: str | None = None
    bundle: str | None = None
    split: str = "test"
    threshold: float | None = None
    engine: str = "auto"
    eval_id: str | None = None

    def __post_init__(self) -> None:
        if bool(self.run_id) == bool(self.bundle):
            raise SpecError("an evaluate job needs the 'run_id' of a run or a 'bundle' file (one of them)")


@dataclass(frozen=True)
class ExportSpec(_Spec):
    """Export a finished run to a bundle, then time it on ``device``."""

    kind: ClassVar[str] = "export"
    project: str
    run_id: str
    formats: str  # comma list of export.pipeline.FORMATS
    out: str | None = None
    device: str = "cpu"
    bench_repeat: int = BENCH_REPEAT

    def __post_init__(self) -> None:
        if not self.run_id:
            raise SpecError("an export job needs the 'run_id' of a finished run")


@dataclass(frozen=True)
class LabelCheckSpec(_Spec):
    """Check the labels by cross-validation: ``folds`` fast models, ``time_limit`` seconds in all
    (None: the fast preset's limit per fold); ``config`` overrides training settings."""

    kind: ClassVar[str] = "check_labels"
    project: str
    folds: int = 5
    time_limit: float | None = None
    seed: int = 0
    check_id: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.folds, int) or self.folds < 2:
            raise SpecError(f"a label check needs at least 2 folds, not {self.folds!r}")
        if self.time_limit is not None and not self.time_limit > 0:
            raise SpecError(f"a label check's time limit must be positive seconds, not {self.time_limit!r}")


JobSpec = TrainSpec | PredictSpec | EvaluateSpec | ExportSpec | LabelCheckSpec
SPEC_TYPES: dict[str, type[JobSpec]] = {
    t.kind: t for t in (TrainSpec, PredictSpec, EvaluateSpec, ExportSpec, LabelCheckSpec)
}


def spec_from_dict(data: object) -> JobSpec:
    """The spec a JSON object describes; a ``SpecError`` says what is missing or unknown."""
    kinds = ", ".join(SPEC_TYPES)
    if not isinstance(data, dict) or data.get("kind") not in SPEC_TYPES or not data.get("project"):
        raise SpecError(f"a job spec needs a 'project' and a 'kind' of {kinds}")
    cls = SPEC_TYPES[data["kind"]]
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known - {"kind"})
    if unknown:
        raise SpecError(f"a {cls.kind} job spec has no setting {', '.join(map(repr, unknown))}")
    try:
        return cls(**{k: v for k, v in data.items() if k != "kind"})
    except TypeError as exc:
        raise SpecError(f"a {cls.kind} job spec is incomplete: {exc}") from exc


def evaluate_spec(project: Project, run_id: str | None = None, bundle: str | None = None,
                  split: str = "test") -> EvaluateSpec:  # fmt: skip
    """The spec of an evaluation of a run or a bundle on ``split``, stored under a new evaluation id."""
    from workbench.core.evaluation import new_eval_id

    return EvaluateSpec(str(project.root), run_id, bundle, split, eval_id=new_eval_id())


def label_check_spec(project: Project, folds: int = 5, time_limit: float | None = None,
                     config: dict[str, Any] | None = None) -> LabelCheckSpec:  # fmt: skip
    """The spec of a label check of the project, stored under a new check id (settings checked now)."""
    from workbench.core.label_check_store import new_check_id
    from workbench.learn.presets import resolve_config

    resolve_config(project.task, "fast", config)  # an unknown or bad setting is refused before the job
    return LabelCheckSpec(
        str(project.root), folds, time_limit, check_id=new_check_id(), config=dict(config or {})
    )


def export_spec(project: Project, run_id: str, formats: str, device: str = "cpu") -> ExportSpec:
    """The spec of an export of a completed run (refused now when the run has not completed)."""
    status = project.run(run_id).status
    if status != "completed":
        raise SpecError(f"run {run_id} is {status}; only a completed run can be exported")
    return ExportSpec(str(project.root), run_id, formats, device=device)
