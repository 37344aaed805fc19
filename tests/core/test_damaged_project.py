"""An empty or damaged project.db is refused with one sentence and every file left as it was;
`workbench recover` rebuilds the samples and their masks from images/ and masks/."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from workbench.core.errors import DamagedProjectError, ProjectError
from workbench.core.imageio import write_image
from workbench.core.mask_png import read_link
from workbench.core.project import DB_NAME, Project
from workbench.core.recover import RECOVERED_TAG, recover_project


def workbench(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`workbench ARGS` in a real process."""
    cmd = [sys.executable, "-m", "workbench.cli", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with a hash of its content."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


def build(tmp_path: Path, make_image) -> tuple[Path, dict[str, np.ndarray]]:
    """A project with OK/NG samples, masks of two classes and a two-channel sample; returns its
    folder and each sample's mask by content hash."""
    root, src = tmp_path / "proj", tmp_path / "src"
    masks: dict[str, np.ndarray] = {}
    with Project.create(root, name="Line 7") as project:
        project.add_class("scratch")
        project.add_class("dent", "#123456")
        for i in range(6):
            files = [src / f"part{i}.png"]
            make_image(files[0], seed=i, size=(24, 32))
            if i == 5:  # a second light source
                files.append(src / "part5_dark.png")
                make_image(files[1], seed=50, size=(24, 32))
            mask = np.zeros((24, 32), np.uint8)
            if i % 2:
                mask[2:8, 3:9] = 1
                mask[12:20, 10:30] = 2 if i > 1 else 0
            sample, _ = project.add_sample(files, label="ng" if i % 2 else "ok", split="train", mask=mask)
            masks[sample.content_hash] = mask
        project.write_mask(1, np.pad(np.ones((4, 4), np.uint8), ((0, 20), (0, 28))))  # drawn on an OK part
        masks[project.sample(1).content_hash] = project.read_mask(1)
    return root, masks


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_empty_project_db_is_refused_and_nothing_is_touched(tmp_path: Path, make_image) -> None:
    root, _ = build(tmp_path, make_image)
    (root / DB_NAME).write_bytes(b"")
    before = snapshot(root)
    for args in (["import", root, tmp_path / "src"], ["info", root], ["runs", root], ["new", root]):
        line = one_error_line(workbench(*args))
        assert f"{root / DB_NAME} is empty (0 bytes)" in line
        assert f"workbench recover {root}" in line
    with pytest.raises(DamagedProjectError, match="is empty"):
        Project.open(root)
    with pytest.raises(DamagedProjectError, match="is empty"):
        Project.open(root, readonly=True)
    assert snapshot(root) == before  # the db is still empty, masks/1.png... untouched, no new folder


def _overwrite_page(db: Path, table: str) -> None:
    """Fill the root page of ``table`` with junk, as a failing disk might."""
    with sqlite3.connect(db) as conn:
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db, "r+b") as fh:
        fh.seek((page - 1) * size)
        fh.write(np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes())


def test_damaged_project_db_gives_the_message_not_a_traceback(tmp_path: Path, make_image) -> None:
    root, _ = build(tmp_path, make_image)
    _overwrite_page(root / DB_NAME, "samples")
    before = snapshot(root)
    for args in (["info", root], ["import", root, tmp_path / "src"]):
        line = one_error_line(workbench(*args))
        assert f"{root / DB_NAME} is damaged (database disk image is malformed)" in line
        assert "workbench recover" in line
    with open(root / DB_NAME, "r+b") as fh:
        fh.write(b"junk, not sqlite")
    line = one_error_line(workbench("info", root))
    assert "is not an SQLite database" in line
    before[DB_NAME] = snapshot(root)[DB_NAME]
    assert snapshot(root) == before


def test_recover_rebuilds_samples_with_their_masks(tmp_path: Path, make_image) -> None:
    root, masks = build(tmp_path, make_image)
    (root / DB_NAME).write_bytes(b"")
    result = workbench("recover", root)
    assert result.returncode == 0, result.stderr
    assert "recovered 6 sample(s), 4 with a mask, and 2 defect class(es)" in result.stdout
    aside = next(root.glob("damaged-*"))
    assert (aside / DB_NAME).read_bytes() == b""  # kept as it was, beside the new one
    with Project.open(root) as project:
        samples = project.samples()
        assert {s.content_hash for s in samples} == set(masks)
        assert [(c.id, c.name, c.color) for c in project.classes()][1] == (2, "dent", "#123456")
        for s in samples:
            assert np.array_equal(project.read_mask(s), masks[s.content_hash]), s.name
            assert s.label == ("ng" if masks[s.content_hash].any() else "unlabeled")
            assert RECOVERED_TAG in s.tags
        assert sorted(s.n_channels for s in samples) == [1, 1, 1, 1, 1, 2]
        # A sample imported now gets a new id: it cannot take over a recovered sample's mask file.
        make_image(tmp_path / "new.png", seed=99, size=(24, 32))
        new, _ = project.add_sample([tmp_path / "new.png"])
        assert new.id > max(s.id for s in samples)


def test_recover_reads_back_what_the_damaged_db_still_holds(tmp_path: Path, make_image) -> None:
    root, masks = build(tmp_path, make_image)
    with Project.open(root) as project:
        project.update_samples([1], notes="checked by Ana", split="test")
    _overwrite_page(root / DB_NAME, "import_items")
    report = recover_project(root)
    assert {"samples", "channels", "classes", "meta"} <= set(report.salvaged_tables)
    assert report.samples == 6 and report.masks == 4 and not report.unmatched_masks
    with Project.open(root) as project:
        assert project.name == "Line 7"
        first = project.sample(1)
        assert (first.label, first.split, first.notes, first.name) == (
            "ok",
            "test",
            "checked by Ana",
            "part0",
        )
        assert all(RECOVERED_TAG not in s.tags for s in project.samples())
        assert all(np.array_equal(project.read_mask(s), masks[s.content_hash]) for s in project.samples())


def test_recover_moves_masks_that_fit_no_image_aside(tmp_path: Path, make_image) -> None:
    root, _ = build(tmp_path, make_image)
    (root / DB_NAME).unlink()
    stray = root / "masks" / "77.png"
    write_image(stray, np.ones((5, 5), np.uint8))  # names no image
    journal = root / "masks" / "2.journal"  # the Label page's strokes: settled when a window opens
    journal.write_bytes(b"strokes")
    report = recover_project(root)
    assert report.unmatched_masks == ["77.png"] and not stray.exists()
    assert journal.read_bytes() == b"strokes"
    assert (report.aside / "masks" / "77.png").is_file()
    assert any("77.png" in line for line in report.lines())


def test_recover_refuses_a_healthy_project(tmp_path: Path, make_image) -> None:
    root, _ = build(tmp_path, make_image)
    before = snapshot(root)
    with pytest.raises(ProjectError, match="is healthy; there is nothing to recover"):
        recover_project(root)
    assert snapshot(root) == before


def test_a_folder_whose_db_is_missing_is_not_made_a_new_project(tmp_path: Path, make_image) -> None:
    root, _ = build(tmp_path, make_image)
    (root / DB_NAME).unlink()
    with pytest.raises(ProjectError, match=r"project\.db is missing; `workbench recover"):
        Project.create(root)
    assert not (root / DB_NAME).exists()


def test_mask_files_name_their_images_and_classes(tmp_path: Path, make_image) -> None:
    root, _ = build(tmp_path, make_image)
    with Project.open(root, readonly=True) as project:
        sample = project.sample(6)
        link = read_link(project.mask_path(6))
        assert link is not None
        assert link.files == [c.file for c in sample.channel_files] and len(link.files) == 2
        assert link.classes == {1: ("scratch", "#E69F00"), 2: ("dent", "#123456")}
        # Still a plain label map for any tool.
        assert np.array_equal(
            cv2.imread(str(project.mask_path(6)), cv2.IMREAD_UNCHANGED), project.read_mask(6)
        )
