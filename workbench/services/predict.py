"""Predictions of a run on samples: which samples by default, and the proposals they leave."""

from __future__ import annotations

from typing import Any

from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.core.types import Sample


def prediction_samples(
    project: Project, ids: list[int] | None = None, split: str | None = None
) -> list[Sample]:
    """The samples to predict: ``ids`` and/or ``split``, or else every sample outside a locked test split.

    Proposals invite "accept prediction": the locked baseline stays free of model input unless the
    test split (or a test sample) is asked for by name.
    """
    samples = project.samples(ids=ids, split=split)
    if ids is None and split is None and project.test_locked:
        samples = [s for s in samples if s.split != "test"]
    if not samples:
        raise WorkbenchError(f"no samples selected in {project.root}")
    return samples


def predict(
    project: Project,
    run_id: str,
    samples: list[Sample],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Write run ``run_id``'s proposals for ``samples``, record each one's score; returns their index."""
    from workbench.learn.proposals import write_proposals

    project.run(run_id)  # names the run when it does not exist, before the model is loaded
    index = write_proposals(project, run_id, samples, progress, cancel)
    for sid, entry in index["samples"].items():
        project.update_samples([int(sid)], last_score=float(entry["score"]))
    return index
