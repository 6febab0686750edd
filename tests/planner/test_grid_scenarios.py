"""Scenario shocks and case key paths as grid parameters.

The reference for a shocked point's P&L is the plan itself: the example's plan (same hedge
parameters, so the same hedge) shows ``parallel_-100bp`` and ``bear_steepener_50bp`` in its
scenario matrix, and a case whose scenario definition carries the shocked size shows that
scenario's P&L. The grid must give the same figures (1e-9 relative).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hedge_planner.grid import CaseBundle, grid_points, parse_param, run_grid
from hedge_planner.io import read_text
from hedge_planner.models.errors import InputError
from hedge_planner.run import PlanRun

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "core_plus" / "case.yaml"
FIGURES = ("unhedged_pnl", "hedge_pnl", "hedged_pnl", "benchmark_pnl", "hedged_active_pnl")


@pytest.fixture(scope="module")
def bundle() -> CaseBundle:
    return CaseBundle(*read_text(CASE))


def _plan_rows(text: str) -> dict[str, dict[str, Any]]:
    plan = PlanRun.from_text(text, str(CASE)).plan().to_json()
    return {r["name"]: r for r in plan["scenarios"]["rows"]}


def _same(row: dict[str, Any], name: str, ref: dict[str, Any]) -> None:
    for f in FIGURES:
        # Same positions, revalued along two paths (grid point vs plan): round-off ~1e-9.
        assert row[f"scenario:{name}:{f}"] == pytest.approx(ref[f], rel=1e-8, abs=1e-6), f
    mv_bp = ref["hedged_pnl_bp"]
    assert row[f"scenario:{name}:hedged_pnl_bp"] == pytest.approx(mv_bp, rel=1e-9)
    # Benchmark-relative: hedged minus benchmark, by definition.
    active = row[f"scenario:{name}:hedged_pnl"] - row[f"scenario:{name}:benchmark_pnl"]
    assert row[f"scenario:{name}:hedged_active_pnl"] == pytest.approx(active, rel=1e-12)


def test_key_paths_become_short_names_and_unknown_names_get_a_hint() -> None:
    assert parse_param("hedge.limits.duration.band=0.1,0.2")[0] == "duration_band"
    assert parse_param("hedge.costs.risk_aversion=500")[0] == "risk_aversion"
    assert parse_param("hedge.horizon_days=30")[0] == "horizon_days"
    assert parse_param("scenarios.parallel_bp=-50:50:50") == (
        "scenarios.parallel_bp",
        [-50.0, 0.0, 50.0],
    )
    with pytest.raises(InputError) as err:
        parse_param("hedge.limits.duration.bnad=0.1")
    issue = err.value.issues[0]
    assert issue.column == "hedge.limits.duration.bnad=0.1"
    assert "did you mean 'hedge.limits.duration.band'" in issue.hint


@pytest.mark.parametrize(
    ("param", "words", "hint"),
    [
        ("scenarios.parallel_+100pb", "no scenario named", "did you mean 'parallel_+100bp'"),
        ("scenarios.twist_+50bp_around_5y.sise_bp", "no number at 'sise_bp'", "'size_bp'"),
        ("scenarios.spread_widening", "has no single size", "spreads_bp.corporate"),
    ],
)
def test_unknown_scenario_or_field_is_refused_before_solving(
    bundle: CaseBundle, param: str, words: str, hint: str
) -> None:
    points = grid_points([parse_param(f"{param}=10")], zipped=False)
    with pytest.raises(InputError) as err:
        run_grid(bundle, points)
    issue = err.value.issues[0]
    assert issue.source == "--param" and words in issue.reason and hint in issue.hint


def test_shock_beyond_the_definition_bounds_is_refused(bundle: CaseBundle) -> None:
    points = grid_points([parse_param("scenarios.parallel_bp=10,9000")], zipped=False)
    with pytest.raises(InputError) as err:
        run_grid(bundle, points)
    (issue,) = err.value.issues
    assert "scenarios.parallel_bp=9000" in issue.reason


@pytest.mark.slow
def test_shocked_points_carry_the_plans_scenario_pnl(bundle: CaseBundle) -> None:
    params = [
        parse_param("scenarios.parallel_bp=-100,50"),
        parse_param("scenarios.bear_steepener_50bp=50,25"),
        parse_param("risk_aversion=500,500"),  # the case's own value: the plan's hedge
    ]
    rows = run_grid(bundle, grid_points(params, zipped=True))
    assert [r["status"] for r in rows] == ["optimal", "optimal"]
    # The hedge does not depend on the scenarios: both points trade the same.
    trades = [{k: v for k, v in r.items() if k.startswith("trade:")} for r in rows]
    assert trades[0] == trades[1]

    plan = _plan_rows(bundle.text)
    _same(rows[0], "parallel_bp", plan["parallel_-100bp"])
    _same(rows[0], "bear_steepener_50bp", plan["bear_steepener_50bp"])

    # A 25 bp bear steepener and a +50 bp parallel, written into the case's definitions.
    case = yaml.safe_load(bundle.text)
    case["scenarios"] = {
        "include_defaults": False,
        "custom": [
            {"kind": "parallel", "shift_bp": 50, "name": "up50"},
            {"kind": "bear_steepener", "size_bp": 25, "name": "bear25"},
        ],
    }
    shocked = _plan_rows(yaml.safe_dump(case, sort_keys=False))
    _same(rows[1], "parallel_bp", shocked["up50"])
    _same(rows[1], "bear_steepener_50bp", shocked["bear25"])
