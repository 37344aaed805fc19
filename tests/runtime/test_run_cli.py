"""`workbench-run` predict / verify / bench."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest

from workbench.core.imageio import write_image
from workbench.runtime.bench import format_rows, run_bench
from workbench.runtime.bundle import open_bundle
from workbench.runtime.cli import main


def test_predict_writes_csv_json_and_overlays(bundle_path: Path, spot, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_image(folder / "a_ok.png", spot(1))
    write_image(folder / "b_ng.png", spot(2, spots=2))
    (folder / "c_bad.png").write_bytes(b"not an image")
    out = tmp_path / "results.csv"
    code = main(
        ["predict", str(bundle_path), str(folder), "--out", str(out), "--overlays", str(tmp_path / "ov")]
    )
    assert code == 1  # one unreadable file: reported, the others still done
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["verdict"] for r in rows] == ["OK", "NG", "ERROR"]
    assert "c_bad.png" in rows[2]["error"]
    assert (tmp_path / "ov" / "b_ng.overlay.png").is_file()
    out_json = tmp_path / "results.json"
    assert main(["predict", str(bundle_path), str(folder / "b_ng.png"), "--out", str(out_json)]) == 0
    details = json.loads(out_json.read_text(encoding="utf-8"))
    assert details[0]["verdict"] == "NG" and details[0]["defects"]


@pytest.mark.openvino_cpu
def test_verify_passes_on_each_backend(bundle_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for backend in ("openvino", "onnxruntime"):
        assert main(["verify", str(bundle_path), "--backend", backend]) == 0
        assert "verify passed: 2/2" in capsys.readouterr().out


def test_verify_fails_loudly_on_mismatch(
    bundle_path: Path, rebuild, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(bundle_path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(files.pop("manifest.json"))
    manifest["golden"]["images"][0]["verdict"] = "NG"  # the workbench "said" NG for an OK part
    code = main(["verify", str(rebuild(manifest, files))])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL g0: expected NG" in out and "verify FAILED: 1/2" in out


@pytest.mark.openvino_cpu
def test_bench_times_every_setting(bundle_path: Path) -> None:
    bundle = open_bundle(bundle_path)
    rows = run_bench(bundle, repeat=1, large=(200, 240))
    labels = [r.setting for r in rows]
    assert labels == ["onnxruntime fp32", "openvino fp32 (f32 math)", "openvino fp32 (device default)"]
    assert all(r.tile_ms > 0 and r.large_ms > 0 for r in rows)
    table = format_rows(rows, bundle.tiling.tile, (200, 240))
    assert "240x200 ms" in table and "openvino fp32 (f32 math)" in table


def test_errors_exit_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path / "missing.wbx")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main([]) == 2
