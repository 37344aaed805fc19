"""A tiny project with one trained run, made by a real training job (shared by GUI tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.learn.tiny_project import TINY_SEG, make_tiny_project
from workbench.commands.learn_cmds import new_train_spec
from workbench.core.project import Project


def trained_project(tmp_path: Path) -> tuple[Path, str]:
    """A tiny project with one completed one-epoch segmentation run (trained by a job child)."""
    root = make_tiny_project(tmp_path, n_ok=4, n_ng=4)
    with Project.open(root) as project:
        spec = new_train_spec(project, {**TINY_SEG, "max_epochs": 1})
    spec_path = tmp_path / "train.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "workbench.jobs", str(spec_path)], check=True, capture_output=True,
                   timeout=300)  # fmt: skip
    return root, spec["run_id"]
