"""The export layer's error type."""

from __future__ import annotations

from workbench.core.errors import WorkbenchError


class ExportError(WorkbenchError):
    """A model could not be exported, or its export does not match the trained model."""
