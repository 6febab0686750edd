"""Options on Treasury futures against QuantLib (test-only oracle), parity and finite differences.

References: QuantLib's analytic European engine on a Black (futures) process for Black-76,
QuantLib's Leisen-Reimer binomial engine (2,001 steps) for American exercise, put-call parity on
the futures, central differences of full repricing for the greeks and the per-option DV01.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.futures_hedge import DeliverableBond, TreasuryFuture
from hedge_planner.models.futures_options import (
    FutureOption,
    american_futures,
    binomial_futures,
    black76_futures,
)
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors
from hedge_planner.models.swaps import bump_matrix, risk_from_bumped

ql = pytest.importorskip("QuantLib")

TODAY = ql.Date(29, 12, 2023)
UST_TENORS = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
UST = np.array([5.60, 5.40, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100
BASKET = [
    ("T 1.875 02/32", 0.01875, "2032-02-15", 0.0388),
    ("T 3.5 02/33", 0.035, "2033-02-15", 0.0388),
    ("T 4.5 11/33", 0.045, "2033-11-15", 0.0388),
]


@pytest.fixture(autouse=True)
def eval_date() -> Iterator[None]:
    saved = ql.Settings.instance().evaluationDate
    ql.Settings.instance().evaluationDate = TODAY
    yield
    ql.Settings.instance().evaluationDate = saved


@pytest.fixture(scope="module")
def future() -> TreasuryFuture:
    curve: YieldCurve = bootstrap_treasury_par("2023-12-29", UST_TENORS, UST)
    basket = [DeliverableBond(i, c, m, yield_=y) for i, c, m, y in BASKET]
    return TreasuryFuture("TYH4", "TY", 2024, 3, basket, 0.0535, curve)


def ql_option(f: float, k: float, days: int, vol: float, r: float, call: bool, american: bool):
    """QuantLib vanilla option on a futures price (Black process, flat rate, ACT/365F)."""
    dc = ql.Actual365Fixed()
    process = ql.BlackProcess(
        ql.QuoteHandle(ql.SimpleQuote(f)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, r, dc, ql.Continuous)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(TODAY, ql.NullCalendar(), vol, dc)),
    )
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, k)
    expiry = TODAY + days
    if american:
        option = ql.VanillaOption(payoff, ql.AmericanExercise(TODAY, expiry))
        option.setPricingEngine(ql.BinomialVanillaEngine(process, "lr", 2001))
    else:
        option = ql.VanillaOption(payoff, ql.EuropeanExercise(expiry))
        option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return option


CASES = [
    (111.0, 112.0, 91, 0.06, 0.05),
    (111.0, 108.0, 55, 0.07, 0.053),
    (118.5, 118.5, 180, 0.09, 0.045),
    (98.0, 104.0, 30, 0.05, 0.06),
]


@pytest.mark.parametrize(("f", "k", "days", "vol", "r"), CASES)
@pytest.mark.parametrize("call", [True, False])
def test_black76_matches_quantlib_black_engine(f, k, days, vol, r, call) -> None:
    ours = black76_futures(f, k, days / 365.0, vol, r, call)
    ref = ql_option(f, k, days, vol, r, call, american=False)
    assert float(ours.premium) == pytest.approx(ref.NPV(), rel=1e-12, abs=1e-13)
    assert float(ours.delta) == pytest.approx(ref.delta(), rel=1e-10, abs=1e-12)
    assert float(ours.gamma) == pytest.approx(ref.gamma(), rel=1e-10)
    assert float(ours.vega) == pytest.approx(ref.vega(), rel=1e-10)


@pytest.mark.parametrize(("f", "k", "days", "vol", "r"), CASES)
@pytest.mark.parametrize("call", [True, False])
def test_american_matches_quantlib_binomial_engine(f, k, days, vol, r, call) -> None:
    am, early = american_futures(f, k, days / 365.0, vol, r, call)
    ref = ql_option(f, k, days, vol, r, call, american=True)
    assert float(am) == pytest.approx(ref.NPV(), abs=1e-4)  # points per 100
    european = float(black76_futures(f, k, days / 365.0, vol, r, call).premium)
    assert float(early) >= 0.0
    assert float(am) == pytest.approx(european + float(early), abs=1e-14)
    assert float(am) >= max((f - k) if call else (k - f), 0.0) - 1e-12


@pytest.mark.parametrize(("f", "k", "days", "vol", "r"), CASES)
def test_put_call_parity_on_the_future(f, k, days, vol, r) -> None:
    t = days / 365.0
    c = black76_futures(f, k, t, vol, r, True)
    p = black76_futures(f, k, t, vol, r, False)
    assert float(c.premium - p.premium) == pytest.approx(np.exp(-r * t) * (f - k), abs=1e-12)
    assert float(c.delta - p.delta) == pytest.approx(np.exp(-r * t), abs=1e-14)


def test_lattice_european_converges_to_black76() -> None:
    f, k, t, vol, r = 111.0, 112.0, 0.25, 0.06, 0.05
    lattice = binomial_futures(f, k, t, vol, r, True, steps=2000, american=False)
    assert float(lattice) == pytest.approx(
        float(black76_futures(f, k, t, vol, r).premium), abs=2e-3
    )
    # Zero rate: no early exercise value for an option on a future (no carry to capture).
    _am, early = american_futures(f, k, t, vol, 0.0, False)
    assert float(early) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("call", [True, False])
def test_black76_greeks_match_finite_differences(call) -> None:
    f, k, t, vol, r = 111.0, 112.5, 0.3, 0.065, 0.05

    def px(**kw: float) -> float:
        args = {"forward": f, "strike": k, "expiry": t, "vol": vol, "rate": r} | kw
        return float(black76_futures(**args, is_call=call).premium)

    g = black76_futures(f, k, t, vol, r, call)
    h = 1e-3
    assert float(g.delta) == pytest.approx(
        (px(forward=f + h) - px(forward=f - h)) / (2 * h), rel=1e-7
    )
    gamma_fd = (px(forward=f + h) + px(forward=f - h) - 2 * px()) / h**2
    assert float(g.gamma) == pytest.approx(gamma_fd, rel=1e-4)
    assert float(g.vega) == pytest.approx(
        (px(vol=vol + 1e-5) - px(vol=vol - 1e-5)) / 2e-5, rel=1e-7
    )
    theta_fd = -(px(expiry=t + 1e-6) - px(expiry=t - 1e-6)) / 2e-6
    assert float(g.theta) == pytest.approx(theta_fd, rel=1e-6)


@pytest.mark.parametrize("american", [True, False])
def test_future_option_dv01_is_delta_times_future_dv01(future, american) -> None:
    opt = FutureOption(
        "TYH4 P",
        future,
        future.futures_price - 1.0,
        "2024-02-23",
        0.06,
        call=False,
        american=american,
    )
    fut = future.risk()
    risk = opt.risk()
    delta = risk.details["delta"]
    assert delta < 0  # a put on the future loses when rates fall
    assert risk.dv01 == pytest.approx(delta * fut.dv01, rel=1e-12)
    np.testing.assert_allclose(risk.krd_dv01, delta * fut.krd_dv01, rtol=1e-12)
    # Full repricing of the option on the shifted futures price gives the same DV01 (O(h^2)).
    _labels, keys = check_key_tenors(DEFAULT_KEY_TENORS)
    h = 1e-4
    values = opt.scenario_values(keys, bump_matrix(keys.size, h))
    premium, dv01, _krd, cvx = risk_from_bumped(values, keys.size, h)
    assert premium == pytest.approx(opt.base_value(), rel=1e-12)
    assert risk.dv01 == pytest.approx(dv01, rel=2e-3)
    assert risk.dollar_convexity == pytest.approx(cvx, rel=5e-2)
    assert risk.details["early_exercise_premium_per_100"] >= 0.0
    assert risk.market_value == pytest.approx(risk.price / 100 * 100_000)


def test_american_greeks_match_quantlib_binomial(future) -> None:
    opt = FutureOption("TYH4 C", future, None, "2024-02-23", 0.06, rate=0.05, steps=800)
    g, early = opt.greeks()
    days = opt.expiry_day - int(future.curve.anchor)
    ref = ql_option(opt.forward, opt.strike, days, 0.06, 0.05, True, american=True)
    assert float(g.premium[0]) == pytest.approx(ref.NPV(), abs=1e-4)
    assert float(g.delta[0]) == pytest.approx(ref.delta(), abs=2e-4)
    assert float(g.gamma[0]) == pytest.approx(ref.gamma(), rel=1e-2)
    assert early >= 0.0


def test_future_option_rejects_expiry_after_last_trading_day(future) -> None:
    with pytest.raises(AnalyticsError, match="last trading day"):
        FutureOption("bad", future, None, "2024-04-30", 0.06)


def test_carry_is_time_decay_bounded_by_the_premium(future) -> None:
    opt = FutureOption(
        "TYH4 P", future, future.futures_price - 3.0, "2024-02-23", 0.065, call=False
    )
    long_horizon = opt.risk(horizon_days=90)  # expires within the horizon: loses the time value
    intrinsic = max(opt.strike - opt.forward, 0.0) * 1000.0
    assert long_horizon.carry == pytest.approx(intrinsic - long_horizon.market_value, rel=1e-12)
    short = opt.risk(horizon_days=1)  # one day: about theta per day
    assert short.carry == pytest.approx(short.details["theta_per_day"], rel=5e-2)


def test_vol_scenario_maps_normal_vol_through_the_futures_dv01(future) -> None:
    """+10 bp of normal rate vol moves the price vol by 10 bp x |dF/dy| / F (|dF/dy| from the
    future's DV01 per contract); the repriced option matches QuantLib's Black engine at that
    vol, and the vega approximation agrees to first order."""
    from hedge_planner.models.vol_shift import VolShift

    opt = FutureOption("TYH4 C", future, None, "2024-02-23", 0.06, rate=0.05, american=False)
    dfdy = abs(future.risk(opt.key_tenors).dv01) / 1e-4 / (opt.size / 100.0)
    vol = 0.06 + 10e-4 * dfdy / opt.forward
    days = opt.expiry_day - int(future.curve.anchor)
    ref = ql_option(opt.forward, opt.strike, days, vol, 0.05, True, american=False)
    shift = VolShift({"all": 10.0})
    assert opt.vol_scenario_value(shift) == pytest.approx(ref.NPV() * opt.size / 100, rel=1e-9)
    tiny = VolShift({"all": 1e-3})
    full = opt.vol_scenario_value(tiny) - opt.base_value()
    assert opt.vol_scenario_approximation(tiny) == pytest.approx(full, rel=1e-4)


def _ql_american_vega(f: float, k: float, days: int, vol: float, r: float, call: bool) -> float:
    """dV/dvol of QuantLib's Leisen-Reimer tree (4,001 steps), central difference +/- 0.001."""
    dc = ql.Actual365Fixed()
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, k)
    npv = []
    for sigma in (vol + 1e-3, vol - 1e-3):
        process = ql.BlackProcess(
            ql.QuoteHandle(ql.SimpleQuote(f)),
            ql.YieldTermStructureHandle(ql.FlatForward(TODAY, r, dc, ql.Continuous)),
            ql.BlackVolTermStructureHandle(
                ql.BlackConstantVol(TODAY, ql.NullCalendar(), sigma, dc)
            ),
        )
        option = ql.VanillaOption(payoff, ql.AmericanExercise(TODAY, TODAY + days))
        option.setPricingEngine(ql.BinomialVanillaEngine(process, "lr", 4001))
        npv.append(option.NPV())
    return (npv[0] - npv[1]) / 2e-3


@pytest.mark.parametrize("call", [True, False])
@pytest.mark.parametrize("moneyness", [-6.0, -4.0, 0.0, 4.0, 6.0])
def test_american_vega_matches_quantlib(future, call, moneyness) -> None:
    """The American vega (central difference of the control-variate lattice, 400 steps, vol
    +/- 0.001) against QuantLib's Leisen-Reimer tree (4,001 steps; 2,001 to 8,001 agree to
    2e-5). At the money to 1e-4; up to six points in or out of the money the CRR lattice's
    odd-even noise leaves up to 0.65%, hence 1% (over vol +/- 1e-4 it left up to 13%)."""
    strike = future.futures_price + moneyness
    opt = FutureOption("X", future, strike, "2024-02-23", 0.06, call=call, rate=0.05)
    g, _ = opt.greeks()
    days = opt.expiry_day - int(future.curve.anchor)
    ref = _ql_american_vega(opt.forward, opt.strike, days, 0.06, 0.05, call)
    assert float(g.vega[0]) == pytest.approx(ref, rel=1e-4 if moneyness == 0.0 else 1e-2)
