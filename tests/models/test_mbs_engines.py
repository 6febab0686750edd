"""The month-major path engine (:mod:`models.mbs_months`) against the closed-form reference.

Reference: the month-vectorised closed form of :mod:`models.mbs_paths` (itself tested against a
plain month-by-month loop of the documented recursion in ``test_mbs_paths.py``), run on the same
paths. The per-path-month arithmetic is the same; only sums over paths round differently, so
prices, durations, KRDs and WAL agree to 1e-10 relative and convexity (a second difference
divided by shift^2 = 6.25e-6) to 1e-8. The cases cover two payment groups in one block, CPRs at
their 0.99 cap, the S-curve without the shared exponential, several path chunks and blocks on
the thread pool, prices from OAS and OAS from prices, and 21 curve scenarios at once; and a
subset of pools projected over the whole set's months keeps the set's draws (vol scenarios).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models import mbs_months
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.mbs import (
    MonteCarloSpec,
    PoolBook,
    discounted_flows,
    mbs_risk,
)
from hedge_planner.models.prepayment import Prepayment, RefiModel
from hedge_planner.models.short_rate import HullWhite

SETTLE = dt.date(2023, 12, 29)
NODE_DAYS = np.array([30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957])
ZEROS = np.array([0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041])
KEYS = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30])
HW = HullWhite(0.03, 0.012)


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    t = NODE_DAYS / 365.0
    return YieldCurve(SETTLE, t, np.exp(-ZEROS * t))


def _book() -> PoolBook:
    """Five refi pools (two delays: two payment groups; speed 2.5 reaches the CPR cap) and one
    PSA pool (certain flows: both engines share that path)."""
    c = np.array([0.02, 0.045, 0.055, 0.065, 0.07, 0.05])
    return PoolBook(
        tuple(f"P{i}" for i in range(6)),
        np.full(6, 1e6),
        c,
        c + np.array([0.006, 0.007, 0.0075, 0.008, 0.007, 0.006]),
        np.array([360, 300, 357, 200, 340, 280]),
        np.array([0, 12, 3, 70, 20, 5]),
        np.array([55, 45, 55, 55, 45, 55]),
        (
            Prepayment("refi", 1.0),
            Prepayment("refi", 0.8),
            Prepayment("refi", 2.5),
            Prepayment("refi", 1.3),
            Prepayment("refi", 2.5),
            Prepayment("psa", 150.0),
        ),
    )


def _assert_same(new, old) -> None:
    for name in ("dirty_price", "oas", "duration", "spread_duration", "krd", "wal"):
        np.testing.assert_allclose(getattr(new, name), getattr(old, name), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(new.convexity, old.convexity, rtol=1e-8)


@pytest.mark.parametrize("small_slabs", [False, True])
def test_months_engine_matches_the_closed_form_from_oas(curve, monkeypatch, small_slabs) -> None:
    if small_slabs:  # several path chunks per block and several blocks on the thread pool
        monkeypatch.setattr(mbs_months, "SLAB_ELEMENTS", 200)
        monkeypatch.setattr(mbs_months, "BLOCK_POOL_PATHS", 100)
    pools, mc = _book(), MonteCarloSpec(64, 5)
    kw = {"oas": np.full(6, 0.004), "mc": mc}
    new = mbs_risk(pools, curve, HW, KEYS, **kw)
    old = mbs_risk(pools, curve, HW, KEYS, engine="closed_form", **kw)
    _assert_same(new, old)
    assert np.all(new.convexity[[0, 1, 2]] != 0.0)


def test_months_engine_matches_the_closed_form_from_price(curve, monkeypatch) -> None:
    monkeypatch.setattr(mbs_months, "SLAB_ELEMENTS", 300)
    pools = _book()
    price = np.array([88.0, 97.5, 100.2, 101.9, 103.0, 99.0])
    kw = {"dirty_price": price, "mc": MonteCarloSpec(48, 2)}
    new = mbs_risk(pools, curve, HW, KEYS, **kw)
    old = mbs_risk(pools, curve, HW, KEYS, engine="closed_form", **kw)
    _assert_same(new, old)
    np.testing.assert_allclose(new.dirty_price, price, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")  # reference's
def test_months_engine_without_the_shared_exponential(curve) -> None:
    # a width this narrow makes exp(rate / width) overflow-prone: both engines take the
    # per-element S-curve
    refi = RefiModel(refi_width=1e-4, refi_center=0.0)
    pools, mc = _book(), MonteCarloSpec(32, 9)
    kw = {"oas": np.full(6, 0.003), "mc": mc, "refi": refi}
    _assert_same(
        mbs_risk(pools, curve, HW, KEYS, **kw),
        mbs_risk(pools, curve, HW, KEYS, engine="closed_form", **kw),
    )


def test_months_engine_bumped_krds_and_many_scenarios(curve) -> None:
    pools, mc = _book(), MonteCarloSpec(40, 4)
    kw = {"oas": np.full(6, 0.005), "mc": mc, "krd_by_bumps": True}
    _assert_same(
        mbs_risk(pools, curve, HW, KEYS, **kw),
        mbs_risk(pools, curve, HW, KEYS, engine="closed_form", **kw),
    )
    bumps = np.random.default_rng(3).normal(scale=1e-3, size=(7, KEYS.size))
    refi = RefiModel()
    a_new, p_new, _ = discounted_flows(pools, curve, HW, refi, mc, KEYS, bumps)
    a_old, p_old, _ = discounted_flows(pools, curve, HW, refi, mc, KEYS, bumps, "closed_form")
    np.testing.assert_allclose(a_new, a_old, rtol=1e-12, atol=1e-17)
    np.testing.assert_allclose(p_new, p_old, rtol=1e-10, atol=1e-15)


def test_unknown_engine_is_refused(curve) -> None:
    with pytest.raises(AnalyticsError, match="engine"):
        mbs_risk(_book(), curve, HW, KEYS, oas=np.zeros(6), engine="fast")


def test_a_subset_projected_over_the_whole_set_months_keeps_its_prices(curve) -> None:
    # Vol scenarios reprice subsets of a book's pools: over the whole set's months a subset
    # draws the same random numbers, so each pool's deflated flows are the set's (rounding).
    pools, mc, refi = _book(), MonteCarloSpec(32, 6), RefiModel()
    bumps = np.zeros((1, KEYS.size))
    whole, _, tl = discounted_flows(pools, curve, HW, refi, mc, KEYS, bumps)
    rows = np.array([3, 1])  # WAMs 200 and 300: alone they would project 300 months
    sub = PoolBook(
        tuple(pools.ids[i] for i in rows),
        pools.face[rows],
        pools.coupon[rows],
        pools.wac[rows],
        pools.wam[rows],
        pools.wala[rows],
        pools.delay_days[rows],
        tuple(pools.prepayment[i] for i in rows),
    )
    part, _, tl_sub = discounted_flows(sub, curve, HW, refi, mc, KEYS, bumps, months=tl.months)
    assert tl_sub.months == tl.months == 360
    np.testing.assert_allclose(part[0], whole[0, rows], rtol=1e-12, atol=1e-18)
    alone, _, _ = discounted_flows(sub, curve, HW, refi, mc, KEYS, bumps)
    assert alone.shape[-1] == 300 and not np.allclose(alone[0], part[0, :, :300], rtol=1e-6)
