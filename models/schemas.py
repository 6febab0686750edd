"""Pydantic schemas of holdings.

A holdings file row becomes a :class:`HoldingRow`. :meth:`HoldingRow.check` validates one raw row
and returns *every* problem it finds (field errors and cross-field errors together), so a loader
can report a whole file's problems in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from hedge_planner.models.bonds import FREQUENCIES, BondBook
from hedge_planner.models.dates import NO_DATE, to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.holding_terms import (
    CALL_STYLES,
    KINDS,
    model_term_problems,
    parse_call_schedule,
    parse_prepayment,
)
from hedge_planner.models.identifiers import check_identifier
from hedge_planner.models.input_files import clip, parse_number
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: A coupon above this is taken for a percentage typed as a number (5 for 5%).
MAX_DECIMAL_COUPON = 0.20
#: A yield above this is taken for a percentage.
MAX_DECIMAL_YIELD = 1.0
#: Lowest plausible yield (decimal): -10%.
MIN_DECIMAL_YIELD = -0.10
#: Largest plausible face of one holding, currency (one trillion).
MAX_FACE = 1e12
#: Plausible clean prices per 100 face (below the lower bound: a price per 1 face).
MIN_PRICE, MAX_PRICE = 2.0, 500.0
#: Largest plausible magnitude of a supplied duration, spread duration or KRD, years.
MAX_ABS_DURATION = 100.0
#: Largest plausible magnitude of a supplied convexity, years^2.
MAX_ABS_CONVEXITY = 10_000.0
#: Largest plausible magnitude of a supplied OAS, decimal (5,000 bp).
MAX_ABS_OAS = 0.5
#: Longest id, sector and description accepted, characters.
MAX_ID_CHARS, MAX_SECTOR_CHARS, MAX_DESCRIPTION_CHARS = 64, 64, 500

REQUIRED_COLUMNS = ("id", "face", "coupon", "maturity")
OPTIONAL_COLUMNS = (
    "yield",
    "price",
    "frequency",
    "day_count",
    "issue_date",
    "sector",
    "description",
    "eom",
)
#: Supplied (OAS-based) analytics a holding may carry instead of engine-computed ones.
SUPPLIED_COLUMNS = ("effective_duration", "effective_convexity", "spread_duration", "oas")

_KRD_COLUMN = re.compile(r"^krd_(\d+(?:\.\d+)?[my])$")
#: Columns read as numbers (strict decimal syntax, finite).
NUMERIC_COLUMNS = (
    "face",
    "coupon",
    "yield",
    "price",
    *SUPPLIED_COLUMNS,
    "wac",
    "wam_months",
    "wala_months",
    "delay_days",
    "notice_days",
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_iso_date(value: Any) -> dt.date:
    """Parse ``YYYY-MM-DD`` (or pass a date through); ``ValueError`` with a readable reason."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not _ISO_DATE.match(text):
        raise ValueError(f"unparseable date {clip(text)}: expected an ISO date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"unparseable date {clip(text)}: {exc}") from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


class HoldingRow(BaseModel):
    """One bond holding as read from a holdings file.

    Units: ``face`` in currency; ``coupon`` and ``yield`` decimal; ``price`` clean per 100 face;
    supplied durations in years, convexity in years^2, KRDs in years.
    """

    model_config = ConfigDict(
        populate_by_name=True, extra="ignore", frozen=True, allow_inf_nan=False
    )

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    face: float
    coupon: float
    maturity: dt.date
    yield_: float | None = Field(default=None, alias="yield")
    price: float | None = None
    frequency: int = 2
    day_count: DayCount = DayCount.ACT_ACT
    issue_date: dt.date | None = None
    sector: str = Field(default="unclassified", max_length=MAX_SECTOR_CHARS)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS)
    eom: bool = True
    effective_duration: float | None = None
    effective_convexity: float | None = None
    spread_duration: float | None = None
    oas: float | None = None
    krd: dict[str, float] = Field(default_factory=dict)
    kind: str = "bullet"
    call_schedule: tuple[tuple[dt.date, float], ...] = ()
    call_style: str = "bermudan"
    notice_days: int = Field(default=0, ge=0, le=366)
    wac: float | None = None
    wam_months: int | None = Field(default=None, ge=1, le=480)
    wala_months: int = Field(default=0, ge=0, le=480)
    delay_days: int = Field(default=55, ge=0, le=120)
    prepayment: tuple[str, float] = ("refi", 1.0)

    @field_validator("kind", "call_style", mode="before")
    @classmethod
    def _choice(cls, value: Any, info: Any) -> str:
        choices = KINDS if info.field_name == "kind" else CALL_STYLES
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"{clip(value)} is not one of {', '.join(choices)}")
        return text

    @field_validator("call_schedule", mode="before")
    @classmethod
    def _schedule(cls, value: Any) -> tuple[tuple[dt.date, float], ...]:
        return parse_call_schedule(value)

    @field_validator("prepayment", mode="before")
    @classmethod
    def _prepayment(cls, value: Any) -> tuple[str, float]:
        return parse_prepayment(value)

    @field_validator("wac")
    @classmethod
    def _check_wac(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= MAX_DECIMAL_COUPON:
            raise ValueError(f"WAC {value:g} must be a decimal rate, e.g. 0.0575 for 5.75%")
        return value

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        problem = check_identifier(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("face")
    @classmethod
    def _check_face(cls, value: float) -> float:
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"face must be a positive amount, got {value:g}")
        if value > MAX_FACE:
            raise ValueError(f"face {value:g} is above the plausible maximum {MAX_FACE:g}")
        return value

    @field_validator("coupon")
    @classmethod
    def _check_coupon(cls, value: float) -> float:
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"coupon must be a non-negative decimal, got {value:g}")
        if value > MAX_DECIMAL_COUPON:
            raise ValueError(
                f"coupon {value:g} looks like a percentage; coupons are decimals "
                f"(write {value / 100:g} for {value:g}%)"
            )
        return value

    @field_validator("yield_")
    @classmethod
    def _check_yield(cls, value: float | None) -> float | None:
        if value is not None and (not np.isfinite(value) or value > MAX_DECIMAL_YIELD):
            raise ValueError(
                f"yield {value:g} looks like a percentage; yields are decimals "
                f"(write {value / 100:g} for {value:g}%)"
            )
        if value is not None and value < MIN_DECIMAL_YIELD:
            raise ValueError(
                f"yield {value:g} is below the plausible minimum {MIN_DECIMAL_YIELD:g} "
                f"({MIN_DECIMAL_YIELD:.0%})"
            )
        return value

    @field_validator("price")
    @classmethod
    def _check_price(cls, value: float | None) -> float | None:
        if value is not None and (not np.isfinite(value) or value <= 0):
            raise ValueError(f"clean price must be positive (per 100 face), got {value:g}")
        if value is not None and value < MIN_PRICE:
            raise ValueError(
                f"clean price {value:g} looks like a price per 1 face; prices are per 100 face"
            )
        if value is not None and value > MAX_PRICE:
            raise ValueError(
                f"clean price {value:g} is above the plausible maximum {MAX_PRICE:g} per 100 face"
            )
        return value

    @field_validator("effective_duration", "spread_duration")
    @classmethod
    def _check_duration(cls, value: float | None) -> float | None:
        if value is not None and abs(value) > MAX_ABS_DURATION:
            raise ValueError(
                f"{value:g} years is beyond the plausible +/-{MAX_ABS_DURATION:g} years"
            )
        return value

    @field_validator("effective_convexity")
    @classmethod
    def _check_convexity(cls, value: float | None) -> float | None:
        if value is not None and abs(value) > MAX_ABS_CONVEXITY:
            raise ValueError(
                f"{value:g} years^2 is beyond the plausible +/-{MAX_ABS_CONVEXITY:g} years^2"
            )
        return value

    @field_validator("oas")
    @classmethod
    def _check_oas(cls, value: float | None) -> float | None:
        if value is not None and abs(value) > MAX_ABS_OAS:
            raise ValueError(
                f"OAS {value:g} is beyond the plausible +/-{MAX_ABS_OAS:g} "
                "(OAS is a decimal: 0.0085 for 85 bp)"
            )
        return value

    @field_validator("frequency", mode="before")
    @classmethod
    def _check_frequency(cls, value: Any) -> int:
        if value is None:
            return 2
        try:
            number = parse_number(value)
        except (TypeError, ValueError):
            raise ValueError(f"frequency {clip(value)} is not a number") from None
        if number not in FREQUENCIES:
            raise ValueError(
                f"frequency {clip(value)} is not supported; use 1, 2, 4, 12, or 0 for zero-coupon"
            )
        return int(number)

    @field_validator("day_count", mode="before")
    @classmethod
    def _parse_day_count(cls, value: Any) -> DayCount:
        if value is None:
            return DayCount.ACT_ACT
        if isinstance(value, DayCount):
            return value
        try:
            return DayCount.parse(str(value)[:40])
        except ValueError as exc:
            raise ValueError(str(exc).replace(repr(str(value)[:40]), clip(value))) from None

    @field_validator("maturity", "issue_date", mode="before")
    @classmethod
    def _parse_date(cls, value: Any) -> dt.date | None:
        return None if value is None else parse_iso_date(value)

    @field_validator("sector", mode="before")
    @classmethod
    def _sector(cls, value: Any) -> str:
        return "unclassified" if value is None else str(value).strip().lower()

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> str:
        return "" if value is None else str(value)

    @field_validator("eom", mode="before")
    @classmethod
    def _eom(cls, value: Any) -> bool:
        if value is None:
            return True
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "y"}:
            return True
        if text in {"0", "false", "no", "n"}:
            return False
        raise ValueError(f"eom must be true or false, got {clip(value)}")

    @property
    def quoted_by(self) -> str:
        """``"yield"``, ``"price"`` or ``"oas"`` (modelled holdings only): how it is marked."""
        if self.yield_ is not None:
            return "yield"
        return "price" if self.price is not None else "oas"

    @property
    def modelled(self) -> bool:
        """True when the short-rate model prices the holding (callable, putable, MBS)."""
        return self.kind != "bullet"

    @classmethod
    def check(
        cls, raw: Mapping[str, Any], settle: dt.date | None = None
    ) -> tuple[HoldingRow | None, list[tuple[str | None, str, str]]]:
        """Validate one raw row and return the row (or ``None``) with every problem found.

        Parameters
        ----------
        raw
            Column name -> raw value (strings from a CSV, or typed values from YAML).
        settle
            Settlement date; maturity must fall after it and issue date on or before it.

        Returns
        -------
        (HoldingRow or None, list of (column, reason, hint))
            The model when the row is valid; otherwise ``None`` and the problems.
        """
        # Empty cells mean "not given": drop them so defaults apply and required fields are
        # reported as missing rather than as unparseable.
        data = {
            k: (v.strip() if isinstance(v, str) else v) for k, v in raw.items() if not _blank(v)
        }
        problems: list[tuple[str | None, str, str]] = []
        krd: dict[str, float] = {}
        for key in list(data):
            match = _KRD_COLUMN.match(str(key).strip().lower())
            if match:
                value = data.pop(key)
                try:
                    number = parse_number(value)
                except ValueError as exc:
                    problems.append((str(key), f"KRD {exc}", "KRDs are years, e.g. 1.25"))
                    continue
                if abs(number) > MAX_ABS_DURATION:
                    reason = f"KRD {number:g} is beyond the plausible +/-{MAX_ABS_DURATION:g} years"
                    problems.append((str(key), reason, "KRDs are years, e.g. 1.25"))
                krd[match.group(1)] = number
        # Numbers are read strictly (no 1_000, no non-ASCII digits, no nan/inf): float() and
        # pydantic's lax mode would accept those.
        bad_numbers: set[str] = set()
        for column in NUMERIC_COLUMNS:
            if column in data:
                try:
                    data[column] = parse_number(data[column])
                except ValueError as exc:
                    problems.append((column, str(exc), _hint_for(column)))
                    bad_numbers.add(column)
        has_yield = "yield" in data
        has_price = "price" in data
        if has_yield and has_price:
            problems.append(
                ("yield/price", "both yield and price are given", "give exactly one of them")
            )
        elif not has_yield and not has_price:
            kind = str(data.get("kind", "bullet")).strip().lower()
            if kind == "bullet" or "oas" not in data:
                problems.append(
                    (
                        "yield/price",
                        "neither yield nor price is given",
                        "give exactly one of them (callables, putables and MBS may give oas "
                        "instead: the model then prices them)",
                    )
                )
        for column in bad_numbers:
            data.pop(column)
        data["krd"] = krd
        try:
            row = cls.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = str(err["loc"][0]) if err["loc"] else None
                loc = "yield" if loc == "yield_" else loc
                if loc in bad_numbers:
                    continue  # already reported as not a number
                problems.append((loc, _clean_message(err), _hint_for(loc)))
            return None, problems
        problems.extend(row._cross_checks(settle))
        return (None if problems else row), problems

    def _cross_checks(self, settle: dt.date | None) -> list[tuple[str | None, str, str]]:
        out: list[tuple[str | None, str, str]] = []
        if settle is not None and self.maturity <= settle:
            out.append(
                (
                    "maturity",
                    f"maturity {self.maturity} is on or before settlement {settle}",
                    "remove matured holdings or check the settlement date",
                )
            )
        if self.issue_date is not None:
            if self.issue_date >= self.maturity:
                out.append(
                    ("issue_date", f"issue date {self.issue_date} is not before maturity", "")
                )
            elif settle is not None and self.issue_date > settle:
                out.append(
                    (
                        "issue_date",
                        f"issue date {self.issue_date} is after settlement {settle}",
                        "when-issued bonds are not supported",
                    )
                )
        if self.frequency == 0 and self.coupon != 0:
            out.append(("coupon", "a zero-coupon bond (frequency 0) must have coupon 0", ""))
        out.extend(model_term_problems(self))
        return out


def _clean_message(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if err.get("type") == "missing":
        return "value is required"
    if err.get("type") in {"float_parsing", "float_type"}:
        return f"{clip(err.get('input'))} is not a number"
    if err.get("type") == "finite_number":
        return "value is not a finite number"
    if err.get("type") == "string_too_long":
        limit = (err.get("ctx") or {}).get("max_length")
        return (
            f"text of {len(str(err.get('input')))} characters is over the {limit}-character limit"
        )
    return msg


def _hint_for(column: str | None) -> str:
    return {
        "maturity": "dates are ISO YYYY-MM-DD",
        "issue_date": "dates are ISO YYYY-MM-DD",
        "face": "face is the par amount held, in currency",
        "coupon": "coupon is an annual decimal rate, e.g. 0.045",
        "yield": "yield is a decimal, e.g. 0.0425",
        "price": "price is clean, per 100 face",
        "id": "CUSIPs and ISINs are verified; fix the id or use an internal code",
    }.get(column or "", "")


@dataclass(frozen=True)
class Holdings:
    """A validated set of holdings with array views for the analytics."""

    rows: tuple[HoldingRow, ...]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def ids(self) -> list[str]:
        """Holding ids in input order."""
        return [r.id for r in self.rows]

    def book(self) -> BondBook:
        """The bond static data as a :class:`~models.bonds.BondBook`."""
        rows = self.rows
        return BondBook(
            ids=tuple(r.id for r in rows),
            face=np.array([r.face for r in rows], dtype=np.float64),
            coupon=np.array([r.coupon for r in rows], dtype=np.float64),
            maturity=np.array([to_days(r.maturity) for r in rows], dtype=np.int64),
            frequency=np.array([r.frequency for r in rows], dtype=np.int64),
            day_count=np.array([int(r.day_count) for r in rows], dtype=np.int64),
            issue_date=np.array(
                [NO_DATE if r.issue_date is None else to_days(r.issue_date) for r in rows],
                dtype=np.int64,
            ),
            eom=np.array([r.eom for r in rows], dtype=bool),
        )

    def yields(self) -> np.ndarray:
        """Yields (decimal), NaN where the holding is priced instead."""
        return np.array([np.nan if r.yield_ is None else r.yield_ for r in self.rows])

    def clean_prices(self) -> np.ndarray:
        """Clean prices per 100 face, NaN where the holding is quoted by yield."""
        return np.array([np.nan if r.price is None else r.price for r in self.rows])

    def sectors(self) -> list[str]:
        """Sector label per holding."""
        return [r.sector for r in self.rows]
