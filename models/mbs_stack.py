"""Pools under many (curve, Hull-White sigma) pairs in one Monte Carlo pass ("lanes").

A *rate row* is a pair (curve shift, sigma); a *lane* is a (rate row, pool) pair. Vol scenarios
ask for pools at sigmas other than the model's, and a by-expiry vol shift gives each pool its own
sigma: pricing them one sigma at a time repeats the whole path set-up (normals, short-rate paths,
their integrals, the pools' terms) and runs one month loop per sigma for a pool or two. Here:

* the normals, the short-rate paths ``x`` of a reference sigma, the path integrals
  ``Y = int x`` and their variance are computed once. With the same normals the exact OU paths
  are linear in sigma (``x(t+dt) = x(t) e^{-a dt} + sd(dt) z``, ``sd`` proportional to sigma), so
  the paths of sigma ``s`` are ``(s / s_ref) x``, their integrals ``(s / s_ref) Y`` and the
  variance ``(s / s_ref)^2 Var`` (:func:`models.short_rate.path_integrals`). What does depend on
  sigma non-linearly is evaluated per sigma: the mortgage rates (the bond-price factors
  ``exp(-B x)`` and the convexity adjustment) and the path factors ``exp(-Y - Var / 2)`` (with
  their moment matching);
* a rate row every pool asks for (the base, the curve scenarios, a parallel vol shift, the
  vega's sigmas) runs through :func:`models.mbs_months.project` for all pools, rows of one
  sigma sharing its path factors, pools sorted by life so a block stops at its longest pool's
  WAM; the other lanes (a sigma per pool: by-expiry shifts) go through one month loop over
  lanes, each gathering its row's mortgage rates and path factors and its pool's terms, with
  the month's formulas of :func:`~models.mbs_months.project` in the same order (each
  path-month's numbers those of a one-sigma run to rounding of the scaling; sums over paths
  round differently, ~1e-16 relative);
* rate rows of equal (curve shift, sigma) are one row (a vol scenario's curve is the base one).

Rate-independent pools do not depend on sigma: their lanes are the curve's discounting of their
flows, as in :func:`models.mbs.discounted_flows`.

Where the compiled month loop is built (:mod:`models.mbs_kernels`), every lane, dense rows
included, goes through it instead: lanes of one rate row together, one pass per path and month
(the month's formulas of :func:`~models.mbs_months.project`, its own ``exp`` and ``log1p``), the
same figures to rounding.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from hedge_planner.models import mbs_kernels
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.mbs import MonteCarloSpec, run_threaded
from hedge_planner.models.mbs_months import (
    SLAB_ELEMENTS,
    path_slices,
    pools_per_block,
    project,
)
from hedge_planner.models.mbs_paths import PoolTerms, block_bounds, pool_terms
from hedge_planner.models.mbs_pools import (
    PoolBook,
    PoolTimeline,
    split_refi,
    static_flows,
    timeline,
)
from hedge_planner.models.mbs_rates import mortgage_rates
from hedge_planner.models.prepayment import RefiModel
from hedge_planner.models.short_rate import (
    HullWhite,
    factors_from_integrals,
    normals,
    path_integrals,
    simulate_x,
)
from hedge_planner.models.threads import workers

logger = logging.getLogger(__name__)

#: Mortgage-rate elements (rows x months x paths) held at once; rows beyond run in later batches.
ROW_ELEMENTS = 1_500_000


@dataclass(frozen=True)
class Lanes:
    """Lanes of a stacked pass: rate row ``row (L,)`` (into ``bumps``/``sigmas``) and pool
    ``pool (L,)`` of each lane."""

    row: IntArray
    pool: IntArray


def stacked_flows(
    pools: PoolBook,
    curve: YieldCurve,
    mean_reversion: float,
    refi: RefiModel,
    mc: MonteCarloSpec,
    keys: FloatArray,
    bumps: FloatArray,
    sigmas: FloatArray,
    lanes: Lanes,
    months: int | None = None,
    reference: float | None = None,
) -> tuple[FloatArray, PoolTimeline]:
    """Expected deflated flows per unit of current face ``A (L, M)`` of each lane, and the
    timeline: lane ``l`` is pool ``lanes.pool[l]`` on the curve shifted by
    ``bumps[lanes.row[l]]`` (key-rate tents, decimal) under Hull-White sigma
    ``sigmas[lanes.row[l]]`` (decimal per sqrt(year), >= 0) with mean reversion
    ``mean_reversion``. ``A`` of a lane equals row ``0`` of :func:`models.mbs.discounted_flows`
    for that pool, curve and sigma (same ``months``, so the same normals). ``reference``: the
    sigma whose paths are simulated (lanes at it are a one-sigma run to rounding of the sums;
    default the largest sigma).
    """
    sig = np.asarray(sigmas, dtype=np.float64)
    if np.any(~np.isfinite(sig)) or np.any(sig < 0):
        raise ValueError("sigmas must be finite and >= 0")
    tl = timeline(pools, curve, months)
    out = np.zeros((lanes.pool.size, tl.months))
    fixed, refi_idx = split_refi(pools)
    local = np.full(len(pools), -1, dtype=np.int64)
    local[fixed] = np.arange(fixed.size)
    lf = np.flatnonzero(local[lanes.pool] >= 0)
    if lf.size:
        cf, _ = static_flows(pools, fixed, tl.months)
        rows, inv = np.unique(lanes.row[lf], return_inverse=True)
        disc = curve.discount_shifted(tl.pay_time[fixed], keys, bumps[rows])  # (U, nf, M)
        k = local[lanes.pool[lf]]
        out[lf] = cf[k] * disc[inv, k]
    local[:] = -1
    local[refi_idx] = np.arange(refi_idx.size)
    lr = np.flatnonzero(local[lanes.pool] >= 0)
    if lr.size:
        ref = float(sig.max()) if reference is None or reference <= 0 else float(reference)
        paths = _SharedPaths.build(pools, refi_idx, tl, curve, mean_reversion, ref, refi, mc)
        sub = Lanes(lanes.row[lr], local[lanes.pool[lr]])
        out[lr] = _refi_lanes(paths, refi, mc, curve, keys, bumps, sig, sub)
    return out, tl


@dataclass(frozen=True)
class _SharedPaths:
    """What every sigma shares: the grid, paths ``x (P, G)`` at the reference sigma, their
    integrals ``Y (P, T)`` and variance ``(T,)`` at the distinct payment times, the terms."""

    grid: FloatArray
    x: FloatArray
    y: FloatArray
    var: FloatArray
    times: FloatArray
    terms: PoolTerms
    mean_reversion: float
    reference: float

    @staticmethod
    def build(
        pools: PoolBook,
        idx: IntArray,
        tl: PoolTimeline,
        curve: YieldCurve,
        mean_reversion: float,
        reference: float,
        refi: RefiModel,
        mc: MonteCarloSpec,
    ) -> _SharedPaths:
        """As :meth:`models.mbs._Paths.build` (same grid, normals and times) at ``reference``."""
        grid = np.concatenate([[0.0], np.asarray(curve.time(tl.start[1:]))])
        grid = np.concatenate([grid, [tl.pay_time.max() + 1.0 / 12.0]])
        model = HullWhite(mean_reversion, reference)
        x = simulate_x(model, grid, normals(mc.paths, len(grid) - 1, mc.seed, mc.sampling))
        times, inverse = np.unique(tl.pay_time[idx], return_inverse=True)
        y, var = path_integrals(model, grid, x, times)
        terms = pool_terms(pools, idx, tl, refi, inverse)
        return _SharedPaths(grid, x, y, var, times, terms, mean_reversion, reference)

    def at(self, sigma: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Paths ``x``, integrals ``Y`` and variance at ``sigma`` (the reference's arrays
        themselves at the reference sigma)."""
        if sigma == self.reference:
            return self.x, self.y, self.var
        c = sigma / self.reference if self.reference > 0 else 0.0
        return self.x * c, self.y * c, self.var * (c * c)


def _refi_lanes(
    paths: _SharedPaths,
    refi: RefiModel,
    mc: MonteCarloSpec,
    curve: YieldCurve,
    keys: FloatArray,
    bumps: FloatArray,
    sigmas: FloatArray,
    lanes: Lanes,
) -> FloatArray:
    """``A (L, M)`` of rate-dependent lanes (``lanes.pool`` local to ``paths.terms``), rate rows
    deduplicated and run in batches of about :data:`ROW_ELEMENTS` mortgage rates. A rate row
    every pool asks for runs through :func:`models.mbs_months.project` for all pools (rows x
    pools slabs, the pools sharing the row's rates); the others lane by lane."""
    n_b, n_m, n_p = paths.terms.wac.size, paths.terms.ramp.shape[1], mc.paths
    # one rate row per distinct (curve shift, sigma)
    key = np.column_stack([bumps, sigmas])
    _, first, row_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
    lane_row = row_of.ravel()[lanes.row]
    pairs = np.unique(lane_row * n_b + lanes.pool)
    dense = np.flatnonzero(np.bincount(pairs // n_b, minlength=first.size) == n_b)
    used = np.unique(lane_row)
    # rows every pool asks for first, then the others; rows of one sigma together within each:
    # a batch's dense rows run as one block loop (a loop over a row or two costs as much in
    # per-month overhead as one over many)
    order = used[np.lexsort((sigmas[first[used]], ~np.isin(used, dense)))]
    per_batch = max(1, ROW_ELEMENTS // max(n_m * n_p, 1))
    out = np.zeros((lanes.pool.size, n_m))
    for b in range(0, order.size, per_batch):
        batch = order[b : b + per_batch]
        pos = np.full(first.size, -1, dtype=np.int64)
        pos[batch] = np.arange(batch.size)
        rows = first[batch]  # original rows standing for the batch's rate rows
        rates, factor, fac_of_row = _rates_and_factors(
            paths, refi, mc, curve, keys, bumps, sigmas, rows
        )
        disc = curve.discount_shifted(paths.times, keys, bumps[rows])  # (U, T)
        safe = max(float(rates.max()), -float(rates.min())) / refi.refi_width < 600.0
        rate_exp = np.exp(rates / refi.refi_width) if safe else None
        job = _LaneJob(paths.terms, refi, rates, rate_exp, factor, disc)
        in_dense = np.isin(batch, dense)
        d_rows = np.flatnonzero(in_dense)  # sorted by sigma: factor runs are slices
        if d_rows.size:
            a_d = job.dense(d_rows, fac_of_row[d_rows], mc)  # (U_d, b, M)
            d_pos = np.full(first.size, -1, dtype=np.int64)
            d_pos[batch[d_rows]] = np.arange(d_rows.size)
            sel = np.flatnonzero(d_pos[lane_row] >= 0)
            out[sel] = a_d[d_pos[lane_row[sel]], lanes.pool[sel]]
        sparse = np.flatnonzero((pos[lane_row] >= 0) & ~np.isin(lane_row, dense))
        if sparse.size:
            r_of_lane = pos[lane_row[sparse]]
            out[sparse] = job.run(lanes.pool[sparse], r_of_lane, fac_of_row[r_of_lane])
    return out


def _rates_and_factors(
    paths: _SharedPaths,
    refi: RefiModel,
    mc: MonteCarloSpec,
    curve: YieldCurve,
    keys: FloatArray,
    bumps: FloatArray,
    sigmas: FloatArray,
    rows: IntArray,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Mortgage rates ``(U, M, P)`` of rate rows ``rows`` (month-major), path factors
    ``(F, T, P)`` of their distinct sigmas (divided by the path count, as in
    :class:`models.mbs._Paths`) and each row's factor index ``(U,)``."""
    n_m = paths.terms.ramp.shape[1]
    sig_rows = sigmas[rows]
    uniq, fac_of_row = np.unique(sig_rows, return_inverse=True)
    rates = np.empty((rows.size, n_m, mc.paths))
    factor = np.empty((uniq.size, paths.times.size, mc.paths))
    for f, s in enumerate(uniq.tolist()):
        x, y, var = paths.at(s)
        model = HullWhite(paths.mean_reversion, s)
        mine = np.flatnonzero(fac_of_row == f)
        grid = paths.grid
        rates[mine] = mortgage_rates(
            model, refi, grid[:n_m], x[:, :n_m], curve, keys, bumps[rows[mine]], True
        )
        factor[f] = (factors_from_integrals(y, var) / mc.paths).T
    return rates, factor, fac_of_row.ravel()


@dataclass(frozen=True)
class _LaneJob:
    """One batch's month loop over lanes, split over a small thread pool (lanes write
    disjoint rows)."""

    terms: PoolTerms
    refi: RefiModel
    rates: FloatArray
    rate_exp: FloatArray | None
    factor: FloatArray
    disc: FloatArray

    def run(self, pool: IntArray, row: IntArray, fac: IntArray) -> FloatArray:
        """``A (L, M)`` of lanes (pool, rate row, factor row)."""
        if self.compiled:
            return self.run_compiled(pool, row, fac)
        out = np.empty((pool.size, self.terms.ramp.shape[1]))

        def one(sel: slice) -> None:
            out[sel] = self.project(pool[sel], row[sel], fac[sel])

        run_threaded(one, block_bounds(pool.size, max(1, -(-pool.size // workers()))))
        return out

    def dense(self, rows: IntArray, fac: IntArray, mc: MonteCarloSpec) -> FloatArray:
        """``A (U, b, M)`` of rate rows ``rows`` for every pool (factor rows ``fac``,
        non-decreasing): :func:`models.mbs_months.project` by blocks of pools and paths."""
        n_b, n_m = self.terms.wac.size, self.terms.ramp.shape[1]
        if self.compiled:  # every (row, pool) pair a lane, row-major
            lanes = Lanes(np.repeat(rows, n_b), np.tile(np.arange(n_b), rows.size))
            a = self.run_compiled(lanes.pool, lanes.row, np.repeat(fac, n_b))
            return a.reshape(rows.size, n_b, n_m)
        out = np.zeros((rows.size, n_b, n_m))
        starts = np.flatnonzero(np.diff(fac, prepend=-1))
        ends = np.append(starts[1:], fac.size)
        runs = [(int(fac[a]), slice(int(a), int(e))) for a, e in zip(starts, ends, strict=True)]
        rates = self.rates[rows]
        rate_exp = None if self.rate_exp is None else self.rate_exp[rows]
        disc = self.disc[rows]

        # pools sorted by life: a block stops at its longest pool's last month (the flows of a
        # pool after its WAM are those of a balance already paid down to rounding, ~1e-16)
        last = np.array([np.flatnonzero(r > 0).max(initial=-1) + 1 for r in self.terms.sched_rate])
        order = np.argsort(last, kind="stable")
        size = max(1, min(pools_per_block(mc.paths), -(-n_b // 4)))

        def one(sel: slice) -> None:
            idx = order[sel]
            stop = max(int(last[idx].max()), 1)
            terms = _block_terms(self.terms, idx, stop)
            for c in path_slices(mc.paths, rows.size, idx.size):
                a, _, _ = project(
                    terms,
                    self.refi,
                    rates[:, :stop, c],
                    None if rate_exp is None else rate_exp[:, :stop, c],
                    self.factor[:, :, c],
                    disc,
                    False,
                    factor_runs=runs,
                )
                out[:, idx, :stop] += a

        run_threaded(one, block_bounds(n_b, size))
        return out

    @property
    def compiled(self) -> bool:
        """Lanes go to the compiled month loop (:mod:`models.mbs_kernels`): built, switched on,
        and the S-curve's exponentials precomputed (else the numpy loop's overflow handling)."""
        return self.rate_exp is not None and mbs_kernels.enabled()

    def run_compiled(self, pool: IntArray, row: IntArray, fac: IntArray) -> FloatArray:
        """``A (L, M)`` of lanes (pool, rate row, factor row) in the compiled month loop, lanes
        split over the thread pool (the loop releases the GIL)."""
        assert self.rate_exp is not None
        terms = mbs_kernels.LaneTerms.of(self.terms, self.refi)
        out = np.empty((pool.size, self.terms.ramp.shape[1]))
        rates, rate_exp = np.ascontiguousarray(self.rates), np.ascontiguousarray(self.rate_exp)
        factor, disc = np.ascontiguousarray(self.factor), np.ascontiguousarray(self.disc)
        # lanes of one rate row together: the loop reads a row's rates once for all its pools
        order = np.lexsort((pool, fac, row))
        row64, fac64, pool64 = (np.asarray(a, dtype=np.int64)[order] for a in (row, fac, pool))

        def one(sel: slice) -> None:
            mbs_kernels.project_lanes(
                terms, rates, rate_exp, factor, disc, row64[sel], fac64[sel], pool64[sel],
                out[sel],
            )  # fmt: skip

        # a few blocks per thread: lanes differ in length (a pool's life)
        run_threaded(one, block_bounds(pool.size, max(1, -(-pool.size // (4 * workers())))))
        unsorted = np.empty_like(out)
        unsorted[order] = out
        return unsorted

    def project(self, pool: IntArray, row: IntArray, fac: IntArray) -> FloatArray:
        """The month loop of :func:`models.mbs_months.project` over lanes (see the module notes);
        ``A (L, M)``: sum over paths of flow x path factor x discount factor."""
        t_, refi = self.terms, self.refi
        n_l, (n_m, n_p) = pool.size, self.rates.shape[1:]
        wac = t_.wac[pool][:, None]
        pool_exp = np.exp((refi.refi_center - t_.wac) / refi.refi_width)[pool][:, None]
        ramp, one_minus_sr = t_.ramp[pool], 1.0 - t_.sched_rate[pool]
        one_plus_c, cols = 1.0 + t_.coupon[pool], t_.pay_index[pool]
        a = np.zeros((n_l, n_m))
        k_burn = -refi.burnout / 12.0
        size = max(16, SLAB_ELEMENTS // n_l)
        for lo in range(0, n_p, size):
            c = slice(lo, min(lo + size, n_p))
            shape = (n_l, c.stop - c.start)
            inc, lock, s, burn, cpr, kp, flow = (np.empty(shape) for _ in range(7))
            exposure, bal = np.zeros(shape), np.ones(shape)
            for m in range(n_m):
                t = t_.turnover[m]
                np.subtract(wac, self.rates[row, m, c], out=inc)
                np.minimum(inc, 0.0, out=lock)
                lock *= t * refi.lockin_slope
                lock += t
                np.maximum(lock, t * refi.lockin_floor, out=lock)
                if self.rate_exp is None:
                    np.subtract(refi.refi_center, inc, out=s)
                    s /= refi.refi_width
                    with np.errstate(over="ignore"):  # inf: the S-curve is 0 there
                        np.exp(s, out=s)
                else:
                    np.multiply(pool_exp, self.rate_exp[row, m, c], out=s)
                s += 1.0
                np.divide(refi.refi_max, s, out=s)
                np.multiply(exposure, k_burn, out=burn)
                np.exp(burn, out=burn)
                np.maximum(inc, 0.0, out=kp)
                exposure += kp
                np.multiply(s, burn, out=cpr)
                cpr += lock
                cpr *= ramp[:, m, None]
                np.minimum(cpr, 0.99, out=cpr)
                np.negative(cpr, out=kp)
                np.log1p(kp, out=kp)
                kp *= 1.0 / 12.0
                np.exp(kp, out=kp)
                kp *= one_minus_sr[:, m, None]
                np.subtract(one_plus_c[:, m, None], kp, out=flow)
                flow *= bal
                bal *= kp
                col = cols[:, m]
                dot = np.einsum("lp,lp->l", flow, self.factor[fac, col, c])
                a[:, m] += dot * self.disc[row, col]
        return a


def _block_terms(terms: PoolTerms, idx: IntArray, stop: int) -> PoolTerms:
    """Pools ``idx`` of ``terms`` over their first ``stop`` months."""
    return PoolTerms(
        terms.wac[idx],
        terms.sched_rate[idx, :stop],
        terms.coupon[idx, :stop],
        terms.ramp[idx, :stop],
        terms.turnover[:stop],
        terms.pay_index[idx, :stop],
        terms.pay_group[idx],
        terms.group_index[:, :stop],
    )
