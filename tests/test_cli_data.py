"""`workbench import` and `workbench export-dataset` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.project import Project


@pytest.fixture()
def proj_dir(tmp_path: Path) -> Path:
    Project.create(tmp_path / "proj").close()
    return tmp_path / "proj"


@pytest.fixture()
def source(tmp_path: Path, make_images) -> Path:
    src = tmp_path / "src"
    make_images(src, ["train/OK/a.png", "train/NG/b.png", "test/scratch/c.png"])
    (src / "train" / "OK" / "broken.png").write_text("text, not pixels")
    return src


def test_import_prints_summary_and_every_skipped_file(proj_dir: Path, source: Path, capsys) -> None:
    assert main(["import", str(proj_dir), str(source)]) == 0
    out = capsys.readouterr().out
    assert "(folder): imported 3 new sample(s), 0 duplicate(s), 1 file(s) skipped" in out
    assert "train/OK/broken.png: cannot read image" in out

    assert main(["import", str(proj_dir), str(source), "--format", "folder"]) == 0
    assert "imported 0 new sample(s), 3 duplicate(s)" in capsys.readouterr().out
    with Project.open(proj_dir, readonly=True) as project:
        assert project.count_samples() == 3


def test_import_json_report(proj_dir: Path, source: Path, capsys) -> None:
    assert main(["import", str(proj_dir), str(source), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] == 3 and report["importer"] == "folder" and report["succeeded"]
    assert report["skipped"] == [{"item": "train/OK/broken.png", "reason": report["skipped"][0]["reason"]}]
    assert len(report["sample_ids"]) == 3


def test_import_total_failure_and_missing_source(proj_dir: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "zero.png").write_bytes(b"")
    assert main(["import", str(proj_dir), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "zero.png: cannot read image" in captured.out and "nothing was imported" in captured.err

    assert main(["import", str(proj_dir), str(tmp_path / "missing")]) == 1
    assert "source folder" in capsys.readouterr().err


def test_import_refused_while_project_is_open_elsewhere(proj_dir: Path, source: Path, capsys) -> None:
    with Project.open(proj_dir):
        assert main(["import", str(proj_dir), str(source)]) == 1
    assert "open for writing" in capsys.readouterr().err


def test_export_dataset_csv_and_mvtec(proj_dir: Path, source: Path, tmp_path: Path, capsys) -> None:
    assert main(["import", str(proj_dir), str(source)]) == 0
    capsys.readouterr()

    assert main(["export-dataset", str(proj_dir), str(tmp_path / "csv"), "--format", "csv"]) == 0
    assert "exported 3 sample(s)" in capsys.readouterr().out
    assert len((tmp_path / "csv" / "labels.csv").read_text(encoding="utf-8").splitlines()) == 4

    args = ["export-dataset", str(proj_dir), str(tmp_path / "mv"), "--format", "mvtec", "--split", "train"]
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["samples"] == 2
    assert [p.name for p in (tmp_path / "mv" / "train" / "good").iterdir()] == ["train_OK_a.png"]
    assert [p.name for p in (tmp_path / "mv" / "test" / "defect").iterdir()] == ["train_NG_b.png"]

    assert main(["export-dataset", str(proj_dir), str(tmp_path / "mv"), "--format", "csv"]) == 1
    assert "not empty" in capsys.readouterr().err
