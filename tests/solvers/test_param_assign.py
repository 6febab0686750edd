"""assign_param: the same stored value as cvxpy's validating setter, and the same refusals."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.formulation import assign_param


def _pair(shape: tuple[int, ...], nonneg: bool) -> tuple[cp.Parameter, cp.Parameter]:
    return cp.Parameter(shape, nonneg=nonneg), cp.Parameter(shape, nonneg=nonneg)


@pytest.mark.parametrize("nonneg", [False, True])
def test_scalar_stored_as_cvxpy_stores_it(nonneg: bool) -> None:
    fast, ref = _pair((), nonneg)
    assign_param(fast, 2.5)
    ref.value = 2.5
    assert type(fast._value) is type(ref._value) and fast.value == ref.value == 2.5


@pytest.mark.parametrize("nonneg", [False, True])
def test_array_stored_as_cvxpy_stores_it(nonneg: bool) -> None:
    fast, ref = _pair((3,), nonneg)
    v = np.array([0.0, 1.5, 3.0])
    assign_param(fast, v)
    ref.value = v
    # cvxpy keeps the array object itself; so does the fast assignment
    assert fast.value is v and ref.value is v


def test_refusals_are_cvxpy_errors() -> None:
    p = cp.Parameter((3,), nonneg=True)
    with pytest.raises(ValueError, match="nonnegative"):
        assign_param(p, np.array([1.0, -1.0, 0.0]))
    with pytest.raises(ValueError, match="nonnegative"):
        assign_param(cp.Parameter(nonneg=True), -1.0)
    with pytest.raises(ValueError, match="Invalid dimensions"):
        assign_param(p, np.ones(4))
    assert p.value is None  # nothing stored by a refused assignment


def test_other_values_take_cvxpy_setter() -> None:
    """An integer array or a list goes through cvxpy's conversion, as ``.value =`` would."""
    fast, ref = _pair((2,), False)
    assign_param(fast, np.array([1, 2]))
    ref.value = np.array([1, 2])
    np.testing.assert_array_equal(fast.value, ref.value)
    assert fast.value.dtype == ref.value.dtype
