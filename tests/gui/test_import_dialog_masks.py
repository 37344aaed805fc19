"""The import dialog asks before it replaces masks drawn in the workbench with a folder's masks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.core.imageio import write_image
from workbench.core.importers import import_dataset
from workbench.core.project import Project
from workbench.gui.dialogs.import_dialog import ImportDialog


@pytest.mark.parametrize("replace", [False, True])
def test_reimport_asks_before_replacing_a_drawn_mask(
    qtbot, tmp_path: Path, write_part, replace: bool
) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "incoming"
    write_part(src / "scratch" / "a.png", seed=200)
    project = Project.create(tmp_path / "proj")
    import_dataset(project, src, "folder")
    sample = project.samples()[0]
    drawn = np.zeros((120, 160), np.uint8)
    drawn[60:80, 60:90] = project.add_class("spot").id
    project.write_mask(sample.id, drawn)  # a labeller's mask
    source_mask = np.zeros((120, 160), np.uint8)
    source_mask[10:30, 10:40] = 255
    write_image(src / "scratch" / "a_mask.png", source_mask)  # the folder got a different one since
    dialog = ImportDialog(project, None, folder=str(src))
    qtbot.addWidget(dialog)
    asked: list[int] = []
    dialog.ask_overwrite = lambda kept: asked.append(kept) or replace  # type: ignore[method-assign]

    dialog.run()
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.task is None, timeout=15000)
    if replace:  # the second run, with overwrite, follows
        qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.masks_updated == 1, timeout=15000)

    assert asked == [1]
    now = project.read_mask(project.sample(sample.id))
    if replace:
        assert dialog.report.masks_overwritten == 1 and (now > 0).sum() == (source_mask > 0).sum()
        assert "1 updated" in dialog.status.text()
    else:
        np.testing.assert_array_equal(now, drawn)
        assert "1 kept" in dialog.status.text()
    project.close()
