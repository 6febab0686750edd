"""Case-file schemas handled by the planner (YAML documents validated with pydantic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from hedge_planner.io import parse_yaml, read_holdings, read_yaml
from hedge_planner.models.benchmark import BenchmarkProfile
from hedge_planner.models.bootstrap import tenor_years
from hedge_planner.models.errors import AnalyticsError, InputError, InputIssue
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors
from hedge_planner.models.schemas import HoldingRow, Holdings, parse_iso_date
from hedge_planner.scenarios.definitions import (
    Scenario,
    ScenarioError,
    build_scenarios,
    default_scenario_specs,
    parse_scenario_specs,
)
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

#: Per-instrument figures a linear-system hedge can match (column of the analytics table).
BASELINE_TARGETS = ("modified_duration", "macaulay_duration", "convexity")


class BaselineCase(BaseModel):
    """A closed-form hedge case: hedge bonds, target exposures and a portfolio value.

    ``targets`` maps an exposure (modified_duration or macaulay_duration in years, convexity in
    years^2) to the value the hedge portfolio must have; ``portfolio_value`` (currency) scales the
    unit-weight solution into holdings.
    """

    model_config = ConfigDict(extra="forbid")

    settle: dt.date
    portfolio_value: float = Field(gt=0)
    targets: dict[str, float]
    weights_sum_to_one: bool = True
    hedge_bonds: list[dict[str, Any]] | str

    @field_validator("settle", mode="before")
    @classmethod
    def _date(cls, value: Any) -> dt.date:
        return parse_iso_date(value)

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = [k for k in value if k not in BASELINE_TARGETS]
        if unknown:
            raise ValueError(
                f"unknown target(s) {', '.join(unknown)}; allowed: {', '.join(BASELINE_TARGETS)}"
            )
        if not value:
            raise ValueError("at least one target is required")
        return value


def pydantic_issues(exc: ValidationError, source: str, prefix: str = "") -> list[InputIssue]:
    """Turn a pydantic error into located issues (the column is the dotted field path)."""
    out = []
    for err in exc.errors():
        path = prefix + ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        out.append(InputIssue(source, None, path or None, msg))
    return out


def holdings_from_records(
    records: list[dict[str, Any]], source: str, section: str, settle: dt.date | None
) -> Holdings:
    """Validate holdings given inline in a case file (each problem located by list index)."""
    rows: list[HoldingRow] = []
    issues: list[InputIssue] = []
    seen: set[str] = set()
    for i, raw in enumerate(records):
        if not isinstance(raw, dict):
            issues.append(InputIssue(source, None, f"{section}[{i}]", "expected a mapping"))
            continue
        row, problems = HoldingRow.check({str(k): v for k, v in raw.items()}, settle)
        issues += [InputIssue(source, None, f"{section}[{i}].{c}", r, h) for c, r, h in problems]
        ident = str(raw.get("id", ""))
        if ident and ident in seen:
            issues.append(InputIssue(source, None, f"{section}[{i}].id", f"duplicate id {ident!r}"))
        seen.add(ident)
        if row is not None:
            rows.append(row)
    if not records:
        issues.append(InputIssue(source, None, section, "no holdings given"))
    if issues:
        raise InputError(issues)
    return Holdings(tuple(rows))


def load_baseline_case(source: str | Path) -> tuple[BaselineCase, Holdings]:
    """Read a baseline case YAML and its hedge bonds (inline or a CSV path beside the case)."""
    data, name = read_yaml(source)
    try:
        case = BaselineCase.model_validate(data)
    except ValidationError as exc:
        raise InputError(pydantic_issues(exc, name)) from None
    if isinstance(case.hedge_bonds, str):
        base = Path(name).parent if name != "<stdin>" else Path.cwd()
        bonds = read_holdings(base / case.hedge_bonds, case.settle)
    else:
        bonds = holdings_from_records(case.hedge_bonds, name, "hedge_bonds", case.settle)
    return case, bonds


# ------------------------------------------------------------------------------------------------
# Analysis case: holdings, curves, risk settings, benchmark, covariance
# ------------------------------------------------------------------------------------------------

INTERPOLATIONS = ("log_linear_df", "linear_zero", "monotone_cubic_zero")
#: Par rates above this are taken for percentages.
MAX_DECIMAL_RATE = 0.25


def _decimal_rates(value: dict[str, float], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for tenor, rate in value.items():
        r = float(rate)
        if not np.isfinite(r):
            raise ValueError(f"{what} at {tenor} is not a finite number")
        if abs(r) > MAX_DECIMAL_RATE:
            raise ValueError(
                f"{what} {r:g} at {tenor} looks like a percentage; rates are decimals "
                f"(write {r / 100:g} for {r:g}%)"
            )
        out[str(tenor).strip().lower()] = r
    if not out:
        raise ValueError(f"at least one {what} is required")
    try:
        # Quotes are kept in maturity order whatever order the file lists them in.
        return dict(sorted(out.items(), key=lambda item: tenor_years(item[0])))
    except ValueError as exc:
        raise ValueError(str(exc)) from None


Interpolation = Literal["log_linear_df", "linear_zero", "monotone_cubic_zero"]


class _CurveQuotesSpec(BaseModel):
    """Settings every bootstrapped curve shares."""

    model_config = ConfigDict(extra="forbid")

    interpolation: Interpolation = "log_linear_df"


class TreasuryCurveSpec(_CurveQuotesSpec):
    """US Treasury par yield curve of the analysis date (decimals, bond-equivalent)."""

    par_yields: dict[str, float]

    @field_validator("par_yields")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        return _decimal_rates(value, "par yield")


class SofrCurveSpec(_CurveQuotesSpec):
    """SOFR OIS par swap rates (decimals, annual ACT/360 fixed legs)."""

    par_rates: dict[str, float]

    @field_validator("par_rates")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        return _decimal_rates(value, "par swap rate")


class CurvesSpec(BaseModel):
    """Market curves: the Treasury curve prices bonds; the SOFR curve prices swaps/swaptions."""

    model_config = ConfigDict(extra="forbid")

    treasury: TreasuryCurveSpec
    sofr: SofrCurveSpec | None = None


class RiskSpec(BaseModel):
    """Risk settings: key tenors, finite-difference shift and check tolerances."""

    model_config = ConfigDict(extra="forbid")

    key_tenors: list[str] = Field(default_factory=lambda: list(DEFAULT_KEY_TENORS))
    shift_bp: float = Field(default=1.0, gt=0, le=100)
    krd_sum_tolerance: float = Field(default=0.01, gt=0, description="relative, 0.01 = 1%")
    duration_reconcile_tolerance: float = Field(default=0.25, gt=0, description="years")

    @field_validator("key_tenors")
    @classmethod
    def _tenors(cls, value: list[str]) -> list[str]:
        try:
            labels, _ = check_key_tenors(value)
        except AnalyticsError as exc:
            raise ValueError(str(exc)) from None
        return list(labels)


class BenchmarkHoldingsSpec(BaseModel):
    """A benchmark given as holdings (analysed exactly like the portfolio)."""

    model_config = ConfigDict(extra="forbid")

    name: str = "benchmark"
    as_of: dt.date
    rebalance_date: dt.date | None = None
    holdings: str | list[dict[str, Any]]
    max_staleness_days: int = Field(default=35, ge=0)


class CovarianceSpec(BaseModel):
    """Key-rate covariance: the shipped default, a user file, or estimated from a yield history."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["default", "file", "history"] = "default"
    path: str | None = None
    lookback_days: int | None = Field(default=None, gt=1)
    halflife_days: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _path_needed(self) -> CovarianceSpec:
        if self.source != "default" and not self.path:
            raise ValueError(f"covariance source {self.source!r} needs a path")
        return self


class CdsSpec(BaseModel):
    """A credit default swap held in the portfolio: spread risk only, no rate duration.

    ``notional`` is signed (positive = protection sold, i.e. long credit); ``spread_duration``
    (years, the risky annuity) gives the spread DV01 ``notional * spread_duration * 1e-4``
    (currency per bp); ``market_value`` is the mark-to-market (currency) that enters the
    portfolio's value.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    notional: float
    spread_duration: float = Field(gt=0, le=30, description="years")
    market_value: float = 0.0
    sector: str = "corporate"

    @field_validator("sector")
    @classmethod
    def _sector(cls, value: str) -> str:
        return value.strip().lower()


class AnalysisCase(BaseModel):
    """A case file: what to analyse, with which market data, against which benchmark.

    Later sections (hedge universe, limits, costs, scenarios, horizon, report) extend this.
    """

    model_config = ConfigDict(extra="forbid")

    analysis_date: dt.date = Field(description="valuation and settlement date (T+0)")
    holdings: str | list[dict[str, Any]]
    curves: CurvesSpec
    risk: RiskSpec = Field(default_factory=RiskSpec)
    benchmark: BenchmarkProfile | BenchmarkHoldingsSpec | None = None
    covariance: CovarianceSpec = Field(default_factory=CovarianceSpec)
    hedge: HedgeSpec | None = None
    cds: list[CdsSpec] = Field(default_factory=list, description="credit default swaps held")
    scenarios: ScenariosSpec = Field(default_factory=lambda: ScenariosSpec())

    @field_validator("analysis_date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> dt.date:
        return parse_iso_date(value)


def load_holdings_section(
    section: str | list[dict[str, Any]], case_name: str, field_name: str, settle: dt.date
) -> tuple[Holdings, str]:
    """Holdings given as a CSV path (relative to the case file) or inline records."""
    if isinstance(section, str):
        path = resolve_path(case_name, section)
        return read_holdings(path, settle), str(path)
    return holdings_from_records(section, case_name, field_name, settle), case_name


def resolve_path(case_name: str, relative: str) -> Path:
    """A path named in a case file, relative to the case file's folder."""
    base = Path(case_name).parent if case_name != "<stdin>" else Path.cwd()
    path = Path(relative)
    return path if path.is_absolute() else base / path


def load_analysis_case(source: str | Path, text: str | None = None) -> tuple[AnalysisCase, str]:
    """Read and validate an analysis case YAML (every schema problem reported at once).

    ``text`` gives the content when it was already read (standard input).
    """
    if text is None:
        data, name = read_yaml(source)
    else:
        name = "<stdin>" if str(source) == "-" else str(source)
        data = parse_yaml(text, name)
    try:
        return AnalysisCase.model_validate(data), name
    except ValidationError as exc:
        raise InputError(pydantic_issues(exc, name)) from None


# ------------------------------------------------------------------------------------------------
# Hedge section: universe, limits, costs
# ------------------------------------------------------------------------------------------------

Direction = Literal["both", "long", "short"]


class DeliverableSpec(BaseModel):
    """A bond in a futures contract's deliverable basket (clean price per 100 or yield)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    coupon: float = Field(ge=0, le=0.2, description="decimal")
    maturity: dt.date
    price: float | None = Field(default=None, gt=0, description="clean, per 100")
    yield_: float | None = Field(default=None, alias="yield", description="decimal")
    issue_date: dt.date | None = None

    @model_validator(mode="after")
    def _one_quote(self) -> DeliverableSpec:
        if (self.price is None) == (self.yield_ is None):
            raise ValueError("give exactly one of price and yield")
        return self


class FuturesSpec(BaseModel):
    """A Treasury futures contract the hedge may trade."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="TU, Z3N, FV, TY, TN, US or UB (or a user contract)")
    contract_month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    price: float | str | None = Field(
        default=None, description="market price per 100 (decimal or 32nds like 111-08+)"
    )
    repo_rate: float = Field(ge=-0.05, le=0.25, description="term repo to delivery, decimal")
    basket: list[DeliverableSpec] = Field(min_length=1)
    initial_margin: float = Field(default=0.0, ge=0, description="currency per contract")
    half_spread: float | None = Field(
        default=None, ge=0, description="currency per contract; default half a tick"
    )
    max_contracts: float | None = Field(default=None, gt=0)
    direction: Direction = "both"
    current: float = 0.0


class SwapSpec(BaseModel):
    """A SOFR OIS swap tenor the hedge may trade (quantity = receive-fixed notional)."""

    model_config = ConfigDict(extra="forbid")

    tenor: str
    start: str | None = Field(default=None, description="forward start tenor, e.g. 1y")
    half_spread_bp: float = Field(default=0.25, ge=0, description="half bid-ask, bp of rate")
    initial_margin_rate: float = Field(default=0.0, ge=0, description="fraction of notional")
    lot_size: float = Field(default=1e6, gt=0)
    integer_lots: bool = False
    max_notional: float | None = Field(default=None, gt=0)
    direction: Direction = "both"
    current: float = 0.0


class SwaptionSpec(BaseModel):
    """A European swaption on a SOFR swap (quantity = notional; long-only by default)."""

    model_config = ConfigDict(extra="forbid")

    expiry: str
    tenor: str
    type: Literal["payer", "receiver"]
    strike: float | Literal["atm"] = "atm"
    model: Literal["bachelier", "black76"] = "bachelier"
    vol: float = Field(gt=0, description="normal vol (decimal rate/sqrt yr) or lognormal vol")
    half_spread_vol: float = Field(default=0.0, ge=0, description="half bid-ask in vol units")
    max_notional: float | None = Field(default=None, gt=0)
    direction: Direction = "long"
    current: float = 0.0


class UniverseSpec(BaseModel):
    """Hedge instruments available to the optimiser."""

    model_config = ConfigDict(extra="forbid")

    futures: list[FuturesSpec] = Field(default_factory=list)
    swaps: list[SwapSpec] = Field(default_factory=list)
    swaptions: list[SwaptionSpec] = Field(default_factory=list)
    contracts_file: str | None = Field(
        default=None,
        description="YAML/JSON adding or overriding futures contract specs (relative to the case)",
    )

    @model_validator(mode="after")
    def _not_empty(self) -> UniverseSpec:
        if not (self.futures or self.swaps or self.swaptions):
            raise ValueError("the hedge universe is empty: add futures, swaps or swaptions")
        return self


class DurationLimitSpec(BaseModel):
    """Post-hedge effective duration within ``target +/- band`` (years)."""

    model_config = ConfigDict(extra="forbid")

    target: float | None = Field(default=None, description="years; default benchmark duration")
    band: float = Field(default=0.25, ge=0, description="years")


class LimitsSpec(BaseModel):
    """Risk limits; each is optional. Tolerances in years, DV01 in currency per bp."""

    model_config = ConfigDict(extra="forbid")

    duration: DurationLimitSpec | None = Field(default_factory=DurationLimitSpec)
    dv01_min: float | None = None
    dv01_max: float | None = None
    krd_tolerance: dict[str, float] | float | None = Field(
        default=None, description="years per tenor (or one value for all) vs the benchmark"
    )
    convexity_floor: float | None = Field(default=None, description="years^2")
    margin_budget: float | None = Field(default=None, ge=0, description="currency")

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


class CostsSpec(BaseModel):
    """Objective weights: every term is in currency so the weights mean something.

    ``risk_aversion`` is the mean-variance coefficient on the tracking-error variance of the
    portfolio's return: cost = risk_aversion / 2 * (TE in decimal)^2 * market value. The same
    coefficient prices the Treasury-SOFR basis risk of swaps and swaptions (a common swap-spread
    factor plus an independent one per key tenor, with the vols given here), which the key-rate
    covariance cannot see because bonds, futures and swaps share its key rates.
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


class SolverSpec(BaseModel):
    """Solver settings."""

    model_config = ConfigDict(extra="forbid")

    gap: float = Field(default=1e-6, gt=0, lt=1)
    time_limit_seconds: float = Field(default=30.0, gt=0)


class HedgeSpec(BaseModel):
    """The hedge problem: horizon, universe, limits, costs and solver settings."""

    model_config = ConfigDict(extra="forbid")

    horizon_days: int = Field(default=90, gt=0, le=3650)
    universe: UniverseSpec
    limits: LimitsSpec = Field(default_factory=LimitsSpec)
    costs: CostsSpec = Field(default_factory=CostsSpec)
    solver: SolverSpec = Field(default_factory=SolverSpec)


class ScenariosSpec(BaseModel):
    """Stress scenarios: the standard set and/or the user's own (see scenarios.definitions)."""

    model_config = ConfigDict(extra="forbid")

    include_defaults: bool = True
    custom: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("custom")
    @classmethod
    def _specs(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            parse_scenario_specs(value, "scenarios.custom")
        except ScenarioError as exc:
            raise ValueError(str(exc)) from None
        return value

    def build(self, key_tenors: Sequence[str]) -> list[Scenario]:
        """The scenarios evaluated on the key tenors (defaults first, then custom)."""
        specs = default_scenario_specs() if self.include_defaults else []
        specs += parse_scenario_specs(self.custom, "scenarios.custom") if self.custom else []
        if not specs:
            raise ValueError("no scenarios: enable include_defaults or add custom scenarios")
        return build_scenarios(specs, list(key_tenors))


# The case refers to sections defined after it.
AnalysisCase.model_rebuild()
