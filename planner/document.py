"""The plan document (``plan.json``) as typed models.

Every section of the plan is a pydantic model here: the builders (:mod:`hedge_planner.run`,
:mod:`hedge_planner.plan`) produce these objects, ``plan.json`` is their dump, the exported
schema (``hedge-planner schema plan``) is their ``model_json_schema``, and the terminal, HTML
and Excel reports read their attributes. Units: currency for money, years for durations,
years^2 for convexity, currency per bp for DV01s, bp for spreads and shifts, decimals for rates
and returns.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from hedge_planner.document_sections import (
    Exposure,
    Flag,
    Hedge,
    KrdConventionDoc,
    Mismatch,
    Scenarios,
    Section,
    Status,
)
from pydantic import ConfigDict, Field

SCHEMA: Final = "hedge-planner/plan"
VERSION: Final = 1


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


class HorizonEventDoc(Section):
    """A dated event inside the horizon and the exposure it touches."""

    date: str = Field(description="ISO date")
    kind: str = Field(
        description="fomc, maturity, mbs_payment, mbs_factor, futures_first_notice or "
        "futures_last_trade"
    )
    description: str
    market_value: float = Field(description="market value touched, currency")
    dv01_share: float = Field(description="share of the book's DV01 touched, decimal")


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
    #: FOMC decisions, maturities and monthly-pay payment/factor dates inside the horizon.
    events: list[HorizonEventDoc] = Field(default_factory=list)


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
    vol_bp: float | None = Field(
        description="volatility of the factor's moves, bp per year (null for a duration-times-"
        "spread factor, whose vol is vol_relative_pct)"
    )
    vol_relative_pct: float | None = Field(
        default=None,
        description="duration-times-spread credit factor: volatility of relative spread "
        "changes (ds / s), percent per year",
    )
    unit: Literal["bp", "relative_pct"] = Field(
        default="bp",
        description="unit of the factor's moves: bp, or relative spread change in percent (its "
        "exposure is then currency per 1 % relative change = MV x DTS x 1e-6)",
    )
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
    portfolio_spread_duration: dict[str, float] = Field(
        default_factory=dict,
        description="each sector's contribution to the portfolio's spread duration, years",
    )
    benchmark_spread_duration: dict[str, float] = Field(
        default_factory=dict,
        description="each sector's contribution to the benchmark's spread duration, years",
    )
    exposure: dict[str, Literal["spread_dv01", "dts"]] = Field(
        default_factory=dict,
        description="how each sector's exposure enters the tracking error: spread DV01 "
        "(absolute spread vol, bp/yr) or duration times spread (relative vol, %/yr)",
    )
    portfolio_dts: dict[str, float] = Field(
        default_factory=dict,
        description="duration times spread of each DTS sector, years x bp per unit of the "
        "portfolio's value (spread duration x spread level, market-value weighted)",
    )
    benchmark_dts: dict[str, float] = Field(
        default_factory=dict,
        description="the benchmark's duration times spread per DTS sector, years x bp per unit "
        "of its value",
    )


class RiskModel(Section):
    """The multi-factor risk model the hedge is optimal against, and what it says."""

    krd_convention: KrdConventionDoc = Field(
        description="convention of the KRD gaps, KRD limits and the rate factors"
    )
    credit_exposure: Literal["spread_dv01", "dts"] = Field(
        default="spread_dv01",
        description="exposure convention of the credit sectors (case risk.credit_exposure): "
        "spread DV01, or duration times spread with relative spread vols",
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


class DriftPartDoc(Section):
    """One part of the drift attribution."""

    name: str
    description: str
    change: dict[str, float] = Field(description="change of each metric this part explains")


class DriftDoc(Section):
    """Drift since the previous snapshot (``drift`` in the case), attributed sequentially."""

    before: dict[str, str] = Field(description="the previous snapshot's case and date")
    after: dict[str, str] = Field(description="this snapshot's case and date")
    order: list[str]
    before_metrics: dict[str, float]
    after_metrics: dict[str, float]
    total: dict[str, float]
    parts: list[DriftPartDoc]
    sum_check: float = Field(description="largest |sum of parts - total| over the metrics")
    residual_tolerance_years: float
    holdings: dict[str, list[dict[str, Any]]]
    warnings: list[str]
    methodology: dict[str, str]


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
    drift: DriftDoc | None = Field(
        default=None, description="drift since the previous snapshot the case names"
    )
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
