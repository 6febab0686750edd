"""The plan's drift section (a case naming a previous snapshot) and its waterfall chart."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hedge_planner.cases import load_analysis_case
from hedge_planner.document import Plan
from hedge_planner.drift import plan_drift_section
from hedge_planner.drift_chart import waterfall_chart
from hedge_planner.html_drift import drift_section
from hedge_planner.models.errors import InputError
from hedge_planner.workflow import analyze_case

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "core_plus" / "case.yaml"
PREV = ROOT / "examples" / "core_plus_prev" / "case.yaml"
SAMPLE = ROOT / "tests" / "data" / "plan_sample.json"


def _case_with_drift(tmp_path: Path, drift: str) -> Path:
    text = CASE.read_text().replace(
        "holdings: holdings.csv", f"holdings: {CASE.parent / 'holdings.csv'}"
    )
    path = tmp_path / "case.yaml"
    path.write_text(text + "\n" + drift)
    return path


def test_plan_section_when_the_case_names_a_previous_snapshot(tmp_path: Path) -> None:
    path = _case_with_drift(tmp_path, f"drift:\n  previous: {PREV}\n")
    case, source = load_analysis_case(path)
    analysis = analyze_case(case, source)
    section = plan_drift_section(source, analysis)
    assert section is not None
    assert section["after_metrics"]["effective_duration"] == pytest.approx(
        analysis.risk.totals()["effective_duration"], rel=1e-12
    )
    total = section["total"]["effective_duration"]
    assert math.fsum(p["change"]["effective_duration"] for p in section["parts"]) == (
        pytest.approx(total, abs=1e-10)
    )
    # The section fits the plan document and renders with its chart.
    plan = Plan.from_json(
        Plan.from_json(json.loads(SAMPLE.read_text())).to_json() | {"drift": section}
    )
    html = drift_section(plan)
    assert 'id="drift-waterfall"' in html and "market_cross" in html
    assert drift_section(Plan.from_json(json.loads(SAMPLE.read_text()))) == ""


def test_unknown_drift_key_is_a_located_error(tmp_path: Path) -> None:
    path = _case_with_drift(tmp_path, f"drift:\n  previus: {PREV}\n")
    with pytest.raises(InputError) as info:
        load_analysis_case(path)
    assert any("drift" in (i.column or "") for i in info.value.issues)


def test_waterfall_bars_float_from_the_running_level() -> None:
    svg = waterfall_chart(("old", 6.0), [("time", -0.5), ("market", 1.0)], ("new", 6.5))
    rects = re.findall(
        r'<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)" fill="(#\w+)"', svg
    )
    bars = rects[1:]  # the first rect is the background
    assert len(bars) == 4
    # The market bar (1.0 year) is twice as tall as the time bar (0.5 year), and its top is the
    # new level (6.5), the last bar's top.
    assert float(bars[2][1]) == pytest.approx(2 * float(bars[1][1]), rel=1e-2)
    assert float(bars[2][0]) == pytest.approx(float(bars[3][0]), abs=0.11)
    # The time bar hangs from the old level: its top is the first bar's top.
    assert float(bars[1][0]) == pytest.approx(float(bars[0][0]), abs=0.11)
    assert "<script" not in svg and "old 6.0000 years; time -0.5000; market +1.0000" in svg


def test_example_actions_list_the_events_inside_its_horizon() -> None:
    # plan_sample.json is the example's plan (tests/data/regenerate_plan_sample.py).
    plan = Plan.from_json(json.loads(SAMPLE.read_text()))
    events = plan.actions.events
    assert plan.actions.horizon_date == "2024-03-28"
    fomc = [e.date for e in events if e.kind == "fomc"]
    assert fomc == ["2024-01-31", "2024-03-20"]
    assert all(plan.analysis_date < e.date <= plan.actions.horizon_date for e in events)
    # Each monthly-pay factor date names the share of DV01 it touches, as a fraction and in words.
    factors = [e for e in events if e.kind == "mbs_factor"]
    assert factors and all(0.0 < e.dv01_share < 1.0 for e in factors)
    assert all(f"{e.dv01_share:.1%} of DV01" in e.description for e in factors)


def test_example_futures_notice_days_carry_the_hedge_share_of_dv01() -> None:
    plan = Plan.from_json(json.loads(SAMPLE.read_text()))
    assert plan.hedge is not None
    book_dv01 = plan.exposure.portfolio.dv01
    moved = {t.instrument: abs(t.dv01_change) for t in plan.hedge.trades}
    notices = [e for e in plan.actions.events if e.kind == "futures_first_notice"]
    assert notices
    for e in notices:
        name = e.description.split(" ", 1)[0]
        roll = next(r for r in plan.actions.roll_dates if r.instrument == name)
        assert e.date == roll.first_notice
        assert e.dv01_share == pytest.approx(moved.get(name, 0.0) / book_dv01, rel=1e-12)
