"""GUI test fixtures: offscreen Qt, settings isolated per test, small projects made on the fly."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QSettings

from workbench.core.project import Project


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Iterator[Path]:
    """Each test gets its own QSettings folder, so window state never leaks between tests."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    os.environ["WORKBENCH_THEME"] = "light"
    yield folder


def part_image(path: Path, seed: int = 0, size: tuple[int, int] = (120, 160)) -> np.ndarray:
    """A grey part with a bright disc (the wand/GrabCut target) and some noise."""
    rng = np.random.default_rng(seed)
    img = rng.integers(50, 70, size, dtype=np.uint8)
    cv2.circle(img, (size[1] // 2, size[0] // 2), min(size) // 4, 200, -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)
    return img


@pytest.fixture
def write_part() -> Callable[..., np.ndarray]:
    """``write_part(path, seed)``: write a synthetic part image (see :func:`part_image`)."""
    return part_image


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A closed project with two classes and six samples (labels, splits and tags varied)."""
    root = tmp_path / "proj"
    with Project.create(root, name="Test parts") as project:
        project.add_class("scratch", "#E69F00")
        project.add_class("spot", "#56B4E9")
        for i in range(6):
            f = tmp_path / "src" / f"part_{i}.png"
            part_image(f, seed=i)
            mask = None
            if i == 1:
                mask = np.zeros((120, 160), np.uint8)
                mask[10:20, 10:30] = 2
            project.add_sample(
                [f],
                label=("unlabeled", "ng", "ok")[i % 3],
                split=("train", "val", "test")[i % 3],
                tags=("line3",) if i % 2 else (),
                mask=mask,
            )
    return root
