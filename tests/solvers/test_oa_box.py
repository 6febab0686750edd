"""The outer approximation's master box against enumeration.

Before its first master, the outer approximation boxes the integer columns to the plans
that could beat its warm start (:func:`~hedge_planner.solvers.bound_tightening.level_set_box`
at the warm start's objective). On the small all-integer instances of
:mod:`tests.solvers.test_bound_tightening` (lots, minimum trades, tickets, ``max_legs``),
every plan is enumerated and priced from the raw inputs:

* every plan with objective at most the incumbent's lies in the box (lots and the legs'
  binaries of its cheapest leg assignment), whatever the incumbent from the optimum up;
* the outer approximation started from a poor plan (the worst feasible one) ends at the
  enumerated optimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hedge_planner.solvers import miqp
from hedge_planner.solvers.bound_tightening import level_set_box

from tests.solvers.test_bound_tightening import (
    SEEDS,
    _plan_values,
    _plans,
    _root,
    case_with_optimum,
    cases_with_optimum,
)
from tests.solvers.test_legs import Case, optimizer


def _int_vectors(c: Case, opt: Any, Q: np.ndarray) -> np.ndarray:
    """Integer positions (scaled lots, then buy and sell binaries) of the plans ``Q``."""
    idx = opt.legs.idx
    lots = Q / c.lot
    if not opt.legs.active:
        return lots
    d = Q[:, idx]
    return np.hstack([lots, (d > 0).astype(float), (d < 0).astype(float)])


@pytest.mark.parametrize("seed", SEEDS)
def test_level_set_box_keeps_every_plan_below_the_incumbent(seed: int) -> None:
    got = case_with_optimum(seed)
    if got is None:
        return
    c, ref = got
    opt = optimizer(c, "oa")
    lf = opt._form.evaluate()
    root = _root(opt)
    assert root.x is not None and root.objective is not None
    plans = _plans(c)
    plan, value = _plan_values(c, plans)
    ints = _int_vectors(c, opt, plans[0])
    cols = opt._miqp._int_cols
    assert ints.shape[1] == len(cols)
    for t in (0.0, 0.2, 1.0):
        ub = ref + t * (ref - root.objective)
        box = level_set_box(lf, root.x, ub, cols)
        assert box is not None
        lo, hi = box
        assert np.all(lo == np.round(lo)) and np.all(hi == np.round(hi))
        below = plan & (value <= ub + 1e-9 * max(1.0, abs(ub)))
        assert np.any(below)  # the optimum
        inside = np.all((ints[below] >= lo) & (ints[below] <= hi), axis=1)
        assert np.all(inside), (t, lo, hi)


def test_level_set_box_narrows_the_lots() -> None:
    """At the optimum's value the box is narrower than the position limits on most instances."""
    narrower = 0
    for c, ref in cases_with_optimum():
        opt = optimizer(c, "oa")
        lf = opt._form.evaluate()
        cols = opt._miqp._int_cols
        box = level_set_box(lf, _root(opt).x, ref, cols)
        assert box is not None
        narrower += bool(np.sum(box[1] - box[0]) < np.sum(lf.col_hi[cols] - lf.col_lo[cols]))
    assert narrower >= 10, narrower


def _spy(monkeypatch: pytest.MonkeyPatch, name: str = "level_set_box") -> list[Any]:
    """Record what ``miqp.<name>`` returns (by default the boxes the outer approximation
    cuts)."""
    seen: list[Any] = []
    real = getattr(miqp, name)

    def spy(*args: Any, **kw: Any) -> Any:
        out = real(*args, **kw)
        seen.append(out)
        return out

    monkeypatch.setattr(miqp, name, spy)
    return seen


def _solve_from_worst(c: Case, oa_first: bool = False) -> Any:
    """The outer approximation warm-started from the worst feasible plan (``oa_first``: as
    the desk's compiled model, whose box search takes up to ``_BOX_NODES`` relaxations)."""
    opt = optimizer(c, "oa")
    opt._miqp.oa_first = oa_first
    plans = _plans(c)
    plan, value = _plan_values(c, plans)
    worst = int(np.flatnonzero(plan)[np.argmax(value[plan])])
    opt.warm_int = _int_vectors(c, opt, plans[0][worst : worst + 1])[0]
    return opt.solve()


@pytest.mark.parametrize("seed", SEEDS)
def test_outer_approximation_from_a_poor_plan_matches_enumeration(seed: int) -> None:
    got = case_with_optimum(seed)
    if got is None:
        return
    c, ref = got
    res = _solve_from_worst(c)
    assert res.status == "optimal", res.message
    assert res.objective is not None
    assert abs(res.objective - ref) <= 1e-6 * max(1.0, abs(ref)) + 1e-7


def test_the_box_is_cut_in_those_searches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The searches above do run inside a box (where HiGHS solves the root relaxation)."""
    boxes = _spy(monkeypatch)
    cut = 0
    for c, _ in cases_with_optimum():
        boxes.clear()
        _solve_from_worst(c)
        cut += bool(boxes) and boxes[0] is not None
    assert cut >= 20, cut


def test_a_warm_start_the_box_proves_needs_no_master(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-solved from its own optimum (as the desk's re-filled model is, from the last book's
    plan), the outer approximation proves the warm start by the relaxation over its box.

    References: enumeration (the plan's objective is the optimum, the bound at most it) and
    the same re-solve with the master MILPs (the box's proof switched off): the same value.
    """
    from hedge_planner.solvers import outer_approx

    masters: list[int] = []
    real = outer_approx._Master.solve

    def spy(self: Any, *args: Any, **kw: Any) -> Any:
        masters.append(1)
        return real(self, *args, **kw)

    monkeypatch.setattr(outer_approx._Master, "solve", spy)
    proven_by_box = 0
    for c, ref in cases_with_optimum():
        tol = 1e-6 * max(1.0, abs(ref)) + 1e-7
        opt = optimizer(c, "oa")
        assert opt.solve().status == "optimal"
        masters.clear()
        again = opt.solve()  # warm-started from the plan just found
        assert again.status == "optimal", again.message
        assert again.objective is not None and again.best_bound is not None
        assert abs(again.objective - ref) <= tol
        assert again.best_bound <= ref + 1e-9 * max(1.0, abs(ref))
        proven_by_box += not masters
        with monkeypatch.context() as m:
            m.setattr(miqp.MIQPSolver, "_box_searched", lambda *a, **k: None)
            ordinary = opt.solve()
        assert ordinary.status == "optimal" and ordinary.objective is not None
        assert abs(ordinary.objective - again.objective) <= tol
    assert proven_by_box >= 15, proven_by_box  # 21 of the 34 instances when written


def test_the_box_search_from_a_poor_plan_matches_enumeration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Warm-started from the worst feasible plan, the outer approximation's depth-first
    search inside the master box (solvers/box_search.py, on as for the desk's compiled
    model) returns the enumerated optimum with a bound at most it whenever it proves the
    gap, and it does prove some: the path runs. The better-start rounding is off, so the
    box is cut at the worst plan's objective."""
    proofs = _spy(monkeypatch, "box_search")
    monkeypatch.setattr(miqp, "better_start", lambda warm, *a: warm)
    proven = 0
    for c, ref in cases_with_optimum():
        proofs.clear()
        res = _solve_from_worst(c, oa_first=True)
        assert res.status == "optimal", res.message
        assert res.objective is not None and res.best_bound is not None
        tol = 1e-6 * max(1.0, abs(ref)) + 1e-7
        assert abs(res.objective - ref) <= tol
        assert res.best_bound <= ref + 1e-9 * max(1.0, abs(ref))
        if proofs and proofs[0] is not None:
            proven += 1
            assert proofs[0].bound <= ref + 1e-9 * max(1.0, abs(ref))
            assert abs(proofs[0].objective - ref) <= tol
    assert proven >= 20, proven  # 29 of the 34 instances when written


def test_the_box_search_gives_up_within_its_budget() -> None:
    """A budget of one relaxation on a box the relaxation does not close returns None (the
    masters then run): nothing is claimed without a proof."""
    from hedge_planner.solvers.box_search import box_search
    from hedge_planner.solvers.branching import PseudoCosts
    from hedge_planner.solvers.highs_backend import NodeOutcome

    class _Model:
        def __init__(self) -> None:
            self.runs = 0

        def set_bounds(self, cols: Any, lo: Any, hi: Any) -> None:
            pass

        def run(self) -> NodeOutcome:
            self.runs += 1
            return NodeOutcome("optimal", np.array([0.5, 0.25]), 0.0)

    m = _Model()
    inc = NodeOutcome("optimal", np.array([0.0, 0.0]), 10.0)
    cols = np.array([0, 1])
    out = box_search(m, cols, np.array([0.0, 0.0]), np.array([1.0, 1.0]), inc, 1e-6,
                     lambda r: inc, 1, PseudoCosts(2))  # type: ignore[arg-type]  # fmt: skip
    assert out is None and m.runs == 1
