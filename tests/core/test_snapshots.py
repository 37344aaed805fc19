"""Dataset versions: a run's frozen snapshot, the diff between two runs' data, restoring a run's data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from workbench.core.errors import ProjectError
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.core.snapshots import BLOB_DIR, diff_runs, load_snapshot, restore_snapshot, take_snapshot


def _project(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "proj", name="line 3")
    project.add_class("scratch", "#ff0000")
    project.add_class("spot", "#00ff00")
    src = tmp_path / "src"
    for i in range(5):
        img = np.random.default_rng(i).integers(0, 256, (24, 32), dtype=np.uint8)
        write_image(src / f"part_{i}.png", img)
        mask = None
        if i < 2:
            mask = np.zeros((24, 32), np.uint8)
            mask[2 + i : 8, 3 : 9 + i] = 1 + i
        project.add_sample([src / f"part_{i}.png"], name=f"part_{i}", label="ng" if i < 2 else "ok",
                           split="val" if i == 4 else "train", mask=mask)  # fmt: skip
    return project


def _snap(project: Project, run_id: str) -> str:
    samples = project.samples()
    return take_snapshot(project, run_id, {"train": [s for s in samples if s.split == "train"],
                                           "val": [s for s in samples if s.split == "val"]})  # fmt: skip


def _run(project: Project) -> str:
    return project.create_run(RunConfig(TrainConfig())).id


def test_a_snapshot_restores_byte_identical_after_the_project_changed(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with project:
        run = _run(project)
        _snap(project, run)
        before = {s.name: s for s in project.samples()}
        files = {s.name: (project.root / s.channel_files[0].file).read_bytes() for s in before.values()}
        masks = {s.name: project.read_mask(s) for s in before.values()}
        mask_bytes = project.mask_path(before["part_0"].id).read_bytes()
        # the project moves on: a mask redrawn, one erased, a relabel, a sample deleted (its image too)
        redrawn = np.zeros((24, 32), np.uint8)
        redrawn[10:20, 10:20] = 2
        project.write_mask(before["part_0"].id, redrawn)
        project.write_mask(before["part_1"].id, np.zeros((24, 32), np.uint8))
        project.update_samples([before["part_2"].id], label="doubtful")
        project.remove_samples([before["part_3"].id])
        assert not (project.root / before["part_3"].channel_files[0].file).exists()
        doc = load_snapshot(project, run)
        blob = project.root / BLOB_DIR / doc["samples"][0]["mask"][:2] / f"{doc['samples'][0]['mask']}.png"
        assert blob.read_bytes() == mask_bytes  # the mask file as it was, byte for byte

        restore_snapshot(project, run, tmp_path / "restored")

    with Project.open(tmp_path / "restored") as again:
        assert [(c.id, c.name, c.color) for c in again.classes()] == [
            (1, "scratch", "#ff0000"),
            (2, "spot", "#00ff00"),
        ]
        got = {s.name: s for s in again.samples()}
        assert sorted(got) == sorted(before)
        for name, s in got.items():
            assert (again.root / s.channel_files[0].file).read_bytes() == files[name], name
            assert s.channel_files[0].original_name == f"{name}.png"
            assert s.content_hash == before[name].content_hash
            assert (s.label, s.split) == (before[name].label, before[name].split), name
            np.testing.assert_array_equal(again.read_mask(s), masks[name], err_msg=name)


def test_the_diff_lists_what_changed_between_two_runs(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with project:
        first = _run(project)
        id_first = _snap(project, first)
        same = _run(project)
        assert _snap(project, same) == id_first  # the same data: the same snapshot id
        blobs = sorted(p for p in (project.root / BLOB_DIR).rglob("*") if p.is_file())
        by_name = {s.name: s for s in project.samples()}
        project.write_mask(by_name["part_1"].id, np.zeros((24, 32), np.uint8))
        project.update_samples([by_name["part_2"].id], label="ng")
        project.update_samples([by_name["part_3"].id], split="val")
        project.remove_samples([by_name["part_4"].id])
        write_image(tmp_path / "new.png", np.full((24, 32), 9, np.uint8))
        project.add_sample([tmp_path / "new.png"], name="new", label="ok", split="train")
        project.update_class(2, name="dent")
        second = _run(project)
        _snap(project, second)
        # unchanged images and masks were not stored again
        assert len([p for p in (project.root / BLOB_DIR).rglob("*") if p.is_file()]) == len(blobs) + 1

        assert diff_runs(project, first, same)["same"]
        d = diff_runs(project, first, second)
    assert not d["same"] and (d["n_a"], d["n_b"]) == (5, 5)
    assert [e["name"] for e in d["added"]] == ["new"] and [e["name"] for e in d["removed"]] == ["part_4"]
    assert [(e["name"], e["from"], e["to"]) for e in d["relabelled"]] == [("part_2", "ok", "ng")]
    assert [(e["name"], e["to"]) for e in d["masks_redrawn"]] == [("part_1", None)]
    assert [(e["name"], e["from"], e["to"]) for e in d["moved"]] == [("part_3", "train", "val")]
    assert d["classes"] == {"added": [], "removed": [], "renamed": [{"id": 2, "from": "spot", "to": "dent"}]}


def test_a_run_without_a_snapshot_and_a_changed_blob_are_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with project:
        old = _run(project)
        with pytest.raises(ProjectError, match="has no dataset snapshot"):
            load_snapshot(project, old)
        with pytest.raises(ProjectError, match="no run 'nope'"):
            load_snapshot(project, "nope")
        run = _run(project)
        _snap(project, run)
        entry = json.loads((project.run_dir(run) / "dataset.json").read_text())["samples"][0]
        sha = entry["images"][0]["sha256"]
        assert (
            hashlib.sha256(
                (project.root / project.samples()[0].channel_files[0].file).read_bytes()
            ).hexdigest()
            == sha
        )
        blob = project.root / BLOB_DIR / sha[:2] / f"{sha}.png"
        blob.unlink()  # a hard link: the image in images/ stays
        write_image(blob, np.zeros((24, 32), np.uint8))
        with pytest.raises(ProjectError, match="was changed since it was kept"):
            restore_snapshot(project, run, tmp_path / "restored")
