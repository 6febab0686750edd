"""Section 6 of the plan: the checks a risk officer asks for, each pass, warn or fail."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
from hedge_planner.document import Actions, QualityCheck
from hedge_planner.document_sections import Exposure, Scenarios, Status
from hedge_planner.lazy_frame import yield_columns
from hedge_planner.models.dates import to_iso
from hedge_planner.models.futures import BASKET_GAP_MONTHS, basket_short_end_gap
from hedge_planner.models.units import BP_PER_UNIT
from hedge_planner.workflow import CaseAnalysis

if TYPE_CHECKING:  # the hedge modules load the optimiser (cvxpy): types only here
    from hedge_planner.hedge_plan import HedgePlan

#: Effective and yield-based DV01 of engine-priced holdings may differ by this fraction
#: (compounding conventions and curve shape explain small differences).
DV01_RECONCILE_LIMIT = 0.03
#: The duration/convexity approximation's largest scenario error that still passes, bp of MV.
APPROX_ERROR_LIMIT_BP = 5.0
#: A constraint counts as violated when its slack is below ``-this * max(1, |limit|)``.
CONSTRAINT_SLACK_TOLERANCE = 1e-6
#: Holdings whose id or description matches this are option-bearing (MBS pools, callables).
OPTION_BEARING = re.compile(r"\b(mbs|pool|callable|call|cmo|tba)\b|^(mbs|call)[-_]", re.IGNORECASE)


def _check(name: str, status: Status, detail: str) -> QualityCheck:
    return QualityCheck(name=name, status=status, detail=detail)


def _reconcile(analysis: CaseAnalysis) -> QualityCheck:
    """Supplied vs computed, and effective vs yield-based DV01 on the engine's own bonds."""
    risk = analysis.risk
    is_comp = np.array(risk.source) == "computed"
    eff = float(risk.computed.dv01[is_comp].sum())
    dv01 = np.asarray(yield_columns(analysis)["dv01"], dtype=np.float64)
    yld = float(dv01[is_comp].sum())
    rel = abs(eff - yld) / abs(yld) if yld else 0.0
    supplied_flags = [f for f in risk.flags if f.code == "supplied_vs_computed_duration"]
    modelled_flags = [f for f in risk.flags if f.code == "supplied_vs_modelled_duration"]
    status: Status = "pass" if rel <= DV01_RECONCILE_LIMIT else "fail"
    detail = (
        f"effective DV01 {eff:,.0f} vs yield-based DV01 {yld:,.0f} of the {is_comp.sum()} "
        f"engine-priced holdings differ by {100 * rel:.2f}% (limit "
        f"{100 * DV01_RECONCILE_LIMIT:g}%: compounding and curve shape explain small differences)"
    )
    if supplied_flags:
        status = "warn" if status == "pass" else status
        worst = max(supplied_flags, key=lambda f: f.message)
        detail += (
            f"; {len(supplied_flags)} holdings' supplied (OAS-based) durations differ from the "
            f"bullet-equivalent by more than the tolerance (expected for options; e.g. "
            f"{worst.holding})"
        )
    if modelled_flags:
        status = "warn" if status == "pass" else status
        detail += (
            f"; {len(modelled_flags)} modelled holdings' supplied (vendor) durations differ from "
            f"the OAS model's by more than the tolerance (the model's are used; e.g. "
            f"{modelled_flags[0].holding})"
        )
    return _check("Supplied and computed duration and DV01 reconcile", status, detail)


def _krd_sum(analysis: CaseAnalysis, exposure: Exposure) -> QualityCheck:
    risk = analysis.risk
    krd_flags = [f for f in risk.flags if f.code == "krd_sum"]
    miss = float(np.max(risk.krd.krd.sum(axis=1) - risk.effective_duration, initial=0.0))
    p = exposure.portfolio
    return _check(
        "KRDs sum to effective duration",
        "pass" if not krd_flags else "warn",
        f"largest miss {miss:.2e} years; {len(krd_flags)} holdings beyond "
        f"{100 * analysis.case.risk.krd_sum_tolerance:g}%; portfolio KRD sum "
        f"{p.krd_sum:.4f} vs effective duration {p.effective_duration:.4f}",
    )


def _spread_coverage(analysis: CaseAnalysis, scenarios: Scenarios) -> QualityCheck:
    rows = scenarios.rows
    spread_rows = [r.name for r in rows if any(v for v in r.spread_shifts.values())]
    covered = {s for r in rows for s, v in r.spread_shifts.items() if v}
    missing = sorted(set(analysis.risk.sectors) - covered - {"government"})
    status: Status = "pass" if spread_rows and not missing else ("warn" if spread_rows else "fail")
    return _check(
        "Scenarios include spread effects",
        status,
        f"{len(spread_rows)} of {len(rows)} scenarios move sector spreads"
        + (f"; sectors never shocked: {', '.join(missing)}" if missing else ""),
    )


def _oas(analysis: CaseAnalysis) -> QualityCheck:
    """Passes only when every option-bearing holding is priced by the OAS model (or declared
    modelled); supplied vendor figures alone warn, bullet treatment fails."""
    risk = analysis.risk
    option_bearing = [
        r.id
        for r in analysis.holdings.rows
        if r.modelled or OPTION_BEARING.search(f"{r.id} {r.description}")
    ]
    position = {hid: k for k, hid in enumerate(risk.ids)}
    source = {i: risk.source[position[i]] for i in option_bearing}
    bullets = [i for i in option_bearing if source[i] == "computed"]
    vendor = [i for i in option_bearing if source[i] in ("supplied", "mixed")]
    modelled = [i for i in option_bearing if source[i] == "modelled"]
    status: Status = "fail" if bullets else ("warn" if vendor else "pass")
    detail = (
        f"{len(option_bearing)} option-bearing holdings (MBS pools, callables); "
        f"{len(modelled)} priced and measured by the OAS model (Hull-White lattice / Monte Carlo)"
    )
    if vendor:
        detail += (
            f"; {len(vendor)} rely on supplied figures the planner cannot check: "
            + ", ".join(vendor[:8])
            + " (give them kind, terms and a quote to model them)"
        )
    if bullets:
        detail += "; priced as bullets with modified duration: " + ", ".join(bullets[:8])
    if analysis.calibration is not None:
        detail += "; short-rate model: " + analysis.calibration.summary()
    return _check("MBS and callables use OAS-based effective duration", status, detail)


def _benchmark(analysis: CaseAnalysis) -> QualityCheck:
    bench = analysis.benchmark
    if bench is None:
        return _check("Benchmark is current", "warn", "no benchmark given")
    stale = [f for f in bench.flags if f.code == "benchmark_stale"]
    return _check(
        "Benchmark is current",
        "warn" if stale else "pass",
        stale[0].message if stale else f"{bench.name}: rebalance within the limit",
    )


def _rolls(actions: Actions) -> QualityCheck:
    rolls = [r for r in actions.roll_dates if r.before_horizon]
    return _check(
        "Hedge roll dates fall after the horizon or are flagged",
        "warn" if rolls else "pass",
        (
            f"roll before the horizon ({actions.horizon_date}): "
            + ", ".join(f"{r.instrument} by {r.roll_date}" for r in rolls)
            + "; roll into the next contract month (listed in action items)"
        )
        if rolls
        else "every futures position is held within its contract month",
    )


def _methodology(exposure: Exposure) -> QualityCheck:
    labelled = exposure.methodology
    present = exposure.portfolio.model_dump(exclude_none=True)
    figures = [k for k in present if "duration" in k or k == "convexity"]
    unlabelled = [
        k for k in figures if not any(k.startswith(m) or m.startswith(k) for m in labelled)
    ]
    return _check(
        "Every duration figure names its methodology",
        "fail" if unlabelled else "pass",
        "unlabelled: " + ", ".join(unlabelled)
        if unlabelled
        else f"{len(figures)} figures labelled (Macaulay, modified, effective, OAS-based)",
    )


def _hedge_checks(analysis: CaseAnalysis, hedge_plan: HedgePlan) -> list[QualityCheck]:
    out = []
    members = hedge_plan.problem.members
    fut = [m for m in members if m.risk.kind == "future"]
    bad = [m.name for m in fut if not m.risk.details.get("ctd_id")]
    gaps = _basket_gaps(fut) + [
        f"{m.name}'s basket is marked incomplete in the case (basket_complete: false)"
        for m in fut
        if not getattr(m.spec, "basket_complete", True)
    ]
    nan = float("nan")
    out.append(
        _check(
            "Futures hedges account for conversion factor and CTD",
            "fail" if bad else "warn" if gaps else "pass",
            "; ".join(
                f"{m.name}: CTD {d['ctd_id']}, CF {d['conversion_factor']:.4f}, DV01/contract "
                f"{m.risk.dv01:,.2f} (yield convention {d.get('dv01_yield_convention', nan):,.2f}"
                f"), basis {d.get('basis_source', 'theoretical')}"
                for m in fut
                for d in [m.risk.details]
            )
            + ("; basket looks incomplete: " + "; ".join(gaps) if gaps else "")
            or "no futures in the universe",
        )
    )
    res = hedge_plan.result
    violated = [
        c.name
        for c in res.constraints
        if c.slack < -CONSTRAINT_SLACK_TOLERANCE * max(1.0, abs(c.limit))
    ]
    out.append(
        _check(
            "Post-hedge limits are met",
            "pass" if res.status == "optimal" and not violated else "fail",
            f"solver {res.status} ({res.method}), gap "
            + (f"{res.rel_gap:.1e}" if res.rel_gap is not None else "unknown")
            + (f"; violated: {', '.join(violated)}" if violated else "")
            + (f"; {res.message}" if res.message else ""),
        )
    )
    swaps_dv01 = sum(
        abs(m.risk.dv01 * q)
        for m, q in zip(members, hedge_plan.quantities, strict=True)
        if m.risk.kind in ("swap", "swaption")
    )
    costs = analysis.case.hedge.costs if analysis.case.hedge is not None else None
    out.append(
        _check(
            "Treasury-SOFR basis is named as residual risk",
            "warn" if swaps_dv01 > 0 else "pass",
            f"swaps and swaptions carry {swaps_dv01:,.0f} of DV01 discounted on SOFR while "
            "bonds and futures are on Treasuries: swap-spread moves are priced in the "
            f"objective (common {costs.swap_spread_vol_bp:g} bp/yr, "
            f"{costs.swap_spread_tenor_vol_bp:g} bp/yr per tenor) but stay a "
            "residual risk of the hedge"
            if swaps_dv01 > 0 and costs is not None
            else "no SOFR instruments in the hedge",
        )
    )
    return out


def _approximation(exposure: Exposure, scenarios: Scenarios) -> list[QualityCheck]:
    worst = max(scenarios.rows, key=lambda r: abs(r.approx_error), default=None)
    if worst is None:
        return []
    err_bp = abs(worst.approx_error) / exposure.portfolio.market_value * BP_PER_UNIT
    return [
        _check(
            "Duration/convexity approximation checked against full revaluation",
            "pass" if err_bp < APPROX_ERROR_LIMIT_BP else "warn",
            f"largest error {err_bp:.2f} bp of MV in '{worst.name}'"
            + (
                "; use the full revaluation figures for large moves"
                if err_bp >= APPROX_ERROR_LIMIT_BP
                else ""
            ),
        )
    ]


def quality_checks(
    analysis: CaseAnalysis,
    hedge_plan: HedgePlan | None,
    exposure: Exposure,
    scenarios: Scenarios,
    actions: Actions,
) -> list[QualityCheck]:
    """Every check of section 6, in the report's order."""
    checks = [
        _reconcile(analysis),
        _krd_sum(analysis, exposure),
        _spread_coverage(analysis, scenarios),
        _oas(analysis),
        _benchmark(analysis),
        _rolls(actions),
        _methodology(exposure),
    ]
    if hedge_plan is not None:
        checks += _hedge_checks(analysis, hedge_plan)
    return checks + _approximation(exposure, scenarios)


def _basket_gaps(futures: list[Any]) -> list[str]:
    """Futures whose basket has no bond near the short (cheap) end of the deliverable window."""
    out = []
    for m in futures:
        inst = m.instrument
        start, gap = basket_short_end_gap(
            inst.contract.code, inst.year, inst.month, inst.book.maturity, inst.table
        )
        if gap >= BASKET_GAP_MONTHS:
            out.append(
                f"{m.name}'s shortest deliverable matures {gap:.1f} months after the window's "
                f"short end {to_iso([start])[0]} (the cheapest to deliver may be missing)"
            )
    return out
