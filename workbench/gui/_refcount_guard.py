"""Keep None, True and False alive under PySide6 builds that over-release them.

PySide6 6.12.0 on CPython 3.11 drops one reference to ``None`` for every call of a Qt method
that returns nothing, and one to ``True`` per ``bool`` signal emitted; after a few thousand
calls CPython aborts with "deallocating None". CPython 3.12 made these objects immortal (PEP
683), which hides the bug there. On older interpreters we give them the same effectively
unbounded reference count once, at import, before any Qt call is made.
"""

from __future__ import annotations

import ctypes
import sys

# Large enough never to reach zero in a session, far from overflowing Py_ssize_t.
_PINNED_REFS = 1 << 40


def pin_singletons() -> bool:
    """Give None/True/False a huge reference count on CPython < 3.12; returns whether it did."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    from importlib.metadata import PackageNotFoundError, version

    try:
        affected = version("PySide6_Essentials") == "6.12.0"
    except PackageNotFoundError:
        affected = False
    if not affected:  # pyproject excludes 6.12.0; this guards environments installed by hand
        return False
    for obj in (None, True, False):
        # ob_refcnt is the first field of every PyObject on CPython 3.11 and older.
        refcnt = ctypes.c_ssize_t.from_address(id(obj))
        if refcnt.value < _PINNED_REFS:
            refcnt.value += _PINNED_REFS
    return True
