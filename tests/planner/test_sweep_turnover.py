"""A duration-target sweep with the turnover penalty: neighbouring points do not flip.

Each point's turnover reference is the previous point's hedge (:func:`PlanRun.sweep`), so a
position crossing zero stops at zero first. The example is swept as written (its desk rules:
whole lots, minimum trades, tickets, at most six legs; every point proven) and with its leg rules
lifted (continuous swap notionals, no minimum trades, tickets or leg limit), where swap legs come
and go and a sign flip is easiest to make.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hedge_planner.run import PlanRun

from tests.planner.leg_rules import without_leg_rules

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"
#: A position under this DV01 (currency per bp) is solver noise, not a position.
DUST_DV01 = 1.0


def _continuous(turnover_bp: float) -> PlanRun:
    base = PlanRun.load(CORE_PLUS)
    case = without_leg_rules(base.case)
    assert case.hedge is not None
    case.hedge.costs.turnover_bp = turnover_bp
    return PlanRun(case, base.source)


def _as_written(turnover_bp: float) -> PlanRun:
    base = PlanRun.load(CORE_PLUS)
    case = base.case.model_copy(deep=True)
    assert case.hedge is not None and case.hedge.limits.max_legs == 6
    case.hedge.costs.turnover_bp = turnover_bp
    # Why 120 s: one point of this sweep (6.6 years, point 18) needs ~12,000 node QPs, 22-24 s
    # of the branch-and-bound's 24 s share of the example's 30 s; under load it went to the
    # outer approximation with 6 s left, and a plan proven another way moves the next points'
    # turnover reference (the last point then timed out). The test asks about sign flips.
    case.hedge.solver.time_limit_seconds = 120.0
    return PlanRun(case, base.source)


@pytest.mark.parametrize("variant", ["as written", "leg rules lifted"])
def test_21_point_duration_sweep_with_turnover_has_no_sign_flip(variant: str) -> None:
    run = _as_written(0.25) if variant == "as written" else _continuous(turnover_bp=0.25)
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
    if variant == "as written":  # the desk rules hold at every point
        specs = {m.name: m.spec for m in run.universe()}
        for p in points:
            legs = {name: q for name, q in p["trades"].items() if q}
            assert 0 < len(legs) <= 6
            for name, q in legs.items():
                lot = specs[name].lot or 1.0
                assert abs(q) >= specs[name].min_trade, (name, q)
                assert abs(q / lot - round(q / lot)) < 1e-9, (name, q)
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
