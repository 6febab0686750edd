"""Several Hull-White sigmas in one pass: rescaled lattices and Monte Carlo lanes.

References: each engine run once per sigma (a :class:`TrinomialTree` built at that sigma, fitted
and rolled back; :func:`models.mbs.discounted_flows` with that sigma's model), the path the
stacked pass replaces. The stacked figures differ from those only by rounding (the paths and
nodes of a sigma are the reference sigma's scaled, sums over paths in another order), so prices
and flows agree to 1e-12 relative. Covered: sigma floored at 0 (the zero-volatility tree and flat
paths), a sigma per pool (a by-expiry vol shift), rows every pool asks for and rows one pool asks
for, several row batches, the rate-independent pool, curve bumps beside the sigmas.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models import mbs_stack
from hedge_planner.models.callable import lattice_prices
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.mbs import MonteCarloSpec, PoolBook, discounted_flows
from hedge_planner.models.mbs_stack import Lanes, stacked_flows
from hedge_planner.models.prepayment import Prepayment, RefiModel
from hedge_planner.models.short_rate import HullWhite, TrinomialTree

from tests.models.callable_books import random_callables

SETTLE = dt.date(2023, 12, 29)
NODE_DAYS = np.array([30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957])
ZEROS = np.array([0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041])
KEYS = np.array([1.0, 2, 5, 10, 30])
A = 0.03
SIGMA = 0.01


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    t = NODE_DAYS / 365.0
    return YieldCurve(SETTLE, t, np.exp(-ZEROS * t))


def _callables(curve: YieldCurve, n: int = 6):
    """``n`` semiannual callables/putables of 3-10 years, Bermudan (one American)."""
    return random_callables(
        curve, SETTLE, n=n, seed=5, years=(3, 11), coupons=(0.035, 0.065), first_exercise=2,
        american=3, put=lambda b: b == 4, prefix="C",
    )  # fmt: skip


def test_rescaled_tree_prices_each_sigma_as_its_own_tree(curve) -> None:
    book, grid = _callables(curve)
    sigmas = np.array([SIGMA, 0.0125, 0.0075, 0.0, SIGMA + 1e-4, SIGMA])
    bumps = np.zeros((sigmas.size, KEYS.size))
    bumps[5] = 25e-4  # a curve row at the tree's own sigma beside the vol rows
    bumps[2, 2] = -10e-4
    spread = np.linspace(-0.001, 0.004, book.on_node.shape[0])[None, :] + np.zeros((6, 1))
    spread[1] += 5e-4
    tree = TrinomialTree(HullWhite(A, SIGMA), grid).rescaled(sigmas)
    phi = tree.fit(curve.discount_shifted(grid[1:], KEYS, bumps))
    stacked = lattice_prices(book, tree, phi, spread)
    for r, s in enumerate(sigmas.tolist()):
        own = TrinomialTree(HullWhite(A, s), grid)
        if s > 0:  # the branching does not depend on sigma (the rescaling's premise)
            for k_own, k_ref in zip(own.child, tree.child, strict=True):
                np.testing.assert_array_equal(k_own, k_ref)
        phi_own = own.fit(curve.discount_shifted(grid[1:], KEYS, bumps[r : r + 1]))
        np.testing.assert_allclose(phi[r], phi_own[0], rtol=1e-11, atol=1e-14)
        ref = lattice_prices(book, own, phi_own, spread[r : r + 1])[0]
        np.testing.assert_allclose(stacked[r], ref, rtol=1e-12)
    # the row at the tree's own sigma is that tree bit for bit
    plain = TrinomialTree(HullWhite(A, SIGMA), grid)
    phi0 = plain.fit(curve.discount_shifted(grid[1:], KEYS, bumps[:1]))
    np.testing.assert_array_equal(stacked[0], lattice_prices(book, plain, phi0, spread[:1])[0])
    assert stacked[1].min() < stacked[0].max()  # sanity: the rows are not all alike
    assert not np.allclose(stacked[1], stacked[2])


def test_a_zero_volatility_tree_cannot_take_a_positive_sigma(curve) -> None:
    _, grid = _callables(curve, 2)
    flat = TrinomialTree(HullWhite(A, 0.0), grid)
    assert flat.rescaled([0.0, 0.0]).scale is not None
    with pytest.raises(AnalyticsError, match="zero-volatility"):
        flat.rescaled([0.0, 0.01])
    with pytest.raises(AnalyticsError, match=">= 0"):
        TrinomialTree(HullWhite(A, SIGMA), grid).rescaled([-0.001])


def _pools() -> PoolBook:
    """Four refi pools (two delays, one at the CPR cap) and one PSA pool."""
    c = np.array([0.045, 0.055, 0.065, 0.07, 0.05])
    return PoolBook(
        tuple(f"P{i}" for i in range(5)),
        np.full(5, 1e6),
        c,
        c + np.array([0.007, 0.0075, 0.008, 0.007, 0.006]),
        np.array([300, 357, 200, 340, 280]),
        np.array([12, 3, 70, 20, 5]),
        np.array([45, 55, 55, 45, 55]),
        (
            Prepayment("refi", 0.8),
            Prepayment("refi", 2.5),
            Prepayment("refi", 1.3),
            Prepayment("refi", 1.0),
            Prepayment("psa", 150.0),
        ),
    )


@pytest.mark.parametrize("row_elements", [mbs_stack.ROW_ELEMENTS, 1])
def test_stacked_flows_equal_one_monte_carlo_per_sigma(curve, monkeypatch, row_elements) -> None:
    monkeypatch.setattr(mbs_stack, "ROW_ELEMENTS", row_elements)  # 1: a batch per rate row
    pools, mc, refi = _pools(), MonteCarloSpec(64, 7, "antithetic"), RefiModel()
    n = len(pools)
    bumps = np.zeros((4, KEYS.size))
    bumps[1], bumps[2, 1] = 25e-4, -15e-4
    # every pool: base, two curves, vega's sigmas; then one sigma per pool (by expiry), one at 0
    rows = [(0, SIGMA), (1, SIGMA), (2, SIGMA), (0, SIGMA + 1e-4), (0, SIGMA - 1e-4)]
    lane_bump, lane_sigma, lane_pool = [], [], []
    for r, s in rows:
        for j in range(n):
            lane_bump.append(bumps[r])
            lane_sigma.append(s)
            lane_pool.append(j)
    own = [SIGMA + 4e-4, SIGMA + 1.5e-3, 0.0, SIGMA + 4e-4, SIGMA + 7e-4]
    for j, s in enumerate(own):
        lane_bump.append(bumps[0])
        lane_sigma.append(s)
        lane_pool.append(j)
    lane_bump.append(bumps[1])  # a curve and a sigma one pool asks for
    lane_sigma.append(SIGMA + 2e-3)
    lane_pool.append(2)
    months = 360
    a, tl = stacked_flows(
        pools,
        curve,
        A,
        refi,
        mc,
        KEYS,
        np.vstack(lane_bump),
        np.array(lane_sigma),
        Lanes(np.arange(len(lane_pool)), np.array(lane_pool)),
        months=months,
        reference=SIGMA,
    )
    assert a.shape == (len(lane_pool), tl.months)
    cache: dict[tuple[float, bytes], np.ndarray] = {}
    for lane, (b, s, j) in enumerate(zip(lane_bump, lane_sigma, lane_pool, strict=True)):
        key = (s, b.tobytes())
        if key not in cache:
            ref, _, _ = discounted_flows(
                pools, curve, HullWhite(A, s), refi, mc, KEYS, b[None, :], months=months
            )
            cache[key] = ref[0]
        np.testing.assert_allclose(a[lane], cache[key][j], rtol=1e-12, atol=1e-17)
    # the sigmas matter: pool 2 at zero vol (flat paths) is not pool 2 at the model's sigma
    at_zero = len(rows) * n + 2
    assert abs(a[at_zero].sum() - a[2].sum()) > 1e-6
