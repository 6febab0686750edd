"""The plan: measure, compare, hedge and stress in one document with quality checks and actions.

:func:`build_plan` runs every step on a case and returns the plan document (a JSON-ready dict,
schema ``hedge-planner/plan`` version 1) that the HTML and Excel reports render.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from hedge_planner.cases import AnalysisCase
from hedge_planner.hedging import HedgePlan, UniverseMember, build_universe, plan_hedge
from hedge_planner.models.benchmark import tracking_error
from hedge_planner.models.calendar import add_business_days
from hedge_planner.models.dates import to_date, to_days
from hedge_planner.provenance import provenance
from hedge_planner.scenarios.portfolio import PortfolioScenarioResult
from hedge_planner.stress import run_scenarios
from hedge_planner.workflow import CaseAnalysis, analyze_case

SCHEMA = "hedge-planner/plan"
VERSION = 1
#: Holdings whose id or description matches this are option-bearing (MBS pools, callables).
OPTION_BEARING = re.compile(r"\b(mbs|pool|callable|call|cmo|tba)\b|^(mbs|call)[-_]", re.IGNORECASE)
#: Review cadence: the next review is this many business days after the analysis date.
REVIEW_BUSINESS_DAYS = 21

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def build_plan(
    case: AnalysisCase, case_name: str, progress: Progress = _noop
) -> tuple[dict[str, Any], CaseAnalysis, HedgePlan | None]:
    """Run the whole plan on a validated case.

    Parameters
    ----------
    case
        The case (must have a hedge section for sections 2-5 to be complete).
    case_name
        Path of the case file.
    progress
        Called with a short message before each long step.

    Returns
    -------
    (dict, CaseAnalysis, HedgePlan or None)
        The plan document and the objects behind it.
    """
    progress("measuring the portfolio")
    analysis = analyze_case(case, case_name)
    members: list[UniverseMember] = []
    hedge_plan = None
    quantities = np.zeros(0)
    if case.hedge is not None:
        progress("pricing the hedge universe")
        members = build_universe(analysis, case.hedge, case_name)
        progress("optimising the hedge")
        hedge_plan = plan_hedge(case, analysis, members, case_name)
        quantities = hedge_plan.quantities
    progress("stressing hedged and unhedged books")
    stress = run_scenarios(case, analysis, members, quantities)
    progress("assembling the report")
    doc = assemble(case, case_name, analysis, hedge_plan, stress)
    doc["provenance"] = provenance(case_name)
    return doc, analysis, hedge_plan


def assemble(
    case: AnalysisCase,
    case_name: str,
    analysis: CaseAnalysis,
    hedge_plan: HedgePlan | None,
    stress: PortfolioScenarioResult,
) -> dict[str, Any]:
    """The plan document from the results of every step."""
    exposure_doc = analysis.to_json()
    portfolio = exposure_doc["portfolio"]
    benchmark = portfolio.pop("benchmark", None)
    sectors = portfolio.pop("sectors")
    hedge_doc = hedge_plan.to_json() if hedge_plan is not None else None
    scen = stress.to_json()
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "version": VERSION,
        "analysis_date": case.analysis_date.isoformat(),
        "case": case_name,
        "generated": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "currency": "USD",
        "key_tenors": list(analysis.tenors),
        "exposure": {
            "portfolio": portfolio,
            "benchmark": benchmark,
            "sectors": sectors,
            "methodology": exposure_doc["methodology"],
        },
        "hedge": hedge_doc,
        "scenarios": {
            "horizon_days": scen.get("horizon_days"),
            "rows": scen["scenarios"],
            "breakeven_bp": scen["breakeven_bp"],
            "methodology": scen.get("methodology"),
            "n_full_revaluation": scen.get("n_full_revaluation"),
            "n_sensitivity": scen.get("n_sensitivity"),
        },
        "warnings": exposure_doc["warnings"],
    }
    doc["dashboard"] = _dashboard(analysis, hedge_plan)
    doc["actions"] = _actions(case, analysis, hedge_plan)
    doc["quality_checks"] = quality_checks(case, analysis, hedge_plan, doc)
    return doc


# ------------------------------------------------------------------------------------------------
# Section 4: risk dashboard
# ------------------------------------------------------------------------------------------------


def _mismatches(
    gap: np.ndarray, cov: np.ndarray, tenors: tuple[str, ...], n: int = 5
) -> list[dict[str, Any]]:
    te, contrib = tracking_error(gap, cov)
    order = np.argsort(-np.abs(contrib), kind="stable")[:n]
    return [
        {
            "tenor": tenors[k],
            "gap_years": float(gap[k]),
            "te_contribution_bp": float(contrib[k]),
            "share": float(contrib[k] / te) if te else 0.0,
        }
        for k in order
    ]


def _dashboard(analysis: CaseAnalysis, hedge_plan: HedgePlan | None) -> dict[str, Any]:
    tenors = analysis.tenors
    totals = analysis.risk.totals()
    cov = np.asarray(analysis.covariance.matrix)
    bench = analysis.benchmark
    bench_krd = (
        np.array([bench.benchmark_krd[t] for t in tenors]) if bench else np.zeros(len(tenors))
    )
    pre_krd = analysis.risk.krd.portfolio_krd()
    te_before, _ = tracking_error(pre_krd - bench_krd, cov)
    out: dict[str, Any] = {
        "tracking_error_bp": {"before": te_before, "after": None},
        "duration": {
            "before": totals["effective_duration"],
            "after": None,
            "target": None,
            "band": None,
            "compliant_before": None,
            "compliant_after": None,
        },
        "dv01": {"before": totals["dv01"], "after": None, "limit": None},
        "largest_mismatches": {
            "before": _mismatches(pre_krd - bench_krd, cov, tenors),
            "after": [],
        },
        "methodology": "effective durations; tracking error from the key-rate covariance",
    }
    if hedge_plan is None:
        return out
    res = hedge_plan.result
    post_krd = np.asarray(res.post.krd_dv01) / (hedge_plan.problem.market_value * 1e-4)
    out["tracking_error_bp"]["after"] = res.post.te_bp
    out["largest_mismatches"]["after"] = _mismatches(post_krd - bench_krd, cov, tenors)
    target = hedge_plan.problem.duration_target
    band = next((c.limit for c in res.constraints if c.name == "duration_band"), None)
    d = out["duration"]
    d.update({"after": res.post.duration, "target": target, "band": band})
    if target is not None and band is not None:
        d["compliant_before"] = bool(abs(d["before"] - target) <= band + 1e-9)
        d["compliant_after"] = bool(abs(res.post.duration - target) <= band + 1e-9)
    dv01_limit = next((c.limit for c in res.constraints if c.name == "dv01_max"), None)
    out["dv01"].update({"after": res.post.dv01, "limit": dv01_limit})
    return out


# ------------------------------------------------------------------------------------------------
# Section 5: action items
# ------------------------------------------------------------------------------------------------


def _trade_sentence(trade: dict[str, Any]) -> str:
    qty = abs(trade["quantity"])
    name = trade["instrument"]
    if trade["kind"] == "future":
        detail = trade.get("detail", {})
        ctd = detail.get("ctd_id")
        cf = detail.get("conversion_factor")
        extra = f" (CTD {ctd}, CF {cf:.4f})" if ctd and cf else ""
        return (
            f"{trade['direction'].capitalize()} {qty:,.0f} {name} futures{extra}: DV01 change "
            f"{trade['dv01_change']:+,.0f} per bp"
        )
    if trade["kind"] == "swap":
        return (
            f"{trade['direction'].capitalize()} fixed on {qty:,.0f} notional {name} OIS: DV01 "
            f"change {trade['dv01_change']:+,.0f} per bp"
        )
    return (
        f"{trade['direction'].capitalize()} {qty:,.0f} notional {name} swaption: DV01 change "
        f"{trade['dv01_change']:+,.0f} per bp"
    )


def _actions(
    case: AnalysisCase, analysis: CaseAnalysis, hedge_plan: HedgePlan | None
) -> dict[str, Any]:
    horizon_days = case.hedge.horizon_days if case.hedge else 90
    horizon = case.analysis_date + dt.timedelta(days=horizon_days)
    review = to_date(
        add_business_days(np.array([to_days(case.analysis_date)]), REVIEW_BUSINESS_DAYS)[0]
    )
    trades = hedge_plan.trades() if hedge_plan is not None else []
    triggers: list[str] = []
    if hedge_plan is not None:
        target = hedge_plan.problem.duration_target
        band = next(
            (c.limit for c in hedge_plan.result.constraints if c.name == "duration_band"), None
        )
        if target is not None and band is not None:
            triggers.append(
                f"Re-hedge when effective duration leaves {target - band:.2f}-{target + band:.2f} "
                f"years (target {target:.2f} +/- {band:.2f})"
            )
        te_after = hedge_plan.result.post.te_bp
        triggers.append(
            f"Review when ex-ante tracking error exceeds {max(2 * te_after, 10.0):.0f} bp/yr "
            f"(now {te_after:.1f} bp/yr after the hedge)"
        )
    triggers.append("Re-run after large cash flows, new mandates or benchmark rebalances")
    triggers.append("Refresh supplied OAS analytics of MBS and callables after rate moves > 25 bp")
    rolls = []
    for m in hedge_plan.problem.members if hedge_plan is not None else []:
        if m.risk.kind != "future":
            continue
        d = m.risk.details
        rolls.append(
            {
                "instrument": m.name,
                "roll_date": d.get("roll_date"),
                "first_notice": d.get("first_notice_day"),
                "last_trade": d.get("last_trading_day"),
                "before_horizon": bool(d.get("rolls_before_horizon")),
            }
        )
    traded = {t["instrument"] for t in trades}
    rolls = [r for r in rolls if r["instrument"] in traded] or rolls
    maturities = []
    book = analysis.holdings.book()
    mv = analysis.risk.market_value
    horizon_day = to_days(horizon)
    for i in np.flatnonzero(book.maturity <= horizon_day):
        maturities.append(
            {
                "id": book.ids[i],
                "maturity": to_date(book.maturity[i]).isoformat(),
                "face": float(book.face[i]),
                "market_value": float(mv[i]),
            }
        )
    paydowns = [
        {
            "id": row.id,
            "note": "amortising pool: paydowns not modelled; supply factor/CPR data",
            "face": row.face,
        }
        for row in analysis.holdings.rows
        if row.frequency == 12 and row.sector == "securitized" and row.face >= 10e6
    ]
    return {
        "trades": [_trade_sentence(t) for t in trades],
        "rebalancing_triggers": triggers,
        "next_review_date": review.isoformat(),
        "roll_dates": rolls,
        "upcoming_maturities": maturities,
        "large_paydowns": paydowns,
        "horizon_date": horizon.isoformat(),
    }


# ------------------------------------------------------------------------------------------------
# Quality checks
# ------------------------------------------------------------------------------------------------


def _check(name: str, status: str, detail: str) -> dict[str, str]:
    return {"name": name, "status": status, "detail": detail}


def quality_checks(
    case: AnalysisCase,
    analysis: CaseAnalysis,
    hedge_plan: HedgePlan | None,
    doc: dict[str, Any],
) -> list[dict[str, str]]:
    """The checks a risk officer asks for, each ``pass``, ``warn`` or ``fail`` with detail."""
    checks: list[dict[str, str]] = []
    risk = analysis.risk
    computed = risk.computed
    source = np.array(risk.source)
    yf = analysis.yield_frame

    # 1. Supplied vs computed, and effective vs yield-based DV01 on the engine's own bonds.
    is_comp = source == "computed"
    eff = float(computed.dv01[is_comp].sum())
    yld = float(yf["dv01"].to_numpy()[is_comp].sum())
    rel = abs(eff - yld) / abs(yld) if yld else 0.0
    supplied_flags = [f for f in risk.flags if f.code == "supplied_vs_computed_duration"]
    status = "pass" if rel <= 0.03 else "fail"
    detail = (
        f"effective DV01 {eff:,.0f} vs yield-based DV01 {yld:,.0f} of the {is_comp.sum()} "
        f"engine-priced holdings differ by {100 * rel:.2f}% (limit 3%: compounding and curve "
        "shape explain small differences)"
    )
    if supplied_flags:
        status = "warn" if status == "pass" else status
        worst = max(supplied_flags, key=lambda f: f.message)
        detail += (
            f"; {len(supplied_flags)} holdings' supplied (OAS-based) durations differ from the "
            f"bullet-equivalent by more than the tolerance (expected for options; e.g. "
            f"{worst.holding})"
        )
    checks.append(_check("Supplied and computed duration and DV01 reconcile", status, detail))

    # 2. KRDs sum to effective duration.
    krd_flags = [f for f in risk.flags if f.code == "krd_sum"]
    miss = float(np.max(risk.krd.krd.sum(axis=1) - risk.effective_duration, initial=0.0))
    checks.append(
        _check(
            "KRDs sum to effective duration",
            "pass" if not krd_flags else "warn",
            f"largest miss {miss:.2e} years; {len(krd_flags)} holdings beyond "
            f"{100 * case.risk.krd_sum_tolerance:g}%; portfolio KRD sum "
            f"{doc['exposure']['portfolio']['krd_sum']:.4f} vs effective duration "
            f"{doc['exposure']['portfolio']['effective_duration']:.4f}",
        )
    )

    # 3. Scenarios include spread effects.
    rows = doc["scenarios"]["rows"]
    spread_rows = [
        r["name"] for r in rows if any(v for v in (r.get("spread_shifts") or {}).values())
    ]
    sectors = set(risk.sectors)
    covered = {s for r in rows for s, v in (r.get("spread_shifts") or {}).items() if v}
    missing = sorted(sectors - covered - {"government"})
    status = "pass" if spread_rows and not missing else ("warn" if spread_rows else "fail")
    checks.append(
        _check(
            "Scenarios include spread effects",
            status,
            f"{len(spread_rows)} of {len(rows)} scenarios move sector spreads"
            + (f"; sectors never shocked: {', '.join(missing)}" if missing else ""),
        )
    )

    # 4. MBS and callables use OAS-based effective duration.
    option_bearing = [
        r.id for r in analysis.holdings.rows if OPTION_BEARING.search(f"{r.id} {r.description}")
    ]
    not_supplied = [i for i in option_bearing if risk.source[risk.ids.index(i)] == "computed"]
    checks.append(
        _check(
            "MBS and callables use OAS-based effective duration",
            "fail" if not_supplied else "pass",
            f"{len(option_bearing)} option-bearing holdings (MBS pools, callables)"
            + (
                f"; priced as bullets without supplied OAS analytics: {', '.join(not_supplied[:8])}"
                if not_supplied
                else "; all carry supplied (OAS-based) effective duration, never modified duration"
            ),
        )
    )

    # 5. Benchmark is current.
    bench = analysis.benchmark
    if bench is None:
        checks.append(_check("Benchmark is current", "warn", "no benchmark given"))
    else:
        stale = [f for f in bench.flags if f.code == "benchmark_stale"]
        checks.append(
            _check(
                "Benchmark is current",
                "warn" if stale else "pass",
                stale[0].message if stale else f"{bench.name}: rebalance within the limit",
            )
        )

    # 6. Hedge roll dates fall after the horizon or are flagged.
    rolls = [r for r in doc["actions"]["roll_dates"] if r["before_horizon"]]
    checks.append(
        _check(
            "Hedge roll dates fall after the horizon or are flagged",
            "warn" if rolls else "pass",
            (
                "roll before the horizon "
                f"({doc['actions']['horizon_date']}): "
                + ", ".join(f"{r['instrument']} by {r['roll_date']}" for r in rolls)
                + "; roll into the next contract month (listed in action items)"
            )
            if rolls
            else "every futures position is held within its contract month",
        )
    )

    # 7. Every duration figure names its methodology.
    labelled = doc["exposure"]["methodology"]
    figures = [k for k in doc["exposure"]["portfolio"] if "duration" in k or k == "convexity"]
    unlabelled = [
        k for k in figures if not any(k.startswith(m) or m.startswith(k) for m in labelled)
    ]
    checks.append(
        _check(
            "Every duration figure names its methodology",
            "fail" if unlabelled else "pass",
            "unlabelled: " + ", ".join(unlabelled)
            if unlabelled
            else f"{len(figures)} figures labelled (Macaulay, modified, effective, OAS-based)",
        )
    )

    # 8. Futures hedges account for conversion factor and CTD.
    if hedge_plan is not None:
        fut = [m for m in hedge_plan.problem.members if m.risk.kind == "future"]
        bad = [m.name for m in fut if not m.risk.details.get("ctd_id")]
        checks.append(
            _check(
                "Futures hedges account for conversion factor and CTD",
                "fail" if bad else "pass",
                "; ".join(
                    f"{m.name}: CTD {m.risk.details['ctd_id']}, CF "
                    f"{m.risk.details['conversion_factor']:.4f}, DV01/contract {m.risk.dv01:,.2f}"
                    for m in fut
                )
                or "no futures in the universe",
            )
        )
        res = hedge_plan.result
        violated = [c.name for c in res.constraints if c.slack < -1e-6 * max(1.0, abs(c.limit))]
        checks.append(
            _check(
                "Post-hedge limits are met",
                "pass" if res.status == "optimal" and not violated else "fail",
                f"solver {res.status} ({res.method}), gap {res.rel_gap:.1e}"
                + (f"; violated: {', '.join(violated)}" if violated else "")
                + (f"; {res.message}" if res.message else ""),
            )
        )
        swaps_dv01 = sum(
            abs(m.risk.dv01 * q)
            for m, q in zip(hedge_plan.problem.members, hedge_plan.quantities, strict=True)
            if m.risk.kind in ("swap", "swaption")
        )
        checks.append(
            _check(
                "Treasury-SOFR basis is named as residual risk",
                "warn" if swaps_dv01 > 0 else "pass",
                f"swaps and swaptions carry {swaps_dv01:,.0f} of DV01 discounted on SOFR while "
                "bonds and futures are on Treasuries: swap-spread moves are priced in the "
                f"objective (common {case.hedge.costs.swap_spread_vol_bp:g} bp/yr, "
                f"{case.hedge.costs.swap_spread_tenor_vol_bp:g} bp/yr per tenor) but stay a "
                "residual risk of the hedge"
                if swaps_dv01 > 0 and case.hedge is not None
                else "no SOFR instruments in the hedge",
            )
        )
    # 9. The approximation beside full revaluation.
    worst = max(rows, key=lambda r: abs(r["approx_error"]), default=None)
    if worst is not None:
        mv = doc["exposure"]["portfolio"]["market_value"]
        err_bp = abs(worst["approx_error"]) / mv * 1e4
        checks.append(
            _check(
                "Duration/convexity approximation checked against full revaluation",
                "pass" if err_bp < 5 else "warn",
                f"largest error {err_bp:.2f} bp of MV in '{worst['name']}'"
                + ("; use the full revaluation figures for large moves" if err_bp >= 5 else ""),
            )
        )
    return checks
