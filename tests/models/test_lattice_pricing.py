"""Blocked lattice rollback and its adjoint drift gradient.

References: the gradient against central differences of the rollback itself in a random drift
direction (tiny step, so only rounding separates them); blocked and threaded rollbacks against one
whole-book rollback (bit for bit); adjoint KRDs against bump-and-reprice KRDs (to rounding as the
shift goes to 0; within 5% of the duration per key at a 10 bp shift, where the bumped figures
themselves move with the lattice's exercise kinks).
"""

from __future__ import annotations

import datetime as dt

import hedge_planner.models.lattice_pricing as lp
import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.callable import (
    ExerciseSchedule,
    callable_risk,
    lattice_grid,
    lay_out,
)
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import add_months, to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.short_rate import HullWhite, TrinomialTree

SETTLE = dt.date(2023, 12, 29)
NODE_DAYS = [30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957]
ZEROS = [0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041]
KEYS = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30])


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    t = np.array(NODE_DAYS) / 365.0
    return YieldCurve(SETTLE, t, np.exp(-np.array(ZEROS) * t))


def _book(n: int, seed: int = 3):
    """``n`` semiannual callables and putables of 3-12 years, Bermudan from year 1-2 (some
    American), coupons 3.5-6.5%."""
    rng = np.random.default_rng(seed)
    settle = int(to_days(SETTLE))
    maturity = add_months(np.full(n, settle), 12 * rng.integers(3, 13, size=n) + 1)
    coupon = rng.uniform(0.035, 0.065, size=n)
    book = BondBook.from_arrays(
        [f"B{i}" for i in range(n)], 100.0, coupon, maturity, 2, int(DayCount.THIRTY_360), None
    )
    sched = build_schedule(book, settle)
    schedules = []
    for b in range(n):
        lo, hi = sched.offsets[b], sched.offsets[b + 1]
        days = tuple(int(d) for d in sched.pay_dates[lo + int(rng.integers(2, 5)) : hi - 1])
        style = "american" if b % 5 == 4 else "bermudan"
        schedules.append(ExerciseSchedule(days, (100.0,) * len(days), style, put=b % 3 == 2))
    return sched, schedules


def _setup(curve, n=12, sigma=0.012):
    sched, schedules = _book(n)
    grid = lattice_grid(sched, curve, schedules, 24)
    book = lay_out(sched, curve, schedules, grid)
    tree = TrinomialTree(HullWhite(0.05, sigma), grid)
    phi = tree.fit(np.asarray(curve.discount(grid[1:]))[None, :])
    return book, tree, phi


def test_drift_gradient_is_the_derivative_of_the_rollback(curve) -> None:
    book, tree, phi = _setup(curve)
    n_b = book.on_node.shape[0]
    spread = np.linspace(-0.002, 0.006, n_b)[None, :]
    _, grad = lp.lattice_prices(book, tree, phi, spread, gradient=True)
    assert grad is not None
    direction = np.random.default_rng(0).normal(size=phi.shape[1])
    eps = 1e-7
    p, _ = lp.lattice_prices(
        book, tree, np.vstack([phi + eps * direction, phi - eps * direction]), spread[[0, 0]]
    )
    fd = (p[0] - p[1]) / (2 * eps)
    np.testing.assert_allclose(grad @ direction, fd, rtol=1e-6, atol=1e-6)
    # A parallel drift move is a spread move: the gradient's sum is dV/d(OAS).
    ps, _ = lp.lattice_prices(book, tree, phi[[0, 0]], np.vstack([spread + eps, spread - eps]))
    np.testing.assert_allclose(grad.sum(axis=1), (ps[0] - ps[1]) / (2 * eps), rtol=1e-6)


def test_blocks_and_threads_do_not_change_prices(curve, monkeypatch) -> None:
    book, tree, phi = _setup(curve, n=30)
    spread = np.full((1, 30), 0.003)
    monkeypatch.setattr(lp, "BLOCK", 1000)
    monkeypatch.setenv("HEDGE_PLANNER_THREADS", "1")
    whole, g_whole = lp.lattice_prices(book, tree, phi, spread, gradient=True)
    monkeypatch.setattr(lp, "BLOCK", 7)
    monkeypatch.setenv("HEDGE_PLANNER_THREADS", "2")
    blocked, g_blocked = lp.lattice_prices(book, tree, phi, spread, gradient=True)
    np.testing.assert_array_equal(blocked, whole)
    assert g_whole is not None and g_blocked is not None
    np.testing.assert_allclose(g_blocked, g_whole, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("shift", "tol", "tol_max"), [(1e-6, 1e-8, 1e-4), (1e-3, 0.005, 0.05)])
def test_adjoint_krds_match_bump_and_reprice(curve, shift, tol, tol_max) -> None:
    """Gap per key as a fraction of the duration: the median within ``tol``, all within
    ``tol_max`` (at 1e-6 a bond whose bumps move a node across its exercise boundary differs
    at 1e-5 on all its keys through the scaling to the duration; the rest agree to rounding)."""
    sched, schedules = _book(16)
    kw = {"oas": np.full(16, 0.004), "steps_per_year": 24, "shift": shift}
    hw = HullWhite(0.03, 0.01)
    adj = callable_risk(sched, curve, schedules, hw, KEYS, **kw)
    bump = callable_risk(sched, curve, schedules, hw, KEYS, krd_by_bumps=True, **kw)
    np.testing.assert_array_equal(adj.dirty_price, bump.dirty_price)
    np.testing.assert_array_equal(adj.duration, bump.duration)
    np.testing.assert_array_equal(adj.convexity, bump.convexity)
    np.testing.assert_allclose(adj.krd.sum(axis=1), adj.duration, rtol=1e-12)
    gap = np.abs(adj.krd - bump.krd) / np.abs(adj.duration)[:, None]
    assert np.median(gap) < tol
    assert gap.max() < tol_max


@pytest.mark.parametrize("repeats", [False, True])
def test_scatter_add_is_add_at_bit_for_bit(repeats) -> None:
    """The per-level scatter of the rollback and the gradient against ``np.add.at`` (the
    reference it replaces), on a strided view as the rollback uses it."""
    rng = np.random.default_rng(5)
    base = rng.normal(size=(3, 9, 4))
    index = np.array([4, 1, 4, 7]) if repeats else np.array([4, 1, 8, 0])
    values = rng.normal(size=(index.size, 3, 4))
    want = base.copy()
    np.add.at(want.swapaxes(0, 1), index, values)
    got = base.copy()
    lp.scatter_add(got.swapaxes(0, 1), index, values)
    np.testing.assert_array_equal(got, want)
    col_want, col_got = base[0].copy(), base[0].copy()
    np.add.at(col_want[:, 2], index, values[:, 0, 0])
    lp.scatter_add(col_got[:, 2], index, values[:, 0, 0])
    np.testing.assert_array_equal(col_got, col_want)
