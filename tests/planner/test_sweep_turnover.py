"""A duration-target sweep with the turnover penalty: neighbouring points do not flip.

Each point's turnover reference is the previous point's hedge (:func:`PlanRun.sweep`), so a
position crossing zero stops at zero first. The example is swept with its leg rules lifted
(continuous swap notionals, no minimum trades, tickets or leg limit): with them the exact search
of the lower targets hits the time limit today (see the README, "Turnover"), and the property
under test is the penalty's, not the search's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hedge_planner.run import PlanRun

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"
#: A position under this DV01 (currency per bp) is solver noise, not a position.
DUST_DV01 = 1.0


def _continuous(turnover_bp: float) -> PlanRun:
    base = PlanRun.load(CORE_PLUS)
    case = base.case.model_copy(deep=True)
    hedge = case.hedge
    assert hedge is not None
    hedge.costs.turnover_bp = turnover_bp
    hedge.limits.max_legs = None
    for f in hedge.universe.futures:
        f.min_trade, f.ticket_cost = 0.0, 0.0
    for s in [*hedge.universe.swaps, *hedge.universe.swaptions, *hedge.universe.caps]:
        s.min_trade, s.ticket_cost, s.lot = 0.0, 0.0, None
    for c in hedge.universe.cdx:  # continuous too (the example's default case trades 1mm lots)
        c.min_trade, c.ticket_cost, c.lot = 0.0, 0.0, None
    for o in hedge.universe.future_options:  # whole contracts, as futures
        o.min_trade, o.ticket_cost = 0.0, 0.0
    return PlanRun(case, base.source)


def test_21_point_duration_sweep_with_turnover_has_no_sign_flip() -> None:
    run = _continuous(turnover_bp=0.25)
    targets = np.linspace(5.7, 6.7, 21).tolist()
    points = run.sweep("duration_target", targets)
    assert [p["status"] for p in points] == ["optimal"] * 21
    dv01 = {m.name: abs(float(np.sum(m.risk.krd_dv01))) for m in run.universe()}
    flips = []
    for name, unit in dv01.items():
        held = [p["trades"].get(name, 0.0) for p in points]
        signs = [0.0 if abs(q) * unit < DUST_DV01 else np.sign(q) for q in held]
        flips += [
            (name, targets[k], held[k], held[k + 1])
            for k in range(20)
            if signs[k] * signs[k + 1] < 0
        ]
    assert flips == []
    # The sweep honours each target's band (the penalty moves the hedge, not the limits).
    for target, p in zip(targets, points, strict=True):
        assert abs(p["post_hedge_duration"] - target) <= 0.25 + 1e-6


def test_the_reference_is_restored_after_the_sweep() -> None:
    from hedge_planner.solvers.turnover import TURNOVER_REFERENCE

    run = _continuous(turnover_bp=0.25)
    optimizer = run.problem().optimizer
    before = np.array(optimizer.params[TURNOVER_REFERENCE])
    run.sweep("duration_target", [6.0, 6.4])
    np.testing.assert_array_equal(optimizer.params[TURNOVER_REFERENCE], before)
