"""Horizon analysis: closed forms on a flat curve, QuantLib repricing at the horizon, breakeven."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.curves import YieldCurve, curve_from_zero_rates
from hedge_planner.models.dates import add_months, to_date, to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.risk import solve_z_spread
from hedge_planner.scenarios.horizon import apply_horizon, horizon_analysis
from hedge_planner.scenarios.revaluation import revalue_scenarios

from tests.scenarios.test_revaluation import (
    KEY_YEARS,
    SETTLE,
    ZeroCouponPricer,
    bullet_book,
    make_curve,
    parallel,
    prepared,
)

HORIZON = int(add_months(int(to_days(SETTLE)), 3))


def _mixed_book() -> BondBook:
    """Coupon bonds of several frequencies/day counts, one maturing inside the horizon."""
    s = int(to_days(SETTLE))
    maturity = np.array([s + 45, s + 700, s + 1900, s + 3700, s + 7000, s + 10900])
    return BondBook.from_arrays(
        [f"H{i}" for i in range(6)],
        [2e6, 1e6, 3e6, 1.5e6, 1e6, 2.5e6],
        [0.05, 0.0225, 0.04, 0.06, 0.03, 0.045],
        maturity,
        [2, 4, 2, 1, 12, 2],
        [0, 1, 0, 2, 3, 0],
    )


def _ql_horizon(ql, curve: YieldCurve, book: BondBook, z: np.ndarray, shift: float) -> dict:
    """Horizon figures of each bond computed bond by bond in QuantLib.

    The rolled curve is a ``DiscountCurve`` whose node dates are the model's node dates moved
    forward by the horizon with the same discount factors (``DF_H(tau) = DF_0(tau)``); the
    z-spread plus the parallel shift sit on top as a ``ZeroSpreadedTermStructure``.
    """
    from tests.ql_reference import ql_date, ql_fixed_bond

    d0, dh = ql_date(SETTLE), ql_date(to_date(HORIZON))
    node_days = np.rint(curve.node_times * 365.0).astype(int)
    dc = ql.Actual365Fixed()
    out: dict[str, list[float]] = {k: [] for k in ("coupons", "principal", "ai0", "aih", "dirty")}
    for i in range(len(book)):
        freq = int(book.frequency[i])
        bond = ql_fixed_bond(
            SETTLE,
            to_date(book.maturity[i]),
            float(book.coupon[i]),
            freq,
            int(book.day_count[i]),
        )
        out["ai0"].append(bond.accruedAmount(d0))
        coupons = principal = 0.0
        for cf in bond.cashflows():
            if d0 < cf.date() <= dh:
                if ql.as_coupon(cf) is None:
                    principal += cf.amount()
                else:
                    coupons += cf.amount()
        out["coupons"].append(coupons)
        out["principal"].append(principal)
        ql.Settings.instance().evaluationDate = dh
        if bond.maturityDate() > dh:
            dates = [dh] + [dh + int(d) for d in node_days]
            base = ql.YieldTermStructureHandle(
                ql.DiscountCurve(dates, [1.0, *curve.node_discounts.tolist()], dc)
            )
            spread = ql.QuoteHandle(ql.SimpleQuote(float(z[i]) + shift))
            handle = ql.YieldTermStructureHandle(
                ql.ZeroSpreadedTermStructure(base, spread, ql.Continuous, ql.NoFrequency, dc)
            )
            handle.enableExtrapolation()
            bond.setPricingEngine(ql.DiscountingBondEngine(handle))
            out["dirty"].append(bond.NPV())
            out["aih"].append(bond.accruedAmount(dh))
        else:
            out["dirty"].append(0.0)
            out["aih"].append(0.0)
    return {k: np.array(v) for k, v in out.items()}


def test_zero_coupon_on_flat_curve_matches_closed_forms() -> None:
    r = 0.045
    s = int(to_days(SETTLE))
    curve = curve_from_zero_rates(s, [0.25, 1.0, 5.0, 40.0], [r] * 4)
    maturity = s + 3650
    book = BondBook.from_arrays(["Z"], 1e6, 0.0, [maturity], frequency=0)
    res = horizon_analysis(book, curve, 0.0, HORIZON)
    h = (HORIZON - s) / 365.0
    tau = (maturity - HORIZON) / 365.0
    v0 = 1e6 * math.exp(-r * 3650 / 365.0)
    assert res.market_value[0] == pytest.approx(v0, rel=1e-13)
    assert res.income[0] == 0.0
    # On an unchanged flat curve a zero earns exactly the continuously compounded rate.
    assert res.carry_return == pytest.approx(math.expm1(r * h), rel=1e-11)
    assert res.rolldown[0] == pytest.approx(v0 * math.expm1(r * h), rel=1e-11)
    # Breakeven: e^{-(r + b) tau} = e^{-r T}  =>  b = r h / tau.
    assert res.breakeven_bp == pytest.approx(r * h / tau * 1e4, rel=1e-9)
    # First-order carry / DV01 = (1 - e^{-r h}) / tau: within r h / 2 (relative) of the root.
    assert res.breakeven_first_order_bp == pytest.approx(-math.expm1(-r * h) / tau * 1e4)
    assert res.breakeven_first_order_bp == pytest.approx(res.breakeven_bp, rel=r * h)
    assert res.breakeven_income_only_bp == 0.0


def test_income_rolldown_and_scenario_returns_match_quantlib_at_the_horizon() -> None:
    ql = pytest.importorskip("QuantLib")
    curve = make_curve()
    book = _mixed_book()
    z = np.array([0.001, 0.0, 0.004, -0.002, 0.012, 0.003])
    shifts = [50.0, -30.0]
    res = horizon_analysis(book, curve, z, HORIZON, parallel(shifts))
    scale = book.face / 100.0
    base = _ql_horizon(ql, curve, book, z, 0.0)
    np.testing.assert_allclose(res.coupon_received, base["coupons"] * scale, rtol=1e-12)
    np.testing.assert_allclose(res.principal_received, base["principal"] * scale, rtol=1e-12)
    np.testing.assert_allclose(res.accrued_start, base["ai0"] * scale, rtol=1e-10, atol=1e-6)
    np.testing.assert_allclose(res.accrued_end, base["aih"] * scale, rtol=1e-10, atol=1e-6)
    income = (base["coupons"] + base["aih"] - base["ai0"]) * scale
    np.testing.assert_allclose(res.income, income, rtol=1e-10, atol=1e-6)
    # Settlement value from the model's own curve-plus-z pricing (tested against QuantLib in
    # tests/test_revaluation.py); the horizon side is QuantLib's.
    roll = (base["dirty"] - base["aih"] + base["principal"]) * scale - (
        res.market_value - res.accrued_start
    )
    np.testing.assert_allclose(res.rolldown, roll, rtol=1e-9, atol=1e-5)
    mv = res.total_market_value
    for k, shift in enumerate(shifts):
        shocked = _ql_horizon(ql, curve, book, z, shift * 1e-4)
        horizon_value = (
            (shocked["dirty"] + shocked["coupons"] + shocked["principal"]) * scale
        ).sum()
        assert res.total_return[k] == pytest.approx(horizon_value / mv - 1.0, abs=1e-12)
        price_pnl = horizon_value - income.sum() - mv
        assert res.price_return[k] == pytest.approx(price_pnl / mv, abs=1e-12)
    maturing = book.maturity <= HORIZON
    assert np.all(res.principal_received[maturing] == book.face[maturing])
    assert np.all(res.dv01_horizon[maturing] == 0.0)


def test_breakeven_rise_zeroes_total_return_by_full_repricing() -> None:
    ql = pytest.importorskip("QuantLib")
    curve = make_curve()
    book = _mixed_book()
    z = np.full(len(book), 0.002)
    hedge = ZeroCouponPricer(curve, 5.0, notional=1e6)
    qty, carry = -2.0, 1500.0
    res = horizon_analysis(
        book, curve, z, HORIZON, hedges=[hedge], quantities=[qty], hedge_carry=[carry]
    )
    mv = res.total_market_value
    for be, hedged in ((res.breakeven_bp, True), (res.breakeven_unhedged_bp, False)):
        assert np.isfinite(be) and be > 0.0
        shocked = _ql_horizon(ql, curve, book, z, be * 1e-4)
        total = (shocked["dirty"] + shocked["coupons"] + shocked["principal"]) * book.face / 100
        pnl = total.sum() - mv
        if hedged:
            pnl += qty * (hedge.value * math.exp(-be * 1e-4 * 5.0) - hedge.value) + qty * carry
        assert abs(pnl) < 1e-7 * mv
    # The first-order estimate sits within a few percent of the full root for a 3-month horizon.
    assert res.breakeven_first_order_bp == pytest.approx(res.breakeven_bp, rel=0.05)
    assert res.breakeven_income_only_bp < res.breakeven_first_order_bp  # positive roll-down here


def test_apply_horizon_fills_returns_and_hedge_terms_add_up() -> None:
    curve = make_curve()
    book, yields = bullet_book(n=12)
    sb, risk = prepared(book, yields, curve)
    hedge = ZeroCouponPricer(curve, 10.0, notional=1e6)
    qty = -float(risk.dv01.sum()) / hedge.dv01
    mats = parallel([25.0, -25.0, 100.0])
    kwargs = {"hedges": [hedge], "quantities": [qty], "hedge_carry": [-250.0]}
    hedged = horizon_analysis(book, curve, risk.z_spread, HORIZON, mats, **kwargs)
    bare = horizon_analysis(book, curve, risk.z_spread, HORIZON, mats)
    mv = bare.total_market_value
    hedge_now = qty * (hedge.scenario_values(KEY_YEARS, mats.rate_shifts) - hedge.value)
    np.testing.assert_allclose(
        (hedged.total_return - bare.total_return) * mv, hedge_now + qty * -250.0, rtol=1e-10
    )
    np.testing.assert_allclose(
        (bare.total_return - bare.price_return) * mv, bare.income.sum(), rtol=1e-10
    )
    # The bare book breaks even a little above its carry / DV01. The DV01-hedged ladder keeps
    # positive carry and is longer convexity than the 10y zero hedge, so no parallel move makes
    # its horizon P&L negative: there is no breakeven, reported as NaN rather than a bogus root.
    assert 0.0 < bare.breakeven_bp < 50.0
    assert np.isnan(hedged.breakeven_bp)
    assert np.all(hedged.total_return > 0.0)

    result = revalue_scenarios(sb, mats, risk, [hedge], [qty])
    filled = apply_horizon(result, hedged)
    rows = filled.to_records()
    assert [r["total_return"] for r in rows] == pytest.approx(hedged.total_return.tolist())
    assert [r["price_return"] for r in rows] == pytest.approx(hedged.price_return.tolist())
    with pytest.raises(AnalyticsError):
        apply_horizon(
            result, horizon_analysis(book, curve, risk.z_spread, HORIZON, parallel([1.0]))
        )
    with pytest.raises(AnalyticsError):
        horizon_analysis(book, curve, risk.z_spread, int(curve.anchor))


def test_horizon_value_identity_with_z_spread_fitted_to_market() -> None:
    curve = make_curve()
    book = _mixed_book()
    sched = build_schedule(book, curve.anchor)
    dirty = np.array([101.0, 99.5, 103.2, 108.0, 95.5, 104.0])
    z = solve_z_spread(sched, curve, dirty)
    res = horizon_analysis(book, curve, z, dt.date(2024, 6, 28))
    np.testing.assert_allclose(res.market_value, dirty * book.face / 100.0, rtol=1e-12)
    # Income + roll-down = cash received + dirty value at the horizon - value today, with the
    # horizon value summed directly over the settlement schedule's later flows at DF_0(tau).
    scale = book.face / 100.0
    paid = sched.pay_dates <= res.horizon_date
    cash = sched.per_bond(np.where(paid, sched.amounts, 0.0)) * scale
    tau = np.maximum(sched.pay_dates - res.horizon_date, 0) / 365.0
    later = sched.amounts * curve.discount(tau) * np.exp(-z[sched.bond] * tau)
    value_h = sched.per_bond(np.where(paid, 0.0, later)) * scale
    np.testing.assert_allclose(
        res.income + res.rolldown, cash + value_h - res.market_value, rtol=1e-12, atol=1e-6
    )
