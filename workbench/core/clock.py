"""The one clock format the project's records use."""

from __future__ import annotations

import time


def now_iso() -> str:
    """Current UTC time as an ISO-8601 string (seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
