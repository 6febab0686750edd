"""Sections 3-6 of the HTML report: scenarios, dashboard, actions, quality checks, warnings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hedge_planner import html_base as h
from hedge_planner.document import Plan
from hedge_planner.html_risk import risk_model_panel
from hedge_planner.labels import scenario_label
from hedge_planner.svg_charts import scenario_pnl_chart


def _scenario_definitions(plan: Plan) -> str:
    """Key-rate and sector spread shifts of every scenario, bp."""
    rows = plan.scenarios.rows
    tenors = plan.key_tenors
    out: list[str] = []
    spread_keys: list[str] = []
    for r in rows:
        for k in r.spread_shifts:
            if k not in spread_keys:
                spread_keys.append(str(k))
    shift_body = [
        [f"<td>{h.esc(scenario_label(r.name))}</td>"]
        + [h.cell(r.shifts.get(t), "shift") for t in tenors]
        + [h.cell(r.spread_shifts.get(k), "shift") for k in spread_keys]
        for r in rows
    ]
    out.append(
        '<div class="print-hide"><h3>Scenario definitions</h3>'
        + h.table(
            [
                "Scenario",
                *[(f"{t} (bp)", True) for t in tenors],
                *[(f"{k} spread (bp)", True) for k in spread_keys],
            ],
            shift_body,
            css_class="wide",
            caption="Key-rate shifts and sector spread shifts in bp; — = unchanged.",
        )
        + "</div>"
        '<p class="print-only">Scenario definitions (key-rate and spread shifts, bp) are in '
        "the HTML report and plan.json.</p>"
    )
    return "".join(out)


def scenarios_section(plan: Plan) -> str:
    """Section 3: breakevens, the P&L chart, the scenario matrix and scenario definitions."""
    sc = plan.scenarios
    rows = sc.rows
    ccy = h.ccy(plan)
    out: list[str] = []
    be = sc.breakeven_bp
    out.append(
        f"<p>Horizon <strong>{h.esc(h.fmt(sc.horizon_days, 'int'))} days</strong>; P&amp;L by "
        "full revaluation; bp figures are P&amp;L in basis points of market value.</p>"
        '<div class="cards">'
        + h.card(
            "Breakeven yield rise, unhedged (bp)",
            h.esc(h.fmt(be.unhedged, "bp")),
            "parallel rise that wipes out horizon carry",
        )
        + h.card(
            "Breakeven yield rise, hedged (bp)",
            h.esc(h.fmt(be.hedged, "bp")),
            "after hedge carry and costs",
        )
        + "</div>"
    )
    if rows:
        names = [scenario_label(r.name) for r in rows]
        out.append(
            scenario_pnl_chart(
                names,
                {
                    "Unhedged": [r.unhedged_pnl for r in rows],
                    "Hedged": [r.hedged_pnl for r in rows],
                    "Benchmark": [r.benchmark_pnl for r in rows],
                },
                [r.hedged_active_pnl for r in rows],
                ccy,
            )
        )
    out.append(_scenario_matrix(plan, ccy))
    out.append(_scenario_definitions(plan))
    return h.section("scenarios", "".join(out))


def _scenario_matrix(plan: Plan, ccy: str) -> str:
    """The scenario matrix: book, hedge, benchmark and active P&L, approximation, returns."""
    sc = plan.scenarios
    rows = sc.rows
    body = [
        [
            f"<td>{h.esc(scenario_label(r.name))}"
            f'<span class="sub2">{h.esc(r.kind)} · <code>{h.esc(r.name)}</code></span></td>',
            h.cell(r.unhedged_pnl, "money", sense="pnl"),
            h.cell(r.hedge_pnl, "money", sense="pnl"),
            h.cell(r.hedged_pnl, "money", sense="pnl"),
            h.cell(r.benchmark_pnl, "money", sense="pnl"),
            h.cell(r.active_pnl, "money", sense="pnl"),
            h.cell(r.hedged_active_pnl, "money", sense="pnl"),
            h.cell(r.unhedged_pnl_bp, "bp", sense="pnl"),
            h.cell(r.hedged_pnl_bp, "bp", sense="pnl"),
            h.cell(r.approx_pnl, "money", sense="pnl"),
            h.cell(r.approx_error, "money"),
            h.cell(r.price_return, "pct", sense="pnl"),
            h.cell(r.total_return, "pct", sense="pnl"),
        ]
        for r in rows
    ]
    return h.table(
        [
            "Scenario (kind)",
            (f"Unhedged P&L ({ccy})", True),
            (f"Hedge P&L ({ccy})", True),
            (f"Hedged P&L ({ccy})", True),
            (f"Benchmark P&L ({ccy})", True),
            (f"Active P&L, unhedged ({ccy})", True),
            (f"Active P&L, hedged ({ccy})", True),
            ("Unhedged (bp of MV)", True),
            ("Hedged (bp of MV)", True),
            (f"Approx. P&L ({ccy})", True),
            (f"Approx. error ({ccy})", True),
            ("Price return (%)", True),
            ("Total return (%)", True),
        ],
        body,
        css_class="wide",
        caption="Active = book − benchmark (benchmark scaled to the book's value; "
        f"{sc.methodology.get('benchmark', 'no benchmark') if sc.methodology else ''}). "
        "Approx. = key-rate duration and convexity approximation; "
        "error = full revaluation − approximation.",
    )


def dashboard_section(plan: Plan, methods: Mapping[str, str]) -> str:
    """Section 4: tracking error, duration and DV01 before/after with compliance badges."""
    d = plan.dashboard
    ccy = h.ccy(plan)
    te = d.tracking_error_bp
    dur = d.duration
    dv = d.dv01
    limit = dv.limit

    def within(value: Any) -> Any:
        if limit is None or not (h.is_num(value) and h.is_num(limit)):
            return None
        return abs(float(value)) <= float(limit)

    te_change = None
    if te.before is not None and te.after is not None:
        te_change = te.after - te.before
    te_label = h.fn("te")
    cards = [
        h.card("Tracking error before (bp/yr)", h.esc(h.fmt(te.before, "bp")), te_label),
        h.card(
            "Duration before (years)",
            h.esc(h.fmt(dur.before, "years")) + " " + h.compliance(dur.compliant_before),
            h.band(dur),
        ),
        h.card(
            f"DV01 before ({ccy}/bp)",
            h.esc(h.fmt(dv.before, "money")) + " " + h.compliance(within(dv.before)),
            f"limit {h.esc(h.fmt(limit, 'money'))}",
        ),
        h.card(
            "Tracking error after (bp/yr)",
            h.esc(h.fmt(te.after, "bp")),
            f"change {h.esc(h.fmt(te_change, 'bp'))} bp" + te_label,
        ),
        h.card(
            "Duration after (years)",
            h.esc(h.fmt(dur.after, "years")) + " " + h.compliance(dur.compliant_after),
            h.band(dur),
        ),
        h.card(
            f"DV01 after ({ccy}/bp)",
            h.esc(h.fmt(dv.after, "money")) + " " + h.compliance(within(dv.after)),
            f"limit {h.esc(h.fmt(limit, 'money'))}",
        ),
    ]
    mm = d.largest_mismatches
    tables = (
        '<div class="grid2 even">'
        '<div class="panel"><h3>Largest key-rate mismatches before hedge</h3>'
        f"{h.mismatch_table(mm.before)}</div>"
        '<div class="panel"><h3>Largest key-rate mismatches after hedge</h3>'
        f"{h.mismatch_table(mm.after)}</div>"
        "</div>"
    )
    risk = risk_model_panel(plan)
    return h.section(
        "dashboard", f'<div class="cards three print-hide">{"".join(cards)}</div>{tables}{risk}'
    )


def _roll_flag(flag: Any) -> str:
    if flag:
        return h.badge("warn") + " yes: roll inside the horizon"
    return h.esc(h.fmt(flag))


#: Events listed in the printed report (nearest first).
_PRINTED_EVENTS = 8


def actions_section(plan: Plan) -> str:
    """Section 5: trades to execute, triggers, review date, rolls, maturities and paydowns."""
    a = plan.actions
    ccy = h.ccy(plan)
    out: list[str] = []
    trades = a.trades
    triggers = a.rebalancing_triggers
    items = "".join(f"<li>{h.esc(t)}</li>" for t in trades) or '<li class="muted">no trades</li>'
    trig = "".join(f"<li>{h.esc(t)}</li>" for t in triggers) or '<li class="muted">none</li>'
    out.append(
        '<div class="grid2 even">'
        f'<div class="panel print-hide"><h3>Trades to execute</h3><ol>{items}</ol></div>'
        f'<div class="panel"><h3>Rebalancing triggers</h3><ul>{trig}</ul>'
        f"<p>Next review: <strong>{h.esc(a.next_review_date or '—')}</strong></p></div>"
        "</div>"
    )
    rolls = a.roll_dates
    body = [
        [
            f"<td>{h.esc(r.instrument)}</td>",
            f"<td>{h.esc(h.fmt(r.roll_date))}</td>",
            f"<td>{h.esc(h.fmt(r.first_notice))}</td>",
            f"<td>{h.esc(h.fmt(r.last_trade))}</td>",
            f"<td>{_roll_flag(r.before_horizon)}</td>",
        ]
        for r in rolls
    ]
    out.append(
        "<h3>Futures roll dates</h3>"
        + h.table(
            ["Instrument", "Roll date", "First notice", "Last trade", "Before horizon end"], body
        )
    )
    mats = a.upcoming_maturities
    body = [
        [
            f"<td>{h.esc(m.id)}</td>",
            f"<td>{h.esc(h.fmt(m.maturity))}</td>",
            h.cell(m.face, "money"),
            h.cell(m.market_value, "money"),
        ]
        for m in mats
    ]
    out.append(
        "<h3>Upcoming maturities</h3>"
        + h.table(
            ["Holding", "Maturity", (f"Face ({ccy})", True), (f"Market value ({ccy})", True)], body
        )
    )
    pay = a.large_paydowns
    faces = [float(getattr(p, "face", 0.0) or 0.0) for p in pay]
    out.append(
        "<h3>Large paydowns</h3>"
        f'<p class="print-only">{len(pay)} holdings, face {h.esc(h.fmt(sum(faces), "money"))} '
        f"{h.esc(ccy)} in total; the list is in the HTML report and plan.json.</p>"
        f'<div class="screen-only">{h.generic_table(pay, ccy)}</div>'
    )
    out.append(_events_table(a.events))
    return h.section("actions", "".join(out))


def _events_table(items: Sequence[Any]) -> str:
    """Events in the horizon: the nearest when printed, all on screen."""
    events = [
        [
            f"<td>{h.esc(h.fmt(e.date))}</td>",
            f"<td>{h.esc(e.kind)}</td>",
            f"<td>{h.esc(e.description)}</td>",
            h.cell(e.dv01_share, "pct"),
        ]
        for e in items
    ]
    heads: list[str | tuple[str, bool]] = [
        "Date",
        "Event",
        "What it touches",
        ("Share of DV01", True),
    ]
    # Printed, the nearest events only (the pack stays short); the screen and plan.json list all.
    shown = _PRINTED_EVENTS
    rest = (
        f'<p class="print-only">The first {shown} of {len(events)} events; the full list is in '
        "the HTML report and plan.json.</p>"
        if len(events) > shown
        else ""
    )
    return (
        "<h3>Events in the horizon</h3>"
        + f'<div class="print-only">{h.table(heads, events[:shown])}</div>{rest}'
        + f'<div class="screen-only">{h.table(heads, events)}</div>'
    )


def quality_section(plan: Plan) -> str:
    """Every quality check with its status badge."""
    checks = plan.quality_checks
    body = [
        [
            f"<td>{h.badge(c.status)}</td>",
            f"<td><strong>{h.esc(c.name)}</strong></td>",
            f"<td>{h.esc(c.detail)}</td>",
        ]
        for c in checks
    ]
    return h.section("quality", h.table(["Status", "Check", "Detail"], body))


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
