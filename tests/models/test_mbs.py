"""Agency pass-throughs: PSA arithmetic, amortisation, Monte Carlo OAS and its invariants.

References: the PSA benchmark (0.2% CPR per month of age to 6% at month 30) and the textbook
100 PSA example (Fabozzi, *Bond Markets, Analysis and Strategies*, exhibit "Monthly cash flow for
a $400 million 7.5% pass-through with a WAC of 8.125% and a WAM of 357 months assuming 100 PSA":
seasoned three months, month 1 SMM 0.00067, mortgage payment $2,975,868, net interest
$2,500,000, scheduled principal $267,535, prepayment $267,470, cash flow $3,035,005; SMM 0.00514
from month 27).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.mbs import (
    MonteCarloSpec,
    PoolBook,
    cashflow_table,
    discounted_flows,
    mbs_risk,
    price_from_flows,
    projected_flows,
    projected_smm,
    static_smm,
    timeline,
)
from hedge_planner.models.prepayment import Prepayment, RefiModel, psa_cpr, refi_cpr, smm_from_cpr
from hedge_planner.models.short_rate import HullWhite

SETTLE = dt.date(2023, 12, 29)
NODE_DAYS = np.array([30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957])
ZEROS = np.array([0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041])
KEYS = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30])


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    t = NODE_DAYS / 365.0
    return YieldCurve(SETTLE, t, np.exp(-ZEROS * t))


def pools(coupons, wac_fee=0.0065, wam=340, wala=20, prepay=("refi", 1.0), face=1e6):
    n = len(coupons)
    return PoolBook(
        tuple(f"P{i}" for i in range(n)),
        np.full(n, face),
        np.array(coupons, dtype=float),
        np.array(coupons, dtype=float) + wac_fee,
        np.full(n, wam),
        np.full(n, wala),
        np.full(n, 55),
        tuple(Prepayment(*prepay) for _ in range(n)),
    )


def test_textbook_100_psa_month_one(curve) -> None:
    book = pools([0.075], wac_fee=0.00625, wam=357, wala=3, prepay=("psa", 100.0), face=400e6)
    rows = cashflow_table(book, 0, curve, static_smm(book, 357)[0])
    first = rows[0]
    assert first["smm"] == pytest.approx(0.00067, abs=5e-6)
    payment = first["scheduled_principal"] + 400e6 * 0.08125 / 12
    assert payment == pytest.approx(2_975_868, abs=0.5)
    assert first["net_interest"] == pytest.approx(2_500_000, abs=0.5)
    assert first["scheduled_principal"] == pytest.approx(267_535, abs=0.5)
    assert first["prepayment"] == pytest.approx(267_470, abs=0.5)
    assert first["total_cash_flow"] == pytest.approx(3_035_005, abs=0.5)
    assert rows[26]["smm"] == pytest.approx(0.00514, abs=5e-6)  # month 27: 6% CPR reached
    assert rows[0]["date"] == int(np.datetime64("2024-01-25").astype(np.int64))  # 55-day delay


def test_psa_arithmetic_to_the_cent_over_the_whole_life(curve) -> None:
    book = pools([0.075], wac_fee=0.00625, wam=357, wala=3, prepay=("psa", 150.0), face=400e6)
    rows = cashflow_table(book, 0, curve, static_smm(book, 357)[0])
    # Independent scalar implementation of the standard PSA formulas.
    bal, g, c = 400e6, 0.08125 / 12, 0.075 / 12
    for m, row in enumerate(rows):
        age = 3 + m + 1
        cpr = 1.5 * 0.06 * min(age / 30, 1)
        smm = 1 - (1 - cpr) ** (1 / 12)
        n = 357 - m
        payment = bal * g / (1 - (1 + g) ** -n)
        sched = payment - bal * g
        prepay = smm * (bal - sched)
        assert row["beginning_balance"] == pytest.approx(bal, abs=0.005)
        assert row["scheduled_principal"] == pytest.approx(sched, abs=0.005)
        assert row["prepayment"] == pytest.approx(prepay, abs=0.005)
        assert row["net_interest"] == pytest.approx(bal * c, abs=0.005)
        bal -= sched + prepay
    assert abs(bal) < 0.005  # fully amortised at WAM


def test_zero_prepayment_pool_is_its_amortising_bullet(curve) -> None:
    book = pools([0.05], wac_fee=0.007, wam=300, wala=60, prepay=("cpr", 0.0))
    oas = 0.0037
    risk = mbs_risk(book, curve, HullWhite(0.03, 0.01), KEYS, oas=[oas])
    # By hand: level payment on the WAC, the holder gets coupon interest and the principal.
    g, c, n = 0.057 / 12, 0.05 / 12, 300
    bal, pv = 1.0, 0.0
    t = timeline(book, curve).pay_time[0]
    for m in range(n):
        payment = bal * g / (1 - (1 + g) ** -(n - m))
        principal = payment - bal * g
        pv += (bal * c + principal) * float(curve.discount(t[m])) * np.exp(-oas * t[m])
        bal -= principal
    assert risk.dirty_price[0] == pytest.approx(100 * pv, abs=1e-10)


def test_monte_carlo_at_zero_volatility_equals_the_deterministic_projection(curve) -> None:
    # Zero volatility: every path is the forward path, so the Monte Carlo engine (its own hot
    # loop) must reproduce the plain projection (prepayment.refi_cpr) exactly, rate-dependent
    # model included; a rate-independent refi model (no refinancing, no lock-in) as well.
    calm = HullWhite(0.03, 0.0)
    for refi in (RefiModel(), RefiModel(refi_max=0.0, lockin_slope=0.0)):
        book = pools([0.02, 0.045, 0.065], wam=300, wala=30)
        a, _, tl = discounted_flows(
            book, curve, calm, refi, MonteCarloSpec(64, 1), np.zeros(1), np.zeros((1, 1))
        )
        mc = price_from_flows(a[0], tl.pay_time, 0.004)
        flows = projected_flows(book, projected_smm(book, curve, calm, refi))
        det = 100 * (flows * curve.discount(tl.pay_time) * np.exp(-0.004 * tl.pay_time)).sum(1)
        np.testing.assert_allclose(mc, det, rtol=1e-12)


def test_refi_model_shape() -> None:
    params = RefiModel()
    inc = np.array([-0.03, 0.0, 0.0075, 0.03])
    cpr = refi_cpr(params, 60, 6, inc, 0.0)
    assert np.all(np.diff(cpr) > 0)  # faster the deeper in the money
    assert cpr[2] == pytest.approx(params.turnover * 1.10 + params.refi_max / 2)
    burnt = refi_cpr(params, 60, 6, 0.03, 0.5)
    assert burnt < cpr[3]
    np.testing.assert_allclose(psa_cpr([1, 15, 30, 200], 100), [0.002, 0.03, 0.06, 0.06])
    assert smm_from_cpr(0.06) == pytest.approx(1 - 0.94 ** (1 / 12))


def test_oas_of_a_pool_at_its_model_value_is_zero_and_round_trips(curve) -> None:
    book = pools([0.035, 0.06])
    hw = HullWhite(0.03, 0.01)
    at_zero = mbs_risk(book, curve, hw, KEYS, oas=[0.0, 0.0], mc=MonteCarloSpec(128))
    back = mbs_risk(book, curve, hw, KEYS, dirty_price=at_zero.dirty_price, mc=MonteCarloSpec(128))
    np.testing.assert_allclose(back.oas, 0.0, atol=1e-12)
    shifted = mbs_risk(book, curve, hw, KEYS, oas=[0.006, -0.002], mc=MonteCarloSpec(128))
    again = mbs_risk(book, curve, hw, KEYS, dirty_price=shifted.dirty_price, mc=MonteCarloSpec(128))
    np.testing.assert_allclose(again.oas, [0.006, -0.002], atol=1e-12)


def test_current_coupon_and_premium_pools_are_negatively_convex(curve) -> None:
    # Current coupon: a pass-through priced near par (WAC near the projected 6.6% mortgage rate).
    book = pools([0.02, 0.06, 0.065])
    risk = mbs_risk(book, curve, HullWhite(0.03, 0.01), KEYS, oas=[0.005] * 3)
    assert 95 < risk.dirty_price[1] < 105
    assert risk.convexity[1] < 0 and risk.convexity[2] < 0
    assert risk.convexity[0] > risk.convexity[1]  # the discount pool is far less exposed
    assert risk.duration[0] > risk.duration[1] > risk.duration[2] > 0
    np.testing.assert_allclose(risk.krd.sum(axis=1), risk.duration, rtol=0.02)
    assert np.all(risk.wal > 0) and risk.wal[0] > risk.wal[2]


def test_price_error_falls_like_one_over_root_paths(curve) -> None:
    book = pools([0.055])
    hw = HullWhite(0.03, 0.012)

    def price(paths: int, seed: int) -> float:
        a, _, tl = discounted_flows(
            book,
            curve,
            hw,
            RefiModel(),
            MonteCarloSpec(paths, seed, "plain"),
            np.zeros(1),
            np.zeros((1, 1)),
        )
        return float(price_from_flows(a[0], tl.pay_time, 0.005)[0])

    spread = {n: np.std([price(n, s) for s in range(12)], ddof=1) for n in (32, 512)}
    ratio = spread[32] / spread[512]  # sqrt(512 / 32) = 4
    print(f"price std over seeds: {spread}, ratio {ratio:.2f} (expected 4)")
    assert 2.0 < ratio < 8.0, spread
