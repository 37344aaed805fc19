"""`bootstrap.py start` names the apt packages of missing xcb libraries instead of Qt aborting (item 17)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BOOTSTRAP = Path(__file__).resolve().parents[1] / "packaging" / "bootstrap.py"


def _bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap_under_test", BOOTSTRAP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_start_names_the_missing_packages_and_does_not_start(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    boot = _bootstrap()
    gone = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    monkeypatch.setattr(boot, "_loads", lambda soname: soname not in gone)
    monkeypatch.setattr(boot.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WORKBENCH_SKIP_LIB_CHECK", raising=False)
    started: list[object] = []
    monkeypatch.setattr(boot, "ensure_env", lambda: started.append("env"))
    monkeypatch.setattr(boot.subprocess, "call", lambda *a, **k: started.append(a) or 0)
    assert boot.start([]) == 1 and not started
    out = capsys.readouterr().out
    assert "apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in out
    # every library present: no word, and the window starts
    monkeypatch.setattr(boot, "_loads", lambda soname: True)
    monkeypatch.setattr(boot, "ensure_sample", lambda: None)
    assert boot.start([]) == 0 and started[0] == "env"
    assert "needs system libraries" not in capsys.readouterr().out


def test_no_check_for_other_platforms_and_the_real_loader(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    boot = _bootstrap()
    assert not boot._loads("libdoes-not-exist-workbench.so.9")
    if sys.platform.startswith("linux"):
        assert boot._loads("libc.so.6")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(boot, "_loads", lambda soname: False)
    assert boot.missing_xcb_packages() == []
