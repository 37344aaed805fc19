"""Finished strokes survive kill -9: the Label page keeps each one on disk, reopening recovers them."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from workbench.core.assist.shapes import Rect
from workbench.core.mask_journal import MaskJournal
from workbench.core.project import Project
from workbench.gui import i18n
from workbench.gui.main_window import MainWindow

pytestmark = pytest.mark.gui
SESSION = Path(__file__).with_name("label_session.py")


def _wait_for_ready(proc: subprocess.Popen[str], timeout: float = 120.0) -> None:
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if lines.get(timeout=1.0).strip() == "ready":
                return
        except queue.Empty:
            if proc.poll() is not None:
                break
    proc.kill()
    raise AssertionError(
        f"the labelling session did not get ready: {proc.stderr.read() if proc.stderr else ''}"
    )


def _open(qtbot, project_dir: Path) -> tuple[MainWindow, list[str]]:  # type: ignore[no-untyped-def]
    win = MainWindow()
    qtbot.addWidget(win)
    messages: list[str] = []
    win.label_page.message.connect(messages.append)
    win.show()
    assert win.open_project(project_dir)
    return win, messages


def test_strokes_survive_kill_9_a_second_after_the_last(qtbot, project_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expected_file = tmp_path / "expected.npy"
    settings = tmp_path / "session-settings"
    settings.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, str(SESSION), str(project_dir), str(settings), str(expected_file), "part_0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    _wait_for_ready(proc)
    time.sleep(1.0)
    proc.kill()  # SIGKILL: no save on close, no autosave (20 s away)
    proc.wait(timeout=30)
    expected = np.load(expected_file)
    with Project.open(project_dir, readonly=True) as p:
        sid = next(s.id for s in p.samples() if s.name == "part_0")
        assert not p.sample(sid).has_mask  # the mask itself was never saved
    assert (project_dir / "masks" / f"{sid}.journal").exists()
    assert set(np.unique(expected)) == {0, 1, 2} and expected[30, 75] == 0  # the strokes, erased in part

    win, messages = _open(qtbot, project_dir)

    assert win.project is not None
    np.testing.assert_array_equal(win.project.read_mask(sid), expected)
    assert any("Recovered the unsaved edits of 1 sample(s)" in m for m in messages)
    assert win.label_page.recovery_box is None  # nothing lost, nothing to warn about
    assert not (project_dir / "masks" / f"{sid}.journal").exists()
    win.close()


def test_an_edit_cut_short_is_said_in_the_window_in_english_and_chinese(  # type: ignore[no-untyped-def]
    qtbot, project_dir: Path
) -> None:
    with Project.open(project_dir) as p:
        sample = next(s for s in p.samples() if s.name == "part_2")
        journal = MaskJournal.for_sample(p.root, sample.id, sample.mask_rev, (sample.height, sample.width))
        journal.record(Rect(10, 10, 50, 20), np.ones((10, 40), np.uint8))
        journal.record(Rect(0, 0, 40, 40), np.full((40, 40), 2, np.uint8))
        journal.close()
    data = journal.path.read_bytes()
    journal.path.write_bytes(data[:-7])  # the second edit was being written when the process died

    win, _ = _open(qtbot, project_dir)

    box = win.label_page.recovery_box
    assert box is not None and box.isVisible()
    assert "part_2: the last edit was being saved" in box.text() and "edits of 1 sample(s)" in box.text()
    assert win.project is not None and win.project.read_mask(sample.id)[15, 30] == 1
    box.done(0)
    win.close()

    journal = MaskJournal.for_sample(
        project_dir, sample.id, sample.mask_rev + 1, (sample.height, sample.width)
    )
    journal.record(Rect(0, 0, 4, 4), np.full((4, 4), 2, np.uint8))
    journal.close()
    journal.path.write_bytes(journal.path.read_bytes()[:-3])
    i18n.install_language("zh_CN")
    try:
        win, _ = _open(qtbot, project_dir)
        box = win.label_page.recovery_box
        assert box is not None and "无法恢复" in box.text() and "当时最后一次编辑正在保存" in box.text()
        assert box.windowTitle() == "编辑未能恢复"
        box.done(0)
        win.close()
    finally:
        i18n.install_language("en")
