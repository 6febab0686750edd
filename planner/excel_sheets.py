"""Excel sheets of the later sections: constraints, scenarios, dashboard, actions, warnings.

Each function writes one or more sheets of one table each (see :class:`excel_base.Book`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hedge_planner import excel_base as xb
from hedge_planner.document import Plan
from hedge_planner.excel_charts import add_bar_chart
from hedge_planner.labels import constraint_label, constraint_unit, scenario_label

__all__ = ["LATER_SHEETS"]


def constraints_sheet(book: xb.Book, plan: Plan, ccy: str) -> None:
    """The hedge problem's limits at the solution (display name first, identifier last)."""
    constraints = plan.hedge.constraints if plan.hedge is not None else []
    book.table(
        "Constraints",
        ["Constraint", "Limit", "Value", "Slack", "Binding", "Unit", "ID"],
        [
            (
                constraint_label(c.name),
                c.limit,
                c.value,
                c.slack,
                c.binding,
                constraint_unit(c.name, ccy, c.units),
                c.name,
            )
            for c in constraints
        ],
        ["text", "auto", "auto", "auto", "auto", "text", "text"],
    )


def scenarios_sheet(book: xb.Book, plan: Plan, ccy: str) -> None:
    """Scenario P&L, returns and shifts (with a P&L chart), then the horizon and breakevens."""
    tenors = plan.key_tenors
    sc = plan.scenarios
    rows = sc.rows
    spread_keys: list[str] = []
    for r in rows:
        spread_keys += [str(k) for k in r.spread_shifts if str(k) not in spread_keys]
    headers = [
        "Scenario",
        "Kind",
        f"Unhedged P&L ({ccy})",
        f"Hedge P&L ({ccy})",
        f"Hedged P&L ({ccy})",
        "Unhedged P&L (bp of MV)",
        "Hedged P&L (bp of MV)",
        f"Approx. P&L ({ccy})",
        f"Approx. error ({ccy})",
        "Price return",
        "Total return",
        *[f"Shift {t} (bp)" for t in tenors],
        *[f"Spread {k} (bp)" for k in spread_keys],
        "ID",
    ]
    kinds = ["text", "text", *["money"] * 3, "bp", "bp", "money", "money", "pct", "pct"]
    kinds += ["bp"] * (len(tenors) + len(spread_keys)) + ["text"]
    body = [
        [
            scenario_label(r.name),
            r.kind,
            r.unhedged_pnl,
            r.hedge_pnl,
            r.hedged_pnl,
            r.unhedged_pnl_bp,
            r.hedged_pnl_bp,
            r.approx_pnl,
            r.approx_error,
            r.price_return,
            r.total_return,
            *[r.shifts.get(t) for t in tenors],
            *[r.spread_shifts.get(k) for k in spread_keys],
            r.name,
        ]
        for r in rows
    ]
    ws = book.table("Scenarios", headers, body, kinds)
    add_bar_chart(
        ws,
        title=f"Scenario P&L over {sc.horizon_days} days, unhedged and hedged ({ccy})",
        y_title=f"P&L ({ccy})",
        series_cols=(3, 5),
        n_rows=len(rows),
        horizontal=True,
        number_format="#,##0",
    )
    be = sc.breakeven_bp
    book.table(
        "Breakevens",
        ["Figure", "Value", "Unit"],
        [
            ("Horizon", sc.horizon_days, "days"),
            ("Breakeven yield rise, unhedged", be.unhedged, "bp"),
            ("Breakeven yield rise, hedged", be.hedged, "bp"),
        ],
        ["text", "bp", "text"],
        row_kinds=["int", "bp", "bp"],
    )


def dashboard_sheet(book: xb.Book, plan: Plan, ccy: str) -> None:
    """Figures before and after the hedge with compliance (Yes/No)."""
    d = plan.dashboard
    te, dur, dv = d.tracking_error_bp, d.duration, d.dv01
    limit = dv.limit

    def within(v: Any) -> bool | None:
        if limit is None or not (xb.is_num(v) and xb.is_num(limit)):
            return None
        return abs(float(v)) <= float(limit)

    rows = [
        ("Tracking error", te.before, te.after, None, None, None, None, "bp per year"),
        (
            "Duration",
            dur.before,
            dur.after,
            dur.target,
            dur.band,
            dur.compliant_before,
            dur.compliant_after,
            "years",
        ),
        (
            "DV01",
            dv.before,
            dv.after,
            limit,
            None,
            within(dv.before),
            within(dv.after),
            f"{ccy} per bp",
        ),
    ]
    book.table(
        "Dashboard",
        [
            "Figure",
            "Before",
            "After",
            "Target / limit",
            "Band (+/-)",
            "Compliant before",
            "Compliant after",
            "Unit",
        ],
        rows,
        ["text", "auto", "auto", "auto", "years", "auto", "auto", "text"],
        row_kinds=["bp", "years", "money"],
        row_kind_cols=(2, 3, 4),
    )


def actions_sheets(book: xb.Book, plan: Plan, ccy: str) -> None:
    """Trades, triggers, rolls, maturities and paydowns (the review date is on Summary)."""
    a = plan.actions
    book.table("Actions", ["#", "Trade"], [(i, t) for i, t in enumerate(a.trades, 1)], ["int"])
    book.table(
        "Triggers",
        ["#", "Rebalancing trigger"],
        [(i, t) for i, t in enumerate(a.rebalancing_triggers, 1)],
        ["int", "text"],
    )
    book.table(
        "Rolls",
        ["Instrument", "Roll date", "First notice", "Last trade", "Before horizon end"],
        [
            (r.instrument, r.roll_date, r.first_notice, r.last_trade, r.before_horizon)
            for r in a.roll_dates
        ],
        ["text", "date", "date", "date", "auto"],
    )
    book.table(
        "Maturities",
        ["Holding", "Maturity", f"Face ({ccy})", f"Market value ({ccy})"],
        [(r.id, r.maturity, r.face, r.market_value) for r in a.upcoming_maturities],
        ["text", "date", "money", "money"],
    )
    book.table(
        "Paydowns",
        ["ID", "Note", f"Face ({ccy})"],
        [(r.id, r.note, r.face) for r in a.large_paydowns],
        ["text", "text", "money"],
    )
    book.table(
        "Events",
        ["Date", "Event", "What it touches", "Share of DV01"],
        [(e.date, e.kind, e.description, e.dv01_share) for e in a.events],
        ["date", "text", "text", "pct"],
    )


def warnings_sheet(book: xb.Book, plan: Plan, ccy: str) -> None:
    """Every warning, one row each."""
    book.table(
        "Warnings",
        ["Level", "Code", "Holding", "Message"],
        [(w.level, w.code, w.holding, w.message) for w in plan.warnings],
        ["text", "text", "text", "text"],
        status_col=0,
    )


#: Writers of the sheets after Infeasibility, in workbook order.
LATER_SHEETS: tuple[Callable[[xb.Book, Plan, str], None], ...] = (
    constraints_sheet,
    scenarios_sheet,
    dashboard_sheet,
    actions_sheets,
    warnings_sheet,
)
