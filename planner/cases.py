"""Case-file schemas handled by the planner (YAML documents validated with pydantic)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from models.benchmark import BenchmarkProfile
from models.bootstrap import tenor_years
from models.errors import AnalyticsError, InputError, InputIssue
from models.risk import DEFAULT_KEY_TENORS, check_key_tenors
from models.schemas import HoldingRow, Holdings, parse_iso_date
from planner.io import parse_yaml, read_holdings, read_yaml

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


class TreasuryCurveSpec(BaseModel):
    """US Treasury par yield curve of the analysis date (decimals, bond-equivalent)."""

    model_config = ConfigDict(extra="forbid")

    par_yields: dict[str, float]
    interpolation: Literal["log_linear_df", "linear_zero", "monotone_cubic_zero"] = "log_linear_df"

    @field_validator("par_yields")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        return _decimal_rates(value, "par yield")


class SofrCurveSpec(BaseModel):
    """SOFR OIS par swap rates (decimals, annual ACT/360 fixed legs)."""

    model_config = ConfigDict(extra="forbid")

    par_rates: dict[str, float]
    interpolation: Literal["log_linear_df", "linear_zero", "monotone_cubic_zero"] = "log_linear_df"

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
