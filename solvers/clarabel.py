"""CLARABEL through cvxpy at the tolerances the exact search needs, and the search's last-resort
node relaxation on the cvxpy problem."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.formulation import HedgeProgram
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.results import finite_or_none

__all__ = ["CLARABEL_TIGHT", "cvxpy_node", "solve_clarabel"]

logger = logging.getLogger(__name__)

# Why: CLARABEL's defaults (1e-8) are too loose for the 1e-8 GLS baseline and B&B bounds.
CLARABEL_TIGHT: dict[str, Any] = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12,
                                  "tol_ktratio": 1e-10, "max_iter": 500}  # fmt: skip


def solve_clarabel(problem: cp.Problem) -> None:
    """Solve ``problem`` with CLARABEL at :data:`CLARABEL_TIGHT`, then at its defaults (1e-8)
    when the tight run raises.

    Why: on a node whose integer columns are all fixed (``lo == hi``, the outer approximation's
    plan evaluations) the fixed columns leave no interior, and the tight run can end in
    "insufficient progress", which cvxpy raises as a solver error; the default run then stops
    at the same point as "optimal_inaccurate" with the objective within 1e-8 relative of the
    optimum (``lots`` seed 0 of the hard families: SCIP's value to 7e-16 relative), far inside the
    1e-6 gap. A failure of both is raised.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            problem.solve(solver="CLARABEL", **CLARABEL_TIGHT)
        except cp.error.SolverError:
            logger.debug("CLARABEL at tight tolerances failed: retrying at its defaults")
            problem.solve(solver="CLARABEL")


def cvxpy_node(program: HedgeProgram, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
    """Node relaxation of ``program`` through cvxpy + CLARABEL, the last resort where HiGHS' QP
    and the standard-form CLARABEL (:mod:`~hedge_planner.solvers.clarabel_backend`) fail.

    Its outcome is "approximate": a point to branch from, never a bound. Why: on such nodes
    it ends "optimal" above the node's optimum (test_cardinality seed 333's root: 14.41 where
    SCIP and SCS find -9.17). ``lo, hi``: the integers' box (lots); the outcome's ``x`` is the
    search vector ``[x, z]``.
    """
    node = program.node_problem()
    program.set_node_bounds(node, lo, hi)
    try:
        solve_clarabel(node.problem)
    except cp.error.SolverError as exc:
        logger.warning("fallback node relaxation (CLARABEL) failed: %s", exc)
        return NodeOutcome("error", None, None)
    st = node.problem.status
    if st in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) and node.x.value is not None:
        obj = finite_or_none(node.problem.value)
        v = program.leg_vars(node.x)
        parts = [np.asarray(node.x.value, dtype=float)]
        if v is not None:
            parts.append(np.asarray(v.z.value, dtype=float))
        if obj is not None:
            return NodeOutcome("approximate", np.concatenate(parts), obj)
    if st == cp.INFEASIBLE:
        return NodeOutcome("infeasible", None, None)
    logger.warning("fallback node relaxation (CLARABEL) ended %s", st)
    return NodeOutcome("error", None, None)
