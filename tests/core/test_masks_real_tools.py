"""Masks as real tools write them: grey edges, JPEG, 0/1 and 16-bit, palette PNGs, colour masks.

Every mask here is generated; the expected label map is the shape that was drawn.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from workbench.core.imageio import encode_image, write_image
from workbench.core.importers import FLAG_MASK_SKIPPED, import_dataset
from workbench.core.importers.palette_png import read_palette_png
from workbench.core.project import Project
from workbench.core.types import Sample

SIZE = (96, 128)
ORANGE, BLUE = "#D55E00", "#0072B2"  # class colours (Okabe-Ito vermillion and blue)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour[1:], 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def _disc(centre: tuple[int, int] = (60, 45), radius: int = 22, aa: bool = False) -> np.ndarray:
    """A filled 0/255 disc; ``aa`` gives it anti-aliased (grey) edges."""
    mask = np.zeros(SIZE, np.uint8)
    cv2.circle(mask, centre, radius, 255, -1, cv2.LINE_AA if aa else cv2.LINE_8)
    return mask


def _jpeg(img: np.ndarray, quality: int = 75) -> bytes:
    arr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR) if img.ndim == 3 else img
    ok, buf = cv2.imencode(".jpg", arr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def _by_name(project: Project) -> dict[str, Sample]:
    return {s.name: s for s in project.samples()}


def _class_id(project: Project, name: str) -> int:
    cls = project.class_by_name(name)
    assert cls is not None, f"class {name} missing"
    return cls.id


def _colour_pair_mask() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two touching discs in two class colours on black (anti-aliased); also their hard masks."""
    img = np.zeros((*SIZE, 3), np.uint8)
    cv2.circle(img, (40, 45), 20, _rgb(ORANGE), -1, cv2.LINE_AA)
    cv2.circle(img, (80, 45), 20, _rgb(BLUE), -1, cv2.LINE_AA)
    first = np.zeros(SIZE, np.uint8)
    cv2.circle(first, (40, 45), 20, 1, -1)
    second = np.zeros(SIZE, np.uint8)
    cv2.circle(second, (80, 45), 20, 1, -1)
    return img, first.astype(bool) & ~second.astype(bool), second.astype(bool)


# ---------------------------------------------------------------- grey edges, JPEG, bit depths
def test_grey_edges_and_jpeg_masks_are_thresholded(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["scratch/aa.png", "scratch/resized.png", "NG/jpeg.png", "dent/grey3.png"], size=SIZE)
    write_image(src / "scratch" / "masks" / "aa.png", _disc(aa=True))
    small = cv2.resize(_disc(), (SIZE[1] // 4, SIZE[0] // 4), interpolation=cv2.INTER_AREA)
    write_image(src / "scratch" / "masks" / "resized.png", cv2.resize(small, SIZE[::-1]))
    (src / "NG" / "jpeg_mask.jpg").write_bytes(_jpeg(_disc(), quality=60))
    # A grey mask saved as a colour JPEG: channels differ by a little only.
    (src / "dent" / "masks").mkdir(parents=True)
    (src / "dent" / "masks" / "grey3.jpg").write_bytes(_jpeg(np.dstack([_disc()] * 3)))

    report = import_dataset(project, src, "folder")

    assert report.skipped == [] and report.imported == 4
    assert report.masks_thresholded == 4
    assert any("4 mask(s)" in note and "thresholded" in note for note in report.notes())
    samples = _by_name(project)
    disc = _disc() > 0
    for name, cls in (("scratch/aa", "scratch"), ("scratch/resized", "scratch"), ("NG/jpeg", "defect"),
                      ("dent/grey3", "dent")):  # fmt: skip
        mask = project.read_mask(samples[name])
        assert set(np.unique(mask)) == {0, _class_id(project, cls)}, name
        assert _iou(mask > 0, disc) > 0.93, name
        assert samples[name].label == "ng"


def test_exact_binary_masks_of_any_depth_are_not_thresholded(
    project: Project, tmp_path: Path, make_images
) -> None:
    src = tmp_path / "src"
    make_images(src, ["scratch/zero_one.png", "scratch/deep.png", "scratch/deep_aa.png"], size=SIZE)
    masks = src / "scratch" / "masks"
    write_image(masks / "zero_one.png", (_disc() > 0).astype(np.uint8))
    write_image(masks / "deep.png", (_disc() > 0).astype(np.uint16) * 65535)
    write_image(masks / "deep_aa.png", _disc(aa=True).astype(np.uint16) * 257)  # 16-bit, grey edges

    report = import_dataset(project, src, "folder")

    assert report.skipped == [] and report.masks_thresholded == 1
    samples = _by_name(project)
    scratch = _class_id(project, "scratch")
    expected = np.where(_disc() > 0, scratch, 0)
    np.testing.assert_array_equal(project.read_mask(samples["scratch/zero_one"]), expected)
    np.testing.assert_array_equal(project.read_mask(samples["scratch/deep"]), expected)
    # Cut at 32768 of 65535: the same pixels as 128 of 255 on the 8-bit original.
    np.testing.assert_array_equal(
        project.read_mask(samples["scratch/deep_aa"]), np.where(_disc(aa=True) >= 128, scratch, 0)
    )


# ---------------------------------------------------------------- colour masks
def test_colour_mask_maps_class_colours_to_their_classes(
    project: Project, tmp_path: Path, make_images
) -> None:
    orange = project.add_class("burn", ORANGE).id
    blue = project.add_class("stain", BLUE).id
    src = tmp_path / "src"
    make_images(src, ["NG/png.png", "NG/jpg.png"], size=SIZE)
    img, first, second = _colour_pair_mask()
    write_image(src / "NG" / "png_mask.png", img)
    (src / "NG" / "jpg_mask.jpg").write_bytes(_jpeg(img, quality=85))

    report = import_dataset(project, src, "folder")

    assert report.skipped == [] and report.imported == 2
    assert report.masks_thresholded == 2  # blended edges decided by the nearest colour
    assert project.class_by_name("defect") is None  # nothing fell back to the binary class
    for name in ("NG/png", "NG/jpg"):
        mask = project.read_mask(_by_name(project)[name])
        assert set(np.unique(mask)) == {0, orange, blue}, name
        assert _iou(mask == orange, first) > 0.9, name
        assert _iou(mask == blue, second) > 0.9, name


def test_exact_colour_mask_is_not_counted_as_thresholded(
    project: Project, tmp_path: Path, make_images
) -> None:
    blue = project.add_class("stain", BLUE).id
    src = tmp_path / "src"
    make_images(src, ["NG/a.png"], size=SIZE)
    img = np.zeros((*SIZE, 3), np.uint8)
    img[10:20, 30:90] = _rgb(BLUE)
    img[50:51, 5:120] = _rgb(BLUE)  # a thin line counts as drawn in that colour too
    write_image(src / "NG" / "a_mask.png", img)

    report = import_dataset(project, src, "folder")

    assert report.skipped == [] and report.masks_thresholded == 0
    np.testing.assert_array_equal(project.read_mask(project.samples()[0]), np.where(img.any(axis=2), blue, 0))


def test_one_colour_on_black_is_a_binary_mask_of_the_folder_class(
    project: Project, tmp_path: Path, make_images
) -> None:
    project.add_class("stain", BLUE)
    src = tmp_path / "src"
    make_images(src, ["crack/a.png"], size=SIZE)
    red = np.zeros((*SIZE, 3), np.uint8)
    cv2.circle(red, (60, 45), 22, (255, 0, 0), -1, cv2.LINE_AA)
    write_image(src / "crack" / "a_mask.png", red)

    report = import_dataset(project, src, "folder")

    assert report.skipped == [] and report.masks_thresholded == 1
    mask = project.read_mask(project.samples()[0])
    assert set(np.unique(mask)) == {0, _class_id(project, "crack")}
    assert _iou(mask > 0, _disc() > 0) > 0.93


def test_transparent_background_is_background(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["spot/a.png", "spot/b.png"], size=SIZE)
    rgba = np.zeros((*SIZE, 4), np.uint8)
    rgba[..., :3] = 255  # white everywhere; only the alpha channel draws the defect
    rgba[..., 3] = _disc()
    write_image(src / "spot" / "a_mask.png", rgba)
    rgba = np.zeros((*SIZE, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = _disc(), np.where(_disc() > 0, 255, 100)  # background mostly transparent
    rgba[..., 1] = 77  # a tint, also under the transparent part, where it must not count
    write_image(src / "spot" / "b_mask.png", rgba)

    report = import_dataset(project, src, "folder")

    assert report.skipped == []
    spot = _class_id(project, "spot")
    for name in ("spot/a", "spot/b"):
        np.testing.assert_array_equal(
            project.read_mask(_by_name(project)[name]), np.where(_disc() > 0, spot, 0)
        )


# ---------------------------------------------------------------- palette PNGs
def _palette_png(
    indices: np.ndarray, colours: list[tuple[int, int, int]], transparency: bool = False
) -> bytes:
    pil = pytest.importorskip("PIL.Image")  # tests may use PIL; the workbench core does not
    img = pil.fromarray(indices, mode="P")
    img.putpalette([v for c in colours for v in c])
    out = io.BytesIO()
    img.save(out, format="PNG", **({"transparency": 0} if transparency else {}))
    return out.getvalue()


def _two_class_indices() -> np.ndarray:
    indices = np.zeros(SIZE, np.uint8)
    indices[5:30, 5:60] = 1
    indices[50:90, 70:120] = 2
    return indices


def test_palette_png_indices_are_read_exactly() -> None:
    indices = _two_class_indices()
    colours = [(0, 0, 0), (128, 0, 0), (0, 128, 0), (9, 9, 9)]
    read = read_palette_png(_palette_png(indices, colours, transparency=True))
    assert read is not None
    np.testing.assert_array_equal(read[0], indices)
    assert read[1][:3].tolist() == [list(c) for c in colours[:3]]
    assert read_palette_png(encode_image(indices, ".png")) is None  # grey PNG: no palette
    assert read_palette_png(b"\x89PNG\r\n\x1a\n\x00\x00") is None  # cut short


def test_palette_label_map_uses_indices_or_class_colours(
    project: Project, tmp_path: Path, make_images
) -> None:
    burn = project.add_class("burn", ORANGE).id
    stain = project.add_class("stain", BLUE).id
    src = tmp_path / "src"
    make_images(src, ["images/voc.png", "images/coloured.png", "images/grey.png"], size=SIZE)
    indices = _two_class_indices()
    masks = src / "masks"
    masks.mkdir(parents=True)
    # VOC colours (labelme's label.png): the index is the class id, the colour means nothing here.
    (masks / "voc.png").write_bytes(_palette_png(indices, [(0, 0, 0), (128, 0, 0), (0, 128, 0)]))
    # Indices in another order, colours of the project's classes: the colours decide.
    (masks / "coloured.png").write_bytes(_palette_png(indices, [(0, 0, 0), _rgb(BLUE), _rgb(ORANGE)]))
    # A grey palette is a grey image: index 0 is white here, so the indices alone would invert it.
    (masks / "grey.png").write_bytes(_palette_png((indices == 0).astype(np.uint8), [(255,) * 3, (0,) * 3]))

    report = import_dataset(project, src, "folder")

    assert report.skipped == [] and report.masks_thresholded == 0
    samples = _by_name(project)
    np.testing.assert_array_equal(project.read_mask(samples["images/voc"]), indices)
    swapped = np.select([indices == 1, indices == 2], [stain, burn], 0)
    np.testing.assert_array_equal(project.read_mask(samples["images/coloured"]), swapped)
    defect = _class_id(project, "defect")
    np.testing.assert_array_equal(project.read_mask(samples["images/grey"]), np.where(indices > 0, defect, 0))


# ---------------------------------------------------------------- refused masks
def test_unreadable_masks_are_refused_with_what_to_do(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "src"
    make_images(src, ["images/grey.png", "images/good.png", "scratch/float.png", "scratch/dark.png",
                      "NG/colours.png"], size=SIZE)  # fmt: skip
    (src / "masks").mkdir()
    write_image(src / "masks" / "grey.png", _disc(aa=True))  # grey edges, and no class anywhere
    write_image(src / "masks" / "good.png", _disc())
    write_image(src / "scratch" / "float_mask.tif", (_disc() > 0).astype(np.float32))
    write_image(src / "scratch" / "dark_mask.png", (_disc(aa=True) // 4))  # values 1..63: none reaches half
    colours = np.zeros((*SIZE, 3), np.uint8)
    colours[10:40, 10:40] = (255, 0, 0)
    colours[50:90, 60:120] = (0, 255, 0)
    write_image(src / "NG" / "colours_mask.png", colours)

    report = import_dataset(project, src, "folder")

    assert report.imported == 5  # every image comes in, refused masks or not
    reasons = dict(report.skipped)
    assert set(reasons) == {"masks/grey.png", "scratch/float_mask.tif", "scratch/dark_mask.png",
                            "NG/colours_mask.png"}  # fmt: skip
    assert "folder named after the defect" in reasons["masks/grey.png"]
    assert "not class ids" in reasons["masks/grey.png"]
    assert (
        "floating-point" in reasons["scratch/float_mask.tif"]
        and "8-bit PNG" in reasons["scratch/float_mask.tif"]
    )
    assert "half the range" in reasons["scratch/dark_mask.png"]
    assert "#FF0000" in reasons["NG/colours_mask.png"] and "#00FF00" in reasons["NG/colours_mask.png"]
    assert "colour it has" in reasons["NG/colours_mask.png"]
    samples = _by_name(project)
    for name in ("images/grey", "scratch/float", "scratch/dark", "NG/colours"):
        assert not samples[name].has_mask and FLAG_MASK_SKIPPED in samples[name].flags, name
    assert samples["images/good"].has_mask  # exact 0/255 needs no class to be known
    assert report.masks_thresholded == 0


def test_the_only_class_of_the_project_makes_grey_masks_readable(
    project: Project, tmp_path: Path, make_images
) -> None:
    crack = project.add_class("crack").id
    src = tmp_path / "src"
    make_images(src, ["images/a.png"], size=SIZE)
    write_image(src / "masks" / "a.png", _disc(aa=True))

    report = import_dataset(project, src, "folder")

    assert report.skipped == [] and report.masks_thresholded == 1
    assert set(np.unique(project.read_mask(project.samples()[0]))) == {0, crack}


def test_importing_again_after_the_fix_adds_the_refused_masks(
    project: Project, tmp_path: Path, make_images
) -> None:
    src = tmp_path / "src"
    make_images(src, ["images/a.png", "images/b.png"], size=SIZE)
    write_image(src / "masks" / "a.png", _disc(aa=True))
    write_image(src / "masks" / "b.png", _disc(aa=True) // 4)  # stays unreadable after the fix
    first = import_dataset(project, src, "folder")
    assert first.imported == 2 and len(first.skipped) == 2 and first.masks_attached == 0

    crack = project.add_class("crack").id  # what the refusal said to do
    again = import_dataset(project, src, "folder")

    assert again.imported == 0 and again.duplicates == 2
    assert again.masks_attached == 1 and again.masks_thresholded == 1
    assert [item for item, _ in again.skipped] == ["masks/b.png"]
    assert any("1 sample(s) already in the project got their mask" in note for note in again.notes())
    a, b = _by_name(project)["images/a"], _by_name(project)["images/b"]
    assert a.has_mask and a.label == "ng" and FLAG_MASK_SKIPPED not in a.flags
    np.testing.assert_array_equal(project.read_mask(a), np.where(_disc(aa=True) >= 128, crack, 0))
    assert not b.has_mask and FLAG_MASK_SKIPPED in b.flags and b.label == "unlabeled"


# ---------------------------------------------------------------- other importers
def test_mvtec_masks_with_grey_edges_and_jpeg(project: Project, tmp_path: Path, make_images) -> None:
    src = tmp_path / "cable"
    make_images(
        src, ["train/good/000.png", "test/good/000.png", "test/cut/000.png", "test/cut/001.png"], size=SIZE
    )
    write_image(src / "ground_truth" / "cut" / "000_mask.png", _disc(aa=True))
    (src / "ground_truth" / "cut" / "001_mask.jpg").write_bytes(_jpeg(_disc()))

    report = import_dataset(project, src)

    assert report.importer == "mvtec" and report.skipped == [] and report.masks_thresholded == 2
    cut = _class_id(project, "cut")
    for name in ("test/cut/000", "test/cut/001"):
        mask = project.read_mask(_by_name(project)[name])
        assert set(np.unique(mask)) == {0, cut} and _iou(mask > 0, _disc() > 0) > 0.93


def test_labelme_as_real_versions_write_it(project: Project, tmp_path: Path, make_image) -> None:
    src = tmp_path / "lm"
    make_image(src / "a.jpg", seed=1, size=SIZE)
    make_image(src / "b.jpg", seed=2, size=SIZE)
    polygon = {"label": "Pitting", "points": [[10.4, 10.6], [50.2, 12.9], [30.7, 40.1]], "group_id": None,
               "shape_type": "polygon", "flags": {}}  # fmt: skip
    base = {"version": "4.5.6", "flags": {}, "shapes": [polygon], "imageData": None,
            "imageHeight": SIZE[0], "imageWidth": SIZE[1]}  # fmt: skip
    (src / "a.json").write_text(json.dumps({**base, "imagePath": "a.jpg"}), encoding="utf-8")
    # Labelled on another machine, then moved: the stored absolute path resolves nowhere.
    moved = {**base, "imagePath": "C:\\Users\\qa\\labelling\\b.jpg"}
    (src / "b.json").write_text(json.dumps(moved), encoding="utf-8")

    report = import_dataset(project, src)

    assert report.importer == "labelme" and report.skipped == [] and report.imported == 2
    pitting = _class_id(project, "Pitting")
    for sample in project.samples():
        mask = project.read_mask(sample)
        assert sample.label == "ng" and set(np.unique(mask)) == {0, pitting}
        assert 500 < int((mask > 0).sum()) < 700  # the triangle's area is about 580 px
