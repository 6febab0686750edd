"""Modelled holdings in the case workflow: model prices for OAS-quoted holdings, the yield view
of callables (to worst) and pools (cash-flow yield), and their fields in ``analyze --json``."""

from __future__ import annotations

from typing import Any

import numpy as np
from hedge_planner.cases import RiskSpec
from hedge_planner.models.bonds import CashflowSchedule
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.oas import ModelledAnalytics, ShortRateSettings, model_holdings
from hedge_planner.models.risk import check_key_tenors
from hedge_planner.models.schemas import Holdings
from hedge_planner.models.units import BP
from hedge_planner.models.yield_risk import YieldTable, dirty_price_from_yield


def model_book(
    holdings: Holdings,
    sched: CashflowSchedule,
    curve: YieldCurve,
    risk: RiskSpec,
    settings: ShortRateSettings,
) -> tuple[Holdings, ModelledAnalytics]:
    """Price and measure the modelled holdings; OAS-quoted ones get the model's price.

    Yield-quoted and price-quoted holdings keep their quote (the model solves their OAS); an
    OAS-quoted holding is given the clean price that makes its dirty price (on the bullet
    schedule's accrued interest) equal to the model's, so market values agree everywhere.
    """
    rows = holdings.rows
    dirty = np.full(len(rows), np.nan)
    yields, clean = holdings.yields(), holdings.clean_prices()
    has_y = np.flatnonzero(np.isfinite(yields))
    if has_y.size:
        dirty[has_y] = dirty_price_from_yield(sched.subset(has_y), yields[has_y])
    has_p = np.isfinite(clean)
    dirty[has_p] = clean[has_p] + sched.accrued[has_p]
    _, key_years = check_key_tenors(risk.key_tenors)
    modelled = model_holdings(rows, sched, curve, key_years, settings, dirty)
    new_rows = list(rows)
    for k, i in enumerate(modelled.index.tolist()):
        if rows[i].quoted_by == "oas":
            price = float(modelled.dirty_price[k] - sched.accrued[i])
            new_rows[i] = rows[i].model_copy(update={"price": price, "yield_": None})
    return Holdings(tuple(new_rows)), modelled


def modelled_yield_view(
    table: YieldTable, modelled: ModelledAnalytics, sched: CashflowSchedule
) -> None:
    """The yield columns of modelled holdings: callables to worst, pools on their cash-flow
    yield (see :class:`~hedge_planner.models.oas.ModelledAnalytics`), in place."""
    rows = modelled.index
    m = np.where(np.isnan(modelled.wal), sched.compounding[rows], 12.0)
    mv = table.column("market_value")[rows]
    columns = {
        "yield": modelled.ytw,
        "modified_duration": modelled.dtw,
        "macaulay_duration": modelled.dtw * (1 + modelled.ytw / m),
        "convexity": modelled.ctw,
        "dv01": modelled.dtw * mv * BP,
    }
    for name, values in columns.items():
        col = np.array(table.columns[name], dtype=np.float64)  # a copy: the table's is shared
        col[rows] = values
        table.columns[name] = col


def modelled_fields(m: ModelledAnalytics | None, position: int) -> dict[str, Any]:
    """Model, OAS and option-adjusted figures of a modelled holding (empty otherwise)."""
    k = None if m is None else m.row(position)
    if m is None or k is None:
        return {}
    out: dict[str, Any] = {
        "model": m.model[k],
        "oas": float(m.oas[k]),
        "option_adjusted_duration": float(m.duration[k]),
        "option_adjusted_convexity": float(m.convexity[k]),
        "oas_duration": float(m.spread_duration[k]),
    }
    if np.isfinite(m.wal[k]):
        out.update({"wal": float(m.wal[k]), "cash_flow_yield": float(m.ytw[k])})
    else:
        out.update(
            {
                "yield_to_worst": float(m.ytw[k]),
                "duration_to_worst": float(m.dtw[k]),
            }
        )
    return out
