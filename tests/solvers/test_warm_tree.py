"""Searches started from the previous search's leaves (solvers/warm_tree.py) on changed data.

Reference: brute-force enumeration of each changed instance (tests/solvers/test_legs.py, which
recomputes objective and limits from the raw inputs). One optimiser per instance is solved,
then its duration target and risk aversion are moved (Parameters, no rebuild) and it is
solved again: the second search starts from the first one's tree, whose leaves' multipliers
bound the boxes on the new data. Its optimum must be enumeration's to the gap, whether the
new data closed most leaves (replayed) or few (a search from the root).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hedge_planner.solvers import branch_and_bound as bnb
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.warm_tree import Leaf, SearchTree, TreeRecorder

from tests.solvers.test_legs import _check, make_case, optimizer


def test_recorder_keeps_the_unsplit_boxes_and_refuses_after_a_failed_node() -> None:
    rec = TreeRecorder()
    root = (np.array([0.0, 0.0]), np.array([3.0, 3.0]))
    left = (np.array([0.0, 0.0]), np.array([1.0, 3.0]))
    right = (np.array([2.0, 0.0]), np.array([3.0, 3.0]))
    y = np.array([1.0])
    rec.solved(*root, NodeOutcome("optimal", np.zeros(2), 1.0, 1.0, y))
    rec.split(*root)
    rec.solved(*left, NodeOutcome("optimal", np.zeros(2), 2.0, 2.0, y))
    rec.solved(*right, NodeOutcome("infeasible", None, None))
    tree = rec.tree(*root)
    assert tree is not None and tree.fits(*root) and not tree.fits(*left)
    boxes = sorted((tuple(leaf.lo), tuple(leaf.hi), leaf.dual is None) for leaf in tree.leaves)
    assert boxes == [((0.0, 0.0), (1.0, 3.0), False), ((2.0, 0.0), (3.0, 3.0), True)]
    rec.solved(*left, NodeOutcome("error", None, None))
    assert rec.tree(*root) is None


def test_replay_declines_when_few_leaves_close() -> None:
    leaves = tuple(Leaf(np.array([float(i)]), np.array([float(i)]), np.ones(1)) for i in range(4))
    tree = SearchTree(np.array([0.0]), np.array([3.0]), leaves)
    solved: list[float] = []

    def expand(lo: np.ndarray, hi: np.ndarray, bound: float) -> NodeOutcome:
        solved.append(float(lo[0]))
        return NodeOutcome("optimal", lo, 10.0 + lo[0], 10.0 + lo[0])

    def certify(duals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.array([5.0, 20.0, 30.0, 6.0])  # two of four close at "bound >= 10"

    kept: list[Leaf] = []
    low = bnb.replay(tree, certify, lambda b: b >= 10.0, kept.append, expand)
    assert low == 10.0  # leaves 0 and 3 solved (10 and 13), 1 and 2 kept (20, 30)
    assert sorted(solved) == [0.0, 3.0] and len(kept) == 2

    def weak(duals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.array([5.0, 20.0, 6.0, 7.0])  # one of four: a root search instead

    solved.clear()
    assert bnb.replay(tree, weak, lambda b: b >= 10.0, kept.append, expand) is None
    assert solved == []


def test_warm_started_searches_match_enumeration_on_moved_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """16 leg instances, each solved and then re-solved three times on moved data (duration
    target, risk aversion): every re-solve equals enumeration; both paths ran (measured: 20
    re-solves replayed the leaves, 24 declined and searched from the root)."""
    replays: list[bool] = []
    real = bnb.replay

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real(*args, **kwargs)
        replays.append(out is not None)
        return out

    monkeypatch.setattr(bnb, "replay", spy)
    for seed in range(300, 316):
        c = make_case(seed, mixed=seed % 2 == 0, legs=True)
        opt = optimizer(c, "bnb")
        if opt.solve().status != "optimal":
            continue  # an infeasible instance leaves no tree
        rng = np.random.default_rng(seed)
        for _ in range(3):
            moved = dataclasses.replace(
                c,
                target=c.target + float(rng.uniform(-0.004, 0.004)),
                lam=c.lam * float(rng.uniform(0.97, 1.03)),
            )
            opt.set_params(duration_target=moved.target, risk_aversion=moved.lam)
            _check(moved, optimizer_override=opt)
            c = moved
    assert sum(replays) >= 10 and len(replays) - sum(replays) >= 5, replays


def _separable_with_duals(c: np.ndarray):  # type: ignore[no-untyped-def]
    """Relaxation of ``sum (x - c)^2`` over a box: ``clip(c)``; a (dummy) multiplier kept."""

    def solve(lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        if np.any(lo > hi):
            return NodeOutcome("infeasible", None, None)
        x = np.clip(c, lo, hi)
        obj = float(np.sum((x - c) ** 2))
        return NodeOutcome("optimal", x, obj, obj, np.zeros(1))

    def exact(lo: np.ndarray, hi: np.ndarray) -> float:
        return float(np.sum((np.clip(c, lo, hi) - c) ** 2))

    return solve, exact


def _enumerate(c: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    import itertools

    grid = itertools.product(*(range(int(a), int(b) + 1) for a, b in zip(lo, hi, strict=True)))
    return min(float(np.sum((np.array(p) - c) ** 2)) for p in grid)


def test_a_replayed_search_proves_the_moved_optimum_and_stops_at_its_node_cap() -> None:
    """Separable integer QPs (optimum by enumeration): a search's tree, replayed on moved
    centres with exact box bounds as the certificate, proves the new optimum; with bounds
    too weak to close most leaves, it searches from the root; with a node cap reached in
    the replay, it stops unproven (the leaves left are queued, never pruned)."""
    rng = np.random.default_rng(7)
    k = 4
    lo, hi = np.full(k, -3.0), np.full(k, 3.0)
    c = rng.uniform(-2.5, 2.5, k)
    solve, _ = _separable_with_duals(c)
    first = bnb.branch_and_bound(solve, np.arange(k), lo, hi, gap_tol=0.0, time_limit=30.0,
                                 max_nodes=10_000)  # fmt: skip
    assert first.status == "optimal" and first.tree is not None and first.x is not None
    assert first.objective == pytest.approx(_enumerate(c, lo, hi), abs=1e-12)
    moved = c + rng.uniform(-0.05, 0.05, k)
    solve2, exact2 = _separable_with_duals(moved)

    def certify(duals: np.ndarray, los: np.ndarray, his: np.ndarray) -> np.ndarray:
        return np.array([exact2(a, b) for a, b in zip(los, his, strict=True)])

    kw = {"gap_tol": 1e-9, "time_limit": 30.0, "warm_tree": first.tree, "certify": certify}
    res = bnb.branch_and_bound(solve2, np.arange(k), lo, hi, max_nodes=10_000,
                               warm_int=np.round(first.x), **kw)  # fmt: skip
    assert res.status == "optimal"
    assert res.objective == pytest.approx(_enumerate(moved, lo, hi), abs=1e-9)
    assert res.nodes < first.nodes  # measured: 4 node QPs against the first search's 14

    def weak(duals: np.ndarray, los: np.ndarray, his: np.ndarray) -> np.ndarray:
        return certify(duals, los, his) - 100.0  # valid, closes nothing

    kw["certify"] = weak
    res = bnb.branch_and_bound(solve2, np.arange(k), lo, hi, max_nodes=10_000, **kw)
    assert res.status == "optimal" and res.nodes == first.nodes  # from the root, as the first
    assert res.objective == pytest.approx(_enumerate(moved, lo, hi), abs=1e-9)

    def half(duals: np.ndarray, los: np.ndarray, his: np.ndarray) -> np.ndarray:
        b = certify(duals, los, his)
        b[: len(b) // 3] -= 100.0  # a third of the leaves must be solved again
        return b

    kw["certify"] = half
    capped = bnb.branch_and_bound(solve2, np.arange(k), lo, hi, max_nodes=1,
                                  warm_int=np.round(first.x), **kw)  # fmt: skip
    assert capped.status == "node_limit" and capped.nodes == 1 and capped.tree is None


def test_clearing_the_warm_start_drops_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """``warm_int = None`` (the grid does it before each point, for order-independent
    results) starts the next search from the root: no replay, the same node count as the
    first solve from scratch."""
    asked: list[bool] = []
    real = bnb.replay

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(bnb, "replay", spy)
    c = make_case(302, mixed=True, legs=True)  # replays when warm (the test above)
    opt = optimizer(c, "bnb")
    first = opt.solve()
    assert first.status == "optimal"
    opt.solve()
    assert asked  # warm: the tree was offered
    asked.clear()
    opt.warm_int = None
    again = opt.solve()
    assert not asked
    assert again.iterations == first.iterations and again.objective == first.objective
