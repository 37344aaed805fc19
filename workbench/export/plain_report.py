"""The export report in plain words: one sentence per check, in English or Chinese, before the details.

The CLI prints the sentences in the language of its environment, the export wizard in the window's
language, and the report file written beside the bundle holds both. The numbers come from
``ExportChecks``, which the export job also returns, so every front end words the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.runtime.manifest import ParityRow
from workbench.runtime.words import language_from_env as language_from_env  # the CLI's language

LANGUAGES = ("en", "zh_CN")

# How each measured variant is named in a sentence (product names stay in Latin letters).
_NAMES = {
    "onnxruntime fp32": ("ONNX Runtime (FP32)", "ONNX Runtime（FP32）"),
    "openvino fp32": ("OpenVINO (FP32)", "OpenVINO（FP32）"),
    "openvino fp16": ("OpenVINO half precision (FP16)", "OpenVINO 半精度（FP16）"),
    "openvino int8": ("OpenVINO 8-bit (INT8)", "OpenVINO 8 位（INT8）"),
    "openvino fp32 (device default)": (
        "OpenVINO (FP32) with the device's default settings",
        "OpenVINO（FP32，设备默认设置）",
    ),
}


def _zh(language: str) -> bool:
    return language.lower().startswith("zh")


def _number(value: float) -> str:
    """A score difference as a person reads it: 0.0004, not 4.00e-04."""
    if value == 0:
        return "0"
    return f"{value:.2g}" if value < 1e-4 else f"{value:.4f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Int8Check:
    """Whether the INT8 model was kept: how its accuracy (or agreement) on the tiles changed."""

    requested: bool
    kept: bool = False
    by_accuracy: bool = True  # False: measured as agreement with the trained model
    change: float = 0.0  # percentage points; negative = worse than the trained model
    tolerance: float = 2.0  # the largest drop allowed, percentage points

    def text(self) -> str:
        """The technical line the manifest and the details keep."""
        if not self.requested:
            return "not requested"
        what = "validation accuracy" if self.by_accuracy else "agreement with torch"
        tol = f"tolerance {self.tolerance:.1f}"
        if not self.kept:
            return f"REJECTED: {what} drops by {-self.change:.1f} points ({tol}); kept FP32"
        return f"kept ({what} change {self.change:+.1f} points, {tol})"

    def sentence(self, language: str) -> str:
        change, tol = f"{self.change:+.1f}", f"{self.tolerance:.1f}"
        if _zh(language):
            what = "准确率" if self.by_accuracy else "与训练模型的一致率"
            if self.kept:
                return (f"8 位（INT8）模型已保留：它在测试图块上的{what}变化 {change} 个百分点"
                        f"（最多允许下降 {tol}）。")  # fmt: skip
            return (f"8 位（INT8）模型未保留：它在测试图块上的{what}下降 {-self.change:.1f} 个百分点"
                    f"（最多允许 {tol}），部署包改用全精度模型。")  # fmt: skip
        what = "accuracy" if self.by_accuracy else "agreement with the trained model"
        if self.kept:
            return (f"The 8-bit (INT8) model was kept: its {what} on the test tiles changed by {change} "
                    f"points (a drop of up to {tol} is allowed).")  # fmt: skip
        return (f"The 8-bit (INT8) model was left out: its {what} on the test tiles drops by "
                f"{-self.change:.1f} points (at most {tol} allowed), so the bundle uses the full-precision "
                "model.")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"requested": self.requested, "kept": self.kept, "by_accuracy": self.by_accuracy,
                "change": self.change, "tolerance": self.tolerance}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Int8Check:
        return cls(bool(data["requested"]), bool(data["kept"]), bool(data["by_accuracy"]),
                   float(data["change"]), float(data["tolerance"]))  # fmt: skip


def row_sentence(row: ParityRow, tolerance: float, language: str) -> str:
    """One variant against the trained model, on the parity tiles, in plain words."""
    n, border = row.images, len(row.borderline_changes)
    same = n - len(row.decisions_changed) - len(row.defect_counts_changed) - border
    names = _NAMES.get(row.variant, (row.variant, row.variant))
    diff, tol = _number(row.max_abs_diff), _number(tolerance)
    if _zh(language):
        extra = f"（另有 {border} 个正好处在阈值上，判为哪一边都算对）" if border else ""
        gap = "" if names[1].endswith("）") else " "
        head = f"{names[1]}{gap}在 {n} 个测试图块中的 {same} 个上与训练模型的判定和缺陷数相同{extra}；"
        if not row.gate:
            return head + f"分数最多相差 {diff}，仅供参考。"
        return (
            head
            + f"分数最多相差 {diff}（允许 {tol}），"
            + ("检查通过。" if row.passed else "检查未通过，不写出部署包。")
        )
    extra = f" ({border} more lie on a threshold, where either verdict is right)" if border else ""
    head = (f"{names[0]} gives the same verdicts and defect counts as the trained model on {same} of {n} "
            f"test tiles{extra}; its scores differ by at most {diff}")  # fmt: skip
    if not row.gate:
        return head + " (for information)."
    return (
        head + f" ({tol} allowed), so it " + ("passes." if row.passed else "fails and no bundle is written.")
    )


def region_sentence(row: ParityRow, tolerance: float, language: str) -> str:
    """The region classifier on one backend against the trained one, on the golden images' crops."""
    backend = row.variant.split()[0]
    name = {"onnxruntime": "ONNX Runtime", "openvino": "OpenVINO"}.get(backend, backend)
    diff, tol = _number(row.max_abs_diff), _number(tolerance)
    if _zh(language):
        verdict = "检查通过。" if row.passed else "检查未通过，不写出部署包。"
        return (f"区域分类器（FP32）在 {name} 上对基准图像中 {row.images} 个区域裁剪图给出的概率与训练模型"
                f"最多相差 {diff}（允许 {tol}），{verdict}")  # fmt: skip
    verdict = "passes." if row.passed else "fails and no bundle is written."
    return (f"The region classifier (FP32) on {name} gives the trained classifier's probabilities on "
            f"{row.images} region crops of the golden images within {diff} ({tol} allowed), "
            f"so it {verdict}")  # fmt: skip


def golden_sentence(count: int, language: str) -> str:
    if _zh(language):
        return (f"部署包内存有 {count} 张完整的基准图像及训练模型对它们的判定；在工控机上运行 "
                "`workbench-run verify` 即可核对。")  # fmt: skip
    return (f"The bundle holds {count} whole golden images with the verdicts the trained model gave them; "
            "`workbench-run verify` checks them on the industrial PC.")  # fmt: skip


@dataclass(frozen=True)
class ExportChecks:
    """What the export checked, as numbers: each variant on the tiles, INT8, golden images."""

    variants: tuple[ParityRow, ...]
    tiles: int
    tile_size: int  # the largest side of a parity tile, pixels
    images: int  # golden images the tiles were cut from
    int8: Int8Check
    golden: int
    fp32_tolerance: float
    region: tuple[ParityRow, ...] = ()  # the region classifier per backend (a two-stage run)

    def sentences(self, language: str) -> list[str]:
        """One plain sentence per check, in ``language`` ("en" or "zh_CN")."""
        out = [row_sentence(row, self.fp32_tolerance, language) for row in self.variants]
        out += [region_sentence(row, self.fp32_tolerance, language) for row in self.region]
        if self.int8.requested:
            out.append(self.int8.sentence(language))
        out.append(golden_sentence(self.golden, language))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"variants": [r.to_dict() for r in self.variants], "tiles": self.tiles,
                "tile_size": self.tile_size, "images": self.images, "int8": self.int8.to_dict(),
                "golden": self.golden, "fp32_tolerance": self.fp32_tolerance,
                "region": [r.to_dict() for r in self.region]}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExportChecks:
        return cls(tuple(ParityRow.from_dict(r) for r in data["variants"]), int(data["tiles"]),
                   int(data["tile_size"]), int(data["images"]), Int8Check.from_dict(data["int8"]),
                   int(data["golden"]), float(data["fp32_tolerance"]),
                   tuple(ParityRow.from_dict(r) for r in data.get("region", [])))  # fmt: skip
