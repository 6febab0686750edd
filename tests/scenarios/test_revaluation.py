"""Batched scenario revaluation: QuantLib repricing, Taylor-order behaviour, hedges, records."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import to_date, to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, CurveRisk, curve_dirty_price, curve_risk
from hedge_planner.models.yield_risk import dirty_price_from_yield
from hedge_planner.scenarios.definitions import (
    ScenarioMatrices,
    historical_scenario,
    load_historical_episodes,
    scenario_matrices,
)
from hedge_planner.scenarios.pricer import ScenarioPricer
from hedge_planner.scenarios.revaluation import ScenarioBook, ScenarioResult, revalue_scenarios

SETTLE = dt.date(2023, 12, 29)
PAR_TENORS = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
# Treasury par yields (percent) of late December 2023, rounded: an inverted front end.
PAR_YIELDS = [5.60, 5.40, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]
KEY_YEARS = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30], dtype=np.float64)


# --------------------------------------------------------------------------------------------
# shared helpers (also used by tests/test_horizon.py)
# --------------------------------------------------------------------------------------------
def make_curve(settle: dt.date = SETTLE) -> YieldCurve:
    """Bootstrapped Treasury curve anchored on ``settle``."""
    return bootstrap_treasury_par(settle, PAR_TENORS, np.array(PAR_YIELDS) / 100.0)


def bullet_book(
    n: int = 24, seed: int = 7, settle: dt.date = SETTLE
) -> tuple[BondBook, np.ndarray]:
    """Semiannual ACT/ACT bullets, 1y to 30y, and their yields (decimal)."""
    rng = np.random.default_rng(seed)
    s = int(to_days(settle))
    maturity = s + np.linspace(400, 30 * 365 - 10, n).astype(np.int64)
    coupon = np.round(rng.uniform(0.01, 0.07, n) * 8, 2) / 8
    book = BondBook.from_arrays(
        [f"B{i:02d}" for i in range(n)], rng.uniform(1e6, 5e6, n).round(-3), coupon, maturity
    )
    return book, rng.uniform(0.038, 0.055, n)


def prepared(
    book: BondBook, yields: np.ndarray, curve: YieldCurve, sectors: list[str] | None = None
) -> tuple[ScenarioBook, CurveRisk]:
    """Book prepared for revaluation plus its curve risk (z-spreads fitted to the yields)."""
    sched = build_schedule(book, curve.anchor)
    risk = curve_risk(sched, book.face, curve, dirty_price_from_yield(sched, yields))
    sb = ScenarioBook.from_schedule(
        sched, book.face, curve, risk.z_spread, ids=book.ids, sectors=sectors
    )
    return sb, risk


def matrices(
    rate_bp: np.ndarray,
    names: list[str] | None = None,
    sectors: tuple[str, ...] = (),
    spread_bp: np.ndarray | None = None,
    key_tenors: tuple[str, ...] = DEFAULT_KEY_TENORS,
) -> ScenarioMatrices:
    """Scenario matrices from bp arrays."""
    rate = np.atleast_2d(np.asarray(rate_bp, dtype=np.float64))
    spread = np.zeros((rate.shape[0], len(sectors))) if spread_bp is None else spread_bp
    return ScenarioMatrices(
        names=tuple(names or [f"s{i}" for i in range(rate.shape[0])]),
        key_tenors=key_tenors,
        sectors=sectors,
        rate_shifts=rate * 1e-4,
        spread_shifts=np.atleast_2d(np.asarray(spread, dtype=np.float64)) * 1e-4,
    )


def parallel(bp: list[float], key_tenors: tuple[str, ...] = DEFAULT_KEY_TENORS):
    """Parallel scenarios of the given sizes (bp)."""
    rate = np.repeat(np.asarray(bp, dtype=np.float64)[:, None], len(key_tenors), axis=1)
    return matrices(rate, [f"parallel_{b:+g}" for b in bp], key_tenors=key_tenors)


class ZeroCouponPricer:
    """A fake hedge: ``notional`` paid at ``maturity`` years, priced off a curve.

    Its own implementation of the scenario shift: ``numpy.interp`` of the key shifts at the
    maturity (linear between keys, flat beyond the ends: the tent interpolation).
    """

    def __init__(self, curve: YieldCurve, maturity: float, notional: float = 100.0) -> None:
        self.maturity = float(maturity)
        self.value = notional * float(curve.discount(self.maturity))
        self.dv01 = self.maturity * self.value * 1e-4
        self.dollar_convexity = self.maturity**2 * self.value
        weights = np.array([np.interp(self.maturity, KEY_YEARS, row) for row in np.eye(9)])
        self.krd_dv01 = weights * self.dv01

    def base_value(self) -> float:
        return self.value

    def scenario_values(self, key_years: np.ndarray, shifts: np.ndarray) -> np.ndarray:
        s = np.array([np.interp(self.maturity, key_years, row) for row in np.atleast_2d(shifts)])
        return self.value * np.exp(-s * self.maturity)


# --------------------------------------------------------------------------------------------
# QuantLib oracle
# --------------------------------------------------------------------------------------------
def _ql_price(
    ql,
    curve: YieldCurve,
    bond_record: dict,
    spread: float,
    key_shifts: np.ndarray | None = None,
    key_years: np.ndarray | None = None,
) -> float:
    """Dirty price per 100 of one bond in QuantLib on the model's DFs, shifted."""
    from tests.ql_reference import ql_date, ql_fixed_bond

    settle = to_date(curve.anchor)
    d0 = ql_date(settle)
    ql.Settings.instance().evaluationDate = d0
    days = np.rint(curve.node_times * 365.0).astype(int)
    dates = [d0] + [d0 + int(d) for d in days]
    dfs = [1.0, *curve.node_discounts.tolist()]
    dc = ql.Actual365Fixed()
    base = ql.YieldTermStructureHandle(ql.DiscountCurve(dates, dfs, dc))
    spreaded = ql.ZeroSpreadedTermStructure(
        base, ql.QuoteHandle(ql.SimpleQuote(spread)), ql.Continuous, ql.NoFrequency, dc
    )
    handle = ql.YieldTermStructureHandle(spreaded)
    if key_shifts is not None:
        quotes = [ql.QuoteHandle(ql.SimpleQuote(float(v))) for v in key_shifts]
        key_dates = [d0 + round(365 * y) for y in key_years]
        handle = ql.YieldTermStructureHandle(
            ql.PiecewiseZeroSpreadedTermStructure(handle, quotes, key_dates)
        )
    handle.enableExtrapolation()
    bond = ql_fixed_bond(
        settle,
        bond_record["maturity"],
        bond_record["coupon"],
        bond_record["frequency"],
        bond_record["day_count"],
    )
    bond.setPricingEngine(ql.DiscountingBondEngine(handle))
    return bond.NPV()


def _mixed_book(settle: dt.date) -> tuple[BondBook, list[dict]]:
    rng = np.random.default_rng(3)
    n = 8
    s = int(to_days(settle))
    maturity = s + rng.integers(200, 30 * 365 - 5, n)
    freq = np.array([2, 1, 4, 12, 2, 0, 2, 2])
    dcs = np.array([0, 1, 2, 3, 1, 0, 0, 3])
    coupon = np.where(freq == 0, 0.0, rng.uniform(0.01, 0.08, n))
    book = BondBook.from_arrays([f"M{i}" for i in range(n)], 1e6, coupon, maturity, freq, dcs)
    records = [
        {
            "maturity": to_date(maturity[i]),
            "coupon": float(coupon[i]),
            "frequency": int(freq[i]),
            "day_count": int(dcs[i]),
        }
        for i in range(n)
    ]
    return book, records


# --------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------
def test_parallel_and_spread_shifts_match_quantlib_zero_spreaded_curve() -> None:
    ql = pytest.importorskip("QuantLib")
    curve = make_curve()
    book, records = _mixed_book(SETTLE)
    sectors = ["corporate", "treasury", "corporate", "muni", None, "muni", "corporate", "agency"]
    z = np.linspace(-0.002, 0.015, len(book))
    sched = build_schedule(book, curve.anchor)
    sb = ScenarioBook.from_schedule(sched, book.face, curve, z, sectors=sectors)
    rate_bp = np.array([0.0, 35.0, -120.0, 300.0])
    spread_bp = np.array([[0.0, 0.0], [40.0, -10.0], [-25.0, 60.0], [150.0, 0.0]])
    mats = matrices(
        np.repeat(rate_bp[:, None], 9, axis=1), sectors=("corporate", "muni"), spread_bp=spread_bp
    )
    prices = sb.prices(KEY_YEARS, mats.rate_shifts, mats.spread_shifts, mats.sectors)
    col = {"corporate": 0, "muni": 1}
    for s in range(len(rate_bp)):
        for i, rec in enumerate(records):
            ds = spread_bp[s, col[sectors[i]]] if sectors[i] in col else 0.0
            expected = _ql_price(ql, curve, rec, (rate_bp[s] + ds) * 1e-4 + z[i])
            assert prices[s, i] == pytest.approx(expected, abs=1e-9), (s, i)


def test_key_rate_tent_shifts_match_quantlib_piecewise_zero_spread() -> None:
    ql = pytest.importorskip("QuantLib")
    curve = make_curve()
    book, records = _mixed_book(SETTLE)
    # Whole-year keys so QuantLib's spread dates sit exactly on the tent knots (365-day years).
    tenors = ("1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
    keys = np.array([1, 2, 3, 5, 7, 10, 20, 30], dtype=np.float64)
    rng = np.random.default_rng(11)
    shifts_bp = rng.normal(0.0, 60.0, (3, keys.size))
    z = np.full(len(book), 0.004)
    sb = ScenarioBook.from_schedule(build_schedule(book, curve.anchor), book.face, curve, z)
    mats = matrices(shifts_bp, key_tenors=tenors)
    prices = sb.prices(keys, mats.rate_shifts)
    for s in range(3):
        for i, rec in enumerate(records):
            expected = _ql_price(ql, curve, rec, z[i], shifts_bp[s] * 1e-4, keys)
            assert prices[s, i] == pytest.approx(expected, abs=1e-9), (s, i)


def test_second_order_error_shrinks_like_cube_of_parallel_shift() -> None:
    curve = make_curve()
    book, yields = bullet_book()
    sb, risk = prepared(book, yields, curve)
    sizes = [40.0, 20.0, 10.0, -40.0, -20.0, -10.0]
    res = revalue_scenarios(sb, parallel(sizes), risk)
    err = res.approx_error
    # Halving the shift divides an O(h^3) error by 8.
    for a, b in ((0, 1), (1, 2), (3, 4), (4, 5)):
        assert 7.0 < err[a] / err[b] < 9.0, (sizes[a], err[a], err[b])
    # The duration-only form is only first order: its error shrinks by ~4 per halving.
    dur_err = res.duration_only_pnl - res.unhedged_pnl
    assert 3.5 < dur_err[0] / dur_err[1] < 4.5
    # The parallel-equivalent move of a parallel scenario is the shift itself (up to the
    # O(h^2) gap between the finite-difference KRD sum and the effective duration).
    np.testing.assert_allclose(res.parallel_equivalent_bp, sizes, rtol=1e-5)
    # And the two second-order forms agree on parallel shifts (KRDs sum to the duration).
    np.testing.assert_allclose(res.duration_convexity_pnl, res.approx_unhedged_pnl, rtol=1e-5)


def test_large_shift_error_is_reported_not_hidden() -> None:
    curve = make_curve()
    book, yields = bullet_book()
    sb, risk = prepared(book, yields, curve)
    res = revalue_scenarios(sb, parallel([300.0, -300.0]), risk)
    rec = res.to_records()
    for r, full, approx in zip(rec, res.unhedged_pnl, res.approx_pnl, strict=True):
        err = r["approx_error"]
        assert np.isfinite(err["currency"]) and abs(err["currency"]) > 0.0
        assert err["currency"] == pytest.approx(approx - full, rel=1e-12)
        # The omitted third-order term is material at 300 bp: over 1 bp of market value.
        assert abs(err["bp_of_mv"]) > 1.0
    # d3P/dh3 = -sum v t^3 < 0, so the quadratic estimate understates the loss of a rise
    # (approx - full > 0) and understates the gain of a fall (approx - full < 0).
    assert res.approx_error[0] > 0.0 and res.approx_error[1] < 0.0


def test_dv01_neutral_hedge_leaves_second_order_parallel_pnl() -> None:
    curve = make_curve()
    book, yields = bullet_book()
    sb, risk = prepared(book, yields, curve)
    hedge = ZeroCouponPricer(curve, 10.0)
    assert isinstance(hedge, ScenarioPricer)
    qty = -float(risk.dv01.sum()) / hedge.dv01
    res = revalue_scenarios(sb, parallel([25.0, -25.0, 12.5, -12.5]), risk, [hedge], [qty])
    np.testing.assert_array_equal(res.hedged_pnl, res.unhedged_pnl + res.hedge_pnl)
    assert np.all(np.abs(res.hedged_pnl) < 0.02 * np.abs(res.unhedged_pnl))
    # First order is hedged: what is left scales like shift^2 (ratio 4 per halving) and has the
    # same sign up and down (the convexity mismatch).
    assert 3.5 < res.hedged_pnl[0] / res.hedged_pnl[2] < 4.5
    assert 3.5 < res.hedged_pnl[1] / res.hedged_pnl[3] < 4.5
    assert np.sign(res.hedged_pnl[0]) == np.sign(res.hedged_pnl[1])
    # The hedge's own approximation is good to third order.
    np.testing.assert_allclose(res.approx_hedge_pnl, res.hedge_pnl, rtol=1e-3)


def test_krd_matched_hedge_beats_unhedged_book_on_historical_replays() -> None:
    curve = make_curve()
    book, yields = bullet_book(n=40, seed=5)
    sb, risk = prepared(book, yields, curve)
    episodes = list(load_historical_episodes())
    mats = scenario_matrices([historical_scenario(e) for e in episodes])
    hedges = [ZeroCouponPricer(curve, y) for y in KEY_YEARS]
    book_krd = risk.krd.krd_dv01.sum(axis=0)
    qty = [-book_krd[k] / hedges[k].dv01 for k in range(len(hedges))]
    res = revalue_scenarios(sb, mats, risk, hedges, qty)
    assert len(episodes) >= 3
    for name, hedged, unhedged in zip(res.names, res.hedged_pnl, res.unhedged_pnl, strict=True):
        assert abs(hedged) < 0.25 * abs(unhedged), name


def test_spread_shift_equals_repricing_with_shifted_z_spread() -> None:
    curve = make_curve()
    book, yields = bullet_book(n=10)
    sectors = ["corporate", "securitized", None, "treasury", "corporate"] * 2
    sb, risk = prepared(book, yields, curve, sectors)
    spread_bp = np.array([[50.0, 25.0, 20.0]])
    mats = matrices(
        np.zeros((1, 9)), sectors=("corporate", "securitized", "muni"), spread_bp=spread_bp
    )
    res = revalue_scenarios(sb, mats, risk, per_holding=True)
    ds = np.array([{"corporate": 50.0, "securitized": 25.0}.get(s or "", 0.0) for s in sectors])
    sched = build_schedule(book, curve.anchor)
    shifted = curve_dirty_price(sched, curve, risk.z_spread + ds * 1e-4)
    expected = (shifted - risk.dirty_price) * book.face / 100.0
    np.testing.assert_allclose(res.holding_pnl[0], expected, rtol=1e-12, atol=1e-6)
    assert res.unhedged_pnl[0] == pytest.approx(expected.sum(), rel=1e-12)
    assert res.holding_ids == book.ids


def test_records_are_json_friendly_and_consistent() -> None:
    curve = make_curve()
    book, yields = bullet_book(n=6)
    sb, risk = prepared(book, yields, curve)
    hedge = ZeroCouponPricer(curve, 5.0)
    res = revalue_scenarios(sb, parallel([25.0, -50.0]), risk, [hedge], [-1000.0])
    assert isinstance(res, ScenarioResult)
    rows = json.loads(json.dumps(res.to_records()))
    keys = {
        "name",
        "shifts",
        "spread_shifts",
        "unhedged_pnl",
        "hedge_pnl",
        "hedged_pnl",
        "approx_pnl",
        "approx_error",
        "price_return",
        "total_return",
    }
    mv = float(risk.market_value.sum())
    for s, row in enumerate(rows):
        assert set(row) == keys
        assert row["shifts"] == dict.fromkeys(DEFAULT_KEY_TENORS, [25.0, -50.0][s])
        assert row["total_return"] is None
        assert row["price_return"] == pytest.approx(res.hedged_pnl[s] / mv, rel=1e-12)
        for key in ("unhedged_pnl", "hedge_pnl", "hedged_pnl", "approx_pnl", "approx_error"):
            money = row[key]
            assert money["bp_of_mv"] == pytest.approx(money["currency"] / mv * 1e4, rel=1e-12)
        assert row["hedged_pnl"]["currency"] == pytest.approx(
            row["unhedged_pnl"]["currency"] + row["hedge_pnl"]["currency"], rel=1e-14
        )
    assert res.hedge_value == pytest.approx(-1000.0 * hedge.value)


def test_chunking_does_not_change_results_and_bad_inputs_raise() -> None:
    curve = make_curve()
    book, yields = bullet_book()
    sb, risk = prepared(book, yields, curve)
    rng = np.random.default_rng(2)
    mats = matrices(rng.normal(0.0, 80.0, (37, 9)))
    one = sb.prices(KEY_YEARS, mats.rate_shifts, chunk_size=1)
    many = sb.prices(KEY_YEARS, mats.rate_shifts, chunk_size=32)
    np.testing.assert_allclose(one, many, rtol=1e-14)
    with pytest.raises(AnalyticsError):
        sb.prices(KEY_YEARS, mats.rate_shifts[:, :4])
    other = matrices(np.zeros((1, 4)), key_tenors=("2y", "5y", "10y", "30y"))
    with pytest.raises(AnalyticsError):
        revalue_scenarios(sb, other, risk)
    with pytest.raises(AnalyticsError):
        revalue_scenarios(sb, parallel([1.0]), risk, [ZeroCouponPricer(curve, 2.0)], [1.0, 2.0])
