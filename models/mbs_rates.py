"""Projected mortgage rates on Hull-White paths: what drives the refinancing incentive of
:mod:`models.mbs`' rate-dependent pools.

The mortgage rate on a path is ``spread + w2 par2 + (1 - w2) par10``, the annual-pay 2y and 10y
par rates read off the Hull-White bond prices at each month start (decimals). The compiled pass
(:func:`models.mbs_kernels.mortgage_rates`) does the same operations in the same order.
"""

from __future__ import annotations

import numpy as np
from hedge_planner.models import mbs_kernels
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.prepayment import RefiModel
from hedge_planner.models.short_rate import HullWhite

__all__ = ["mortgage_rates"]


def mortgage_rates(
    model: HullWhite,
    refi: RefiModel,
    grid: FloatArray,
    x: FloatArray,
    curve: YieldCurve,
    keys: FloatArray,
    bumps: FloatArray,
    month_major: bool = False,
) -> FloatArray:
    """Projected mortgage rates ``(S, P, M)`` on each path at each month start (``grid[:M]``);
    ``(S, M, P)`` when ``month_major`` (the same numbers).

    Annual-pay 2y and 10y par rates off the Hull-White bond prices
    ``P(t, t+k | x) = K(t, k) exp(-B(k) x)``; only ``K`` depends on the (shifted) curve, so the
    path factor ``exp(-B x)`` is computed once for every curve scenario.
    """
    tenors = np.arange(1, 11, dtype=np.float64)
    t = grid[:, None] + tenors[None, :]
    ln0 = np.log(curve.discount_shifted(np.concatenate([grid, t.ravel()]), keys, bumps))
    ln_t, ln_tt = ln0[:, : len(grid)], ln0[:, len(grid) :].reshape(len(bumps), *t.shape)
    adj = model.log_bond_adjustment(grid[:, None], tenors[None, :])
    k = np.exp(ln_tt - ln_t[:, :, None] + adj[None])  # (S, M, 10)
    x_in = np.ascontiguousarray(x.T) if month_major else x
    e = np.empty((len(tenors), *x_in.shape))  # (10, P, M) or (10, M, P); fresh pages are dear
    np.multiply(-model.b(tenors)[:, None, None], x_in[None, :, :], out=e)
    np.exp(e, out=e)
    kt = np.ascontiguousarray(k.transpose(0, 2, 1))  # (S, 10, M)
    if mbs_kernels.enabled():  # the loop below in one compiled pass (the same figures)
        return mbs_kernels.mortgage_rates(e, kt, month_major, refi)
    if month_major:
        kt = kt[..., None]  # a month's K multiplies every path
    out = np.empty((len(bumps), *x_in.shape))
    w2, w10 = refi.weight_2y, 1.0 - refi.weight_2y
    for s in range(len(bumps)):  # per scenario and tenor on (P, M) arrays that stay in cache
        ann = e[0] * kt[s, 0]
        ann += e[1] * kt[s, 1]
        par2 = (1 - e[1] * kt[s, 1]) / ann
        for i in range(2, 10):
            ann += e[i] * kt[s, i]
        par10 = (1 - e[9] * kt[s, 9]) / ann
        np.multiply(w2, par2, out=par2)  # spread + w2 par2 + w10 par10, in place
        np.add(refi.mortgage_spread, par2, out=par2)
        np.multiply(w10, par10, out=par10)
        np.add(par2, par10, out=out[s])
    return out
