"""The plan report's charts as hand-written inline SVG: no plotting library at run time.

The KRD profile, the scenario P&L and tracking error by factor are bars, gridlines and text, so
they are written directly (a few milliseconds per chart, against about half a second per
chart and a second of imports for matplotlib, issue 20). The markup keeps the matplotlib
charts' contract: the same element ids, the same ``viewBox`` (11 inches wide at 72 points per
inch, so the screen and the printed pages lay out as before), ``role="img"`` with a
``<title>``/``<desc>`` pair naming every figure, text as text, every string escaped, no script
and no external reference. Each bar carries its value (``data-value``, in the chart's unit) and
a tooltip.

Conventions: a value axis always includes zero and runs over "nice" ticks
(:func:`~hedge_planner.charts.nice_ticks`); a ``None`` or non-finite value draws no bar; gains
are green and losses red in the active P&L panel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from hedge_planner.charts import PALETTE, format_number, nice_ticks

__all__ = ["krd_profile_chart", "scenario_pnl_chart", "te_by_factor_chart"]

#: Width of every chart's viewBox: 11 inches at 72 points per inch (the report's layout).
WIDTH = 792.0
_PT_PER_IN = 72.0
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
_AXIS, _GRID, _TEXT = "#444444", "#d9dde3", "#222222"
_GAIN, _LOSS = "#1b7f3b", "#b42318"


def _num(v: float) -> str:
    """A coordinate with 0.1-point precision (SVG user units)."""
    return f"{v:.1f}"


def _text_width(text: str, size: float) -> float:
    """Rough rendered width of ``text`` at font ``size`` (average sans-serif glyph 0.56 em)."""
    return 0.56 * size * len(text)


def _text(
    x: float, y: float, text: str, size: float, anchor: str = "start", extra: str = ""
) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size:g}" text-anchor="{anchor}" '
        f'fill="{_TEXT}"{extra}>{escape(text)}</text>'
    )


def _values(values: Sequence[float | None]) -> list[float]:
    """Floats with ``None`` as NaN (NaN and infinities draw nothing)."""
    return [math.nan if v is None else float(v) for v in values]


def _finite(*series: Sequence[float]) -> list[float]:
    return [v for s in series for v in s if math.isfinite(v)]


@dataclass(frozen=True)
class _Scale:
    """Linear map from data values (``lo``..``hi``) to viewBox positions (``a``..``b``)."""

    lo: float
    hi: float
    a: float
    b: float

    def __call__(self, v: float) -> float:
        return self.a + (v - self.lo) / (self.hi - self.lo) * (self.b - self.a)


def _value_ticks(values: Sequence[float], pad: float = 0.0, count: int = 5) -> list[float]:
    """Nice ticks spanning zero and the finite ``values`` (widened by ``pad`` of the span)."""
    finite = _finite(values)
    lo, hi = min([0.0, *finite]), max([0.0, *finite])
    span = hi - lo
    return nice_ticks(lo - pad * span if lo < 0 else lo, hi + pad * span if hi > 0 else hi, count)


def _open(chart_id: str, height: float, title: str, desc: str) -> str:
    cid = escape(chart_id)
    return (
        f'<svg class="chart" id="{cid}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'viewBox="0 0 {WIDTH:g} {height:g}" style="{_FONT}">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH:g}" height="{height:g}" fill="#ffffff"/>'
    )


def _legend(names: Sequence[str], colours: Sequence[str], x: float, y: float) -> str:
    """One row of swatches and names starting at ``(x, y)`` (text baseline)."""
    parts = ['<g class="legend">']
    for i, name in enumerate(names):
        parts.append(
            f'<rect x="{_num(x)}" y="{_num(y - 7)}" width="9" height="9" '
            f'fill="{colours[i % len(colours)]}"/>'
        )
        parts.append(_text(x + 12, y + 1, name, 8))
        x += 12 + _text_width(name, 8) + 14
    parts.append("</g>")
    return "".join(parts)


def _legend_width(names: Sequence[str]) -> float:
    return sum(12 + _text_width(n, 8) + 14 for n in names)


def _bar(x: float, y: float, w: float, h: float, fill: str, value: float, tip: str) -> str:
    """A bar with its value (``data-value``) and a tooltip; sizes never negative."""
    return (
        f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0.0))}" '
        f'height="{_num(max(h, 0.0))}" fill="{fill}" data-value="{value!r}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _vgrid(scale: _Scale, ticks: Sequence[float], top: float, bottom: float) -> str:
    """Vertical gridlines with tick labels below ``bottom`` (zero drawn as the axis)."""
    parts = ['<g class="grid">']
    for t in ticks:
        x = scale(t)
        colour = _AXIS if t == 0 else _GRID
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(top)}" x2="{_num(x)}" y2="{_num(bottom)}" '
            f'stroke="{colour}" stroke-width="0.8"/>'
        )
        parts.append(_text(x, bottom + 10, format_number(t), 7.5, "middle"))
    parts.append("</g>")
    return "".join(parts)


def krd_profile_chart(
    tenors: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    chart_id: str = "chart-krd",
) -> str:
    """Key rate duration profile: grouped vertical bars per tenor (portfolio, benchmark, hedged).

    Parameters
    ----------
    tenors : sequence of str
        Key tenors along the x axis.
    series : mapping of str to sequence of float
        Series name -> KRD in years per tenor (``None`` draws no bar).
    chart_id : str
        Element id of the ``<svg>`` (prefixes the title and description ids).

    Returns
    -------
    str
        Inline SVG markup (``viewBox`` 792 x 259.2 points).
    """
    names = list(series)
    data = {name: _values(series[name]) for name in names}
    height = 3.6 * _PT_PER_IN
    ticks = _value_ticks(_finite(*data.values()))
    labels = [format_number(t, 2) for t in ticks]
    left = 30 + max(_text_width(s, 7.5) for s in labels)
    top, bottom, right = 44.0, height - 24, WIDTH - 10
    y = _Scale(ticks[0], ticks[-1], bottom, top)
    desc = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{t} {format_number(v, 2) if math.isfinite(v) else 'n/a'}"
            for t, v in zip(tenors, data[name], strict=True)
        )
        for name in names
    )
    title = "Key rate duration profile by tenor"
    parts = [_open(chart_id, height, "Key rate duration profile", desc)]
    parts.append(_text(left, 16, title, 11))
    parts.append(_legend(names, PALETTE, left, 32))
    parts.append('<g class="grid">')
    for t, label in zip(ticks, labels, strict=True):
        colour = _AXIS if t == 0 else _GRID
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(y(t))}" x2="{_num(right)}" y2="{_num(y(t))}" '
            f'stroke="{colour}" stroke-width="0.8"/>'
        )
        parts.append(_text(left - 4, y(t) + 2.5, label, 7.5, "end"))
    parts.append("</g>")
    mid = (top + bottom) / 2
    parts.append(
        _text(12, mid, "KRD (years)", 8, "middle", f' transform="rotate(-90 12 {mid:.1f})"')
    )
    group = (right - left) / max(len(tenors), 1)
    bar = 0.8 * group / max(len(names), 1)
    zero = y(0.0)
    parts.append('<g class="bars">')
    for i, tenor in enumerate(tenors):
        x0 = left + i * group + 0.1 * group
        for j, name in enumerate(names):
            v = data[name][i]
            if math.isfinite(v):
                tip = f"{name}, {tenor}: {format_number(v, 2)} years"
                top_y = min(y(v), zero)
                colour = PALETTE[j % len(PALETTE)]
                parts.append(
                    _bar(x0 + j * bar, top_y, 0.95 * bar, abs(zero - y(v)), colour, v, tip)
                )
        parts.append(_text(left + (i + 0.5) * group, bottom + 12, str(tenor), 8, "middle"))
    parts.append("</g></svg>")
    return "".join(parts)


@dataclass(frozen=True)
class _Panel:
    """A horizontal-bar panel: plot box in viewBox units and its value axis."""

    left: float
    right: float
    top: float
    bottom: float
    ticks: list[float]

    @property
    def x(self) -> _Scale:
        return _Scale(self.ticks[0], self.ticks[-1], self.left, self.right)

    def row(self, i: int, n: int) -> tuple[float, float]:
        """Top and height of row ``i`` of ``n``."""
        h = (self.bottom - self.top) / max(n, 1)
        return self.top + i * h, h


def _hbars(
    panel: _Panel,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    colours: Sequence[str],
    *,
    fill: float = 0.8,
    value_labels: bool = False,
    unit: str = "",
) -> str:
    """Horizontal bars, one row per label, the series stacked within a row (top to bottom)."""
    x = panel.x
    zero = x(0.0)
    n = max(len(series), 1)
    parts = ['<g class="bars">']
    for i, label in enumerate(labels):
        row_top, row_h = panel.row(i, len(labels))
        bar_h = fill * row_h / n
        for j, (name, values) in enumerate(series.items()):
            v = values[i]
            if not math.isfinite(v):
                continue
            y0 = row_top + (1 - fill) / 2 * row_h + j * bar_h
            tip = f"{label}, {name}: {format_number(v)}{unit}"
            parts.append(
                _bar(min(x(v), zero), y0, abs(x(v) - zero), 0.95 * bar_h, colours[j], v, tip)
            )
            if value_labels:
                end, anchor = (x(v) + 2, "start") if v >= 0 else (x(v) - 2, "end")
                parts.append(_text(end, y0 + 0.95 * bar_h / 2 + 2, format_number(v), 6, anchor))
    parts.append("</g>")
    return "".join(parts)


def _panel_frame(panel: _Panel, title: str, x_label: str) -> str:
    """Gridlines, tick labels, the panel title above and the axis label below."""
    return (
        _vgrid(panel.x, panel.ticks, panel.top, panel.bottom)
        + _text(panel.left, panel.top - 8, title, 10)
        + _text((panel.left + panel.right) / 2, panel.bottom + 22, x_label, 8, "middle")
    )


#: Row labels longer than this many characters are cut with an ellipsis (full text in a tooltip
#: and in the chart's description), so a long name cannot squeeze the plot.
MAX_LABEL_CHARS = 48


def _label_width(labels: Sequence[str]) -> float:
    """Room for the row labels (at most :data:`MAX_LABEL_CHARS` characters at 8 points)."""
    return max([_text_width(s[:MAX_LABEL_CHARS], 8) for s in labels] + [20.0]) + 8


def _row_labels(panel: _Panel, labels: Sequence[str], x: float) -> str:
    parts = ['<g class="labels">']
    for i, label in enumerate(labels):
        row_top, row_h = panel.row(i, len(labels))
        y = row_top + row_h / 2 + 2.5
        if len(label) <= MAX_LABEL_CHARS:
            parts.append(_text(x, y, label, 8, "end"))
        else:
            shown = label[: MAX_LABEL_CHARS - 1] + "…"
            parts.append(
                f'<text x="{_num(x)}" y="{_num(y)}" font-size="8" text-anchor="end" '
                f'fill="{_TEXT}"><title>{escape(label)}</title>{escape(shown)}</text>'
            )
    parts.append("</g>")
    return "".join(parts)


def scenario_pnl_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    active: Sequence[float | None] | None,
    ccy: str,
    *,
    chart_id: str = "chart-scenario-pnl",
) -> str:
    """Scenario P&L: horizontal bars per scenario (book and benchmark, labelled with their
    values), and the active P&L (hedged book minus benchmark) beside it, gains green and
    losses red.

    Parameters
    ----------
    labels : sequence of str
        Scenario display names, top to bottom.
    series : mapping of str to sequence of float
        Series name -> P&L in currency per scenario.
    active : sequence of float, optional
        Hedged active P&L per scenario (``None`` entries or argument: no active panel).
    ccy : str
        Currency of the P&L axes.
    chart_id : str
        Element id of the ``<svg>``.

    Returns
    -------
    str
        Inline SVG markup (``viewBox`` 792 points wide, 0.32 in per scenario plus 1.6 in high).
    """
    data = {name: _values(values) for name, values in series.items()}
    act = _values(active) if active is not None else []
    show_active = bool(_finite(act))
    height = (0.32 * len(labels) + 1.6) * _PT_PER_IN
    label_w = _label_width(labels)
    top, bottom, right = 40.0, height - 34, WIDTH - 12
    split = label_w + (right - label_w) * 3 / 4.4 if show_active else right
    # Bar-end labels need room beyond the longest bar: the axis is widened by 12% of the span.
    ticks = _value_ticks(_finite(*data.values()), 0.12)
    main = _Panel(label_w, split - (24 if show_active else 0), top, bottom, ticks)
    desc = "; ".join(
        f"{lab}: " + ", ".join(f"{name} {format_number(vs[i])}" for name, vs in data.items())
        for i, lab in enumerate(labels)
    )
    parts = [_open(chart_id, height, "Scenario P&L over the horizon", desc)]
    parts.append(
        _panel_frame(main, "Scenario P&L: book and benchmark", f"P&L over the horizon ({ccy})")
    )
    parts.append(_legend(list(data), PALETTE, main.right - _legend_width(list(data)), 14))
    parts.append(_row_labels(main, labels, main.left - 4))
    parts.append(_hbars(main, labels, data, PALETTE, value_labels=True, unit=f" {ccy}"))
    if show_active:
        side = _Panel(split + 24, right, top, bottom, _value_ticks(_finite(act), 0.05))
        x, zero = side.x, side.x(0.0)
        parts.append(
            _panel_frame(side, "Against the benchmark", f"Active P&L, hedged − benchmark ({ccy})")
        )
        parts.append('<g class="bars">')
        for i, (label, v) in enumerate(zip(labels, act, strict=True)):
            if not math.isfinite(v):
                continue
            row_top, row_h = side.row(i, len(labels))
            colour = _GAIN if v > 0 else _LOSS
            tip = f"{label}, active: {format_number(v)} {ccy}"
            parts.append(
                _bar(
                    min(x(v), zero),
                    row_top + 0.2 * row_h,
                    abs(x(v) - zero),
                    0.6 * row_h,
                    colour,
                    v,
                    tip,
                )
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def te_by_factor_chart(
    groups: Sequence[str],
    before: Sequence[float | None],
    after: Sequence[float | None],
    *,
    chart_id: str = "chart-te-factors",
) -> str:
    """Tracking error by factor group before and after the hedge (Euler contributions, bp/yr).

    Parameters
    ----------
    groups : sequence of str
        Factor group display names, top to bottom.
    before, after : sequence of float
        Contribution of each group to tracking error before and after the hedge, bp/yr.
    chart_id : str
        Element id of the ``<svg>``.

    Returns
    -------
    str
        Inline SVG markup (``viewBox`` 792 points wide, 0.4 in per group plus 1.4 in high).
    """
    data = {"Before hedge": _values(before), "After hedge": _values(after)}
    for name, values in data.items():
        if len(values) != len(groups):
            raise ValueError(f"{name}: {len(values)} values for {len(groups)} groups")
    height = (0.4 * len(groups) + 1.4) * _PT_PER_IN
    label_w = _label_width(groups)
    panel = _Panel(
        label_w, WIDTH - 12, 40.0, height - 34, _value_ticks(_finite(*data.values()), 0.02)
    )
    desc = "; ".join(
        f"{g}: before {b:.1f}, after {a:.1f} bp/yr"
        for g, b, a in zip(groups, data["Before hedge"], data["After hedge"], strict=True)
    )
    parts = [_open(chart_id, height, "Tracking error by factor group", desc)]
    parts.append(
        _panel_frame(
            panel, "Tracking error by factor group", "Contribution to tracking error (bp/yr)"
        )
    )
    parts.append(_legend(list(data), PALETTE, panel.right - _legend_width(list(data)), 14))
    parts.append(_row_labels(panel, groups, panel.left - 4))
    parts.append(_hbars(panel, groups, data, PALETTE, unit=" bp/yr"))
    parts.append("</svg>")
    return "".join(parts)
