"""A futures position held past its roll date carries as the next contract (one carry convention).

References: QuantLib reprices the next contract's CTD at its unchanged yield on the roll date and
the horizon (coupons from QuantLib's cash flows, repo on ACT/360), per conversion factor; the
calendar-spread variant by hand from the CME delivery dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import to_days, to_iso
from hedge_planner.models.futures import contract_dates, is_deliverable
from hedge_planner.models.futures_hedge import (
    DeliverableBond,
    TreasuryFuture,
    next_contract_month,
)

ql = pytest.importorskip("QuantLib")
from tests.ql_reference import ql_fixed_bond, ql_yield_figures  # noqa: E402

ANCHOR = "2023-12-29"
SETTLE = dt.date(2023, 12, 29)
UST_TENORS = ["1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
UST = np.array([5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100
BASKET = [
    ("T 0.875 11/30", 0.00875, "2030-11-15", 0.0385),
    ("T 1.25 08/31", 0.0125, "2031-08-15", 0.0388),
    ("T 1.875 02/32", 0.01875, "2032-02-15", 0.0389),
    ("T 2.75 08/32", 0.0275, "2032-08-15", 0.0389),
    ("T 3.5 02/33", 0.035, "2033-02-15", 0.0389),
    ("T 4.5 11/33", 0.045, "2033-11-15", 0.0388),
]
REPO, NEXT_REPO = 0.0535, 0.0525


@pytest.fixture(autouse=True)
def eval_date() -> Iterator[None]:
    saved = ql.Settings.instance().evaluationDate
    yield
    ql.Settings.instance().evaluationDate = saved


@pytest.fixture(scope="module")
def tsy() -> YieldCurve:
    return bootstrap_treasury_par(ANCHOR, UST_TENORS, UST)


def _bonds(rows: list[tuple[str, float, str, float]]) -> list[DeliverableBond]:
    return [DeliverableBond(i, c, m, yield_=y) for i, c, m, y in rows]


def _next(tsy: YieldCurve) -> tuple[TreasuryFuture, list[tuple[str, float, str, float]]]:
    year, month = next_contract_month(2024, 3)
    assert (year, month) == (2024, 6)
    maturity = to_days([m for _, _, m, _ in BASKET])
    ok = is_deliverable("TY", year, month, maturity)
    rows = [b for b, good in zip(BASKET, ok, strict=True) if good]
    # TY June 2024 needs 6.5 years left on 2024-06-01: the 11/15/30 note has dropped out.
    assert [r[0] for r in rows] == [r[0] for r in BASKET[1:]]
    return TreasuryFuture("TYM4", "TY", year, month, _bonds(rows), NEXT_REPO, tsy), rows


def _ql_ctd_carry(row: tuple[str, float, str, float], start: dt.date, end: dt.date) -> float:
    """Carry per 100 over [start, end] at the bond's unchanged yield, QuantLib prices."""
    _, coupon, maturity, y = row
    bond = ql_fixed_bond(SETTLE, dt.date.fromisoformat(maturity), coupon, 2, 0)
    d0 = ql_yield_figures(bond, start, y, 2, 0)["dirty_price"]
    d1 = ql_yield_figures(bond, end, y, 2, 0)["dirty_price"]
    coupons = sum(
        cf.amount()
        for cf in bond.cashflows()
        if start < dt.date.fromisoformat(cf.date().ISO()) <= end
    )
    return d1 + coupons - d0 - d0 * NEXT_REPO * (end - start).days / 360


def test_carry_after_the_roll_is_the_next_contracts(tsy: YieldCurve) -> None:
    nxt, rows = _next(tsy)
    front = TreasuryFuture("TYH4", "TY", 2024, 3, _bonds(BASKET), REPO, tsy, roll_into=nxt)
    plain = TreasuryFuture("TYH4", "TY", 2024, 3, _bonds(BASKET), REPO, tsy)
    roll = dt.date.fromisoformat(to_iso([front.roll_day])[0])
    assert roll == dt.date(2024, 2, 29)
    # Before the roll nothing changes against the contract without roll data.
    assert front.risk(horizon_days=45).carry == pytest.approx(
        plain.risk(horizon_days=45).carry, rel=1e-12
    )
    for days in (90, 150):
        end = SETTLE + dt.timedelta(days=days)
        ctd = rows[nxt.ctd_index]
        cf = float(nxt.cf[nxt.ctd_index])
        after = _ql_ctd_carry(ctd, roll, end) / cf * 100_000 / 100
        before = front.contract_carry_between(front.settle, front.roll_day)
        risk = front.risk(horizon_days=days)
        assert risk.details["carry_after_roll"] == pytest.approx(after, rel=1e-9)
        assert risk.carry == pytest.approx(before + after, rel=1e-12)
        assert risk.details["roll_priced"] is True
        assert risk.details["roll_value"] == 0.0
    # Without next-contract data the roll is flagged as not priced.
    assert plain.risk(horizon_days=90).details["roll_priced"] is False


def test_calendar_spread_prices_the_roll_by_hand(tsy: YieldCurve) -> None:
    spread = 0.40  # points per 100, front minus next
    front = TreasuryFuture("TYH4", "TY", 2024, 3, _bonds(BASKET), REPO, tsy, calendar_spread=spread)
    gap = int(contract_dates("TY", 2024, 6).last_delivery_day) - int(
        contract_dates("TY", 2024, 3).last_delivery_day
    )
    days = 90
    after_days = SETTLE.toordinal() + days - dt.date(2024, 2, 29).toordinal()
    risk = front.risk(horizon_days=days)
    assert risk.details["carry_after_roll"] == pytest.approx(
        spread / 100 * 100_000 * after_days / gap, rel=1e-12
    )
    # With the next basket too, the spread's richness against the fair spread is the roll value.
    nxt, _ = _next(tsy)
    both = TreasuryFuture(
        "TYH4", "TY", 2024, 3, _bonds(BASKET), REPO, tsy, roll_into=nxt, calendar_spread=spread
    )
    fair = both.theoretical_price - nxt.theoretical_price
    value = both.risk(horizon_days=days).details["roll_value"]
    assert value == pytest.approx((spread - fair) / 100 * 100_000, rel=1e-12)


def test_yield_convention_dv01_per_contract_against_quantlib(tsy: YieldCurve) -> None:
    """Desk convention: CTD modified duration x dirty price x 1e-4 (QuantLib, street yield,
    semi-annual) / CF x size / 100; a market price labels the basis analytics as market."""
    fut = TreasuryFuture("TYH4", "TY", 2024, 3, _bonds(BASKET), REPO, tsy)
    ctd = fut.ctd_index
    _, coupon, maturity, y = BASKET[ctd]
    bond = ql_fixed_bond(SETTLE, dt.date.fromisoformat(maturity), coupon, 2, 0)
    fig = ql_yield_figures(bond, SETTLE, y, 2, 0)
    dv01_100 = fig["modified_duration"] * fig["dirty_price"] * 1e-4
    expected = dv01_100 / float(fut.cf[ctd]) * 100_000 / 100
    risk = fut.risk()
    assert risk.details["dv01_yield_convention"] == pytest.approx(expected, rel=1e-6)
    assert risk.details["basis_source"] == "theoretical"
    # beside the curve-based figure: forward (repo growth) and continuous-zero bumps make the
    # curve-based DV01 a few percent larger, never a different order
    assert 1.0 < risk.dv01 / expected < 1.06
    market = TreasuryFuture(
        "TYH4", "TY", 2024, 3, _bonds(BASKET), REPO, tsy, market_price=fut.theoretical_price - 0.1
    )
    assert market.risk().details["basis_source"] == "market"
