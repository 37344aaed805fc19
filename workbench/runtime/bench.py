"""Speed of a bundle on this machine: every installed backend and precision, one table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from workbench.core.errors import WorkbenchError
from workbench.core.region_stage import CROP_BATCH
from workbench.runtime.backends import backend_installed
from workbench.runtime.bundle import Bundle
from workbench.runtime.cpu_info import CpuInfo
from workbench.runtime.inspector import Inspector

LARGE_SHAPE = (2048, 2448)  # a 5 MP camera frame (rows, columns)


@dataclass
class BenchRow:
    """Timings of one backend/precision setting."""

    setting: str
    tile_ms: float
    tile_per_s: float
    large_ms: float
    note: str = ""
    region_batch_ms: float = float("nan")  # the region classifier on CROP_BATCH crops (NaN: one stage)


def settings(bundle: Bundle) -> list[tuple[str, dict[str, object]]]:
    """(label, Inspector kwargs) for each combination this machine and bundle can run."""
    out: list[tuple[str, dict[str, object]]] = []
    if backend_installed("onnxruntime") and "onnx" in bundle.models:
        out.append(("onnxruntime fp32", {"backend": "onnxruntime"}))
    if backend_installed("openvino"):
        for precision in ("fp32", "fp16", "int8"):
            if f"openvino_{precision}" in bundle.models:
                out.append(
                    (f"openvino {precision} (f32 math)", {"backend": "openvino", "precision": precision})
                )
                out.append(
                    (
                        f"openvino {precision} (device default)",
                        {"backend": "openvino", "precision": precision, "fast": True},
                    )
                )
    return out


def time_call(fn: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times))


def bench_inspector(inspector: Inspector, repeat: int, large: tuple[int, int] = LARGE_SHAPE) -> BenchRow:
    rng = np.random.default_rng(0)
    c, t = inspector.bundle.in_channels, inspector.tiling.tile
    tile = rng.random((1, c, t, t), dtype=np.float32)
    batch = rng.random((inspector.batch, c, t, t), dtype=np.float32)
    image = (rng.random((*large, c)) * 255).astype(np.uint8)
    tile_ms = time_call(lambda: inspector.backend(tile), repeat)
    batch_ms = time_call(lambda: inspector.backend(batch), repeat)
    large_ms = time_call(lambda: inspector.inspect(image), max(1, repeat // 3))
    region_ms = float("nan")
    stage = inspector.region_stage
    if stage is not None:
        crops = rng.random((CROP_BATCH, c, stage.input_size, stage.input_size), dtype=np.float32)
        region_fn = inspector.region_fn()
        region_ms = time_call(lambda: region_fn(crops), repeat)
    row = BenchRow("", tile_ms, inspector.batch * 1000.0 / batch_ms, large_ms, inspector.describe())
    row.region_batch_ms = region_ms
    return row


def run_bench(
    bundle: Bundle, repeat: int = 10, large: tuple[int, int] = LARGE_SHAPE, device: str = "auto"
) -> list[BenchRow]:
    """Time every setting; a setting that cannot start here is listed with its reason."""
    rows = []
    for label, kwargs in settings(bundle):
        try:
            inspector = Inspector(bundle, device=device, **kwargs)  # type: ignore[arg-type]
        except WorkbenchError as exc:
            rows.append(BenchRow(label, float("nan"), float("nan"), float("nan"), f"unavailable: {exc}"))
            continue
        row = bench_inspector(inspector, repeat, large)
        row.setting = label
        rows.append(row)
    return rows


def format_rows(rows: list[BenchRow], tile: int, large: tuple[int, int], cpu: CpuInfo | None = None) -> str:
    """The table of figures; with ``cpu``, headed by the CPU line the figures belong to. A two-stage
    bundle adds a column: its region classifier's time for one batch of ``CROP_BATCH`` crops (the
    large frame's time includes the classifier only for the regions found on its random pixels)."""
    region = any(not np.isnan(r.region_batch_ms) for r in rows)
    region_head = f" {f'{CROP_BATCH} regions ms':>15}" if region else ""
    head = (
        f"{'setting':34} {'tile ' + str(tile) + ' ms':>12} {'tiles/s':>9} "
        f"{str(large[1]) + 'x' + str(large[0]) + ' ms':>14}{region_head}  backend"
    )
    lines = [cpu.summary()] if cpu is not None else []
    lines += [head, "-" * len(head)]
    for r in rows:
        cell = f" {r.region_batch_ms:15.1f}" if region else ""
        figures = f"{r.tile_ms:12.2f} {r.tile_per_s:9.1f} {r.large_ms:14.1f}{cell}"
        lines.append(f"{r.setting:34} {figures}  {r.note}")
    return "\n".join(lines)


def report_dict(rows: list[BenchRow], tile: int, large: tuple[int, int], cpu: CpuInfo) -> dict[str, Any]:
    """The figures as JSON-ready data; NaN (a setting that could not start) becomes ``None``."""

    def clean(row: BenchRow) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in asdict(row).items()}

    return {
        "cpu": cpu.to_dict(),
        "tile": tile,
        "large": {"height": large[0], "width": large[1]},
        "rows": [clean(r) for r in rows],
    }
