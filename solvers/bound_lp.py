"""The bound LPs of :mod:`~hedge_planner.solvers.bound_tightening`: built in numpy, kept warm.

:func:`scaled_lp` states a :class:`~hedge_planner.solvers.standard_form.LinearForm`'s rows
and column bounds as a HiGHS LP, each row divided by its largest coefficient, without
scipy.sparse conversions (the form's ``A`` is already CSC: only its values are scaled).

:class:`WarmLPs` keeps those LPs between searches of one compiled model (the desk's
:class:`~hedge_planner.solvers.book_form.CompiledHedge`, re-filled per book): one HiGHS
object per row structure, and each LP's last optimal basis under a tag (the level set's
``delta`` LP, a column's minimum or maximum). The next book's LP (same rows and columns,
other values) is passed whole, so its data are exactly what a fresh LP would get, and starts
from that basis: on the desk's books most bound LPs then end in 0-3 simplex iterations,
where the previous LP's basis took 7-150. A basis changes the path, never the optimum: the
LP's value is the same to HiGHS' tolerances, which the implied bounds' outward margin covers.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable

import highspy
import numpy as np
import scipy.sparse as sp
from hedge_planner.solvers.highs_backend import new_highs
from hedge_planner.solvers.sparse_scaling import canonical_csc, inverse_row_max, scaled_parts
from hedge_planner.solvers.standard_form import LinearForm

__all__ = ["WarmLPs", "append_row", "scaled_lp"]

logger = logging.getLogger(__name__)

#: Row structures kept per :class:`WarmLPs` (the relaxation's and the level set's rows).
_MAX_STRUCTURES = 4


def scaled_lp(lf: LinearForm) -> highspy.HighsLp:
    """HiGHS LP of ``lf``'s rows and column bounds, rows scaled to unit max coefficient.

    The objective is zero (callers set the columns' costs). Row ``i`` and its bounds are
    multiplied by ``1 / max_j |A_ij|`` (1 for an empty row), exactly as
    ``diags(rs) @ A`` would (zero products dropped alike).
    """
    A = canonical_csc(lf.A)
    m, n = A.shape
    rs = inverse_row_max(A)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_, lp.col_upper_ = lf.col_lo.copy(), lf.col_hi.copy()
    lp.row_lower_, lp.row_upper_ = lf.row_lo * rs, lf.row_hi * rs
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    As = scaled_parts(A, rs)
    lp.a_matrix_.start_ = As.indptr.astype(np.int32)
    lp.a_matrix_.index_ = As.indices.astype(np.int32)
    lp.a_matrix_.value_ = As.data.astype(float)
    return lp


def append_row(A: sp.spmatrix, g: np.ndarray) -> sp.csc_matrix:
    """``vstack([A, g])`` as CSC (zeros of ``g`` dropped), built from ``A``'s arrays."""
    A = canonical_csc(A)
    m, n = A.shape
    nz = np.asarray(g, dtype=float) != 0.0
    ends = A.indptr[1:][nz]  # the new row is each such column's last entry
    indices = np.insert(A.indices, ends, m)
    data = np.insert(A.data, ends, np.asarray(g, dtype=float)[nz])
    indptr = A.indptr + np.concatenate([[0], np.cumsum(nz)])
    return sp.csc_matrix((data, indices, indptr), shape=(m + 1, n))


class WarmLPs:
    """Bound LPs kept between searches of one model: HiGHS objects and optimal bases.

    Not thread-safe (one search at a time, as the model it belongs to).
    """

    def __init__(self) -> None:
        #: Per row structure: (shape, indptr, indices, HiGHS object, bases by tag).
        self._kept: list[tuple[tuple[int, int], np.ndarray, np.ndarray, highspy.Highs,
                               dict[Hashable, highspy.HighsBasis]]] = []  # fmt: skip
        #: LPs started from a kept basis / from the previous LP's (diagnostics, tests).
        self.warm_starts = 0
        #: Warm runs that did not end optimal and were run again cold.
        self.cold_retries = 0
        self.cold_starts = 0

    def load(
        self, lf: LinearForm, seconds: float
    ) -> tuple[highspy.Highs, dict[Hashable, highspy.HighsBasis]]:
        """The HiGHS object of ``lf``'s row structure holding ``lf``'s LP, and its bases.

        ``seconds`` caps the runs that follow, together (HiGHS' time limit counts the
        object's cumulative run time, so it is set past the time already spent).
        """
        A = canonical_csc(lf.A)
        entry = None
        for k, kept in enumerate(self._kept):
            shape, indptr, indices = kept[0], kept[1], kept[2]
            if (
                shape == A.shape
                and np.array_equal(indptr, A.indptr)
                and (np.array_equal(indices, A.indices))
            ):
                entry = self._kept.pop(k)
                break
        if entry is None:
            h = new_highs()  # callers set the simplex strategy
            entry = (A.shape, A.indptr.copy(), A.indices.copy(), h, {})
        self._kept.insert(0, entry)
        del self._kept[_MAX_STRUCTURES:]
        h = entry[3]
        h.passModel(scaled_lp(lf))
        h.setOptionValue("time_limit", h.getRunTime() + max(seconds, 1e-3))
        return h, entry[4]

    def start(self, h: highspy.Highs, bases: dict[Hashable, highspy.HighsBasis],
              tag: Hashable) -> None:  # fmt: skip
        """Start the next run of ``h`` from the basis kept under ``tag``, if any."""
        basis = bases.get(tag)
        if basis is None:
            self.cold_starts += 1
            return
        h.setBasis(basis)
        self.warm_starts += 1

    def run(self, h: highspy.Highs, bases: dict[Hashable, highspy.HighsBasis] | None,
            tag: Hashable) -> highspy.HighsModelStatus:  # fmt: skip
        """Run ``h`` from the basis kept under ``tag`` (if any) and keep its optimal basis;
        a warm run that does not end optimal is run again cold.

        Why the cold retry: from another book's basis, HiGHS' dual simplex has ended
        "Unbounded" on an LP that a cold start solves (a re-filled desk book, 29
        iterations); the bound LPs would then prove nothing for that book.
        """
        warm = bases is not None and tag in bases
        if bases is not None:
            self.start(h, bases, tag)
        h.run()
        ms = h.getModelStatus()
        if warm and ms != highspy.HighsModelStatus.kOptimal:
            logger.debug("warm bound LP ended %s: run cold", h.modelStatusToString(ms))
            self.cold_retries += 1
            h.clearSolver()
            h.run()
            ms = h.getModelStatus()
        if bases is not None and ms == highspy.HighsModelStatus.kOptimal:
            self.keep(h, bases, tag)
        return ms

    @staticmethod
    def keep(h: highspy.Highs, bases: dict[Hashable, highspy.HighsBasis], tag: Hashable) -> None:
        """Keep ``h``'s optimal basis under ``tag`` for the next call."""
        bases[tag] = h.getBasis()
