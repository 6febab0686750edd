"""Agency MBS pass-throughs: level-payment amortisation, prepayment, Monte Carlo OAS analytics.

Pool terms: pass-through ``coupon`` and gross ``wac`` (decimals; servicing plus guarantee fee is
``wac - coupon``), ``wam`` and ``wala`` in months, ``delay_days`` the stated payment delay (UMBS 55:
the accrual month starting on the 1st pays on the 25th of the next month), current face.

Cash flows of projection month ``m`` (0-based; month 0 accrues over the settlement month from its
first day) on the beginning balance ``B`` with ``n = wam - m`` months left and ``g = wac / 12``::

    payment = B g / (1 - (1 + g)^-n)       scheduled principal = payment - B g
    prepayment = SMM (B - scheduled)        net interest = B coupon / 12

and the holder receives ``net interest + scheduled + prepayment`` on the payment date. The dirty
price is the present value per 100 of current face; accrued interest is the coupon from the first
of the settlement month to settlement (30/360).

Pricing: rate-independent pools (``cpr``, ``psa``) are discounted on the curve plus OAS (their flows
are certain, so this is the Monte Carlo expectation without noise). ``refi`` pools are projected on
Hull-White paths (:mod:`models.short_rate`: exact OU paths, antithetic or Sobol normals, deflators
that reprice the curve exactly in expectation); the projected mortgage rate on a path drives the
CPR. Because OAS does not change the flows, each scenario reduces to ``A[b, m]`` (mean over paths of
flow x deflator) and ``price(oas) = 100 sum_m A[b, m] exp(-oas T[b, m])``; OAS from price is then
a one-dimensional root per pool. Curve shifts reuse the same random numbers (common random
numbers), so OA duration, convexity and KRDs are smooth in the shift.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models import mbs_kernels
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.mbs_months import (
    adjoint,
    path_slices,
    pools_per_block,
    project,
    release_buffers,
)
from hedge_planner.models.mbs_paths import (
    PoolTerms,
    block_bounds,
    block_size,
    deflate,
    forward,
    path_chunks,
    pool_terms,
    principal_sum,
    value_gradient,
    weights,
)
from hedge_planner.models.mbs_pools import (
    DEFAULT_DELAY_DAYS,
    PoolBook,
    PoolTimeline,
    cashflow_table,
    projected_flows,
    split_refi,
    static_flows,
    static_smm,
    timeline,
)
from hedge_planner.models.mbs_rates import mortgage_rates
from hedge_planner.models.prepayment import (
    RefiModel,
    refi_cpr,
    smm_from_cpr,
)
from hedge_planner.models.short_rate import (
    HullWhite,
    normals,
    path_factors,
    scale_krds,
    simulate_x,
)
from hedge_planner.models.threads import workers

__all__ = [
    "DEFAULT_DELAY_DAYS",
    "ENGINES",
    "MbsRisk",
    "MonteCarloSpec",
    "PoolBook",
    "PoolTimeline",
    "cashflow_table",
    "discounted_flows",
    "mbs_risk",
    "oas_from_flows",
    "price_from_flows",
    "projected_flows",
    "projected_smm",
    "static_smm",
    "timeline",
]

logger = logging.getLogger(__name__)

#: Path engines: ``months`` (month-major loop, :mod:`models.mbs_months`, the default) and
#: ``closed_form`` (the month-vectorised closed form of :mod:`models.mbs_paths`, the reference the
#: tests and the benchmark compare against; same figures to rounding).
ENGINES = ("months", "closed_form")


def projected_smm(
    pools: PoolBook, curve: YieldCurve, model: HullWhite, refi: RefiModel
) -> FloatArray:
    """SMM ``(B, M)`` under the pricing-date assumption: rate-independent pools as given,
    ``refi`` pools along the forward curve (the mortgage rate projected with no volatility)."""
    tl = timeline(pools, curve)
    smm = static_smm(pools, tl.months)
    rows = np.flatnonzero(np.isnan(smm[:, 0]))
    if rows.size:
        calm = HullWhite(model.mean_reversion, 0.0)
        grid = np.concatenate([[0.0], np.asarray(curve.time(tl.start[1:]))])
        rate = mortgage_rates(
            calm, refi, grid, np.zeros((1, tl.months)), curve, np.zeros(1), np.zeros((1, 1))
        )[0, 0]  # (S, P, M) layout: scenario 0, the single path
        age = pools.wala[rows, None] + np.arange(tl.months)[None, :] + 1
        inc = pools.wac[rows, None] - rate[None, :]
        exposure = np.concatenate(
            [np.zeros((rows.size, 1)), np.cumsum(np.maximum(inc, 0.0) / 12.0, axis=1)[:, :-1]],
            axis=1,
        )
        cpr = refi_cpr(refi, age, tl.month_of_year[None, :], inc, exposure)
        speed = np.array([pools.prepayment[i].speed for i in rows])
        smm[rows] = smm_from_cpr(np.minimum(cpr * speed[:, None], 0.99))
    return smm


@dataclass(frozen=True)
class MonteCarloSpec:
    """Monte Carlo settings: paths, seed, sampling (``antithetic``, ``sobol`` or ``plain``)."""

    paths: int = 1000
    seed: int = 20231229
    sampling: str = "antithetic"


def discounted_flows(
    pools: PoolBook,
    curve: YieldCurve,
    model: HullWhite,
    refi: RefiModel,
    mc: MonteCarloSpec,
    keys: FloatArray,
    bumps: FloatArray,
    engine: str = "months",
    months: int | None = None,
) -> tuple[FloatArray, FloatArray, PoolTimeline]:
    """``A (S, B, M)``: expected deflated flows per unit of current face for each curve scenario,
    and the principal flows of the base scenario ``(B, M)`` (for WAL); ``engine`` in
    :data:`ENGINES`; ``months``: project at least that many months (:func:`timeline`)."""
    _check_engine(engine)
    tl = timeline(pools, curve, months)
    n_b, n_m, n_s = len(pools), tl.months, len(bumps)
    out = np.zeros((n_s, n_b, n_m))
    principal = np.zeros((n_b, n_m))
    fixed, refi_idx = split_refi(pools)
    if fixed.size:
        cf, principal[fixed] = static_flows(pools, fixed, n_m)
        out[:, fixed, :] = cf[None] * curve.discount_shifted(tl.pay_time[fixed], keys, bumps)
    if refi_idx.size and engine == "months":
        paths = _Paths.build(pools, refi_idx, tl, curve, model, refi, mc, keys, bumps, True)

        def run_months(sel: slice) -> None:
            rows = refi_idx[sel]
            terms = paths.terms.rows(sel)
            for c in path_slices(mc.paths, n_s, len(rows)):
                fac = paths.factor[:, c]
                a, prin, _ = project(
                    terms,
                    refi,
                    paths.rates[:, :, c],
                    paths.exp_chunk(slice(None), c),
                    fac,
                    paths.disc,
                    False,
                )
                out[:, rows] += a
                principal[rows] += prin / mc.paths

        _run_blocks(run_months, refi_idx.size, pools_per_block(mc.paths))
    elif refi_idx.size:
        paths = _Paths.build(pools, refi_idx, tl, curve, model, refi, mc, keys, bumps)

        def run(sel: slice) -> None:
            rows = refi_idx[sel]
            terms = paths.terms.rows(sel)
            for c in path_chunks(mc.paths, len(rows), n_m):
                for s in range(n_s):
                    st = forward(terms, refi, paths.rates[s, c], paths.exp_of(s, c))
                    out[s, rows] += deflate(terms, st.flow, paths.factor[c], paths.disc[s])
                    if s == 0:
                        principal[rows] += principal_sum(terms, st) / mc.paths

        _run_blocks(run, refi_idx.size, block_size(mc.paths, n_m))
    return out, principal, tl


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise AnalyticsError(f"unknown MBS path engine {engine!r}: use one of {', '.join(ENGINES)}")


def _run_blocks(run: Callable[[slice], None], n: int, size: int) -> None:
    """``run`` over consecutive blocks of ``size`` pools (see :func:`run_threaded`)."""
    run_threaded(run, block_bounds(n, size))


def run_threaded(run: Callable[[slice], None], blocks: list[slice]) -> None:
    """``run`` over ``blocks`` on a small thread pool (numpy releases the GIL in its loops;
    blocks write disjoint rows); the per-thread buffers are released after a serial run."""
    n_w = min(workers(), len(blocks))
    if n_w > 1:
        with ThreadPoolExecutor(n_w) as pool:
            list(pool.map(run, blocks))
    else:
        for sel in blocks:
            run(sel)
        release_buffers()


@dataclass(frozen=True)
class _Paths:
    """What every block of rate-dependent pools shares: terms, mortgage rates ``(S, P, M)`` per
    curve scenario, path factors ``(P, T)`` (mean folded in) and discount factors ``(S, T)`` at
    the distinct payment times (common random numbers across pools and scenarios).

    ``month_major`` (the ``months`` engine): rates and their exponentials are ``(S, M, P)`` and
    the path factors ``(T, P)``, the same numbers transposed.
    """

    terms: PoolTerms
    rates: FloatArray
    rate_exp: FloatArray | None
    factor: FloatArray
    disc: FloatArray
    times: FloatArray
    month_major: bool = False

    @staticmethod
    def build(
        pools: PoolBook,
        idx: IntArray,
        tl: PoolTimeline,
        curve: YieldCurve,
        model: HullWhite,
        refi: RefiModel,
        mc: MonteCarloSpec,
        keys: FloatArray,
        bumps: FloatArray,
        month_major: bool = False,
        n_exp: int | None = None,
    ) -> _Paths:
        """Paths of pools ``idx``; ``exp(rate / width)`` of the first ``n_exp`` scenarios (all
        when None: only the projected scenarios need it)."""
        n_m = tl.months
        grid = np.concatenate([[0.0], np.asarray(curve.time(tl.start[1:]))])
        grid = np.concatenate([grid, [tl.pay_time.max() + 1.0 / 12.0]])
        x = simulate_x(model, grid, normals(mc.paths, len(grid) - 1, mc.seed, mc.sampling))
        rates = mortgage_rates(model, refi, grid[:n_m], x[:, :n_m], curve, keys, bumps, month_major)
        times, inverse = np.unique(tl.pay_time[idx], return_inverse=True)
        factor = path_factors(model, grid, x, times) / mc.paths
        if month_major:
            factor = np.ascontiguousarray(factor.T)
        disc = curve.discount_shifted(times, keys, bumps)
        terms = pool_terms(pools, idx, tl, refi, inverse)
        # exp(rate / width) once per path-month, shared by every pool (None if it could overflow)
        safe = max(float(rates.max()), -float(rates.min())) / refi.refi_width < 600.0
        rate_exp = None
        if safe:
            rate_exp = np.divide(rates[:n_exp], refi.refi_width)
            np.exp(rate_exp, out=rate_exp)
        return _Paths(terms, rates, rate_exp, factor, disc, times, month_major)

    def exp_of(self, s: int, c: slice) -> FloatArray | None:
        """``exp(rate / refi_width)`` of scenario ``s`` on paths ``c`` (None when not kept;
        path-major layout)."""
        return None if self.rate_exp is None else self.rate_exp[s, c]

    def exp_chunk(self, s: int | slice, c: slice) -> FloatArray | None:
        """``exp(rate / refi_width)`` of scenarios ``s`` on paths ``c``, month-major."""
        return None if self.rate_exp is None else self.rate_exp[s, :, c]


def price_from_flows(a: FloatArray, pay_time: FloatArray, oas: npt.ArrayLike) -> FloatArray:
    """Dirty price per 100: ``100 sum_m A[..., b, m] exp(-oas_b T[b, m])``."""
    z = np.asarray(oas, dtype=np.float64)[..., None]
    return np.asarray(100.0 * (a * np.exp(-z * pay_time)).sum(axis=-1))


def oas_from_flows(a: FloatArray, pay_time: FloatArray, dirty_price: npt.ArrayLike) -> FloatArray:
    """OAS per pool (decimal, continuous) reproducing dirty prices per 100 (Newton)."""
    target = np.asarray(dirty_price, dtype=np.float64)
    z = np.zeros(target.shape)
    for _ in range(100):
        v = a * np.exp(-z[:, None] * pay_time)
        price = 100.0 * v.sum(axis=-1)
        slope = -100.0 * (v * pay_time).sum(axis=-1)
        step = (price - target) / slope
        z = z - step
        if np.all(np.abs(step) < 1e-13):
            return z
    raise AnalyticsError("MBS OAS did not converge")


@dataclass(frozen=True)
class MbsRisk:
    """Option-adjusted analytics of pools: dirty price per 100, OAS (decimal), OA duration
    (years), OA convexity (years^2), OAS duration (years, exact: the flows do not depend on the
    OAS), KRDs ``(B, K)`` (years), WAL (years), accrued per 100."""

    dirty_price: FloatArray
    oas: FloatArray
    duration: FloatArray
    convexity: FloatArray
    spread_duration: FloatArray
    krd: FloatArray
    wal: FloatArray
    accrued: FloatArray
    shift: float


def mbs_risk(
    pools: PoolBook,
    curve: YieldCurve,
    model: HullWhite,
    key_tenors: FloatArray,
    *,
    oas: npt.ArrayLike | None = None,
    dirty_price: npt.ArrayLike | None = None,
    refi: RefiModel | None = None,
    mc: MonteCarloSpec | None = None,
    shift: float = 25e-4,
    krd_by_bumps: bool = False,
    engine: str = "months",
) -> MbsRisk:
    """Price (from OAS) or OAS (from dirty price) and OA duration, convexity, KRDs and WAL.

    Price, OA duration and convexity are full revaluations on the base and parallel +/- ``shift``
    curves (common random numbers). KRDs of rate-independent pools are bumped (their flows are
    certain: exact and cheap); those of rate-dependent pools come from the adjoint of the path
    projection (:mod:`models.mbs_paths`): the first-order limit of the central difference on the
    same paths (tests compare both), unless ``krd_by_bumps``. KRDs are then scaled to sum to the
    OA duration. ``engine`` (:data:`ENGINES`) picks the path projection; both give the same
    figures to rounding.
    """
    _check_engine(engine)
    if (oas is None) == (dirty_price is None):
        raise AnalyticsError("give exactly one of oas and dirty_price")
    refi = refi or RefiModel()
    mc = mc or MonteCarloSpec()
    keys = np.asarray(key_tenors, dtype=np.float64)
    n_k, n_b = len(keys), len(pools)
    bumps = np.zeros((3 + 2 * n_k, n_k))
    bumps[1], bumps[2] = shift, -shift
    eye = np.eye(n_k) * shift
    bumps[3::2], bumps[4::2] = eye, -eye
    by_price = oas is None
    quote = np.asarray(dirty_price if by_price else oas, dtype=np.float64)
    quote = np.broadcast_to(quote, (n_b,)).copy()  # dirty prices, or the OAS when given
    if krd_by_bumps:
        a, principal, tl = discounted_flows(pools, curve, model, refi, mc, keys, bumps, engine)
        z = oas_from_flows(a[0], tl.pay_time, quote) if by_price else quote
        p = price_from_flows(a, tl.pay_time, z[None, :])
        krd_raw = ((p[4::2] - p[3::2]) / (2 * shift * p[0])).T
    else:
        a, principal, tl, z, krd_raw = _risk_by_adjoint(
            pools, curve, model, refi, mc, keys, bumps, quote, by_price, engine
        )
        p = price_from_flows(a, tl.pay_time, z[None, :])
    p0 = p[0]
    dur = (p[2] - p[1]) / (2 * shift * p0)
    cvx = (p[1] + p[2] - 2 * p0) / (shift**2 * p0)
    krd = scale_krds(krd_raw, dur)
    wal = (principal * tl.pay_time).sum(axis=1) / np.maximum(principal.sum(axis=1), 1e-300)
    v = a[0] * np.exp(-z[:, None] * tl.pay_time)
    sdur = (v * tl.pay_time).sum(axis=1) / v.sum(axis=1)
    return MbsRisk(p0, z, dur, cvx, sdur, krd, wal, tl.accrued, shift)


def _risk_by_adjoint(
    pools: PoolBook,
    curve: YieldCurve,
    model: HullWhite,
    refi: RefiModel,
    mc: MonteCarloSpec,
    keys: FloatArray,
    bumps: FloatArray,
    quote: FloatArray,
    by_price: bool,
    engine: str = "months",
) -> tuple[FloatArray, FloatArray, PoolTimeline, FloatArray, FloatArray]:
    """``A (3, B, M)`` on the base and parallel +/- curves, base principal, timeline, OAS and raw
    KRDs ``(B, K)`` from ``quote`` (dirty prices per 100 when ``by_price``, else the OAS):
    bumped for rate-independent pools, adjoint for rate-dependent ones (each
    block projects, solves its OAS and runs its adjoint while its paths are in memory)."""
    tl = timeline(pools, curve)
    n_b, n_m, n_k = len(pools), tl.months, (len(bumps) - 3) // 2
    shift = float(bumps[1, 0])
    out = _AdjointRun(
        tl,
        refi,
        mc,
        quote,
        by_price,
        np.zeros((3, n_b, n_m)),
        np.zeros((n_b, n_m)),
        np.zeros(n_b),
        np.zeros((n_b, n_k)),
    )
    fixed, refi_idx = split_refi(pools)
    if fixed.size:
        cf, out.principal[fixed] = static_flows(pools, fixed, n_m)
        af = cf[None] * curve.discount_shifted(tl.pay_time[fixed], keys, bumps)
        t_f = tl.pay_time[fixed]
        out.z[fixed] = oas_from_flows(af[0], t_f, quote[fixed]) if by_price else quote[fixed]
        pf = price_from_flows(af, t_f, out.z[None, fixed])
        out.krd_raw[fixed] = ((pf[4::2] - pf[3::2]) / (2 * shift * pf[0])).T
        out.a[:, fixed] = af[:3]
    if refi_idx.size:
        major = engine == "months"
        paths = _Paths.build(pools, refi_idx, tl, curve, model, refi, mc, keys, bumps, major, 3)
        dln = (np.log(paths.disc[3::2]) - np.log(paths.disc[4::2])) / (2 * shift)  # (K, T)
        if major:
            drate = np.subtract(paths.rates[3::2], paths.rates[4::2])  # (K, M, P)
            drate /= 2 * shift
        if major and mbs_kernels.enabled() and paths.rate_exp is not None:
            n_r = refi_idx.size  # a few blocks per thread: pools differ in life
            _run_blocks(
                lambda sel: out.compiled(paths, refi_idx[sel], sel, drate, dln),
                n_r,
                max(1, -(-n_r // (4 * workers()))),
            )
        elif major:
            drate_t = np.ascontiguousarray(drate.transpose(1, 2, 0))  # (M, P, K)
            del drate
            _run_blocks(
                lambda sel: out.months(paths, refi_idx[sel], sel, drate_t, dln),
                refi_idx.size,
                pools_per_block(mc.paths),
            )
        else:
            drate = (paths.rates[3::2] - paths.rates[4::2]) / (2 * shift)  # (K, P, M)
            _run_blocks(
                lambda sel: out.closed_form(paths, refi_idx[sel], sel, drate, dln),
                refi_idx.size,
                block_size(mc.paths, n_m),
            )
    return out.a, out.principal, tl, out.z, out.krd_raw


@dataclass(frozen=True)
class _AdjointRun:
    """Outputs of :func:`_risk_by_adjoint` (``a``, ``principal``, ``z``, ``krd_raw``) and the
    per-block work of each engine; blocks write disjoint rows."""

    tl: PoolTimeline
    refi: RefiModel
    mc: MonteCarloSpec
    quote: FloatArray
    by_price: bool
    a: FloatArray
    principal: FloatArray
    z: FloatArray
    krd_raw: FloatArray

    def _oas(self, rows: IntArray) -> FloatArray:
        t_b = self.tl.pay_time[rows]
        zb = oas_from_flows(self.a[0, rows], t_b, self.quote[rows]) if self.by_price else None
        self.z[rows] = self.quote[rows] if zb is None else zb
        return np.asarray(self.z[rows])

    def months(
        self, paths: _Paths, rows: IntArray, sel: slice, drate: FloatArray, dln: FloatArray
    ) -> None:
        """Month-major engine: project the three curves at once, keep the base state, solve
        the OAS, then run the reverse-month adjoint on each kept chunk."""
        terms, refi, n_p = paths.terms.rows(sel), self.refi, self.mc.paths
        kept = []
        for i, c in enumerate(path_slices(n_p, 3, len(rows))):
            a, prin, st = project(
                terms,
                refi,
                paths.rates[:3, :, c],
                paths.exp_chunk(slice(0, 3), c),
                paths.factor[:, c],
                paths.disc[:3],
                True,
                i,
            )
            self.a[:, rows] += a
            self.principal[rows] += prin / n_p
            kept.append((c, st))
        zb = self._oas(rows)
        discount = np.exp(-zb[:, None] * self.tl.pay_time[rows])
        scale = paths.disc[0][terms.pay_index] * discount  # (b, M)
        grad = np.zeros((len(rows), dln.shape[0]))
        for c, st in kept:
            assert st is not None
            e0 = paths.exp_chunk(0, c)
            fac = paths.factor[:, c]
            grad -= adjoint(terms, refi, paths.rates[0, :, c], e0, st, fac, scale, drate[:, c])
        pv = self.a[0, rows] * discount  # sum over paths of flow x deflator x exp(-OAS T)
        grad += np.einsum("bm,kbm->bk", pv, dln[:, terms.pay_index])
        self.krd_raw[rows] = -grad / pv.sum(axis=1)[:, None]

    def compiled(
        self, paths: _Paths, rows: IntArray, sel: slice, drate: FloatArray, dln: FloatArray
    ) -> None:
        """:meth:`months` in the compiled loops (``models/_mbs_c.c``): the three curves'
        flows as lanes, the OAS, then the base scenario's adjoint on every path at once;
        ``drate (K, M, P)``. Figures agree with :meth:`months` to rounding."""
        assert paths.rate_exp is not None
        terms = paths.terms.rows(sel)
        lanes = mbs_kernels.LaneTerms.of(terms, self.refi)
        n_b, n_m = len(rows), self.tl.months
        a = np.empty((3 * n_b, n_m))
        mbs_kernels.project_lanes(
            lanes, paths.rates[:3], paths.rate_exp[:3], paths.factor[None], paths.disc[:3],
            np.repeat(np.arange(3), n_b), np.zeros(3 * n_b, dtype=np.int64),
            np.tile(np.arange(n_b), 3), a,
        )  # fmt: skip
        self.a[:, rows] = a.reshape(3, n_b, n_m)
        zb = self._oas(rows)
        discount = np.exp(-zb[:, None] * self.tl.pay_time[rows])
        scale = paths.disc[0][terms.pay_index] * discount  # (b, M)
        grad, principal = mbs_kernels.adjoint_pools(
            lanes, paths.rates[0], paths.rate_exp[0], paths.factor, scale, drate,
            self.refi.refi_width,
        )  # fmt: skip
        self.principal[rows] = principal / self.mc.paths
        pv = self.a[0, rows] * discount
        grad = np.einsum("bm,kbm->bk", pv, dln[:, terms.pay_index]) - grad
        self.krd_raw[rows] = -grad / pv.sum(axis=1)[:, None]

    def closed_form(
        self, paths: _Paths, rows: IntArray, sel: slice, drate: FloatArray, dln: FloatArray
    ) -> None:
        """Reference engine (month-vectorised closed form of :mod:`models.mbs_paths`)."""
        terms, refi, mc = paths.terms.rows(sel), self.refi, self.mc
        t_b = self.tl.pay_time[rows]
        kept = []
        for c in path_chunks(mc.paths, len(rows), self.tl.months):
            for s in (1, 2, 0):  # base last: its state feeds the adjoint
                st = forward(terms, refi, paths.rates[s, c], paths.exp_of(s, c))
                self.a[s, rows] += deflate(terms, st.flow, paths.factor[c], paths.disc[s])
            self.principal[rows] += principal_sum(terms, st) / mc.paths
            kept.append((c, st))
        zb = self._oas(rows)
        grad = np.zeros((len(rows), dln.shape[0]))
        for c, st in kept:
            w = weights(terms, paths.factor[c], paths.disc[0], zb, t_b)
            grad += value_gradient(terms, refi, st, w, drate[:, c], dln)
        value = (self.a[0, rows] * np.exp(-zb[:, None] * t_b)).sum(axis=1)
        self.krd_raw[rows] = -grad / value[:, None]
