"""Profile-benchmark scenario P&L: the Taylor expansion by hand, and against full revaluation of
a holdings benchmark (the profile built from those holdings)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.dates import to_days
from hedge_planner.models.risk import curve_dirty_price, curve_risk
from hedge_planner.scenarios.benchmark import ProfileRisk, profile_scenario_pnl

KEYS = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
KEY_YEARS = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30.0])


def test_profile_pnl_by_hand() -> None:
    krd = np.array([0.05, 0.14, 0.40, 0.55, 1.05, 0.95, 1.20, 1.06, 0.80])
    profile = ProfileRisk(
        krd, 0.55, {"corporate": 0.25, "government": 0.75}, {"corporate": 6.8, "government": 5.9}
    )
    dr = np.zeros((2, 9))
    dr[0, :] = 0.005  # +50 bp parallel
    dr[1, 6] = -0.002  # 10y -20 bp
    ds = np.array([[0.0010, 0.0], [0.0, 0.0]])  # corporate +10 bp in the first scenario
    mv = 1e9
    got = profile_scenario_pnl(profile, mv, dr, ds, ["corporate", "government"])
    d = krd.sum()
    s0 = -d * 0.005 - 0.25 * 6.8 * 0.001 + 0.5 * 0.55 * (0.005 + 0.25 * 0.001) ** 2
    s1 = -1.20 * -0.002 + 0.5 * 0.55 * (1.20 * -0.002 / d) ** 2
    np.testing.assert_allclose(got, [mv * s0, mv * s1], rtol=1e-13)


def test_profile_of_a_bullet_book_tracks_its_full_revaluation() -> None:
    """A profile built from holdings (KRDs, convexity) estimates their full-revaluation P&L to
    second order: the error of a +25 bp parallel move is tiny against the P&L itself."""
    settle = dt.date(2023, 12, 29)
    day = int(to_days(settle))
    tenors = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
    par = np.array([5.6, 5.4, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.2, 4.03]) / 100
    curve = bootstrap_treasury_par(settle, tenors, par)
    rng = np.random.default_rng(2)
    n = 50
    book = BondBook.from_arrays(
        [f"b{i}" for i in range(n)],
        rng.uniform(1e6, 5e6, n),
        rng.uniform(0.01, 0.06, n),
        day + rng.integers(365, 30 * 365, n),
        2,
    )
    sched = build_schedule(book, day)
    dirty = curve_dirty_price(sched, curve, 0.0)
    risk = curve_risk(sched, book.face, curve, dirty, KEYS)
    mv = float(risk.market_value.sum())
    w = risk.market_value / mv
    profile = ProfileRisk(
        (risk.krd.krd * w[:, None]).sum(axis=0), float(risk.effective_convexity @ w), {}, {}
    )
    shift = 0.0025
    full = float(
        (curve_dirty_price(sched, curve.shifted_parallel(shift), 0.0) - dirty) @ book.face / 100
    )
    est = profile_scenario_pnl(profile, mv, np.full((1, 9), shift), np.zeros((1, 0)), [])[0]
    assert est == pytest.approx(full, rel=2e-3)


def test_active_pnl_is_book_minus_benchmark_in_every_row() -> None:
    """The example's plan: every scenario row carries benchmark, active and hedged active P&L,
    with active = unhedged - benchmark and hedged active = hedged - benchmark."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "hedge_planner.cli",
                "plan",
                str(root / "examples/core_plus/case.yaml"),
                "--out",
                out,
            ],
            check=True,
            capture_output=True,
        )
        plan = json.loads((Path(out) / "plan.json").read_text())
    rows = plan["scenarios"]["rows"]
    assert rows and all(r["benchmark_pnl"] is not None for r in rows)
    for r in rows:
        assert r["active_pnl"] == pytest.approx(r["unhedged_pnl"] - r["benchmark_pnl"], abs=1e-6)
        assert r["hedged_active_pnl"] == pytest.approx(
            r["hedged_pnl"] - r["benchmark_pnl"], abs=1e-6
        )
    spread = next(r for r in rows if r["name"] == "spread_widening")
    assert spread["benchmark_pnl"] < 0  # the benchmark holds credit too
    assert "second_order_profile" in plan["scenarios"]["methodology"]["benchmark"]
    # Tracking error by factor group sums to the total, before and after the hedge.
    for side in ("pre_hedge", "post_hedge"):
        te = plan["risk_model"][side]["tracking_error"]
        assert sum(te["by_group"].values()) == pytest.approx(te["total_bp"], rel=1e-10)
        assert any(g.startswith("spread:") for g in te["by_group"])
    # No rate hedge removes the spread risk uncorrelated with rates; a CDX (a spread hedge, in
    # the example's universe) takes the post-hedge TE below that floor.
    floor = plan["risk_model"]["spread_floor_bp"]
    post_te = plan["risk_model"]["post_hedge"]["tracking_error"]["total_bp"]
    if any(t["kind"] == "cdx" for t in plan["hedge"]["trades"]):
        assert 0 < post_te < floor
    else:
        assert 0 < floor <= post_te + 1e-9
