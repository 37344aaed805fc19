"""Masks the importer must not misread: orphans (no image) and masks of several classes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from workbench.core.imageio import write_image
from workbench.core.importers import import_dataset
from workbench.core.importers.masks import flat_levels
from workbench.core.project import Project

SIZE = (64, 96)
ORANGE, BLUE = (0xD5, 0x5E, 0x00), (0x00, 0x72, 0xB2)


def _jpeg(img: np.ndarray, quality: int = 75) -> bytes:
    arr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR) if img.ndim == 3 else img
    ok, buf = cv2.imencode(".jpg", arr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _two_regions(
    first: int | tuple[int, ...], second: int | tuple[int, ...], channels: int = 1
) -> np.ndarray:
    img = np.zeros((*SIZE, channels) if channels > 1 else SIZE, np.uint8)
    cv2.rectangle(img, (8, 8), (36, 40), first, -1)
    cv2.circle(img, (66, 32), 18, second, -1, cv2.LINE_AA)
    return img


def test_a_mask_without_its_image_is_an_orphan_not_a_sample(
    project: Project, tmp_path: Path, make_images
) -> None:
    src = tmp_path / "src"
    make_images(src, ["NG/a.png", "images/b.png"], size=SIZE)
    disc = np.zeros(SIZE, np.uint8)
    cv2.circle(disc, (40, 30), 12, 255, -1)
    write_image(src / "NG" / "a_mask.png", disc)
    write_image(src / "NG" / "lost_mask.png", disc)  # its image lost.png is missing
    write_image(src / "NG" / "masks" / "gone.png", disc)
    write_image(src / "masks" / "b.png", disc)
    write_image(src / "masks" / "c.png", disc)  # images/c.png is missing

    report = import_dataset(project, src, "folder")

    assert sorted(s.name for s in project.samples()) == ["NG/a", "images/b"]
    reasons = dict(report.skipped)
    assert sorted(reasons) == ["NG/lost_mask.png", "NG/masks/gone.png", "masks/c.png"]
    assert all(reason.startswith("orphan mask, skipped") for reason in reasons.values())
    assert "'lost'" in reasons["NG/lost_mask.png"] and "'c'" in reasons["masks/c.png"]
    assert all(s.has_mask for s in project.samples())


def test_mvtec_ground_truth_without_its_image_is_reported(
    project: Project, tmp_path: Path, make_images
) -> None:
    src = tmp_path / "bottle"
    make_images(src, ["train/good/000.png", "test/good/000.png", "test/broken/000.png"], size=SIZE)
    disc = np.zeros(SIZE, np.uint8)
    cv2.circle(disc, (40, 30), 12, 255, -1)
    write_image(src / "ground_truth" / "broken" / "000_mask.png", disc)
    write_image(src / "ground_truth" / "broken" / "007_mask.png", disc)

    report = import_dataset(project, src)

    assert report.importer == "mvtec" and report.imported == 3
    ((item, reason),) = report.skipped
    assert item == "ground_truth/broken/007_mask.png" and "broken/007.*" in reason
    assert reason.startswith("orphan mask, skipped")


def test_jpeg_masks_are_read(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["scratch/a.png"], size=SIZE)
    disc = np.zeros(SIZE, np.uint8)
    cv2.circle(disc, (40, 30), 14, 255, -1)
    (src / "scratch" / "a_mask.jpg").write_bytes(_jpeg(disc, quality=50))

    report = import_dataset(project, src, "folder")

    assert report.skipped == [] and report.masks_thresholded == 1
    mask = project.read_mask(project.samples()[0])
    assert ((mask > 0) == (disc > 0)).mean() > 0.99


def test_two_grey_levels_are_not_merged_into_one_class(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["scratch/png.png", "scratch/jpg.png"], size=SIZE)
    grey = _two_regions(128, 255)
    write_image(src / "scratch" / "png_mask.png", grey)
    (src / "scratch" / "jpg_mask.jpg").write_bytes(_jpeg(grey, quality=80))

    report = import_dataset(project, src, "folder")

    reasons = dict(report.skipped)
    assert sorted(reasons) == ["scratch/jpg_mask.jpg", "scratch/png_mask.png"]
    assert all("2 grey levels" in r and "several classes" in r for r in reasons.values())
    assert not any(s.has_mask for s in project.samples())


def test_one_level_with_soft_edges_is_one_level() -> None:
    disc = np.zeros(SIZE, np.uint8)
    cv2.circle(disc, (48, 32), 20, 255, -1, cv2.LINE_AA)
    assert flat_levels(disc) == [255]
    blurred = cv2.GaussianBlur(disc, (0, 0), 3.0)
    assert len(flat_levels(blurred)) == 1
    resized = cv2.resize(cv2.resize(disc, (24, 16), interpolation=cv2.INTER_AREA), SIZE[::-1])
    assert len(flat_levels(resized)) == 1
    jpeg = cv2.imdecode(np.frombuffer(_jpeg(disc, quality=40), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert len(flat_levels(jpeg)) == 1
    assert sorted(flat_levels(_two_regions(100, 255))) == [100, 255]


def test_two_colour_masks_keep_two_classes_or_are_refused(
    project: Project, tmp_path: Path, make_images
) -> None:
    src = tmp_path / "src"
    make_images(src, ["NG/a.png"], size=SIZE)
    write_image(src / "NG" / "a_mask.png", _two_regions(ORANGE, BLUE, channels=3))

    unknown = import_dataset(project, src, "folder")  # no class has these colours yet

    ((item, reason),) = unknown.skipped
    assert item == "NG/a_mask.png" and "colours are not the colours of this project's classes" in reason
    assert not project.samples()[0].has_mask

    burn, stain = project.add_class("burn", "#D55E00").id, project.add_class("stain", "#0072B2").id
    known = import_dataset(project, src, "folder")

    assert known.skipped == [] and known.masks_attached == 1
    mask = project.read_mask(project.samples()[0])
    assert set(np.unique(mask)) == {0, burn, stain}
    assert (mask[8:41, 8:37] == burn).all() and mask[32, 66] == stain
