"""`workbench check-labels`: a real label check (a job, tiny training) finds a planted flip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.learn.tiny_project import TINY_CHECK, make_flipped_project, make_tiny_project
from workbench.cli import main
from workbench.core.label_check_store import latest_check
from workbench.core.project import Project

TINY = [
    arg for key, value in TINY_CHECK.items() if key != "max_epochs" for arg in ("--set", f"{key}={value}")
]
TINY += ["--epochs", str(TINY_CHECK["max_epochs"])]


def test_check_labels_finds_the_flip_and_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, flipped, test_id = make_flipped_project(tmp_path)
    assert main(["check-labels", str(root), "--folds", "2", *TINY, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "completed"
    assert out["queue"][0] == flipped
    assert out["ranked"][0]["sample_id"] == flipped and out["ranked"][0]["reason"] == "ok_scored_ng"
    assert out["ranked"][0]["rank"] == 1 and out["ranked"][0]["text"]["zh"]
    assert str(test_id) not in out["samples"]  # the test split is never touched
    assert {v["fold"] for v in out["samples"].values()} == {0, 1}
    folder = Path(out["dir"])
    assert (folder / "suspects.json").is_file() and not (folder / "folds").exists()
    assert (folder / "maps" / f"{flipped}.npz").is_file() and (
        folder / "proposals" / f"{flipped}.png"
    ).is_file()
    with Project.open(root, readonly=True) as project:
        assert project.runs() == []  # the fold models are no training records
    check = latest_check(root)
    assert check is not None and check.queue()[0] == flipped


def test_check_labels_refuses_a_bad_setting_before_the_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_tiny_project(tmp_path, n_ok=3, n_ng=3)
    assert main(["check-labels", str(root), "--set", "cropp=64"]) != 0
    assert "cropp" in capsys.readouterr().err
    assert latest_check(root) is None
