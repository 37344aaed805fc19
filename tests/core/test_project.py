"""The project folder: lifecycle, schema versions, samples, masks, the test lock, atomic writes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from workbench.core import atomic
from workbench.core.atomic import atomic_write_bytes
from workbench.core.errors import ImageReadError, MaskError, ProjectError
from workbench.core.imageio import write_image
from workbench.core.project import DB_NAME, SUBDIRS, Project, is_project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.core.schema import SCHEMA_VERSION, current_version, migrate
from workbench.core.types import FLAG_NG_WITHOUT_MASK


def _png(folder: Path, name: str, value: int = 0, shape: tuple[int, ...] = (12, 16)) -> Path:
    img = np.random.default_rng(value).integers(0, 256, shape).astype(np.uint8)
    path = folder / name
    write_image(path, img)
    return path


@pytest.fixture()
def project(tmp_path: Path):
    proj = Project.create(tmp_path / "proj", name="Line 3", task="segmentation")
    yield proj
    proj.close()


def test_create_makes_the_folder_layout(project: Project) -> None:
    assert is_project(project.root)
    assert all((project.root / sub).is_dir() for sub in SUBDIRS)
    assert project.name == "Line 3" and project.task == "segmentation" and not project.test_locked
    assert project.meta("schema_version") == str(SCHEMA_VERSION)


def test_create_refuses_existing_project_and_unknown_task(project: Project, tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="already holds a project"):
        Project.create(project.root)
    with pytest.raises(ProjectError, match="unknown task 'painting'"):
        Project.create(tmp_path / "other", task="painting")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ProjectError, match="not a folder"):
        Project.create(tmp_path / "file")


def test_open_refuses_a_folder_without_project(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"is not a workbench project \(no project\.db\)"):
        Project.open(tmp_path)


def test_reopen_preserves_everything(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    root = tmp_path / "proj"
    with Project.create(root) as proj:
        cls = proj.add_class("scratch", "#ff0000")
        mask = np.zeros((12, 16), np.uint8)
        mask[2:5, 3:9] = cls.id
        s, created = proj.add_sample([_png(src, "a.png", 1)], label="ng", tags=["lot7"], mask=mask)
        assert created
        proj.update_samples([s.id], split="val", notes="check edge")
        run = proj.create_run(RunConfig(TrainConfig(max_epochs=3)), name="first")
    with Project.open(root) as proj:
        again = proj.sample(s.id)
        assert (again.label, again.split, again.tags, again.notes) == ("ng", "val", ("lot7",), "check edge")
        assert again.classes == (cls.id,) and again.has_mask
        np.testing.assert_array_equal(proj.read_mask(again), mask)
        assert proj.classes()[0].name == "scratch" and proj.classes()[0].color == "#ff0000"
        assert proj.run(run.id).config == RunConfig(TrainConfig(max_epochs=3))
        assert proj.image_path(again).read_bytes() == (src / "a.png").read_bytes()


def test_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    Project.create(root).close()
    conn = sqlite3.connect(root / DB_NAME)
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 5),))
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match=rf"schema version {SCHEMA_VERSION + 5}, newer") as err:
        Project.open(root)
    assert "update the workbench" in str(err.value)
    with pytest.raises(ProjectError, match="newer workbench"):
        Project.open(root, readonly=True)
    # The refusal released the lock: after restoring the version the project opens.
    conn = sqlite3.connect(root / DB_NAME)
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
    conn.commit()
    conn.close()
    Project.open(root).close()


def test_migrations_run_on_an_empty_database(tmp_path: Path) -> None:
    # Only a new database starts at version 0: an existing project.db without tables is damaged
    # and refused (tests/core/test_damaged_project.py).
    conn = sqlite3.connect(tmp_path / "new.db")
    assert current_version(conn) == 0
    assert migrate(conn) == SCHEMA_VERSION == current_version(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "samples", "channels", "classes", "runs", "imports"} <= tables
    conn.close()


def test_add_sample_dedupes_and_checks_channels(project: Project, tmp_path: Path) -> None:
    a = _png(tmp_path, "a.png", 1)
    first, created = project.add_sample([a])
    again, created_again = project.add_sample([tmp_path / "a.png"], name="copy")
    assert created and not created_again and again.id == first.id
    b = _png(tmp_path, "b.png", 2)
    two, _ = project.add_sample([a, b], name="two lights")
    assert two.n_channels == 2 and project.read_image(two, channel=None).shape == (12, 16, 2)
    wide = _png(tmp_path, "wide.png", 3, shape=(12, 20))
    with pytest.raises(ProjectError, match=r"one size \(a\.png: 16x12, wide\.png: 20x12\)"):
        project.add_sample([a, wide])
    (tmp_path / "bad.png").write_bytes(b"junk")
    with pytest.raises(ImageReadError, match=r"bad\.png"):
        project.add_sample([tmp_path / "bad.png"])
    assert project.count_samples() == 2


def test_ng_without_mask_flag_follows_write_mask(project: Project, tmp_path: Path) -> None:
    cls = project.add_class("dent")
    s, _ = project.add_sample([_png(tmp_path, "a.png")], label="ng")
    assert FLAG_NG_WITHOUT_MASK in s.flags and s.review == "needs_review"
    mask = np.zeros((12, 16), np.uint8)
    mask[1:3, 1:3] = cls.id
    assert FLAG_NG_WITHOUT_MASK not in project.write_mask(s.id, mask).flags


def test_write_mask_wrong_size_keeps_old_mask(project: Project, tmp_path: Path) -> None:
    cls = project.add_class("crack")
    s, _ = project.add_sample([_png(tmp_path, "a.png")])
    mask = np.zeros((12, 16), np.uint8)
    mask[4:8, 4:8] = cls.id
    project.write_mask(s.id, mask)
    before = project.mask_path(s.id).read_bytes()
    with pytest.raises(MaskError, match=r"shape \(16, 12\).*12x16"):
        project.write_mask(s.id, np.zeros((16, 12), np.uint8))
    with pytest.raises(MaskError, match=r"class value\(s\) \[7\]"):
        project.write_mask(s.id, np.full((12, 16), 7, np.uint8))
    assert project.mask_path(s.id).read_bytes() == before
    assert project.sample(s.id).mask_rev == 1
    np.testing.assert_array_equal(project.read_mask(s.id), mask)


def test_empty_mask_clears(project: Project, tmp_path: Path) -> None:
    cls = project.add_class("crack")
    s, _ = project.add_sample([_png(tmp_path, "a.png")])
    project.write_mask(s.id, np.full((12, 16), cls.id, np.uint8))
    cleared = project.write_mask(s.id, np.zeros((12, 16), np.uint8))
    assert not cleared.has_mask and cleared.classes == () and not project.mask_path(s.id).exists()


def test_locked_test_split_refuses_moves_in_and_out(project: Project, tmp_path: Path) -> None:
    a, _ = project.add_sample([_png(tmp_path, "a.png", 1)], split="test")
    b, _ = project.add_sample([_png(tmp_path, "b.png", 2)], split="train")
    project.lock_test_split(True)
    with pytest.raises(ProjectError, match="locked"):
        project.update_samples([a.id], split="val")
    with pytest.raises(ProjectError, match="locked"):
        project.update_samples([b.id], split="test")
    with pytest.raises(ProjectError, match="locked"):
        project.update_samples([a.id, b.id], split=None)
    assert (project.sample(a.id).split, project.sample(b.id).split) == ("test", "train")
    project.update_samples([b.id], split="val")  # moves outside the test set stay allowed
    project.update_samples([a.id], label="ng")  # and so do other edits of test samples
    assert project.sample(a.id).label == "ng"


def test_update_samples_validates(project: Project, tmp_path: Path) -> None:
    s, _ = project.add_sample([_png(tmp_path, "a.png")])
    with pytest.raises(ProjectError, match="unknown label 'bad'"):
        project.update_samples([s.id], label="bad")
    with pytest.raises(ProjectError, match="cannot set width"):
        project.update_samples([s.id], width=3)
    with pytest.raises(ProjectError, match="no sample with id 999"):
        project.update_samples([999], notes="x")


def test_atomic_write_keeps_old_file_when_replace_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "data.bin"
    atomic_write_bytes(target, b"old content")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_bytes(target, b"new content that never lands")
    assert target.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]  # no stray temp file


def test_mask_write_failure_keeps_old_mask(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = project.add_class("crack")
    s, _ = project.add_sample([_png(tmp_path, "a.png")])
    project.write_mask(s.id, np.full((12, 16), cls.id, np.uint8))
    before = project.mask_path(s.id).read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        project.write_mask(s.id, np.zeros((12, 16), np.uint8) + cls.id * (np.arange(16) % 2).astype(np.uint8))
    monkeypatch.setattr(atomic.os, "replace", os.replace)
    assert project.mask_path(s.id).read_bytes() == before
    assert project.sample(s.id).mask_rev == 1  # the db change rolled back with the file


def test_readonly_project_refuses_writes(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    Project.create(root).close()
    with Project.open(root, readonly=True) as proj:
        with pytest.raises(ProjectError, match="read-only"):
            proj.add_class("x")
        assert proj.classes() == []


def test_counts(project: Project, tmp_path: Path) -> None:
    cls = project.add_class("pit")
    mask = np.zeros((12, 16), np.uint8)
    mask[0, 0] = cls.id
    project.add_sample([_png(tmp_path, "a.png", 1)], label="ng", mask=mask, split="train")
    project.add_sample([_png(tmp_path, "b.png", 2)], label="ok")
    counts = project.counts()
    assert counts["total"] == 2 and counts["label"]["ng"] == 1 and counts["class"]["pit"] == 1
    assert counts["split"]["train"] == 1 and counts["split"]["none"] == 1 and counts["with_mask"] == 1


def test_runs_left_by_dead_processes_are_failed_on_open(tmp_path: Path) -> None:
    """A 'running' run whose process is gone, and a 'pending' one that never started, both fail."""
    folder = tmp_path / "p"
    with Project.create(folder) as project:
        running = project.create_run(RunConfig(TrainConfig()))
        project.move_run(running.id, "running", pid=2**22 + 12345)  # no such process
        stuck = project.create_run(RunConfig(TrainConfig()))
        fresh = project.create_run(RunConfig(TrainConfig()))
        with project.transaction() as conn:
            conn.execute("UPDATE runs SET created_at='2000-01-01T00:00:00Z' WHERE id=?", (stuck.id,))
    with Project.open(folder) as project:
        assert project.run(running.id).status == "failed"
        assert "ended unexpectedly" in project.run(running.id).error
        assert project.run(stuck.id).status == "failed"
        assert project.run(fresh.id).status == "pending"  # may still be starting


def test_one_damaged_run_record_does_not_hide_the_others(tmp_path: Path) -> None:
    """A run whose stored record is not readable is left out of runs() and named with the reason."""
    with Project.create(tmp_path / "p") as project:
        good = project.create_run(RunConfig(TrainConfig()))
        bad = project.create_run(RunConfig(TrainConfig()))
        worse = project.create_run(RunConfig(TrainConfig()))
        with project.transaction() as conn:
            conn.execute("UPDATE runs SET config='{\"train\": 7}' WHERE id=?", (bad.id,))
            conn.execute("UPDATE runs SET metrics='{not json' WHERE id=?", (worse.id,))
        assert [r.id for r in project.runs()] == [good.id]
        why = dict(project.unreadable_runs())
        assert set(why) == {bad.id, worse.id}
        assert "not readable JSON" in why[worse.id]
        with pytest.raises(ProjectError, match=bad.id):
            project.run(bad.id)
