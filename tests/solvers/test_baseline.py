"""The closed-form hedges against published examples and direct checks."""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.solvers.baseline import (
    HedgeSystemError,
    scale_to_value,
    solve_linear_hedge,
)


def test_matlab_weights_from_published_durations_and_convexities() -> None:
    """MATLAB's system: its printed durations/convexities give its printed weights."""
    durations = [4.7101, 7.5315, 10.7922]
    convexities = [27.1869, 74.7349, 190.4671]
    hedge = solve_linear_hedge(
        [durations, convexities], [10.3181, 157.6346], ["modified_duration", "convexity"]
    )
    np.testing.assert_allclose(hedge.weights, [-0.3043, 0.7130, 0.5913], atol=1e-4)
    np.testing.assert_allclose(hedge.achieved, [10.3181, 157.6346, 1.0], atol=1e-10)


def test_scaling_divides_value_weights_by_unit_prices() -> None:
    hedge = solve_linear_hedge([[1.0, 3.0]], [2.0], ["duration"])
    np.testing.assert_allclose(hedge.weights, [0.5, 0.5])
    scaled = scale_to_value(hedge, [50.0, 200.0], 1000.0)
    np.testing.assert_allclose(scaled.amounts, [10.0, 2.5])


def test_extra_rows_extend_the_system() -> None:
    """A KRD-style extra row: three targets plus the budget row on four instruments."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4))
    w_true = np.array([0.1, 0.2, 0.3, 0.4])
    hedge = solve_linear_hedge(a, a @ w_true, ["d", "c", "krd_10y"])
    np.testing.assert_allclose(hedge.weights, w_true, atol=1e-12)


def test_singular_system_names_the_dependent_rows() -> None:
    with pytest.raises(HedgeSystemError, match="duration, convexity"):
        solve_linear_hedge(
            [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]], [1.0, 2.0], ["duration", "convexity"]
        )


def test_non_square_system_is_refused() -> None:
    with pytest.raises(HedgeSystemError, match="need exactly 2 hedge instruments"):
        solve_linear_hedge([[1.0, 2.0, 3.0]], [1.0], ["duration"])


def test_nan_is_refused() -> None:
    with pytest.raises(HedgeSystemError, match="NaN"):
        solve_linear_hedge([[1.0, np.nan]], [1.0], ["duration"])
