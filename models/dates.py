"""Vectorised calendar arithmetic on day serials.

Dates travel through the analytics as ``int64`` day serials (days since 1970-01-01), so a whole
portfolio's schedule is built with numpy operations instead of per-bond Python loops. These helpers
convert to and from that representation and do the month arithmetic that coupon schedules need.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import BoolArray, IntArray
from hedge_planner.models.units import DAYS_PER_YEAR

#: Sentinel day serial meaning "no date" (e.g. a holding without an issue date).
NO_DATE: int = np.iinfo(np.int64).min


def to_days(values: Any) -> IntArray:
    """Convert dates to ``int64`` day serials (days since 1970-01-01).

    Parameters
    ----------
    values
        A ``datetime.date``, ISO ``YYYY-MM-DD`` string, ``numpy.datetime64`` or an iterable /
        array of these.

    Returns
    -------
    numpy.ndarray
        ``int64`` day serials with the input's shape (0-d for a scalar input).
    """
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.integer):
        return values.astype(np.int64)
    if isinstance(values, (_dt.date, str, np.datetime64)):
        return np.asarray(np.datetime64(values, "D").astype(np.int64))  # type: ignore[call-overload]
    if isinstance(values, Iterable):
        arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values)
        return arr.astype("datetime64[D]").astype(np.int64)
    raise TypeError(f"cannot interpret {values!r} as a date")


def to_date(day: int | np.integer) -> _dt.date:
    """Convert one day serial back to a ``datetime.date``."""
    return _dt.date(1970, 1, 1) + _dt.timedelta(days=int(day))


def to_iso(days: npt.ArrayLike) -> list[str]:
    """ISO strings for an array of day serials."""
    arr = np.asarray(days, dtype=np.int64)
    return [str(d) for d in arr.astype("datetime64[D]")]


def ymd(days: npt.ArrayLike) -> tuple[IntArray, IntArray, IntArray]:
    """Split day serials into year, month (1-12) and day-of-month arrays.

    Pure integer arithmetic on the proleptic Gregorian calendar (400-year eras of 146,097
    days), several times faster than going through ``datetime64`` unit conversions.
    """
    z = np.asarray(days, dtype=np.int64) + 719_468  # shift the epoch to 0000-03-01
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153  # month counted from March
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def from_ymd(year: npt.ArrayLike, month: npt.ArrayLike, day: npt.ArrayLike) -> IntArray:
    """Day serials from year, month and day arrays (no clipping: days must be valid)."""
    m = np.asarray(month, dtype=np.int64)
    y = np.asarray(year, dtype=np.int64) - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + np.asarray(day, dtype=np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def days_in_month(year: npt.ArrayLike, month: npt.ArrayLike) -> IntArray:
    """Number of days in the given month(s)."""
    y = np.asarray(year, dtype=np.int64)
    m = np.asarray(month, dtype=np.int64)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return _MONTH_DAYS[m - 1] + ((m == 2) & leap)


def is_end_of_month(days: npt.ArrayLike) -> BoolArray:
    """True where the date is the last calendar day of its month."""
    y, m, d = ymd(days)
    return d == days_in_month(y, m)


def add_months(days: npt.ArrayLike, months: npt.ArrayLike, eom: npt.ArrayLike = False) -> IntArray:
    """Shift dates by whole months, clipping the day to the target month's length.

    Parameters
    ----------
    days
        Day serials of the anchor dates.
    months
        Months to add (negative to go back); broadcast against ``days``.
    eom
        End-of-month rule: where true and the anchor is the last day of its month, the result is
        the last day of the target month (a 30-Nov maturity pays on 31-May, not 30-May).

    Returns
    -------
    numpy.ndarray
        Shifted day serials, broadcast shape of the inputs.

    Notes
    -----
    Each result is computed from the anchor, never by repeated stepping, so schedules do not drift
    (31-Aug minus 6 months is 28/29-Feb; minus 12 months is 31-Aug again).
    """
    y, m, d = ymd(days)
    anchor_eom = np.asarray(eom, dtype=bool) & (d == days_in_month(y, m))
    return shift_months(y, m, d, anchor_eom, months)


def shift_months(
    year: IntArray,
    month: IntArray,
    day: IntArray,
    to_month_end: npt.ArrayLike,
    months: npt.ArrayLike,
) -> IntArray:
    """:func:`add_months` on pre-split anchors (year, month, day) for hot loops.

    ``to_month_end`` marks anchors whose results snap to the target month's last day (the
    end-of-month rule already resolved). Splitting each anchor once and indexing the parts is
    much cheaper than splitting one copy of the anchor per generated date.
    """
    mi = year * 12 + (month - 1) + np.asarray(months, dtype=np.int64)
    ty, tm = mi // 12, mi % 12 + 1
    length = days_in_month(ty, tm)
    target_day = np.where(to_month_end, length, np.minimum(day, length))
    return from_ymd(ty, tm, target_day)


def months_between(start: npt.ArrayLike, end: npt.ArrayLike) -> IntArray:
    """Whole calendar months from ``start`` to ``end`` counted by month index (day ignored)."""
    y1, m1, _ = ymd(start)
    y2, m2, _ = ymd(end)
    return (y2 - y1) * 12 + (m2 - m1)


def year_fraction_act365(start: npt.ArrayLike, end: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """ACT/365F year fraction: the time axis used by every curve in this package."""
    return (np.asarray(end, dtype=np.int64) - np.asarray(start, dtype=np.int64)) / DAYS_PER_YEAR
