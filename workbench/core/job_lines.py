"""The progress lines of an evaluation, each with a stable id (``workbench.core.messages``).

The window shows each id in its own language (``workbench.gui.job_messages``) and falls back to
the English text for an id it does not know.
"""

from __future__ import annotations

from workbench.core.messages import message

EVAL_PREDICTING = message("eval_predicting", "predicting {name}")
EVAL_PREDICTING_MORE = message("eval_predicting_more", "predicting {name} and {more} more")
EVAL_DECIDING = message("eval_deciding", "deciding and measuring")
EVAL_WRITTEN = message("eval_written", "evaluation written")
