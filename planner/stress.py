"""Stress step: scenarios of the hedged and unhedged book, and reading a saved hedge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from hedge_planner.cases import AnalysisCase
from hedge_planner.io import read_text
from hedge_planner.models.benchmark import BenchmarkProfile, profile_sector_spread_durations
from hedge_planner.models.bootstrap import key_tenor
from hedge_planner.models.credit import cds_spread_pnl
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import clip, did_you_mean, load_json, parse_number
from hedge_planner.models.krd import ZERO_CONTINUOUS, KrdBasisMap
from hedge_planner.models.oas_scenarios import ModelledRevaluer
from hedge_planner.scenarios.benchmark import (
    METHOD_HOLDINGS,
    METHOD_PROFILE,
    ProfileRisk,
    profile_scenario_pnl,
)
from hedge_planner.scenarios.definitions import Scenario, ScenarioError
from hedge_planner.scenarios.portfolio import (
    add_linear_pnl,
    price_modelled_scenarios,
    run_portfolio_scenarios,
    with_benchmark,
)
from hedge_planner.scenarios.portfolio_result import PortfolioScenarioResult
from hedge_planner.workflow import CaseAnalysis

if TYPE_CHECKING:  # annotations only: the hedging module loads the optimiser (cvxpy)
    from hedge_planner.hedging import UniverseMember

#: Horizon of the scenario returns when the case has no hedge section, calendar days.
DEFAULT_HORIZON_DAYS = 90


def horizon_days(case: AnalysisCase) -> int:
    """The case's holding horizon, calendar days (the hedge's, else the default)."""
    return case.hedge.horizon_days if case.hedge is not None else DEFAULT_HORIZON_DAYS


def build_case_scenarios(case: AnalysisCase, tenors: Sequence[str], source: str) -> list[Scenario]:
    """The case's scenarios on the key tenors.

    Raises
    ------
    InputError
        When a scenario definition cannot be built (located at the case's ``scenarios`` key).
    """
    spec = case.scenarios
    if not spec.include_defaults and not spec.custom:
        reason = "no scenarios: enable include_defaults or add custom scenarios"
        raise InputError([InputIssue(source, None, "scenarios", reason)])
    try:
        return spec.build(tenors)
    except ScenarioError as exc:
        raise InputError([InputIssue(source, None, "scenarios", str(exc))]) from None


#: Largest plausible quantity in a --hedge file (contracts, or notional in currency).
MAX_HEDGE_QUANTITY = 1e12


def run_scenarios(
    case: AnalysisCase,
    analysis: CaseAnalysis,
    members: Sequence[UniverseMember],
    quantities: np.ndarray,
    scenarios: Sequence[Scenario],
    revaluer: ModelledRevaluer | None = None,
) -> PortfolioScenarioResult:
    """Revalue the book and the hedge under every scenario of the case.

    Parameters
    ----------
    case
        The case (scenarios section, horizon).
    analysis
        The measured portfolio.
    members
        Hedge instruments, aligned with ``quantities``.
    quantities
        Units held of each instrument (contracts or notional; signed).
    scenarios
        The case's scenarios (:func:`build_case_scenarios`).
    revaluer
        The model of the book's modelled holdings, shared with the caller's other stages
        (default: :func:`modelled_revaluer`, built here).
    """
    book = analysis.book
    result = run_portfolio_scenarios(
        schedule=analysis.schedule,
        face=book.face,
        curve=analysis.curves.treasury,
        holding_risk=analysis.risk,
        scenarios=scenarios,
        hedges=[m.instrument for m in members],
        quantities=np.asarray(quantities, dtype=np.float64),
        hedge_carry=np.array([m.risk.carry for m in members]),
        horizon_date=case.analysis_date + dt.timedelta(days=horizon_days(case)),
        analysis_date=case.analysis_date,
        book=book,
        modelled=revaluer if revaluer is not None else modelled_revaluer(case, analysis),
    )
    result = _with_benchmark(case, analysis, result, scenarios)
    if not case.cds:
        return result
    # CDS lose their spread DV01 per bp of widening in their sector; no rate sensitivity.
    column = {sector: j for j, sector in enumerate(result.sectors)}
    pnl = np.zeros(len(result.names))
    for c in case.cds:
        if c.sector in column:
            pnl += cds_spread_pnl(
                c.notional, c.spread_duration, result.spread_shifts_bp[:, column[c.sector]]
            )
    return add_linear_pnl(result, pnl, "credit default swaps: -spread DV01 x sector spread move")


def price_modelled_ahead(
    analysis: CaseAnalysis, scenarios: Sequence[Scenario], revaluer: ModelledRevaluer | None
) -> None:
    """Price the modelled holdings under ``scenarios`` with the vega's sigmas in one pass, kept
    by ``revaluer`` for the book's vega and a later :func:`run_scenarios` (nothing without
    modelled holdings)."""
    if revaluer is not None:
        price_modelled_scenarios(analysis.risk, scenarios, revaluer)


def modelled_revaluer(case: AnalysisCase, analysis: CaseAnalysis) -> ModelledRevaluer | None:
    """The model that revalues the book's modelled holdings in scenarios (None without any)."""
    if analysis.modelled is None or analysis.modelled.index.size == 0:
        return None
    return ModelledRevaluer(
        rows=analysis.holdings.rows,
        sched=analysis.schedule,
        curve=analysis.curves.treasury,
        key_years=analysis.risk.krd.tenor_years,
        settings=analysis.short_rate or case.models.short_rate.settings(),
        modelled=analysis.modelled,
    )


def _with_benchmark(
    case: AnalysisCase,
    analysis: CaseAnalysis,
    result: PortfolioScenarioResult,
    scenarios: Sequence[Scenario],
) -> PortfolioScenarioResult:
    """Benchmark P&L per scenario, scaled to the book's market value.

    A holdings benchmark is revalued in full exactly like the book (no hedges); a profile by its
    KRDs (re-expressed on the zero basis the scenarios shift), sector spread durations and
    convexity to second order, labelled as such.
    """
    if case.benchmark is None:
        return result
    mv = result.market_value
    bench = analysis.benchmark_book
    if bench is not None:
        bench_result = run_portfolio_scenarios(
            schedule=bench.schedule,
            face=bench.book.face,
            curve=analysis.curves.treasury,
            holding_risk=bench.risk,
            scenarios=scenarios,
            analysis_date=case.analysis_date,
        )
        scale = mv / bench_result.market_value
        method = (
            f"{METHOD_HOLDINGS}: benchmark holdings revalued like the book, scaled to its value"
        )
        return with_benchmark(result, bench_result.unhedged_pnl * scale, method)
    active = analysis.active
    assert active.benchmark_krd is not None and analysis.curves.treasury_quotes is not None
    krd = active.benchmark_krd
    if active.convention.rate_basis != "zero":
        years = np.array([key_tenor(t)[1] for t in active.tenors])
        bmap = KrdBasisMap(years, analysis.curves.treasury, analysis.curves.treasury_quotes)
        krd = bmap.convert(krd, active.convention, ZERO_CONTINUOUS)
    profile = case.benchmark
    assert isinstance(profile, BenchmarkProfile)
    durations, _ = profile_sector_spread_durations(profile)
    risk = ProfileRisk(krd, profile.convexity or 0.0, profile.sector_weights, durations)
    pnl = profile_scenario_pnl(
        risk, mv, result.rate_shifts_bp * 1e-4, result.spread_shifts_bp * 1e-4, result.sectors
    )
    method = (
        f"{METHOD_PROFILE}: the benchmark profile's KRDs, sector spread durations and convexity "
        "(second-order Taylor expansion), scaled to the book's value"
    )
    return with_benchmark(result, pnl, method)


def read_hedge_quantities(source: str, members: Sequence[UniverseMember]) -> np.ndarray:
    """Quantities per universe member from a saved plan or hedge JSON.

    Accepts a plan document (``{"hedge": {"trades": [...]}}``), a hedge document
    (``{"trades": [...]}``) or a bare list of trades; each trade names its ``instrument`` and
    signed ``quantity`` (contracts or notional). Instruments not traded are zero.

    Raises
    ------
    InputError
        If the file is not such a document or names an instrument outside the universe.
    """
    text, name = read_text(source)
    doc: Any = load_json(text, name)
    if isinstance(doc, dict) and isinstance(doc.get("hedge"), dict):
        doc = doc["hedge"]
    trades = doc.get("trades") if isinstance(doc, dict) else doc
    if not isinstance(trades, list):
        raise InputError([InputIssue(name, None, "trades", "expected a list of trades")])
    index = {m.name: i for i, m in enumerate(members)}
    quantities = np.array([float(getattr(m.spec, "current", 0.0)) for m in members])
    issues = []
    for k, trade in enumerate(trades):
        if not isinstance(trade, dict) or "instrument" not in trade or "quantity" not in trade:
            issues.append(InputIssue(name, None, f"trades[{k}]", "needs instrument and quantity"))
            continue
        instrument = trade["instrument"]
        if not isinstance(instrument, str):
            issues.append(
                InputIssue(
                    name,
                    None,
                    f"trades[{k}].instrument",
                    f"expected an instrument name, got a {type(instrument).__name__}",
                )
            )
            continue
        if instrument not in index:
            issues.append(
                InputIssue(
                    name,
                    None,
                    f"trades[{k}].instrument",
                    f"{clip(instrument)} is not in the case's hedge universe",
                    did_you_mean(instrument, index) or "known: " + ", ".join(index),
                )
            )
            continue
        try:
            quantity = parse_number(trade["quantity"])
        except ValueError as exc:
            issues.append(InputIssue(name, None, f"trades[{k}].quantity", str(exc)))
            continue
        if abs(quantity) > MAX_HEDGE_QUANTITY:
            issues.append(
                InputIssue(
                    name,
                    None,
                    f"trades[{k}].quantity",
                    f"{quantity:g} is beyond the plausible +/-{MAX_HEDGE_QUANTITY:g} "
                    "(contracts or notional)",
                )
            )
            continue
        # A plan's trades are changes from the current position; a hedge file's are positions
        # only when it says so.
        if trade.get("is_position"):
            quantities[index[instrument]] = quantity
        else:
            quantities[index[instrument]] += quantity
    if issues:
        raise InputError(issues)
    return quantities
