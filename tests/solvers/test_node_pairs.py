"""Sibling relaxations solved two at a time (solvers/node_solvers.py ``NodeSolvers.pair``).

The branch-and-bound solves both children of a branching on two threads when the interior
point is its node solver; everything that reads the search's state runs afterwards in the
serial order. So the search must be the serial one: the same node count, plan and bound as
with one thread (``HEDGE_PLANNER_THREADS=1``), and exact against enumeration (the reference
of tests/solvers/test_legs.py, which shares no code with the optimiser).
"""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pytest
from hedge_planner.solvers import node_solvers
from hedge_planner.solvers.node_solvers import NodeSolvers

from tests.solvers.test_legs import GAP, brute_force, make_case, optimizer

SEEDS = range(12)


def _solve(seed: int, threads: str, monkeypatch: pytest.MonkeyPatch) -> tuple:
    monkeypatch.setenv("HEDGE_PLANNER_THREADS", threads)
    res = optimizer(make_case(seed, mixed=seed % 2 == 1, legs=True)).solve()
    return res.status, res.objective, res.best_bound, res.iterations, res.q


@pytest.mark.parametrize("seed", SEEDS)
def test_pairs_give_the_serial_search(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads: the same node QPs, plan, objective and bound as one thread, and the
    enumeration's optimum."""
    one = _solve(seed, "1", monkeypatch)
    two = _solve(seed, "2", monkeypatch)
    assert one[:4] == two[:4]
    if one[4] is None:
        assert two[4] is None
    else:
        np.testing.assert_array_equal(one[4], two[4])
    ref = brute_force(make_case(seed, mixed=seed % 2 == 1, legs=True))
    if ref is None:
        assert two[0] == "infeasible"
    else:
        assert two[0] == "optimal" and two[1] is not None
        assert abs(two[1] - ref) <= GAP * max(1.0, abs(ref)) + 1e-7


def test_pairs_are_used_on_leg_searches(monkeypatch: pytest.MonkeyPatch) -> None:
    """With two threads the leg searches above do solve siblings together (else the test
    above would compare the serial search with itself)."""
    calls = {"pairs": 0}
    original = NodeSolvers.pair

    def spy(self: NodeSolvers, a: tuple, b: tuple) -> object:
        out = original(self, a, b)
        calls["pairs"] += out is not None
        return out

    monkeypatch.setattr(NodeSolvers, "pair", spy)
    for seed in SEEDS:
        _solve(seed, "2", monkeypatch)
    assert calls["pairs"] > 0


def test_one_thread_never_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEDGE_PLANNER_THREADS", "1")
    assert node_solvers._pair_pool() is None


def _child_solve(queue: mp.Queue) -> None:  # pragma: no cover - runs in the child
    res = optimizer(make_case(5, mixed=False, legs=True)).solve()
    queue.put((res.status, res.objective))


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork")
def test_a_forked_worker_gets_its_own_pair_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service forks worker processes: a child must not wait on the parent's worker
    thread, which it does not have (the pool is forgotten at fork)."""
    monkeypatch.setenv("HEDGE_PLANNER_THREADS", "2")
    assert node_solvers._pair_pool() is not None  # the parent's pool and thread exist
    parent = optimizer(make_case(5, mixed=False, legs=True)).solve()
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child_solve, args=(queue,))
    proc.start()
    try:
        proc.join(60)
        assert proc.exitcode == 0, "the forked search did not finish"
    finally:
        if proc.is_alive():
            proc.kill()
    status, objective = queue.get(timeout=5)
    assert (status, objective) == (parent.status, parent.objective)
