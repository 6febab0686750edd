"""Charts drawn with matplotlib, emitted as static SVG to inline in a self-contained page.

Used by the what-if frontier of ``sweep`` (lines, annotations, two panels); the plan report's
bar charts are written directly as SVG (:mod:`hedge_planner.svg_charts`), which is far faster.

matplotlib's SVG is made inline-ready: the XML declaration, DOCTYPE and RDF metadata (which
name external URLs) are removed, text stays text (``svg.fonttype = none``: searchable,
selectable, scales with the page), element ids are made unique per chart (``svg.hashsalt``),
and an accessible ``role="img"`` with ``<title>``/``<desc>`` is added. The figure never touches
pyplot's global state (a bare :class:`~matplotlib.figure.Figure`), so rendering is thread-safe.
matplotlib is imported when a chart is drawn, not when the CLI starts (it costs about a second).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from hedge_planner.charts import PALETTE, format_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_svg", "frontier_chart", "plain"]

_STRIP = (
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*", re.S),
    re.compile(r"<metadata>.*?</metadata>\s*", re.S),
    re.compile(r"<!--.*?-->\s*", re.S),
    # The page has one stylesheet; matplotlib's only rule is a line-join default.
    re.compile(r"<defs>\s*<style[^>]*>.*?</style>\s*</defs>\s*", re.S),
    # Clip paths only trim drawing to the axes (the data lie inside); dropping them keeps the
    # markup free of url(...) references.
    re.compile(r'\s+clip-path="[^"]*"'),
    re.compile(r"<clipPath\b.*?</clipPath>\s*", re.S),
)


def plain(value: float) -> str:
    """A number in plain positional notation (``1450000``, ``0.05``), never ``1e+06``."""
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def figure_svg(fig: Figure, *, chart_id: str, title: str, desc: str) -> str:
    """The figure as inline SVG markup (no XML prologue, no external reference).

    Parameters
    ----------
    fig : Figure
        The figure to render.
    chart_id : str
        Element id of the ``<svg>``; also salts matplotlib's internal ids so two charts on one
        page never share an id.
    title, desc : str
        Accessible name and description (escaped here).
    """
    import matplotlib as mpl  # lazy: see the module docstring

    buf = io.StringIO()
    with mpl.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": chart_id, "svg.image_inline": True}
    ):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    text = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", text)
    # matplotlib numbers its groups figure_1, axes_1...: prefix every id (and the references to
    # it) with the chart id so charts on one page never share one.
    for old in set(re.findall(r'\sid="([^"]+)"', text)):
        new = f"{chart_id}-{old}"
        text = text.replace(f'id="{old}"', f'id="{new}"').replace(f'"#{old}"', f'"#{new}"')
    text = re.sub(r'\s+version="1\.1"', "", text, count=1)
    head = (
        f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc"'
    )
    text = text.replace("<svg", head, 1)
    text = re.sub(
        r"(<svg\b[^>]*>)",
        lambda m: (
            m.group(1)
            + f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
            + f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        ),
        text,
        count=1,
    )
    # Width/height in pt become a viewBox-scaled element that fits the page.
    text = re.sub(r'(<svg\b[^>]*?)\swidth="[^"]*"\s+height="[^"]*"', r"\1", text, count=1)
    return text.strip()


def _figure(width: float, height: float) -> Figure:
    """A bare figure (no pyplot), laid out with the constrained layout engine."""
    from matplotlib.figure import Figure  # lazy: see the module docstring

    return Figure(figsize=(width, height), layout="constrained")


def _style(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, color="#d9dde3", linewidth=0.8)
    ax.set_axisbelow(True)


def frontier_chart(
    points: Sequence[Mapping[str, Any]],
    param: str,
    param_label: str,
    ccy: str,
    *,
    chart_id: str = "chart-frontier",
) -> str:
    """What-if frontier: tracking error against cash cost along a parameter sweep, and the
    trades along the path.

    Parameters
    ----------
    points : sequence of mappings
        Sweep points in parameter order, each with ``param``, ``status``, ``cost`` (currency),
        ``tracking_error_bp`` (bp/yr) and ``trades`` (instrument -> signed quantity).
    param : str
        Key of the swept parameter in each point.
    param_label : str
        Display name of the parameter with its unit.
    ccy : str
        Currency of the cost axis.

    Returns
    -------
    str
        Inline SVG (see :func:`figure_svg`); points without a solution are left out.
    """
    solved = [
        p
        for p in points
        if isinstance(p.get("cost"), int | float)
        and isinstance(p.get("tracking_error_bp"), int | float)
        and math.isfinite(p["cost"])
    ]
    fig = _figure(11, 4.2)
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
    xs = [float(p["cost"]) for p in solved]
    ys = [float(p["tracking_error_bp"]) for p in solved]
    left.plot(xs, ys, "-o", color=PALETTE[0], markersize=5, linewidth=1.5)
    for p, x, y in zip(solved, xs, ys, strict=True):
        left.annotate(
            plain(p[param]), (x, y), textcoords="offset points", xytext=(5, 5), fontsize=8
        )
    left.set_xlabel(f"Hedge cash cost over the horizon ({ccy})")
    left.set_ylabel("Tracking error after the hedge (bp/yr)")
    left.set_title(f"Frontier: labels are {param_label}", fontsize=10, loc="left")
    left.xaxis.set_major_formatter(lambda v, _pos: format_number(v))
    _style(left)
    instruments: list[str] = []
    for p in solved:
        instruments += [k for k in p.get("trades", {}) if k not in instruments]
    values = [float(p[param]) for p in solved]
    for i, name in enumerate(instruments):
        qty = [float(p.get("trades", {}).get(name, 0.0)) for p in solved]
        right.plot(values, qty, "-", marker=".", color=PALETTE[i % len(PALETTE)], label=name)
    right.set_xlabel(param_label)
    right.set_ylabel("Trade (contracts or notional, signed)")
    right.set_title("Trades along the path", fontsize=10, loc="left")
    right.yaxis.set_major_formatter(lambda v, _pos: format_number(v))
    if instruments:
        right.legend(fontsize=7, ncols=2, frameon=False)
    _style(right)
    desc = "; ".join(
        f"{param_label} {plain(p[param])}: cost {format_number(x)} {ccy}, TE {y:.1f} bp/yr"
        for p, x, y in zip(solved, xs, ys, strict=True)
    )
    return figure_svg(fig, chart_id=chart_id, title="What-if frontier", desc=desc)
