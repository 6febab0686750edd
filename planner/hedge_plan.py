"""The optimised hedge: positions, trades, pre- and post-hedge risk, and the closed-form baseline.

One convention throughout: the book's risk is its key-rate DV01 vector plus dollar convexity,
held derivatives (each universe member's ``current`` quantity) included, and durations divide by
the book's market value. Pre-hedge risk is evaluated at the current positions, post-hedge risk
at the positions after the hedge, and a trade is the difference, so
``pre_hedge + sum(trades) == post_hedge`` for DV01, every key-rate DV01 and duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from hedge_planner.case_hedge import SwaptionSpec
from hedge_planner.derivative_hedges import normal_vega_buckets
from hedge_planner.document_sections import (
    Baseline,
    BaselineRisk,
    BaselineTrade,
    Constraint,
    Hedge,
    HedgedExposure,
    Infeasibility,
    Relaxation,
    RiskFigures,
    Solver,
    Trade,
)
from hedge_planner.document_sections import CashCost as CashCostDoc
from hedge_planner.document_sections import TradeCost as TradeCostDoc
from hedge_planner.hedge_limits import vega_bucket, vega_per_bp
from hedge_planner.hedging import HedgeProblem, UniverseMember, _plain
from hedge_planner.models.exposure import (
    EXPOSURE_METHODOLOGY,
    CashBook,
    Holding,
    exposure_totals,
)
from hedge_planner.models.hedge_ratios import dv01_hedge_contracts
from hedge_planner.models.portfolio import HoldingRisk
from hedge_planner.models.trading import CashCost, trade_cash_cost, trade_cost
from hedge_planner.models.units import BP
from hedge_planner.positions import position_rows
from hedge_planner.solvers.infeasibility import Violation
from hedge_planner.solvers.optimizer import HedgeResult, RiskSummary

#: Below this many units (contracts for futures, notional otherwise) there is nothing to execute.
MIN_TRADE = {
    "future": 0.5,
    "swap": 1.0,
    "swaption": 1.0,
    "future_option": 0.5,
    "cap": 1.0,
    "floor": 1.0,
    "cdx": 1.0,
}
#: Instrument details carried into each trade.
TRADE_DETAIL_KEYS = (
    "ctd_id",
    "conversion_factor",
    "implied_repo",
    "net_basis",
    "par_rate",
    "forward_swap_rate",
    "strike",
    "rolls_before_horizon",
    "basis_source",
    "dv01_yield_convention",
    # options on futures, caps/floors and CDX
    "early_exercise_premium_per_100",
    "swap_rate",
    "spread",
    "spread_dv01",
    "beta",
    "sector",
)
BASELINE_METHOD = (
    "closed-form futures hedge ratio: N = (D_target*MV*1e-4 - DV01_P) / DV01_per_contract, "
    "best single contract"
)
HEDGE_METHODOLOGY = {
    "duration": "effective, years; pre- and post-hedge = (book key-rate DV01s + held and traded "
    "derivatives' key-rate DV01s) / (book MV * 1e-4): derivatives add DV01, never notional",
    "tracking_error_bp": "ex-ante, multi-factor risk model (key rates in the case's KRD "
    "convention, sector spreads, Treasury-SOFR swap spread): sqrt(e' S e) of the active "
    "exposures e (held and traded derivatives included), bp per year of MV",
    "costs": "currency over the horizon; carry cost = -carry income; slippage = half "
    "bid-ask x traded size; margin = initial margin financed at the Treasury "
    "curve's simple rate to the horizon",
    "objective": "risk_aversion/2 x TE^2/MV + carry cost + slippage (+ impact)",
    "cash_cost": "cash of the trades over the horizon, currency: bid_ask = half bid-ask x "
    "size traded; tickets = ticket cost per leg traded; margin_funding = the extra initial "
    "margin financed at the Treasury curve's simple rate to the horizon (the margin amount is "
    "initial_margin, not a cost); carry = carry earned by the units traded (positive earned); "
    "roll = half bid-ask of rolling the traded futures into the next contract before the "
    "horizon, less the market calendar spread's richness against the fair spread when the case "
    "gives one; total = bid_ask + tickets + margin_funding + roll - carry",
    "risk_penalty": "risk_aversion/2 x TE^2/MV, currency: the risk term of the objective, not cash",
}


def member_cash_cost(
    problem: HedgeProblem, member: UniverseMember, current: float, position: float, days: int
) -> CashCost:
    """Cash cost over ``days`` of moving ``member`` from ``current`` to ``position`` units.

    The ticket cost is read from the member's spec when the case gives one (0 otherwise);
    the roll is charged only on futures that must roll on or before the horizon, at the
    contract's roll half-spread (default its outright half-spread).
    """
    r = member.risk
    spec = member.spec
    roll, roll_value = 0.0, 0.0
    if r.kind == "future" and bool(r.details.get("rolls_before_horizon")):
        roll_spread = getattr(spec, "roll_half_spread", None)
        roll = member.half_spread if roll_spread is None else float(roll_spread)
        roll_value = float(r.details.get("roll_value", 0.0))
    return trade_cash_cost(
        current=current,
        position=position,
        carry_per_unit=r.carry,
        half_spread_per_unit=member.half_spread,
        margin_per_unit=r.margin,
        funding_rate=problem.funding_rate,
        horizon_days=days,
        ticket_cost=float(getattr(spec, "ticket_cost", 0.0) or 0.0),
        roll_per_unit=roll,
        roll_value_per_unit=roll_value,
        min_units=MIN_TRADE[r.kind],
    )


def cash_cost_doc(cost: CashCost) -> CashCostDoc:
    """The plan's ``cash_cost`` block."""
    return CashCostDoc(**cost.as_dict())


def direction_word(kind: str, quantity: float) -> str:
    """``receive``/``pay`` for swaps, ``buy``/``sell`` otherwise (CDX: protection sold = sell)."""
    if kind == "swap":
        return "receive" if quantity > 0 else "pay"
    return "buy" if quantity > 0 else "sell"


def _closed_form_baseline(
    problem: HedgeProblem, current: np.ndarray, pre_dv01: float, days: int
) -> Baseline:
    """The closed-form futures hedge: the DV01 ratio to the duration target, per contract.

    For each futures contract alone, ``N = (D_target * MV * 1e-4 - DV01_P) / DV01_contract``
    (:func:`models.hedge_ratios.dv01_hedge_contracts`) rounded to whole contracts and added to
    the current positions; the contract leaving the least tracking error is reported.
    """
    futures = [i for i, m in enumerate(problem.members) if m.risk.kind == "future"]
    if not futures or problem.duration_target is None:
        return Baseline(method="closed-form futures hedge ratio", available=False)
    target_dv01 = problem.duration_target * problem.market_value * BP
    # The first contract of least tracking error; its document built once.
    best: tuple[int, float, np.ndarray, dict[str, Any]] | None = None
    for i in futures:
        member = problem.members[i]
        n_raw = float(dv01_hedge_contracts(pre_dv01, member.risk.dv01, target_dv01))
        q = current.copy()
        q[i] += round(n_raw)
        summary = problem.optimizer.evaluate(q, check=False)  # feasibility not reported
        if best is None or summary["te_bp"] < best[3]["te_bp"]:
            best = (i, n_raw, q, summary)
    assert best is not None
    i, n_raw, q, summary = best
    member = problem.members[i]
    return Baseline(
        method=BASELINE_METHOD,
        available=True,
        trades=[
            BaselineTrade(
                instrument=member.name,
                quantity=round(n_raw),
                unrounded=float(n_raw),
                unit="contracts",
            )
        ],
        post_hedge=BaselineRisk(
            duration=summary["duration"],
            dv01=summary["dv01"],
            krd=dict(zip(problem.tenors, summary["krd"], strict=True)),
            convexity=summary["convexity"],
            tracking_error_bp=summary["te_bp"],
        ),
        cost=summary["cost"],
        cash_cost=cash_cost_doc(member_cash_cost(problem, member, current[i], q[i], days)),
        risk_penalty=_risk_penalty(summary["cost"]),
    )


def _relaxation(v: Violation) -> Relaxation:
    """A limit move of the minimal-violation analysis, in the limit's own units."""
    return Relaxation(
        constraint=v.name, limit=v.limit, required=v.required, change=v.move, unit=v.units
    )


def _risk_penalty(costs: dict[str, float]) -> float | None:
    """The risk term of the objective (exact TE or its L1 proxy), currency."""
    for name in ("tracking_error", "tracking_error_l1"):
        if name in costs:
            return float(costs[name])
    return None


@dataclass(frozen=True)
class HedgePlan:
    """An optimised hedge with everything the plan needs.

    Attributes
    ----------
    problem
        The compiled problem (universe members aligned with the optimiser's instruments).
    result
        The optimiser's outcome; ``result.q`` are positions after the hedge.
    horizon_days
        Holding horizon, calendar days.
    book_risk
        The cash book's analytics (for spread DV01 and value in the exposure block).
    book_vega
        Vega of the book's modelled holdings (embedded options), currency per 1.00 of normal
        vol (the hedge does not change it: reported in the pre- and post-hedge figures).
    """

    problem: HedgeProblem
    result: HedgeResult
    horizon_days: int
    book_risk: HoldingRisk
    book_vega: float = 0.0

    @property
    def current(self) -> np.ndarray:
        """Positions held before the hedge, per universe member (units)."""
        return np.asarray(self.problem.optimizer.ctx.q0, dtype=np.float64)

    @property
    def presents_plan(self) -> bool:
        """Whether the solve left quantities to present (proven, or the verified closest hedge)."""
        return self.result.q is not None and self.result.post is not None

    @property
    def quantities(self) -> np.ndarray:
        """Positions per universe member after the hedge (units).

        Without quantities to present (a time limit with no incumbent, a solver error) the
        current positions: nothing is traded, so the plan shows the book as it stands.
        """
        if not self.presents_plan:
            return self.current
        return self._executable

    @cached_property
    def _executable(self) -> np.ndarray:
        # A continuous column can end a fraction of a unit away from its current position
        # (e.g. 0.4 of notional on a swap): nothing a desk can execute. Such dust stays at the
        # current position so that pre-hedge + listed trades = post-hedge exactly.
        q = np.asarray(self.result.q, dtype=np.float64).copy()
        q0 = self.current
        kinds = [m.risk.kind for m in self.problem.members]
        dust = np.array([abs(a - b) < MIN_TRADE[k] for a, b, k in zip(q, q0, kinds, strict=True)])
        q[dust] = q0[dust]
        return q

    @property
    def trade_quantities(self) -> np.ndarray:
        """Units traded per universe member: position after minus current position."""
        return self.quantities - self.current

    @cached_property
    def pre(self) -> RiskSummary:
        """Risk of the book with the derivatives currently held (computed once)."""
        return self.problem.optimizer.ctx.summary(self.current)

    @property
    def post(self) -> RiskSummary:
        """Risk after the hedge: the optimiser's own evaluation at the executable positions.

        Without quantities to present, the pre-hedge risk (no trades; see :attr:`quantities`).
        """
        if self.result.post is None or not self.presents_plan:
            return self.pre
        if np.array_equal(self.quantities, np.asarray(self.result.q, dtype=np.float64)):
            return self.result.post
        return self._post_executable

    @cached_property
    def _post_executable(self) -> RiskSummary:
        """Risk at the executable positions (dust left at the current position)."""
        return self.problem.optimizer.ctx.summary(self.quantities)

    @cached_property
    def baseline(self) -> Baseline:
        """The closed-form futures hedge beside the optimiser."""
        return _closed_form_baseline(self.problem, self.current, self.pre.dv01, self.horizon_days)

    def _figures(self, s: RiskSummary, quantities: np.ndarray) -> RiskFigures:
        scale = self.problem.market_value * BP
        krd_dv01 = np.asarray(s.krd_dv01)
        members = [(m.spec, m.instrument, m.risk) for m in self.problem.members]
        vega = normal_vega_buckets(members, [float(q) for q in quantities])
        if self.book_vega:
            vega["book"] = self.book_vega * BP
        return RiskFigures(
            duration=s.duration,
            dv01=s.dv01,
            krd=dict(zip(self.problem.tenors, (krd_dv01 / scale).tolist(), strict=True)),
            krd_dv01=dict(zip(self.problem.tenors, krd_dv01.tolist(), strict=True)),
            convexity=s.convexity,
            dollar_convexity=s.dollar_convexity,
            tracking_error_bp=s.te_bp,
            tracking_error_ccy=s.te,
            margin=s.margin,
            vega=float(sum(vega.values())),
            vega_by_bucket=vega,
            book_vega=self.book_vega,
        )

    def trades(self) -> list[Trade]:
        """The trades (changes from current positions) with their DV01 impact and costs."""
        return [self._leg_value(t) for t in self._trades()]

    @cached_property
    def _te_bp_at_quantities(self) -> float:
        """Tracking error (bp) at the executable positions, as :meth:`_leg_value` compares."""
        return float(self.problem.optimizer.ctx.te_bp(self.quantities))

    @cached_property
    def _member_index(self) -> dict[str, int]:
        """Position of each universe member by name (the first, as a search would find)."""
        out: dict[str, int] = {}
        for i, m in enumerate(self.problem.members):
            out.setdefault(m.name, i)
        return out

    def _leg_value(self, trade: Trade) -> Trade:
        """The trade with the tracking error it removes (:class:`Trade`'s te_reduction_bp):
        the hedge re-evaluated with this one trade undone, every other trade kept."""
        j = self._member_index[trade.instrument]
        q = self.quantities.copy()
        q[j] = self.current[j]
        ctx = self.problem.optimizer.ctx
        reduction = float(ctx.te_bp(q) - self._te_bp_at_quantities)
        per_cost = reduction / trade.cash_cost * 1e6 if trade.cash_cost > 0 else None
        return trade.model_copy(
            update={"te_reduction_bp": reduction, "te_reduction_per_cash_cost": per_cost}
        )

    def _trades(self) -> list[Trade]:
        out = []
        tenors = self.problem.tenors
        members = self.problem.members
        lots = self.problem.lots  # a property: built once here, not per trade
        rows = zip(members, self.current, self.quantities, self.trade_quantities, strict=True)
        for m, q0, q, trade in rows:
            r = m.risk
            if abs(trade) < MIN_TRADE[r.kind]:
                continue
            cash = member_cash_cost(self.problem, m, float(q0), float(q), self.horizon_days)
            cost = trade_cost(
                position=float(q),
                trade=float(trade),
                carry_per_unit=r.carry,
                half_spread_per_unit=m.half_spread,
                margin_per_unit=r.margin,
                funding_rate=self.problem.funding_rate,
                horizon_days=self.horizon_days,
            )
            unit_krd = np.asarray(r.krd_dv01, dtype=np.float64)
            out.append(
                Trade(
                    instrument=r.name,
                    kind=r.kind,
                    quantity=float(trade),
                    position_after=float(q),
                    unit=r.unit,
                    lot=lots[r.name],
                    direction=direction_word(r.kind, trade),
                    # The sum of key-rate DV01s: the optimiser's DV01, so the plan adds up.
                    dv01_change=float(np.sum(unit_krd)) * float(trade),
                    krd_dv01_change=dict(zip(tenors, (unit_krd * trade).tolist(), strict=True)),
                    notional=r.notional * abs(float(trade)),
                    initial_margin=cost.initial_margin,
                    cost=TradeCostDoc(
                        carry=cost.carry,
                        slippage=cost.slippage,
                        margin=cost.margin,
                        total=cost.total,
                    ),
                    cash_cost=cash.total,
                    cash_cost_detail=cash_cost_doc(cash),
                    roll_date=r.details.get("roll_date"),
                    detail={k: _plain(v) for k, v in r.details.items() if k in TRADE_DETAIL_KEYS}
                    | ({"vega_bp": vega_per_bp(m) * float(trade)} if "vega" in r.details else {}),
                )
            )
        return out

    def exposure(self) -> HedgedExposure:
        """Post-hedge book with derivatives: the post-hedge figures plus notionals and leverage.

        DV01, KRDs, duration and convexity are the post-hedge figures themselves (one
        computation). The denominator is the book's market value: new swaps are at par and
        option premiums are paid from cash, so derivatives leave it unchanged; their MTM is shown
        beside it. Notionals never enter duration; leverage = (cash MV + gross notional) / MV.
        """
        risk = self.book_risk
        mv = self.problem.market_value
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
        ] + [Holding(p.risk, p.quantity) for p in self.problem.held.fixed]
        ex = exposure_totals(cash, positions)
        post = self.post
        methodology = dict(EXPOSURE_METHODOLOGY)
        methodology["market_value"] = (
            "book value, currency: cash bonds' dirty MV; new swaps are at par and option "
            "premiums are paid from cash, so derivatives leave it unchanged (their MTM is "
            "derivatives_market_value); notionals excluded"
        )
        methodology["dv01"] = "sum of key-rate DV01s of bonds and derivatives (the post-hedge DV01)"
        methodology["duration"] = "DV01 / (book market value * 1e-4), years"
        return HedgedExposure(
            market_value=mv,
            cash_market_value=ex.cash_market_value,
            derivatives_market_value=ex.derivatives_market_value,
            dv01=post.dv01,
            duration=post.duration,
            krd=dict(
                zip(
                    self.problem.tenors,
                    (np.asarray(post.krd_dv01) / (mv * BP)).tolist(),
                    strict=True,
                )
            ),
            convexity=post.convexity,
            spread_duration=ex.spread_dv01 / (mv * BP),
            gross_notional=ex.gross_notional,
            net_notional=ex.net_notional,
            leverage=(ex.cash_market_value + ex.gross_notional) / mv,
            methodology=methodology,
        )

    def document(self) -> Hedge:
        """Section 2 of the plan (also the ``hedge --json`` document)."""
        res = self.result
        pre = self._figures(self.pre, self.current)
        post = self._figures(self.post, self.quantities)
        baseline = self.baseline
        trades = self.trades()
        cash = CashCostDoc(
            **{
                key: float(sum(getattr(t.cash_cost_detail, key) for t in trades))
                for key in CashCostDoc.model_fields
            }
        )
        if baseline.available and baseline.post_hedge is not None and res.objective is not None:
            assert baseline.cash_cost is not None
            baseline = baseline.model_copy(
                update={
                    "cost_difference": None
                    if res.objective is None
                    else res.objective - baseline.cost["objective"],
                    "tracking_error_difference_bp": post.tracking_error_bp
                    - baseline.post_hedge.tracking_error_bp,
                    "cash_cost_difference": cash.total - baseline.cash_cost.total,
                }
            )
        infeasibility = None
        if res.status == "infeasible":
            infeasibility = Infeasibility(
                message=res.message,
                relaxations=[_relaxation(v) for v in res.violations],
                alternatives=[_relaxation(v) for v in res.alternatives],
            )
        return Hedge(
            exposure=self.exposure(),
            trades=trades,
            pre_hedge=pre,
            post_hedge=post,
            constraints=[
                Constraint(
                    name=c.name,
                    limit=_plain(c.limit),
                    value=_plain(c.value),
                    slack=_plain(c.slack),
                    binding=bool(c.binding),
                    units=c.units,
                )
                for c in res.constraints
            ],
            costs={k: float(v) for k, v in res.costs.items()},
            cash_cost=cash,
            risk_penalty=_risk_penalty(res.costs),
            objective=res.objective,
            swaption_vega=self.swaption_vega(),
            baseline=baseline,
            solver=Solver(
                status=res.status,
                method=res.method,
                objective=res.objective,
                bound=res.best_bound,
                gap=res.rel_gap,
                iterations=res.iterations,
                seconds=res.seconds,
                message=res.message or None,
            ),
            infeasibility=infeasibility,
            positions=position_rows(
                self.problem.held, self.problem.members, self.current, self.quantities
            ),
            methodology=HEDGE_METHODOLOGY,
        )

    def swaption_vega(self) -> dict[str, float]:
        """Net vega of the swaptions held after the hedge, currency per bp of normal vol
        (universe swaptions by expiry x tenor bucket; held fixed ones as ``held <name>``)."""
        out: dict[str, float] = {}
        for m, q in zip(self.problem.members, self.quantities, strict=True):
            if isinstance(m.spec, SwaptionSpec) and q != 0:
                v = vega_per_bp(m) * float(q)
                out[vega_bucket(m.spec)] = out.get(vega_bucket(m.spec), 0.0) + v
                out["total"] = out.get("total", 0.0) + v
        for p in self.problem.held.fixed:  # held swaptions the hedge does not trade
            if p.kind == "swaption":
                bucket = "held " + p.name
                out[bucket] = out.get(bucket, 0.0) + p.vega_bp * p.quantity
                out["total"] = out.get("total", 0.0) + p.vega_bp * p.quantity
        return out

    def constraint_limit(self, name: str) -> Any:
        """The limit of the named constraint (``None`` when the case sets none)."""
        return next((c.limit for c in self.result.constraints if c.name == name), None)


def solve_hedge(
    problem: HedgeProblem, horizon_days: int, book_risk: HoldingRisk, book_vega: float = 0.0
) -> HedgePlan:
    """Solve a compiled hedge problem (``book_vega``: the book's modelled vega, currency per
    1.00 of normal vol, reported beside the hedge's)."""
    return HedgePlan(problem, problem.optimizer.solve(), horizon_days, book_risk, book_vega)
