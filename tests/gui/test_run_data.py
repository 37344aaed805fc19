"""The Train page's run data buttons: compare two runs' data, restore a run's data as a project."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.core.snapshots import take_snapshot
from workbench.gui.i18n import install_language
from workbench.gui.job_client import JobRegistry
from workbench.gui.train_page import TrainPageWidget

pytestmark = pytest.mark.gui


def _two_runs(tmp_path: Path) -> tuple[Path, str, str]:
    root = tmp_path / "proj"
    with Project.create(root) as project:
        for i in range(3):
            write_image(tmp_path / f"p{i}.png", np.full((16, 16), 50 * i, np.uint8))
            project.add_sample([tmp_path / f"p{i}.png"], name=f"p{i}", label="ok", split="train")
        runs = []
        for _ in range(2):
            run = project.create_run(RunConfig(TrainConfig())).id
            take_snapshot(project, run, {"train": project.samples()})
            runs.append(run)
            project.update_samples([project.samples()[0].id], label="doubtful")  # the second run sees it
    return root, runs[0], runs[1]


def test_compare_and_restore_from_the_train_page(qtbot, tmp_path: Path) -> None:
    root, first, second = _two_runs(tmp_path)
    project = Project.open(root)
    page = TrainPageWidget(JobRegistry())
    qtbot.addWidget(page)
    page.set_project(project)
    data = page.run_data
    assert page.runs_table.selectedItems()  # an opened project shows its newest run
    page.runs_table.clearSelection()
    assert not data.compare_button.isEnabled() and not data.restore_button.isEnabled()
    row = next(r for r in range(page.runs_table.rowCount())
               if page.runs_table.item(r, 0).data(Qt.ItemDataRole.UserRole) == second)  # fmt: skip
    page.runs_table.selectRow(row)
    assert data.compare_button.isEnabled() and data.restore_button.isEnabled()
    data.ask_run = lambda others: others[0]
    data.compare_button.click()
    log = page.log.toPlainText()
    assert f"From run {first} to run {second}: 0 samples added, 0 removed, 1 relabelled" in log
    assert "relabelled: p0 #1 (OK → doubtful)" in log
    try:
        install_language("zh_CN")
        data.compare_button.click()
        assert "改标签 1 个" in page.log.toPlainText()
        assert data.restore_button.text() == "把数据恢复为项目…"
    finally:
        install_language("en")
    data.ask_folder = lambda: str(tmp_path / "back")
    data.restore_button.click()
    qtbot.waitUntil(
        lambda: data._task is None and "is now the project" in page.log.toPlainText(), timeout=20_000
    )
    with Project.open(tmp_path / "back") as back:
        assert sorted((s.name, s.label) for s in back.samples()) == [
            ("p0", "doubtful"),
            ("p1", "ok"),
            ("p2", "ok"),
        ]
    page.set_project(None)
    project.close()
