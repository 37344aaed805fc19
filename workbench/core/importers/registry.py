"""Importers by name: the ``workbench.importers`` entry-point group, loaded only when used."""

from __future__ import annotations

import os
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

from workbench.core.cancel import CancelToken, Progress
from workbench.core.errors import ImportFormatError
from workbench.core.importers.base import Importer, ImportReport, PlanImporter
from workbench.core.project import Project

GROUP = "workbench.importers"
AUTO = "auto"
# The built-ins, also when the package metadata is missing (running from a source tree).
BUILTINS = {
    "folder": "workbench.core.importers.folder:FolderImporter",
    "mvtec": "workbench.core.importers.mvtec:MVTecImporter",
    "labelme": "workbench.core.importers.labelme:LabelmeImporter",
}


def _targets() -> dict[str, str]:
    targets = dict(BUILTINS)
    targets.update({ep.name: ep.value for ep in entry_points(group=GROUP)})
    return targets


def importer_names() -> list[str]:
    """Every known format name, sorted (``auto`` not included)."""
    return sorted(_targets())


def get_importer(name: str) -> Importer:
    """The importer registered as ``name``; an unknown name lists the known ones."""
    targets = _targets()
    if name not in targets:
        raise ImportFormatError(f"unknown import format {name!r}; known: {', '.join(sorted(targets))}")
    module_name, _, attr = targets[name].partition(":")
    obj = getattr(import_module(module_name), attr)
    importer = obj() if isinstance(obj, type) else obj
    if not isinstance(importer, Importer):
        raise ImportFormatError(f"import format {name!r} ({targets[name]}) is not an importer")
    return importer


def detect_format(folder: str | os.PathLike[str]) -> str:
    """The name of the first importer (highest priority first) that recognises ``folder``."""
    root = Path(folder)
    importers = sorted((get_importer(n) for n in importer_names()), key=lambda imp: -imp.priority)
    for importer in importers:
        if importer.detect(root):
            return importer.name
    raise ImportFormatError(f"no importer recognises {root} (no images found in it)")


def import_dataset(
    project: Project,
    source: str | os.PathLike[str],
    fmt: str = AUTO,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    overwrite_masks: bool = False,
) -> ImportReport:
    """Import the dataset in ``source`` (format ``fmt`` or detected); resumes an interrupted run.

    Samples already in the project get the source's masks where they have none or where the source
    changed a mask an import wrote; ``overwrite_masks`` also replaces masks drawn in the workbench
    (otherwise they are kept and listed in the report).
    """
    root = Path(source).expanduser()
    if not root.exists():
        raise ImportFormatError(f"source folder {root} does not exist")
    if not root.is_dir():
        raise ImportFormatError(f"source {root} is not a folder")
    name = detect_format(root) if fmt == AUTO else fmt
    importer = get_importer(name)
    if not overwrite_masks:
        return importer.import_into(project, root, progress, cancel)
    if not isinstance(importer, PlanImporter):
        raise ImportFormatError(f"import format {name!r} cannot replace masks drawn in the workbench")
    return importer.import_into(project, root, progress, cancel, overwrite_masks=True)
