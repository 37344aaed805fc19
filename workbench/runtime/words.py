"""Sentences the runtime shows a person, in English or Simplified Chinese.

The language is the environment's (``language_from_env``), as for the export's plain report
(``workbench.export.plain_report``), which takes it from here. Machine-read outputs (CSV and JSON
keys, ``verify``'s check lines) stay English.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


def language_from_env() -> str:
    """The CLI's language: $WORKBENCH_LANG, else the locale variables; Chinese or English."""
    for key in ("WORKBENCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(key, "")
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    return "en"


def _probabilities(vetoed: Sequence[dict[str, Any]]) -> list[str]:
    return [f"{d['defect_prob']:.2f}" for d in vetoed if d.get("defect_prob") is not None]


def vetoed_text(vetoed: Sequence[dict[str, Any]], language: str = "en") -> str:
    """How many regions the region classifier vetoed, with their defect probabilities ("" for none)."""
    if not vetoed:
        return ""
    probs = _probabilities(vetoed)
    if language.lower().startswith("zh"):
        said = f"{len(vetoed)} 个区域被区域分类器否决"
        return said + (f"（缺陷概率 {'、'.join(probs)}）" if probs else "")
    said = f"{len(vetoed)} vetoed by the classifier"
    return said + (f" (defect probability {', '.join(probs)})" if probs else "")


def result_text(
    n_defects: int, vetoed: Sequence[dict[str, Any]], time_ms: float, language: str = "en"
) -> str:
    """The part of a result line after the verdict: defects, vetoed regions, time."""
    veto = vetoed_text(vetoed, language)
    if language.lower().startswith("zh"):
        parts = [f"{n_defects} 个缺陷", *([veto] if veto else []), f"{time_ms:.0f} ms"]
        return "，".join(parts)
    return ", ".join([f"{n_defects} defects", *([veto] if veto else []), f"{time_ms:.0f} ms"])
