"""CLARABEL as the node solver of last resort: the tight-then-default ladder.

The instance is the committed hard-family generator's ``lots`` seed 0
(``benchmarks/bench_integer_gen.py``): on one of the outer approximation's plan evaluations (every
integer column fixed) HiGHS' QP ends in "Solve error" (it claims optimality at iteration 0 with a
primal infeasibility of 2.8e-5) and CLARABEL at 1e-12 tolerances raises. The fixed QP's value is
checked against SCIP on the same cvxpy problem.
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
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.miqp import MIQPSolver
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


def test_fixed_plan_evaluation_falls_back_to_clarabel_defaults_and_matches_scip(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[tuple[Any, np.ndarray, np.ndarray, NodeOutcome]] = []
    original = MIQPSolver._node_fallback

    def spy(self: MIQPSolver, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        out = original(self, lo, hi)
        calls.append((self, lo.copy(), hi.copy(), out))
        return out

    monkeypatch.setattr(MIQPSolver, "_node_fallback", spy)
    opt = _lots_seed0()
    with caplog.at_level(logging.WARNING, logger="hedge_planner.solvers.miqp"):
        res = opt.solve()
    assert res.status == "optimal"
    assert not [r for r in caplog.records if "fallback node relaxation" in r.getMessage()]
    fixed = [c for c in calls if np.array_equal(c[1], c[2])]
    assert fixed, "the instance no longer needs the fallback on a fixed plan"
    solver, lo, hi, out = fixed[0]
    assert out.status == "optimal" and out.objective is not None
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
