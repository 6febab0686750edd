"""Tradable legs (lots, minimum trades, ticket costs, max_legs) against brute-force enumeration.

Each random instance is small enough to enumerate: every lot count of the integer
instruments in its box and, for the one continuous instrument of the mixed instances, each
of its three modes (no trade, buy at least the minimum, sell at least the minimum) with the
best trade of that mode in closed form (a one-dimensional convex quadratic on an interval).
The reference recomputes objective and limits from the raw inputs alone, so it shares no
code with the optimiser.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hedge_planner.solvers.legs import leg_violations
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import HedgeInputError, Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    CarryTerm,
    DurationBand,
    MarginBudget,
    SlippageTerm,
    TrackingErrorTerm,
)

MV = 1e8
N_B = 3
GAP = 1e-6


@dataclass
class Case:
    """Raw inputs of one instance (units: contracts / notional, currency, currency per bp)."""

    krd0: np.ndarray
    cov: np.ndarray
    U: np.ndarray  # (n, n_b) per unit
    carry: np.ndarray
    hs: np.ndarray
    margin: np.ndarray
    lot: np.ndarray
    lo_lots: np.ndarray
    hi_lots: np.ndarray
    integer: np.ndarray
    min_trade: np.ndarray
    ticket: np.ndarray
    max_legs: int | None
    lam: float
    target: float
    band: float
    budget: float | None


def make_case(seed: int, mixed: bool, legs: bool) -> Case:
    """A random instance: 3 integer instruments (+1 continuous swap when ``mixed``)."""
    rng = np.random.default_rng(seed)
    n = 4 if mixed else 3 + int(rng.integers(0, 2))
    integer = np.ones(n, dtype=bool)
    if mixed:
        integer[-1] = False
    lot = np.where(rng.random(n) < 0.5, 1.0, 1e6)
    lot[~integer] = 1.0
    # DV01 per lot 50..400 currency/bp, spread over the buckets
    per_lot = rng.uniform(50, 400, n) * rng.choice([-1.0, 1.0], n)
    w = rng.dirichlet(np.ones(N_B), n)
    U = (per_lot[:, None] * w) / lot[:, None]
    U[~integer] = (rng.uniform(50, 400) * rng.dirichlet(np.ones(N_B)))[None, :] / 1e6
    unit_lot = np.where(integer, lot, 1e6)  # continuous swap: "a lot" = 1e6 for sizes
    span = rng.integers(2, 4, n).astype(float)
    lo_lots, hi_lots = -span, span
    krd0 = rng.uniform(-300, 900, N_B)
    a = rng.normal(size=(N_B, N_B))
    cov = a @ a.T * 25.0 + np.eye(N_B) * 5.0
    carry = rng.normal(0, 30, n) / unit_lot
    hs = rng.uniform(0, 20, n) / unit_lot
    margin = rng.uniform(100, 2000, n) / unit_lot
    min_trade = np.where(rng.random(n) < 0.6, rng.integers(1, 3, n) * unit_lot, 0.0)
    ticket = np.where(rng.random(n) < 0.6, rng.uniform(5, 400, n), 0.0)
    max_legs = int(rng.integers(1, n)) if legs else None
    pre_dur = krd0.sum() / (MV * 1e-4)
    target = pre_dur + rng.uniform(-0.08, 0.02)
    band = rng.uniform(0.01, 0.05)
    budget = float(rng.uniform(1500, 6000)) if rng.random() < 0.5 else None
    return Case(krd0, cov, U, carry, hs, margin, lot, lo_lots * unit_lot, hi_lots * unit_lot,
                integer, min_trade, ticket, max_legs, float(10 ** rng.uniform(-7, -5.5)),
                float(target), float(band), budget)  # fmt: skip


def optimizer(c: Case, method: str = "auto") -> HedgeOptimizer:
    n = len(c.lot)
    ins = [
        Instrument(
            name=f"i{k}",
            kind="future" if c.integer[k] and c.lot[k] == 1.0 else "swap",
            krd_dv01=c.U[k],
            carry=c.carry[k],
            half_spread=c.hs[k],
            margin=c.margin[k],
            lo=c.lo_lots[k],
            hi=c.hi_lots[k],
            integer=bool(c.integer[k]),
            lot_size=float(c.lot[k]),
            min_trade=float(c.min_trade[k]),
            ticket_cost=float(c.ticket[k]),
        )
        for k in range(n)
    ]
    port = PortfolioRisk(MV, c.krd0, 0.0, np.zeros(N_B))
    cons: list = [DurationBand(c.target, c.band)]
    if c.budget is not None:
        cons.append(MarginBudget(c.budget))
    terms = [TrackingErrorTerm(c.lam), CarryTerm(1.0), SlippageTerm(1.0)]
    return HedgeOptimizer(port, ins, c.cov, terms, cons, gap_tol=GAP, time_limit=60.0,
                          max_legs=c.max_legs, integer_method=method)  # fmt: skip


def brute_force(c: Case) -> float | None:
    """Optimal objective by enumeration (None: infeasible), from the raw inputs only."""
    ints = np.flatnonzero(c.integer)
    grids = [
        np.arange(round(c.lo_lots[k] / c.lot[k]), round(c.hi_lots[k] / c.lot[k]) + 1) * c.lot[k]
        for k in ints
    ]
    Q = np.array(list(itertools.product(*grids)), dtype=float)  # (m, n_int)
    dv = MV * 1e-4
    e_i = c.krd0[None, :] + Q @ c.U[ints]  # key-rate gap (benchmark 0)
    lin = Q @ (-c.carry[ints]) + np.abs(Q) @ c.hs[ints]
    traded = np.abs(Q) > 0
    lin = lin + traded @ c.ticket[ints]
    legs = traded.sum(axis=1)
    ok = np.all(~traded | (np.abs(Q) >= c.min_trade[ints] - 1e-9), axis=1)
    marg = np.abs(Q) @ c.margin[ints]
    best = math.inf
    cont = np.flatnonzero(~c.integer)
    if len(cont) == 0:
        dur = e_i.sum(axis=1) / dv
        feas = ok & (np.abs(dur - c.target) <= c.band + 1e-12)
        if c.max_legs is not None:
            feas &= legs <= c.max_legs
        if c.budget is not None:
            feas &= marg <= c.budget + 1e-9
        obj = c.lam * np.einsum("ij,jk,ik->i", e_i, c.cov, e_i) + lin
        return float(obj[feas].min()) if np.any(feas) else None
    (j,) = cont
    u = c.U[j]
    for r in range(len(Q)):
        if not ok[r]:
            continue
        for mode in (0, 1, -1):
            n_legs = legs[r] + (mode != 0)
            if c.max_legs is not None and n_legs > c.max_legs:
                continue
            if mode == 0:
                lo = hi = 0.0
            elif mode == 1:
                lo, hi = max(c.min_trade[j], 1e-300), c.hi_lots[j]
            else:
                lo, hi = c.lo_lots[j], -max(c.min_trade[j], 1e-300)
            # duration band: |(sum e + t sum u)/dv - target| <= band
            s0, s1 = e_i[r].sum() / dv, u.sum() / dv
            lo_b, hi_b = sorted(((c.target - c.band - s0) / s1, (c.target + c.band - s0) / s1))
            lo, hi = max(lo, lo_b), min(hi, hi_b)
            if c.budget is not None:
                room = (c.budget - marg[r]) / c.margin[j]
                lo, hi = max(lo, -room), min(hi, room)
            if lo > hi + 1e-12:
                continue
            # objective along t (sign fixed): alpha t^2 + beta t + const
            alpha = c.lam * float(u @ c.cov @ u)
            beta = 2 * c.lam * float(e_i[r] @ c.cov @ u) - c.carry[j] + mode * c.hs[j]
            t = min(max(-beta / (2 * alpha), lo), hi) if mode else 0.0
            obj = (
                c.lam * float(e_i[r] @ c.cov @ e_i[r]) + lin[r] + alpha * t * t + beta * t
                + (c.ticket[j] if mode else 0.0)
            )  # fmt: skip
            best = min(best, obj)
    return None if math.isinf(best) else best


def matches_reference(res: Any, ref: float | None, abs_tol: float = 1e-7) -> bool:
    """Assert the optimiser's result ``res`` against the enumerated optimum ``ref`` (None: no
    plan exists): infeasible, or optimal with an objective within the 1e-6 gap of ``ref``
    (never better: the enumeration is exhaustive). True when a plan was checked."""
    if ref is None:
        assert res.status == "infeasible", res.message
        return False
    assert res.status == "optimal", res.message
    assert res.q is not None and res.objective is not None
    tol = GAP * max(1.0, abs(ref)) + abs_tol
    assert res.objective <= ref + tol, (res.objective, ref)
    assert res.objective >= ref - tol, (res.objective, ref)
    return True


def _check(c: Case, method: str = "auto", optimizer_override: HedgeOptimizer | None = None) -> None:
    """The optimiser of ``c`` (or ``optimizer_override``, holding ``c``'s data) against
    enumeration."""
    ref = brute_force(c)
    opt = optimizer(c, method) if optimizer_override is None else optimizer_override
    res = opt.solve()
    if not matches_reference(res, ref):
        return
    assert not leg_violations(opt.ctx, opt.legs, res.q)
    lots = res.q[c.integer] / c.lot[c.integer]
    np.testing.assert_array_equal(lots, np.round(lots))
    traded = np.abs(res.q) > 0
    if c.max_legs is not None:
        assert traded.sum() <= c.max_legs
    assert np.all(np.abs(res.q[traded]) >= c.min_trade[traded] * (1 - 1e-9))


@pytest.mark.parametrize("seed", range(60))
def test_lots_and_legs_match_enumeration_all_integer(seed: int) -> None:
    """Integer lots, minimum trades and tickets; max_legs on two of every three seeds."""
    _check(make_case(seed, mixed=False, legs=seed % 3 != 0))


@pytest.mark.parametrize("seed", range(100, 150))
def test_lots_and_legs_match_enumeration_mixed(seed: int) -> None:
    """Three lot instruments and a continuous swap with a minimum trade; max_legs on most."""
    _check(make_case(seed, mixed=True, legs=seed % 5 != 0))


@pytest.mark.parametrize("seed", range(200, 215))
def test_outer_approximation_matches_enumeration(seed: int) -> None:
    """The second exact method alone proves the same optimum."""
    _check(make_case(seed, mixed=seed % 2 == 0, legs=True), method="oa")


def test_cardinality_instances_are_at_least_fifty() -> None:
    """The acceptance count: instances above with a max_legs limit."""
    n = sum(seed % 3 != 0 for seed in range(60)) + sum(seed % 5 != 0 for seed in range(100, 150))
    assert n >= 50


def test_legs_need_finite_position_limits() -> None:
    c = make_case(0, mixed=False, legs=True)
    c.hi_lots = c.hi_lots.copy()
    c.hi_lots[0] = math.inf
    with pytest.raises(HedgeInputError, match="finite position limit"):
        optimizer(c)


def test_ticket_costs_are_reported_apart() -> None:
    """The objective is the terms plus the tickets of the legs traded (hand sum)."""
    c = make_case(7, mixed=False, legs=False)
    c.ticket = np.array([123.0] * len(c.lot))
    opt = optimizer(c)
    res = opt.solve()
    assert res.status == "optimal" and res.q is not None and res.objective is not None
    n_legs = int(np.sum(np.abs(res.q) > 0))
    assert res.costs["tickets"] == pytest.approx(123.0 * n_legs)
    assert res.objective == pytest.approx(sum(res.costs.values()))


def test_roundings_of_decided_leg_sets_supply_incumbents(monkeypatch: pytest.MonkeyPatch) -> None:
    """The roundings of best nodes whose legs are decided (``_Search.round_decided``) run in
    the leg searches and improve the incumbent on some instances; the optimum still equals
    enumeration (every plan they give is a fixed-integer QP)."""
    from hedge_planner.solvers import branch_and_bound as bb

    improved = 0
    real = bb._Search.round_decided

    def spy(self: Any, lo: np.ndarray, hi: np.ndarray, x: np.ndarray) -> None:
        nonlocal improved
        before = self.ub
        real(self, lo, hi, x)
        improved += self.ub < before

    monkeypatch.setattr(bb._Search, "round_decided", spy)
    for seed in range(300, 330):
        _check(make_case(seed, mixed=seed % 2 == 0, legs=True), "bnb")
    assert improved >= 3, improved
