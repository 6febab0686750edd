"""SOFR caps and floors against QuantLib's Bachelier and Black cap/floor engines and parity.

QuantLib builds the same caplets independently: an Ibor leg on the cap's schedule (ACT/360
accruals, fixing at each period start) off a discount curve through the SOFR curve's discount
factors at the schedule dates (log-linear, as ours), priced with ``BachelierCapFloorEngine`` /
``BlackCapFloorEngine`` (ACT/365F vol time). Parity: cap - floor = the payer swap on the same
schedule, computed by hand from the discount factors.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hedge_planner.models.bootstrap import bootstrap_sofr_ois
from hedge_planner.models.caps import CapFloor
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import to_iso
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors

ql = pytest.importorskip("QuantLib")

TODAY = ql.Date(29, 12, 2023)
OIS_TENORS = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
OIS = np.array([5.35, 5.33, 5.16, 4.78, 4.10, 3.81, 3.55, 3.50, 3.49, 3.50, 3.30]) / 100


@pytest.fixture(autouse=True)
def eval_date() -> Iterator[None]:
    saved = ql.Settings.instance().evaluationDate
    ql.Settings.instance().evaluationDate = TODAY
    yield
    ql.Settings.instance().evaluationDate = saved


@pytest.fixture(scope="module")
def sofr() -> YieldCurve:
    return bootstrap_sofr_ois("2023-12-29", OIS_TENORS, OIS)


def ql_cap(cap: CapFloor, curve: YieldCurve, model: str, vol: float, shift: float = 0.0) -> float:
    """QuantLib premium of the same strip (per unit notional)."""
    days = [int(d) for d in cap.starts] + [int(cap.ends[-1])]
    dates = [ql.Date(iso, "%Y-%m-%d") for iso in to_iso(days)]
    dfs = curve.discount((np.array(days) - curve.anchor) / 365.0)
    handle = ql.YieldTermStructureHandle(
        ql.DiscountCurve([TODAY, *dates], [1.0, *dfs.tolist()], ql.Actual365Fixed())
    )
    index = ql.IborIndex(
        "SOFR3M",
        ql.Period(3, ql.Months),
        0,
        ql.USDCurrency(),
        ql.NullCalendar(),
        ql.Unadjusted,
        False,
        ql.Actual360(),
        handle,
    )
    schedule = ql.Schedule(dates, ql.NullCalendar(), ql.Unadjusted)
    leg = ql.IborLeg([1.0], schedule, index, ql.Actual360(), ql.Unadjusted, [0])
    instrument = (ql.Cap if cap.is_cap else ql.Floor)(leg, [cap.strike])
    kind = ql.Normal if model == "normal" else ql.ShiftedLognormal
    surface = ql.OptionletVolatilityStructureHandle(
        ql.ConstantOptionletVolatility(
            TODAY, ql.NullCalendar(), ql.Unadjusted, vol, ql.Actual365Fixed(), kind, shift
        )
    )
    if model == "normal":
        engine = ql.BachelierCapFloorEngine(handle, surface)
    else:
        engine = ql.BlackCapFloorEngine(handle, surface)
    instrument.setPricingEngine(engine)
    return instrument.NPV()


@pytest.mark.parametrize("is_cap", [True, False])
@pytest.mark.parametrize("strike", [None, 0.03, 0.045])
def test_bachelier_cap_floor_matches_quantlib(sofr, is_cap, strike) -> None:
    cap = CapFloor("c", "5y", sofr, 0.0095, strike=strike, cap=is_cap)
    assert cap.base_value() == pytest.approx(ql_cap(cap, sofr, "normal", 0.0095), rel=1e-9)


@pytest.mark.parametrize("is_cap", [True, False])
def test_black_cap_floor_matches_quantlib(sofr, is_cap) -> None:
    cap = CapFloor("c", "3y", sofr, 0.25, strike=0.04, cap=is_cap, model="lognormal", start="1y")
    assert cap.starts[0] > sofr.anchor  # forward start keeps the first period
    assert cap.base_value() == pytest.approx(ql_cap(cap, sofr, "lognormal", 0.25), rel=1e-9)
    shifted = CapFloor(
        "c", "3y", sofr, 0.15, strike=0.01, cap=is_cap, model="lognormal", lognormal_shift=0.01
    )
    assert shifted.base_value() == pytest.approx(
        ql_cap(shifted, sofr, "lognormal", 0.15, 0.01), rel=1e-9
    )


def test_cap_is_sum_of_caplets_and_parity_with_payer_swap(sofr) -> None:
    k = 0.037
    cap = CapFloor("c", "5y", sofr, {"1y": 0.012, "5y": 0.009}, strike=k)
    floor = CapFloor("f", "5y", sofr, {"1y": 0.012, "5y": 0.009}, strike=k, cap=False)
    assert cap.base_value() == pytest.approx(float(cap.caplets().premium.sum()), rel=1e-13)
    # Payer swap on the same schedule by hand: sum tau (DF(s) / DF(e) - 1) / tau * DF(e) - K ...
    t0 = (cap.starts - sofr.anchor) / 365.0
    t1 = (cap.ends - sofr.anchor) / 365.0
    tau = (cap.ends - cap.starts) / 360.0
    df0, df1 = sofr.discount(t0), sofr.discount(t1)
    payer = float(np.sum(df0 - df1) - k * np.sum(tau * df1))
    assert cap.base_value() - floor.base_value() == pytest.approx(payer, abs=1e-12)
    # ATM strike (the schedule's swap rate): cap = floor.
    atm_cap = CapFloor("a", "5y", sofr, 0.01)
    atm_floor = CapFloor("a", "5y", sofr, 0.01, cap=False)
    assert atm_cap.base_value() == pytest.approx(atm_floor.base_value(), rel=1e-10)


def test_vega_buckets_sum_and_match_finite_differences(sofr) -> None:
    vols = {"1y": 0.012, "2y": 0.011, "5y": 0.009}
    cap = CapFloor("c", "5y", sofr, vols, strike=0.04)
    buckets = cap.vega_by_expiry()
    assert sum(buckets.values()) == pytest.approx(cap.risk().details["vega"], rel=1e-12)
    h = 1e-6
    for label in vols:
        up = CapFloor("c", "5y", sofr, vols | {label: vols[label] + h}, strike=0.04)
        dn = CapFloor("c", "5y", sofr, vols | {label: vols[label] - h}, strike=0.04)
        fd = (up.base_value() - dn.base_value()) / (2 * h)
        assert buckets[label] == pytest.approx(fd, rel=1e-6)


def test_cap_risk_matches_finite_differences_of_curve_shifts(sofr) -> None:
    cap = CapFloor("c", "5y", sofr, 0.0095, strike=0.035)
    risk = cap.risk(horizon_days=90)
    _, keys = check_key_tenors(DEFAULT_KEY_TENORS)
    h = 1e-5
    up = cap.scenario_values(keys, np.full((1, keys.size), h))[0]
    dn = cap.scenario_values(keys, np.full((1, keys.size), -h))[0]
    assert risk.dv01 == pytest.approx((dn - up) / (2 * h) * 1e-4, rel=1e-5)  # O(h^2)
    assert float(np.sum(risk.krd_dv01)) == pytest.approx(risk.dv01, rel=1e-5)
    assert risk.dv01 < 0  # a long cap gains when rates rise
    assert risk.carry < 0  # long options decay


def test_vol_scenario_reprices_against_quantlib_at_the_shifted_vol(sofr) -> None:
    """A +25 bp parallel normal-vol scenario = QuantLib's Bachelier cap at vol + 25 bp; a
    lognormal cap moves each caplet's vol by 25 bp / (F_i + shift) (priced caplet by caplet
    by hand below); the vega approximation agrees to first order."""
    from hedge_planner.models.options import swaption
    from hedge_planner.models.vol_shift import VolShift

    cap = CapFloor("c", "5y", sofr, 0.0095, strike=0.04)
    up = VolShift({"all": 25.0})
    assert cap.vol_scenario_value(up) == pytest.approx(
        ql_cap(cap, sofr, "normal", 0.0095 + 25e-4), rel=1e-9
    )
    tiny = VolShift({"all": 1e-3})
    full = cap.vol_scenario_value(tiny) - cap.base_value()
    assert cap.vol_scenario_approximation(tiny) == pytest.approx(full, rel=1e-5)
    black = CapFloor("c", "3y", sofr, 0.25, strike=0.04, model="lognormal", start="1y")
    moved = 0.25 + 25e-4 / black.forwards
    ref = swaption(
        black.model, black.forwards, black.strike, black.fixing, moved, black.annuities, 1.0,
        True, 0.0,
    ).premium.sum()  # fmt: skip
    assert black.vol_scenario_value(up) == pytest.approx(float(ref), rel=1e-12)
    # By expiry: pillars interpolate linearly in fixing time, flat outside.
    by_expiry = VolShift({"1y": 10.0, "3y": 30.0})
    t = black.fixing
    expected = np.interp(t, [1.0, 3.0], [10.0, 30.0]) * 1e-4
    np.testing.assert_allclose(by_expiry(t), expected, rtol=0, atol=1e-15)
