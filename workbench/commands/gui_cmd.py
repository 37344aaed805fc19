"""`workbench gui [DIR]`: open the window (Qt is imported only when this verb runs)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("gui", help="open the window (on a project folder, or the start page)")
    p.add_argument("dir", nargs="?", help="project folder to open")
    p.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window offscreen for a moment, report what loaded, exit (checks an installation)",
    )
    p.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    if args.smoke_test:
        from workbench.gui.smoke import smoke_test

        return smoke_test(args.dir)
    from workbench.gui.app import run

    return run(args.dir)
