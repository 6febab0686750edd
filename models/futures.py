"""CME US Treasury futures: contract table, delivery calendar, conversion factors, basis, hedges.

The contract terms live in ``models/data/cme_treasury_futures.yaml`` and are validated by
pydantic; users may add or override contracts from their own YAML/JSON file
(:func:`load_contract_table`). Everything that runs per bond is vectorised with numpy.

Units
-----
* prices, accrued interest, basis and carry: points per 100 face;
* rates (repo, implied repo): decimal, simple ACT/360;
* coupons: decimal annual rate (0.045 = 4.5%), semiannual payments;
* dates: ``int64`` day serials (see :mod:`models.dates`);
* contract size: face value in currency; DV01s: currency per 1 bp.

Bond pricing is *not* done here: basis analytics take precomputed prices, accrued interest and
coupon income so that the bond pricer (elsewhere) stays the single source of truth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import BoolArray, FloatArray
from hedge_planner.models.calendar import (
    add_business_days,
    first_business_day_of_month,
    last_business_day_of_month,
)
from hedge_planner.models.dates import (
    NO_DATE,
    IntArray,
    add_months,
    days_in_month,
    from_ymd,
    to_days,
    ymd,
)
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.input_files import (
    DocPath,
    did_you_mean,
    error_message,
    load_json,
    load_yaml,
    read_user_text,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_TABLE_PATH = Path(__file__).with_name("data") / "cme_treasury_futures.yaml"


# --------------------------------------------------------------------------------------------
# Contract table
# --------------------------------------------------------------------------------------------


class DeliverableRule(BaseModel):
    """Which Treasuries are deliverable, as CME states it (terms in whole months).

    Remaining term is measured from the first calendar day of the delivery month; the upper
    limit may instead be measured from the last calendar day (``max_remaining_from``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_remaining_months: int = Field(ge=0)
    max_remaining_months: int | None = Field(default=None, gt=0)
    max_remaining_inclusive: bool = True
    max_remaining_from: Literal["first_day", "last_day"] = "first_day"
    max_original_months: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> DeliverableRule:
        if self.max_remaining_months is not None and (
            self.max_remaining_months < self.min_remaining_months
        ):
            raise ValueError("max_remaining_months must be >= min_remaining_months")
        return self


class FuturesContract(BaseModel):
    """Terms of one Treasury futures contract (validated row of the contract table)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1)
    name: str
    aliases: tuple[str, ...] = ()
    contract_size: float = Field(gt=0, description="face value per contract, currency")
    tick_size: float = Field(gt=0, description="minimum price move, points per 100")
    tick_value: float = Field(gt=0, description="currency per tick per contract")
    notional_coupon: float = Field(default=0.06, gt=0, lt=1)
    delivery_months: tuple[int, ...] = (3, 6, 9, 12)
    cf_rounding: Literal["month", "quarter"]
    last_trading_rule: Literal["last_business_day", "business_days_before_last_business_day"]
    last_trading_offset: int = Field(default=0, ge=0)
    last_delivery_rule: Literal["last_business_day", "business_days_after_last_trading"]
    last_delivery_offset: int = Field(default=0, ge=0)
    first_position_offset: int = Field(
        default=2, ge=0, description="business days before the first business day of the month"
    )
    deliverable: DeliverableRule
    average_daily_volume: float | None = Field(
        default=None, gt=0, description="contracts traded per day (liquidity limits)"
    )
    open_interest: float | None = Field(
        default=None, gt=0, description="contracts open (liquidity limits)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> FuturesContract:
        if not self.delivery_months or any(m < 1 or m > 12 for m in self.delivery_months):
            raise ValueError("delivery_months must be month numbers 1-12")
        expected = self.tick_size / 100.0 * self.contract_size
        if abs(self.tick_value - expected) > 1e-9 * expected:
            raise ValueError(
                f"tick_value {self.tick_value} != tick_size/100*contract_size = {expected}"
            )
        return self

    @property
    def point_value(self) -> float:
        """Currency value of one full price point (1.00 per 100 face) per contract."""
        return self.contract_size / 100.0


ContractTable = dict[str, FuturesContract]


def _as_day(value: Any) -> int:
    """One date as a day serial: accepts serials (ints, 0-d arrays), dates and ISO strings."""
    if isinstance(value, (int, np.integer)) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and np.issubdtype(value.dtype, np.integer)
    ):
        return int(value)
    return int(to_days(value))


def _read_mapping(path: Path) -> tuple[dict[str, Any], str, dict[DocPath, int]]:
    """Read a YAML or JSON file holding ``{"contracts": {CODE: {...}}}`` through the guards.

    Returns the contracts mapping, the file's display name and the line of each key path
    (YAML only). Problems are :class:`InputError` naming the file.
    """
    text, name = read_user_text(path)
    if path.suffix.lower() == ".json":
        lines: dict[DocPath, int] = {}
        data = load_json(text, name)
    else:
        data, lines = load_yaml(text, name)
    if not isinstance(data, dict) or not isinstance(data.get("contracts"), dict):
        raise InputError(
            [InputIssue(name, None, "contracts", "expected a mapping with a 'contracts' mapping")]
        )
    return data["contracts"], name, lines


def _deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _validate(
    code: str, raw: Mapping[str, Any], source: str, lines: Mapping[DocPath, int] | None = None
) -> FuturesContract:
    """Validate one contract; the error names the file, the contract, the field and its line."""
    try:
        return FuturesContract.model_validate({**raw, "code": code})
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            path = ("contracts", code, *err["loc"])
            row = None
            for k in range(len(path), 0, -1):
                row = (lines or {}).get(path[:k])
                if row is not None:
                    break
            column = ".".join(str(p) for p in path)
            field = ".".join(str(p) for p in err["loc"]) or "(contract)"
            reason = f"contract {code!r}, field {field}: {error_message(err)}"
            hint = ""
            if err["type"] == "extra_forbidden":
                model = DeliverableRule if err["loc"][0] == "deliverable" else FuturesContract
                hint = did_you_mean(str(err["loc"][-1]), model.model_fields)
            issues.append(InputIssue(source, row, column, reason, hint))
        raise InputError(issues) from None


def load_contract_table(*override_paths: str | Path) -> ContractTable:
    """Load the packaged CME table, then merge user files over it by contract code.

    Parameters
    ----------
    *override_paths
        YAML or JSON files shaped like the packaged table (``contracts: {CODE: {...}}``). A
        known code is deep-merged (only the given fields change); a new code must be complete.
        They are read through :mod:`models.input_files` (regular files, size limit, duplicate
        keys and alias bombs refused).

    Returns
    -------
    dict
        Contract code -> :class:`FuturesContract`.

    Raises
    ------
    InputError
        (a ``ValueError``) with the file, contract code, offending field and line.
    """
    table, _, _ = _read_mapping(DEFAULT_TABLE_PATH)
    raw = {code: dict(v) for code, v in table.items()}
    sources: dict[str, tuple[str, dict[DocPath, int]]] = dict.fromkeys(
        raw, (DEFAULT_TABLE_PATH.name, {})
    )
    issues: list[InputIssue] = []
    for path in map(Path, override_paths):
        contracts, name, lines = _read_mapping(path)
        for code, fields in contracts.items():
            if not isinstance(fields, Mapping):
                row = lines.get(("contracts", code))
                where = f"contracts.{code}"
                issues.append(InputIssue(name, row, where, "expected a mapping of fields"))
                continue
            raw[code] = _deep_merge(raw.get(code, {}), fields)
            sources[code] = (name, lines)
    out: ContractTable = {}
    for code, fields in raw.items():
        try:
            out[code] = _validate(code, fields, *sources[code])
        except InputError as exc:
            issues += exc.issues
    if issues:
        raise InputError(issues)
    return out


@lru_cache(maxsize=1)
def _default_table() -> ContractTable:
    return load_contract_table()


def get_contract(code: str, table: ContractTable | None = None) -> FuturesContract:
    """Look a contract up by code or alias (case-insensitive), e.g. ``"TY"`` or ``"ZN"``."""
    tbl = _default_table() if table is None else table
    key = code.strip().upper()
    if key in tbl:
        return tbl[key]
    for spec in tbl.values():
        if key in (a.upper() for a in spec.aliases):
            return spec
    raise KeyError(f"unknown futures contract {code!r}; known: {', '.join(sorted(tbl))}")


# --------------------------------------------------------------------------------------------
# Delivery calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractDates:
    """Key dates of contract months (``int64`` day serials, one element per contract month).

    Attributes
    ----------
    code
        Contract code.
    year, month
        Contract (delivery) year and month.
    first_position_day
        First position (intention) day: ``first_position_offset`` business days before the first
        business day of the delivery month.
    first_notice_day
        Business day after the first position day (shorts may first give notice of delivery).
    first_delivery_day
        First business day of the delivery month.
    last_trading_day
        Per the contract's rule (last business day of the month for TU/Z3N/FV; seventh business
        day preceding the last business day for TY/TN/US/UB).
    last_delivery_day
        Per the contract's rule (third business day after the last trading day for TU/Z3N/FV;
        last business day of the month for the others).
    """

    code: str
    year: IntArray
    month: IntArray
    first_position_day: IntArray
    first_notice_day: IntArray
    first_delivery_day: IntArray
    last_trading_day: IntArray
    last_delivery_day: IntArray

    def as_records(self) -> list[dict[str, Any]]:
        """One dict of ``datetime.date`` per contract month (for reports)."""
        names = (
            "first_position_day",
            "first_notice_day",
            "first_delivery_day",
            "last_trading_day",
            "last_delivery_day",
        )
        cols = {n: np.atleast_1d(getattr(self, n)).astype("datetime64[D]").tolist() for n in names}
        years, months = np.atleast_1d(self.year), np.atleast_1d(self.month)
        return [
            {"code": self.code, "year": int(y), "month": int(m), **{n: cols[n][i] for n in names}}
            for i, (y, m) in enumerate(zip(years, months, strict=True))
        ]


def contract_dates(
    code: str,
    year: npt.ArrayLike,
    month: npt.ArrayLike,
    table: ContractTable | None = None,
) -> ContractDates:
    """Delivery-cycle dates for contract month(s) of a contract.

    Parameters
    ----------
    code
        Contract code or alias (``"TY"``, ``"ZN"``...).
    year, month
        Contract year(s) and month(s); months must be delivery months of the contract.
    table
        Contract table (default: the packaged CME table).

    Returns
    -------
    ContractDates
        Named date arrays (day serials), broadcast shape of ``year`` and ``month``.
    """
    spec = get_contract(code, table)
    y, m = np.broadcast_arrays(np.asarray(year, dtype=np.int64), np.asarray(month, dtype=np.int64))
    if not np.isin(m, spec.delivery_months).all():
        raise ValueError(f"{spec.code}: delivery months are {list(spec.delivery_months)}")
    first_bd = first_business_day_of_month(y, m)
    last_bd = last_business_day_of_month(y, m)
    first_position = add_business_days(first_bd, -spec.first_position_offset)
    if spec.last_trading_rule == "last_business_day":
        ltd = last_bd
    else:
        ltd = add_business_days(last_bd, -spec.last_trading_offset)
    if spec.last_delivery_rule == "last_business_day":
        ldd = last_bd
    else:
        ldd = add_business_days(ltd, spec.last_delivery_offset)
    return ContractDates(
        code=spec.code,
        year=y,
        month=m,
        first_position_day=first_position,
        first_notice_day=add_business_days(first_position, 1),
        first_delivery_day=first_bd,
        last_trading_day=ltd,
        last_delivery_day=ldd,
    )


def front_contracts(
    code: str, as_of: Any, n: int = 3, table: ContractTable | None = None
) -> ContractDates:
    """The next ``n`` contract months still trading on ``as_of`` (last trading day >= as_of).

    Parameters
    ----------
    code
        Contract code or alias.
    as_of
        Date (day serial, ``datetime.date`` or ISO string).
    n
        Number of contract months to list.
    table
        Contract table (default: the packaged CME table).

    Returns
    -------
    ContractDates
        Arrays of length ``n``, nearest contract first.
    """
    spec = get_contract(code, table)
    day = _as_day(as_of)
    y0, m0, _ = ymd(day)
    # Candidate months: every delivery month from this month on, over enough years.
    years = int(y0) + np.repeat(
        np.arange(n // len(spec.delivery_months) + 2), len(spec.delivery_months)
    )
    months = np.tile(
        np.asarray(spec.delivery_months, dtype=np.int64), years.size // len(spec.delivery_months)
    )
    keep = years * 12 + months >= int(y0) * 12 + int(m0)
    dates = contract_dates(spec.code, years[keep], months[keep], table)
    live = np.flatnonzero(dates.last_trading_day >= day)[:n]
    return ContractDates(
        code=dates.code,
        year=dates.year[live],
        month=dates.month[live],
        first_position_day=dates.first_position_day[live],
        first_notice_day=dates.first_notice_day[live],
        first_delivery_day=dates.first_delivery_day[live],
        last_trading_day=dates.last_trading_day[live],
        last_delivery_day=dates.last_delivery_day[live],
    )


def is_deliverable(
    code: str,
    year: int,
    month: int,
    maturity: npt.ArrayLike,
    issue_date: npt.ArrayLike | None = None,
    table: ContractTable | None = None,
) -> BoolArray:
    """Eligibility of Treasuries for delivery into one contract month (vectorised over bonds).

    Parameters
    ----------
    code
        Contract code or alias.
    year, month
        Contract month.
    maturity
        Maturity dates (day serials); for a callable bond pass the first call date.
    issue_date
        Original issue dates (day serials) or ``None``. The original-term test is applied only
        where an issue date is given (elements equal to ``models.dates.NO_DATE`` are skipped).
    table
        Contract table (default: the packaged CME table).

    Returns
    -------
    numpy.ndarray
        Boolean per bond.
    """
    spec = get_contract(code, table)
    rule = spec.deliverable
    mat = np.asarray(maturity, dtype=np.int64)
    first_day = from_ymd(year, month, 1)
    last_day = from_ymd(year, month, days_in_month(year, month))
    ok = mat >= add_months(first_day, rule.min_remaining_months)
    if rule.max_remaining_months is not None:
        anchor = first_day if rule.max_remaining_from == "first_day" else last_day
        # eom: "two years from 28 Feb" ends on 29 Feb in a leap year.
        limit = add_months(anchor, rule.max_remaining_months, eom=True)
        ok &= (mat <= limit) if rule.max_remaining_inclusive else (mat < limit)
    if rule.max_original_months is not None and issue_date is not None:
        issue = np.broadcast_to(np.asarray(issue_date, dtype=np.int64), mat.shape)
        known = issue != NO_DATE
        safe_issue = np.where(known, issue, mat)
        ok &= ~known | (mat <= add_months(safe_issue, rule.max_original_months, eom=True))
    return ok


#: A basket whose shortest deliverable matures this many months or more after the window's
#: short end looks incomplete: with yields under the 6% notional coupon the cheapest to
#: deliver sits at the short end, so the bond that would be CTD is probably missing.
BASKET_GAP_MONTHS = 6


def basket_short_end_gap(
    code: str, year: int, month: int, maturity: npt.ArrayLike, table: ContractTable | None = None
) -> tuple[int, float]:
    """Short end of the deliverable window and how far the basket's shortest bond is from it.

    Returns
    -------
    (int, float)
        The earliest deliverable maturity (day serial: first day of the delivery month plus the
        minimum remaining term) and the gap to the basket's shortest maturity, months
        (days / (365.25 / 12)).
    """
    rule = get_contract(code, table).deliverable
    start = int(add_months(from_ymd(year, month, 1), rule.min_remaining_months))
    shortest = int(np.min(np.asarray(maturity, dtype=np.int64)))
    return start, (shortest - start) / (365.25 / 12.0)


# --------------------------------------------------------------------------------------------
# Conversion factor
# --------------------------------------------------------------------------------------------


def cme_conversion_factor_from_term(
    coupon: npt.ArrayLike,
    whole_years: npt.ArrayLike,
    months: npt.ArrayLike,
    notional_coupon: float = 0.06,
) -> FloatArray:
    """CME conversion factor from a term already rounded to whole years + months (unrounded CF).

    Parameters
    ----------
    coupon
        Annual coupon, decimal.
    whole_years
        ``n``: whole years from the first day of the delivery month to maturity.
    months
        ``z``: remaining whole months after ``n`` (0-11), already rounded per the contract.
    notional_coupon
        Yield used for the factor (6%).

    Returns
    -------
    numpy.ndarray
        Price per 1 face at the notional yield, semiannual compounding, less accrued interest.

    Notes
    -----
    CME's formula, written for any notional yield ``y`` (``h = 1 + y/2``): ``v = z`` if ``z < 7``
    else ``z - 6`` (for quarter-rounded terms ``z`` is 9, so ``v = 3`` as CME states);
    ``a = h**(-v/6)``, ``b = coupon/2 * (6 - v)/6``; ``c = h**(-2n)`` if ``z < 7`` else
    ``h**(-(2n+1))``; ``d = coupon/y * (1 - c)``; factor ``= a*(coupon/2 + c + d) - b``.
    """
    cpn = np.asarray(coupon, dtype=np.float64)
    n = np.asarray(whole_years, dtype=np.int64)
    z = np.asarray(months, dtype=np.int64)
    h = 1.0 + notional_coupon / 2.0
    long_stub = z >= 7
    v = np.where(long_stub, z - 6, z)
    a = h ** (-v / 6.0)
    b = cpn / 2.0 * (6 - v) / 6.0
    c = h ** (-(2 * n + long_stub.astype(np.int64)).astype(np.float64))
    d = cpn / notional_coupon * (1.0 - c)
    return a * (cpn / 2.0 + c + d) - b


def conversion_factor(
    code: str,
    year: npt.ArrayLike,
    month: npt.ArrayLike,
    coupon: npt.ArrayLike,
    maturity: npt.ArrayLike,
    table: ContractTable | None = None,
    rounded: bool = True,
) -> FloatArray:
    """CME conversion factor of deliverable bonds for a contract month (vectorised).

    Parameters
    ----------
    code
        Contract code or alias (selects the month/quarter rounding and notional coupon).
    year, month
        Contract month(s), broadcast with the bonds.
    coupon
        Annual coupon, decimal.
    maturity
        Maturity (or first call) dates, day serials.
    table
        Contract table (default: the packaged CME table).
    rounded
        Round to 4 decimals (half up) as CME publishes it.

    Returns
    -------
    numpy.ndarray
        Conversion factor, price per 1 face.
    """
    spec = get_contract(code, table)
    first_day = from_ymd(year, month, 1)
    mat = np.asarray(maturity, dtype=np.int64)
    # Whole months from the 1st of the delivery month: the month-index difference, since any
    # maturity day-of-month is >= 1.
    fy, fm, _ = ymd(first_day)
    my, mm, _ = ymd(mat)
    total = (my - fy) * 12 + (mm - fm)
    if (total < 0).any():
        raise ValueError("maturity before the delivery month")
    n, z = total // 12, total % 12
    if spec.cf_rounding == "quarter":
        z = z - z % 3
    cf = cme_conversion_factor_from_term(coupon, n, z, spec.notional_coupon)
    return np.floor(cf * 1e4 + 0.5) / 1e4 if rounded else cf
