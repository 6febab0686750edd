"""Stress step: scenarios of the hedged and unhedged book, and reading a saved hedge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
from hedge_planner.cases import AnalysisCase
from hedge_planner.hedging import UniverseMember
from hedge_planner.io import read_text
from hedge_planner.models.bonds import build_schedule
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import clip, did_you_mean, load_json, parse_number
from hedge_planner.scenarios.portfolio import (
    PortfolioScenarioResult,
    add_linear_pnl,
    run_portfolio_scenarios,
)
from hedge_planner.workflow import CaseAnalysis

#: Largest plausible quantity in a --hedge file (contracts, or notional in currency).
MAX_HEDGE_QUANTITY = 1e12


def run_scenarios(
    case: AnalysisCase,
    analysis: CaseAnalysis,
    members: Sequence[UniverseMember],
    quantities: np.ndarray,
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
    """
    book = analysis.holdings.book()
    horizon_days = case.hedge.horizon_days if case.hedge is not None else 90
    try:
        scenarios = case.scenarios.build(analysis.tenors)
    except ValueError as exc:
        raise InputError([InputIssue("case", None, "scenarios", str(exc))]) from None
    result = run_portfolio_scenarios(
        schedule=build_schedule(book, int(to_days(case.analysis_date))),
        face=book.face,
        curve=analysis.curves.treasury,
        holding_risk=analysis.risk,
        scenarios=scenarios,
        hedges=[m.instrument for m in members],
        quantities=np.asarray(quantities, dtype=np.float64),
        hedge_carry=np.array([m.risk.carry for m in members]),
        horizon_date=case.analysis_date + dt.timedelta(days=horizon_days),
        analysis_date=case.analysis_date,
        book=book,
    )
    if not case.cds:
        return result
    # CDS lose their spread DV01 per bp of widening in their sector; no rate sensitivity.
    column = {sector: j for j, sector in enumerate(result.sectors)}
    pnl = np.zeros(len(result.names))
    for c in case.cds:
        if c.sector in column:
            pnl -= (
                c.notional * c.spread_duration * 1e-4 * result.spread_shifts_bp[:, column[c.sector]]
            )
    return add_linear_pnl(result, pnl, "credit default swaps: -spread DV01 x sector spread move")


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
