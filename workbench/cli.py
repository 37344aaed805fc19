"""`workbench <verb>`: the command line. Each verb lives in ``workbench.commands.<module>``.

A verb module defines ``register(subparsers)`` which adds its parser(s) and sets ``func``;
heavy imports (torch, Qt) happen inside the verb's function, never at module level.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from workbench import __version__

VERB_MODULES = (
    "workbench.commands.project_cmds",
    "workbench.commands.sample_cmd",
    "workbench.commands.data_cmds",
    "workbench.commands.agreement_cmd",
    "workbench.commands.split_cmd",
    "workbench.commands.learn_cmds",
    "workbench.commands.check_cmd",
    "workbench.commands.eval_cmds",
    "workbench.commands.export_cmds",
    "workbench.commands.gui_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Defect Workbench: build, check and ship visual defect-inspection models.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in VERB_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from workbench.runtime.cli import dispatch

    return dispatch(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
