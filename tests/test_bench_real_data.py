"""bench/real_data.py's reading of several stored reports (one per seed): no training, no data sets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import real_data  # bench/ is a folder of scripts, not a package


def side(ovk: float, dice: float, overkills: int = 10, n_ok: int = 100, escapes: int = 0) -> dict:
    return {"overkill_at_zero_escape": ovk, "dice": dice, "overkills": [overkills, n_ok],
            "escapes": [escapes, 40], "auroc": 0.9}  # fmt: skip


def report(seed: int, cpu: str, sets: dict) -> dict:
    return {"seed": seed, "machine": {"summary": cpu}, "sets": sets}


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_seeds_are_compared_measure_by_measure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [
        # seed 0: ours better in both; own decision 10 % against 8 % at zero escape (+2 points)
        write(tmp_path, "s0.json", report(0, "CPU: A", {
            "bsdata": {"ours": side(0.08, 0.80, overkills=10), "baseline": side(0.20, 0.70)},
            "elpv-mono": {"ours": side(0.5, None), "errors": ["baseline: failed"]},
        })),
        # seed 1: worse in both; own decision 90 % against 50 % (+40 points) with 2 escapes
        write(tmp_path, "s1.json", report(1, "CPU: B", {
            "bsdata": {"ours": side(0.50, 0.60, overkills=90, escapes=2), "baseline": side(0.40, 0.75)},
        })),
    ]  # fmt: skip
    assert real_data.main(["--combine", *map(str, files)]) == 0
    out = capsys.readouterr().out
    assert "[1] CPU: A" in out and "[2] CPU: B" in out
    assert "elpv-mono" not in out  # measured on one side only: nothing to compare
    assert "bsdata: 2 run(s)" in out
    assert "8.0% / 20.0% better" in out and "0.600 / 0.750 worse" in out
    assert "+2.0 points, 0 escapes  [1]" in out and "+40.0 points, 2 escapes  [2]" in out
    assert "ovk@0esc: ours better in 1 of 2; mean 29.0% / 30.0%; ours - base from -12.0% to 10.0%" in out
    assert "Dice: ours better in 1 of 2; mean 0.700 / 0.725" in out
    assert "within 10 points of the zero-escape overkill in 1 of 2" in out
    assert "appears" not in out


def test_a_seed_read_twice_is_named_and_unreadable_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tie = {"crackforest": {"ours": side(0.3, 0.7), "baseline": side(0.3, 0.7)}}
    one = write(tmp_path, "s.json", report(3, "CPU: A", tie))
    assert real_data.main(["--combine", str(one), str(one)]) == 0
    out = capsys.readouterr().out
    assert "seed 3 appears 2 times" in out
    edged = write(tmp_path, "e.json", {**report(3, "CPU: A", tie), "edge_margin": 8})
    assert real_data.main(["--combine", str(one), str(edged)]) == 0
    out = capsys.readouterr().out
    assert "3 edge 8" in out and "appears" not in out  # another set of parts, not the same run twice
    assert "ours better in 0 of 2" in out  # a tie is not better
    with pytest.raises(SystemExit):
        real_data.main(["--combine", str(tmp_path / "missing.json")])
    assert "cannot read a report" in capsys.readouterr().err
    empty = write(tmp_path, "e.json", report(0, "CPU: A", {}))
    with pytest.raises(SystemExit):
        real_data.main(["--combine", str(empty)])
    assert "measured on both sides" in capsys.readouterr().err


def test_one_runs_table_says_how_far_the_own_decision_is_from_the_zero_escape_point(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = {"errors": [], "ours": side(0.694, 0.8, overkills=571, n_ok=571), "baseline": side(0.764, 0.72)}
    real_data.print_table("bsdata", entry)
    out = capsys.readouterr().out
    assert "overkill 100.0% against 69.4% at the zero-escape point (+30.6 points), 0 escapes" in out
    real_data.print_table("bsdata", {"errors": [], "baseline": side(0.764, 0.72)})
    assert "own decision" not in capsys.readouterr().out
