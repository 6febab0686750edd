"""Tests for models.risk (curve-based effective risk) against independent references.

References: QuantLib (``BondFunctions.zSpread``, repricing on ``ZeroSpreadedTermStructure`` and
``PiecewiseZeroSpreadedTermStructure``), closed forms (zero-coupon bonds under continuous
compounding), exact finite-difference identities and invariants. The finite differences on the
QuantLib side are done here, in the test, from QuantLib prices; nothing is compared with the
module's own output.

The curve is the US Treasury par curve of 2023-12-29 bootstrapped by the package; QuantLib gets a
log-linear ``DiscountCurve`` through the same nodes (ACT/365F), which reproduces the package's
log-linear-in-DF interpolation and flat-forward extrapolation exactly (checked below).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, CashflowSchedule, build_schedule
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import NO_DATE, to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.risk import (
    DEFAULT_KEY_TENORS,
    curve_dirty_price,
    curve_risk,
    solve_z_spread,
    tent_coordinates,
)

ql = pytest.importorskip("QuantLib")
from tests.ql_reference import ql_date, ql_fixed_bond, ql_yield_figures  # noqa: E402

# US Treasury daily par yield curve, 2023-12-29 (percent).
SETTLE = dt.date(2023, 12, 29)
SETTLE_DAY = int(to_days(SETTLE))
UST_TENORS = ["1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
UST_2023_12_29 = np.array(
    [5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]
)
# The default key tenors in ACT/365F years, written out independently of the label parser.
KEY_YEARS = np.array([0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0])
EPS = np.finfo(float).eps


# ------------------------------------------------------------------------------------------
# fixtures and QuantLib helpers (oracle)
# ------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def eval_date() -> Iterator[None]:
    """Restore QuantLib's global evaluation date after each test."""
    saved = ql.Settings.instance().evaluationDate
    yield
    ql.Settings.instance().evaluationDate = saved


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    return bootstrap_treasury_par(SETTLE, UST_TENORS, UST_2023_12_29 / 100.0)


def ql_anchor(c: YieldCurve) -> ql.Date:
    return ql.Date(int(c.anchor) + 25569)  # QuantLib serial of 1970-01-01 is 25569


def ql_discount_curve(c: YieldCurve) -> ql.DiscountCurve:
    """Our node DFs in QuantLib's log-linear discount curve on ACT/365F (flat-forward beyond)."""
    anchor = ql_anchor(c)
    node_days = np.rint(c.node_times * 365.0).astype(int)
    dates = [anchor] + [anchor + int(d) for d in node_days]
    qc = ql.DiscountCurve(dates, [1.0, *c.node_discounts.tolist()], ql.Actual365Fixed())
    qc.enableExtrapolation()
    return qc


def zero_spreaded(base: ql.YieldTermStructure, spread: float) -> ql.ZeroSpreadedTermStructure:
    """``base`` plus a constant continuously compounded zero spread (ACT/365F)."""
    ts = ql.ZeroSpreadedTermStructure(
        ql.YieldTermStructureHandle(base),
        ql.QuoteHandle(ql.SimpleQuote(float(spread))),
        ql.Continuous,
        ql.NoFrequency,
        ql.Actual365Fixed(),
    )
    ts.enableExtrapolation()
    return ts


def tent_spreaded(
    base: ql.YieldTermStructure, anchor: ql.Date, key: int, bump: float
) -> ql.PiecewiseZeroSpreadedTermStructure:
    """``base`` with a tent-shaped continuous zero spread of height ``bump`` at key ``key``.

    The tent is ``np.interp`` of the unit vector over the key times (1 at the key, linear to 0 at
    the neighbouring keys, flat beyond the end keys). QuantLib's spreads sit on dates, so the
    nodes are the whole days on either side of every key time (182 and 183 days for 6m = 182.5
    days): between consecutive nodes the tent is linear, hence QuantLib's linear interpolation
    reproduces it exactly at every whole-day (cash-flow) date, and it is flat outside the nodes.
    """
    key_days = KEY_YEARS * 365.0
    node_days = np.unique(np.concatenate([np.floor(key_days), np.ceil(key_days)])).astype(int)
    unit = np.zeros(KEY_YEARS.size)
    unit[key] = 1.0
    values = bump * np.interp(node_days / 365.0, KEY_YEARS, unit)
    ts = ql.PiecewiseZeroSpreadedTermStructure(
        ql.YieldTermStructureHandle(base),
        [ql.QuoteHandle(ql.SimpleQuote(float(v))) for v in values],
        [anchor + int(d) for d in node_days],
        ql.Continuous,
        ql.NoFrequency,
        ql.Actual365Fixed(),
    )
    ts.enableExtrapolation()
    return ts


def ql_dirty(bond: ql.Bond, ts: ql.YieldTermStructure) -> float:
    """QuantLib dirty price per 100 at SETTLE off a term structure (flows on SETTLE excluded)."""
    return ql.BondFunctions.dirtyPrice(bond, ts, ql_date(SETTLE))


@dataclass
class Sample:
    """Random bonds settling on SETTLE, as our book/schedule and as QuantLib bonds."""

    records: list[dict]
    qbonds: list[ql.FixedRateBond]
    book: BondBook
    sched: CashflowSchedule
    clean: np.ndarray  # market clean price per 100 (from a random yield, by QuantLib)
    ql_accrued: np.ndarray


def _random_records(n: int, seed: int, min_days: int = 20, max_days: int = 35 * 365) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        freq = [0, 1, 2, 4, 12][i % 5]  # every frequency ...
        day_count = (i // 5) % 4  # ... with every day count
        mat = SETTLE + dt.timedelta(days=int(rng.integers(min_days, max_days)))
        if rng.random() < 0.3:  # month-end maturities exercise the end-of-month rule
            mat = (mat.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(1)
        rec = {
            "id": f"R{i}",
            "maturity": mat,
            "coupon": 0.0 if freq == 0 else float(np.round(rng.uniform(0.0, 0.09), 5)),
            "frequency": freq,
            "day_count": day_count,
            "eom": bool(rng.random() < 0.7),
            "issue": None,
            "yield": float(rng.uniform(0.02, 0.09)),
        }
        if freq != 0 and rng.random() < 0.3:
            # Short first coupon: issue strictly between the previous regular date and SETTLE.
            q = ql_fixed_bond(SETTLE, mat, rec["coupon"], freq, day_count, None, rec["eom"])
            first = next(
                ql.as_fixed_rate_coupon(cf)
                for cf in q.cashflows()
                if cf.date() > ql_date(SETTLE) and ql.as_fixed_rate_coupon(cf) is not None
            )
            prev = first.accrualStartDate()
            span = ql_date(SETTLE) - prev
            if span > 1:
                rec["issue"] = SETTLE - dt.timedelta(days=int(rng.integers(1, span)))
        out.append(rec)
    return out


def make_sample(records: list[dict]) -> Sample:
    qbonds, clean, accrued = [], [], []
    for r in records:
        q = ql_fixed_bond(
            SETTLE, r["maturity"], r["coupon"], r["frequency"], r["day_count"], r["issue"], r["eom"]
        )
        fig = ql_yield_figures(q, SETTLE, r["yield"], r["frequency"], r["day_count"])
        qbonds.append(q)
        clean.append(fig["clean_price"])
        accrued.append(fig["accrued"])
    book = BondBook.from_arrays(
        [r["id"] for r in records],
        1_000_000.0,
        [r["coupon"] for r in records],
        to_days([r["maturity"] for r in records]),
        [r["frequency"] for r in records],
        [r["day_count"] for r in records],
        [NO_DATE if r["issue"] is None else int(to_days(r["issue"])) for r in records],
        [r["eom"] for r in records],
    )
    sched = build_schedule(book, SETTLE_DAY)
    return Sample(records, qbonds, book, sched, np.array(clean), np.array(accrued))


@pytest.fixture(scope="module")
def sample() -> Sample:
    ql.Settings.instance().evaluationDate = ql_date(SETTLE)
    return make_sample(_random_records(80, seed=2023))


@pytest.fixture(scope="module")
def ql_zspreads(sample: Sample, curve: YieldCurve) -> np.ndarray:
    """QuantLib's z-spreads of the sample on the QuantLib copy of our curve."""
    ql.Settings.instance().evaluationDate = ql_date(SETTLE)
    qc = ql_discount_curve(curve)
    return np.array(
        [
            ql.BondFunctions.zSpread(
                q,
                ql.BondPrice(float(c), ql.BondPrice.Clean),
                qc,
                ql.Actual365Fixed(),
                ql.Continuous,
                ql.Annual,
                ql_date(SETTLE),
                1e-15,
                200,
            )
            for q, c in zip(sample.qbonds, sample.clean, strict=True)
        ]
    )


def single_bond_schedule(maturity: str, coupon: float = 0.0, frequency: int = 0):
    book = BondBook.from_arrays(["x"], 100.0, coupon, to_days([maturity]), frequency)
    return build_schedule(book, SETTLE_DAY)


# ------------------------------------------------------------------------------------------
# oracle preconditions
# ------------------------------------------------------------------------------------------
def test_quantlib_copy_of_the_curve_is_exact(curve) -> None:
    """QuantLib's log-linear DiscountCurve through our nodes gives our DFs on every day to 45y."""
    ql.Settings.instance().evaluationDate = ql_date(SETTLE)
    qc = ql_discount_curve(curve)
    days = np.arange(0, 45 * 365, 1)
    ours = curve.discount_at(SETTLE_DAY + days)
    theirs = np.array([qc.discount(ql_anchor(curve) + int(d)) for d in days])
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)


def test_sample_covers_every_convention(sample) -> None:
    recs = sample.records
    assert {r["frequency"] for r in recs} == {0, 1, 2, 4, 12}
    assert {r["day_count"] for r in recs} == {0, 1, 2, 3}
    assert any(r["issue"] is not None for r in recs)
    assert any(r["maturity"] > SETTLE + dt.timedelta(days=30 * 365) for r in recs)
    # The market dirty price is clean + accrued on both sides.
    np.testing.assert_allclose(sample.sched.accrued, sample.ql_accrued, rtol=0, atol=1e-10)


# ------------------------------------------------------------------------------------------
# z-spread
# ------------------------------------------------------------------------------------------
def test_z_spread_matches_quantlib(sample, curve, ql_zspreads) -> None:
    """Our z-spread equals QuantLib's BondFunctions.zSpread (continuous, ACT/365F) to 1e-9, and
    both reprice the bond to its market dirty price."""
    dirty = sample.clean + sample.sched.accrued
    z = solve_z_spread(sample.sched, curve, dirty)
    assert np.ptp(ql_zspreads) > 0.01  # a real spread range, not all near zero
    np.testing.assert_allclose(z, ql_zspreads, rtol=0, atol=1e-9)
    np.testing.assert_allclose(curve_dirty_price(sample.sched, curve, z), dirty, rtol=1e-12)
    # QuantLib's own dirty price at its z-spread is the market dirty price, and ours at QuantLib's
    # z-spread is QuantLib's price.
    qc = ql_discount_curve(curve)
    ql_px = np.array(
        [ql_dirty(q, zero_spreaded(qc, s)) for q, s in zip(sample.qbonds, z, strict=True)]
    )
    np.testing.assert_allclose(ql_px, dirty, rtol=1e-12)
    np.testing.assert_allclose(
        curve_dirty_price(sample.sched, curve, ql_zspreads),
        sample.clean + sample.ql_accrued,
        rtol=1e-10,
    )


def test_z_spread_round_trip_closed_form(curve) -> None:
    """A zero-coupon bond priced at 100 DF(t) exp(-z t) has z-spread z (any sign)."""
    sched = single_bond_schedule("2037-06-15")
    t = (int(to_days("2037-06-15")) - SETTLE_DAY) / 365.0
    df = float(curve.discount(t))
    for z in (-0.02, 0.0, 0.0137, 0.25):
        got = solve_z_spread(sched, curve, [100.0 * df * np.exp(-z * t)])
        assert got[0] == pytest.approx(z, abs=1e-13)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_z_spread_of_unreachable_price_raises(curve) -> None:
    sched = single_bond_schedule("2030-01-15", 0.05, 2)
    with pytest.raises(AnalyticsError, match="positive and finite"):
        solve_z_spread(sched, curve, [-5.0])
    with pytest.raises(AnalyticsError, match="positive and finite"):
        solve_z_spread(sched, curve, [np.nan])


def test_z_spread_converges_days_before_maturity(curve) -> None:
    """Bonds 1-9 days from maturity (e.g. held into their last coupon) must still solve."""
    maturity = to_days(SETTLE) + np.arange(1, 10)
    n = maturity.size
    book = BondBook.from_arrays([f"s{i}" for i in range(n)], 100.0, 0.05, maturity, 2)
    sched = build_schedule(book, SETTLE_DAY)
    t = (maturity - SETTLE_DAY) / 365.0
    for z in np.linspace(-0.01, 0.03, 41):
        dirty = curve_dirty_price(sched, curve, z)
        np.testing.assert_allclose(solve_z_spread(sched, curve, dirty), z, atol=1e-9 / t.min())


# ------------------------------------------------------------------------------------------
# effective duration, convexity, spread duration and KRDs against QuantLib repricing
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("h", [1e-4, 1e-2])
def test_effective_duration_and_convexity_match_quantlib(sample, curve, ql_zspreads, h) -> None:
    """D = (P- - P+)/(2 h P0), C = (P+ + P- - 2 P0)/(h^2 P0) from QuantLib prices on
    ZeroSpreadedTermStructure at z +/- h over the curve, to 1e-8 relative.

    The second difference of prices carries a rounding floor of a few ulps of P0 over h^2 P0,
    added as an absolute tolerance (it only matters for very short bonds at h = 1 bp)."""
    dirty = sample.clean + sample.sched.accrued
    risk = curve_risk(sample.sched, sample.book.face, curve, dirty, shift=h)
    qc = ql_discount_curve(curve)
    for i, (q, z) in enumerate(zip(sample.qbonds, ql_zspreads, strict=True)):
        p0 = ql_dirty(q, zero_spreaded(qc, z))
        up = ql_dirty(q, zero_spreaded(qc, z + h))
        dn = ql_dirty(q, zero_spreaded(qc, z - h))
        dur = (dn - up) / (2.0 * h * p0)
        cvx = (up + dn - 2.0 * p0) / (h * h * p0)
        rec = sample.records[i]
        assert risk.effective_duration[i] == pytest.approx(dur, rel=1e-8, abs=8 * EPS / h), rec
        assert risk.effective_convexity[i] == pytest.approx(cvx, rel=1e-8, abs=8 * EPS / h**2), rec
        # Spread duration: the z-spread +/- h with the curve held is the same QuantLib repricing.
        assert risk.spread_duration[i] == pytest.approx(dur, rel=1e-8, abs=8 * EPS / h), rec
    np.testing.assert_allclose(risk.dirty_price, dirty, rtol=1e-12)
    np.testing.assert_allclose(risk.z_spread, ql_zspreads, rtol=0, atol=1e-9)
    np.testing.assert_allclose(risk.market_value, dirty / 100.0 * 1_000_000.0, rtol=1e-12)
    np.testing.assert_allclose(
        risk.dv01, risk.effective_duration * risk.market_value * 1e-4, rtol=1e-14
    )


def test_key_rate_durations_match_quantlib(sample, curve, ql_zspreads) -> None:
    """KRD_k = (P(-h tent_k) - P(+h tent_k)) / (2 h P0) with QuantLib prices on a
    PiecewiseZeroSpreadedTermStructure (tent spread) under a ZeroSpreadedTermStructure (z-spread),
    to 1e-7 relative (plus the rounding floor of a first difference for keys with ~0 exposure)."""
    h = 1e-4
    dirty = sample.clean + sample.sched.accrued
    risk = curve_risk(sample.sched, sample.book.face, curve, dirty, shift=h)
    assert risk.krd.tenors == DEFAULT_KEY_TENORS
    np.testing.assert_array_equal(risk.krd.tenor_years, KEY_YEARS)
    ql.Settings.instance().evaluationDate = ql_date(SETTLE)
    qc = ql_discount_curve(curve)
    anchor = ql_anchor(curve)
    p0 = np.array(
        [ql_dirty(q, zero_spreaded(qc, z)) for q, z in zip(sample.qbonds, ql_zspreads, strict=True)]
    )
    ref = np.empty((len(sample.qbonds), KEY_YEARS.size))
    for k in range(KEY_YEARS.size):
        up_curve, dn_curve = tent_spreaded(qc, anchor, k, h), tent_spreaded(qc, anchor, k, -h)
        for i, (q, z) in enumerate(zip(sample.qbonds, ql_zspreads, strict=True)):
            up = ql_dirty(q, zero_spreaded(up_curve, z))
            dn = ql_dirty(q, zero_spreaded(dn_curve, z))
            ref[i, k] = (dn - up) / (2.0 * h * p0[i])
    np.testing.assert_allclose(risk.krd.krd, ref, rtol=1e-7, atol=8 * EPS / h)
    assert np.count_nonzero(np.abs(ref) > 1e-3) > 2 * len(sample.qbonds)  # real exposures


# ------------------------------------------------------------------------------------------
# invariants and closed forms
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big_book(curve) -> tuple[CashflowSchedule, np.ndarray, float]:
    """~3000 bullets, 20 days to 40 years, every frequency and day count, random spreads."""
    rng = np.random.default_rng(11)
    n = 3000
    maturity = SETTLE_DAY + rng.integers(20, 40 * 365, n)
    freq = rng.choice([0, 1, 2, 4, 12], n)
    coupon = np.where(freq == 0, 0.0, rng.uniform(0.0, 0.1, n))
    book = BondBook.from_arrays(
        [f"b{i}" for i in range(n)], 1e6, coupon, maturity, freq, rng.integers(0, 4, n)
    )
    sched = build_schedule(book, SETTLE_DAY)
    dirty = curve_dirty_price(sched, curve, rng.uniform(-0.005, 0.03, n))
    t_max = float((maturity.max() - SETTLE_DAY) / 365.0)
    return sched, dirty, t_max


def test_krds_sum_to_effective_duration(big_book, curve) -> None:
    """Tents sum to one, so the key shifts add up to the parallel shift: sum KRD = D up to the
    O(h^2) cross terms of the central differences, sinh(a) - sinh(a w) - sinh(a (1 - w)) <= a^3/8
    per flow with a = h t, i.e. a relative miss below (h t_max)^2 / 8 (~1e-5 at 40y, 1bp)."""
    sched, dirty, t_max = big_book
    risk = curve_risk(sched, 1e6, curve, dirty)
    total = risk.krd.krd.sum(axis=1)
    rel = np.abs(total / risk.effective_duration - 1.0)
    assert np.all(rel < 1e-2)
    assert np.all(risk.krd_sum_error < 1e-2)
    np.testing.assert_allclose(risk.krd_sum_error, rel, rtol=1e-12, atol=1e-15)
    assert np.all(risk.krd_sum_error <= (risk.shift * t_max) ** 2 / 8.0 + 1e-13)
    # KRDs of bullets are non-negative (a rise in any key rate lowers the price).
    assert np.all(risk.krd.krd >= 0.0)
    # The same holds for the portfolio aggregates.
    port = risk.krd.portfolio_krd()
    weighted_d = np.average(risk.effective_duration, weights=risk.market_value)
    assert port.sum() == pytest.approx(weighted_d, rel=1e-5)
    np.testing.assert_allclose(
        port, np.average(risk.krd.krd, axis=0, weights=risk.market_value), rtol=1e-12
    )
    np.testing.assert_allclose(risk.krd.krd_dv01.sum(axis=1), risk.dv01, rtol=1e-5)
    assert list(risk.krd.as_dict()) == list(DEFAULT_KEY_TENORS)
    assert risk.krd.as_dict(3)["10y"] == risk.krd.krd[3, 6]


def test_parallel_key_shift_reproduces_effective_duration_pnl(big_book, curve) -> None:
    """Bumping every key rate by +/-h is a parallel shift, and its repricing is exactly the
    effective-duration/convexity P&L: by definition of the central differences,
    P(+/-h) = P0 (1 -/+ D h + C h^2 / 2) identically. KRDs give the same first-order P&L."""
    sched, dirty, _ = big_book
    h = 1e-4
    risk = curve_risk(sched, 1e6, curve, dirty, shift=h)
    z, p0 = risk.z_spread, risk.dirty_price
    d, c = risk.effective_duration, risk.effective_convexity
    for sign in (1.0, -1.0):
        all_keys = curve.shifted(KEY_YEARS, np.full(KEY_YEARS.size, sign * h))
        price = curve_dirty_price(sched, all_keys, z)
        parallel = curve_dirty_price(sched, curve.shifted_parallel(sign * h), z)
        np.testing.assert_allclose(price, parallel, rtol=1e-14)
        # Independent repricing: every flow discounted by DF(t) exp(-(z + s h) t).
        t = (sched.pay_dates - SETTLE_DAY) / 365.0
        flows = sched.amounts * curve.discount(t) * np.exp(-(z[sched.bond] + sign * h) * t)
        np.testing.assert_allclose(price, np.bincount(sched.bond, flows), rtol=1e-13)
        expected = p0 * (1.0 - sign * d * h + 0.5 * c * h * h)
        miss = np.abs((price - p0) - (expected - p0))
        assert np.all(miss <= 1e-9 * np.abs(price - p0) + 50 * EPS * p0)
        first_order = -sign * h * p0 * risk.krd.krd.sum(axis=1)
        np.testing.assert_allclose(first_order, -sign * h * p0 * d, rtol=1e-5)


@pytest.mark.parametrize(
    ("key_tenors", "maturities"),
    [
        (DEFAULT_KEY_TENORS, ["2024-01-31", "2024-03-15", "2024-06-27"]),
        (("1y", "2y", "5y", "10y", "30y"), ["2024-02-01", "2024-09-30", "2024-12-27"]),
    ],
)
def test_flows_before_first_key_are_all_in_first_key(curve, key_tenors, maturities) -> None:
    """Every flow before the first key tenor gets tent weight 1 on that key, so the first KRD is
    the whole effective duration and every other KRD is exactly zero."""
    book = BondBook.from_arrays(
        [f"m{i}" for i in range(len(maturities))],
        1e6,
        [0.04, 0.06, 0.0],
        to_days(maturities),
        [12, 4, 0],
    )
    sched = build_schedule(book, SETTLE_DAY)
    first_key = float(key_tenors[0][:-1]) / (12.0 if key_tenors[0].endswith("m") else 1.0)
    assert (sched.pay_dates.max() - SETTLE_DAY) / 365.0 < first_key
    risk = curve_risk(sched, 1e6, curve, curve_dirty_price(sched, curve, 0.004), key_tenors)
    np.testing.assert_allclose(risk.krd.krd[:, 0], risk.effective_duration, rtol=1e-14)
    np.testing.assert_array_equal(risk.krd.krd[:, 1:], 0.0)


def test_flows_beyond_last_key_are_in_last_key(curve) -> None:
    """A zero maturing after 30y loads only the 30y key (tent held flat beyond the last key)."""
    sched = single_bond_schedule("2058-11-15")
    risk = curve_risk(sched, 1e6, curve, curve_dirty_price(sched, curve, 0.01))
    np.testing.assert_allclose(risk.krd.krd[0, -1], risk.effective_duration[0], rtol=1e-14)
    np.testing.assert_array_equal(risk.krd.krd[0, :-1], 0.0)


@pytest.mark.parametrize("h", [1e-4, 1e-3])
@pytest.mark.parametrize(
    "maturity", ["2024-02-09", "2024-06-28", "2026-12-29", "2032-06-29", "2043-12-29", "2053-12-29"]
)
def test_zero_coupon_closed_form(curve, maturity, h) -> None:
    """A zero paying at t: P(s) = P0 exp(-s t) under any zero-rate shift s(t), so
    D = sinh(h t)/h -> t and C = (2 sinh(h t / 2) / h)^2 -> t^2 (continuous compounding), and the
    KRD of key k is sinh(h w_k t)/h with the tent weights w_k of t (np.interp of unit vectors)."""
    sched = single_bond_schedule(maturity)
    t = (int(to_days(maturity)) - SETTLE_DAY) / 365.0
    risk = curve_risk(sched, 1e6, curve, [100.0 * float(curve.discount(t)) * 0.97], shift=h)
    ht = h * t
    assert risk.effective_duration[0] == pytest.approx(np.sinh(ht) / h, rel=1e-12)
    assert risk.effective_convexity[0] == pytest.approx(
        (2.0 * np.sinh(ht / 2.0) / h) ** 2, rel=1e-12
    )
    # Limits: relative corrections (h t)^2 / 6 and (h t)^2 / 12.
    assert risk.effective_duration[0] == pytest.approx(t, rel=ht**2 / 6.0 * 1.001 + 1e-14)
    assert risk.effective_convexity[0] == pytest.approx(t * t, rel=ht**2 / 12.0 * 1.001 + 1e-9)
    assert risk.spread_duration[0] == pytest.approx(t, rel=ht**2 / 6.0 * 1.001 + 1e-14)
    weights = np.array([np.interp(t, KEY_YEARS, np.eye(KEY_YEARS.size)[k]) for k in range(9)])
    np.testing.assert_allclose(risk.krd.krd[0], np.sinh(h * weights * t) / h, rtol=1e-12)


def test_spread_duration_equals_effective_duration_for_bullets(big_book, curve) -> None:
    """Spread duration equals effective duration for bullets.

    Why: each flow is discounted by DF(t) exp(-z t) = exp(-(r(t) + z) t) with r the curve's
    continuous ACT/365F zero rate, so the z-spread and the zero rates enter only through their sum
    r(t) + z. Shifting z by h is therefore the same repricing as shifting every zero rate by h in
    parallel; and a bullet's cash flows are fixed (no options, no curve-dependent coupons), so
    nothing else moves. The two central differences are the same numbers.
    """
    sched, dirty, _ = big_book
    risk = curve_risk(sched, 1e6, curve, dirty)
    np.testing.assert_allclose(risk.spread_duration, risk.effective_duration, rtol=1e-14)
    # And directly: repricing at z +/- h on the unshifted curve.
    h = risk.shift
    up = curve_dirty_price(sched, curve, risk.z_spread + h)
    dn = curve_dirty_price(sched, curve, risk.z_spread - h)
    np.testing.assert_allclose(
        risk.spread_duration, (dn - up) / (2 * h * risk.dirty_price), rtol=1e-9
    )


def test_vectorised_book_equals_single_bond_results(sample, curve) -> None:
    dirty = sample.clean + sample.sched.accrued
    risk = curve_risk(sample.sched, sample.book.face, curve, dirty)
    for i in (0, 7, 23, 41, 79):
        one = curve_risk(sample.sched.subset([i]), 1e6, curve, dirty[i : i + 1])
        assert one.effective_duration[0] == pytest.approx(risk.effective_duration[i], rel=1e-13)
        np.testing.assert_allclose(one.krd.krd[0], risk.krd.krd[i], rtol=1e-12, atol=1e-15)


def test_tent_coordinates_reproduce_tent_weights() -> None:
    """Sparse (k, u) tent coordinates give np.interp's tents, flat beyond the end keys."""
    t = np.concatenate([np.linspace(0.0, 45.0, 4501), KEY_YEARS])
    k, u = tent_coordinates(t, KEY_YEARS)
    dense = np.zeros((t.size, KEY_YEARS.size))
    rows = np.arange(t.size)
    np.add.at(dense, (rows, k), 1.0 - u)
    np.add.at(dense, (rows, np.minimum(k + 1, KEY_YEARS.size - 1)), u)
    ref = np.stack([np.interp(t, KEY_YEARS, e) for e in np.eye(KEY_YEARS.size)], axis=1)
    np.testing.assert_allclose(dense, ref, rtol=0, atol=1e-14)


# ------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key_tenors", "match"),
    [
        (("6m", "1y", "2y", "3y", "5y", "7y", "20y", "30y"), "must include.*missing 10y"),
        (("2y", "5y", "30y"), "missing 10y"),
        (("2y", "1y", "5y", "10y", "30y"), "strictly increasing"),
        (("2y", "5y", "10y", "10y", "30y"), "strictly increasing"),
        (("2y", "24m", "5y", "10y", "30y"), "strictly increasing"),
        (("2y", "5y", "10y", "30y", "20y"), "strictly increasing"),
        ((), "strictly increasing"),
        (("2y", "5y", "10y", "30y", "40q"), "unknown tenor label"),
        (("1w", "2y", "5y", "10y", "30y"), "unknown tenor label"),
        (("0m", "2y", "5y", "10y", "30y"), "unknown tenor label"),
        (("-1y", "2y", "5y", "10y", "30y"), "unknown tenor label"),
        (("2y", "5y", "10y", "30y", "y"), "unknown tenor label"),
        (("ten", "2y", "5y", "10y", "30y"), "unknown tenor label"),
    ],
)
def test_bad_key_tenors_raise(curve, key_tenors, match) -> None:
    sched = single_bond_schedule("2033-05-15", 0.04, 2)
    dirty = curve_dirty_price(sched, curve, 0.0)
    with pytest.raises(AnalyticsError, match=match):
        curve_risk(sched, 1e6, curve, dirty, key_tenors)


def test_infinite_key_tenor_label_raises(curve) -> None:
    sched = single_bond_schedule("2033-05-15", 0.04, 2)
    dirty = curve_dirty_price(sched, curve, 0.0)
    with pytest.raises(AnalyticsError, match="unknown tenor label"):
        curve_risk(sched, 1e6, curve, dirty, ("2y", "5y", "10y", "30y", "infy"))


def test_labels_are_normalised(curve) -> None:
    sched = single_bond_schedule("2033-05-15", 0.04, 2)
    dirty = curve_dirty_price(sched, curve, 0.0)
    risk = curve_risk(sched, 1e6, curve, dirty, (" 2Y", "5y", "10Y", "30y"))
    assert risk.krd.tenors == ("2y", "5y", "10y", "30y")


@pytest.mark.parametrize("shift", [0.0, -1e-4, float("nan")])
def test_bad_shift_raises(curve, shift) -> None:
    sched = single_bond_schedule("2033-05-15", 0.04, 2)
    with pytest.raises(AnalyticsError, match="shift"):
        curve_risk(sched, 1e6, curve, curve_dirty_price(sched, curve, 0.0), shift=shift)


@pytest.mark.parametrize("anchor", ["2023-12-28", "2024-01-02"])
def test_curve_anchored_off_settlement_raises(anchor) -> None:
    off = bootstrap_treasury_par(anchor, UST_TENORS, UST_2023_12_29 / 100.0)
    sched = single_bond_schedule("2033-05-15", 0.04, 2)
    with pytest.raises(AnalyticsError, match="anchored on the settlement date"):
        curve_risk(sched, 1e6, off, [100.0])
    with pytest.raises(AnalyticsError, match="anchored on the settlement date"):
        solve_z_spread(sched, off, [100.0])
    with pytest.raises(AnalyticsError, match="anchored on the settlement date"):
        curve_dirty_price(sched, off, 0.0)
