"""The window refuses a project whose project.db is empty, says how to recover, and changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from workbench.core.project import DB_NAME
from workbench.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _files(root: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir" for p in root.rglob("*")
    }


def test_window_refuses_an_empty_project_db_and_touches_nothing(
    qtbot, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    (project_dir / DB_NAME).write_bytes(b"")
    before = _files(project_dir)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    win = MainWindow()
    qtbot.addWidget(win)
    assert not win.open_project(project_dir)
    assert not win.create_project(str(project_dir), "again", "segmentation")
    assert win.project is None
    assert len(shown) == 2
    for text in shown:
        assert f"{project_dir / DB_NAME} is empty (0 bytes)" in text
        assert f"`workbench recover {project_dir}`" in text
    assert _files(project_dir) == before
