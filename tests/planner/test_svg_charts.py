"""The report's hand-written SVG charts: well-formed, escaped, and bars drawn to scale.

Bar geometry is checked against the data each bar carries (``data-value``) and against the
zero line, independently of how the chart computes its scale: every bar's length divided by
its value must be the same number within a panel, and negative values must extend to the
other side of zero.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from hedge_planner.svg_charts import krd_profile_chart, scenario_pnl_chart, te_by_factor_chart

TENORS = ["6m", "1y", "2y", "5y", "10y", "30y"]


def _bars(svg: str) -> list[dict[str, float | str]]:
    root = ET.fromstring(svg)  # raises on malformed markup
    out = []
    for el in root.iter("rect"):
        if el.get("class") == "bar":
            title = el.find("title")
            out.append(
                {
                    "x": float(el.get("x", "nan")),
                    "y": float(el.get("y", "nan")),
                    "w": float(el.get("width", "nan")),
                    "h": float(el.get("height", "nan")),
                    "v": float(el.get("data-value", "nan")),
                    "fill": el.get("fill", ""),
                    "title": title.text or "" if title is not None else "",
                }
            )
    return out


def _assert_proportional(lengths: list[float], values: list[float]) -> None:
    """Every bar length is one common scale times its |value|, to the 0.1-point rounding of
    the markup (the scale is taken from the longest bar)."""
    k = max(lengths) / abs(values[lengths.index(max(lengths))])
    for length, v in zip(lengths, values, strict=True):
        assert length == pytest.approx(k * abs(v), abs=0.15), (length, v)


def _axis_line(svg: str, vertical: bool) -> list[float]:
    """Positions of the dark zero lines (vertical: x positions; else y positions)."""
    root = ET.fromstring(svg)
    return [
        float(el.get("x1" if vertical else "y1", "nan"))
        for el in root.iter("line")
        if el.get("stroke") == "#444444"
    ]


def test_krd_bar_heights_are_proportional_and_signed() -> None:
    series = {"Portfolio": [0.1, 0.4, -0.25, 1.5, 2.0, None], "Benchmark": [0.2] * 6}
    svg = krd_profile_chart(TENORS, series)
    bars = _bars(svg)
    assert len(bars) == 11  # None draws no bar
    _assert_proportional([float(b["h"]) for b in bars], [float(b["v"]) for b in bars])
    (zero,) = _axis_line(svg, vertical=False)
    for b in bars:
        top, bottom = float(b["y"]), float(b["y"]) + float(b["h"])
        if float(b["v"]) > 0:
            assert bottom == pytest.approx(zero, abs=0.11)
        else:
            assert top == pytest.approx(zero, abs=0.11)
    # Bars of one tenor sit left to right in series order, inside that tenor's slot.
    first = [b for b in bars if b["title"].endswith(("6m: 0.1 years", "6m: 0.2 years"))]
    assert [b["fill"] for b in sorted(first, key=lambda b: b["x"])] == ["#1f5a96", "#e69f00"]
    for t in TENORS:
        assert f">{t}</text>" in svg


def test_scenario_chart_scales_both_panels_and_colours_active_pnl() -> None:
    labels = ["Parallel +100 bp", "Parallel -100 bp", "Curve <twist> & co"]
    series = {"Unhedged": [-150e6, 170e6, 3e6], "Hedged": [-120e6, 130e6, None]}
    active = [-2e6, 8e6, 0.5e6]
    svg = scenario_pnl_chart(labels, series, active, "USD")
    bars = _bars(svg)
    main = [b for b in bars if "active" not in str(b["title"])]
    side = [b for b in bars if "active" in str(b["title"])]
    assert len(main) == 5 and len(side) == 3
    zeros = sorted(_axis_line(svg, vertical=True))
    assert len(zeros) == 2
    for group, zero in ((main, zeros[0]), (side, zeros[1])):
        _assert_proportional([float(b["w"]) for b in group], [float(b["v"]) for b in group])
        for b in group:
            if float(b["v"]) < 0:
                assert float(b["x"]) + float(b["w"]) == pytest.approx(zero, abs=0.11)
            else:
                assert float(b["x"]) == pytest.approx(zero, abs=0.11)
    assert [b["fill"] for b in side] == ["#b42318", "#1b7f3b", "#1b7f3b"]
    # Rows run top to bottom in the given order; the panels share the rows.
    assert [b["y"] for b in side] == sorted(b["y"] for b in side)
    # The side panel lies right of the main one.
    assert min(float(b["x"]) for b in side) > max(float(b["x"]) + float(b["w"]) for b in main)
    assert "Curve &lt;twist&gt; &amp; co" in svg and "<twist>" not in svg
    assert ">-150m</text>" in svg  # bar-end value label
    assert 'viewBox="0 0 792 184.32"' in svg  # (0.32 * 3 + 1.6) inches at 72 pt


def test_scenario_chart_without_active_has_one_panel() -> None:
    svg = scenario_pnl_chart(["a", "b"], {"Unhedged": [1.0, -1.0]}, [None, None], "EUR")
    assert "Against the benchmark" not in svg
    assert len(_axis_line(svg, vertical=True)) == 1


def test_te_chart_bars_and_accessible_text() -> None:
    svg = te_by_factor_chart(["Key rates", "Spread: corporate"], [150.0, 20.0], [-2.0, 60.0])
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("id") == "chart-te-factors"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    assert root.get("aria-labelledby") == "chart-te-factors-title chart-te-factors-desc"
    desc = root.find("desc")
    assert desc is not None and "Key rates: before 150.0, after -2.0 bp/yr" in (desc.text or "")
    bars = _bars(svg)
    _assert_proportional([float(b["w"]) for b in bars], [float(b["v"]) for b in bars])
    with pytest.raises(ValueError, match="2 groups"):
        te_by_factor_chart(["a", "b"], [1.0], [1.0, 2.0])


@pytest.mark.parametrize("values", [[None, None], [float("nan"), math.inf], [0.0, 0.0]])
def test_charts_without_finite_data_still_parse(values: list[float | None]) -> None:
    for svg in (
        krd_profile_chart(["1y", "2y"], {"Portfolio": values}),
        scenario_pnl_chart(["a", "b"], {"Unhedged": values}, values, "USD"),
        te_by_factor_chart(["a", "b"], values, values),
    ):
        ET.fromstring(svg)
        assert not re.search(r'="[^"]*nan[^"]*"', svg.lower().replace("data-value", ""))
        assert "script" not in svg and "href" not in svg


def test_long_row_labels_are_cut_but_kept_whole_in_tooltip_and_description() -> None:
    long = "Historical: " + "a very long scenario name " * 5
    svg = scenario_pnl_chart([long, "short"], {"Unhedged": [1.0, -1.0]}, None, "USD")
    root = ET.fromstring(svg)
    texts = [el for el in root.iter("text") if el.find("title") is not None]
    assert len(texts) == 1
    shown = (texts[0].text or "") + "".join(t.tail or "" for t in texts[0])
    assert shown.endswith("…") and len(shown) <= 48
    assert texts[0].find("title").text == long  # type: ignore[union-attr]
    desc = root.find("desc")
    assert desc is not None and long in (desc.text or "")
    # The label column does not grow with the name: bars start left of the page's middle.
    assert min(float(b["x"]) for b in _bars(svg)) < 396
