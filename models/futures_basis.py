"""Treasury futures basis analytics and the carry-model futures price.

Prices per 100 face, rates decimals, dates as day serials or ISO strings; the contract table,
delivery calendar and conversion factors are in :mod:`hedge_planner.models.futures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.dates import (
    IntArray,
)
from hedge_planner.models.futures import _as_day
from hedge_planner.models.units import DAYS_PER_YEAR

# --------------------------------------------------------------------------------------------
# Basis analytics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BasisResult:
    """Cash-futures basis figures for a deliverable basket (per 100 face unless stated).

    Attributes
    ----------
    days
        Calendar days from settlement to delivery.
    dirty_price
        Clean price + accrued now.
    forward_full
        Forward dirty price at delivery: ``dirty*(1 + r*days/360)`` less the coupon paid in
        between and its reinvestment at repo to delivery.
    forward_clean
        ``forward_full`` less accrued at delivery.
    carry
        Coupon income (accrual change plus any coupon and its reinvestment) less repo financing:
        ``clean_now - forward_clean``.
    gross_basis
        ``clean_now - futures_price * CF``.
    net_basis
        ``gross_basis - carry`` (= ``forward_clean - futures_price * CF``).
    invoice_price
        ``futures_price * CF + accrued at delivery``.
    implied_repo
        Implied repo rate, decimal simple ACT/360 (coupon-adjusted, see
        :func:`basis_analytics`).
    ctd_index
        Index of the cheapest-to-deliver bond (highest implied repo).
    """

    days: IntArray
    dirty_price: FloatArray
    forward_full: FloatArray
    forward_clean: FloatArray
    carry: FloatArray
    gross_basis: FloatArray
    net_basis: FloatArray
    invoice_price: FloatArray
    implied_repo: FloatArray
    ctd_index: int


def basis_analytics(
    clean_price: npt.ArrayLike,
    accrued_now: npt.ArrayLike,
    accrued_delivery: npt.ArrayLike,
    conversion_factor: npt.ArrayLike,
    futures_price: float,
    repo_rate: npt.ArrayLike,
    settlement: Any,
    delivery: Any,
    coupon_income: npt.ArrayLike = 0.0,
    coupon_date: npt.ArrayLike | None = None,
    reinvestment_rate: npt.ArrayLike | None = None,
    reinvestment_basis: float = 360.0,
) -> BasisResult:
    """Forward prices, carry, gross/net basis and implied repo of a deliverable basket.

    Parameters
    ----------
    clean_price
        Clean price now (settlement), per 100.
    accrued_now, accrued_delivery
        Accrued interest at settlement and at delivery, per 100.
    conversion_factor
        Conversion factor per bond, per 1.
    futures_price
        Futures price, per 100.
    repo_rate
        Term repo rate to delivery, decimal ACT/360 (scalar or per bond).
    settlement, delivery
        Settlement and delivery dates (day serial, date or ISO string).
    coupon_income
        Coupon paid between settlement and delivery, per 100 (0 if none).
    coupon_date
        Payment date of that coupon (day serials); required where ``coupon_income`` is non-zero.
    reinvestment_rate
        Simple rate (decimal) at which the coupon is reinvested from its payment to delivery;
        ``None`` (default) reinvests at repo.
    reinvestment_basis
        Day basis of ``reinvestment_rate``: 360 (ACT/360, default) or 365 (ACT/365F).

    Returns
    -------
    BasisResult
        Per-bond arrays plus the CTD index.

    Notes
    -----
    The implied repo is the rate ``r`` at which buying the bond, financing it, receiving the
    coupon (reinvested at ``r``) and delivering it at the invoice price breaks even:
    ``dirty*(1 + r*d/360) - C*(1 + r*d2/360) = F*CF + AI_del`` with ``d`` days to delivery and
    ``d2`` days from the coupon to delivery, i.e.
    ``r = (F*CF + AI_del + C - dirty) * 360 / (dirty*d - C*d2)``. With no coupon this is
    ``((F*CF + AI_del)/dirty - 1) * 360/d``. With a separate reinvestment rate ``q`` (basis
    ``B``) the coupon grows to ``C*(1 + q*d2/B)`` in the forward price and in the break-even,
    ``r = (F*CF + AI_del + C*(1 + q*d2/B) - dirty) * 360 / (dirty*d)``. Delivery options are
    ignored.
    """
    clean = np.asarray(clean_price, dtype=np.float64)
    ai0 = np.asarray(accrued_now, dtype=np.float64)
    ai1 = np.asarray(accrued_delivery, dtype=np.float64)
    cf = np.asarray(conversion_factor, dtype=np.float64)
    repo = np.asarray(repo_rate, dtype=np.float64)
    cpn = np.asarray(coupon_income, dtype=np.float64)
    settle, deliver = _as_day(settlement), _as_day(delivery)
    days = deliver - settle
    if days <= 0:
        raise ValueError("delivery must be after settlement")
    if coupon_date is None:
        if np.any(cpn != 0):
            raise ValueError("coupon_date is required when coupon_income is non-zero")
        d2 = np.zeros_like(cpn)
    else:
        cd = np.asarray(coupon_date, dtype=np.int64)
        d2 = np.where(cpn != 0, deliver - cd, 0).astype(np.float64)
        if np.any((cpn != 0) & ((d2 < 0) | (d2 > days))):
            raise ValueError("coupon_date must lie between settlement and delivery")
    if reinvestment_basis not in (360.0, DAYS_PER_YEAR):
        raise ValueError("reinvestment_basis must be 360 (ACT/360) or 365 (ACT/365F)")
    dirty = clean + ai0
    converted = futures_price * cf
    invoice = converted + ai1
    if reinvestment_rate is None:
        fwd_full = dirty * (1.0 + repo * days / 360.0) - cpn * (1.0 + repo * d2 / 360.0)
        implied = (invoice + cpn - dirty) * 360.0 / (dirty * days - cpn * d2)
    else:
        q = np.asarray(reinvestment_rate, dtype=np.float64)
        coupon_fv = cpn * (1.0 + q * d2 / reinvestment_basis)
        fwd_full = dirty * (1.0 + repo * days / 360.0) - coupon_fv
        implied = (invoice + coupon_fv - dirty) * 360.0 / (dirty * days)
    fwd_clean = fwd_full - ai1
    gross = clean - converted
    carry = clean - fwd_clean
    shape = np.broadcast_shapes(clean.shape, ai0.shape, ai1.shape, cf.shape, repo.shape, cpn.shape)
    implied = np.broadcast_to(implied, shape)
    return BasisResult(
        days=np.full(shape, days, dtype=np.int64),
        dirty_price=np.broadcast_to(dirty, shape),
        forward_full=np.broadcast_to(fwd_full, shape),
        forward_clean=np.broadcast_to(fwd_clean, shape),
        carry=np.broadcast_to(carry, shape),
        gross_basis=np.broadcast_to(gross, shape),
        net_basis=np.broadcast_to(gross - carry, shape),
        invoice_price=np.broadcast_to(invoice, shape),
        implied_repo=implied,
        ctd_index=int(np.argmax(implied)),
    )


def theoretical_futures_price(
    forward_clean: npt.ArrayLike, conversion_factor: npt.ArrayLike
) -> tuple[float, int]:
    """No-arbitrage futures price ignoring delivery options: ``min(forward_clean / CF)``.

    Returns the price (per 100) and the index of the bond that sets it (the CTD). The short's
    quality, timing and end-of-month options make the real futures price lower; they are
    deliberately not valued here.
    """
    ratio = np.asarray(forward_clean, dtype=np.float64) / np.asarray(
        conversion_factor, dtype=np.float64
    )
    idx = int(np.argmin(ratio))
    return float(ratio.flat[idx]), idx
