"""Yield analytics against MATLAB Financial Toolbox documentation examples and QuantLib.

Published figures (4 decimals as printed in the examples):

* ``bndprice``: 5% semiannual ACT/ACT bond, settlement 1997-01-20, maturity 2002-06-15, yields
  4%, 5%, 6% -> clean prices 104.8106, 99.9951, 95.4384; accrued interest 0.4945.
* ``bnddurp``: 5.5% semiannual ACT/ACT bond, settlement 1999-08-02, maturity 2004-06-15, clean
  prices 106, 100, 98 -> modified duration 4.2400, 4.1925, 4.1759; Macaulay (years) 4.3275,
  4.3077, 4.3007.
* ``bndconvy``: the same bond at yields 4%, 5.5%, 6% -> convexity (years^2) 21.4825, 21.0358,
  20.8885.

And settlement on a coupon date (the coupon belongs to the seller, accrued is zero), where the
random QuantLib sample rarely lands, against QuantLib's ``BondFunctions``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.dates import to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.yield_risk import yield_from_dirty_price, yield_risk

ql = pytest.importorskip("QuantLib")
from tests.ql_reference import ql_fixed_bond, ql_yield_figures  # noqa: E402


def _schedule(coupon: float, settle: dt.date, maturity: dt.date, n: int = 3):
    mat = int(to_days(maturity))
    book = BondBook.from_arrays([f"b{i}" for i in range(n)], 100.0, coupon, [mat] * n, 2, 0)
    return build_schedule(book, int(to_days(settle)))


def test_matlab_bndprice_example() -> None:
    sched = _schedule(0.05, dt.date(1997, 1, 20), dt.date(2002, 6, 15))
    risk = yield_risk(sched, np.array([0.04, 0.05, 0.06]))
    np.testing.assert_allclose(risk.clean_price, [104.8106, 99.9951, 95.4384], atol=5e-5)
    np.testing.assert_allclose(sched.accrued, 0.4945, atol=5e-5)


def test_matlab_bnddurp_example() -> None:
    sched = _schedule(0.055, dt.date(1999, 8, 2), dt.date(2004, 6, 15))
    y = yield_from_dirty_price(sched, np.array([106.0, 100.0, 98.0]) + sched.accrued)
    risk = yield_risk(sched, y)
    np.testing.assert_allclose(risk.modified_duration, [4.2400, 4.1925, 4.1759], atol=5e-5)
    np.testing.assert_allclose(risk.macaulay_duration, [4.3275, 4.3077, 4.3007], atol=5e-5)


def test_matlab_bndconvy_example() -> None:
    sched = _schedule(0.055, dt.date(1999, 8, 2), dt.date(2004, 6, 15))
    risk = yield_risk(sched, np.array([0.04, 0.055, 0.06]))
    np.testing.assert_allclose(risk.convexity, [21.4825, 21.0358, 20.8885], atol=5e-5)


@pytest.mark.parametrize(
    ("settle", "maturity", "day_count"),
    [
        (dt.date(2024, 2, 15), dt.date(2034, 2, 15), DayCount.ACT_ACT),
        (dt.date(2024, 8, 31), dt.date(2030, 2, 28), DayCount.ACT_ACT),  # end-of-month dates
        (dt.date(2024, 6, 30), dt.date(2029, 12, 31), DayCount.THIRTY_360),
        (dt.date(2024, 2, 29), dt.date(2031, 8, 31), DayCount.THIRTY_360),
    ],
)
def test_settlement_on_a_coupon_date_matches_quantlib(
    settle: dt.date, maturity: dt.date, day_count: DayCount
) -> None:
    qbond = ql_fixed_bond(settle, maturity, 0.05, 2, int(day_count), None, True)
    ref = ql_yield_figures(qbond, settle, 0.045, 2, int(day_count))
    book = BondBook.from_arrays(["x"], 100.0, 0.05, to_days([maturity]), 2, int(day_count))
    sched = build_schedule(book, int(to_days(settle)))
    risk = yield_risk(sched, [0.045])
    assert sched.accrued[0] == 0.0
    assert int(sched.pay_dates[0]) > int(to_days(settle))  # the coupon paid today is not ours
    for field in ("dirty_price", "modified_duration", "macaulay_duration", "convexity"):
        assert float(getattr(risk, field)[0]) == pytest.approx(ref[field], rel=1e-10), field
