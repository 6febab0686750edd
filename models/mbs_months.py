"""Month-major projection of rate-dependent pools and its adjoint (the production engine).

The arithmetic is that of :mod:`models.mbs_paths` (the closed form over months, kept as the
tested reference), with the loop turned inside out: the outer loop runs over months and every
operation of a month acts on a ``(S, b, P)`` slab (curve scenarios, pools, paths) that stays in
cache. The cumulative sums and products of the closed form (burnout exposure, balance) become one
running update per month instead of numpy's scalar ``cumsum``/``cumprod`` along the month axis (2-3
ns an element against 0.4 for a vectorised update), every curve scenario of a block shares the
month's pass, and the adjoint is a reverse loop over months carrying the two reverse sums
(``R`` of balance sensitivities and ``D`` of burnout sensitivities) instead of flipped cumulative
sums. Elementwise formulas, and their order, are those of :func:`models.mbs_paths.forward` and
:func:`models.mbs_paths.incentive_gradient`, so each path-month's numbers are bit for bit the
same; only the sums over paths (BLAS dot products here) round differently (1e-15 relative).

Layouts: mortgage rates and ``exp(rate / refi_width)`` arrive month-major ``(S, M, P)``, path
factors ``(T, P)`` (distinct payment times first), the rate sensitivities of the key-rate shifts
``(M, K, P)``; kept base-scenario state is ``(M, b, P)``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.mbs_paths import PoolTerms
from hedge_planner.models.prepayment import RefiModel

logger = logging.getLogger(__name__)

#: Pool-paths of one block (its kept state is 3 arrays of this x months doubles: ~35 MB at 360).
BLOCK_POOL_PATHS = 4096
#: Elements of one month's working slab ``S x b x P`` (about 100 kB an array: L2-resident).
SLAB_ELEMENTS = 12_288


def pools_per_block(paths: int) -> int:
    """Pools per block so a block holds about :data:`BLOCK_POOL_PATHS` pool-paths."""
    return max(1, BLOCK_POOL_PATHS // max(paths, 1))


def path_slices(paths: int, scenarios: int, pools: int) -> list[slice]:
    """Path ranges whose month slab ``scenarios x pools x chunk`` holds about
    :data:`SLAB_ELEMENTS`."""
    size = max(16, SLAB_ELEMENTS // max(scenarios * pools, 1))
    return [slice(k, min(k + size, paths)) for k in range(0, paths, size)]


@dataclass
class MonthState:
    """Base-scenario quantities the adjoint needs, ``(M, b, P)``: burnout factor, CPR and the
    beginning balance per unit of current face; ``capped`` ``(M,)``: a CPR hit its 0.99 cap."""

    burn: FloatArray
    cpr: FloatArray
    bal: FloatArray
    capped: list[bool]


def _groups(terms: PoolTerms) -> list[tuple[list[int], IntArray | slice]]:
    """``(pay columns by month, members)`` of the block's pools paying on the same dates."""
    groups = sorted(set(terms.pay_group.tolist()))
    out: list[tuple[list[int], IntArray | slice]] = []
    for g in groups:
        members = np.flatnonzero(terms.pay_group == g)
        sel: IntArray | slice = slice(None) if len(groups) == 1 else members
        out.append((terms.group_index[g].tolist(), sel))
    return out


def project(
    terms: PoolTerms,
    refi: RefiModel,
    rates: FloatArray,
    rate_exp: FloatArray | None,
    factor: FloatArray,
    disc: FloatArray,
    keep: bool,
    tag: int = 0,
    factor_runs: list[tuple[int, slice]] | None = None,
) -> tuple[FloatArray, FloatArray, MonthState | None]:
    """Deflated flows of a block of pools on a chunk of paths, every curve scenario at once.

    Parameters
    ----------
    terms
        The block's pools ``(b, M)``.
    refi
        Prepayment parameters.
    rates, rate_exp
        Mortgage rates (decimal) and ``exp(rate / refi_width)`` ``(S, M, P)`` of the chunk's
        paths (``rate_exp`` None: the S-curve's exponential per element).
    factor
        Path factors ``(T, P)`` at the distinct payment times (the path mean folded in);
        ``(F, T, P)`` with ``factor_runs``.
    disc
        ``(S, T)`` discount factors of each scenario's curve.
    keep
        Keep the base scenario's (``s = 0``) state for :func:`adjoint`.
    tag
        Index of the chunk within its block: kept states of the chunks of one block live in
        distinct per-thread buffers until the block's adjoint has run.
    factor_runs
        Scenarios on paths of several sigmas (:mod:`models.mbs_stack`): ``(f, rows)`` pairs,
        scenario rows ``rows`` (a slice) discounted with path factors ``factor[f]``.

    Returns
    -------
    tuple
        ``A (S, b, M)`` (sum over the chunk's paths of flow x factor x discount, per unit of
        current face), principal ``(b, M)`` of the base scenario summed over the chunk's paths,
        and the kept state (None unless ``keep``).
    """
    n_s, n_m, n_p = rates.shape
    n_b = terms.wac.size
    shape = (n_s, n_b, n_p)
    wac = terms.wac[None, :, None]
    pool_exp = np.exp((refi.refi_center - terms.wac) / refi.refi_width)[None, :, None]
    inc, lock, s, burn, cpr, kp, flow = (np.empty(shape) for _ in range(7))
    exposure = np.zeros(shape)  # running sum of past positive incentive
    bal = np.ones(shape)
    one_minus_sr = 1.0 - terms.sched_rate
    one_plus_c = 1.0 + terms.coupon
    groups = _groups(terms)
    a = np.zeros((n_s, n_b, n_m))
    bal_sum = np.empty((n_m + 1, n_b))  # base scenario, summed over paths
    state = None
    if keep:
        kept = [_buffer(f"{k}{tag}", (n_m, n_b, n_p)) for k in ("burn", "cpr", "bal")]
        state = MonthState(kept[0], kept[1], kept[2], [False] * n_m)
    k_burn = -refi.burnout / 12.0
    for m in range(n_m):
        t = terms.turnover[m]
        np.subtract(wac, rates[:, m, None, :], out=inc)
        # turnover x lock-in, as in mbs_paths.forward
        np.minimum(inc, 0.0, out=lock)
        lock *= t * refi.lockin_slope
        lock += t
        np.maximum(lock, t * refi.lockin_floor, out=lock)
        if rate_exp is None:
            np.subtract(refi.refi_center, inc, out=s)
            s /= refi.refi_width
            with np.errstate(over="ignore"):  # inf: the S-curve is 0 there
                np.exp(s, out=s)
        else:
            np.multiply(pool_exp, rate_exp[:, m, None, :], out=s)
        s += 1.0
        np.divide(refi.refi_max, s, out=s)
        np.multiply(exposure, k_burn, out=burn)
        np.exp(burn, out=burn)
        np.maximum(inc, 0.0, out=kp)
        exposure += kp  # exclusive: this month's incentive counts from the next month
        np.multiply(s, burn, out=cpr)
        cpr += lock
        cpr *= terms.ramp[None, :, m, None]
        np.minimum(cpr, 0.99, out=cpr)
        # 1 - SMM = (1 - CPR)^(1/12), times 1 - scheduled rate
        np.negative(cpr, out=kp)
        np.log1p(kp, out=kp)
        kp *= 1.0 / 12.0
        np.exp(kp, out=kp)
        kp *= one_minus_sr[None, :, m, None]
        np.subtract(one_plus_c[None, :, m, None], kp, out=flow)
        flow *= bal
        if state is not None:
            state.burn[m], state.cpr[m], state.bal[m] = burn[0], cpr[0], bal[0]
            state.capped[m] = bool(cpr[0].max() >= 0.99)
        bal_sum[m] = bal[0].sum(axis=-1)
        bal *= kp
        for cols, sel in groups:  # sum over paths of flow x factor: a dot product per row
            col = cols[m]
            if factor_runs is None:
                rows = flow[:, sel].reshape(-1, n_p) @ factor[col]
                a[:, sel, m] = rows.reshape(n_s, -1) * disc[:, col, None]
                continue
            for f, rs in factor_runs:
                part = flow[rs][:, sel]
                rows = part.reshape(-1, n_p) @ factor[f, col]
                a[rs, sel, m] = rows.reshape(part.shape[0], -1) * disc[rs, col, None]
    bal_sum[n_m] = bal[0].sum(axis=-1)
    # principal (scheduled + prepaid) of month m = bal_m - bal_{m+1}
    return a, (bal_sum[:-1] - bal_sum[1:]).T, state


def adjoint(
    terms: PoolTerms,
    refi: RefiModel,
    rates: FloatArray,
    rate_exp: FloatArray | None,
    state: MonthState,
    factor: FloatArray,
    scale: FloatArray,
    drate: FloatArray,
) -> FloatArray:
    """``sum_{p,m} dV/dI drate`` ``(b, K)`` of a block on a chunk of paths (base scenario).

    ``V = sum flow w`` with ``w = factor[pay column] x scale`` (``scale (b, M)``: discount factor
    x ``exp(-OAS T)`` at each pool-month's payment); ``rates``, ``rate_exp`` ``(M, P)`` are the
    base scenario's, ``drate (M, P, K)`` the mortgage-rate sensitivities of the ``K`` shifts.
    The reverse loop is :func:`models.mbs_paths.incentive_gradient` month by month (the same
    terms, grouped to save passes); each month's ``dV/dI`` meets ``drate`` in a matrix product.
    """
    n_m, n_p = rates.shape
    n_b = terms.wac.size
    wac = terms.wac[:, None]
    pool_exp = np.exp((refi.refi_center - terms.wac) / refi.refi_width)[:, None]
    big_r = np.zeros((n_b, n_p))  # sum over later months of dV/dbal x bal
    big_d = np.zeros((n_b, n_p))  # sum over later months of the burnout terms
    inc, s, hb, lam, sb, tmp, x, du = (np.empty((n_b, n_p)) for _ in range(8))
    below, above = np.empty((n_b, n_p), dtype=bool), np.empty((n_b, n_p), dtype=bool)
    grad = np.zeros((n_b, drate.shape[-1]))
    one_plus_c = 1.0 + terms.coupon
    ramp_burn = terms.ramp * (-refi.burnout / 12.0)  # burnout: d exposure / d u = 1/12
    ramp_width = terms.ramp / refi.refi_width
    band_lo = (refi.lockin_floor - 1.0) / refi.lockin_slope  # lock-in slope applies above this
    w = factor[terms.pay_index[:, n_m - 1]] * scale[:, n_m - 1, None]
    for m in range(n_m - 1, -1, -1):
        np.subtract(wac, rates[m], out=inc)
        if rate_exp is None:
            np.subtract(refi.refi_center, inc, out=s)
            s /= refi.refi_width
            with np.errstate(over="ignore"):
                np.exp(s, out=s)
        else:
            np.multiply(pool_exp, rate_exp[m], out=s)
        s += 1.0
        np.divide(refi.refi_max, s, out=s)
        cpr = state.cpr[m]
        # dV/dbal_m x bal_m = (w_m (1 + c_m) - w_{m-1}) bal_m
        np.multiply(w, one_plus_c[:, m, None], out=hb)
        w_prev = factor[terms.pay_index[:, m - 1]] * scale[:, m - 1, None] if m else None
        if w_prev is not None:
            hb -= w_prev
        hb *= state.bal[m]
        # dV/dCPR_m = -R_m / (12 (1 - CPR_m)), 0 where the CPR is capped
        np.subtract(1.0, cpr, out=lam)
        lam *= 12.0
        np.divide(big_r, lam, out=lam)
        np.negative(lam, out=lam)
        if state.capped[m]:  # rare (speeds well above 1): a capped CPR does not move
            np.putmask(lam, cpr >= 0.99, 0.0)
        np.multiply(s, state.burn[m], out=sb)  # S-curve x burnout factor
        # this month's incentive raises the exposure of every later month (u > 0 only)
        np.greater(inc, 0.0, out=below)
        np.multiply(big_d, below, out=du)
        np.multiply(lam, ramp_burn[:, m, None], out=tmp)
        tmp *= sb
        big_d += tmp
        big_r += hb
        # direct: ramp x (dlock/dI + dS/dI x burn), dS/dI = S (1 - S / max) / width
        np.multiply(s, -1.0 / refi.refi_max, out=x)
        x += 1.0
        x *= sb
        np.less(inc, 0.0, out=below)
        np.greater(inc, band_lo, out=above)
        below &= above
        np.multiply(below, refi.lockin_slope * terms.turnover[m] * refi.refi_width, out=tmp)
        x += tmp
        np.multiply(lam, ramp_width[:, m, None], out=tmp)
        tmp *= x
        tmp += du
        grad += tmp @ drate[m]
        if w_prev is not None:
            w = w_prev
    return grad


_LOCAL = threading.local()


def _buffer(name: str, shape: tuple[int, ...]) -> FloatArray:
    """A per-thread work array of ``shape`` (reused across blocks: no fresh pages to fault in)."""
    store: dict[str, FloatArray] = _LOCAL.__dict__.setdefault("buffers", {})
    buf = store.get(name)
    size = int(np.prod(shape))
    if buf is None or buf.size < size:
        buf = store[name] = np.empty(size)
    return buf[:size].reshape(shape)


def release_buffers() -> None:
    """Free this thread's work arrays (pool threads free theirs when they exit)."""
    _LOCAL.__dict__.pop("buffers", None)
