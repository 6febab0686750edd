"""The plan document (``plan.json``) as typed models.

Every section of the plan is a pydantic model here: the builders (:mod:`hedge_planner.run`,
:mod:`hedge_planner.plan`) produce these objects, ``plan.json`` is their dump, the exported
schema (``hedge-planner schema plan``) is their ``model_json_schema``, and the terminal, HTML
and Excel reports read their attributes. Units: currency for money, years for durations,
years^2 for convexity, currency per bp for DV01s, bp for spreads and shifts, decimals for rates
and returns.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA = "hedge-planner/plan"
VERSION = 1

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
    """Cost of one trade over the horizon, currency."""

    carry: float
    slippage: float
    margin: float
    total: float


class Trade(Section):
    """A change from the current position in one hedge instrument."""

    instrument: str
    kind: Literal["future", "swap", "swaption"]
    quantity: float = Field(description="units traded: contracts or currency notional")
    position_after: float
    unit: Literal["contracts", "notional"]
    direction: Literal["buy", "sell", "receive", "pay"]
    dv01_change: float = Field(description="currency per bp: sum of the key-rate DV01 changes")
    krd_dv01_change: ByTenor
    notional: float
    initial_margin: float
    cost: TradeCost
    roll_date: str | None
    detail: dict[str, Any]


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
    cost: dict[str, float] = Field(default_factory=dict)
    cost_difference: float | None = None
    tracking_error_difference_bp: float | None = None


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
    relaxations: list[Relaxation]


class Hedge(Section):
    """Section 2: the recommended hedge."""

    exposure: HedgedExposure | None = None
    trades: list[Trade]
    pre_hedge: RiskFigures
    post_hedge: RiskFigures
    constraints: list[Constraint]
    costs: dict[str, float] = Field(default_factory=dict)
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


# ------------------------------------------------------------------------------------------------
# Sections 4-6: dashboard, actions, quality checks
# ------------------------------------------------------------------------------------------------


class BeforeAfter(Section):
    """A figure before and after the hedge."""

    before: float | None
    after: float | None


class DurationStatus(Section):
    """Duration before/after the hedge against the target band (years)."""

    before: float | None
    after: float | None
    target: float | None
    band: float | None
    compliant_before: bool | None
    compliant_after: bool | None


class Dv01Status(Section):
    """DV01 before/after the hedge against its limit (currency per bp)."""

    before: float | None
    after: float | None
    limit: float | None


class MismatchesBeforeAfter(Section):
    """Largest tracking-error contributors before and after the hedge."""

    before: list[Mismatch]
    after: list[Mismatch]


class Dashboard(Section):
    """Section 4: the risk dashboard."""

    tracking_error_bp: BeforeAfter
    duration: DurationStatus
    dv01: Dv01Status
    largest_mismatches: MismatchesBeforeAfter
    methodology: str = ""


class RollDate(Section):
    """When a futures position must roll."""

    instrument: str
    roll_date: str | None
    first_notice: str | None
    last_trade: str | None
    before_horizon: bool


class Maturity(Section):
    """A holding maturing before the horizon."""

    id: str
    maturity: str
    face: float
    market_value: float


class Paydown(Section):
    """A large amortising pool whose paydowns are not modelled."""

    id: str
    note: str
    face: float


class Actions(Section):
    """Section 5: action items."""

    trades: list[str]
    rebalancing_triggers: list[str]
    next_review_date: str
    roll_dates: list[RollDate]
    upcoming_maturities: list[Maturity]
    large_paydowns: list[Paydown]
    horizon_date: str | None = None


class QualityCheck(Section):
    """One check a risk officer asks for."""

    name: str
    status: Status
    detail: str


# ------------------------------------------------------------------------------------------------
# Risk model
# ------------------------------------------------------------------------------------------------


class FactorDoc(Section):
    """One factor of the tracking-error model."""

    name: str = Field(description="rate:<tenor>, swap_spread[:<tenor>] or spread:<sector>")
    group: str = Field(description="rates, swap_spread or spread:<sector>")
    vol_bp: float = Field(description="volatility of the factor's moves, bp per year")
    source: str = Field(description="estimation window or publication")
    assumed: bool = Field(description="an assumption rather than an estimate from data")


class TrackingErrorDoc(Section):
    """Ex-ante tracking error against the benchmark with Euler contributions."""

    total_bp: float = Field(description="bp per year of the portfolio's market value")
    total_currency: float = Field(description="currency per year")
    by_group: dict[str, float] = Field(
        description="contribution by group (rates, swap_spread, spread:<sector>), bp per year; "
        "sums to total_bp"
    )
    by_factor: dict[str, float] = Field(description="contribution by factor, bp per year")
    by_group_currency: dict[str, float] = Field(description="currency per year")


class RiskSide(Section):
    """The book's tracking error before or after the hedge."""

    tracking_error: TrackingErrorDoc
    exposures: dict[str, float] = Field(
        description="active exposure by factor, currency per bp (gain when the factor falls)"
    )


class SpreadRisk(Section):
    """Sector spread risk against the benchmark."""

    portfolio_spread_dv01: dict[str, float] = Field(description="currency per bp widening")
    benchmark_spread_dv01: dict[str, float] = Field(
        description="the benchmark's, scaled to the portfolio's market value, currency per bp"
    )
    gap: dict[str, float] = Field(description="portfolio minus benchmark, currency per bp")
    share_of_tracking_error: dict[str, float] = Field(
        description="each sector's contribution as a fraction of the pre-hedge tracking error"
    )


class RiskModel(Section):
    """The multi-factor risk model the hedge is optimal against, and what it says."""

    krd_convention: KrdConventionDoc = Field(
        description="convention of the KRD gaps, KRD limits and the rate factors"
    )
    factors: list[FactorDoc]
    window: dict[str, str] = Field(description="estimation window and weighting of each block")
    pre_hedge: RiskSide | None
    post_hedge: RiskSide | None
    spread: SpreadRisk
    spread_floor_bp: float | None = Field(
        default=None,
        description="tracking error no rate hedge can remove, bp per year: the sector spread "
        "exposures' variance conditional on the key rates (None without a benchmark)",
    )
    notes: list[str] = Field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# Provenance and the output set
# ------------------------------------------------------------------------------------------------


class Versions(Section):
    """Versions of the software that produced the plan (``None``: not installed)."""

    hedge_planner: str | None = Field(alias="hedge-planner", description="this package")
    python: str | None = Field(description="the Python interpreter")
    numpy: str | None
    cvxpy: str | None = Field(description="the optimisation modelling layer")
    highspy: str | None = Field(description="the HiGHS solver")


class Provenance(Section):
    """What produced the plan, from which case, when; every file of one output set shares it."""

    run_id: str = Field(description="identifier of the run (32 hex digits), in every output file")
    run_time_utc: str = Field(
        description="when the run started, UTC, ISO 8601, whole seconds",
        json_schema_extra={"format": "date-time"},
    )
    case_file: str | None = Field(description="the case file as named (``<stdin>`` for a pipe)")
    case_sha256: str | None = Field(
        description="hex SHA-256 of the case as read (file bytes, or UTF-8 text from stdin)"
    )
    case_sha256_of: Literal["file", "text"] | None = Field(
        description="what was hashed: the file's bytes, or the text read from standard input"
    )
    versions: Versions

    def describe(self) -> str:
        """One line for report footers: run id, time, versions and the case hash."""
        v = self.versions
        libs = ", ".join(
            f"{name} {value}"
            for name, value in (
                ("python", v.python),
                ("numpy", v.numpy),
                ("cvxpy", v.cvxpy),
                ("highspy", v.highspy),
            )
            if value
        )
        return (
            f"run {self.run_id} at {self.run_time_utc} · hedge-planner {v.hedge_planner} "
            f"({libs}) · case sha256 {self.case_sha256 or 'n/a'}"
        )


class OutputFile(Section):
    """One report file of the output set, as written."""

    sha256: str = Field(description="hex SHA-256 of the file's bytes")
    bytes: int = Field(description="file size, bytes")


class Outputs(Section):
    """Manifest of the output set plan.json belongs to (the reports written with it)."""

    run_id: str = Field(description="the run that wrote the set; equals ``provenance.run_id``")
    files: dict[str, OutputFile] = Field(description="file name in the output folder -> facts")


# ------------------------------------------------------------------------------------------------
# The document
# ------------------------------------------------------------------------------------------------


class Plan(Section):
    """``plan.json``: schema ``hedge-planner/plan`` version 1."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_serialization_defaults_required=True,
        title="hedge-planner plan",
    )

    schema_: Literal["hedge-planner/plan"] = Field(default=SCHEMA, alias="schema")
    version: Literal[1] = VERSION
    analysis_date: str = Field(json_schema_extra={"format": "date"})
    case: str = Field(default="", description="the case file the plan was built from")
    generated: str = Field(default="", description="UTC timestamp")
    currency: str = "USD"
    key_tenors: list[str]
    exposure: Exposure
    risk_model: RiskModel | None = Field(
        default=None, description="factors, windows and tracking error by factor group"
    )
    hedge: Hedge | None
    scenarios: Scenarios
    warnings: list[Flag]
    dashboard: Dashboard
    actions: Actions
    quality_checks: list[QualityCheck]
    provenance: Provenance | None = Field(
        default=None, description="versions, case hash and run time; null in hand-built plans"
    )
    outputs: Outputs | None = Field(
        default=None,
        description="manifest of the files written with plan.json; null when no set was written",
    )

    def to_json(self) -> dict[str, Any]:
        """The JSON document (schema key spelled ``schema``)."""
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_json(cls, document: Any) -> Plan:
        """Validate a plan document (a dict read from ``plan.json``)."""
        if isinstance(document, Plan):
            return document
        return cls.model_validate(document, by_alias=True)


def plan_json_schema() -> dict[str, Any]:
    """JSON Schema of ``plan.json``, exported from :class:`Plan`."""
    doc = Plan.model_json_schema(mode="serialization", by_alias=True)
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return doc
