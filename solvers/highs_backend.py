"""Persistent HiGHS model generated from cvxpy's standard form of the hedge problem.

Nothing here knows the hedge problem: :class:`HighsModel` loads whatever
:class:`~hedge_planner.solvers.standard_form.ParametricForm` cvxpy produced, scales its rows,
and pushes only what changed when Parameters change. The branch-and-bound changes column
bounds of the integer columns per node; a HiGHS MILP is used when the objective has no
quadratic part.

Every ``highspy.Highs`` object of the package is created by :func:`new_highs`: HiGHS 1.16
prints a two-line banner to file descriptor 1 from its C++ constructor, before any option
can be set (``highspy.Highs.__init__`` takes no options), which would corrupt ``--json``
output. The helper points file descriptor 1 at ``/dev/null`` for the constructor only.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from hedge_planner.solvers.sparse_scaling import (
    canonical_csc,
    col_max_abs,
    inverse_row_max,
    lower_triangle,
    rows_descending,
    scaled_parts,
)
from hedge_planner.solvers.standard_form import LinearForm, ParametricForm

__all__ = ["HighsModel", "NodeOutcome", "new_highs"]

logger = logging.getLogger(__name__)

_INF = highspy.kHighsInf
_QP_ITERATIONS = 50_000  # cap of every QP run (see new_highs)
_RETRY_QP_ITERATIONS = 5_000  # cap of the last, regularised retry of a failed run
_DECIDED = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)


@contextmanager
def _fd1_silenced() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null inside the block (restored in ``finally``)."""
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stdout.flush()  # Python-buffered text must reach the real stdout first
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 at all: nothing to protect
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
        finally:
            os.close(devnull)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs() -> highspy.Highs:
    """A silent ``highspy.Highs`` with the package's options.

    Returns
    -------
    highspy.Highs
        Output off; no QP regularisation (the default 1e-7 perturbs optima at the 1e-8
        level); QP iteration cap 50,000 (on some B&B nodes HiGHS' QP cycles, measured ~5 s
        per run on an 85-column node that normally takes ~100 iterations; bounded, the run
        fails in ~0.1 s and the retries / fallback solver take over; legitimate solves of
        these models took up to ~3,000 iterations); one thread; presolve off (tiny models:
        presolve costs more than it saves).
    """
    with _fd1_silenced():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("qp_regularization_value", 0.0)
    h.setOptionValue("qp_iteration_limit", _QP_ITERATIONS)
    h.setOptionValue("threads", 1)
    h.setOptionValue("presolve", "off")
    return h


@dataclass(frozen=True)
class NodeOutcome:
    """One continuous solve: status, all model columns (None unless optimal), objective.

    ``objective`` is None unless the status is "optimal" or "approximate" (currency): the
    solver's value of ``x``. ``bound``, when not None, is a certified lower bound of the
    relaxation's optimum (currency; :mod:`~hedge_planner.solvers.dual_bound`), which a
    search prunes with instead of ``objective`` (see :attr:`lower`). "approximate": an
    inexact solve whose ``x`` is a point to branch from and whose ``objective`` bounds
    nothing (it can lie above the node's optimum); only ``bound`` does, if given.
    """

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None = None
    #: Multipliers of the relaxation's dualised rows (original units) when the solver gave
    #: them: with them a later search bounds this node's box again on new data without a
    #: solve (:meth:`~hedge_planner.solvers.clarabel_backend.ClarabelNodes.bounds_at`).
    dual: np.ndarray | None = None
    #: Reduced costs of the integer positions at the multipliers of ``bound`` (currency per
    #: unit, 0 where the column is curved), when certified: narrowing a position's box by
    #: ``delta`` against its cost's pull raises the bound by ``|cost| delta``
    #: (:func:`~hedge_planner.solvers.branching.cost_box`).
    costs: np.ndarray | None = None

    @property
    def lower(self) -> float | None:
        """The node's lower bound: the certified ``bound`` if any, else ``objective``
        (none for an approximate solve)."""
        if self.bound is not None:
            return self.bound
        return self.objective if self.status == "optimal" else None


def _finite_or_inf(v: np.ndarray) -> np.ndarray:
    # HiGHS' infinity is IEEE inf in highspy (kHighsInf == inf); NaN is never a bound.
    return np.clip(np.asarray(v, dtype=float), -_INF, _INF)


class HighsModel:
    """HiGHS model of a :class:`ParametricForm`, kept in sync with its Parameters.

    Rows and continuous columns are scaled inside; every public value (bounds, solutions)
    is in the form's own units.

    Parameters
    ----------
    form : ParametricForm
        cvxpy's standard form; its rows are scaled to unit max coefficient here (the row
        bounds alike), which HiGHS' QP needs on these badly scaled rows (years next to
        currency).
    int_cols : numpy.ndarray of int
        Columns that must be integral (used by :meth:`solve_milp` and the branch-and-bound).
    """

    def __init__(self, form: ParametricForm, int_cols: np.ndarray) -> None:
        self.form = form
        self.int_cols = np.asarray(int_cols, dtype=np.int32)
        self.h = new_highs()
        # Why built here: a Highs object costs ~0.2 ms to create, as much as the check it
        # serves (rows_infeasible), which runs once per search.
        self._presolver = new_highs()
        self._presolver.setOptionValue("presolve", "on")
        self.n_col = form.n_col
        self._A: sp.csc_matrix | None = None
        self._last: LinearForm | None = None
        self._row_scale = np.ones(form.n_row)
        self._col_scale = np.ones(form.n_col)
        #: The objective HiGHS sees is the model's divided by this power of two.
        self._obj_scale = 1.0
        self._cost: np.ndarray | None = None
        self._hess: sp.csc_matrix | None = None
        self._P: sp.csc_matrix | None = None
        self._rlo: np.ndarray | None = None
        self._rhi: np.ndarray | None = None
        self._clo: np.ndarray | None = None
        self._chi: np.ndarray | None = None
        self.col_lo = np.full(self.n_col, -np.inf)
        self.col_hi = np.full(self.n_col, np.inf)
        #: perf_counter() deadline of the runs (:meth:`set_time_budget`); None: no cap.
        self._deadline: float | None = None
        self.update()

    # ------------------------------------------------------------------ model updates
    def update(self) -> None:
        """Re-fill from the Parameters' current values; push only what changed."""
        lf = self.form.evaluate()
        if lf is self._last:
            return  # Parameters unchanged since the last push
        self._last = lf
        if self._A is None or not _same_structure(lf.A, self._A):
            self._load(lf)
            return
        h = self.h
        if not np.array_equal(lf.A.data, self._A.data):
            self._push_matrix(lf.A)
        if self._cost is None or not np.array_equal(lf.c, self._cost):
            cs = lf.c * self._col_scale / self._obj_scale
            h.changeColsCost(self.n_col, np.arange(self.n_col, dtype=np.int32), cs)
            self._cost = lf.c
        h.changeObjectiveOffset(lf.d / self._obj_scale)
        self._push_hessian(lf.P)
        self._push_rows(lf)
        self._push_cols(lf)

    def _load(self, lf: LinearForm) -> None:
        """Pass the whole model (first build, or a Parameter entered the matrix)."""
        A = canonical_csc(lf.A)
        # Why: rows normalised to unit max coefficient; bounds scaled alike in _push_rows.
        self._row_scale = inverse_row_max(A)
        # Why: cvxpy's auxiliary columns carry the units of their expression (e.g. |q - q0|
        # in notional, ~1e5 per scaled lot); unscaled, HiGHS' QP stopped "optimal" with such
        # a column at its bound and 1 currency of objective left. Columns are scaled to unit
        # max coefficient (powers of two, so exact); integer columns never (branching).
        Ar = scaled_parts(A, self._row_scale)
        cmax = col_max_abs(Ar.data, Ar.indptr)
        cs = np.ones(self.n_col)
        ok = cmax > 0
        cs[ok] = 2.0 ** np.round(np.log2(1.0 / cmax[ok]))
        cs[self.int_cols] = 1.0
        self._col_scale = cs
        # Why: the tracking-error curvature on cvxpy's exposure columns reaches ~1e8 per
        # column next to linear costs of ~1e3 (a 20-holding copy of the example missed the
        # duration band by 2e-9 and HiGHS' QP cycled on leg nodes). The objective is divided
        # by a power of two near sqrt(max curvature), bringing both towards 1e4; exact, and
        # undone on every objective read back.
        P = lf.P if sp.isspmatrix_csc(lf.P) else sp.csc_matrix(lf.P)  # no re-wrap: ~20 us
        pd = np.abs(P.diagonal()) * cs * cs
        pmax = float(np.max(pd, initial=0.0))
        self._obj_scale = 2.0 ** round(0.5 * math.log2(pmax)) if pmax > 1.0 else 1.0
        As = scaled_parts(A, self._row_scale, cs)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n_col, As.shape[0]
        lp.col_cost_ = lf.c * cs / self._obj_scale
        lp.offset_ = lf.d / self._obj_scale
        lp.col_lower_ = _finite_or_inf(lf.col_lo / cs)
        lp.col_upper_ = _finite_or_inf(lf.col_hi / cs)
        rlo, rhi = self._scaled_rows(lf)
        lp.row_lower_, lp.row_upper_ = rlo, rhi
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        index, value = rows_descending(As)  # the order the model was always loaded in
        lp.a_matrix_.start_ = As.indptr.astype(np.int32)
        lp.a_matrix_.index_ = index.astype(np.int32)
        lp.a_matrix_.value_ = value.astype(float)
        self.h.passModel(lp)
        self._A = A
        self._cost = lf.c
        self._rlo, self._rhi = rlo, rhi
        self._clo, self._chi = lf.col_lo, lf.col_hi
        self.col_lo, self.col_hi = lf.col_lo.copy(), lf.col_hi.copy()
        self._hess = None
        self._P = None
        self._push_hessian(lf.P)

    def _push_matrix(self, A: sp.csc_matrix) -> None:
        """Coefficient changes in place (e.g. new cut rows): the model is re-filled, not rebuilt.

        Why: the rows whose coefficients changed are re-scaled to unit max coefficient (a cut
        row is all zeros when the model is first loaded) and rewritten entry by entry; their
        bounds follow in :meth:`_push_rows`. Column scales stay as loaded.
        """
        assert self._A is not None
        A = sp.csc_matrix(A)
        changed = A.data != self._A.data
        rows_of = A.indices
        rows = np.unique(rows_of[changed])
        Ar = sp.csr_matrix(A)
        for r in rows:
            start, end = Ar.indptr[r], Ar.indptr[r + 1]
            cols, vals = Ar.indices[start:end], Ar.data[start:end]
            amax = float(np.max(np.abs(vals), initial=0.0))
            rs = 1.0 / amax if amax > 0 else 1.0
            self._row_scale[r] = rs
            for c, v in zip(cols, vals, strict=True):
                self.h.changeCoeff(int(r), int(c), float(v * rs * self._col_scale[c]))
        self._A = A
        logger.debug("HiGHS model: %d rows re-filled in place", len(rows))

    def _scaled_rows(self, lf: LinearForm) -> tuple[np.ndarray, np.ndarray]:
        rs = self._row_scale
        return _finite_or_inf(lf.row_lo * rs), _finite_or_inf(lf.row_hi * rs)

    def _push_hessian(self, P: sp.csc_matrix) -> None:
        if self._P is not None and _same_matrix(P, self._P):
            return  # the cheap test first: most re-fills leave the curvature alone
        self._P = P
        lower = lower_triangle(canonical_csc(P), self._col_scale, self._obj_scale)
        if self._hess is not None and _same_matrix(lower, self._hess):
            return
        if lower.nnz:
            self.h.passHessian(
                self.n_col,
                lower.nnz,
                int(highspy.HessianFormat.kTriangular),
                lower.indptr.astype(np.int32),
                lower.indices.astype(np.int32),
                lower.data.astype(float),
            )
        elif self._hess is not None and self._hess.nnz:
            self.h.passHessian(highspy.HighsHessian())
        self._hess = lower

    def _push_rows(self, lf: LinearForm) -> None:
        rlo, rhi = self._scaled_rows(lf)
        if (
            self._rlo is not None
            and self._rhi is not None
            and np.array_equal(rlo, self._rlo)
            and np.array_equal(rhi, self._rhi)
        ):
            return
        idx = np.arange(len(rlo), dtype=np.int32)
        if len(idx):
            # present at runtime (highspy 1.16) but missing from highspy's own stub
            self.h.changeRowsBounds(len(idx), idx, rlo, rhi)  # type: ignore[attr-defined]
        self._rlo, self._rhi = rlo, rhi

    def _push_cols(self, lf: LinearForm) -> None:
        if (
            self._clo is not None
            and self._chi is not None
            and np.array_equal(lf.col_lo, self._clo)
            and np.array_equal(lf.col_hi, self._chi)
        ):
            return
        idx = np.arange(self.n_col, dtype=np.int32)
        self.h.changeColsBounds(
            self.n_col,
            idx,
            _finite_or_inf(lf.col_lo / self._col_scale),
            _finite_or_inf(lf.col_hi / self._col_scale),
        )
        self._clo, self._chi = lf.col_lo, lf.col_hi
        self.col_lo, self.col_hi = lf.col_lo.copy(), lf.col_hi.copy()

    @property
    def col_scale(self) -> np.ndarray:
        """Column scales (``x = col_scale * x_highs``)."""
        return self._col_scale

    @property
    def obj_scale(self) -> float:
        """The objective HiGHS minimises is the model's divided by this."""
        return self._obj_scale

    @property
    def is_quadratic(self) -> bool:
        """True when the objective has a (nonzero) quadratic part at current Parameters."""
        return self._hess is not None and bool(np.any(self._hess.data != 0.0))

    def set_bounds(self, cols: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Change column bounds, original units (e.g. a B&B node's box on integer columns)."""
        cs = self._col_scale[cols]
        self.h.changeColsBounds(
            len(cols), cols.astype(np.int32), _finite_or_inf(lo / cs), _finite_or_inf(hi / cs)
        )

    def set_time_budget(self, seconds: float) -> None:
        """Cap the following runs, together, at ``seconds`` from now.

        Why a deadline of our own: HiGHS (1.16) measures its ``time_limit`` from the start of
        each run while ``getRunTime()`` is cumulative, so a limit of ``getRunTime() + s``
        doubled with every run (measured: a 3 s budget let consecutive MILPs of the
        minimal-violation loop run 4, 8, 16, 33, 66 s). Each run now gets what is left.
        """
        self._deadline = time.perf_counter() + seconds
        self._apply_budget()

    def clear_time_budget(self) -> None:
        """Remove the time cap."""
        self._deadline = None
        self.h.setOptionValue("time_limit", _INF)

    def _apply_budget(self) -> None:
        """Set HiGHS' per-run time limit to what is left of the budget (at least 1 ms)."""
        if self._deadline is not None:
            left = max(self._deadline - time.perf_counter(), 1e-3)
            self.h.setOptionValue("time_limit", left)

    # ------------------------------------------------------------------ solves
    def run(self, retries: bool = True) -> NodeOutcome:
        """Solve the continuous model as it stands (LP or QP), with retries.

        ``retries`` False: one run only (a caller with another node solver at hand).
        """
        h = self.h
        t0 = time.perf_counter()
        self._apply_budget()
        h.run()
        ms = h.getModelStatus()
        if ms not in _DECIDED and retries:
            # Why: HiGHS' QP occasionally ends in "Solve error" from a stale warm start or
            # with zero regularisation; retry cold, then with a tiny regularisation.
            logger.debug(
                "HiGHS run ended %s after %d QP iterations, %.1f ms: retrying cold",
                self.status_text(),
                h.getInfo().qp_iteration_count,
                1e3 * (time.perf_counter() - t0),
            )
            h.clearSolver()
            self._apply_budget()
            h.run()
            ms = h.getModelStatus()
            if ms not in _DECIDED:
                logger.debug(
                    "HiGHS cold retry ended %s after %d QP iterations: retrying regularised",
                    self.status_text(),
                    h.getInfo().qp_iteration_count,
                )
                h.clearSolver()
                h.setOptionValue("qp_regularization_value", 1e-10)
                # Why: on the benchmark sweep this last retry cycled to the 50,000-iteration
                # cap (~1 s) where the first two had failed in ~2 ms; the caller's fallback
                # solver is cheaper than that.
                h.setOptionValue("qp_iteration_limit", _RETRY_QP_ITERATIONS)
                self._apply_budget()
                h.run()
                ms = h.getModelStatus()
                h.setOptionValue("qp_regularization_value", 0.0)
                h.setOptionValue("qp_iteration_limit", _QP_ITERATIONS)
                if ms not in _DECIDED:
                    logger.debug(
                        "HiGHS regularised retry ended %s after %d QP iterations, %.1f ms total",
                        self.status_text(),
                        h.getInfo().qp_iteration_count,
                        1e3 * (time.perf_counter() - t0),
                    )
        if ms == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(h.getSolution().col_value, dtype=float) * self._col_scale
            obj = float(h.getObjectiveValue()) * self._obj_scale  # the info field, uncopied
            if math.isfinite(obj) and np.all(np.isfinite(x)):
                return NodeOutcome("optimal", x, obj)
            return NodeOutcome("error", None, None)
        if ms == highspy.HighsModelStatus.kInfeasible:
            return NodeOutcome("infeasible", None, None)
        if ms == highspy.HighsModelStatus.kUnbounded:
            return NodeOutcome("unbounded", None, None)
        if ms == highspy.HighsModelStatus.kUnboundedOrInfeasible:
            return NodeOutcome("infeasible_or_unbounded", None, None)
        return NodeOutcome("error", None, None)

    def rows_infeasible(self, cols: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bool:
        """True when HiGHS' presolve proves the linear rows infeasible, integers relaxed.

        The model's rows and column bounds with columns ``cols`` boxed in ``[lo, hi]``
        (original units), the objective dropped: feasibility only. Why: where the limits
        admit no plan at all, presolve's row reasoning proves it in ~0.05-0.1 ms, where
        HiGHS' QP (whose presolve does not run on a QP) first builds its phase-one LP;
        measured on ``fut_only_tight`` seeds 1 and 2, 0.05-0.09 ms against 0.17-0.2 ms
        warm. Only a proof is used: any other presolve outcome leaves the decision to the
        solves. Costs ~0.2-0.8 ms on a feasible root (the example's model: 0.4 ms).
        """
        lp = self.h.getLp()
        n = lp.num_col_
        if n != self._col_scale.size:  # HiGHS did not take the model (e.g. coefficients
            return False  # beyond its infinity): no proof; the search reports the failure
        lp.col_cost_ = np.zeros(n)
        lp.offset_ = 0.0
        c_lo, c_hi = np.array(lp.col_lower_, dtype=float), np.array(lp.col_upper_, dtype=float)
        cs = self._col_scale[cols]
        c_lo[cols], c_hi[cols] = _finite_or_inf(lo / cs), _finite_or_inf(hi / cs)
        lp.col_lower_, lp.col_upper_ = c_lo, c_hi
        h = self._presolver
        h.passModel(lp)
        h.presolve()
        return bool(h.getModelPresolveStatus() == highspy.HighsPresolveStatus.kInfeasible)

    def solve_milp(self, gap: float, seconds: float) -> tuple[NodeOutcome, float | None, int]:
        """One HiGHS MILP solve with :attr:`int_cols` integral (objective must be linear).

        Returns
        -------
        outcome : NodeOutcome
            "optimal", "time_limit" (with the incumbent), "infeasible",
            "infeasible_or_unbounded" or "error".
        bound : float or None
            Proven dual bound, currency.
        nodes : int
            MIP nodes explored.
        """
        h, idx = self.h, self.int_cols
        h.changeColsIntegrality(len(idx), idx, np.array([highspy.HighsVarType.kInteger] * len(idx)))
        h.setOptionValue("mip_rel_gap", gap)
        h.setOptionValue("mip_abs_gap", 1e-9)
        self.set_time_budget(seconds)
        try:
            h.run()
            ms, info = h.getModelStatus(), h.getInfo()
            nodes = int(info.mip_node_count)
            bound = float(info.mip_dual_bound) * self._obj_scale
            bound_or_none = bound if math.isfinite(bound) else None
            has_x = info.primal_solution_status == 2
            if ms == highspy.HighsModelStatus.kOptimal or (
                ms == highspy.HighsModelStatus.kTimeLimit and has_x
            ):
                x = np.asarray(h.getSolution().col_value, dtype=float) * self._col_scale
                status = "optimal" if ms == highspy.HighsModelStatus.kOptimal else "time_limit"
                obj = float(info.objective_function_value) * self._obj_scale
                out = NodeOutcome(status, x, obj)
                return out, bound_or_none, nodes
            if ms == highspy.HighsModelStatus.kInfeasible:
                return NodeOutcome("infeasible", None, None), None, nodes
            if ms in (
                highspy.HighsModelStatus.kUnbounded,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                return NodeOutcome("infeasible_or_unbounded", None, None), None, nodes
            if ms == highspy.HighsModelStatus.kTimeLimit:
                return NodeOutcome("time_limit", None, None), bound_or_none, nodes
            return NodeOutcome("error", None, None), bound_or_none, nodes
        finally:
            h.changeColsIntegrality(
                len(idx), idx, np.array([highspy.HighsVarType.kContinuous] * len(idx))
            )
            self.clear_time_budget()

    def status_text(self) -> str:
        """Human-readable HiGHS model status of the last run."""
        return str(self.h.modelStatusToString(self.h.getModelStatus()))


def _same_structure(a: sp.csc_matrix, b: sp.csc_matrix) -> bool:
    """Same shape and sparsity pattern (values may differ)."""
    a.sum_duplicates()
    b.sum_duplicates()
    return (
        a.shape == b.shape
        and a.nnz == b.nnz
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
    )


def _same_matrix(a: sp.csc_matrix, b: sp.csc_matrix) -> bool:
    a.sum_duplicates()  # canonical form (sorted, no duplicates) so equal means equal
    b.sum_duplicates()
    return (
        a.shape == b.shape
        and a.nnz == b.nnz
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )
