"""Rich terminal tables for the CLI."""

from __future__ import annotations

import math
from typing import Any

from hedge_planner import numfmt as nf
from hedge_planner.active_risk import ActiveRisk
from hedge_planner.document import Plan
from hedge_planner.document_sections import Hedge
from hedge_planner.drift_render import render_drift
from hedge_planner.labels import (
    constraint_label,
    constraint_unit,
    cost_label,
    factor_label,
    scenario_label,
)
from hedge_planner.models.risk_model import TrackingErrorBreakdown
from hedge_planner.mpl_charts import plain
from hedge_planner.sweep_report import with_cash_cost
from hedge_planner.workflow import CaseAnalysis
from hedge_planner.yield_analysis import YieldAnalysis
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _num(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def yield_analysis(console: Console, result: YieldAnalysis) -> None:
    """Holdings table and portfolio totals of a yield-based analysis."""
    table = Table(
        title=f"Holdings analytics, settlement {result.settle.isoformat()} "
        "(yield-based, street convention)",
        caption="Prices per 100 face; market value and DV01 (per 1 bp) in currency; "
        "durations in years, convexity in years^2.",
    )
    cols = [
        ("id", "left"),
        ("clean", "right"),
        ("accrued", "right"),
        ("dirty", "right"),
        ("market value", "right"),
        ("yield %", "right"),
        ("Macaulay dur", "right"),
        ("modified dur", "right"),
        ("convexity", "right"),
        ("DV01", "right"),
    ]
    for name, justify in cols:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in result.holdings.to_dict("records"):
        table.add_row(
            str(row["id"]),
            _num(row["clean_price"]),
            _num(row["accrued"]),
            _num(row["dirty_price"]),
            _num(row["market_value"], 2),
            _num(100 * row["yield"]),
            _num(row["macaulay_duration"]),
            _num(row["modified_duration"]),
            _num(row["convexity"], 3),
            _num(row["dv01"], 2),
        )
    console.print(table)
    p = result.portfolio
    totals = Table(title="Portfolio (market-value weighted; DV01 summed)")
    totals.add_column("figure")
    totals.add_column("value", justify="right")
    totals.add_row("market value", _num(p["market_value"], 2))
    totals.add_row("Macaulay duration (years)", _num(p["macaulay_duration"]))
    totals.add_row("modified duration (years)", _num(p["modified_duration"]))
    totals.add_row("convexity (years^2)", _num(p["convexity"], 3))
    totals.add_row("DV01 (currency per bp)", _num(p["dv01"], 2))
    console.print(totals)


def baseline(console: Console, result: dict[str, Any]) -> None:
    """Closed-form hedge weights and amounts."""
    table = Table(
        title="Closed-form hedge (linear system)",
        caption=f"Portfolio value {result['portfolio_value']:,.2f}; condition number "
        f"{result['condition_number']:.3g}. Modified duration in years, convexity in years^2 "
        "(yield-based).",
    )
    for name in ("id", "price", "modified dur", "convexity", "weight", "hedge amount"):
        table.add_column(name, justify="left" if name == "id" else "right")
    for i, ident in enumerate(result["ids"]):
        table.add_row(
            ident,
            _num(result["prices"][i]),
            _num(result["modified_durations"][i]),
            _num(result["convexities"][i]),
            _num(result["weights"][i]),
            _num(result["hedge_amounts"][i]),
        )
    console.print(table)
    check = Table(title="Matched conditions")
    for name in ("condition", "target", "achieved"):
        check.add_column(name, justify="left" if name == "condition" else "right")
    for name, target in result["targets"].items():
        check.add_row(name, _num(target), _num(result["achieved"][name]))
    console.print(check)


def case_analysis(console: Console, analysis: CaseAnalysis) -> None:
    """Exposure summary: portfolio totals, KRDs vs benchmark, sectors, flags."""
    doc = analysis.to_json()
    p = doc["portfolio"]
    summary = Table(title=f"Duration exposure summary, {doc['analysis_date']}")
    summary.add_column("figure")
    summary.add_column("portfolio", justify="right")
    summary.add_column("benchmark", justify="right")
    summary.add_column("gap", justify="right")
    bench = p.get("benchmark")
    summary.add_row("market value", _num(p["market_value"], 0), "", "")
    summary.add_row(
        "effective duration (years)",
        _num(p["effective_duration"]),
        _num(bench["duration"]) if bench else "",
        _num(bench["duration_gap"]) if bench else "",
    )
    summary.add_row("modified duration (years, yield-based)", _num(p["modified_duration"]), "", "")
    summary.add_row("effective convexity (years^2)", _num(p["effective_convexity"], 3), "", "")
    summary.add_row("spread duration (years)", _num(p["spread_duration"]), "", "")
    summary.add_row("DV01 (effective, currency per bp)", _num(p["dv01"], 0), "", "")
    active = analysis.active
    te = active.tracking_error
    if bench and te is not None:
        summary.add_row(
            "tracking error (bp/yr, all factors)",
            _num(te.total_bp, 1),
            "",
            _num(te.total_currency, 0) + " ccy/yr",
        )
    console.print(summary)

    basis = active.convention.label()
    krd = Table(
        title="Key rate durations (years): zero and par bases; benchmark and gap in "
        f"{basis}; KRD DV01 (currency per bp, zero basis)"
    )
    krd.add_column("tenor")
    for name in ("zero", "par", "KRD DV01", "benchmark", "gap"):
        krd.add_column(name, justify="right")
    for tenor in doc["key_tenors"]:
        krd.add_row(
            tenor,
            _num(p["krd"][tenor]),
            _num(p["krd_par"][tenor]),
            _num(p["krd_dv01"][tenor], 0),
            _num(bench["krd"][tenor]) if bench else "",
            _num(bench["krd_gap"][tenor]) if bench else "",
        )
    krd.add_row(
        "sum",
        _num(p["krd_sum"]),
        _num(sum(p["krd_par"].values())),
        _num(sum(p["krd_dv01"].values()), 0),
        "",
        "",
    )
    console.print(krd)
    if te is not None:
        console.print(_te_groups_table(active, te))

    console.print(_sectors_table(p["sectors"]))

    if bench:
        mism = Table(title="Largest KRD mismatches by contribution to tracking error")
        for name in ("tenor", "gap (years)", "TE contribution (bp/yr)", "share"):
            mism.add_column(name, justify="left" if name == "tenor" else "right")
        for m in bench["largest_mismatches"]:
            mism.add_row(
                m["tenor"],
                _num(m["gap_years"]),
                _num(m["te_contribution_bp"], 1),
                f"{100 * m['share']:.1f}%",
            )
        console.print(mism)
    for name, fit in doc.get("curve_fits", {}).items():
        _curve_fit(console, name, fit)
    _print_findings(console, doc["warnings"])


def _te_groups_table(active: ActiveRisk, te: TrackingErrorBreakdown) -> Table:
    """Tracking error by factor group with each spread group's DV01 gap."""
    groups = Table(title="Tracking error by factor group (Euler contributions, bp/yr)")
    groups.add_column("group")
    groups.add_column("bp/yr", justify="right")
    groups.add_column("spread DV01 gap (ccy/bp)", justify="right")
    spread = active.spread_dv01_by_sector
    bench_spread = active.benchmark_spread_dv01_by_sector
    for group, value in te.by_group.items():
        sector = group.split(":", 1)[1] if group.startswith("spread:") else None
        gap = (
            ""
            if sector is None
            else _num(spread.get(sector, 0.0) - bench_spread.get(sector, 0.0), 0)
        )
        groups.add_row(factor_label(group), _num(value, 1), gap)
    groups.add_row("total", _num(te.total_bp, 1), "")
    return groups


def _sectors_table(rows: list[dict[str, Any]]) -> Table:
    """Contributions by sector (effective)."""
    sectors = Table(title="Contributions by sector (effective)")
    for name in (
        "sector",
        "holdings",
        "MV weight",
        "duration contrib",
        "spread dur contrib",
        "DV01",
    ):
        sectors.add_column(name, justify="left" if name == "sector" else "right")
    for row in rows:
        sectors.add_row(
            row["sector"],
            str(row["n_holdings"]),
            f"{100 * row['weight']:.1f}%",
            _num(row["duration_contribution"]),
            _num(row["spread_duration_contribution"]),
            _num(row["dv01"], 0),
        )
    return sectors


def _print_findings(console: Console, warnings: list[dict[str, Any]]) -> None:
    """The analysis warnings grouped by code: the first of each with a count of the rest."""
    if not warnings:
        return
    by_code: dict[str, list[dict[str, Any]]] = {}
    for w in warnings:
        by_code.setdefault(w["code"], []).append(w)
    console.print("[bold]Findings[/]")
    for code, items in by_code.items():
        first = items[0]
        more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
        where = f"{first['holding']}: " if first["holding"] else ""
        line = f"  [{first['level']}] {code}: {where}{first['message']}{more}"
        console.print(escape(line), highlight=False)


def _curve_fit(console: Console, name: str, fit: dict[str, Any]) -> None:
    """Rich/cheap of a fitted curve's bonds, or the exact bootstrap's largest repricing error."""
    if fit.get("method") != "nelson_siegel_svensson":
        console.print(
            f"{name} curve: exact bootstrap through its bonds, max |price error| "
            f"{fit['max_abs_price_error']:.1e} per 100"
        )
        return
    table = Table(title=f"{name} NSS fit: rich (-) / cheap (+), rmse {fit['rmse_bp']:.2f} bp")
    for col in ("bond", "maturity", "price", "fitted", "residual bp"):
        table.add_column(col, justify="left" if col == "bond" else "right")
    for r in fit["residuals"]:
        table.add_row(
            escape(r["id"]),
            r["maturity"],
            f"{r['price']:.4f}",
            f"{r['model_price']:.4f}",
            f"{r['residual_bp']:+.2f}",
        )
    console.print(table)


def instruments(console: Console, document: dict[str, Any]) -> None:
    """Per-unit analytics of the hedge universe."""
    table = Table(
        title=f"Hedge instruments, {document['analysis_date']} (per contract or per 1 million "
        f"notional; horizon {document['horizon_days']} days)",
        caption="Figures per contract (futures) or per 1 million notional (swaps, swaptions); "
        "DV01 in currency per bp, carry over the horizon; futures DV01 is the CTD's forward DV01 "
        "/ conversion factor.",
    )
    for name in (
        "instrument",
        "kind",
        "per",
        "price",
        "DV01 (ccy/bp)",
        "convexity",
        "carry (ccy)",
        "initial margin (ccy)",
        "detail",
    ):
        table.add_column(
            name, justify="left" if name in ("instrument", "kind", "per", "detail") else "right"
        )
    for inst in document["instruments"]:
        if inst["kind"] == "future":
            detail = (
                f"CTD {inst['ctd']} CF {inst['conversion_factor']:.4f} "
                f"IRR {100 * inst['implied_repo']:.2f}% roll {inst['roll_date']}"
                + (" [rolls before horizon]" if inst["rolls_before_horizon"] else "")
            )
        elif inst["kind"] == "swap":
            detail = f"par {100 * inst['details'].get('par_rate', float('nan')):.3f}%"
        else:
            fwd = inst["details"].get("forward_swap_rate", float("nan"))
            detail = f"fwd {100 * fwd:.3f}%"
        # Swaps and swaptions are priced per 1 of notional: shown per 1 million so a DV01
        # reads 196.30 rather than 0.000196.
        scale, unit = (1.0, "1 contract") if inst["kind"] == "future" else (1e6, "1mm notional")
        table.add_row(
            inst["instrument"],
            inst["kind"],
            unit,
            _num(inst["price"], 4),
            _per_unit(scale * inst["dv01"]),
            _per_unit(scale * inst["convexity"]),
            _per_unit(scale * inst["carry"]),
            _per_unit(scale * inst["margin"]),
            escape(detail),
        )
    console.print(table)


def _per_unit(value: float | None) -> str:
    """A per-unit figure in fixed point: whole units when large, else enough decimals to show
    four significant digits (a swap's DV01 per 1 of notional is about 0.0002), never ``e-04``."""
    if value is None:
        return "-"
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        return nf.number(value, 2)
    decimals = min(12, 3 - math.floor(math.log10(magnitude)))
    return nf.number(value, max(decimals, 2))


def _cash_and_baseline(console: Console, doc: Hedge) -> None:
    """Cash over the horizon apart from the risk penalty, and the baseline in the same terms."""
    baseline = doc.baseline
    if doc.cash_cost is not None:
        cash = doc.cash_cost
        console.print(
            f"Cash cost over the horizon (currency, positive = paid): half bid-ask "
            f"{cash.bid_ask:,.0f} + tickets {cash.tickets:,.0f} + margin funding "
            f"{cash.margin_funding:,.0f} + roll {cash.roll:,.0f} - carry earned "
            f"{cash.carry:,.0f} = {cash.total:,.0f}; risk penalty (not cash) "
            f"{_fmt_opt(doc.risk_penalty, ',.0f')}; "
            f"objective {_fmt_opt(doc.objective, ',.0f')}",
            highlight=False,
        )
    if baseline.available and baseline.trades:
        b = baseline.trades[0]
        base_cash = baseline.cash_cost.total if baseline.cash_cost is not None else None
        opt_cash = doc.cash_cost.total if doc.cash_cost is not None else None
        console.print(
            f"Closed-form baseline: {b.quantity:+,.0f} {b.instrument} "
            f"(unrounded {b.unrounded:+,.1f}); cash cost over the horizon (positive = paid): "
            f"optimised {_fmt_opt(opt_cash, ',.0f')}, baseline {_fmt_opt(base_cash, ',.0f')}; "
            f"optimised minus baseline: objective (not cash) "
            f"{_fmt_opt(baseline.cost_difference, '+,.0f')}, tracking error "
            f"{_fmt_opt(baseline.tracking_error_difference_bp, '+.2f')} bp/yr",
            highlight=False,
        )


def _fmt_opt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def _limit_text(value: Any, *, signed: bool = False) -> str:
    """A limit, value or slack: whole units from 1,000 up, else 4 decimals; never ``1.45e+06``."""
    if not nf.is_num(value):
        return "-" if value is None else str(value)
    return nf.number(value, 0 if abs(value) >= 1000 else 4, signed=signed)


def _infeasibility(console: Console, doc: Hedge) -> None:
    """The limits that must move, when no hedge meets them all."""
    inf = doc.infeasibility
    if inf is not None:
        console.print("[bold red]The limits cannot all be met.[/] " + escape(inf.message or ""))
        table = Table(title="Limits that must move for a hedge to exist (minimal violation)")
        for name in ("limit", "current", "required", "change", "units"):
            table.add_column(name, justify="left" if name in ("limit", "units") else "right")
        for r in inf.relaxations:
            table.add_row(
                constraint_label(r.constraint),
                _limit_text(r.limit),
                _limit_text(r.required),
                _limit_text(r.change, signed=True),
                r.unit,
            )
        console.print(table)
        if inf.alternatives:
            alone = Table(title="Limits in conflict: each ALONE restores feasibility")
            for name in ("limit", "current", "required", "change", "units"):
                alone.add_column(name, justify="left" if name in ("limit", "units") else "right")
            for r in inf.alternatives:
                alone.add_row(
                    r.constraint,
                    _fmt_opt(r.limit, ",.4g"),
                    _fmt_opt(r.required, ",.4g"),
                    _fmt_opt(r.change, "+,.4g"),
                    r.unit,
                )
            console.print(alone)
        console.print(
            "The closest hedge (every limit met once the moves of the first table are made) "
            "follows."
        )


def hedge(console: Console, doc: Hedge) -> None:
    """Hedge recommendation: trades, pre/post risk, constraints, baseline, solver."""
    _infeasibility(console, doc)
    trades = Table(title="Hedge recommendation (optimised)")
    for name in (
        "instrument",
        "direction",
        "quantity",
        "unit",
        "DV01 change (ccy/bp)",
        f"{cost_label('carry').lower()} (ccy)",
        f"{cost_label('slippage').lower()} (ccy)",
        f"{cost_label('margin').lower()} (ccy)",
    ):
        trades.add_column(
            name, justify="left" if name in ("instrument", "direction", "unit") else "right"
        )
    for t in doc.trades:
        trades.add_row(
            t.instrument,
            t.direction,
            _num(abs(t.quantity), 0),
            t.unit,
            nf.money(t.dv01_change, signed=True),
            nf.money(t.cost.carry, signed=True),
            nf.money(t.cost.slippage, signed=True),
            nf.money(t.cost.margin, signed=True),
        )
    console.print(trades)
    risk = Table(title="Risk before and after (effective duration, years; TE bp/yr)")
    for name in ("figure", "pre-hedge", "post-hedge", "closed-form baseline"):
        risk.add_column(name, justify="left" if name == "figure" else "right")
    baseline = doc.baseline
    base = baseline.post_hedge if baseline.available else None
    for key, label, digits in (
        ("duration", "duration", 4),
        ("dv01", "DV01 (per bp)", 0),
        ("convexity", "convexity (years^2)", 3),
        ("tracking_error_bp", "tracking error (bp/yr)", 2),
    ):
        risk.add_row(
            label,
            _num(getattr(doc.pre_hedge, key), digits),
            _num(getattr(doc.post_hedge, key), digits),
            _num(getattr(base, key), digits) if base is not None else "",
        )
    console.print(risk)
    _cash_and_baseline(console, doc)
    cons = Table(title="Constraints")
    for name in ("constraint", "limit", "value", "slack", "unit", "binding"):
        cons.add_column(name, justify="left" if name in ("constraint", "unit") else "right")
    for c in doc.constraints:
        cons.add_row(
            constraint_label(c.name),
            _limit_text(c.limit),
            _limit_text(c.value),
            _limit_text(c.slack),
            constraint_unit(c.name, "ccy", c.units),
            "yes" if c.binding else "",
        )
    console.print(cons)
    s = doc.solver
    if s.status is not None:
        console.print(
            f"solver: {s.status} ({s.method}), objective {_fmt_opt(s.objective, ',.2f')}, bound "
            f"{_fmt_opt(s.bound, ',.2f')}, gap {_fmt_opt(s.gap, '.1e')}, {s.iterations} "
            f"iterations, {1000 * (s.seconds or 0.0):.1f} ms",
            highlight=False,
        )


def sweep(console: Console, doc: dict[str, Any]) -> None:
    """One row per sweep point."""
    table = Table(title=f"Sweep over {doc['param']}")
    for name in (
        doc["param"],
        "status",
        "duration (years)",
        "DV01 (ccy/bp)",
        "TE (bp/yr)",
        "cash cost (ccy)",
        "objective (ccy)",
        "trades",
    ):
        table.add_column(name, justify="left" if name in ("status", "trades") else "right")
    for p in doc["points"]:
        trades = ", ".join(f"{k} {v:+,.0f}" for k, v in p["trades"].items())
        table.add_row(
            plain(p[doc["param"]]),
            p["status"],
            _num(p["post_hedge_duration"]),
            _num(p["post_hedge_dv01"], 0),
            nf.bp(p["tracking_error_bp"]),
            nf.money(with_cash_cost(p)["cash_cost"], signed=True),
            nf.money(p["cost"]),
            escape(trades),
        )
    console.print(table)


def _pnl(value: float | None, *, bp: bool = False, pct: bool = False) -> str:
    """Signed P&L with rich colour markup: gains green, losses red."""
    if pct:
        text = nf.pct(value, signed=True)
    elif bp:
        text = nf.bp(value, signed=True)
    else:
        text = nf.money(value, signed=True)
    colour = {"gain": "green", "loss": "red"}.get(nf.tone(value, "pnl"))
    return f"[{colour}]{text}[/]" if colour else text


def scenarios(console: Console, doc: dict[str, Any]) -> None:
    """Scenario matrix: unhedged, hedge and hedged P&L with the approximation error."""
    table = Table(
        title="Scenario matrix (full revaluation; currency, and bp of market value)",
        caption=f"Breakeven parallel rise over {doc.get('horizon_days')} days: unhedged "
        f"{nf.bp(doc['breakeven_bp']['unhedged'])} bp, hedged "
        f"{nf.bp(doc['breakeven_bp']['hedged'])} bp.",
    )
    for name in (
        "scenario",
        "unhedged (ccy)",
        "hedge (ccy)",
        "hedged (ccy)",
        "hedged (bp of MV)",
        "approx. error (ccy)",
        "total return (%)",
    ):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    for r in doc["scenarios"]:
        tr = r.get("total_return")
        table.add_row(
            escape(scenario_label(r["name"])),
            _pnl(r["unhedged_pnl"]),
            _pnl(r["hedge_pnl"]),
            _pnl(r["hedged_pnl"]),
            _pnl(r["hedged_pnl_bp"], bp=True),
            nf.money(r["approx_error"], signed=True),
            _pnl(tr, pct=True) if tr is not None else "",
        )
    console.print(table)


def plan(console: Console, doc: Plan) -> None:
    """The plan's headline figures and quality checks."""
    exposure = doc.exposure.portfolio
    dash = doc.dashboard
    nan = float("nan")
    d_before, d_after = dash.duration.before, dash.duration.after
    te_before, te_after = dash.tracking_error_bp.before, dash.tracking_error_bp.after
    console.print(
        f"[bold]Plan {doc.analysis_date}[/]: market value {exposure.market_value:,.0f}; "
        f"effective duration {nan if d_before is None else d_before:.3f} -> "
        f"{nan if d_after is None else d_after:.3f} years; tracking error "
        f"{nan if te_before is None else te_before:.1f} -> "
        f"{nan if te_after is None else te_after:.1f} bp/yr",
        highlight=False,
    )
    if doc.hedge is not None:
        hedge(console, doc.hedge)
    if doc.drift is not None:
        render_drift(console, doc.drift.model_dump(mode="json"))
    actions = Table(title="Action items")
    actions.add_column("item")
    for t in doc.actions.trades:
        actions.add_row(escape(t))
    for t in doc.actions.rebalancing_triggers:
        actions.add_row(escape("Trigger: " + t))
    for r in doc.actions.roll_dates:
        actions.add_row(
            f"Roll {r.instrument} by {r.roll_date}"
            + (" (before the horizon)" if r.before_horizon else "")
        )
    actions.add_row(f"Next review: {doc.actions.next_review_date}")
    for e in doc.actions.events:
        actions.add_row(escape(f"Event {e.date}: {e.description}"))
    console.print(actions)
    checks = Table(title="Quality checks")
    for name in ("check", "status", "detail"):
        checks.add_column(name)
    colour = {"pass": "green", "warn": "yellow", "fail": "red"}
    for c in doc.quality_checks:
        checks.add_row(c.name, f"[{colour[c.status]}]{c.status}[/]", escape(c.detail))
    console.print(checks)
