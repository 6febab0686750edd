"""Case-file schemas handled by the planner (YAML documents validated with pydantic)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from hedge_planner.case_curves import (
    CurvesSpec,
    SofrCurveSpec,
    TreasuryCurveSpec,
    curve_input_issues,
)
from hedge_planner.case_derivatives import MAX_NOTIONAL
from hedge_planner.case_drift import DriftSpec
from hedge_planner.case_errors import format_path, line_of, pydantic_issues
from hedge_planner.case_hedge import (
    MAX_ABS_CONVEXITY_LIMIT,
    MAX_BASKET_YIELD,
    MAX_DURATION_LIMIT,
    MAX_FUTURES_PRICE,
    MIN_BASKET_YIELD,
    MIN_FUTURES_PRICE,
    CostsSpec,
    DeliverableSpec,
    Direction,
    DurationLimitSpec,
    FuturesSpec,
    HedgeSpec,
    LimitsSpec,
    SolverSpec,
    SwapSpec,
    SwaptionSpec,
    UniverseSpec,
)
from hedge_planner.case_holdings import holdings_from_records
from hedge_planner.case_models import ModelsSpec
from hedge_planner.case_paths import file_sandbox, resolve_path
from hedge_planner.case_positions import PositionsSpec
from hedge_planner.io import (
    parse_yaml_lines,
    read_holdings,
    read_text,
)
from hedge_planner.models.benchmark import BenchmarkProfile
from hedge_planner.models.bootstrap import tenor_years
from hedge_planner.models.covariance_data import load_covariance_file, load_treasury_par_history
from hedge_planner.models.errors import AnalyticsError, HedgePlannerError, InputError, InputIssue
from hedge_planner.models.futures import load_contract_table
from hedge_planner.models.input_files import (
    DocPath,
    StrictModel,
    clip,
)
from hedge_planner.models.krd import KrdConventionSpec
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors
from hedge_planner.models.schemas import Holdings, parse_iso_date
from hedge_planner.scenarios.definitions import Scenario
from hedge_planner.scenarios.specs import (
    build_scenarios,
    default_scenario_specs,
    parse_scenario_specs,
)
from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "MAX_ABS_CONVEXITY_LIMIT",
    "MAX_BASKET_YIELD",
    "MAX_DURATION_LIMIT",
    "MAX_FUTURES_PRICE",
    "MIN_BASKET_YIELD",
    "MIN_FUTURES_PRICE",
    "AnalysisCase",
    "BaselineCase",
    "BenchmarkHoldingsSpec",
    "CdsSpec",
    "CostsSpec",
    "CovarianceSpec",
    "CurvesSpec",
    "DeliverableSpec",
    "Direction",
    "DurationLimitSpec",
    "FuturesSpec",
    "HedgeSpec",
    "LimitsSpec",
    "RiskSpec",
    "ScenariosSpec",
    "SofrCurveSpec",
    "SolverSpec",
    "SwapSpec",
    "SwaptionSpec",
    "TreasuryCurveSpec",
    "UniverseSpec",
    "case_warnings",
    "check_case_files",
    "cross_check_case",
    "file_sandbox",
    "format_path",
    "holdings_from_records",
    "line_of",
    "load_analysis_case",
    "load_baseline_case",
    "load_holdings_section",
    "pydantic_issues",
    "resolve_path",
]

#: Per-instrument figures a linear-system hedge can match (column of the analytics table).
BASELINE_TARGETS = ("modified_duration", "macaulay_duration", "convexity")

logger = logging.getLogger(__name__)


class BaselineCase(StrictModel):
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


def load_baseline_case(source: str | Path) -> tuple[BaselineCase, Holdings]:
    """Read a baseline case YAML and its hedge bonds (inline or a CSV path beside the case)."""
    text, name = read_text(source)
    data, lines = parse_yaml_lines(text, name)
    try:
        case = BaselineCase.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            pydantic_issues(exc, name, data=data, lines=lines, model=BaselineCase)
        ) from None
    if isinstance(case.hedge_bonds, str):
        bonds = read_holdings(resolve_path(name, case.hedge_bonds), case.settle)
    else:
        bonds = holdings_from_records(case.hedge_bonds, name, "hedge_bonds", case.settle, lines)
    return case, bonds


# ------------------------------------------------------------------------------------------------
# Analysis case: holdings, curves, risk settings, benchmark, covariance
# ------------------------------------------------------------------------------------------------

INTERPOLATIONS = ("log_linear_df", "linear_zero", "monotone_cubic_zero")
#: How far past its longest tenor a curve may be extrapolated for a hedge instrument, years.
MAX_EXTRAPOLATION_YEARS = 10.0


Interpolation = Literal["log_linear_df", "linear_zero", "monotone_cubic_zero"]


class SpreadHistorySpec(StrictModel):
    """A history of sector spread levels (CSV: ``date``, one column per sector, bp)."""

    model_config = ConfigDict(extra="forbid")

    path: str
    lookback_months: int | None = Field(default=None, ge=12, le=1200)
    halflife_months: float | None = Field(default=None, gt=0, le=1200)


class RiskSpec(StrictModel):
    """Risk settings: key tenors, finite-difference shift and check tolerances."""

    model_config = ConfigDict(extra="forbid")

    key_tenors: list[str] = Field(default_factory=lambda: list(DEFAULT_KEY_TENORS))
    shift_bp: float = Field(default=1.0, gt=0, le=100)
    krd_sum_tolerance: float = Field(default=0.01, gt=0, description="relative, 0.01 = 1%")
    duration_reconcile_tolerance: float = Field(default=0.25, gt=0, description="years")
    krd_convention: Literal["benchmark", "zero", "par"] = Field(
        default="benchmark",
        description="KRD convention of the benchmark gaps, the KRD limits and tracking error: "
        "'zero' (continuous zero rates, tent, full price), 'par' (semiannual Treasury par "
        "yields, re-bootstrapped), or 'benchmark' = the convention the benchmark states",
    )
    supplied_krd_convention: KrdConventionSpec = Field(
        default_factory=KrdConventionSpec,
        description="convention of the krd_<tenor> columns supplied with holdings (default: "
        "zero rates, continuous, 1 bp, full price)",
    )
    spread_table: str | None = Field(
        default=None,
        description="sector spread-risk table (JSON in the format of the shipped "
        "models/data/sector_spread_risk.json); default: the shipped table",
    )
    spread_history: SpreadHistorySpec | None = Field(
        default=None,
        description="estimate the sector spread vols and correlations from a history of sector "
        "spread levels instead (CSV: date, one column per sector in bp)",
    )
    credit_exposure: Literal["spread_dv01", "dts"] = Field(
        default="spread_dv01",
        description="exposure of credit sectors in the tracking-error model: 'spread_dv01' "
        "(spread duration x market value x 1e-4 per bp, absolute spread vols) or 'dts' "
        "(duration times spread: spread duration in years x spread level in bp, with relative "
        "spread-change vols in % per year; the credit sectors are those the relative-vol table "
        "names, every other sector keeps spread DV01)",
    )
    relative_spread_vols: str | None = Field(
        default=None,
        description="relative spread-vol table for credit_exposure: dts (JSON in the format of "
        "the shipped models/data/sector_relative_spread_vol.json); default: the shipped table",
    )

    @field_validator("key_tenors")
    @classmethod
    def _tenors(cls, value: list[str]) -> list[str]:
        try:
            labels, _ = check_key_tenors(value)
        except AnalyticsError as exc:
            raise ValueError(str(exc)) from None
        return list(labels)


class BenchmarkHoldingsSpec(StrictModel):
    """A benchmark given as holdings (analysed exactly like the portfolio)."""

    model_config = ConfigDict(extra="forbid")

    name: str = "benchmark"
    as_of: dt.date
    rebalance_date: dt.date | None = None
    holdings: str | list[dict[str, Any]]
    max_staleness_days: int = Field(default=35, ge=0)


class CovarianceSpec(StrictModel):
    """Key-rate covariance: the shipped default, a user file, or estimated from a yield history."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["default", "file", "history"] = "default"
    regime: Literal["long_run", "recent"] = Field(
        default="long_run",
        description="shipped default only: 'long_run' (equal weights 2014-2023) or 'recent' "
        "(EWMA, 126-business-day half-life, 2022-2023)",
    )
    path: str | None = None
    lookback_days: int | None = Field(default=None, gt=1)
    halflife_days: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _path_needed(self) -> CovarianceSpec:
        if self.source != "default" and not self.path:
            raise ValueError(f"covariance source {self.source!r} needs a path")
        return self


class CdsSpec(StrictModel):
    """A credit default swap held in the portfolio: spread risk only, no rate duration.

    ``notional`` is signed (positive = protection sold, i.e. long credit); ``spread_duration``
    (years, the risky annuity) gives the spread DV01 ``notional * spread_duration * 1e-4``
    (currency per bp); ``market_value`` is the mark-to-market (currency) that enters the
    portfolio's value.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    notional: float = Field(ge=-MAX_NOTIONAL, le=MAX_NOTIONAL)
    spread_duration: float = Field(gt=0, le=30, description="years")
    market_value: float = Field(default=0.0, ge=-MAX_NOTIONAL, le=MAX_NOTIONAL)
    sector: str = "corporate"

    @field_validator("sector")
    @classmethod
    def _sector(cls, value: str) -> str:
        return value.strip().lower()


class AnalysisCase(StrictModel):
    """A case file: what to analyse, with which market data, against which benchmark."""

    model_config = ConfigDict(extra="forbid")

    analysis_date: dt.date = Field(description="valuation and settlement date (T+0)")
    holdings: str | list[dict[str, Any]]
    curves: CurvesSpec
    risk: RiskSpec = Field(default_factory=RiskSpec)
    benchmark: BenchmarkProfile | BenchmarkHoldingsSpec | None = None
    covariance: CovarianceSpec = Field(default_factory=CovarianceSpec)
    hedge: HedgeSpec | None = None
    positions: PositionsSpec | None = None  # derivatives held before the hedge
    cds: list[CdsSpec] = Field(default_factory=list, description="credit default swaps held")
    scenarios: ScenariosSpec = Field(default_factory=lambda: ScenariosSpec())
    drift: DriftSpec | None = Field(
        default=None, description="a previous snapshot to attribute the drift since"
    )
    models: ModelsSpec = Field(
        default_factory=ModelsSpec,
        description="pricing-model options (short-rate model of callables, putables and MBS)",
    )

    @field_validator("analysis_date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> dt.date:
        return parse_iso_date(value)


#: Holdings already read while checking a case, so the analysis does not parse them twice.
#: Each entry keeps the section it was read from: an inline list is matched by identity (the
#: reference also stops its id from being reused), a file by path, size and modification time.
_LOADED: dict[tuple[Any, ...], tuple[object, tuple[Holdings, str]]] = {}


def _cache_key(
    section: str | list[dict[str, Any]], case_name: str, field_name: str, settle: dt.date
) -> tuple[Any, ...] | None:
    if not isinstance(section, str):
        return (case_name, field_name, id(section), settle)
    try:
        info = resolve_path(case_name, section).stat()
    except OSError:
        return None
    return (case_name, field_name, section, settle, info.st_mtime_ns, info.st_size)


def load_holdings_section(
    section: str | list[dict[str, Any]],
    case_name: str,
    field_name: str,
    settle: dt.date,
    lines: Mapping[DocPath, int] | None = None,
) -> tuple[Holdings, str]:
    """Holdings given as a CSV path (relative to the case file) or inline records."""
    key = _cache_key(section, case_name, field_name, settle)
    if key is not None and key in _LOADED and _LOADED[key][0] is section:
        return _LOADED[key][1]
    if isinstance(section, str):
        path = resolve_path(case_name, section)
        result = read_holdings(path, settle), str(path)
    else:
        result = holdings_from_records(section, case_name, field_name, settle, lines), case_name
    if key is not None:
        if len(_LOADED) > 8:
            _LOADED.clear()
        _LOADED[key] = (section, result)
    return result


def _collect(issues: list[InputIssue], check: Callable[[], object], where: InputIssue) -> None:
    """Run one independent check; its problems join ``issues`` instead of stopping the others."""
    try:
        check()
    except InputError as exc:
        issues.extend(exc.issues)
    except (HedgePlannerError, ValueError) as exc:
        reason = clip(str(exc).splitlines()[0], 200)[1:-1]
        issues.append(InputIssue(where.source, where.row, where.column, reason, where.hint))


def check_case_files(
    case: AnalysisCase,
    name: str,
    lines: Mapping[DocPath, int],
    extra_check: Callable[[AnalysisCase, str], object] | None = None,
) -> None:
    """Read every file a valid case names (holdings, benchmark, covariance, contracts).

    All problems of these independent inputs are gathered into one :class:`InputError`, so
    ``validate`` reports what ``plan`` would refuse, at load time. ``extra_check`` is one more
    independent check of the valid case (the curve bootstrap, which lives in a module that
    imports this one); its problems join the others.
    """
    issues = cross_check_case(case, name, lines)
    if extra_check is not None:
        _collect(issues, lambda: extra_check(case, name), InputIssue(name, None, "curves", ""))
    settle = case.analysis_date

    def here(*path: Any) -> InputIssue:
        return InputIssue(name, line_of(lines, path), format_path(path), "")

    _collect(
        issues,
        lambda: load_holdings_section(case.holdings, name, "holdings", settle, lines),
        here("holdings"),
    )
    if isinstance(case.benchmark, BenchmarkHoldingsSpec):
        bench = case.benchmark.holdings
        _collect(
            issues,
            lambda: load_holdings_section(bench, name, "benchmark.holdings", settle, lines),
            here("benchmark", "holdings"),
        )
    cov = case.covariance
    if cov.source != "default" and cov.path:
        path = resolve_path(name, cov.path)
        loader = load_covariance_file if cov.source == "file" else load_treasury_par_history
        _collect(issues, lambda: loader(path), here("covariance", "path"))
    if case.hedge is not None and case.hedge.universe.contracts_file is not None:
        contracts = resolve_path(name, case.hedge.universe.contracts_file)
        _collect(
            issues,
            lambda: load_contract_table(contracts),
            here("hedge", "universe", "contracts_file"),
        )
    if issues:
        raise InputError(issues)


def files_of_invalid_case(data: Any, name: str, lines: Mapping[DocPath, int]) -> list[InputIssue]:
    """Problems of the holdings and covariance files named by a case whose schema failed.

    They are independent of the schema errors, so the user sees them in the same round.
    """
    issues: list[InputIssue] = []
    if not isinstance(data, dict):
        return issues
    try:
        settle = parse_iso_date(data.get("analysis_date"))
    except (TypeError, ValueError):
        settle = None
    holdings = data.get("holdings")
    if settle is not None and isinstance(holdings, str):
        where = InputIssue(name, line_of(lines, ("holdings",)), "holdings", "")
        _collect(issues, lambda: read_holdings(resolve_path(name, holdings), settle), where)
    try:
        cov = CovarianceSpec.model_validate(data.get("covariance") or {})
    except ValidationError:
        return issues
    if cov.source != "default" and cov.path:
        path = resolve_path(name, cov.path)
        loader = load_covariance_file if cov.source == "file" else load_treasury_par_history
        where = InputIssue(name, line_of(lines, ("covariance", "path")), "covariance.path", "")
        _collect(issues, lambda: loader(path), where)
    return issues


def _years_or_none(label: str | None) -> float | None:
    try:
        return 0.0 if label is None else tenor_years(label)
    except ValueError:
        return None  # the hedge builder reports a bad tenor with its own context


def cross_check_case(
    case: AnalysisCase, name: str, lines: Mapping[DocPath, int]
) -> list[InputIssue]:
    """Checks across sections: unique CDS ids, hedge instruments within the curve they use."""
    issues: list[InputIssue] = []

    def add(path: tuple[Any, ...], reason: str, hint: str = "") -> None:
        issues.append(InputIssue(name, line_of(lines, path), format_path(path), reason, hint))

    for path, reason, hint in curve_input_issues(case.curves, case.analysis_date):
        add(path, reason, hint)
    first: dict[str, int] = {}
    for i, cds in enumerate(case.cds):
        if cds.id in first:
            add(
                ("cds", i, "id"), f"duplicate CDS id {clip(cds.id)} (first at cds[{first[cds.id]}])"
            )
        first.setdefault(cds.id, i)
    hedge, sofr = case.hedge, case.curves.sofr
    if hedge is None or sofr is None:
        return issues
    longest = sofr.longest_years(case.analysis_date)
    ends: list[tuple[tuple[Any, ...], float | None, float | None]] = [
        (
            ("hedge", "universe", "swaps", i, "tenor"),
            _years_or_none(sw.start),
            _years_or_none(sw.tenor),
        )
        for i, sw in enumerate(hedge.universe.swaps)
    ]
    ends += [
        (
            ("hedge", "universe", "swaptions", i, "tenor"),
            _years_or_none(sw.expiry),
            _years_or_none(sw.tenor),
        )
        for i, sw in enumerate(hedge.universe.swaptions)
    ]
    for path, start, tenor in ends:
        if (
            start is not None
            and tenor is not None
            and start + tenor > longest + MAX_EXTRAPOLATION_YEARS
        ):
            add(
                path,
                f"the instrument ends {start + tenor:g} years out, more than "
                f"{MAX_EXTRAPOLATION_YEARS:g} years beyond the SOFR curve's longest tenor "
                f"({longest:g} years)",
                f"extend curves.sofr.{sofr.source_key} or choose a shorter tenor",
            )
    return issues


def case_warnings(case: AnalysisCase) -> list[str]:
    """Plausible but unusual inputs worth a warning (not an error)."""
    out = []
    if case.analysis_date.weekday() >= 5:
        out.append(
            f"analysis_date {case.analysis_date} is a {case.analysis_date:%A}: markets are "
            "closed; check the date"
        )
    return out


def load_analysis_case(
    source: str | Path,
    text: str | None = None,
    extra_check: Callable[[AnalysisCase, str], object] | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[AnalysisCase, str]:
    """Read and validate an analysis case YAML and the files it names.

    Every schema problem is reported at once, located by the user's key path and line; when
    the schema is valid, the holdings, benchmark, covariance and contract files are read and
    checked too (their problems also gathered into one error). ``text`` gives the content when
    it was already read (standard input); ``extra_check`` runs beside the file checks (see
    :func:`check_case_files`). ``data`` gives the case as already-parsed Python objects (the
    API and the service): nothing is read, and problems are located by key path only.
    Warnings (a weekend analysis date) are logged.
    """
    lines: Mapping[DocPath, int]
    if data is not None:
        name, lines = str(source), {}
    elif text is None:
        text, name = read_text(source)
        data, lines = parse_yaml_lines(text, name)
    else:
        name = "<stdin>" if str(source) == "-" else str(source)
        data, lines = parse_yaml_lines(text, name)
    try:
        case = AnalysisCase.model_validate(data)
    except ValidationError as exc:
        issues = pydantic_issues(exc, name, data=data, lines=lines, model=AnalysisCase)
        raise InputError(issues + files_of_invalid_case(data, name, lines)) from None
    check_case_files(case, name, lines, extra_check)
    for warning in case_warnings(case):
        logger.warning("%s: %s", name, warning)
    return case, name


class ScenariosSpec(StrictModel):
    """Stress scenarios: the standard set and/or the user's own (see scenarios.definitions)."""

    model_config = ConfigDict(extra="forbid")

    include_defaults: bool = True
    custom: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("custom")
    @classmethod
    def _specs(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # A ScenarioError is a ValueError: pydantic keeps it, and pydantic_issues expands its
        # located problems into one issue each.
        parse_scenario_specs(value, "scenarios.custom")
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
