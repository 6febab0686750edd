"""Certified node bounds (Lagrangian at any multipliers) against independently solved QPs.

Reference optima come from cvxpy + CLARABEL at tight tolerances on the same small QPs
(``min 1/2 x'Px + q'x`` with ``P`` diagonal, inequality and equality rows, a column box with
infinite sides and an epigraph column ``t >= |x_0|`` in ``[0, inf)``). Weak duality: the bound
at ANY multipliers of the right signs is at most the optimum; at the solver's dual it is the
optimum to ~1e-7; with a column unbounded below along its reduced cost and no row to repair
it, there is no bound.
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp
from hedge_planner.solvers.dual_bound import DualBound


def _qp(seed: int) -> dict:
    """Random feasible QP: x (4, boxed) with P > 0 on two of them, t >= |x_0|, free w = B x."""
    rng = np.random.default_rng(seed)
    n_x = 4
    # columns: x (4), t (1), w (2); P on w (curved, free) and on x_1
    n = n_x + 1 + 2
    p = np.zeros(n)
    p[5:] = rng.uniform(0.5, 3.0, 2)
    p[1] = rng.uniform(0.1, 1.0)
    q = rng.normal(0.0, 1.0, n)
    q[4] = abs(q[4]) + 0.1  # the epigraph column costs something
    B = rng.normal(0.0, 1.0, (2, n_x))
    rows, b, n_eq = [], [], 2
    for k in range(2):  # equalities  w_k - B_k x = c_k
        r = np.zeros(n)
        r[5 + k], r[:n_x] = 1.0, -B[k]
        rows.append(r)
        b.append(rng.normal())
    for sign in (1.0, -1.0):  # sign x_0 - t <= 0
        r = np.zeros(n)
        r[0], r[4] = sign, -1.0
        rows.append(r)
        b.append(0.0)
    r = np.zeros(n)  # a budget row on x
    r[:n_x] = rng.uniform(0.0, 1.0, n_x)
    rows.append(r)
    b.append(3.0)
    lo = np.full(n, -np.inf)
    hi = np.full(n, np.inf)
    lo[:n_x], hi[:n_x] = -2.0, 2.0
    lo[4] = 0.0
    return {"p": p, "q": q, "A": np.array(rows), "b": np.array(b), "n_eq": n_eq,
            "lo": lo, "hi": hi}  # fmt: skip


def _boxed(d: dict) -> np.ndarray:
    return np.isfinite(d["lo"]) & np.isfinite(d["hi"])


def _solve(d: dict) -> tuple[float, np.ndarray]:
    """Optimum and row multipliers (``A x <= b`` convention, ``>= 0`` on inequalities)."""
    n = len(d["q"])
    x = cp.Variable(n)
    eq = d["A"][: d["n_eq"]] @ x == d["b"][: d["n_eq"]]
    ineq = d["A"][d["n_eq"] :] @ x <= d["b"][d["n_eq"] :]
    fin_lo, fin_hi = np.isfinite(d["lo"]), np.isfinite(d["hi"])
    cons = [eq, ineq, x[fin_lo] >= d["lo"][fin_lo], x[fin_hi] <= d["hi"][fin_hi]]
    obj = 0.5 * cp.sum(cp.multiply(d["p"], cp.square(x))) + d["q"] @ x
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    assert prob.status == cp.OPTIMAL
    # cvxpy's equality dual is for  A x - b == 0  in  f + y'(A x - b): the same convention
    y = np.concatenate([np.asarray(eq.dual_value), np.asarray(ineq.dual_value)])
    return float(prob.value), y


@pytest.mark.parametrize("seed", range(12))
def test_bound_at_the_dual_is_the_optimum_and_never_above_it(seed: int) -> None:
    d = _qp(seed)
    f, y = _solve(d)
    db = DualBound(sp.diags(d["p"]), d["q"], sp.csr_matrix(d["A"]), d["n_eq"], _boxed(d))
    at_dual = db.bound(y, d["b"], d["lo"], d["hi"])
    assert math.isfinite(at_dual)
    assert at_dual <= f + 1e-9 * max(1.0, abs(f))
    assert at_dual >= f - 1e-6 * max(1.0, abs(f))
    # any multipliers of the right signs (and wrong-signed ones, projected): at most f
    rng = np.random.default_rng(100 + seed)
    for _ in range(20):
        z = y + rng.normal(0.0, 0.5, y.shape) * np.maximum(1.0, np.abs(y))
        v = db.bound(z, d["b"], d["lo"], d["hi"])
        assert v <= f + 1e-9 * max(1.0, abs(f)), (v, f)


@pytest.mark.parametrize("seed", range(6))
def test_batched_bounds_are_the_single_bounds_and_never_above_the_optimum(seed: int) -> None:
    """``bounds`` of many multipliers and boxes at once: each element is ``bound`` of its
    row (the same repair and rounding), and at most the optimum of its box's QP (solved
    independently) -- multipliers perturbed off the dual (signs wrong, the epigraph
    column's cost negative so the repair runs), boxes narrowed on ``x``, one box left
    unbounded on a boxed column (no bound: -inf) and one at zero multipliers."""
    d = _qp(seed)
    _, y = _solve(d)
    db = DualBound(sp.diags(d["p"]), d["q"], sp.csr_matrix(d["A"]), d["n_eq"], _boxed(d))
    rng = np.random.default_rng(200 + seed)
    Y, LO, HI = [], [], []
    for k in range(24):
        z = y + rng.normal(0.0, 0.3, y.shape) * np.maximum(1.0, np.abs(y))
        if k % 3 == 0:
            z[2:4] = np.abs(z[2:4]) + 0.5  # t's reduced cost negative: repaired
        lo, hi = d["lo"].copy(), d["hi"].copy()
        lo[:4] = np.maximum(lo[:4], rng.uniform(-2.0, 0.0, 4))
        hi[:4] = np.minimum(hi[:4], lo[:4] + rng.uniform(0.0, 2.0, 4))
        Y.append(z)
        LO.append(lo)
        HI.append(hi)
    LO[5][1] = -np.inf  # a boxed column left open: no certificate
    Y[7] = np.zeros_like(y)
    batch = db.bounds(np.array(Y), d["b"], np.array(LO), np.array(HI))
    for k in range(len(Y)):
        single = db.bound(Y[k], d["b"], LO[k], HI[k])
        if single == -math.inf:
            assert batch[k] == -math.inf, k
            continue
        assert batch[k] == pytest.approx(single, rel=1e-12, abs=1e-12), k
        fk, _ = _solve(dict(d, lo=LO[k], hi=HI[k]))
        assert batch[k] <= fk + 1e-9 * max(1.0, abs(fk)), (k, batch[k], fk)
    assert batch[5] == -math.inf


def test_unbounded_epigraph_column_is_repaired_or_refused() -> None:
    """The epigraph column ``t`` (``[0, inf)``) with its reduced cost pushed negative: the
    repair moves the multipliers of its rows and the bound stays finite and valid; with
    those rows' multipliers at 0 and a negative cost of ``t`` no repair exists: -inf."""
    d = _qp(3)
    f, y = _solve(d)
    db = DualBound(sp.diags(d["p"]), d["q"], sp.csr_matrix(d["A"]), d["n_eq"], _boxed(d))
    z = y.copy()
    z[2:4] += 1e-9  # the two rows of t: its reduced cost q_t - z_2 - z_3 now < 0
    v = db.bound(z, d["b"], d["lo"], d["hi"])
    assert math.isfinite(v) and v <= f + 1e-9 * max(1.0, abs(f))
    bad = dict(d, q=d["q"].copy())
    bad["q"][4] = -1.0  # t would run to +inf: the QP is unbounded, no bound exists
    db_bad = DualBound(sp.diags(bad["p"]), bad["q"], sp.csr_matrix(bad["A"]), bad["n_eq"],
                       _boxed(bad))  # fmt: skip
    zero = np.zeros_like(y)
    assert db_bad.bound(zero, bad["b"], bad["lo"], bad["hi"]) == -math.inf


def test_non_diagonal_curvature_gives_no_bound() -> None:
    d = _qp(1)
    P = sp.diags(d["p"]).tolil()
    P[5, 6] = P[6, 5] = 0.1
    db = DualBound(sp.csc_matrix(P), d["q"], sp.csr_matrix(d["A"]), d["n_eq"], _boxed(d))
    assert db.bound(np.zeros(len(d["b"])), d["b"], d["lo"], d["hi"]) == -math.inf


def test_interior_point_nodes_of_leg_searches_are_certified(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In the leg searches of the enumeration instances every CLARABEL node gets a certified
    bound, within 1e-6 relative below the solver's objective; the optimum still equals
    enumeration (checked node by node in test_bound_tightening.py)."""
    from hedge_planner.solvers import clarabel_backend

    from tests.solvers.test_legs import _check, make_case

    gaps: list[float] = []
    missing = 0
    real = clarabel_backend.ClarabelNodes._solve

    def spy(self, lo, hi, settings):  # type: ignore[no-untyped-def]
        nonlocal missing
        out = real(self, lo, hi, settings)
        if out.status == "optimal" and settings is self.settings:
            if out.bound is None:
                missing += 1
            else:
                gaps.append((out.objective - out.bound) / max(1.0, abs(out.objective)))
        return out

    monkeypatch.setattr(clarabel_backend.ClarabelNodes, "_solve", spy)
    for seed in range(300, 320):
        _check(make_case(seed, mixed=seed % 2 == 0, legs=True), "bnb")
    assert len(gaps) >= 100 and missing == 0, (len(gaps), missing)
    assert max(gaps) <= 1e-6 and min(gaps) >= -1e-6, (min(gaps), max(gaps))
