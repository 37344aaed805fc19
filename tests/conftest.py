"""Shared fixtures: tiny generated images and an empty project in ``tmp_path``."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from workbench.core.imageio import write_image
from workbench.core.project import Project

MakeImage = Callable[..., np.ndarray]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``openvino_cpu`` are skipped where the workbench does not start OpenVINO's CPU
    plugin (``ONEDNN_MAX_CPU_ISA`` set, e.g. to see an AVX2-only PC on an AVX-512 one): the refusal
    has its own tests, and the rest of the suite still runs there."""
    from workbench.runtime.backends import openvino_cpu_refusal

    refusal = openvino_cpu_refusal()
    if refusal:
        skip = pytest.mark.skip(reason=f"needs OpenVINO's CPU plugin: {refusal}")
        for item in items:
            if "openvino_cpu" in item.keywords:
                item.add_marker(skip)


def noise_image(seed: int, size: tuple[int, int] = (32, 32), channels: int = 1) -> np.ndarray:
    """Blocky uint8 noise: each seed gives different bytes and a different perceptual hash."""
    rng = np.random.default_rng(seed)
    h, w = size
    shape = (h // 4 + 1, w // 4 + 1) + ((channels,) if channels > 1 else ())
    small = rng.integers(0, 256, shape, dtype=np.uint8)
    big = np.repeat(np.repeat(small, 4, axis=0), 4, axis=1)
    return np.ascontiguousarray(big[:h, :w])


@pytest.fixture()
def make_image() -> MakeImage:
    """``make_image(path, seed=0, size=(h, w), channels=1)``: write a noise image, return its pixels."""

    def make(path: Path, seed: int = 0, size: tuple[int, int] = (32, 32), channels: int = 1) -> np.ndarray:
        img = noise_image(seed, size, channels)
        write_image(path, img)
        return img

    return make


@pytest.fixture()
def make_images(make_image: MakeImage) -> Callable[[Path, list[str]], None]:
    """``make_images(root, ["OK/a.png", "NG/b.jpg", ...])``: one distinct image per relative path."""

    def make(root: Path, rel_paths: list[str], size: tuple[int, int] = (32, 32)) -> None:
        for rel in rel_paths:
            # Seeded by the path, so every file of every call differs from every other.
            make_image(root / rel, seed=zlib.crc32(str(root / rel).encode()), size=size)

    return make


@pytest.fixture()
def project(tmp_path: Path) -> Iterator[Project]:
    """An empty segmentation project, closed after the test."""
    proj = Project.create(tmp_path / "proj")
    yield proj
    proj.close()
