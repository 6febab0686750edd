"""Hedge universe construction: case specs -> priced instruments with per-unit exposures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hedge_planner.cases import (
    AnalysisCase,
    FuturesSpec,
    HedgeSpec,
    SwapSpec,
    SwaptionSpec,
    resolve_path,
)
from hedge_planner.models.errors import AnalyticsError, InputError, InputIssue
from hedge_planner.models.exposure import CashBook, Holding, portfolio_exposure
from hedge_planner.models.futures import load_contract_table, parse_32nds
from hedge_planner.models.hedge_instruments import (
    DeliverableBond,
    HedgeInstrumentRisk,
    SwapHedge,
    Swaption,
    TreasuryFuture,
)
from hedge_planner.models.portfolio import HoldingRisk
from hedge_planner.models.swaps import SwapSpec as SwapTerms
from hedge_planner.solvers.optimizer import HedgeOptimizer, HedgeResult
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    CarryTerm,
    ConvexityFloor,
    DurationBand,
    DV01Limit,
    ImpactTerm,
    InstrumentFactorRiskTerm,
    KRDTolerance,
    MarginBudget,
    SlippageTerm,
    TrackingErrorL1Term,
    TrackingErrorTerm,
)
from hedge_planner.workflow import CaseAnalysis

#: CME month codes.
MONTH_CODES = "FGHJKMNQUVXZ"

Spec = FuturesSpec | SwapSpec | SwaptionSpec
PricedInstrument = TreasuryFuture | SwapHedge | Swaption


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
            if isinstance(self.spec, FuturesSpec)
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


def futures_name(code: str, year: int, month: int) -> str:
    """Exchange-style name, e.g. ``TYH4`` for the March 2024 10-year note future."""
    return f"{code.upper()}{MONTH_CODES[month - 1]}{year % 10}"


def build_universe(
    analysis: CaseAnalysis, hedge: HedgeSpec, case_name: str
) -> list[UniverseMember]:
    """Price every instrument of the hedge universe off the analysis curves.

    Raises
    ------
    InputError
        With every instrument that cannot be built (a missing SOFR curve, an undeliverable basket
        bond, a bad tenor...), located by its position in the case file.
    """
    tenors = analysis.tenors
    horizon = hedge.horizon_days
    curves = analysis.curves
    members: list[UniverseMember] = []
    issues: list[InputIssue] = []

    table = None
    if hedge.universe.contracts_file is not None:
        path = resolve_path(case_name, hedge.universe.contracts_file)
        try:
            table = load_contract_table(path)
        except (OSError, ValueError) as exc:
            raise InputError(
                [InputIssue(case_name, None, "hedge.universe.contracts_file", str(exc))]
            ) from None
    for i, spec in enumerate(hedge.universe.futures):
        where = f"hedge.universe.futures[{i}]"
        try:
            year, month = (int(p) for p in spec.contract_month.split("-"))
            price = parse_32nds(spec.price) if isinstance(spec.price, str) else spec.price
            basket = [
                DeliverableBond(
                    id=b.id,
                    coupon=b.coupon,
                    maturity=b.maturity,
                    clean_price=b.price,
                    yield_=b.yield_,
                    issue_date=b.issue_date,
                )
                for b in spec.basket
            ]
            future = TreasuryFuture(
                futures_name(spec.code, year, month),
                spec.code,
                year,
                month,
                basket,
                spec.repo_rate,
                curves.treasury,
                market_price=price,
                margin=spec.initial_margin,
                half_spread=spec.half_spread,
                table=table,
                key_tenors=tenors,
            )
            risk = future.risk(tenors, horizon_days=horizon)
            members.append(UniverseMember(spec, future, risk, risk.half_spread))
        except (AnalyticsError, ValueError, KeyError) as exc:
            issues.append(InputIssue(case_name, None, where, str(exc)))

    needs_sofr = hedge.universe.swaps or hedge.universe.swaptions
    if needs_sofr and curves.sofr is None:
        issues.append(
            InputIssue(case_name, None, "curves.sofr", "swaps and swaptions need a SOFR curve")
        )
        raise InputError(issues)

    for i, spec in enumerate(hedge.universe.swaps):
        where = f"hedge.universe.swaps[{i}]"
        name = f"SOFR {spec.tenor}" + (f" fwd {spec.start}" if spec.start else "")
        try:
            swap = SwapHedge(
                SwapTerms(name=name, tenor=spec.tenor, start=spec.start, direction="receive"),
                curves.sofr,
                margin=spec.initial_margin_rate,
                half_spread_bp=spec.half_spread_bp,
                key_tenors=tenors,
            )
            risk = swap.risk(tenors, horizon_days=horizon)
            members.append(UniverseMember(spec, swap, risk, risk.half_spread))
        except (AnalyticsError, ValueError) as exc:
            issues.append(InputIssue(case_name, None, where, str(exc)))

    for i, spec in enumerate(hedge.universe.swaptions):
        where = f"hedge.universe.swaptions[{i}]"
        strike = None if spec.strike == "atm" else float(spec.strike)
        name = f"{spec.expiry}x{spec.tenor} {spec.type}" + (
            " ATM" if strike is None else f" {100 * strike:.3f}%"
        )
        try:
            option = Swaption(
                name,
                spec.expiry,
                spec.tenor,
                curves.sofr,
                spec.vol,
                strike=strike,
                payer=spec.type == "payer",
                model="normal" if spec.model == "bachelier" else "lognormal",
                key_tenors=tenors,
            )
            risk = option.risk(tenors, horizon_days=horizon)
            # Quotes are in vol: half the bid-ask in vol times vega is the cost per unit.
            half_spread = float(risk.details["vega"]) * spec.half_spread_vol
            members.append(UniverseMember(spec, option, risk, half_spread))
        except (AnalyticsError, ValueError) as exc:
            issues.append(InputIssue(case_name, None, where, str(exc)))

    if issues:
        raise InputError(issues)
    return members


# ------------------------------------------------------------------------------------------------
# Optimisation
# ------------------------------------------------------------------------------------------------

#: Trades of this size or larger count as one "unit size" for the quadratic impact term.
IMPACT_UNIT = {"future": 1_000.0, "swap": 1e8, "swaption": 1e8}
#: Case-file parameter names a sweep may vary, mapped to the optimiser's parameter names.
SWEEP_PARAMS = {
    "duration_target": "duration_target",
    "duration_band": "duration_band",
    "dv01_max": "dv01_max",
    "dv01_min": "dv01_min",
    "convexity_floor": "convexity_floor",
    "margin_budget": "margin_budget",
    "risk_aversion": "risk_aversion",
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

    def to_optimizer_value(self, name: str, value: float) -> float:
        """Convert a case-file parameter value to the optimiser's units."""
        if name == "risk_aversion":
            return value / (2.0 * self.market_value)
        return value


def _direction_word(kind: str, quantity: float) -> str:
    if kind == "swap":
        return "receive" if quantity > 0 else "pay"
    return "buy" if quantity > 0 else "sell"


def build_problem(
    case: AnalysisCase,
    analysis: CaseAnalysis,
    members: list[UniverseMember],
    case_name: str = "case",
) -> HedgeProblem:
    """Translate the case's limits and costs into a compiled :class:`HedgeOptimizer`.

    The tracking-error cost is ``risk_aversion / 2 * TE^2 / MV`` (TE in currency), the
    mean-variance penalty on the return variance of the book. Post-hedge duration divides by the
    book's market value (new swaps are at par; option premiums are paid from cash).

    Raises
    ------
    InputError
        When a limit needs data the case lacks (a duration target without a benchmark, KRD
        tolerances without a benchmark, a tolerance at a tenor that is not a key tenor).
    """
    hedge = case.hedge
    assert hedge is not None
    totals = analysis.risk.totals()
    mv = totals["market_value"]
    tenors = analysis.tenors
    bench = analysis.benchmark
    bench_krd = (
        np.array([bench.benchmark_krd[t] for t in tenors]) * mv * 1e-4
        if bench is not None
        else np.zeros(len(tenors))
    )
    portfolio = PortfolioRisk(
        market_value=mv,
        krd_dv01=analysis.risk.krd.krd_dv01.sum(axis=0),
        dollar_convexity=float(analysis.risk.dollar_convexity.sum()),
        bench_krd_dv01=bench_krd,
        bucket_labels=tenors,
    )
    instruments = []
    for m in members:
        fields = m.risk.instrument_fields()
        fields["half_spread"] = m.half_spread
        lo, hi = m.bounds()
        spec = m.spec
        extra: dict[str, Any] = {}
        if isinstance(spec, SwapSpec) and spec.integer_lots:
            extra = {"integer": True, "lot_size": spec.lot_size}
        impact = hedge.costs.impact * m.half_spread / IMPACT_UNIT[m.risk.kind]
        instruments.append(
            Instrument(
                **fields,
                impact=impact,
                lo=lo,
                hi=hi,
                direction=spec.direction,
                q0=spec.current,
                **extra,
            )
        )
    costs = hedge.costs
    terms: list[Any] = []
    if costs.tracking_error == "exact":
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
    # Treasury-SOFR basis: swaps and swaptions are discounted on SOFR, bonds and futures on
    # Treasuries, but they share the key rates, so without this term a swap-spread position
    # looks riskless. Factors: one common spread move (loading = spread vol x the instrument's
    # DV01) and one independent move per key tenor (spread vol x its KRD DV01), in currency per
    # unit per year; futures load on none. Priced like the tracking error.
    loadings = np.zeros((1 + len(tenors), len(members)))
    for j, m in enumerate(members):
        if m.risk.kind != "future":
            krd = np.asarray(m.risk.krd_dv01, dtype=np.float64)
            loadings[0, j] = costs.swap_spread_vol_bp * krd.sum()
            loadings[1:, j] = costs.swap_spread_tenor_vol_bp * krd
    loadings = loadings[np.any(loadings != 0.0, axis=1)]
    if costs.tracking_error == "exact" and loadings.size:
        terms.append(
            InstrumentFactorRiskTerm(
                loadings=loadings,
                risk_aversion=costs.risk_aversion / (2.0 * mv),
                param="swap_spread_risk_aversion",
            )
        )

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
                    case_name,
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
                    case_name, None, "hedge.limits.krd_tolerance", "KRD tolerances need a benchmark"
                )
            )
        tol = limits.krd_tolerance
        if isinstance(tol, dict):
            unknown = [t for t in tol if t not in tenors]
            if unknown:
                issues.append(
                    InputIssue(
                        case_name,
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
    if issues:
        raise InputError(issues)
    optimizer = HedgeOptimizer(
        portfolio,
        instruments,
        np.asarray(analysis.covariance.matrix),
        terms,
        constraints,
        gap_tol=hedge.solver.gap,
        time_limit=hedge.solver.time_limit_seconds,
    )
    horizon_years = hedge.horizon_days / 365.0
    funding = float(analysis.curves.treasury.zero_rate(np.array([horizon_years]), "simple")[0])
    return HedgeProblem(optimizer, members, mv, target, tenors, funding)


def closed_form_baseline(problem: HedgeProblem, pre_dv01: float) -> dict[str, Any]:
    """The closed-form futures hedge: the DV01 ratio to the duration target, per contract.

    ``N = (D_target * MV * 1e-4 - DV01_P) / DV01_contract`` (the duration-based hedge ratio
    ``(D_T - D_P) P / (D_F F)`` written with DV01s), rounded to whole contracts, for each futures
    contract alone; the contract leaving the least tracking error is reported.
    """
    opt = problem.optimizer
    futures = [i for i, m in enumerate(problem.members) if m.risk.kind == "future"]
    if not futures or problem.duration_target is None:
        return {"method": "closed-form futures hedge ratio", "available": False}
    target_dv01 = problem.duration_target * problem.market_value * 1e-4
    best: dict[str, Any] | None = None
    for i in futures:
        member = problem.members[i]
        n_raw = (target_dv01 - pre_dv01) / member.risk.dv01
        q = np.zeros(len(problem.members))
        q[i] = round(n_raw)
        summary = opt.evaluate(q)
        if best is None or summary["te_bp"] < best["post_hedge"]["tracking_error_bp"]:
            best = {
                "method": "closed-form futures hedge ratio: N = (D_target*MV*1e-4 - DV01_P) / "
                "DV01_per_contract, best single contract",
                "available": True,
                "trades": [
                    {
                        "instrument": member.name,
                        "quantity": float(q[i]),
                        "unrounded": float(n_raw),
                        "unit": "contracts",
                    }
                ],
                "post_hedge": {
                    "duration": summary["duration"],
                    "dv01": summary["dv01"],
                    "krd": dict(zip(problem.tenors, summary["krd"], strict=True)),
                    "convexity": summary["convexity"],
                    "tracking_error_bp": summary["te_bp"],
                },
                "cost": summary["cost"],
            }
    assert best is not None
    return best


@dataclass(frozen=True)
class HedgePlan:
    """An optimised hedge with everything the report needs."""

    problem: HedgeProblem
    result: HedgeResult
    baseline: dict[str, Any]
    horizon_days: int
    analysis_risk: HoldingRisk

    @property
    def quantities(self) -> np.ndarray:
        """Positions per universe member after the hedge (units)."""
        return np.asarray(self.result.q, dtype=np.float64)

    def _summary(self, s: Any) -> dict[str, Any]:
        krd_years = np.asarray(s.krd_dv01) / (self.problem.market_value * 1e-4)
        return {
            "duration": s.duration,
            "dv01": s.dv01,
            "krd": dict(zip(self.problem.tenors, krd_years.tolist(), strict=True)),
            "krd_dv01": dict(
                zip(self.problem.tenors, np.asarray(s.krd_dv01).tolist(), strict=True)
            ),
            "convexity": s.convexity,
            "dollar_convexity": s.dollar_convexity,
            "tracking_error_bp": s.te_bp,
            "tracking_error_ccy": s.te,
            "margin": s.margin,
        }

    def trades(self) -> list[dict[str, Any]]:
        """The trades (changes from current positions) with their DV01 impact and costs."""
        out = []
        # Margin is cash that earns nothing: its cost is the funding rate over the horizon.
        funding = self.problem.funding_rate * self.horizon_days / 365.0
        for m, q in zip(self.problem.members, self.quantities, strict=True):
            current = float(getattr(m.spec, "current", 0.0))
            trade = float(q) - current
            # Below half a contract or one unit of notional there is nothing to execute.
            if abs(trade) < (0.5 if m.risk.kind == "future" else 1.0):
                continue
            r = m.risk
            carry_cost = -r.carry * float(q)
            slippage = m.half_spread * abs(trade)
            margin = r.margin * abs(float(q))
            out.append(
                {
                    "instrument": r.name,
                    "kind": r.kind,
                    "quantity": trade,
                    "position_after": float(q),
                    "unit": r.unit,
                    "direction": _direction_word(r.kind, trade),
                    # The sum of key-rate DV01s: the optimiser's DV01, so the plan adds up.
                    "dv01_change": float(np.sum(r.krd_dv01)) * trade,
                    "krd_dv01_change": dict(
                        zip(
                            self.problem.tenors,
                            (np.asarray(r.krd_dv01) * trade).tolist(),
                            strict=True,
                        )
                    ),
                    "notional": r.notional * abs(trade),
                    "initial_margin": margin,
                    "cost": {
                        "carry": carry_cost,
                        "slippage": slippage,
                        "margin": margin * funding,
                        "total": carry_cost + slippage + margin * funding,
                    },
                    "roll_date": r.details.get("roll_date"),
                    "detail": {
                        k: _plain(v)
                        for k, v in r.details.items()
                        if k
                        in (
                            "ctd_id",
                            "conversion_factor",
                            "implied_repo",
                            "net_basis",
                            "par_rate",
                            "forward_swap_rate",
                            "strike",
                            "rolls_before_horizon",
                        )
                    },
                }
            )
        return out

    def exposure(self) -> dict[str, Any]:
        """Post-hedge portfolio with derivatives, the practitioners' way.

        Derivatives add their (delta-adjusted) DV01 to the numerator; the denominator is the
        cash bonds' value plus derivatives' mark-to-market (never futures or swap notionals).
        Notional exposure and leverage are reported beside the duration.
        """
        risk = self.analysis_risk
        cash = CashBook(
            market_value=float(risk.market_value.sum()),
            krd_dv01=risk.krd.krd_dv01.sum(axis=0),
            key_tenors=self.problem.tenors,
            dollar_convexity=float(risk.dollar_convexity.sum()),
            spread_dv01=float(risk.spread_dv01.sum()),
            dv01=float(risk.dv01.sum()),
        )
        positions = [
            Holding(m.risk, float(q))
            for m, q in zip(self.problem.members, self.quantities, strict=True)
            if abs(q) > 0
        ]
        ex = portfolio_exposure(cash, positions)
        return {
            "market_value": ex.market_value,
            "cash_market_value": ex.cash_market_value,
            "derivatives_market_value": ex.derivatives_market_value,
            "dv01": ex.dv01,
            "duration": ex.duration,
            "krd": dict(zip(ex.key_tenors, np.asarray(ex.krd_years).tolist(), strict=True)),
            "convexity": ex.convexity,
            "spread_duration": ex.spread_duration,
            "gross_notional": ex.gross_notional,
            "net_notional": ex.net_notional,
            "leverage": ex.leverage,
            "methodology": {k: str(v) for k, v in ex.methodology.items()},
        }

    def to_json(self) -> dict[str, Any]:
        """The ``hedge --json`` document."""
        res = self.result
        pre = self._summary(res.pre)
        post = self._summary(res.post)
        baseline = dict(self.baseline)
        if baseline.get("available"):
            baseline["cost_difference"] = res.objective - baseline["cost"]["objective"]
            baseline["tracking_error_difference_bp"] = (
                post["tracking_error_bp"] - baseline["post_hedge"]["tracking_error_bp"]
            )
        doc: dict[str, Any] = {
            "exposure": self.exposure(),
            "trades": self.trades(),
            "pre_hedge": pre,
            "post_hedge": post,
            "constraints": [
                {
                    "name": c.name,
                    "limit": _plain(c.limit),
                    "value": _plain(c.value),
                    "slack": _plain(c.slack),
                    "binding": bool(c.binding),
                    "units": c.units,
                }
                for c in res.constraints
            ],
            "costs": {k: float(v) for k, v in res.costs.items()},
            "baseline": baseline,
            "solver": {
                "status": res.status,
                "method": res.method,
                "objective": res.objective,
                "bound": res.best_bound,
                "gap": res.rel_gap,
                "iterations": res.iterations,
                "seconds": res.seconds,
            },
            "infeasibility": None,
            "methodology": {
                "duration": "effective, years; post-hedge = (book DV01 + hedge DV01) / (book MV * "
                "1e-4): derivatives add DV01, never notional",
                "tracking_error_bp": "ex-ante, key-rate covariance, bp per year of MV",
                "costs": "currency over the horizon; carry cost = -carry income; slippage = half "
                "bid-ask x traded size; margin = initial margin financed at the Treasury "
                "curve's simple rate to the horizon",
                "objective": "risk_aversion/2 x TE^2/MV + carry cost + slippage (+ impact)",
            },
        }
        if res.status == "infeasible":
            doc["infeasibility"] = {
                "message": res.message,
                "relaxations": [
                    {
                        "constraint": v.name,
                        "limit": v.limit,
                        "required": v.required,
                        "change": v.move,
                        "unit": v.units,
                    }
                    for v in res.violations
                ],
            }
        return doc


def plan_hedge(
    case: AnalysisCase,
    analysis: CaseAnalysis,
    members: list[UniverseMember],
    case_name: str = "case",
) -> HedgePlan:
    """Solve the case's hedge problem and the closed-form baseline beside it."""
    problem = build_problem(case, analysis, members, case_name)
    result = problem.optimizer.solve().require_plan()
    baseline = closed_form_baseline(problem, result.pre.dv01)
    assert case.hedge is not None
    return HedgePlan(problem, result, baseline, case.hedge.horizon_days, analysis.risk)
