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
"""

from __future__ import annotations

import logging
import math

import highspy
import numpy as np
import scipy.sparse as sp
from hedge_planner.solvers.highs_backend import new_highs
from hedge_planner.solvers.standard_form import LinearForm

__all__ = ["implied_bounds"]

logger = logging.getLogger(__name__)

#: Outward margin of an implied bound, relative to the column's own magnitude: HiGHS' LP
#: meets rows to ~1e-9 (scaled); a bound a hair too wide costs nothing, one too narrow
#: could cut off a plan.
_MARGIN = 1e-6


def _lp(lf: LinearForm, seconds: float) -> highspy.Highs:
    """HiGHS LP of ``lf``'s rows and column bounds (rows scaled to unit max coefficient)."""
    A = sp.csr_matrix(lf.A)
    amax = np.asarray(abs(A).max(axis=1).todense(), dtype=float).reshape(-1)
    rs = np.where(amax > 0, 1.0 / np.where(amax > 0, amax, 1.0), 1.0)
    As = sp.csc_matrix(sp.diags(rs) @ A)
    n = lf.c.shape[0]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, As.shape[0]
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_, lp.col_upper_ = lf.col_lo.copy(), lf.col_hi.copy()
    lp.row_lower_, lp.row_upper_ = lf.row_lo * rs, lf.row_hi * rs
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = As.indptr.astype(np.int32)
    lp.a_matrix_.index_ = As.indices.astype(np.int32)
    lp.a_matrix_.value_ = As.data.astype(float)
    h = new_highs()
    # Tightening is optional: past its budget (HiGHS' clock is cumulative over the LPs)
    # the remaining LPs end unsolved and their columns keep their own bounds.
    h.setOptionValue("time_limit", max(seconds, 1e-3))
    # Why: consecutive LPs differ in the objective only, so the last optimal basis stays
    # primal feasible; primal simplex from it took 18 ms for the desk example's 36 LPs
    # where HiGHS' default (dual) took 49 ms.
    h.setOptionValue("simplex_strategy", 4)
    h.passModel(lp)
    return h


def implied_bounds(
    lf: LinearForm, cols: np.ndarray, seconds: float = 5.0
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
    h = _lp(lf, seconds)
    n = lf.c.shape[0]
    for j, c in enumerate(cols):
        for sign in (1.0, -1.0):
            h.changeColCost(int(c), sign)
            h.run()
            ms = h.getModelStatus()
            v = sign * float(h.getInfo().objective_function_value)  # before the model changes
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
