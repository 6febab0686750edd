"""The example as a desk trades it (examples/core_plus/case.yaml, at most six legs, and
case_desk.yaml, at most four): whole lots, no leg under its minimum, at most max_legs legs,
proven optimal, and each leg's tracking-error reduction.

Reference for the reduction: the optimiser's own evaluation of the hedge with that trade undone
(:meth:`HedgeOptimizer.evaluate`, a separate path from the plan's figure).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hedge_planner.run import PlanRun

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "core_plus"


@pytest.fixture(scope="module", params=["case.yaml", "case_desk.yaml"])
def run(request: pytest.FixtureRequest) -> PlanRun:
    run = PlanRun.load(EXAMPLES / request.param)
    run.plan()
    return run


def test_every_instrument_of_the_example_has_desk_settings(run: PlanRun) -> None:
    """Realistic values in the default case: a minimum and a ticket on every instrument, whole
    1mm lots on every notional instrument (swaps, swaptions, cap, CDX), a leg limit."""
    hedge = run.case.hedge
    assert hedge is not None and hedge.limits.max_legs in (4, 6)
    for m in run.universe():
        assert m.spec.min_trade > 0 and m.spec.ticket_cost > 0, m.name
        if m.risk.kind in ("swap", "swaption", "cap", "floor", "cdx"):
            assert m.spec.lot == 1e6 and m.spec.min_trade >= 25 * m.spec.lot, m.name


def test_desk_example_trades_whole_lots_above_minimums_within_max_legs(run: PlanRun) -> None:
    hedge = run.plan().hedge
    assert hedge is not None and hedge.solver.status == "optimal"
    assert hedge.solver.gap is not None and hedge.solver.gap <= 1e-6  # proven, not a time-out
    case_hedge = run.case.hedge
    assert case_hedge is not None
    specs = {m.name: m.spec for m in run.universe()}
    assert 0 < len(hedge.trades) <= case_hedge.limits.max_legs  # type: ignore[operator]
    for t in hedge.trades:
        spec = specs[t.instrument]
        assert abs(t.quantity) >= spec.min_trade > 0
        lot = spec.lot if t.kind != "future" else 1
        assert lot and t.quantity / lot == pytest.approx(round(t.quantity / lot), abs=1e-9)
        assert t.lot == lot  # the plan states the lot it traded in
        # Swap notionals exactly whole lots (no odd notional such as 13,024,854).
        if t.kind == "swap":
            assert t.quantity % spec.lot == 0


def test_each_leg_reports_the_tracking_error_it_removes(run: PlanRun) -> None:
    plan = run.hedge()
    hedge = run.plan().hedge
    assert plan is not None and hedge is not None
    names = [m.name for m in plan.problem.members]
    post_te = plan.problem.optimizer.evaluate(plan.quantities)["te_bp"]
    for t in hedge.trades:
        q = plan.quantities.copy()
        j = names.index(t.instrument)
        q[j] = plan.current[j]
        undone = plan.problem.optimizer.evaluate(q)["te_bp"]
        assert t.te_reduction_bp == pytest.approx(undone - post_te, rel=1e-9, abs=1e-12)
        if t.cash_cost > 0:
            assert t.te_reduction_per_cash_cost == pytest.approx(
                t.te_reduction_bp / t.cash_cost * 1e6, rel=1e-12
            )
        else:
            assert t.te_reduction_per_cash_cost is None
    assert np.isfinite(post_te)
