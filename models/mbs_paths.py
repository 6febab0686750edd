"""Rate-dependent pass-through pools on Monte Carlo paths, vectorised over months, with the
adjoint derivative of each pool's value with respect to the mortgage-rate path and the curve.

The monthly recursion of :mod:`models.mbs` has a closed form once the incentive path is known: the
incentive ``I = WAC - mortgage rate`` does not depend on the pool's balance, so over a block of
pools ``(b, P, M)`` (pools, paths, months), with ``u = max(I, 0)`` and ``sr`` the scheduled
principal rate::

    burn_m = exp(-burnout / 12 * sum_{j<m} u_j)            (exclusive cumulative sum)
    CPR_m  = min(ramp_m (turnover_m lockin(I_m) + refi(I_m) burn_m), 0.99)
    SMM_m  = 1 - (1 - CPR_m)^(1/12)
    bal_m  = prod_{j<m} (1 - sr_j)(1 - SMM_j)                (exclusive cumulative product)
    flow_m = bal_m (sr_m + SMM_m (1 - sr_m) + coupon_m)

the same arithmetic as the month loop up to rounding (1e-13 relative on prices).

Adjoint (reverse mode) of ``V = sum_{p,m} flow w`` (``w`` the path deflator times the OAS factor,
divided by the path count): with ``flow_m = bal_m (1 + c_m) - bal_{m+1}``,
``dV/dbal_m = w_m (1 + c_m) - w_{m-1}``; ``dV/dSMM_j = -sum_{m>j} dV/dbal_m bal_m / (1 - SMM_j)``;
``dV/dCPR_j = dV/dSMM_j (1 - SMM_j) / (12 (1 - CPR_j))`` (0 where capped); and the incentive enters
``CPR_j`` directly and through the burnout of later months. A curve shift moves the mortgage rate
of every path-month (``drate``) and the discount factors (``dln P``); the value's derivative along
the shift is ``-sum dV/dI drate + sum_m (sum_p flow w) dln P_m``: every key rate is a dot product.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.mbs_pools import PoolBook, PoolTimeline, subset
from hedge_planner.models.prepayment import SEASONALITY, RefiModel

logger = logging.getLogger(__name__)

#: Elements of the ``(b, P, M)`` path state a block keeps for its adjoint (about 8 MB an array).
BLOCK_ELEMENTS = 1_000_000
#: Elements of the working arrays of one path chunk.
CHUNK_ELEMENTS = 40_000


@dataclass(frozen=True)
class PoolTerms:
    """Month-by-month terms of rate-dependent pools ``(b, M)`` (decimals).

    Attributes
    ----------
    wac
        ``(b,)`` gross WAC.
    sched_rate
        Scheduled principal as a fraction of the balance (0 after the last month).
    coupon
        Net coupon per month (pass-through coupon / 12; 0 after the last month).
    ramp
        Seasoning ramp times the pool's speed multiplier.
    turnover
        ``(M,)`` turnover CPR times the month-of-year seasonality.
    pay_index
        Column of each pool-month's payment time among the distinct payment times.
    pay_group, group_index
        ``(b,)`` group of pools paying on the same dates (one per delay) and each group's
        ``pay_index`` row ``(G, M)``.
    """

    wac: FloatArray
    sched_rate: FloatArray
    coupon: FloatArray
    ramp: FloatArray
    turnover: FloatArray
    pay_index: IntArray
    pay_group: IntArray
    group_index: IntArray

    def rows(self, sel: slice) -> PoolTerms:
        """Pools ``sel``."""
        return PoolTerms(
            self.wac[sel],
            self.sched_rate[sel],
            self.coupon[sel],
            self.ramp[sel],
            self.turnover,
            self.pay_index[sel],
            self.pay_group[sel],
            self.group_index,
        )


def pool_terms(
    pools: PoolBook, idx: IntArray, tl: PoolTimeline, refi: RefiModel, inverse: IntArray
) -> PoolTerms:
    """Month-by-month terms ``(b, M)`` of rate-dependent pools ``idx`` (``inverse``: each
    pool-month's column among the distinct payment times of those pools, flattened)."""
    n_m = tl.months
    sub = subset(pools, idx)
    speed = np.array([p.speed for p in sub.prepayment])
    age = sub.wala[:, None] + np.arange(n_m)[None, :] + 1
    ramp = np.minimum(age / refi.seasoning_months, 1.0) * speed[:, None]
    g = sub.wac / 12.0
    m = np.arange(n_m)[None, :]
    n = np.maximum(sub.wam[:, None] - m, 1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(
            g[:, None] > 0, g[:, None] / -np.expm1(-n * np.log1p(g[:, None])), 1.0 / n
        )
    live = m < sub.wam[:, None]
    group_rows, group = np.unique(inverse.reshape(idx.size, n_m), axis=0, return_inverse=True)
    return PoolTerms(
        wac=sub.wac,
        sched_rate=np.where(live, np.minimum(annuity - g[:, None], 1.0), 0.0),
        coupon=np.where(live, sub.coupon[:, None] / 12.0, 0.0),
        ramp=ramp,
        turnover=refi.turnover * np.asarray(SEASONALITY)[tl.month_of_year - 1],
        pay_index=inverse.reshape(idx.size, n_m),
        pay_group=group,
        group_index=group_rows,
    )


def _exclusive_cumsum(a: FloatArray) -> FloatArray:
    out = np.empty_like(a)
    out[..., 0] = 0.0
    np.cumsum(a[..., :-1], axis=-1, out=out[..., 1:])
    return out


@dataclass
class PathState:
    """Quantities of one forward pass kept for the adjoint, all ``(b, P, M)``."""

    inc: FloatArray
    s_curve: FloatArray
    burn: FloatArray
    cpr: FloatArray
    bal: FloatArray
    flow: FloatArray


def forward(
    terms: PoolTerms, refi: RefiModel, rates: FloatArray, rate_exp: FloatArray | None = None
) -> PathState:
    """Flows per unit of current face ``(b, P, M)`` of a block of pools on mortgage-rate paths
    ``rates (P, M)`` (decimal), with the intermediate quantities.

    ``rate_exp`` is ``exp(rates / refi_width)`` when the caller shares it across pools: the
    S-curve's ``exp((center - WAC + rate) / width)`` then factors into a per-pool constant times
    it (no exponential per pool-path-month).
    """
    inc = terms.wac[:, None, None] - rates[None, :, :]
    # turnover x lock-in = max(T + T slope min(I, 0), T floor): the lock-in never exceeds 1.
    t = terms.turnover[None, None, :]
    lock = np.minimum(inc, 0.0)
    lock *= t * refi.lockin_slope
    lock += t
    np.maximum(lock, t * refi.lockin_floor, out=lock)
    if rate_exp is None:
        s_curve = np.subtract(refi.refi_center, inc)
        s_curve /= refi.refi_width
        np.exp(s_curve, out=s_curve)
    else:
        pool_exp = np.exp((refi.refi_center - terms.wac) / refi.refi_width)
        s_curve = pool_exp[:, None, None] * rate_exp[None, :, :]
    s_curve += 1.0
    np.divide(refi.refi_max, s_curve, out=s_curve)
    burn = np.empty_like(inc)
    burn[..., 0] = 0.0
    np.cumsum(np.maximum(inc[..., :-1], 0.0), axis=-1, out=burn[..., 1:])
    burn *= -refi.burnout / 12.0
    np.exp(burn, out=burn)
    cpr = s_curve * burn
    cpr += lock
    cpr *= terms.ramp[:, None, :]
    np.minimum(cpr, 0.99, out=cpr)
    # 1 - SMM = (1 - CPR)^(1/12); bal_{m+1} = bal_m (1 - sr_m)(1 - SMM_m) (exclusive product)
    keep = np.negative(cpr)
    np.log1p(keep, out=keep)
    keep *= 1.0 / 12.0
    np.exp(keep, out=keep)
    keep *= (1.0 - terms.sched_rate)[:, None, :]
    bal = np.empty_like(keep)
    bal[..., 0] = 1.0
    np.cumprod(keep[..., :-1], axis=-1, out=bal[..., 1:])
    # flow = bal (sr + SMM (1 - sr) + c) = bal (1 + c - (1 - SMM)(1 - sr))
    flow = np.subtract((1.0 + terms.coupon)[:, None, :], keep, out=keep)
    flow *= bal
    return PathState(inc, s_curve, burn, cpr, bal, flow)


def deflate(terms: PoolTerms, flow: FloatArray, factor: FloatArray, disc: FloatArray) -> FloatArray:
    """``A (b, M)``: sum over paths of flow x path factor (the mean folded into ``factor (P, T)``)
    x discount factor ``disc (T,)`` at each pool-month's payment time."""
    out = np.empty(flow.shape[::2])
    for g in np.unique(terms.pay_group).tolist():  # pools paying on the same dates
        members = np.flatnonzero(terms.pay_group == g)
        cols = terms.group_index[g]
        f = factor[:, cols]  # (P, M)
        rows = flow if members.size == flow.shape[0] else flow[members]
        out[members] = np.einsum("bpm,pm->bm", rows, f) * disc[cols][None, :]
    return out


def incentive_gradient(
    terms: PoolTerms, refi: RefiModel, st: PathState, w: FloatArray
) -> FloatArray:
    """``dV / dI`` ``(b, P, M)`` of ``V = sum flow w`` (``w (b, P, M)``, see the module notes)."""
    c = terms.coupon[:, None, :]
    hb = w * (1.0 + c)
    hb[..., 1:] -= w[..., :-1]
    hb *= st.bal
    # R_j = sum_{m > j} hb_m bal_m: reverse exclusive cumulative sum.
    rev = np.flip(hb, axis=-1)
    r = np.flip(_exclusive_cumsum(rev), axis=-1)
    lam = -r / (12.0 * (1.0 - st.cpr))  # dV/dCPR
    lam[st.cpr >= 0.99] = 0.0
    ramp = terms.ramp[:, None, :]
    # through later months' burnout: dV/du_i = sum_{j>i} lam_j ramp_j s_j burn_j (-burnout/12)
    via = lam * ramp * st.s_curve * st.burn * (-refi.burnout / 12.0)
    du = np.flip(_exclusive_cumsum(np.flip(via, axis=-1)), axis=-1)
    du *= st.inc > 0
    # direct: lock-in slope inside its band, logistic slope of the S-curve
    lock_raw = 1.0 + refi.lockin_slope * np.minimum(st.inc, 0.0)
    in_band = (st.inc < 0) & (lock_raw > refi.lockin_floor)
    dlock = np.where(in_band, refi.lockin_slope, 0.0) * terms.turnover[None, None, :]
    ds = st.s_curve * (1.0 - st.s_curve / refi.refi_max) / refi.refi_width
    direct = lam * ramp * (dlock + ds * st.burn)
    return np.asarray(direct + du)


def block_size(paths: int, months: int) -> int:
    """Pools per block so one working array holds about :data:`BLOCK_ELEMENTS`."""
    return max(1, BLOCK_ELEMENTS // max(paths * months, 1))


def weights(
    terms: PoolTerms, factor: FloatArray, disc: FloatArray, oas: FloatArray, pay_time: FloatArray
) -> FloatArray:
    """``w (b, P, M)``: path factor x discount x ``exp(-oas T)`` at each pool-month's payment."""
    scale = disc[terms.pay_index] * np.exp(-oas[:, None] * pay_time)  # (b, M)
    f = factor[:, terms.pay_index]  # (P, b, M)
    return np.asarray(f.transpose(1, 0, 2) * scale[:, None, :])


def value_gradient(
    terms: PoolTerms,
    refi: RefiModel,
    st: PathState,
    w: FloatArray,
    drate: FloatArray,
    dlndisc: FloatArray,
) -> FloatArray:
    """``dV / dh_k`` ``(b, K)`` per unit of face along ``K`` curve shifts that move the mortgage
    rate of each path-month by ``drate (K, P, M)`` and log discount factors by
    ``dlndisc (K, T)`` per unit of shift."""
    d_inc = incentive_gradient(terms, refi, st, w)
    n_b = d_inc.shape[0]
    rate_part = -(d_inc.reshape(n_b, -1) @ drate.reshape(drate.shape[0], -1).T)
    pv = (st.flow * w).sum(axis=1)  # (b, M)
    disc_part = np.einsum("bm,kbm->bk", pv, dlndisc[:, terms.pay_index])
    return np.asarray(rate_part + disc_part)


def block_bounds(n: int, size: int) -> list[slice]:
    """Consecutive slices of ``size`` rows covering ``n``."""
    return [slice(k, min(k + size, n)) for k in range(0, n, size)]


def principal_sum(terms: PoolTerms, st: PathState) -> FloatArray:
    """Principal (scheduled plus prepaid) ``(b, M)`` summed over the paths of ``st``."""
    return np.asarray((st.flow - st.bal * terms.coupon[:, None, :]).sum(axis=1))


def path_chunks(paths: int, pools: int, months: int) -> list[slice]:
    """Path ranges whose ``(pools, chunk, months)`` working arrays hold about
    :data:`CHUNK_ELEMENTS` (a few hundred kB: they stay in cache between the ufuncs)."""
    return block_bounds(paths, max(1, CHUNK_ELEMENTS // max(pools * months, 1)))
