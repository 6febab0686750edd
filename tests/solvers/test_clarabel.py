"""CLARABEL as the node solver of last resort: the tight-then-default ladder.

The instance is the committed hard-family generator's ``lots`` seed 0
(``benchmarks/bench_integer_gen.py``): on one of the outer approximation's plan evaluations (every
integer column fixed) HiGHS' QP ends in "Solve error" (it claims optimality at iteration 0 with a
primal infeasibility of 2.8e-5); CLARABEL then values the plan. The fixed QP's value is checked
against SCIP on the same cvxpy problem.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.clarabel import solve_clarabel
from hedge_planner.solvers.clarabel_backend import ClarabelNodes
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.miqp import MIQPSolver
from hedge_planner.solvers.node_solvers import NodeSolvers
from hedge_planner.solvers.optimizer import HedgeOptimizer

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _lots_seed0() -> HedgeOptimizer:
    sys.path.insert(0, str(BENCH))
    try:
        from bench_integer_gen import make_instance
    finally:
        sys.path.remove(str(BENCH))
    inst = make_instance("lots", 0)
    return HedgeOptimizer(
        inst.portfolio, inst.instruments, inst.covariance, inst.terms, inst.constraints,
        gap_tol=1e-6, time_limit=60.0, max_legs=inst.max_legs,
    )  # fmt: skip


def test_fixed_plan_evaluation_falls_back_to_clarabel_and_matches_scip(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Where HiGHS' QP fails on a plan evaluation, CLARABEL on the same compiled model (then
    through cvxpy) values the plan; each such value equals SCIP's on the same fixed QP."""
    calls: list[tuple[np.ndarray, np.ndarray, NodeOutcome]] = []
    interior, fallback = NodeSolvers.interior, MIQPSolver._node_fallback

    def spy_interior(self: NodeSolvers, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        out = interior(self, lo, hi)
        calls.append((lo.copy(), hi.copy(), out))
        return out

    def spy_fallback(self: MIQPSolver, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        out = fallback(self, lo, hi)
        calls.append((lo.copy(), hi.copy(), out))
        return out

    monkeypatch.setattr(NodeSolvers, "interior", spy_interior)
    monkeypatch.setattr(MIQPSolver, "_node_fallback", spy_fallback)
    opt = _lots_seed0()
    with caplog.at_level(logging.WARNING, logger="hedge_planner.solvers.miqp"):
        res = opt.solve()
    assert res.status == "optimal"
    assert not [r for r in caplog.records if "fallback node relaxation" in r.getMessage()]
    fixed = [c for c in calls if np.array_equal(c[0], c[1])]
    assert fixed, "the instance no longer needs a fallback on a fixed plan"
    solver = opt._miqp
    for lo, hi, out in fixed:
        # "approximate" (a regularised or cvxpy solve): a plan's value, never a bound.
        assert out.status in ("optimal", "approximate") and out.objective is not None
        # The same fixed QP solved by SCIP (an independent solver).
        node = solver.program.node_problem()
        solver.program.set_node_bounds(node, lo, hi)
        node.problem.solve(solver="SCIP")
        assert node.problem.status == cp.OPTIMAL
        ref = float(node.problem.value)
        assert abs(out.objective - ref) <= 1e-8 * abs(ref)


def test_ladder_retries_at_defaults_only_after_the_tight_solve_raises() -> None:
    seen: list[dict[str, Any]] = []

    class Flaky:
        def solve(self, solver: str, **opts: Any) -> None:
            seen.append(opts)
            if len(seen) == 1:
                raise cp.error.SolverError("insufficient progress")

    solve_clarabel(Flaky())  # type: ignore[arg-type]
    assert seen[0]["tol_feas"] == 1e-12 and seen[1] == {}

    class Broken:
        def solve(self, solver: str, **opts: Any) -> None:
            raise cp.error.SolverError("numerical error")

    with pytest.raises(cp.error.SolverError):
        solve_clarabel(Broken())  # type: ignore[arg-type]


def _root_box(opt: HedgeOptimizer) -> tuple[MIQPSolver, np.ndarray, np.ndarray]:
    solver = opt._miqp
    assert solver is not None
    cols = solver._int_cols
    return solver, solver._highs.col_lo[cols].copy(), solver._highs.col_hi[cols].copy()


def test_inexact_node_solves_bound_only_through_their_certificate() -> None:
    """``tests/solvers/test_cardinality.py`` seed 333's root relaxation: HiGHS' QP fails,
    CLARABEL at exact settings ends "InsufficientProgress", its regularised solve and
    cvxpy's CLARABEL end at objectives far above the node's optimum (measured 23.0 and
    14.4). Reference: SCIP on the same cvxpy node problem (-9.17; SCS agrees).

    Both inexact outcomes are "approximate" (their objectives bound nothing); the
    regularised one carries the Lagrangian bound at its multipliers, which lies below the
    reference, and the search proves the optimum that enumeration gives.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from test_cardinality import by_subsets, make, optimizer
    finally:
        sys.path.pop(0)
    case = make(333)
    solver, lo, hi = _root_box(optimizer(case))
    node = solver.program.node_problem()
    solver.program.set_node_bounds(node, lo, hi)
    node.problem.solve(solver="SCIP")
    assert node.problem.status == cp.OPTIMAL
    ref = float(node.problem.value)
    tol = 1e-7 * max(1.0, abs(ref))
    model = solver._highs
    ipm = ClarabelNodes(solver._form.evaluate(), solver._int_cols, model.col_scale, model.obj_scale)
    for out in (ipm.solve(lo, hi), solver._node_fallback(lo, hi)):
        assert out.status in ("optimal", "approximate")
        if out.status == "optimal":  # an exact solve (a later CLARABEL): its bound is right
            assert out.lower is not None and out.lower <= ref + tol
        elif out.bound is not None:
            assert out.bound <= ref + tol and out.lower == out.bound
        else:
            assert out.lower is None
    res = optimizer(case).solve()
    assert res.status == "optimal"
    assert res.objective == pytest.approx(by_subsets(case), abs=1e-6)
