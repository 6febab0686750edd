"""Date-indexed flow grouping of ScenarioBook.from_schedule against the general from_flows path."""

from __future__ import annotations

import numpy as np
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.dates import to_days
from hedge_planner.scenarios.flow_groups import group_schedule
from hedge_planner.scenarios.revaluation import ScenarioBook

SETTLE = int(to_days("2023-12-29"))
TENORS = ["3m", "1y", "2y", "5y", "10y", "30y"]
PAR = np.array([5.40, 4.79, 4.23, 3.84, 3.88, 4.03]) / 100
KEYS = np.array([1.0, 2.0, 5.0, 10.0, 30.0])


def _setup(n: int = 400):
    rng = np.random.default_rng(11)
    book = BondBook.from_arrays(
        [f"B{i}" for i in range(n)],
        rng.uniform(1e5, 1e7, n),
        rng.uniform(0.0, 0.07, n),
        SETTLE + rng.integers(30, 25 * 365, n),
        rng.choice([1, 2, 4, 12], n),
        rng.choice([0, 1, 2, 3], n),
    )
    sched = build_schedule(book, SETTLE)
    curve = bootstrap_treasury_par(SETTLE, TENORS, PAR)
    z = rng.uniform(-0.002, 0.03, n)
    sectors = list(rng.choice(["corporate", "securitized", "", "Treasury"], n))
    return book, sched, curve, z, sectors


def test_from_schedule_equals_the_general_grouping() -> None:
    book, sched, curve, z, sectors = _setup()
    fast = ScenarioBook.from_schedule(sched, book.face, curve, z, ids=book.ids, sectors=sectors)
    # Reference: the general path groups flows by their float times with a sort.
    t = curve.time(sched.pay_dates)
    pv = sched.amounts * curve.discount(t) * np.exp(-z[sched.bond] * t)
    ref = ScenarioBook.from_flows(sched.bond, t, pv, book.face, z, ids=book.ids, sectors=sectors)
    np.testing.assert_array_equal(fast.group_times, ref.group_times)
    np.testing.assert_array_equal(fast.group_sector, ref.group_sector)
    np.testing.assert_array_equal(fast.base_price, ref.base_price)
    assert (fast.weights != ref.weights).nnz == 0
    rng = np.random.default_rng(2)
    shifts = rng.normal(0, 50e-4, (7, KEYS.size))
    spreads = rng.normal(0, 30e-4, (7, 2))
    cols = ("corporate", "securitized")
    np.testing.assert_array_equal(
        fast.prices(KEYS, shifts, spreads, cols, chunk_size=3),
        ref.prices(KEYS, shifts, spreads, cols, chunk_size=7),
    )


def test_prices_match_flow_by_flow_repricing() -> None:
    # Independent reference: each bond repriced flow by flow on the shifted curve.
    book, sched, curve, z, sectors = _setup(60)
    sbook = ScenarioBook.from_schedule(sched, book.face, curve, z, sectors=sectors)
    shift = np.array([[10e-4, -5e-4, 20e-4, 0.0, 15e-4]])
    spread = np.array([[40e-4]])
    got = sbook.prices(KEYS, shift, spread, ("corporate",))[0]
    shifted = curve.shifted(KEYS, shift[0])
    for i in range(60):
        lo, hi = sched.offsets[i], sched.offsets[i + 1]
        t = curve.time(sched.pay_dates[lo:hi])
        ds = 40e-4 if sectors[i] == "corporate" else 0.0
        want = np.sum(sched.amounts[lo:hi] * shifted.discount(t) * np.exp(-(z[i] + ds) * t))
        assert abs(got[i] - want) <= 1e-11 * want


def test_grouping_does_not_depend_on_the_block_size() -> None:
    _, sched, curve, z, _ = _setup(300)
    codes = np.arange(300) % 3 - 1
    one = group_schedule(sched, curve, z, codes, 3, block_flows=10**9)
    small = group_schedule(sched, curve, z, codes, 3, block_flows=5)
    np.testing.assert_array_equal(one.base_price, small.base_price)
    np.testing.assert_array_equal(one.group_times, small.group_times)
    assert (one.by_bond != small.by_bond).nnz == 0
