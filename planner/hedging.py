"""Hedge universe construction: case specs -> priced instruments with per-unit exposures."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from hedge_planner.case_derivatives import CapFloorSpec, CdxSpec, FutureOptionSpec
from hedge_planner.cases import (
    AnalysisCase,
    FuturesSpec,
    HedgeSpec,
    SwapSpec,
    SwaptionSpec,
    resolve_path,
)
from hedge_planner.derivative_hedges import (
    cap_floor,
    cdx_index,
    future_option,
)
from hedge_planner.futures_roll import case_basket, futures_name, next_future
from hedge_planner.hedge_factors import factor_risk
from hedge_planner.hedge_legs import leg_limit_issues, member_lot
from hedge_planner.hedge_limits import desk_limits, liquidity_cap
from hedge_planner.models.array_memo import ArrayMemo
from hedge_planner.models.caps import CapFloor
from hedge_planner.models.cdx import CdxIndex
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.errors import HedgePlannerError, InputError, InputIssue
from hedge_planner.models.futures import ContractTable, load_contract_table
from hedge_planner.models.futures_hedge import TreasuryFuture
from hedge_planner.models.futures_options import FutureOption
from hedge_planner.models.hedge_instruments import HedgeInstrumentRisk, SwapHedge, Swaption
from hedge_planner.models.swaps import SwapSpec as SwapTerms
from hedge_planner.positions import HeldPositions, factor_loadings, held_positions
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.te_limit import TrackingErrorLimit
from hedge_planner.solvers.terms import (
    CarryTerm,
    ConvexityFloor,
    DurationBand,
    DV01Limit,
    ImpactTerm,
    KRDTolerance,
    MarginBudget,
    SlippageTerm,
    TrackingErrorL1Term,
    TrackingErrorTerm,
)
from hedge_planner.solvers.turnover import TurnoverTerm
from hedge_planner.universe_checks import futures_price, universe_input_issues
from hedge_planner.workflow import CaseAnalysis, MarketCurves

logger = logging.getLogger(__name__)

Spec = FuturesSpec | SwapSpec | SwaptionSpec | FutureOptionSpec | CapFloorSpec | CdxSpec
PricedInstrument = TreasuryFuture | SwapHedge | Swaption | FutureOption | CapFloor | CdxIndex


@dataclass(frozen=True)
class UniverseMember:
    """One hedge instrument: its case spec, pricing object and per-unit risk."""

    spec: Spec
    instrument: PricedInstrument
    risk: HedgeInstrumentRisk
    half_spread: float

    @property
    def name(self) -> str:
        """Instrument name used in trades and reports."""
        return self.risk.name

    def bounds(self) -> tuple[float, float]:
        """Position bounds in units (contracts or notional) from the spec's size limit."""
        limit = (
            self.spec.max_contracts
            if isinstance(self.spec, FuturesSpec | FutureOptionSpec)
            else self.spec.max_notional
        )
        return (-np.inf, np.inf) if limit is None else (-float(limit), float(limit))

    def as_dict(self) -> dict[str, Any]:
        """Per-unit figures for the ``instruments`` JSON."""
        r = self.risk
        out: dict[str, Any] = {
            "instrument": r.name,
            "kind": r.kind,
            "unit": r.unit,
            "price": r.price,
            "dv01": r.dv01,
            "krd": dict(zip(r.key_tenors, np.asarray(r.krd_dv01).tolist(), strict=True)),
            "convexity": r.dollar_convexity,
            "carry": r.carry,
            "margin": r.margin,
            "half_spread": self.half_spread,
            "methodology": r.methodology,
            "vega": float(r.details.get("vega", 0.0)),  # per 1.00 of vol; 0 without options
        }
        d = r.details
        if r.kind == "future":
            out.update(
                {
                    "ctd": d.get("ctd_id"),
                    "conversion_factor": d.get("conversion_factor"),
                    "implied_repo": d.get("implied_repo"),
                    "net_basis": d.get("net_basis"),
                    "roll_date": d.get("roll_date"),
                    "first_notice_day": d.get("first_notice_day"),
                    "last_trading_day": d.get("last_trading_day"),
                    "rolls_before_horizon": d.get("rolls_before_horizon"),
                }
            )
        out["details"] = {k: _plain(v) for k, v in d.items()}
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _contract_table(hedge: HedgeSpec, source: str) -> ContractTable | None:
    """The user's contract-specification file, when the case names one."""
    if hedge.universe.contracts_file is None:
        return None
    path = resolve_path(source, hedge.universe.contracts_file)
    try:
        return load_contract_table(path)
    except InputError:
        raise  # already located by the contracts file's own name and row
    # Reading the user's contracts file (not pricing): its parser reports bad content as
    # ValueError, which is an input problem here.
    except (OSError, ValueError) as exc:
        raise InputError(
            [InputIssue(source, None, "hedge.universe.contracts_file", str(exc))]
        ) from None


#: Contracts whose partial basket this process has already warned about.
_WARNED_BASKETS: set[str] = set()


def _future(
    spec: FuturesSpec,
    curves: MarketCurves,
    tenors: tuple[str, ...],
    horizon: int,
    table: ContractTable | None,
) -> UniverseMember:
    year, month = (int(p) for p in spec.contract_month.split("-"))
    basket = case_basket(spec.basket)
    roll_into = next_future(spec, basket, curves.treasury, tenors, table)
    future = TreasuryFuture(
        futures_name(spec.code, year, month),
        spec.code,
        year,
        month,
        basket,
        spec.repo_rate,
        curves.treasury,
        market_price=futures_price(spec),
        margin=spec.initial_margin,
        half_spread=spec.half_spread,
        table=table,
        key_tenors=tenors,
        delivery=spec.delivery,
        reinvestment_rate=spec.reinvestment_rate,
        reinvestment_basis=360.0 if spec.reinvestment_day_count == "ACT/360" else 365.0,
        roll_into=roll_into,
        calendar_spread=None if spec.roll is None else spec.roll.calendar_spread,
    )
    risk = future.risk(tenors, horizon_days=horizon)
    if not spec.basket_complete and future.name not in _WARNED_BASKETS:
        _WARNED_BASKETS.add(future.name)  # once per contract and process, not per rebuild
        logger.warning(
            "%s: the case marks its deliverable basket incomplete; the cheapest to deliver and "
            "the DV01 per contract may differ from the full basket's",
            future.name,
        )
    if risk.details.get("rolls_before_horizon") and not risk.details.get("roll_priced"):
        logger.warning(
            "%s rolls before the horizon but no bond of its basket is deliverable into the next "
            "contract and the case gives no hedge.universe.futures roll (basket or "
            "calendar_spread): its carry rate is extended past the roll",
            future.name,
        )
    return UniverseMember(spec, future, risk, risk.half_spread)


def _swap(
    spec: SwapSpec, sofr: YieldCurve, tenors: tuple[str, ...], horizon: int
) -> UniverseMember:
    name = f"SOFR {spec.tenor}" + (f" fwd {spec.start}" if spec.start else "")
    swap = SwapHedge(
        SwapTerms(name=name, tenor=spec.tenor, start=spec.start, direction="receive"),
        sofr,
        margin=spec.initial_margin_rate,
        half_spread_bp=spec.half_spread_bp,
        key_tenors=tenors,
    )
    risk = swap.risk(tenors, horizon_days=horizon)
    return UniverseMember(spec, swap, risk, risk.half_spread)


def _swaption(
    spec: SwaptionSpec, sofr: YieldCurve, tenors: tuple[str, ...], horizon: int
) -> UniverseMember:
    strike = None if spec.strike == "atm" else float(spec.strike)
    name = f"{spec.expiry}x{spec.tenor} {spec.type}" + (
        " ATM" if strike is None else f" {100 * strike:.3f}%"
    )
    option = Swaption(
        name,
        spec.expiry,
        spec.tenor,
        sofr,
        spec.vol,
        strike=strike,
        payer=spec.type == "payer",
        model="normal" if spec.model == "bachelier" else "lognormal",
        key_tenors=tenors,
        fixed_frequency=spec.fixed_frequency,
        fixed_day_count=DayCount.parse(spec.fixed_day_count),
        expiry_day_count=DayCount.parse(spec.expiry_day_count),
    )
    risk = option.risk(tenors, horizon_days=horizon)
    # Quotes are in vol: half the bid-ask in vol times vega is the cost per unit.
    half_spread = float(risk.details["vega"]) * spec.half_spread_vol
    return UniverseMember(spec, option, risk, half_spread)


def _member(build: Callable[[], tuple[Any, HedgeInstrumentRisk]], spec: Spec) -> UniverseMember:
    """A universe member from a :mod:`derivative_hedges` builder (cost = its half spread)."""
    instrument, risk = build()
    return UniverseMember(spec, instrument, risk, risk.half_spread)


def build_universe(analysis: CaseAnalysis, hedge: HedgeSpec, source: str) -> list[UniverseMember]:
    """Price every instrument of the hedge universe off the analysis curves.

    Only the package's own errors (:class:`HedgePlannerError`: an undeliverable basket bond, a
    curve too short for a tenor...) are reported as input problems; anything else a pricer
    raises is a bug and propagates.

    Raises
    ------
    InputError
        With every instrument that cannot be built (a missing SOFR curve, an undeliverable basket
        bond, a bad tenor...), located by its position in the case file.
    """
    pre_issues = universe_input_issues(hedge, source)
    if pre_issues:
        raise InputError(pre_issues)
    tenors = analysis.tenors
    horizon = hedge.horizon_days
    curves = analysis.curves
    universe = hedge.universe
    table = _contract_table(hedge, source)
    members: list[UniverseMember] = []
    issues: list[InputIssue] = []

    def price(where: str, build: Callable[[], UniverseMember]) -> None:
        try:
            members.append(build())
        except HedgePlannerError as exc:
            issues.append(InputIssue(source, None, where, str(exc)))

    for i, fut in enumerate(universe.futures):
        price(
            f"hedge.universe.futures[{i}]",
            partial(_future, fut, curves, tenors, horizon, table),
        )
    futures = [(m.spec, m.instrument) for m in members]
    for i, fo in enumerate(universe.future_options):
        make = partial(future_option, fo, futures, tenors, horizon)
        price(f"hedge.universe.future_options[{i}]", partial(_member, make, fo))
    sofr = curves.sofr
    if universe.swaps or universe.swaptions or universe.caps or universe.cdx:
        if sofr is None:
            reason = "swaps, swaptions, caps/floors and CDX need a SOFR curve"
            raise InputError([*issues, InputIssue(source, None, "curves.sofr", reason)])
        for i, swap in enumerate(universe.swaps):
            price(f"hedge.universe.swaps[{i}]", partial(_swap, swap, sofr, tenors, horizon))
        for i, opt in enumerate(universe.swaptions):
            price(
                f"hedge.universe.swaptions[{i}]",
                partial(_swaption, opt, sofr, tenors, horizon),
            )
        for i, cap in enumerate(universe.caps):
            make_cap = partial(cap_floor, cap, sofr, tenors, horizon)
            price(f"hedge.universe.caps[{i}]", partial(_member, make_cap, cap))
        for i, index in enumerate(universe.cdx):
            make_cdx = partial(cdx_index, index, sofr, tenors, horizon)
            price(f"hedge.universe.cdx[{i}]", partial(_member, make_cdx, index))
    if issues:
        raise InputError(issues)
    return members


# ------------------------------------------------------------------------------------------------
# Optimisation
# ------------------------------------------------------------------------------------------------

#: Trades of this size or larger count as one "unit size" for the quadratic impact term.
IMPACT_UNIT = {"future": 1_000.0, "swap": 1e8, "swaption": 1e8, "future_option": 1_000.0}
IMPACT_UNIT |= {"cap": 1e8, "floor": 1e8, "cdx": 1e8}
#: Case-file parameter names a sweep may vary, mapped to the optimiser's parameter names.
SWEEP_PARAMS = {
    "duration_target": "duration_target",
    "duration_band": "duration_band",
    "dv01_max": "dv01_max",
    "dv01_min": "dv01_min",
    "convexity_floor": "convexity_floor",
    "margin_budget": "margin_budget",
    "risk_aversion": "risk_aversion",
    "tracking_error_bp": "tracking_error_bp",
    "carry_weight": "carry_scale",
    "slippage_weight": "slippage_scale",
}


@dataclass(frozen=True)
class HedgeProblem:
    """The compiled optimiser with the case's translation of limits and costs."""

    optimizer: HedgeOptimizer
    members: list[UniverseMember]
    market_value: float
    duration_target: float | None
    tenors: tuple[str, ...]
    funding_rate: float
    held: HeldPositions = field(default_factory=HeldPositions)

    @property
    def lots(self) -> dict[str, float | None]:
        """Units per lot of each instrument (contracts / notional), None when continuous."""
        return {i.name: (i.lot_size if i.integer else None) for i in self.optimizer.ctx.instruments}

    def to_optimizer_value(self, name: str, value: float) -> float:
        """Convert a case-file parameter value to the optimiser's units."""
        if name == "risk_aversion":
            return value / (2.0 * self.market_value)
        return value


def _portfolio_risk(analysis: CaseAnalysis) -> PortfolioRisk:
    """The cash book's key-rate DV01s, convexity and the benchmark's KRD DV01s at the book's MV."""
    mv = float(analysis.risk.market_value.sum())
    tenors = analysis.tenors
    bench = analysis.benchmark
    bench_krd = (
        np.array([bench.benchmark_krd[t] for t in tenors]) * mv * 1e-4
        if bench is not None
        else np.zeros(len(tenors))
    )
    return PortfolioRisk(
        market_value=mv,
        krd_dv01=analysis.risk.krd.krd_dv01.sum(axis=0),
        dollar_convexity=float(analysis.risk.dollar_convexity.sum()),
        bench_krd_dv01=bench_krd,
        bucket_labels=tenors,
    )


#: Recent instruments by their inputs (see :func:`_instruments`).
_INSTRUMENTS = ArrayMemo(8)


def _instruments(
    hedge: HedgeSpec, members: list[UniverseMember], source: str, held: np.ndarray
) -> list[Instrument]:
    """:func:`_build_instruments`, remembered by the hedge section's content, the members
    themselves (frozen, shared by the snapshot cache; the entry keeps them, so their ids are
    not reused while it lives) and the values of ``source`` and ``held``.

    Why: the desk's books of one request shape build the same ~20 instruments on every call
    (~0.25 ms; the key ~0.04 ms). Failures are not remembered.
    """
    held = np.ascontiguousarray(held, dtype=np.float64)
    try:
        content = hedge.model_dump_json()
    except ValueError:  # pydantic's serialisation error: no key, built every time
        return _build_instruments(hedge, members, source, held)

    def build() -> tuple[tuple[UniverseMember, ...], list[Instrument]]:
        instruments = _build_instruments(hedge, members, source, held)
        for ins in instruments:
            ins.krd_dv01.setflags(write=False)  # shared by every caller from now on
        return tuple(members), instruments

    extra = (content, tuple(id(m) for m in members), source)
    _, instruments = _INSTRUMENTS.get([held], build, extra)
    return list(instruments)


def _build_instruments(
    hedge: HedgeSpec, members: list[UniverseMember], source: str, held: np.ndarray
) -> list[Instrument]:
    """The optimiser's view of each member: per-unit risk, costs, bounds, current position
    (the member's ``current`` plus the case's ``positions`` that map to it, ``held``)."""
    instruments = []
    futures_index = {id(f): i for i, f in enumerate(hedge.universe.futures)}
    for m, extra_held in zip(members, held, strict=True):
        fields = m.risk.instrument_fields()
        fields["half_spread"] = m.half_spread
        lo, hi = m.bounds()
        spec = m.spec
        where = f"hedge.universe.futures[{futures_index.get(id(spec), 0)}]"
        current = spec.current + float(extra_held)
        cap = liquidity_cap(hedge, m, where, source)
        if cap is not None:  # trades within the cap around the current position
            lo, hi = max(lo, current - cap), min(hi, current + cap)
        extra: dict[str, Any] = {"min_trade": spec.min_trade, "ticket_cost": spec.ticket_cost}
        extra.update(member_lot(spec))
        impact = hedge.costs.impact * m.half_spread / IMPACT_UNIT[m.risk.kind]
        instruments.append(
            Instrument(
                **fields,
                impact=impact,
                lo=lo,
                hi=hi,
                direction=spec.direction,
                q0=current,
                **extra,
            )
        )
    return instruments


def _objective_terms(hedge: HedgeSpec, mv: float, current: np.ndarray | None = None) -> list[Any]:
    """Tracking error (the factor model's, see :func:`factor_risk`), carry, slippage, impact,
    and the turnover penalty against ``current`` (units per instrument) when the case sets one.
    """
    costs = hedge.costs
    terms: list[Any] = []
    if costs.tracking_error == "exact":
        # risk_aversion / 2 x TE^2 / MV (TE currency): the mean-variance penalty in currency.
        terms.append(TrackingErrorTerm(risk_aversion=costs.risk_aversion / (2.0 * mv)))
    else:
        # The explicit linear proxy: L1 norm of factor exposures, priced like one TE.
        terms.append(TrackingErrorL1Term(l1_weight=costs.risk_aversion * 1e-4))
    terms += [
        CarryTerm(carry_scale=costs.carry_weight),
        SlippageTerm(slippage_scale=costs.slippage_weight),
    ]
    if costs.impact > 0:
        terms.append(ImpactTerm(impact_scale=1.0))
    if costs.turnover_bp > 0 and current is not None:
        terms.append(TurnoverTerm(turnover_bp=costs.turnover_bp, reference=current))
    return terms


def _limits(
    hedge: HedgeSpec, analysis: CaseAnalysis, source: str
) -> tuple[list[Any], float | None]:
    """The case's limits as constraints, and the duration target (years) when one is set.

    Raises
    ------
    InputError
        When a limit needs data the case lacks.
    """
    tenors = analysis.tenors
    bench = analysis.benchmark
    limits = hedge.limits
    issues: list[InputIssue] = []
    constraints: list[Any] = []
    target = None
    if limits.duration is not None:
        target = limits.duration.target
        if target is None and bench is not None:
            target = bench.benchmark_duration
        if target is None:
            issues.append(
                InputIssue(
                    source,
                    None,
                    "hedge.limits.duration.target",
                    "a duration band needs a target: give one or add a benchmark",
                )
            )
        else:
            constraints.append(
                DurationBand(duration_target=target, duration_band=limits.duration.band)
            )
    if limits.dv01_min is not None or limits.dv01_max is not None:
        constraints.append(DV01Limit(dv01_min=limits.dv01_min, dv01_max=limits.dv01_max))
    if limits.krd_tolerance is not None:
        if bench is None:
            issues.append(
                InputIssue(
                    source, None, "hedge.limits.krd_tolerance", "KRD tolerances need a benchmark"
                )
            )
        tol = limits.krd_tolerance
        if isinstance(tol, dict):
            unknown = [t for t in tol if t not in tenors]
            if unknown:
                issues.append(
                    InputIssue(
                        source,
                        None,
                        "hedge.limits.krd_tolerance",
                        f"{', '.join(unknown)} not among the key tenors {', '.join(tenors)}",
                    )
                )
            vector = np.array([tol.get(t, np.inf) for t in tenors])
        else:
            vector = np.full(len(tenors), float(tol))
        constraints.append(KRDTolerance(krd_tol=vector))
    if limits.convexity_floor is not None:
        constraints.append(ConvexityFloor(convexity_floor=limits.convexity_floor))
    if limits.margin_budget is not None:
        constraints.append(MarginBudget(margin_budget=limits.margin_budget))
    if limits.tracking_error_bp is not None:
        constraints.append(TrackingErrorLimit(tracking_error_bp=limits.tracking_error_bp))
    if issues:
        raise InputError(issues)
    return constraints, target


def build_problem(
    case: AnalysisCase,
    analysis: CaseAnalysis,
    members: list[UniverseMember],
    source: str,
    optimizer: Callable[..., HedgeOptimizer] = HedgeOptimizer,
) -> HedgeProblem:
    """Translate the case's limits and costs into a compiled :class:`HedgeOptimizer`.

    The tracking-error cost is ``risk_aversion / 2 * TE^2 / MV`` (TE in currency), the
    mean-variance penalty on the return variance of the book. Post-hedge duration divides by the
    book's market value (new swaps are at par; option premiums are paid from cash).
    ``optimizer`` builds the optimiser from :class:`HedgeOptimizer`'s arguments (the desk's
    service passes a model compiled once and re-filled with the book,
    :mod:`hedge_planner.solvers.book_form`).

    Raises
    ------
    InputError
        When a limit needs data the case lacks (a duration target without a benchmark, KRD
        tolerances without a benchmark, a tolerance at a tenor that is not a key tenor).
    """
    hedge = case.hedge
    assert hedge is not None
    tenors = analysis.tenors
    held = held_positions(
        case, members, analysis.curves.sofr, tenors, factor_loadings(analysis), source
    )
    portfolio = held.book(_portfolio_risk(analysis))
    mv = portfolio.market_value
    instruments = _instruments(hedge, members, source, held.current)
    terms = _objective_terms(hedge, mv, np.array([i.q0 for i in instruments]))
    constraints, target = _limits(hedge, analysis, source)
    constraints += desk_limits(hedge, members, source)
    leg_issues = leg_limit_issues(hedge, source)
    if leg_issues:
        raise InputError(leg_issues)
    compiled = optimizer(
        portfolio,
        instruments,
        analysis.active.rate_covariance,
        terms,
        constraints,
        gap_tol=hedge.solver.gap,
        time_limit=hedge.solver.time_limit_seconds,
        factor_risk=held.factors(factor_risk(analysis, members)),
        max_legs=hedge.limits.max_legs,
    )
    horizon_years = hedge.horizon_days / 365.0
    funding = float(analysis.curves.treasury.zero_rate(np.array([horizon_years]), "simple")[0])
    return HedgeProblem(compiled, members, mv, target, tenors, funding, held)
