"""Leg searches with current positions (whole lots, or half a lot off) against enumeration.

The other leg tests (tests/solvers/test_legs.py, test_cardinality.py) start every instrument
flat (``q0 = 0``), where trades and positions coincide. Here the instances are
:func:`tests.solvers.test_legs.make_case`'s, all-integer, with current positions ``q0`` in
whole lots, one of them (odd seeds) half a lot off, so a plan that keeps that position is not
in whole lots and the instrument must trade. The reference enumerates every lot vector of the limits
from the raw inputs alone (objective, limits; minimum trades, tickets and the leg count on the
trades ``q - q0``); it shares no code with the optimiser.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from hedge_planner.solvers.legs import leg_violations
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    CarryTerm,
    DurationBand,
    MarginBudget,
    SlippageTerm,
    TrackingErrorTerm,
)

from tests.solvers.test_legs import GAP, MV, Case, make_case, matches_reference


def positions(c: Case, seed: int) -> np.ndarray:
    """Current positions (units): whole lots inside the limits; on odd seeds one instrument
    half a lot off (it must trade: the plan is in whole lots)."""
    rng = np.random.default_rng(1000 + seed)
    lo, hi = c.lo_lots / c.lot, c.hi_lots / c.lot
    lots = np.array([rng.integers(int(a), int(b) + 1) for a, b in zip(lo, hi, strict=True)], float)
    if seed % 2:
        j = int(rng.integers(len(lots)))
        lots[j] = lots[j] + 0.5 if lots[j] < hi[j] else lots[j] - 0.5
    return lots * c.lot


def optimizer(c: Case, q0: np.ndarray) -> HedgeOptimizer:
    """The optimiser of ``c`` (all instruments integer) with current positions ``q0``."""
    ins = [
        Instrument(
            name=f"i{k}", kind="future" if c.lot[k] == 1.0 else "swap", krd_dv01=c.U[k],
            carry=c.carry[k], half_spread=c.hs[k], margin=c.margin[k], lo=c.lo_lots[k],
            hi=c.hi_lots[k], integer=True, lot_size=float(c.lot[k]), q0=float(q0[k]),
            min_trade=float(c.min_trade[k]), ticket_cost=float(c.ticket[k]),
        )
        for k in range(len(c.lot))
    ]  # fmt: skip
    port = PortfolioRisk(MV, c.krd0, 0.0, np.zeros(len(c.krd0)))
    cons: list = [DurationBand(c.target, c.band)]
    if c.budget is not None:
        cons.append(MarginBudget(c.budget))
    terms = [TrackingErrorTerm(c.lam), CarryTerm(1.0), SlippageTerm(1.0)]
    return HedgeOptimizer(port, ins, c.cov, terms, cons, gap_tol=GAP, time_limit=60.0,
                          max_legs=c.max_legs)  # fmt: skip


def enumerate_box(c: Case, q0: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float | None:
    """Best objective over the lot vectors with positions in ``[lo, hi]`` (units), or None."""
    grids = [
        np.arange(math.ceil(a / s - 1e-9), math.floor(b / s + 1e-9) + 1) * s
        for a, b, s in zip(lo, hi, c.lot, strict=True)
    ]
    Q = np.array(list(itertools.product(*grids)), dtype=float).reshape(-1, len(c.lot))
    if not len(Q):
        return None
    T = Q - q0[None, :]  # trades
    traded = np.abs(T) > 1e-9 * c.lot
    e = c.krd0[None, :] + Q @ c.U
    obj = c.lam * np.einsum("ij,jk,ik->i", e, c.cov, e) - Q @ c.carry + np.abs(T) @ c.hs
    obj = obj + traded @ c.ticket
    feas = np.all(~traded | (np.abs(T) >= c.min_trade - 1e-9), axis=1)
    feas &= np.abs(e.sum(axis=1) / (MV * 1e-4) - c.target) <= c.band + 1e-12
    if c.max_legs is not None:
        feas &= traded.sum(axis=1) <= c.max_legs
    if c.budget is not None:
        feas &= np.abs(Q) @ c.margin <= c.budget + 1e-9
    return float(obj[feas].min()) if np.any(feas) else None


def instance(seed: int) -> tuple[Case, np.ndarray, HedgeOptimizer]:
    """Seed's all-integer case with positions; without max_legs on every third seed (then
    only instruments with a minimum trade or a ticket are legs), unless none has one."""
    c = make_case(seed, mixed=False, legs=True)
    c = dataclasses.replace(c, integer=np.ones(len(c.lot), dtype=bool))
    if seed % 3 == 0 and np.any((c.min_trade > 0) | (c.ticket > 0)):
        c = dataclasses.replace(c, max_legs=None)
    q0 = positions(c, seed)
    return c, q0, optimizer(c, q0)


@pytest.mark.parametrize("seed", range(40))
def test_leg_search_with_positions_matches_enumeration(seed: int) -> None:
    """The exact search finds the enumeration's optimum with current positions; on half the
    seeds the legs' big-M is tightened before the search (the root box's binaries fixed from
    the implied range around ``x0``), on the others as the search decides."""
    c, q0, opt = instance(seed)
    opt._miqp.lazy_tighten = seed % 4 >= 2
    ref = enumerate_box(c, q0, c.lo_lots, c.hi_lots)
    res = opt.solve()
    if not matches_reference(res, ref):
        return
    assert not leg_violations(opt.ctx, opt.legs, res.q)
    lots = res.q / c.lot
    np.testing.assert_array_equal(lots, np.round(lots))


def test_positions_instances_mostly_feasible() -> None:
    """The seeds above test plans, not only infeasibility proofs: most have a plan."""
    feasible = 0
    for seed in range(40):
        c, q0, _ = instance(seed)
        feasible += enumerate_box(c, q0, c.lo_lots, c.hi_lots) is not None
    assert feasible >= 28, feasible


def test_leg_rules_alone_infeasible_is_reported_not_raised() -> None:
    """Positions off whole lots on every instrument force each to trade; with ``max_legs: 1``
    no plan exists whatever the limits (the limits' minimal move cannot help). The optimiser
    says so as an infeasible result naming the rule, not a crash of the diagnosis."""
    c = make_case(1, mixed=False, legs=True)
    c = dataclasses.replace(c, integer=np.ones(len(c.lot), dtype=bool), max_legs=1)
    q0 = 1.5 * c.lot  # every position half a lot off: every instrument must trade
    # Reference: no lot vector in the box trades at most one instrument (brute force).
    assert enumerate_box(dataclasses.replace(c, budget=None), q0, c.lo_lots, c.hi_lots) is None
    res = optimizer(c, q0).solve()
    assert res.status == "infeasible", res.message
    assert res.quantities is None
    assert "max_legs" in res.message
    assert "whole lots" in res.message
    for k in range(len(c.lot)):
        assert f"i{k}" in res.message  # every instrument that must trade is named


def test_forced_trade_below_min_trade_is_reported() -> None:
    """One position half a lot off must trade, but its minimum trade exceeds every trade its
    position limits allow: infeasible whatever the limits, the instrument named."""
    c = make_case(2, mixed=False, legs=True)
    n = len(c.lot)
    c = dataclasses.replace(c, integer=np.ones(n, dtype=bool), max_legs=None)
    q0 = np.zeros(n)
    q0[0] = 0.5 * c.lot[0]  # between two whole lots
    span = (c.hi_lots[0] - c.lo_lots[0]) * c.lot[0]  # the longest trade the limits allow
    min_trade = c.min_trade.copy()
    min_trade[0] = 2.0 * span
    c = dataclasses.replace(c, min_trade=min_trade)
    assert enumerate_box(dataclasses.replace(c, budget=None), q0, c.lo_lots, c.hi_lots) is None
    res = optimizer(c, q0).solve()
    assert res.status == "infeasible", res.message
    assert res.quantities is None
    assert "whole lots" in res.message and "i0" in res.message and "min_trade" in res.message
