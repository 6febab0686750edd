"""Hull-White swaptions in closed form and the calibration of sigma / mean reversion.

Oracle: QuantLib's ``JamshidianSwaptionEngine`` on ``ql.HullWhite`` with the same log-linear
discount curve, an annual fixed leg on the same dates (ACT/365F, 365-day periods so every accrual
is 1, as ours) and exercise at expiry. Invariants: put-call parity at the money; the calibration
recovers the parameters that generated its quotes; a flat-vol fit reports its errors.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.hw_calibration import (
    SwaptionQuote,
    atm_normal_vol,
    calibrate,
    jamshidian_swaption,
    model_vols,
)
from hedge_planner.models.short_rate import HullWhite

SETTLE = dt.date(2023, 12, 29)
NODE_DAYS = [30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957, 14610]
ZEROS = [0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041, 0.04]
DISCOUNTS = [float(np.exp(-z * d / 365.0)) for z, d in zip(ZEROS, NODE_DAYS, strict=True)]


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    return YieldCurve(SETTLE, np.array(NODE_DAYS) / 365.0, np.array(DISCOUNTS))


def _ql_swaption(expiry_days: int, tenor: int, strike: float, a: float, sigma: float, payer: bool):
    import QuantLib as ql

    from tests.ql_reference import ql_date, ql_discount_curve

    base = ql_date(SETTLE)
    ql.Settings.instance().evaluationDate = base
    handle = ql_discount_curve(SETTLE, NODE_DAYS, DISCOUNTS)
    start = base + expiry_days
    dates = [start + 365 * i for i in range(tenor + 1)]
    fixed = ql.Schedule(dates, ql.NullCalendar(), ql.Unadjusted)
    index = ql.IborIndex(
        "X", ql.Period(12, ql.Months), 0, ql.USDCurrency(), ql.NullCalendar(),
        ql.Unadjusted, False, ql.Actual365Fixed(), handle,
    )  # fmt: skip
    kind = ql.Swap.Payer if payer else ql.Swap.Receiver
    swap = ql.VanillaSwap(
        kind, 1.0, fixed, strike, ql.Actual365Fixed(), fixed, index, 0.0, ql.Actual365Fixed()
    )
    swaption = ql.Swaption(swap, ql.EuropeanExercise(start))
    swaption.setPricingEngine(ql.JamshidianSwaptionEngine(ql.HullWhite(handle, a, sigma)))
    return swaption.NPV()


@pytest.mark.parametrize(("expiry_days", "tenor"), [(365, 10), (91, 10), (730, 30), (1825, 5)])
@pytest.mark.parametrize(("a", "sigma"), [(0.03, 0.01), (0.1, 0.006), (0.0, 0.012)])
@pytest.mark.parametrize("moneyness", [-0.01, 0.0, 0.015])
def test_jamshidian_matches_quantlib(curve, expiry_days, tenor, a, sigma, moneyness) -> None:
    expiry = expiry_days / 365.0
    model = HullWhite(a, sigma)
    atm = jamshidian_swaption(curve, model, expiry, tenor)
    assert atm == pytest.approx(jamshidian_swaption(curve, model, expiry, tenor, payer=False))
    fwd = (float(curve.discount(expiry)) - float(curve.discount(expiry + tenor))) / float(
        np.sum(curve.discount(expiry + np.arange(1, tenor + 1)))
    )
    strike = fwd + moneyness
    for payer in (True, False):
        ours = jamshidian_swaption(curve, model, expiry, tenor, strike, payer)
        theirs = _ql_swaption(expiry_days, tenor, strike, max(a, 1e-12), sigma, payer)
        # QuantLib solves r* to an accuracy of 1e-8 (Brent), which moves its premium by ~1e-7
        assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("fit_a", [False, True])
def test_calibration_recovers_the_generating_parameters(curve, fit_a) -> None:
    truth = HullWhite(0.05, 0.0085)
    grid = [(0.25, 10), (1.0, 10), (2.0, 30), (5.0, 5), (1.0, 2)]
    vols = model_vols(curve, truth, [SwaptionQuote(e, t, 0.0) for e, t in grid])
    quotes = [SwaptionQuote(e, t, v) for (e, t), v in zip(grid, vols, strict=True)]
    cal = calibrate(curve, quotes, None if fit_a else 0.05)
    assert cal.model.volatility == pytest.approx(0.0085, rel=1e-7)
    if fit_a:
        assert cal.model.mean_reversion == pytest.approx(0.05, rel=1e-5)
    assert cal.rms_bp < 1e-4
    assert "sigma" in cal.summary()


def test_a_flat_market_is_fitted_with_stated_errors(curve) -> None:
    quotes = [SwaptionQuote(1.0, 10, 0.0115), SwaptionQuote(0.25, 10, 0.012)]
    cal = calibrate(curve, quotes, 0.03)
    # the fitted model's vols are the reported ones, and the errors are model - market
    np.testing.assert_allclose(cal.model_vols, model_vols(curve, cal.model, quotes))
    np.testing.assert_allclose(cal.errors_bp, (cal.model_vols - [0.0115, 0.012]) / 1e-4)
    premium = jamshidian_swaption(curve, cal.model, 1.0, 10)
    assert atm_normal_vol(curve, 1.0, 10, premium) == pytest.approx(cal.model_vols[0])
    with pytest.raises(AnalyticsError):
        calibrate(curve, [], 0.03)
