"""One writer per project: stale locks are taken over, live writers refused, readers always welcome."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.core.errors import ProjectLockedError
from workbench.core.lock import LOCK_NAME, ProjectLock, read_lock_info
from workbench.core.project import Project

REPO = Path(__file__).resolve().parents[2]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    Project.create(folder).close()
    return folder


def test_lock_file_names_the_holder_and_is_emptied_on_close(root: Path) -> None:
    proj = Project.open(root)
    info = read_lock_info(root)
    assert info["pid"] == os.getpid() and info["host"] and info["since"]
    proj.close()
    assert (root / LOCK_NAME).read_text(encoding="utf-8") == ""
    Project.open(root).close()  # free again


def test_stale_lock_of_a_dead_process_is_taken_over(root: Path) -> None:
    dead = _dead_pid()
    (root / LOCK_NAME).write_text(json.dumps({"pid": dead, "host": "cell-3", "since": "2026-01-01"}))
    lock = ProjectLock(root)
    lock.acquire()
    try:
        assert lock.took_over_stale and lock.held
        assert read_lock_info(root)["pid"] == os.getpid()
    finally:
        lock.release()
    (root / LOCK_NAME).write_text(json.dumps({"pid": dead}))
    with Project.open(root) as proj:
        proj.add_class("after-crash")  # writing works after the takeover


def test_second_writer_in_the_same_process_is_refused(root: Path) -> None:
    with Project.open(root):
        with pytest.raises(ProjectLockedError, match=rf"pid {os.getpid()}.*read-only"):
            Project.open(root)
        with Project.open(root, readonly=True) as reader:
            assert reader.count_samples() == 0


def test_writer_in_another_process_is_refused_and_readers_still_work(root: Path) -> None:
    holder = textwrap.dedent(
        f"""
        import sys
        from workbench.core.project import Project
        p = Project.open({str(root)!r})
        p.add_class("from-child")
        print("locked", flush=True)
        sys.stdin.readline()
        p.close()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(ProjectLockedError, match=rf"pid {child.pid}"):
            Project.open(root)
        with Project.open(root, readonly=True) as reader:
            assert [c.name for c in reader.classes()] == ["from-child"]
    finally:
        assert child.stdin is not None
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(timeout=30)
    assert child.returncode == 0
    with Project.open(root) as proj:  # released by the child
        proj.add_class("parent")


def test_refused_open_leaves_the_holder_recorded(root: Path) -> None:
    with Project.open(root):
        with pytest.raises(ProjectLockedError):
            ProjectLock(root).acquire()
        assert read_lock_info(root)["pid"] == os.getpid()
