"""Pseudo-cost branching: the bookkeeping by hand, and the searches that use it.

The rule only chooses which position a node is split on; exactness is checked against
enumeration: the instances of ``test_legs.py`` (lots, minimum trades, tickets,
``max_legs``) and ``test_cardinality.py`` (subsets under ``max_legs``) solved with every
node branched by pseudo-costs (the searches switch to them after ``_PSEUDO_AFTER`` node
QPs, which these small instances never reach), and synthetic coupled boxes.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hedge_planner.solvers import branch_and_bound as bnb
from hedge_planner.solvers import branching
from hedge_planner.solvers.branch_and_bound import branch_and_bound
from hedge_planner.solvers.branching import PseudoCosts, child_box
from hedge_planner.solvers.highs_backend import NodeOutcome

from tests.solvers import test_cardinality, test_legs


def test_record_averages_the_rise_per_unit_distance() -> None:
    pc = PseudoCosts(3)
    pc.record(0, False, 6.0, 0.5)  # 12 per unit
    pc.record(0, False, 2.0, 0.25)  # 8 per unit
    pc.record(0, True, 3.0, 0.75)  # 4 per unit
    pc.record(1, True, -1e-9, 0.5)  # solver noise: a rise of 0
    pc.record(2, True, float("nan"), 0.5)  # ignored
    pc.record(2, False, 1.0, 0.0)  # no distance: ignored
    pu = pc.per_unit()
    assert pu[0, 0] == pytest.approx(10.0) and pu[1, 0] == pytest.approx(4.0)
    assert pu[1, 1] == 0.0
    # unobserved entries take the mean of their direction's observed ones
    assert pu[0, 1] == pytest.approx(10.0) and pu[0, 2] == pytest.approx(10.0)
    assert pu[1, 2] == pytest.approx(2.0)  # mean of 4 and 0
    assert pc.n[0].tolist() == [2, 0, 0] and pc.n[1].tolist() == [1, 1, 0]


def test_nothing_observed_ranks_by_the_product_of_the_distances() -> None:
    """With no observations every rate is 1: the score is ``f (1 - f)``, most fractional wins."""
    pc = PseudoCosts(3)
    frac = np.array([0.1, 0.45, 0.8])
    assert pc.best(np.arange(3), frac) == 1


def test_product_score_prefers_a_rise_both_ways() -> None:
    """Position 0 moves the bound by 100 one way and nothing the other; position 1 by 5
    both ways: the product prefers 1 (both children move), a sum would pick 0."""
    pc = PseudoCosts(2)
    for j, (dn, up) in enumerate(((200.0, 0.0), (10.0, 10.0))):
        pc.record(j, False, dn * 0.5, 0.5)
        pc.record(j, True, up * 0.5, 0.5)
    assert pc.best(np.arange(2), np.array([0.5, 0.5])) == 1


def test_child_boxes_split_the_node() -> None:
    lo, hi = np.array([0.0, -3.0]), np.array([4.0, 3.0])
    assert [b.tolist() for b in child_box(lo, hi, 1, -0.4, False)] == [[0, -3], [4, -1]]
    assert [b.tolist() for b in child_box(lo, hi, 1, -0.4, True)] == [[0, 0], [4, 3]]


def _coupled(Q: np.ndarray, c: np.ndarray) -> Any:
    """Node solver of ``(x - c)' Q (x - c)`` over an integer box: the minimum over the box's
    grid of step 1/8. The grid holds every integer point of the box, so its minimum bounds
    them (a relaxation between the continuous one and the integer problem: valid for the
    search), and an integral minimiser is an integer point's exact value."""

    def solve(lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        if np.any(lo > hi):
            return NodeOutcome("infeasible", None, None)
        axes = [np.arange(a, b + 1e-9, 0.125) for a, b in zip(lo, hi, strict=True)]
        pts = np.array(list(itertools.product(*axes)))
        d = pts - c
        val = np.einsum("ij,jk,ik->i", d, Q, d)
        i = int(np.argmin(val))
        return NodeOutcome("optimal", pts[i], float(val[i]))

    return solve


def test_pseudo_cost_search_matches_enumeration_on_coupled_boxes() -> None:
    """Non-separable objectives (the rule has something to learn): the pseudo-cost search
    ends at the enumerated optimum, as the most-fractional one does."""
    rng = np.random.default_rng(3)
    for _ in range(12):
        k = 3
        a = rng.normal(size=(k, k))
        Q = a @ a.T + 0.1 * np.eye(k)
        c = rng.uniform(-2, 2, k)
        lo, hi = np.full(k, -3.0), np.full(k, 3.0)
        grid = np.array(list(itertools.product(range(-3, 4), repeat=k)), dtype=float)
        d = grid - c
        ref = float(np.min(np.einsum("ij,jk,ik->i", d, Q, d)))
        for pseudo in (False, True):
            res = branch_and_bound(_coupled(Q, c), np.arange(k), lo, hi, gap_tol=0.0,
                                   time_limit=60.0, max_nodes=100_000,
                                   pseudo_costs=pseudo)  # fmt: skip
            assert res.status == "optimal"
            assert res.objective == pytest.approx(ref, abs=1e-12)


def _count(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count pseudo-cost observations and choices made from them."""
    seen = {"record": 0, "best": 0}
    real_record, real_best = PseudoCosts.record, PseudoCosts.best

    def record(self: PseudoCosts, *a: Any) -> None:
        seen["record"] += 1
        real_record(self, *a)

    def best(self: PseudoCosts, *a: Any) -> int:
        seen["best"] += 1
        return real_best(self, *a)

    monkeypatch.setattr(branching.PseudoCosts, "record", record)
    monkeypatch.setattr(branching.PseudoCosts, "best", best)
    return seen


@pytest.fixture
def from_the_root(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Pseudo-costs from the first node (the small instances end before the switch)."""
    monkeypatch.setattr(bnb, "_PSEUDO_AFTER", 0)
    return _count(monkeypatch)


@pytest.mark.parametrize("seed", range(40))
def test_lots_and_legs_by_pseudo_costs_match_enumeration(
    seed: int, from_the_root: dict[str, int]
) -> None:
    """The enumeration checks of ``test_legs.py`` (lots, minimum trades, tickets,
    ``max_legs``) with every node branched by pseudo-costs."""
    test_legs._check(test_legs.make_case(seed, mixed=seed % 2 == 1, legs=True), "bnb")


@pytest.mark.parametrize("seed", list(test_cardinality.SEEDS)[:30])
def test_subsets_by_pseudo_costs_match_enumeration(
    seed: int, monkeypatch: pytest.MonkeyPatch, from_the_root: dict[str, int]
) -> None:
    """The subset enumeration of ``test_cardinality.py`` with pseudo-cost branching."""
    test_cardinality.test_cardinality_optimum_equals_enumeration_over_subsets(seed)


def test_those_searches_choose_by_pseudo_costs(from_the_root: dict[str, int]) -> None:
    """The two tests above are not vacuous: their searches learn costs and choose by them."""
    for seed in range(12):
        test_legs.optimizer(
            test_legs.make_case(seed, mixed=seed % 2 == 1, legs=True), "bnb"
        ).solve()
    for seed in list(test_cardinality.SEEDS)[:12]:
        test_cardinality.optimizer(test_cardinality.make(seed)).solve()
    assert from_the_root["record"] >= 30 and from_the_root["best"] >= 15, from_the_root
