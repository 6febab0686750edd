"""Curves given directly as zero rates or discount factors, and the rate conventions to read them.

A desk often has a curve as points rather than instruments: zero rates (with a stated compounding
and day count) or discount factors, at dates or at tenors from the curve date. This module turns
such points into a :class:`models.curves.YieldCurve` (nodes on its ACT/365F time axis) and back,
and reports a curve at dates in any of those conventions (the ``curve`` command).

Conventions
-----------
The year fraction ``tau`` of a point is its day count from the curve date to the point's date
(``ACT/365F`` = days/365, ``ACT/360`` = days/360, ``30/360`` = US bond basis / 360). A zero rate
``z`` gives the discount factor

* ``continuous``: ``exp(-z tau)``;
* ``annual`` / ``semiannual`` / ``quarterly`` / ``monthly`` (``m`` = 1, 2, 4, 12 a year):
  ``(1 + z/m)^(-m tau)``;
* ``simple``: ``1 / (1 + z tau)``.

The curve node then sits at ``t = days/365`` with that discount factor, so discount factors at the
input dates are reproduced exactly whatever the stated convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bootstrap import parse_tenor, tenor_maturity
from hedge_planner.models.curves import Interpolation, YieldCurve, _as_day
from hedge_planner.models.dates import add_months, is_end_of_month, to_days, to_iso
from hedge_planner.models.daycount import DayCount, days_30_360
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.units import DAYS_PER_YEAR

RateCompounding = Literal["continuous", "simple", "annual", "semiannual", "quarterly", "monthly"]
#: Compounding names a zero-rate input may state.
RATE_COMPOUNDINGS: tuple[str, ...] = get_args(RateCompounding)
_PER_YEAR = {"annual": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}
#: Day counts a zero-rate input may state (ACT/ACT needs coupon periods, which points lack).
POINT_DAY_COUNTS = (DayCount.ACT_365F, DayCount.ACT_360, DayCount.THIRTY_360)


def point_day_count(text: str) -> DayCount:
    """Parse the day count of curve points (ACT/365F, ACT/360 or 30/360); ``ValueError`` else."""
    code = DayCount.parse(text)
    if code not in POINT_DAY_COUNTS:
        allowed = ", ".join(c.label for c in POINT_DAY_COUNTS)
        raise ValueError(f"day count {text!r} cannot date curve points; use one of {allowed}")
    return code


def accrual_years(code: DayCount, start: npt.ArrayLike, end: npt.ArrayLike) -> FloatArray:
    """Year fractions from ``start`` to ``end`` (day serials) under a point day count."""
    s = np.asarray(start, dtype=np.int64)
    e = np.asarray(end, dtype=np.int64)
    if code == DayCount.ACT_360:
        return (e - s) / 360.0
    if code == DayCount.THIRTY_360:
        return np.asarray(days_30_360(s, e), dtype=np.float64) / 360.0
    if code == DayCount.ACT_365F:
        return (e - s) / DAYS_PER_YEAR
    raise AnalyticsError(f"day count {DayCount(code).label} cannot date curve points")


def discount_from_zero(z: npt.ArrayLike, tau: npt.ArrayLike, compounding: str) -> FloatArray:
    """Discount factors of zero rates ``z`` (decimal) over ``tau`` years (see module notes)."""
    zz = np.asarray(z, dtype=np.float64)
    tt = np.asarray(tau, dtype=np.float64)
    if compounding == "continuous":
        return np.exp(-zz * tt)
    if compounding == "simple":
        return 1.0 / (1.0 + zz * tt)
    if compounding in _PER_YEAR:
        m = _PER_YEAR[compounding]
        return np.exp(-m * tt * np.log1p(zz / m))
    raise AnalyticsError(
        f"unknown compounding {compounding!r}; expected one of {RATE_COMPOUNDINGS}"
    )


def zero_from_discount(df: npt.ArrayLike, tau: npt.ArrayLike, compounding: str) -> FloatArray:
    """Zero rates (decimal) of discount factors over ``tau > 0`` years (inverse of the above)."""
    d = np.asarray(df, dtype=np.float64)
    tt = np.asarray(tau, dtype=np.float64)
    if compounding == "continuous":
        return -np.log(d) / tt
    if compounding == "simple":
        return (1.0 / d - 1.0) / tt
    if compounding in _PER_YEAR:
        m = _PER_YEAR[compounding]
        return m * np.expm1(-np.log(d) / (m * tt))
    raise AnalyticsError(
        f"unknown compounding {compounding!r}; expected one of {RATE_COMPOUNDINGS}"
    )


def point_dates(anchor: Any, points: Sequence[Any]) -> IntArray:
    """Day serials of curve points given as dates or tenor labels (``"6m"``, ``"10y"``)."""
    start = _as_day(anchor)
    eom = bool(is_end_of_month(start))
    out = []
    for p in points:
        if isinstance(p, str):
            try:
                parse_tenor(p)
            except ValueError:
                try:
                    out.append(int(to_days(p)))  # not a tenor: an ISO date
                except ValueError:
                    raise AnalyticsError(
                        f"{p!r} is neither a date YYYY-MM-DD nor a tenor like 6m or 10y"
                    ) from None
            else:
                out.append(tenor_maturity(start, p, eom))
        else:
            out.append(int(to_days(p)))
    return np.array(out, dtype=np.int64)


def curve_from_points(
    anchor: Any,
    days: npt.ArrayLike,
    values: npt.ArrayLike,
    kind: Literal["zero_rate", "discount_factor"],
    compounding: str = "continuous",
    day_count: DayCount = DayCount.ACT_365F,
    interpolation: Interpolation = "log_linear_df",
) -> YieldCurve:
    """A curve whose nodes carry the given zero rates or discount factors.

    Parameters
    ----------
    anchor
        Curve date.
    days
        Point dates (day serials), strictly increasing and after ``anchor``.
    values
        Zero rates (decimal, under ``compounding`` and ``day_count``) or discount factors (> 0).
    kind
        ``"zero_rate"`` or ``"discount_factor"``.
    compounding, day_count
        Convention of the zero rates (ignored for discount factors).
    interpolation
        Curve interpolation between the nodes.

    Raises
    ------
    AnalyticsError
        Unsorted or duplicate dates, dates on or before the anchor, non-finite values,
        non-positive discount factors.
    """
    start = _as_day(anchor)
    d = np.asarray(days, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    if d.ndim != 1 or d.size == 0 or v.shape != d.shape:
        raise AnalyticsError("curve points need one value per date (at least one point)")
    if np.any(d <= start):
        raise AnalyticsError("curve point dates must be after the curve date")
    if np.any(np.diff(d) <= 0):
        raise AnalyticsError("curve point dates must be strictly increasing (sorted, no repeats)")
    if not np.all(np.isfinite(v)):
        raise AnalyticsError("curve point values must be finite numbers")
    if kind == "discount_factor":
        if np.any(v <= 0.0):
            raise AnalyticsError("discount factors must be positive")
        df = v
    else:
        df = discount_from_zero(v, accrual_years(day_count, start, d), compounding)
        if not np.all(np.isfinite(df) & (df > 0.0)):
            raise AnalyticsError("a zero rate gives no positive discount factor (rate too low)")
    return YieldCurve(start, (d - start) / DAYS_PER_YEAR, df, interpolation)


def par_rate_at(curve: YieldCurve, end: int, frequency: int, day_count: DayCount) -> float:
    """Par coupon (decimal a year) of a bullet from the curve date to ``end``.

    Coupon dates run backward from ``end`` every ``12 / frequency`` months (end-of-month rule as
    the curve date), leaving a short first period. Accruals: ``1 / frequency`` per regular period
    and the stub's share of its regular period for ACT/ACT; the day count's year fraction
    otherwise. ``par = (1 - DF(end)) / sum_i accrual_i DF(t_i)``.
    """
    anchor = int(curve.anchor)
    eom = bool(is_end_of_month(anchor))
    step = 12 // frequency
    ends = [int(end)]
    while True:
        prev = int(add_months(end, -step * len(ends), eom))
        if prev <= anchor:
            break
        ends.append(prev)
    ends_arr = np.array(ends[::-1], dtype=np.int64)
    starts = np.concatenate(([anchor], ends_arr[:-1]))
    if day_count == DayCount.ACT_ACT:
        regular_start = add_months(ends_arr, -step, eom)
        acc = (ends_arr - starts) / ((ends_arr - regular_start) * float(frequency))
    else:
        acc = accrual_years(day_count, starts, ends_arr)
    df = curve.discount_at(ends_arr)
    return float((1.0 - df[-1]) / np.sum(acc * df))


def curve_points(
    curve: YieldCurve,
    days: npt.ArrayLike,
    compounding: str,
    day_count: DayCount,
    par_frequency: int,
    par_day_count: DayCount,
) -> list[dict[str, Any]]:
    """Discount factors, zero, forward and par rates of ``curve`` at ``days`` (the ``curve`` view).

    Returns one record per date: ``date`` (ISO), ``time`` (years, ACT/365F), ``discount_factor``,
    ``zero_rate_continuous`` (ACT/365F), ``zero_rate`` (under ``compounding`` and ``day_count``),
    ``compounding``, ``day_count``, ``forward_rate_continuous`` (from the previous date, or the
    curve date, to this one), ``instantaneous_forward`` and ``par_rate`` (bullet to the date
    with ``par_frequency`` coupons a year under ``par_day_count``). Rates are decimals.
    """
    d = np.asarray(days, dtype=np.int64)
    anchor = int(curve.anchor)
    t = curve.time(d)
    df = curve.discount(t)
    zc = curve.zero_rate(t)
    z = zero_from_discount(df, accrual_years(day_count, anchor, d), compounding)
    prev_t = np.concatenate(([0.0], t[:-1]))
    fwd = -np.log(df / curve.discount(prev_t)) / (t - prev_t)
    inst = curve.instantaneous_forward(t)
    out = []
    for i, day in enumerate(d):
        out.append(
            {
                "date": to_iso([day])[0],
                "time": float(t[i]),
                "discount_factor": float(df[i]),
                "zero_rate_continuous": float(zc[i]),
                "zero_rate": float(z[i]),
                "compounding": compounding,
                "day_count": DayCount(day_count).label,
                "forward_rate_continuous": float(fwd[i]),
                "instantaneous_forward": float(inst[i]),
                "par_rate": par_rate_at(curve, int(day), par_frequency, par_day_count),
            }
        )
    return out
