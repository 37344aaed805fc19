"""A tiny project with one trained run, made by a real training job (shared by GUI tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.learn.tiny_project import TINY_SEG, make_tiny_project
from workbench.core.project import Project
from workbench.services.training import new_train_spec

_TRAINED: dict[str, tuple[Path, str]] = {}  # one training per test session, copied for each user


def _train(folder: Path) -> tuple[Path, str]:
    root = make_tiny_project(folder, n_ok=4, n_ng=4)
    with Project.open(root) as project:
        spec = new_train_spec(project, {**TINY_SEG, "max_epochs": 1})
    spec_path = folder / "train.json"
    spec_path.write_text(json.dumps(spec.to_dict()), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "workbench.jobs", str(spec_path)], check=True, capture_output=True,
                   timeout=300)  # fmt: skip
    return root, str(spec.run_id)


def trained_project(tmp_path: Path, factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A private copy of a tiny project with one completed one-epoch segmentation run (trained by a job)."""
    if "tiny" not in _TRAINED:
        _TRAINED["tiny"] = _train(factory.mktemp("trained"))
    source, run_id = _TRAINED["tiny"]
    root = tmp_path / "trained"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".lock"))
    return root, run_id
