"""Project-wide health rules on realistic sets: near-duplicates and size outliers.

A uniform surface photographed part by part, or parts of naturally varying size, must not be
flagged; real copies (re-saved, shifted, brightness-scaled) and sizes far from the rest must be.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from workbench.core import health
from workbench.core.health import duplicate_pairs, measure_image, scan_project, size_outliers
from workbench.core.imageio import write_image
from workbench.core.phash import Fingerprint, fingerprint, near_pairs, similar_pairs
from workbench.core.project import Project
from workbench.core.types import FLAG_BLURRED, FLAG_DUPLICATE, FLAG_SIZE_OUTLIER

LAMP = np.random.default_rng(99).normal(0.0, 1.0, (5, 5)).astype(np.float32)


def _surface(rng: np.random.Generator, height: int, width: int, streak: float = 4.0) -> np.ndarray:
    """One part of a uniform grey surface: fine grain, streaks along x, under the line's lamp.

    The lamp (uneven, plus a left-to-right ramp) lights every picture alike: it, not the part,
    sets the lowest frequencies, so the perceptual hashes of different parts agree.
    """
    noise = rng.normal(0.0, 1.0, (height, width)).astype(np.float32)
    grain = cv2.GaussianBlur(noise, (0, 0), 1.0) * 6 + cv2.GaussianBlur(noise, (0, 0), streak, sigmaY=1.0) * 9
    lamp = cv2.resize(LAMP, (width, height), interpolation=cv2.INTER_CUBIC) * 20
    ramp = 30 * np.arange(width, dtype=np.float32)[None, :] / width
    return np.clip(grain + lamp + ramp + 110, 0, 255).astype(np.uint8)


def _parts(seed: int, n: int, streak: float = 4.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [_surface(rng, int(rng.integers(150, 300)), int(rng.integers(150, 300)), streak) for _ in range(n)]


def _shift(img: np.ndarray, dx: int, dy: int) -> np.ndarray:
    m = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT)


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def _stats(images: list[np.ndarray]) -> dict[int, list[health.ImageStats]]:
    return {i: [measure_image(img)] for i, img in enumerate(images)}


@pytest.mark.parametrize("streak", [4.0, 40.0])
def test_parts_of_one_uniform_surface_are_not_near_duplicates(streak: float) -> None:
    images = _parts(1, 60, streak)
    stats = _stats(images)
    # The hashes alone call many of them copies: that was the complaint.
    assert len(near_pairs([c[0].phash for c in stats.values()], health.DUPLICATE_DISTANCE)) > 20
    assert duplicate_pairs(stats) == []


def test_copies_are_near_duplicates_among_parts_of_a_uniform_surface() -> None:
    images = _parts(2, 40)
    copies = {
        0: _jpeg(images[0], 70),
        1: _shift(images[1], 1, 0),
        2: _shift(images[2], -2, 2),
        3: (images[3] * 0.8).astype(np.uint8),
        4: _jpeg(np.clip(_shift(images[4], 2, -1) * 1.15, 0, 255).astype(np.uint8), 80),
    }
    stats = _stats(images + list(copies.values()))
    found = {(a, b) for a, b, _ in duplicate_pairs(stats)}
    assert found == {(src, len(images) + k) for k, src in enumerate(copies)}


def test_identical_parts_with_their_own_noise_are_the_products_look() -> None:
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:200, 0:200]
    part = (120 + 60 * (np.sin(xx / 9.0) > 0.3) + 40 * (np.cos(yy / 13.0) > 0.5)).astype(np.float32)
    look_alikes = [np.clip(part + rng.normal(0, 2, part.shape), 0, 255).astype(np.uint8) for _ in range(12)]
    others = _parts(4, 10)
    copy = _jpeg(others[0], 75)
    stats = _stats([*look_alikes, *others, copy])
    assert [(a, b) for a, b, _ in duplicate_pairs(stats)] == [(12, 22)]


def test_flat_frames_have_nothing_to_compare() -> None:
    flat = np.full((100, 120), 128, np.uint8)
    stats = _stats([flat, flat.copy(), *_parts(5, 3)])
    assert duplicate_pairs(stats) == []


def test_fingerprint_round_trip_and_damage() -> None:
    img = _parts(6, 1)[0]
    print_ = fingerprint(img)
    back = Fingerprint.decode(print_.encode())
    # Stored as 8 bits per value on each array's own scale: within half a step of it.
    for stored, exact in ((back.thumb, print_.thumb), (back.profiles, print_.profiles)):
        assert np.abs(stored - exact).max() <= np.abs(exact).max() / 254 * 1.01
    with pytest.raises(ValueError):
        Fingerprint.decode(print_.encode()[:-8])
    with pytest.raises(ValueError):
        Fingerprint.decode("not base64 at all!")
    # The same picture in 16 bits or in colour has the same fingerprint pairs.
    as16 = img.astype(np.uint16) * 257
    colour = np.dstack([img, img, img])
    assert [(a, b) for a, b, _ in similar_pairs([print_, fingerprint(as16), fingerprint(colour)], 0.9)] == [
        (0, 1),
        (0, 2),
        (1, 2),
    ]


def test_naturally_varying_sizes_have_no_outlier() -> None:
    smooth = {i: (200 + 10 * i, 1200 - 10 * i) for i in range(101)}
    assert size_outliers(smooth) == set()
    rng = np.random.default_rng(7)
    varied = {i: (int(rng.integers(120, 420)), int(rng.integers(120, 420))) for i in range(300)}
    assert size_outliers(varied) == set()
    # Most images one size, the rest of all sorts: the rest is variety, not a list of outliers.
    dominant = {i: (200, 200) for i in range(80)}
    dominant.update({100 + i: (150 + 12 * i, 200) for i in range(20)})
    assert size_outliers(dominant) == set()


def test_a_size_far_from_the_rest_is_an_outlier() -> None:
    sizes = {i: (500, 500) for i in range(30)}
    sizes[99] = (20, 20)
    assert size_outliers(sizes) == {99}
    sizes[98] = (500, 2400)  # one side far is enough
    assert size_outliers(sizes) == {98, 99}
    varied = {i: (200 + 10 * i, 1200 - 10 * i) for i in range(101)}
    varied[500] = (20, 20)
    assert size_outliers(varied) == {500}
    # A size several samples share is a second camera or setting, not an accident.
    shared = {i: (512, 512) for i in range(150)}
    shared.update({200 + i: (2448, 2048) for i in range(8)})
    assert size_outliers(shared) == set()
    assert size_outliers({1: (10, 10), 2: (500, 500)}) == set()  # too few to say


def _add(project: Project, folder: Path, name: str, img: np.ndarray) -> int:
    path = folder / f"{name}.png"
    write_image(path, img)
    sample, created = project.add_sample([path], label="ok")
    assert created
    return sample.id


def test_scan_flags_a_copy_across_train_and_test(tmp_path: Path) -> None:
    images = _parts(8, 12)
    with Project.create(tmp_path / "proj") as project:
        ids = [_add(project, tmp_path, f"part{i}", img) for i, img in enumerate(images)]
        copy = _add(project, tmp_path, "copy", _jpeg(images[5], 70))
        project.update_samples(ids, split="train")
        project.update_samples([copy], split="test")
        summary = scan_project(project)
        flagged = {s.id for s in project.samples() if FLAG_DUPLICATE in s.flags}
        assert flagged == {ids[5], copy}
        assert summary[FLAG_DUPLICATE] == 2 and summary[FLAG_SIZE_OUTLIER] == 0


def test_subset_scan_measures_what_the_cache_lacks(tmp_path: Path) -> None:
    images = _parts(9, 6)
    with Project.create(tmp_path / "proj") as project:
        ids = [_add(project, tmp_path, f"part{i}", img) for i, img in enumerate(images)]
        scan_project(project)
        (project.root / "cache" / health.CACHE_FILE).unlink()  # the cache is deletable at any time
        copy = _add(project, tmp_path, "copy", _shift(images[2], 1, 1))
        summary = scan_project(project, sample_ids=[copy])
        assert summary["scanned"] == 7
        flagged = {s.id for s in project.samples() if FLAG_DUPLICATE in s.flags}
        assert flagged == {ids[2], copy}


def test_dim_parts_are_not_blurred_but_a_defocused_one_is(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)

    def grain(contrast: float, mean: float) -> np.ndarray:
        noise = cv2.GaussianBlur(rng.normal(0.0, 1.0, (96, 96)).astype(np.float32), (0, 0), 1.0)
        return np.clip(mean + noise * contrast, 0, 255).astype(np.uint8)

    with Project.create(tmp_path / "proj") as project:
        bright = [_add(project, tmp_path, f"bright{i}", grain(60.0, 128.0)) for i in range(6)]
        # A dull product: the same focus, a tenth of the contrast (its edges are weaker, not soft).
        dull = [_add(project, tmp_path, f"dull{i}", grain(6.0, 60.0)) for i in range(5)]
        soft = _add(project, tmp_path, "soft", cv2.GaussianBlur(grain(60.0, 128.0), (0, 0), 2.5))
        scan_project(project)
        blurred = {s.id for s in project.samples() if FLAG_BLURRED in s.flags}
        assert blurred == {soft}
        assert not set(bright + dull) & blurred
