"""A process where oneDNN is held below the CPU (ONEDNN_MAX_CPU_ISA) never starts OpenVINO's CPU
plugin, which fails or crashes the process there; the runtime goes on with ONNX Runtime."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from workbench.core.imageio import write_image
from workbench.runtime import backends, cpu_info


def test_refusal_names_the_setting(monkeypatch) -> None:
    for name in cpu_info.ONEDNN_LIMITS:
        monkeypatch.delenv(name, raising=False)
    assert backends.openvino_cpu_refusal() is None
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "  ")  # empty: oneDNN ignores it, so do we
    assert backends.openvino_cpu_refusal() is None
    monkeypatch.setenv("DNNL_MAX_CPU_ISA", "AVX2")
    said = backends.openvino_cpu_refusal() or ""
    assert said.startswith("OpenVINO is not started on the CPU while DNNL_MAX_CPU_ISA=AVX2 is set")
    assert "ONNX Runtime" in said


def test_the_runtime_inspects_with_onnx_runtime_and_never_loads_openvino(
    bundle_path: Path, spot, tmp_path: Path
) -> None:
    image = tmp_path / "part.png"
    write_image(image, spot(7, spots=2))
    code = textwrap.dedent(f"""
        import sys
        from workbench.runtime import Inspector
        from workbench.runtime.bench import run_bench
        from workbench.runtime.bundle import BundleError, open_bundle
        from workbench.runtime.cli import main
        inspector = Inspector({str(bundle_path)!r})
        print("AUTO", inspector.backend.name, inspector.inspect({str(image)!r}).verdict)
        try:
            Inspector({str(bundle_path)!r}, backend="openvino")
        except BundleError as exc:
            print("REFUSED", exc)
        for row in run_bench(open_bundle({str(bundle_path)!r}), repeat=1, large=(64, 64)):
            print("ROW", row.setting, "|", row.note[:24])
        assert main(["verify", {str(bundle_path)!r}]) == 0
        print("OPENVINO LOADED", "openvino" in sys.modules)
    """)
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    out = proc.stdout
    assert "AUTO onnxruntime NG" in out
    assert "REFUSED OpenVINO is not started on the CPU while ONEDNN_MAX_CPU_ISA=AVX2 is set" in out
    assert "ROW onnxruntime fp32 | onnxruntime on CPU" in out
    assert "verify passed: 2/2" in out
    assert "ROW openvino fp32 (f32 math) | unavailable: OpenVINO" in out
    assert "OPENVINO LOADED False" in out
