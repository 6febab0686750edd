"""Curves from zero rates or discount factors: conventions by hand, round trips, bad inputs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.curve_inputs import (
    curve_from_points,
    curve_points,
    discount_from_zero,
    par_rate_at,
    point_dates,
    zero_from_discount,
)
from hedge_planner.models.dates import to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.errors import AnalyticsError

ANCHOR = dt.date(2024, 1, 31)


@pytest.mark.parametrize(
    ("compounding", "hand"),
    [
        ("continuous", np.exp(-0.04 * 1.5)),
        ("simple", 1 / (1 + 0.04 * 1.5)),
        ("annual", 1.04**-1.5),
        ("semiannual", 1.02**-3.0),
        ("quarterly", 1.01**-6.0),
        ("monthly", (1 + 0.04 / 12) ** -18.0),
    ],
)
def test_compounding_by_hand_and_inverse(compounding: str, hand: float) -> None:
    assert discount_from_zero(0.04, 1.5, compounding) == pytest.approx(hand, rel=1e-15)
    assert zero_from_discount(hand, 1.5, compounding) == pytest.approx(0.04, rel=1e-13)


def test_zero_rates_act360_semiannual_round_trip() -> None:
    days = point_dates(ANCHOR, ["6m", "2025-03-15", "5y"])
    # Tenors from a month-end anchor land on month ends.
    assert days[0] == int(to_days(dt.date(2024, 7, 31)))
    z = [0.05, 0.045, 0.04]
    curve = curve_from_points(ANCHOR, days, z, "zero_rate", "semiannual", DayCount.ACT_360)
    # By hand: DF = (1 + z/2)^(-2 * days/360) at the nodes.
    n = days - int(to_days(ANCHOR))
    np.testing.assert_allclose(
        curve.discount_at(days), (1 + np.array(z) / 2) ** (-2 * n / 360), rtol=1e-14
    )
    pts = curve_points(curve, days, "semiannual", DayCount.ACT_360, 2, DayCount.ACT_ACT)
    np.testing.assert_allclose([p["zero_rate"] for p in pts], z, rtol=0, atol=1e-13)


def test_discount_factors_round_trip_and_par_rate() -> None:
    days = point_dates(ANCHOR, ["1y", "2y"])
    curve = curve_from_points(ANCHOR, days, [0.96, 0.92], "discount_factor")
    np.testing.assert_allclose(curve.discount_at(days), [0.96, 0.92], rtol=1e-15)
    # Annual ACT/360 par rate to 2y by hand: (1 - DF2) / (tau1 DF1 + tau2 DF2).
    tau1 = (dt.date(2025, 1, 31) - ANCHOR).days / 360
    tau2 = (dt.date(2026, 1, 31) - dt.date(2025, 1, 31)).days / 360
    hand = (1 - 0.92) / (tau1 * 0.96 + tau2 * 0.92)
    assert par_rate_at(curve, int(days[1]), 1, DayCount.ACT_360) == pytest.approx(hand, rel=1e-14)


@pytest.mark.parametrize(
    ("days", "values", "kind", "fragment"),
    [
        (["2y", "1y"], [0.04, 0.04], "zero_rate", "strictly increasing"),
        (["1y", "1y"], [0.04, 0.04], "zero_rate", "strictly increasing"),
        (["1y"], [0.0], "discount_factor", "positive"),
        (["1y"], [-0.5], "discount_factor", "positive"),
        (["2023-01-01"], [0.04], "zero_rate", "after the curve date"),
    ],
)
def test_bad_points_are_refused(
    days: list[str], values: list[float], kind: str, fragment: str
) -> None:
    with pytest.raises(AnalyticsError, match=fragment):
        curve_from_points(ANCHOR, point_dates(ANCHOR, days), values, kind)  # type: ignore[arg-type]
