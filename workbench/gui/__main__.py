"""`python -m workbench.gui [DIR]` opens the window."""

from __future__ import annotations

import sys

from workbench.gui.app import run

sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else None))
