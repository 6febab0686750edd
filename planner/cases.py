"""Case-file schemas handled by the planner (YAML documents validated with pydantic)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.errors import InputError, InputIssue
from models.schemas import HoldingRow, Holdings, parse_iso_date
from planner.io import read_holdings, read_yaml

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
