"""The one tracking-error implementation, against hand values, and its users agreeing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hedge_planner.models.covariance import KeyRateCovariance
from hedge_planner.models.tracking_error import tracking_error


def test_hand_computed_te_and_euler_contributions() -> None:
    # x = [1, -1], Sigma = [[100, 60], [60, 400]]: x'Sigma x = 100 - 120 + 400 = 380;
    # Sigma x = [40, -340], so contributions = [40, 340] / sqrt(380), summing to sqrt(380).
    te, contrib = tracking_error([1.0, -1.0], np.array([[100.0, 60.0], [60.0, 400.0]]))
    assert te == pytest.approx(math.sqrt(380.0), rel=1e-15)
    np.testing.assert_allclose(contrib, np.array([40.0, 340.0]) / math.sqrt(380.0), rtol=1e-15)
    assert contrib.sum() == pytest.approx(te, rel=1e-14)


def test_zero_exposure_and_rounding_negative_form() -> None:
    te, contrib = tracking_error(np.zeros(2), np.eye(2))
    assert te == 0.0 and contrib.tolist() == [0.0, 0.0]
    # a PSD matrix whose quadratic form rounds below zero is clipped at 0, not NaN
    te, contrib = tracking_error([1.0, -1.0], np.array([[1.0, 1.0], [1.0, 1.0 - 1e-17]]))
    assert te == 0.0 and contrib.tolist() == [0.0, 0.0]


def test_covariance_object_uses_the_same_number() -> None:
    cov = KeyRateCovariance(("2y", "10y"), np.array([[100.0, 60.0], [60.0, 400.0]]))
    gap = np.array([0.3, -1.2])
    assert cov.tracking_error_bp(gap) == tracking_error(gap, cov.matrix)[0]
    assert cov.tracking_error({"2y": 0.3, "10 Yr": -1.2}) == tracking_error(gap, cov.matrix)[0]
