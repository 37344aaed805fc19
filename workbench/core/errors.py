"""Typed errors of the data layer; every message names the file or project involved."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every error the workbench reports to a user."""


class ImageReadError(WorkbenchError):
    """An image file could not be read (missing, corrupt, unknown format)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"cannot read image {path}: {reason}")
        self.path = path
        self.reason = reason


class ImageWriteError(WorkbenchError):
    """An image could not be written."""


class MaskError(WorkbenchError):
    """A mask does not fit its sample (wrong size, wrong type, unknown class)."""


class ProjectError(WorkbenchError):
    """A project folder is missing, damaged, or from an unknown newer version."""


class ProjectLockedError(ProjectError):
    """Another live process holds the project open for writing."""


class ImportFormatError(WorkbenchError):
    """A dataset to import does not follow the layout its importer expects."""
