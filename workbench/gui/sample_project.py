"""Where the built-in sample project lives, and making it when it is missing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from workbench.core.cancel import CancelToken, Progress
from workbench.core.project import is_project

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SAMPLE = REPO / "sample_projects" / "demo"


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
