"""The compiled loops of rate-dependent pools (``models/_mbs_c.c``).

- :func:`project_lanes`: the scenario lanes' month loop (:mod:`models.mbs_stack`), and the
  measure stage's three curves;
- :func:`adjoint_pools`: the measure stage's reverse-month adjoint of the base scenario (the KRDs'
  gradient, :func:`models.mbs_months.adjoint`), its forward pass recomputed per pool;
- :func:`mortgage_rates`: the paths' mortgage rates off their bond prices, every scenario.

Built by ``pip install`` as an optional extension (pyproject's ``ext-modules``); where it is
missing, or ``HEDGE_PLANNER_KERNELS=numpy`` (:data:`models.lattice_kernels.NUMPY`), the numpy
loops run. The month loops do the formulas of :func:`models.mbs_months.project` path by path with
their own ``exp`` and ``log1p`` (within about 2 ulp), fusing multiply-adds where the CPU has FMA,
and sum over paths in interleaved partial sums: a lane's flows agree with the numpy loop to
rounding (about 1e-15 relative), not bit for bit. Months from a pool's last scheduled payment on
are 0 (the numpy loop carries a balance paid down to rounding, ~1e-16 of face, to the block's last
month). The mortgage-rate pass does numpy's operations in numpy's order: the same figures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.lattice_kernels import NUMPY
from hedge_planner.models.mbs_paths import PoolTerms
from hedge_planner.models.prepayment import RefiModel

_c: ModuleType | None
try:
    from hedge_planner.models import _mbs_c as _c
except ImportError:  # built without a C compiler: the numpy loop runs
    _c = None

__all__ = [
    "NUMPY",
    "LaneTerms",
    "adjoint_pools",
    "built",
    "elementary",
    "enabled",
    "mortgage_rates",
    "project_lanes",
]


def built() -> bool:
    """True where the compiled extension imported."""
    return _c is not None


def enabled() -> bool:
    """True where lanes go to the compiled loop (built, and not switched off)."""
    return _c is not None and os.environ.get("HEDGE_PLANNER_KERNELS", "") != NUMPY


def _module() -> ModuleType:
    if _c is None:  # callers check enabled() first
        raise RuntimeError("the compiled MBS extension is not built")
    return _c


@dataclass(frozen=True)
class LaneTerms:
    """Pool terms as the compiled loop takes them: C-contiguous, ``(b, M)`` per pool-month,
    ``stop (b,)`` the months projected (through the last scheduled payment, at least 1),
    ``refi`` the four parameters it uses (lock-in slope and floor, ``refi_max``, the burnout
    exponent per unit exposure ``-burnout / 12``)."""

    wac: FloatArray
    pool_exp: FloatArray
    coupon: FloatArray
    sched: FloatArray
    ramp: FloatArray
    turnover: FloatArray
    pay: IntArray
    stop: IntArray
    refi: FloatArray

    @staticmethod
    def of(terms: PoolTerms, refi: RefiModel) -> LaneTerms:
        """The compiled loop's view of ``terms`` under ``refi``."""
        paying = terms.sched_rate > 0
        n_m = paying.shape[1]
        last = np.where(paying.any(axis=1), n_m - np.argmax(paying[:, ::-1], axis=1), 0)
        return LaneTerms(
            np.ascontiguousarray(terms.wac, dtype=np.float64),
            # as mbs_months.project computes it (the same ufunc on the same operands)
            np.exp((refi.refi_center - terms.wac) / refi.refi_width),
            np.ascontiguousarray(terms.coupon, dtype=np.float64),
            np.ascontiguousarray(terms.sched_rate, dtype=np.float64),
            np.ascontiguousarray(terms.ramp, dtype=np.float64),
            np.ascontiguousarray(terms.turnover, dtype=np.float64),
            np.ascontiguousarray(terms.pay_index, dtype=np.int64),
            np.maximum(last, 1).astype(np.int64),
            np.array([refi.lockin_slope, refi.lockin_floor, refi.refi_max, -refi.burnout / 12.0]),
        )


def project_lanes(
    terms: LaneTerms,
    rates: FloatArray,
    rate_exp: FloatArray,
    factor: FloatArray,
    disc: FloatArray,
    row: IntArray,
    fac: IntArray,
    pool: IntArray,
    out: FloatArray,
) -> None:
    """``A (L, M)`` of lanes ``(row, fac, pool)`` into ``out``: mortgage rates and
    ``exp(rate / refi_width)`` ``(U, M, P)`` month-major, path factors ``(F, T, P)`` (divided
    by the path count), discount factors ``(U, T)``. ``out`` must be C-contiguous."""
    n_rows, n_months, n_paths = rates.shape
    n_fac, n_times = factor.shape[:2]
    if row.size == 0:
        return
    _module().project_lanes(
        rates, rate_exp, factor, disc, row, fac, pool, terms.wac, terms.pool_exp, terms.coupon,
        terms.sched, terms.ramp, terms.turnover, terms.pay, terms.stop, terms.refi, out,
        n_rows, n_months, n_paths, n_fac, n_times, terms.wac.size, row.size,
    )  # fmt: skip


def adjoint_pools(
    terms: LaneTerms,
    rates: FloatArray,
    rate_exp: FloatArray,
    factor: FloatArray,
    scale: FloatArray,
    drate: FloatArray,
    refi_width: float,
) -> tuple[FloatArray, FloatArray]:
    """The base scenario's reverse-month adjoint of the pools of ``terms``
    (:func:`models.mbs_months.adjoint` on every path at once, its forward pass recomputed).

    Parameters
    ----------
    terms
        The pools (:meth:`LaneTerms.of`).
    rates, rate_exp
        Base-scenario mortgage rates (decimal) and ``exp(rate / refi_width)``, ``(M, P)``.
    factor
        Path factors ``(T, P)`` at the distinct payment times (divided by the path count).
    scale
        ``(b, M)``: discount factor x ``exp(-OAS T)`` at each pool-month's payment.
    drate
        ``(K, M, P)``: mortgage-rate sensitivities of the ``K`` key-rate shifts.
    refi_width
        The S-curve's width (decimal).

    Returns
    -------
    tuple
        ``sum_{p,m} dV/dI drate`` ``(b, K)`` and the base scenario's principal per unit of
        current face summed over paths ``(b, M)``.
    """
    n_months, n_paths = rates.shape
    n_pools, n_keys = terms.wac.size, drate.shape[0]
    grad, principal = np.empty((n_pools, n_keys)), np.empty((n_pools, n_months))
    refi = np.append(terms.refi, refi_width)
    _module().adjoint_pools(
        np.ascontiguousarray(rates), np.ascontiguousarray(rate_exp), np.ascontiguousarray(factor),
        np.ascontiguousarray(scale), np.ascontiguousarray(drate), terms.wac, terms.pool_exp,
        terms.coupon, terms.sched, terms.ramp, terms.turnover, terms.pay, terms.stop, refi, grad,
        principal, n_months, n_paths, factor.shape[0], n_pools, n_keys,
    )  # fmt: skip
    return grad, principal


def mortgage_rates(e: FloatArray, kt: FloatArray, month_major: bool, refi: RefiModel) -> FloatArray:
    """Mortgage rates ``(S, A, B)`` of :func:`models.mbs.mortgage_rates` from the path factors
    ``e (10, A, B)`` (``exp(-B(k) x)`` of tenors 1..10 years) and the curve terms
    ``kt (S, 10, M)``, the month on axis ``A`` when ``month_major`` (else ``B``)."""
    e = np.ascontiguousarray(e, dtype=np.float64)
    n_t, n_a, n_b = e.shape
    n_s = kt.shape[0]
    out = np.empty((n_s, n_a, n_b))
    w2 = refi.weight_2y
    _module().mortgage_rates(
        e, np.ascontiguousarray(kt, dtype=np.float64), out, n_s, n_t, n_a, n_b, month_major,
        w2, 1.0 - w2, refi.mortgage_spread,
    )  # fmt: skip
    return out


def elementary(x: FloatArray, which: str) -> FloatArray:
    """The extension's own ``exp`` or ``log1p`` of ``x`` (for tests)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    _module().elementary(x, out, x.size, {"exp": 0, "log1p": 1}[which])
    return out
