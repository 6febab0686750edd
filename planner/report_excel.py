"""Excel workbook of a plan (xlsxwriter: cells streamed once, with their final formats).

:func:`write_excel` writes one table per sheet (a real Excel table with filters, frozen header,
number formats with units in the headers, Yes/No for flags), sheets in the order of
:data:`SHEET_NAMES`, reading the typed plan (:class:`hedge_planner.document.Plan`). Exposure and
Scenarios carry native Excel charts (KRD profile; scenario P&L). Summary to Infeasibility are
built here, the later sheets in :mod:`hedge_planner.excel_sheets`; the table writer and formats
are in :mod:`hedge_planner.excel_base`. Display names replace identifiers (scenarios,
constraints); the identifier stays in an ``ID`` column for cross-reference to plan.json.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hedge_planner import excel_base as xb
from hedge_planner.document import Plan
from hedge_planner.document_sections import Benchmark, Portfolio
from hedge_planner.excel_base import FORMATS, SHEET_NAMES
from hedge_planner.excel_charts import add_bar_chart
from hedge_planner.excel_sheets import LATER_SHEETS
from hedge_planner.html_decision import trade_cash_cost
from hedge_planner.labels import constraint_label, cost_label
from xlsxwriter.workbook import Workbook

__all__ = ["FORMATS", "SHEET_NAMES", "write_excel"]

Row = tuple[str, Any, str, str, str]


def _portfolio_figures(
    p: Portfolio, b: Benchmark | None, m: Mapping[str, str], ccy: str
) -> list[Row]:
    """Rows (name, value, unit, methodology, format) shared by the Summary and Figures sheets."""
    return [
        ("Market value", p.market_value, ccy, "", "money"),
        ("Effective duration", p.effective_duration, "years", m["effective_duration"], "years"),
        ("Modified duration", p.modified_duration, "years", m["modified_duration"], "years"),
        ("Spread duration", p.spread_duration, "years", m.get("spread_duration", ""), "years"),
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


def _figure_table(book: xb.Book, sheet: str, rows: list[Row]) -> None:
    """A Figure / Value / Unit / Methodology table, each value with its row's format."""
    book.table(
        sheet,
        ["Figure", "Value", "Unit", "Methodology"],
        [(n, v, u, mm or "") for n, v, u, mm, _ in rows],
        ["text", "auto", "text", "text"],
        row_kinds=[kind for *_, kind in rows],
    )


def _summary(book: xb.Book, plan: Plan, ccy: str) -> None:
    """Key figures, then the quality checks on their own sheet."""
    m = xb.methods(plan)
    p, b, d = plan.exposure.portfolio, plan.exposure.benchmark, plan.dashboard
    hedge = plan.hedge
    checks = plan.quality_checks
    trades = hedge.trades if hedge is not None else []
    total_cost = sum(trade_cash_cost(t)["total"] for t in trades)
    dur_m = m.get("hedge_duration") or m.get("effective_duration") or ""
    te_m = m.get("tracking_error", "")
    infeasible = hedge.infeasibility if hedge is not None else None
    rows: list[Row] = [
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
        ("Tracking error before hedge", d.tracking_error_bp.before, "bp per year", te_m, "bp"),
        ("Tracking error after hedge", d.tracking_error_bp.after, "bp per year", te_m, "bp"),
        ("DV01 before hedge", d.dv01.before, f"{ccy} per bp", "", "money"),
        ("DV01 after hedge", d.dv01.after, f"{ccy} per bp", "", "money"),
        ("DV01 limit", d.dv01.limit, f"{ccy} per bp", "", "money"),
        ("Hedge trades", len(trades), "count", "", "int"),
        (f"{cost_label('total')} over horizon", total_cost, ccy, "", "money"),
        ("Solver status", hedge.solver.status if hedge is not None else None, "", "", "text"),
        ("Infeasibility", infeasible.message if infeasible else "none", "", "", "text"),
        ("Next review date", plan.actions.next_review_date, "", "", "date"),
    ]
    for status in ("pass", "warn", "fail"):
        n = sum(1 for c in checks if c.status == status)
        rows.append((f"Quality checks: {status}", n, "count", "", "int"))
    _figure_table(book, "Summary", rows)
    book.table(
        "Checks",
        ["Check", "Status", "Detail"],
        [(c.name, c.status, c.detail) for c in checks],
        ["text", "text", "text"],
        status_col=1,
    )


def _exposure(book: xb.Book, plan: Plan, ccy: str) -> None:
    """KRD profile (with its chart), figures, mismatches, sector gaps, methodology."""
    tenors = plan.key_tenors
    m = xb.methods(plan)
    p, b = plan.exposure.portfolio, plan.exposure.benchmark
    post = plan.hedge.post_hedge if plan.hedge is not None else None
    ws = book.table(
        "Exposure",
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
    cols = (2, 3, 5) if b is not None else (2, 5)
    add_bar_chart(
        ws,
        title="Key rate duration profile: portfolio, benchmark, after the hedge",
        y_title="KRD (years)",
        series_cols=cols if post is not None else cols[:-1],
        n_rows=len(tenors),
    )
    _figure_table(
        book,
        "Figures",
        [
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
        ],
    )
    mism = [("against the benchmark", r) for r in (b.largest_mismatches if b is not None else [])]
    mm = plan.dashboard.largest_mismatches
    mism += [("before hedge", r) for r in mm.before] + [("after hedge", r) for r in mm.after]
    book.table(
        "Mismatches",
        ["Set", "Tenor", "KRD gap (years)", "TE contribution (bp/yr)", "Share of TE"],
        [(s, r.tenor, r.gap_years, r.te_contribution_bp, r.share) for s, r in mism],
        ["text", "text", "years", "bp", "pct"],
    )
    book.table(
        "Sector gaps",
        ["Sector", "Weight gap vs benchmark"],
        list(b.sector_weight_gap.items()) if b is not None else [],
        ["text", "pct"],
    )
    book.table(
        "Methodology",
        ["Figure", "Methodology"],
        list(plan.exposure.methodology.items()),
        ["text", "text"],
    )


def _sectors(book: xb.Book, plan: Plan, ccy: str) -> None:
    """Sector contributions with a column-sum total row."""
    tenors = plan.key_tenors
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
        for s in plan.exposure.sectors
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
    book.table("Sectors", headers, rows, kinds, total_last=bool(rows))


def _hedge_trades(book: xb.Book, plan: Plan, ccy: str) -> None:
    """The trades with their DV01 change and every cash-cost component the plan carries."""
    trades = plan.hedge.trades if plan.hedge is not None else []
    keys: list[str] = []
    for t in trades:
        keys += [k for k in trade_cash_cost(t) if k not in keys and k != "total"]
    keys = keys or ["carry", "slippage", "margin"]
    keys.append("total")
    book.table(
        "Hedge",
        [
            "Instrument",
            "Kind",
            "Direction",
            "Quantity",
            "Unit",
            f"DV01 change ({ccy}/bp)",
            *[f"{cost_label(k)} ({ccy})" for k in keys],
            "Roll date",
            "Detail",
        ],
        [
            (
                t.instrument,
                t.kind,
                t.direction,
                t.quantity,
                t.unit,
                t.dv01_change,
                *[trade_cash_cost(t).get(k) for k in keys],
                t.roll_date,
                t.detail or None,
            )
            for t in trades
        ],
        ["text", "text", "text", "int", "text", "money", *["money"] * len(keys), "date", "text"],
    )


def _hedge_risk(book: xb.Book, plan: Plan, ccy: str) -> None:
    """Pre- and post-hedge risk beside the baseline, the baseline and its difference."""
    hedge = plan.hedge
    m = xb.methods(plan)
    pre = hedge.pre_hedge if hedge is not None else None
    post = hedge.post_hedge if hedge is not None else None
    baseline = hedge.baseline if hedge is not None else None
    base = baseline.post_hedge if baseline is not None else None
    dur_m = m.get("hedge_duration") or m["effective_duration"]
    spec = [
        ("Duration", "duration", "years", dur_m, "years"),
        ("DV01", "dv01", f"{ccy} per bp", m.get("dv01", ""), "money"),
        ("Convexity", "convexity", "years^2", m.get("effective_convexity", ""), "convexity"),
        ("Tracking error", "tracking_error_bp", "bp per year", m.get("tracking_error", ""), "bp"),
        ("Option vega", "vega", f"{ccy} per bp of normal vol", "", "money"),
    ]
    rows: list[tuple[Any, ...]] = [
        (n, getattr(pre, k, None), getattr(post, k, None), getattr(base, k, None), u, mm)
        for n, k, u, mm, _ in spec
    ]
    # The KRD rows share one methodology: named once, on the first.
    rows += [
        (
            f"KRD {t}",
            pre.krd.get(t) if pre is not None else None,
            post.krd.get(t) if post is not None else None,
            base.krd.get(t) if base is not None else None,
            "years",
            m.get("krd", "") if i == 0 else "",
        )
        for i, t in enumerate(plan.key_tenors)
    ]
    kinds = [k for *_, k in spec] + ["years"] * len(plan.key_tenors)
    book.table(
        "Hedge risk",
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
        row_kinds=kinds,
        row_kind_cols=(2, 3, 4),
    )
    book.table(
        "Baseline",
        ["Instrument", "Quantity", "Unit", "Method"],
        [(t.instrument, t.quantity, t.unit, baseline.method) for t in baseline.trades]
        if baseline is not None
        else [],
        ["text", "int", "text", "text"],
    )
    book.table(
        "Baseline diff",
        ["Optimised - baseline", "Difference", "Unit"],
        [
            (cost_label("objective"), baseline.cost_difference, ccy),
            (
                f"{cost_label('total')} over the horizon",
                baseline.cash_cost_difference,
                ccy,
            ),
            ("Tracking error", baseline.tracking_error_difference_bp, "bp per year"),
        ]
        if baseline is not None
        else [],
        ["text", "auto", "text"],
        row_kinds=["money", "money", "bp"],
    )


def _hedge_exposure_solver(book: xb.Book, plan: Plan, ccy: str) -> None:
    """Post-hedge exposure with derivatives, the solver, any infeasibility."""
    hedge = plan.hedge
    exposure = hedge.exposure if hedge is not None else None
    book.table(
        "Hedged exposure",
        ["Figure", "Value", "Unit"],
        [
            ("Book value (duration denominator)", exposure.market_value, ccy),
            ("Derivatives' MTM", exposure.derivatives_market_value, ccy),
            ("DV01", exposure.dv01, f"{ccy} per bp"),
            ("Effective duration", exposure.duration, "years"),
            ("Gross derivative notional", exposure.gross_notional, ccy),
            ("Net derivative notional", exposure.net_notional, ccy),
            ("Leverage (cash + gross notional) / MV", exposure.leverage, "x"),
        ]
        if exposure is not None
        else [],
        ["text", "auto", "text"],
        row_kinds=["money", "money", "money", "years", "money", "money", "auto"],
    )
    solver = hedge.solver.model_dump(exclude_none=True) if hedge is not None else {}
    book.table(
        "Solver",
        ["Solver field", "Value"],
        [(xb.humanise(str(k)) + (" (s)" if k == "seconds" else ""), v) for k, v in solver.items()],
        ["text", "auto"],
    )
    infeasible = hedge.infeasibility if hedge is not None else None
    book.table(
        "Infeasibility",
        ["Constraint", "Limit", "Required", "Change", "Unit", "ID", "Message"],
        [
            (
                constraint_label(r.constraint),
                r.limit,
                r.required,
                r.change,
                r.unit,
                r.constraint,
                infeasible.message,
            )
            for r in infeasible.relaxations
        ]
        if infeasible is not None
        else [],
        ["text", "auto", "auto", "auto", "text", "text", "text"],
    )


#: The functions that write the sheets, in workbook order (each writes one or more sheets).
BUILDERS: tuple[Callable[[xb.Book, Plan, str], None], ...] = (
    _summary,
    _exposure,
    _sectors,
    _hedge_trades,
    _hedge_risk,
    _hedge_exposure_solver,
    *LATER_SHEETS,
)


def write_excel(plan: Plan | Mapping[str, Any], path: str | Path) -> Path:
    """Write the plan as an Excel workbook, one table per sheet.

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
    Sheets, in order: see :data:`SHEET_NAMES`. Every sheet holds one Excel table whose header
    is row 1 (frozen, with filter buttons). Values are not rounded; number formats are listed in
    :data:`xb.FORMATS`.
    """
    plan = Plan.from_json(plan)
    ccy = plan.currency or "ccy"
    out = Path(path)
    wb = Workbook(str(out), dict(xb.WORKBOOK_OPTIONS))
    book = xb.Book(wb)
    for build in BUILDERS:
        build(book, plan, ccy)
    if tuple(book.names) != SHEET_NAMES:  # a builder out of step with the documented order
        raise RuntimeError(f"workbook sheets {book.names} differ from SHEET_NAMES")
    wb.set_properties(
        {"title": f"Hedge plan {plan.case} {plan.analysis_date}".strip(), "author": "hedge-planner"}
    )
    wb.close()
    # The run id ties the workbook to the plan.json of the same output set (see outputs.py).
    xb.set_identifier(out, plan.provenance.run_id if plan.provenance else "")
    return out
