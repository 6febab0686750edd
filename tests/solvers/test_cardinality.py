"""Cardinality-constrained hedges (``max_legs``) against enumeration over subsets.

Every instance has five continuous instruments (no lots, no minimum trade), so the only
combinatorial rule is the leg limit ``max_legs`` (with ticket costs on some instruments).
The reference enumerates every subset of at most ``max_legs`` instruments, solves the convex
QP with the others held at zero through cvxpy + CLARABEL, written here from the raw inputs
(it shares no code with the optimiser), adds the subset's tickets and keeps the smallest
value. A subset whose QP leaves one of its instruments untraded pays a ticket too much, but
the subset without that instrument is enumerated as well, so the minimum is exact.
"""

from __future__ import annotations

import itertools
import math

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    CarryTerm,
    DurationBand,
    MarginBudget,
    SlippageTerm,
    TrackingErrorTerm,
)

from tests.solvers.test_legs import matches_reference

MV = 1e8
N_B = 3
N = 5
GAP = 1e-6
SEEDS = range(300, 360)


def make(seed: int) -> dict:
    """Raw inputs of one instance (units: notional, currency, currency per bp)."""
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(N_B), N)
    dv01 = rng.uniform(50, 400, N) * rng.choice([-1.0, 1.0], N)  # currency/bp per 1mm
    a = rng.normal(size=(N_B, N_B))
    krd0 = rng.uniform(-300, 900, N_B)
    band = float(rng.uniform(0.01, 0.05))
    return {
        "U": dv01[:, None] * w / 1e6,  # currency/bp per unit notional
        "cov": a @ a.T * 25.0 + np.eye(N_B) * 5.0,
        "krd0": krd0,
        "carry": rng.normal(0, 30, N) / 1e6,
        "hs": rng.uniform(0, 20, N) / 1e6,
        "margin": rng.uniform(100, 2000, N) / 1e6,
        "span": rng.integers(2, 4, N) * 1e6,
        "ticket": np.where(rng.random(N) < 0.6, rng.uniform(5, 400, N), 0.0),
        "max_legs": int(rng.integers(1, 4)),
        "lam": float(10 ** rng.uniform(-7, -5.5)),
        "target": float(krd0.sum() / (MV * 1e-4) + rng.uniform(-0.08, 0.02)),
        "band": band,
        "budget": float(rng.uniform(1500, 6000)) if rng.random() < 0.5 else None,
    }


def optimizer(c: dict) -> HedgeOptimizer:
    ins = [
        Instrument(
            name=f"s{k}",
            kind="swap",
            krd_dv01=c["U"][k],
            carry=c["carry"][k],
            half_spread=c["hs"][k],
            margin=c["margin"][k],
            lo=-c["span"][k],
            hi=c["span"][k],
            integer=False,
            ticket_cost=float(c["ticket"][k]),
        )
        for k in range(N)
    ]
    port = PortfolioRisk(MV, c["krd0"], 0.0, np.zeros(N_B))
    cons: list = [DurationBand(c["target"], c["band"])]
    if c["budget"] is not None:
        cons.append(MarginBudget(c["budget"]))
    terms = [TrackingErrorTerm(c["lam"]), CarryTerm(1.0), SlippageTerm(1.0)]
    return HedgeOptimizer(port, ins, c["cov"], terms, cons, gap_tol=GAP, time_limit=60.0,
                          max_legs=c["max_legs"])  # fmt: skip


def by_subsets(c: dict) -> float | None:
    """Smallest objective over subsets of at most ``max_legs`` instruments (None: none)."""
    y = cp.Variable(N)  # positions in 1mm of notional: the reference's own scaling
    on = cp.Parameter(N, nonneg=True)  # 1: the instrument may trade, 0: held at zero
    mm = 1e6
    e = c["krd0"] + (c["U"] * mm).T @ y  # key-rate gap, currency/bp (benchmark 0)
    L = np.linalg.cholesky(c["cov"])
    obj = (
        c["lam"] * cp.sum_squares(L.T @ e) - (c["carry"] * mm) @ y
        + (c["hs"] * mm) @ cp.abs(y)
    )  # fmt: skip
    dur = cp.sum(e) / (MV * 1e-4)
    cons = [
        y <= cp.multiply(on, c["span"] / mm),
        y >= -cp.multiply(on, c["span"] / mm),
        cp.abs(dur - c["target"]) <= c["band"],
    ]
    if c["budget"] is not None:
        cons.append((c["margin"] * mm) @ cp.abs(y) <= c["budget"])
    prob = cp.Problem(cp.Minimize(obj), cons)
    best = math.inf
    for k in range(c["max_legs"] + 1):
        for s in itertools.combinations(range(N), k):
            mask = np.zeros(N)
            mask[list(s)] = 1.0
            on.value = mask
            prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
            if prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
                best = min(best, float(prob.value) + float(c["ticket"][list(s)].sum()))
    return None if math.isinf(best) else best


@pytest.mark.parametrize("seed", SEEDS)
def test_cardinality_optimum_equals_enumeration_over_subsets(seed: int) -> None:
    c = make(seed)
    ref = by_subsets(c)
    opt = optimizer(c)
    res = opt.solve()
    if not matches_reference(res, ref, abs_tol=1e-6):
        return
    tol = GAP * max(1.0, abs(ref)) + 1e-6
    traded = np.abs(res.q) > 1e-6
    assert traded.sum() <= c["max_legs"]
    # the optimiser's own objective recomputed from the raw inputs at its plan
    e = c["krd0"] + c["U"].T @ res.q
    own = (
        c["lam"] * e @ c["cov"] @ e - c["carry"] @ res.q + c["hs"] @ np.abs(res.q)
        + c["ticket"][traded].sum()
    )  # fmt: skip
    assert abs(own - res.objective) <= tol, (own, res.objective)


def test_subset_instances_are_at_least_fifty() -> None:
    assert len(SEEDS) >= 50
