"""The bound LPs built in numpy and kept warm between searches (solvers/bound_lp.py).

References: scipy.sparse's own row scaling and stacking for :func:`scaled_lp` and
:func:`append_row` (equal to the last bit); for :class:`WarmLPs`, the LPs built afresh for
every book (as before they were kept), over a sequence of books re-filled into one compiled
model (:class:`~hedge_planner.solvers.book_form.CompiledHedge` with integer lots): the level
set's cut and implied bounds equal to 1e-9 relative, the master box equal.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hedge_planner.solvers.book_form import CompiledHedge
from hedge_planner.solvers.bound_lp import WarmLPs, append_row, scaled_lp
from hedge_planner.solvers.bound_tightening import (
    _lp_min,
    implied_bounds,
    level_set_box,
    level_set_form,
)
from hedge_planner.solvers.standard_form import LinearForm

from tests.solvers.test_book_form import BOOKS, _inputs


def _random_form(seed: int, m: int = 30, n: int = 20) -> LinearForm:
    rng = np.random.default_rng(seed)
    A = sp.random(m, n, density=0.2, random_state=seed, format="csc")
    A.data = rng.normal(0.0, 1.0, A.nnz) * 10.0 ** rng.integers(-4, 6, A.nnz)
    A = sp.csc_matrix(A.toarray() * (np.arange(m) != 3)[:, None])  # row 3 empty
    lo = rng.normal(size=m)
    hi = lo + rng.uniform(0.0, 2.0, m)
    lo[::4], hi[1::5] = -np.inf, np.inf
    P = sp.csc_matrix((n, n))
    return LinearForm(P, np.zeros(n), 0.0, A, lo, hi, np.full(n, -5.0), np.full(n, np.inf))


def _scipy_scaled(lf: LinearForm) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    """Row scaling as bound_tightening._lp did it with scipy.sparse (the reference)."""
    A = sp.csr_matrix(lf.A)
    amax = np.asarray(abs(A).max(axis=1).todense(), dtype=float).reshape(-1)
    rs = np.where(amax > 0, 1.0 / np.where(amax > 0, amax, 1.0), 1.0)
    return sp.csc_matrix(sp.diags(rs) @ A), lf.row_lo * rs, lf.row_hi * rs


@pytest.mark.parametrize("seed", range(5))
def test_scaled_lp_is_scipys_row_scaling(seed: int) -> None:
    lf = _random_form(seed)
    As, rlo, rhi = _scipy_scaled(lf)
    lp = scaled_lp(lf)
    assert (lp.num_row_, lp.num_col_) == As.shape
    np.testing.assert_array_equal(np.asarray(lp.a_matrix_.start_), As.indptr)
    np.testing.assert_array_equal(np.asarray(lp.a_matrix_.index_), As.indices)
    np.testing.assert_array_equal(np.asarray(lp.a_matrix_.value_), As.data)  # bit for bit
    np.testing.assert_array_equal(np.asarray(lp.row_lower_), rlo)
    np.testing.assert_array_equal(np.asarray(lp.row_upper_), rhi)
    np.testing.assert_array_equal(np.asarray(lp.col_lower_), lf.col_lo)
    np.testing.assert_array_equal(np.asarray(lp.col_cost_), np.zeros(lf.A.shape[1]))


def test_scaled_lp_sums_duplicate_entries() -> None:
    """A matrix with a repeated entry is stated with the sum, as scipy's product does."""
    A = sp.csc_matrix((np.array([1.0, 2.0, -8.0]), np.array([0, 0, 1]), np.array([0, 2, 3])),
                      shape=(2, 2))  # fmt: skip
    lf = LinearForm(sp.csc_matrix((2, 2)), np.zeros(2), 0.0, A, np.zeros(2), np.ones(2),
                    np.zeros(2), np.ones(2))  # fmt: skip
    lp = scaled_lp(lf)
    np.testing.assert_array_equal(np.asarray(lp.a_matrix_.value_), [1.0, -1.0])  # 3/3, -8/8
    assert lf.A.nnz == 3  # the caller's matrix is left as it was


@pytest.mark.parametrize("seed", range(5))
def test_append_row_is_vstack(seed: int) -> None:
    lf = _random_form(seed)
    rng = np.random.default_rng(seed)
    g = rng.normal(size=lf.A.shape[1]) * (rng.uniform(size=lf.A.shape[1]) < 0.6)
    got = append_row(lf.A, g)
    ref = sp.csc_matrix(sp.vstack([sp.csr_matrix(lf.A), sp.csr_matrix(g[None, :])]))
    assert got.shape == ref.shape
    np.testing.assert_array_equal(got.indptr, ref.indptr)
    np.testing.assert_array_equal(got.indices, ref.indices)
    np.testing.assert_array_equal(got.data, ref.data)


# Books re-filled into one compiled model: the example's scaled and tilted, then back.
_TILTS = [np.linspace(0.9, 1.1, 9), np.linspace(1.2, 0.8, 9), np.ones(9)]
REFILLED = [*BOOKS, (1.5, _TILTS[0]), (0.8, _TILTS[1]), (1.0, _TILTS[2]), BOOKS[1]]


def _close(got: np.ndarray, ref: np.ndarray, rel: float, what: Any) -> None:
    tol = rel * np.maximum(1.0, np.abs(ref))
    finite = np.isfinite(ref)
    assert np.array_equal(finite, np.isfinite(got)), what
    assert np.all(np.abs(got[finite] - ref[finite]) <= tol[finite]), (what, got - ref)


def test_kept_lps_give_the_fresh_bounds_over_refilled_books() -> None:
    """Over books re-filled into one model, the kept LPs give what fresh LPs give.

    The level set's ``delta`` LP to 1e-12 of the objective's scale (round-off); the radii
    of the cut built on it to 1e-8 relative (they rest on ``R = ub - f(x*) + delta``, here
    ~1e-5 of the objective: its round-off is amplified by that ratio); the implied bounds
    of the same cut to 1e-7 relative (HiGHS' LP tolerance, inside their 1e-6 margin); the
    master box (whole lots) equal.
    """
    _, first, options = _inputs(*BOOKS[0])
    compiled = CompiledHedge(*first, **options)
    warm = WarmLPs()
    for k, (scale, tilt) in enumerate(REFILLED):
        _, args, options = _inputs(scale, tilt)
        opt = compiled.optimizer_for(*args, **options)
        search = opt._miqp
        search._highs.update()
        root = search._highs.run()
        assert root.status == "optimal" and root.x is not None and root.objective is not None
        lf, cols = opt._form.evaluate(), search._int_cols
        g = lf.P @ root.x + lf.c
        d_fresh, d_kept = _lp_min(lf, g, 1.0), _lp_min(lf, g, 1.0, warm)
        assert d_fresh is not None and d_kept is not None
        assert abs(d_kept - d_fresh) <= 1e-12 * float(np.abs(g * root.x).sum()), k
        for rel in (1e-5, 1e-3):
            ub = root.objective + rel * abs(root.objective)
            fresh = level_set_form(lf, root.x, ub)
            kept = level_set_form(lf, root.x, ub, warm=warm)
            assert fresh is not None and kept is not None
            np.testing.assert_array_equal(kept.row_hi, fresh.row_hi)  # the row needs no LP
            _close(kept.col_lo, fresh.col_lo, 1e-8, (k, rel, "radii"))
            _close(kept.col_hi, fresh.col_hi, 1e-8, (k, rel, "radii"))
            assert (kept.A != fresh.A).nnz == 0
            b_fresh = implied_bounds(fresh, cols)
            b_kept = implied_bounds(fresh, cols, warm=warm)
            assert b_fresh is not None and b_kept is not None
            # Two LPs from different bases agree to HiGHS' tolerances, not bit for bit
            # (highspy 1.16: 1.4e-9 on a bound of 0.26 lots); 1e-7 is a tenth of the 1e-6
            # outward margin implied_bounds adds, which is what makes either one safe.
            _close(b_kept[0], b_fresh[0], 1e-7, (k, rel, "lower"))
            _close(b_kept[1], b_fresh[1], 1e-7, (k, rel, "upper"))
            box_fresh = level_set_box(lf, root.x, ub, cols)
            box_kept = level_set_box(lf, root.x, ub, cols, warm=warm)
            assert box_fresh is not None and box_kept is not None
            np.testing.assert_array_equal(box_kept[0], box_fresh[0])
            np.testing.assert_array_equal(box_kept[1], box_fresh[1])
    # Only the first book's LPs started cold (the delta LP and each side of each column);
    # every later LP started from its own basis of an earlier call.
    assert warm.cold_starts == 1 + 2 * len(cols)
    assert warm.warm_starts == len(REFILLED) * (1 + 2 * (2 + 4 * len(cols))) - warm.cold_starts


def test_a_kept_lp_gets_its_time_budget_each_call() -> None:
    """HiGHS' time limit counts an object's cumulative run time: a kept object must get each
    call's budget past the time it has already spent, or later calls end unsolved (measured:
    with the limit set once, every LP after the first ~20 ms of runs ended at it). Reference:
    fresh LPs on each call's data (other row bounds each call, as a re-filled book has), call
    after call, with a budget far below the calls' total."""
    rng = np.random.default_rng(7)
    n = 12
    # Each column bounded by its own row and coupled by six dense ones (on fully random rows
    # HiGHS' primal simplex ended "Unknown" on a side now and then, fresh or kept alike).
    A = sp.csc_matrix(np.vstack([np.diag(rng.uniform(1.0, 2.0, n)), 0.3 * rng.normal(size=(6, n))]))
    m = A.shape[0]
    cols = np.arange(n)
    warm = WarmLPs()
    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < 0.5 or calls < 20:  # many budgets' worth of runs
        r = rng.uniform(0.5, 1.5, m)
        lf = LinearForm(sp.csc_matrix((n, n)), np.zeros(n), 0.0, A, -r, r,
                        np.full(n, -100.0), np.full(n, 100.0))  # fmt: skip
        ref = implied_bounds(lf, cols, 5.0)
        assert ref is not None and np.all(ref[1] - ref[0] < 100.0)  # the rows bind
        got = implied_bounds(lf, cols, 0.02, warm)
        assert got is not None
        _close(got[0], ref[0], 1e-9, calls)
        _close(got[1], ref[1], 1e-9, calls)
        calls += 1


def test_a_warm_run_that_does_not_end_optimal_is_run_again_cold() -> None:
    """``min -x0 - x1`` s.t. ``x0 + 2 x1 <= 4``, ``3 x0 + x1 <= 6``, ``x >= 0``: optimum at
    ``(1.6, 1.2)``, value -2.8 (the two rows tight). A kept basis whose warm run HiGHS
    reports as not optimal (simulated: the status of the first run is replaced) is dropped
    and the LP run again from scratch; a cold run is not repeated."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    h.addVars(2, np.zeros(2), np.full(2, inf))
    h.changeColsCost(2, np.arange(2, dtype=np.int32), np.array([-1.0, -1.0]))
    h.addRows(2, np.full(2, -inf), np.array([4.0, 6.0]), 4,
              np.array([0, 2], dtype=np.int32), np.array([0, 1, 0, 1], dtype=np.int32),
              np.array([1.0, 2.0, 3.0, 1.0]))  # fmt: skip
    h.run()
    bases = {"t": h.getBasis()}
    warm = WarmLPs()

    class FirstRunFails:
        def __init__(self, inner: Any) -> None:
            self.inner, self.runs = inner, 0

        def run(self) -> None:
            self.runs += 1
            self.inner.run()

        def getModelStatus(self) -> Any:
            if self.runs == 1:
                return highspy.HighsModelStatus.kUnbounded
            return self.inner.getModelStatus()

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    fake = FirstRunFails(h)
    status = warm.run(fake, bases, "t")  # type: ignore[arg-type]
    assert status == highspy.HighsModelStatus.kOptimal and fake.runs == 2
    assert warm.cold_retries == 1
    assert h.getObjectiveValue() == pytest.approx(-2.8, abs=1e-9)
    np.testing.assert_allclose(h.getSolution().col_value, [1.6, 1.2], atol=1e-9)
    cold = FirstRunFails(h)  # no kept basis under this tag: its status stands
    assert warm.run(cold, bases, "other") == highspy.HighsModelStatus.kUnbounded  # type: ignore[arg-type]
    assert cold.runs == 1 and warm.cold_retries == 1
