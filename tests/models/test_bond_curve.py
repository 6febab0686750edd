"""Exact bootstrap through coupon bonds at clean prices, checked against QuantLib."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.bond_curve import (
    CurveBond,
    bond_schedule,
    bootstrap_bonds,
    model_dirty_prices,
    repricing_errors,
)
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import AnalyticsError

from tests.ql_reference import ql_date, ql_fixed_bond

ql = pytest.importorskip("QuantLib")

SETTLE = dt.date(2024, 3, 15)
#: Ten semiannual ACT/ACT bonds on arbitrary (off-cycle, month-end and mid-month) maturities.
TEN_BONDS = [
    CurveBond("B0", 0.0425, dt.date(2024, 9, 30), 99.60),
    CurveBond("B1", 0.0150, dt.date(2025, 2, 15), 97.80),
    CurveBond("B2", 0.0500, dt.date(2025, 8, 31), 100.20),
    CurveBond("B3", 0.0200, dt.date(2026, 5, 15), 95.40),
    CurveBond("B4", 0.04125, dt.date(2027, 1, 31), 99.00),
    CurveBond("B5", 0.03125, dt.date(2028, 11, 15), 95.20),
    CurveBond("B6", 0.0375, dt.date(2030, 6, 30), 98.10),
    CurveBond("B7", 0.0400, dt.date(2033, 8, 15), 99.30),
    CurveBond("B8", 0.0450, dt.date(2038, 2, 15), 103.50),
    CurveBond("B9", 0.0300, dt.date(2044, 5, 15), 84.70),
]


def _ql_curve(bonds: list[CurveBond]) -> ql.YieldTermStructure:
    """QuantLib's piecewise log-linear discount bootstrap over FixedRateBondHelpers."""
    ql.Settings.instance().evaluationDate = ql_date(SETTLE)
    helpers = [
        ql.BondHelper(
            ql.QuoteHandle(ql.SimpleQuote(b.price)),
            ql_fixed_bond(SETTLE, b.maturity, b.coupon, 2, int(b.day_count)),
        )
        for b in bonds
    ]
    return ql.PiecewiseLogLinearDiscount(ql_date(SETTLE), helpers, ql.Actual365Fixed())


def test_ten_bonds_reprice_and_match_quantlib() -> None:
    curve = bootstrap_bonds(SETTLE, TEN_BONDS)
    # Each bond reprices to 1e-10 per 100 (clean), checked through the schedule directly too.
    for rec in repricing_errors(curve, SETTLE, TEN_BONDS):
        assert abs(rec["error"]) < 1e-10, rec
    sched = bond_schedule(SETTLE, TEN_BONDS)
    clean = model_dirty_prices(curve, sched) - sched.accrued
    np.testing.assert_allclose(clean, [b.price for b in TEN_BONDS], rtol=0, atol=1e-10)
    # Discount factors agree with QuantLib at every maturity and at dates in between.
    qc = _ql_curve(TEN_BONDS)
    probe = [b.maturity for b in TEN_BONDS] + [dt.date(2024, 6, 1), dt.date(2031, 3, 3)]
    ours = curve.discount_at(to_days(probe))
    ref = np.array([qc.discount(ql_date(d)) for d in probe])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_order_of_the_bonds_does_not_matter() -> None:
    a = bootstrap_bonds(SETTLE, TEN_BONDS)
    b = bootstrap_bonds(SETTLE, TEN_BONDS[::-1])
    np.testing.assert_array_equal(a.node_discounts, b.node_discounts)


def test_other_conventions_reprice() -> None:
    bonds = [
        CurveBond("A1", 0.05, dt.date(2025, 4, 1), 100.5, 1, 1),  # annual 30/360
        CurveBond("Q1", 0.03, dt.date(2026, 6, 20), 97.0, 4, 2),  # quarterly ACT/360
        CurveBond("Z1", 0.0, dt.date(2029, 1, 15), 80.0, 0),  # zero coupon
    ]
    curve = bootstrap_bonds(SETTLE, bonds, "monotone_cubic_zero")
    assert max(abs(r["error"]) for r in repricing_errors(curve, SETTLE, bonds)) < 1e-10


@pytest.mark.parametrize(
    ("bonds", "fragment"),
    [
        ([], "no bonds"),
        ([TEN_BONDS[0], TEN_BONDS[0]], "given twice"),
        ([TEN_BONDS[0], CurveBond("X", 0.01, TEN_BONDS[0].maturity, 99.0)], "same date"),
        ([CurveBond("X", 0.01, dt.date(2030, 1, 1), 0.5)], "outside the plausible"),
        ([CurveBond("X", 0.01, dt.date(2020, 1, 1), 99.0)], "on or before"),
    ],
)
def test_bad_bond_sets_are_refused(bonds: list[CurveBond], fragment: str) -> None:
    with pytest.raises(AnalyticsError, match=fragment):
        bootstrap_bonds(SETTLE, bonds)
