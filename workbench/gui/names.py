"""Sample names as labels show them (no Qt)."""

from __future__ import annotations

import html

BREAK_AFTER = "/\\_-."  # a long sample name may wrap after these (and at spaces, as always)
BREAK_RUN = 12  # and inside a longer run of other characters


def breakable(name: str) -> str:
    """``name`` with zero-width spaces where a wrapped label may break it: after path separators,
    ``_``, ``-``, ``.`` and after every ``BREAK_RUN`` other characters in a row. Names such as
    ``test/NG/pitting/01_200905201424_397500_315_crop_2`` otherwise run out of the side panel."""
    out, run = [], 0
    for ch in name:
        out.append(ch)
        run = 0 if ch in BREAK_AFTER else run + 1
        if run == 0 or run >= BREAK_RUN:
            out.append("\u200b")
            run = 0
    return "".join(out)


def rich(text: str) -> str:
    """``text`` for a rich-text label whose ``%1``-style fields are filled in afterwards: markup
    characters and ``%`` escaped, so a sample named ``<b>`` or ``a%2b`` shows as it is."""
    return html.escape(text).replace("%", "&#37;")
