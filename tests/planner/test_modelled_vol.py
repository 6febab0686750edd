"""The book's embedded options in vol scenarios, and its vega (examples/core_plus).

Independent references: the callables' vol-scenario P&L against their price from
:func:`models.callable.callable_risk` (the analytics' lattice pricer, built directly at the
shifted Hull-White sigma with the holding's OAS); the vega against a central difference of the
same pricer in sigma; the by-expiry shift against the expiry written out by hand (first call
date, after any notice, in ACT/365F years from settlement); the plan's pre/post vega against the
sum of the holdings' vegas.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hedge_planner.cases import load_analysis_case
from hedge_planner.models.callable import callable_risk
from hedge_planner.models.mbs import MonteCarloSpec, mbs_risk
from hedge_planner.models.oas import exercise_schedule, pool_book
from hedge_planner.models.short_rate import HullWhite
from hedge_planner.models.units import BP
from hedge_planner.run import PlanRun
from hedge_planner.stress import build_case_scenarios, modelled_revaluer, run_scenarios
from hedge_planner.workflow import analyze_case

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


@pytest.fixture(scope="module")
def core_plus():
    case, name = load_analysis_case(CORE_PLUS)
    analysis = analyze_case(case, name)
    scenarios = build_case_scenarios(case, analysis.tenors, name)
    result = run_scenarios(case, analysis, [], np.zeros(0), scenarios)
    return case, analysis, result


def _lattice_prices(case, analysis, positions, sigma: float) -> np.ndarray:
    """Dirty prices per 100 of callables ``positions`` on their own lattice at ``sigma``."""
    rows = analysis.holdings.rows
    settings = analysis.short_rate or case.models.short_rate.settings()
    res = callable_risk(
        analysis.schedule.subset(np.asarray(positions)),
        analysis.curves.treasury,
        [exercise_schedule(rows[i]) for i in positions],
        HullWhite(settings.mean_reversion, sigma),
        analysis.risk.krd.tenor_years,
        oas=np.array([analysis.modelled.oas[analysis.modelled.row(i)] for i in positions]),
        steps_per_year=settings.lattice_steps_per_year,
        day_counts=[int(rows[i].day_count) for i in positions],
    )
    return np.asarray(res.dirty_price)


def _callables(analysis) -> list[int]:
    m = analysis.modelled
    return [int(p) for j, p in enumerate(m.index) if m.model[j] == "hull_white_lattice"]


def test_parallel_vol_scenario_reprices_callables_at_the_shifted_sigma(core_plus) -> None:
    case, analysis, result = core_plus
    s = list(result.names).index("normal_vol_up_25bp")
    pos = _callables(analysis)
    assert len(pos) >= 10
    sigma = (analysis.short_rate or case.models.short_rate.settings()).volatility
    base = _lattice_prices(case, analysis, pos, sigma)
    moved = _lattice_prices(case, analysis, pos, sigma + 25 * BP)
    face = analysis.book.face[pos]
    expected = face * (moved - base) / 100.0
    np.testing.assert_allclose(result.holding_pnl[s, pos], expected, rtol=1e-9)
    assert np.all(expected < 0)  # the holder is short the call: more vol costs


def test_by_expiry_vol_scenario_reads_the_shift_at_the_first_call(core_plus) -> None:
    case, analysis, result = core_plus
    s = list(result.names).index("front_expiry_vol_up")  # {3m: 40, 1y: 20, 5y: 5} bp
    sigma = (analysis.short_rate or case.models.short_rate.settings()).volatility
    pillars = np.array([0.25, 1.0, 5.0]), np.array([40.0, 20.0, 5.0])
    settle = dt.date(1970, 1, 1) + dt.timedelta(days=int(analysis.curves.treasury.anchor))
    for i in _callables(analysis)[:6]:
        row = analysis.holdings.rows[i]
        first = row.call_schedule[0][0]
        if row.call_style == "american":
            first += dt.timedelta(days=row.notice_days)
        years = (first - settle).days / 365.0
        shift = float(np.interp(years, *pillars)) * BP
        base = _lattice_prices(case, analysis, [i], sigma)
        moved = _lattice_prices(case, analysis, [i], sigma + shift)
        expected = analysis.book.face[i] * (moved[0] - base[0]) / 100.0
        assert result.holding_pnl[s, i] == pytest.approx(expected, rel=1e-9)


def test_callable_vega_is_negative_and_the_difference_of_the_model_price(core_plus) -> None:
    case, analysis, _ = core_plus
    rev = modelled_revaluer(case, analysis)
    assert rev is not None
    vega = rev.vega(analysis.book.face[rev.positions])
    pos = _callables(analysis)
    rows = [analysis.modelled.row(i) for i in pos]
    sigma = rev.settings.volatility
    face = analysis.book.face[pos]
    # 1 bp: the vega's own step; 5 bp: the lattice (node spacing moves with sigma) is not
    # smooth in sigma for European/American calls near their exercise boundary
    for h, tol in ((1 * BP, 1e-9), (5 * BP, 0.1)):
        up = _lattice_prices(case, analysis, pos, sigma + h)
        dn = _lattice_prices(case, analysis, pos, sigma - h)
        np.testing.assert_allclose(vega[rows], face * (up - dn) / (2 * h) / 100.0, rtol=tol)
    assert np.all(vega[rows] < 0)


def test_mbs_vol_scenario_is_the_path_reprice_at_the_shifted_sigma(core_plus) -> None:
    case, analysis, result = core_plus
    rev = modelled_revaluer(case, analysis)
    assert rev is not None
    m, st = analysis.modelled, rev.settings
    vega = rev.vega(analysis.book.face[rev.positions])
    pools = np.array([label == "hull_white_monte_carlo" for label in m.model])
    assert pools.sum() >= 10 and np.all(vega[pools] < 0)  # the holder is short the option
    pos = m.index[pools]
    book = pool_book([analysis.holdings.rows[i] for i in pos], analysis.schedule.settle)
    mc = MonteCarloSpec(st.paths, st.seed, st.sampling)
    s_up = list(result.names).index("normal_vol_up_25bp")
    price = {}
    for sigma in (st.volatility, st.volatility + 25 * BP):
        price[sigma] = mbs_risk(
            book,
            analysis.curves.treasury,
            HullWhite(st.mean_reversion, sigma),
            analysis.risk.krd.tenor_years,
            oas=m.oas[pools],
            refi=st.refi,
            mc=mc,
        ).dirty_price
    moved = price[st.volatility + 25 * BP] - price[st.volatility]
    face = analysis.book.face[pos]
    np.testing.assert_allclose(result.holding_pnl[s_up, pos], face * moved / 100.0, rtol=1e-9)
    # the scenario's approximation is vega x shift, holding by holding, summed over the book
    assert result.approx_unhedged_pnl[s_up] == pytest.approx(vega.sum() * 25 * BP, rel=1e-12)


def test_plan_reports_the_book_vega_before_and_after_the_hedge(core_plus) -> None:
    case, analysis, _ = core_plus
    rev = modelled_revaluer(case, analysis)
    assert rev is not None
    book_vega = float(rev.vega(analysis.book.face[rev.positions]).sum())
    run = PlanRun(*load_analysis_case(CORE_PLUS))
    hedge = run.hedge()
    assert hedge is not None
    doc = hedge.document()
    for fig in (doc.pre_hedge, doc.post_hedge):
        assert fig.book_vega == pytest.approx(book_vega, rel=1e-12)
        assert fig.vega_by_bucket["book"] == pytest.approx(book_vega * BP, rel=1e-12)
        assert fig.vega == pytest.approx(sum(fig.vega_by_bucket.values()), rel=1e-12)
    assert doc.pre_hedge.book_vega < 0
