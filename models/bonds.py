"""Fixed-coupon bullet bonds: static data, vectorised cash-flow schedules, yield-based analytics.

Everything here works on a whole book at once. A book's remaining cash flows live in flat arrays
(one entry per flow, grouped by bond), and price, yield, duration and convexity are numpy
reductions over those arrays. There is no per-bond Python loop.

Conventions (the street convention, identical to QuantLib's ``BondFunctions`` with an
``InterestRate(y, day_count, Compounded, frequency)``):

* Coupon dates are generated backward from maturity, unadjusted, with an end-of-month rule; an
  issue date after the previous regular date makes a short first coupon.
* A coupon pays ``100 * coupon * yf(accrual start, accrual end)`` per 100 face, where ``yf`` is the
  bond's day count with the regular period as reference (``coupon / frequency`` for a regular
  ACT/ACT period).
* Yields compound at the coupon frequency. The time to each flow, in coupon periods, is
  ``frequency * sum of day-count year fractions`` between successive flows from settlement, so for
  ACT/ACT a flow ``k`` periods after the next coupon sits at ``w + k`` periods where
  ``w = days(settle, next) / days(prev, next)``.
* Zero-coupon bonds (``frequency = 0``) use notional semiannual periods (the STRIPS convention).
* A flow on the settlement date belongs to the seller and is excluded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.dates import (
    NO_DATE,
    add_months,
    days_in_month,
    months_between,
    shift_months,
    to_iso,
    ymd,
)
from hedge_planner.models.daycount import DayCount, year_fraction
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.units import BP

#: Coupon frequencies a bond may carry (0 = zero-coupon).
FREQUENCIES = (0, 1, 2, 4, 12)
#: Compounding used for zero-coupon bonds (notional semiannual periods).
ZERO_COUPON_COMPOUNDING = 2


@dataclass(frozen=True)
class BondBook:
    """Static data of ``n`` fixed-coupon bullet bonds held as arrays.

    Attributes
    ----------
    ids
        Holding identifiers.
    face
        Face (par) amount held, currency. Negative for a short position is allowed here; input
        validation rejects non-positive face in holdings files.
    coupon
        Annual coupon rate, decimal (0.05 = 5%).
    maturity
        Maturity dates, int64 day serials.
    frequency
        Coupons per year: 1, 2, 4, 12, or 0 for zero-coupon.
    day_count
        :class:`models.daycount.DayCount` integers.
    issue_date
        Issue (accrual start) dates, day serials; :data:`models.dates.NO_DATE` when unknown.
    eom
        End-of-month rule per bond (True follows month ends when maturity is a month end).
    """

    ids: tuple[str, ...]
    face: FloatArray
    coupon: FloatArray
    maturity: IntArray
    frequency: IntArray
    day_count: IntArray
    issue_date: IntArray
    eom: npt.NDArray[np.bool_]

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("face", "coupon", "maturity", "frequency", "day_count", "issue_date", "eom"):
            if np.shape(getattr(self, name)) != (n,):
                raise ValueError(f"BondBook.{name} must have shape ({n},)")

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_arrays(
        cls,
        ids: list[str] | tuple[str, ...],
        face: npt.ArrayLike,
        coupon: npt.ArrayLike,
        maturity: npt.ArrayLike,
        frequency: npt.ArrayLike = 2,
        day_count: npt.ArrayLike = DayCount.ACT_ACT,
        issue_date: npt.ArrayLike | None = None,
        eom: npt.ArrayLike = True,
    ) -> BondBook:
        """Build a book from array-likes, broadcasting scalars to the number of bonds."""
        n = len(ids)

        def arr(x: npt.ArrayLike, dtype: type) -> npt.NDArray:
            return np.broadcast_to(np.asarray(x, dtype=dtype), (n,)).copy()

        return cls(
            ids=tuple(ids),
            face=arr(face, np.float64),
            coupon=arr(coupon, np.float64),
            maturity=arr(maturity, np.int64),
            frequency=arr(frequency, np.int64),
            day_count=arr(day_count, np.int64),
            issue_date=arr(NO_DATE if issue_date is None else issue_date, np.int64),
            eom=arr(eom, bool),
        )

    def subset(self, index: npt.ArrayLike) -> BondBook:
        """The bonds at the given positions (integer or boolean index)."""
        idx = np.arange(len(self))[np.asarray(index)]
        return BondBook(
            ids=tuple(self.ids[i] for i in idx),
            face=self.face[idx],
            coupon=self.coupon[idx],
            maturity=self.maturity[idx],
            frequency=self.frequency[idx],
            day_count=self.day_count[idx],
            issue_date=self.issue_date[idx],
            eom=self.eom[idx],
        )


@dataclass(frozen=True)
class CashflowSchedule:
    """Remaining cash flows of a book after settlement, stored flat (one entry per flow).

    Flows of bond ``i`` occupy ``offsets[i]:offsets[i+1]`` in date order; ``bond`` maps each flow
    to its bond. The flat (CSR-like) layout keeps a book of long monthly and short semiannual
    bonds compact: no padding to the longest schedule. Per-bond totals are
    :meth:`per_bond` sums (``numpy.bincount``).

    Attributes
    ----------
    settle
        Settlement date (day serial) the schedule was built for.
    bond
        Bond index of each flow, shape ``(N,)``.
    offsets
        Start of each bond's flows, shape ``(n + 1,)``.
    pay_dates
        Payment dates (day serials), shape ``(N,)``.
    amounts
        Cash flow per 100 face (coupon, plus 100 redemption on the last flow).
    periods
        Time from settlement to each flow in compounding periods (for yield discounting).
    accrued
        Accrued interest at settlement, per 100 face, shape ``(n,)``.
    compounding
        Compounding frequency of each bond's yield (its coupon frequency, 2 for zeros), ``(n,)``.
    prev_coupon, next_coupon
        Regular coupon dates around settlement (day serials), ``(n,)``.
    """

    settle: int
    bond: IntArray
    offsets: IntArray
    pay_dates: IntArray
    amounts: FloatArray
    periods: FloatArray
    accrued: FloatArray
    compounding: FloatArray
    prev_coupon: IntArray
    next_coupon: IntArray

    @property
    def n_bonds(self) -> int:
        """Number of bonds."""
        return len(self.accrued)

    @property
    def n_flows(self) -> IntArray:
        """Number of remaining flows of each bond."""
        return np.diff(self.offsets)

    @property
    def years(self) -> FloatArray:
        """Time to each flow in years on the yield's own basis (periods / compounding)."""
        return self.periods / self.compounding[self.bond]

    def per_bond(self, values: FloatArray) -> FloatArray:
        """Sum per-flow values into per-bond totals (every bond has at least one flow)."""
        return np.add.reduceat(values, self.offsets[:-1])

    def per_bond_rows(self, values: FloatArray) -> FloatArray:
        """Per-bond sums of each row of a ``(s, N)`` array: result ``(s, n)``."""
        return np.add.reduceat(values, self.offsets[:-1], axis=-1)

    def subset(self, index: npt.ArrayLike) -> CashflowSchedule:
        """The schedule of the bonds at the given positions, in that order."""
        idx = np.arange(self.n_bonds)[np.asarray(index)]
        counts = self.n_flows[idx]
        offsets = np.concatenate([[0], np.cumsum(counts)])
        flow = np.repeat(self.offsets[idx] - offsets[:-1], counts) + np.arange(offsets[-1])
        return CashflowSchedule(
            settle=self.settle,
            bond=np.repeat(np.arange(len(idx)), counts),
            offsets=offsets,
            pay_dates=self.pay_dates[flow],
            amounts=self.amounts[flow],
            periods=self.periods[flow],
            accrued=self.accrued[idx],
            compounding=self.compounding[idx],
            prev_coupon=self.prev_coupon[idx],
            next_coupon=self.next_coupon[idx],
        )


def build_schedule(book: BondBook, settle: int) -> CashflowSchedule:
    """Generate every bond's remaining cash flows after ``settle``, vectorised over the book.

    Parameters
    ----------
    book
        The bonds.
    settle
        Settlement date, day serial. Bonds must mature after it (and be issued on or before it).

    Returns
    -------
    CashflowSchedule
        Flat arrays of flows per 100 face.

    Raises
    ------
    AnalyticsError
        If a bond has matured, is not yet issued, or has an unsupported frequency.
    """
    settle = int(settle)
    bad_freq = ~np.isin(book.frequency, FREQUENCIES)
    if bad_freq.any():
        raise AnalyticsError(_which(book, bad_freq, "unsupported coupon frequency"))
    matured = book.maturity <= settle
    if matured.any():
        raise AnalyticsError(_which(book, matured, "maturity on or before settlement"))
    has_issue = book.issue_date != NO_DATE
    unissued = has_issue & (book.issue_date > settle)
    if unissued.any():
        raise AnalyticsError(_which(book, unissued, "issue date after settlement"))

    comp = np.where(book.frequency == 0, ZERO_COUPON_COMPOUNDING, book.frequency).astype(np.int64)
    step = 12 // comp
    # Regular dates are maturity - k*step months. With M the month-index distance from
    # settlement to maturity and k0 = M // step, date(k0 - 1) > settle >= date(k0 + 1), so the
    # number of remaining coupons is k0 or k0 + 1.
    k0 = months_between(settle, book.maturity) // step
    n_flows = k0 + (add_months(book.maturity, -k0 * step, book.eom) > settle)
    offsets = np.concatenate([[0], np.cumsum(n_flows)])
    total = int(offsets[-1])
    bond = np.repeat(np.arange(len(book)), n_flows)
    j = np.arange(total) - offsets[bond]  # position of the flow within its bond
    first = j == 0
    my, mm, md = ymd(book.maturity)
    snap = book.eom & (md == days_in_month(my, mm))
    back = -(n_flows[bond] - 1 - j) * step[bond]
    pay = shift_months(my[bond], mm[bond], md[bond], snap[bond], back)
    prev_regular = add_months(book.maturity, -n_flows * step, book.eom)
    next_coupon = pay[offsets[:-1]]

    ref_start = np.empty(total, dtype=np.int64)
    ref_start[1:] = pay[:-1]
    ref_start[first] = prev_regular
    first_start = np.where(has_issue, np.maximum(prev_regular, book.issue_date), prev_regular)
    accrual_start = ref_start.copy()
    accrual_start[first] = first_start

    dc = book.day_count[bond]
    freq = comp[bond]
    coupon_yf = year_fraction(dc, accrual_start, pay, ref_start, pay, freq)
    amounts = 100.0 * book.coupon[bond] * coupon_yf
    amounts[offsets[1:] - 1] += 100.0

    # Time to the first flow follows QuantLib's stepwise rule: measured from the accrual start
    # and net of the accrued part, which differs from yf(settle, pay) only under 30/360.
    acc_yf = year_fraction(book.day_count, first_start, settle, prev_regular, next_coupon, comp)
    t0 = np.where(
        first_start != settle,
        coupon_yf[first] - acc_yf,
        year_fraction(book.day_count, settle, next_coupon, prev_regular, next_coupon, comp),
    )
    # Periods = f*t0 + j + (running excess of each later period over one regular period); the
    # excess is exactly zero under ACT/ACT and small otherwise, so the segmented cumulative sum
    # stays precise however long the flat array is.
    excess = np.where(first, 0.0, coupon_yf * freq - 1.0)
    run = np.cumsum(excess)
    run -= np.repeat(run[offsets[:-1]], n_flows)
    periods = (t0 * comp)[bond] + j + run

    accrued = np.where(first_start < settle, 100.0 * book.coupon * acc_yf, 0.0)
    return CashflowSchedule(
        settle=settle,
        bond=bond,
        offsets=offsets,
        pay_dates=pay,
        amounts=amounts,
        periods=periods,
        accrued=accrued,
        compounding=comp.astype(np.float64),
        prev_coupon=prev_regular,
        next_coupon=next_coupon,
    )


def _which(book: BondBook, bad: npt.NDArray[np.bool_], reason: str) -> str:
    ids = [book.ids[i] for i in np.flatnonzero(bad)]
    shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    return f"{reason}: {shown}"


# --------------------------------------------------------------------------------------------
# Yield-based pricing and risk
# --------------------------------------------------------------------------------------------


def _discount(sched: CashflowSchedule, y: FloatArray) -> FloatArray:
    base = 1.0 + np.asarray(y, dtype=np.float64) / sched.compounding
    return base[sched.bond] ** (-sched.periods)


def dirty_price_from_yield(sched: CashflowSchedule, y: npt.ArrayLike) -> FloatArray:
    """Dirty (full) price per 100 face from yields.

    Parameters
    ----------
    sched
        Cash-flow schedule of the book.
    y
        Yields, decimal, compounded at each bond's coupon frequency (street convention).

    Returns
    -------
    numpy.ndarray
        Dirty prices per 100 face.
    """
    y = np.broadcast_to(np.asarray(y, dtype=np.float64), sched.accrued.shape)
    return sched.per_bond(sched.amounts * _discount(sched, y))


def yield_from_dirty_price(
    sched: CashflowSchedule,
    dirty: npt.ArrayLike,
    guess: npt.ArrayLike | None = None,
    tol: float = 1e-13,
    max_newton: int = 30,
) -> FloatArray:
    """Yields (decimal) that reproduce the dirty prices, solved for the whole book at once.

    Newton's method runs on every bond together; any bond it fails to converge (a far-off start,
    an extreme price) falls back to bisection on a bracket where price is monotone in yield.

    Parameters
    ----------
    sched
        Cash-flow schedule of the book.
    dirty
        Dirty prices per 100 face (must be positive).
    guess
        Starting yields (decimal); defaults to the current yield proxy.
    tol
        Absolute tolerance on the yield.
    max_newton
        Newton iterations before the fallback takes over.

    Returns
    -------
    numpy.ndarray
        Yields, decimal, compounded at each bond's coupon frequency.

    Raises
    ------
    AnalyticsError
        If a price is non-positive or lies outside the prices reachable by any yield in the
        bracket (-90% of the compounding frequency to +1000%).
    """
    dirty = np.broadcast_to(np.asarray(dirty, dtype=np.float64), sched.accrued.shape).copy()
    comp = sched.compounding
    if (dirty <= 0).any() or not np.isfinite(dirty).all():
        raise AnalyticsError("dirty price must be positive and finite for a yield solve")
    flows = sched.amounts
    if guess is None:
        total = sched.per_bond(flows)
        life = sched.years[sched.offsets[1:] - 1]
        y = np.log(total / dirty) / np.maximum(life, 1e-6)
    else:
        y = np.broadcast_to(np.asarray(guess, dtype=np.float64), dirty.shape).copy()
    lo_bound = -0.9 * comp
    y = np.clip(y, lo_bound + 1e-6, 10.0)

    converged = np.zeros(dirty.shape, dtype=bool)
    for _ in range(max_newton):
        base = 1.0 + y / comp
        v = flows * base[sched.bond] ** (-sched.periods)
        price = sched.per_bond(v)
        dprice = -sched.per_bond(v * sched.periods) / (comp * base)
        step = (price - dirty) / dprice
        y_new = y - step
        ok = np.isfinite(y_new) & (y_new > lo_bound)
        y = np.where(ok, y_new, y)
        converged = ok & (np.abs(step) < tol)
        if converged.all():
            return y
    todo = ~converged
    if todo.any():
        y[todo] = _bisect_yield(sched, dirty, todo)
    return y


def _bisect_yield(
    sched: CashflowSchedule, dirty: FloatArray, todo: npt.NDArray[np.bool_]
) -> FloatArray:
    """Bracketed bisection for the bonds Newton did not settle (vectorised over them)."""
    idx = np.flatnonzero(todo)
    sub = sched.subset(idx)
    target = dirty[idx]
    lo = -0.9 * sub.compounding
    hi = np.full(idx.shape, 10.0)
    p_lo = dirty_price_from_yield(sub, lo)
    p_hi = dirty_price_from_yield(sub, hi)
    outside = (target > p_lo) | (target < p_hi)
    if outside.any():
        raise AnalyticsError(
            "no yield reproduces the price (outside the -90%..1000% bracket) for bond position(s) "
            + ", ".join(str(int(i)) for i in idx[outside][:10])
        )
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        too_high_price = dirty_price_from_yield(sub, mid) > target
        lo = np.where(too_high_price, mid, lo)
        hi = np.where(too_high_price, hi, mid)
        if (hi - lo).max() < 1e-15:
            break
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class YieldRisk:
    """Yield-based price and risk figures per bond (per 100 face unless stated).

    Attributes
    ----------
    dirty_price, clean_price, accrued
        Prices per 100 face.
    yield_
        Yield to maturity, decimal, compounded at the coupon frequency.
    macaulay_duration
        Macaulay duration, years.
    modified_duration
        Modified duration, years: -(dP/dy)/P.
    convexity
        Yield convexity, years^2: (d2P/dy2)/P.
    """

    dirty_price: FloatArray
    clean_price: FloatArray
    accrued: FloatArray
    yield_: FloatArray
    macaulay_duration: FloatArray
    modified_duration: FloatArray
    convexity: FloatArray


def yield_risk(sched: CashflowSchedule, y: npt.ArrayLike) -> YieldRisk:
    """Price, Macaulay/modified duration and convexity from yields, in one pass over the flows.

    Parameters
    ----------
    sched
        Cash-flow schedule.
    y
        Yields, decimal, compounded at each bond's coupon frequency.

    Returns
    -------
    YieldRisk
        Figures per bond; durations in years, convexity in years^2.
    """
    y = np.broadcast_to(np.asarray(y, dtype=np.float64), sched.accrued.shape)
    comp = sched.compounding
    base = 1.0 + y / comp
    v = sched.amounts * base[sched.bond] ** (-sched.periods)
    n = sched.periods
    dirty = sched.per_bond(v)
    mac = sched.per_bond(v * n) / (dirty * comp)
    modified = mac / base
    convexity = sched.per_bond(v * n * (n + 1.0)) / (dirty * (comp * base) ** 2)
    return YieldRisk(
        dirty_price=dirty,
        clean_price=dirty - sched.accrued,
        accrued=sched.accrued,
        yield_=np.array(y, dtype=np.float64),
        macaulay_duration=mac,
        modified_duration=modified,
        convexity=convexity,
    )


def analyze_book(
    book: BondBook,
    settle: int,
    *,
    yields: npt.ArrayLike | None = None,
    clean_prices: npt.ArrayLike | None = None,
    schedule: CashflowSchedule | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Yield-based analytics of a book: one row per holding plus portfolio totals.

    Exactly one of ``yields`` / ``clean_prices`` is used per bond: pass both arrays with NaN where
    a bond is quoted the other way.

    Parameters
    ----------
    book
        The holdings.
    settle
        Settlement date, day serial.
    yields
        Yields, decimal (NaN where the price is given instead).
    clean_prices
        Clean prices per 100 face (NaN where the yield is given instead).
    schedule
        The book's cash-flow schedule at ``settle`` when the caller already built it
        (:func:`build_schedule`); built here otherwise.

    Returns
    -------
    (pandas.DataFrame, dict)
        Holdings table with prices per 100, ``market_value`` (currency, dirty), ``yield``,
        ``macaulay_duration`` and ``modified_duration`` (years), ``convexity`` (years^2) and
        ``dv01`` (currency per bp for the position); and portfolio totals: ``market_value``,
        market-value-weighted ``macaulay_duration``, ``modified_duration``, ``convexity``, and
        total ``dv01``.
    """
    sched = build_schedule(book, settle) if schedule is None else schedule
    n = len(book)
    y = np.full(n, np.nan) if yields is None else np.asarray(yields, dtype=np.float64)
    px = np.full(n, np.nan) if clean_prices is None else np.asarray(clean_prices, dtype=np.float64)
    need_solve = np.isnan(y)
    if (need_solve & np.isnan(px)).any():
        raise AnalyticsError("every bond needs a yield or a clean price")
    if need_solve.any():
        idx = np.flatnonzero(need_solve)
        sub = sched.subset(idx)
        y = y.copy()
        y[idx] = yield_from_dirty_price(sub, px[idx] + sched.accrued[idx])
    risk = yield_risk(sched, y)
    return holdings_frame(book, sched, risk), portfolio_totals(book, risk)


def position_values(book: BondBook, risk: YieldRisk) -> tuple[FloatArray, FloatArray]:
    """Market value (currency, dirty) and DV01 (currency per bp) of each position."""
    mv = risk.dirty_price / 100.0 * book.face
    dv01 = risk.modified_duration * mv * BP
    return mv, dv01


def holdings_frame(book: BondBook, sched: CashflowSchedule, risk: YieldRisk) -> pd.DataFrame:
    """One row per holding with the yield-based analytics (see :func:`analyze_book`)."""
    mv, dv01 = position_values(book, risk)
    return pd.DataFrame(
        {
            "id": list(book.ids),
            "face": book.face,
            "coupon": book.coupon,
            "maturity": to_iso(book.maturity),
            "clean_price": risk.clean_price,
            "accrued": risk.accrued,
            "dirty_price": risk.dirty_price,
            "market_value": mv,
            "yield": risk.yield_,
            "macaulay_duration": risk.macaulay_duration,
            "modified_duration": risk.modified_duration,
            "convexity": risk.convexity,
            "dv01": dv01,
        }
    )


def portfolio_totals(book: BondBook, risk: YieldRisk) -> dict[str, float]:
    """Market-value-weighted durations/convexity and summed DV01 and market value."""
    mv, dv01 = position_values(book, risk)
    total = float(mv.sum())
    if total == 0.0:
        raise AnalyticsError("portfolio market value is zero: durations are undefined")
    return {
        "market_value": total,
        "macaulay_duration": float((mv * risk.macaulay_duration).sum() / total),
        "modified_duration": float((mv * risk.modified_duration).sum() / total),
        "convexity": float((mv * risk.convexity).sum() / total),
        "dv01": float(dv01.sum()),
    }
