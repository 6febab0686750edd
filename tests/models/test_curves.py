"""Tests for models.curves / models.bootstrap against independent references.

References: QuantLib (bootstraps, schedules, cash flows, interpolation, zero-spreaded curves),
scipy's PCHIP (monotone cubic), closed forms and invariants (hypothesis). QuantLib is used here
only; the runtime modules never import it.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Iterator

import numpy as np
import pytest
from hedge_planner.models.bootstrap import (
    bootstrap_sofr_ois,
    bootstrap_treasury_par,
    sofr_ois_par_rates,
    tenor_maturity,
    tenor_to_months,
    tenor_years,
    treasury_par_yields,
)
from hedge_planner.models.curves import INTERPOLATIONS, YieldCurve, curve_from_zero_rates
from hedge_planner.models.dates import to_days
from hedge_planner.models.tents import tent_weights
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import PchipInterpolator

ql = pytest.importorskip("QuantLib")

# US Treasury daily par yield curve, 2023-12-29 (percent).
UST_DATE = "2023-12-29"
UST_TENORS = ["1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
UST_2023_12_29 = np.array(
    [5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]
)
# A month-end anchor exercises the end-of-month schedule rule (values approximately the
# 2024-04-30 curve; the exact levels do not matter for the convention checks).
UST_EOM_DATE = "2024-04-30"
UST_EOM = np.array([5.49, 5.50, 5.45, 5.46, 5.42, 5.25, 5.04, 4.87, 4.72, 4.71, 4.69, 4.90, 4.79])

# A plausible SOFR OIS strip for the same date (percent, annual ACT/360 par rates).
OIS_TENORS = [
    "1w", "2w", "1m", "2m", "3m", "4m", "6m", "9m", "1y", "18m", "2y", "3y", "4y", "5y",
    "7y", "10y", "12y", "15y", "20y", "25y", "30y", "40y", "50y",
]  # fmt: skip
OIS_RATES = np.array(
    [
        5.35, 5.35, 5.34, 5.33, 5.30, 5.25, 5.16, 4.99, 4.80, 4.45, 4.17, 3.84, 3.66, 3.55,
        3.45, 3.42, 3.42, 3.43, 3.41, 3.33, 3.24, 3.05, 2.86,
    ]
)  # fmt: skip


# ------------------------------------------------------------------------------------------
# QuantLib helpers (test oracle)
# ------------------------------------------------------------------------------------------
def qdate(iso: str) -> ql.Date:
    return ql.DateParser.parseISO(iso)


def qdays(dates: list[ql.Date]) -> np.ndarray:
    return to_days([d.ISO() for d in dates])


@pytest.fixture
def eval_date() -> Iterator[None]:
    """Restore QuantLib's global evaluation date after each test."""
    saved = ql.Settings.instance().evaluationDate
    yield
    ql.Settings.instance().evaluationDate = saved


def is_eom(iso: str) -> bool:
    d = dt.date.fromisoformat(iso)
    return (d + dt.timedelta(days=1)).day == 1


def ql_treasury_helpers(iso: str, yields: np.ndarray) -> list:
    """Bills as ACT/365F simple deposits; coupon tenors as par semiannual bonds settling today.

    NullCalendar + Unadjusted everywhere and EOM taken from the anchor: that is the package's
    documented convention. ActualActual(ISMA) with the schedule gives exactly y/2 per regular
    semiannual period, matching the Treasury coupon.
    """
    anchor = qdate(iso)
    ql.Settings.instance().evaluationDate = anchor
    cal, eom = ql.NullCalendar(), is_eom(iso)
    out = []
    for label, y in zip(UST_TENORS, yields, strict=True):
        q = ql.QuoteHandle(ql.SimpleQuote(float(y)))
        period = ql.Period(label)
        if label.endswith("m"):
            out.append(
                ql.DepositRateHelper(q, period, 0, cal, ql.Unadjusted, eom, ql.Actual365Fixed())
            )
        else:
            mat = cal.advance(anchor, period, ql.Unadjusted, eom)
            sched = ql.Schedule(
                anchor, mat, ql.Period(ql.Semiannual), cal, ql.Unadjusted, ql.Unadjusted,
                ql.DateGeneration.Backward, eom,
            )  # fmt: skip
            out.append(
                ql.FixedRateBondHelper(
                    ql.QuoteHandle(ql.SimpleQuote(100.0)),
                    0,
                    100.0,
                    sched,
                    [float(y)],
                    ql.ActualActual(ql.ActualActual.ISMA, sched),
                    ql.Unadjusted,
                )
            )
    return out


def ql_ois_helpers(iso: str, rates: np.ndarray) -> list:
    """OIS helpers matching the package convention.

    ``ql.Sofr`` itself cannot match exactly: its US SOFR calendar business-day-adjusts schedule
    dates (e.g. 2024-12-29 is a Sunday) and the market has a T+2 spot lag, while the package
    documents unadjusted dates and start = anchor. So the oracle uses an overnight index with the
    same ACT/360 day count on a NullCalendar, settlement days 0, payment lag 0, Unadjusted,
    annual fixed leg, backward generation. Telescopic value dates are exact on a single curve.
    """
    anchor = qdate(iso)
    ql.Settings.instance().evaluationDate = anchor
    cal = ql.NullCalendar()
    index = ql.OvernightIndex("SOFR-unadjusted", 0, ql.USDCurrency(), cal, ql.Actual360())
    out = []
    for label, r in zip(OIS_TENORS, rates, strict=True):
        out.append(
            ql.OISRateHelper(
                0,
                ql.Period(label),
                ql.QuoteHandle(ql.SimpleQuote(float(r))),
                index,
                telescopicValueDates=True,
                paymentLag=0,
                paymentConvention=ql.Unadjusted,
                paymentFrequency=ql.Annual,
                paymentCalendar=cal,
                endOfMonth=is_eom(iso),
                fixedPaymentFrequency=ql.Annual,
                fixedCalendar=cal,
                overnightCalendar=cal,
                convention=ql.Unadjusted,
            )
        )
    return out


def ql_discount_curve(curve: YieldCurve) -> ql.DiscountCurve:
    """Our nodes fed into QuantLib's log-linear discount curve (ACT/365F axis)."""
    anchor = ql.Date(int(curve.anchor) + 25569)  # QuantLib serial of 1970-01-01 is 25569
    node_days = np.rint(curve.node_times * 365.0).astype(int)
    dates = [anchor] + [anchor + int(d) for d in node_days]
    dfs = [1.0, *curve.node_discounts.tolist()]
    qc = ql.DiscountCurve(dates, dfs, ql.Actual365Fixed())
    qc.enableExtrapolation()
    return qc


def grid_dates(iso: str, years: int, step: int = 11) -> list[ql.Date]:
    anchor = qdate(iso)
    return [anchor + i for i in range(0, 365 * years, step)]


# ------------------------------------------------------------------------------------------
# bootstraps: repricing with cash flows generated by QuantLib
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("interp", INTERPOLATIONS)
@pytest.mark.parametrize(("iso", "pct"), [(UST_DATE, UST_2023_12_29), (UST_EOM_DATE, UST_EOM)])
def test_treasury_bootstrap_reprices_every_input(eval_date, interp, iso, pct) -> None:
    yields = pct / 100.0
    curve = bootstrap_treasury_par(iso, UST_TENORS, yields, interpolation=interp)
    assert curve.node_times.size == len(UST_TENORS)
    anchor = to_days(iso)
    for helper, label, y in zip(ql_treasury_helpers(iso, yields), UST_TENORS, yields, strict=True):
        if label.endswith("m"):
            mat = int(qdays([helper.maturityDate()])[0])
            df = curve.discount_at(mat)
            implied = (1.0 / df - 1.0) * 365.0 / (mat - anchor)
        else:
            # QuantLib's flows: semiannual coupons plus a separate redemption at maturity.
            flows = helper.bond().cashflows()
            days = qdays([cf.date() for cf in flows])
            amounts = np.array([cf.amount() for cf in flows])
            pv = float(amounts @ curve.discount_at(days))
            assert abs(pv - 100.0) <= 1e-8, label  # 1e-10 per unit face
            df = curve.discount_at(np.unique(days))
            implied = 2.0 * (1.0 - df[-1]) / df.sum()
        assert abs(implied - y) <= 1e-10, label
    np.testing.assert_allclose(treasury_par_yields(curve, UST_TENORS), yields, rtol=0, atol=1e-10)


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_ois_bootstrap_reprices_every_input(eval_date, interp) -> None:
    rates = OIS_RATES / 100.0
    curve = bootstrap_sofr_ois(UST_DATE, OIS_TENORS, rates, interpolation=interp)
    for helper, label, r in zip(ql_ois_helpers(UST_DATE, rates), OIS_TENORS, rates, strict=True):
        coupons = [ql.as_fixed_rate_coupon(cf) for cf in helper.swap().fixedLeg()]
        days = qdays([c.date() for c in coupons])
        accruals = np.array([c.accrualPeriod() for c in coupons])
        df = curve.discount_at(days)
        implied = (1.0 - df[-1]) / float(accruals @ df)
        assert abs(implied - r) <= 1e-10, label
    np.testing.assert_allclose(sofr_ois_par_rates(curve, OIS_TENORS), rates, rtol=0, atol=1e-10)


# ------------------------------------------------------------------------------------------
# bootstraps: agreement with QuantLib's own bootstraps (nodes, off-node, extrapolated)
# ------------------------------------------------------------------------------------------
QL_CURVES = [
    ("log_linear_df", "PiecewiseLogLinearDiscount"),
    ("linear_zero", "PiecewiseLinearZero"),
]


@pytest.mark.parametrize(("interp", "ql_class"), QL_CURVES)
@pytest.mark.parametrize(("iso", "pct"), [(UST_DATE, UST_2023_12_29), (UST_EOM_DATE, UST_EOM)])
def test_treasury_curve_matches_quantlib(eval_date, interp, ql_class, iso, pct) -> None:
    yields = pct / 100.0
    helpers = ql_treasury_helpers(iso, yields)
    qc = getattr(ql, ql_class)(qdate(iso), helpers, ql.Actual365Fixed())
    qc.enableExtrapolation()
    curve = bootstrap_treasury_par(iso, UST_TENORS, yields, interpolation=interp)
    # Same pillars (dates) as QuantLib: maturities under the documented conventions.
    pillars = qdays([h.pillarDate() for h in helpers])
    np.testing.assert_array_equal(
        np.rint(curve.node_times * 365).astype(int), pillars - to_days(iso)
    )
    np.testing.assert_allclose(
        curve.discount_at(pillars), [qc.discount(h.pillarDate()) for h in helpers], atol=1e-10
    )
    dates = grid_dates(iso, 40)  # off-node dates, including 10y of extrapolation
    np.testing.assert_allclose(
        curve.discount_at(qdays(dates)), [qc.discount(d) for d in dates], rtol=0, atol=1e-10
    )


@pytest.mark.parametrize(("interp", "ql_class"), QL_CURVES)
def test_ois_curve_matches_quantlib(eval_date, interp, ql_class) -> None:
    rates = OIS_RATES / 100.0
    helpers = ql_ois_helpers(UST_DATE, rates)
    qc = getattr(ql, ql_class)(qdate(UST_DATE), helpers, ql.Actual365Fixed())
    qc.enableExtrapolation()
    curve = bootstrap_sofr_ois(UST_DATE, OIS_TENORS, rates, interpolation=interp)
    pillars = qdays([h.pillarDate() for h in helpers])
    np.testing.assert_array_equal(
        np.rint(curve.node_times * 365).astype(int), pillars - to_days(UST_DATE)
    )
    dates = grid_dates(UST_DATE, 55, step=13)
    np.testing.assert_allclose(
        curve.discount_at(qdays(dates)), [qc.discount(d) for d in dates], rtol=0, atol=1e-10
    )


def test_quantlib_bond_engine_npv_equals_own_discounting(eval_date) -> None:
    """Off-the-run bonds: QuantLib's engine on our DFs equals our own discounting of the flows."""
    curve = bootstrap_treasury_par(UST_DATE, UST_TENORS, UST_2023_12_29 / 100.0)
    ql.Settings.instance().evaluationDate = qdate(UST_DATE)
    handle = ql.YieldTermStructureHandle(ql_discount_curve(curve))
    engine = ql.DiscountingBondEngine(handle)
    cal = ql.NullCalendar()
    bonds = [  # (coupon, issue, maturity): seasoned notes/bonds with odd remaining lives
        (0.02875, "2022-05-15", "2032-05-15"),
        (0.045, "2023-11-15", "2033-11-15"),
        (0.0125, "2021-04-30", "2028-04-30"),
        (0.03, "2019-02-15", "2049-02-15"),
        (0.00375, "2021-01-31", "2026-01-31"),
        (0.0475, "2023-11-15", "2053-11-15"),
    ]
    for coupon, issue, maturity in bonds:
        eom = is_eom(maturity)
        sched = ql.Schedule(
            qdate(issue), qdate(maturity), ql.Period(ql.Semiannual), cal, ql.Unadjusted,
            ql.Unadjusted, ql.DateGeneration.Backward, eom,
        )  # fmt: skip
        bond = ql.FixedRateBond(
            0, 100.0, sched, [coupon], ql.ActualActual(ql.ActualActual.Bond, sched)
        )
        bond.setPricingEngine(engine)
        flows = [cf for cf in bond.cashflows() if cf.date() > qdate(UST_DATE)]
        days = qdays([cf.date() for cf in flows])
        ours = float(np.array([cf.amount() for cf in flows]) @ curve.discount_at(days))
        assert abs(bond.NPV() - ours) <= 1e-9, maturity


# ------------------------------------------------------------------------------------------
# interpolation / extrapolation
# ------------------------------------------------------------------------------------------
ZT = np.array([0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0])
ZZ = np.array([0.053, 0.052, 0.048, 0.043, 0.040, 0.0385, 0.0388, 0.039, 0.0425, 0.041])


def test_monotone_cubic_matches_scipy_pchip() -> None:
    curve = curve_from_zero_rates(0, ZT, ZZ, interpolation="monotone_cubic_zero")
    # Convention: flat zero before the first node, i.e. a node at t=0 equal to the first zero.
    ref = PchipInterpolator(np.concatenate(([0.0], ZT)), np.concatenate(([ZZ[0]], ZZ)))
    t = np.linspace(0.0, 30.0, 3001)
    np.testing.assert_allclose(curve.zero_rate(t), ref(t), rtol=0, atol=1e-13)
    inner = t[(t > 0.01) & (t < 29.99)]
    fwd_ref = ref(inner) + inner * ref.derivative()(inner)  # f = z + t z'
    np.testing.assert_allclose(curve.instantaneous_forward(inner), fwd_ref, rtol=0, atol=1e-12)


def test_linear_zero_closed_form() -> None:
    curve = curve_from_zero_rates(0, ZT, ZZ, interpolation="linear_zero")
    t = np.linspace(0.0, 30.0, 1001)
    z_ref = np.interp(t, ZT, ZZ)  # flat before the first node
    np.testing.assert_allclose(curve.zero_rate(t), z_ref, rtol=0, atol=1e-15)
    np.testing.assert_allclose(curve.discount(t), np.exp(-z_ref * t), rtol=1e-15)


def test_log_linear_is_piecewise_flat_forward() -> None:
    curve = curve_from_zero_rates(0, ZT, ZZ)
    knots = np.concatenate(([0.0], ZT))
    seg_fwd = np.diff(knots * np.concatenate(([ZZ[0]], ZZ))) / np.diff(knots)
    mids = 0.5 * (knots[1:] + knots[:-1])
    np.testing.assert_allclose(curve.instantaneous_forward(mids), seg_fwd, rtol=0, atol=1e-15)
    np.testing.assert_allclose(curve.instantaneous_forward(ZT), seg_fwd, atol=1e-15)  # left-cont.


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_flat_forward_extrapolation(interp) -> None:
    curve = curve_from_zero_rates(0, ZT, ZZ, interpolation=interp)
    f_last = curve.instantaneous_forward(30.0)
    t = np.array([30.5, 35.0, 50.0, 100.0])
    np.testing.assert_allclose(curve.instantaneous_forward(t), f_last, rtol=0, atol=1e-15)
    expected = curve.discount(30.0) * np.exp(-f_last * (t - 30.0))
    np.testing.assert_allclose(curve.discount(t), expected, rtol=1e-14)


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.floats(0.05, 5.0), min_size=2, max_size=12),
    incs=st.lists(st.floats(0.0, 0.01), min_size=12, max_size=12),
    base=st.floats(-0.01, 0.08),
    sign=st.sampled_from([1.0, -1.0]),
)
def test_monotone_cubic_preserves_monotone_zeros(steps, incs, base, sign) -> None:
    times = np.cumsum(steps)
    zeros = base + sign * np.cumsum(incs[: len(steps)])
    curve = curve_from_zero_rates(0, times, zeros, interpolation="monotone_cubic_zero")
    z = curve.zero_rate(np.linspace(0.0, times[-1], 2000))
    assert np.all(sign * np.diff(z) >= -1e-14)
    # And never overshoots the data range.
    assert z.min() >= zeros.min() - 1e-14 and z.max() <= zeros.max() + 1e-14


# ------------------------------------------------------------------------------------------
# rate consistency and closed forms
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_forward_zero_discount_consistency(interp) -> None:
    curve = curve_from_zero_rates(0, ZT, ZZ, interpolation=interp)
    t1 = np.linspace(0.0, 39.0, 157)
    t2 = t1 + np.linspace(0.02, 7.0, 157)
    d1, d2 = curve.discount(t1), curve.discount(t2)
    tau = t2 - t1
    f = curve.forward_rate(t1, t2)
    np.testing.assert_allclose(d2 / d1, np.exp(-f * tau), rtol=1e-14)
    np.testing.assert_allclose(d1 / d2, 1.0 + curve.forward_rate(t1, t2, "simple") * tau, 1e-14)
    np.testing.assert_allclose(d1 / d2, (1.0 + curve.forward_rate(t1, t2, "annual")) ** tau, 1e-14)
    fs = curve.forward_rate(t1, t2, "semiannual")
    np.testing.assert_allclose(d1 / d2, (1.0 + fs / 2.0) ** (2.0 * tau), rtol=1e-14)
    t = t2
    d = curve.discount(t)
    np.testing.assert_allclose(d, np.exp(-curve.zero_rate(t) * t), rtol=1e-14)
    np.testing.assert_allclose(d, (1.0 + curve.zero_rate(t, "annual")) ** -t, rtol=1e-14)
    np.testing.assert_allclose(d, (1.0 + curve.zero_rate(t, "semiannual") / 2) ** (-2 * t), 1e-14)
    np.testing.assert_allclose(d, 1.0 / (1.0 + curve.zero_rate(t, "simple") * t), rtol=1e-14)
    # Zero rate at t=0 is the t->0 limit; instantaneous forward is -d ln DF/dt (off the knots).
    assert curve.zero_rate(0.0) == pytest.approx(curve.zero_rate(1e-9), abs=1e-9)
    ts = np.array([0.1, 0.7, 1.5, 4.2, 8.8, 15.0, 25.0, 33.0])
    h = 1e-5
    num = -(np.log(curve.discount(ts + h)) - np.log(curve.discount(ts - h))) / (2 * h)
    np.testing.assert_allclose(curve.instantaneous_forward(ts), num, rtol=0, atol=1e-8)


def test_par_rate_closed_form_on_flat_curve() -> None:
    z = 0.037
    curve = curve_from_zero_rates(0, [1.0, 50.0], [z, z])
    n = np.arange(1, 31, dtype=float)
    # Annual payments on a flat continuous curve: par = (1-q^n)/sum q^i = e^z - 1 for every n.
    rows = np.where(n[None, :] <= n[:, None], n[None, :], 0.0)  # padded, monotone per row
    rows = np.maximum.accumulate(rows, axis=1)
    acc = (n[None, :] <= n[:, None]).astype(float)
    np.testing.assert_allclose(curve.par_rate(rows, acc), np.expm1(z), rtol=1e-13)
    # Forward-starting, semiannual: par = 2 (e^{z/2} - 1).
    pt = 2.0 + 0.5 * np.arange(1, 11)
    assert curve.par_rate(pt, np.full(10, 0.5), start=2.0) == pytest.approx(
        2.0 * np.expm1(z / 2.0), rel=1e-13
    )


def test_dates_and_times_agree() -> None:
    curve = bootstrap_treasury_par(UST_DATE, UST_TENORS, UST_2023_12_29 / 100.0)
    days = to_days(UST_DATE) + np.array([0, 1, 30, 365, 3652, 10958])
    np.testing.assert_array_equal(curve.time(days), (days - to_days(UST_DATE)) / 365.0)
    np.testing.assert_array_equal(curve.discount_at(days), curve.discount(curve.time(days)))
    assert curve.discount_at(days[0]) == 1.0


# ------------------------------------------------------------------------------------------
# shifts and key-rate tents
# ------------------------------------------------------------------------------------------
KEYS = np.array([0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0])


@settings(max_examples=500, deadline=None)
@given(
    keys=st.lists(st.floats(0.0, 60.0), min_size=1, max_size=15, unique=True),
    t=st.lists(st.floats(-5.0, 150.0), min_size=1, max_size=50),
)
def test_tent_weights_sum_to_one(keys, t) -> None:
    k = np.sort(np.asarray(keys))
    if np.any(np.diff(k) <= 0):
        return
    w = tent_weights(np.asarray(t), k)
    assert w.shape == (k.size, len(t))
    assert np.all(w >= 0.0) and np.all(w <= 1.0)
    # Exactly 1: (1 - u) + u rounds to 1 in IEEE arithmetic for u in [0, 1].
    np.testing.assert_array_equal(w.sum(axis=0), 1.0)


def test_tent_weights_shape() -> None:
    w = tent_weights(KEYS, KEYS)
    np.testing.assert_array_equal(w, np.eye(KEYS.size))  # 1 at its own key, 0 at the others
    w = tent_weights([0.0, 1.5, 4.0, 40.0], KEYS)
    assert w[0, 0] == 1.0 and w[-1, -1] == 1.0  # flat to 0 and to infinity
    np.testing.assert_allclose(w[2:4, 1], [0.5, 0.5])  # halfway between 1y and 2y
    np.testing.assert_allclose(w[4:6, 2], [0.5, 0.5])  # halfway between 3y and 5y


def test_equal_key_bumps_equal_parallel_shift() -> None:
    curve = bootstrap_treasury_par(UST_DATE, UST_TENORS, UST_2023_12_29 / 100.0)
    t = np.linspace(0.0, 45.0, 901)
    dz = 0.0025
    by_keys = curve.shifted(KEYS, np.full(KEYS.size, dz)).discount(t)
    parallel = curve.shifted_parallel(dz).discount(t)
    np.testing.assert_allclose(by_keys, parallel, rtol=1e-15)
    np.testing.assert_allclose(parallel, curve.discount(t) * np.exp(-dz * t), rtol=1e-14)
    np.testing.assert_allclose(
        curve.shifted_parallel(dz).zero_rate(t), curve.zero_rate(t) + dz, rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(
        curve.shifted_parallel(dz).instantaneous_forward(t),
        curve.instantaneous_forward(t) + dz,
        rtol=0,
        atol=1e-15,
    )


def test_shifted_matches_quantlib_zero_spreaded_curve(eval_date) -> None:
    """Tent shifts = linearly interpolated zero spreads, flat outside: QuantLib's
    PiecewiseZeroSpreadedTermStructure (continuous compounding) on the same base curve."""
    curve = bootstrap_treasury_par(UST_DATE, UST_TENORS, UST_2023_12_29 / 100.0)
    anchor = qdate(UST_DATE)
    ql.Settings.instance().evaluationDate = anchor
    key_days = np.array([91, 182, 365, 730, 1826, 3652, 7305, 10957])
    keys = key_days / 365.0
    bumps = np.array([0.0010, -0.0005, 0.0020, 0.0015, -0.0010, 0.0030, 0.0005, -0.0020])
    spreaded = ql.PiecewiseZeroSpreadedTermStructure(
        ql.YieldTermStructureHandle(ql_discount_curve(curve)),
        [ql.QuoteHandle(ql.SimpleQuote(float(b))) for b in bumps],
        [anchor + int(d) for d in key_days],
        ql.Continuous,
        ql.NoFrequency,
        ql.Actual365Fixed(),
    )
    spreaded.enableExtrapolation()
    dates = grid_dates(UST_DATE, 40, step=7)[1:]
    ours = curve.shifted(keys, bumps).discount_at(qdays(dates))
    np.testing.assert_allclose(ours, [spreaded.discount(d) for d in dates], rtol=0, atol=1e-12)


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_discount_shifted_equals_looping_shifted(interp) -> None:
    base = bootstrap_sofr_ois(UST_DATE, OIS_TENORS, OIS_RATES / 100.0, interpolation=interp)
    rng = np.random.default_rng(7)
    bumps = rng.normal(0.0, 0.005, size=(25, KEYS.size))
    t = rng.uniform(0.0, 60.0, size=(4, 50))  # any shape, beyond the last node too
    batched = base.discount_shifted(t, KEYS, bumps)
    assert batched.shape == (25, 4, 50)
    looped = np.stack([base.shifted(KEYS, b).discount(t) for b in bumps])
    np.testing.assert_allclose(batched, looped, rtol=1e-14)
    # Shifts compose: a shifted curve's batched shifts add to its own.
    sh = base.shifted_parallel(0.001)
    np.testing.assert_allclose(
        sh.discount_shifted(t, KEYS, bumps), batched * np.exp(-0.001 * t), rtol=1e-13
    )


def test_key_rate_durations_sum_to_parallel_duration() -> None:
    curve = bootstrap_treasury_par(UST_DATE, UST_TENORS, UST_2023_12_29 / 100.0)
    t = 0.5 * np.arange(1, 41)  # a 20y 4.5% semiannual bond
    cf = np.full(t.size, 2.25)
    cf[-1] += 100.0
    h = 1e-5  # central differences: O((t h)^2) ~ 1e-8 relative mismatch at most
    eye = np.eye(KEYS.size)
    bumps = np.vstack([h * eye, -h * eye, np.full((1, KEYS.size), h), np.full((1, KEYS.size), -h)])
    pv = curve.discount_shifted(t, KEYS, bumps) @ cf
    n = KEYS.size
    krd = (pv[:n] - pv[n : 2 * n]) / (2 * h)
    parallel = (pv[-2] - pv[-1]) / (2 * h)
    assert krd.sum() == pytest.approx(parallel, rel=1e-7)
    # First-order closed form: dPV/dz = -sum cf t DF.
    assert parallel == pytest.approx(-(cf * t) @ curve.discount(t), rel=1e-7)


# ------------------------------------------------------------------------------------------
# tenors, immutability, bad input
# ------------------------------------------------------------------------------------------
def test_tenor_parsing() -> None:
    assert tenor_years("6m") == 0.5
    assert tenor_years("1w") == 7 / 365
    assert tenor_years("30Y") == 30.0
    assert tenor_to_months("1 Mo") == 1 and tenor_to_months("10 Yr") == 120
    assert tenor_to_months("2y") == 24
    assert tenor_maturity("2023-12-29", "1w") == to_days("2024-01-05")
    assert tenor_maturity("2023-11-30", "3m", eom=True) == to_days("2024-02-29")
    assert tenor_maturity("2023-11-30", "3m") == to_days("2024-02-29")
    assert tenor_maturity("2024-04-30", "1m", eom=True) == to_days("2024-05-31")
    with pytest.raises(ValueError, match="whole number of months"):
        tenor_to_months("1w")


def test_missing_tenors_are_skipped() -> None:
    pct = UST_2023_12_29.copy()
    pct[[3, 11]] = np.nan  # e.g. no 4m bill before 2022, no 20y in 1987-1993
    curve = bootstrap_treasury_par(UST_DATE, UST_TENORS, pct / 100.0)
    assert curve.node_times.size == len(UST_TENORS) - 2
    kept = [lab for lab, p in zip(UST_TENORS, pct, strict=True) if not np.isnan(p)]
    np.testing.assert_allclose(
        treasury_par_yields(curve, kept), pct[~np.isnan(pct)] / 100.0, rtol=0, atol=1e-10
    )


def test_curve_is_immutable() -> None:
    curve = curve_from_zero_rates(0, ZT, ZZ)
    with pytest.raises(AttributeError):
        curve.interpolation = "linear_zero"  # type: ignore[misc]
    with pytest.raises(ValueError):
        curve.node_times[0] = 0.1
    # Pickles (e.g. for multiprocessing) through the constructor, shift layers included.
    shifted = curve.shifted(KEYS, np.linspace(-0.001, 0.001, KEYS.size))
    clone = pickle.loads(pickle.dumps(shifted))
    t = np.linspace(0.0, 40.0, 81)
    np.testing.assert_array_equal(clone.discount(t), shifted.discount(t))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bootstrap_treasury_par(UST_DATE, ["1y", "6m"], [0.05, 0.05]), "increasing"),
        (lambda: bootstrap_treasury_par(UST_DATE, ["1y", "1y"], [0.05, 0.05]), "increasing"),
        (lambda: bootstrap_sofr_ois(UST_DATE, ["12m", "1y"], [0.05, 0.05]), "increasing"),
        (lambda: bootstrap_treasury_par(UST_DATE, ["1y", "2q"], [0.05, 0.05]), "tenor label"),
        (lambda: bootstrap_sofr_ois(UST_DATE, ["0m"], [0.05]), "tenor label"),
        (lambda: bootstrap_treasury_par(UST_DATE, ["15m"], [0.05]), "whole years"),
        (lambda: bootstrap_treasury_par(UST_DATE, ["1y"], [np.nan]), "all NaN"),
        (lambda: bootstrap_treasury_par(UST_DATE, ["1y"], [np.inf]), "finite"),
        (lambda: bootstrap_treasury_par(UST_DATE, ["1y", "2y"], [0.05]), "same length"),
        (lambda: bootstrap_treasury_par(UST_DATE, ["1y"], [0.05], "cubic"), "interpolation"),
        (lambda: YieldCurve(0, [1.0, 2.0], [0.99, np.nan]), "finite"),
        (lambda: YieldCurve(0, [1.0, np.nan], [0.99, 0.98]), "finite"),
        (lambda: YieldCurve(0, [1.0, 2.0], [0.99, -0.5]), "positive"),
        (lambda: YieldCurve(0, [2.0, 1.0], [0.99, 0.98]), "increasing"),
        (lambda: YieldCurve(0, [1.0, 1.0], [0.99, 0.98]), "increasing"),
        (lambda: YieldCurve(0, [0.0, 1.0], [0.99, 0.98]), "t = 0"),
        (lambda: YieldCurve(0, [1.0], [0.99], "spline"), "interpolation"),
        (lambda: curve_from_zero_rates(0, [1.0, 2.0], [0.05, np.nan]), "finite"),
        (lambda: curve_from_zero_rates(0, ZT, ZZ).discount(-0.1), ">= 0"),
        (lambda: curve_from_zero_rates(0, ZT, ZZ).discount([1.0, np.nan]), "finite"),
        (lambda: curve_from_zero_rates(0, ZT, ZZ).zero_rate(1.0, "quarterly"), "compounding"),
        (lambda: curve_from_zero_rates(0, ZT, ZZ).forward_rate(2.0, 1.0), "t2 > t1"),
        (lambda: curve_from_zero_rates(0, ZT, ZZ).shifted([2.0, 1.0], [0.0, 0.0]), "increasing"),
        (lambda: curve_from_zero_rates(0, ZT, ZZ).shifted([1.0, 2.0], [0.0]), "bumps"),
        (lambda: curve_from_zero_rates(0, ZT, ZZ).discount_shifted(1.0, KEYS, [[0.0]]), "shape"),
        (lambda: tent_weights([1.0], [1.0, np.nan]), "finite"),
    ],
)
def test_bad_input_raises_value_error(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()
