"""The Treasury par bootstrap and the par KRDs against QuantLib.

Reference: QuantLib's ``PiecewiseLogLinearDiscount`` (ACT/365F axis) over ``FixedRateBondHelper``
instruments written from the convention :func:`models.bootstrap.bootstrap_treasury_par` states:
bills (up to 6m) one payment of ``100 / (1 + y d / 365)``; coupon tenors par bonds settling on the
anchor with semiannual coupons of exactly ``y / 2`` (30/360 on dates stepped back from maturity).
Par KRDs: the par quotes bumped +/- 1 bp by the key's tent over the quotes' nominal tenors, each
bumped set bootstrapped by QuantLib, every bond's flows discounted on it at its z-spread (held),
central difference. Nothing of the product but the bonds' cash-flow schedule is used on the
reference side (the schedule is checked against QuantLib in ``test_bond_analytics.py``).
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.dates import to_days
from hedge_planner.models.krd import ParQuotes, par_krd

ql = pytest.importorskip("QuantLib")

SETTLE = dt.date(2023, 12, 29)
DAY = int(to_days(SETTLE))
TENORS = ("1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
MONTHS = [1, 2, 3, 4, 6, 12, 24, 36, 60, 84, 120, 240, 360]
PAR = np.array([5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100
KEYS = np.array([0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0])


def _qd(d: dt.date) -> object:
    return ql.Date(d.day, d.month, d.year)


def _months_after(d: dt.date, n: int) -> dt.date:
    """``d`` plus ``n`` months, the day kept (clamped to the month's end); 2023-12-29 is not a
    month end, so the end-of-month rule never applies from this anchor."""
    y, m = divmod(d.month - 1 + n, 12)
    month_end = calendar.monthrange(d.year + y, m + 1)[1]
    return dt.date(d.year + y, m + 1, min(d.day, month_end))


def _ql_treasury(par: np.ndarray) -> object:
    ql.Settings.instance().evaluationDate = _qd(SETTLE)
    helpers = []
    for months, y in zip(MONTHS, par.tolist(), strict=True):
        maturity = _months_after(SETTLE, months)
        if months <= 6:
            dates = [_qd(SETTLE), _qd(maturity)]
            price = 100.0 / (1.0 + y * (maturity - SETTLE).days / 365.0)
            coupon, day_count = 0.0, ql.Actual365Fixed()
        else:
            dates = [_qd(_months_after(maturity, -6 * k)) for k in range(months // 6, -1, -1)]
            price, coupon, day_count = 100.0, y, ql.Thirty360(ql.Thirty360.BondBasis)
        schedule = ql.Schedule(ql.DateVector(dates), ql.NullCalendar(), ql.Unadjusted)
        helpers.append(
            ql.FixedRateBondHelper(
                ql.QuoteHandle(ql.SimpleQuote(price)), 0, 100.0, schedule, [coupon], day_count
            )
        )
    curve = ql.PiecewiseLogLinearDiscount(_qd(SETTLE), helpers, ql.Actual365Fixed())
    curve.enableExtrapolation()
    return curve


def _ql_discount(curve: object, t: np.ndarray) -> np.ndarray:
    return np.array([curve.discount(float(x)) for x in t])


def test_treasury_bootstrap_matches_quantlib() -> None:
    """Discount factors at every quote's maturity and at times between them, to 1e-12."""
    ours = bootstrap_treasury_par(SETTLE, TENORS, PAR)
    theirs = _ql_treasury(PAR)
    t = np.concatenate([np.linspace(0.01, 30.0, 97), ours.node_times])
    np.testing.assert_allclose(ours.discount(t), _ql_discount(theirs, t), rtol=1e-12)


def test_par_krds_match_quantlib_bootstraps_of_the_bumped_quotes() -> None:
    rng = np.random.default_rng(11)
    n = 6
    maturity = DAY + np.array([150, 700, 1500, 3000, 6000, 10500])
    coupon = rng.uniform(0.01, 0.07, n)
    book = BondBook.from_arrays([f"b{i}" for i in range(n)], 100.0, coupon, maturity, 2)
    sched = build_schedule(book, DAY)
    z = rng.uniform(-0.001, 0.01, n)
    got = par_krd(sched, ParQuotes(DAY, TENORS, PAR), z, KEYS).krd

    t = (sched.pay_dates - DAY) / 365.0
    years = np.array(MONTHS) / 12.0
    h = 1e-4

    def prices(curve: object) -> np.ndarray:
        pv = sched.amounts * _ql_discount(curve, t) * np.exp(-z[sched.bond] * t)
        return np.bincount(sched.bond, weights=pv, minlength=n)

    base = prices(_ql_treasury(PAR))
    for k in range(KEYS.size):
        tent = np.interp(years, KEYS, np.eye(KEYS.size)[k])
        up, dn = prices(_ql_treasury(PAR + h * tent)), prices(_ql_treasury(PAR - h * tent))
        want = (dn - up) / (2 * h * base)
        np.testing.assert_allclose(got[:, k], want, rtol=1e-8, atol=1e-10, err_msg=f"key {k}")
