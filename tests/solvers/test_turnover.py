"""The turnover penalty: DV01 traded from a reference, and DV01 held against its sign.

Reference: exhaustive enumeration over integer positions with the penalty written out by hand
(``turnover_bp * sum |DV01_i| (|q_i - r_i| + REVERSAL * max(0, -sign(r_i) q_i))``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import TrackingErrorTerm
from hedge_planner.solvers.turnover import (
    REVERSAL,
    TURNOVER_REFERENCE,
    TURNOVER_SIGN,
    TurnoverTerm,
    reference_params,
)

U = np.array([[60.0, 10.0], [5.0, 90.0]])  # currency per bp per contract, two key rates
COV = np.array([[80.0, 50.0], [50.0, 70.0]])


def _optimizer(turnover_bp: float, current: tuple[float, float]) -> HedgeOptimizer:
    port = PortfolioRisk(1e7, np.array([3000.0, 5000.0]), bench_krd_dv01=[1000.0, 2000.0])
    ins = [
        Instrument("F1", "future", U[0], lo=-40, hi=40, q0=current[0]),
        Instrument("F2", "future", U[1], lo=-40, hi=40, q0=current[1]),
    ]
    terms = [TrackingErrorTerm(1e-6), TurnoverTerm(turnover_bp, np.array(current, dtype=float))]
    return HedgeOptimizer(port, ins, COV, terms)


def _by_hand(turnover_bp: float, reference: np.ndarray) -> tuple[float, tuple[int, ...]]:
    g0 = np.array([3000.0, 5000.0]) - np.array([1000.0, 2000.0])
    dv01 = np.abs(U.sum(axis=1))
    sign = np.sign(reference)

    def f(q: np.ndarray) -> float:
        g = g0 + U.T @ q
        traded = dv01 @ np.abs(q - reference)
        against = dv01 @ np.maximum(0.0, -sign * q)
        return 1e-6 * g @ COV @ g + turnover_bp * (traded + REVERSAL * against)

    return min(
        (f(np.array(c, dtype=float)), c) for c in itertools.product(range(-40, 41), repeat=2)
    )


@pytest.mark.parametrize("turnover_bp", [0.0, 0.01, 0.05, 0.5])
@pytest.mark.parametrize("current", [(0.0, 0.0), (10.0, -5.0), (-20.0, 30.0)])
def test_turnover_optimum_matches_enumeration(turnover_bp: float, current: tuple) -> None:
    opt = _optimizer(turnover_bp, current)
    res = opt.solve()
    best, _ = _by_hand(turnover_bp, np.array(current))
    assert res.status == "optimal" and res.proven
    assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-9)
    dv01 = np.abs(U.sum(axis=1))
    expected = turnover_bp * float(
        dv01 @ np.abs(res.q - np.array(current))
        + REVERSAL * dv01 @ np.maximum(0.0, -np.sign(current) * res.q)
    )
    assert res.costs["turnover"] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_moving_the_reference_is_a_parameter_update() -> None:
    """A sweep moves the reference (and its sign) without rebuilding: the optimum is the
    enumeration's with the new reference in the penalty."""
    opt = _optimizer(0.05, (0.0, 0.0))
    new_ref = np.array([12.0, -7.0])
    opt.set_params(**reference_params(new_ref, U.sum(axis=1)))
    res = opt.solve()
    best, _ = _by_hand(0.05, new_ref)
    assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-9)
    assert np.array_equal(opt.params[TURNOVER_SIGN], np.array([1.0, -1.0]))
    assert np.array_equal(opt.params[TURNOVER_REFERENCE], new_ref)


def test_a_large_penalty_keeps_the_reference() -> None:
    res = _optimizer(50.0, (10.0, -5.0)).solve()
    assert res.q is not None
    np.testing.assert_allclose(res.q, [10.0, -5.0])


def test_dust_reference_counts_as_flat() -> None:
    params = reference_params(np.array([1e-3, -4.0]), np.array([100.0, 100.0]))
    assert params[TURNOVER_SIGN].tolist() == [0.0, -1.0]
