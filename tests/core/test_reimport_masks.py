"""Importing a folder again: masks added or fixed in the source come in; masks drawn in the workbench stay."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from workbench.core.imageio import write_image
from workbench.core.importers import import_dataset
from workbench.core.project import Project
from workbench.core.schema import SCHEMA_VERSION
from workbench.core.types import Sample

SIZE = (48, 64)


def _disc(x: int, y: int, r: int = 8) -> np.ndarray:
    mask = np.zeros(SIZE, np.uint8)
    cv2.circle(mask, (x, y), r, 255, -1)
    return mask


def _sample(project: Project, name: str) -> Sample:
    return next(s for s in project.samples() if s.name == name)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_a_mask_added_to_the_source_is_attached_in_a_real_process(tmp_path: Path, make_images) -> None:
    src, proj = tmp_path / "src", tmp_path / "proj"
    make_images(src, ["scratch/a.png", "scratch/b.png"], size=SIZE)
    Project.create(proj).close()
    assert _cli("import", str(proj), str(src)).returncode == 0
    write_image(src / "scratch" / "a_mask.png", _disc(20, 20))  # drawn after the first import

    again = _cli("import", str(proj), str(src))

    assert again.returncode == 0, again.stderr
    assert "imported 0 new sample(s), 2 duplicate(s)" in again.stdout
    assert "masks of samples already in the project: 1 attached, 0 updated, 0 kept" in again.stdout
    with Project.open(proj, readonly=True) as project:
        a = _sample(project, "scratch/a")
        scratch = project.class_by_name("scratch")
        assert scratch is not None and a.has_mask and a.classes == (scratch.id,)
        np.testing.assert_array_equal(project.read_mask(a) > 0, _disc(20, 20) > 0)
        assert not _sample(project, "scratch/b").has_mask


def test_a_mask_fixed_in_the_source_is_updated(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["scratch/a.png"], size=SIZE)
    write_image(src / "scratch" / "a_mask.png", _disc(20, 20))
    import_dataset(project, src, "folder")
    write_image(src / "scratch" / "a_mask.png", _disc(40, 25))  # the labeller moved it

    report = import_dataset(project, src, "folder")

    assert (report.masks_attached, report.masks_updated, report.masks_kept) == (0, 1, [])
    assert any("1 mask(s) changed in the source were updated" in n for n in report.notes())
    np.testing.assert_array_equal(project.read_mask(_sample(project, "scratch/a")) > 0, _disc(40, 25) > 0)

    write_image(src / "scratch" / "a_mask.png", _disc(10, 10))  # and again: it still follows the source
    assert import_dataset(project, src, "folder").masks_updated == 1


def test_an_unchanged_source_changes_nothing(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["scratch/a.png", "scratch/b.png"], size=SIZE)
    write_image(src / "scratch" / "a_mask.png", _disc(20, 20))
    import_dataset(project, src, "folder")
    before = {s.name: s.mask_rev for s in project.samples()}

    report = import_dataset(project, src, "folder")

    assert report.duplicates == 2 and (report.masks_attached, report.masks_updated, report.masks_kept) == (
        0,
        0,
        [],
    )
    assert {s.name: s.mask_rev for s in project.samples()} == before


def test_masks_drawn_in_the_workbench_are_kept_unless_overwrite(
    project: Project, tmp_path: Path, make_images
) -> None:
    src = tmp_path / "src"
    make_images(src, ["scratch/a.png", "scratch/b.png", "scratch/c.png"], size=SIZE)
    write_image(src / "scratch" / "a_mask.png", _disc(20, 20))
    write_image(src / "scratch" / "c_mask.png", _disc(20, 20))
    import_dataset(project, src, "folder")
    scratch = project.class_by_name("scratch")
    assert scratch is not None
    drawn = np.where(_disc(50, 30, 6) > 0, scratch.id, 0).astype(np.uint8)
    a, b, c = (_sample(project, f"scratch/{n}") for n in "abc")
    project.write_mask(a.id, drawn)  # a labeller corrected the imported mask
    project.write_mask(b.id, drawn)  # ... drew one where the source had none
    project.write_mask(c.id, np.zeros(SIZE, np.uint8))  # ... and erased a wrong one
    for name in "abc":
        write_image(src / "scratch" / f"{name}_mask.png", _disc(30, 24))  # the source changes all three

    kept = import_dataset(project, src, "folder")

    assert (kept.masks_attached, kept.masks_updated) == (0, 0)
    assert sorted(kept.masks_kept) == [(f"scratch/{n}_mask.png", f"scratch/{n}") for n in "abc"]
    assert any("3 mask(s) drawn or changed in the workbench" in n for n in kept.notes())
    for name in "ab":
        np.testing.assert_array_equal(project.read_mask(_sample(project, f"scratch/{name}")), drawn)
    assert not _sample(project, "scratch/c").has_mask

    replaced = import_dataset(project, src, "folder", overwrite_masks=True)

    assert (replaced.masks_updated, replaced.masks_overwritten, replaced.masks_kept) == (3, 3, [])
    for name in "abc":
        np.testing.assert_array_equal(
            project.read_mask(_sample(project, f"scratch/{name}")) > 0, _disc(30, 24) > 0
        )
    write_image(src / "scratch" / "a_mask.png", _disc(12, 12))  # replaced masks follow the source again
    assert import_dataset(project, src, "folder").masks_updated == 1


def test_cli_lists_kept_masks_and_overwrites_on_request(tmp_path: Path, make_images) -> None:
    src, proj = tmp_path / "src", tmp_path / "proj"
    make_images(src, ["scratch/a.png"], size=SIZE)
    with Project.create(proj) as project:
        import_dataset(project, src, "folder")
        crack = project.add_class("crack").id
        sample = project.samples()[0]
        project.write_mask(sample.id, np.where(_disc(40, 20) > 0, crack, 0).astype(np.uint8))
    write_image(src / "scratch" / "a_mask.png", _disc(20, 20))

    kept = _cli("import", str(proj), str(src))
    as_json = _cli("import", str(proj), str(src), "--json")
    replaced = _cli("import", str(proj), str(src), "--overwrite-masks")

    assert "0 attached, 0 updated, 1 kept" in kept.stdout
    assert (
        "--overwrite-masks replaces them" in kept.stdout
        and "scratch/a_mask.png: sample scratch/a" in kept.stdout
    )
    assert json.loads(as_json.stdout)["masks_kept"] == [{"item": "scratch/a_mask.png", "sample": "scratch/a"}]
    assert replaced.returncode == 0 and "0 attached, 1 updated, 0 kept" in replaced.stdout
    with Project.open(proj, readonly=True) as project:
        scratch = project.class_by_name("scratch")
        assert scratch is not None and project.samples()[0].classes == (scratch.id,)


def test_attached_mask_on_a_good_part_asks_for_review(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["OK/a.png"], size=SIZE)
    import_dataset(project, src, "folder")
    write_image(src / "OK" / "a_mask.png", _disc(20, 20))
    project.add_class("defect")

    report = import_dataset(project, src, "folder")

    a = _sample(project, "OK/a")
    assert report.masks_attached == 1 and a.has_mask and a.label == "ok" and a.review == "needs_review"


def test_identical_images_in_one_import_keep_the_first_mask(
    project: Project, tmp_path: Path, make_image
) -> None:
    src = tmp_path / "src"
    make_image(src / "scratch" / "a.png", seed=3, size=SIZE)
    make_image(src / "scratch" / "b.png", seed=3, size=SIZE)  # the same bytes
    write_image(src / "scratch" / "a_mask.png", _disc(20, 20))
    write_image(src / "scratch" / "b_mask.png", _disc(40, 30))

    report = import_dataset(project, src, "folder")

    assert (report.imported, report.duplicates, report.masks_updated) == (1, 1, 0)
    np.testing.assert_array_equal(project.read_mask(project.samples()[0]) > 0, _disc(20, 20) > 0)


def test_projects_of_the_first_schema_are_migrated(tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["scratch/a.png"], size=SIZE)
    write_image(src / "scratch" / "a_mask.png", _disc(20, 20))
    with Project.create(tmp_path / "proj") as project:
        import_dataset(project, src, "folder")
    conn = sqlite3.connect(tmp_path / "proj" / "project.db")
    conn.executescript("DROP TABLE mask_origins; UPDATE meta SET value='1' WHERE key='schema_version';")
    conn.close()
    write_image(src / "scratch" / "a_mask.png", _disc(40, 25))

    with Project.open(tmp_path / "proj") as project:
        assert project.meta("schema_version") == str(SCHEMA_VERSION)
        report = import_dataset(project, src, "folder")
        # Who wrote a mask before the migration is not known: it is kept as if drawn in the workbench.
        assert report.masks_kept == [("scratch/a_mask.png", "scratch/a")]
