"""Dataset importers (plain folders, MVTec AD, labelme) and the registry that finds them."""

from __future__ import annotations

from workbench.core.importers.base import (
    FLAG_MASK_SKIPPED,
    Importer,
    ImportReport,
    ImportStoppedError,
    Plan,
    PlanImporter,
    PlannedItem,
)
from workbench.core.importers.registry import (
    AUTO,
    detect_format,
    get_importer,
    import_dataset,
    importer_names,
)

__all__ = [
    "AUTO",
    "FLAG_MASK_SKIPPED",
    "ImportReport",
    "ImportStoppedError",
    "Importer",
    "Plan",
    "PlanImporter",
    "PlannedItem",
    "detect_format",
    "get_importer",
    "import_dataset",
    "importer_names",
]
