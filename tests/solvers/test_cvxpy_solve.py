"""The continuous relaxation through cvxpy: which solver statuses give a plan, and what the
outcome says of an inexact one.

A solver's "optimal_inaccurate" met only its reduced tolerances (CLARABEL's 5e-5 relative
gap): its plan is kept (its values match HiGHS' to 1e-7 on the continuous tests of
``test_optimizer.py``), and the outcome's message says the gap is not certified.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.cvxpy_solve import solve_relaxed


def _program(status: str, value: float) -> Any:
    x = SimpleNamespace(value=np.array([1.0, -2.0]))
    prob = SimpleNamespace(status=None, value=None, solver_stats=SimpleNamespace(num_iters=7))

    def solve(solver: str, **opts: Any) -> None:
        prob.status, prob.value = status, value

    prob.solve = solve
    return SimpleNamespace(relaxed=prob, x=x)


@pytest.mark.parametrize("inexact", [False, True])
def test_a_solved_relaxation_is_a_plan_and_an_inexact_one_says_so(inexact: bool) -> None:
    status = cp.OPTIMAL_INACCURATE if inexact else cp.OPTIMAL
    out = solve_relaxed(_program(status, 12.5), "CLARABEL")
    assert out.status == "optimal"
    assert out.x is not None and np.array_equal(out.x, [1.0, -2.0])
    assert out.objective == out.bound == 12.5 and out.iterations == 7
    assert ("not certified" in out.message) is inexact


@pytest.mark.parametrize(
    ("status", "expected"),
    [(cp.INFEASIBLE, "infeasible"), (cp.UNBOUNDED, "unbounded"),
     (cp.UNBOUNDED_INACCURATE, "unbounded"), (cp.INFEASIBLE_INACCURATE, "infeasible_or_unbounded")],
)  # fmt: skip
def test_other_statuses_carry_no_plan(status: str, expected: str) -> None:
    out = solve_relaxed(_program(status, float("nan")), "CLARABEL")
    assert out.status == expected and out.x is None
