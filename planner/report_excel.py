"""Excel workbook of a plan (openpyxl).

:func:`write_excel` writes one sheet per report section: ``Summary`` (key figures and quality
checks), ``Exposure``, ``Sectors``, ``Hedge``, ``Constraints``, ``Scenarios``, ``Dashboard``,
``Actions`` and ``Warnings``, reading the typed plan (:class:`hedge_planner.document.Plan`).
The first four sheets are built here, the rest in :mod:`hedge_planner.excel_sheets`; the table
layout and number formats are in :mod:`hedge_planner.excel_base`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hedge_planner import excel_base as xb
from hedge_planner.document import Plan
from hedge_planner.document_sections import Benchmark, Hedge, Portfolio
from hedge_planner.excel_base import FORMATS, SHEET_NAMES
from hedge_planner.excel_sheets import (
    actions_sheet,
    constraints_sheet,
    dashboard_sheet,
    scenarios_sheet,
    warnings_sheet,
)
from openpyxl import Workbook

__all__ = ["FORMATS", "SHEET_NAMES", "write_excel"]


def _portfolio_figures(
    p: Portfolio, b: Benchmark | None, m: Mapping[str, str], ccy: str
) -> list[tuple[str, Any, str, str, str]]:
    """Rows (name, value, unit, methodology, format) shared by the Summary and Exposure sheets."""
    return [
        ("Market value", p.market_value, ccy, "", "money"),
        (
            "Effective duration",
            p.effective_duration,
            "years",
            m["effective_duration"],
            "years",
        ),
        ("Modified duration", p.modified_duration, "years", m["modified_duration"], "years"),
        (
            "Spread duration",
            p.spread_duration,
            "years",
            m.get("spread_duration", ""),
            "years",
        ),
        (
            "Effective convexity",
            p.effective_convexity,
            "years^2",
            m.get("effective_convexity", ""),
            "convexity",
        ),
        ("DV01", p.dv01, f"{ccy} per bp", m.get("dv01", ""), "money"),
        ("Benchmark", b.name if b is not None else None, "", "", "text"),
        (
            "Benchmark duration",
            b.duration if b is not None else None,
            "years",
            m["benchmark_duration"],
            "years",
        ),
    ]


def _summary(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    m = xb.methods(plan)
    p = plan.exposure.portfolio
    b = plan.exposure.benchmark
    d = plan.dashboard
    hedge = plan.hedge
    checks = plan.quality_checks
    trades = hedge.trades if hedge is not None else []
    total_cost = sum(t.cash_cost for t in trades)
    dur_m = m.get("hedge_duration") or m.get("effective_duration")
    infeasible = hedge.infeasibility if hedge is not None else None
    rows: list[tuple[str, Any, str, str | None, str]] = [
        ("Case", plan.case, "", "", "text"),
        ("Analysis date", plan.analysis_date, "", "", "date"),
        ("Generated", plan.generated, "", "", "text"),
        ("Schema", f"{plan.schema_} v{plan.version}", "", "", "text"),
        ("Provenance", plan.provenance.describe() if plan.provenance else "", "", "", "text"),
        *_portfolio_figures(p, b, m, ccy),
        (
            "Duration gap (portfolio - benchmark)",
            b.duration_gap if b is not None else None,
            "years",
            m["effective_duration"],
            "years",
        ),
        ("Duration before hedge", d.duration.before, "years", dur_m, "years"),
        ("Duration after hedge", d.duration.after, "years", dur_m, "years"),
        ("Duration target", d.duration.target, "years", dur_m, "years"),
        ("Duration band (+/-)", d.duration.band, "years", "", "years"),
        (
            "Tracking error before hedge",
            d.tracking_error_bp.before,
            "bp per year",
            m.get("tracking_error", ""),
            "bp",
        ),
        (
            "Tracking error after hedge",
            d.tracking_error_bp.after,
            "bp per year",
            m.get("tracking_error", ""),
            "bp",
        ),
        ("DV01 before hedge", d.dv01.before, f"{ccy} per bp", "", "money"),
        ("DV01 after hedge", d.dv01.after, f"{ccy} per bp", "", "money"),
        ("DV01 limit", d.dv01.limit, f"{ccy} per bp", "", "money"),
        ("Hedge trades", len(trades), "count", "", "int"),
        ("Hedge cash cost over horizon", total_cost, ccy, "", "money"),
        ("Solver status", hedge.solver.status if hedge is not None else None, "", "", "text"),
        (
            "Infeasibility",
            infeasible.message if infeasible is not None else "none",
            "",
            "",
            "text",
        ),
        ("Next review date", plan.actions.next_review_date, "", "", "date"),
    ]
    for status in ("pass", "warn", "fail"):
        n = sum(1 for c in checks if c.status == status)
        rows.append((f"Quality checks: {status}", n, "count", "", "int"))
    body = [(name, value, unit, method or "") for name, value, unit, method, _ in rows]
    kinds_per_row = [kind for *_, kind in rows]
    sh.table(["Figure", "Value", "Unit", "Methodology"], body, ["text", "auto", "text", "text"])
    # per-row formats of the value column
    first = 2
    for i, kind in enumerate(kinds_per_row):
        cell = sh.ws.cell(row=first + i, column=2)
        if xb.is_num(cell.value) or isinstance(cell.value, dt.date):
            cell.number_format = xb.FORMATS["date" if isinstance(cell.value, dt.date) else kind]
    sh.table(
        ["Check", "Status", "Detail"],
        [(c.name, c.status, c.detail) for c in checks],
        ["text", "text", "text"],
        title="Quality checks",
        status_col=1,
    )


def _exposure(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    tenors = plan.key_tenors
    m = xb.methods(plan)
    p = plan.exposure.portfolio
    b = plan.exposure.benchmark
    post = plan.hedge.post_hedge if plan.hedge is not None else None
    sh.table(
        [
            "Tenor",
            "Portfolio KRD (years)",
            "Benchmark KRD (years)",
            "KRD gap (years)",
            "Post-hedge KRD (years)",
            f"Portfolio KRD DV01 ({ccy}/bp)",
        ],
        [
            (
                t,
                p.krd.get(t),
                b.krd.get(t) if b is not None else None,
                b.krd_gap.get(t) if b is not None else None,
                post.krd.get(t) if post is not None else None,
                p.krd_dv01.get(t),
            )
            for t in tenors
        ],
        ["text", "years", "years", "years", "years", "money"],
    )
    fig = [
        *_portfolio_figures(p, b, m, ccy),
        (
            "Duration gap",
            b.duration_gap if b is not None else None,
            "years",
            m["effective_duration"],
            "years",
        ),
        (
            "Tracking error",
            b.tracking_error_bp if b is not None else None,
            "bp per year",
            m.get("tracking_error", ""),
            "bp",
        ),
    ]
    start = sh.row + 3  # blank row + title row + header row
    sh.table(
        ["Figure", "Value", "Unit", "Methodology"],
        [(n, v, u, mm) for n, v, u, mm, _ in fig],
        ["text", "auto", "text", "text"],
        title="Portfolio and benchmark figures",
    )
    for i, (*_, kind) in enumerate(fig):
        cell = sh.ws.cell(row=start + i, column=2)
        if xb.is_num(cell.value):
            cell.number_format = xb.FORMATS[kind]
    sh.table(
        ["Tenor", "KRD gap (years)", "TE contribution (bp/yr)", "Share of TE"],
        [
            (r.tenor, r.gap_years, r.te_contribution_bp, r.share)
            for r in (b.largest_mismatches if b is not None else [])
        ],
        ["text", "years", "bp", "pct"],
        title="Largest key-rate mismatches against the benchmark",
    )
    sh.table(
        ["Sector", "Weight gap vs benchmark"],
        list(b.sector_weight_gap.items()) if b is not None else [],
        ["text", "pct"],
        title="Sector weight gap (portfolio - benchmark)",
    )
    sh.table(
        ["Figure", "Methodology"],
        list(plan.exposure.methodology.items()),
        ["text", "text"],
        title="Methodology",
    )


def _sectors(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    tenors = plan.key_tenors
    sectors = plan.exposure.sectors
    headers = [
        "Sector",
        "Holdings",
        f"Market value ({ccy})",
        "Weight",
        "Duration contribution (years)",
        "Spread duration contribution (years)",
        f"DV01 ({ccy}/bp)",
        *[f"KRD {t} (years)" for t in tenors],
    ]
    kinds = ["text", "int", "money", "pct", "years", "years", "money", *["years"] * len(tenors)]
    rows: list[list[Any]] = [
        [
            s.sector,
            s.n_holdings,
            s.market_value,
            s.weight,
            s.duration_contribution,
            s.spread_duration_contribution,
            s.dv01,
            *[s.krd(t) for t in tenors],
        ]
        for s in sectors
    ]
    if rows:
        # Contributions add up across sectors, so the total row is the column sum.
        total: list[Any] = ["Total"]
        for col in range(1, len(headers)):
            vals = [r[col] for r in rows]
            total.append(
                sum(float(v) for v in vals if xb.is_num(v)) if any(map(xb.is_num, vals)) else None
            )
        rows.append(total)
    sh.table(headers, rows, kinds, total_last=bool(rows))


def _hedge_trades(sh: xb.Sheet, hedge: Hedge, plan: Plan, ccy: str) -> None:
    """The trades with their DV01 change and costs."""
    trades = hedge.trades
    sh.table(
        [
            "Instrument",
            "Kind",
            "Direction",
            "Quantity",
            "Unit",
            f"DV01 change ({ccy}/bp)",
            f"Carry ({ccy})",
            f"Slippage ({ccy})",
            f"Margin funding ({ccy})",
            f"Total cost ({ccy})",
            "Roll date",
            "Detail",
            f"Cash cost ({ccy})",
        ],
        [
            (
                t.instrument,
                t.kind,
                t.direction,
                t.quantity,
                t.unit,
                t.dv01_change,
                t.cost.carry,
                t.cost.slippage,
                t.cost.margin,
                t.cost.total,
                t.roll_date,
                t.detail or None,
                t.cash_cost,
            )
            for t in trades
        ],
        [
            "text",
            "text",
            "text",
            "int",
            "text",
            "money",
            "money",
            "money",
            "money",
            "money",
            "date",
            "text",
            "money",
        ],
    )


def _hedge_risk(sh: xb.Sheet, hedge: Hedge, plan: Plan, ccy: str) -> None:
    """Pre- and post-hedge risk beside the baseline, then the baseline itself."""
    tenors = plan.key_tenors
    m = xb.methods(plan)
    pre = hedge.pre_hedge
    post = hedge.post_hedge
    baseline = hedge.baseline
    base = baseline.post_hedge
    dur_m = m.get("hedge_duration") or m["effective_duration"]
    spec = [
        ("Duration", "duration", "years", dur_m, "years"),
        ("DV01", "dv01", f"{ccy} per bp", m.get("dv01", ""), "money"),
        ("Convexity", "convexity", "years^2", m.get("effective_convexity", ""), "convexity"),
        ("Tracking error", "tracking_error_bp", "bp per year", m.get("tracking_error", ""), "bp"),
    ]
    rows = [
        (n, getattr(pre, k), getattr(post, k), getattr(base, k, None), u, mm)
        for n, k, u, mm, _ in spec
    ]
    rows += [
        (
            f"KRD {t}",
            pre.krd.get(t),
            post.krd.get(t),
            base.krd.get(t) if base is not None else None,
            "years",
            m.get("krd", ""),
        )
        for t in tenors
    ]
    start = sh.row + 3
    sh.table(
        [
            "Figure",
            "Pre-hedge",
            "Post-hedge (optimised)",
            "Post-hedge (baseline)",
            "Unit",
            "Methodology",
        ],
        rows,
        ["text", "years", "years", "years", "text", "text"],
        title="Pre- and post-hedge risk",
    )
    for i, (*_, kind) in enumerate(spec):
        for c in (2, 3, 4):
            cell = sh.ws.cell(row=start + i, column=c)
            if xb.is_num(cell.value):
                cell.number_format = xb.FORMATS[kind]
    sh.table(
        ["Instrument", "Quantity", "Unit"],
        [(t.instrument, t.quantity, t.unit) for t in baseline.trades],
        ["text", "int", "text"],
        title=f"Closed-form baseline: {baseline.method}",
    )
    sh.table(
        ["Optimised - baseline", "Difference", "Unit"],
        [
            ("Objective (risk penalty + weighted costs, not cash)", baseline.cost_difference, ccy),
            ("Cash cost over horizon", baseline.cash_cost_difference, ccy),
            ("Tracking error", baseline.tracking_error_difference_bp, "bp per year"),
        ],
        ["text", "money", "text"],
        title="Optimised hedge against the baseline",
    )
    # The last row of the baseline comparison is the tracking error, in bp.
    te_cell = sh.ws.cell(row=sh.row - 1, column=2)
    if xb.is_num(te_cell.value):
        te_cell.number_format = xb.FORMATS["bp"]


def _hedge_exposure_solver(sh: xb.Sheet, hedge: Hedge, plan: Plan, ccy: str) -> None:
    """Post-hedge exposure with derivatives, the solver, any infeasibility."""
    exposure = hedge.exposure
    if exposure is not None:
        sh.table(
            ["Figure", "Value", "Unit"],
            [
                ("Book value (duration denominator)", exposure.market_value, ccy),
                ("Derivatives' MTM", exposure.derivatives_market_value, ccy),
                ("DV01", exposure.dv01, f"{ccy} per bp"),
                ("Effective duration", exposure.duration, "years"),
                ("Gross derivative notional", exposure.gross_notional, ccy),
                ("Net derivative notional", exposure.net_notional, ccy),
                ("Leverage (cash + gross notional) / MV", exposure.leverage, "x"),
            ],
            ["text", "auto", "text"],
            title="Post-hedge exposure with derivatives (notionals excluded from the denominator)",
        )
    solver = hedge.solver.model_dump(exclude_none=True)
    sh.table(
        ["Solver field", "Value"],
        [(xb.humanise(str(k)) + (" (s)" if k == "seconds" else ""), v) for k, v in solver.items()],
        ["text", "auto"],
        title="Solver",
    )
    infeasible = hedge.infeasibility
    if infeasible is not None:
        sh.table(
            ["Constraint", "Limit", "Required", "Change", "Unit"],
            [(r.constraint, r.limit, r.required, r.change, r.unit) for r in infeasible.relaxations],
            ["text", "auto", "auto", "auto", "text"],
            title=f"INFEASIBLE: {infeasible.message}",
        )


def _hedge(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    hedge = plan.hedge
    if hedge is None:
        sh.table(["Hedge"], [("no hedge section in this case",)], ["text"])
        return
    for part in (_hedge_trades, _hedge_risk, _hedge_exposure_solver):
        part(sh, hedge, plan, ccy)


#: The function that fills each sheet.
BUILDERS: dict[str, Callable[[xb.Sheet, Plan, str], None]] = {
    "Summary": _summary,
    "Exposure": _exposure,
    "Sectors": _sectors,
    "Hedge": _hedge,
    "Constraints": constraints_sheet,
    "Scenarios": scenarios_sheet,
    "Dashboard": dashboard_sheet,
    "Actions": actions_sheet,
    "Warnings": warnings_sheet,
}


def write_excel(plan: Plan | Mapping[str, Any], path: str | Path) -> Path:
    """Write the plan as an Excel workbook, one sheet per report section.

    Parameters
    ----------
    plan : Plan or mapping
        The typed plan, or a ``plan.json`` document (validated into
        :class:`~hedge_planner.document.Plan` first); ``currency`` labels money columns.
    path : str or Path
        Output file, e.g. ``OUT/report.xlsx``; parent directories must exist.

    Returns
    -------
    Path
        The path written.

    Notes
    -----
    Sheets, in order: see :data:`SHEET_NAMES`. On every sheet the first table's header is row 1
    (frozen, auto-filtered); later tables follow after a blank row and a title row. Values are
    not rounded; number formats are listed in :data:`xb.FORMATS`.
    """
    plan = Plan.from_json(plan)
    ccy = plan.currency or "ccy"
    wb = Workbook()
    default = wb.active
    for name in SHEET_NAMES:
        ws = wb.create_sheet(title=name)
        sheet = xb.Sheet(ws)
        BUILDERS[name](sheet, plan, ccy)
        sheet.finish()
    if default is not None:
        wb.remove(default)
    wb.properties.title = f"Hedge plan {plan.case} {plan.analysis_date}".strip()
    wb.properties.creator = "hedge-planner"
    # The run id ties the workbook to the plan.json of the same output set (see outputs.py).
    wb.properties.identifier = plan.provenance.run_id if plan.provenance else ""
    out = Path(path)
    wb.save(out)
    return out
