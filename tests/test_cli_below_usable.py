"""A run far below usable: one rule (``core.run_quality``), recorded with the run, shown by
`workbench runs` and `info`, and `workbench export` refuses it without --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.core.run_quality import (
    MAX_VAL_OVERKILL,
    MIN_IMAGE_AUROC,
    MIN_PIXEL_DICE,
    decision_metrics,
    judge,
    shortfalls,
    warning_text,
)


def test_the_rule_judges_only_what_was_measured() -> None:
    assert [s.metric for s in judge({"image": {"auroc": 0.42}, "pixel": {"dice": 0.3}})] == ["image.auroc"]
    assert [s.metric for s in judge({"image": {"auroc": 0.9}, "pixel": {"dice": 0.05}})] == ["pixel.dice"]
    assert judge({"image": {"auroc": MIN_IMAGE_AUROC}, "pixel": {"dice": MIN_PIXEL_DICE}}) == []
    # absent metrics (no good or no NG val image, no val mask) say nothing
    assert judge({"image": {"auroc": None}, "pixel": {"dice": None}}) == [] and judge(None) == []
    assert judge({"epochs": 3}) == []
    # what the run recorded stands; older runs without the record are judged by the rule
    recorded = {"image": {"auroc": 0.42}, "below_usable": []}
    assert shortfalls(recorded) == [] and [s.value for s in shortfalls({"image": {"auroc": 0.42}})] == [0.42]
    text = warning_text(judge({"image": {"auroc": 0.42}}))
    assert text.startswith("far below usable: image AUROC 0.420 (usable from 0.60)")
    assert warning_text([]) == ""


def test_thresholds_that_reject_most_good_val_parts_are_below_usable() -> None:
    # one val NG part scoring like the good ones put the zero-escape threshold among them
    origins = [
        {"method": "val_zero_escape", "val_ok": 45, "val_overkill": 45, "val_ng": 46},
        {"method": "val_zero_escape", "val_ok": 45, "val_overkill": 3, "val_ng": 10},
    ]
    placed = decision_metrics(origins)
    assert placed == {"val_overkill": 1.0, "val_overkill_parts": 45, "val_ok_parts": 45}
    found = judge({"image": {"auroc": 0.93}, "pixel": {"dice": 0.8}, "decision": placed})
    assert [s.metric for s in found] == ["decision.val_overkill"]
    assert "reject 100% of the good val parts (usable below 50%" in warning_text(found)
    # just under the limit, and runs where no good val part was scored, say nothing
    below = round(MAX_VAL_OVERKILL - 0.01, 4)
    assert judge({"decision": {"val_overkill": below}}) == []
    assert judge({"decision": {"val_overkill": MAX_VAL_OVERKILL}}) != []
    assert decision_metrics([{"method": "default", "val_ok": 0, "val_ng": 0}]) == {}
    assert decision_metrics([]) == {}


def _project(root: Path) -> tuple[str, str]:
    with Project.create(root, name="p") as project:
        runs = []
        for auroc in (0.42, 0.95):
            run = project.create_run(RunConfig(TrainConfig(preset="fast")))
            project.move_run(run.id, "running")
            metrics = {"image": {"auroc": auroc}, "pixel": {"dice": 0.5}}
            metrics["below_usable"] = [s.to_dict() for s in judge(metrics)]
            project.move_run(run.id, "completed", metrics=metrics)
            runs.append(run.id)
    return runs[0], runs[1]


def test_runs_and_info_show_the_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "proj"
    bad, good = _project(root)
    assert main(["runs", str(root)]) == 0
    out = capsys.readouterr().out
    warned = [line for line in out.splitlines() if "warning:" in line]
    assert len(warned) == 1 and "image AUROC 0.420 (usable from 0.60)" in warned[0]
    lines = out.splitlines()
    assert lines[lines.index(warned[0]) - 1].startswith(bad)  # under its run
    assert main(["runs", str(root), "--json"]) == 0
    listed = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert listed[bad]["warning"].startswith("far below usable") and listed[good]["warning"] == ""
    assert main(["info", str(root)]) == 0
    assert f"warning: run {bad} is far below usable: image AUROC 0.420" in capsys.readouterr().out
    assert main(["info", str(root), "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)["runs_below_usable"]) == [bad]


def test_export_refuses_a_run_below_usable_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "proj"
    bad, good = _project(root)
    exported: list[str] = []

    def fake_export(folder: str, run_id: str, *args: object, **kwargs: object) -> object:
        exported.append(run_id)
        raise SystemExit(0)  # the export itself is not what this test is about

    monkeypatch.setattr("workbench.export.pipeline.export_bundle", fake_export)
    assert main(["export", str(root), "--run", bad]) != 0
    err = capsys.readouterr().err
    assert "far below usable" in err and "--force" in err and exported == []
    with pytest.raises(SystemExit):
        main(["export", str(root), "--run", bad, "--force"])
    assert "far below usable" in capsys.readouterr().err and exported == [bad]
    with pytest.raises(SystemExit):
        main(["export", str(root), "--run", good])
    assert "far below usable" not in capsys.readouterr().err and exported == [bad, good]
    help_text = _help(["export", "--help"], capsys)
    assert "--force" in help_text and "far below usable" in help_text


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main(argv)
    return capsys.readouterr().out
