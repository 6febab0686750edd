"""Yield-based pricing and risk of fixed-rate bonds: price from yield, yield from price, duration.

Yields are decimals with the bond's own compounding; prices per 100 face; durations years,
convexity years^2, DV01 currency per bp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bonds import (
    BondBook,
    CashflowSchedule,
    build_schedule,
)
from hedge_planner.models.dates import (
    to_iso,
)
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.units import BP

if TYPE_CHECKING:  # pandas is imported where a table is asked for as a DataFrame
    import pandas as pd

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
    """:func:`analyze_book_table` with the table as a DataFrame (imports pandas)."""
    table, totals = analyze_book_table(
        book, settle, yields=yields, clean_prices=clean_prices, schedule=schedule
    )
    return table.frame(), totals


def analyze_book_table(
    book: BondBook,
    settle: int,
    *,
    yields: npt.ArrayLike | None = None,
    clean_prices: npt.ArrayLike | None = None,
    schedule: CashflowSchedule | None = None,
) -> tuple[YieldTable, dict[str, float]]:
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
    (YieldTable, dict)
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
    return holdings_table(book, sched, risk), portfolio_totals(book, risk)


def position_values(book: BondBook, risk: YieldRisk) -> tuple[FloatArray, FloatArray]:
    """Market value (currency, dirty) and DV01 (currency per bp) of each position."""
    mv = risk.dirty_price / 100.0 * book.face
    dv01 = risk.modified_duration * mv * BP
    return mv, dv01


@dataclass(frozen=True)
class YieldTable:
    """A table of one row per holding as named columns (``(n,)`` arrays or lists, in order),
    without pandas: the plan reads its columns and records, a DataFrame is built only when one
    is asked for (:meth:`frame`). Columns may be replaced in place (``columns[name] = ...``)
    before the table is shared."""

    columns: dict[str, Any]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def column(self, name: str) -> npt.NDArray[Any]:
        """Column ``name`` as an array."""
        return np.asarray(self.columns[name])

    def records(self) -> list[dict[str, Any]]:
        """One dict per row with Python scalars, as ``DataFrame.to_dict("records")``."""
        names = list(self.columns)
        values = [np.asarray(self.columns[k]).tolist() for k in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (imports pandas)."""
        import pandas as pd

        return pd.DataFrame(self.columns)


def holdings_table(book: BondBook, sched: CashflowSchedule, risk: YieldRisk) -> YieldTable:
    """One row per holding with the yield-based analytics (see :func:`analyze_book`)."""
    mv, dv01 = position_values(book, risk)
    return YieldTable(
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
