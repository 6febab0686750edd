"""The outer approximation first on a re-solved model (``MIQPSolver.oa_first``) against
enumeration.

With ``oa_first`` (the desk's compiled model, re-filled per book), a model whose last "auto"
search the outer approximation proved after the branch-and-bound's probe stalled starts its
next search with the outer approximation. On the small all-integer instances without legs of
:mod:`tests.solvers.test_bound_tightening`, every plan enumerated and priced from the raw
inputs:

* started with the outer approximation (warm-started from a plan far from the optimum, as
  a re-filled model holds another book's plan), the search ends at the enumerated optimum;
* when that outer approximation does not prove the gap, the branch-and-bound runs with the
  time left, ends at the enumerated optimum, and the next search is in the ordinary order.
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.solvers.results import RawOutcome

from tests.solvers.test_bound_tightening import SEEDS
from tests.solvers.test_legs import Case, brute_force, make_case, optimizer

GAP = 1e-6


def _no_legs() -> list[tuple[Case, float]]:
    """The instances of ``SEEDS`` without legs (no leg limit, minimum trade or ticket) that
    have a feasible plan, with their optimum by enumeration."""
    out = []
    for seed in SEEDS:
        c = make_case(seed, mixed=False, legs=False)
        c.min_trade[:] = 0.0
        c.ticket[:] = 0.0
        ref = brute_force(c)
        if ref is not None:
            out.append((c, ref))
    return out


def _close(value: float | None, ref: float) -> bool:
    return value is not None and abs(value - ref) <= GAP * max(1.0, abs(ref)) + 1e-7


def test_the_outer_approximation_first_ends_at_the_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _no_legs()
    assert len(cases) >= 5, len(cases)
    calls: list[str] = []
    for k, (c, ref) in enumerate(cases):
        opt = optimizer(c)
        assert not opt.legs.active
        search = opt._miqp
        real_bnb = search._branch_and_bound

        def spy(*args: object, _real: object = real_bnb, **kw: object) -> RawOutcome:
            calls.append("bnb")
            return _real(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(search, "_branch_and_bound", spy)
        assert not search.oa_first  # off unless asked for (the desk's compiled model does)
        search.oa_first = True
        search._oa_proved = True  # as after a proof by the outer approximation
        # A warm start far from the optimum (a re-filled model holds another book's plan):
        # every instrument at its largest position, or its smallest on odd instances.
        search.warm_int = np.round((c.hi_lots if k % 2 else c.lo_lots) / c.lot)
        calls.clear()
        res = opt.solve()
        assert res.status == "optimal", res.message
        assert _close(res.objective, ref), (res.objective, ref)
        assert calls == []  # proven by the outer approximation alone
        assert search._oa_proved


def test_an_unproven_outer_approximation_hands_over(monkeypatch: pytest.MonkeyPatch) -> None:
    c, ref = _no_legs()[0]
    opt = optimizer(c)
    search = opt._miqp
    search.oa_first = True
    search._oa_proved = True

    def unproven(gap: float, tl: float) -> RawOutcome:
        return RawOutcome("time_limit", None, None, None, 1, "outer approximation", "stopped")

    monkeypatch.setattr(search, "_outer_approx", unproven)
    res = opt.solve()
    assert res.status == "optimal", res.message
    assert _close(res.objective, ref), (res.objective, ref)
    assert "branch-and-bound" in res.method
    assert not search._oa_proved  # the next search starts with the branch-and-bound


@pytest.mark.parametrize("bnb_objective", [90.0, 110.0])
def test_of_two_unproven_searches_the_better_plan_is_kept(
    monkeypatch: pytest.MonkeyPatch, bnb_objective: float
) -> None:
    """Neither search proves the gap: the plan returned is the one with the lower objective,
    and the bound the higher of the two (both bound the same optimum from below)."""
    c, _ = _no_legs()[0]
    search = optimizer(c)._miqp
    search.oa_first = True
    search._oa_proved = True
    oa_x, bnb_x = np.zeros(3), np.ones(3)

    def oa(gap: float, tl: float) -> RawOutcome:
        return RawOutcome("time_limit", oa_x, 100.0, 50.0, 1, "outer approximation", "stopped")

    def bnb(*args: object, **kw: object) -> RawOutcome:
        return RawOutcome("time_limit", bnb_x, bnb_objective, 60.0, 7, "branch-and-bound", "")

    monkeypatch.setattr(search, "_outer_approx", oa)
    monkeypatch.setattr(search, "_branch_and_bound", bnb)
    raw = search.solve(GAP, 1.0, 1000)
    assert raw.objective == min(100.0, bnb_objective)
    assert raw.x is (bnb_x if bnb_objective < 100.0 else oa_x)
    assert raw.bound == 60.0
    assert raw.iterations == 1 + 7  # the work of both searches


@pytest.mark.parametrize("oa_objective", [None, 90.0, 110.0])
def test_in_the_ordinary_order_the_better_unproven_plan_is_kept(
    monkeypatch: pytest.MonkeyPatch, oa_objective: float | None
) -> None:
    """The branch-and-bound's probe and then the outer approximation both end unproven: the
    plan kept is the better of the two (the outer approximation's where the branch-and-bound
    has none, as on ``fut_swaps_legs`` seed 1 of the hard families), with the higher bound."""
    c, _ = _no_legs()[0]
    search = optimizer(c)._miqp
    assert not search.oa_first
    oa_x, bnb_x = np.zeros(3), np.ones(3)

    def bnb(*args: object, **kw: object) -> RawOutcome:
        return RawOutcome("time_limit", None, None, 40.0, 7, "branch-and-bound", "")

    def bnb_with_plan(*args: object, **kw: object) -> RawOutcome:
        return RawOutcome("time_limit", bnb_x, 100.0, 40.0, 7, "branch-and-bound", "")

    def oa(gap: float, tl: float) -> RawOutcome:
        x = None if oa_objective is None else oa_x
        return RawOutcome("time_limit", x, oa_objective, 55.0, 1, "outer approximation", "")

    monkeypatch.setattr(search, "_outer_approx", oa)
    monkeypatch.setattr(search, "_branch_and_bound", bnb)
    raw = search.solve(GAP, 1.0, 1000)
    assert raw.x is (None if oa_objective is None else oa_x)
    assert raw.objective == oa_objective and raw.bound == 55.0
    assert raw.iterations == 7 + 1
    monkeypatch.setattr(search, "_branch_and_bound", bnb_with_plan)
    raw = search.solve(GAP, 1.0, 1000)
    better_oa = oa_objective is not None and oa_objective < 100.0
    assert raw.x is (oa_x if better_oa else bnb_x)
    assert raw.objective == (oa_objective if better_oa else 100.0)
    assert raw.bound == 55.0


def test_a_bounded_search_keeps_the_branch_and_bounds_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The closest hedge's bounded search (``oa_seconds``): when the outer approximation
    ends unproven, the branch-and-bound's outcome stands, plan, bound and count, even
    where the outer approximation's plan is better. Why: its node budget is a count, so
    the same inputs give the same report on any machine; the outer approximation's
    unproven plan depends on how far its seconds got (a service test saw two closest
    hedges of one request, risk penalties 12,358,003 and 12,362,999)."""
    c, _ = _no_legs()[0]
    search = optimizer(c)._miqp
    bnb_x, oa_x = np.ones(3), np.zeros(3)

    def bnb(*args: object, **kw: object) -> RawOutcome:
        return RawOutcome("node_limit", bnb_x, 100.0, 40.0, 7, "branch-and-bound", "")

    def oa(gap: float, tl: float) -> RawOutcome:
        return RawOutcome("time_limit", oa_x, 90.0, 55.0, 1, "outer approximation", "")

    monkeypatch.setattr(search, "_outer_approx", oa)
    monkeypatch.setattr(search, "_branch_and_bound", bnb)
    raw = search.solve(GAP, 10.0, 400, oa_seconds=2.0)
    assert raw.x is bnb_x and raw.objective == 100.0 and raw.bound == 40.0
    assert raw.iterations == 7
    raw = search.solve(GAP, 10.0, 400)  # unbounded: the better plan, the higher bound
    assert raw.x is oa_x and raw.bound == 55.0
