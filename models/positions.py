"""Held derivatives that are not par instruments of the hedge universe: seasoned SOFR swaps.

A seasoned swap is given by its effective date, maturity, fixed rate and direction. Its fixed
leg pays annual ACT/360 coupons on a schedule generated backward from maturity (a short front
stub when the life is not a whole number of years, as :func:`models.bootstrap.ois_schedule`);
periods already paid are dropped, and the running period keeps its full accrual (the coupon
paid at its end). The floating leg is valued from the analysis date: ``DF(today) - DF(end)``
per unit notional. The compounded SOFR already fixed in the running period is not known here
(no fixings are given): its value, ``notional x (realised compounding - 1) x DF(next payment)``,
is left out of the market value and has no key-rate risk beyond discounting to the next date,
so DV01, key-rate DV01s, convexity and carry are those of the remaining cash flows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import add_months, is_end_of_month, to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.hedge_instruments import SwapHedge
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors
from hedge_planner.models.swaps import SwapBook, SwapSpec

__all__ = ["SeasonedSwap", "seasoned_swap_book"]

#: A front stub shorter than this many days is merged into the next period.
MIN_STUB_DAYS = 7


def _fixed_schedule(start: int, maturity: int) -> tuple[np.ndarray, np.ndarray]:
    """Annual accrual starts and payment dates, generated backward from ``maturity``."""
    eom = bool(is_end_of_month(maturity))
    ends = [maturity]
    k = 1
    while True:
        day = int(add_months(maturity, -12 * k, eom))
        if day - start < MIN_STUB_DAYS:
            break
        ends.insert(0, day)
        k += 1
    starts = [start, *ends[:-1]]
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def seasoned_swap_book(
    curve: YieldCurve,
    name: str,
    start: dt.date,
    maturity: dt.date,
    fixed_rate: float,
    direction: str,
) -> SwapBook:
    """The remaining cash flows of a swap struck at ``fixed_rate`` on ``start``.

    Parameters
    ----------
    curve
        SOFR curve; its anchor is the valuation date.
    name
        Identifier.
    start, maturity
        Effective date and final payment date.
    fixed_rate
        Contract fixed rate, decimal annual ACT/360.
    direction
        ``"receive"`` or ``"pay"`` fixed.

    Returns
    -------
    SwapBook
        One swap: periods paying after the anchor; the floating leg starts at
        ``max(start, anchor)``.

    Raises
    ------
    AnalyticsError
        When the swap has matured on or before the valuation date.
    """
    anchor = int(curve.anchor)
    s, e = int(to_days(start)), int(to_days(maturity))
    if e <= anchor:
        raise AnalyticsError(f"swap {name!r} matured on {maturity}, on or before the analysis date")
    acc_start, pay = _fixed_schedule(s, e)
    live = pay > anchor
    acc_start, pay = acc_start[live], pay[live]
    accrual = (pay - acc_start) / 360.0  # full accrual of the running period
    float_start = max(s, anchor)
    # The running period's accrual start is the later of its start and today: the carry and
    # roll-down of the floating leg run from today (what is already fixed is not rate risk).
    acc_start = np.maximum(acc_start, anchor)
    months = max(1, round((e - float_start) / 30.4375))
    spec = SwapSpec(
        name=name,
        tenor=f"{months}m",
        fixed_rate=float(fixed_rate),
        direction="receive" if direction == "receive" else "pay",
    )
    return SwapBook(
        specs=(spec,),
        anchor=anchor,
        start_day=np.array([float_start], dtype=np.int64),
        end_day=np.array([e], dtype=np.int64),
        acc_start=acc_start[None, :],
        pay_day=pay[None, :],
        accrual=accrual[None, :],
        fixed_rate=np.array([float(fixed_rate)]),
        sign=np.array([1.0 if direction == "receive" else -1.0]),
    )


class SeasonedSwap(SwapHedge):
    """A held seasoned SOFR OIS, per 1 unit of notional (see the module notes).

    Risk, carry and scenario values are :class:`SwapHedge`'s, on the remaining cash flows of
    :func:`seasoned_swap_book`.
    """

    def __init__(
        self,
        name: str,
        start: dt.date,
        maturity: dt.date,
        fixed_rate: float,
        direction: str,
        curve: YieldCurve,
        *,
        margin: float = 0.0,
        half_spread_bp: float = 0.0,
        key_tenors: Sequence[str] = DEFAULT_KEY_TENORS,
    ) -> None:
        self.key_tenors = check_key_tenors(key_tenors)[0]
        self.name = name
        self.curve = curve
        self.book = seasoned_swap_book(curve, name, start, maturity, fixed_rate, direction)
        self.spec = self.book.specs[0]
        self.margin = float(margin)
        self.half_spread_bp = float(half_spread_bp)
