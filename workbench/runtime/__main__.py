"""`python -m workbench.runtime` is `workbench-run`."""

from __future__ import annotations

import sys

from workbench.runtime.cli import main

sys.exit(main())
