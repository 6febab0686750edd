"""Bootstrapping discount curves from par quotes: US Treasury par yields and SOFR OIS par rates.

Both bootstraps put one node at each instrument's final payment date and solve the nodes so every
input instrument reprices exactly (residual below 1e-12 per unit face, far inside the 1e-10 the
package promises). Local interpolations (``log_linear_df``, ``linear_zero``) are solved node by
node with a bracketed 1-D root search, intermediate cash flows taking their discount factors from
the curve's own interpolation; the non-local ``monotone_cubic_zero`` (adding a node moves the
previous node's slope) is then polished by a global Newton iteration on all node zero rates.

Dates are unadjusted calendar dates (no business-day calendar): the curve is a model of the quoted
par curve, and keeping it calendar-free makes it reproducible and independent of holiday data.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.curves import INTERPOLATIONS, Interpolation, YieldCurve, _as_day
from hedge_planner.models.dates import add_months, is_end_of_month
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.roots import brent_root
from hedge_planner.models.units import DAYS_PER_YEAR

#: Largest tenor (months) priced as a Treasury bill; longer tenors are semiannual par bonds.
BILL_MAX_MONTHS = 6
#: Residual (price per unit face) the bootstrap guarantees for every input instrument.
REPRICE_TOLERANCE = 1e-12

_TENOR_RE = re.compile(r"^\s*(\d+)\s*(d|w|wk|m|mo|y|yr)s?\s*$", re.IGNORECASE)
_UNITS = {"d": "d", "w": "w", "wk": "w", "m": "m", "mo": "m", "y": "y", "yr": "y"}


# --------------------------------------------------------------------------------------------
# tenor labels
# --------------------------------------------------------------------------------------------
def parse_tenor(label: str) -> tuple[int, str]:
    """Split a tenor label into ``(count, unit)`` with unit ``"d"``, ``"w"``, ``"m"`` or ``"y"``.

    Accepts e.g. ``"1w"``, ``"6m"``, ``"30Y"``, ``"1 Mo"``, ``"10 Yr"`` (case and spaces ignored).
    Raises :class:`AnalyticsError` (a ``ValueError``) for anything else, including zero-length
    tenors.
    """
    if not isinstance(label, str):
        raise AnalyticsError(f"tenor label must be a string, got {label!r}")
    m = _TENOR_RE.match(label)
    if m is None or int(m.group(1)) <= 0:
        raise AnalyticsError(
            f"unknown tenor label {label!r}; expected a positive count and unit d/w/m/y "
            "(e.g. '1w', '6m', '30y')"
        )
    return int(m.group(1)), _UNITS[m.group(2).lower()]


def tenor_to_months(label: str) -> int:
    """Whole months of a month/year tenor label (``"6m"`` -> 6, ``"2y"`` -> 24).

    Raises :class:`AnalyticsError` (a ``ValueError``) for day/week labels, which are not whole
    months.
    """
    n, unit = parse_tenor(label)
    if unit == "m":
        return n
    if unit == "y":
        return 12 * n
    raise AnalyticsError(f"tenor {label!r} is not a whole number of months")


def tenor_years(label: str) -> float:
    """Nominal tenor length in years: ``"6m"`` -> 0.5, ``"2y"`` -> 2, ``"1w"`` -> 7/365.

    Day and week tenors use the ACT/365F axis; months are twelfths of a year (nominal, not the
    actual day count of a dated schedule).
    """
    n, unit = parse_tenor(label)
    return {"d": n / DAYS_PER_YEAR, "w": 7.0 * n / DAYS_PER_YEAR, "m": n / 12.0, "y": float(n)}[
        unit
    ]


def key_tenor(label: str) -> tuple[str, float]:
    """Canonical label and years of a key tenor: a positive whole number of months or years.

    The grammar is :func:`parse_tenor`'s, so curves, key tenors, scenarios and covariance accept
    the same spellings: ``"10y"``, ``"10Y"`` and ``"10 Yr"`` -> ``("10y", 10.0)``; ``"6m"`` and
    ``"6 Mo"`` -> ``("6m", 0.5)``. Day and week tenors are not key tenors.

    Raises
    ------
    AnalyticsError
        For any other label (the message names it).
    """
    try:
        count, unit = parse_tenor(label)
    except AnalyticsError:
        count, unit = 0, ""
    if unit not in ("m", "y"):
        raise AnalyticsError(
            f"unknown tenor label {label!r}; expected a positive number of months or years "
            "(e.g. '6m', '2y', '10 Yr')"
        )
    return f"{count}{unit}", count / 12.0 if unit == "m" else float(count)


def tenor_label(years: float) -> str:
    """Label for a tenor in years: whole years -> ``"<n>y"``, else whole months -> ``"<n>m"``.

    Raises
    ------
    AnalyticsError
        If ``years`` is not a positive whole number of months (e.g. 0.3).
    """
    months = float(years) * 12.0
    if not math.isfinite(months):
        raise AnalyticsError(f"tenor {years!r} years is not a positive whole number of months")
    whole = round(months)
    if whole <= 0 or abs(months - whole) > 1e-9:
        raise AnalyticsError(f"tenor {years!r} years is not a positive whole number of months")
    return f"{whole // 12}y" if whole % 12 == 0 else f"{whole}m"


def tenor_maturity(anchor: Any, label: str, eom: bool = False) -> int:
    """Unadjusted maturity date (day serial) of ``label`` from ``anchor``.

    Days and weeks add calendar days; months and years use :func:`models.dates.add_months` (day
    clipped to the target month; with ``eom`` a month-end anchor maps to month end).
    """
    start = _as_day(anchor)
    n, unit = parse_tenor(label)
    if unit in ("d", "w"):
        return start + n * (7 if unit == "w" else 1)
    return int(add_months(start, tenor_to_months(label), eom))


def _months_or_none(label: str) -> int | None:
    _, unit = parse_tenor(label)
    return None if unit in ("d", "w") else tenor_to_months(label)


# --------------------------------------------------------------------------------------------
# instrument schedules (cash flows per unit face; an instrument is at par when sum a_i DF_i = 1)
# --------------------------------------------------------------------------------------------
def _clean_quotes(
    tenors: Sequence[str], quotes: npt.ArrayLike, anchor: int, eom: bool
) -> tuple[list[str], FloatArray]:
    """Validate labels and quotes; drop NaN quotes; require strictly increasing maturities."""
    labels = list(tenors)
    q = np.asarray(quotes, dtype=np.float64)
    if q.ndim != 1 or q.size != len(labels):
        raise AnalyticsError("tenors and quotes must be 1-D sequences of the same length")
    maturities = np.array([tenor_maturity(anchor, lab, eom) for lab in labels], dtype=np.int64)
    if np.any(np.diff(maturities) <= 0):
        raise AnalyticsError(f"tenors must be strictly increasing in maturity, got {labels}")
    if np.any(np.isinf(q)):
        raise AnalyticsError("quotes must be finite (NaN marks a missing tenor; inf is invalid)")
    keep = ~np.isnan(q)
    if not np.any(keep):
        raise AnalyticsError("no quotes to bootstrap (all NaN)")
    return [lab for lab, k in zip(labels, keep, strict=True) if k], q[keep]


def treasury_schedule(anchor: Any, label: str) -> tuple[IntArray, bool]:
    """Payment dates of the Treasury par instrument for ``label`` and whether it is a bill.

    Returns
    -------
    (numpy.ndarray, bool)
        Ascending unadjusted payment day serials (the last is maturity) and ``True`` for a bill.
        See :func:`bootstrap_treasury_par` for the convention.
    """
    dates, is_bill = _treasury_schedule(_as_day(anchor), label)
    return dates.copy(), is_bill


# Par KRDs bootstrap the curve again for every shifted key: the instruments' dates do not move
# with the quotes, so each (anchor, tenor) schedule is built once per process (bounded).
@functools.lru_cache(maxsize=4096)
def _treasury_schedule(start: int, label: str) -> tuple[IntArray, bool]:
    eom = bool(is_end_of_month(start))
    months = _months_or_none(label)
    if months is None or months <= BILL_MAX_MONTHS:
        return np.array([tenor_maturity(start, label, eom)], dtype=np.int64), True
    if months % 12 != 0:
        raise AnalyticsError(
            f"Treasury tenor {label!r}: coupon tenors must be whole years (bills are <= 6m)"
        )
    maturity = add_months(start, months, eom)
    # Backward from maturity, each date computed from maturity (no drift); with the EOM flag taken
    # from the anchor, maturity - tenor lands back on the anchor, so the first period is regular.
    k = np.arange(months // 6 - 1, -1, -1)
    return add_months(maturity, -6 * k, eom), False


def ois_schedule(anchor: Any, label: str) -> tuple[IntArray, IntArray]:
    """Fixed-leg accrual start and payment dates of the SOFR OIS for ``label``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Accrual start and end (= payment) day serials, ascending. See
        :func:`bootstrap_sofr_ois` for the convention.
    """
    starts, ends = _ois_schedule(_as_day(anchor), label)
    return starts.copy(), ends.copy()


@functools.lru_cache(maxsize=4096)
def _ois_schedule(start: int, label: str) -> tuple[IntArray, IntArray]:
    """:func:`ois_schedule` of a day serial (cached as :func:`_treasury_schedule`)."""
    eom = bool(is_end_of_month(start))
    maturity = tenor_maturity(start, label, eom)
    months = _months_or_none(label)
    if months is None or months < 12:
        ends = np.array([maturity], dtype=np.int64)
    else:
        # Annual periods generated backward from maturity; a broken tenor (e.g. 18m) leaves a
        # short stub at the front, as in a standard backward-generated swap schedule.
        k = np.arange(months // 12 - (1 if months % 12 == 0 else 0), -1, -1)
        ends = add_months(maturity, -12 * k, eom)
    starts = np.concatenate(([start], ends[:-1])).astype(np.int64)
    return starts, ends


# --------------------------------------------------------------------------------------------
# the solver
# --------------------------------------------------------------------------------------------
def _curve(anchor: int, t: FloatArray, z: FloatArray, interp: Interpolation) -> YieldCurve:
    return YieldCurve(anchor, t, np.exp(-z * t), interp)


def _residuals(curve: YieldCurve, times: FloatArray, amounts: FloatArray) -> FloatArray:
    """PV minus par (per unit face) of every padded instrument row."""
    return np.sum(amounts * curve.discount(times), axis=1) - 1.0


#: Curves already bootstrapped, by their exact instruments (curves are immutable). Par KRDs
#: bootstrap the same market's curve again for every shifted key (2 per key and one parallel
#: pair); the service's desk calls measure many books on one market, so each bumped curve is
#: solved once per process. Bounded; least recently used dropped first.
_CURVES: OrderedDict[tuple[Any, ...], YieldCurve] = OrderedDict()
_CURVES_MAX = 512
_CURVES_LOCK = threading.Lock()


def _local_residual(
    anchor: int,
    node_t: FloatArray,
    z: FloatArray,
    k: int,
    times: FloatArray,
    amounts: FloatArray,
    interpolation: Interpolation,
) -> Callable[[float], float]:
    """PV minus par of instrument ``k`` as a function of its node's zero rate ``z_k``.

    For the local interpolations a flow on or before node ``k - 1`` does not depend on ``z_k``:
    its ``ln DF`` is evaluated once, and only the flows in the last segment ``(t_{k-1}, t_k]`` are
    re-evaluated per trial, with the very operations of :meth:`YieldCurve._base_eval` on that
    segment. No curve object is built per trial, and every residual is bit-for-bit the one of
    the curve built with the trial node (so the root search takes the same steps).
    """
    # Any trial value gives the fixed part: it only reads the nodes before k.
    probe = _curve(anchor, node_t[: k + 1], np.append(z[:k], 0.0), interpolation)
    lndf_all, _ = probe._eval(times)
    t0 = probe._grid[k]
    fixed = times <= t0
    last = ~fixed
    t_seg = times[last]
    t_k = node_t[k]
    h = t_k - t0
    dt = t_seg - t0
    lndf_prev = probe._lndf[k]
    zero_prev = probe._zeros[k]
    lndf_row = lndf_all.copy()

    def resid(zk: float) -> float:
        # The node as YieldCurve stores it: ln of the discount factor exp(-z t).
        lndf_k = np.log(np.exp(-np.float64(zk) * t_k))
        if interpolation == "log_linear_df":
            lndf_row[last] = lndf_prev + (lndf_k - lndf_prev) / h * dt
        else:  # linear_zero; before the first node the zero is flat (zeros[0] = zeros[1])
            zero_k = -lndf_k / t_k
            z0 = zero_k if k == 0 else zero_prev
            lndf_row[last] = -(z0 + (zero_k - z0) / h * dt) * t_seg
        return float(amounts @ np.exp(lndf_row) - 1.0)

    return resid


def _bootstrap(
    anchor: int,
    pay_days: list[IntArray],
    amounts: list[FloatArray],
    labels: list[str],
    interpolation: Interpolation,
) -> YieldCurve:
    key = (
        anchor,
        interpolation,
        tuple(labels),
        tuple(np.asarray(d, dtype=np.int64).tobytes() for d in pay_days),
        tuple(np.asarray(a, dtype=np.float64).tobytes() for a in amounts),
    )
    with _CURVES_LOCK:
        cached = _CURVES.get(key)
        if cached is not None:
            _CURVES.move_to_end(key)
            return cached
    curve = _solve_bootstrap(anchor, pay_days, amounts, labels, interpolation)
    with _CURVES_LOCK:
        _CURVES[key] = curve
        if len(_CURVES) > _CURVES_MAX:
            _CURVES.popitem(last=False)
    return curve


def _solve_bootstrap(
    anchor: int,
    pay_days: list[IntArray],
    amounts: list[FloatArray],
    labels: list[str],
    interpolation: Interpolation,
) -> YieldCurve:
    if interpolation not in INTERPOLATIONS:
        raise AnalyticsError(
            f"unknown interpolation {interpolation!r}; expected one of {INTERPOLATIONS}"
        )
    n = len(pay_days)
    width = max(p.size for p in pay_days)
    # Padded (n, width) cash-flow grid: padding pays 0 at t = 0, so whole-strip PVs are one call.
    times = np.zeros((n, width))
    amts = np.zeros((n, width))
    for i, (p, a) in enumerate(zip(pay_days, amounts, strict=True)):
        times[i, : p.size] = (p - anchor) / DAYS_PER_YEAR
        amts[i, : a.size] = a
    node_t = np.array([(p[-1] - anchor) / DAYS_PER_YEAR for p in pay_days])

    z = np.zeros(n)
    for k in range(n):
        resid: Callable[[float], float]
        if interpolation == "monotone_cubic_zero":
            # Non-local: a trial node moves the previous segments' slopes, so rebuild the curve.
            def resid(zk: float, k: int = k) -> float:
                trial = z[: k + 1].copy()
                trial[k] = zk
                curve = _curve(anchor, node_t[: k + 1], trial, interpolation)
                return float(amts[k] @ curve.discount(times[k]) - 1.0)

        else:
            resid = _local_residual(anchor, node_t, z, k, times[k], amts[k], interpolation)
        lo, hi = -0.5, 1.0
        f_lo, f_hi = resid(lo), resid(hi)
        while f_lo * f_hi > 0.0 and hi < 20.0:
            lo, hi = lo - 0.5, hi * 2.0
            f_lo, f_hi = resid(lo), resid(hi)
        if f_lo * f_hi > 0.0:
            raise AnalyticsError(f"cannot bootstrap {labels[k]!r}: no discount factor reprices it")
        z[k] = brent_root(resid, lo, hi, xtol=1e-15, rtol=4.0 * np.finfo(float).eps)

    if interpolation == "monotone_cubic_zero":
        z = _newton_polish(anchor, node_t, z, times, amts, interpolation)

    curve = _curve(anchor, node_t, z, interpolation)
    worst = np.max(np.abs(_residuals(curve, times, amts)))
    if not worst <= REPRICE_TOLERANCE:
        raise RuntimeError(f"bootstrap failed to reprice inputs (max residual {worst:.3e})")
    return curve


def _newton_polish(
    anchor: int,
    node_t: FloatArray,
    z: FloatArray,
    times: FloatArray,
    amts: FloatArray,
    interpolation: Interpolation,
) -> FloatArray:
    """Global Newton on all node zeros (central-difference Jacobian) for non-local splines."""
    z = z.copy()
    h = 1e-7
    eye = np.eye(z.size)
    for _ in range(50):
        r = _residuals(_curve(anchor, node_t, z, interpolation), times, amts)
        if np.max(np.abs(r)) < 1e-15:
            break
        jac = np.empty((z.size, z.size))
        for j in range(z.size):
            up = _residuals(_curve(anchor, node_t, z + h * eye[j], interpolation), times, amts)
            dn = _residuals(_curve(anchor, node_t, z - h * eye[j], interpolation), times, amts)
            jac[:, j] = (up - dn) / (2.0 * h)
        step = np.linalg.solve(jac, r)
        z -= step
        if np.max(np.abs(step)) < 1e-16:
            break
    return z


# --------------------------------------------------------------------------------------------
# public bootstraps
# --------------------------------------------------------------------------------------------
def bootstrap_treasury_par(
    anchor: Any,
    tenors: Sequence[str],
    par_yields: npt.ArrayLike,
    interpolation: Interpolation = "log_linear_df",
) -> YieldCurve:
    """Bootstrap a discount curve from the US Treasury daily par yield curve.

    Parameters
    ----------
    anchor
        Curve date = settlement date (day serial, ``datetime.date`` or ISO string).
    tenors
        Tenor labels, strictly increasing, e.g. ``"1m" ... "6m", "1y", "2y", ..., "30y"``
        (``"1 Mo"`` / ``"10 Yr"`` spellings and ``"6w"`` are accepted).
    par_yields
        Par yields, **decimal**, bond-equivalent (semiannual for coupon tenors). ``NaN`` marks a
        missing tenor, which is skipped.
    interpolation
        Curve interpolation, see :class:`models.curves.YieldCurve`.

    Returns
    -------
    YieldCurve
        One node per (non-missing) tenor at the instrument's maturity date.

    Notes
    -----
    Convention (all dates unadjusted; ``eom`` = the anchor is the last day of its month):

    * **Bills** (tenors up to 6m, and day/week tenors): one payment at
      ``maturity = add_months(anchor, months, eom)`` (days/weeks: anchor + days) with
      ``DF(maturity) = 1 / (1 + y * d / 365)``, ``d`` = actual days to maturity.
    * **Coupon tenors** (whole years, 1y included): a par bond settling on the anchor, maturity
      ``add_months(anchor, 12 n, eom)``, semiannual coupons of ``y / 2`` per unit face on dates
      ``add_months(maturity, -6 k, eom)``, ``k = 0 .. 2n - 1`` (backward from maturity with the
      end-of-month rule). With this EOM flag the schedule starts exactly on the anchor, so the
      first period is regular, accrued interest is zero and dirty = clean = 100:
      ``sum_i (y / 2) DF(t_i) + DF(t_2n) = 1``. The 1y point is treated as such a two-coupon
      semiannual par bond (the Treasury quotes it on a bond-equivalent basis).
    * Cash-flow times are ``(date - anchor) / 365`` (the curve's ACT/365F axis).
    """
    start = _as_day(anchor)
    eom = bool(is_end_of_month(start))
    labels, yields = _clean_quotes(tenors, par_yields, start, eom)
    pays: list[IntArray] = []
    amounts: list[FloatArray] = []
    for label, y in zip(labels, yields, strict=True):
        dates, is_bill = treasury_schedule(start, label)
        if is_bill:
            amounts.append(np.array([1.0 + y * (dates[0] - start) / DAYS_PER_YEAR]))
        else:
            a = np.full(dates.size, y / 2.0)
            a[-1] += 1.0
            amounts.append(a)
        pays.append(dates)
    return _bootstrap(start, pays, amounts, labels, interpolation)


def bootstrap_sofr_ois(
    anchor: Any,
    tenors: Sequence[str],
    par_rates: npt.ArrayLike,
    interpolation: Interpolation = "log_linear_df",
) -> YieldCurve:
    """Bootstrap a single (discounting = forecasting) SOFR curve from OIS par swap rates.

    Parameters
    ----------
    anchor
        Curve date = swap start date (day serial, ``datetime.date`` or ISO string).
    tenors
        Tenor labels, strictly increasing, e.g. ``"1w", "1m", "3m", "6m", "1y", "18m", "2y",
        ..., "50y"``.
    par_rates
        Par fixed rates, **decimal**, annual ACT/360. ``NaN`` marks a missing tenor (skipped).
    interpolation
        Curve interpolation, see :class:`models.curves.YieldCurve`.

    Returns
    -------
    YieldCurve
        One node per (non-missing) tenor at the swap's maturity date.

    Notes
    -----
    Simplifications, documented on purpose: the swap starts on the anchor (no T+2 spot lag), dates
    are unadjusted (no SOFR business-day calendar) and the payment lag is 0. Fixed leg: tenors
    under 1y pay once at maturity; longer tenors pay annually on dates generated backward from the
    maturity ``add_months(anchor, months, eom)`` (front stub for broken tenors), accruals
    ACT/360. On a single curve the compounded-SOFR floating leg is worth ``1 - DF(T)`` per unit
    notional, so the par condition is ``r * sum_i tau_i DF(t_i) + DF(T) = 1``.
    """
    start = _as_day(anchor)
    eom = bool(is_end_of_month(start))
    labels, rates = _clean_quotes(tenors, par_rates, start, eom)
    pays: list[IntArray] = []
    amounts: list[FloatArray] = []
    for label, r in zip(labels, rates, strict=True):
        starts, ends = ois_schedule(start, label)
        a = r * (ends - starts) / 360.0
        a[-1] += 1.0
        pays.append(ends)
        amounts.append(a)
    return _bootstrap(start, pays, amounts, labels, interpolation)


# --------------------------------------------------------------------------------------------
# implied quotes (inverse of the bootstraps; useful for par-yield scenarios and reports)
# --------------------------------------------------------------------------------------------
def treasury_par_yields(curve: YieldCurve, tenors: Sequence[str]) -> FloatArray:
    """Par yields (decimal, bills simple ACT/365, bonds semiannual) implied by ``curve``.

    Uses exactly the instruments of :func:`bootstrap_treasury_par` from ``curve.anchor``.
    """
    out = np.empty(len(tenors))
    for i, label in enumerate(tenors):
        dates, is_bill = treasury_schedule(curve.anchor, label)
        df = curve.discount_at(dates)
        if is_bill:
            out[i] = (1.0 / df[0] - 1.0) * DAYS_PER_YEAR / (dates[0] - curve.anchor)
        else:
            out[i] = 2.0 * (1.0 - df[-1]) / np.sum(df)
    return out


def sofr_ois_par_rates(curve: YieldCurve, tenors: Sequence[str]) -> FloatArray:
    """OIS par rates (decimal, annual ACT/360) implied by ``curve`` for ``tenors``.

    Uses exactly the instruments of :func:`bootstrap_sofr_ois` from ``curve.anchor``.
    """
    out = np.empty(len(tenors))
    for i, label in enumerate(tenors):
        starts, ends = ois_schedule(curve.anchor, label)
        out[i] = curve.par_rate(curve.time(ends), (ends - starts) / 360.0)
    return out
