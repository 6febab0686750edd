"""Exact bootstrap of a discount curve through coupon bonds quoted at clean prices.

Each bond is a fixed-coupon bullet with its own coupon, maturity (any date), frequency and day
count, quoted at a clean price per 100 face and settling on the curve anchor. Its remaining cash
flows and accrued interest come from :func:`models.bonds.build_schedule` (the package's single
schedule builder, the street convention QuantLib's ``FixedRateBond`` follows), so the dirty price
the curve must reproduce is ``clean + accrued``.

The curve gets one node at each bond's maturity. Dividing each bond's flows by its dirty price
turns every bond into an instrument worth exactly 1, which is the form the par bootstraps of
:mod:`models.bootstrap` solve: nodes are solved one by one (intermediate coupons discounted off
the curve's own interpolation), and a non-local interpolation is polished by a global Newton
step. Every bond then reprices to far better than 1e-10 per 100.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bonds import BondBook, CashflowSchedule, build_schedule
from hedge_planner.models.bootstrap import _bootstrap
from hedge_planner.models.curves import Interpolation, YieldCurve, _as_day
from hedge_planner.models.dates import to_iso
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.units import BP

logger = logging.getLogger(__name__)

#: Clean prices per 100 outside this range are refused as implausible (a typo or a yield).
MIN_CLEAN_PRICE = 1.0
MAX_CLEAN_PRICE = 250.0


@dataclass(frozen=True)
class CurveBond:
    """One fixed-coupon bond quoted for a curve.

    Attributes
    ----------
    id
        Identifier (unique within a curve).
    coupon
        Annual coupon, decimal (0.045 = 4.5%).
    maturity
        Maturity date (day serial, ``datetime.date`` or ISO string).
    price
        Clean price per 100 face at the curve anchor.
    frequency
        Coupons per year: 1, 2, 4, 12, or 0 for a zero-coupon bond.
    day_count
        Coupon accrual convention (:class:`models.daycount.DayCount`).
    """

    id: str
    coupon: float
    maturity: Any
    price: float
    frequency: int = 2
    day_count: DayCount = DayCount.ACT_ACT


def bond_book(bonds: Sequence[CurveBond]) -> BondBook:
    """The bonds as a 1-face-per-100 :class:`BondBook` (end-of-month rule on)."""
    return BondBook.from_arrays(
        [b.id for b in bonds],
        100.0,
        [b.coupon for b in bonds],
        [_as_day(b.maturity) for b in bonds],
        [b.frequency for b in bonds],
        [int(b.day_count) for b in bonds],
    )


def bond_schedule(anchor: Any, bonds: Sequence[CurveBond]) -> CashflowSchedule:
    """Remaining flows (per 100 face) and accrued interest of the bonds settling on ``anchor``."""
    return build_schedule(bond_book(bonds), _as_day(anchor))


def model_dirty_prices(curve: YieldCurve, sched: CashflowSchedule) -> FloatArray:
    """Dirty prices per 100 of the scheduled bonds discounted on ``curve``."""
    return sched.per_bond(sched.amounts * curve.discount_at(sched.pay_dates))


def check_bonds(anchor: Any, bonds: Sequence[CurveBond]) -> None:
    """Refuse bond sets no exact bootstrap can use (reasons name the bond).

    Raises
    ------
    AnalyticsError
        Duplicate ids or maturities, a maturity on or before the anchor, a price outside
        [:data:`MIN_CLEAN_PRICE`, :data:`MAX_CLEAN_PRICE`], or no bonds at all.
    """
    if not bonds:
        raise AnalyticsError("no bonds to bootstrap from")
    start = _as_day(anchor)
    seen: dict[str, int] = {}
    by_maturity: dict[int, str] = {}
    for b in bonds:
        if b.id in seen:
            raise AnalyticsError(f"bond {b.id!r} is given twice")
        seen[b.id] = 1
        if not (np.isfinite(b.price) and MIN_CLEAN_PRICE <= b.price <= MAX_CLEAN_PRICE):
            raise AnalyticsError(
                f"bond {b.id!r}: clean price {b.price:g} is outside the plausible "
                f"{MIN_CLEAN_PRICE:g} to {MAX_CLEAN_PRICE:g} per 100"
            )
        day = _as_day(b.maturity)
        if day <= start:
            raise AnalyticsError(f"bond {b.id!r} matures on or before the curve date")
        if day in by_maturity:
            raise AnalyticsError(
                f"bonds {by_maturity[day]!r} and {b.id!r} mature on the same date: an exact "
                "bootstrap needs one bond per maturity (use fit: nss for a fitted curve)"
            )
        by_maturity[day] = b.id


def bootstrap_bonds(
    anchor: Any,
    bonds: Sequence[CurveBond],
    interpolation: Interpolation = "log_linear_df",
) -> YieldCurve:
    """Discount curve through the bonds' clean prices, exact to rounding.

    Parameters
    ----------
    anchor
        Curve date = settlement date of every bond (day serial, ``datetime.date`` or ISO).
    bonds
        The bonds, any order, one per maturity date.
    interpolation
        Curve interpolation (see :class:`models.curves.YieldCurve`).

    Returns
    -------
    YieldCurve
        One node per bond at its maturity (ACT/365F time axis from ``anchor``).

    Raises
    ------
    AnalyticsError
        For bad bond sets (see :func:`check_bonds`) or prices no positive discount factor fits.
    """
    check_bonds(anchor, bonds)
    start = _as_day(anchor)
    order = sorted(range(len(bonds)), key=lambda i: _as_day(bonds[i].maturity))
    ordered = [bonds[i] for i in order]
    sched = bond_schedule(start, ordered)
    dirty = np.array([b.price for b in ordered]) + sched.accrued
    pays = [
        sched.pay_dates[a:b] for a, b in zip(sched.offsets[:-1], sched.offsets[1:], strict=True)
    ]
    # Flows per unit of dirty price: every bond is then worth exactly 1, the par bootstrap's form.
    amounts = [
        sched.amounts[a:b] / dirty[i]
        for i, (a, b) in enumerate(zip(sched.offsets[:-1], sched.offsets[1:], strict=True))
    ]
    curve = _bootstrap(start, pays, amounts, [b.id for b in ordered], interpolation)
    logger.debug("bond bootstrap: %d bonds, %s", len(ordered), curve)
    return curve


def repricing_errors(
    curve: YieldCurve, anchor: Any, bonds: Sequence[CurveBond]
) -> list[dict[str, Any]]:
    """Model minus quoted clean price per bond (per 100), with the model yield gap in bp.

    Returns one record per bond: ``id``, ``maturity`` (ISO), ``price`` (quoted clean),
    ``model_price`` (clean, per 100), ``error`` (model - quoted, per 100) and ``error_bp``
    (the price error divided by the bond's curve DV01 per 100, bp: positive = the bond is
    cheap against the curve, its yield above the curve's).
    """
    sched = bond_schedule(anchor, bonds)
    model = model_dirty_prices(curve, sched) - sched.accrued
    dv01 = _curve_dv01(curve, sched)
    out = []
    for i, b in enumerate(bonds):
        err = float(model[i] - b.price)
        out.append(
            {
                "id": b.id,
                "maturity": _iso(_as_day(b.maturity)),
                "price": float(b.price),
                "model_price": float(model[i]),
                "error": err,
                "error_bp": err / float(dv01[i]),
            }
        )
    return out


def _curve_dv01(curve: YieldCurve, sched: CashflowSchedule) -> FloatArray:
    """Price fall per 100 for a 1 bp parallel rise of the continuous zero curve (analytic)."""
    t = curve.time(sched.pay_dates)
    pv = sched.amounts * curve.discount(t)
    return sched.per_bond(pv * t) * BP


def _iso(day: int) -> str:
    return str(to_iso([day])[0])
