"""The example's hedge program with the CDX IG index is well conditioned: three solvers agree.

Before the tracking-error rows were normalised one by one (``HedgeContext._factor_row_scale``),
HiGHS' QP ended the example's root relaxation in "Solve error" (claimed optimal with a 9e-5
row infeasibility) and regularised CLARABEL stopped ~1e-3 above the optimum, so a "proven"
plan could sit above its true optimum. References here are independent solvers of the same
relaxation: HiGHS' active-set QP and CLARABEL's interior point (no regularisation) on the
generated standard form, and SCS (ADMM) through cvxpy's own canonicalisation of the cvxpy
problem. Their root values must agree to 1e-8 relative, and the proven integer plan can be
no better than that bound.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hedge_planner.run import PlanRun
from hedge_planner.solvers.clarabel_backend import ClarabelNodes
from hedge_planner.solvers.highs_backend import HighsModel
from hedge_planner.solvers.standard_form import ParametricForm

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


@pytest.fixture(scope="module")
def optimizer():
    run = PlanRun.load(CORE_PLUS)
    assert any(m.risk.kind == "cdx" for m in run.universe())
    return run.problem().optimizer


def _root_values(optimizer) -> dict[str, float]:
    relaxed = optimizer.program.relaxed
    form = ParametricForm(relaxed, [optimizer.program.x])
    highs = HighsModel(form, np.zeros(0, dtype=int))
    first = highs.run(retries=False)  # the first run must succeed: no retry, no fallback
    assert first.status == "optimal", highs.status_text()
    lf = form.evaluate()
    none = np.zeros(0)
    ipm = ClarabelNodes(lf, np.zeros(0, dtype=int), highs.col_scale, highs.obj_scale)
    clarabel = ipm.solve(none, none)
    assert clarabel.status == "optimal"  # "approximate" would be the regularised solver
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        relaxed.solve(solver="SCS", eps=1e-11, max_iters=200_000)
    assert relaxed.status == "optimal"
    assert first.objective is not None and clarabel.objective is not None
    return {"highs": first.objective, "clarabel": clarabel.objective, "scs": float(relaxed.value)}


def test_root_relaxation_agrees_across_solvers(optimizer) -> None:
    values = _root_values(optimizer)
    ref = values["highs"]
    for name, v in values.items():
        assert v == pytest.approx(ref, rel=1e-8), (name, values)


def test_proven_plan_is_not_below_the_root_bound(optimizer) -> None:
    root = _root_values(optimizer)["highs"]
    result = optimizer.solve()
    assert result.status == "optimal" and result.proven
    assert result.objective is not None and result.best_bound is not None
    # Integer plan >= every valid lower bound; the search's bound >= the root's.
    tol = 1e-8 * abs(root)
    assert result.objective >= root - tol
    assert root - tol <= result.best_bound <= result.objective + tol
    # The plan uses the index (it cuts the corporate spread risk) in whole 1mm lots.
    cdx = next(n for n in optimizer.ctx.names if n.startswith("CDX"))
    assert result.quantities is not None
    notional = result.quantities[cdx]
    assert notional < 0 and notional % 1e6 == 0
