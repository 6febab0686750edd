"""The book's factor model memoised by its inputs (:mod:`hedge_planner.risk_model_memo`).

Reference: :func:`hedge_planner.models.risk_model.build_risk_model` of the same inputs, built
afresh: the memo's model must have the same factors, covariance and windows, be shared only
read-only, and never answer for other inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models.covariance_data import load_default_covariance
from hedge_planner.models.risk_model import (
    build_risk_model,
    load_default_relative_table,
    load_default_spread_table,
)
from hedge_planner.risk_model_memo import risk_model

TENORS = ("2y", "5y", "10y", "30y")
OPTIONS = {"swap_spread_vol_bp": 20.0, "swap_spread_tenor_vol_bp": 8.0, "swap_spread_source": "x"}


def _inputs() -> tuple[np.ndarray, object]:
    cov = load_default_covariance().subset(list(TENORS))
    return np.array(cov.matrix), load_default_spread_table()


def test_memoised_model_equals_a_fresh_one_and_is_read_only() -> None:
    rc, table = _inputs()
    fresh = build_risk_model(TENORS, rc, "src", ["government", "corporate"], table, **OPTIONS)
    first = risk_model(TENORS, rc, "src", ["government", "corporate"], table, **OPTIONS)
    again = risk_model(TENORS, rc.copy(), "src", ["government", "corporate"], table, **OPTIONS)
    assert again is first  # equal inputs: the model built before
    assert first.factors == fresh.factors and first.window == fresh.window
    np.testing.assert_array_equal(first.covariance, fresh.covariance)
    with pytest.raises(ValueError):
        first.covariance[0, 0] = 0.0


def test_other_inputs_build_their_own_model() -> None:
    rc, table = _inputs()
    base = risk_model(TENORS, rc, "src", ["government"], table, **OPTIONS)
    bumped = rc.copy()
    bumped[0, 0] = np.nextafter(rc[0, 0], np.inf)
    other = risk_model(TENORS, bumped, "src", ["government"], table, **OPTIONS)
    assert other is not base
    assert other.covariance[0, 0] == bumped[0, 0]
    assert risk_model(TENORS, rc, "src", ["corporate"], table, **OPTIONS) is not base
    assert risk_model(TENORS, rc, "src", ["government"], table, swap_spread_vol_bp=None) is not base


def test_duration_times_spread_models_are_built_every_time() -> None:
    rc, table = _inputs()
    relative = {"corporate": load_default_relative_table().lookup("corporate", table)}
    assert relative["corporate"] is not None
    one = risk_model(TENORS, rc, "src", ["corporate"], table, relative=relative, **OPTIONS)
    two = risk_model(TENORS, rc, "src", ["corporate"], table, relative=relative, **OPTIONS)
    assert one is not two
    np.testing.assert_array_equal(one.covariance, two.covariance)
