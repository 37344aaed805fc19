"""Importers: plain folders, MVTec AD, labelme, masks by name, bad files, duplicates, resume."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from workbench.core.cancel import CancelToken
from workbench.core.errors import ImportFormatError
from workbench.core.imageio import encode_image, write_image
from workbench.core.importers import FLAG_MASK_SKIPPED, detect_format, get_importer, import_dataset, registry
from workbench.core.project import Project
from workbench.core.types import FLAG_NG_WITHOUT_MASK, Sample


def _box_mask(size: tuple[int, int], box: tuple[int, int, int, int], value: int = 255) -> np.ndarray:
    mask = np.zeros(size, np.uint8)
    y0, y1, x0, x1 = box
    mask[y0:y1, x0:x1] = value
    return mask


def _by_name(project: Project) -> dict[str, Sample]:
    return {s.name: s for s in project.samples()}


def _class_id(project: Project, name: str) -> int:
    cls = project.class_by_name(name)
    assert cls is not None, f"class {name} missing"
    return cls.id


# ---------------------------------------------------------------- MVTec AD
def test_mvtec_layout(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "bottle"
    make_images(src, ["train/good/000.png", "train/good/001.png", "test/good/000.png",
                      "test/scratch/000.png", "test/scratch/001.png", "test/dent/000.png"])  # fmt: skip
    gt = {
        "scratch/000": _box_mask((32, 32), (2, 10, 3, 9)),
        "scratch/001": _box_mask((32, 32), (20, 30, 20, 31)),
        "dent/000": _box_mask((32, 32), (0, 5, 0, 5)),
    }
    for name, mask in gt.items():
        write_image(src / "ground_truth" / f"{name}_mask.png", mask)
    (src / "license.txt").write_text("CC BY-NC-SA")
    assert detect_format(src) == "mvtec"

    report = import_dataset(project, src)

    assert (report.importer, report.imported, report.duplicates, report.skipped) == ("mvtec", 6, 0, [])
    counts = project.counts()
    assert counts["split_label"]["train"] == {"ok": 2, "ng": 0, "doubtful": 0, "unlabeled": 0}
    assert counts["split_label"]["test"] == {"ok": 1, "ng": 3, "doubtful": 0, "unlabeled": 0}
    samples = _by_name(project)
    for name, mask in gt.items():
        sample = samples[f"test/{name}"]
        class_id = _class_id(project, name.split("/")[0])
        assert sample.classes == (class_id,)
        np.testing.assert_array_equal(project.read_mask(sample), np.where(mask > 0, class_id, 0))
    assert not samples["test/good/000"].has_mask and samples["test/good/000"].label == "ok"


# ---------------------------------------------------------------- labelme
def _labelme(path: Path, image_path: str, shapes: list[dict], flags: dict | None = None, **extra) -> None:
    doc = {"version": "5.4.1", "flags": flags or {}, "shapes": shapes, "imagePath": image_path,
           "imageData": None, "imageHeight": 32, "imageWidth": 32, **extra}  # fmt: skip
    path.write_text(json.dumps(doc), encoding="utf-8")


def _shape(label: str, kind: str, points: list[list[float]]) -> dict:
    return {"label": label, "points": points, "group_id": None, "shape_type": kind, "flags": {}}


def test_labelme_folder(project: Project, tmp_path: Path, make_image) -> None:
    src = tmp_path / "lm"
    for n, name in enumerate(("a", "b", "c")):
        make_image(src / f"{name}.png", seed=n)
    square = _shape("scratch", "polygon", [[2, 2], [12, 2], [12, 12], [2, 12]])
    rect = _shape("dent", "rectangle", [[25, 28], [20, 20]])
    _labelme(src / "a.json", "a.png", [square, rect])
    _labelme(src / "b.json", "b.png", [], flags={"OK": True, "NG": False})
    # d exists only inside its JSON (imageData), drawn with a circle of radius 4.
    embedded = base64.b64encode(encode_image(np.full((32, 32), 90, np.uint8), ".png")).decode()
    circle = _shape("scratch", "circle", [[16, 16], [16, 20]])
    _labelme(src / "d.json", "d.png", [circle], imageData=embedded)
    (src / "broken.json").write_text("{not json", encoding="utf-8")
    make_image(src / "imgs" / "e.png", seed=9)  # annotated from ann/, path written on Windows
    (src / "ann").mkdir()
    _labelme(src / "ann" / "e.json", "..\\imgs\\e.png", [_shape("dent", "polygon", [[0, 0], [9, 0], [0, 9]])])
    assert detect_format(src) == "labelme"

    report = import_dataset(project, src, "labelme")

    assert report.imported == 5
    assert [item for item, _ in report.skipped] == ["broken.json"]
    samples = _by_name(project)
    labels = {n: s.label for n, s in samples.items()}
    assert labels == {"a": "ng", "b": "ok", "c": "unlabeled", "d": "ng", "imgs/e": "ng"}
    scratch, dent = _class_id(project, "scratch"), _class_id(project, "dent")
    mask_a = project.read_mask(samples["a"])
    assert int((mask_a == scratch).sum()) == 11 * 11  # polygon edges are inside, as in labelme
    assert int((mask_a == dent).sum()) == 6 * 9
    assert set(samples["a"].classes) == {scratch, dent}
    circle_px = int((project.read_mask(samples["d"]) == scratch).sum())
    assert 40 <= circle_px <= 65  # pi * 4^2 ~ 50
    assert samples["d"].channel_files[0].original_name == "d.png"
    assert samples["imgs/e"].classes == (dent,)
    assert not (project.root / "cache" / "labelme-import").exists()


def test_labelme_bad_shape_keeps_image_without_mask(project: Project, tmp_path: Path, make_image) -> None:
    src = tmp_path / "lm"
    make_image(src / "a.png", seed=1)
    _labelme(src / "a.json", "a.png", [_shape("scratch", "polygon", [[1, 1], [5, 5]])])

    report = import_dataset(project, src, "labelme")

    sample = project.samples()[0]
    assert report.imported == 1 and sample.label == "ng" and not sample.has_mask
    assert FLAG_MASK_SKIPPED in sample.flags and sample.review == "needs_review"
    assert report.skipped[0][0] == "a.json" and "needs at least 3" in report.skipped[0][1]


# ---------------------------------------------------------------- plain folders
def test_plain_folder_labels_and_splits(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "plain"
    make_images(src, ["train/OK/a.png", "train/NG/b.png", "train/scratch/c.png", "test/good/d.png",
                      "test/ng/dent/e.jpg", "top.png", "val/Ok/f.bmp",
                      "NG/Kratzer/Prüfteil ä.png"])  # fmt: skip
    (src / "notes.txt").write_text("not an image")
    assert detect_format(src) == "folder"

    report = import_dataset(project, src)

    assert report.imported == 8 and report.skipped == []
    got = {n: (s.label, s.split, s.tags) for n, s in _by_name(project).items()}
    assert got == {
        "train/OK/a": ("ok", "train", ()),
        "train/NG/b": ("ng", "train", ()),
        "train/scratch/c": ("ng", "train", ("scratch",)),
        "test/good/d": ("ok", "test", ()),
        "test/ng/dent/e": ("ng", "test", ("dent",)),
        "top": ("unlabeled", None, ()),
        "val/Ok/f": ("ok", "val", ()),
        "NG/Kratzer/Prüfteil ä": ("ng", None, ("Kratzer",)),
    }
    b = _by_name(project)["train/NG/b"]
    assert FLAG_NG_WITHOUT_MASK in b.flags and b.review == "needs_review"


def test_masks_by_name_both_conventions(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "plain"
    make_images(src, ["NG/a.png", "scratch/b.png", "images/c.png", "NG/d.png"])
    project.add_class("scratch")
    project.add_class("dent")
    write_image(src / "NG" / "a_mask.png", _box_mask((32, 32), (1, 4, 1, 4)))  # 0/255 beside
    write_image(src / "scratch" / "masks" / "b.png", _box_mask((32, 32), (5, 9, 5, 9), 1))  # 0/1
    label_map = _box_mask((32, 32), (0, 2, 0, 32), 2)
    label_map[30:, :] = 1
    write_image(src / "masks" / "c.png", label_map)  # values 0..2 = class ids, beside images/
    write_image(src / "NG" / "d_mask.png", _box_mask((16, 16), (1, 4, 1, 4)))  # wrong size

    report = import_dataset(project, src, "folder")

    samples = _by_name(project)
    assert report.imported == 4 and len(samples) == 4  # mask files are not samples
    defect = _class_id(project, "defect")
    assert project.read_mask(samples["NG/a"]).tolist() == np.where(
        _box_mask((32, 32), (1, 4, 1, 4)) > 0, defect, 0).tolist()  # fmt: skip
    assert int((project.read_mask(samples["scratch/b"]) == 1).sum()) == 16  # class "scratch" is id 1
    np.testing.assert_array_equal(project.read_mask(samples["images/c"]), label_map)
    assert samples["images/c"].label == "ng"  # drawn defects make an unlabeled image NG
    d = samples["NG/d"]
    assert not d.has_mask and d.review == "needs_review" and FLAG_MASK_SKIPPED in d.flags
    (item, reason), = report.skipped  # fmt: skip
    assert item == "NG/d_mask.png" and "16" in reason and "32" in reason


def test_label_map_with_unknown_classes_is_refused(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "plain"
    make_images(src, ["NG/a.png"])
    write_image(src / "NG" / "a_mask.png", _box_mask((32, 32), (1, 4, 1, 4), 7))

    report = import_dataset(project, src, "folder")

    assert report.imported == 1 and not project.samples()[0].has_mask
    assert report.skipped[0][0] == "NG/a_mask.png" and "not class ids" in report.skipped[0][1]


def test_bad_files_are_reported_and_the_rest_imported(project: Project, tmp_path: Path, make_image) -> None:
    src = tmp_path / "bad"
    make_image(src / "OK" / "good1.png", seed=1)
    make_image(src / "OK" / "good2.jpg", seed=2)
    jpeg = encode_image(np.random.default_rng(3).integers(0, 255, (64, 64), dtype=np.uint8), ".jpg")
    (src / "OK" / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (src / "OK" / "empty.png").write_bytes(b"")
    (src / "OK" / "notes.png").write_text("this is text, not a PNG")

    report = import_dataset(project, src)

    assert report.imported == 2 and project.count_samples() == 2
    reasons = dict(report.skipped)
    assert set(reasons) == {"OK/truncated.jpg", "OK/empty.png", "OK/notes.png"}
    assert "truncated" in reasons["OK/truncated.jpg"] and "empty" in reasons["OK/empty.png"]
    assert "notes.png" in reasons["OK/notes.png"] and "not a readable" in reasons["OK/notes.png"]
    assert json.loads(json.dumps(report.to_dict()))["skipped"][0]["reason"]


def test_only_bad_files_is_a_failed_import(project: Project, tmp_path: Path) -> None:
    src = tmp_path / "bad"
    src.mkdir()
    (src / "x.png").write_bytes(b"")
    report = import_dataset(project, src)
    assert not report.succeeded and report.skipped[0][0] == "x.png"


# ---------------------------------------------------------------- duplicates, resume, errors
def test_reimport_gives_duplicates_only(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "plain"
    make_images(src, ["OK/a.png", "OK/b.png", "NG/c.png"])
    shutil.copy(src / "OK" / "a.png", src / "NG" / "a_again.png")  # one part, filed twice
    first = import_dataset(project, src)
    assert (first.imported, first.duplicates) == (3, 1)
    again = project.import_items(first.import_id)["OK/a.png"]  # NG/ is walked first (sorted)
    assert again["status"] == "duplicate" and "NG/a_again" in again["reason"]
    second = import_dataset(project, src)
    assert (second.imported, second.duplicates) == (0, 4)
    assert second.import_id != first.import_id and second.succeeded
    assert project.count_samples() == 3


def test_resume_after_partial_import(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "plain"
    make_images(src, [f"OK/{i:02d}.png" for i in range(8)])
    cancel = CancelToken()
    calls: list[str] = []

    def stop_after_three(fraction: float, message: str) -> None:
        calls.append(message)
        if len(calls) == 3:
            cancel.cancel()

    partial = import_dataset(project, src, progress=stop_after_three, cancel=cancel)
    assert partial.cancelled and partial.imported == 3 and project.count_samples() == 3

    rest = import_dataset(project, src)

    assert rest.import_id == partial.import_id
    assert (rest.resumed, rest.imported, rest.duplicates) == (3, 5, 0)
    assert project.count_samples() == 8
    statuses = {row["status"] for row in project.import_items(rest.import_id).values()}
    assert statuses == {"imported"}


def test_source_errors_are_clear(project: Project, tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="does not exist"):
        import_dataset(project, tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportFormatError, match="no importer recognises"):
        import_dataset(project, tmp_path / "empty")
    with pytest.raises(ImportFormatError, match="no images found"):
        import_dataset(project, tmp_path / "empty", "folder")
    with pytest.raises(ImportFormatError, match="unknown import format 'coco'"):
        import_dataset(project, tmp_path / "empty", "coco")


def test_registry_reads_the_entry_point_group(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {"folder", "mvtec", "labelme"} <= set(registry.importer_names())
    assert get_importer("mvtec").name == "mvtec"
    monkeypatch.setitem(registry.BUILTINS, "bogus", "workbench.core.errors:WorkbenchError")
    with pytest.raises(ImportFormatError, match=r"'bogus'.*is not an importer"):
        get_importer("bogus")
