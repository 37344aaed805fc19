"""The deploy runtime: loads a `.wbx` bundle and inspects images. Never imports torch or Qt."""

from __future__ import annotations

from workbench.runtime.bundle import Bundle, BundleError, open_bundle
from workbench.runtime.inspector import InspectError, Inspector, Result

__all__ = ["Bundle", "BundleError", "InspectError", "Inspector", "Result", "open_bundle"]
