"""Exporters: CSV + PNG label maps, the MVTec AD layout, and an MVTec round trip."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from workbench.core.exporters import ExportError, export_csv, export_dataset, export_mvtec, safe_name
from workbench.core.imageio import read_image
from workbench.core.importers import import_dataset
from workbench.core.project import Project


def _add(
    project: Project, tmp: Path, make_image, seed: int, label: str, split: str | None, mask_class: int = 0
):
    path = tmp / "src" / f"s{seed}.png"
    make_image(path, seed, (24, 32))
    mask = None
    if mask_class:
        mask = np.zeros((24, 32), np.uint8)
        mask[seed % 10 : seed % 10 + 5, 3:9 + seed % 7] = mask_class  # fmt: skip
    sample, _ = project.add_sample([path], name=f"part {seed}", label=label, split=split, mask=mask)
    return sample.id


@pytest.fixture()
def filled(project: Project, tmp_path: Path, make_image) -> Project:
    scratch, dent = project.add_class("scratch").id, project.add_class("dent").id
    _add(project, tmp_path, make_image, 1, "ok", "train")
    _add(project, tmp_path, make_image, 2, "ok", "train")
    _add(project, tmp_path, make_image, 3, "ok", "test")
    _add(project, tmp_path, make_image, 4, "ng", "test", scratch)
    _add(project, tmp_path, make_image, 5, "ng", "test", scratch)
    _add(project, tmp_path, make_image, 6, "ng", "test", dent)
    _add(project, tmp_path, make_image, 7, "unlabeled", None)
    _add(project, tmp_path, make_image, 8, "ok", "val")
    return project


def test_csv_export(filled: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = export_csv(filled, out)

    assert (report.samples, report.images, report.masks, report.skipped) == (8, 8, 3, [])
    with open(out / "labels.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["label"] for r in rows] == ["ok", "ok", "ok", "ng", "ng", "ng", "unlabeled", "ok"]
    by_name = {r["name"]: r for r in rows}
    part4 = by_name["part 4"]
    assert (part4["split"], part4["classes"], part4["mask_file"]) == ("test", "scratch", "masks/part_4.png")
    sample = filled.sample(int(part4["sample_id"]))
    np.testing.assert_array_equal(read_image(out / part4["mask_file"]), filled.read_mask(sample))
    assert (out / part4["image_files"]).read_bytes() == filled.image_path(sample).read_bytes()
    assert by_name["part 7"]["mask_file"] == "" and by_name["part 7"]["split"] == ""
    with open(out / "classes.csv", encoding="utf-8") as fh:
        assert [r["name"] for r in csv.DictReader(fh)] == ["scratch", "dent"]


def test_csv_export_of_one_split(filled: Project, tmp_path: Path) -> None:
    report = export_dataset(filled, tmp_path / "out", "csv", splits=["train"])
    assert report.samples == 2 and len(list((tmp_path / "out" / "images").iterdir())) == 2


def test_mvtec_export_layout(filled: Project, tmp_path: Path) -> None:
    out = tmp_path / "mv"
    report = export_mvtec(filled, out)

    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        "ground_truth/dent/part_6_mask.png", "ground_truth/scratch/part_4_mask.png",
        "ground_truth/scratch/part_5_mask.png", "test/dent/part_6.png", "test/good/part_3.png",
        "test/scratch/part_4.png", "test/scratch/part_5.png", "train/good/part_1.png",
        "train/good/part_2.png", "validation/good/part_8.png",
    ]  # fmt: skip
    assert report.skipped == [("part 7", "unlabeled samples have no place in the MVTec AD layout")]
    assert set(np.unique(read_image(out / "ground_truth/dent/part_6_mask.png")).tolist()) == {0, 255}


def test_mvtec_round_trip(filled: Project, tmp_path: Path) -> None:
    export_mvtec(filled, tmp_path / "mv")
    with Project.create(tmp_path / "again") as again:
        report = import_dataset(again, tmp_path / "mv")
        assert report.importer == "mvtec" and report.imported == 7 and report.skipped == []
        original = {s.content_hash: s for s in filled.samples() if s.label != "unlabeled"}
        copies = {s.content_hash: s for s in again.samples()}
        assert set(copies) == set(original)
        names = {c.id: c.name for c in filled.classes()}
        new_ids = {c.name: c.id for c in again.classes()}
        for key, old in original.items():
            new = copies[key]
            assert (new.label, new.split) == (old.label, old.split)
            old_mask = filled.read_mask(old)
            expected = np.zeros_like(old_mask)
            for cid in old.classes:
                expected[old_mask == cid] = new_ids[names[cid]]
            np.testing.assert_array_equal(again.read_mask(new), expected)


def test_export_refuses_a_folder_with_files(filled: Project, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_csv(filled, tmp_path / "busy")
    with pytest.raises(ExportError, match="unknown split"):
        export_csv(filled, tmp_path / "new", splits=["holdout"])
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"


def test_safe_names() -> None:
    assert safe_name("train/good/000") == "train_good_000"
    assert safe_name("../..") == "sample"
    assert safe_name("Prüfteil 7") == "Prüfteil_7"
