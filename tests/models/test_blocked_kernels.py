"""Blocked schedule and curve-risk kernels: block-size invariance, no drift, hand references.

The schedule build and curve risk run over blocks of whole bonds with per-date tables; these
tests check that one call and a call split into tiny blocks agree bit for bit, that the running
sum of period excesses restarts at each bond (no cumulative-sum drift along a long book) and
that the per-date tables give the prices of a direct per-flow evaluation.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hedge_planner.models.bonds import (
    BondBook,
    bond_blocks,
    build_schedule,
    running_sum_in_bond,
)
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.dates import to_days
from hedge_planner.models.risk import curve_risk
from hedge_planner.models.yield_risk import dirty_price_from_yield

SETTLE = int(to_days("2023-12-29"))
TENORS = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
PAR = np.array([5.60, 5.40, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100


def _book(n: int, seed: int = 3) -> tuple[BondBook, np.ndarray]:
    """Mixed frequencies and day counts (ACT/ACT, 30/360, ACT/360, ACT/365F), some issue dates."""
    rng = np.random.default_rng(seed)
    maturity = SETTLE + rng.integers(20, 30 * 365, n)
    issue = np.where(rng.random(n) < 0.3, SETTLE - rng.integers(0, 200, n), np.iinfo(np.int64).min)
    book = BondBook.from_arrays(
        [f"B{i}" for i in range(n)],
        rng.uniform(1e5, 5e6, n),
        rng.uniform(0.0, 0.08, n),
        maturity,
        rng.choice([0, 1, 2, 4, 12], n),
        rng.choice([0, 1, 2, 3], n),
        issue,
        rng.random(n) < 0.8,
    )
    return book, rng.uniform(0.03, 0.07, n)


@pytest.fixture(scope="module")
def curve():
    return bootstrap_treasury_par(SETTLE, TENORS, PAR)


def test_bond_blocks_cover_the_book_with_whole_bonds() -> None:
    offsets = np.array([0, 3, 3 + 100, 104, 110, 111])
    blocks = bond_blocks(offsets, block_flows=4)
    assert blocks[0][0] == 0 and blocks[-1][1] == 5
    assert all(a < b for a, b in blocks)
    assert all(b0 == a1 for (_, a1), (b0, _) in itertools.pairwise(blocks))
    assert bond_blocks(np.array([0]), 4) == []


def test_schedule_is_the_same_in_one_block_or_many() -> None:
    book, _ = _book(600)
    one = build_schedule(book, SETTLE, block_flows=10**9)
    for size in (1, 37, 4096):
        split = build_schedule(book, SETTLE, block_flows=size)
        for name in ("bond", "offsets", "pay_dates", "amounts", "periods", "accrued"):
            np.testing.assert_array_equal(getattr(split, name), getattr(one, name), err_msg=name)
        np.testing.assert_array_equal(split.prev_coupon, one.prev_coupon)
        np.testing.assert_array_equal(split.next_coupon, one.next_coupon)


def test_running_sum_restarts_at_each_bond_and_matches_exact_sums() -> None:
    rng = np.random.default_rng(5)
    counts = rng.integers(1, 400, 3000)
    position = np.concatenate([np.arange(c) for c in counts])
    values = rng.normal(0.0, 1e-3, position.size) + 0.25  # a drift-prone positive mean
    run = running_sum_in_bond(values, position)
    start = 0
    worst = 0.0
    for c in counts:
        seg = values[start : start + c]
        exact = np.array([math.fsum(seg[: j + 1]) for j in range(c)])
        worst = max(worst, float(np.max(np.abs(run[start : start + c] - exact))))
        start += c
    # A bond's running sum is at most ~400 terms of ~0.25: a few ulps of 100, never the error
    # of a global cumulative sum over ~600k terms.
    assert worst < 1e-13


def test_running_sum_does_not_depend_on_the_bonds_before() -> None:
    rng = np.random.default_rng(6)
    bond = rng.normal(size=300)
    alone = running_sum_in_bond(bond, np.arange(300))
    before = rng.normal(size=5000) * 1e6  # 20 large bonds of 250 flows in front
    joined = running_sum_in_bond(
        np.concatenate([before, bond]), np.concatenate([np.arange(5000) % 250, np.arange(300)])
    )
    np.testing.assert_array_equal(joined[5000:], alone)


def test_curve_risk_is_the_same_in_one_block_or_many(curve) -> None:
    book, y = _book(500)
    sched = build_schedule(book, SETTLE)
    dirty = dirty_price_from_yield(sched, y)
    one = curve_risk(sched, book.face, curve, dirty, block_flows=10**9)
    for size in (1, 53, 1000):
        split = curve_risk(sched, book.face, curve, dirty, block_flows=size)
        for name in (
            "dirty_price",
            "z_spread",
            "effective_duration",
            "effective_convexity",
            "spread_duration",
            "dv01",
        ):
            np.testing.assert_array_equal(getattr(split, name), getattr(one, name), err_msg=name)
        np.testing.assert_array_equal(split.krd.krd, one.krd.krd)


def test_per_date_tables_reprice_each_flow_directly(curve) -> None:
    # Reference: every flow discounted on its own by the curve and the solved z-spread.
    book, y = _book(200)
    sched = build_schedule(book, SETTLE)
    dirty = dirty_price_from_yield(sched, y)
    risk = curve_risk(sched, book.face, curve, dirty, block_flows=97)
    for i in range(0, 200, 17):
        lo, hi = sched.offsets[i], sched.offsets[i + 1]
        t = (sched.pay_dates[lo:hi] - SETTLE) / 365.0
        price = math.fsum(
            a * d * math.exp(-risk.z_spread[i] * ti)
            for a, d, ti in zip(sched.amounts[lo:hi], curve.discount(t), t, strict=True)
        )
        assert price == pytest.approx(dirty[i], rel=1e-13)
        assert risk.dirty_price[i] == pytest.approx(dirty[i], rel=1e-13)
