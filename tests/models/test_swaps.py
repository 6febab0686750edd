"""Tests for models.swaps against independent references.

References: QuantLib's OvernightIndexedSwap on the same discount factors (NPV, fair rate), the
bootstrap's own input quotes, a hand-written reference pricer over ``curve.shifted`` curves
(finite differences of full repricing), closed-form cash-flow derivatives and flat-curve
identities for carry / roll-down.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest
from hedge_planner.models.bootstrap import bootstrap_sofr_ois, ois_schedule, tenor_maturity
from hedge_planner.models.curves import INTERPOLATIONS, YieldCurve, curve_from_zero_rates
from hedge_planner.models.dates import is_end_of_month, to_days
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors
from hedge_planner.models.swaps import (
    SwapSpec,
    build_swap_book,
    swap_annuity,
    swap_carry_rolldown,
    swap_par_rate,
    swap_pv,
    swap_pv_shifted,
    swap_risk,
)
from hedge_planner.models.tents import tent_weights

ql = pytest.importorskip("QuantLib")

ANCHOR = "2023-12-29"
OIS_TENORS = [
    "1w", "2w", "1m", "2m", "3m", "4m", "6m", "9m", "1y", "18m", "2y", "3y", "4y", "5y",
    "7y", "10y", "12y", "15y", "20y", "25y", "30y", "40y", "50y",
]  # fmt: skip
OIS_RATES = np.array(
    [
        5.35, 5.35, 5.34, 5.33, 5.30, 5.25, 5.16, 4.99, 4.80, 4.45, 4.17, 3.84, 3.66, 3.55,
        3.45, 3.42, 3.42, 3.43, 3.41, 3.33, 3.24, 3.05, 2.86,
    ]
) / 100.0  # fmt: skip

# Spot and forward swaps, stubs, payers and receivers, off-par and at-par.
SPECS = [
    SwapSpec("2y", "2y", fixed_rate=0.04),
    SwapSpec("18m", "18m", fixed_rate=0.045, direction="pay"),
    SwapSpec("9m", "9m", fixed_rate=0.05),
    SwapSpec("5y", "5y", fixed_rate=0.03),
    SwapSpec("10y", "10y", fixed_rate=0.0342, direction="pay"),
    SwapSpec("30y", "30y", fixed_rate=0.035),
    SwapSpec("1y1y", "1y", start="1y", fixed_rate=0.038),
    SwapSpec("2y10y", "10y", start="2y", fixed_rate=0.036, direction="pay"),
    SwapSpec("5y5y", "5y", start="5y", fixed_rate=0.034),
    SwapSpec("6m2y", "2y", start="6m", fixed_rate=0.041),
    SwapSpec("dated", "7y", start="2024-03-20", fixed_rate=0.035),
]


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    return bootstrap_sofr_ois(ANCHOR, OIS_TENORS, OIS_RATES)


@pytest.fixture
def eval_date() -> Iterator[None]:
    saved = ql.Settings.instance().evaluationDate
    yield
    ql.Settings.instance().evaluationDate = saved


# ------------------------------------------------------------------------------------------
# independent reference pricer (dates from the bootstrap's schedule helper, DFs from the curve)
# ------------------------------------------------------------------------------------------
def ref_start(spec: SwapSpec, anchor: int) -> int:
    if spec.start is None:
        return anchor
    if spec.start[0].isdigit() and spec.start[-1].isalpha():
        return tenor_maturity(anchor, spec.start, bool(is_end_of_month(anchor)))
    return int(to_days(spec.start))


def ref_flows(spec: SwapSpec, anchor: int, k: float) -> tuple[np.ndarray, np.ndarray]:
    """Receiver cash flows per unit notional: -1 at start, +1 at end, K tau_i at payments."""
    s, e = ois_schedule(ref_start(spec, anchor), spec.tenor)
    days = np.concatenate(([s[0]], e, [e[-1]]))
    amounts = np.concatenate(([-1.0], k * (e - s) / 360.0, [1.0]))
    sign = 1.0 if spec.direction == "receive" else -1.0
    return days, sign * amounts


def ref_pv(curve: YieldCurve, spec: SwapSpec, k: float) -> float:
    days, amounts = ref_flows(spec, curve.anchor, k)
    return float(amounts @ curve.discount_at(days))


# ------------------------------------------------------------------------------------------
# par, bootstrap repricing, QuantLib
# ------------------------------------------------------------------------------------------
def test_par_rate_gives_zero_pv(curve) -> None:
    at_par = [
        SwapSpec(s.name, s.tenor, start=s.start, fixed_rate=None, direction=s.direction)
        for s in SPECS
    ]
    book = build_swap_book(curve, at_par)
    np.testing.assert_allclose(swap_pv(curve, book), 0.0, atol=1e-15)
    par = swap_par_rate(curve, SPECS)
    np.testing.assert_allclose(book.fixed_rate, par, rtol=0, atol=1e-15)
    # Par by hand: float leg / annuity from the reference schedule.
    for spec, p in zip(SPECS, par, strict=True):
        s, e = ois_schedule(ref_start(spec, curve.anchor), spec.tenor)
        ann = float(((e - s) / 360.0) @ curve.discount_at(e))
        assert p == pytest.approx(
            (curve.discount_at(s[0]) - curve.discount_at(e[-1])) / ann, abs=1e-14
        )
    explicit = [
        SwapSpec(s.name, s.tenor, s.start, float(p)) for s, p in zip(SPECS, par, strict=True)
    ]
    np.testing.assert_allclose(swap_pv(curve, explicit), 0.0, atol=1e-15)


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_bootstrapped_par_swaps_reprice_to_zero(interp) -> None:
    c = bootstrap_sofr_ois(ANCHOR, OIS_TENORS, OIS_RATES, interpolation=interp)
    specs = [
        SwapSpec(t, t, fixed_rate=float(r)) for t, r in zip(OIS_TENORS, OIS_RATES, strict=True)
    ]
    np.testing.assert_allclose(swap_pv(c, specs), 0.0, atol=1e-12)
    np.testing.assert_allclose(swap_par_rate(c, specs), OIS_RATES, rtol=0, atol=1e-12)


def _ql_curve(curve: YieldCurve) -> ql.DiscountCurve:
    anchor = ql.Date(int(curve.anchor) + 25569)
    node_days = np.rint(curve.node_times * 365.0).astype(int)
    dates = [anchor] + [anchor + int(d) for d in node_days]
    qc = ql.DiscountCurve(dates, [1.0, *curve.node_discounts.tolist()], ql.Actual365Fixed())
    qc.enableExtrapolation()
    return qc


def _is_eom(d: ql.Date) -> bool:
    return ql.Date.endOfMonth(d) == d


def test_quantlib_ois_npv_and_fair_rate(curve, eval_date) -> None:
    anchor = ql.DateParser.parseISO(ANCHOR)
    ql.Settings.instance().evaluationDate = anchor
    handle = ql.YieldTermStructureHandle(_ql_curve(curve))
    cal = ql.NullCalendar()
    index = ql.OvernightIndex("SOFR-unadjusted", 0, ql.USDCurrency(), cal, ql.Actual360(), handle)
    engine = ql.DiscountingSwapEngine(handle)
    ours_pv, ours_par = swap_pv(curve, SPECS), swap_par_rate(curve, SPECS)
    for spec, pv, par in zip(SPECS, ours_pv, ours_par, strict=True):
        if spec.start is None:
            start = anchor
        elif spec.start.endswith(("m", "y")):
            start = cal.advance(anchor, ql.Period(spec.start), ql.Unadjusted, _is_eom(anchor))
        else:
            start = ql.DateParser.parseISO(spec.start)
        end = cal.advance(start, ql.Period(spec.tenor), ql.Unadjusted, _is_eom(start))
        sched = ql.Schedule(
            start, end, ql.Period(ql.Annual), cal, ql.Unadjusted, ql.Unadjusted,
            ql.DateGeneration.Backward, _is_eom(start),
        )  # fmt: skip
        kind = (
            ql.OvernightIndexedSwap.Receiver
            if spec.direction == "receive"
            else ql.OvernightIndexedSwap.Payer
        )
        swap = ql.OvernightIndexedSwap(
            kind, 1.0, sched, spec.fixed_rate, ql.Actual360(), index, 0.0, 0, ql.Unadjusted, cal
        )
        swap.setPricingEngine(engine)
        assert pv == pytest.approx(swap.NPV(), abs=1e-10), spec.name
        assert par == pytest.approx(swap.fairRate(), abs=1e-10), spec.name
        # Annuity: QuantLib's fixed-leg BPS is the PV of 1 bp running.
        ann = swap_annuity(curve, spec)[0]
        assert ann * 1e-4 == pytest.approx(abs(swap.fixedLegBPS()), abs=1e-12), spec.name


# ------------------------------------------------------------------------------------------
# risk: finite differences of full repricing, closed forms, invariants
# ------------------------------------------------------------------------------------------
def test_dv01_and_krds_match_independent_repricing(curve) -> None:
    labels, keys = check_key_tenors(DEFAULT_KEY_TENORS)
    h = 1e-4
    risk = swap_risk(curve, SPECS, shift=h)
    for i, spec in enumerate(SPECS):
        k = spec.fixed_rate
        krd = np.empty(keys.size)
        for j in range(keys.size):
            e = np.zeros(keys.size)
            e[j] = h
            krd[j] = ref_pv(curve.shifted(keys, -e), spec, k) - ref_pv(
                curve.shifted(keys, e), spec, k
            )
        krd *= 1e-4 / (2 * h)
        dv01 = (
            ref_pv(curve.shifted_parallel(-h), spec, k) - ref_pv(curve.shifted_parallel(h), spec, k)
        ) * 1e-4 / (2 * h)  # fmt: skip
        np.testing.assert_allclose(risk.krd_dv01[i], krd, rtol=1e-9, atol=1e-15)
        assert risk.dv01[i] == pytest.approx(dv01, rel=1e-9)
        assert risk.pv[i] == pytest.approx(ref_pv(curve, spec, k), abs=1e-15)
    assert risk.key_tenors == labels


def test_krds_sum_to_dv01(curve) -> None:
    risk = swap_risk(curve, SPECS)
    np.testing.assert_allclose(risk.krd_dv01.sum(axis=1), risk.dv01, rtol=1e-6)
    # Receivers gain when rates fall, payers lose.
    sign = np.array([1.0 if s.direction == "receive" else -1.0 for s in SPECS])
    assert np.all(sign * risk.dv01 > 0)


def test_dv01_krd_convexity_closed_forms(curve) -> None:
    """Exact cash-flow derivatives under continuous zero shifts: dPV = -sum c t w DF dz."""
    _, keys = check_key_tenors(DEFAULT_KEY_TENORS)
    risk = swap_risk(curve, SPECS, shift=1e-4)
    for i, spec in enumerate(SPECS):
        days, amounts = ref_flows(spec, curve.anchor, spec.fixed_rate)
        t = curve.time(days)
        v = amounts * curve.discount(t)
        assert risk.dv01[i] == pytest.approx(float(v @ t) * 1e-4, rel=2e-6)
        krd = (tent_weights(t, keys) * (v * t)).sum(axis=1) * 1e-4
        np.testing.assert_allclose(risk.krd_dv01[i], krd, rtol=2e-6, atol=1e-14)
        assert risk.dollar_convexity[i] == pytest.approx(float(v @ t**2), rel=1e-5)


def test_batched_shifts_match_shifted_curves(curve) -> None:
    rng = np.random.default_rng(7)
    _, keys = check_key_tenors(DEFAULT_KEY_TENORS)
    shifts = rng.normal(0.0, 0.005, size=(6, keys.size))
    batched = swap_pv_shifted(curve, SPECS, keys, shifts)
    assert batched.shape == (6, len(SPECS))
    for s in range(6):
        shifted = curve.shifted(keys, shifts[s])
        expect = [ref_pv(shifted, spec, spec.fixed_rate) for spec in SPECS]
        np.testing.assert_allclose(batched[s], expect, rtol=0, atol=1e-14)


# ------------------------------------------------------------------------------------------
# carry and roll-down
# ------------------------------------------------------------------------------------------
def test_carry_closed_form_spot_swap(curve) -> None:
    """Window inside the first period: carry = K H/360 - (1/DF(H) - 1)."""
    spec = SwapSpec("5y", "5y", fixed_rate=0.037)
    h = 91
    carry, _ = swap_carry_rolldown(curve, spec, h)
    df_h = float(curve.discount(h / 365.0))
    assert carry[0] == pytest.approx(0.037 * h / 360.0 - (1.0 / df_h - 1.0), abs=1e-15)
    pay = SwapSpec("5y", "5y", fixed_rate=0.037, direction="pay")
    assert swap_carry_rolldown(curve, pay, h)[0][0] == pytest.approx(-carry[0], abs=1e-16)
    # Forward starts after the horizon carry nothing; zero horizon gives zeros.
    fwd = SwapSpec("1y1y", "1y", start="1y", fixed_rate=0.04)
    assert swap_carry_rolldown(curve, fwd, h)[0][0] == 0.0
    c0, r0 = swap_carry_rolldown(curve, SPECS, 0)
    np.testing.assert_allclose(c0, 0.0, atol=1e-16)
    np.testing.assert_allclose(r0, 0.0, atol=1e-15)


@pytest.mark.parametrize("h", [30, 91, 200])
def test_flat_curve_carry_plus_rolldown_is_time_value(h) -> None:
    """Flat curve, no payment before H: the rolled curve is today's forward curve, so the
    total horizon P&L is the PV's growth at the riskless rate, V0 (1/DF(H) - 1)."""
    z = 0.035
    flat = curve_from_zero_rates(ANCHOR, [1.0, 60.0], [z, z])
    specs = [
        SwapSpec("5y", "5y", fixed_rate=0.04),
        SwapSpec("10y", "10y", fixed_rate=0.03, direction="pay"),
        SwapSpec("par", "7y"),
        SwapSpec("1y1y", "1y", start="1y", fixed_rate=0.05),
        SwapSpec("3m2y", "2y", start="3m", fixed_rate=0.02),
    ]
    carry, roll = swap_carry_rolldown(flat, specs, h)
    v0 = swap_pv(flat, specs)
    growth = 1.0 / float(flat.discount(h / 365.0)) - 1.0
    np.testing.assert_allclose(carry + roll, v0 * growth, rtol=0, atol=1e-15)


def test_rolldown_through_maturity_by_hand(curve) -> None:
    """Horizon = maturity of a 1y swap: all cash is paid, V_H = K tau - (1/DF(1y) - 1)."""
    k = 0.05
    spec = SwapSpec("1y", "1y", fixed_rate=k)
    end = tenor_maturity(curve.anchor, "1y")
    h = end - curve.anchor
    carry, roll = swap_carry_rolldown(curve, spec, h)
    tau = h / 360.0
    df_e = float(curve.discount_at(end))
    assert carry[0] == pytest.approx(k * tau - (1.0 / df_e - 1.0), abs=1e-15)
    assert roll[0] == pytest.approx(-ref_pv(curve, spec, k), abs=1e-15)


def test_swap_spec_validation(curve) -> None:
    with pytest.raises(ValueError):
        SwapSpec("x", "5y", direction="long")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SwapSpec("x", "five years")
    with pytest.raises(ValueError):
        build_swap_book(curve, [SwapSpec("old", "5y", start=dt.date(2023, 1, 3))])
