"""Files the workbench writes atomically get the user's umask, not mkstemp's 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.core.atomic import atomic_write_bytes, current_umask

pytestmark = pytest.mark.skipif(os.name != "posix", reason="umask is a POSIX notion")


@pytest.fixture()
def restore_umask() -> Iterator[None]:
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_atomic_write_follows_the_umask(tmp_path: Path, restore_umask: None, umask: int, mode: int) -> None:
    os.umask(umask)
    assert current_umask() == umask
    target = tmp_path / "sub" / "file.bin"
    atomic_write_bytes(target, b"data")
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o777 & ~umask
    atomic_write_bytes(target, b"replaced")  # a replacement is a new file too
    assert stat.S_IMODE(target.stat().st_mode) == mode


SCRIPT = """
import sys
import numpy as np
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.decisions import DecisionConfig
from workbench.core.run_config import ModelClass
from workbench.core.tiling import Tiling
from workbench.export.bundle_writer import write_bundle
from workbench.runtime.manifest import Manifest, ModelFiles
image = np.arange(32 * 32, dtype=np.uint8).reshape(32, 32)
write_image(sys.argv[1] + "/part.png", image)
project = Project.create(sys.argv[1] + "/proj")
project.add_class("scratch")
project.add_sample([sys.argv[1] + "/part.png"], label="ng", mask=(image > 200).astype(np.uint8))
project.close()
manifest = Manifest(task="segmentation", classes=(ModelClass(1, "scratch"),), in_channels=1,
                    tiling=Tiling.for_task("segmentation", 64, 8), decision=DecisionConfig(),
                    models={"onnx": ModelFiles(path="model.onnx")})
write_bundle(sys.argv[1] + "/exports/model.wbx", manifest, {"model.onnx": b"\\x00" * 64})
"""


def test_exported_bundle_and_project_files_are_0644_under_umask_022(tmp_path: Path) -> None:
    """In a real process started with umask 022, as a shell on the line PC would start it."""
    subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        check=True,
        preexec_fn=lambda: os.umask(0o022),
        timeout=120,
    )
    bundle = tmp_path / "exports" / "model.wbx"
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "exports").stat().st_mode) == 0o755
    project = tmp_path / "proj"
    written = [project / "masks" / "1.png", *(project / "images").iterdir()]
    assert len(written) == 2
    for path in [*written, *project.iterdir()]:
        want = 0o755 if path.is_dir() else 0o644
        assert stat.S_IMODE(path.stat().st_mode) == want, path
