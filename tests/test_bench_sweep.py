"""bench/region_stage.py's trade-off sweep: exact at both ends, on a stored evaluation (no model)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
from core.eval_helpers import evaluate, fake_predictor, make_eval_project, model_info

from workbench.core.decisions import DecisionConfig
from workbench.core.evaluation import run_evaluation

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import region_stage  # bench/ is a folder of scripts, not a package

# A weak NG part at 0.025 and an OK part at 0.022, both just above the maps' background of 0.02:
# only a threshold between them keeps every NG part and spares that OK part. A sweep in steps of
# 0.01 visits 0.02 (every part NG: 5 overkill) and 0.03 (the weak part escapes), never between.
PLAN = (
    ("ng", 0.9), ("ng", 0.8), ("ng", 0.3), ("ng", 0.6), ("ng", 0.025),
    ("ok", 0.1), ("ok", 0.2), ("ok", 0.7), ("ok", 0.05), ("ok", 0.022),
)  # fmt: skip


def test_the_flip_shift_is_found_to_the_step_and_the_ends_are_infinite() -> None:
    assert region_stage.flip_shift(lambda s: s <= 0.3, 0.0, 1.0, step=1e-4) == pytest.approx(0.3, abs=1e-4)
    assert region_stage.flip_shift(lambda s: s <= 0.3, 0.0, 1.0, step=1e-4) <= 0.3
    assert region_stage.flip_shift(lambda s: True, 0.0, 1.0) == math.inf
    assert region_stage.flip_shift(lambda s: False, 0.0, 1.0) == -math.inf


def test_the_curve_from_flips_matches_the_hand_count() -> None:
    labels = ["ng", "ng", "ng", "ok", "ok", "ok"]
    flips = [0.5, 0.1, math.inf, 0.3, -math.inf, 0.05]
    # shift 0: no escape, 2 overkill; above 0.05: 1; above 0.1: 1 escape, 1; above 0.3: 1 escape, 0.
    curve = region_stage.curve_from_flips(labels, flips, lo=0.0)
    assert {e: region_stage.at_most(curve, e) for e in range(4)} == {0: 1, 1: 0, 2: 0, 3: 0}


def test_the_sweep_finds_the_threshold_between_two_grid_steps(tmp_path: Path) -> None:
    project, maps = make_eval_project(tmp_path / "proj", PLAN)
    evaluate(project, maps, "e1", threshold=0.5)
    project.close()
    curve = region_stage.tradeoff(tmp_path / "proj", "e1", stage=False)
    at = {e: region_stage.at_most(curve, e) for e in range(6)}
    # 0 escapes: a threshold in (0.022, 0.025] rejects the OK parts at 0.05, 0.1, 0.2 and 0.7;
    # 1 escape (the 0.025 part): 0.3 rejects only 0.7; 3 escapes: above 0.7 rejects none.
    assert at == {0: 4, 1: 1, 2: 1, 3: 0, 4: 0, 5: 0}


def test_a_default_threshold_above_the_rules_does_not_cut_the_sweep_short(tmp_path: Path) -> None:
    project, maps = make_eval_project(tmp_path / "proj", PLAN)
    info = model_info(threshold=0.05)
    config = DecisionConfig.from_dict(info["decision"])
    config.default_threshold = 0.5  # for channels without a rule: this run has none
    info["decision"] = config.to_dict()
    run_evaluation(project, fake_predictor(maps), info, split="test", eval_id="e2")
    project.close()
    curve = region_stage.tradeoff(tmp_path / "proj", "e2", stage=False)
    # No overkill needs a threshold above 0.7, the top OK part: the rule's 0.05 moved by 0.65 or more.
    assert region_stage.at_most(curve, 3) == 0
