"""What-if sweep outputs: the grid as CSV and a self-contained HTML page with the frontier.

A sweep point's ``cost`` is the optimiser's objective (cash cost plus the tracking-error risk
penalty); its ``costs`` split it by term. The frontier plots tracking error against the *cash*
cost: the sum of the cash terms (carry, slippage, market impact), never the risk penalty.

CSV columns: the swept parameter, ``status``, ``post_hedge_duration_years``,
``post_hedge_dv01_per_bp``, ``tracking_error_bp_per_year``, ``cash_cost``, ``risk_penalty``,
``objective`` (currency over the horizon), then one ``trade:<instrument>`` column per
instrument (signed contracts or notional), then ``error``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hedge_planner import numfmt as nf
from hedge_planner.html_base import CSS
from hedge_planner.html_templates import Markup, render
from hedge_planner.labels import sweep_param_label
from hedge_planner.mpl_charts import frontier_chart, plain
from hedge_planner.outputs import OutputSet

__all__ = ["RISK_TERMS", "sweep_csv", "sweep_html", "with_cash_cost", "write_sweep_outputs"]

#: Objective terms that price risk, not cash.
RISK_TERMS = frozenset({"tracking_error", "tracking_error_l1", "instrument_factor_risk"})


def with_cash_cost(point: Mapping[str, Any]) -> dict[str, Any]:
    """The point with ``cash_cost`` (cash terms) and ``risk_penalty`` (risk terms) added."""
    costs = point.get("costs") or {}
    cash = sum(float(v) for k, v in costs.items() if k not in RISK_TERMS and nf.is_num(v))
    risk = sum(float(v) for k, v in costs.items() if k in RISK_TERMS and nf.is_num(v))
    return {**point, "cash_cost": cash if costs else None, "risk_penalty": risk if costs else None}


def _instruments(points: Sequence[Mapping[str, Any]]) -> list[str]:
    names: list[str] = []
    for p in points:
        names += [k for k in p.get("trades") or {} if k not in names]
    return names


def sweep_csv(document: Mapping[str, Any]) -> str:
    """The sweep grid as CSV text, one row per point (see the module docstring)."""
    param = str(document["param"])
    points = [with_cash_cost(p) for p in document["points"]]
    names = _instruments(points)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        [
            param,
            "status",
            "post_hedge_duration_years",
            "post_hedge_dv01_per_bp",
            "tracking_error_bp_per_year",
            "cash_cost",
            "risk_penalty",
            "objective",
            *[f"trade:{n}" for n in names],
            "error",
        ]
    )

    def num(v: Any) -> str:
        return repr(float(v)) if nf.is_num(v) else ""

    for p in points:
        trades = p.get("trades") or {}
        writer.writerow(
            [
                num(p[param]),
                p.get("status", ""),
                num(p.get("post_hedge_duration")),
                num(p.get("post_hedge_dv01")),
                num(p.get("tracking_error_bp")),
                num(p.get("cash_cost")),
                num(p.get("risk_penalty")),
                num(p.get("cost")),
                *[num(trades.get(n, 0.0)) for n in names],
                p.get("error") or "",
            ]
        )
    return buf.getvalue()


def sweep_html(document: Mapping[str, Any], ccy: str = "ccy", case: str = "") -> str:
    """A self-contained page: the frontier chart and the grid (no script, no external file)."""
    param = str(document["param"])
    label = sweep_param_label(param, ccy)
    points = [with_cash_cost(p) for p in document["points"]]
    # Only solved points lie on the frontier (an infeasible point's hedge breaks a limit).
    plotted = [
        {**p, "cost": p["cash_cost"]}
        for p in points
        if p.get("cash_cost") is not None and p.get("status") == "optimal"
    ]
    chart = frontier_chart(plotted, param, label, ccy)
    page = render(
        "sweep.html.j2",
        css=Markup(CSS),
        case=case,
        param=param,
        label=label,
        ccy=ccy,
        chart=Markup(chart),
        points=points,
        instruments=_instruments(points),
        plain=plain,
    )
    return str(page)


def write_sweep_outputs(
    document: Mapping[str, Any], folder: Path, ccy: str, case: str, run_id: str
) -> list[Path]:
    """Write ``sweep.csv`` and ``sweep.html`` into ``folder`` as one atomic output set."""
    texts = {"sweep.csv": sweep_csv(document), "sweep.html": sweep_html(document, ccy, case)}

    def writer(text: str) -> Callable[[Path], object]:
        return lambda path: path.write_text(text, encoding="utf-8", newline="")

    with OutputSet(folder, run_id) as out:
        for name, text in texts.items():
            out.stage(name, writer(text))
        return out.commit()
