"""Charts drawn with matplotlib, emitted as static SVG to inline in a self-contained page.

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


def krd_profile_chart(
    tenors: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    chart_id: str = "chart-krd",
) -> str:
    """Key rate duration profile: grouped bars per tenor (portfolio, benchmark, hedged).

    Parameters
    ----------
    tenors : sequence of str
        Key tenors along the x axis.
    series : mapping of str to sequence of float
        Series name -> KRD in years per tenor (``None`` draws no bar).
    """
    fig = _figure(11, 3.6)
    ax = fig.subplots()
    n = max(len(series), 1)
    width = 0.8 / n
    for j, (name, values) in enumerate(series.items()):
        xs = [i - 0.4 + width * (j + 0.5) for i in range(len(tenors))]
        ys = [float("nan") if v is None else float(v) for v in values]
        ax.bar(xs, ys, width=width * 0.95, label=name, color=PALETTE[j % len(PALETTE)])
    ax.set_xticks(range(len(tenors)), list(tenors))
    ax.set_ylabel("KRD (years)")
    ax.set_title("Key rate duration profile by tenor", fontsize=11, loc="left")
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.legend(fontsize=8, ncols=n, frameon=False, loc="upper left")
    _style(ax)
    desc = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{t} {format_number(float(v), 2) if v is not None else 'n/a'}"
            for t, v in zip(tenors, values, strict=True)
        )
        for name, values in series.items()
    )
    return figure_svg(fig, chart_id=chart_id, title="Key rate duration profile", desc=desc)


def scenario_pnl_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    active: Sequence[float | None] | None,
    ccy: str,
    *,
    chart_id: str = "chart-scenario-pnl",
) -> str:
    """Scenario P&L: horizontal bars per scenario (book and benchmark), and the active P&L
    (hedged book minus benchmark) beside it, gains green and losses red.

    Parameters
    ----------
    labels : sequence of str
        Scenario display names, top to bottom.
    series : mapping of str to sequence of float
        Series name -> P&L in currency per scenario.
    active : sequence of float, optional
        Hedged active P&L per scenario (``None`` entries or argument: no active panel).
    ccy : str
        Currency of the P&L axis.
    """
    show_active = active is not None and any(v is not None for v in active)
    fig = _figure(11, 0.32 * len(labels) + 1.6)
    axes = (
        fig.subplots(1, 2, sharey=True, width_ratios=[3, 1.4]) if show_active else [fig.subplots()]
    )
    ax = axes[0]
    n = max(len(series), 1)
    height = 0.8 / n
    ys = list(range(len(labels)))
    for j, (name, values) in enumerate(series.items()):
        pos = [y - 0.4 + height * (j + 0.5) for y in ys]
        vals = [float("nan") if v is None else float(v) for v in values]
        bars = ax.barh(pos, vals, height=height * 0.95, label=name, color=PALETTE[j % len(PALETTE)])
        ax.bar_label(bars, labels=[format_number(v) for v in vals], fontsize=6, padding=2)
    ax.set_yticks(ys, list(labels), fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_xlabel(f"P&L over the horizon ({ccy})")
    ax.xaxis.set_major_formatter(lambda v, _pos: format_number(v))
    ax.set_title("Scenario P&L: book and benchmark", fontsize=10, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    if show_active and active is not None:
        vals = [float("nan") if v is None else float(v) for v in active]
        colours = ["#1b7f3b" if v > 0 else "#b42318" for v in vals]
        axes[1].barh(ys, vals, height=0.6, color=colours)
        axes[1].axvline(0, color="#444444", linewidth=0.8)
        axes[1].set_xlabel(f"Active P&L, hedged − benchmark ({ccy})")
        axes[1].xaxis.set_major_formatter(lambda v, _pos: format_number(v))
        axes[1].set_title("Against the benchmark", fontsize=10, loc="left")
        _style(axes[1])
    desc = "; ".join(
        f"{lab}: " + ", ".join(f"{name} {format_number(_f(vs[i]))}" for name, vs in series.items())
        for i, lab in enumerate(labels)
    )
    return figure_svg(fig, chart_id=chart_id, title="Scenario P&L over the horizon", desc=desc)


def te_by_factor_chart(
    groups: Sequence[str],
    before: Sequence[float | None],
    after: Sequence[float | None],
    *,
    chart_id: str = "chart-te-factors",
) -> str:
    """Tracking error by factor group before and after the hedge (Euler contributions, bp/yr)."""
    fig = _figure(11, 0.4 * len(groups) + 1.4)
    ax = fig.subplots()
    ys = list(range(len(groups)))
    for j, (name, values) in enumerate((("Before hedge", before), ("After hedge", after))):
        pos = [y - 0.2 + 0.4 * j for y in ys]
        ax.barh(pos, [_f(v) for v in values], height=0.38, label=name, color=PALETTE[j])
    ax.set_yticks(ys, list(groups), fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_xlabel("Contribution to tracking error (bp/yr)")
    ax.set_title("Tracking error by factor group", fontsize=10, loc="left")
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    desc = "; ".join(
        f"{g}: before {_f(b):.1f}, after {_f(a):.1f} bp/yr"
        for g, b, a in zip(groups, before, after, strict=True)
    )
    return figure_svg(fig, chart_id=chart_id, title="Tracking error by factor group", desc=desc)


def _f(value: float | None) -> float:
    return float("nan") if value is None else float(value)
