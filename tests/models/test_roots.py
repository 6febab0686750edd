"""Brent's root finder against roots known in closed form."""

from __future__ import annotations

import math

import pytest
from hedge_planner.models.roots import brent_root


@pytest.mark.parametrize(
    ("func", "lo", "hi", "root"),
    [
        (lambda x: x * x - 2.0, 0.0, 2.0, math.sqrt(2.0)),
        (math.cos, 0.0, 3.0, math.pi / 2.0),
        (lambda x: math.exp(x) - 10.0, -5.0, 5.0, math.log(10.0)),
        (lambda x: x**3 - x - 1.0, 1.0, 2.0, 1.324717957244746),  # the plastic number
        (lambda x: math.atan(x - 0.3), 10.0, -10.0, 0.3),  # reversed bracket
    ],
)
def test_roots_in_closed_form(func, lo: float, hi: float, root: float) -> None:
    assert brent_root(func, lo, hi, xtol=1e-15) == pytest.approx(root, abs=2e-15)


def test_endpoint_root_is_returned_exactly() -> None:
    assert brent_root(lambda x: x - 1.0, 1.0, 3.0) == 1.0
    assert brent_root(lambda x: x - 3.0, 1.0, 3.0) == 3.0


def test_no_sign_change_is_refused() -> None:
    with pytest.raises(ValueError, match="opposite signs"):
        brent_root(lambda x: x * x + 1.0, -1.0, 1.0)


def test_step_function_falls_back_to_bisection() -> None:
    # No interpolation helps on a step: the bracket still shrinks to the jump at 0.25 within
    # bisection's iteration count (about log2(2 / 1e-12) = 41 halvings).
    calls = []

    def step(x: float) -> float:
        calls.append(x)
        return -1.0 if x < 0.25 else 1.0

    x = brent_root(step, -1.0, 1.0, xtol=1e-12, rtol=0.0)
    assert abs(x - 0.25) <= 1e-12
    assert len(calls) <= 2 + 45


def test_iteration_limit_raises() -> None:
    with pytest.raises(RuntimeError, match="did not converge"):
        brent_root(lambda x: -1.0 if x < 0.25 else 1.0, -1.0, 1.0, xtol=0.0, rtol=0.0, maxiter=5)


@pytest.mark.parametrize(
    ("func", "lo", "hi"),
    [
        (lambda x: x * x - 2.0, 0.0, 2.0),
        (lambda x: math.exp(x) - 10.0, -5.0, 5.0),
        (lambda x: x**3 - x - 1.0, 1.0, 2.0),
        (lambda x: 1e6 * (x - 0.123456789) ** 3 + (x - 0.123456789), -50.0, 50.0),
        (lambda x: math.tanh(3.0 * (x - 12.5)) - 0.2, 0.0, 25.0),
    ],
)
def test_same_root_as_scipy_brentq_at_the_plans_tolerances(func, lo: float, hi: float) -> None:
    """The plan's break-evens moved from SciPy's ``brentq`` to :func:`brent_root` with
    ``xtol=1e-10, rtol=1e-14``: SciPy's answer at those tolerances, to the last bit."""
    from scipy.optimize import brentq

    ref = brentq(func, lo, hi, xtol=1e-10, rtol=1e-14, maxiter=200)
    assert brent_root(func, lo, hi, xtol=1e-10, rtol=1e-14, maxiter=200) == ref
