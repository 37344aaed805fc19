"""The PyInstaller recipes (packaging/): their files agree, and the desktop build runs (slow, opt-in).

The build itself takes many minutes and gigabytes: it runs only with ``WORKBENCH_BUILD_APP=1``.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
SPECS = (PACKAGING / "desktop" / "workbench.spec", PACKAGING / "runtime" / "workbench-run.spec")


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_test_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recipe = load(PACKAGING / "desktop" / "recipe.py")
common = load(PACKAGING / "common.py")


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_spec_parses_and_its_files_exist(spec: Path) -> None:
    source = spec.read_text(encoding="utf-8")
    ast.parse(source, filename=str(spec))
    # Every file a spec joins onto its own folder (HERE) must be there.
    joined = re.findall(r'os\.path\.join\(HERE, ((?:"[^"]+", )*"[^"]+")\)', source)
    assert joined, f"{spec} references no files"
    for parts in joined:
        path = spec.parent.joinpath(*ast.literal_eval(f"({parts},)"))
        assert path.exists(), f"{spec.name} names {path}, which is missing"
    assert "common.py" in source, f"{spec.name} does not use the shared packaging/common.py"


def test_desktop_spec_bundles_resources_and_entry_point_metadata() -> None:
    source = SPECS[0].read_text(encoding="utf-8")
    assert '(os.path.join(REPO, "resources"), "resources")' in source
    assert (REPO / "resources" / "icons" / "app.svg").is_file()
    assert "copy_metadata(dist)" in source and "rthook_cpu_only.py" in source


def test_every_entry_point_plugin_is_found_with_its_source() -> None:
    plugins = recipe.plugin_modules()
    assert "workbench" in plugins[recipe.DIST_NAME]
    roots = recipe.source_roots(set().union(*plugins.values()))
    assert str(REPO) in roots
    for modules in plugins.values():
        for module in modules:
            assert any((Path(r) / module).is_dir() or (Path(r) / f"{module}.py").is_file() for r in roots)


def test_unknown_plugin_module_is_named_in_the_error() -> None:
    with pytest.raises(SystemExit, match="no_such_plugin_module"):
        recipe.source_roots({"no_such_plugin_module"})


@pytest.mark.parametrize(
    ("name", "gpu_only"),
    [
        ("nvidia/cudnn/lib/libcudnn_engines_precompiled.so.9", True),
        ("nvidia/cudnn/lib/libcudnn.so.9", False),
        ("nvidia/cu13/lib/libcusolverMg.so.12", True),
        ("nvidia/cu13/lib/libcusolver.so.12", False),
        ("torch/lib/libtorch_cuda_linalg.so", True),
        ("torch/lib/libtorch_cuda.so", False),
        ("onnxruntime/capi/libonnxruntime_providers_cuda.so", True),
        ("onnxruntime/capi/libonnxruntime_providers_shared.so", False),
        ("onnxruntime/capi/onnxruntime_providers_tensorrt.dll", True),
        ("cudnn_adv64_9.dll", True),
    ],
)
def test_cpu_only_drops_just_the_libraries_loaded_on_a_gpu(name: str, gpu_only: bool) -> None:
    assert recipe.is_gpu_only(name) is gpu_only


def test_font_and_licence_go_to_the_fonts_folder(tmp_path: Path) -> None:
    font, licence = tmp_path / "Some CJK.ttc", tmp_path / "copyright"
    font.write_bytes(b"font")
    licence.write_text("SIL OPEN FONT LICENSE Version 1.1", encoding="utf-8")
    pair = recipe.find_cjk_font(str(font), str(licence))
    assert pair == (font, licence)
    assert recipe.font_datas(pair) == [
        ("fonts/Some CJK.ttc", str(font), "DATA"),
        ("fonts/Some CJK-LICENSE.txt", str(licence), "DATA"),
    ]
    assert recipe.font_datas(None) == []


def test_font_without_licence_or_file_is_refused(tmp_path: Path) -> None:
    font = tmp_path / "a.otf"
    font.write_bytes(b"font")
    with pytest.raises(SystemExit, match="--font-license"):
        recipe.find_cjk_font(str(font), None)
    with pytest.raises(SystemExit, match=r"missing\.otf"):
        recipe.find_cjk_font(str(tmp_path / "missing.otf"), str(font))


def test_clean_env_leaves_out_this_python() -> None:
    env = common.clean_env(QT_QPA_PLATFORM="offscreen")
    assert env["QT_QPA_PLATFORM"] == "offscreen"
    assert "VIRTUAL_ENV" not in env and "PYTHONPATH" not in env
    assert str(Path(sys.executable).parent) not in env["PATH"]


def _entry(*args: str) -> subprocess.CompletedProcess[str]:
    entry = PACKAGING / "desktop" / "entry.py"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, str(entry), *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_entry_runs_the_cli_and_jobs_started_with_dash_m() -> None:
    proc = _entry("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("workbench ")
    # The GUI and the CLI start jobs as `sys.executable -m workbench.jobs SPEC`; frozen, that is entry.py.
    proc = _entry("-m", "workbench.jobs")
    assert proc.returncode != 0
    assert '"type": "error"' in proc.stdout and "usage: python -m workbench.jobs" in proc.stdout


def test_entry_refuses_dash_m_outside_the_workbench() -> None:
    proc = _entry("-m", "http.server")
    assert proc.returncode == 2  # handed to the CLI, which knows no such verb
    assert "invalid choice" in proc.stderr or "unrecognized" in proc.stderr


def test_gui_smoke_test_opens_the_window_offscreen(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    cmd = [sys.executable, "-m", "workbench.cli", "gui", "--smoke-test"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "platform: offscreen" in proc.stdout and "smoke test passed" in proc.stdout
    assert re.search(r"icons: [1-9]\d*", proc.stdout)


def test_bundled_fonts_are_found_only_when_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PySide6")
    from workbench.gui.fonts import bundled_font_dir

    assert bundled_font_dir() is None
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert bundled_font_dir() == tmp_path / "fonts"


@pytest.mark.gui
def test_register_bundled_fonts_adds_fonts_and_skips_the_rest(qapp: object, tmp_path: Path) -> None:
    from workbench.gui.fonts import register_bundled_fonts

    system_font = next(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"), None)
    if system_font is None:
        pytest.skip("no DejaVu Sans on this machine to register")
    (tmp_path / "DejaVuSans.ttf").write_bytes(system_font.read_bytes())
    (tmp_path / "DejaVuSans-LICENSE.txt").write_text("licence text", encoding="utf-8")
    (tmp_path / "broken.otf").write_bytes(b"not a font")
    assert register_bundled_fonts(tmp_path) == ["DejaVu Sans"]
    assert register_bundled_fonts(tmp_path / "missing") == []


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("WORKBENCH_BUILD_APP") != "1", reason="set WORKBENCH_BUILD_APP=1")
@pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="pyinstaller is not installed")
def test_frozen_desktop_app_runs_without_this_python(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    cmd = [sys.executable, str(PACKAGING / "desktop" / "build.py"), "--dist", str(dist), "--check-train"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    for verb in ("--version", "sample", "info", "gui --smoke-test", "train", "export"):
        assert re.search(rf"check: workbench {re.escape(verb)}\S*.*: ok", proc.stdout), verb
    folder = dist / recipe.FOLDER_NAME
    font = recipe.find_cjk_font() if recipe.wants_cjk_font() else None
    if font is not None:
        assert "bundled fonts: Noto Sans CJK" in proc.stdout
        assert list(folder.rglob(f"fonts/{font[0].stem}-LICENSE.txt"))
