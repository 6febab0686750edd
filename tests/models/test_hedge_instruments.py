"""Tests for models.hedge_instruments against independent references.

References: QuantLib bonds (cash flows, accrued interest, clean prices from yields) fed into a
hand-written forward/futures pricer on ``curve.shifted`` curves; ``models.futures.basis_analytics``
called directly on those QuantLib inputs (CTD, implied repo, net basis); hand-written Bachelier
/ Black-76 formulas on forward rates and annuities from the bootstrap's schedule helper;
payer-receiver parity against the forward-start swap; first-order Taylor checks of the scenario
protocol.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest
from hedge_planner.models.bootstrap import bootstrap_sofr_ois, bootstrap_treasury_par, ois_schedule
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.futures import contract_dates, conversion_factor
from hedge_planner.models.futures_basis import basis_analytics
from hedge_planner.models.futures_hedge import DeliverableBond, TreasuryFuture
from hedge_planner.models.hedge_instruments import (
    HedgeInstrumentRisk,
    ScenarioInstrument,
    SwapHedge,
    Swaption,
)
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors
from hedge_planner.models.swaps import SwapSpec, swap_pv, swap_pv_shifted
from scipy.optimize import brentq
from scipy.special import ndtr

ql = pytest.importorskip("QuantLib")
from tests.ql_reference import ql_fixed_bond, ql_yield_figures  # noqa: E402

ANCHOR = "2023-12-29"
SETTLE = dt.date(2023, 12, 29)
UST_TENORS = ["1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
UST = np.array([5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100
OIS_TENORS = ["1w", "1m", "3m", "6m", "1y", "18m", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
OIS = np.array([5.35, 5.34, 5.30, 5.16, 4.80, 4.45, 4.17, 3.84, 3.55, 3.45, 3.42, 3.41, 3.24]) / 100

# TY March 2024 deliverable notes (coupons/maturities of the real basket; yields illustrative).
BASKET = [
    ("T 0.875 11/30", 0.00875, "2030-11-15", 0.0385),
    ("T 1.125 02/31", 0.01125, "2031-02-15", 0.0386),
    ("T 1.625 05/31", 0.01625, "2031-05-15", 0.0387),
    ("T 1.25 08/31", 0.0125, "2031-08-15", 0.0388),
    ("T 1.375 11/31", 0.01375, "2031-11-15", 0.0388),
    ("T 1.875 02/32", 0.01875, "2032-02-15", 0.0389),
    ("T 2.875 05/32", 0.02875, "2032-05-15", 0.0389),
    ("T 2.75 08/32", 0.0275, "2032-08-15", 0.0389),
    ("T 4.125 11/32", 0.04125, "2032-11-15", 0.0389),
    ("T 3.5 02/33", 0.035, "2033-02-15", 0.0389),
    ("T 3.375 05/33", 0.03375, "2033-05-15", 0.0389),
    ("T 3.875 08/33", 0.03875, "2033-08-15", 0.0388),
    ("T 4.5 11/33", 0.045, "2033-11-15", 0.0388),
]
REPO = 0.0535
_, KEYS = check_key_tenors(DEFAULT_KEY_TENORS)


@pytest.fixture(autouse=True)
def eval_date() -> Iterator[None]:
    saved = ql.Settings.instance().evaluationDate
    yield
    ql.Settings.instance().evaluationDate = saved


@pytest.fixture(scope="module")
def tsy() -> YieldCurve:
    return bootstrap_treasury_par(ANCHOR, UST_TENORS, UST)


@pytest.fixture(scope="module")
def sofr() -> YieldCurve:
    return bootstrap_sofr_ois(ANCHOR, OIS_TENORS, OIS)


def make_future(curve: YieldCurve, **kw) -> TreasuryFuture:
    basket = [DeliverableBond(i, c, m, yield_=y) for i, c, m, y in BASKET]
    return TreasuryFuture("TYH4", "TY", 2024, 3, basket, REPO, curve, **kw)


@pytest.fixture(scope="module")
def future(tsy) -> TreasuryFuture:
    return make_future(tsy)


# ------------------------------------------------------------------------------------------
# independent futures reference (QuantLib bonds + hand-written forward)
# ------------------------------------------------------------------------------------------
class RefBond:
    """One basket bond from QuantLib: flows after settlement, prices, accrued, z-spread."""

    def __init__(self, coupon: float, maturity: str, y: float, curve: YieldCurve, delivery: int):
        mat = dt.date.fromisoformat(maturity)
        self.bond = ql_fixed_bond(SETTLE, mat, coupon, 2, 0)
        qs = ql.Date(SETTLE.day, SETTLE.month, SETTLE.year)
        dc = ql.ActualActual(ql.ActualActual.ISMA)
        self.clean = ql.BondFunctions.cleanPrice(self.bond, y, dc, ql.Compounded, ql.Semiannual, qs)
        self.ai0 = ql.BondFunctions.accruedAmount(self.bond, qs)
        qd = ql.Date(int(delivery) + 25569)
        self.ai_del = ql.BondFunctions.accruedAmount(self.bond, qd)
        flows = [cf for cf in self.bond.cashflows() if cf.date() > qs]
        self.days = to_days([cf.date().ISO() for cf in flows])
        self.amounts = np.array([cf.amount() for cf in flows])
        pre = self.days <= delivery
        self.coupon_income = float(self.amounts[pre].sum())
        self.coupon_date = int(self.days[pre][0]) if pre.any() else delivery
        self.t = (self.days - curve.anchor) / 365.0
        self.delivery, self.anchor = delivery, curve.anchor
        dirty = self.clean + self.ai0
        self.z = brentq(lambda z: self.dirty(curve, z) - dirty, -0.05, 0.05, xtol=1e-16)

    def dirty(self, curve: YieldCurve, z: float | None = None) -> float:
        zz = self.z if z is None else z
        return float(self.amounts @ (curve.discount(self.t) * np.exp(-zz * self.t)))

    def forward_clean(self, curve: YieldCurve) -> float:
        d = self.delivery - self.anchor
        d2 = self.delivery - self.coupon_date
        return (
            self.dirty(curve) * (1 + REPO * d / 360)
            - self.coupon_income * (1 + REPO * d2 / 360)
            - self.ai_del
        )


@pytest.fixture(scope="module")
def ref_basket(tsy, future) -> list[RefBond]:
    return [RefBond(c, m, y, tsy, future.delivery_day) for _, c, m, y in BASKET]


def ref_cf() -> np.ndarray:
    coupons = np.array([b[1] for b in BASKET])
    return conversion_factor("TY", 2024, 3, coupons, to_days([b[2] for b in BASKET]))


def test_ctd_and_basis_agree_with_basis_module(future, ref_basket) -> None:
    cf = ref_cf()
    res = basis_analytics(
        [b.clean for b in ref_basket],
        [b.ai0 for b in ref_basket],
        [b.ai_del for b in ref_basket],
        cf,
        future.futures_price,
        REPO,
        ANCHOR,
        future.delivery_day,
        [b.coupon_income for b in ref_basket],
        [b.coupon_date for b in ref_basket],
    )
    risk = future.risk()
    assert risk.details["ctd_index"] == res.ctd_index
    assert risk.details["ctd_id"] == BASKET[res.ctd_index][0]
    np.testing.assert_allclose(future.basis.implied_repo, res.implied_repo, atol=1e-10)
    np.testing.assert_allclose(future.basis.net_basis, res.net_basis, atol=1e-9)
    np.testing.assert_allclose(future.basis.forward_clean, res.forward_clean, atol=1e-9)
    # Theoretical price = min forward / CF: the CTD's net basis is zero, its implied repo = repo.
    assert future.futures_price == pytest.approx(np.min(res.forward_clean / cf), abs=1e-9)
    assert risk.details["implied_repo"] == pytest.approx(REPO, abs=1e-12)
    assert risk.details["net_basis"] == pytest.approx(0.0, abs=1e-10)
    # z-spreads reprice each bond off the curve (independently solved).
    np.testing.assert_allclose(future.z_spread, [b.z for b in ref_basket], atol=1e-12)


def ref_futures_price(curve: YieldCurve, basket: list[RefBond], ctd: int | None = None) -> float:
    fwd = np.array([b.forward_clean(curve) for b in basket]) / ref_cf()
    return float(fwd[ctd] if ctd is not None else fwd.min())


def test_futures_dv01_and_krds_match_reference_bumps(tsy, future, ref_basket) -> None:
    h, size = 1e-4, 100_000.0
    risk = future.risk(shift=h)
    ctd = future.ctd_index

    def value(c: YieldCurve) -> float:
        return ref_futures_price(c, ref_basket, ctd) / 100 * size

    dv01 = (value(tsy.shifted_parallel(-h)) - value(tsy.shifted_parallel(h))) / (2 * h) * 1e-4
    assert risk.dv01 == pytest.approx(dv01, rel=1e-8)
    for k in range(KEYS.size):
        e = np.zeros(KEYS.size)
        e[k] = h
        ref = (value(tsy.shifted(KEYS, -e)) - value(tsy.shifted(KEYS, e))) / (2 * h) * 1e-4
        assert risk.krd_dv01[k] == pytest.approx(ref, rel=1e-7, abs=1e-9)
    assert risk.krd_dv01.sum() == pytest.approx(risk.dv01, rel=0.01)
    cvx = (value(tsy.shifted_parallel(h)) + value(tsy.shifted_parallel(-h)) - 2 * value(tsy)) / h**2
    assert risk.dollar_convexity == pytest.approx(cvx, rel=1e-5)
    # The full (min over basket) futures price function has the same derivative: CTD fixed.
    par = np.array([[h] * KEYS.size, [-h] * KEYS.size])
    up, dn = future.scenario_values(KEYS, par)
    assert (dn - up) / (2 * h) * 1e-4 == pytest.approx(risk.dv01, rel=1e-9)
    assert 50 < risk.dv01 < 100  # a TY contract's DV01 is in the $60-90 range


def test_futures_full_revaluation_switches_ctd(tsy, future, ref_basket) -> None:
    shifts = np.outer([-0.02, 0.0, 0.01, 0.03], np.ones(KEYS.size))
    prices = future.futures_price_shifted(KEYS, shifts)
    for s, p in zip(shifts[:, 0], prices, strict=True):
        assert p == pytest.approx(ref_futures_price(tsy.shifted_parallel(s), ref_basket), abs=1e-9)
    # Yields above the 6% notional coupon make the long-duration end cheapest.
    fwd = future.forward_clean_shifted(KEYS, shifts) / future.cf
    assert np.argmin(fwd[0]) == future.ctd_index
    assert np.argmin(fwd[-1]) != future.ctd_index
    # Min over the basket is concave in the shift: never above the CTD-fixed price.
    assert np.all(prices <= fwd[:, future.ctd_index] + 1e-12)


def test_market_price_keeps_basis_and_risk(tsy, future) -> None:
    mkt = future.theoretical_price - 0.25
    with_mkt = make_future(tsy, market_price=mkt, margin=4000.0)
    assert with_mkt.base_value() == pytest.approx(mkt * 1000.0)
    rng = np.random.default_rng(3)
    shifts = rng.normal(0, 0.002, size=(5, KEYS.size))
    np.testing.assert_allclose(
        with_mkt.scenario_values(KEYS, shifts) - with_mkt.base_value(),
        future.scenario_values(KEYS, shifts) - future.base_value(),
        rtol=0,
        atol=1e-8,
    )
    r = with_mkt.risk()
    assert r.price == mkt and r.margin == 4000.0 and r.half_spread == 15.625 / 2
    assert r.notional == pytest.approx(mkt / 100 * 100_000)
    assert r.market_value == 0.0 and r.carry == 0.0
    assert r.details["implied_repo"] < REPO  # futures rich to theory -> CTD implied repo below repo


def test_roll_date_and_horizon_flag(tsy, future) -> None:
    d = contract_dates("TY", 2024, 3)
    roll = min(int(d.first_notice_day), int(d.last_trading_day))
    early = future.risk(horizon_days=30)
    assert early.details["roll_date"] == str(np.datetime64(roll, "D")) == "2024-02-29"
    assert early.details["rolls_before_horizon"] is False
    assert future.risk(horizon_date="2024-02-29").details["rolls_before_horizon"] is True
    assert future.risk(horizon_days=90).details["rolls_before_horizon"] is True


def test_futures_carry_is_the_ctds_carry_at_unchanged_yield(tsy, future, ref_basket) -> None:
    """A long contract earns what its CTD earns at an unchanged yield (QuantLib reprices the CTD
    at that yield on the later date; coupons from QuantLib's cash flows), less repo financing on
    the dirty price (ACT/360), per conversion factor. The discount CTD accretes toward par, so
    the carry is yield minus repo, and in this inverted curve it is negative."""
    ctd = future.ctd_index
    ref = ref_basket[ctd]
    y = BASKET[ctd][3]
    cf = float(ref_cf()[ctd])
    size = future.contract.contract_size
    dirty0 = ref.clean + ref.ai0
    for days in (30, future.delivery_day - tsy.anchor):
        end = SETTLE + dt.timedelta(days=days)
        later = ql_yield_figures(ref.bond, end, y, 2, 0)["dirty_price"]
        coupons = float(ref.amounts[ref.days <= to_days([end.isoformat()])[0]].sum())
        carry_100 = later + coupons - dirty0 - dirty0 * REPO * days / 360
        assert future.risk(horizon_days=days).carry == pytest.approx(
            carry_100 / cf * size / 100, rel=1e-9
        )
    assert future.risk(horizon_days=30).carry < 0
    # Beyond delivery the position is rolled at the same rate.
    to_delivery = future.delivery_day - tsy.anchor
    assert future.risk(horizon_days=2 * to_delivery).carry == pytest.approx(
        2 * future.risk(horizon_days=to_delivery).carry, rel=1e-12
    )


def test_undeliverable_bond_rejected(tsy) -> None:
    basket = [DeliverableBond("T 0.625 08/30", 0.00625, "2030-08-15", clean_price=80.0)]
    with pytest.raises(AnalyticsError, match="not deliverable"):
        TreasuryFuture("TYH4", "TY", 2024, 3, basket, REPO, tsy)


# ------------------------------------------------------------------------------------------
# swaptions
# ------------------------------------------------------------------------------------------
def ref_forward_annuity(curve: YieldCurve, start: int, tenor: str) -> tuple[float, float]:
    s, e = ois_schedule(start, tenor)
    ann = float(((e - s) / 360.0) @ curve.discount_at(e))
    return float((curve.discount_at(s[0]) - curve.discount_at(e[-1])) / ann), ann


def ref_premium(f, a, k, t, vol, payer, model="normal") -> float:
    w = 1.0 if payer else -1.0
    if model == "normal":
        s = vol * np.sqrt(t)
        d = (f - k) / s
        return a * (w * (f - k) * ndtr(w * d) + s * np.exp(-0.5 * d * d) / np.sqrt(2 * np.pi))
    s = vol * np.sqrt(t)
    d1 = np.log(f / k) / s + 0.5 * s
    return a * w * (f * ndtr(w * d1) - k * ndtr(w * (d1 - s)))


@pytest.mark.parametrize(
    ("model", "vol", "strike", "payer"),
    [
        ("normal", 0.0095, 0.036, False),
        ("normal", 0.011, None, True),
        ("lognormal", 0.28, 0.03, True),
        ("lognormal", 0.25, 0.035, False),
    ],
)
def test_swaption_greeks_match_full_repricing(sofr, model, vol, strike, payer) -> None:
    opt = Swaption("2y10y", "2y", "10y", sofr, vol, strike=strike, payer=payer, model=model)
    h = 1e-4
    r = opt.risk(shift=h, horizon_days=45)
    start, t = opt.expiry_day, opt.expiry
    k = opt.strike

    def prem(c: YieldCurve, vol_=vol, t_=t, fa=None) -> float:
        f, a = ref_forward_annuity(c, start, "10y") if fa is None else fa
        return ref_premium(f, a, k, t_, vol_, payer, model)

    f0, a0 = ref_forward_annuity(sofr, start, "10y")
    assert r.details["forward_swap_rate"] == pytest.approx(f0, abs=1e-15)
    assert r.details["annuity"] == pytest.approx(a0, rel=1e-14)
    assert r.price == pytest.approx(prem(sofr), rel=1e-12)
    up, dn = prem(sofr.shifted_parallel(h)), prem(sofr.shifted_parallel(-h))
    assert r.dv01 == pytest.approx((dn - up) / (2 * h) * 1e-4, rel=1e-8)
    assert r.dollar_convexity == pytest.approx((up + dn - 2 * prem(sofr)) / h**2, rel=1e-5)
    for j in range(KEYS.size):
        e = np.zeros(KEYS.size)
        e[j] = h
        ref = (prem(sofr.shifted(KEYS, -e)) - prem(sofr.shifted(KEYS, e))) / (2 * h) * 1e-4
        assert r.krd_dv01[j] == pytest.approx(ref, rel=1e-7, abs=1e-13)
    assert r.krd_dv01.sum() == pytest.approx(r.dv01, rel=1e-5)  # O(h^2) cross terms
    dv = 1e-6 * vol
    vega = (prem(sofr, vol + dv) - prem(sofr, vol - dv)) / (2 * dv)
    assert r.details["vega"] == pytest.approx(vega, rel=1e-7)
    dt_ = 1e-5
    theta = -(prem(sofr, t_=t + dt_, fa=(f0, a0)) - prem(sofr, t_=t - dt_, fa=(f0, a0))) / (2 * dt_)
    assert r.details["theta_per_year"] == pytest.approx(theta, rel=1e-6)
    assert r.carry == pytest.approx(theta * 45 / 365, rel=1e-6)
    assert r.carry < 0  # long options bleed


@pytest.mark.parametrize("model", ["normal", "lognormal"])
def test_swaption_put_call_parity(sofr, model) -> None:
    vol = 0.01 if model == "normal" else 0.3
    kw = {"strike": 0.037, "model": model}
    pay = Swaption("p", "1y", "5y", sofr, vol, payer=True, **kw)
    rec = Swaption("r", "1y", "5y", sofr, vol, payer=False, **kw)
    fwd = SwapSpec("fwd", "5y", start=pay.expiry_day, fixed_rate=0.037, direction="pay")
    assert pay.base_value() - rec.base_value() == pytest.approx(swap_pv(sofr, fwd)[0], abs=1e-15)
    rng = np.random.default_rng(11)
    shifts = rng.normal(0, 0.003, size=(7, KEYS.size))
    lhs = pay.scenario_values(KEYS, shifts) - rec.scenario_values(KEYS, shifts)
    np.testing.assert_allclose(lhs, swap_pv_shifted(sofr, fwd, KEYS, shifts)[:, 0], atol=1e-15)
    rp, rr = pay.risk(), rec.risk()
    swap_dv01 = SwapHedge(fwd, sofr).risk().dv01
    assert rp.dv01 - rr.dv01 == pytest.approx(swap_dv01, rel=1e-9)


def test_long_receiver_has_positive_convexity_and_dv01(sofr) -> None:
    rec = Swaption("r", "1y", "10y", sofr, 0.01, payer=False).risk()
    assert rec.dollar_convexity > 0 and rec.dv01 > 0
    pay = Swaption("p", "1y", "10y", sofr, 0.01, payer=True).risk()
    assert pay.dv01 < 0
    # ATM: payer and receiver premiums equal the closed form A s sqrt(T) / sqrt(2 pi).
    a, t = rec.details["annuity"], rec.details["expiry_years"]
    atm = a * 0.01 * np.sqrt(t) / np.sqrt(2 * np.pi)
    assert rec.price == pytest.approx(atm, rel=1e-13)
    assert pay.price == pytest.approx(atm, rel=1e-13)


# ------------------------------------------------------------------------------------------
# swaps as hedge instruments and the scenario protocol
# ------------------------------------------------------------------------------------------
def test_swap_hedge_figures(sofr) -> None:
    spec = SwapSpec("10y", "10y", fixed_rate=0.035)
    r = SwapHedge(spec, sofr, margin=0.02, half_spread_bp=0.25).risk(horizon_days=91)
    s, e = ois_schedule(sofr.anchor, "10y")
    ann = float(((e - s) / 360.0) @ sofr.discount_at(e))
    pv = 0.035 * ann - (1.0 - float(sofr.discount_at(e[-1])))
    assert r.price == pytest.approx(pv, abs=1e-15) and r.market_value == r.price
    assert r.half_spread == pytest.approx(0.25e-4 * ann, rel=1e-14)
    carry = 0.035 * 91 / 360 - (1 / float(sofr.discount(91 / 365)) - 1)
    assert r.carry == pytest.approx(carry, abs=1e-15)
    assert r.kind == "swap" and r.unit == "notional" and r.notional == 1.0 and r.margin == 0.02


def _instruments(tsy, sofr) -> list:
    return [
        make_future(tsy),
        SwapHedge(SwapSpec("5y", "5y", direction="pay"), sofr),
        SwapHedge(SwapSpec("2y5y", "5y", start="2y", fixed_rate=0.03), sofr),
        Swaption("r1y10y", "1y", "10y", sofr, 0.0105, payer=False),
        Swaption("p6m2y", "6m", "2y", sofr, 0.3, payer=True, model="lognormal", strike=0.04),
    ]


def test_scenario_protocol_base_and_first_order(tsy, sofr) -> None:
    rng = np.random.default_rng(5)
    for inst in _instruments(tsy, sofr):
        assert isinstance(inst, ScenarioInstrument)
        r = inst.risk()
        assert isinstance(r, HedgeInstrumentRisk)
        zero = inst.scenario_values(KEYS, np.zeros((3, KEYS.size)))
        assert zero.shape == (3,)
        np.testing.assert_array_equal(zero, inst.base_value())  # bit-identical base
        base = inst.base_value()
        for s in (2e-5, -2e-5):
            v = inst.scenario_values(KEYS, np.full((1, KEYS.size), s))[0]
            assert v - base == pytest.approx(-r.dv01 * s * 1e4, rel=2e-3), inst.name
        tilt = rng.normal(0, 1e-5, size=KEYS.size)
        v = inst.scenario_values(KEYS, tilt[None, :])[0]
        assert v - base == pytest.approx(-(r.krd_dv01 @ tilt) * 1e4, rel=5e-3, abs=1e-12)


def test_instrument_fields_feed_the_optimiser_contract(tsy, sofr) -> None:
    problem = pytest.importorskip("hedge_planner.solvers.problem")
    for inst in _instruments(tsy, sofr):
        r = inst.risk()
        built = problem.Instrument(**r.instrument_fields())
        assert built.unit == r.unit
        np.testing.assert_array_equal(built.krd_dv01, r.krd_dv01)


def test_per_unit_risk_attributes_for_the_scenario_engine(tsy, sofr) -> None:
    """The engine's delta-gamma approximation reads dv01/krd_dv01/convexity off the object."""
    for inst in _instruments(tsy, sofr):
        r = inst.risk()
        assert inst.dv01 == r.dv01 and inst.dollar_convexity == r.dollar_convexity
        np.testing.assert_array_equal(inst.krd_dv01, r.krd_dv01)
    short = SwapHedge(SwapSpec("5y", "5y"), sofr, key_tenors=("1y", "2y", "5y", "10y", "30y"))
    assert short.krd_dv01.shape == (5,)
    assert short.krd_dv01.sum() == pytest.approx(short.dv01, rel=1e-6)
    revaluation = pytest.importorskip("hedge_planner.scenarios.revaluation")
    pricer = getattr(revaluation, "ScenarioPricer", None)
    if pricer is not None:
        assert all(isinstance(i, pricer) for i in _instruments(tsy, sofr))
