"""Hard tracking-error limit by outer approximation, against independent references.

References: exhaustive enumeration over integer futures (the true feasible set, the TE
evaluated by hand as ``sqrt(e' S e)``), and cvxpy + CLARABEL solving the same objective with
the second-order cone constraint itself.
"""

from __future__ import annotations

import itertools
import math
import warnings

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers import highs_backend
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import FactorRisk, Instrument, PortfolioRisk
from hedge_planner.solvers.te_limit import TrackingErrorLimit
from hedge_planner.solvers.terms import CarryTerm, DurationBand, SlippageTerm, TrackingErrorTerm

MV = 1e8


def _instance(seed: int, n_fut: int = 3, bound: int = 4):
    """A random book, futures and a 5-factor model (3 rates, 1 spread the hedges cannot
    touch, correlated with the rates, and one more rate-like factor)."""
    rng = np.random.default_rng(seed)
    n_b, n_f = 3, 5
    port = PortfolioRisk(MV, rng.uniform(2e3, 9e3, n_b), bench_krd_dv01=rng.uniform(2e3, 9e3, n_b))
    ins = [
        Instrument(f"F{i}", "future", rng.uniform(20.0, 150.0, n_b), carry=rng.normal(0, 300),
                   half_spread=rng.uniform(0, 20), lo=-bound, hi=bound)
        for i in range(n_fut)
    ]  # fmt: skip
    L = rng.normal(size=(n_f, n_f))
    S = L @ L.T * 40.0
    a = np.concatenate([port.krd_dv01 - port.bench_krd_dv01, rng.normal(0, 2e3, 2)])
    B = np.vstack([np.array([i.krd_dv01 for i in ins]).T, np.zeros((1, n_fut)),
                   rng.uniform(0, 30, (1, n_fut))])  # fmt: skip
    fr = FactorRisk(tuple(f"f{k}" for k in range(n_f)), S, a, B, (0, 1, 2))
    return port, ins, S[:n_b, :n_b], fr, rng


def _te_bp(fr: FactorRisk, q: np.ndarray) -> float:
    e = fr.exposures + fr.loadings @ q
    return math.sqrt(float(e @ fr.covariance @ e)) * 1e4 / MV


def _objective(fr: FactorRisk, ins: list[Instrument], lam: float, q: np.ndarray) -> float:
    e = fr.exposures + fr.loadings @ q
    carry = np.array([i.carry for i in ins])
    hs = np.array([i.half_spread for i in ins])
    return lam * float(e @ fr.covariance @ e) - float(carry @ q) + float(hs @ np.abs(q))


def test_te_limit_matches_enumeration_on_random_instances() -> None:
    lam = 1e-7
    checked = binding = infeasible = 0
    for seed in range(36):
        port, ins, cov, fr, rng = _instance(seed)
        grid = np.array(list(itertools.product(range(-4, 5), repeat=len(ins))), dtype=float)
        te = np.array([_te_bp(fr, q) for q in grid])
        obj = np.array([_objective(fr, ins, lam, q) for q in grid])
        free = grid[int(np.argmin(obj))]
        # Limits between the smallest reachable TE and the unconstrained optimum's (binding),
        # and below the smallest (infeasible) every few instances.
        lo, hi = float(te.min()), _te_bp(fr, free)
        limit = lo * 0.9 if seed % 6 == 5 else lo + rng.uniform(0.05, 0.95) * (hi - lo)
        terms = [TrackingErrorTerm(lam), CarryTerm(), SlippageTerm()]
        opt = HedgeOptimizer(port, ins, cov, terms, [TrackingErrorLimit(limit)], factor_risk=fr)
        res = opt.solve()
        ok = te <= limit * (1 + 1e-9) + 1e-7
        if not ok.any():
            infeasible += 1
            assert res.status == "infeasible", (seed, res.status, res.message)
            (v,) = res.violations
            assert v.name == "tracking_error_bp" and v.param == "tracking_error_bp"
            assert v.required == pytest.approx(lo, rel=1e-6)
            continue
        best = float(obj[ok].min())
        assert res.status == "optimal" and res.proven, (seed, res.message)
        assert res.objective == pytest.approx(best, rel=1e-6, abs=1e-6), seed
        assert _te_bp(fr, res.q) <= limit * (1 + 1e-9) + 1e-7
        binding += int(float(obj.min()) < best - 1e-9)
        checked += 1
    assert checked >= 30 and binding >= 20 and infeasible >= 3


def test_continuous_te_limit_matches_the_cone_constraint_in_clarabel() -> None:
    port, ins, cov, fr, _ = _instance(7)
    ins = [
        Instrument(i.name, "swap", i.krd_dv01, carry=i.carry, half_spread=i.half_spread,
                   lo=-50.0, hi=50.0)
        for i in ins
    ]  # fmt: skip
    lam = 1e-7
    terms = [TrackingErrorTerm(lam), CarryTerm(), SlippageTerm()]
    free = HedgeOptimizer(port, ins, cov, terms, factor_risk=fr).solve()
    limit = 0.8 * free.post.te_bp
    cons = [DurationBand(0.4, 10.0), TrackingErrorLimit(limit)]
    opt = HedgeOptimizer(port, ins, cov, terms, cons, factor_risk=fr)
    res = opt.solve()
    assert res.status == "optimal" and res.proven
    # Reference: the same cvxpy objective, the cone constraint itself, CLARABEL.
    prog = opt.program
    x = prog.x
    q = cp.multiply(opt.ctx.scale, x)
    F = np.linalg.cholesky(fr.covariance)
    soc = cp.norm(F.T @ (fr.exposures + fr.loadings @ q)) * 1e4 / MV <= limit
    band = cons[0].cvxpy_constraints(opt.ctx, q, prog.cp_params)
    ref = cp.Problem(prog.relaxed.objective, [*band, soc])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ref.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    assert res.objective == pytest.approx(ref.value, rel=1e-6)
    assert res.objective > free.objective  # the limit binds
    (rep,) = [c for c in res.constraints if c.name == "tracking_error_bp"]
    assert rep.binding and abs(rep.slack) <= 1e-6 * limit
    assert rep.value == pytest.approx(_te_bp(fr, res.q), rel=1e-12)


def test_cuts_refill_the_highs_model_without_rebuilding(monkeypatch) -> None:
    loads = []
    original = highs_backend.HighsModel._load

    def counting(self, lf):  # type: ignore[no-untyped-def]
        loads.append(1)
        return original(self, lf)

    monkeypatch.setattr(highs_backend.HighsModel, "_load", counting)
    port, ins, cov, fr, _ = _instance(3)
    terms = [TrackingErrorTerm(1e-7), CarryTerm(), SlippageTerm()]
    limit = TrackingErrorLimit(1e3)
    opt = HedgeOptimizer(port, ins, cov, terms, [limit], factor_risk=fr)
    free = opt.solve()
    opt.set_params(tracking_error_bp=0.97 * free.post.te_bp)
    res = opt.solve()
    assert res.status == "optimal" and limit.n_cuts >= 1
    assert len(loads) == 1  # the model loaded once; cuts were coefficient changes


def test_hitting_the_cut_cap_is_not_a_proven_plan() -> None:
    port, ins, cov, fr, _ = _instance(4)
    ins = [Instrument(i.name, "swap", i.krd_dv01, carry=i.carry, lo=-50, hi=50) for i in ins]
    terms = [TrackingErrorTerm(1e-7), CarryTerm()]
    free = HedgeOptimizer(port, ins, cov, terms, factor_risk=fr).solve()
    limit = TrackingErrorLimit(0.5 * free.post.te_bp, max_cuts=1)
    res = HedgeOptimizer(port, ins, cov, terms, [limit], factor_risk=fr).solve()
    if res.status == "infeasible":
        pytest.skip("instance infeasible at this limit")
    assert res.status == "error" and not res.proven and res.q is None
    assert "cuts" in res.message


def test_default_factor_model_is_the_key_rate_model() -> None:
    """Without a factor model the TE term and the report are the key-rate ones, g' Sigma g."""
    port, ins, cov, _, rng = _instance(11)
    opt = HedgeOptimizer(port, ins, cov, [TrackingErrorTerm(1e-7)])
    for _ in range(5):
        q = rng.normal(0, 3, len(ins))
        g = port.krd_dv01 - port.bench_krd_dv01 + np.array([i.krd_dv01 for i in ins]).T @ q
        assert opt.terms[0].value(opt.ctx, q, opt.params) == pytest.approx(
            1e-7 * float(g @ cov @ g), rel=1e-12
        )
        assert opt.ctx.summary(q).te == pytest.approx(math.sqrt(g @ cov @ g), rel=1e-12)


def test_feasibility_check_covers_the_te_limit() -> None:
    """check_limits (via the optimiser's verification and evaluate) sees a TE breach."""
    from hedge_planner.solvers.results import check_limits

    port, ins, cov, fr, _ = _instance(2)
    opt = HedgeOptimizer(port, ins, cov, [TrackingErrorTerm(1e-7)], [TrackingErrorLimit(5.0)],
                         factor_risk=fr)  # fmt: skip
    q = np.full(len(ins), 4.0)
    te = _te_bp(fr, q)
    limit = TrackingErrorLimit(te * (1 - 1e-4))
    bad = check_limits(
        limit.limits(opt.ctx), limit.report(opt.ctx, q, {"tracking_error_bp": te * (1 - 1e-4)})
    )
    assert bad and bad[0].startswith("tracking_error_bp")
    ok = check_limits(limit.limits(opt.ctx), limit.report(opt.ctx, q, {"tracking_error_bp": te}))
    assert not ok
    opt.set_params(tracking_error_bp=te * (1 - 1e-4))
    assert opt.evaluate(q)["violated"] == ["tracking_error_bp"]
