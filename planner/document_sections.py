"""Plan sections 1-3 (exposure, hedge, scenarios) and the base of every plan model.

Part of the typed plan document (:mod:`hedge_planner.document`; units are stated there).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# ------------------------------------------------------------------------------------------------
# Base
# ------------------------------------------------------------------------------------------------
ByTenor = dict[str, float]
"""Figures keyed by key tenor label (``6m``, ``1y``, ...)."""

Status = Literal["pass", "warn", "fail"]


class Section(BaseModel):
    """Base of every plan model: unknown keys are rejected; defaults are written out."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


# ------------------------------------------------------------------------------------------------
# Section 1: exposure
# ------------------------------------------------------------------------------------------------


class CdsRow(Section):
    """A credit default swap in the portfolio roll-up (spread risk only)."""

    id: str
    sector: str
    notional: float = Field(description="currency; positive = protection sold")
    spread_duration: float = Field(description="years")
    spread_dv01: float = Field(description="currency per bp of spread tightening")
    rate_dv01: float = Field(description="always 0: CDS carry no rate duration by convention")
    market_value: float = Field(description="MTM, currency")


class CreditPositions(Section):
    """CDS rolled into the portfolio: spread risk, MTM in the value, no rate DV01."""

    positions: list[CdsRow]
    market_value_with_cds: float
    dv01_with_cds: float
    effective_duration_with_cds: float
    spread_dv01_with_cds: float
    spread_duration_with_cds: float
    methodology: str


class KrdConventionDoc(Section):
    """How a KRD vector is measured."""

    rate_basis: Literal["zero", "par"] = Field(description="zero rates or par yields shifted")
    compounding: str = Field(description="continuous, or annual/semiannual/quarterly/monthly")
    shift_bp: float = Field(description="size of the up and down shifts, bp")
    price_basis: Literal["full", "clean"] = Field(description="denominator: dirty or clean")
    shape: Literal["tent"] = "tent"


class Portfolio(Section):
    """Pre-hedge portfolio totals of the cash book (effective and yield-based)."""

    market_value: float = Field(description="dirty, currency")
    effective_duration: float = Field(description="years")
    effective_convexity: float = Field(description="years^2")
    spread_duration: float = Field(description="years")
    dv01: float = Field(description="parallel effective DV01, currency per bp")
    spread_dv01: float = Field(description="currency per bp")
    modified_duration: float = Field(description="years, yield-based")
    macaulay_duration: float = Field(description="years, yield-based")
    convexity: float = Field(description="years^2, yield-based")
    yield_dv01: float = Field(description="currency per bp, yield-based")
    krd: ByTenor = Field(description="key rate durations, years")
    krd_dv01: ByTenor = Field(description="currency per bp")
    krd_sum: float = Field(description="years")
    krd_par: ByTenor = Field(
        description="par key rate durations, years (semiannual Treasury par yields, tent, 1 bp, "
        "full price; curve bootstrapped again)"
    )
    krd_conventions: dict[str, KrdConventionDoc] = Field(
        description="convention of each KRD vector: 'krd' (zero) and 'krd_par' (par)"
    )
    spread_dv01_by_sector: dict[str, float] = Field(
        description="spread duration x market value x 1e-4 by sector, currency per bp widening"
    )
    cds: CreditPositions | None = None


class Mismatch(Section):
    """A key tenor's gap to the benchmark and its tracking-error contribution."""

    tenor: str
    gap_years: float
    te_contribution_bp: float
    share: float = Field(description="fraction of the tracking error")


class Flag(Section):
    """A warning raised by a check on the inputs or analytics."""

    level: str
    code: str
    holding: str | None
    message: str


class Benchmark(Section):
    """Portfolio against the benchmark."""

    name: str
    duration: float = Field(description="benchmark effective duration, years")
    krd: ByTenor
    duration_gap: float = Field(description="portfolio minus benchmark, years")
    krd_gap: ByTenor
    largest_mismatches: list[Mismatch]
    tracking_error_bp: float = Field(description="bp per year")
    tracking_error_ccy: float = Field(description="currency per year")
    sector_weight_gap: dict[str, float]
    warnings: list[Flag] = Field(default_factory=list)
    methodology: str = ""


class SectorRow(BaseModel):
    """One sector's share of the book; ``krd_<tenor>`` keys carry its KRD contributions."""

    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=True)
    __pydantic_extra__: dict[str, float] = Field(init=False)

    sector: str
    n_holdings: int
    market_value: float
    weight: float
    duration_contribution: float = Field(description="years")
    spread_duration_contribution: float = Field(description="years")
    dv01: float = Field(description="currency per bp")

    def krd(self, tenor: str) -> float | None:
        """KRD contribution at ``tenor`` (years), ``None`` when absent."""
        extra = self.__pydantic_extra__ or {}
        value = extra.get(f"krd_{tenor}")
        return None if value is None else float(value)


class Exposure(Section):
    """Section 1: the measured portfolio and its comparison with the benchmark."""

    portfolio: Portfolio
    benchmark: Benchmark | None
    sectors: list[SectorRow]
    methodology: dict[str, str]


# ------------------------------------------------------------------------------------------------
# Section 2: hedge
# ------------------------------------------------------------------------------------------------


class HedgedExposure(Section):
    """Post-hedge book with derivatives: the same figures as ``post_hedge``, plus notionals."""

    market_value: float = Field(description="book value (the duration denominator), currency")
    cash_market_value: float
    derivatives_market_value: float = Field(description="MTM of the derivative positions")
    dv01: float
    duration: float
    krd: ByTenor
    convexity: float
    spread_duration: float
    gross_notional: float
    net_notional: float
    leverage: float
    methodology: dict[str, str]


class TradeCost(Section):
    """Objective-side cost of one position over the horizon, currency (kept for compatibility).

    ``margin`` is the FUNDING of the initial margin over the horizon, not the margin amount
    (that is the trade's ``initial_margin``); carry here is a cost (negative = earned).
    """

    carry: float = Field(description="carry cost = -carry income of the position, currency")
    slippage: float = Field(description="half bid-ask x size traded, currency")
    margin: float = Field(description="margin FUNDING over the horizon, currency")
    total: float


class CashCost(Section):
    """Cash over the horizon, currency, apart from any risk penalty.

    Costs are positive when paid; ``carry`` is positive when earned;
    ``total = bid_ask + tickets + margin_funding + roll - carry``.
    """

    bid_ask: float = Field(description="half bid-ask x size traded, currency")
    tickets: float = Field(description="per-leg ticket costs of the legs traded, currency")
    margin_funding: float = Field(
        description="funding of the extra initial margin over the horizon, currency "
        "(the margin amount itself is initial_margin)"
    )
    carry: float = Field(description="carry earned over the horizon, currency (positive earned)")
    roll: float = Field(description="cost of rolling futures before the horizon, currency")
    total: float = Field(description="net cash cost over the horizon, currency (positive paid)")


class Trade(Section):
    """A change from the current position in one hedge instrument."""

    instrument: str
    kind: Literal["future", "swap", "swaption", "future_option", "cap", "floor", "cdx"]
    quantity: float = Field(description="units traded: contracts or currency notional")
    position_after: float
    unit: Literal["contracts", "notional"]
    lot: float | None = Field(
        default=None,
        description="units per lot (contracts or notional): the quantity is a whole number of "
        "lots; null when the quantity is continuous",
    )
    direction: Literal["buy", "sell", "receive", "pay"]
    dv01_change: float = Field(description="currency per bp: sum of the key-rate DV01 changes")
    krd_dv01_change: ByTenor
    notional: float
    initial_margin: float = Field(description="initial margin of the position after, currency")
    cost: TradeCost
    cash_cost: float = Field(
        default=0.0, description="net cash cost of the trade over the horizon, currency"
    )
    cash_cost_detail: CashCost | None = None
    roll_date: str | None
    detail: dict[str, Any]
    te_reduction_bp: float | None = Field(
        default=None,
        description="tracking error the leg removes, bp per year: TE of the hedge with this "
        "trade undone (position back to current, every other trade kept) minus the hedge's TE",
    )
    te_reduction_per_cash_cost: float | None = Field(
        default=None,
        description="te_reduction_bp per 1,000,000 currency of the trade's cash cost over the "
        "horizon; null when the trade's cash cost is not positive (it earns its keep)",
    )


class PositionRow(Section):
    """A derivative held before or after the hedge (a universe member or a fixed position)."""

    instrument: str
    kind: Literal["future", "swap", "swaption", "future_option", "cap", "floor", "cdx"]
    unit: Literal["contracts", "notional"]
    current: float = Field(description="units held before the hedge (signed)")
    after: float = Field(description="units held after the hedge (signed)")
    trade: float = Field(description="after - current, units")
    dv01_current: float = Field(description="currency per bp")
    dv01_after: float = Field(description="currency per bp")
    market_value_current: float = Field(description="currency (price per unit x units)")
    in_universe: bool = Field(description="false: held fixed, the hedge does not trade it")
    status: Literal["held", "rolls", "expires"] = "held"
    note: str = ""
    case_keys: list[str] = Field(default_factory=list, description="the case's positions keys")


class RiskFigures(Section):
    """Book risk before or after the hedge (key-rate sums, book value denominator)."""

    duration: float = Field(description="years")
    dv01: float = Field(description="currency per bp")
    krd: ByTenor = Field(description="years")
    krd_dv01: ByTenor = Field(description="currency per bp")
    convexity: float = Field(description="years^2")
    dollar_convexity: float
    tracking_error_bp: float = Field(description="bp per year")
    tracking_error_ccy: float = Field(description="currency per year")
    margin: float = Field(description="initial margin, currency")
    vega: float = Field(
        default=0.0,
        description="options held (swaptions, caps/floors, options on futures) and the book's "
        "modelled embedded options: currency per 1 bp of normal rate vol (lognormal vegas mapped "
        "to normal, see vega_by_bucket)",
    )
    vega_by_bucket: dict[str, float] = Field(
        default_factory=dict,
        description="vega by expiry x tenor bucket, currency per 1 bp of normal vol: swaptions "
        "<expiry>x<tenor>, caps/floors <vol pillar>x<period>, options on futures "
        "<expiry date>x<future>; 'book' for the book's modelled holdings (book_vega x 1e-4)",
    )
    book_vega: float = Field(
        default=0.0,
        description="the book's embedded options (modelled callables, putables and MBS pools: "
        "Hull-White sigma moved at fixed OAS), currency per 1.00 of normal vol (the hedge "
        "instruments' vega convention); included in vega as bucket 'book'",
    )


class Constraint(Section):
    """A limit of the hedge problem at the solution."""

    name: str
    limit: Any
    value: Any
    slack: Any
    binding: bool
    units: str


class BaselineTrade(Section):
    """The closed-form hedge's single futures trade."""

    instrument: str
    quantity: int = Field(description="whole contracts")
    unrounded: float = Field(description="the hedge ratio before rounding, contracts")
    unit: str


class BaselineRisk(Section):
    """Book risk after the closed-form hedge."""

    duration: float
    dv01: float
    krd: ByTenor
    convexity: float
    tracking_error_bp: float


class Baseline(Section):
    """The closed-form futures hedge ratio beside the optimiser."""

    method: str
    available: bool
    trades: list[BaselineTrade] = Field(default_factory=list)
    post_hedge: BaselineRisk | None = None
    cost: dict[str, float] = Field(
        default_factory=dict, description="objective terms at the baseline (not cash), currency"
    )
    cost_difference: float | None = Field(
        default=None, description="objective difference optimised - baseline (not cash)"
    )
    tracking_error_difference_bp: float | None = None
    cash_cost: CashCost | None = None
    cash_cost_difference: float | None = Field(
        default=None, description="cash cost total optimised - baseline, currency"
    )
    risk_penalty: float | None = None


class Solver(Section):
    """How the optimiser ended."""

    status: str | None = None
    method: str | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    iterations: int | None = None
    seconds: float | None = None
    #: Why the solve ended as it did when no plan is proven (time limit, solver error...).
    message: str | None = None


class Relaxation(Section):
    """A limit that must move for the hedge problem to become feasible."""

    constraint: str
    limit: float | None
    required: float | None
    change: float | None
    unit: str


class Infeasibility(Section):
    """Why no hedge meets every limit."""

    message: str
    relaxations: list[Relaxation] = Field(
        description="the moves applied for the closest hedge shown"
    )
    alternatives: list[Relaxation] = Field(
        default_factory=list,
        description="the limits in conflict: each ALONE restores feasibility by this move",
    )


class Hedge(Section):
    """Section 2: the recommended hedge."""

    exposure: HedgedExposure | None = None
    trades: list[Trade]
    pre_hedge: RiskFigures
    post_hedge: RiskFigures
    constraints: list[Constraint]
    costs: dict[str, float] = Field(
        default_factory=dict, description="objective terms at the solution, currency"
    )
    cash_cost: CashCost | None = Field(
        default=None, description="cash of the trades over the horizon (sum of the trades')"
    )
    risk_penalty: float | None = Field(
        default=None, description="risk term of the objective (risk_aversion/2 TE^2/MV), currency"
    )
    objective: float | None = Field(
        default=None, description="the optimiser's objective: risk penalty + weighted costs"
    )
    swaption_vega: dict[str, float] = Field(
        default_factory=dict,
        description="net vega of the swaption positions after the hedge, currency per bp of "
        "normal vol: 'total' and each expiry x tenor bucket held",
    )
    positions: list[PositionRow] = Field(
        default_factory=list,
        description="derivatives held before and after the hedge (the plan is a rebalance)",
    )
    baseline: Baseline
    solver: Solver
    infeasibility: Infeasibility | None
    methodology: dict[str, str] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
# Section 3: scenarios
# ------------------------------------------------------------------------------------------------


class ScenarioRow(Section):
    """One scenario: shifts, unhedged/hedged P&L by full revaluation and the approximation."""

    name: str
    kind: str = ""
    shifts: ByTenor = Field(description="bp per key tenor")
    spread_shifts: dict[str, float] = Field(description="bp per sector")
    unhedged_pnl: float
    hedge_pnl: float
    hedged_pnl: float
    approx_pnl: float
    approx_error: float
    price_return: float | None
    total_return: float | None
    unhedged_pnl_bp: float | None = None
    hedged_pnl_bp: float | None = None
    unhedged_total_return: float | None = None
    benchmark_pnl: float | None = Field(
        default=None,
        description="benchmark P&L scaled to the book's market value, currency (see "
        "scenarios.methodology.benchmark for how it was obtained)",
    )
    active_pnl: float | None = Field(
        default=None, description="unhedged book minus benchmark, currency"
    )
    hedged_active_pnl: float | None = Field(
        default=None, description="hedged book minus benchmark, currency"
    )


class Breakeven(Section):
    """Parallel move (bp) that loses the horizon income, unhedged and hedged."""

    unhedged: float | None
    hedged: float | None


class Scenarios(Section):
    """Section 3: the scenario matrix."""

    horizon_days: int | None = None
    rows: list[ScenarioRow]
    breakeven_bp: Breakeven
    methodology: dict[str, Any] | None = None
    n_full_revaluation: int | None = None
    n_sensitivity: int | None = None
