"""CLARABEL node relaxations: fast solves stand only with a certified bound.

The node solver runs CLARABEL without iterative refinement; an infeasibility claim, an
optimum without a certified bound or a failure is solved again with refinement. The QP is
small enough to solve by hand: ``min 1/2 (x0^2 + x1^2) - 3 x0 - 2 x1`` with ``x0 + x1 <= 4``
and ``0 <= x <= 10``; unconstrained optimum ``(3, 2)`` cuts the row, so the optimum is the
projection ``(2.5, 1.5)`` (KKT: ``x0 - 3 + u = 0``, ``x1 - 2 + u = 0``, ``x0 + x1 = 4``,
``u = 0.5``), value ``0.5 (6.25 + 2.25) - 7.5 - 3 = -6.25``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hedge_planner.solvers import clarabel_backend
from hedge_planner.solvers.clarabel_backend import ClarabelNodes
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.standard_form import LinearForm

INT_COLS = np.array([0, 1])


def _nodes() -> ClarabelNodes:
    lf = LinearForm(
        P=sp.csc_matrix(np.eye(2)),
        c=np.array([-3.0, -2.0]),
        d=0.0,
        A=sp.csc_matrix(np.array([[1.0, 1.0]])),
        row_lo=np.array([-np.inf]),
        row_hi=np.array([4.0]),
        col_lo=np.zeros(2),
        col_hi=np.full(2, 10.0),
    )
    return ClarabelNodes(lf, INT_COLS, np.ones(2), 1.0)


def test_fast_solve_stands_with_its_certified_bound() -> None:
    nodes = _nodes()
    out = nodes.solve(np.zeros(2), np.full(2, 10.0))
    assert out.status == "optimal" and out.x is not None and out.bound is not None
    np.testing.assert_allclose(out.x, [2.5, 1.5], atol=1e-7)
    assert out.objective == pytest.approx(-6.25, abs=1e-8)
    assert -6.25 - 1e-8 <= out.bound <= -6.25 + 1e-12  # a lower bound, tight
    assert nodes.confirmed == 0
    assert not nodes.settings.iterative_refinement_enable
    assert nodes.settings_refined.iterative_refinement_enable


def test_infeasible_claim_is_confirmed_by_the_refined_solve() -> None:
    nodes = _nodes()
    out = nodes.solve(np.array([3.0, 2.0]), np.full(2, 10.0))  # x0 + x1 >= 5 > 4
    assert out.status == "infeasible"
    assert nodes.confirmed == 1


def test_a_failed_or_uncertified_fast_solve_is_solved_again_with_refinement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nodes = _nodes()
    real = ClarabelNodes._solve
    used: list[bool] = []

    def flaky(self: ClarabelNodes, lo: np.ndarray, hi: np.ndarray, settings: object) -> NodeOutcome:
        used.append(settings is self.settings_refined)
        if settings is self.settings:
            return NodeOutcome("error", None, None)
        return real(self, lo, hi, settings)

    monkeypatch.setattr(clarabel_backend.ClarabelNodes, "_solve", flaky)
    out = nodes.solve(np.zeros(2), np.full(2, 10.0))
    assert used == [False, True]
    assert out.status == "optimal" and out.objective == pytest.approx(-6.25, abs=1e-8)
