"""Compare two evaluations on one locked test set: fixed and broken images, rate deltas.

Both evaluations must cover exactly the same samples with the same labels; otherwise a change
in escape rate could come from the data instead of the model, and the comparison is refused.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from workbench.core.errors import ProjectError
from workbench.core.metrics_image import binom_cdf, wilson_interval
from workbench.core.project import Project

WRONG = ("escape", "overkill")


def newcombe_difference(k_a: int, n_a: int, k_b: int, n_b: int) -> tuple[float, float]:
    """95% interval of ``p_b - p_a`` by Newcombe's hybrid score method (Wilson limits combined).

    It treats the two proportions as independent samples. On one test set they are paired, so
    the interval is conservative; the McNemar test on discordant images is the paired check.
    """
    if n_a == 0 or n_b == 0:
        return (-1.0, 1.0)
    p_a, p_b = k_a / n_a, k_b / n_b
    lo_a, hi_a = wilson_interval(k_a, n_a)
    lo_b, hi_b = wilson_interval(k_b, n_b)
    d = p_b - p_a
    lower = d - math.sqrt((p_b - lo_b) ** 2 + (hi_a - p_a) ** 2)
    upper = d + math.sqrt((hi_b - p_b) ** 2 + (p_a - lo_a) ** 2)
    return (max(-1.0, lower), min(1.0, upper))


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts (binomial, p = 1/2)."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    return min(1.0, 2.0 * binom_cdf(min(only_a, only_b), n, 0.5))


def _rows(project: Project, eval_id: str) -> dict[int, dict[str, Any]]:
    path = project.evaluation_dir(eval_id) / "results.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProjectError(f"evaluation {eval_id!r}: cannot read {path}: {exc}") from exc
    return {int(r["sample_id"]): r for r in rows}


def _check_same_set(a: dict[int, dict[str, Any]], b: dict[int, dict[str, Any]], ids: tuple[str, str]) -> None:
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a or only_b:
        raise ProjectError(
            f"evaluations {ids[0]} and {ids[1]} cover different samples ({len(only_a)} only in "
            f"{ids[0]}, {len(only_b)} only in {ids[1]}, e.g. ids {(only_a + only_b)[:5]}); compare "
            "evaluations of the same locked test set"
        )
    relabelled = sorted(sid for sid in a if a[sid]["label"] != b[sid]["label"])
    if relabelled:
        names = ", ".join(a[sid]["name"] for sid in relabelled[:5])
        raise ProjectError(
            f"evaluations {ids[0]} and {ids[1]} disagree on the label of {len(relabelled)} sample(s) "
            f"({names}); re-evaluate both on the current labels"
        )


def _rate_block(k_a: int, k_b: int, n: int, only_a: int, only_b: int) -> dict[str, Any]:
    return {
        "a": k_a,
        "b": k_b,
        "n": n,
        "a_rate": k_a / n if n else None,
        "b_rate": k_b / n if n else None,
        "a_ci95": list(wilson_interval(k_a, n)),
        "b_ci95": list(wilson_interval(k_b, n)),
        "delta": (k_b - k_a) / n if n else None,
        "delta_ci95": list(newcombe_difference(k_a, n, k_b, n)),
        "only_a": only_a,
        "only_b": only_b,
        "mcnemar_p": mcnemar_exact(only_a, only_b),
    }


def _entry(row_a: dict[str, Any], row_b: dict[str, Any]) -> dict[str, Any]:
    return {
        "sample_id": row_a["sample_id"],
        "name": row_a["name"],
        "label": row_a["label"],
        "a": row_a["outcome"],
        "b": row_b["outcome"],
        "a_score": row_a["image_score"],
        "b_score": row_b["image_score"],
    }


def _kind_block(
    a: dict[int, dict[str, Any]], b: dict[int, dict[str, Any]], kind: str, label: str
) -> dict[str, Any]:
    ids = [sid for sid in a if a[sid]["label"] == label]
    in_a = {sid for sid in ids if a[sid]["outcome"] == kind}
    in_b = {sid for sid in ids if b[sid]["outcome"] == kind}
    return _set_block(in_a, in_b, len(ids))


def compare_evaluations(project: Project, eval_a: str, eval_b: str) -> dict[str, Any]:
    """Fixed / broken images and escape, overkill and gray deltas of B against A (same sample set)."""
    a, b = _rows(project, eval_a), _rows(project, eval_b)
    _check_same_set(a, b, (eval_a, eval_b))
    order: Sequence[int] = sorted(a)
    fixed = [_entry(a[s], b[s]) for s in order if a[s]["outcome"] in WRONG and b[s]["outcome"] == "correct"]
    broken = [_entry(a[s], b[s]) for s in order if a[s]["outcome"] == "correct" and b[s]["outcome"] in WRONG]
    # Everything else that changed: into or out of the gray zone, or escape <-> overkill cannot
    # happen (labels are equal), so only gray transitions remain.
    other = [
        _entry(a[s], b[s])
        for s in order
        if a[s]["outcome"] != b[s]["outcome"] and "gray" in (a[s]["outcome"], b[s]["outcome"])
    ]
    wrong_a = {s for s in order if a[s]["outcome"] in WRONG}
    wrong_b = {s for s in order if b[s]["outcome"] in WRONG}
    clear = [s for s in order if a[s]["label"] != "doubtful"]  # doubtful parts are never wrong nor gray
    return {
        "a": eval_a,
        "b": eval_b,
        "n": len(order),
        "fixed": fixed,
        "broken": broken,
        "gray_changes": other,
        "escape": _kind_block(a, b, "escape", "ng"),
        "overkill": _kind_block(a, b, "overkill", "ok"),
        "gray": _set_block({s for s in order if a[s]["outcome"] == "gray"},
                           {s for s in order if b[s]["outcome"] == "gray"}, len(clear)),
        "wrong": _set_block(wrong_a, wrong_b, len(clear)),
    }  # fmt: skip


def _set_block(in_a: set[int], in_b: set[int], n: int) -> dict[str, Any]:
    return _rate_block(len(in_a), len(in_b), n, len(in_a - in_b), len(in_b - in_a))
