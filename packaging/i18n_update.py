#!/usr/bin/env python3
"""Refresh the translation files from the code, then compile them.

    python packaging/i18n_update.py            # workbench/gui -> resources/i18n/*.ts, then -> .qm
    python packaging/i18n_update.py --release  # only compile the .ts files (after editing them)

Besides self.tr(), QCoreApplication.translate() and QT_TRANSLATE_NOOP() (N_), which lupdate finds
itself, calls of a module's one-line helper such as
``def _t(text): return QCoreApplication.translate("TrainPage", text)`` are found here and handed
to lupdate, so such helpers need no special care. New strings appear in the .ts as unfinished;
translate them (Qt Linguist, `pyside6-linguist`, or any text editor), then run this again. Uses
pyside6-lupdate / pyside6-lrelease from the same environment as this Python.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "workbench" / "gui"
I18N = REPO / "resources" / "i18n"
LANGUAGES = ("zh_CN",)


def tool(name: str) -> str:
    """Path of a PySide6 tool next to the running Python (or on PATH)."""
    here = Path(sys.executable).parent / name
    for candidate in (here, here.with_suffix(".exe")):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found; install PySide6 in this environment")
    return found


def _helper_context(func: ast.FunctionDef, constants: dict[str, str]) -> str | None:
    """The context of ``def f(text): return QCoreApplication.translate(CONTEXT, text)``, else None."""
    if len(func.args.args) != 1 or len(func.body) != 1 or not isinstance(func.body[0], ast.Return):
        return None
    call = func.body[0].value
    if not (
        isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "translate"
    ):
        return None
    if (
        len(call.args) != 2
        or not isinstance(call.args[1], ast.Name)
        or call.args[1].id != func.args.args[0].arg
    ):
        return None
    context = call.args[0]
    if isinstance(context, ast.Constant) and isinstance(context.value, str):
        return context.value
    return constants.get(context.id) if isinstance(context, ast.Name) else None


def helper_messages(path: Path) -> list[tuple[str, str]]:
    """(context, source) of every literal passed to a translate helper of the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }  # fmt: skip
    helpers = {
        node.name: context
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and (context := _helper_context(node, constants)) is not None
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers):
            continue
        if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.append((helpers[node.func.id], node.args[0].value))
    return found


def update(code: str) -> Path:
    """Add new source strings of workbench/gui to the .ts of ``code``; drop ones no longer used."""
    ts = I18N / f"workbench_{code}.ts"
    files = sorted(SOURCES.rglob("*.py"))
    with tempfile.TemporaryDirectory() as tmp:
        extra = Path(tmp) / "helper_strings.py"
        lines = [f"QCoreApplication.translate({c!r}, {s!r})" for f in files for c, s in helper_messages(f)]
        extra.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none", "-target-language", code,
               "-tr-function-alias", "QT_TRANSLATE_NOOP+=N_", *map(str, files), str(extra),
               "-ts", str(ts)]  # fmt: skip
        subprocess.run(cmd, check=True, cwd=REPO)
    return ts


def release(ts: Path, qm: Path | None = None) -> Path:
    """Compile ``ts`` to ``qm`` (default: beside it)."""
    qm = qm or ts.with_suffix(".qm")
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True, cwd=REPO)
    return qm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--release", action="store_true", help="only compile; do not rescan the code")
    args = parser.parse_args(argv)
    I18N.mkdir(parents=True, exist_ok=True)
    for code in LANGUAGES:
        ts = I18N / f"workbench_{code}.ts" if args.release else update(code)
        print(release(ts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
