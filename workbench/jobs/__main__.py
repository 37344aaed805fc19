"""``python -m workbench.jobs SPEC.json``: run one job in this process (see runner.py)."""

from __future__ import annotations

import sys

from workbench.jobs.runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
