"""HiGHS backend: silent model creation, and the generated model against cvxpy.

References: the bytes a real subprocess writes to its stdout; CLARABEL on the same cvxpy
problem (an independent solver) before and after a Parameter re-fill.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.highs_backend import HighsModel
from hedge_planner.solvers.standard_form import ParametricForm

ROOT = Path(__file__).resolve().parents[2]

_SOLVE_EXAMPLE = """
import sys
from tests.solvers.example_problem import build_example
opt, _ = build_example()
res = opt.solve()
sys.stderr.write(f"STATUS {res.status} {res.proven}\\n")
"""


def _run(code: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=300, check=False
    )


def test_solving_the_example_writes_nothing_to_stdout() -> None:
    """Regression: highspy 1.16 printed its banner to fd 1, corrupting ``--json`` output."""
    proc = _run(_SOLVE_EXAMPLE)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""
    assert b"STATUS optimal True" in proc.stderr


def test_stdout_works_after_model_creation() -> None:
    """File descriptor 1 is restored after each model creation (Python and C level)."""
    code = (
        "import os\n"
        "from hedge_planner.solvers.highs_backend import new_highs\n"
        "print('before', flush=True)\n"
        "h = new_highs(); h2 = new_highs()\n"
        "print('after', flush=True)\n"
        "os.write(1, b'raw\\n')\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b"before\nafter\nraw\n"


def _problem() -> tuple[cp.Problem, cp.Variable, cp.Parameter, cp.Parameter]:
    rng = np.random.default_rng(3)
    n, m = 6, 4
    F = rng.normal(size=(m, n))
    g = rng.normal(size=m)
    lam = cp.Parameter(nonneg=True, value=2.0, name="lam")
    cap = cp.Parameter(value=1.5, name="cap")
    x = cp.Variable(n, bounds=[np.full(n, -4.0), np.full(n, 4.0)], name="x")
    fees = rng.uniform(0.1, 1.0, n)
    objective = lam * cp.sum_squares(F @ x + g) + fees @ cp.abs(x - 0.3) + rng.normal(size=n) @ x
    cons = [cp.abs(np.ones(n) @ x - 0.5) <= cap, x[0] + 2 * x[1] >= -cap]
    return cp.Problem(cp.Minimize(objective), cons), x, lam, cap


@pytest.mark.parametrize(("lam", "cap"), [(2.0, 1.5), (0.1, 0.2), (7.0, 3.0), (0.0, 0.05)])
def test_generated_model_matches_clarabel_after_refill(lam: float, cap: float) -> None:
    """The HiGHS model generated from cvxpy's standard form, re-filled with new Parameter
    values, has the optimum CLARABEL finds on the cvxpy problem itself."""
    prob, x, p_lam, p_cap = _problem()
    form = ParametricForm(prob, [x])
    model = HighsModel(form, np.zeros(0, dtype=int))
    model.run()  # a solve at the compile-time values first: the re-fill must take effect
    p_lam.value, p_cap.value = lam, cap
    model.update()
    out = model.run()
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    assert out.status == "optimal"
    assert out.objective == pytest.approx(prob.value, rel=1e-7, abs=1e-7)
    x_h = out.x[form.var_cols[0]]
    np.testing.assert_allclose(x_h, x.value, atol=2e-5)
    assert model.is_quadratic == (lam > 0)


def test_fast_refill_equals_cvxpy_apply_parameters() -> None:
    """The re-fill by condensed tensors gives exactly cvxpy's ``apply_parameters`` values
    (P, c, d, A, row and column bounds) on the example at random parameter values."""
    from tests.solvers.example_problem import build_example

    opt, _ = build_example()
    form = opt._form
    assert form._refill is not None  # the fast path is the one in use
    rng = np.random.default_rng(1)
    for _ in range(4):
        opt.set_params(
            duration_target=rng.uniform(5.0, 7.0),
            duration_band=rng.uniform(0.0, 0.5),
            risk_aversion=rng.uniform(1e-9, 1e-6),
            carry_scale=rng.uniform(-1.0, 2.0),
            krd_tol=rng.uniform(0.0, 0.5, 9),
            margin_budget=rng.uniform(1e6, 1e8),
        )
        fast, ref = form._refill(), form.evaluate_with_cvxpy()
        assert abs(fast.P - ref.P).max() == 0.0
        assert abs(fast.A - ref.A).max() == 0.0
        assert fast.d == ref.d
        for name in ("c", "row_lo", "row_hi", "col_lo", "col_hi"):
            np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name))


def test_a_time_budget_caps_consecutive_runs_together() -> None:
    """Regression: HiGHS measures ``time_limit`` per run while ``getRunTime()`` is cumulative,
    so a cap of ``getRunTime() + s`` doubled with every run (3 s budgets ran 4, 8, 16, 33 and
    66 s in the minimal-violation loop). Five MILP runs of a market-split instance (Cornuejols
    and Dawande: equality knapsacks that branch-and-bound cannot close quickly) with 0.2 s
    each: every run stops at its limit and the five take about 1 s, not the 6.2 s of the
    doubling budgets."""
    import time

    rng = np.random.default_rng(1)
    n, m = 50, 5
    a = rng.integers(0, 100, (m, n)).astype(float)
    x = cp.Variable(n)
    p = cp.Parameter(nonneg=True, value=1.0)
    cons = [a @ x == np.floor(a.sum(axis=1) / 2), x >= 0, x <= 1]
    prob = cp.Problem(cp.Minimize(p * cp.sum(x)), cons)
    form = ParametricForm(prob, [x])
    model = HighsModel(form, form.var_cols[0])
    t0 = time.perf_counter()
    for _ in range(5):
        out, _, _ = model.solve_milp(1e-9, 0.2)
        assert out.status in ("time_limit", "infeasible") and out.status != "optimal"
        if out.status == "infeasible":  # the instance was decided: the budget did not bind
            pytest.skip("market-split instance decided within 0.2 s")
    assert time.perf_counter() - t0 < 3.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_objective_value_is_the_info_field(seed: int) -> None:
    """getObjectiveValue() (read by HighsModel.run and the bound LPs) is bit for bit the info
    record's objective_function_value, on LPs and on QPs, cold and re-solved."""
    import highspy
    from hedge_planner.solvers.highs_backend import new_highs

    rng = np.random.default_rng(seed)
    n, m = 6, 4
    h = new_highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = rng.normal(size=n)
    lp.col_lower_, lp.col_upper_ = -np.ones(n) * 5, np.ones(n) * 5
    a = rng.normal(size=(m, n))
    lp.row_lower_, lp.row_upper_ = -np.abs(rng.normal(size=m)), np.abs(rng.normal(size=m))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, m * n + 1, m, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(m, dtype=np.int32), n)
    lp.a_matrix_.value_ = a.T.reshape(-1)
    h.passModel(lp)
    h.run()
    values = [(h.getObjectiveValue(), h.getInfo().objective_function_value)]
    h.changeColCost(0, 3.0)
    h.run()
    values.append((h.getObjectiveValue(), h.getInfo().objective_function_value))
    start, index = np.arange(n + 1, dtype=np.int32), np.arange(n, dtype=np.int32)
    h.passHessian(n, n, int(highspy.HessianFormat.kTriangular), start, index, rng.random(n) + 0.5)
    h.run()
    values.append((h.getObjectiveValue(), h.getInfo().objective_function_value))
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    for fast, info in values:
        assert fast == info and np.isfinite(fast) and fast != 0.0


def test_presolve_infeasibility_claims_agree_with_clarabel() -> None:
    """``rows_infeasible`` proves infeasibility only where CLARABEL on the cvxpy problem (an
    independent interior-point solver) finds the problem infeasible too, and it does prove
    some: random caps (negative: the absolute-value row admits nothing) and random boxes
    on the columns it takes as integers."""
    prob, x, _, p_cap = _problem()
    form = ParametricForm(prob, [x])
    cols = form.var_cols[0]
    model = HighsModel(form, cols)
    rng = np.random.default_rng(11)
    proved = infeasible = 0
    for _ in range(40):
        p_cap.value = float(rng.uniform(-0.5, 2.0))
        lo = rng.uniform(-4.0, 1.0, 6)
        hi = lo + rng.uniform(0.0, 3.0, 6)
        model.update()
        claim = model.rows_infeasible(cols, lo, hi)
        boxed = cp.Problem(prob.objective, [*prob.constraints, x >= lo, x <= hi])
        boxed.solve(solver="CLARABEL")
        infeasible += boxed.status == cp.INFEASIBLE
        if claim:
            proved += 1
            assert boxed.status == cp.INFEASIBLE
        else:
            assert boxed.status in (cp.OPTIMAL, cp.INFEASIBLE)
    assert infeasible > 5 and proved >= infeasible // 2


def test_presolve_check_without_the_model_is_no_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where HiGHS holds no model (it refused one: a fuzzed DV01 of 1.96e23 a bp once got the
    check an empty LP and an IndexError), the check proves nothing and does not raise."""
    import highspy

    prob, x, _, _ = _problem()
    form = ParametricForm(prob, [x])
    cols = form.var_cols[0]
    model = HighsModel(form, cols)
    monkeypatch.setattr(model.h, "getLp", lambda: highspy.HighsLp())
    assert model.rows_infeasible(cols, np.full(6, -1.0), np.full(6, 1.0)) is False
