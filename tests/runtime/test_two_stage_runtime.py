"""A bundle of two stages in the runtime: predict, watch and overlays show the regions the region
classifier vetoed; older bundles still run with one stage; a broken region section is refused."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from workbench.core.imageio import read_image, write_image
from workbench.runtime.bundle import BundleError, open_bundle
from workbench.runtime.cli import main
from workbench.runtime.inspector import Inspector
from workbench.runtime.output import VETO_COLOUR
from workbench.runtime.words import result_text, vetoed_text


def _contents(path: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    return json.loads(files.pop("manifest.json")), files


def test_predict_reports_vetoed_regions(
    two_stage_bundle: Path, spot, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("WORKBENCH_LANG", "en")
    folder = tmp_path / "in"
    write_image(folder / "a_ok.png", spot(1))
    write_image(folder / "b_ng.png", spot(2, spots=2))
    out = tmp_path / "results.csv"
    args = [
        "predict",
        str(two_stage_bundle),
        str(folder),
        "--out",
        str(out),
        "--overlays",
        str(tmp_path / "ov"),
    ]
    assert main(args) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    # the segmenter finds the two spots; the classifier vetoes both, so the part is OK
    assert [(r["verdict"], r["n_defects"], r["n_vetoed"]) for r in rows] == [
        ("OK", "0", "0"),
        ("OK", "0", "2"),
    ]
    said = capsys.readouterr().out
    assert "b_ng.png: OK (0 defects, 2 vetoed by the classifier (defect probability 0." in said
    assert "region classifier fp32" in said
    picture = read_image(tmp_path / "ov" / "b_ng.overlay.png")
    assert (picture.reshape(-1, 3) == VETO_COLOUR).all(axis=1).sum() > 20  # the vetoed regions' boxes
    plain = read_image(tmp_path / "ov" / "a_ok.overlay.png")
    assert (plain.reshape(-1, 3) == VETO_COLOUR).all(axis=1).sum() == 0
    out_json = tmp_path / "results.json"
    assert main(["predict", str(two_stage_bundle), str(folder / "b_ng.png"), "--out", str(out_json)]) == 0
    detail = json.loads(out_json.read_text(encoding="utf-8"))[0]
    assert len(detail["vetoed"]) == 2 and all(0 < v["defect_prob"] < 0.9 for v in detail["vetoed"])


def test_watch_lines_say_what_was_vetoed_in_chinese(two_stage_bundle: Path, spot, tmp_path: Path, capsys,
                                                    monkeypatch) -> None:  # fmt: skip
    monkeypatch.setenv("WORKBENCH_LANG", "zh_CN")
    folder = tmp_path / "hot"
    write_image(folder / "part.png", spot(3, spots=2))
    assert main(["watch", str(two_stage_bundle), str(folder), "--once", "--poll", "0.05"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.split("\t")[1] == "OK"
    assert "0 个缺陷，2 个区域被区域分类器否决（缺陷概率 0." in line


def test_vetoed_words() -> None:
    vetoed = [{"defect_prob": 0.123}, {"defect_prob": None}]
    assert vetoed_text([], "en") == ""
    assert vetoed_text(vetoed, "en") == "2 vetoed by the classifier (defect probability 0.12)"
    assert vetoed_text(vetoed, "zh_CN") == "2 个区域被区域分类器否决（缺陷概率 0.12）"
    assert result_text(1, [], 12.4, "en") == "1 defects, 12 ms"
    assert (
        result_text(0, vetoed[:1], 3.0, "zh_CN")
        == "0 个缺陷，1 个区域被区域分类器否决（缺陷概率 0.12），3 ms"
    )


def test_a_format_5_bundle_still_runs_with_one_stage(bundle_path: Path, rebuild, spot) -> None:
    manifest, files = _contents(bundle_path)
    manifest["format_version"] = 5
    old = open_bundle(rebuild(manifest, files, "v5.wbx"))
    assert old.manifest.format_version == 5 and old.manifest.region is None
    inspector = Inspector(old, backend="onnxruntime", device="cpu")
    assert inspector.region_stage is None and inspector.region_backend is None
    result = inspector.inspect(spot(4, spots=2))
    assert result.verdict == "NG" and result.vetoed == []
    assert main(["verify", str(old.path)]) == 0


def test_a_format_5_manifest_ignores_a_region_section(two_stage_bundle: Path, rebuild, spot) -> None:
    manifest, files = _contents(two_stage_bundle)
    manifest["format_version"] = 5
    inspector = Inspector(
        open_bundle(rebuild(manifest, files, "old.wbx")), backend="onnxruntime", device="cpu"
    )
    assert inspector.region_stage is None
    assert inspector.inspect(spot(4, spots=2)).verdict == "NG"  # the segmenter alone


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["stage"].update(levels=[0.5, 0.5]), r"levels for 2 classes, the model has 1"),
        (lambda r: r.update(precision="int8"), r"precision 'int8'; the classifier is fp32"),
        (lambda r: r["models"].update(onnx={"path": "nowhere.onnx"}), r"names 'nowhere\.onnx'"),
        pytest.param(  # the bundle also holds OpenVINO files only where the export could check them
            lambda r: r["models"].pop("onnx"),
            r"no region classifier that onnxruntime can run",
            marks=pytest.mark.openvino_cpu,
        ),
        (lambda r: r["stage"].pop("class_ids"), r"unusable 'stage'"),
    ],
)
def test_a_broken_region_section_is_refused(two_stage_bundle: Path, rebuild, change, message: str) -> None:
    manifest, files = _contents(two_stage_bundle)
    change(manifest["region_stage"])
    with pytest.raises(BundleError, match=message):
        open_bundle(rebuild(manifest, files))


@pytest.mark.openvino_cpu
def test_openvino_and_onnxruntime_classifiers_agree(two_stage_bundle: Path) -> None:
    crops = np.random.default_rng(0).random((5, 3, 32, 32), dtype=np.float32)
    probs = [
        Inspector(two_stage_bundle, backend=b, device="cpu").region_fn()(crops)
        for b in ("openvino", "onnxruntime")
    ]
    assert probs[0].shape == (5, 2)
    assert np.allclose(probs[0].sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(probs[0] - probs[1]).max() < 1e-4


def test_bench_times_the_region_classifier_of_a_two_stage_bundle(two_stage_bundle: Path) -> None:
    from workbench.core.region_stage import CROP_BATCH
    from workbench.runtime.bench import format_rows, report_dict, run_bench
    from workbench.runtime.cpu_info import CpuInfo

    bundle = open_bundle(two_stage_bundle)
    rows = run_bench(bundle, repeat=1, large=(200, 240))
    assert rows and all(r.region_batch_ms > 0 for r in rows)
    table = format_rows(rows, bundle.tiling.tile, (200, 240))
    head, first = table.splitlines()[0], table.splitlines()[2]
    assert f"{CROP_BATCH} regions ms" in head and f"{rows[0].region_batch_ms:.1f}" in first
    report = report_dict(rows, bundle.tiling.tile, (200, 240), CpuInfo("x", 1, {}, "test"))
    assert report["rows"][0]["region_batch_ms"] == rows[0].region_batch_ms
