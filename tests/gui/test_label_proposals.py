"""Model proposals on the Label page: drawn on the canvas, accepted with a chosen class for a merged
run, and made from the window by a predict job while the window holds the project (item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from tests.gui.trained_run import trained_project
from tests.gui.windows import viewport_point as _vp
from tests.gui.windows import window_on_label as _window
from workbench.core import imageio
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig

pytestmark = pytest.mark.gui


def _merged_proposal(project_dir: Path) -> np.ndarray:
    """A completed run that merged the classes, with a proposal (ids 1) for part_0, as predict writes it."""
    with Project.open(project_dir) as p:
        sample = next(s for s in p.samples() if s.name == "part_0")
        run = p.create_run(RunConfig(TrainConfig(class_mode="merge")))
        p.move_run(run.id, "running")
        p.move_run(run.id, "completed", finished_at="2026-01-01T00:00:00Z")
        proposal = np.zeros((120, 160), np.uint8)
        proposal[5:15, 5:15] = 1
        proposal[80:100, 100:140] = 1
        folder = p.run_dir(run.id) / "proposals"
        imageio.write_image(folder / f"{sample.id}.png", proposal)
        index = {"run_id": run.id, "merged_classes": True, "samples": {str(sample.id): {"proposal": "x"}}}
        (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return proposal


def test_merged_proposal_is_drawn_and_accepted_as_the_chosen_class(
    qtbot, project_dir: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    proposal = _merged_proposal(project_dir)
    win = _window(qtbot, project_dir, "part_0")
    page, canvas, panel = win.label_page, win.label_page.canvas, win.label_page.proposals
    # drawn: the outline of each proposed region is coloured, its inside and the rest are not
    assert canvas.proposal_item.isVisible() and canvas.proposal_merged
    drawn = canvas.proposal_item.pixels()[..., 3] > 0
    assert drawn[80, 120] and drawn[99, 120] and drawn[90, 100] and not drawn[90, 120] and not drawn[50, 50]
    assert np.array_equal(drawn, (proposal > 0) & drawn)
    assert panel.write_as_row.isVisibleTo(win) and "merged" in panel.info.text()
    panel.show_box.setChecked(False)
    assert not canvas.proposal_item.isVisible()
    # no class chosen yet: accepting asks; cancelling the question writes nothing
    asked: list[str] = []

    def answer(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(args[2])
        return ("spot", bool(len(asked) > 1))

    monkeypatch.setattr(QInputDialog, "getItem", answer)
    page.set_tool("prediction")
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=_vp(win, 120, 90))
    assert len(asked) == 1 and not canvas.editor.mask.any()
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=_vp(win, 120, 90))
    mask = canvas.editor.mask
    assert len(asked) == 2 and (mask == 2).sum() == 20 * 40 and not (mask == 1).any()  # spot, not class 1
    assert panel.write_as.currentText() == "spot"
    # once chosen, it is not asked again; another choice writes that class
    panel.write_as.setCurrentIndex(panel.write_as.findData(1))
    win.actions_by_id["label.accept_all"].trigger()
    assert len(asked) == 2 and (canvas.editor.mask[5:15, 5:15] == 1).all()
    assert (canvas.editor.mask[80:100, 100:140] == 2).all()  # the earlier spot pixels stay: no paint over


def test_label_page_makes_proposals_with_a_job_while_the_window_holds_the_project(
    qtbot, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:  # type: ignore[no-untyped-def]
    root, run_id = trained_project(tmp_path, tmp_path_factory)
    with Project.open(root, readonly=True) as p:
        name = p.samples()[0].name
    win = _window(qtbot, root, name)
    page, canvas, panel = win.label_page, win.label_page.canvas, win.label_page.proposals
    assert canvas.proposal is None and panel.run_combo.currentData() == run_id
    assert panel.propose_button.isEnabled()
    panel.propose_button.click()
    job = panel.job
    assert job is not None and win.jobs.running() == [job] and not panel.propose_button.isEnabled()
    qtbot.waitUntil(lambda: not job.running, timeout=120_000)
    assert job.state == "completed", job.result
    sid = page.sample.id
    assert (root / "runs" / run_id / "proposals" / f"{sid}.png").is_file()
    assert canvas.proposal is not None and canvas.proposal.shape == canvas.editor.shape
    assert run_id in panel.info.text() and panel.propose_button.isEnabled()
    assert win.project.sample(sid).last_score is not None
    win.jobs.cancel_all(wait_ms=30_000)
