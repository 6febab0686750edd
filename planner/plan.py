"""The plan document's sections built from a run's results (exposure, dashboard, actions).

:class:`hedge_planner.run.PlanRun` runs the steps; the functions here turn their results into the
typed sections of :class:`hedge_planner.document.Plan`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from hedge_planner.active_risk import ActiveRisk, with_positions
from hedge_planner.cases import case_warnings
from hedge_planner.derivative_hedges import (
    basis_loadings,
    cdx_basis_notes,
    hedge_risk_model,
    spread_loadings,
)
from hedge_planner.document import (
    SCHEMA,
    VERSION,
    Actions,
    BeforeAfter,
    Dashboard,
    DurationStatus,
    Dv01Status,
    FactorDoc,
    HorizonEventDoc,
    Maturity,
    MismatchesBeforeAfter,
    Paydown,
    RiskSide,
    RollDate,
    SpreadRisk,
    TrackingErrorDoc,
)
from hedge_planner.document import RiskModel as RiskModelDoc
from hedge_planner.document_sections import (
    Benchmark,
    Exposure,
    Flag,
    KrdConventionDoc,
    Mismatch,
    Portfolio,
    ScenarioRow,
    Scenarios,
    SectorRow,
    Trade,
)
from hedge_planner.models.calendar import add_business_days
from hedge_planner.models.dates import to_date, to_days
from hedge_planner.models.events import horizon_events
from hedge_planner.models.risk_model import RiskModel
from hedge_planner.models.tracking_error import tracking_error
from hedge_planner.models.units import BP
from hedge_planner.scenarios.portfolio_result import PortfolioScenarioResult
from hedge_planner.workflow import CaseAnalysis

if TYPE_CHECKING:  # the hedge modules load the optimiser (cvxpy): types only here
    from hedge_planner.hedge_plan import HedgePlan
    from hedge_planner.hedging import UniverseMember

__all__ = ["SCHEMA", "VERSION", "actions", "dashboard", "exposure", "scenarios_section"]

#: Review cadence: the next review is this many business days after the analysis date.
REVIEW_BUSINESS_DAYS = 21
#: Tracking-error review trigger: this multiple of the post-hedge TE, and never below the floor.
TE_TRIGGER_MULTIPLE = 2.0
TE_TRIGGER_FLOOR_BP = 10.0
#: Amortising pools this large (face, currency) are listed for paydown review.
LARGE_PAYDOWN_FACE = 10e6
#: Tolerance on the duration band when judging compliance, years.
BAND_TOLERANCE = 1e-9
#: How the benchmark's duration is obtained (labels it in the exposure section).
BENCHMARK_DURATION_METHOD = (
    "effective, years: the benchmark's supplied profile, or computed from its holdings on the "
    "same curve as the portfolio"
)
#: Largest tracking-error contributors shown on the dashboard.
N_MISMATCHES = 5


def exposure(analysis: CaseAnalysis) -> Exposure:
    """Section 1: the measured portfolio, its sectors and the benchmark comparison."""
    doc = analysis.to_json()
    portfolio = doc["portfolio"]
    portfolio.pop("active_risk", None)
    benchmark = portfolio.pop("benchmark", None)
    sectors = portfolio.pop("sectors")
    methodology = dict(doc["methodology"])
    if benchmark is not None:
        methodology["benchmark_duration"] = BENCHMARK_DURATION_METHOD
        te = analysis.active.tracking_error
        if te is not None:
            # The multi-factor figure, the one the hedge section and its limit use.
            benchmark["tracking_error_bp"] = te.total_bp
            benchmark["tracking_error_ccy"] = te.total_currency
            benchmark["methodology"] = (
                "effective durations; tracking error = sqrt(e' S e) of the active factor "
                "exposures e (key rates in the case's KRD convention, sector spreads) under the "
                "risk model's covariance S (bp^2/yr), bp per year; largest_mismatches rank the "
                "key-rate gaps alone"
            )
    return Exposure(
        portfolio=Portfolio.model_validate(portfolio),
        benchmark=None if benchmark is None else Benchmark.model_validate(benchmark),
        sectors=[SectorRow.model_validate(s) for s in sectors],
        methodology=methodology,
    )


def scenarios_section(stress: PortfolioScenarioResult) -> Scenarios:
    """Section 3: the scenario matrix from the stress run."""
    scen = stress.to_json()
    return Scenarios(
        horizon_days=scen.get("horizon_days"),
        rows=[ScenarioRow.model_validate(r) for r in scen["scenarios"]],
        breakeven_bp=scen["breakeven_bp"],
        methodology=scen.get("methodology"),
        n_full_revaluation=scen.get("n_full_revaluation"),
        n_sensitivity=scen.get("n_sensitivity"),
    )


def warnings(analysis: CaseAnalysis) -> list[Flag]:
    """Every flag raised while reading the case, measuring and comparing.

    The case's own warnings (a weekend analysis date) come first: they were only logged at
    load time, and a plan read later must still show them.
    """
    case_flags = [
        Flag(level="warn", code="case_input", holding=None, message=text)
        for text in case_warnings(analysis.case)
    ]
    return case_flags + [Flag.model_validate(f.as_dict()) for f in analysis.flags]


# ------------------------------------------------------------------------------------------------
# Section 4: risk dashboard
# ------------------------------------------------------------------------------------------------


def _mismatches(gap: np.ndarray, cov: np.ndarray, tenors: tuple[str, ...]) -> list[Mismatch]:
    te, contrib = tracking_error(gap, cov)
    order = np.argsort(-np.abs(contrib), kind="stable")[:N_MISMATCHES]
    return [
        Mismatch(
            tenor=tenors[k],
            gap_years=float(gap[k]),
            te_contribution_bp=float(contrib[k]),
            share=float(contrib[k] / te) if te else 0.0,
        )
        for k in order
    ]


def dashboard(analysis: CaseAnalysis, hedge_plan: HedgePlan | None) -> Dashboard:
    """Section 4: tracking error, duration and DV01 before and after the hedge.

    Tracking error is the multi-factor one throughout (the risk model's, as in the
    ``risk_model`` section and the hedge): with a hedge, "before" and "after" are the hedge's
    pre- and post-hedge figures; without one, "before" is the measured book against its
    benchmark (its absolute factor risk without a benchmark). The largest mismatches rank the
    key-rate gaps in the case's KRD convention (the risk model's rate exposures) by their
    contribution under the key-rate covariance alone.
    """
    tenors = analysis.tenors
    cov = np.asarray(analysis.covariance.matrix)
    active = analysis.active
    members = hedge_plan.problem.members if hedge_plan is not None else []

    def rate_gap(quantities: np.ndarray) -> np.ndarray:
        """Active KRD gap, years, in the chosen convention, derivatives included."""
        exposures = _exposures(analysis, members, quantities)
        return np.array([exposures[f"rate:{t}"] for t in tenors]) / (active.market_value * BP)

    methodology = (
        "effective durations; tracking error = the multi-factor risk model's (key rates in the "
        "case's KRD convention, sector spreads, swap spreads), bp per year; largest mismatches "
        "rank the key-rate gaps under the key-rate covariance alone"
    )
    if hedge_plan is None:
        totals = analysis.risk.totals()
        te_before = active.risk_model.tracking_error(active.exposures, active.market_value)
        return Dashboard(
            tracking_error_bp=BeforeAfter(before=te_before.total_bp, after=None),
            duration=DurationStatus(
                before=totals["effective_duration"],
                after=None,
                target=None,
                band=None,
                compliant_before=None,
                compliant_after=None,
            ),
            dv01=Dv01Status(before=totals["dv01"], after=None, limit=None),
            largest_mismatches=MismatchesBeforeAfter(
                before=_mismatches(rate_gap(np.zeros(0)), cov, tenors), after=[]
            ),
            methodology=methodology,
        )
    pre, post = hedge_plan.pre, hedge_plan.post
    target = hedge_plan.problem.duration_target
    band = hedge_plan.constraint_limit("duration_band")

    def within_band(duration: float) -> bool | None:
        if target is None or band is None:
            return None
        return bool(abs(duration - target) <= band + BAND_TOLERANCE)

    return Dashboard(
        tracking_error_bp=BeforeAfter(before=pre.te_bp, after=post.te_bp),
        duration=DurationStatus(
            before=pre.duration,
            after=post.duration,
            target=target,
            band=band,
            compliant_before=within_band(pre.duration),
            compliant_after=within_band(post.duration),
        ),
        dv01=Dv01Status(
            before=pre.dv01, after=post.dv01, limit=hedge_plan.constraint_limit("dv01_max")
        ),
        largest_mismatches=MismatchesBeforeAfter(
            before=_mismatches(rate_gap(hedge_plan.current), cov, tenors),
            after=_mismatches(rate_gap(hedge_plan.quantities), cov, tenors),
        ),
        methodology=methodology,
    )


# ------------------------------------------------------------------------------------------------
# Section 5: action items
# ------------------------------------------------------------------------------------------------


def trade_sentence(trade: Trade) -> str:
    """One line a trader can execute: direction, size, instrument and DV01 change."""
    qty = abs(trade.quantity)
    name = trade.instrument
    verb = trade.direction.capitalize()
    dv01 = f"DV01 change {trade.dv01_change:+,.0f} per bp"
    if trade.kind == "future":
        ctd = trade.detail.get("ctd_id")
        cf = trade.detail.get("conversion_factor")
        extra = f" (CTD {ctd}, CF {cf:.4f})" if ctd and cf else ""
        return f"{verb} {qty:,.0f} {name} futures{extra}: {dv01}"
    if trade.kind == "swap":
        return f"{verb} fixed on {qty:,.0f} notional {name} OIS: {dv01}"
    if trade.kind == "future_option":
        return f"{verb} {qty:,.0f} {name} options on futures: {dv01}"
    if trade.kind == "cdx":
        side = "protection sold" if trade.quantity > 0 else "protection bought"
        return f"{verb} {qty:,.0f} notional {name} ({side}; spread hedge, no rate DV01)"
    if trade.kind in ("cap", "floor"):
        return f"{verb} {qty:,.0f} notional {name}: {dv01}"
    return f"{verb} {qty:,.0f} notional {name} swaption: {dv01}"


def _triggers(hedge_plan: HedgePlan | None) -> list[str]:
    triggers: list[str] = []
    if hedge_plan is not None:
        target = hedge_plan.problem.duration_target
        band = hedge_plan.constraint_limit("duration_band")
        if target is not None and band is not None:
            triggers.append(
                f"Re-hedge when effective duration leaves {target - band:.2f}-{target + band:.2f} "
                f"years (target {target:.2f} +/- {band:.2f})"
            )
        te_after = hedge_plan.post.te_bp
        trigger = max(TE_TRIGGER_MULTIPLE * te_after, TE_TRIGGER_FLOOR_BP)
        triggers.append(
            f"Review when ex-ante tracking error exceeds {trigger:.0f} bp/yr "
            f"(now {te_after:.1f} bp/yr after the hedge)"
        )
    triggers.append("Re-run after large cash flows, new mandates or benchmark rebalances")
    triggers.append("Refresh supplied OAS analytics of MBS and callables after rate moves > 25 bp")
    return triggers


def _roll_dates(hedge_plan: HedgePlan | None, trades: list[Trade]) -> list[RollDate]:
    rolls: list[RollDate] = []
    for m in hedge_plan.problem.members if hedge_plan is not None else []:
        if m.risk.kind != "future":
            continue
        d: Mapping[str, Any] = m.risk.details
        rolls.append(
            RollDate(
                instrument=m.name,
                roll_date=d.get("roll_date"),
                first_notice=d.get("first_notice_day"),
                last_trade=d.get("last_trading_day"),
                before_horizon=bool(d.get("rolls_before_horizon")),
            )
        )
    traded = {t.instrument for t in trades}
    return [r for r in rolls if r.instrument in traded] or rolls


def actions(
    analysis: CaseAnalysis, hedge_plan: HedgePlan | None, trades: list[Trade], horizon_days: int
) -> Actions:
    """Section 5: trades to execute, triggers, review date, rolls, maturities and paydowns."""
    case = analysis.case
    horizon = case.analysis_date + dt.timedelta(days=horizon_days)
    review = to_date(
        add_business_days(np.array([to_days(case.analysis_date)]), REVIEW_BUSINESS_DAYS)[0]
    )
    book = analysis.book
    mv = analysis.risk.market_value
    rolls = _roll_dates(hedge_plan, trades)
    maturities = [
        Maturity(
            id=book.ids[i],
            maturity=to_date(book.maturity[i]).isoformat(),
            face=float(book.face[i]),
            market_value=float(mv[i]),
        )
        for i in np.flatnonzero(book.maturity <= to_days(horizon))
    ]
    paydowns = [
        Paydown(
            id=row.id,
            note="amortising pool: paydowns not modelled; supply factor/CPR data",
            face=row.face,
        )
        for row in analysis.holdings.rows
        if row.frequency == 12 and row.sector == "securitized" and row.face >= LARGE_PAYDOWN_FACE
    ]
    return Actions(
        trades=[trade_sentence(t) for t in trades],
        rebalancing_triggers=_triggers(hedge_plan),
        next_review_date=review.isoformat(),
        roll_dates=rolls,
        upcoming_maturities=maturities,
        large_paydowns=paydowns,
        horizon_date=horizon.isoformat(),
        events=_horizon_events(analysis, horizon, rolls, trades),
    )


def _horizon_events(
    analysis: CaseAnalysis, horizon: dt.date, rolls: list[RollDate], trades: list[Trade]
) -> list[HorizonEventDoc]:
    """FOMC, maturities and monthly-pay dates of the book, and the futures' first notice and
    last trade days, inside ``(analysis_date, horizon]``, by date."""
    start = analysis.case.analysis_date
    dv01 = analysis.risk.dv01
    events = [
        HorizonEventDoc(**ev.as_dict())
        for ev in horizon_events(analysis.book, analysis.risk.market_value, dv01, start, horizon)
    ]
    book_dv01 = float(dv01.sum())
    moved = {t.instrument: abs(t.dv01_change) for t in trades}
    for r in rolls:
        share = moved.get(r.instrument, 0.0) / book_dv01 if book_dv01 else 0.0
        for kind, day in (
            ("futures_first_notice", r.first_notice),
            ("futures_last_trade", r.last_trade),
        ):
            if day is None or not start.isoformat() < day <= horizon.isoformat():
                continue
            what = "first notice day" if kind.endswith("notice") else "last trading day"
            events.append(
                HorizonEventDoc(
                    date=day,
                    kind=kind,
                    description=f"{r.instrument} {what} (roll by {r.roll_date}); the recommended "
                    f"position carries {share:.1%} of the book's DV01",
                    market_value=0.0,
                    dv01_share=share,
                )
            )
    return sorted(events, key=lambda e: (e.date, e.kind))


# ------------------------------------------------------------------------------------------------
# Risk model: factors, windows, tracking error by factor group before and after the hedge
# ------------------------------------------------------------------------------------------------


def risk_model_section(analysis: CaseAnalysis, hedge_plan: HedgePlan | None) -> RiskModelDoc:
    """The factor model, its windows and the tracking error by group, pre- and post-hedge.

    Pre-hedge includes the derivatives currently held; post-hedge the positions after the
    recommended trades (None without a proven hedge). Both come from
    :meth:`RiskModel.tracking_error` of the active exposures, so the Euler contributions by
    group sum to the totals.
    """
    active = analysis.active
    members = hedge_plan.problem.members if hedge_plan is not None else []
    # The hedge's model: the book's plus the CDX index-vs-book basis factors, as optimised.
    model = hedge_risk_model(active.risk_model, [(m.name, m.spec, m.instrument) for m in members])

    def side(quantities: np.ndarray | None) -> RiskSide | None:
        if analysis.benchmark is None or quantities is None:
            return None
        exposures = _exposures(analysis, members, quantities)
        te = model.tracking_error(exposures, active.market_value)
        return RiskSide(tracking_error=TrackingErrorDoc(**te.as_dict()), exposures=exposures)

    pre = side(hedge_plan.current if hedge_plan is not None else np.zeros(0))
    post = None
    if hedge_plan is not None and hedge_plan.result.proven:
        post = side(hedge_plan.quantities)
    own, bench = active.spread_dv01_by_sector, active.benchmark_spread_dv01_by_sector
    sectors = list(dict.fromkeys([*own, *bench]))
    te_pre = pre.tracking_error if pre is not None else None
    share = {
        s: (te_pre.by_group.get(f"spread:{s}", 0.0) / te_pre.total_bp)
        if te_pre is not None and te_pre.total_bp > 0
        else 0.0
        for s in sectors
    }
    floor = _spread_floor_bp(model, pre, active.market_value)
    notes = _risk_model_notes(analysis, floor, any(m.risk.kind == "cdx" for m in members))
    if post is not None and hedge_plan is not None:
        held = zip(members, hedge_plan.quantities, strict=True)
        positions = [(m.name, m.spec, m.instrument, float(q)) for m, q in held]
        notes += cdx_basis_notes(positions, active.market_value)
    to_years = 1.0 / (active.market_value * BP)
    return RiskModelDoc(
        krd_convention=KrdConventionDoc(**active.convention.as_dict()),
        credit_exposure="dts" if active.credit_exposure == "dts" else "spread_dv01",
        factors=[FactorDoc(**f.as_dict()) for f in model.factors],
        window=dict(model.window),
        pre_hedge=pre,
        post_hedge=post,
        spread=SpreadRisk(
            portfolio_spread_dv01={s: own.get(s, 0.0) for s in sectors},
            benchmark_spread_dv01={s: bench.get(s, 0.0) for s in sectors},
            gap={s: own.get(s, 0.0) - bench.get(s, 0.0) for s in sectors},
            share_of_tracking_error=share,
            portfolio_spread_duration={s: own.get(s, 0.0) * to_years for s in sectors},
            benchmark_spread_duration={s: bench.get(s, 0.0) * to_years for s in sectors},
            exposure={
                s: "dts"
                if s in active.dts_by_sector or s in active.benchmark_dts_by_sector
                else "spread_dv01"
                for s in sectors
            },
            portfolio_dts=dict(active.dts_by_sector),
            benchmark_dts=dict(active.benchmark_dts_by_sector),
        ),
        spread_floor_bp=floor if pre is not None else None,
        notes=notes,
    )


def _exposures(
    analysis: CaseAnalysis, members: Sequence[UniverseMember], quantities: np.ndarray
) -> dict[str, float]:
    positions = [
        (m.risk.kind, np.asarray(m.risk.krd_dv01, dtype=np.float64) * float(q))
        for m, q in zip(members, quantities, strict=True)
        if q
    ]
    quotes = analysis.curves.treasury_quotes
    assert quotes is not None
    out = with_positions(analysis.active, positions, analysis.curves.treasury, quotes)
    names = analysis.active.risk_model.names
    for m, q in zip(members, quantities, strict=True):
        # CDX positions load on the sector spread factors (rate instruments never do).
        for factor, value in spread_loadings(m.name, m.instrument, float(q or 0.0), names).items():
            out[factor] = out.get(factor, 0.0) + value
        out.update(basis_loadings(m.name, m.instrument, float(q or 0.0)))
    return out


def _risk_model_notes(analysis: CaseAnalysis, floor_bp: float, has_cdx: bool) -> list[str]:
    """What the tracking error cannot be hedged of, and which figures are assumptions."""
    active = analysis.active
    rates = (
        "Treasury futures, swaps and swaptions do not load on sector spread factors: rate "
        "hedges reduce only the part of the spread risk correlated with rates "
        f"(floor: {floor_bp:.1f} bp/yr of tracking error"
    )
    # The floor is of the rate instruments; a CDX in the universe can go below it.
    rates += "; a CDX index loads on its sector's spread factor)." if has_cdx else ")."
    notes = [f"KRD gaps, KRD limits and the rate factors use {active.convention.label()}.", rates]
    assumed = [f.name for f in active.risk_model.factors if f.assumed]
    if assumed:
        notes.append(f"Assumed (not estimated) factor vols: {', '.join(assumed)}.")
    notes.append(_credit_note(active))
    return notes


def _credit_note(active: ActiveRisk) -> str:
    """Which exposure convention the credit sectors use (risk.credit_exposure)."""
    if active.credit_exposure != "dts":
        return (
            "Credit exposures: spread DV01 (spread duration x market value x 1e-4 per bp) with "
            "absolute spread vols, bp/yr (risk.credit_exposure: spread_dv01)."
        )
    dts = [f for f in active.risk_model.factors if f.vol_relative_pct is not None]
    listed = ", ".join(f"{f.group.split(':', 1)[1]} {f.vol_relative_pct:g} %/yr" for f in dts)
    return (
        "Credit exposures: duration times spread (spread duration in years x spread level in "
        "bp; exposure MV x DTS x 1e-6 per 1 % relative spread change) with assumed relative "
        f"spread vols ({listed or 'no DTS sector held'}); other sectors spread DV01 "
        "(risk.credit_exposure: dts)."
    )


def _spread_floor_bp(model: RiskModel, pre: RiskSide | None, market_value: float) -> float:
    """TE no rate hedge can remove: the spread exposures' variance conditional on the rates."""
    if pre is None:
        return 0.0
    cov = model.covariance
    r = model.group_indices("rates")
    s = [i for i, f in enumerate(model.factors) if f.group.startswith("spread:")]
    if not s:
        return 0.0
    e = model.vector(pre.exposures)[s]
    s_rr = cov[np.ix_(r, r)]
    s_rs = cov[np.ix_(r, s)]
    conditional = cov[np.ix_(s, s)] - s_rs.T @ np.linalg.solve(s_rr, s_rs)
    var = max(float(e @ conditional @ e), 0.0)
    return float(np.sqrt(var) * 1e4 / market_value)
