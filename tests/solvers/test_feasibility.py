"""Feasibility is proven, never assumed: every presented plan meets every hard limit.

References: the limits recomputed from the raw inputs (``example_problem.independent_
violations``), hand-computed tolerances, and solver outcomes forced by monkeypatching.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hedge_planner.solvers import optimizer as optimizer_module
from hedge_planner.solvers.results import (
    FEAS_ATOL,
    FEAS_RTOL,
    NoProvenPlanError,
    check_limits,
    limit_tolerance,
)
from hedge_planner.solvers.terms import ConstraintReport, Limit

from tests.solvers.example_problem import build_example, independent_violations


def _report(limit: float, value: float, slack: float) -> ConstraintReport:
    return ConstraintReport("x", limit, value, slack, False, "years")


def test_limit_tolerance_by_hand() -> None:
    """Tolerance = 1e-8 * max(|limit|, |value|) + 1e-8 years / weight (limit units)."""
    years = Limit("duration_band", "duration_band", 1.0, "years")
    assert limit_tolerance(years, _report(0.25, 0.25, 0.0)) == pytest.approx(
        FEAS_RTOL * 0.25 + FEAS_ATOL
    )
    dv01 = Limit("dv01_max", "dv01", 1.0 / 2e5, "currency/bp")  # MV 2e9: 2e5 ccy/bp per year
    assert limit_tolerance(dv01, _report(1.45e6, 1.45e6, 0.0)) == pytest.approx(
        1e-8 * 1.45e6 + 1e-8 * 2e5
    )
    # A zero KRD tolerance: 2e-8 years over is a violation, 5e-9 is round-off.
    krd = [Limit("krd_tol[2y]", "krd_tol", 1.0, "years")]
    assert check_limits(krd, [_report(0.0, 2e-8, -2e-8)])
    assert not check_limits(krd, [_report(0.0, 5e-9, -5e-9)])
    assert check_limits(krd, [_report(0.0, math.nan, math.nan)])  # NaN is never "met"


@pytest.mark.parametrize("tol", [0.0, 1e-6])
def test_swaps_only_with_tight_krd_tolerances_is_not_optimal(tol: float) -> None:
    """Regression: the example's swaps-only universe with krd_tolerance 0.0 (1e-6) was
    reported optimal, gap 0, with all nine KRD limits at negative slack (-1.3e-5 years)."""
    opt, raw = build_example(("swap",), krd_tol=tol)
    res = opt.solve()
    assert res.status != "optimal"
    assert not res.proven
    if res.status == "infeasible":
        assert res.violations and all(v.family == "krd_tol" for v in res.violations)
        assert all(v.required > tol for v in res.violations)
    if res.q is not None:  # a closest hedge is only shown once verified on moved limits
        moved = dict(opt.params)
        tol_k = np.full(9, tol)
        for v in res.violations:
            tol_k[v.bucket] = v.required * (1 + 1e-6)
        moved["krd_tol"] = tol_k
        assert independent_violations(raw, res.q, moved, tol=1e-8) == []
    else:
        assert res.quantities is None and res.trades is None and res.post is None
        with pytest.raises(NoProvenPlanError, match="no proven hedge plan"):
            res.require_plan()


def test_swaps_only_with_loose_tolerances_is_proven() -> None:
    """The same universe with the case's 0.35y tolerances: optimal, independently feasible."""
    opt, raw = build_example(("swap",))
    res = opt.solve()
    assert res.status == "optimal" and res.proven
    assert independent_violations(raw, res.q, opt.params) == []


def test_example_sweep_points_inside_their_limits() -> None:
    """Regression: sweep points sat outside the duration band by up to 1.2e-5 years. Every
    proven point of a duration_target sweep meets every limit (recomputed independently)."""
    opt, raw = build_example()
    targets = np.linspace(5.7, 6.7, 6)
    points = opt.sweep("duration_target", targets)
    assert len(points) == len(targets)
    for t, pt in zip(targets, points, strict=True):
        if not pt.proven:
            assert (pt.error and pt.quantities is None) or pt.status == "infeasible"
            continue
        q = np.array([pt.quantities[i["name"]] for i in raw["instruments"]])
        params = dict(opt.params, duration_target=float(t))
        assert independent_violations(raw, q, params) == [], t
        band = opt.params["duration_band"]
        assert abs(pt.duration - t) <= band + 1e-9


def test_optimal_status_with_violated_plan_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A solver that claims "optimal" for a plan breaking a limit never yields "optimal"."""
    opt, _ = build_example()
    good = opt.solve()
    assert good.proven
    original = opt._solve_raw

    def lying(gap: float, tl: float) -> optimizer_module._Raw:
        raw_ = original(gap, tl)
        x = np.array(raw_.x, dtype=float)
        # One year of extra duration through the first continuous instrument: outside the
        # 0.25y band (and the x bounds are wide enough for it).
        j = int(np.flatnonzero(~opt.ctx.integer)[0])
        x[j] += opt.ctx.dv01_scale / (opt.ctx.dv01_unit[j] * opt.ctx.scale[j])
        return optimizer_module._Raw("optimal", x, raw_.objective, raw_.bound, 1, "lying")

    monkeypatch.setattr(opt, "_solve_raw", lying)
    res = opt.solve()
    assert res.status != "optimal"
    assert not res.proven
    assert "violates" in res.message


def test_failed_solve_has_no_nan_and_no_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Objective/bound/gap of a failed solve are None (never NaN), with a reason."""
    opt, _ = build_example()

    def broken(gap: float, tl: float) -> optimizer_module._Raw:
        return optimizer_module._Raw("error", None, math.nan, math.nan, 0, "broken", "boom")

    monkeypatch.setattr(opt, "_solve_raw", broken)
    res = opt.solve()
    assert res.status == "error" and not res.proven
    assert res.objective is None and res.best_bound is None and res.rel_gap is None
    assert res.q is None and res.quantities is None and res.trades is None
    assert "boom" in res.message
    json.dumps(
        {"objective": res.objective, "bound": res.best_bound, "gap": res.rel_gap},
        allow_nan=False,
    )


def test_node_limit_presents_no_plan() -> None:
    """A search stopped by its node limit has no proven plan: no quantities, no NaN."""
    opt, _ = build_example()
    opt.max_nodes = 1
    res = opt.solve()
    if res.status == "optimal":  # the root and its rounding closed the gap at once
        assert res.proven and res.rel_gap is not None and res.rel_gap <= 1e-6
        return
    assert res.status == "node_limit"
    assert not res.proven and res.q is None and res.quantities is None
    assert res.objective is None
    assert res.best_bound is None or math.isfinite(res.best_bound)
    assert "no proven plan" in res.message
