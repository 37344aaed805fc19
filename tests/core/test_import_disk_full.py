"""A full disk during import: one message and a report, no traceback; the run again imports the
files that failed. The disk is made full by making the project's writes fail with ENOSPC after a
number of files (image copies), or by capping the database's size (sqlite's own SQLITE_FULL)."""

from __future__ import annotations

import errno
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from workbench.core import project as project_module
from workbench.core.importers import ImportStoppedError, import_dataset
from workbench.core.project import Project

N_FILES = 10
FULL_AFTER = 4


def make_source(src: Path, make_image, n: int = N_FILES) -> None:
    for i in range(n):
        make_image(src / ("NG" if i % 2 else "OK") / f"{i:02d}.png", seed=i, size=(16, 16))


def fail_writes_after(n: int) -> Callable[..., None]:
    """``atomic_write_bytes`` that raises ENOSPC from its ``n``-th call on, as a full disk does."""
    original = project_module.atomic_write_bytes
    calls = {"n": 0}

    def write(path: object, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > n:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(path, data)

    return write


def test_full_disk_stops_with_a_report_and_the_run_again_imports_the_rest(
    tmp_path: Path, make_image, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_source(tmp_path / "src", make_image)
    with Project.create(tmp_path / "proj") as project:
        monkeypatch.setattr(project_module, "atomic_write_bytes", fail_writes_after(FULL_AFTER))
        with pytest.raises(ImportStoppedError) as info:
            import_dataset(project, tmp_path / "src", "folder")
        report = info.value.report
        assert (report.imported, report.left, report.skipped) == (FULL_AFTER, N_FILES - FULL_AFTER, [])
        assert "No space left on device" in report.stopped and "\n" not in str(info.value)
        assert str(info.value).endswith(
            f"{FULL_AFTER} new sample(s) came in and {N_FILES - FULL_AFTER} file(s) are left: "
            "run the same import again to add them"
        )
        assert project.count_samples() == FULL_AFTER
        assert len(list((tmp_path / "proj" / "images").glob("*.png"))) == FULL_AFTER

        monkeypatch.undo()  # space freed
        again = import_dataset(project, tmp_path / "src", "folder")
        assert (again.resumed, again.imported, again.skipped) == (FULL_AFTER, N_FILES - FULL_AFTER, [])
        assert project.count_samples() == N_FILES


def test_database_that_cannot_grow_stops_the_import_alike(tmp_path: Path, make_image) -> None:
    """sqlite's own 'database or disk is full', from a database capped at its current size."""
    n_files = 60  # more rows than the free room in the database's pages
    make_source(tmp_path / "src", make_image, n_files)
    with Project.create(tmp_path / "proj") as project:
        pages = project._conn.execute("PRAGMA page_count").fetchone()[0]
        project._conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(ImportStoppedError, match=r"is full \(database or disk is full\)") as info:
            import_dataset(project, tmp_path / "src", "folder")
        came_in = info.value.report.imported
        assert came_in == project.count_samples() < n_files
        project._conn.execute("PRAGMA max_page_count = 1073741823")
        again = import_dataset(project, tmp_path / "src", "folder")
        assert again.resumed == came_in and again.imported == n_files - came_in and not again.skipped
        assert project.count_samples() == n_files
        for sample in project.samples():
            assert project.read_image(sample).shape == (16, 16)


FULL_DISK_CLI = f"""
import errno, sys
from workbench.core import project
from workbench.cli import main
original = project.atomic_write_bytes
calls = []
def write(path, data):
    calls.append(path)
    if len(calls) > {FULL_AFTER}:
        raise OSError(errno.ENOSPC, "No space left on device")
    original(path, data)
project.atomic_write_bytes = write
sys.exit(main(sys.argv[1:]))
"""


def workbench(*args: str | Path, full_disk: bool = False) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", FULL_DISK_CLI] if full_disk else [sys.executable, "-m", "workbench.cli"]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, timeout=300)


def test_full_disk_in_a_real_import_process_then_resume(tmp_path: Path, make_image) -> None:
    make_source(tmp_path / "src", make_image)
    root = tmp_path / "proj"
    Project.create(root).close()

    full = workbench("import", root, tmp_path / "src", full_disk=True)
    assert full.returncode == 1 and "Traceback" not in full.stderr
    errors = [line for line in full.stderr.splitlines() if "error" in line or "stopped" in line]
    assert errors == [
        f"error: import stopped: the disk holding {root} is full (No space left on device); free some "
        f"space; {FULL_AFTER} new sample(s) came in and {N_FILES - FULL_AFTER} file(s) are left: run the "
        "same import again to add them"
    ]
    assert f"imported {FULL_AFTER} new sample(s), 0 duplicate(s), 0 file(s) skipped" in full.stdout

    resumed = workbench("import", root, tmp_path / "src")
    assert resumed.returncode == 0, resumed.stderr
    assert (
        f"imported {N_FILES - FULL_AFTER} new sample(s), 0 duplicate(s), 0 file(s) skipped" in resumed.stdout
    )
    assert f"resumed an interrupted import: {FULL_AFTER} item(s) were done before" in resumed.stdout
    with Project.open(root, readonly=True) as project:
        assert project.count_samples() == N_FILES
        assert all(np.asarray(project.read_image(s)).shape == (16, 16) for s in project.samples())
