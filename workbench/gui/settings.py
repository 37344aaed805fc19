"""Persistent window settings (QSettings): recent projects, window state, last choices."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "DefectWorkbench"
APPLICATION = "Workbench"
MAX_RECENT = 10


def app_settings() -> QSettings:
    """The user's settings; INI format so tests can point QSettings.setPath at a temp folder."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def recent_projects() -> list[str]:
    """Recently opened project folders, newest first, dropping ones that no longer exist."""
    value = app_settings().value("recent_projects", [])
    items = [value] if isinstance(value, str) else list(value or [])
    return [p for p in items if (Path(p) / "project.db").is_file()]


def add_recent_project(path: str | Path) -> None:
    items = [str(Path(path))] + [p for p in recent_projects() if p != str(Path(path))]
    app_settings().setValue("recent_projects", items[:MAX_RECENT])


def remove_recent_project(path: str | Path) -> None:
    app_settings().setValue("recent_projects", [p for p in recent_projects() if p != str(Path(path))])
