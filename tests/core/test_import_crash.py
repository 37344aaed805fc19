"""A real import process killed mid-way, and two processes wanting to write one project."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core.importers import import_dataset
from workbench.core.project import Project

N_IMAGES = 150
KILL_AFTER = 40

# The child reports every sample it has committed (id and file hash) the moment add_sample returns.
# The short pause before each add makes it unlikely to finish before the parent's SIGKILL lands,
# which hits either that pause or the middle of the next add.
CHILD = """
import sys, time
from workbench.core.project import Project
from workbench.core.importers import import_dataset

original = Project.add_sample

def reporting_add(self, *args, **kwargs):
    time.sleep(0.005)
    sample, created = original(self, *args, **kwargs)
    if created:
        print(sample.id, sample.channel_files[0].sha256, flush=True)
    return sample, created

Project.add_sample = reporting_add
project = Project.open(sys.argv[1])
import_dataset(project, sys.argv[2], "folder")
print("finished", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_killed_import_loses_nothing_and_resumes(tmp_path: Path, make_image) -> None:
    src = tmp_path / "src"
    for i in range(N_IMAGES):
        make_image(src / ("OK" if i % 3 else "NG") / f"{i:03d}.png", seed=i, size=(16, 16))
    Project.create(tmp_path / "proj").close()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "proj"), str(src)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reported: dict[int, str] = {}
    assert child.stdout is not None
    try:
        for line in child.stdout:
            sid, sha = line.split()
            reported[int(sid)] = sha
            if len(reported) == KILL_AFTER:
                os.kill(child.pid, signal.SIGKILL)
                break
    finally:
        child.wait(timeout=30)
        child.stdout.close()
        assert child.stderr is not None
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL and len(reported) == KILL_AFTER

    with Project.open(tmp_path / "proj") as project:
        assert project._lock is not None and project._lock.took_over_stale
        for sid, sha in reported.items():
            sample = project.sample(sid)
            assert sample.channel_files[0].sha256 == sha
            stored = project.image_path(sample)
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
        before = project.count_samples()
        assert KILL_AFTER <= before < N_IMAGES

        report = import_dataset(project, src, "folder")

        assert (report.resumed, report.imported, report.duplicates) == (before, N_IMAGES - before, 0)
        assert report.skipped == [] and project.count_samples() == N_IMAGES
        assert len({s.content_hash for s in project.samples()}) == N_IMAGES
        assert {r["status"] for r in project.import_items(report.import_id).values()} == {"imported"}


def test_second_writer_process_is_refused(tmp_path: Path) -> None:
    script = "import sys\nfrom workbench.core.project import Project\nProject.open(sys.argv[1])\n"
    with Project.create(tmp_path / "proj"):
        result = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "proj")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "ProjectLockedError" in result.stderr and "open for writing" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr  # the refusal names the holder
