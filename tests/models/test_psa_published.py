"""The PSA arithmetic against more rows of the published 100 PSA table.

Reference: Fabozzi, *Bond Markets, Analysis and Strategies*, exhibit "Monthly cash flow for a
$400 million 7.5% pass-through with a WAC of 8.125% and a WAM of 357 months assuming 100 PSA"
(seasoned three months). Besides month 1 (checked in ``test_mbs.py``) the exhibit prints, in
dollars: month 2 balance 399,464,995, SMM 0.00084, net interest 2,496,656, scheduled principal
269,166, prepayment 334,198, cash flow 3,100,020; month 27 balance 364,808,016, net interest
2,280,050, scheduled principal 296,406, prepayment 1,874,688, cash flow 4,451,144; month 100
balance 231,249,776, net interest 1,445,311, scheduled principal 332,928, prepayment 1,187,608,
cash flow 2,965,848; month 357 balance 501,199, net interest 3,132, principal 501,199, no
prepayment, cash flow 504,331.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.mbs import PoolBook, cashflow_table, static_smm
from hedge_planner.models.prepayment import Prepayment

PUBLISHED = {
    # month: (balance, smm, net interest, scheduled principal, prepayment, cash flow)
    2: (399_464_995, 0.00084, 2_496_656, 269_166, 334_198, 3_100_020),
    27: (364_808_016, 0.00514, 2_280_050, 296_406, 1_874_688, 4_451_144),
    100: (231_249_776, 0.00514, 1_445_311, 332_928, 1_187_608, 2_965_848),
    357: (501_199, 0.00514, 3_132, 501_199, 0, 504_331),
}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    settle = dt.date(2023, 12, 29)
    t = np.array([0.5, 1.0, 5.0, 10.0, 30.0])
    curve = YieldCurve(settle, t, np.exp(-0.045 * t))  # the curve does not enter the table
    book = PoolBook(
        ("FABOZZI",),
        np.array([400e6]),
        np.array([0.075]),
        np.array([0.08125]),
        np.array([357]),
        np.array([3]),
        np.array([55]),
        (Prepayment("psa", 100.0),),
    )
    return cashflow_table(book, 0, curve, static_smm(book, 357)[0])


@pytest.mark.parametrize("month", sorted(PUBLISHED))
def test_published_100_psa_rows(rows: list[dict], month: int) -> None:
    balance, smm, interest, scheduled, prepay, cash = PUBLISHED[month]
    row = rows[month - 1]
    assert row["month"] == month
    assert row["beginning_balance"] == pytest.approx(balance, abs=0.5)
    assert row["smm"] == pytest.approx(smm, abs=5e-6)
    assert row["net_interest"] == pytest.approx(interest, abs=0.5)
    assert row["scheduled_principal"] == pytest.approx(scheduled, abs=0.5)
    assert row["prepayment"] == pytest.approx(prepay, abs=0.5)
    assert row["total_cash_flow"] == pytest.approx(cash, abs=0.5)


def test_table_ends_at_the_wam(rows: list[dict]) -> None:
    assert len(rows) == 357
