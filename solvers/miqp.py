"""The exact mixed-integer QP search of the hedge optimiser (lots and the legs' binaries).

:class:`MIQPSolver` runs on the HiGHS model generated from the compiled cvxpy problem
(:mod:`~hedge_planner.solvers.highs_backend`): best-first branch-and-bound over HiGHS QP
relaxations (:mod:`~hedge_planner.solvers.branch_and_bound`), nodes HiGHS fails on solved
by CLARABEL's interior point on the same standard form
(:mod:`~hedge_planner.solvers.clarabel_backend`) or, last, the cvxpy node problem; and the
outer approximation with HiGHS MILP masters (:mod:`~hedge_planner.solvers.outer_approx`)
as the second exact method. The integer positions of the search vector ``[x, z]`` are the
integer lots of ``x`` and then the legs' binaries ``z``.
"""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any, Literal

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.branch_and_bound import branch_and_bound
from hedge_planner.solvers.clarabel_backend import ClarabelNodes
from hedge_planner.solvers.formulation import HedgeProgram
from hedge_planner.solvers.highs_backend import HighsModel, NodeOutcome
from hedge_planner.solvers.outer_approx import outer_approximation
from hedge_planner.solvers.results import RawOutcome as _Raw
from hedge_planner.solvers.results import finite_or_none
from hedge_planner.solvers.standard_form import ParametricForm

__all__ = ["CLARABEL_TIGHT", "MIQPSolver"]

logger = logging.getLogger(__name__)

# Why: CLARABEL's defaults (1e-8) are too loose for the 1e-8 GLS baseline and B&B bounds.
#: Relaxation nodes HiGHS solves before its failure rate decides the node solver order.
_PROBE_NODES = 6
#: Node QPs of the branch-and-bound before a problem without legs goes to the outer
#: approximation (see MIQPSolver.solve).
_BNB_PROBE_NODES = 60

CLARABEL_TIGHT: dict[str, Any] = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12,
                                  "tol_ktratio": 1e-10, "max_iter": 500}  # fmt: skip


class MIQPSolver:
    """Exact search of the mixed-integer QP; keeps the last plan's integers as a warm start.

    Parameters
    ----------
    program : HedgeProgram
        The compiled program (its node problem is the last-resort node solver).
    form : ParametricForm
        cvxpy's standard form of the relaxed problem.
    highs : HighsModel
        The HiGHS model of ``form``.
    x_cols, search_cols : numpy.ndarray of int
        Standard-form columns of ``x`` and of the search vector ``[x, z]``.
    int_pos : numpy.ndarray of int
        Integer positions in the search vector (lots, then the legs' binaries).
    integer_method : {"auto", "oa", "bnb"}
        See :class:`~hedge_planner.solvers.optimizer.HedgeOptimizer`.
    """

    def __init__(
        self,
        program: HedgeProgram,
        form: ParametricForm,
        highs: HighsModel,
        x_cols: np.ndarray,
        search_cols: np.ndarray,
        int_pos: np.ndarray,
        integer_method: Literal["auto", "oa", "bnb"],
    ) -> None:
        self.program, self._form, self._highs = program, form, highs
        self._x_cols, self._search_cols, self._int_pos = x_cols, search_cols, int_pos
        self._int_cols = search_cols[int_pos]
        self.n_x = len(x_cols)
        self.integer_method = integer_method
        #: Integer part (scaled lots, binaries) of the last plan: the next search's warm start.
        self.warm_int: np.ndarray | None = None

    def solve(self, gap: float, tl: float, max_nodes: int) -> _Raw:
        """Exact MIQP: branch-and-bound or outer approximation, the other if unproven.

        Why "auto" starts with the branch-and-bound: where the relaxation is tight (the
        futures families, the example without a leg limit) it proves the gap within a few
        node QPs, where the outer approximation needs at least one whole MILP. With the
        legs' binaries it runs on (80% of the time): its legs-aware incumbents and the
        interior-point nodes beat the MILP masters there (the example with ``max_legs``).
        Without legs, a search still open after ``_BNB_PROBE_NODES`` node QPs is a lattice
        of lots whose relaxation is flat in many directions (swaps in 1mm lots): the node
        bound rises by a few currency units per hundred nodes, while the outer
        approximation with tangents around the relaxation proves the gap in a few masters
        (benchmarks/bench_integer.py, families ``lots``, ``near_dup``). The warm start
        (``warm_int``) carries the first method's incumbent into the second.
        """
        t0 = time.perf_counter()
        if self.integer_method == "oa":
            return self._outer_approx(gap, tl)
        if self.integer_method == "bnb":
            return self._branch_and_bound(gap, tl, max_nodes)
        # Why 80%: the second method needs time left to prove anything.
        probe = max_nodes if self.program.legs.active else min(max_nodes, _BNB_PROBE_NODES)
        raw = self._branch_and_bound(gap, 0.8 * tl, probe)
        if raw.status in ("optimal", "infeasible"):
            return raw
        left = tl - (time.perf_counter() - t0)
        logger.info("%s ended %s (%s): outer approximation", raw.method, raw.status, raw.message)
        if left <= 1e-3:
            return raw
        other = self._outer_approx(gap, left)
        return other if other.status in ("optimal", "infeasible") else raw

    def _outer_approx(self, gap: float, tl: float) -> _Raw:
        method = "MIQP outer approximation (HiGHS MILP masters, HiGHS QP with integers fixed)"
        model, cols = self._highs, self._int_cols
        lo0, hi0 = model.col_lo[cols].copy(), model.col_hi[cols].copy()
        lf = self._form.evaluate()
        n_col = self._form.n_col

        def fixed(r: np.ndarray) -> NodeOutcome:
            model.set_bounds(cols, r, r)
            out = model.run()
            if out.status == "error":
                fb = self._node_fallback(r, r)  # [x, z] only: other columns unknown (NaN)
                if fb.status != "optimal" or fb.x is None:
                    return fb
                full = np.full(n_col, np.nan)
                full[self._search_cols] = fb.x
                return NodeOutcome("optimal", full, fb.objective)
            return out

        model.set_time_budget(tl)
        try:
            model.set_bounds(cols, lo0, hi0)
            root = model.run()
            if root.status == "infeasible":  # the relaxation is: so is every integer plan
                return _Raw("infeasible", None, None, None, 1, method, "relaxation infeasible")
            starts = (root.x,) if root.status == "optimal" and root.x is not None else ()
            warm = None
            if self.warm_int is not None and len(self.warm_int) == len(cols):
                warm = self.warm_int
            res = outer_approximation(
                lf, cols, fixed, gap_tol=gap, time_limit=tl, start_points=starts, incumbent=warm
            )
        finally:
            model.set_bounds(cols, lo0, hi0)
            model.clear_time_budget()
        if res.x is None:
            return _Raw(res.status, None, None, res.bound, res.rounds, method, res.message)
        self.warm_int = np.round(res.x[cols])
        x = res.x[self._x_cols]
        return _Raw(res.status, x, res.objective, res.bound, res.rounds, method, res.message)

    def _branch_and_bound(self, gap: float, tl: float, max_nodes: int) -> _Raw:
        method = "MIQP branch-and-bound over HiGHS QP relaxations"
        model, cols, xc = self._highs, self._int_cols, self._search_cols
        lo0, hi0 = model.col_lo[cols].copy(), model.col_hi[cols].copy()

        ipm: list[ClarabelNodes] = []  # built on the first failed node
        fails = [0, 0]  # HiGHS failures / HiGHS runs on relaxation nodes (not fixed points)

        def interior(lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
            if not ipm:
                lf = self._form.evaluate()
                ipm.append(ClarabelNodes(lf, cols, model.col_scale, model.obj_scale))
            return ipm[0].solve(lo, hi)

        def node(lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
            # Why: HiGHS' QP fails on some nodes (leg binaries: it stops "optimal" with a
            # 1e-5 row infeasibility on the big-M rows, then reports "Solve error"), and its
            # cold and regularised retries cost more than the interior point, which has no
            # basis to cycle on. The cvxpy fallback stays the last resort.
            # Relaxation nodes go to the interior point FIRST once HiGHS has failed on a
            # third of them (the example with legs: two in three): a failed HiGHS run costs
            # as much as a successful one. Fixed-integer nodes (plans) stay HiGHS-first: the
            # interior point's plans can miss a band by ~5e-6 years (one enumeration test
            # failed when they were interior-point-first too).
            fixed = bool(np.array_equal(lo, hi))
            if not fixed and fails[1] >= _PROBE_NODES and 3 * fails[0] > fails[1]:
                out = interior(lo, hi)
                if out.status != "error":
                    return NodeOutcome(out.status, None if out.x is None else out.x[xc],
                                       out.objective)  # fmt: skip
            model.set_bounds(cols, lo, hi)
            out = model.run(retries=False)
            if not fixed:
                fails[0] += out.status == "error"
                fails[1] += 1
            if out.status == "error":
                out = interior(lo, hi)
            return NodeOutcome(out.status, None if out.x is None else out.x[xc], out.objective)

        # The legs' binaries: rounded up by the heuristics and branched on before the lots.
        is_leg = self._int_pos >= self.n_x
        # Caps any single QP too; HiGHS's clock accumulates over the model's life.
        model.set_time_budget(tl)
        try:
            res = branch_and_bound(
                node,
                self._int_pos,
                lo0,
                hi0,
                gap_tol=gap,
                time_limit=tl,
                max_nodes=max_nodes,
                warm_int=self.warm_int,
                fallback=self._node_fallback,
                round_up=is_leg,
                priority=is_leg.astype(float),
            )
        finally:
            model.set_bounds(cols, lo0, hi0)
            model.clear_time_budget()
        if res.x is not None:
            self.warm_int = np.round(res.x[self._int_pos])
        x = None if res.x is None else res.x[: self.n_x]
        return _Raw(res.status, x, res.objective, res.bound, res.nodes, method, res.message)

    def _node_fallback(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        """Node relaxation through cvxpy + CLARABEL, for nodes where HiGHS' QP fails.

        Parameters
        ----------
        lo, hi : numpy.ndarray
            Bounds of the integer variables at the node, scaled units (lots).
        """
        node = self.program.node_problem()
        self.program.set_node_bounds(node, lo, hi)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                node.problem.solve(solver="CLARABEL", **CLARABEL_TIGHT)
        except cp.error.SolverError as exc:
            logger.warning("fallback node relaxation (CLARABEL) failed: %s", exc)
            return NodeOutcome("error", None, None)
        # Why: CLARABEL rarely meets the 1e-12 targets exactly on these nodes and reports
        # "optimal_inaccurate"; its objective is then still ~1e-9 relative, far inside the
        # 1e-6 B&B gap.
        st = node.problem.status
        if st in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) and node.x.value is not None:
            obj = finite_or_none(node.problem.value)
            v = self.program.leg_vars(node.x)
            parts = [np.asarray(node.x.value, dtype=float)]
            if v is not None:
                parts.append(np.asarray(v.z.value, dtype=float))
            if obj is not None:
                return NodeOutcome("optimal", np.concatenate(parts), obj)
        if st == cp.INFEASIBLE:
            return NodeOutcome("infeasible", None, None)
        logger.warning("fallback node relaxation (CLARABEL) ended %s", st)
        return NodeOutcome("error", None, None)
