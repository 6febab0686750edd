"""The solvers' value-keyed memos (:class:`hedge_planner.models.array_memo.ArrayMemo`): the
level set's curvature and the context's covariance factor and exposure basis equal a fresh
computation; a changed input gets a new entry."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hedge_planner.solvers import context as context_module
from hedge_planner.solvers.problem import factor_covariance

from tests.solvers.test_optimizer import build, random_case


def _spd(seed: int, n: int = 5) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def test_level_set_memo_equals_a_fresh_inverse() -> None:
    """The level set's memoised curvature: Q and diag(P_QQ^-1) as numpy computes them."""
    from hedge_planner.solvers import bound_tightening as bt

    dense = np.zeros((6, 6))
    dense[np.ix_([1, 3, 4], [1, 3, 4])] = _spd(2, 3)
    P = sp.csc_matrix(dense)
    key = [P.indptr, P.indices, P.data]
    quad, inv_diag = bt._MEMO.get(key, lambda: bt._quad_inverse(P), P.shape)
    np.testing.assert_array_equal(quad, [1, 3, 4])
    ref = np.diag(np.linalg.inv(dense[np.ix_([1, 3, 4], [1, 3, 4])]))
    np.testing.assert_allclose(inv_diag, ref, rtol=1e-12)
    again = bt._MEMO.get(key, lambda: bt._quad_inverse(P), P.shape)
    assert again[1] is inv_diag
    P2 = P.copy()
    P2.data[0] *= 2.0
    other = bt._MEMO.get([P2.indptr, P2.indices, P2.data], lambda: bt._quad_inverse(P2), P2.shape)
    assert not np.array_equal(other[1], inv_diag)


def test_context_factor_and_basis_equal_fresh_ones() -> None:
    """Two contexts of one problem share the memoised factor F (F F' = S) and the exposure
    basis; each equals its fresh computation; another covariance gets its own factor."""
    case = random_case(np.random.default_rng(3))
    a, b = build(case).ctx, build(case).ctx
    assert a.factor is b.factor and not a.factor.flags.writeable
    np.testing.assert_array_equal(a.factor, factor_covariance(a.fcov))
    np.testing.assert_allclose(a.factor @ a.factor.T, a.fcov, rtol=1e-9, atol=1e-9 * a.fcov.max())
    m = a.factor_q * a.scale
    np.testing.assert_array_equal(
        context_module._MEMO.get([m], lambda: context_module._range_basis(m), "range"),
        context_module._range_basis(m),
    )
    # the split of the exposures is exact: the parallel part is in m's range
    resid = a.te_c - m @ np.linalg.lstsq(m, a.te_c, rcond=None)[0]
    assert float(np.linalg.norm(resid)) <= 1e-9 * max(1.0, float(np.linalg.norm(a.te_c)))
    other = factor_covariance(2.0 * a.fcov)
    memo = context_module._MEMO.get(
        [2.0 * a.fcov], lambda: factor_covariance(2.0 * a.fcov), "factor"
    )
    assert memo is not a.factor
    np.testing.assert_array_equal(memo, other)


def test_instrument_bytes_memo_equals_a_fresh_pickle() -> None:
    """Frozen instruments with read-only KRDs: their pickle remembered by identity, equal to a
    fresh one; writable ones pickled every time; other instruments give another key."""
    import pickle

    from hedge_planner.solvers import book_form

    ins = tuple(build(random_case(np.random.default_rng(4))).ctx.instruments)
    assert any(i.krd_dv01.flags.writeable for i in ins)
    before = len(book_form._PICKLED)
    assert book_form._instrument_bytes(ins) == pickle.dumps(ins, protocol=5)
    assert len(book_form._PICKLED) == before  # writable: not remembered
    frozen = tuple(
        type(i)(**{**{f: getattr(i, f) for f in i.__dataclass_fields__ if f != "unit"}})
        for i in ins
    )
    for i in frozen:
        i.krd_dv01.setflags(write=False)
    first = book_form._instrument_bytes(frozen)
    assert first == pickle.dumps(frozen, protocol=5)
    assert book_form._instrument_bytes(frozen) is first  # remembered
    other = tuple(build(random_case(np.random.default_rng(5))).ctx.instruments)
    for i in other:
        i.krd_dv01.setflags(write=False)
    assert book_form._instrument_bytes(other) == pickle.dumps(other, protocol=5) != first
