"""Vanilla SOFR OIS swaps on a single SOFR curve: par rate, PV, annuity, DV01/KRD, carry, roll.

Conventions (the same as :func:`models.bootstrap.bootstrap_sofr_ois`, so bootstrapped par swaps
reprice to zero)
-------------------------------------------------------------------------------------------------
* **Single curve**: the SOFR curve both discounts and forecasts. Compounded SOFR over
  ``[s, e]`` is then worth ``DF(s) - DF(e)`` per unit notional (telescoping daily compounding).
* **Dates**: unadjusted calendar dates, no spot lag, payment lag 0. A spot swap starts on the
  curve anchor; a forward swap starts on ``tenor_maturity(anchor, start, eom(anchor))`` (or on an
  explicit date). The fixed schedule is :func:`models.bootstrap.ois_schedule` from the start date:
  one payment under 1y, otherwise annual periods generated backward from maturity (front stub
  for broken tenors).
* **Fixed leg**: annual, ACT/360 accruals ``tau_i``.
* **Sign**: values are per **1 unit of notional** in currency. A *receiver* (receive fixed) is
  worth ``K * A - (DF(s) - DF(e))`` with annuity ``A = sum_i tau_i DF(t_i)``; a *payer* the
  negative. DV01 / ``krd_dv01`` are the currency gained when rates FALL 1 bp, so receivers have
  positive DV01.
* **Risk**: key-rate shifts are continuous zero-rate tents (:func:`models.curves.tent_weights`)
  applied by full repricing of every swap under every bump in one
  :meth:`models.curves.YieldCurve.discount_shifted` call; central differences with shift ``h``.

Schedules are generated once per swap (a short Python loop over :func:`ois_schedule`); every
valuation after that is a numpy expression over a padded ``(n_swaps, n_periods)`` grid.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bootstrap import ois_schedule, parse_tenor, tenor_maturity
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import is_end_of_month, to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, DEFAULT_SHIFT, check_key_tenors
from hedge_planner.models.units import BP, DAYS_PER_YEAR

Direction = Literal["receive", "pay"]


# --------------------------------------------------------------------------------------------
# specification and padded schedule grid
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SwapSpec:
    """Static terms of one vanilla SOFR OIS.

    Attributes
    ----------
    name
        Identifier.
    tenor
        Swap length from its start date, tenor label (``"2y"``, ``"18m"``, ``"1w"`` ...).
    start
        ``None`` for spot (start = curve anchor); a tenor label (``"1y"``) for a forward start
        measured from the curve anchor; or an explicit date (day serial, ``datetime.date``,
        ISO string) on or after the anchor.
    fixed_rate
        Fixed rate, decimal annual ACT/360; ``None`` means at par on the curve the swap is first
        valued on (the rate is then frozen for every bump and scenario).
    direction
        ``"receive"`` (receive fixed, gains when rates fall) or ``"pay"``.
    """

    name: str
    tenor: str
    start: str | int | _dt.date | None = None
    fixed_rate: float | None = None
    direction: Direction = "receive"

    def __post_init__(self) -> None:
        if self.direction not in ("receive", "pay"):
            raise ValueError(f"swap {self.name!r}: direction must be 'receive' or 'pay'")
        parse_tenor(self.tenor)  # validates the label early
        if self.fixed_rate is not None and not np.isfinite(self.fixed_rate):
            raise ValueError(f"swap {self.name!r}: fixed_rate must be finite")


def _start_day(anchor: int, start: Any) -> int:
    """Start date (day serial) of a swap from its ``start`` field."""
    if start is None:
        return anchor
    if isinstance(start, (int, np.integer)) and not isinstance(start, bool):
        day = int(start)
    elif isinstance(start, str):
        try:
            parse_tenor(start)
        except ValueError:
            day = int(to_days(start))  # not a tenor label: an ISO date
        else:
            day = tenor_maturity(anchor, start, bool(is_end_of_month(anchor)))
    else:
        day = int(to_days(start))
    if day < anchor:
        raise AnalyticsError(f"swap start {day} is before the curve anchor {anchor}")
    return day


@dataclass(frozen=True)
class SwapBook:
    """Swaps laid out on a padded period grid (built once, valued many times).

    Attributes
    ----------
    specs
        The swap specifications, in order.
    anchor
        Curve anchor the grid was built for (day serial).
    start_day, end_day
        Start and final payment dates (day serials), shape ``(n,)``.
    acc_start, pay_day
        Fixed-period accrual start and payment dates, shape ``(n, m)``; padding periods sit on
        the end date with zero accrual so ``pay_day[:, -1]`` is always the end date.
    accrual
        ACT/360 accrual fractions (years), ``(n, m)``; 0 on padding.
    fixed_rate
        Contract fixed rates (decimal), ``(n,)``; par rates resolved on the base curve where the
        spec left it ``None``.
    sign
        +1 receiver, -1 payer, ``(n,)``.
    """

    specs: tuple[SwapSpec, ...]
    anchor: int
    start_day: IntArray
    end_day: IntArray
    acc_start: IntArray
    pay_day: IntArray
    accrual: FloatArray
    fixed_rate: FloatArray
    sign: FloatArray

    def __len__(self) -> int:
        return len(self.specs)

    @property
    def names(self) -> tuple[str, ...]:
        """Swap names."""
        return tuple(s.name for s in self.specs)

    def times(self) -> FloatArray:
        """Curve times (ACT/365F years) ``[start, pay_1, ..., pay_m]``, shape ``(n, m + 1)``."""
        days = np.concatenate((self.start_day[:, None], self.pay_day), axis=1)
        return (days - self.anchor) / DAYS_PER_YEAR


SwapsLike = SwapSpec | Sequence[SwapSpec] | SwapBook


def build_swap_book(curve: YieldCurve, specs: SwapSpec | Sequence[SwapSpec]) -> SwapBook:
    """Lay swaps out on a padded period grid and freeze par fixed rates on ``curve``.

    Parameters
    ----------
    curve
        SOFR curve; its anchor is the valuation date and the spot start date.
    specs
        One or more :class:`SwapSpec`.

    Returns
    -------
    SwapBook
        The grid; fixed rates ``None`` are replaced by the par rate on ``curve`` (decimal).
    """
    items = (specs,) if isinstance(specs, SwapSpec) else tuple(specs)
    if not items:
        raise ValueError("no swaps given")
    anchor = int(curve.anchor)
    starts, ends = [], []
    for spec in items:
        s, e = ois_schedule(_start_day(anchor, spec.start), spec.tenor)
        starts.append(s)
        ends.append(e)
    n, m = len(items), max(e.size for e in ends)
    end_day = np.array([e[-1] for e in ends], dtype=np.int64)
    # Padding periods are zero-length periods on the end date: they add nothing to the annuity
    # and keep the end date in the last column.
    acc_start = np.repeat(end_day[:, None], m, axis=1)
    pay_day = acc_start.copy()
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        acc_start[i, : s.size] = s
        pay_day[i, : e.size] = e
    accrual = (pay_day - acc_start) / 360.0
    sign = np.array([1.0 if sp.direction == "receive" else -1.0 for sp in items])
    book = SwapBook(
        specs=items,
        anchor=anchor,
        start_day=np.array([s[0] for s in starts], dtype=np.int64),
        end_day=end_day,
        acc_start=acc_start,
        pay_day=pay_day,
        accrual=accrual,
        fixed_rate=np.zeros(n),
        sign=sign,
    )
    given = np.array([np.nan if sp.fixed_rate is None else sp.fixed_rate for sp in items])
    if np.isnan(given).any():
        df = curve.discount(book.times())
        par = _par_from_df(df, accrual)
        given = np.where(np.isnan(given), par, given)
    object.__setattr__(book, "fixed_rate", given)
    return book


def _as_book(curve: YieldCurve, swaps: SwapsLike) -> SwapBook:
    if isinstance(swaps, SwapBook):
        if swaps.anchor != curve.anchor:
            raise AnalyticsError("swap book was built for a curve with a different anchor")
        return swaps
    return build_swap_book(curve, swaps)


# --------------------------------------------------------------------------------------------
# valuation from discount factors (shared by base, bumped and scenario pricing)
# --------------------------------------------------------------------------------------------
def _annuity_from_df(df: FloatArray, accrual: FloatArray) -> FloatArray:
    """``sum_i tau_i DF(t_i)`` from ``df[..., n, m+1]`` (column 0 = start)."""
    return np.sum(accrual * df[..., 1:], axis=-1)


def _float_from_df(df: FloatArray) -> FloatArray:
    """Single-curve compounded SOFR leg: ``DF(start) - DF(end)`` per unit notional."""
    return df[..., 0] - df[..., -1]


def _par_from_df(df: FloatArray, accrual: FloatArray) -> FloatArray:
    return _float_from_df(df) / _annuity_from_df(df, accrual)


def _pv_from_df(df: FloatArray, book: SwapBook) -> FloatArray:
    return book.sign * (book.fixed_rate * _annuity_from_df(df, book.accrual) - _float_from_df(df))


def swap_annuity(curve: YieldCurve, swaps: SwapsLike) -> FloatArray:
    """Fixed-leg annuity ``sum_i tau_i DF(t_i)`` per unit notional (years), shape ``(n,)``.

    Multiply by ``1e-4`` for the PV of 1 bp running per unit notional (currency).
    """
    book = _as_book(curve, swaps)
    return _annuity_from_df(curve.discount(book.times()), book.accrual)


def swap_par_rate(curve: YieldCurve, swaps: SwapsLike) -> FloatArray:
    """Par fixed rates (decimal, annual ACT/360) on ``curve``, shape ``(n,)``."""
    book = _as_book(curve, swaps)
    return _par_from_df(curve.discount(book.times()), book.accrual)


def swap_pv(curve: YieldCurve, swaps: SwapsLike) -> FloatArray:
    """Present value per unit notional (currency), signed by direction, shape ``(n,)``.

    Receiver: ``K A - (DF(s) - DF(e))`` (positive when rates fall); payer: the negative.
    """
    book = _as_book(curve, swaps)
    return _pv_from_df(curve.discount(book.times()), book)


def swap_pv_shifted(
    curve: YieldCurve, swaps: SwapsLike, key_years: npt.ArrayLike, shifts: npt.ArrayLike
) -> FloatArray:
    """PV per unit notional under many zero-rate tent shifts (full repricing, one batch).

    Parameters
    ----------
    curve
        Base SOFR curve.
    swaps
        Swaps (specs or a prebuilt :class:`SwapBook`; par rates are frozen on ``curve``).
    key_years
        Key tenors in years, shape ``(K,)``.
    shifts
        Continuous zero-rate shifts (decimal), shape ``(S, K)`` (a 1-D vector is one shift).

    Returns
    -------
    numpy.ndarray
        Currency per unit notional, shape ``(S, n)``.
    """
    book = _as_book(curve, swaps)
    df = curve.discount_shifted(book.times(), key_years, shifts)  # (S, n, m+1)
    return _pv_from_df(df, book)


# --------------------------------------------------------------------------------------------
# risk, carry and roll-down
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SwapRisk:
    """Per-unit-notional analytics of a set of swaps (currency per 1 unit of notional).

    Attributes
    ----------
    names
        Swap names.
    key_tenors, key_years
        Key tenor labels and years.
    fixed_rate
        Contract fixed rate, decimal.
    par_rate
        Par rate on the base curve, decimal.
    annuity
        ``sum tau_i DF_i``, years (currency per unit notional per 1.00 of rate).
    pv
        PV, currency per unit notional.
    dv01
        Currency gained per unit notional when every zero rate falls 1 bp (central difference).
    krd_dv01
        Same per key tent, shape ``(n, K)``; sums to ``dv01`` up to O(h^2) cross terms.
    dollar_convexity
        ``d2 PV / dz2`` for a parallel zero shift, currency per unit notional per unit rate^2.
    carry, rolldown
        Over ``horizon_days`` (see :func:`swap_carry_rolldown`), currency per unit notional.
    horizon_days
        Horizon, calendar days.
    shift
        Finite-difference shift, decimal.
    """

    names: tuple[str, ...]
    key_tenors: tuple[str, ...]
    key_years: FloatArray
    fixed_rate: FloatArray
    par_rate: FloatArray
    annuity: FloatArray
    pv: FloatArray
    dv01: FloatArray
    krd_dv01: FloatArray
    dollar_convexity: FloatArray
    carry: FloatArray
    rolldown: FloatArray
    horizon_days: int
    shift: float


def bump_matrix(n_keys: int, h: float) -> FloatArray:
    """Rows ``[+h e_k ..., -h e_k ..., +h 1, -h 1, 0]``: shape ``(2K + 3, K)``.

    Tents sum to one, so the all-ones rows are the parallel shifts; the last row is the base.
    """
    eye = np.eye(n_keys) * h
    ones = np.full((1, n_keys), h)
    return np.concatenate((eye, -eye, ones, -ones, np.zeros((1, n_keys))))


def risk_from_bumped(values: FloatArray, n_keys: int, h: float) -> tuple[Any, Any, Any, Any]:
    """Base value, DV01, KRD DV01 and dollar convexity from values on :func:`bump_matrix` rows.

    ``values`` has the bumps on axis 0. DV01s are currency per bp gained when rates fall:
    ``(V(-h) - V(+h)) / (2 h) * 1e-4``; convexity ``(V(+h) + V(-h) - 2 V0) / h^2``.
    """
    up, dn = values[:n_keys], values[n_keys : 2 * n_keys]
    par_up, par_dn, base = values[2 * n_keys], values[2 * n_keys + 1], values[2 * n_keys + 2]
    krd = ((dn - up) / (2.0 * h) * BP).T  # (..., K)
    dv01 = (par_dn - par_up) / (2.0 * h) * BP
    convexity = (par_up + par_dn - 2.0 * base) / h**2
    return base, dv01, krd, convexity


def swap_carry_rolldown(
    curve: YieldCurve, swaps: SwapsLike, horizon_days: int
) -> tuple[FloatArray, FloatArray]:
    """Carry and roll-down of each swap over a horizon, currency per unit notional.

    Parameters
    ----------
    curve
        SOFR curve (valuation date = anchor ``0``).
    swaps
        Swaps.
    horizon_days
        Horizon ``H`` in calendar days (``>= 0``).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``(carry, rolldown)``, each shape ``(n,)``, signed by direction.

    Notes
    -----
    *Carry* is the net accrual over ``[0, H]`` if SOFR fixes at today's forwards: the fixed
    accrual ``K * overlap_days / 360`` of each period overlapping the window, minus the floating
    accrual ``DF(a) / DF(min(p, H)) - 1`` of each such period (``a``, ``p`` = accrual start and
    payment date). A forward swap starting after ``H`` has no carry.

    *Roll-down* is ``V_H - V_0 - carry`` where ``V_H`` is the swap's horizon value on the
    **rolled** curve (same zero curve as a function of time to payment, ``DF_H(t) = DF(t - H)``)
    plus the cash it paid in ``[0, H]`` (not reinvested). The floating period running at ``H``
    is valued with its ``[a, H]`` part fixed at today's forward, ``DF(a) / DF(H) - DF_H(e)``;
    later periods telescope. On a flat curve with no payment before ``H``,
    ``carry + rolldown = V_0 (1 / DF(H) - 1)`` (zero for a par swap).
    """
    if horizon_days < 0:
        raise ValueError("horizon_days must be >= 0")
    book = _as_book(curve, swaps)
    a0, h_day = book.anchor, book.anchor + int(horizon_days)
    k, a, p = book.fixed_rate[:, None], book.acc_start, book.pay_day
    real = p > a  # padding periods have zero length

    def df0(days: IntArray) -> FloatArray:
        return curve.discount((days - a0) / DAYS_PER_YEAR)

    def df_roll(days: IntArray) -> FloatArray:
        # Rolled constant-shape curve: discount from H to `days` = today's DF over the same gap.
        return curve.discount(np.maximum(days - h_day, 0) / DAYS_PER_YEAR)

    # --- carry: accruals inside [0, H]
    window_end = np.minimum(p, h_day)
    overlap = real & (window_end > a)
    fixed_acc = np.sum(np.where(overlap, k * (window_end - a) / 360.0, 0.0), axis=1)
    float_acc = np.sum(np.where(overlap, df0(a) / df0(np.maximum(window_end, a)) - 1.0, 0.0), 1)
    carry = book.sign * (fixed_acc - float_acc)

    # --- horizon value on the rolled curve plus cash paid in the window
    paid = real & (p <= h_day)
    alive = p > h_day
    fixed_cash = np.sum(np.where(paid, k * book.accrual, 0.0), axis=1)
    fixed_value = np.sum(np.where(real & alive, k * book.accrual * df_roll(p), 0.0), axis=1)
    float_cash = np.sum(np.where(paid, df0(a) / df0(p) - 1.0, 0.0), axis=1)
    running = real & (a <= h_day) & alive  # the period containing H (at most one per swap)
    started = book.start_day < h_day
    realised = np.sum(np.where(running, df0(a) / df0(np.full_like(a, h_day)), 0.0), axis=1)
    float_head = np.where(started, realised, df_roll(book.start_day))
    float_value = np.where(book.end_day > h_day, float_head - df_roll(book.end_day), 0.0)
    v_h = book.sign * (fixed_cash + fixed_value - float_cash - float_value)
    v_0 = _pv_from_df(curve.discount(book.times()), book)
    return carry, v_h - v_0 - carry


def swap_risk(
    curve: YieldCurve,
    swaps: SwapsLike,
    key_tenors: Sequence[str] = DEFAULT_KEY_TENORS,
    shift: float = DEFAULT_SHIFT,
    horizon_days: int = 0,
) -> SwapRisk:
    """DV01, key-rate DV01s, dollar convexity, carry and roll-down per unit notional.

    Every figure is an exact full repricing of all swaps under all bumps (one
    ``discount_shifted`` call): ``+/- h`` on each key tent and ``+/- h`` parallel.

    Parameters
    ----------
    curve
        SOFR curve.
    swaps
        Swaps.
    key_tenors
        Key tenor labels (must include 2y, 5y, 10y, 30y).
    shift
        Finite-difference shift ``h``, decimal (default 1 bp).
    horizon_days
        Carry / roll-down horizon, calendar days.

    Returns
    -------
    SwapRisk
        Per unit notional, currency (see the class for units).
    """
    if not shift > 0:
        raise ValueError("shift must be positive")
    labels, keys = check_key_tenors(key_tenors)
    book = _as_book(curve, swaps)
    values = swap_pv_shifted(curve, book, keys, bump_matrix(keys.size, shift))  # (2K+3, n)
    pv, dv01, krd, cvx = risk_from_bumped(values, keys.size, shift)
    df = curve.discount(book.times())
    carry, roll = swap_carry_rolldown(curve, book, horizon_days)
    return SwapRisk(
        names=book.names,
        key_tenors=labels,
        key_years=keys,
        fixed_rate=book.fixed_rate.copy(),
        par_rate=_par_from_df(df, book.accrual),
        annuity=_annuity_from_df(df, book.accrual),
        pv=pv,
        dv01=dv01,
        krd_dv01=krd,
        dollar_convexity=cvx,
        carry=carry,
        rolldown=roll,
        horizon_days=int(horizon_days),
        shift=float(shift),
    )
