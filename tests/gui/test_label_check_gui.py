"""The Data page's "Check labels" button: it starts the label check job, and the finished check
tags its suspects, opens them in the labeler with their reasons and the out-of-fold proposal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

import workbench.gui.label_check_panel as panel_module
from tests.gui.windows import open_window
from tests.learn.tiny_project import TINY_CHECK, make_flipped_project
from workbench.core.label_check import TAG

pytestmark = pytest.mark.gui


def test_check_labels_button_runs_the_job_and_opens_the_review_queue(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    root, flipped, test_id = make_flipped_project(tmp_path)
    asked: list[tuple[int, float | None]] = []
    real_spec = panel_module.label_check_spec

    def tiny_spec(project: Any, folds: int, seconds: float | None, config: Any = None) -> Any:
        asked.append((folds, seconds))
        return real_spec(project, folds, None, TINY_CHECK)  # the dialog's limit, but a tiny training

    monkeypatch.setattr(panel_module, "label_check_spec", tiny_spec)
    monkeypatch.setattr(panel_module.LabelCheckDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(panel_module.LabelCheckDialog, "settings", lambda self: (2, 120.0))
    win = open_window(qtbot, root)
    panel = win.data_page.label_check
    assert panel.button.isEnabled() and not panel.progress.isVisible()
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    job = panel.job
    assert asked == [(2, 120.0)]
    assert job is not None and win.jobs.running() == [job] and not panel.button.isEnabled()
    qtbot.waitUntil(lambda: not job.running, timeout=600_000)
    assert job.state == "completed", job.result
    qtbot.waitUntil(lambda: win.label_page.sample is not None and win.label_page.sample.id == flipped,
                    timeout=10_000)  # fmt: skip
    tagged = {s.id: s for s in win.project.samples(tag=TAG)}
    assert flipped in tagged and test_id not in tagged
    assert all(s.review == "needs_review" for s in tagged.values())
    assert win.label_page.ids[0] == flipped and set(win.label_page.ids) == set(tagged)
    assert win.data_page.tag_filter.currentData() == TAG
    info = win.label_page.proposals.info.text()
    assert "OK image that the other folds call NG" in info
    assert win.label_page.canvas.proposal is not None  # the out-of-fold prediction as the proposal
    assert win.project.runs() == [] and panel.button.isEnabled()
    win.jobs.cancel_all(wait_ms=30_000)
