"""`workbench gui [DIR]`: open the window (Qt is imported only when this verb runs)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("gui", help="open the window (on a project folder, or the start page)")
    p.add_argument("dir", nargs="?", help="project folder to open")
    p.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from workbench.gui.app import run

    return run(args.dir)
