"""Conditioning of the tracking-error rows and of instruments without rate risk.

References: the tracking-error term's cvxpy expression against ``risk_aversion * e'Se``
computed by hand with numpy (the per-row normalisation must leave the value unchanged), the
normalised rows' sizes (each within a factor 2 of 1, by construction of a power-of-two
scale), and the continuous-QP optimum against cvxpy + CLARABEL on the unscaled problem.
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import FactorRisk, Instrument, PortfolioRisk
from hedge_planner.solvers.terms import CarryTerm, TrackingErrorTerm

MV = 2e8


def _model(seed: int) -> tuple[PortfolioRisk, list[Instrument], FactorRisk]:
    """Two rate buckets, one spread factor the book is heavily exposed to (~1e3 x the rate
    gaps, as a core-plus book's corporate spread), futures, and a CDX-like instrument with no
    rate risk that loads ~4.5e-4 per unit notional on the spread factor (continuous)."""
    rng = np.random.default_rng(seed)
    port = PortfolioRisk(MV, rng.uniform(2e3, 9e3, 2), bench_krd_dv01=rng.uniform(2e3, 9e3, 2))
    ins = [
        Instrument("F1", "future", np.array([40.0, 5.0]), carry=rng.normal(0, 300), lo=-500,
                   hi=500, integer=False),
        Instrument("F2", "future", np.array([3.0, 80.0]), carry=rng.normal(0, 300), lo=-500,
                   hi=500, integer=False),
        Instrument("CDX", "cdx", np.zeros(2), carry=2.5e-3, lo=-2e9, hi=2e9),
    ]  # fmt: skip
    vols = np.array([6.0, 7.0, 60.0])
    corr = np.array([[1.0, 0.8, 0.3], [0.8, 1.0, 0.35], [0.3, 0.35, 1.0]])
    cov = corr * np.outer(vols, vols)
    gap = port.krd_dv01 - port.bench_krd_dv01
    a = np.concatenate([gap, [rng.uniform(2e5, 4e5)]])
    B = np.array([[40.0, 3.0, 0.0], [5.0, 80.0, 0.0], [0.0, 0.0, -4.5e-4]])
    return port, ins, FactorRisk(("r2y", "r10y", "spread"), cov, a, B, (0, 1))


@pytest.mark.parametrize("seed", range(5))
def test_tracking_error_term_value_is_unchanged_by_row_scaling(seed: int) -> None:
    port, ins, fr = _model(seed)
    ctx = HedgeContext(port, ins, fr.covariance[:2, :2], fr)
    term = TrackingErrorTerm(risk_aversion=3e-9)
    rng = np.random.default_rng(100 + seed)
    q = np.array([rng.uniform(-300, 300), rng.uniform(-300, 300), rng.uniform(-1e9, 1e9)])
    p = {"risk_aversion": cp.Parameter(nonneg=True, value=3e-9)}
    expr = term.cvxpy_expr(ctx, cp.Constant(q), p)
    e = fr.exposures + fr.loadings @ q
    by_hand = 3e-9 * float(e @ fr.covariance @ e)
    assert float(expr.value) == pytest.approx(by_hand, rel=1e-12)
    # Each row divided by a power of two within a factor 2 of its own size.
    s = ctx.factor_row_scale
    assert np.all(np.log2(s) == np.round(np.log2(s)))
    size = np.maximum(np.abs(ctx.factor_0), np.abs(ctx.factor_q * ctx.scale).sum(axis=1))
    assert np.all((size / s >= 2**-0.5 - 1e-12) & (size / s <= 2**0.5 + 1e-12))


def test_instrument_without_rate_risk_is_scaled_by_its_factor_loadings() -> None:
    port, ins, fr = _model(0)
    ctx = HedgeContext(port, ins, fr.covariance[:2, :2], fr)
    # 4.5e-4 per unit -> a power of ten bringing it to ~100 per variable (1e5 notional).
    assert ctx.scale[2] == 1e5
    per_variable = abs(fr.loadings[2, 2]) * ctx.scale[2]
    assert 100 / math.sqrt(10) <= per_variable <= 100 * math.sqrt(10)


@pytest.mark.parametrize("seed", range(5))
def test_continuous_optimum_with_a_spread_hedge_matches_cvxpy(seed: int) -> None:
    port, ins, fr = _model(seed)
    lam = 1e-9
    opt = HedgeOptimizer(
        port, ins, fr.covariance[:2, :2], [TrackingErrorTerm(lam), CarryTerm()], factor_risk=fr
    )
    res = opt.solve()
    assert res.status == "optimal" and res.objective is not None
    # Reference: the same objective stated directly in units, CLARABEL, no scaling at all.
    q = cp.Variable(3)
    carry = np.array([i.carry for i in ins])
    L = np.linalg.cholesky(fr.covariance)
    e = fr.exposures + fr.loadings @ q
    obj = lam * cp.sum_squares(L.T @ e) - carry @ q
    ref = cp.Problem(cp.Minimize(obj), [q >= [-500, -500, -2e9], q <= [500, 500, 2e9]])
    ref.solve(solver="CLARABEL")
    assert res.objective == pytest.approx(ref.value, rel=1e-7)
