"""Node relaxations by CLARABEL's interior point, straight from the generated standard form.

HiGHS' active-set QP is fast and warm-started but fails ("Solve error", or cycling to its
iteration cap) on some branch-and-bound nodes of problems with the legs' big-M rows (measured
on the example with ``max_legs``: one node in three). An interior point method has no basis
to cycle on: this is the second node solver of the exact search. It reads the same
:class:`~hedge_planner.solvers.standard_form.LinearForm` as the HiGHS model (so the same
problem, cvxpy's canonical form), with the node's box on the integer columns as rows whose
right-hand sides change per node. Objective and columns are scaled as in the HiGHS model.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import replace
from typing import Any

import clarabel
import numpy as np
import scipy.sparse as sp
from hedge_planner.solvers.dual_bound import DualBound
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.standard_form import LinearForm

__all__ = ["ClarabelNodes"]

logger = logging.getLogger(__name__)

_BIG = 1e12  # stands for an infinite integer bound (Clarabel rows need finite sides)


class ClarabelNodes:
    """CLARABEL relaxations of ``lf`` with boxes on ``int_cols``.

    Parameters
    ----------
    lf : LinearForm
        The model in original units (root column bounds included).
    int_cols : numpy.ndarray of int
        Columns whose bounds each node sets.
    col_scale : numpy.ndarray
        Column scales of the HiGHS model (``x = col_scale * x_scaled``).
    obj_scale : float
        The objective is divided by this inside the solver.
    """

    def __init__(
        self,
        lf: LinearForm,
        int_cols: np.ndarray,
        col_scale: np.ndarray,
        obj_scale: float,
    ) -> None:
        n = lf.c.shape[0]
        cs, s = np.asarray(col_scale, dtype=float), float(obj_scale)
        self.n, self.cs, self.s, self.d = n, cs, s, lf.d
        self.int_cols = np.asarray(int_cols, dtype=int)
        D = sp.diags(cs)
        P = sp.csc_matrix(sp.triu(D @ sp.csc_matrix(lf.P) @ D) / s)
        self.q = lf.c * cs / s
        A = sp.csr_matrix(lf.A @ D)
        eq = np.flatnonzero(np.isfinite(lf.row_lo) & (lf.row_lo == lf.row_hi))
        up = np.flatnonzero(np.isfinite(lf.row_hi) & (lf.row_lo != lf.row_hi))
        dn = np.flatnonzero(np.isfinite(lf.row_lo) & (lf.row_lo != lf.row_hi))
        other = np.setdiff1d(np.arange(n), self.int_cols)
        c_up = other[np.isfinite(lf.col_hi[other])]
        c_dn = other[np.isfinite(lf.col_lo[other])]
        k = len(self.int_cols)
        eye = sp.identity(n, format="csr")
        blocks = [
            A[eq],
            A[up],
            -A[dn],
            eye[c_up],
            -eye[c_dn],
            eye[self.int_cols],
            -eye[self.int_cols],
        ]
        rhs = [
            lf.row_hi[eq],
            lf.row_hi[up],
            -lf.row_lo[dn],
            lf.col_hi[c_up] / cs[c_up],
            -lf.col_lo[c_dn] / cs[c_dn],
        ]
        # Row scaling to unit max coefficient (Clarabel equilibrates too; this keeps the
        # tolerances comparable across rows of currency and years).
        M = sp.csr_matrix(sp.vstack(blocks[:5]))
        b0 = np.concatenate(rhs)
        amax = np.asarray(abs(M).max(axis=1).todense(), dtype=float).reshape(-1)
        rs = np.where(amax > 0, 1.0 / np.where(amax > 0, amax, 1.0), 1.0)
        self.A = sp.csc_matrix(sp.vstack([sp.diags(rs) @ M, blocks[5], blocks[6]]))
        self.b0, self.P = b0 * rs, P
        self._certificate(lf, len(eq) + len(up) + len(dn), len(eq), (eq, up, dn, c_up, c_dn))
        self.cones = [
            clarabel.ZeroConeT(len(eq)),
            clarabel.NonnegativeConeT(len(b0) - len(eq) + 2 * k),
        ]
        self.k = k
        st = clarabel.DefaultSettings()
        st.verbose = False
        st.tol_gap_abs, st.tol_gap_rel = 1e-10, 1e-10
        st.tol_feas, st.tol_ktratio = 1e-10, 1e-8
        st.max_iter = 200
        st.presolve_enable = False  # the node rows must keep their positions
        # Why: with Clarabel's own equilibration on top of the row and column scaling here,
        # it reported "Solved" at points far from optimal on leg nodes (measured: -32.3
        # against -89.0 on a node HiGHS and enumeration agree on); without it they agree.
        st.equilibrate_enable = False
        # Why: Clarabel's static regularisation (1e-8 plus a part proportional to the
        # largest KKT diagonal) moved the optimum of these badly scaled nodes: measured on
        # a max_legs node (tests/solvers/test_cardinality.py, seed 306) "Solved" at 9.60
        # with residuals ~1e-12 where the node's optimum is -6.23 (found with it off, as
        # by enumeration); used as a bound, that pruned the optimum.
        # The same shift, measured with a CDX in the example's universe before the TE rows
        # were normalised one by one (HedgeContext._factor_row_scale): regularised CLARABEL
        # ended the root at 7,888,292 where the unregularised solve found 7,881,158, below
        # an integer plan worth 7,881,522: a bound no solver may claim.
        st.static_regularization_enable = False
        self.settings = st
        # The regularised solver is a last resort on nodes the exact settings cannot solve:
        # its point guides branching but its objective is never used as a bound (status
        # "approximate"; see branch_and_bound._child), only the Lagrangian at its dual.
        reg = clarabel.DefaultSettings()
        for name in ("verbose", "tol_gap_abs", "tol_gap_rel", "tol_feas", "tol_ktratio",
                     "max_iter", "presolve_enable", "equilibrate_enable"):  # fmt: skip
            setattr(reg, name, getattr(st, name))
        reg.static_regularization_enable = True
        self.settings_regularised = reg
        #: The exact-settings solver, kept across nodes: a node changes only ``b`` (its box
        #: rows), so Clarabel's data update skips the setup and symbolic factorisation
        #: (measured ~25% of a node solve on the desk example).
        self._solver: Any = None

    def _dual_space(self, parts: tuple[np.ndarray, ...]) -> None:
        """Units and identity of the dualised rows' multipliers (see :meth:`bounds_at`).

        A multiplier is kept per unit of its row's largest coefficient on a flat column
        (no curvature; the lots and the legs' binaries): moved to another instance of the
        same structure (the same rows and columns, ``parts``) whose row has those
        coefficients scaled by a common factor (the desk's book normalisers: the
        tracking-error rows' loadings, the duration band's ``1 / dv01_scale``), it leaves
        the flat columns' reduced costs as they were. Why: the Lagrangian is linear in a
        flat column over its box (thousands of lots wide), so a reduced cost moved by
        ``1e-5`` of itself cost hundreds of currency units of bound (measured on the desk's
        consecutive books, with multipliers kept per unit of the largest coefficient); the
        curved columns absorb the change smoothly.
        """
        A = abs(sp.csc_matrix(self._dual.A)[:, self._dual.p <= 0.0])
        flat = np.asarray(A.max(axis=1).todense(), dtype=float).reshape(-1) if A.shape[1] else 0.0
        self._dual_unit = self.s * np.where(flat > 0.0, flat, 1.0)
        digest = hashlib.blake2b(digest_size=16)
        for part in parts:
            digest.update(np.asarray(part, dtype=np.int64).tobytes() + b"|")
        #: Which dualised rows this instance has (equal: the multipliers transfer).
        self.space = digest.hexdigest()

    def _certificate(
        self, lf: LinearForm, n_dual: int, n_eq: int, parts: tuple[np.ndarray, ...]
    ) -> None:
        """Set up certified node bounds (:mod:`~hedge_planner.solvers.dual_bound`).

        The general rows (the first ``n_dual`` of :attr:`A`, ``n_eq`` equalities) are
        dualised; the column bounds (finite ones of the other columns, the node's box on
        the integer columns) stay the box the Lagrangian is minimised over.
        """
        cs = self.cs
        self._lo_u, self._hi_u = lf.col_lo / cs, lf.col_hi / cs
        # Boxed in every node: columns finite at the root (a node only narrows its box).
        boxed = np.isfinite(lf.col_lo) & np.isfinite(lf.col_hi)
        self._dual = DualBound(self.P, self.q, self.A[:n_dual], n_eq, boxed)
        self._b_dual = self.b0[:n_dual]
        #: Node solves whose bound was certified / had none (the objective then stands).
        self.certified = self.uncertified = 0
        self._dual_space((*parts, self.int_cols))

    def solve(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        """Relaxation with ``lo <= x[int_cols] <= hi`` (original units): all columns.

        Exact settings first; if they fail, the regularised solver, whose outcome is marked
        "approximate": a point to branch from whose objective is no bound, with the
        certified bound at its multipliers when there is one (weak duality holds at any
        multipliers, however inexact the solve).
        """
        out = self._solve(lo, hi, self.settings)
        if out.status != "error":
            return out
        approx = self._solve(lo, hi, self.settings_regularised)
        if approx.status == "optimal":
            return replace(approx, status="approximate")
        return out

    def _solve(self, lo: np.ndarray, hi: np.ndarray, settings: Any) -> NodeOutcome:
        cs = self.cs[self.int_cols]
        b = np.concatenate([self.b0, np.clip(hi / cs, -_BIG, _BIG), np.clip(-lo / cs, -_BIG, _BIG)])
        try:
            if settings is self.settings and self._solver is not None:
                solver = self._solver
                solver.update(b=b)
            else:
                solver = clarabel.DefaultSolver(self.P, self.q, self.A, b, self.cones, settings)
                if settings is self.settings and solver.is_data_update_allowed():
                    self._solver = solver
            sol = solver.solve()
        except Exception as exc:  # pragma: no cover - defensive: Clarabel raises on bad data
            logger.warning("CLARABEL node solve failed: %s", exc)
            return NodeOutcome("error", None, None)
        st = str(sol.status)
        if st in ("Solved", "AlmostSolved"):
            x = np.asarray(sol.x, dtype=float) * self.cs
            obj = float(sol.obj_val) * self.s + self.d
            if math.isfinite(obj) and np.all(np.isfinite(x)):
                z = np.asarray(sol.z, dtype=float)[: len(self._b_dual)]
                dual = z * self._dual_unit
                bound, costs = self._certify(z, lo, hi)
                return NodeOutcome("optimal", x, obj, bound, dual, costs)
        if st in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
            return NodeOutcome("infeasible", None, None)
        logger.debug("CLARABEL node ended %s", st)
        return NodeOutcome("error", None, None)

    def _certify(
        self, z: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[float | None, np.ndarray | None]:
        """Certified lower bound of the node (currency) from the solve's dual ``z`` and the
        integer columns' reduced costs there (currency per unit; 0 on a curved column), or
        Nones.

        Why: the solver's objective is its value at a point meeting the rows to its
        tolerance (1e-10, scaled), not a bound; the Lagrangian at its dual is one whatever
        the tolerance (:mod:`~hedge_planner.solvers.dual_bound`).
        """
        cs = self.cs[self.int_cols]
        lo_u, hi_u = self._lo_u.copy(), self._hi_u.copy()
        lo_u[self.int_cols], hi_u[self.int_cols] = lo / cs, hi / cs
        value, g = self._dual.bound_and_costs(z, self._b_dual, lo_u, hi_u)
        if not math.isfinite(value) or g is None:
            self.uncertified += 1
            return None, None
        self.certified += 1
        flat = self._dual.p[self.int_cols] <= 0.0
        costs = np.where(flat, g[self.int_cols] * self.s / cs, 0.0)
        return value * self.s + self.d, costs

    def bounds_at(self, duals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Certified lower bounds (currency, ``-inf`` where none) of the relaxation over the
        integer boxes ``[lo[l], hi[l]]`` at multipliers ``duals[l]`` (rows of
        :attr:`NodeOutcome.dual` of an instance with this :attr:`space`, possibly of other
        data).

        Any multipliers give a bound (weak duality, :mod:`~hedge_planner.solvers.dual_bound`);
        a node's own, taken to slightly changed data (another book), give one close to the
        node's new optimum without solving it.
        """
        if duals.ndim != 2 or duals.shape[1] != len(self._dual_unit):
            return np.full(len(duals), -math.inf)
        cs = self.cs[self.int_cols]
        LO = np.repeat(self._lo_u[None, :], len(duals), axis=0)
        HI = np.repeat(self._hi_u[None, :], len(duals), axis=0)
        LO[:, self.int_cols], HI[:, self.int_cols] = lo / cs, hi / cs
        values = self._dual.bounds(duals / self._dual_unit, self._b_dual, LO, HI)
        return values * self.s + self.d
