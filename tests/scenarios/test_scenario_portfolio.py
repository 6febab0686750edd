"""Mixed-book scenarios: bullets fully revalued, OAS-supplied holdings from their sensitivities.

References are independent of the code under test: hand-written second-order formulas from the
supplied figures, a separate ``revalue_scenarios`` / ``horizon_analysis`` run on the bullets
alone, the closed form of a zero-coupon bond under a parallel shift, the quadratic root of a
sensitivity-only book, and the hedges' own ``scenario_values``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.bootstrap import bootstrap_sofr_ois, bootstrap_treasury_par
from hedge_planner.models.dates import add_months, to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.hedge_instruments import SwapHedge
from hedge_planner.models.portfolio import HoldingRisk, SuppliedAnalytics, combine_risk
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, curve_risk
from hedge_planner.models.swaps import SwapSpec
from hedge_planner.models.yield_risk import dirty_price_from_yield
from hedge_planner.scenarios.definitions import Scenario
from hedge_planner.scenarios.horizon import horizon_analysis
from hedge_planner.scenarios.portfolio import run_portfolio_scenarios
from hedge_planner.scenarios.portfolio_result import (
    METHOD_FULL,
    METHOD_SENSITIVITY,
    PortfolioScenarioResult,
)
from hedge_planner.scenarios.revaluation import ScenarioBook, revalue_scenarios
from hedge_planner.scenarios.specs import build_default_scenarios

ANCHOR = "2023-12-29"
SETTLE = int(to_days(ANCHOR))
HORIZON = int(add_months(SETTLE, 3))
UST_TENORS = ["1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
UST = np.array([5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100
OIS_TENORS = ["1w", "1m", "3m", "6m", "1y", "18m", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
OIS = np.array([5.35, 5.34, 5.30, 5.16, 4.80, 4.45, 4.17, 3.84, 3.55, 3.45, 3.42, 3.41, 3.24]) / 100
KEYS = tuple(DEFAULT_KEY_TENORS)
K = len(KEYS)
BP = 1e-4

# The book: four bullets (one zero-coupon, one corporate), an MBS pool with fully supplied
# OAS analytics and a callable with a supplied duration only (-> "mixed").
IDS = ["UST2", "UST10", "CORP7", "STRIP5", "FNCL55", "CALL10"]
SECTORS = ["government", "government", "corporate", "government", "securitized", "agency"]
FACE = np.array([20e6, 30e6, 15e6, 10e6, 25e6, 12e6])
COUPON = np.array([0.0425, 0.045, 0.055, 0.0, 0.055, 0.05])
MATURITY = to_days(
    ["2025-12-31", "2033-11-15", "2030-06-15", "2028-12-15", "2053-12-01", "2033-12-15"]
)
FREQ = np.array([2, 2, 2, 0, 12, 2])
YIELDS = np.array([0.0425, 0.0392, 0.0510, 0.0380, 0.0560, 0.0520])
FULL = [0, 1, 2, 3]
MBS, CALL = 4, 5
# Supplied OAS analytics of the pool: KRDs (years) on the default key tenors, sum 5.2.
MBS_KRD = np.array([0.05, 0.12, 0.35, 0.55, 1.10, 1.05, 1.18, 0.55, 0.25])
MBS_ED, MBS_CVX, MBS_SD = float(MBS_KRD.sum()), -2.1, 5.6
CALL_ED = 4.1


def book_data() -> tuple[BondBook, np.ndarray]:
    book = BondBook.from_arrays(IDS, FACE, COUPON, MATURITY, FREQ)
    sched = build_schedule(book, SETTLE)
    return book, dirty_price_from_yield(sched, YIELDS)


@pytest.fixture(scope="module")
def tsy():
    return bootstrap_treasury_par(ANCHOR, UST_TENORS, UST)


@pytest.fixture(scope="module")
def sofr():
    return bootstrap_sofr_ois(ANCHOR, OIS_TENORS, OIS)


def make_risk(book: BondBook, dirty: np.ndarray, curve, supplied_rows: dict) -> HoldingRisk:
    """Computed risk of every holding merged with hand-made supplied figures."""
    sched = build_schedule(book, SETTLE)
    computed = curve_risk(sched, book.face, curve, dirty, KEYS)
    n = len(book)
    ed, cvx, sd = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    krd = np.full((n, K), np.nan)
    for i, row in supplied_rows.items():
        ed[i] = row.get("ed", np.nan)
        cvx[i] = row.get("cvx", np.nan)
        sd[i] = row.get("sd", np.nan)
        if "krd" in row:
            krd[i] = row["krd"]
    supplied = SuppliedAnalytics(ed, cvx, sd, krd)
    sectors = [SECTORS[IDS.index(i)] if i in IDS else "securitized" for i in book.ids]
    return combine_risk(list(book.ids), sectors, computed, supplied)


MIXED_SUPPLIED = {
    MBS: {"ed": MBS_ED, "cvx": MBS_CVX, "sd": MBS_SD, "krd": MBS_KRD},
    CALL: {"ed": CALL_ED},
}


@pytest.fixture(scope="module")
def mixed(tsy):
    book, dirty = book_data()
    return book, build_schedule(book, SETTLE), make_risk(book, dirty, tsy, MIXED_SUPPLIED)


def scen(name: str, rates_bp, spreads: dict | None = None, kind: str = "custom") -> Scenario:
    r = np.broadcast_to(np.asarray(rates_bp, dtype=float), (K,))
    return Scenario(
        name=name,
        kind=kind,
        key_tenors=KEYS,
        rate_shifts_bp=tuple(float(x) for x in r),
        spread_shifts_bp=spreads or {},
    )


def parallel(*sizes: float) -> list[Scenario]:
    return [scen(f"par{s:+g}", s, kind="parallel") for s in sizes]


SCENARIOS = [
    *parallel(25.0, -25.0, 100.0, -100.0),
    scen("steepener", np.linspace(-40.0, 60.0, K)),
    scen("wider", 0.0, {"securitized": 30.0, "corporate": 50.0, "agency": 10.0}),
    scen("combined", 75.0, {"securitized": 20.0}),
]


def run(book, sched, hr, curve, scenarios=SCENARIOS, **kw) -> PortfolioScenarioResult:
    return run_portfolio_scenarios(
        schedule=sched,
        face=book.face,
        curve=curve,
        holding_risk=hr,
        scenarios=scenarios,
        analysis_date=ANCHOR,
        book=book,
        **kw,
    )


def hand_second_order(mv, krd, sd, cvx, dr, ds) -> float:
    """MV (-sum KRD dr - SD ds + C/2 dy_eff^2), dy_eff = sum KRD dr / sum KRD + ds (loops)."""
    first = 0.0
    total = 0.0
    for k in range(len(krd)):
        first += krd[k] * dr[k]
        total += krd[k]
    dy = first / total + ds
    return mv * (-first - sd * ds + 0.5 * cvx * dy * dy)


def dirty_of(book: BondBook) -> np.ndarray:
    """Dirty prices per 100 of the book's bonds at their yields."""
    return dirty_price_from_yield(build_schedule(book, SETTLE), YIELDS[: len(book)])


def swap_hedge(sofr, hr: HoldingRisk) -> tuple[SwapHedge, float]:
    """10y receiver sized so the hedged book has zero parallel DV01 (used figures)."""
    swap = SwapHedge(SwapSpec("10y", "10y"), sofr)
    return swap, -float(hr.dv01.sum()) / swap.dv01


# --------------------------------------------------------------------------------------------
def test_methods_and_provenance(mixed, tsy) -> None:
    book, sched, hr = mixed
    assert hr.source == ("computed",) * 4 + ("supplied", "mixed")
    res = run(book, sched, hr, tsy)
    assert res.methods == (METHOD_FULL,) * 4 + (METHOD_SENSITIVITY,) * 2
    assert (res.n_full_revaluation, res.n_sensitivity) == (4, 2)
    assert res.market_value == pytest.approx(float((FACE * dirty_of(book)).sum() / 100.0))
    # The point of the split: revalued as a 30y bullet the pool would lose about three times as
    # much in +100 bp as its OAS duration says.
    bullet = hr.computed
    s = res.names.index("par+100")
    assert bullet.effective_duration[MBS] > 2.5 * MBS_ED
    assert res.holding_pnl[s, MBS] == pytest.approx(
        hr.market_value[MBS] * (-MBS_ED * 0.01 + 0.5 * MBS_CVX * 1e-4), rel=1e-12
    )


def test_supplied_holdings_follow_hand_second_order(mixed, tsy) -> None:
    book, sched, hr = mixed
    res = run(book, sched, hr, tsy)
    mv = hr.computed.market_value
    # Callable ("mixed"): supplied duration, computed KRD profile scaled to it, computed
    # convexity, spread duration = supplied duration (the rules of combine_risk).
    call_profile = hr.computed.krd.krd[CALL] / hr.computed.krd.krd[CALL].sum() * CALL_ED
    call_cvx = hr.computed.effective_convexity[CALL]
    for s, sc in enumerate(SCENARIOS):
        dr = [x * BP for x in sc.rate_shifts_bp]
        ds_mbs = sc.spread_shifts_bp.get("securitized", 0.0) * BP
        ds_call = sc.spread_shifts_bp.get("agency", 0.0) * BP
        want_mbs = hand_second_order(mv[MBS], MBS_KRD, MBS_SD, MBS_CVX, dr, ds_mbs)
        want_call = hand_second_order(mv[CALL], call_profile, CALL_ED, call_cvx, dr, ds_call)
        assert res.holding_pnl[s, MBS] == pytest.approx(want_mbs, rel=1e-12, abs=1e-6)
        assert res.holding_pnl[s, CALL] == pytest.approx(want_call, rel=1e-12, abs=1e-6)
        assert res.sensitivity_pnl[s] == pytest.approx(want_mbs + want_call, rel=1e-12, abs=1e-6)
    # Supplied holdings are their own approximation; the unhedged identity holds.
    np.testing.assert_allclose(
        res.unhedged_pnl, res.full_revaluation_pnl + res.sensitivity_pnl, rtol=0, atol=1e-8
    )


def test_bullet_part_equals_independent_revaluation(mixed, tsy) -> None:
    book, _, hr = mixed
    res = run(book, build_schedule(book, SETTLE), hr, tsy)
    # Independent: the bullets alone, their own schedule, curve risk and scenario book.
    bullets = book.subset(FULL)
    sched_b = build_schedule(bullets, SETTLE)
    risk_b = curve_risk(sched_b, bullets.face, tsy, dirty_of(book)[FULL], KEYS)
    sb = ScenarioBook.from_schedule(
        sched_b, bullets.face, tsy, risk_b.z_spread, sectors=[SECTORS[i] for i in FULL]
    )
    ref = revalue_scenarios(sb, SCENARIOS, risk_b, per_holding=True)
    np.testing.assert_allclose(res.full_revaluation_pnl, ref.unhedged_pnl, rtol=1e-11, atol=1e-6)
    np.testing.assert_allclose(res.holding_pnl[:, FULL], ref.holding_pnl, rtol=1e-11, atol=1e-6)
    # Approximation column: bullets from their computed KRDs, supplied from supplied figures.
    np.testing.assert_allclose(
        res.approx_unhedged_pnl,
        ref.approx_unhedged_pnl + res.sensitivity_pnl,
        rtol=1e-11,
        atol=1e-6,
    )
    np.testing.assert_allclose(res.approx_error, res.approx_pnl - res.hedged_pnl, rtol=0, atol=0)
    # Small parallel moves: the bullets' Taylor error is third order (well under 0.1 bp of MV).
    for name in ("par+25", "par-25"):
        s = res.names.index(name)
        assert abs(res.approx_error[s]) < 1e-5 * res.market_value


def test_zero_coupon_bullet_matches_closed_form(mixed, tsy) -> None:
    book, sched, hr = mixed
    sizes = (1.0, 25.0, -100.0, 300.0)
    res = run(book, sched, hr, tsy, scenarios=parallel(*sizes))
    z = 3  # STRIP5: one flow of 100 at maturity
    mv = FACE[z] * dirty_of(book)[z] / 100.0
    t = (int(MATURITY[z]) - SETTLE) / 365.0
    for s, h_bp in enumerate(sizes):
        want = mv * math.expm1(-h_bp * BP * t)
        assert res.holding_pnl[s, z] == pytest.approx(want, rel=1e-11)


def test_hedged_is_unhedged_plus_hedge_and_dv01_neutral_hedge_works(mixed, tsy, sofr) -> None:
    book, sched, hr = mixed
    swap, qty = swap_hedge(sofr, hr)
    scenarios = [*SCENARIOS, *parallel(50.0)]
    res = run(book, sched, hr, tsy, scenarios=scenarios, hedges=[swap], quantities=[qty])
    np.testing.assert_array_equal(res.hedged_pnl, res.unhedged_pnl + res.hedge_pnl)
    # Hedge P&L is the instrument's own full revaluation times the quantity.
    shifts = np.array([s.rate_shifts_bp for s in scenarios]) * BP
    years = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30], dtype=float)
    want = qty * (swap.scenario_values(years, shifts) - swap.base_value())
    np.testing.assert_allclose(res.hedge_pnl, want, rtol=1e-12, atol=1e-6)
    for name in ("par+25", "par-25"):
        s = res.names.index(name)
        assert abs(res.hedged_pnl[s]) < 0.05 * abs(res.unhedged_pnl[s])
    # Without hedges: nothing hedged.
    bare = run(book, sched, hr, tsy)
    np.testing.assert_array_equal(bare.hedge_pnl, np.zeros(len(SCENARIOS)))
    np.testing.assert_array_equal(bare.hedged_pnl, bare.unhedged_pnl)
    np.testing.assert_array_equal(bare.unhedged_pnl, res.unhedged_pnl[: len(SCENARIOS)])


def test_horizon_returns_decompose(mixed, tsy, sofr) -> None:
    book, sched, hr = mixed
    swap, qty = swap_hedge(sofr, hr)
    carry_unit = swap.risk(horizon_days=HORIZON - SETTLE).carry
    res = run(
        book,
        sched,
        hr,
        tsy,
        hedges=[swap],
        quantities=[qty],
        hedge_carry=[carry_unit],
        horizon_date=HORIZON,
    )
    days = HORIZON - SETTLE
    assert res.horizon_days == days == 91
    # Bullets: income and roll-down of an independent horizon analysis of the bullets alone.
    bullets = book.subset(FULL)
    ref = horizon_analysis(bullets, tsy, hr.computed.z_spread[FULL], HORIZON)
    np.testing.assert_allclose(res.income[FULL], ref.income, rtol=1e-12, atol=1e-8)
    np.testing.assert_allclose(res.rolldown[FULL], ref.rolldown, rtol=1e-12, atol=1e-8)
    # Supplied: coupon accrual on ACT/365F, no roll-down.
    for i in (MBS, CALL):
        assert res.income[i] == pytest.approx(COUPON[i] * FACE[i] * days / 365.0, rel=1e-14)
        assert res.rolldown[i] == 0.0
    assert res.hedge_carry == pytest.approx(qty * carry_unit, rel=1e-14)
    mv = res.market_value
    book_carry = float(res.income.sum() + res.rolldown.sum())
    np.testing.assert_allclose(res.price_return, res.hedged_pnl / mv, rtol=1e-14)
    np.testing.assert_allclose(res.unhedged_price_return, res.unhedged_pnl / mv, rtol=1e-14)
    np.testing.assert_allclose(
        res.total_return,
        res.price_return + (book_carry + res.hedge_carry) / mv,
        rtol=1e-12,
        atol=1e-15,
    )
    np.testing.assert_allclose(
        res.unhedged_total_return,
        res.unhedged_price_return + book_carry / mv,
        rtol=1e-12,
        atol=1e-15,
    )


def independent_total(book, hr, tsy, hedges, qty, carry_unit, shift_bp: float) -> tuple:
    """(unhedged, hedged) horizon total P&L at a parallel shift, from separate calls."""
    bullets = book.subset(FULL)
    sched_b = build_schedule(bullets, SETTLE)
    risk_b = curve_risk(sched_b, bullets.face, tsy, dirty_of(book)[FULL], KEYS)
    sb = ScenarioBook.from_schedule(sched_b, bullets.face, tsy, risk_b.z_spread)
    full = float(revalue_scenarios(sb, parallel(shift_bp), risk_b).unhedged_pnl[0])
    dr = [shift_bp * BP] * K
    mv = hr.computed.market_value
    call_krd = hr.computed.krd.krd[CALL] / hr.computed.krd.krd[CALL].sum() * CALL_ED
    sens = hand_second_order(mv[MBS], MBS_KRD, MBS_SD, MBS_CVX, dr, 0.0) + hand_second_order(
        mv[CALL], call_krd, CALL_ED, hr.computed.effective_convexity[CALL], dr, 0.0
    )
    hz = horizon_analysis(bullets, tsy, risk_b.z_spread, HORIZON)
    days = HORIZON - SETTLE
    income = float(hz.income.sum() + hz.rolldown.sum())
    income += sum(COUPON[i] * FACE[i] * days / 365.0 for i in (MBS, CALL))
    years = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30], dtype=float)
    hedge = sum(
        q * (float(h.scenario_values(years, np.full((1, K), shift_bp * BP))[0]) - h.base_value())
        for h, q in zip(hedges, qty, strict=True)
    )
    carry = float(np.dot(qty, carry_unit)) if len(hedges) else 0.0
    unhedged = full + sens + income
    return unhedged, unhedged + hedge + carry


def test_breakeven_zeroes_total_return(mixed, tsy, sofr) -> None:
    book, sched, hr = mixed
    swap, qty = swap_hedge(sofr, hr)
    # Hedge only half the DV01 so the hedged book keeps a breakeven.
    q = 0.5 * qty
    carry_unit = swap.risk(horizon_days=HORIZON - SETTLE).carry
    kw = {"hedges": [swap], "quantities": [q], "hedge_carry": [carry_unit]}
    res = run(book, sched, hr, tsy, horizon_date=HORIZON, **kw)
    b_u, b_h = res.breakeven_unhedged_bp, res.breakeven_bp
    assert 0.0 < b_u < b_h < 2000.0
    # First-order sanity: carry / DV01 (used DV01s, i.e. supplied for the OAS holdings).
    book_carry = float(res.income.sum() + res.rolldown.sum())
    assert b_u == pytest.approx(book_carry / float(hr.dv01.sum()), rel=0.05)
    # Re-run the parallel scenario at each solved shift: the total return vanishes.
    again = run(book, sched, hr, tsy, scenarios=parallel(b_u, b_h), horizon_date=HORIZON, **kw)
    assert again.unhedged_total_return[0] == pytest.approx(0.0, abs=1e-12)
    assert again.total_return[1] == pytest.approx(0.0, abs=1e-12)
    # Independently assembled from separate calls and hand formulas.
    mv = res.market_value
    unhedged, _ = independent_total(book, hr, tsy, [swap], [q], [carry_unit], b_u)
    _, hedged = independent_total(book, hr, tsy, [swap], [q], [carry_unit], b_h)
    assert unhedged / mv == pytest.approx(0.0, abs=1e-10)
    assert hedged / mv == pytest.approx(0.0, abs=1e-10)


def sensitivity_only_book(tsy, krd_scale: float = 1.0, cvx: float = -1.5):
    """Two MBS-like pools, every figure supplied (no bullets at all)."""
    ids = ["POOL_A", "POOL_B"]
    book = BondBook.from_arrays(
        ids, [40e6, 10e6], [0.06, 0.045], to_days(["2053-06-01", "2043-09-01"]), 12
    )
    dirty = dirty_price_from_yield(build_schedule(book, SETTLE), [0.058, 0.052])
    krd_a = MBS_KRD * krd_scale
    krd_b = 0.7 * MBS_KRD * krd_scale
    rows = {
        0: {"ed": krd_a.sum(), "cvx": cvx, "sd": 5.0, "krd": krd_a},
        1: {"ed": krd_b.sum(), "cvx": 0.5 * cvx, "sd": 4.0, "krd": krd_b},
    }
    return book, build_schedule(book, SETTLE), make_risk(book, dirty, tsy, rows)


def test_all_supplied_book_without_hedges(tsy) -> None:
    book, sched, hr = sensitivity_only_book(tsy)
    assert hr.source == ("supplied", "supplied")
    scenarios = build_default_scenarios(KEYS)
    res = run(book, sched, hr, tsy, scenarios=scenarios, horizon_date=HORIZON)
    assert (res.n_full_revaluation, res.n_sensitivity) == (0, 2)
    np.testing.assert_array_equal(res.full_revaluation_pnl, np.zeros(len(scenarios)))
    np.testing.assert_array_equal(res.hedge_pnl, np.zeros(len(scenarios)))
    mv = hr.computed.market_value
    krds = [MBS_KRD, 0.7 * MBS_KRD]
    for s, sc in enumerate(scenarios):
        dr = [x * BP for x in sc.rate_shifts_bp]
        ds = sc.spread_shifts_bp.get("securitized", 0.0) * BP
        want = sum(
            hand_second_order(mv[i], krds[i], sd, c, dr, ds)
            for i, sd, c in ((0, 5.0, -1.5), (1, 4.0, -0.75))
        )
        assert res.unhedged_pnl[s] == pytest.approx(want, rel=1e-12, abs=1e-6)
    np.testing.assert_array_equal(res.approx_error, np.zeros(len(scenarios)))
    # Breakeven of a sensitivity-only book: the root nearest 0 of the quadratic
    # income - (sum MV D) b + (sum MV C) b^2 / 2 (parallel move b, decimal).
    income = float(np.sum(np.array([0.06, 0.045]) * np.array([40e6, 10e6]))) * 91 / 365.0
    d = float(mv[0] * krds[0].sum() + mv[1] * krds[1].sum())
    c = float(mv[0] * -1.5 + mv[1] * -0.75)
    root = (d - math.sqrt(d * d - 2.0 * c * income)) / c  # the positive root (c < 0)
    assert res.breakeven_unhedged_bp == pytest.approx(root / BP, rel=1e-9)
    assert res.breakeven_bp == res.breakeven_unhedged_bp
    out = res.to_json()
    json.dumps(out, allow_nan=False)
    assert out["n_full_revaluation"] == 0 and out["n_sensitivity"] == 2


def test_breakeven_nan_without_root(tsy) -> None:
    # Zero duration and positive convexity: the horizon P&L is income + MV C b^2 / 2 > 0 for
    # every shift, so there is nothing to break even.
    book, sched, hr = sensitivity_only_book(tsy, krd_scale=0.0, cvx=1.0)
    res = run(book, sched, hr, tsy, scenarios=parallel(10.0), horizon_date=HORIZON)
    assert math.isnan(res.breakeven_bp) and math.isnan(res.breakeven_unhedged_bp)
    assert res.to_json()["breakeven_bp"] == {"unhedged": None, "hedged": None}


def test_to_json_layout_and_units(mixed, tsy, sofr) -> None:
    book, sched, hr = mixed
    swap, qty = swap_hedge(sofr, hr)
    res = run(book, sched, hr, tsy, hedges=[swap], quantities=[qty], horizon_date=HORIZON)
    out = res.to_json()
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == out
    assert set(out) >= {
        "scenarios",
        "breakeven_bp",
        "horizon_days",
        "methodology",
        "n_full_revaluation",
        "n_sensitivity",
    }
    assert out["horizon_days"] == 91
    assert (out["n_full_revaluation"], out["n_sensitivity"]) == (4, 2)
    assert out["methodology"]["holdings"]["FNCL55"] == METHOD_SENSITIVITY
    assert out["methodology"]["holdings"]["UST10"] == METHOD_FULL
    assert (
        "supplied sensitivities (OAS-based), second-order"
        in out["methodology"]["supplied_holdings"]
    )
    mv = res.market_value
    row = out["scenarios"][-1]
    assert set(row) == {
        "name",
        "kind",
        "shifts",
        "spread_shifts",
        "unhedged_pnl",
        "hedge_pnl",
        "hedged_pnl",
        "approx_pnl",
        "approx_error",
        "price_return",
        "total_return",
        "unhedged_pnl_bp",
        "hedged_pnl_bp",
        "unhedged_total_return",
        "benchmark_pnl",
        "active_pnl",
        "hedged_active_pnl",
    }
    # No benchmark attached here: the benchmark columns are null, never a made-up zero.
    assert row["benchmark_pnl"] is None and row["active_pnl"] is None
    assert row["name"] == "combined" and row["kind"] == "custom"
    assert row["shifts"] == dict.fromkeys(KEYS, 75.0)
    assert row["spread_shifts"] == {"corporate": 0.0, "securitized": 20.0, "agency": 0.0}
    assert row["hedged_pnl"] == row["unhedged_pnl"] + row["hedge_pnl"]
    assert row["hedged_pnl_bp"] == pytest.approx(row["hedged_pnl"] / mv * 1e4, rel=1e-14)
    assert row["unhedged_pnl_bp"] == pytest.approx(row["unhedged_pnl"] / mv * 1e4, rel=1e-14)
    assert row["price_return"] == pytest.approx(row["hedged_pnl"] / mv, rel=1e-14)
    assert row["approx_error"] == pytest.approx(row["approx_pnl"] - row["hedged_pnl"], abs=1e-6)
    # Without a horizon: no total returns, no breakevens.
    inst = run(book, sched, hr, tsy).to_json()
    assert inst["horizon_days"] is None and inst["horizon"] is None
    assert inst["breakeven_bp"] == {"unhedged": None, "hedged": None}
    assert all(r["total_return"] is None for r in inst["scenarios"])
    json.dumps(inst, allow_nan=False)


def test_input_checks(mixed, tsy) -> None:
    book, sched, hr = mixed
    other_keys = ("1y", "2y", "5y", "10y", "30y")
    wrong = Scenario(name="x", kind="parallel", key_tenors=other_keys, rate_shifts_bp=(1.0,) * 5)
    with pytest.raises(AnalyticsError, match="key tenors"):
        run(book, sched, hr, tsy, scenarios=[wrong])
    with pytest.raises(AnalyticsError, match="needs the bond book"):
        run_portfolio_scenarios(
            schedule=sched,
            face=book.face,
            curve=tsy,
            holding_risk=hr,
            scenarios=SCENARIOS,
            analysis_date=ANCHOR,
            horizon_date=HORIZON,
        )
    with pytest.raises(AnalyticsError, match="analysis date"):
        run_portfolio_scenarios(
            schedule=sched,
            face=book.face,
            curve=tsy,
            holding_risk=hr,
            scenarios=SCENARIOS,
            analysis_date="2024-01-02",
        )
    with pytest.raises(AnalyticsError, match="quantities"):
        run(book, sched, hr, tsy, hedges=[object()])
    with pytest.raises(AnalyticsError, match="after the analysis date"):
        run(book, sched, hr, tsy, horizon_date=SETTLE)
