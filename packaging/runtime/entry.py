"""Entry point frozen by PyInstaller: the `workbench-run` command."""

import sys

from workbench.runtime.cli import main

if __name__ == "__main__":
    sys.exit(main())
