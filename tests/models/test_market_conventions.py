"""Futures coupon reinvestment apart from repo, delivery dates, swaption leg conventions.

Every expected value is a hand calculation written out here from explicit dates.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.futures_basis import basis_analytics
from hedge_planner.models.futures_hedge import DeliverableBond, TreasuryFuture
from hedge_planner.models.hedge_instruments import Swaption

ANCHOR = dt.date(2024, 1, 10)


def flat(rate: float, anchor: dt.date = ANCHOR) -> YieldCurve:
    """A flat continuously compounded curve (DF = exp(-rate t), t ACT/365F)."""
    t = np.array([0.5, 1, 2, 5, 10, 30.0])
    return YieldCurve(anchor, t, np.exp(-rate * t))


# ------------------------------------------------------------------------------------------
# futures
# ------------------------------------------------------------------------------------------
def test_basis_with_reinvestment_by_hand() -> None:
    # Settle 2024-01-02, coupon 2.0 paid 2024-02-15, delivery 2024-03-28 (2024 is a leap year):
    # 86 days to delivery, 42 days from the coupon to delivery.
    res = basis_analytics(
        98.5, 1.2, 0.3, 0.85, 115.0, 0.05, "2024-01-02", "2024-03-28",
        2.0, int(np.datetime64("2024-02-15", "D").astype(np.int64)),
        reinvestment_rate=0.03, reinvestment_basis=365.0,
    )  # fmt: skip
    dirty = 98.5 + 1.2
    coupon_fv = 2.0 * (1 + 0.03 * 42 / 365)
    fwd_full = dirty * (1 + 0.05 * 86 / 360) - coupon_fv
    assert float(res.forward_full) == pytest.approx(fwd_full, abs=1e-12)
    assert float(res.forward_clean) == pytest.approx(fwd_full - 0.3, abs=1e-12)
    invoice = 115.0 * 0.85 + 0.3
    assert float(res.implied_repo) == pytest.approx(
        (invoice + coupon_fv - dirty) * 360 / (dirty * 86), abs=1e-14
    )
    # Reinvesting at repo instead gives the original (repo) forward.
    at_repo = basis_analytics(
        98.5, 1.2, 0.3, 0.85, 115.0, 0.05, "2024-01-02", "2024-03-28",
        2.0, int(np.datetime64("2024-02-15", "D").astype(np.int64)),
    )  # fmt: skip
    assert float(at_repo.forward_full) == pytest.approx(
        dirty * (1 + 0.05 * 86 / 360) - 2.0 * (1 + 0.05 * 42 / 360), abs=1e-12
    )


def test_futures_price_with_reinvestment_by_hand() -> None:
    # 4% Feb-31 bond, clean 97.25 on 2024-01-10; TY March 2024, delivery 2024-03-20.
    bond = DeliverableBond("T 4 02/15/31", 0.04, "2031-02-15", clean_price=97.25)
    fut = TreasuryFuture(
        "TYH4", "TY", 2024, 3, [bond], 0.053, flat(0.04),
        delivery=dt.date(2024, 3, 20), reinvestment_rate=0.045, reinvestment_basis=365.0,
    )  # fmt: skip
    # Accrued (ACT/ACT): 148 of 184 days of the Aug-15 to Feb-15 period now; 34 of 182 days of
    # the Feb-15 to Aug-15 period at delivery. Coupon 2.00 on 2024-02-15, 34 days before
    # delivery; 70 days from settlement to delivery.
    ai0 = 2.0 * 148 / 184
    ai1 = 2.0 * 34 / 182
    dirty = 97.25 + ai0
    fwd_clean = dirty * (1 + 0.053 * 70 / 360) - 2.0 * (1 + 0.045 * 34 / 365) - ai1
    cf = float(fut.cf[0])
    assert fut.delivery_day == int(np.datetime64("2024-03-20", "D").astype(np.int64))
    assert fut.theoretical_price == pytest.approx(fwd_clean / cf, abs=1e-10)
    # The scenario path gives the same price at zero shift.
    shifted = fut.futures_price_shifted(np.array([1.0]), np.zeros((1, 1)))
    assert shifted[0] == pytest.approx(fwd_clean / cf, abs=1e-10)


def test_delivery_outside_the_month_is_refused() -> None:
    bond = DeliverableBond("T 4 02/15/31", 0.04, "2031-02-15", clean_price=97.25)
    with pytest.raises(AnalyticsError, match="outside the delivery window"):
        TreasuryFuture(
            "TYH4", "TY", 2024, 3, [bond], 0.053, flat(0.04), delivery=dt.date(2024, 4, 2)
        )


# ------------------------------------------------------------------------------------------
# swaptions
# ------------------------------------------------------------------------------------------
def _bachelier(f: float, k: float, t: float, vol: float, annuity: float) -> float:
    d = (f - k) / (vol * math.sqrt(t))
    pdf = math.exp(-0.5 * d * d) / math.sqrt(2 * math.pi)
    cdf = 0.5 * (1 + math.erf(d / math.sqrt(2)))
    return annuity * ((f - k) * cdf + vol * math.sqrt(t) * pdf)


def test_semiannual_30_360_fixed_leg_and_act360_expiry_by_hand() -> None:
    anchor = dt.date(2024, 1, 15)
    curve = flat(0.04, anchor)
    opt = Swaption(
        "1y2y", "1y", "2y", curve, 0.01, strike=0.041, payer=True,
        fixed_frequency=2, fixed_day_count=DayCount.THIRTY_360,
        expiry_day_count=DayCount.ACT_360,
    )  # fmt: skip

    # Expiry 2025-01-15 (366 days, ACT/360); fixed payments 2025-07-15, 2026-01-15, 2026-07-15,
    # 2027-01-15, each accruing exactly 0.5 under 30/360.
    def df(d: dt.date) -> float:
        return math.exp(-0.04 * (d - anchor).days / 365)

    pays = [dt.date(2025, 7, 15), dt.date(2026, 1, 15), dt.date(2026, 7, 15), dt.date(2027, 1, 15)]
    annuity = sum(0.5 * df(p) for p in pays)
    forward = (df(dt.date(2025, 1, 15)) - df(pays[-1])) / annuity
    expiry = 366 / 360
    assert opt.expiry == pytest.approx(expiry, abs=1e-15)
    assert opt.annuity == pytest.approx(annuity, abs=1e-14)
    assert opt.forward == pytest.approx(forward, abs=1e-14)
    assert opt.base_value() == pytest.approx(
        _bachelier(forward, 0.041, expiry, 0.01, annuity), abs=1e-13
    )


def test_default_conventions_are_sofr_annual_act360() -> None:
    anchor = dt.date(2024, 1, 15)
    curve = flat(0.04, anchor)
    opt = Swaption("1y2y", "1y", "2y", curve, 0.01, strike=0.041)

    def df(d: dt.date) -> float:
        return math.exp(-0.04 * (d - anchor).days / 365)

    start, p1, p2 = dt.date(2025, 1, 15), dt.date(2026, 1, 15), dt.date(2027, 1, 15)
    annuity = (p1 - start).days / 360 * df(p1) + (p2 - p1).days / 360 * df(p2)
    assert opt.expiry == pytest.approx(366 / 365, abs=1e-15)
    assert opt.annuity == pytest.approx(annuity, abs=1e-14)
    # The explicit SOFR conventions are the same instrument, to the last bit.
    same = Swaption(
        "1y2y", "1y", "2y", curve, 0.01, strike=0.041,
        fixed_frequency=1, fixed_day_count=DayCount.ACT_360, expiry_day_count=DayCount.ACT_365F,
    )  # fmt: skip
    assert same.base_value() == opt.base_value()
