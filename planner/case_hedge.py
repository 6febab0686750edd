"""Case-file schema of the hedge section: universe (futures, swaps, swaptions, options on
futures, caps/floors, CDX), limits, costs.

Split from :mod:`cases` (which re-exports every name) to keep modules short. Plausibility bounds
are stated in the messages; see the README, "Input limits and plausibility bounds".
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from hedge_planner.case_derivatives import (
    CapFloorSpec,
    CdxSpec,
    Direction,
    FutureOptionSpec,
    NotionalLegSpec,
)
from hedge_planner.models.futures_quotes import parse_32nds
from hedge_planner.models.input_files import StrictModel, clip, parse_number
from pydantic import ConfigDict, Field, field_validator, model_validator

#: Plausible Treasury futures prices, points per 100.
MIN_FUTURES_PRICE, MAX_FUTURES_PRICE = 20.0, 300.0
#: Plausible deliverable-bond yields, decimal (as for holdings).
MIN_BASKET_YIELD, MAX_BASKET_YIELD = -0.10, 1.0
#: Largest plausible magnitude of a convexity limit, years^2.
MAX_ABS_CONVEXITY_LIMIT = 1_000.0
#: Largest plausible tracking-error limit, bp per year.
MAX_TRACKING_ERROR_LIMIT_BP = 10_000.0
#: Largest plausible duration target or band, years.
MAX_DURATION_LIMIT = 100.0


class DeliverableSpec(StrictModel):
    """A bond in a futures contract's deliverable basket (clean price per 100 or yield)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    coupon: float = Field(ge=0, le=0.2, description="decimal")
    maturity: dt.date
    price: float | None = Field(default=None, ge=2, le=500, description="clean, per 100")
    yield_: float | None = Field(default=None, alias="yield", description="decimal")
    issue_date: dt.date | None = None

    @field_validator("yield_")
    @classmethod
    def _yield(cls, value: float | None) -> float | None:
        if value is not None and value > MAX_BASKET_YIELD:
            raise ValueError(
                f"yield {value:g} looks like a percentage; yields are decimals "
                f"(write {value / 100:g} for {value:g}%)"
            )
        if value is not None and value < MIN_BASKET_YIELD:
            raise ValueError(f"yield {value:g} is below the plausible minimum {MIN_BASKET_YIELD:g}")
        return value

    @model_validator(mode="after")
    def _one_quote(self) -> DeliverableSpec:
        if (self.price is None) == (self.yield_ is None):
            raise ValueError("give exactly one of price and yield")
        return self


class RollSpec(StrictModel):
    """How a futures position held past its roll date is rolled into the next contract."""

    model_config = ConfigDict(extra="forbid")

    basket: list[DeliverableSpec] | None = Field(
        default=None,
        description="deliverables of the next contract; default the front basket's bonds "
        "that are deliverable into it",
    )
    repo_rate: float | None = Field(
        default=None, ge=-0.05, le=0.25, description="term repo to the next delivery, decimal"
    )
    calendar_spread: float | None = Field(
        default=None,
        ge=-20.0,
        le=20.0,
        description="market calendar spread, front minus next, points per 100",
    )


class FuturesSpec(StrictModel):
    """A Treasury futures contract the hedge may trade."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="TU, Z3N, FV, TY, TN, US or UB (or a user contract)")
    contract_month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    price: float | str | None = Field(
        default=None, description="market price per 100 (decimal or 32nds like 111-08+)"
    )
    repo_rate: float = Field(ge=-0.05, le=0.25, description="term repo to delivery, decimal")
    reinvestment_rate: float | None = Field(
        default=None,
        ge=-0.05,
        le=0.25,
        description="simple rate a coupon paid before delivery earns to delivery, decimal; "
        "default: the repo rate",
    )
    reinvestment_day_count: Literal["ACT/360", "ACT/365F"] = "ACT/360"
    delivery: Literal["first", "last"] | dt.date = Field(
        default="last",
        description="delivery date of the forward: first or last delivery day, or a date "
        "between them",
    )
    basket: list[DeliverableSpec] = Field(min_length=1)
    basket_complete: bool = Field(
        default=True,
        description="false when the basket lists only some of the contract's deliverables: "
        "the run warns, since the cheapest to deliver and the DV01 per contract may be off",
    )
    initial_margin: float = Field(default=0.0, ge=0, description="currency per contract")
    half_spread: float | None = Field(
        default=None, ge=0, description="currency per contract; default half a tick"
    )
    average_daily_volume: float | None = Field(
        default=None, gt=0, description="contracts per day; overrides the contract table's"
    )
    open_interest: float | None = Field(
        default=None, gt=0, description="contracts open; overrides the contract table's"
    )
    roll: RollSpec | None = Field(
        default=None, description="next contract to roll into (basket, repo, calendar spread)"
    )
    roll_half_spread: float | None = Field(
        default=None,
        ge=0,
        description="half bid-ask of rolling one contract into the next (calendar spread), "
        "currency per contract; default the outright half_spread",
    )
    max_contracts: float | None = Field(default=None, gt=0, le=1e7)
    direction: Direction = "both"
    current: float = Field(default=0.0, ge=-1e7, le=1e7)
    lot: int = Field(default=1, ge=1, le=100_000, description="contracts per lot (whole lots)")
    min_trade: float = Field(
        default=0.0, ge=0, le=1e7, description="smallest trade, contracts (0: none)"
    )
    ticket_cost: float = Field(
        default=0.0, ge=0, le=1e7, description="fixed cost of trading this contract, currency"
    )

    @field_validator("contract_month")
    @classmethod
    def _month(cls, value: str) -> str:
        year, month = (int(p) for p in value.split("-"))
        if not 1 <= month <= 12:
            raise ValueError(f"contract month {month:02d} is not a month (01-12)")
        if not 1977 <= year <= 2200:
            raise ValueError(f"contract year {year} is implausible")
        return value

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and "-" in value.strip()[1:]:
            try:
                value = parse_32nds(value)
            except ValueError:
                raise ValueError(
                    f"price {clip(value)} is neither a decimal nor 32nds like 111-08+"
                ) from None
        number = parse_number(value)
        if not MIN_FUTURES_PRICE <= number <= MAX_FUTURES_PRICE:
            raise ValueError(
                f"futures price {number:g} is outside the plausible {MIN_FUTURES_PRICE:g} to "
                f"{MAX_FUTURES_PRICE:g} per 100"
            )
        return number


class SwapSpec(NotionalLegSpec):
    """A SOFR OIS swap tenor the hedge may trade (quantity = receive-fixed notional).

    ``lot`` (e.g. 1e6) is the same as ``lot_size`` with ``integer_lots``; give one of them.
    """

    model_config = ConfigDict(extra="forbid")

    tenor: str
    start: str | None = Field(default=None, description="forward start tenor, e.g. 1y")
    half_spread_bp: float = Field(default=0.25, ge=0, description="half bid-ask, bp of rate")
    initial_margin_rate: float = Field(default=0.0, ge=0, description="fraction of notional")
    lot_size: float = Field(default=1e6, gt=0)
    integer_lots: bool = False
    direction: Direction = "both"

    @model_validator(mode="after")
    def _one_lot(self) -> SwapSpec:
        if self.lot is not None and "lot_size" in self.model_fields_set:
            raise ValueError("give lot or lot_size with integer_lots, not both")
        return self


class SwaptionSpec(NotionalLegSpec):
    """A European swaption on a SOFR swap (quantity = notional; long-only by default)."""

    model_config = ConfigDict(extra="forbid")

    expiry: str
    tenor: str
    type: Literal["payer", "receiver"]
    strike: float | Literal["atm"] = "atm"
    model: Literal["bachelier", "black76"] = "bachelier"
    vol: float = Field(gt=0, description="normal vol (decimal rate/sqrt yr) or lognormal vol")
    half_spread_vol: float = Field(default=0.0, ge=0, description="half bid-ask in vol units")
    direction: Direction = "long"
    fixed_frequency: Literal[1, 2, 4, 12] = Field(
        default=1, description="fixed-leg payments a year of the underlying swap (SOFR: 1)"
    )
    fixed_day_count: Literal["ACT/360", "ACT/365F", "30/360", "ACT/ACT"] = Field(
        default="ACT/360", description="fixed-leg accrual day count (SOFR: ACT/360)"
    )
    expiry_day_count: Literal["ACT/365F", "ACT/360", "30/360"] = Field(
        default="ACT/365F", description="day count of the option's time to expiry"
    )


class UniverseSpec(StrictModel):
    """Hedge instruments available to the optimiser."""

    model_config = ConfigDict(extra="forbid")

    futures: list[FuturesSpec] = Field(default_factory=list)
    swaps: list[SwapSpec] = Field(default_factory=list)
    swaptions: list[SwaptionSpec] = Field(default_factory=list)
    future_options: list[FutureOptionSpec] = Field(default_factory=list)
    caps: list[CapFloorSpec] = Field(default_factory=list)
    cdx: list[CdxSpec] = Field(default_factory=list)
    contracts_file: str | None = Field(
        default=None,
        description="YAML/JSON adding or overriding futures contract specs (relative to the case)",
    )

    @model_validator(mode="after")
    def _not_empty(self) -> UniverseSpec:
        # Options on futures alone do not count: they need a future of the universe.
        if not (self.futures or self.swaps or self.swaptions or self.caps or self.cdx):
            raise ValueError("the hedge universe is empty: add futures, swaps or swaptions")
        return self


class DurationLimitSpec(StrictModel):
    """Post-hedge effective duration within ``target +/- band`` (years)."""

    model_config = ConfigDict(extra="forbid")

    target: float | None = Field(
        default=None,
        ge=-MAX_DURATION_LIMIT,
        le=MAX_DURATION_LIMIT,
        description="years; default benchmark duration",
    )
    band: float = Field(default=0.25, ge=0, le=MAX_DURATION_LIMIT, description="years")


class LiquiditySpec(StrictModel):
    """Futures trades as a share of the contract's average daily volume and open interest."""

    model_config = ConfigDict(extra="forbid")

    adv_share: float | None = Field(
        default=None, gt=0, le=1, description="largest trade / average daily volume"
    )
    oi_share: float | None = Field(
        default=None, gt=0, le=1, description="largest trade / open interest"
    )


class LimitsSpec(StrictModel):
    """Risk limits; each is optional. Tolerances in years, DV01 in currency per bp."""

    model_config = ConfigDict(extra="forbid")

    duration: DurationLimitSpec | None = Field(default_factory=DurationLimitSpec)
    dv01_min: float | None = None
    dv01_max: float | None = None
    krd_tolerance: dict[str, float] | float | None = Field(
        default=None, description="years per tenor (or one value for all) vs the benchmark"
    )
    convexity_floor: float | None = Field(
        default=None,
        ge=-MAX_ABS_CONVEXITY_LIMIT,
        le=MAX_ABS_CONVEXITY_LIMIT,
        description="years^2",
    )
    margin_budget: float | None = Field(default=None, ge=0, description="currency")
    tracking_error_bp: float | None = Field(
        default=None,
        ge=0,
        le=MAX_TRACKING_ERROR_LIMIT_BP,
        description="hard limit on the post-hedge ex-ante tracking error against the benchmark, "
        "bp per year of the book's market value (the multi-factor figure the plan reports: key "
        "rates in the case's KRD convention, sector spreads, swap spread)",
    )

    vega_max: dict[str, float] | float | None = Field(
        default=None,
        description="option vega limit (swaptions, caps/floors, options on futures), "
        "currency per bp of normal vol, on the net vega: one number (the total) or a mapping "
        "with 'total' and/or buckets like '1yx10y' (swaption), '2yx3m' (cap pillar x period), "
        "'2024-02-23xTYH4' (futures option expiry x future)",
    )
    liquidity: LiquiditySpec | None = Field(
        default=None,
        description="futures trade caps as shares of ADV / open interest (from the contract "
        "table, overridden per contract in the universe)",
    )
    gross_notional_max: float | None = Field(
        default=None,
        ge=0,
        description="gross notional of the derivative positions, currency (futures: price / "
        "100 x contract size per contract; swaps and swaptions: notional)",
    )

    @field_validator("vega_max")
    @classmethod
    def _vega(cls, value: dict[str, float] | float | None) -> dict[str, float] | float | None:
        values = value.values() if isinstance(value, dict) else [] if value is None else [value]
        if any(v < 0 for v in values):
            raise ValueError("vega limits must be non-negative (currency per bp of normal vol)")
        return value

    max_legs: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="largest number of instruments the hedge trades (selection binaries in the "
        "exact search)",
    )

    @field_validator("krd_tolerance")
    @classmethod
    def _tolerances(cls, value: dict[str, float] | float | None) -> dict[str, float] | float | None:
        values = value.values() if isinstance(value, dict) else [] if value is None else [value]
        if any(v < 0 for v in values):
            raise ValueError("KRD tolerances must be non-negative (years)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> LimitsSpec:
        lo, hi = self.dv01_min, self.dv01_max
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"inverted DV01 limits: dv01_min {lo:g} > dv01_max {hi:g}")
        return self


class CostsSpec(StrictModel):
    """Objective weights: every term is in currency so the weights mean something.

    ``risk_aversion`` is the mean-variance coefficient on the tracking-error variance of the
    portfolio's return: cost = risk_aversion / 2 * (TE in decimal)^2 * market value. The same
    TE is the multi-factor tracking error the plan reports (key rates in the case's KRD convention,
    sector spreads and the Treasury-SOFR swap spread of swaps and swaptions: a common swap-spread
    factor plus an independent one per key tenor, with the vols given here, which the key-rate
    covariance cannot see because bonds, futures and swaps share its key rates).
    """

    model_config = ConfigDict(extra="forbid")

    risk_aversion: float = Field(default=500.0, ge=0)
    carry_weight: float = Field(default=1.0, ge=0)
    slippage_weight: float = Field(default=1.0, ge=0)
    impact: float = Field(
        default=0.0,
        ge=0,
        description="quadratic market impact: at 1,000 contracts or 100m notional traded the "
        "impact cost is this multiple of the half-spread cost",
    )
    turnover_bp: float = Field(
        default=0.0,
        ge=0,
        le=100.0,
        description="turnover penalty, bp per unit of DV01 traded: cost = turnover_bp x "
        "sum |DV01 per unit| x |position - current| (currency); in a sweep the previous "
        "point's hedge is the reference, so neighbouring points do not flip (0: off)",
    )
    tracking_error: Literal["exact", "l1_proxy"] = "exact"
    swap_spread_vol_bp: float = Field(
        default=20.0,
        ge=0,
        description="volatility of the common Treasury-SOFR swap spread move, bp per year",
    )
    swap_spread_tenor_vol_bp: float = Field(
        default=8.0,
        ge=0,
        description="volatility of each key tenor's own swap-spread move (independent across "
        "tenors), bp per year",
    )


#: Shortest and longest accepted ``hedge.solver.time_limit_seconds`` (seconds).
MIN_TIME_LIMIT_SECONDS = 0.01
MAX_TIME_LIMIT_SECONDS = 86_400.0


class SolverSpec(StrictModel):
    """Solver settings."""

    model_config = ConfigDict(extra="forbid")

    gap: float = Field(default=1e-6, gt=0, lt=1)
    # Below 10 ms no solve of this size can even start; above a day is a typo, not a setting.
    time_limit_seconds: float = Field(
        default=30.0,
        ge=MIN_TIME_LIMIT_SECONDS,
        le=MAX_TIME_LIMIT_SECONDS,
        description="Wall-clock limit of the hedge solve, seconds (0.01 to 86,400).",
    )


class HedgeSpec(StrictModel):
    """The hedge problem: horizon, universe, limits, costs and solver settings."""

    model_config = ConfigDict(extra="forbid")

    horizon_days: int = Field(default=90, gt=0, le=3650)
    universe: UniverseSpec
    limits: LimitsSpec = Field(default_factory=LimitsSpec)
    costs: CostsSpec = Field(default_factory=CostsSpec)
    solver: SolverSpec = Field(default_factory=SolverSpec)


#: Case key path (below ``hedge``) of each parameter ``sweep --param`` can vary.
SWEEP_KEYS: dict[str, tuple[str, ...]] = {
    "duration_target": ("limits", "duration", "target"),
    "duration_band": ("limits", "duration", "band"),
    "dv01_max": ("limits", "dv01_max"),
    "dv01_min": ("limits", "dv01_min"),
    "convexity_floor": ("limits", "convexity_floor"),
    "margin_budget": ("limits", "margin_budget"),
    "risk_aversion": ("costs", "risk_aversion"),
    "carry_weight": ("costs", "carry_weight"),
    "slippage_weight": ("costs", "slippage_weight"),
    "tracking_error_bp": ("limits", "tracking_error_bp"),
}


def sweep_value_problem(hedge: HedgeSpec, name: str, value: float) -> str | None:
    """Why ``value`` may not replace the case's ``name`` in a sweep (``None`` when it may).

    The swept value must pass the same bounds as the case file itself (a carry weight of -1 or a
    negative risk aversion is refused in a sweep as in a case). The hedge's ``limits`` or
    ``costs`` section is re-validated with the one value replaced.

    Parameters
    ----------
    hedge
        The case's hedge section.
    name
        A key of :data:`SWEEP_KEYS`.
    value
        The value in the case file's units (years, currency per bp, currency...).
    """
    section, *path = SWEEP_KEYS[name]
    model: StrictModel = getattr(hedge, section)
    data = model.model_dump(exclude_unset=True)
    node = data
    for key in path[:-1]:
        child = node.get(key)
        node[key] = dict(child) if isinstance(child, dict) else {}
        node = node[key]
    node[path[-1]] = value
    try:
        type(model).model_validate(data)
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        if callable(errors):
            return "; ".join(str(e.get("msg", "")) for e in errors()) or str(exc)
        return str(exc)
    return None
