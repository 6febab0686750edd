"""Numeric standard form of a compiled cvxpy problem, re-filled for new Parameter values.

The hedge problem is stated once, in cvxpy (:mod:`hedge_planner.solvers.formulation`).
Solvers that cvxpy cannot drive the way the branch-and-bound needs (HiGHS, with persistent
models and column-bound changes per node) get their model from HERE: cvxpy's own
canonicalisation of the problem (``Problem.get_problem_data``), i.e. the parameter-affine
program

    minimise    1/2 x' P x + c' x + d
    subject to  A x + b == 0          (the first ``n_eq`` rows)
                A x + b >= 0          (the remaining rows)
                col_lo <= x <= col_hi

in which ``P, c, d, A, b`` (and the bounds) are affine in the Parameter values. A change of
Parameters is a re-fill (``ParamConeProg.apply_parameters``: one sparse tensor product), never
a rebuild. Auxiliary columns (``|.|`` splits, factor exposures of ``sum_squares``) are cvxpy's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

__all__ = ["LinearForm", "ParametricForm"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinearForm:
    """``min 1/2 x'Px + c'x + d`` s.t. ``row_lo <= A x <= row_hi``, ``col_lo <= x <= col_hi``.

    ``P`` is symmetric (CSC), ``A`` CSC; infinite bounds are ``+-inf``.
    """

    P: sp.csc_matrix
    c: np.ndarray
    d: float
    A: sp.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray


class ParametricForm:
    """cvxpy's parameter-affine standard form of ``problem``, evaluated on demand.

    Parameters
    ----------
    problem : cvxpy.Problem
        A DPP problem with a convex quadratic (or linear) objective and linear constraints,
        all variables continuous (integrality is the caller's, on :attr:`var_cols`).
    variables : sequence of cvxpy.Variable
        Variables whose standard-form columns the caller needs (e.g. the hedge quantities).

    Raises
    ------
    ValueError
        If cvxpy's canonical form has cones other than equalities and inequalities.
    """

    def __init__(self, problem: cp.Problem, variables: list[cp.Variable]) -> None:
        # HIGHS' QP interface asks cvxpy for exactly this form (quadratic objective, Zero and
        # NonNeg cones, column bounds); cvxpy's solve() is never called with HIGHS.
        data, _, _ = problem.get_problem_data(solver=cp.HIGHS)
        pp = data[cp.settings.PARAM_PROB]
        dims = pp.cone_dims
        if dims.exp or dims.soc or dims.psd or dims.p3d or dims.pnd:
            raise ValueError(f"hedge problem is not a QP: canonical cones {dims}")
        self._pp = pp
        # Why: cvxpy's re-fill fails on a problem without Parameters; its data is then fixed.
        self._fixed = None if pp.parameters else data
        self.n_col: int = int(pp.x.size)
        self.n_eq: int = int(dims.zero)
        self.n_row: int = int(dims.zero + dims.nonneg)
        #: Standard-form column of each element of each requested variable.
        self.var_cols: list[np.ndarray] = [
            int(pp.var_id_to_col[v.id]) + np.arange(v.size) for v in variables
        ]
        # Columns of the problem's own variables; the rest are cvxpy's auxiliaries.
        self._declared = np.zeros(self.n_col, dtype=bool)
        for v in problem.variables():
            if v.id in pp.var_id_to_col:
                c0 = int(pp.var_id_to_col[v.id])
                self._declared[c0 : c0 + v.size] = True
        self._params = list(problem.parameters())
        self._refill: _AffineRefill | None = None
        if self._fixed is None:
            try:
                self._refill = _AffineRefill(pp, self.n_col, self.n_row, self.n_eq)
            except _Unsupported as exc:  # other cvxpy internals: the slower public path
                logger.debug("fast re-fill unavailable (%s): using apply_parameters", exc)
        self._cache_key: list[np.ndarray] | None = None
        self._cache: LinearForm | None = None
        logger.debug(
            "standard form: %d columns, %d rows (%d equalities)",
            self.n_col,
            self.n_row,
            self.n_eq,
        )

    def evaluate(self) -> LinearForm:
        """The numeric form at the Parameters' current values (cached while unchanged)."""
        key = [np.array(p.value, dtype=float, copy=True) for p in self._params]
        if (
            self._cache is not None
            and self._cache_key is not None
            and all(np.array_equal(a, b) for a, b in zip(key, self._cache_key, strict=True))
        ):
            return self._cache
        lf = self._without_inferred_bounds(self._evaluate())
        self._cache_key, self._cache = key, lf
        return lf

    def _without_inferred_bounds(self, lf: LinearForm) -> LinearForm:
        """Drop the bounds cvxpy inferred for its auxiliary columns.

        Why: cvxpy 1.9 gives auxiliary (epigraph / definition) variables interval bounds
        inferred from the problem's variable bounds when the target solver takes bounds.
        They are redundant for these convex canonicalisations (an epigraph variable can
        always move to its tight value; a defined one is fixed by its equality), but on
        the benchmark they raised HiGHS' QP iterations from ~95 to ~150 per root solve.
        Zero bounds are kept: they may be a sign attribute rather than an inference.
        """
        aux = ~self._declared
        lo, hi = lf.col_lo.copy(), lf.col_hi.copy()
        lo[aux & (lo != 0.0)] = -np.inf
        hi[aux & (hi != 0.0)] = np.inf
        return LinearForm(lf.P, lf.c, lf.d, lf.A, lf.row_lo, lf.row_hi, lo, hi)

    def _evaluate(self) -> LinearForm:
        if self._fixed is not None:
            return self._from_qp_data(self._fixed)
        if self._refill is not None:
            return self._refill()
        return self.evaluate_with_cvxpy()

    def evaluate_with_cvxpy(self) -> LinearForm:
        """The form through cvxpy's own ``apply_parameters`` (reference of the fast path)."""
        n = self.n_col
        if self._pp.P is None:  # linear objective: cvxpy keeps no P tensor
            c, d, A, b = self._pp.apply_parameters()
            P = sp.csc_matrix((n, n))
        else:
            P, c, d, A, b = self._pp.apply_parameters(quad_obj=True)
        b = np.asarray(b, dtype=float).reshape(-1)
        row_lo = -b
        row_hi = np.full(self.n_row, np.inf)
        row_hi[: self.n_eq] = -b[: self.n_eq]
        lo = self._pp.lower_bounds
        hi = self._pp.upper_bounds
        return LinearForm(
            P=sp.csc_matrix(P, shape=(n, n)),
            c=np.asarray(c, dtype=float).reshape(-1),
            d=float(np.asarray(d).reshape(-1)[0]) if np.size(d) else 0.0,
            A=sp.csc_matrix(A, shape=(self.n_row, n)),
            row_lo=row_lo,
            row_hi=row_hi,
            col_lo=np.full(n, -np.inf) if lo is None else np.asarray(lo, dtype=float).copy(),
            col_hi=np.full(n, np.inf) if hi is None else np.asarray(hi, dtype=float).copy(),
        )

    def _from_qp_data(self, data: dict) -> LinearForm:
        """The form from cvxpy's QP data (``A x == b``, ``F x <= G``), no Parameters."""
        n = self.n_col
        a_eq, f_in = sp.csr_matrix(data["A"]), sp.csr_matrix(data["F"])
        b, g = np.asarray(data["b"], dtype=float), np.asarray(data["G"], dtype=float)
        lo, hi = data.get("lower_bounds"), data.get("upper_bounds")
        return LinearForm(
            P=sp.csc_matrix(data["P"], shape=(n, n)),
            c=np.asarray(data["q"], dtype=float).reshape(-1),
            d=0.0,
            A=sp.csc_matrix(sp.vstack([a_eq, f_in]), shape=(self.n_row, n)),
            row_lo=np.concatenate([b, np.full(len(g), -np.inf)]),
            row_hi=np.concatenate([b, g]),
            col_lo=np.full(n, -np.inf) if lo is None else np.asarray(lo, dtype=float).copy(),
            col_hi=np.full(n, np.inf) if hi is None else np.asarray(hi, dtype=float).copy(),
        )


class _Unsupported(Exception):
    """cvxpy's parameter tensors are not in the layout :class:`_AffineRefill` expects."""


class _AffineRefill:
    """Re-fill of the standard form as sparse matrix-vector products, structure fixed.

    Why: ``ParamConeProg.apply_parameters`` rebuilds scipy matrices on every call (~2.5 ms
    for the benchmark book, more than a HiGHS QP solve of a sweep point). The maps from the
    parameter vector to the values are cvxpy's own condensed tensors (``reduced_A`` /
    ``reduced_P`` / ``q``), applied here with the sparsity pattern built once;
    ``tests/solvers/test_highs_backend.py`` checks the result against ``apply_parameters``.
    """

    def __init__(self, pp: Any, n: int, n_row: int, n_eq: int) -> None:
        from cvxpy.cvxcore.python import canonInterface

        self._pp, self.n, self.n_row, self.n_eq = pp, n, n_row, n_eq
        self._param_vector = canonInterface.get_parameter_vector
        ra = getattr(pp, "reduced_A", None)
        if ra is None:
            raise _Unsupported("no reduced_A")
        ra.cache(False)
        if ra.problem_data_index is None:
            raise _Unsupported("no problem_data_index for A")
        indices, indptr, shape = ra.problem_data_index
        if tuple(shape) != (n_row, n + 1):
            raise _Unsupported(f"A tensor shape {shape}")
        self._a_map = sp.csr_matrix(ra.reduced_mat)
        split = int(indptr[n])
        self._a_split = split
        self._a_indices = np.asarray(indices[:split])
        self._a_indptr = np.asarray(indptr[: n + 1])
        self._b_rows = np.asarray(indices[split:])
        self._p_map = None
        if pp.P is not None:
            rp = pp.reduced_P
            rp.cache(False)
            if rp.problem_data_index is None:
                raise _Unsupported("no problem_data_index for P")
            p_ind, p_ptr, p_shape = rp.problem_data_index
            if tuple(p_shape) != (n, n):
                raise _Unsupported(f"P tensor shape {p_shape}")
            self._p_map = sp.csr_matrix(rp.reduced_mat)
            self._p_indices, self._p_indptr = np.asarray(p_ind), np.asarray(p_ptr)
        self._q_map = sp.csr_matrix(pp.q)
        if self._q_map.shape[0] != n + 1:
            raise _Unsupported(f"q tensor shape {self._q_map.shape}")
        self._lb = None if pp.lb_tensor is None else sp.csr_matrix(pp.lb_tensor)
        self._ub = None if pp.ub_tensor is None else sp.csr_matrix(pp.ub_tensor)

    def __call__(self) -> LinearForm:
        pp, n = self._pp, self.n
        vec = self._param_vector(
            pp.total_param_size,
            pp.param_id_to_col,
            pp.param_id_to_size,
            lambda i: np.array(pp.id_to_param[i].value),
        )
        vals = self._a_map @ vec
        A = sp.csc_matrix(
            (vals[: self._a_split], self._a_indices, self._a_indptr), shape=(self.n_row, n)
        )
        b = np.zeros(self.n_row)
        np.add.at(b, self._b_rows, vals[self._a_split :])
        if self._p_map is None:
            P = sp.csc_matrix((n, n))
        else:
            P = sp.csc_matrix((self._p_map @ vec, self._p_indices, self._p_indptr), shape=(n, n))
        cd = np.asarray(self._q_map @ vec, dtype=float).reshape(-1)
        row_hi = np.full(self.n_row, np.inf)
        row_hi[: self.n_eq] = -b[: self.n_eq]
        lo = pp.lower_bounds if self._lb is None else np.asarray(self._lb @ vec).reshape(-1)
        hi = pp.upper_bounds if self._ub is None else np.asarray(self._ub @ vec).reshape(-1)
        return LinearForm(
            P=P,
            c=cd[:n],
            d=float(cd[n]),
            A=A,
            row_lo=-b,
            row_hi=row_hi,
            col_lo=np.full(n, -np.inf) if lo is None else np.asarray(lo, dtype=float).copy(),
            col_hi=np.full(n, np.inf) if hi is None else np.asarray(hi, dtype=float).copy(),
        )


def search_hessian(lf: LinearForm, n_eq: int, cols: np.ndarray) -> np.ndarray | None:
    """Curvature of the objective in the columns ``cols``, the others following them.

    The quadratic columns of cvxpy's form that are not in ``cols`` (e.g. the exposures of
    a ``sum_squares``) must be fixed by equality rows in terms of ``cols`` alone: then
    ``w_P = N x_cols + const`` with ``N = -A_PP^{-1} A_PS`` and the curvature in ``cols`` is
    ``[N; I]' P [N; I]`` (dense, ``len(cols)`` square, the form's units).

    Returns
    -------
    numpy.ndarray or None
        None when the form has no such structure (another column enters those rows, or
        they do not determine the quadratic columns); callers use it for heuristics only.
    """
    cols = np.asarray(cols, dtype=int)
    P = sp.csc_matrix(lf.P)
    n = P.shape[0]
    in_s = np.zeros(n, dtype=bool)
    in_s[cols] = True
    quad = np.asarray(abs(P).sum(axis=0)).reshape(-1) > 0
    pc = np.flatnonzero(quad & ~in_s)
    if not len(pc):
        return np.asarray(P[cols][:, cols].todense(), dtype=float)
    A_eq = sp.csr_matrix(lf.A)[:n_eq]
    touches = np.asarray(abs(A_eq[:, pc]).sum(axis=1)).reshape(-1) > 0
    sub = sp.csc_matrix(A_eq[np.flatnonzero(touches)])
    others = np.flatnonzero(~in_s & ~np.isin(np.arange(n), pc))
    if sub[:, others].nnz or sub.shape[0] != len(pc):
        return None
    try:
        N = -np.linalg.solve(sub[:, pc].toarray(), sub[:, cols].toarray())
    except np.linalg.LinAlgError:
        return None
    W = np.vstack([N, np.eye(len(cols))])
    both = np.concatenate([pc, cols])
    Pw = np.asarray(P[both][:, both].todense(), dtype=float)
    return W.T @ Pw @ W
