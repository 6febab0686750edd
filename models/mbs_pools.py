"""Agency pass-through pools: terms, payment timeline and deterministic (certain-flow) projection.

See :mod:`models.mbs` for the units and the cash-flow arithmetic; this module holds what does not
need the short-rate model: the pool book, its month timeline, one month of amortisation, SMMs of
rate-independent pools and their flows, and the cash-flow table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import add_months, from_ymd, ymd
from hedge_planner.models.daycount import days_30_360
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.prepayment import Prepayment, psa_cpr, smm_from_cpr

#: Default stated delay, days (UMBS).
DEFAULT_DELAY_DAYS = 55


@dataclass(frozen=True)
class PoolBook:
    """Pass-through pools as arrays (see the module docstring for units)."""

    ids: tuple[str, ...]
    face: FloatArray
    coupon: FloatArray
    wac: FloatArray
    wam: IntArray
    wala: IntArray
    delay_days: IntArray
    prepayment: tuple[Prepayment, ...]

    def __post_init__(self) -> None:
        if np.any(self.wam < 1) or np.any(self.wala < 0):
            raise AnalyticsError("pools need wam_months >= 1 and wala_months >= 0")
        if np.any(self.wac < self.coupon):
            raise AnalyticsError("a pool's WAC must be at least its pass-through coupon")

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class PoolTimeline:
    """Accrual starts, payment dates and curve times of every pool's months."""

    months: int
    start: IntArray  # (M,) first day of each accrual month, day serials
    pay: IntArray  # (B, M) payment dates
    pay_time: FloatArray  # (B, M) years from settlement
    accrued: FloatArray  # (B,) per 100 face
    month_of_year: IntArray  # (M,)


def timeline(pools: PoolBook, curve: YieldCurve, months: int | None = None) -> PoolTimeline:
    """Dates of every projected month (settlement = the curve's anchor); at least ``months``
    months (a pool's flows stop after its WAM: a longer timeline only pads zeros, and keeps the
    Monte Carlo draws of a subset of pools those of the whole set)."""
    settle = curve.anchor
    y, mo, _ = ymd(np.array([settle]))
    first = from_ymd(y, mo, np.ones(1, dtype=np.int64))
    n_m = max(int(pools.wam.max()), months or 0)
    start = add_months(np.repeat(first, n_m), np.arange(n_m))
    pay = start[None, :] + pools.delay_days[:, None]
    if np.any(pay[:, 0] <= settle):
        raise AnalyticsError("a pool's first payment falls on or before settlement")
    pay_time = np.asarray(curve.time(pay), dtype=np.float64)
    days = float(days_30_360(first, np.array([settle]))[0])
    accrued = 100.0 * pools.coupon / 12.0 * days / 30.0
    _, month_of_year, _ = ymd(start)
    return PoolTimeline(n_m, start, pay, pay_time, accrued, month_of_year)


def _month_step(
    balance: FloatArray, m: int, pools: PoolBook, smm: FloatArray, axis: int = 0
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """One month of amortisation on balances whose ``axis`` runs over pools: scheduled
    principal, prepayment, net interest and the new balance."""
    extra = (None,) * axis + (slice(None),) + (None,) * (balance.ndim - 1 - axis)
    g = (pools.wac / 12.0)[extra]
    n = np.maximum(pools.wam - m, 1)[extra].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(g > 0, g / -np.expm1(-n * np.log1p(g)), 1.0 / n)
    alive = (m < pools.wam)[extra]
    scheduled = np.where(alive, balance * (annuity - g), 0.0)
    scheduled = np.minimum(scheduled, balance)
    prepay = np.where(alive, smm * (balance - scheduled), 0.0)
    interest = np.where(alive, balance * (pools.coupon / 12.0)[extra], 0.0)
    return scheduled, prepay, interest, balance - scheduled - prepay


def static_smm(pools: PoolBook, months: int) -> FloatArray:
    """SMM ``(B, M)`` of rate-independent pools (NaN rows for ``refi`` pools)."""
    age = pools.wala[:, None] + np.arange(months)[None, :] + 1
    out = np.full((len(pools), months), np.nan)
    for b, p in enumerate(pools.prepayment):
        if p.model == "cpr":
            out[b] = smm_from_cpr(np.full(months, p.speed))
        elif p.model == "psa":
            out[b] = smm_from_cpr(psa_cpr(age[b], p.speed))
    return out


def cashflow_table(
    pools: PoolBook, b: int, curve: YieldCurve, smm: FloatArray
) -> list[dict[str, object]]:
    """Projected monthly flows of pool ``b`` for its face, currency, under SMMs ``(M,)``."""
    tl = timeline(pools, curve)
    bal = np.array([pools.face[b]])
    one = PoolBook(
        (pools.ids[b],),
        pools.face[b : b + 1],
        pools.coupon[b : b + 1],
        pools.wac[b : b + 1],
        pools.wam[b : b + 1],
        pools.wala[b : b + 1],
        pools.delay_days[b : b + 1],
        (pools.prepayment[b],),
    )
    rows: list[dict[str, object]] = []
    for m in range(int(pools.wam[b])):
        sch, pre, intr, new = _month_step(bal, m, one, np.array([smm[m]]))
        rows.append(
            {
                "month": m + 1,
                "date": int(tl.pay[b, m]),
                "beginning_balance": float(bal[0]),
                "smm": float(smm[m]),
                "scheduled_principal": float(sch[0]),
                "prepayment": float(pre[0]),
                "net_interest": float(intr[0]),
                "total_cash_flow": float(sch[0] + pre[0] + intr[0]),
            }
        )
        bal = new
    return rows


def projected_flows(pools: PoolBook, smm: FloatArray) -> FloatArray:
    """Total flows ``(B, M)`` per unit of current face under SMMs ``(B, M)``."""
    bal = np.ones(len(pools))
    out = np.zeros(smm.shape)
    for m in range(smm.shape[1]):
        sch, pre, intr, bal = _month_step(bal, m, pools, smm[:, m])
        out[:, m] = sch + pre + intr
    return out


def split_refi(pools: PoolBook) -> tuple[IntArray, IntArray]:
    """Rate-independent and rate-dependent pools."""
    is_refi = np.array([p.model == "refi" for p in pools.prepayment])
    return np.flatnonzero(~is_refi), np.flatnonzero(is_refi)


def static_flows(pools: PoolBook, fixed: IntArray, n_m: int) -> tuple[FloatArray, FloatArray]:
    """Total and principal flows ``(b, M)`` of rate-independent pools (certain flows)."""
    sub = subset(pools, fixed)
    smm = static_smm(sub, n_m)
    bal = np.ones(fixed.size)
    cf = np.zeros((fixed.size, n_m))
    principal = np.zeros((fixed.size, n_m))
    for m in range(n_m):
        sch, pre, intr, bal = _month_step(bal, m, sub, smm[:, m])
        cf[:, m] = sch + pre + intr
        principal[:, m] = sch + pre
    return cf, principal


def subset(pools: PoolBook, idx: IntArray) -> PoolBook:
    return PoolBook(
        tuple(pools.ids[i] for i in idx),
        pools.face[idx],
        pools.coupon[idx],
        pools.wac[idx],
        pools.wam[idx],
        pools.wala[idx],
        pools.delay_days[idx],
        tuple(pools.prepayment[i] for i in idx),
    )
