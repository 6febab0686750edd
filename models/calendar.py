"""US government securities business-day calendar, vectorised over day serials.

The calendar follows the SIFMA recommendation for full-day closes of the US bond market, built
from rules rather than a hand-typed list so it extends to any year:

=====================  ==========================================================================
holiday                rule (observance)
=====================  ==========================================================================
New Year's Day         1 Jan; Sunday -> Monday 2 Jan. Saturday -> *not* moved to Friday 31 Dec
                       (SIFMA keeps the year-end trading day open).
Martin Luther King Jr  third Monday of January (from 1983)
Presidents' Day        third Monday of February (Washington's Birthday)
Good Friday            Friday before Easter Sunday (Gregorian computus). From
                       :data:`GOOD_FRIDAY_PAYROLLS_FROM` on, a Good Friday that is the first
                       Friday of April (1-7 Apr) is the monthly payrolls release day; SIFMA then
                       recommends an early close only, so it is a business day here.
Memorial Day           last Monday of May
Juneteenth             19 Jun, from 2022; Saturday -> Friday, Sunday -> Monday
Independence Day       4 Jul; Saturday -> Friday, Sunday -> Monday
Labor Day              first Monday of September
Columbus Day           second Monday of October
Veterans Day           11 Nov; Sunday -> Monday. Saturday -> *not* moved (SIFMA keeps Friday open).
Thanksgiving           fourth Thursday of November
Christmas Day          25 Dec; Saturday -> Friday, Sunday -> Monday
=====================  ==========================================================================

Plus the one-off full closes in :data:`SPECIAL_CLOSURES` (national days of mourning, Hurricane
Sandy). Early closes (e.g. the day before Independence Day) are business days here: this calendar
answers "is settlement possible that day", not "what are the trading hours".

Simplifications
---------------
* Good Friday: SIFMA decides year by year; the "first Friday of April => early close" rule
  reproduces its decisions (1996, 1999, 2007, 2010, 2012, 2015, 2021, 2023) but is a forecast for
  later years (payrolls are occasionally released on another Friday).
* One-off closures must be added to :data:`SPECIAL_CLOSURES` as they are announced.
* Supported range is 1978-2199 (holidays are precomputed once for that span). Earlier years
  followed other rules (pre-1971 fixed-date holidays, Veterans Day on a Monday in 1971-1977), so
  they are rejected rather than answered wrongly.

All date arguments are ``int64`` day serials (days since 1970-01-01, see :mod:`models.dates`);
weekday arithmetic uses the fact that 1970-01-01 was a Thursday.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import BoolArray
from hedge_planner.models.dates import IntArray, days_in_month, from_ymd, to_days, ymd

#: First and last calendar year for which holidays are generated.
FIRST_YEAR: int = 1978
LAST_YEAR: int = 2199

#: First year in which a payrolls-day Good Friday (1-7 April) is an early close, not a full close.
GOOD_FRIDAY_PAYROLLS_FROM: int = 1996

#: One-off full-day closes recommended by SIFMA (ISO dates).
SPECIAL_CLOSURES: tuple[str, ...] = (
    "2004-06-11",  # national day of mourning, President Reagan
    "2007-01-02",  # national day of mourning, President Ford
    "2012-10-30",  # Hurricane Sandy
    "2018-12-05",  # national day of mourning, President G.H.W. Bush
)

_MONDAY, _THURSDAY, _FRIDAY, _SATURDAY, _SUNDAY = 0, 3, 4, 5, 6


def weekday(days: npt.ArrayLike) -> IntArray:
    """Weekday of day serials, Monday = 0 ... Sunday = 6."""
    # 1970-01-01 (serial 0) was a Thursday (= 3).
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def _nth_weekday(years: IntArray, month: int, wd: int, n: int) -> IntArray:
    """Day serial of the ``n``-th given weekday (Monday = 0) in ``month`` of each year."""
    first = from_ymd(years, month, 1)
    return first + (wd - weekday(first)) % 7 + 7 * (n - 1)


def _last_weekday(years: IntArray, month: int, wd: int) -> IntArray:
    """Day serial of the last given weekday in ``month`` of each year."""
    last = from_ymd(years, month, days_in_month(years, month))
    return last - (weekday(last) - wd) % 7


def _observed(days: IntArray, saturday_to_friday: bool = True) -> IntArray:
    """Apply the weekend observance rule: Sunday -> Monday, Saturday -> Friday (if allowed)."""
    wd = weekday(days)
    out = np.where(wd == _SUNDAY, days + 1, days)
    if saturday_to_friday:
        out = np.where(wd == _SATURDAY, days - 1, out)
    return out


def easter_sunday(years: npt.ArrayLike) -> IntArray:
    """Gregorian Easter Sunday for each year (anonymous Gregorian computus), as day serials."""
    y = np.asarray(years, dtype=np.int64)
    a = y % 19
    b, c = y // 100, y % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return from_ymd(y, month, day)


def holidays_for_years(years: npt.ArrayLike) -> IntArray:
    """All weekday full-close holidays of the given years, sorted unique day serials.

    Parameters
    ----------
    years
        Calendar years (integers).

    Returns
    -------
    numpy.ndarray
        Sorted ``int64`` day serials; observed dates that land on a weekend are dropped.
    """
    y = np.atleast_1d(np.asarray(years, dtype=np.int64))
    parts = [
        _observed(from_ymd(y, 1, 1), saturday_to_friday=False),  # New Year
        _nth_weekday(y[y >= 1983], 1, _MONDAY, 3),  # MLK Day (applied from 1983, as QuantLib)
        _nth_weekday(y, 2, _MONDAY, 3),  # Presidents' Day
        _last_weekday(y, 5, _MONDAY),  # Memorial Day
        _observed(from_ymd(y[y >= 2022], 6, 19)),  # Juneteenth
        _observed(from_ymd(y, 7, 4)),  # Independence Day
        _nth_weekday(y, 9, _MONDAY, 1),  # Labor Day
        _nth_weekday(y, 10, _MONDAY, 2),  # Columbus Day
        _observed(from_ymd(y, 11, 11), saturday_to_friday=False),  # Veterans Day
        _nth_weekday(y, 11, _THURSDAY, 4),  # Thanksgiving
        _observed(from_ymd(y, 12, 25)),  # Christmas
    ]
    good_friday = easter_sunday(y) - 2
    _, gf_month, gf_day = ymd(good_friday)
    payrolls_day = (y >= GOOD_FRIDAY_PAYROLLS_FROM) & (gf_month == 4) & (gf_day <= 7)
    parts.append(good_friday[~payrolls_day])
    special = to_days(list(SPECIAL_CLOSURES))
    sy = special.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    parts.append(special[np.isin(sy, y)])
    out = np.unique(np.concatenate(parts))
    return out[weekday(out) < _SATURDAY]


@lru_cache(maxsize=1)
def _busdaycal() -> np.busdaycalendar:
    """numpy business-day calendar covering FIRST_YEAR..LAST_YEAR (built once)."""
    hol = holidays_for_years(np.arange(FIRST_YEAR, LAST_YEAR + 1))
    return np.busdaycalendar(weekmask="1111100", holidays=hol.astype("datetime64[D]"))


_LO = int(from_ymd(FIRST_YEAR, 1, 1))
_HI = int(from_ymd(LAST_YEAR, 12, 31))


def _check_range(days: IntArray) -> None:
    """Reject dates outside the precomputed holiday span (silently wrong answers otherwise)."""
    if days.size and (days.min() < _LO or days.max() > _HI):
        raise ValueError(f"calendar supports {FIRST_YEAR}-01-01 .. {LAST_YEAR}-12-31 only")


def is_business_day(days: npt.ArrayLike) -> BoolArray:
    """True where the day serial is a US government bond market business day.

    Parameters
    ----------
    days
        ``int64`` day serials (any shape).

    Returns
    -------
    numpy.ndarray
        Boolean array, same shape.
    """
    d = np.asarray(days, dtype=np.int64)
    _check_range(d)
    return np.is_busday(d.astype("datetime64[D]"), busdaycal=_busdaycal())


def adjust(days: npt.ArrayLike, convention: str = "following") -> IntArray:
    """Roll non-business days: ``"following"``, ``"preceding"`` or ``"modified_following"``.

    Returns ``int64`` day serials with the input's shape.
    """
    d = np.asarray(days, dtype=np.int64)
    _check_range(d)
    dt = d.astype("datetime64[D]")
    cal = _busdaycal()
    fwd = np.busday_offset(dt, 0, roll="forward", busdaycal=cal).astype(np.int64)
    if convention == "following":
        return fwd
    bwd = np.busday_offset(dt, 0, roll="backward", busdaycal=cal).astype(np.int64)
    if convention == "preceding":
        return bwd
    if convention == "modified_following":
        same_month = dt.astype("datetime64[M]") == fwd.astype("datetime64[D]").astype(
            "datetime64[M]"
        )
        return np.where(same_month, fwd, bwd)
    raise ValueError(f"unknown business-day convention {convention!r}")


def add_business_days(days: npt.ArrayLike, n: npt.ArrayLike) -> IntArray:
    """Move each date by ``n`` business days (broadcast), counting like a trader's calendar.

    Parameters
    ----------
    days
        Start dates, ``int64`` day serials.
    n
        Business days to move; negative goes back. From a non-business day, ``+1`` is the next
        business day and ``-1`` the previous one (as QuantLib's ``Calendar.advance``); ``0``
        rolls a non-business day forward to the next business day.

    Returns
    -------
    numpy.ndarray
        ``int64`` day serials, broadcast shape of the inputs.
    """
    d, k = np.broadcast_arrays(np.asarray(days, dtype=np.int64), np.asarray(n, dtype=np.int64))
    _check_range(d)
    dt = d.astype("datetime64[D]")
    cal = _busdaycal()
    # numpy rolls first, then counts: roll backward for forward moves (so the next business day
    # is +1) and forward for backward moves (so the previous business day is -1).
    ahead = np.busday_offset(dt, np.maximum(k, 0), roll="backward", busdaycal=cal)
    back = np.busday_offset(dt, np.minimum(k, 0), roll="forward", busdaycal=cal)
    ahead = np.where(k == 0, np.busday_offset(dt, 0, roll="forward", busdaycal=cal), ahead)
    return np.where(k < 0, back, ahead).astype(np.int64)


def first_business_day_of_month(year: npt.ArrayLike, month: npt.ArrayLike) -> IntArray:
    """First business day of each (year, month), as ``int64`` day serials."""
    return adjust(from_ymd(year, month, 1), "following")


def last_business_day_of_month(year: npt.ArrayLike, month: npt.ArrayLike) -> IntArray:
    """Last business day of each (year, month), as ``int64`` day serials."""
    y = np.asarray(year, dtype=np.int64)
    m = np.asarray(month, dtype=np.int64)
    return adjust(from_ymd(y, m, days_in_month(y, m)), "preceding")


def business_days_between(start: npt.ArrayLike, end: npt.ArrayLike) -> IntArray:
    """Business days in ``[start, end)`` (negative if ``end < start``), ``int64`` counts."""
    s = np.asarray(start, dtype=np.int64)
    e = np.asarray(end, dtype=np.int64)
    _check_range(s)
    _check_range(e)
    return np.busday_count(
        s.astype("datetime64[D]"), e.astype("datetime64[D]"), busdaycal=_busdaycal()
    ).astype(np.int64)
