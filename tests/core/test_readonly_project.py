"""A read-only project opens for reading; a write on it is refused with one sentence."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from workbench.core.errors import ProjectReadOnlyError
from workbench.core.project import DB_NAME, Project

NOBODY = 65534


def test_a_write_on_a_project_open_read_only_is_one_sentence(tmp_path: Path, make_image) -> None:
    make_image(tmp_path / "a.png", seed=1)
    Project.create(tmp_path / "proj").close()
    with Project.open(tmp_path / "proj", readonly=True) as project:  # sqlite's mode=ro URI
        assert project.count_samples() == 0
        with pytest.raises(ProjectReadOnlyError, match=r"is open read-only; nothing was changed$"):
            project.add_class("scratch")
        with pytest.raises(ProjectReadOnlyError):
            project.add_sample([tmp_path / "a.png"])
    assert not any((tmp_path / "proj" / "images").iterdir())


def test_sqlite_refusing_a_write_becomes_one_sentence(tmp_path: Path) -> None:
    """As when the file turns read-only under an open project: sqlite's own refusal is translated."""
    root = tmp_path / "proj"
    Project.create(root).close()
    conn = sqlite3.connect((root / DB_NAME).as_uri() + "?mode=ro", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    project = Project(root, conn, None, readonly=False)
    try:
        with pytest.raises(ProjectReadOnlyError, match=r"is read-only for this account") as info:
            project.add_class("scratch")
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        assert project.classes() == []
    finally:
        project.close()


@pytest.fixture()
def shared_dir() -> Iterator[Path]:
    """A folder another account can enter (pytest's own tmp folder is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="wb-readonly-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IWUSR)
    shutil.rmtree(folder)


def _as_reader(home: Path) -> dict[str, object]:
    """subprocess arguments that run a child as an account without write access: the current
    one when it is not root (the files are chmod-ed), else nobody (root ignores file modes)."""
    env = {**os.environ, "HOME": str(home)}
    if os.geteuid() != 0:
        return {"env": env}

    def drop() -> None:
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    return {"env": env, "preexec_fn": drop}


def workbench(kwargs: dict[str, object], *args: str | Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "workbench.cli", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)  # type: ignore[call-overload]


def _make_read_only(root: Path) -> dict[str, str]:
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod((mode | stat.S_IROTH | stat.S_IRGRP | (stat.S_IXOTH if path.is_dir() else 0)) & ~0o222)
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def _reader_or_skip(shared_dir: Path) -> dict[str, object]:
    kwargs = _as_reader(shared_dir)
    probe = subprocess.run([sys.executable, "-c", "import workbench"], capture_output=True, **kwargs)  # type: ignore[call-overload]
    if probe.returncode != 0:
        pytest.skip(f"cannot run a process without write access here: {probe.stderr[-200:]!r}")
    return kwargs


@pytest.mark.skipif(os.name != "posix", reason="file modes and accounts are POSIX")
def test_read_only_project_opens_for_info_and_refuses_import(shared_dir: Path, make_image) -> None:
    root, src = shared_dir / "proj", shared_dir / "src"
    for i in range(3):
        make_image(src / "NG" / f"{i}.png", seed=i)
    with Project.create(root) as project:
        project.add_class("scratch")
        project.add_sample([src / "NG" / "0.png"], label="ng", mask=np.ones((32, 32), np.uint8))
    files = _make_read_only(root)
    kwargs = _reader_or_skip(shared_dir)

    info = workbench(kwargs, "info", root)
    assert info.returncode == 0, info.stderr
    assert "samples: 1  with mask: 1" in info.stdout
    assert workbench(kwargs, "runs", root).returncode == 0

    refused = workbench(kwargs, "import", root, src)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == (
        f"error: project {root} is read-only for this account (no write permission on {root}); "
        "it can only be opened for reading, e.g. by `workbench info`"
    )
    export = workbench(kwargs, "export", root, "--run", "any")  # refused before any work
    assert export.returncode == 1 and export.stderr.strip() == (
        f"error: the bundle cannot be written to {root / 'exports' / 'any.wbx'} (no write permission on "
        f"{root / 'exports'}); pass --out with a folder you can write"
    )
    assert {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    } == files


CRASH = """
import os, sys
from workbench.core.project import Project
project = Project.open(sys.argv[1])
project.add_class("late")
os._exit(0)  # killed before closing: the change is still in project.db-wal
"""


@pytest.mark.skipif(os.name != "posix", reason="file modes and accounts are POSIX")
@pytest.mark.parametrize("shm_left", [True, False])
def test_read_only_project_left_with_pending_changes(shared_dir: Path, shm_left: bool) -> None:
    """With the WAL's index left behind sqlite reads the pending change; without it (and no way to
    make one) the change cannot be read, and reading the database without it would be wrong."""
    root = shared_dir / "proj"
    Project.create(root).close()
    subprocess.run([sys.executable, "-c", CRASH, str(root)], check=True, timeout=120)
    assert (root / f"{DB_NAME}-wal").stat().st_size > 0
    if not shm_left:
        (root / f"{DB_NAME}-shm").unlink()
    _make_read_only(root)
    kwargs = _reader_or_skip(shared_dir)
    result = workbench(kwargs, "info", root)
    assert "Traceback" not in result.stderr
    if shm_left:
        assert result.returncode == 0 and "classes: late=0" in result.stdout, result.stderr
    else:
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"error: project {root} was not closed cleanly (project.db-wal holds changes) and its folder "
            "is read-only for this account; open it once with write access to settle it"
        )
