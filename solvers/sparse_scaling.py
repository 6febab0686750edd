"""Row and column scaling of the HiGHS models' matrices in numpy, on the CSC arrays.

Why not scipy.sparse: a ``diags(rs) @ A @ diags(cs)`` and its ``abs().max(axis=...)`` are
each a few scipy constructions (index-dtype checks, format conversions), ~85 per desk call
and ~1 ms of a ~1 ms model load on the desk's 143-row form. The products here are the same
floating-point operations in the same order (``(a_ij * rs_i) * cs_j``), so the scaled
values are bit for bit scipy's; ``tests/solvers/test_bound_lp.py`` and
``tests/solvers/test_highs_backend.py`` check them against scipy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = [
    "CscParts",
    "canonical_csc",
    "col_max_abs",
    "inverse_row_max",
    "lower_triangle",
    "row_max_abs",
    "rows_descending",
    "scaled",
    "scaled_parts",
]


def canonical_csc(A: sp.spmatrix) -> sp.csc_matrix:
    """``A`` as CSC with sorted, summed indices (``A`` itself when it already is)."""
    if sp.isspmatrix_csc(A) and A.has_canonical_format:
        return A
    out = sp.csc_matrix(A, copy=True)
    out.sum_duplicates()
    return out


def row_max_abs(A: sp.csc_matrix) -> np.ndarray:
    """Largest ``|A_ij|`` of each row (0 for an empty row); ``A`` canonical CSC."""
    amax = np.zeros(A.shape[0])
    np.maximum.at(amax, A.indices, np.abs(A.data))
    return amax


def inverse_row_max(A: sp.csc_matrix) -> np.ndarray:
    """``1 / max_j |A_ij|`` per row, 1 for an empty row: rows scaled to unit max coefficient."""
    amax = row_max_abs(A)
    return np.where(amax > 0, 1.0 / np.where(amax > 0, amax, 1.0), 1.0)


def col_max_abs(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Largest ``|value|`` of each column of a CSC matrix's ``data`` (0 for an empty one)."""
    n = len(indptr) - 1
    out = np.zeros(n)
    counts = np.diff(indptr)
    full = np.flatnonzero(counts > 0)
    if len(full):
        out[full] = np.maximum.reduceat(np.abs(data), indptr[full])
    return out


def _columns(A: sp.csc_matrix | CscParts) -> np.ndarray:
    """Column of each stored entry of a CSC matrix."""
    return np.repeat(np.arange(A.shape[1]), np.diff(A.indptr))


class CscParts(NamedTuple):
    """The arrays of a canonical CSC matrix, without scipy's object (its checks cost ~25 us a
    construction; the HiGHS loads only read the arrays)."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        """Stored entries."""
        return int(self.indptr[-1])


def scaled_parts(A: sp.csc_matrix, rs: np.ndarray, cs: np.ndarray | None = None) -> CscParts:
    """The arrays of :func:`scaled` (the same values, no scipy matrix built)."""
    vals = A.data * rs[A.indices]
    col = _columns(A)
    if cs is not None:
        vals = vals * cs[col]
    keep = vals != 0.0
    if bool(np.all(keep)):
        return CscParts(vals, A.indices.copy(), A.indptr.copy(), A.shape)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(col[keep], minlength=A.shape[1]))])
    return CscParts(vals[keep], A.indices[keep], indptr, A.shape)


def scaled(A: sp.csc_matrix, rs: np.ndarray, cs: np.ndarray | None = None) -> sp.csc_matrix:
    """``diags(rs) @ A @ diags(cs)`` as canonical CSC, zero products dropped as scipy does.

    ``A`` canonical CSC; values ``(a_ij * rs_i) * cs_j``. Why drop zeros: scipy's sparse
    product stores no zero result (an entry of ``A`` whose Parameter is 0 this book).
    """
    parts = scaled_parts(A, rs, cs)
    return sp.csc_matrix((parts.data, parts.indices, parts.indptr), shape=parts.shape)


def rows_descending(A: sp.csc_matrix | CscParts) -> tuple[np.ndarray, np.ndarray]:
    """Row indices and values of a canonical CSC matrix, each column's rows descending.

    Why: the HiGHS models were loaded with the order scipy's ``(diags(rs) @ A) @ diags(cs)``
    leaves (its sparse product lists a column's entries in reverse); HiGHS' pivoting
    follows the stored order, so with another order its QPs and MILPs take other paths
    (other plans within the gap, another closest hedge of a budgeted search).
    """
    k = np.arange(A.nnz)
    col = _columns(A)
    dest = A.indptr[col] + A.indptr[col + 1] - 1 - k
    indices = np.empty_like(A.indices)
    data = np.empty_like(A.data)
    indices[dest], data[dest] = A.indices, A.data
    return indices, data


def lower_triangle(P: sp.csc_matrix, cs: np.ndarray, divisor: float) -> sp.csc_matrix:
    """``tril(diags(cs) @ P @ diags(cs)) / divisor`` without explicit zeros, as CSC.

    ``P`` canonical CSC; the values are ``(cs_i * p_ij) * cs_j / divisor``, scipy's order.
    """
    n = P.shape[1]
    col = _columns(P)
    vals = (cs[P.indices] * P.data) * cs[col] / divisor
    keep = (P.indices >= col) & (vals != 0.0)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(col[keep], minlength=n))])
    return sp.csc_matrix((vals[keep], P.indices[keep], indptr), shape=P.shape)
