"""Bound tightening for the exact search: the trade each leg can make under the other limits.

The legs' linking rows (:mod:`~hedge_planner.solvers.legs`) use as big-M the largest trade
the position limits allow. The band, KRD, margin and budget rows usually allow much less
(measured on ``examples/core_plus/case_legs.yaml``: a 5,000-lot swap limit against an
implied 1,000-1,500 lots), and the relaxation of ``|d| <= M z`` is weak by the same factor:
a leg's binary sits at ``|d| / M`` in the relaxation, so its ticket and its share of the leg
limit are priced at a fraction of their true value.

:func:`implied_bounds` computes, for each requested column, its smallest and largest value
over the feasible set of the continuous relaxation (one LP per side, HiGHS dual simplex
warm-started from the previous column's basis). Every integer-feasible plan lies in the
relaxation, so it lies within these bounds, and a big-M lowered to them keeps every plan
(the rows are unchanged at ``z = 0`` and, at ``z = 1``, restate the implied bound). The
search over the tightened model is therefore the same problem with a tighter relaxation.

:func:`level_set_form` cuts the relaxation further to the points whose objective is at most
an incumbent's (a box on the factor exposures and one row, valid for any centre); bounds
implied over it keep every plan that could improve the incumbent. :func:`level_set_box`
gives those bounds as whole numbers for the integer columns (the outer approximation's
master box).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable

import highspy
import numpy as np
import scipy.sparse as sp
from hedge_planner.models.array_memo import ArrayMemo
from hedge_planner.solvers.bound_lp import WarmLPs, append_row, scaled_lp
from hedge_planner.solvers.highs_backend import new_highs
from hedge_planner.solvers.standard_form import LinearForm

__all__ = ["implied_bounds", "level_set_box", "level_set_form"]

logger = logging.getLogger(__name__)

#: Outward margin of an implied bound, relative to the column's own magnitude: HiGHS' LP
#: meets rows to ~1e-9 (scaled); a bound a hair too wide costs nothing, one too narrow
#: could cut off a plan.
_MARGIN = 1e-6


def _lp(lf: LinearForm, seconds: float) -> highspy.Highs:
    """HiGHS LP of ``lf``'s rows and column bounds (rows scaled to unit max coefficient)."""
    h = new_highs()
    # Tightening is optional: past its budget (HiGHS' clock is cumulative over the LPs)
    # the remaining LPs end unsolved and their columns keep their own bounds.
    h.setOptionValue("time_limit", max(seconds, 1e-3))
    # Why: consecutive LPs differ in the objective only, so the last optimal basis stays
    # primal feasible; primal simplex from it took 18 ms for the desk example's 36 LPs
    # where HiGHS' default (dual) took 49 ms.
    h.setOptionValue("simplex_strategy", 4)
    h.passModel(scaled_lp(lf))
    return h


def _bound_lp(
    lf: LinearForm, seconds: float, warm: WarmLPs | None
) -> tuple[highspy.Highs, dict[Hashable, highspy.HighsBasis] | None]:
    """``lf``'s LP: a new HiGHS object, or ``warm``'s kept one with its bases."""
    if warm is None:
        return _lp(lf, seconds), None
    return warm.load(lf, seconds)


def _run(
    h: highspy.Highs,
    warm: WarmLPs | None,
    bases: dict[Hashable, highspy.HighsBasis] | None,
    tag: Hashable,
) -> highspy.HighsModelStatus:
    """Run a bound LP: through ``warm`` (kept basis, cold retry) when given, else as built."""
    if warm is not None:
        return warm.run(h, bases, tag)
    h.run()
    return h.getModelStatus()


def implied_bounds(
    lf: LinearForm, cols: np.ndarray, seconds: float = 5.0, warm: WarmLPs | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Smallest and largest value of each column of ``cols`` over ``lf``'s feasible set.

    Parameters
    ----------
    lf : LinearForm
        The continuous relaxation (its objective is ignored).
    cols : numpy.ndarray of int
        Columns to bound.
    seconds : float
        Time budget of all the LPs together.
    warm : WarmLPs, optional
        LPs kept from an earlier call on the same rows: each side starts from its last
        optimal basis (same bounds to HiGHS' tolerances, fewer simplex iterations).

    Returns
    -------
    (lo, hi) : tuple of numpy.ndarray, or None
        Implied bounds in the columns' units, widened outward by a relative ``1e-6``; a
        side whose LP did not end optimal keeps the column's own bound. None when the
        relaxation is infeasible (nothing to tighten: the search reports it).
    """
    cols = np.asarray(cols, dtype=int)
    lo, hi = lf.col_lo[cols].copy(), lf.col_hi[cols].copy()
    if not len(cols):
        return lo, hi
    h, bases = _bound_lp(lf, seconds, warm)
    h.setOptionValue("simplex_strategy", 4)  # see _lp (a kept object may have run _lp_min)
    n = lf.c.shape[0]
    for j, c in enumerate(cols):
        for sign in (1.0, -1.0):
            h.changeColCost(int(c), sign)
            ms = _run(h, warm, bases, (int(c), sign))
            v = sign * float(h.getObjectiveValue())  # before the model changes (see _lp_min)
            h.changeColCost(int(c), 0.0)
            if ms == highspy.HighsModelStatus.kInfeasible:
                return None
            if ms != highspy.HighsModelStatus.kOptimal:
                logger.debug("bound LP of column %d/%d ended %s", c, n, h.modelStatusToString(ms))
                continue
            if not math.isfinite(v):
                continue
            width = hi[j] - lo[j] if np.isfinite(hi[j] - lo[j]) else 0.0
            pad = _MARGIN * max(1.0, abs(v), width)
            if sign > 0:
                lo[j] = max(lo[j], v - pad)
            else:
                hi[j] = min(hi[j], v + pad)
    return lo, hi


def _objective(lf: LinearForm, x: np.ndarray) -> float:
    """``1/2 x'Px + c'x + d`` (the form's units, currency)."""
    return float(0.5 * x @ (lf.P @ x) + lf.c @ x + lf.d)


def _lp_min(
    lf: LinearForm, g: np.ndarray, seconds: float, warm: WarmLPs | None = None
) -> float | None:
    """``min g'x`` over ``lf``'s feasible set, or None when HiGHS does not prove it."""
    h, bases = _bound_lp(lf, seconds, warm)
    h.setOptionValue("simplex_strategy", 1)  # dual simplex: a cold start
    h.changeColsCost(len(g), np.arange(len(g), dtype=np.int32), np.asarray(g, dtype=float))
    if _run(h, warm, bases, "delta") != highspy.HighsModelStatus.kOptimal:
        return None
    # Why not getInfo().objective_function_value: the same number (HiGHS returns that info
    # field) without copying the whole info record (~5 us; the bound LPs run ~30 a book).
    v = float(h.getObjectiveValue())
    return v if math.isfinite(v) else None


#: Quadratic columns and inverse-Hessian diagonals of level sets, by the Hessian's value.
_MEMO = ArrayMemo(8)


def _quad_inverse(P: sp.csc_matrix) -> tuple[np.ndarray, np.ndarray | None]:
    """The columns ``Q`` where ``P`` is nonzero and ``diag(P_QQ^-1)`` (None if not definite)."""
    quad = np.flatnonzero(np.asarray(abs(P).sum(axis=0)).reshape(-1) > 0)
    if not len(quad):
        return quad, None
    pqq = P[:, quad].toarray()[quad]
    try:
        # P = L L', P^-1 = L^-T L^-1: (P^-1)_jj is the squared norm of column j of L^-1.
        return quad, np.sum(np.linalg.inv(np.linalg.cholesky(pqq)) ** 2, axis=0)
    except np.linalg.LinAlgError:  # semidefinite: no box, the row alone
        return quad, None


def level_set_form(lf: LinearForm, x_star: np.ndarray, ub: float, seconds: float = 1.0,
                   warm: WarmLPs | None = None) -> LinearForm | None:  # fmt: skip
    """``lf``'s feasible set cut to the points whose objective is at most ``ub``, outer box.

    With ``f(x) = 1/2 x'Px + c'x + d`` and ``g = P x* + c`` (any point ``x*``),

        f(x) - f(x*) = g'(x - x*) + 1/2 (x - x*)' P (x - x*)          (exact: f is quadratic).

    Let ``delta = g'x* - min {g'x : x feasible}`` (one LP; ``>= 0`` when ``x*`` is feasible,
    0 at the relaxation's optimum, where ``g'(x - x*) >= 0`` over the feasible set is its
    optimality condition). For every feasible ``x`` with ``f(x) <= ub``:

    * ``1/2 (x - x*)' P (x - x*) <= R := ub - f(x*) + delta`` (the linear part is at least
      ``-delta``): on the columns ``Q`` where ``P`` is nonzero and positive definite
      (cvxpy's factor exposures of the tracking error), ``|x_j - x*_j| <= sqrt(2 R
      (P_QQ^-1)_jj)`` (the largest ``e_j'v`` on the ellipsoid ``v'P_QQ v <= 2R``);
    * ``g'(x - x*) <= ub - f(x*)`` (the quadratic part is ``>= 0``): one row. It carries
      the linear terms (carry, half spread, tickets) directly.

    The carry, costs and tickets are linear in ``x`` and enter only ``g``; nothing assumes
    ``x*`` optimal or feasible: an inexact ``x*`` only widens the box through ``delta``.
    Every plan (an integer point of the relaxation) with objective ``<= ub`` therefore lies
    in the returned form, so bounds implied by it (:func:`implied_bounds`) keep every plan
    that could improve an incumbent of value ``ub``. ``R`` and the row are widened by
    ``1e-7`` relative and the radii by ``1e-6`` relative (HiGHS' LP tolerances).

    Parameters
    ----------
    lf : LinearForm
        The continuous relaxation (its column bounds may already hold a search box).
    x_star : numpy.ndarray
        Any point (all of ``lf``'s columns), best the relaxation's optimum.
    ub : float
        Objective of an incumbent (currency).
    seconds : float
        Time budget of the LP for ``delta``.
    warm : WarmLPs, optional
        LPs kept from an earlier call (see :func:`implied_bounds`).

    Returns
    -------
    LinearForm or None
        The cut form, or None when ``delta``'s LP is not proven (nothing to tighten).
    """
    x_star = np.asarray(x_star, dtype=float)
    P = lf.P if sp.isspmatrix_csc(lf.P) else sp.csc_matrix(lf.P)  # no re-wrap: ~20 us
    g = np.asarray(P @ x_star, dtype=float).reshape(-1) + lf.c
    lp_min = _lp_min(lf, g, seconds, warm)
    if lp_min is None:
        return None
    f_star = _objective(lf, x_star)
    scale = max(1.0, abs(ub), abs(f_star), float(np.abs(g * x_star).sum()))
    delta = max(0.0, float(g @ x_star) - lp_min)
    radius2 = max(ub - f_star + delta, 0.0) + 1e-7 * scale
    col_lo, col_hi = lf.col_lo.copy(), lf.col_hi.copy()
    # Memoised by P's value: the desk's books of one compiled model share the curvature.
    quad, inv_diag = _MEMO.get([P.indptr, P.indices, P.data], lambda: _quad_inverse(P), P.shape)
    if len(quad) and inv_diag is not None:
        r = np.sqrt(2.0 * radius2 * inv_diag) * (1 + 1e-6) + 1e-9
        col_lo[quad] = np.maximum(col_lo[quad], x_star[quad] - r)
        col_hi[quad] = np.minimum(col_hi[quad], x_star[quad] + r)
    rhs = ub - f_star + float(g @ x_star) + 1e-7 * scale
    A = append_row(lf.A, g)
    return LinearForm(lf.P, lf.c, lf.d, A, np.append(lf.row_lo, -np.inf),
                      np.append(lf.row_hi, rhs), col_lo, col_hi)  # fmt: skip


def level_set_box(
    lf: LinearForm,
    x_star: np.ndarray,
    ub: float,
    cols: np.ndarray,
    seconds: float = 2.0,
    warm: WarmLPs | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Whole-number range of the integer columns ``cols`` over the plans with objective ``<= ub``.

    :func:`implied_bounds` over :func:`level_set_form` (whose bounds keep every plan that
    could improve an incumbent of value ``ub``), rounded inward to whole numbers (the
    columns are integer; the implied bounds are already widened by ``_MARGIN``) and
    intersected with the columns' own bounds. Why: on the lattices of lots (swaps in 1mm
    lots, ranges of +-5,000 lots) the limits and the costs' row cut the ranges ~25-fold
    (``lots_tight`` of benchmarks/bench_integer.py: total width 4.4e5 to 1.8e4 lots), which
    the outer approximation's MILP masters otherwise branch over.

    Parameters
    ----------
    lf : LinearForm
        The continuous relaxation.
    x_star : numpy.ndarray
        The level set's centre (all of ``lf``'s columns), best the relaxation's optimum.
    ub : float
        Objective of an incumbent (currency).
    cols : numpy.ndarray of int
        Integer columns.
    seconds : float
        Time budget of each of the two LP passes.
    warm : WarmLPs, optional
        LPs kept from an earlier call on the same rows (see :func:`implied_bounds`).

    Returns
    -------
    (lo, hi) : tuple of numpy.ndarray, or None
        Whole-number bounds (``lo > hi`` where no plan below ``ub`` exists), or None when
        nothing is proven (the LP of the cut or the relaxation not solved).
    """
    cut = level_set_form(lf, x_star, ub, seconds, warm)
    b = None if cut is None else implied_bounds(cut, cols, seconds, warm)
    if b is None:
        return None
    lo = np.maximum(np.ceil(b[0] - 1e-9), lf.col_lo[cols])
    hi = np.minimum(np.floor(b[1] + 1e-9), lf.col_hi[cols])
    return lo, hi
