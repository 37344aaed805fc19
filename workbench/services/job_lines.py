"""The progress lines the services say themselves, each with a stable id (``workbench.core.messages``).

The window shows each id in its own language (``workbench.gui.job_messages``).
"""

from __future__ import annotations

from workbench.core.messages import message

LOADING_MODEL = message("loading_model", "loading the model")
