"""Page one of the report: the decision a PM takes from the plan.

Headline figures (duration, DV01, tracking error before and after the hedge and against the
benchmark, limit status), the trades with their DV01 and cash cost, and the three scenarios
with the worst hedged P&L; detail follows in the numbered sections. Built from
``templates/decision.html.j2``.

Cash cost is read generically: a trade's ``cash_cost`` (components and ``total``) when the plan
carries one, else its ``cost``; a hedge-level ``cash_cost``, ``risk_penalty`` and ``objective``
are shown when present. The risk penalty is never added to cash cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hedge_planner import html_base as h
from hedge_planner.document import Plan
from hedge_planner.document_sections import Trade
from hedge_planner.html_templates import Markup, render
from hedge_planner.labels import constraint_label, cost_label
from pydantic import BaseModel

__all__ = ["TOP_SCENARIOS", "decision_section", "top_scenarios", "trade_cash_cost"]

#: Scenario rows on page one: those with the worst hedged P&L.
TOP_SCENARIOS = 3

#: Slack below this (in the constraint's own unit) counts as a breach, not rounding.
_SLACK_TOL = 1e-6


def _num(value: Any) -> float | None:
    """``value`` as a float when it is a real number, else ``None``."""
    return float(value) if h.is_num(value) else None


def _as_mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Mapping):
        return dict(value)
    return {}


def trade_cash_cost(trade: Trade) -> dict[str, Any]:
    """Cash-cost components of a trade (currency over the horizon), ``total`` last.

    The plan's ``cash_cost_detail`` when it has one (carry turned into a cost: positive paid),
    else the older ``cost`` (carry, slippage, margin funding).
    """
    detail = _as_mapping(getattr(trade, "cash_cost_detail", None))
    if detail:
        # The plan's carry is positive when earned; shown here as a cost like the others.
        parts = {k: (-v if k == "carry" and h.is_num(v) and v else v) for k, v in detail.items()}
    else:
        parts = _as_mapping(getattr(trade, "cash_cost", None)) or _as_mapping(trade.cost)
    total = parts.pop("total", None)
    out = {k: v for k, v in parts.items() if h.is_num(v)}
    out["total"] = total if h.is_num(total) else sum(out.values())
    return out


def top_scenarios(plan: Plan, n: int = TOP_SCENARIOS) -> list[Any]:
    """The ``n`` scenario rows with the lowest hedged P&L (the losses that matter most)."""
    rows = [r for r in plan.scenarios.rows if h.is_num(r.hedged_pnl)]
    return sorted(rows, key=lambda r: r.hedged_pnl)[:n]


@dataclass(frozen=True)
class LimitStatus:
    """How the hedged book stands against the case's limits."""

    ok: bool
    text: str
    breaches: list[str]


def limit_status(plan: Plan) -> LimitStatus:
    """Met / breached limits after the hedge (constraint slacks, the infeasibility report)."""
    hedge = plan.hedge
    if hedge is None:
        dur = plan.dashboard.duration
        ok = bool(dur.compliant_after) if dur.compliant_after is not None else True
        return LimitStatus(ok, "no hedge limits in this case", [])
    if hedge.infeasibility is not None:
        names = [constraint_label(r.constraint) for r in hedge.infeasibility.relaxations]
        return LimitStatus(False, "infeasible: limits cannot all be met", names)
    breaches = [
        constraint_label(c.name)
        for c in hedge.constraints
        if h.is_num(c.slack) and float(c.slack) < -_SLACK_TOL
    ]
    n = len(hedge.constraints)
    binding = sum(1 for c in hedge.constraints if c.binding)
    if breaches:
        return LimitStatus(False, f"{len(breaches)} of {n} limits breached", breaches)
    return LimitStatus(True, f"all {n} limits met ({binding} binding)", [])


def _hedge_totals(plan: Plan) -> list[tuple[str, float, str]]:
    """(label, value, sense) of the hedge's cash cost, and risk penalty/objective if present."""
    hedge = plan.hedge
    if hedge is None:
        return []
    trades = hedge.trades
    out: list[tuple[str, float, str]] = []
    cash = _as_mapping(getattr(hedge, "cash_cost", None))
    total = cash.get("total") if cash else sum(trade_cash_cost(t)["total"] for t in trades)
    if (t := _num(total)) is not None:
        out.append((cost_label("total"), t, "cost"))
    for key in ("risk_penalty", "objective"):
        if (value := _num(getattr(hedge, key, None))) is not None:
            out.append((cost_label(key), value, "cost"))
    return out


def decision_section(plan: Plan, methods: Mapping[str, str]) -> str:
    """Page one: headline figures, trades, the scenarios that matter most."""
    dash = plan.dashboard
    bench = plan.exposure.benchmark
    hedge = plan.hedge
    post_dur = _num(dash.duration.after)
    bench_dur = _num(bench.duration) if bench is not None else None
    gap_after = None
    if post_dur is not None and bench_dur is not None:
        gap_after = post_dur - bench_dur
    trades = hedge.trades if hedge is not None else []
    status = limit_status(plan)
    dv = dash.dv01

    def within(value: Any) -> bool | None:
        v, limit = _num(value), _num(dv.limit)
        if v is None or limit is None:
            return None
        return abs(v) <= limit

    return render(
        "decision.html.j2",
        plan=plan,
        ccy=h.ccy(plan),
        title=dict(h.SECTION_TITLES)["decision"],
        dash=dash,
        bench=bench,
        gap_after=gap_after,
        dv01_ok=within(dv.after),
        status=status,
        trades=[(t, trade_cash_cost(t)) for t in trades],
        totals=_hedge_totals(plan),
        total_dv01=sum(t.dv01_change for t in trades),
        scenarios=top_scenarios(plan),
        n_scenarios=len(plan.scenarios.rows),
        horizon=plan.scenarios.horizon_days,
        fn=lambda key: Markup(h.fn(key)),
        badge=lambda s: Markup(h.badge(s)),
        compliance=lambda f: Markup(h.compliance(f)),
    )
