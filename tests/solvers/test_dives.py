"""Incumbent heuristics of the branch-and-bound: the leg-elimination dive and the budget.

References: enumeration of every binary vector (the optimum), hand computation (the budget's
arithmetic), and the invariant that heuristics never change what the search proves.
"""

from __future__ import annotations

import itertools
import math

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.branch_and_bound import BnBResult, branch_and_bound
from hedge_planner.solvers.dives import Heuristics
from hedge_planner.solvers.heuristic_budget import (
    DIVE_AFTER,
    DIVE_AFTER_LEGS,
    DIVE_EVERY,
    DIVE_EVERY_MAX,
    DiveSchedule,
    HeuristicBudget,
)
from hedge_planner.solvers.highs_backend import NodeOutcome

#: The covering instance: six leg binaries, at most two legs, at least one of z0, z1 and at
#: least one of z2, z3; each binary's cost ``(z - 0.3)^2``. Its relaxation sits at
#: z0..z3 = 0.5: rounding every used leg up breaks the leg limit, and no plan exists
#: without two of the four covering legs.
N, LIMIT, C = 6, 2, 0.3


def _covering_node(lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
    """The relaxation of the covering instance over the box ``[lo, hi]`` (CLARABEL)."""
    z = cp.Variable(N)
    cons = [z >= lo, z <= hi, cp.sum(z) <= LIMIT, z[0] + z[1] >= 1, z[2] + z[3] >= 1]
    prob = cp.Problem(cp.Minimize(cp.sum_squares(z - C)), cons)
    prob.solve(solver="CLARABEL")
    if prob.status == cp.INFEASIBLE:
        return NodeOutcome("infeasible", None, None)
    assert prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE)
    x = np.clip(np.asarray(z.value, dtype=float), lo, hi)
    # The objective at the clipped point less a tolerance: a valid bound at 1e-7.
    return NodeOutcome("optimal", x, float(np.sum((x - C) ** 2)) - 1e-7)


def _enumerated() -> float:
    best = math.inf
    for p in itertools.product((0.0, 1.0), repeat=N):
        z = np.array(p)
        if z.sum() <= LIMIT and z[0] + z[1] >= 1 and z[2] + z[3] >= 1:
            best = min(best, float(np.sum((z - C) ** 2)))
    return best


def _search(leg_limit: int | None, max_nodes: int, budget: HeuristicBudget | None = None):
    ones = np.ones(N)
    return branch_and_bound(
        _covering_node, np.arange(N), np.zeros(N), ones, gap_tol=1e-9, time_limit=60.0,
        max_nodes=max_nodes, round_up=ones.astype(bool), priority=ones, leg_limit=leg_limit,
        heuristic_budget=budget,
    )  # fmt: skip


class _Probe(Heuristics):
    """The heuristics alone over the covering instance: counts QPs, keeps the best plan."""

    def __init__(self, leg_limit: int | None) -> None:
        self.ic, self.up = np.arange(N), np.ones(N, dtype=bool)
        self.prio, self.hess, self.ub = np.ones(N), None, math.inf
        self.rounded_sets: set[bytes] = set()
        self.leg_limit = leg_limit
        self.best: np.ndarray | None = None
        self.qps = 0

    def solve_node(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        self.qps += 1
        return _covering_node(lo, hi)

    def try_fixed(self, r: np.ndarray) -> None:
        out = self.solve_node(r, r)
        if out.status == "optimal" and out.objective is not None and out.objective < self.ub:
            self.ub, self.best = out.objective, r.copy()


def test_leg_dive_from_the_root_ends_with_a_plan_that_meets_every_rule() -> None:
    """From the root relaxation (z0..z3 at 0.5: rounding every used leg up breaks the
    limit), the elimination dive ends with an integer plan within the leg limit and the
    covering rows, in at most one QP per binary plus the lots' dive and its rounding."""
    root = _covering_node(np.zeros(N), np.ones(N))
    assert root.x is not None
    assert np.sum(np.ceil(root.x - 1e-6)) > LIMIT  # rounding up breaks the limit
    probe = _Probe(LIMIT)
    probe.leg_dive(np.zeros(N), np.ones(N), root.x, 0.0)
    assert probe.best is not None
    z = probe.best
    assert np.all(np.isin(z, (0.0, 1.0)))
    assert z.sum() <= LIMIT and z[0] + z[1] >= 1 and z[2] + z[3] >= 1
    assert probe.qps <= 2 * N + 2


@pytest.mark.parametrize("leg_limit", [None, LIMIT])
def test_the_optimum_equals_enumeration_with_and_without_leg_dives(leg_limit: int | None) -> None:
    res = _search(leg_limit, max_nodes=10_000)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(_enumerated(), abs=1e-6)


def test_budget_arithmetic() -> None:
    """``spent <= free + share * nodes``; an improvement resets ``spent``, ``total`` keeps all."""
    b = HeuristicBudget(free=10, share=0.1)
    assert b.allows(0)
    b.charge(10, improved=False)
    assert b.allows(0)  # 10 <= 10
    b.charge(1, improved=False)
    assert not b.allows(9) and b.allows(10)  # 11 <= 10 + 0.1 * 10
    b.charge(5, improved=True)
    assert b.spent == 0 and b.total == 16 and b.allows(0)


def _separable(c: np.ndarray):
    def solve(lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        if np.any(lo > hi):
            return NodeOutcome("infeasible", None, None)
        x = np.clip(c, lo, hi)
        return NodeOutcome("optimal", x, float(np.sum((x - c) ** 2)))

    return solve


_K = 8  # binaries of the instance where no heuristic can improve the rounded root


def _unimprovable(free: float) -> BnBResult:
    """Centres just above 0.5: the rounded root (all 1) is the optimum, so no heuristic can
    improve it and the proof takes ~2^k nodes; searched with the heuristic budget ``free``
    (share 0), its optimum asserted equal to enumeration."""
    c = np.full(_K, 0.5) + np.linspace(0.001, 0.01, _K)
    res = branch_and_bound(
        _separable(c), np.arange(_K), np.zeros(_K), np.ones(_K), gap_tol=0.0, time_limit=60.0,
        max_nodes=100_000, heuristic_budget=HeuristicBudget(free=free, share=0.0),
    )  # fmt: skip
    points = itertools.product((0, 1), repeat=_K)
    ref = min(float(np.sum((np.array(p) - c) ** 2)) for p in points)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(ref, abs=1e-12)
    return res


@pytest.mark.parametrize("free", [0.0, 80.0, math.inf])
def test_the_budget_never_changes_the_optimum_and_caps_failing_heuristics(free: float) -> None:
    """With no budget (``free = share = 0``) the heuristics stop after the first dive (at most
    one QP per integer position and its final rounding); every budget proves the enumerated
    optimum."""
    k = _K
    res = _unimprovable(free)
    if free == 0.0:
        assert res.heuristic_nodes <= k + 1
    else:
        assert res.heuristic_nodes <= free + k + 1  # one dive past the budget at most
    assert res.nodes > 100  # the proof, not the heuristics, decides the search


def test_dive_schedule_doubles_after_failed_dives_and_resets_after_an_improvement() -> None:
    """First dive after DIVE_AFTER (DIVE_AFTER_LEGS with legs); from an incumbent, each dive
    that leaves it unchanged doubles the interval up to DIVE_EVERY_MAX, one that lowers it
    resets the interval; without an incumbent the interval stays DIVE_EVERY."""
    assert DiveSchedule(10, legs=False).next == 10 + DIVE_AFTER
    d = DiveSchedule(10, legs=True)
    assert d.next == 10 + DIVE_AFTER_LEGS and not d.due(d.next - 1) and d.due(d.next)
    d.dived(100, math.inf, math.inf)  # no incumbent before or after
    assert d.next == 100 + DIVE_EVERY
    d.dived(200, math.inf, 5.0)  # a first plan
    assert d.next == 200 + DIVE_EVERY
    intervals = []
    for n in range(10):
        d.dived(1000 * n, 5.0, 5.0)  # from an incumbent, no improvement
        intervals.append(d.next - 1000 * n)
    expected = [min(DIVE_EVERY * 2**i, DIVE_EVERY_MAX) for i in range(1, 11)]
    assert intervals == expected and intervals[-1] == DIVE_EVERY_MAX
    d.dived(20_000, 5.0, 4.0)  # an improvement
    assert d.next == 20_000 + DIVE_EVERY
    d.dived(30_000, 4.0, 4.0)
    assert d.next == 30_000 + 2 * DIVE_EVERY


def test_dives_that_cannot_improve_the_incumbent_thin_out() -> None:
    """The instance where no dive can improve the rounded root, with an unlimited heuristic
    budget: the dives' intervals double, so they spend at most one dive (k + 1 QPs) per
    interval of 24, 48, ..., 768 node QPs and one per 768 after (a fixed interval of 24 spent
    42 QPs on the 554 node QPs of this search), and the optimum is the enumerated one."""
    k = _K
    res = _unimprovable(math.inf)
    doublings = int(math.log2(DIVE_EVERY_MAX // DIVE_EVERY)) + 1
    most_dives = 1 + doublings + res.nodes / DIVE_EVERY_MAX
    assert res.nodes > 100
    assert res.heuristic_nodes <= (k + 1) * most_dives
    assert res.heuristic_nodes < res.nodes / DIVE_EVERY  # a fixed interval would spend more
