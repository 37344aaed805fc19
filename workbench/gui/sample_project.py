"""Where the built-in sample project lives, and making it when it is missing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from workbench.core.cancel import CancelToken, Progress
from workbench.core.project import is_project

REPO = Path(__file__).resolve().parents[2]


def _default_sample() -> Path:
    # In a source checkout the sample sits beside the code; an installed or frozen app keeps it
    # in the user's data folder, since its own folder may be read-only.
    in_repo = REPO / "sample_projects"
    if in_repo.is_dir() and os.access(in_repo, os.W_OK):
        return in_repo / "demo"
    base = (
        os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    )
    return Path(base) / "defect-workbench" / "sample-project"


DEFAULT_SAMPLE = _default_sample()


def sample_project_path() -> Path | None:
    """The sample project folder ($WORKBENCH_SAMPLE or sample_projects/demo) if it exists."""
    for candidate in (os.environ.get("WORKBENCH_SAMPLE", ""), str(DEFAULT_SAMPLE)):
        if candidate and is_project(candidate):
            return Path(candidate)
    return None


def generate_sample_project(
    folder: Path = DEFAULT_SAMPLE, progress: Progress | None = None, cancel: CancelToken | None = None
) -> dict[str, Any]:
    """Build the synthetic sample project (what `workbench sample` does) in ``folder``."""
    from workbench.core.samplegen import build_sample_project

    return build_sample_project(folder, progress=progress, cancel=cancel)
