"""Certified lower bounds of a node relaxation from an interior point's dual (Lagrangian).

The node relaxation (CLARABEL's form, :mod:`~hedge_planner.solvers.clarabel_backend`) is

    minimise 1/2 u'Pu + q'u   s.t.   A u <= b   (the first ``n_eq`` rows with equality),
                                     lo <= u <= hi   (column box, possibly infinite sides)

For ANY multipliers ``y`` (free on the equality rows, ``y >= 0`` on the others) and every
feasible ``u``, ``y'(A u - b) <= 0``, so

    L(y) = min over the box of 1/2 u'Pu + (q + A'y)'u - b'y   <=   the relaxation's optimum.

With ``P`` diagonal the minimum is separable and closed form, so ``L(y)`` is a bound that does
not rest on the solver's stopping tolerances (Neumaier and Shcherbina's safe bounds for LPs,
here with the diagonal quadratic kept): a solver's objective "at tolerance" is not a bound,
``L`` at its (approximate) dual is. A column with ``P_jj = 0`` and an infinite side needs its
reduced cost ``g_j = (q + A'y)_j`` of the sign that side allows (exactly 0 when free); an
interior point leaves ~1e-10 of either sign there (cvxpy's epigraph columns ``t >= |d|`` in
``[0, inf)``), so such a ``g_j`` is first repaired by moving the multipliers of rows of
column ``j`` (inequality rows only while their multiplier stays ``>= 0``) whose other
columns are finitely boxed or curved. If a column stays unbounded below, there is no
certificate (``-inf``).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import scipy.sparse as sp

__all__ = ["DualBound"]

logger = logging.getLogger(__name__)

_EPS = np.finfo(float).eps


class DualBound:
    """``L(y)`` of one relaxation form, for many node boxes and multipliers.

    Parameters
    ----------
    P : scipy.sparse matrix
        The objective's curvature (full or upper triangle; must be diagonal, else every
        bound is ``-inf``).
    q : numpy.ndarray
        Linear objective.
    A : scipy.sparse matrix
        The dualised rows ``A u <= b`` (the first ``n_eq`` equalities).
    n_eq : int
        Number of equality rows.
    boxed : numpy.ndarray of bool
        Columns with both sides finite in EVERY box :meth:`bound` will get (e.g. a search's
        root box, which nodes only narrow): the repair's rows are chosen from them once.
    """

    def __init__(
        self, P: sp.spmatrix, q: np.ndarray, A: sp.spmatrix, n_eq: int, boxed: np.ndarray
    ) -> None:
        Pc = sp.csc_matrix(P)
        self.p = np.asarray(Pc.diagonal(), dtype=float)
        off = Pc - sp.diags(self.p)
        self.diagonal = bool(sp.csc_matrix(off).count_nonzero() == 0)
        self.q = np.asarray(q, dtype=float)
        self.A = sp.csr_matrix(A)
        self.At = sp.csr_matrix(self.A.T)  # row j: the rows column j enters, with coefficients
        self.n_eq = int(n_eq)
        self.boxed = np.asarray(boxed, dtype=bool)
        self._rows, self._coef = self._repair_rows()

    def _repair_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Per flat column, its rows whose other columns are curved or boxed, largest
        coefficient first (``-1`` padding): the rows a repair may move."""
        n = len(self.p)
        safe = (self.p > 0.0) | self.boxed
        lists: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for i in range(self.A.shape[0]):
            r0, r1 = self.A.indptr[i], self.A.indptr[i + 1]
            cols, vals = self.A.indices[r0:r1], self.A.data[r0:r1]
            unsafe = cols[~safe[cols]]
            if len(unsafe) == 1:  # the one column this row can repair
                j = int(unsafe[0])
                lists[j].append((i, float(vals[cols == j][0])))
        k = max((len(v) for v in lists), default=0)
        rows, coef = np.full((n, k), -1, dtype=np.int64), np.zeros((n, k))
        for j, v in enumerate(lists):
            v.sort(key=lambda t: -abs(t[1]))
            for m, (i, a) in enumerate(v):
                rows[j, m], coef[j, m] = i, a
        return rows, coef

    def bound(self, y: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
        """``L(y)`` over the box ``[lo, hi]`` (the form's units), or ``-inf``.

        ``y`` is projected onto the multipliers' signs (``>= 0`` past the equalities) and
        repaired on unbounded columns first (see the module docstring).
        """
        return self.bound_and_costs(y, b, lo, hi)[0]

    def bound_and_costs(
        self, y: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[float, np.ndarray | None]:
        """:meth:`bound` and the reduced costs ``g = q + A'y`` at the multipliers it used
        (after the repair; None when there is no bound).

        On a flat column (``P_jj = 0``) the Lagrangian is ``g_j u_j`` minimised over the
        column's box: narrowing that box by ``delta`` on the side where ``g_j`` pulls raises
        ``L`` by exactly ``|g_j| delta`` at the same multipliers (reduced-cost tightening,
        :func:`~hedge_planner.solvers.branching.cost_box`).
        """
        if not self.diagonal:
            return -math.inf, None
        if not np.all(np.isfinite(lo[self.boxed]) & np.isfinite(hi[self.boxed])):
            return -math.inf, None  # the repair rows assumed these columns boxed
        y = np.asarray(y, dtype=float).copy()
        y[self.n_eq :] = np.maximum(y[self.n_eq :], 0.0)
        g = self.q + self.At @ y
        bad = self._unbounded(g, lo, hi)
        for k in range(self._rows.shape[1]):
            if not np.any(bad):
                break
            self._repair(np.flatnonzero(bad), k, y, g)
            bad = self._unbounded(g, lo, hi)
        if np.any(bad):
            return -math.inf, None
        value = self._value(y, g, b, lo, hi)
        return value, (g if math.isfinite(value) else None)

    def bounds(self, Y: np.ndarray, b: np.ndarray, LO: np.ndarray, HI: np.ndarray) -> np.ndarray:
        """:meth:`bound` of many multipliers and boxes at once (``-inf`` where none).

        Row ``l`` of ``Y`` (multipliers), ``LO`` and ``HI`` (boxes, the form's units) gives
        element ``l`` of the result, the same repair and rounding as :meth:`bound` applied
        to every row together (dense arrays: for a few hundred boxes ~100x fewer Python
        steps than one :meth:`bound` each).
        """
        out = np.full(len(Y), -math.inf)
        if not self.diagonal or not len(Y):
            return out
        ok = np.all(np.isfinite(LO[:, self.boxed]) & np.isfinite(HI[:, self.boxed]), axis=1)
        Y = np.asarray(Y, dtype=float).copy()
        Y[:, self.n_eq :] = np.maximum(Y[:, self.n_eq :], 0.0)
        G = self.q + (self.At @ Y.T).T
        bad = self._unbounded(G, LO, HI)
        for k in range(self._rows.shape[1]):
            if not np.any(bad):
                break
            self._repair_many(bad, k, Y, G)
            bad = self._unbounded(G, LO, HI)
        ok &= ~np.any(bad, axis=1)
        if np.any(ok):
            out[ok] = self._values(Y[ok], G[ok], b, LO[ok], HI[ok])
        return out

    def _repair_many(self, bad: np.ndarray, k: int, Y: np.ndarray, G: np.ndarray) -> None:
        """:meth:`_repair` of every row of ``Y`` / ``G`` with its ``bad`` columns (in place)."""
        m = Y.shape[1]
        leaf, cols = np.nonzero(bad)  # row-major: each leaf's columns ascending, as _repair
        rows, coef = self._rows[cols, k], self._coef[cols, k]
        has = rows >= 0
        leaf, cols, rows, coef = leaf[has], cols[has], rows[has], coef[has]
        _, first = np.unique(leaf * m + rows, return_index=True)  # a row serves one column
        leaf, cols, rows, coef = leaf[first], cols[first], rows[first], coef[first]
        if not len(rows):
            return
        delta = -G[leaf, cols] / coef
        floor = (rows >= self.n_eq) & (Y[leaf, rows] + delta < 0.0)
        delta[floor] = -Y[leaf[floor], rows[floor]]
        Y[leaf, rows] += delta
        step = np.zeros_like(Y)
        step[leaf, rows] = delta
        G += (self.At @ step.T).T
        G[leaf[~floor], cols[~floor]] = 0.0
        if np.any(floor):
            pl, pc = leaf[floor], cols[floor]
            G[pl, pc] = (self.q + (self.At @ Y[pl].T).T)[np.arange(len(pl)), pc]

    def _values(
        self, Y: np.ndarray, G: np.ndarray, b: np.ndarray, LO: np.ndarray, HI: np.ndarray
    ) -> np.ndarray:
        """:meth:`_value` of every row (``-inf`` where not finite)."""
        p = self.p
        curved = p > 0.0
        U = np.zeros_like(G)
        U[:, curved] = np.clip(-G[:, curved] / p[curved], LO[:, curved], HI[:, curved])
        flat = ~curved[None, :] & (G != 0.0)
        U[flat] = np.where(G[flat] > 0, LO[flat], HI[flat])
        with np.errstate(invalid="ignore"):
            terms = 0.5 * p * U * U + G * U
        terms[~curved[None, :] & (G == 0.0)] = 0.0  # 0 * inf bounds: the term is 0
        by = Y * b
        value = np.sum(terms, axis=1) - np.sum(by, axis=1)
        scale = np.sum(np.abs(terms), axis=1) + np.sum(np.abs(by), axis=1)
        value -= 4.0 * terms.shape[1] * _EPS * scale
        return np.where(np.isfinite(value), value, -math.inf)

    def _unbounded(self, g: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Columns along which the Lagrangian is unbounded below over the box."""
        flat = self.p <= 0.0
        return flat & (((g > 0) & ~np.isfinite(lo)) | ((g < 0) & ~np.isfinite(hi)))

    def _repair(self, bad: np.ndarray, k: int, y: np.ndarray, g: np.ndarray) -> None:
        """Zero ``g_j`` of the ``bad`` columns through their ``k``-th repair row (in place).

        Each row moves its multiplier by ``-g_j / a_ij`` (an inequality's only down to 0);
        a row serves one column per pass, and its other columns are curved or boxed, so
        the move cannot unbound them. A zeroed ``g_j`` is set to exactly 0: the update's
        rounding (~1e-16 of the step) times the column's value at an optimum is the one
        error a floating-point certificate of an unbounded column cannot avoid; a partial
        move's ``g_j`` is recomputed from the multipliers (accumulated rounding of ~1e-30
        would leave a sign where the exact value is 0).
        """
        rows, coef = self._rows[bad, k], self._coef[bad, k]
        has = rows >= 0
        cols, rows, coef = bad[has], rows[has], coef[has]
        rows, first = np.unique(rows, return_index=True)
        cols, coef = cols[first], coef[first]
        if not len(rows):
            return
        delta = -g[cols] / coef
        floor = (rows >= self.n_eq) & (y[rows] + delta < 0.0)
        delta[floor] = -y[rows[floor]]
        y[rows] += delta
        step = np.zeros_like(y)
        step[rows] = delta
        g += self.At @ step  # a whole mat-vec: cheaper than slicing the rows out
        g[cols[~floor]] = 0.0
        part = cols[floor]
        if len(part):
            g[part] = (self.q + self.At @ y)[part]

    def _value(
        self, y: np.ndarray, g: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> float:
        """``sum_j min_{lo_j <= u_j <= hi_j} (p_j u_j^2 / 2 + g_j u_j) - b'y``, rounded down."""
        p = self.p
        curved = p > 0.0
        u = np.zeros_like(g)
        u[curved] = np.clip(-g[curved] / p[curved], lo[curved], hi[curved])
        flat = ~curved & (g != 0.0)
        u[flat] = np.where(g[flat] > 0, lo[flat], hi[flat])
        terms = 0.5 * p * u * u + g * u
        terms[~curved & (g == 0.0)] = 0.0  # 0 * inf bounds: the term is 0
        by = b * y
        value = float(np.sum(terms) - np.sum(by))
        # Why: the sums above round; a bound must not: widen it by their error bound.
        scale = float(np.sum(np.abs(terms)) + np.sum(np.abs(by)))
        value -= 4.0 * len(terms) * _EPS * scale
        return value if math.isfinite(value) else -math.inf
