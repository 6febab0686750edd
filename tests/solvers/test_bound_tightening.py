"""Exactness of the tightened leg search: implied bounds and node bounds against enumeration.

On the small random instances of :mod:`tests.solvers.test_legs` (integer lots, minimum
trades, tickets, ``max_legs``), every plan is enumerated from the raw inputs:

* every feasible plan lies inside the implied bounds the search tightens the big-M to;
* every relaxation node the branch-and-bound solves has a bound no higher than the best
  plan inside its box (lot box and the legs' binaries), each plan priced from raw inputs;
* the search's optimum equals the enumeration's, and an instance enumeration finds
  infeasible is reported infeasible;
* the curvature the dives rank lot roundings by is the tracking-error Hessian.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hedge_planner.solvers import miqp
from hedge_planner.solvers.bound_tightening import implied_bounds, level_set_form
from hedge_planner.solvers.clarabel_backend import ClarabelNodes
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.standard_form import search_hessian

from tests.solvers.test_legs import MV, Case, brute_force, make_case, optimizer

SEEDS = range(400, 440)
#: When the search tightens the legs' big-M: before it starts (as the outer approximation
#: does), or mid-search (the branch-and-bound defers it; forced here at its second check
#: whatever the root gap, so the mid-search path is exercised on every instance).
MODES = ("upfront", "deferred")


def _tighten_mode(opt: Any, mode: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``opt`` set to tighten its search's big-M as ``mode`` says (see MODES)."""
    if mode == "upfront":
        opt._miqp.lazy_tighten = False
    else:
        monkeypatch.setattr(miqp, "_TIGHTEN_AFTER", 2)
        monkeypatch.setattr(miqp, "_TIGHTEN_ROOT_GAP", -1.0)
        monkeypatch.setattr(miqp, "_TIGHTEN_BLIND", 0)
    return opt


def _case(seed: int) -> Case:
    """An all-integer instance; one in five with a duration band narrower than a lot
    (0.0002 years against 0.005-0.04 years per lot), mostly integer-infeasible while the
    relaxation is feasible."""
    c = make_case(seed, mixed=False, legs=seed % 4 != 0)
    if seed % 5 == 1:
        c.band = 2e-4
    return c


def case_with_optimum(seed: int) -> tuple[Case, float] | None:
    """Instance ``seed`` and its optimum by enumeration (None: it has no feasible plan)."""
    c = _case(seed)
    ref = brute_force(c)
    return None if ref is None else (c, ref)


def cases_with_optimum() -> Iterator[tuple[Case, float]]:
    """Every feasible instance of ``SEEDS`` with its optimum by enumeration."""
    for seed in SEEDS:
        got = case_with_optimum(seed)
        if got is not None:
            yield got


def _plans(c: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All lot plans (units), their objective without tickets, and the limit mask.

    From the raw inputs only (all-integer instances): key-rate gap, tracking error,
    carry, half spread; duration band and margin budget.
    """
    grids = [
        np.arange(round(c.lo_lots[k] / c.lot[k]), round(c.hi_lots[k] / c.lot[k]) + 1) * c.lot[k]
        for k in range(len(c.lot))
    ]
    Q = np.array(list(itertools.product(*grids)), dtype=float)
    e = c.krd0[None, :] + Q @ c.U
    obj = c.lam * np.einsum("ij,jk,ik->i", e, c.cov, e) - Q @ c.carry + np.abs(Q) @ c.hs
    dur = e.sum(axis=1) / (MV * 1e-4)
    ok = np.abs(dur - c.target) <= c.band + 1e-12
    if c.budget is not None:
        ok &= np.abs(Q) @ c.margin <= c.budget + 1e-9
    return Q, obj, ok


def _best_in_box(c: Case, plans: tuple, idx: np.ndarray, lots_lo: np.ndarray,
                 lots_hi: np.ndarray, z_lo: np.ndarray, z_hi: np.ndarray) -> float:  # fmt: skip
    """Best objective of a plan whose lots and some leg binaries lie in the node's box.

    Per instrument the cheapest binaries that fit the box are taken (no leg when the box
    allows it, else one leg with its ticket); a trade needs its side's binary at 1.
    ``idx``: the instruments with binaries (``z`` is their buy sides, then sell sides).
    """
    Q, obj, ok = plans
    n = len(idx)
    lots = Q / c.lot
    inside = ok & np.all((lots >= lots_lo - 1e-9) & (lots <= lots_hi + 1e-9), axis=1)
    cost = obj.copy()
    legs = np.zeros(len(Q))
    for k, i in enumerate(idx):
        d = Q[:, i]
        up_ok, dn_ok = z_hi[k] >= 1, z_hi[n + k] >= 1
        none_ok = z_lo[k] <= 0 and z_lo[n + k] <= 0
        m = c.min_trade[i]
        buy = (d > 0) & up_ok & (z_lo[n + k] <= 0) & (d >= m - 1e-9)
        sell = (d < 0) & dn_ok & (z_lo[k] <= 0) & (-d >= m - 1e-9)
        zero_free = (d == 0) & none_ok
        zero_leg = (
            (d == 0)
            & ~none_ok
            & (m <= 0)
            & ((up_ok & (z_lo[n + k] <= 0)) | (dn_ok & (z_lo[k] <= 0)))
        )
        inside &= buy | sell | zero_free | zero_leg
        traded = buy | sell | zero_leg
        cost = cost + np.where(traded, c.ticket[i], 0.0)
        legs = legs + traded
    if c.max_legs is not None:
        inside &= legs <= c.max_legs
    return float(cost[inside].min()) if np.any(inside) else np.inf


def _spy(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Record the implied bounds and every relaxation node of the next searches.

    ``seen["ub"]`` is the incumbent value of the last level-set cut (inf before any): the
    bounds and nodes after it need to keep only the plans with objective ``<= ub``.
    """
    seen: dict[str, Any] = {"nodes": [], "bounds": [], "ub": np.inf, "cuts": 0}
    real_bnb, real_bounds = miqp.branch_and_bound, miqp.implied_bounds
    real_cut = miqp.level_set_form

    def bnb(solve_node: Any, *args: Any, **kw: Any) -> Any:
        seen["ub"] = np.inf  # a new search: its own level sets

        def rec(lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
            out = solve_node(lo, hi)
            seen["nodes"].append((lo.copy(), hi.copy(), out, seen["ub"]))
            return out

        return real_bnb(rec, *args, **kw)

    def bounds(lf: Any, cols: np.ndarray, seconds: float = 5.0) -> Any:
        out = real_bounds(lf, cols, seconds)
        seen["bounds"].append((out, seen["ub_cut"] if lf is seen.get("cut") else np.inf))
        return out

    def cut(lf: Any, x_star: np.ndarray, ub: float, seconds: float = 1.0) -> Any:
        out = real_cut(lf, x_star, ub, seconds)
        seen["cut"], seen["ub_cut"], seen["ub"] = out, ub, min(seen["ub"], ub)
        seen["cuts"] += 1
        return out

    monkeypatch.setattr(miqp, "branch_and_bound", bnb)
    monkeypatch.setattr(miqp, "implied_bounds", bounds)
    monkeypatch.setattr(miqp, "level_set_form", cut)
    return seen


def _plan_values(c: Case, plans: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Mask of the plans meeting every limit and leg rule, and their objective with tickets."""
    Q, obj, ok = plans
    traded = Q != 0
    plan = ok & np.all(~traded | (np.abs(Q) >= c.min_trade - 1e-9), axis=1)
    if c.max_legs is not None:
        plan &= traded.sum(axis=1) <= c.max_legs
    return plan, obj + traded @ c.ticket


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", SEEDS)
def test_tightened_search_is_exact_node_by_node(
    seed: int, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = _case(seed)
    seen = _spy(monkeypatch)
    opt = _tighten_mode(optimizer(c, "bnb"), mode, monkeypatch)
    res = opt.solve()
    plans = _plans(c)
    Q, _, ok = plans
    n = len(c.lot)
    ref = brute_force(c)
    if ref is None:
        assert res.status == "infeasible", res.message
    else:
        assert res.status == "optimal", res.message
        assert res.objective is not None
        assert abs(res.objective - ref) <= 1e-6 * max(1.0, abs(ref)) + 1e-7
    # Implied bounds (scaled lots) contain every plan within the limits and leg rules;
    # after a level-set cut at incumbent ``ub``, every such plan with objective <= ub.
    idx = opt.legs.idx
    plan, value = _plan_values(c, plans)
    for b, ub in seen["bounds"]:
        if b is None:  # relaxation infeasible: so is every plan
            assert not np.any(ok) or np.isfinite(ub)
            continue
        lo, hi = b
        keep = plan & (value <= ub)
        lots = (Q[keep] / c.lot)[:, idx]
        assert np.all(lots >= lo - 1e-9) and np.all(lots <= hi + 1e-9)
    # Every solved relaxation node bounds every plan inside its box (after a level-set cut
    # at ``ub``: every such plan with objective <= ub; the others may be cut off).
    assert seen["nodes"]
    for lo, hi, out, ub in seen["nodes"]:
        if out.status != "optimal":
            continue
        best = _best_in_box(c, plans, idx, lo[:n], hi[:n], lo[n:], hi[n:])
        if best > ub:
            continue
        assert out.objective <= best + 1e-7 * max(1.0, abs(best)), (lo, hi, out.objective, best)
        if out.bound is not None:  # a certified bound (dual_bound): no tolerance needed
            assert out.bound <= best + 1e-9 * max(1.0, abs(best)), (lo, hi, out.bound, best)


def test_some_instances_are_infeasible_and_some_have_leg_limits() -> None:
    """The seeds above cover both infeasible instances and ``max_legs`` limits."""
    cases = [_case(s) for s in SEEDS]
    assert sum(c.max_legs is not None for c in cases) >= 25
    assert sum(brute_force(c) is None for c in cases) >= 3


@pytest.mark.parametrize("seed", [3, 17, 105])
def test_search_hessian_is_the_tracking_error_curvature(seed: int) -> None:
    """Curvature in the scaled lots: ``2 lam S U cov U' S`` from the raw inputs; none on z."""
    c = make_case(seed, mixed=seed > 100, legs=True)
    opt = optimizer(c)
    n = len(c.lot)
    H = search_hessian(opt._form.evaluate(), opt._form.n_eq, opt._search_cols)
    assert H is not None
    S = np.diag(opt.ctx.scale)
    ref = 2 * c.lam * S @ c.U @ c.cov @ c.U.T @ S
    np.testing.assert_allclose(H[:n, :n], ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())
    assert np.all(H[n:] == 0.0) and np.all(H[:, n:] == 0.0)


def _root(opt: Any) -> NodeOutcome:
    """The root relaxation, all columns: HiGHS' QP, else CLARABEL on the same form."""
    m = opt._miqp
    out = m._highs.run()
    if out.status == "error":
        h, cols = m._highs, m._int_cols
        ipm = ClarabelNodes(opt._form.evaluate(), cols, h.col_scale, h.obj_scale)
        out = ipm.solve(h.col_lo[cols], h.col_hi[cols])
    assert out.status == "optimal" and out.x is not None and out.objective is not None
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_level_set_bounds_keep_every_plan_below_the_incumbent(seed: int) -> None:
    """Bounds implied over the level-set cut contain every plan with objective <= ub.

    ``ub`` from the enumerated optimum upwards; the cut's centre is the root relaxation's
    optimum and, second, a point moved off it (the bound must hold for any centre: the
    cut's ``delta`` pays for it). Plans are enumerated and priced from the raw inputs.
    """
    got = case_with_optimum(seed)
    if got is None:
        return
    c, ref = got
    opt = optimizer(c, "bnb")
    m = opt._miqp
    lf = opt._form.evaluate()
    root = _root(opt)
    assert root.x is not None and root.objective is not None
    plans = _plans(c)
    plan, value = _plan_values(c, plans)
    assert abs(value[plan].min() - ref) <= 1e-9 * max(1.0, abs(ref))  # same pricing
    idx = opt.legs.idx
    cols = m._x_cols[idx]
    limits = implied_bounds(lf, cols)
    assert limits is not None
    rng = np.random.default_rng(seed)
    off = root.x + rng.normal(0.0, 0.3, root.x.shape) * np.maximum(1.0, np.abs(root.x))
    for centre in (root.x, off):
        for t in (0.0, 0.3, 1.0):
            ub = ref + t * (ref - root.objective)
            cut = level_set_form(lf, centre, ub)
            assert cut is not None
            b = implied_bounds(cut, cols)
            assert b is not None  # the optimum lies in it
            lo, hi = b
            below = value <= ub + 1e-9 * max(1.0, abs(ub))  # the optimum itself at t = 0
            lots = (plans[0][plan & below] / c.lot)[:, idx]
            assert len(lots)
            assert np.all(lots >= lo - 1e-9) and np.all(lots <= hi + 1e-9), (t, lo, hi)
            # never wider than the limits alone
            assert np.all(lo >= limits[0] - 1e-6) and np.all(hi <= limits[1] + 1e-6)


def test_level_set_bounds_are_tighter_than_the_limits() -> None:
    """At the optimum's value the level set narrows the ranges of most instances."""
    narrower = 0
    for c, ref in cases_with_optimum():
        opt = optimizer(c, "bnb")
        lf = opt._form.evaluate()
        root = _root(opt)
        assert root.x is not None
        cols = opt._miqp._x_cols[opt.legs.idx]
        lim = implied_bounds(lf, cols)
        cut = level_set_form(lf, root.x, ref)
        assert lim is not None and cut is not None
        b = implied_bounds(cut, cols)
        assert b is not None
        narrower += bool(np.sum(b[1] - b[0]) < 0.9 * np.sum(lim[1] - lim[0]))
    assert narrower >= 10, narrower


@pytest.mark.parametrize("mode", MODES)
def test_level_set_cuts_run_in_searches(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The searches above do cut with the level set (the node checks are not vacuous)."""
    seen = _spy(monkeypatch)
    cuts = 0
    for seed in SEEDS:
        seen["cuts"] = 0
        _tighten_mode(optimizer(_case(seed), "bnb"), mode, monkeypatch).solve()
        cuts += seen["cuts"] > 0
    assert cuts >= 5, cuts
