"""Small dependency-free SVG chart builders for the HTML report.

Every builder returns an SVG document as a string: no scripts, no external references, text
escaped, an accessible ``<title>``/``<desc>`` pair and ``role="img"``. By default the markup
omits the ``xmlns`` attribute because it is meant to be inlined in HTML (the HTML parser places
``<svg>`` in the SVG namespace itself); pass ``standalone=True`` for a self-contained ``.svg`` file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape

__all__ = [
    "PALETTE",
    "diverging_bar_chart",
    "format_number",
    "grouped_bar_chart",
    "nice_ticks",
]

#: Colour-blind-safe series colours (Okabe-Ito derived), in series order.
PALETTE: tuple[str, ...] = (
    "#1f5a96",  # blue
    "#e69f00",  # orange
    "#009e73",  # green
    "#cc79a7",  # purple
    "#56b4e9",  # sky
    "#d55e00",  # vermilion
)

_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
_AXIS = "#444444"
_GRID = "#d9dde3"
_TEXT = "#222222"

Formatter = Callable[[float], str]


def format_number(value: float, digits: int = 1) -> str:
    """Format a number compactly for chart labels.

    Parameters
    ----------
    value : float
        The number.
    digits : int, default 1
        Decimals kept after scaling.

    Returns
    -------
    str
        ``"-1.2m"``, ``"350k"``, ``"2.5bn"`` for large magnitudes; small magnitudes keep up to
        ``digits`` (or, below 1, ``digits + 1``) decimals with trailing zeros stripped;
        ``"n/a"`` for NaN or infinity.

    Examples
    --------
    >>> format_number(-1_234_567)
    '-1.2m'
    >>> format_number(0.25)
    '0.25'
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if magnitude >= scale:
            return _strip(f"{value / scale:.{digits}f}") + suffix
    if magnitude == 0:
        return "0"
    places = digits if magnitude >= 1 else digits + 1
    text = _strip(f"{value:.{places}f}")
    if text in ("0", "-0"):
        return f"{value:.2g}"
    return text


def _strip(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values spanning ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Data range; swapped if given in the wrong order, widened if empty.
    count : int, default 5
        Approximate number of intervals.

    Returns
    -------
    list of float
        Evenly spaced ticks with a step of 1, 2, 2.5 or 5 times a power of ten; the first tick is
        at or below ``low`` and the last at or above ``high``.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if low > high:
        low, high = high, low
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    start = math.floor(low / step + 1e-9) * step
    stop = math.ceil(high / step - 1e-9) * step
    n = round((stop - start) / step)
    return [round(start + i * step, 12) for i in range(n + 1)]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "chart"


def _svg_open(
    width: int, height: int, chart_id: str, title: str, desc: str, standalone: bool
) -> str:
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    return (
        f'<svg{ns} class="chart" id="{escape(chart_id)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'style="max-width:100%;height:auto;{_FONT}">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    size: int = 12,
    weight: str = "normal",
    fill: str = _TEXT,
    extra: str = "",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{fill}"{extra}>{escape(text)}</text>'
    )


def _legend(names: Sequence[str], x: float, y: float, colours: Sequence[str]) -> str:
    parts = ['<g class="legend">']
    cursor = x
    for i, name in enumerate(names):
        parts.append(
            f'<rect x="{cursor:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" '
            f'fill="{colours[i % len(colours)]}"/>'
        )
        parts.append(_text(cursor + 17, y, name, anchor="start", size=12))
        cursor += 17 + 7.0 * len(name) + 22
    parts.append("</g>")
    return "".join(parts)


def _clean(values: Sequence[float | None]) -> list[float]:
    out = []
    for v in values:
        try:
            f = float(v) if v is not None else math.nan
        except (TypeError, ValueError):
            f = math.nan
        out.append(f)
    return out


def grouped_bar_chart(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    y_label: str = "",
    width: int = 760,
    height: int = 340,
    value_format: Formatter = format_number,
    chart_id: str | None = None,
    colours: Sequence[str] = PALETTE,
    standalone: bool = False,
) -> str:
    """Vertical grouped bar chart (categories along x, one bar per series in each group).

    Parameters
    ----------
    categories : sequence of str
        Group labels along the x axis, e.g. key tenors.
    series : mapping of str to sequence of float
        Series name to one value per category; ``None``/NaN values draw no bar.
    title : str
        Chart title, drawn on top and used as the accessible ``<title>``.
    y_label : str, optional
        Y-axis label including the unit, e.g. ``"KRD (years)"``.
    width, height : int
        Size in CSS pixels (the chart scales down with the page).
    value_format : callable, default :func:`format_number`
        Formats axis tick labels.
    chart_id : str, optional
        Element id (also prefixes the title/desc ids); defaults to a slug of the title.
    colours : sequence of str
        Series colours, cycled.
    standalone : bool, default False
        Add the SVG namespace so the string is a valid stand-alone ``.svg`` file.

    Returns
    -------
    str
        SVG markup.
    """
    chart_id = chart_id or _slug(title)
    names = list(series)
    data = {name: _clean(series[name]) for name in names}
    for name, values in data.items():
        if len(values) != len(categories):
            raise ValueError(
                f"series {name!r} has {len(values)} values for {len(categories)} categories"
            )
    finite = [v for vs in data.values() for v in vs if math.isfinite(v)]
    low = min([0.0, *finite])
    high = max([0.0, *finite])
    ticks = nice_ticks(low, high, 5)
    y_min, y_max = ticks[0], ticks[-1]

    left, right, top, bottom = 64, 16, 58, 46
    plot_w = width - left - right
    plot_h = height - top - bottom

    def y_of(v: float) -> float:
        return top + plot_h * (y_max - v) / (y_max - y_min)

    desc = "; ".join(
        f"{name}: "
        + ", ".join(f"{c} {value_format(v)}" for c, v in zip(categories, data[name], strict=True))
        for name in names
    )
    parts = [_svg_open(width, height, chart_id, title, desc, standalone)]
    parts.append(_text(left, 22, title, anchor="start", size=15, weight="600"))
    parts.append(_legend(names, left, 44, colours))
    # grid and y tick labels
    parts.append('<g class="grid">')
    for t in ticks:
        y = y_of(t)
        colour = _AXIS if t == 0 else _GRID
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, value_format(t), anchor="end", size=11))
    parts.append("</g>")
    if y_label:
        cy = top + plot_h / 2
        parts.append(_text(16, cy, y_label, size=12, extra=f' transform="rotate(-90 16 {cy:.1f})"'))
    # bars
    n_cat = max(len(categories), 1)
    group_w = plot_w / n_cat
    bar_w = group_w * 0.8 / max(len(names), 1)
    zero = y_of(0.0)
    parts.append('<g class="bars">')
    for i, cat in enumerate(categories):
        x0 = left + i * group_w + group_w * 0.1
        for j, name in enumerate(names):
            v = data[name][i]
            if not math.isfinite(v):
                continue
            y = y_of(v)
            top_y, h = (y, zero - y) if v >= 0 else (zero, y - zero)
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{top_y:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                f'height="{max(h, 0.0):.1f}" fill="{colours[j % len(colours)]}">'
                f"<title>{escape(f'{name}, {cat}: {value_format(v)}')}</title></rect>"
            )
        parts.append(_text(left + (i + 0.5) * group_w, top + plot_h + 18, str(cat), size=12))
    parts.append("</g>")
    # axes
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{_AXIS}"/>'
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{_AXIS}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def diverging_bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    x_label: str = "",
    width: int = 760,
    row_height: int = 34,
    label_width: int = 250,
    value_format: Formatter = format_number,
    chart_id: str | None = None,
    colours: Sequence[str] = ("#8c96a3", PALETTE[0]),
    standalone: bool = False,
) -> str:
    """Horizontal diverging bar chart: one row per label, negative values left of zero.

    Parameters
    ----------
    labels : sequence of str
        Row labels, e.g. scenario names (drawn left of the plot, truncated if long).
    series : mapping of str to sequence of float
        Series name to one value per label, e.g. unhedged and hedged P&L; bars of a row are
        stacked vertically within the row.
    title : str
        Chart title and accessible ``<title>``.
    x_label : str, optional
        X-axis label including the unit.
    width : int, default 760
        Width in CSS pixels; height follows from the number of rows.
    row_height : int, default 34
        Height of one row in pixels.
    label_width : int, default 250
        Space reserved for row labels.
    value_format : callable, default :func:`format_number`
        Formats tick and bar-end labels.
    chart_id : str, optional
        Element id; defaults to a slug of the title.
    colours : sequence of str
        Series colours, cycled.
    standalone : bool, default False
        Add the SVG namespace for a stand-alone ``.svg`` file.

    Returns
    -------
    str
        SVG markup.
    """
    chart_id = chart_id or _slug(title)
    names = list(series)
    data = {name: _clean(series[name]) for name in names}
    for name, values in data.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    finite = [v for vs in data.values() for v in vs if math.isfinite(v)]
    bound = max([abs(v) for v in finite] + [0.0]) or 1.0
    ticks = nice_ticks(-bound, bound, 6)
    x_min, x_max = ticks[0], ticks[-1]

    top, bottom, right = 58, 44, 64
    left = label_width
    plot_w = width - left - right
    plot_h = row_height * max(len(labels), 1)
    height = top + plot_h + bottom

    def x_of(v: float) -> float:
        return left + plot_w * (v - x_min) / (x_max - x_min)

    desc = "; ".join(
        f"{lab}: " + ", ".join(f"{name} {value_format(data[name][i])}" for name in names)
        for i, lab in enumerate(labels)
    )
    parts = [_svg_open(width, height, chart_id, title, desc, standalone)]
    parts.append(_text(16, 22, title, anchor="start", size=15, weight="600"))
    parts.append(_legend(names, 16, 44, colours))
    parts.append('<g class="grid">')
    for t in ticks:
        x = x_of(t)
        colour = _AXIS if t == 0 else _GRID
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        parts.append(_text(x, top + plot_h + 16, value_format(t), size=11))
    parts.append("</g>")
    if x_label:
        parts.append(_text(left + plot_w / 2, top + plot_h + 36, x_label, size=12))
    zero = x_of(0.0)
    bar_h = (row_height - 10) / max(len(names), 1)
    parts.append('<g class="bars">')
    for i, lab in enumerate(labels):
        y0 = top + i * row_height + 5
        max_chars = max(int(label_width / 6.6), 8)
        shown = lab if len(lab) <= max_chars else lab[: max_chars - 1] + "…"
        parts.append(_text(left - 8, y0 + (row_height - 10) / 2 + 4, shown, anchor="end", size=12))
        if i % 2 == 1:
            parts.append(
                f'<rect x="{left}" y="{y0 - 5:.1f}" width="{plot_w}" height="{row_height}" '
                'fill="#f4f6f9" fill-opacity="0.6"/>'
            )
        for j, name in enumerate(names):
            v = data[name][i]
            if not math.isfinite(v):
                continue
            x = x_of(v)
            bx, w = (zero, x - zero) if v >= 0 else (x, zero - x)
            y = y0 + j * bar_h
            parts.append(
                f'<rect x="{bx:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" '
                f'height="{max(bar_h - 2, 1):.1f}" fill="{colours[j % len(colours)]}">'
                f"<title>{escape(f'{lab}, {name}: {value_format(v)}')}</title></rect>"
            )
            lx, anchor = (x + 4, "start") if v >= 0 else (x - 4, "end")
            parts.append(
                _text(lx, y + bar_h / 2 + 2, value_format(v), anchor=anchor, size=10, fill="#333")
            )
    parts.append("</g>")
    parts.append(
        f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{top + plot_h}" '
        f'stroke="{_AXIS}" stroke-width="1.5"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
