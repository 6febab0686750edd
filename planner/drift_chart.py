"""Waterfall chart of a duration walk (self-contained SVG, no scripts, text escaped).

Kept apart from :mod:`hedge_planner.charts` so report restyling there and this chart do not
touch the same code; it uses only that module's public helpers (ticks, number format, palette).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from hedge_planner.charts import PALETTE, format_number, nice_ticks

_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
_UP, _DOWN, _TOTAL = "#d55e00", "#009e73", PALETTE[0]


def _label(x: float, y: float, text: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="#222222">{escape(text)}</text>'
    )


def waterfall_chart(
    start: tuple[str, float],
    steps: Sequence[tuple[str, float]],
    end: tuple[str, float],
    *,
    title: str = "Duration walk",
    unit: str = "years",
    width: int = 760,
    height: int = 320,
    standalone: bool = False,
) -> str:
    """A waterfall from ``start`` through the signed ``steps`` to ``end``.

    Parameters
    ----------
    start, end
        Label and level of the first and last bars (e.g. the old and new duration, years).
    steps
        Label and signed change of each intermediate bar; each floats from the running level.
        Rises are vermilion, falls green, the two levels blue.
    title, unit
        Chart title and the unit of the axis (for the accessible description).
    standalone
        Add the ``xmlns`` attribute for a self-contained ``.svg`` file.

    Returns
    -------
    str
        The SVG markup.
    """
    levels = [start[1]]
    for _, change in steps:
        levels.append(levels[-1] + change)
    values = [v for v in [*levels, end[1]] if math.isfinite(v)]
    low, high = min(values), max(values)
    pad = (high - low) * 0.15 or abs(high) * 0.05 or 1.0
    ticks = nice_ticks(low - pad, high + pad, 5)
    y0, y1 = ticks[0], ticks[-1]
    left, right, top, bottom = 64.0, 16.0, 36.0, 64.0
    plot_h = height - top - bottom

    def ypos(v: float) -> float:
        return top + (y1 - v) / (y1 - y0) * plot_h if y1 != y0 else top + plot_h / 2

    n = len(steps) + 2
    slot = (width - left - right) / n
    bar_w = slot * 0.62
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    desc = (
        f"{start[0]} {start[1]:.4f} {unit}; "
        + "; ".join(f"{name} {change:+.4f}" for name, change in steps)
        + f"; {end[0]} {end[1]:.4f} {unit}"
    )
    out = [
        f'<svg{ns} class="chart" id="drift-waterfall" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="drift-waterfall-title drift-waterfall-desc" '
        f'style="max-width:100%;height:auto;{_FONT}">'
        f'<title id="drift-waterfall-title">{escape(title)}</title>'
        f'<desc id="drift-waterfall-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _label(width / 2, 20, title, size=14),
    ]
    for t in ticks:
        y = ypos(t)
        out.append(
            f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d9dde3"/>'
        )
        out.append(_label(left - 6, y + 4, format_number(t, 2), anchor="end"))
    bars = [(start[0], 0.0, start[1], _TOTAL)]
    for (name, change), base in zip(steps, levels[:-1], strict=True):
        bars.append((name, base, base + change, _UP if change >= 0 else _DOWN))
    bars.append((end[0], 0.0, end[1], _TOTAL))
    for i, (name, a, b, colour) in enumerate(bars):
        x = left + i * slot + (slot - bar_w) / 2
        # Level bars stand on the axis floor (the plot's lowest tick when it is above zero).
        lo, hi = (a, b) if colour != _TOTAL else (max(y0, 0.0), b)
        top_y, bot_y = ypos(max(lo, hi)), ypos(min(lo, hi))
        out.append(
            f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{bar_w:.1f}" '
            f'height="{max(bot_y - top_y, 1.0):.1f}" fill="{colour}"/>'
        )
        value = b if colour == _TOTAL else b - a
        text = f"{value:.3f}" if colour == _TOTAL else f"{value:+.3f}"
        out.append(_label(x + bar_w / 2, top_y - 4, text, size=10))
        out.append(_label(x + bar_w / 2, height - bottom + 16, name.replace("_", " "), size=10))
    out.append("</svg>")
    return "".join(out)
