"""The label 'doubtful' through import: a doubtful/ folder, a labels.csv column, a labelme flag."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from workbench.core.exporters import export_dataset
from workbench.core.imageio import write_image
from workbench.core.importers import import_dataset
from workbench.core.project import Project


def _labels(project: Project) -> dict[str, str]:
    return {s.name: s.label for s in project.samples()}


def test_a_doubtful_folder_makes_doubtful_parts_not_a_defect_class(project: Project, tmp_path: Path,
                                                                   make_images) -> None:  # fmt: skip
    src = tmp_path / "cells"
    make_images(
        src, ["OK/a.png", "NG/b.png", "doubtful/c.png", "Doubtful/crack/d.png", "train/doubtful/e.png"]
    )
    mask = np.zeros((32, 32), np.uint8)
    mask[4:9, 4:9] = 255
    write_image(src / "doubtful" / "c_mask.png", mask)

    report = import_dataset(project, src, "folder")

    assert report.imported == 5 and report.skipped == []
    assert _labels(project) == {"OK/a": "ok", "NG/b": "ng", "doubtful/c": "doubtful",
                                "Doubtful/crack/d": "doubtful", "train/doubtful/e": "doubtful"}  # fmt: skip
    assert project.class_by_name("doubtful") is None  # the folder is a label, not a class
    by_name = {s.name: s for s in project.samples()}
    assert by_name["doubtful/c"].has_mask and by_name["doubtful/c"].review == ""
    assert by_name["Doubtful/crack/d"].tags == ("crack",)
    assert by_name["train/doubtful/e"].split == "train"
    assert project.counts()["label"] == {"ok": 1, "ng": 1, "doubtful": 3, "unlabeled": 0}


def test_a_labels_csv_column_sets_labels_and_splits(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "plain"
    make_images(src, ["OK/a.png", "OK/b.png", "c.png", "sub/d.png", "e.png"])
    (src / "labels.csv").write_text(
        "File,Label,Split\n"
        "OK/b.png,doubtful,\n"  # the table wins over the folder name
        "c.png,NG,val\n"
        "d.png,doubtful,test\n"  # a file name unique in the folder is enough
        "e.png,maybe,\n"  # not a label: reported, nothing changed
        "missing.png,ok,\n",
        encoding="utf-8",
    )

    report = import_dataset(project, src, "folder")

    by_name = {s.name: s for s in project.samples()}
    assert {n: (s.label, s.split) for n, s in by_name.items()} == {
        "OK/a": ("ok", None), "OK/b": ("doubtful", None), "c": ("ng", "val"), "sub/d": ("doubtful", "test"),
        "e": ("unlabeled", None),
    }  # fmt: skip
    reasons = dict(report.skipped)
    assert "'maybe' is none of" in reasons["labels.csv line 5"]
    assert "names no image" in reasons["labels.csv line 6"]


def test_a_table_without_a_label_column_is_left_alone(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "rated"
    make_images(src, ["OK/a.png", "doubtful/b.png"])
    (src / "labels.csv").write_text("file,defect_probability\nOK/a.png,0.0\ndoubtful/b.png,0.33\n")
    report = import_dataset(project, src, "folder")
    assert report.skipped == [] and _labels(project) == {"OK/a": "ok", "doubtful/b": "doubtful"}


def test_the_csv_export_imports_back_with_its_labels(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["OK/a.png", "NG/b.png", "doubtful/c.png"])
    import_dataset(project, src, "folder")
    export_dataset(project, tmp_path / "out", "csv")
    with Project.create(tmp_path / "again") as again:
        import_dataset(again, tmp_path / "out", "folder")
        assert sorted(s.label for s in again.samples()) == ["doubtful", "ng", "ok"]


def _labelme(folder: Path, stem: str, flags: dict[str, bool], shapes: list[dict] | None = None) -> None:
    doc = {"version": "5.4.1", "flags": flags, "shapes": shapes or [], "imagePath": f"{stem}.png",
           "imageData": None, "imageHeight": 32, "imageWidth": 32}  # fmt: skip
    (folder / f"{stem}.json").write_text(json.dumps(doc), encoding="utf-8")


def test_a_labelme_doubtful_flag(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "lm"
    make_images(src, ["a.png", "b.png", "c.png"])
    box = {"label": "scratch", "points": [[2, 2], [12, 12]], "shape_type": "rectangle", "flags": {}}
    _labelme(src, "a", {"doubtful": True, "OK": False})
    _labelme(src, "b", {"Doubtful": True}, [box])  # drawn regions stay its mask; the flag wins
    _labelme(src, "c", {"doubtful": False}, [box])

    import_dataset(project, src, "labelme")

    by_name = {s.name: s for s in project.samples()}
    assert {n: s.label for n, s in by_name.items()} == {"a": "doubtful", "b": "doubtful", "c": "ng"}
    assert by_name["b"].has_mask
