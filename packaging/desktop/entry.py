"""Entry point frozen by PyInstaller: the `workbench` command; with no arguments it opens the window."""

import runpy
import sys


def main() -> int:
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "-m" and args[1].startswith("workbench."):
        # Jobs start as `<sys.executable> -m workbench.jobs SPEC`; frozen, sys.executable is this program.
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return 0
    from workbench.cli import main as cli_main

    return cli_main(args or ["gui"])


if __name__ == "__main__":
    sys.exit(main())
