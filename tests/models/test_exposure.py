"""Tests for models.exposure: hand-computed numbers, sum of parts, full revaluation, CDS.

References: numbers worked by hand (denominator = cash MV + derivatives' MTM, never notional),
and finite differences of the whole portfolio's full revaluation (cash bonds repriced off the
shifted Treasury curve at their z-spreads, derivatives through the scenario protocol).
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.bootstrap import bootstrap_sofr_ois, bootstrap_treasury_par
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.exposure import CashBook, CdsPosition, Holding, portfolio_exposure
from hedge_planner.models.futures_hedge import DeliverableBond, TreasuryFuture
from hedge_planner.models.hedge_instruments import HedgeInstrumentRisk, SwapHedge, Swaption
from hedge_planner.models.risk import (
    DEFAULT_KEY_TENORS,
    check_key_tenors,
    curve_dirty_price,
    curve_risk,
)
from hedge_planner.models.swaps import SwapSpec
from hedge_planner.models.yield_risk import dirty_price_from_yield

LABELS, KEYS = check_key_tenors(DEFAULT_KEY_TENORS)
ANCHOR = "2023-12-29"
UST_TENORS = ["1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
UST = np.array([5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100
OIS_TENORS = ["1w", "1m", "3m", "6m", "1y", "18m", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
OIS = np.array([5.35, 5.34, 5.30, 5.16, 4.80, 4.45, 4.17, 3.84, 3.55, 3.45, 3.42, 3.41, 3.24]) / 100


def unit(name: str, kind: str, *, price, mv, notional, dv01, cvx=0.0) -> HedgeInstrumentRisk:
    """A per-unit risk record with the DV01 spread evenly over the key tenors."""
    return HedgeInstrumentRisk(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        unit="contracts" if kind == "future" else "notional",
        price=price,
        market_value=mv,
        notional=notional,
        dv01=dv01,
        krd_dv01=np.full(len(LABELS), dv01 / len(LABELS)),
        key_tenors=LABELS,
        dollar_convexity=cvx,
        carry=0.0,
        half_spread=0.0,
        margin=0.0,
        methodology="test",
    )


def test_hand_numbers_denominator_excludes_notionals() -> None:
    cash = CashBook(
        market_value=100_000_000.0,
        krd_dv01=np.linspace(1.0, 9.0, 9) / 45.0 * 60_000.0,  # sums to 60,000
        key_tenors=LABELS,
        dollar_convexity=4.0e9,
    )
    fut = unit("TYH4", "future", price=110.0, mv=0.0, notional=110_000.0, dv01=75.0, cvx=5e6)
    swap = unit("10y", "swap", price=0.002, mv=0.002, notional=1.0, dv01=0.0008, cvx=80.0)
    opt = unit("1y10y", "swaption", price=0.01, mv=0.01, notional=1.0, dv01=0.0004, cvx=300.0)
    out = portfolio_exposure(
        cash, [Holding(fut, -200), Holding(swap, 10_000_000), Holding(opt, 5_000_000)]
    )
    # DV01: 60,000 - 200*75 + 1e7*0.0008 + 5e6*0.0004 = 55,000.
    assert out.dv01 == pytest.approx(55_000.0)
    # Market value: 100m + swap PV 20,000 + premium 50,000; futures and notionals excluded.
    assert out.market_value == pytest.approx(100_070_000.0)
    assert out.cash_market_value == 100_000_000.0
    assert out.derivatives_market_value == pytest.approx(70_000.0)
    assert out.duration == pytest.approx(55_000.0 / (100_070_000.0 * 1e-4))
    assert out.duration == pytest.approx(5.496152693, rel=1e-9)
    np.testing.assert_allclose(out.krd_years.sum(), out.duration, rtol=1e-12)
    # Dollar convexity: 4e9 - 200*5e6 + 1e7*80 + 5e6*300 = 5.3e9; convexity = 5.3e9 / MV.
    assert out.dollar_convexity == pytest.approx(5.3e9)
    assert out.convexity == pytest.approx(5.3e9 / 100_070_000.0)
    # Notional: 200 * 110,000 = 22m futures + 10m swap + 5m swaption.
    assert out.gross_notional == pytest.approx(37_000_000.0)
    assert out.net_notional == pytest.approx(-22e6 + 10e6 + 5e6)
    assert out.leverage == pytest.approx(137_000_000.0 / 100_070_000.0)
    # Every figure and every row carries a methodology label.
    for name in ("market_value", "dv01", "krd_dv01", "duration", "krd_years", "convexity"):
        assert out.methodology[name]
    assert out.positions["methodology"].str.len().gt(0).all()
    assert out.positions.loc[out.positions.kind == "swaption", "methodology"].iloc[0] == (
        "delta-adjusted"
    )


def test_cds_adds_spread_dv01_but_no_rate_dv01() -> None:
    cash = CashBook(1e8, np.full(9, 5_000.0), LABELS, spread_dv01=40_000.0)
    base = portfolio_exposure(cash)
    cds = CdsPosition(
        "CDX IG", 20_000_000.0, spread_dv01_per_unit=4.5e-4, market_value_per_unit=0.0
    )
    out = portfolio_exposure(cash, cds=[cds])
    assert out.dv01 == base.dv01 == pytest.approx(45_000.0)
    np.testing.assert_array_equal(out.krd_dv01, base.krd_dv01)
    assert out.spread_dv01 == pytest.approx(40_000.0 + 9_000.0)
    assert out.spread_duration == pytest.approx(49_000.0 / (1e8 * 1e-4))
    assert out.gross_notional == pytest.approx(20_000_000.0)
    # Bought protection (notional < 0) on a name whose sold-protection MTM is -2 points: the
    # position is worth +200,000, which moves the denominator; its notional does not.
    upfront = CdsPosition("HY", -1e7, 3.8e-4, market_value_per_unit=-0.02)
    out2 = portfolio_exposure(cash, cds=[upfront])
    assert out2.market_value == pytest.approx(1e8 + 200_000.0)
    assert out2.spread_dv01 == pytest.approx(40_000.0 - 3_800.0)
    assert out2.dv01 == pytest.approx(45_000.0)


@pytest.fixture(scope="module")
def book():
    tsy = bootstrap_treasury_par(ANCHOR, UST_TENORS, UST)
    sofr = bootstrap_sofr_ois(ANCHOR, OIS_TENORS, OIS)
    settle = int(to_days(ANCHOR))
    bonds = BondBook.from_arrays(
        ["T 4.375 11/30", "T 4.5 11/33", "T 4.75 11/53"],
        [30e6, 50e6, 20e6],
        [0.04375, 0.045, 0.0475],
        to_days(["2030-11-30", "2033-11-15", "2053-11-15"]),
    )
    sched = build_schedule(bonds, settle)
    dirty = dirty_price_from_yield(sched, [0.0385, 0.0388, 0.0403])
    cr = curve_risk(sched, bonds.face, tsy, dirty)
    basket = [
        DeliverableBond("T 0.875 11/30", 0.00875, "2030-11-15", yield_=0.0385),
        DeliverableBond("T 1.125 02/31", 0.01125, "2031-02-15", yield_=0.0386),
        DeliverableBond("T 4.5 11/33", 0.045, "2033-11-15", yield_=0.0388),
    ]
    instruments = [
        (TreasuryFuture("TYH4", "TY", 2024, 3, basket, 0.0535, tsy), -300.0),
        (SwapHedge(SwapSpec("5y", "5y", fixed_rate=0.036), sofr), -15_000_000.0),
        (SwapHedge(SwapSpec("2y10y", "10y", start="2y"), sofr), 8_000_000.0),
        (Swaption("1y10y", "1y", "10y", sofr, 0.0105, payer=False, strike=0.033), 10_000_000.0),
    ]
    return tsy, sofr, bonds, sched, cr, instruments


def test_portfolio_dv01_is_sum_of_parts_and_full_revaluation(book) -> None:
    tsy, _, bonds, sched, cr, instruments = book
    cash = CashBook.from_curve_risk(cr)
    holdings = [Holding(inst.risk(), q) for inst, q in instruments]
    out = portfolio_exposure(cash, holdings)
    parts = float(cr.dv01.sum()) + sum(h.quantity * h.risk.dv01 for h in holdings)
    assert out.dv01 == pytest.approx(parts, rel=1e-12)
    assert out.dv01 == pytest.approx(out.positions["dv01"].sum(), rel=1e-12)

    # Full revaluation of the whole book, both curves shifted together.
    def total(shift: np.ndarray) -> float:
        cash_v = curve_dirty_price(sched, tsy.shifted(KEYS, shift), cr.z_spread) / 100 * bonds.face
        deriv = sum(q * inst.scenario_values(KEYS, shift[None, :])[0] for inst, q in instruments)
        return float(cash_v.sum() + deriv)

    h = 1e-4
    ones = np.full(KEYS.size, h)
    assert out.dv01 == pytest.approx((total(-ones) - total(ones)) / (2 * h) * 1e-4, rel=1e-6)
    for k in (2, 4, 6, 8):
        e = np.zeros(KEYS.size)
        e[k] = h
        ref = (total(-e) - total(e)) / (2 * h) * 1e-4
        assert out.krd_dv01[k] == pytest.approx(ref, rel=1e-6, abs=1e-6)
    # Denominator: cash MV plus swap PVs and option premium; the futures add nothing.
    deriv_mv = sum(q * inst.base_value() for inst, q in instruments if inst.kind != "future")
    assert out.market_value == pytest.approx(float(cr.market_value.sum()) + deriv_mv, rel=1e-12)
    fut, q_fut = instruments[0]
    assert out.gross_notional == pytest.approx(
        abs(q_fut) * fut.futures_price / 100 * 100_000 + 15e6 + 8e6 + 10e6
    )
    assert out.duration == pytest.approx(out.dv01 / (out.market_value * 1e-4))
    # The hedge shortens duration versus the cash book alone.
    assert out.duration < portfolio_exposure(cash).duration


def test_mismatched_key_tenors_and_overlay() -> None:
    cash = CashBook(1e8, np.full(9, 1.0), LABELS)
    other = HedgeInstrumentRisk(
        "x", "swap", "notional", 0.0, 0.0, 1.0, 1e-4, np.full(4, 2.5e-5),
        ("2y", "5y", "10y", "30y"), 0.0, 0.0, 0.0, 0.0, "test",
    )  # fmt: skip
    with pytest.raises(AnalyticsError):
        portfolio_exposure(cash, [Holding(other, 1.0)])
    # A pure overlay (no cash, zero MTM): DV01 is defined, durations are not.
    swap = unit("10y", "swap", price=0.0, mv=0.0, notional=1.0, dv01=8e-4)
    out = portfolio_exposure(None, [Holding(swap, 1e7)])
    assert out.dv01 == pytest.approx(8_000.0)
    assert np.isnan(out.duration) and np.isnan(out.leverage)
