"""What-if sweep outputs: CSV grid, frontier page (cash cost apart from the risk penalty)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hedge_planner.cli import app
from hedge_planner.sweep_report import sweep_csv, sweep_html
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


def _point(v: float, status: str = "optimal") -> dict[str, Any]:
    return {
        "dv01_max": v,
        "status": status,
        "trades": {"TYH4": v / 1e4, "SOFR 2y": -v},
        "post_hedge_duration": 6.2,
        "post_hedge_dv01": v,
        "tracking_error_bp": 200 - v / 1e4,
        "cost": 1000.0 + v,
        "costs": {"tracking_error": 1000.0 + v / 2, "carry": -200.0, "slippage": 200.0 + v / 2},
        "seconds": 0.1,
        "error": None,
    }


DOC = {"param": "dv01_max", "points": [_point(1.2e6, "infeasible"), _point(1.3e6), _point(1.4e6)]}


def test_sweep_csv_splits_cash_cost_from_the_risk_penalty() -> None:
    rows = list(csv.DictReader(io.StringIO(sweep_csv(DOC))))
    assert len(rows) == 3
    for row, p in zip(rows, DOC["points"], strict=True):
        costs = p["costs"]
        # by hand: cash = carry + slippage; risk = the tracking-error term; they sum to the
        # objective
        assert float(row["cash_cost"]) == pytest.approx(costs["carry"] + costs["slippage"])
        assert float(row["risk_penalty"]) == pytest.approx(costs["tracking_error"])
        assert float(row["objective"]) == pytest.approx(p["cost"])
        assert float(row["cash_cost"]) + float(row["risk_penalty"]) == pytest.approx(p["cost"])
        assert float(row["dv01_max"]) == p["dv01_max"]
        assert float(row["trade:SOFR 2y"]) == p["trades"]["SOFR 2y"]
        assert "e+" not in row["dv01_max"]


def test_sweep_page_is_self_contained_with_the_frontier() -> None:
    page = sweep_html(DOC, "USD", "case.yaml")
    lowered = page.lower()
    for banned in ("http", "<script", "url(", "<link", "src="):
        assert banned not in lowered, banned
    assert page.count("<style") == 1
    svg = re.search(r"<svg\b.*?</svg>", page, flags=re.S)
    assert svg is not None and 'role="img"' in svg.group(0)
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    for ref in re.findall(r'href="#([^"]+)"', page):
        assert ref in ids, ref
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg.group(0), flags=re.S)
    assert desc is not None
    # the two solved points are on the frontier, with the parameter in plain notation and the
    # cash cost (not the objective) on the cost axis; the infeasible point is left off
    assert "1,300,000" in desc.group(1) and "1,400,000" in desc.group(1)
    assert "1,200,000" not in desc.group(1)
    assert "cost 650k USD" in desc.group(1)  # -200 + 200 + 1.3e6 / 2
    assert "DV01 upper limit (USD/bp)" in page


def test_sweep_command_writes_grid_and_chart(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    result = CliRunner().invoke(
        app, ["sweep", str(CORE_PLUS), "--param", "duration_target=6.1:6.2:0.1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["sweep.csv", "sweep.html"]
    rows = list(csv.DictReader((out / "sweep.csv").open(encoding="utf-8")))
    assert [float(r["duration_target"]) for r in rows] == pytest.approx([6.1, 6.2])
    assert "<svg" in (out / "sweep.html").read_text(encoding="utf-8")
