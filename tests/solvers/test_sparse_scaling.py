"""Row and column scaling in numpy (solvers/sparse_scaling.py) against scipy.sparse.

Reference: the scipy.sparse expressions the HiGHS models were built with before
(``diags(rs) @ A @ diags(cs)``, ``abs(A).max(axis=...)``, ``tril``, ``eliminate_zeros``),
bit for bit, on random matrices with empty rows and columns and stored zeros, and on the
HiGHS model of the example (:class:`~hedge_planner.solvers.highs_backend.HighsModel`) as
loaded: matrix, bounds, costs, scales and Hessian.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hedge_planner.solvers.sparse_scaling import (
    canonical_csc,
    col_max_abs,
    inverse_row_max,
    lower_triangle,
    rows_descending,
    scaled,
    scaled_parts,
)

from tests.solvers.example_problem import build_example


def _matrix(seed: int, m: int = 25, n: int = 18) -> sp.csc_matrix:
    """Random CSC with magnitudes over 10 decades, an empty row, an empty column and stored
    zeros (a Parameter at 0 keeps its entry in cvxpy's pattern)."""
    rng = np.random.default_rng(seed)
    A = sp.random(m, n, density=0.25, random_state=seed, format="csc")
    A.data = rng.normal(0.0, 1.0, A.nnz) * 10.0 ** rng.integers(-5, 6, A.nnz)
    dense = A.toarray()
    dense[2, :] = 0.0
    dense[:, 5] = 0.0
    A = sp.csc_matrix(dense)
    A.data[::7] = 0.0  # stored zeros, kept in the pattern
    assert A.has_canonical_format and np.any(A.data == 0.0)
    return A


def _ref_rows(A: sp.csc_matrix) -> np.ndarray:
    amax = np.asarray(abs(sp.csr_matrix(A)).max(axis=1).todense(), dtype=float).reshape(-1)
    return np.where(amax > 0, 1.0 / np.where(amax > 0, amax, 1.0), 1.0)


def _same(got: sp.csc_matrix, ref: sp.csc_matrix) -> None:
    """Equal entries bit for bit; scipy's products leave a column's row indices unsorted
    (the same entries in another order), compared here in sorted order."""
    ref = ref.sorted_indices()
    assert got.shape == ref.shape
    np.testing.assert_array_equal(got.indptr, ref.indptr)
    np.testing.assert_array_equal(got.indices, ref.indices)
    np.testing.assert_array_equal(got.data, ref.data)


@pytest.mark.parametrize("seed", range(6))
def test_scaling_is_scipys_bit_for_bit(seed: int) -> None:
    A = _matrix(seed)
    rs = inverse_row_max(A)
    np.testing.assert_array_equal(rs, _ref_rows(A))
    Ar_ref = sp.csc_matrix(sp.diags(rs) @ A)
    _same(scaled(A, rs), Ar_ref)
    cmax_ref = np.asarray(abs(Ar_ref).max(axis=0).todense(), dtype=float).reshape(-1)
    np.testing.assert_array_equal(col_max_abs(Ar_ref.data, Ar_ref.indptr), cmax_ref)
    cs = 2.0 ** np.random.default_rng(seed).integers(-8, 8, A.shape[1]).astype(float)
    _same(scaled(A, rs, cs), sp.csc_matrix(Ar_ref @ sp.diags(cs)))


@pytest.mark.parametrize("seed", range(4))
def test_lower_triangle_is_scipys(seed: int) -> None:
    rng = np.random.default_rng(seed)
    B = sp.random(12, 12, density=0.3, random_state=seed, format="csc")
    P = sp.csc_matrix(B + B.T)
    P.data[::5] = 0.0  # stored zeros are dropped
    cs = 2.0 ** rng.integers(-6, 6, 12).astype(float)
    ref = sp.csc_matrix(sp.tril(sp.diags(cs) @ P @ sp.diags(cs)) / 64.0)
    ref.eliminate_zeros()
    _same(lower_triangle(canonical_csc(P), cs, 64.0), ref)


@pytest.mark.parametrize("seed", range(4))
def test_rows_descending_is_the_order_of_scipys_product(seed: int) -> None:
    A = _matrix(seed)
    A.eliminate_zeros()
    rs = inverse_row_max(A)
    cs = 2.0 ** np.random.default_rng(seed).integers(-8, 8, A.shape[1]).astype(float)
    ref = sp.csc_matrix(sp.csc_matrix(sp.diags(rs) @ sp.csr_matrix(A)) @ sp.diags(cs))
    index, value = rows_descending(scaled(A, rs, cs))
    np.testing.assert_array_equal(index, ref.indices)
    np.testing.assert_array_equal(value, ref.data)


def test_canonical_csc_sums_duplicates_and_leaves_the_input() -> None:
    A = sp.csc_matrix((np.array([1.0, 2.0, 4.0]), np.array([1, 1, 0]), np.array([0, 2, 3])),
                      shape=(2, 2))  # fmt: skip
    got = canonical_csc(A)
    np.testing.assert_array_equal(got.toarray(), [[0.0, 4.0], [3.0, 0.0]])
    assert A.nnz == 3
    B = sp.csc_matrix(np.eye(3))
    assert canonical_csc(B) is B  # already canonical: no copy


def test_the_highs_model_loads_the_scipy_scaled_example() -> None:
    """The example's HiGHS model: what HiGHS holds is the scipy construction's, exactly."""
    opt, _ = build_example()
    model = opt._highs
    model.update()
    lf = opt._form.evaluate()
    rs = _ref_rows(lf.A)
    Ar = sp.csc_matrix(sp.diags(rs) @ sp.csr_matrix(lf.A))
    cmax = np.asarray(abs(Ar).max(axis=0).todense(), dtype=float).reshape(-1)
    cs = np.ones(lf.A.shape[1])
    cs[cmax > 0] = 2.0 ** np.round(np.log2(1.0 / cmax[cmax > 0]))
    cs[model.int_cols] = 1.0
    np.testing.assert_array_equal(model.col_scale, cs)
    As = sp.csc_matrix(Ar @ sp.diags(cs))
    lp = model.h.getLp()
    # The entries in scipy's order too (HiGHS' paths follow it): rows descending per column.
    np.testing.assert_array_equal(np.asarray(lp.a_matrix_.start_), As.indptr)
    np.testing.assert_array_equal(np.asarray(lp.a_matrix_.index_), As.indices)
    np.testing.assert_array_equal(np.asarray(lp.a_matrix_.value_), As.data)
    np.testing.assert_array_equal(
        np.asarray(lp.row_lower_), np.clip(lf.row_lo * rs, -np.inf, np.inf)
    )
    np.testing.assert_array_equal(np.asarray(lp.col_cost_), lf.c * cs / model.obj_scale)
    lower = sp.csc_matrix(sp.tril(sp.diags(cs) @ lf.P @ sp.diags(cs)) / model.obj_scale)
    lower.eliminate_zeros()
    hess = model.h.getModel().hessian_
    got_h = sp.csc_matrix(
        (np.asarray(hess.value_), np.asarray(hess.index_), np.asarray(hess.start_)),
        shape=lower.shape,
    )
    got_h.eliminate_zeros()  # HiGHS stores a (zero) diagonal entry in every column
    _same(got_h, lower)


@pytest.mark.parametrize("seed", range(4))
def test_scaled_parts_are_the_arrays_of_scipys_product(seed: int) -> None:
    """scaled_parts (what the HiGHS loads read, no scipy matrix built): the data, indices and
    indptr of scipy's diags(rs) @ A @ diags(cs), stored zeros dropped; the row order of
    rows_descending alike."""
    A = _matrix(seed)
    rs = inverse_row_max(A)
    cs = 2.0 ** np.random.default_rng(seed).integers(-8, 8, A.shape[1]).astype(float)
    for c in (None, cs):
        ref = sp.csc_matrix(sp.diags(rs) @ A if c is None else sp.diags(rs) @ A @ sp.diags(c))
        ref.eliminate_zeros()
        ref.sort_indices()
        parts = scaled_parts(A, rs, c)
        assert parts.shape == A.shape and parts.nnz == ref.nnz
        np.testing.assert_array_equal(parts.data, ref.data)
        np.testing.assert_array_equal(parts.indices, ref.indices)
        np.testing.assert_array_equal(parts.indptr, ref.indptr)
        for got, want in zip(
            rows_descending(parts), rows_descending(scaled(A, rs, c)), strict=True
        ):
            np.testing.assert_array_equal(got, want)
