"""`workbench runs --diff` and `--restore`: the data two runs used, and a run's data as a new project."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.core.snapshots import take_snapshot


def _snapshot_run(project: Project) -> str:
    run = project.create_run(RunConfig(TrainConfig())).id
    take_snapshot(
        project, run, {"train": project.samples(split="train"), "val": project.samples(split="val")}
    )
    return run


@pytest.fixture()
def two_runs(tmp_path: Path) -> tuple[Path, str, str]:
    root = tmp_path / "proj"
    with Project.create(root) as project:
        project.add_class("scratch")
        for i in range(3):
            write_image(tmp_path / f"p{i}.png", np.full((16, 16), 40 * i, np.uint8))
            mask = np.zeros((16, 16), np.uint8)
            mask[2:6, 2:6] = 1
            split = "train" if i else "val"
            project.add_sample([tmp_path / f"p{i}.png"], name=f"p{i}", label="ng", split=split, mask=mask)
        first = _snapshot_run(project)
        samples = {s.name: s for s in project.samples()}
        project.update_samples([samples["p1"].id], label="doubtful")
        redrawn = np.zeros((16, 16), np.uint8)
        redrawn[8:12, 8:12] = 1
        project.write_mask(samples["p2"].id, redrawn)
        second = _snapshot_run(project)
    return root, first, second


def test_diff_prints_and_reports_json(two_runs: tuple[Path, str, str], capsys) -> None:
    root, first, second = two_runs
    assert main(["runs", str(root), "--diff", first, second]) == 0
    text = capsys.readouterr().out
    assert (
        "relabelled: 1\n  p1 (#2): ng -> doubtful" in text and "masks redrawn: 1\n  p2 (#3): changed" in text
    )
    assert main(["runs", str(root), "--diff", first, second, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [e["name"] for e in d["relabelled"]] == ["p1"] and d["added"] == [] and d["removed"] == []


def test_restore_makes_a_new_project_of_the_run_data(
    two_runs: tuple[Path, str, str], tmp_path: Path, capsys
) -> None:
    root, first, _ = two_runs
    assert main(["runs", str(root), "--restore", first, "--into", str(tmp_path / "back"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["project"] == str(tmp_path / "back")
    with Project.open(tmp_path / "back") as back:
        assert {s.name: (s.label, s.split) for s in back.samples()} == {
            "p0": ("ng", "val"), "p1": ("ng", "train"), "p2": ("ng", "train")
        }  # fmt: skip
        p2 = next(s for s in back.samples() if s.name == "p2")
        assert (
            back.read_mask(p2)[3, 3] == 1 and back.read_mask(p2)[9, 9] == 0
        )  # the mask before it was redrawn
    assert main(["runs", str(root), "--restore", first]) == 1
    assert "--into" in capsys.readouterr().err
