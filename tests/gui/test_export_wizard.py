"""Export wizard: the bundle it makes passes `workbench-run verify`; its choices are remembered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.gui.trained_run import trained_project
from workbench.core.project import Project
from workbench.gui.export_wizard import ExportWizard
from workbench.gui.job_client import JobRegistry

JOB_TIMEOUT_MS = 180_000


def test_wizard_exports_a_verified_bundle(qtbot, tmp_path: Path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    root, run_id = trained_project(tmp_path, tmp_path_factory)
    jobs = JobRegistry()
    with Project.open(root) as project:
        wizard = ExportWizard(project, jobs)
        qtbot.addWidget(wizard)
        wizard.show()
        assert wizard.run_page.run_id() == run_id and wizard.run_page.isComplete()
        # a one-epoch run may be far below usable: the wizard then asks first (answered yes here)
        wizard.run_page.confirm_below_usable = lambda text: True  # type: ignore[method-assign]
        wizard.next()
        for box in wizard.formats_page.boxes.values():
            box.setChecked(False)  # ONNX alone keeps the test short
        assert wizard.formats_page.formats() == "onnx"
        wizard.next()
        assert wizard.target_page.device() == "cpu"
        wizard.next()  # the check page starts the export job
        check = wizard.check_page
        assert check.job is not None and not check.isComplete()
        qtbot.waitUntil(lambda: not check.job.running, timeout=JOB_TIMEOUT_MS)
        assert check.job.state == "completed", check.job.result
        assert check.isComplete()
        wizard.next()
        summary = wizard.summary_page.text.toPlainText()
        assert "onnx" in summary and "Latency on this computer" in summary and " ms" in summary
        copy = wizard.summary_page.save_copy(str(tmp_path / "line3"))
        wizard.accept()
    bundle = Path(wizard.export_result["path"])
    assert (
        bundle == root / "exports" / f"{run_id}.wbx"
        and copy is not None
        and copy.read_bytes() == bundle.read_bytes()
    )
    command = [sys.executable, "-m", "workbench.runtime", "verify", str(copy)]
    verify = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "verify passed" in verify.stdout

    with Project.open(root) as project:
        again = ExportWizard(project, jobs)  # the choices come back
        qtbot.addWidget(again)
        assert again.formats_page.formats() == "onnx"
        assert again.target_page.device() == "cpu" and again.run_page.run_id() == run_id


def test_summary_starts_with_the_checks_in_plain_words_in_the_window_language(qapp) -> None:  # type: ignore[no-untyped-def]
    from workbench.export.plain_report import ExportChecks, Int8Check
    from workbench.gui import i18n
    from workbench.gui.export_wizard import summary_lines
    from workbench.runtime.manifest import ParityRow

    row = ParityRow("openvino fp32", "fp32", 16, 2e-4, 1e-5, gate=True, passed=True)
    checks = ExportChecks((row,), 16, 64, 2, Int8Check(requested=False), 2, 1e-3)
    result = {"path": "/x/a.wbx", "variants": ["openvino_fp32"], "lines": ["openvino fp32  max|d| 2.00e-04"],
              "int8": "not requested", "golden": 2, "checks": checks.to_dict(), "latency": []}  # fmt: skip
    try:
        english = summary_lines(result)
        assert english[0].startswith("OpenVINO (FP32) gives the same verdicts") and "16 of 16" in english[0]
        assert english.index("  openvino fp32  max|d| 2.00e-04") > 2
        i18n.install_language("zh_CN")
        chinese = summary_lines(result)
        assert (
            chinese[0].startswith("OpenVINO（FP32）在 16 个测试图块中的 16 个上") and "检查通过" in chinese[0]
        )
        assert "基准图像" in chinese[1]
    finally:
        i18n.install_language("en")
