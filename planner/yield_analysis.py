"""Yield-based analysis of a holdings file and the closed-form baseline hedge of a baseline case.

Durations years, convexity years^2, DV01 currency per bp, yields decimals (street convention).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from hedge_planner.cases import (
    BaselineCase,
)
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bonds import BondBook, CashflowSchedule
from hedge_planner.models.dates import to_days
from hedge_planner.models.schemas import Holdings
from hedge_planner.models.yield_risk import YieldTable, analyze_book_table
from hedge_planner.solvers.baseline import scale_to_value, solve_linear_hedge

if TYPE_CHECKING:
    import pandas as pd

# ------------------------------------------------------------------------------------------------
# Yield analysis of a holdings file and the closed-form baseline
# ------------------------------------------------------------------------------------------------
#: Methodology label of every yield-based figure.
YIELD_METHOD = "yield-based, street convention (compounded at the coupon frequency)"


@dataclass(frozen=True)
class YieldAnalysis:
    """Yield-based analytics of a set of holdings: ``table`` one row per holding (the plan reads
    it without pandas), ``holdings`` the same as a DataFrame (built on first read)."""

    settle: dt.date
    table: YieldTable
    portfolio: dict[str, float]

    @cached_property
    def holdings(self) -> pd.DataFrame:
        """The table as a DataFrame (imports pandas)."""
        return self.table.frame()

    def to_json(self) -> dict[str, Any]:
        """The ``analyze --json`` document for a holdings file."""
        records = self.holdings.assign(sector=self.holdings.get("sector")).to_dict("records")
        return {
            "settle": self.settle.isoformat(),
            "holdings": [_plain(r) for r in records],
            "portfolio": _plain(self.portfolio),
            "methodology": {
                "macaulay_duration": f"Macaulay duration, years; {YIELD_METHOD}",
                "modified_duration": f"modified duration, years; {YIELD_METHOD}",
                "convexity": f"yield convexity, years^2; {YIELD_METHOD}",
                "dv01": "currency per 1 bp fall in yield, for the position",
                "prices": "per 100 face; market_value is dirty, in currency",
                "portfolio": "durations and convexity market-value weighted; dv01 summed",
            },
        }


def yield_totals(columns: Any, market_value: float) -> dict[str, float]:
    """Market-value-weighted modified and Macaulay duration and convexity (years, years^2) and
    the summed yield DV01 (currency per bp) of a yield table's ``columns`` (a
    :class:`~hedge_planner.models.yield_risk.YieldTable`'s or a DataFrame: anything whose
    ``[name]`` is the column); NaN cells are skipped, as pandas' sums skip them."""

    def col(name: str) -> FloatArray:
        return np.asarray(columns[name], dtype=np.float64)

    def weighted(name: str) -> float:
        return float(np.nansum(col("market_value") * col(name))) / market_value

    return {
        "modified_duration": weighted("modified_duration"),
        "macaulay_duration": weighted("macaulay_duration"),
        "convexity": weighted("convexity"),
        "yield_dv01": float(np.nansum(col("dv01"))),
    }


def _plain(record: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, np.generic):
            value = value.item()
        out[key] = value
    return out


def analyze_holdings(
    holdings: Holdings,
    settle: dt.date,
    book: BondBook | None = None,
    schedule: CashflowSchedule | None = None,
) -> YieldAnalysis:
    """Yield-based price and risk of every holding and of the portfolio.

    Parameters
    ----------
    holdings
        Validated holdings (each quoted by yield or clean price).
    settle
        Settlement date.
    book, schedule
        The holdings' book and cash-flow schedule at ``settle`` when the caller has them
        (built here otherwise).
    """
    table, totals = analyze_book_table(
        holdings.book() if book is None else book,
        int(to_days(settle)),
        yields=holdings.yields(),
        clean_prices=holdings.clean_prices(),
        schedule=schedule,
    )
    first, *rest = table.columns.items()  # the sector after the id
    columns = dict([first, ("sector", list(holdings.sectors())), *rest])
    return YieldAnalysis(settle=settle, table=YieldTable(columns), portfolio=totals)


def run_baseline(case: BaselineCase, bonds: Holdings) -> dict[str, Any]:
    """Solve a closed-form duration/convexity hedge case.

    Returns
    -------
    dict
        ``prices`` (dirty value of each hedge position, currency), ``modified_durations`` (years),
        ``convexities`` (years^2), ``weights``, ``hedge_amounts`` (units of each position), the
        matched ``targets`` and ``achieved`` figures and the system's ``condition_number``.
    """
    analysis = analyze_holdings(bonds, case.settle)
    table = analysis.holdings
    names = list(case.targets)
    exposures = np.vstack([table[n].to_numpy() for n in names])
    hedge = solve_linear_hedge(
        exposures,
        [case.targets[n] for n in names],
        names,
        weights_sum_to_one=case.weights_sum_to_one,
    )
    prices = table["market_value"].to_numpy()
    hedge = scale_to_value(hedge, prices, case.portfolio_value)
    assert hedge.amounts is not None
    return {
        "ids": bonds.ids,
        "prices": prices.tolist(),
        "modified_durations": table["modified_duration"].tolist(),
        "convexities": table["convexity"].tolist(),
        "weights": hedge.weights.tolist(),
        "hedge_amounts": hedge.amounts.tolist(),
        "portfolio_value": case.portfolio_value,
        "targets": dict(zip(hedge.row_names, hedge.targets.tolist(), strict=True)),
        "achieved": dict(zip(hedge.row_names, hedge.achieved.tolist(), strict=True)),
        "condition_number": hedge.condition_number,
        "methodology": {
            "prices": "dirty value of each hedge bond position, currency",
            "modified_durations": f"modified duration, years; {YIELD_METHOD}",
            "convexities": f"yield convexity, years^2; {YIELD_METHOD}",
            "hedge_amounts": "units of each hedge position: weight * portfolio_value / price",
        },
    }
