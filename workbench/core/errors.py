"""Typed errors of the data layer; every message names the file or project involved."""

from __future__ import annotations

import errno


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


class DamagedProjectError(ProjectError):
    """``project.db`` is empty or damaged; the project's files are left as they are for recovery."""


class ProjectReadOnlyError(ProjectError):
    """A write was asked of a project this account (or this open) can only read."""


class DiskFullError(ProjectError):
    """The disk holding the project is full; what was written so far is kept."""


def project_failure(exc: BaseException, root: object) -> ProjectError | None:
    """The error that must stop a whole job on project ``root`` (the project itself cannot be
    read or written: damaged, read-only, disk full), or ``None`` for an error of one input file."""
    if isinstance(exc, (DamagedProjectError, ProjectReadOnlyError, DiskFullError)):
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"the disk holding {root} is full ({exc.strerror}); free some space")
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return ProjectReadOnlyError(f"project {root} is on a read-only file system; nothing can be written")
    return None
