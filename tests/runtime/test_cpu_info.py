"""CPU model and instruction-set features, and `workbench-run bench` printing them with its figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.runtime import bench, cpu_info
from workbench.runtime.bench import BenchRow
from workbench.runtime.cli import main
from workbench.runtime.cpu_info import CpuInfo, parse_cpuinfo

SAPPHIRE_RAPIDS = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 fma avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 fma avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8
"""

AVX2_ONLY = """processor\t: 0
model name\t: AMD EPYC 7B12
flags\t\t: fpu sse2 avx avx2 fma avx512fq
"""

ARM = """processor\t: 0
BogoMIPS\t: 48.00
Features\t: fp asimd evtstrm aes
"""


def test_features_are_read_from_cpuinfo_flags() -> None:
    model, features = parse_cpuinfo(SAPPHIRE_RAPIDS) or ("", {})
    assert model == "Intel(R) Xeon(R) Platinum 8480+"
    assert all(features[name] for name in ("AVX2", "FMA", "AVX-512F", "AVX512_VNNI", "AVX512_BF16", "AMX"))
    assert features["AVX_VNNI"] is False
    model, features = parse_cpuinfo(AVX2_ONLY) or ("", {})
    assert model == "AMD EPYC 7B12"
    assert features["AVX2"] and features["FMA"]
    # whole flags only: the made-up flag "avx512fq" is not AVX-512F
    assert [n for n, v in features.items() if not v] == [
        "AVX-512F",
        "AVX512_VNNI",
        "AVX_VNNI",
        "AVX512_BF16",
        "AMX",
    ]


def test_without_flags_every_feature_is_unknown(tmp_path: Path) -> None:
    assert parse_cpuinfo(ARM) is None
    (tmp_path / "cpuinfo").write_text(ARM, encoding="utf-8")
    for path in (tmp_path / "cpuinfo", tmp_path / "missing"):
        info = cpu_info.cpu_info(path)
        assert info.model and info.cpus >= 1
        assert set(info.features.values()) == {None}
        assert "AVX-512F unknown" in info.summary()


def test_summary_names_the_model_and_each_feature(tmp_path: Path) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text(AVX2_ONLY, encoding="utf-8")
    info = cpu_info.cpu_info(path)
    assert info.source == "cpuinfo"
    assert str(info) == info.summary() and info.summary().startswith("CPU: AMD EPYC 7B12 (")
    assert "AVX2 yes, FMA yes, AVX-512F no" in info.summary()
    assert json.loads(json.dumps(info.to_dict()))["features"]["AVX512_VNNI"] is False


def test_a_library_held_below_the_cpu_is_named_with_the_figures(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text(AVX2_ONLY, encoding="utf-8")
    for name in cpu_info.ISA_LIMITS:
        monkeypatch.delenv(name, raising=False)
    assert "held by" not in cpu_info.cpu_info(path).summary()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", " ")  # set but empty: torch ignores it, so do we
    info = cpu_info.cpu_info(path)
    assert info.summary().endswith("AMX no | held by ONEDNN_MAX_CPU_ISA=AVX2")
    assert info.to_dict()["limits"] == {"ONEDNN_MAX_CPU_ISA": "AVX2"}
    assert cpu_info.isa_limits({"DNNL_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "X": "1"}) == {
        "DNNL_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}  # fmt: skip


@pytest.fixture
def fixed_bench(monkeypatch: pytest.MonkeyPatch) -> CpuInfo:
    """`workbench-run bench` with known rows (one setting unavailable) and a known CPU."""
    rows = [
        BenchRow("onnxruntime fp32", 1.5, 640.0, 900.0, "onnxruntime on cpu"),
        BenchRow("openvino int8 (f32 math)", float("nan"), float("nan"), float("nan"), "unavailable: x"),
    ]
    cpu = CpuInfo("Test CPU 9000", 4, {"AVX2": True, "AVX512_VNNI": False, "AMX": None}, "cpuinfo")
    monkeypatch.setattr(bench, "run_bench", lambda bundle, repeat, device: rows)
    monkeypatch.setattr(cpu_info, "cpu_info", lambda: cpu)
    return cpu


def test_bench_prints_the_cpu_with_its_figures(
    fixed_bench: CpuInfo, bundle_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", str(bundle_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "CPU: Test CPU 9000 (4 CPUs usable) | AVX2 yes, AVX512_VNNI no, AMX unknown"
    assert "onnxruntime fp32" in lines[3] and "900.0" in lines[3]


def test_bench_json_holds_the_cpu_and_no_nan(
    fixed_bench: CpuInfo, bundle_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", str(bundle_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cpu"] == fixed_bench.to_dict()
    assert report["cpu"]["features"] == {"AVX2": True, "AVX512_VNNI": False, "AMX": None}
    assert report["large"] == {"height": 2048, "width": 2448}
    assert report["rows"][0]["large_ms"] == 900.0
    # NaN is not JSON (other readers refuse it): a setting that could not start has null figures
    assert report["rows"][1]["tile_ms"] is None and report["rows"][1]["note"] == "unavailable: x"
