"""Excel sheets of the later sections: constraints, scenarios, dashboard, actions, warnings."""

from __future__ import annotations

from typing import Any

from hedge_planner import excel_base as xb
from hedge_planner.document import Plan


def constraints_sheet(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    """The hedge problem's limits at the solution."""
    constraints = plan.hedge.constraints if plan.hedge is not None else []
    rows = [(c.name, c.limit, c.value, c.slack, c.binding) for c in constraints]
    sh.table(
        ["Constraint", "Limit", "Value", "Slack", "Binding"],
        rows,
        ["text", "auto", "auto", "auto", "auto"],
    )


def scenarios_sheet(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    """Scenario P&L, returns and shifts, then the horizon and breakevens."""
    tenors = plan.key_tenors
    sc = plan.scenarios
    rows = sc.rows
    spread_keys: list[str] = []
    for r in rows:
        for k in r.spread_shifts:
            if k not in spread_keys:
                spread_keys.append(str(k))
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
    ]
    kinds = [
        "text",
        "text",
        "money",
        "money",
        "money",
        "bp",
        "bp",
        "money",
        "money",
        "pct",
        "pct",
        *["bp"] * (len(tenors) + len(spread_keys)),
    ]
    body = [
        [
            r.name,
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
        ]
        for r in rows
    ]
    sh.table(headers, body, kinds)
    be = sc.breakeven_bp
    sh.table(
        ["Figure", "Value", "Unit"],
        [
            ("Horizon", sc.horizon_days, "days"),
            ("Breakeven yield rise, unhedged", be.unhedged, "bp"),
            ("Breakeven yield rise, hedged", be.hedged, "bp"),
        ],
        ["text", "bp", "text"],
        title="Horizon and breakevens",
    )
    sh.ws.cell(row=sh.row - 3, column=2).number_format = xb.FORMATS["int"]


def dashboard_sheet(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    """Figures before and after the hedge with compliance, then the largest mismatches."""
    d = plan.dashboard
    te = d.tracking_error_bp
    dur = d.duration
    dv = d.dv01
    limit = dv.limit

    def within(v: Any) -> bool | None:
        if limit is None or not (xb.is_num(v) and xb.is_num(limit)):
            return None
        return abs(float(v)) <= float(limit)

    sh.table(
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
        [
            (
                "Tracking error",
                te.before,
                te.after,
                None,
                None,
                None,
                None,
                "bp per year",
            ),
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
        ],
        ["text", "auto", "auto", "auto", "years", "auto", "auto", "text"],
    )
    for r, kind in ((2, "bp"), (3, "years"), (4, "money")):
        for c in (2, 3, 4):
            cell = sh.ws.cell(row=r, column=c)
            if xb.is_num(cell.value):
                cell.number_format = xb.FORMATS[kind]
    mm = d.largest_mismatches
    for when, mismatches in (("before", mm.before), ("after", mm.after)):
        sh.table(
            ["Tenor", "KRD gap (years)", "TE contribution (bp/yr)", "Share of TE"],
            [(r.tenor, r.gap_years, r.te_contribution_bp, r.share) for r in mismatches],
            ["text", "years", "bp", "pct"],
            title=f"Largest key-rate mismatches {when} hedge",
        )


def actions_sheet(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    """Trades, triggers, review date, rolls, maturities and paydowns."""
    a = plan.actions
    sh.table(["#", "Trade"], [(i, t) for i, t in enumerate(a.trades, 1)], ["int", "text"])
    sh.table(
        ["#", "Rebalancing trigger"],
        [(i, t) for i, t in enumerate(a.rebalancing_triggers, 1)],
        ["int", "text"],
        title="Rebalancing triggers",
    )
    sh.table(["Next review date"], [(a.next_review_date,)], ["date"], title="Next review")
    sh.table(
        ["Instrument", "Roll date", "First notice", "Last trade", "Before horizon end"],
        [
            (
                r.instrument,
                r.roll_date,
                r.first_notice,
                r.last_trade,
                r.before_horizon,
            )
            for r in a.roll_dates
        ],
        ["text", "date", "date", "date", "auto"],
        title="Futures roll dates",
    )
    sh.table(
        ["Holding", "Maturity", f"Face ({ccy})", f"Market value ({ccy})"],
        [(r.id, r.maturity, r.face, r.market_value) for r in a.upcoming_maturities],
        ["text", "date", "money", "money"],
        title="Upcoming maturities",
    )
    sh.table(
        ["ID", "Note", f"Face ({ccy})"],
        [(r.id, r.note, r.face) for r in a.large_paydowns],
        ["text", "text", "money"],
        title="Large paydowns",
    )
    sh.table(
        ["Date", "Event", "What it touches", "Share of DV01"],
        [(e.date, e.kind, e.description, e.dv01_share) for e in a.events],
        ["date", "text", "text", "pct"],
        title="Events in the horizon",
    )


def warnings_sheet(sh: xb.Sheet, plan: Plan, ccy: str) -> None:
    """Every warning, one row each."""
    sh.table(
        ["Level", "Code", "Holding", "Message"],
        [(w.level, w.code, w.holding, w.message) for w in plan.warnings],
        ["text", "text", "text", "text"],
        status_col=0,
    )
