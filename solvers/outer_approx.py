"""Exact MIQP by outer approximation: HiGHS MILP masters, fixed-integer QPs, cuts to the gap.

The generated model (:mod:`hedge_planner.solvers.standard_form`) is
``min 1/2 x'Px + c'x + d`` over linear rows, with integer columns. cvxpy states every
``sum_squares`` through auxiliary columns ``w`` (the factor exposures of the tracking
error, the instrument-factor exposures, the impact trades), so ``P`` lives on a few columns
only; on the hedge problems it is diagonal there. The master problem replaces the quadratic
by epigraph columns and tangent cuts (Duran and Grossmann's outer approximation):

* ``P`` diagonal on its support: one epigraph ``eta_j >= p_j w_j^2 / 2`` per column, cut at
  ``a`` as ``p_j a w_j - eta_j <= p_j a^2 / 2`` (separable cuts: ``k`` tangents per column
  approximate the paraboloid far better than ``k`` aggregated planes);
* otherwise one epigraph ``eta >= x'Px / 2`` with gradient cuts.

Each round solves the master MILP with HiGHS (its cuts, bound tightening and symmetry detection
act on the lots and the legs' binaries; its presolve is off, see ``_Master``), takes the
master's integer assignment, solves the QP with those integers fixed (the caller's exact
solver: an upper bound and a plan) and adds tangent cuts where the master underestimates the
objective: at the master's point and at the fixed-integer optimum, and likewise at every other
improving plan HiGHS found during that master (its saved solutions). Cuts are globally valid, so
the master's dual bound is a lower bound of the true problem; the loop stops when ``(UB - LB)
<= gap * max(1, |UB|)``. For a convex objective the cuts at a fixed-integer optimum make the
master's value of that assignment at least its true optimum, so no assignment is revisited
without the bound closing (finite convergence).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from hedge_planner.solvers.highs_backend import NodeOutcome, new_highs
from hedge_planner.solvers.standard_form import LinearForm

__all__ = ["OAResult", "outer_approximation"]

logger = logging.getLogger(__name__)

_INF = highspy.kHighsInf
#: Relative underestimate of a column's quadratic below which no cut is added.
_CUT_TOL = 1e-9
_MAX_ROUNDS = 500
_FIRST_MASTER_GAP = 1e-2
#: Tangents each side of the relaxation's optimum per epigraph column (see _Master.prime).
#: Why 16: on ``lots_tight`` seed 2 (9 epigraphs) 8 left the first masters' optimum ~40
#: currency below the plans' (6.7e-5), and each of their proofs (presolve off, 2.5-4 s) was
#: redone: 4 masters, 9.6-9.8 s; 12: 3 masters, 7.8 s; 16: 3 masters, 7.1-7.5 s; 24 more rows
#: per LP: 7.8-8.3 s. Seed 1 (0.85-0.87 s), ``lots``, ``lots_legs`` and the desk's fast path
#: (bench_service) were unchanged.
_GRID = 16
#: Primal, dual and integrality tolerance of the masters (see _Master).
_PRECISE_TOL = 1e-9

FixedSolver = Callable[[np.ndarray], NodeOutcome]


@dataclass(frozen=True)
class OAResult:
    """Outcome: status as in the branch-and-bound ("optimal", "infeasible", "time_limit",
    "error"), the model columns of the best plan, objective and bound (currency), rounds."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    rounds: int
    message: str = ""


class _Master:
    """The HiGHS MILP master: the model's rows and columns, epigraph columns, cut rows."""

    def __init__(self, lf: LinearForm, int_cols: np.ndarray) -> None:
        n = lf.c.shape[0]
        P = sp.csc_matrix(lf.P)
        P = sp.csc_matrix((P + P.T) * 0.5)
        P.eliminate_zeros()
        support = np.flatnonzero(np.asarray(abs(P).sum(axis=0)).reshape(-1) > 0)
        sub = P[support][:, support]
        off = sp.csc_matrix(sub - sp.diags(sub.diagonal()))
        off.eliminate_zeros()
        self.separable = off.nnz == 0  # diagonal on its support
        self.P, self.support, self.n = P, support, n
        self.pdiag = np.asarray(P.diagonal())[support]
        n_eta = len(support) if self.separable else (1 if len(support) else 0)
        self.n_eta = n_eta
        A = sp.csr_matrix(lf.A)
        amax = np.asarray(abs(A).max(axis=1).todense(), dtype=float).reshape(-1)
        rs = np.where(amax > 0, 1.0 / np.where(amax > 0, amax, 1.0), 1.0)
        Ar = sp.csc_matrix(sp.diags(rs) @ A)
        # Why: as in HighsModel, continuous columns scaled to unit max coefficient (powers of
        # two: exact); integer columns never (their bounds are branching data).
        cmax = np.asarray(abs(Ar).max(axis=0).todense(), dtype=float).reshape(-1)
        cs = np.ones(n)
        ok = cmax > 0
        cs[ok] = 2.0 ** np.round(np.log2(1.0 / cmax[ok]))
        cs[int_cols] = 1.0
        self.cs = cs
        As = sp.csc_matrix(Ar @ sp.diags(cs))
        h = new_highs()
        # Why presolve off: with it, HiGHS' dual bound of the master was not a bound (a
        # desk book's master reported 415137.613 where a plan feasible in that master to
        # 1e-13 is worth 415137.254), and a proof must rest on a certified bound.
        h.setOptionValue("presolve", "off")
        # Why: every improving plan HiGHS meets in a master is kept: each gets its
        # fixed-integer QP and its tangents (see outer_approximation), so a round places
        # cuts where the master's plans are, not only at its last one.
        h.setOptionValue("mip_improving_solution_save", True)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n + n_eta, As.shape[0]
        lp.col_cost_ = np.concatenate([lf.c * cs, np.ones(n_eta)])
        lp.offset_ = lf.d
        lp.col_lower_ = np.clip(
            np.concatenate([lf.col_lo / cs, np.full(n_eta, -_INF)]), -_INF, _INF
        )
        lp.col_upper_ = np.clip(np.concatenate([lf.col_hi / cs, np.full(n_eta, _INF)]), -_INF, _INF)
        lp.row_lower_ = np.clip(lf.row_lo * rs, -_INF, _INF)
        lp.row_upper_ = np.clip(lf.row_hi * rs, -_INF, _INF)
        Af = sp.csc_matrix(sp.hstack([As, sp.csc_matrix((As.shape[0], n_eta))]))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = Af.indptr.astype(np.int32)
        lp.a_matrix_.index_ = Af.indices.astype(np.int32)
        lp.a_matrix_.value_ = Af.data.astype(float)
        h.passModel(lp)
        ic = np.asarray(int_cols, dtype=np.int32)
        h.changeColsIntegrality(len(ic), ic, np.array([highspy.HighsVarType.kInteger] * len(ic)))
        self.h = h
        self.n_cuts = 0
        # Why tight tolerances: at HiGHS' default 1e-7 a tangent row (scaled by the gradient
        # p w) holds only to ~0.1 currency on the lots families, so the bound stopped short
        # of a 1e-6 gap and rounds repeated plans before the tolerances were tightened
        # (measured on lots_tight seed 1: 8 masters, 3.0 s; tight from the first master
        # and with the saved plans' cuts: 3 masters, 1.6 s; the lots family unchanged).
        for name in ("primal_feasibility_tolerance", "dual_feasibility_tolerance",
                     "mip_feasibility_tolerance"):  # fmt: skip
            h.setOptionValue(name, _PRECISE_TOL)

    # ---------------------------------------------------------------- objective pieces
    def quad(self, x: np.ndarray) -> float:
        """``x'Px / 2`` at model columns ``x`` (original units)."""
        return 0.5 * float(x @ (self.P @ x))

    def add_cuts(self, x: np.ndarray, eta: np.ndarray | None, scale: float) -> int:
        """Tangent cuts at ``x`` (original units) where ``eta`` underestimates; count added.

        ``eta`` None: cut unconditionally (initial points). ``scale`` (currency) sets the
        tolerance of an underestimate worth cutting.
        """
        if self.n_eta == 0:
            return 0
        tol = _CUT_TOL * max(1.0, scale)
        if self.separable:
            a = x[self.support]
            f = 0.5 * self.pdiag * a * a
            cut = np.ones(len(a), dtype=bool) if eta is None else eta < f - tol
            return self._tangents(np.flatnonzero(cut), a[cut])
        f = self.quad(x)
        if eta is not None and eta[0] >= f - tol:
            return 0
        g = (self.P @ x) * self.cs
        nz = np.flatnonzero(g)
        idx, val = np.append(nz, self.n), np.append(g[nz], -1.0)
        m = float(np.max(np.abs(val)))
        rhs = np.array([(float(x @ (self.P @ x)) - f) / m])
        starts = np.array([0], dtype=np.int32)
        self.h.addRows(1, np.array([-_INF]), rhs, len(idx), starts, idx.astype(np.int32), val / m)
        self.n_cuts += 1
        return 1

    def prime(self, center: np.ndarray, excess: float, tol: float) -> int:
        """Tangent grids around the relaxation's optimum ``center``, sized by the gap.

        Why: for ``x*`` optimal over the relaxation, every feasible ``x`` has
        ``f(x) - f(x*) >= sum_j p_j (w_j - w_j*)^2 / 2`` (first-order optimality), so a plan
        within ``excess`` of the relaxation (the root gap to an incumbent) has
        ``|w_j - w_j*| <= sqrt(2 excess / p_j)``. Tangents spaced ``sqrt(8 tol / p_j)``
        apart underestimate the parabola by at most ``tol``; up to ``_GRID`` each side
        cover that range, so the first master is already close to exact and the loop
        needs few rounds (each a whole MILP). Only for a separable ``P``.

        Returns the number of cuts added.
        """
        if not self.separable or self.n_eta == 0 or not (excess > 0 and tol > 0):
            return 0
        a0 = center[self.support]
        half = np.sqrt(2.0 * excess / self.pdiag)
        step = np.maximum(np.sqrt(8.0 * tol / self.pdiag), half / _GRID)
        k = np.minimum(np.ceil(half / step), _GRID).astype(int)
        js = np.repeat(np.arange(len(self.support)), 2 * k + 1)
        offsets = np.concatenate([np.arange(-kj, kj + 1) for kj in k]) if len(k) else np.zeros(0)
        return self._tangents(js, a0[js] + step[js] * offsets)

    def _tangents(self, js: np.ndarray, a: np.ndarray) -> int:
        """Tangents of epigraphs ``js`` at exposures ``a`` (original units), one row each,
        added in one call: ``p_j a w_j - eta_j <= p_j a^2 / 2``, each row divided by its
        largest coefficient (at ``a = 0``: ``-eta_j <= 0``). Returns the rows added."""
        n_rows = len(js)
        if n_rows == 0:
            return 0
        cols = self.support[js]
        g = self.pdiag[js] * a * self.cs[cols]
        rhs = 0.5 * self.pdiag[js] * a * a
        m = np.maximum(np.abs(g), 1.0)
        zero = a == 0.0  # the tangent at 0 has no w_j coefficient
        per_row = np.where(zero, 1, 2)
        starts = np.concatenate([[0], np.cumsum(per_row)[:-1]]).astype(np.int32)
        index = np.empty(int(per_row.sum()), dtype=np.int32)
        value = np.empty(len(index))
        # Row r: [w column (skipped at 0), eta column]; the eta entry is each row's last.
        last = starts + per_row - 1
        index[last] = self.n + js
        value[last] = -1.0 / m
        first = starts[~zero]
        index[first] = cols[~zero]
        value[first] = (g / m)[~zero]
        lower = np.full(n_rows, -_INF)
        self.h.addRows(n_rows, lower, rhs / m, len(index), starts, index, value)
        self.n_cuts += n_rows
        return n_rows

    def saved(self) -> list[np.ndarray]:
        """The improving plans HiGHS kept in the last master, as :meth:`solve` returns columns
        (original units, epigraphs appended), in the order found (the last is its best)."""
        out = []
        for sol in self.h.getSavedMipSolutions():
            v = np.asarray(sol.col_value, dtype=float)
            if v.shape[0] == self.n + self.n_eta and np.all(np.isfinite(v)):
                v[: self.n] *= self.cs
                out.append(v)
        return out

    def solve(self, gap: float, seconds: float) -> tuple[str, np.ndarray | None, float | None]:
        """One master MILP: status, columns (original units, epigraphs appended), dual bound."""
        h = self.h
        h.setOptionValue("mip_rel_gap", gap)
        h.setOptionValue("mip_abs_gap", 1e-9)
        # HiGHS measures time_limit per run (getRunTime() is cumulative: not an offset)
        h.setOptionValue("time_limit", max(seconds, 1e-3))
        h.run()
        ms, info = h.getModelStatus(), h.getInfo()
        bound = float(info.mip_dual_bound)
        bound_or = bound if math.isfinite(bound) else None
        if ms == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None, None
        if info.primal_solution_status == 2 and ms in (
            highspy.HighsModelStatus.kOptimal,
            highspy.HighsModelStatus.kTimeLimit,
        ):
            v = np.asarray(h.getSolution().col_value, dtype=float)
            v[: self.n] *= self.cs
            st = "optimal" if ms == highspy.HighsModelStatus.kOptimal else "time_limit"
            return st, v, bound_or
        if ms == highspy.HighsModelStatus.kTimeLimit:
            return "time_limit", None, bound_or
        return "error", None, bound_or

    def suggest(self, x: np.ndarray) -> None:
        """Hand HiGHS a feasible plan (model columns) as its starting incumbent."""
        if self.separable:
            a = x[self.support]
            eta = 0.5 * self.pdiag * a * a
        else:
            eta = np.array([self.quad(x)]) if self.n_eta else np.zeros(0)
        v = np.concatenate([x / self.cs, eta])
        self.h.setSolution(len(v), np.arange(len(v), dtype=np.int32), v)


def outer_approximation(
    lf: LinearForm,
    int_cols: np.ndarray,
    solve_fixed: FixedSolver,
    *,
    gap_tol: float,
    time_limit: float,
    start_points: tuple[np.ndarray, ...] = (),
    incumbent: np.ndarray | None = None,
) -> OAResult:
    """Solve the MIQP of ``lf`` (integers at ``int_cols``) to a proven relative gap.

    Parameters
    ----------
    lf : LinearForm
        The model (original units) with the root box on the integer columns.
    int_cols : numpy.ndarray of int
        Integer columns.
    solve_fixed : callable
        ``(values of int_cols) -> NodeOutcome`` over ALL model columns: the exact QP with the
        integers fixed (upper bound and plan).
    gap_tol, time_limit
        Relative gap ``(UB - LB) / max(1, |UB|)`` and seconds.
    start_points : list of numpy.ndarray
        Model columns where cuts are placed before the first master (e.g. the continuous
        relaxation's optimum: there the first master is already tight).
    incumbent : numpy.ndarray, optional
        Values of the integer columns of a known plan (warm start; tried first).

    Returns
    -------
    OAResult
        The best plan over all model columns (from ``solve_fixed``); columns that
        ``solve_fixed`` could not give (a fallback solver) are NaN and get no cuts.
    """
    # long: one loop with its stopping rules (bounds, incumbent, cache of fixed QPs); split,
    # that state would be passed between the pieces.
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    ic = np.asarray(int_cols, dtype=int)
    m = _Master(lf, ic)
    best_x: np.ndarray | None = None
    ub, lb = math.inf, -math.inf
    seen: dict[bytes, NodeOutcome] = {}

    def evaluate(r: np.ndarray) -> None:
        nonlocal best_x, ub
        key = r.tobytes()
        if key not in seen:
            seen[key] = solve_fixed(r)
            out = seen[key]
            if out.status == "optimal" and out.x is not None and out.objective is not None:
                if np.all(np.isfinite(out.x)):
                    m.add_cuts(out.x, None, abs(out.objective))
                if out.objective < ub:
                    ub, best_x = out.objective, out.x.copy()

    for p in (*start_points, np.zeros(m.n)):  # cuts at 0 too: the epigraphs are bounded
        m.add_cuts(p, None, 1.0)
    if incumbent is not None and len(incumbent) == len(ic):
        lo, hi = lf.col_lo[ic], lf.col_hi[ic]
        if np.all(incumbent >= lo) and np.all(incumbent <= hi):
            evaluate(np.round(incumbent))
    if start_points:
        root = start_points[0]
        evaluate(np.clip(np.round(root[ic]), lf.col_lo[ic], lf.col_hi[ic]))
        f_root = m.quad(root) + float(lf.c @ root) + lf.d
        if math.isfinite(ub):
            tol = gap_tol * max(1.0, abs(ub)) / (4.0 * max(1, m.n_eta))
            n_grid = m.prime(root, ub - f_root, tol)
            logger.debug("outer approximation: %d tangents around the relaxation", n_grid)
    rounds = 0
    status, message = "optimal", ""
    while True:
        if best_x is not None and ub - lb <= gap_tol * max(1.0, abs(ub)):
            break
        left = deadline - time.perf_counter()
        if left <= 0 or rounds >= _MAX_ROUNDS:
            status = "time_limit" if left <= 0 else "error"
            message = f"outer approximation stopped after {rounds} rounds, gap not proven"
            break
        if best_x is not None:
            m.suggest(best_x)
        # Why: the first master only needs to place cuts (proving a 1e-6 gap on the coarse
        # first model is where HiGHS spends its time); the later ones run at a quarter of
        # the target. Measured on lots_tight seed 1: a geometric schedule (1e-2 x 0.3^k) took
        # three masters, 1.30 s; the final gap from the second master two, 0.94 s; the lots
        # and futures families and the desk's books unchanged. The bound is valid throughout.
        loose = rounds == 0
        master_gap = max(gap_tol * 0.25, _FIRST_MASTER_GAP) if loose else gap_tol * 0.25
        _t = time.perf_counter()
        st, v, bound = m.solve(master_gap, left)
        logger.debug(
            "OA round %d: master %s gap %.1e bound %s ub %s, %.1f ms",
            rounds,
            st,
            master_gap,
            bound,
            ub,
            1e3 * (time.perf_counter() - _t),
        )
        rounds += 1
        if bound is not None:
            lb = max(lb, bound)
        if st == "infeasible":
            if best_x is None:
                status = "infeasible"
            break  # with an incumbent: the cuts exclude everything better (lb >= ub)
        if v is None:
            status = st
            text = m.h.modelStatusToString(m.h.getModelStatus())
            message = f"outer-approximation master ended {st} ({text}) after {rounds} rounds"
            break
        x = v[: m.n]
        r = np.round(x[ic])
        # The master's other improving plans: each an upper bound (its fixed QP) and cuts
        # where the master underestimates it (valid anywhere: tangents of a convex function).
        for other in m.saved():
            if np.array_equal(other, v):
                continue
            evaluate(np.round(other[: m.n][ic]))
            scale = max(abs(ub) if math.isfinite(ub) else 0.0, 1.0)
            m.add_cuts(other[: m.n], other[m.n :], scale)
        evaluate(r)
        added = m.add_cuts(x, v[m.n :], max(abs(ub) if math.isfinite(ub) else 0.0, 1.0))
        closed = best_x is not None and ub - lb <= gap_tol * max(1.0, abs(ub))
        if added == 0 and not closed:
            if loose and st == "optimal":
                continue  # exact at its own point: the next master runs at the final gap
            # A master at the final gap exact at its own point yet the gap open (its point
            # is not feasible for the exact QP within tolerances): another round would
            # repeat it.
            status = "error"
            message = f"outer approximation stalled after {rounds} rounds, gap not proven"
            break
    logger.info(
        "outer approximation: %s after %d master MILPs, %d cuts, %d fixed QPs, %.1f ms",
        status,
        rounds,
        m.n_cuts,
        len(seen),
        1e3 * (time.perf_counter() - t0),
    )
    if best_x is None:
        return OAResult(
            status if status != "optimal" else "infeasible", None, None, None, rounds, message
        )
    return OAResult(status, best_x, ub, min(lb, ub), rounds, message)
