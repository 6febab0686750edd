"""Fixed-coupon bullet bonds: static data, vectorised cash-flow schedules, yield-based analytics.

Everything here works on a whole book at once. A book's remaining cash flows live in flat arrays
(one entry per flow, grouped by bond), and price, yield, duration and convexity are numpy
reductions over those arrays. There is no per-bond Python loop.

Conventions (the street convention, identical to QuantLib's ``BondFunctions`` with an
``InterestRate(y, day_count, Compounded, frequency)``):

* Coupon dates are generated backward from maturity, unadjusted, with an end-of-month rule; an
  issue date after the previous regular date makes a short first coupon.
* A coupon pays ``100 * coupon * yf(accrual start, accrual end)`` per 100 face, where ``yf`` is the
  bond's day count with the regular period as reference; a full regular period pays exactly
  ``100 * coupon / frequency`` under ACT/ACT and 30/360 alike (under 30/360 an end-of-month
  February date would otherwise give 178 or 183 days: the street pays the regular coupon).
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
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.dates import (
    NO_DATE,
    add_months,
    days_in_month,
    months_between,
    shift_months,
    ymd,
)
from hedge_planner.models.daycount import DayCount, year_fraction
from hedge_planner.models.errors import AnalyticsError

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


#: Flows per block of the schedule build (and of the curve-risk kernels): about 64k flows keep a
#: block's dozen temporaries within a few MB of cache, and the temporaries' size does not grow
#: with the book (no page faults on fresh full-length arrays).
BLOCK_FLOWS = 1 << 16


def bond_blocks(offsets: IntArray, block_flows: int = BLOCK_FLOWS) -> list[tuple[int, int]]:
    """Consecutive bond ranges ``[b0, b1)`` holding about ``block_flows`` flows each.

    A block always holds whole bonds (at least one), so per-bond results computed block by block
    are those of one call over the book.
    """
    n = len(offsets) - 1
    if n <= 0:
        return []
    total = int(offsets[-1])
    marks = np.arange(0, total, max(int(block_flows), 1))
    starts = np.unique(np.searchsorted(offsets, marks, side="right") - 1)
    starts = starts[(starts >= 0) & (starts < n)]
    if starts.size == 0 or starts[0] != 0:
        starts = np.concatenate([[0], starts])
    ends = np.append(starts[1:], n)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def running_sum_in_bond(values: FloatArray, position: IntArray) -> FloatArray:
    """Inclusive running sum of ``values`` restarting at each bond (``position`` 0 = first flow).

    A log-step (Hillis-Steele) scan: step ``s`` adds the value ``s`` flows back when it belongs to
    the same bond. Each result depends only on its own bond's values, never on where the bond
    sits in the array, so a long book accumulates no drift and any split into blocks of whole
    bonds gives bit-identical sums.
    """
    out = np.array(values, dtype=np.float64, copy=True)
    longest = int(position.max()) + 1 if position.size else 0
    step = 1
    while step < longest:
        same = position[step:] >= step
        tail = out[step:]
        tail[same] += out[:-step][same]  # the right side is gathered (copied) before the add
        step *= 2
    return out


def build_schedule(
    book: BondBook, settle: int, *, block_flows: int = BLOCK_FLOWS
) -> CashflowSchedule:
    """Generate every bond's remaining cash flows after ``settle``, vectorised over the book.

    Parameters
    ----------
    book
        The bonds.
    settle
        Settlement date, day serial. Bonds must mature after it (and be issued on or before it).
    block_flows
        Flows generated per block (whole bonds): the result does not depend on it.

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
    n = len(book)
    out = _ScheduleArrays(
        bond=np.empty(total, dtype=np.int64),
        pay=np.empty(total, dtype=np.int64),
        amounts=np.empty(total),
        periods=np.empty(total),
        accrued=np.empty(n),
        prev_regular=np.empty(n, dtype=np.int64),
        next_coupon=np.empty(n, dtype=np.int64),
    )
    for b0, b1 in bond_blocks(offsets, block_flows):
        _schedule_block(book, settle, b0, b1, comp, offsets, out)
    return CashflowSchedule(
        settle=settle,
        bond=out.bond,
        offsets=offsets,
        pay_dates=out.pay,
        amounts=out.amounts,
        periods=out.periods,
        accrued=out.accrued,
        compounding=comp.astype(np.float64),
        prev_coupon=out.prev_regular,
        next_coupon=out.next_coupon,
    )


@dataclass(frozen=True)
class _ScheduleArrays:
    """The preallocated outputs a schedule build fills block by block."""

    bond: IntArray
    pay: IntArray
    amounts: FloatArray
    periods: FloatArray
    accrued: FloatArray
    prev_regular: IntArray
    next_coupon: IntArray


def _schedule_block(
    book: BondBook,
    settle: int,
    b0: int,
    b1: int,
    comp_all: IntArray,
    offsets_all: IntArray,
    out: _ScheduleArrays,
) -> None:
    """Flows of bonds ``b0 .. b1 - 1`` written into their slices of ``out``."""
    f0, f1 = int(offsets_all[b0]), int(offsets_all[b1])
    comp = comp_all[b0:b1]
    step = 12 // comp
    maturity, eom = book.maturity[b0:b1], book.eom[b0:b1]
    day_count, issue = book.day_count[b0:b1], book.issue_date[b0:b1]
    offsets = offsets_all[b0 : b1 + 1] - f0
    n_flows = np.diff(offsets)
    total = f1 - f0
    bond = np.repeat(np.arange(b1 - b0), n_flows)
    j = np.arange(total) - offsets[bond]  # position of the flow within its bond
    first = j == 0
    my, mm, md = ymd(maturity)
    snap = eom & (md == days_in_month(my, mm))
    back = -(n_flows[bond] - 1 - j) * step[bond]
    pay = shift_months(my[bond], mm[bond], md[bond], snap[bond], back)
    prev_regular = add_months(maturity, -n_flows * step, eom)
    next_coupon = pay[offsets[:-1]]

    ref_start = np.empty(total, dtype=np.int64)
    ref_start[1:] = pay[:-1]
    ref_start[first] = prev_regular
    has_issue = issue != NO_DATE
    first_start = np.where(has_issue, np.maximum(prev_regular, issue), prev_regular)
    accrual_start = ref_start.copy()
    accrual_start[first] = first_start

    dc = day_count[bond]
    freq = comp[bond]
    period_yf = year_fraction(dc, accrual_start, pay, ref_start, pay, freq)
    # A full regular period pays coupon / frequency under 30/360 as under ACT/ACT: the street
    # (and MATLAB's cfamounts) counts a regular 30/360 half-year as 180 days even where an
    # end-of-month February date makes the day count 178 or 183. Short first periods, the
    # accrued keep the day count, and the first flow sits at (E - A) / E periods (the SIA rule).
    full = (dc == DayCount.THIRTY_360) & (accrual_start == ref_start)
    coupon_yf = np.where(full, 1.0 / freq, period_yf)
    amounts = 100.0 * book.coupon[b0:b1][bond] * coupon_yf
    amounts[offsets[1:] - 1] += 100.0

    # Time to the first flow is measured from the accrual start net of the accrued part (the
    # SIA rule DSC = E - A under 30/360; QuantLib's stepwise rule): flows sit whole periods
    # apart.
    acc_yf = year_fraction(day_count, first_start, settle, prev_regular, next_coupon, comp)
    t0 = np.where(
        first_start <= settle,
        coupon_yf[first] - acc_yf,
        year_fraction(day_count, settle, next_coupon, prev_regular, next_coupon, comp),
    )
    # Periods = f*t0 + j + (running excess of each later period over one regular period); the
    # excess is exactly zero under ACT/ACT and small otherwise, and its running sum restarts at
    # each bond (no cumulative sum over the whole book, so no drift however long the book).
    excess = np.where(first, 0.0, coupon_yf * freq - 1.0)
    run = running_sum_in_bond(excess, j) if excess.any() else excess
    out.periods[f0:f1] = (t0 * comp)[bond] + j + run
    out.bond[f0:f1] = bond + b0
    out.pay[f0:f1] = pay
    out.amounts[f0:f1] = amounts
    out.accrued[b0:b1] = np.where(first_start < settle, 100.0 * book.coupon[b0:b1] * acc_yf, 0.0)
    out.prev_regular[b0:b1] = prev_regular
    out.next_coupon[b0:b1] = next_coupon


def _which(book: BondBook, bad: npt.NDArray[np.bool_], reason: str) -> str:
    ids = [book.ids[i] for i in np.flatnonzero(bad)]
    shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    return f"{reason}: {shown}"
