"""Image health: exposure, blur, size outliers, near-duplicates, NG without mask, the cache."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from workbench.core import health
from workbench.core.health import HEALTH_FLAGS, check_image, scan_project
from workbench.core.imageio import write_image
from workbench.core.phash import hamming, hamming_to_many, near_pairs, phash
from workbench.core.project import Project
from workbench.core.types import (
    FLAG_BLURRED,
    FLAG_DUPLICATE,
    FLAG_NG_WITHOUT_MASK,
    FLAG_OVEREXPOSED,
    FLAG_SIZE_OUTLIER,
    FLAG_UNDEREXPOSED,
)

RNG = np.random.default_rng(7)


def _texture(seed: int, shape: tuple[int, ...] = (64, 64), dtype=np.uint8, high: int = 256) -> np.ndarray:
    return np.random.default_rng(seed).integers(30, high - 30, shape).astype(dtype)


def _add(project: Project, tmp: Path, name: str, img: np.ndarray, label: str = "ok") -> int:
    path = tmp / f"{name}.png"
    write_image(path, img)
    sample, created = project.add_sample([path], label=label)
    assert created
    return sample.id


@pytest.fixture()
def project(tmp_path: Path):
    proj = Project.create(tmp_path / "proj")
    yield proj
    proj.close()


def test_check_image_exposure_rules() -> None:
    normal = _texture(1)
    bright = np.full((64, 64), 254, np.uint8)
    bright[:8] = 120
    dark = np.full((64, 64), 2, np.uint8)
    dark[:8] = 90
    assert check_image(normal).flags == ()
    assert check_image(bright).flags == (FLAG_OVEREXPOSED,)
    assert check_image(dark).flags == (FLAG_UNDEREXPOSED,)
    assert check_image(dark).black_share > 0.8


def test_check_image_16bit_and_multichannel() -> None:
    twelve_bit_clipped = np.full((50, 60), 4095, np.uint16)
    result = check_image(twelve_bit_clipped)
    assert result.full_scale == 4095 and FLAG_OVEREXPOSED in result.flags
    # The same raw values are dark when the project's camera is 16-bit.
    dim = np.full((50, 60), 300, np.uint16)
    assert FLAG_UNDEREXPOSED in check_image(dim, full_scale=65535).flags
    five_lights = _texture(2, (40, 30, 5))
    assert check_image(five_lights).flags == ()
    rgba = np.dstack([_texture(3, (40, 30, 3)), np.zeros((40, 30), np.uint8)])  # alpha ignored
    assert check_image(rgba).flags == ()
    one_plane = _texture(4, (40, 30, 1))
    assert check_image(one_plane).width == 30


def test_check_image_blur_needs_relative_and_absolute() -> None:
    sharp = _texture(5)
    blurred = cv2.GaussianBlur(sharp, (0, 0), 3)
    median = check_image(sharp).relative_sharpness
    assert FLAG_BLURRED in check_image(blurred, median_sharpness=median).flags
    assert FLAG_BLURRED not in check_image(sharp, median_sharpness=median).flags
    # Without the project's distribution, no blur verdict at all.
    assert FLAG_BLURRED not in check_image(blurred).flags


def test_large_image_reports_its_own_size() -> None:
    # Measured on a downscale (bench/health_speed.py times it), reported at full size.
    img = RNG.integers(0, 4096, (2048, 2448, 3)).astype(np.uint16)
    result = check_image(img)
    assert (result.width, result.height) == (2448, 2048)
    assert result.full_scale == 4095 and result.flags == ()


def test_phash_robust_to_resize_not_to_content() -> None:
    a = cv2.GaussianBlur(_texture(10, (128, 128)), (0, 0), 2)
    b = cv2.GaussianBlur(_texture(11, (128, 128)), (0, 0), 2)
    resized = cv2.resize(a, (96, 96), interpolation=cv2.INTER_AREA)
    assert hamming(phash(a), phash(resized)) <= 4
    assert hamming(phash(a), phash(b)) > 12
    assert phash(a.astype(np.uint16) * 257) == phash(a)  # 16-bit copy of the same picture
    hashes = [phash(a), phash(b), phash(resized)]
    assert list(hamming_to_many(hashes[0], np.array(hashes, np.uint64))) == [
        0,
        hamming(hashes[0], hashes[1]),
        hamming(hashes[0], hashes[2]),
    ]
    assert [(i, j) for i, j, _ in near_pairs(hashes, 4)] == [(0, 2)]
    assert 0 <= phash(a) < 2**64


def test_scan_project_flags_each_rule(project: Project, tmp_path: Path) -> None:
    ids = {f"s{i}": _add(project, tmp_path, f"s{i}", _texture(100 + i)) for i in range(6)}
    ids["blurred"] = _add(project, tmp_path, "blurred", cv2.GaussianBlur(_texture(200), (0, 0), 3))
    ids["bright"] = _add(
        project, tmp_path, "bright", np.clip(_texture(201).astype(int) + 200, 0, 255).astype(np.uint8)
    )
    ids["dark"] = _add(project, tmp_path, "dark", _texture(202) // 40)
    ids["odd_size"] = _add(project, tmp_path, "odd_size", _texture(300, (20, 20)))
    twin = _texture(400).astype(np.int16)
    ids["twin_a"] = _add(project, tmp_path, "twin_a", twin.astype(np.uint8))
    ids["twin_b"] = _add(project, tmp_path, "twin_b", np.clip(twin + 2, 0, 255).astype(np.uint8))
    ids["ng"] = _add(project, tmp_path, "ng", _texture(500), label="ng")
    summary = scan_project(project)
    flags = {name: set(project.sample(sid).flags) for name, sid in ids.items()}
    assert flags["blurred"] == {FLAG_BLURRED}
    assert flags["bright"] == {FLAG_OVEREXPOSED}
    assert FLAG_UNDEREXPOSED in flags["dark"]  # (a dark frame is also soft: blurred may join)
    assert flags["odd_size"] == {FLAG_SIZE_OUTLIER}
    assert flags["twin_a"] == flags["twin_b"] == {FLAG_DUPLICATE}
    assert flags["ng"] == {FLAG_NG_WITHOUT_MASK}
    assert all(flags[f"s{i}"] == set() for i in range(6))
    assert summary[FLAG_DUPLICATE] == 2 and summary[FLAG_SIZE_OUTLIER] == 1
    assert summary["scanned"] == 13 and summary["unreadable"] == 0
    assert set(HEALTH_FLAGS) <= set(summary)


def test_smooth_parts_are_not_blurry(project: Project, tmp_path: Path) -> None:
    y, x = np.mgrid[0:64, 0:64]
    for i in range(6):
        noise = np.random.default_rng(i).normal(0, 1.5, (64, 64))
        smooth = np.clip(60 + x * (1 + 0.2 * i) + y * 0.3 * i + noise, 0, 255).astype(np.uint8)
        _add(project, tmp_path, f"smooth{i}", smooth)
    summary = scan_project(project)
    assert summary[FLAG_BLURRED] == 0


def test_ng_without_mask_follows_the_mask(project: Project, tmp_path: Path) -> None:
    cls = project.add_class("scratch")
    sid = _add(project, tmp_path, "ng", _texture(1), label="ng")
    project.update_samples([sid], flags=[])  # someone cleared it by hand
    scan_project(project)
    assert FLAG_NG_WITHOUT_MASK in project.sample(sid).flags
    mask = np.zeros((64, 64), np.uint8)
    mask[3:9, 3:9] = cls.id
    project.write_mask(sid, mask)
    scan_project(project)
    assert FLAG_NG_WITHOUT_MASK not in project.sample(sid).flags


def test_16bit_project_scale_flags_dark_image(project: Project, tmp_path: Path) -> None:
    for i in range(3):
        _add(project, tmp_path, f"bright{i}", _texture(i, dtype=np.uint16, high=4096) * 16)
    dark = _add(project, tmp_path, "dark", np.full((64, 64), 200, np.uint16))
    scan_project(project)
    assert FLAG_UNDEREXPOSED in project.sample(dark).flags
    assert project.samples(label="ok")[0].flags == ()


def test_cache_spares_reading_and_subset_scan(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(4):
        _add(project, tmp_path, f"s{i}", _texture(i))
    first = scan_project(project)
    assert (project.root / "cache" / health.CACHE_FILE).is_file()
    measured: list[int] = []
    original = health.measure_image

    def counting(img: np.ndarray) -> health.ImageStats:
        measured.append(1)
        return original(img)

    monkeypatch.setattr(health, "measure_image", counting)
    assert scan_project(project) == first
    assert measured == []
    new = _add(project, tmp_path, "new", np.full((64, 64), 255, np.uint8))
    summary = scan_project(project, sample_ids=[new])
    assert measured == [1] and summary["scanned"] == 1
    assert FLAG_OVEREXPOSED in project.sample(new).flags
    (project.root / "cache" / health.CACHE_FILE).write_text("{broken", encoding="utf-8")
    assert scan_project(project)[FLAG_OVEREXPOSED] == 1  # a damaged cache is rebuilt
    assert len(measured) == 6


def test_unreadable_image_is_counted_not_fatal(project: Project, tmp_path: Path) -> None:
    good = _add(project, tmp_path, "good", np.full((64, 64), 255, np.uint8))
    bad = _add(project, tmp_path, "bad", _texture(9))
    project.image_path(project.sample(bad)).write_bytes(b"not an image")
    summary = scan_project(project)
    assert summary["unreadable"] == 1 and summary["scanned"] == 1
    assert FLAG_OVEREXPOSED in project.sample(good).flags


def test_near_duplicates_ignore_a_product_wide_cluster() -> None:
    base = 0x0F0F_F0F0_3C3C_C3C3
    lookalikes = {i: base ^ (1 << i) for i in range(health.DUPLICATE_GROUP_MAX + 2)}
    pair = {100: 0x1234_5678_9ABC_DEF0, 101: 0x1234_5678_9ABC_DEF1}
    loner = {200: ~base & (2**64 - 1)}
    found = health.near_duplicates({**lookalikes, **pair, **loner})
    assert found == [(100, 101, 1)]
    small_cluster = {i: base ^ (1 << i) for i in range(3)}
    assert {(a, b) for a, b, _ in health.near_duplicates(small_cluster)} == {(0, 1), (0, 2), (1, 2)}


def test_ng_without_mask_is_no_flag_where_the_task_needs_no_mask(tmp_path: Path) -> None:
    with Project.create(tmp_path / "cls", task="classification") as proj:
        sid = _add(proj, tmp_path, "ng", _texture(1), label="ng")
        assert (
            FLAG_NG_WITHOUT_MASK not in proj.sample(sid).flags and proj.sample(sid).review != "needs_review"
        )
        proj.update_samples([sid], flags=[FLAG_NG_WITHOUT_MASK])  # an older workbench flagged it
        summary = scan_project(proj)
        assert FLAG_NG_WITHOUT_MASK not in proj.sample(sid).flags and summary[FLAG_NG_WITHOUT_MASK] == 0
