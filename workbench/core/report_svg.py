"""Inline SVG charts of the evaluation report: trade-off curve, ROC and score histograms.

Plain strings, no external resources and no namespace URL (inline SVG in HTML5 needs none), so
the report opens offline in any browser.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

OK_COLOUR = "#2e7d32"
NG_COLOUR = "#c62828"
CURVE_COLOUR = "#1f5fa8"
POINT_COLOUR = "#e65100"
GRAY_COLOUR = "#9e9e9e"


@dataclass(frozen=True)
class Frame:
    """A plot area: pixel size, margins and data ranges; maps data to SVG coordinates."""

    width: int = 420
    height: int = 300
    left: int = 56
    right: int = 16
    top: int = 16
    bottom: int = 44
    x_max: float = 1.0
    y_max: float = 1.0

    def x(self, v: float) -> float:
        return self.left + (self.width - self.left - self.right) * v / self.x_max

    def y(self, v: float) -> float:
        return self.height - self.bottom - (self.height - self.top - self.bottom) * v / self.y_max


def _text(x: float, y: float, s: str, anchor: str = "middle", size: int = 11, extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" {extra}>'
        f"{html.escape(s)}</text>"
    )


def _axes(f: Frame, x_label: str, y_label: str, x_fmt: str = "{:.0%}", y_fmt: str = "{:.0%}") -> str:
    """Box, grid lines at fifths and axis labels."""
    parts = [
        f'<rect x="{f.left}" y="{f.top}" width="{f.width - f.left - f.right}" '
        f'height="{f.height - f.top - f.bottom}" fill="#fff" stroke="#888"/>'
    ]
    for i in range(6):
        xv, yv = f.x_max * i / 5, f.y_max * i / 5
        parts.append(
            f'<line x1="{f.x(xv):.1f}" y1="{f.top}" x2="{f.x(xv):.1f}" y2="{f.height - f.bottom}" '
            'stroke="#eee"/>'
        )
        parts.append(
            f'<line x1="{f.left}" y1="{f.y(yv):.1f}" x2="{f.width - f.right}" y2="{f.y(yv):.1f}" '
            'stroke="#eee"/>'
        )
        parts.append(_text(f.x(xv), f.height - f.bottom + 14, x_fmt.format(xv), size=10))
        parts.append(_text(f.left - 4, f.y(yv) + 3, y_fmt.format(yv), anchor="end", size=10))
    parts.append(_text((f.left + f.width - f.right) / 2, f.height - 8, x_label))
    mid = (f.top + f.height - f.bottom) / 2
    parts.append(_text(14, mid, y_label, extra=f'transform="rotate(-90 14 {mid:.1f})"'))
    return "".join(parts)


def _svg(f: Frame, body: str, title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {f.width} {f.height}" width="{f.width}" height="{f.height}" '
        f'role="img" aria-label="{html.escape(title)}">{body}</svg>'
    )


def _polyline(f: Frame, xs: Sequence[float], ys: Sequence[float], colour: str, extra: str = "") -> str:
    pts = " ".join(f"{f.x(x):.1f},{f.y(y):.1f}" for x, y in zip(xs, ys, strict=True))
    return f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2" {extra}/>'


def _marker(f: Frame, x: float, y: float, colour: str, radius: int = 5) -> str:
    return f'<circle cx="{f.x(x):.1f}" cy="{f.y(y):.1f}" r="{radius}" fill="{colour}" stroke="#fff"/>'


def _legend(f: Frame, entries: Sequence[tuple[str, str]]) -> str:
    """Coloured squares with labels in the top margin, left to right, wrapping to a second row."""
    out, x, y = "", float(f.left), 12
    for label, colour in entries:
        width = 16 + 5.6 * len(label)  # ~5.6 px per character at font size 10
        if x + width > f.width - f.right and x > f.left:
            x, y = float(f.left), y + 13
        out += f'<rect x="{x:.1f}" y="{y - 8}" width="9" height="9" fill="{colour}"/>'
        out += _text(x + 13, y, label, anchor="start", size=10)
        x += width + 10
    return out


def _no_data(f: Frame, title: str, why: str) -> str:
    return _svg(f, _axes(f, "", "") + _text(f.width / 2, f.height / 2, why, size=12), title)


def tradeoff_chart(
    overkill: Sequence[float] | None,
    escape: Sequence[float] | None,
    operating: tuple[float, float] | None,
    zero_escape_overkill: float | None,
) -> str:
    """Escape rate against overkill rate over every threshold, operating and zero-escape points."""
    title = "Escape vs overkill"
    if not overkill or not escape:
        return _no_data(Frame(), title, "needs both OK and NG images")
    # Zoom on the interesting corner when every point sits at low rates.
    top = max(max(escape), operating[1] if operating else 0.0)
    right = max(max(overkill), operating[0] if operating else 0.0)
    f = Frame(top=34, x_max=_nice_max(right), y_max=_nice_max(top))
    # Each threshold is one (overkill, escape) point, joined in threshold order.
    body = _axes(f, "overkill rate (OK parts rejected)", "escape rate (NG parts passed)")
    body += _polyline(f, list(overkill), list(escape), CURVE_COLOUR)
    entries = []
    if zero_escape_overkill is not None:
        body += _marker(f, zero_escape_overkill, 0.0, OK_COLOUR, 7)
        entries.append((f"zero escape: overkill {zero_escape_overkill:.1%}", OK_COLOUR))
    if operating is not None:
        body += _marker(f, operating[0], operating[1], POINT_COLOUR, 4)
        entries.append((f"current: overkill {operating[0]:.1%}, escape {operating[1]:.1%}", POINT_COLOUR))
    return _svg(f, body + _legend(f, entries), title)


def _nice_max(v: float) -> float:
    """Smallest of 5%, 10%, 20%, 50%, 100% that holds ``v`` with a little room."""
    for cap in (0.05, 0.1, 0.2, 0.5):
        if v <= cap * 0.95:
            return cap
    return 1.0


def roc_chart(fpr: Sequence[float] | None, tpr: Sequence[float] | None, auroc: float | None) -> str:
    """ROC curve (NG caught against OK rejected) with the AUROC in the corner."""
    title = "ROC"
    if not fpr or not tpr:
        return _no_data(Frame(), title, "needs both OK and NG images")
    f = Frame(top=34)
    body = _axes(f, "OK parts rejected (false positive rate)", "NG parts caught (true positive rate)")
    body += (
        f'<line x1="{f.x(0)}" y1="{f.y(0)}" x2="{f.x(1)}" y2="{f.y(1)}" stroke="{GRAY_COLOUR}" '
        'stroke-dasharray="4 4"/>'
    )
    body += _polyline(f, fpr, tpr, CURVE_COLOUR)
    if auroc is not None:
        body += _text(f.x(0.95), f.y(0.06), f"AUROC {auroc:.3f}", anchor="end", size=13,
                      extra='font-weight="bold"')  # fmt: skip
    return _svg(f, body, title)


def histogram_chart(
    ok_scores: Sequence[float],
    ng_scores: Sequence[float],
    thresholds: Sequence[float],
    gray: tuple[float, float] | None = None,
    bins: int = 25,
) -> str:
    """Image-score histograms of OK and NG parts, the NG threshold(s) and the gray zone."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    ok_h = np.histogram(np.clip(ok_scores, 0, 1), edges)[0] if len(ok_scores) else np.zeros(bins, int)
    ng_h = np.histogram(np.clip(ng_scores, 0, 1), edges)[0] if len(ng_scores) else np.zeros(bins, int)
    peak = max(int(ok_h.max()), int(ng_h.max()), 1)
    # A multiple of 5 so the five grid lines fall on whole image counts.
    f = Frame(top=34, y_max=float(5 * math.ceil(peak / 5)))
    body = _axes(f, "image score", "images", x_fmt="{:.1f}", y_fmt="{:.0f}")
    if gray is not None:
        body += (
            f'<rect x="{f.x(gray[0]):.1f}" y="{f.top}" width="{f.x(gray[1]) - f.x(gray[0]):.1f}" '
            f'height="{f.height - f.top - f.bottom}" fill="{GRAY_COLOUR}" opacity="0.25"/>'
        )
    half = (f.x(edges[1]) - f.x(edges[0])) / 2
    for i in range(bins):
        for counts, colour, shift in ((ok_h, OK_COLOUR, 0.0), (ng_h, NG_COLOUR, half)):
            if counts[i]:
                y = f.y(float(counts[i]))
                body += (
                    f'<rect x="{f.x(edges[i]) + shift:.1f}" y="{y:.1f}" width="{half:.1f}" '
                    f'height="{f.y(0) - y:.1f}" fill="{colour}" opacity="0.85"/>'
                )
    for t in sorted(set(thresholds)):
        body += (
            f'<line x1="{f.x(t):.1f}" y1="{f.top}" x2="{f.x(t):.1f}" y2="{f.y(0):.1f}" '
            f'stroke="{POINT_COLOUR}" stroke-width="2" stroke-dasharray="6 3"/>'
        )
        right = t > 0.7  # keep the label inside the plot near its right edge
        label = f"threshold {t:g}"
        colour = f'fill="{POINT_COLOUR}"'
        body += _text(
            f.x(t) + (-4 if right else 4), f.top + 12, label, "end" if right else "start", 10, colour
        )
    entries = [("OK parts", OK_COLOUR), ("NG parts", NG_COLOUR)]
    if gray is not None:
        entries.append((f"gray zone {gray[0]:g} to {gray[1]:g}", GRAY_COLOUR))
    return _svg(f, body + _legend(f, entries), "Score histogram")
