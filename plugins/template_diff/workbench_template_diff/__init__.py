"""Defect Workbench example plugin: golden-template alignment and difference from OK images.

Importing this package needs only numpy and OpenCV; ``workbench_template_diff.registry`` (the
``workbench.models`` entry point) also imports the workbench and torch.
"""

from __future__ import annotations

from workbench_template_diff.align import Alignment, align
from workbench_template_diff.model import TemplateDiffModel, TemplateFitError

__all__ = ["Alignment", "TemplateDiffModel", "TemplateFitError", "align"]
