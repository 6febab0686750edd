"""The ``curve`` command's document: each case curve read at its nodes or at requested dates.

``{"analysis_date", "curves": {"treasury": {"source", "points": [...], "fit"?}, "sofr": ...}}``
with one point per date: discount factor, continuous zero rate (ACT/365F), zero rate at a stated
compounding and day count, forward rates and the par rate (see
:func:`models.curve_inputs.curve_points`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from hedge_planner.case_curves import CurveInputsSpec
from hedge_planner.cases import AnalysisCase
from hedge_planner.models.curve_inputs import (
    RATE_COMPOUNDINGS,
    curve_points,
    point_dates,
    point_day_count,
)
from hedge_planner.models.dates import to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.workflow import build_curves
from rich.console import Console
from rich.table import Table

logger = logging.getLogger(__name__)

#: Reporting conventions when the curve's input states none: (compounding, zero-rate day count,
#: par coupons a year, par day count).
DEFAULT_CONVENTIONS = {
    "treasury": ("semiannual", DayCount.ACT_365F, 2, DayCount.ACT_ACT),
    "sofr": ("annual", DayCount.ACT_360, 1, DayCount.ACT_360),
}


def _node_days(spec: CurveInputsSpec, node_times: np.ndarray, anchor: int) -> np.ndarray:
    """The input's own dates: bond maturities for a fit, else the curve's node dates."""
    if spec.bonds is not None and spec.fit == "nss":
        return np.unique([int(to_days(b.maturity)) for b in spec.bonds])
    return anchor + np.rint(node_times * 365.0).astype(np.int64)


def _requested_days(
    dates: Sequence[str], case: AnalysisCase, source: str, anchor: int
) -> np.ndarray:
    labels = [d.strip() for text in dates for d in text.split(",") if d.strip()]
    try:
        days = point_dates(case.analysis_date, labels)
    except ValueError as exc:
        raise InputError(
            [InputIssue(source, None, "--dates", str(exc), "give dates YYYY-MM-DD or tenors")]
        ) from None
    if np.any(days <= anchor):
        raise InputError(
            [InputIssue(source, None, "--dates", "every date must be after the analysis date")]
        )
    return np.array(sorted(set(days.tolist())), dtype=np.int64)


def curve_document(
    case: AnalysisCase,
    source: str,
    dates: Sequence[str] | None = None,
    compounding: str | None = None,
    day_count: str | None = None,
) -> dict[str, Any]:
    """Discount factors, zero, forward and par rates of every case curve.

    Parameters
    ----------
    case, source
        The validated case and where it came from.
    dates
        Dates (YYYY-MM-DD) or tenors (``6m``, ``10y``), comma-separated or repeated; default: the
        curve's own nodes (for an NSS fit, the bonds' maturities).
    compounding, day_count
        Convention of ``zero_rate``; default: the zero-rate input's own, else semiannual
        ACT/365F (Treasury) and annual ACT/360 (SOFR).
    """
    if compounding is not None and compounding not in RATE_COMPOUNDINGS:
        raise InputError(
            [
                InputIssue(
                    source,
                    None,
                    "--compounding",
                    f"unknown compounding {compounding!r}",
                    f"one of {', '.join(RATE_COMPOUNDINGS)}",
                )
            ]
        )
    try:
        dc_override = None if day_count is None else point_day_count(day_count)
    except ValueError as exc:
        raise InputError([InputIssue(source, None, "--day-count", str(exc))]) from None
    curves = build_curves(case, source)
    anchor = int(to_days(case.analysis_date))
    requested = None if not dates else _requested_days(dates, case, source, anchor)
    out: dict[str, Any] = {}
    for name in ("treasury", "sofr"):
        spec = getattr(case.curves, name)
        curve = curves.treasury if name == "treasury" else curves.sofr
        if spec is None or curve is None:
            continue
        comp, dc, par_freq, par_dc = DEFAULT_CONVENTIONS[name]
        if spec.zero_rates is not None:
            comp, dc = spec.zero_rates.compounding, DayCount.parse(spec.zero_rates.day_count)
        comp = compounding or comp
        dc = dc_override if dc_override is not None else dc
        days = requested if requested is not None else _node_days(spec, curve.node_times, anchor)
        entry: dict[str, Any] = {
            "source": spec.source_key,
            "interpolation": curve.interpolation,
            "par_rate_convention": {"frequency": par_freq, "day_count": par_dc.label},
            "points": curve_points(curve, days, comp, dc, par_freq, par_dc),
        }
        fit = curves.reports.get(name, {}).get("fit")
        if fit is not None:
            entry["fit"] = fit
        out[name] = entry
    return {"analysis_date": case.analysis_date.isoformat(), "curves": out}


def render_curves(console: Console, document: dict[str, Any]) -> None:
    """The ``curve`` document as one table per curve (rates in percent)."""
    for name, entry in document["curves"].items():
        first = entry["points"][0] if entry["points"] else {}
        table = Table(
            title=f"{name} curve ({entry['source']}, {entry['interpolation']}) at "
            f"{document['analysis_date']}"
        )
        for col in ("date", "years", "DF", "zero cont. %", "zero %", "fwd cont. %", "par %"):
            table.add_column(col, justify="right")
        for p in entry["points"]:
            table.add_row(
                p["date"],
                f"{p['time']:.4f}",
                f"{p['discount_factor']:.8f}",
                f"{100 * p['zero_rate_continuous']:.5f}",
                f"{100 * p['zero_rate']:.5f}",
                f"{100 * p['forward_rate_continuous']:.5f}",
                f"{100 * p['par_rate']:.5f}",
            )
        console.print(table)
        if first:
            console.print(f"zero %: {first['compounding']} {first['day_count']}")
        fit = entry.get("fit")
        if fit is not None and fit.get("method") == "nelson_siegel_svensson":
            console.print(
                f"NSS fit: rmse {fit['rmse_bp']:.3f} bp over {len(fit['residuals'])} bonds"
            )
        elif fit is not None:
            console.print(f"exact bootstrap: max |price error| {fit['max_abs_price_error']:.2e}")
