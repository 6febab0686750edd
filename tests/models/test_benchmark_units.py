"""Benchmark profile units: convexity is years^2, and a per-100 factsheet figure is flagged.

Reference for the scale: QuantLib's ``BondFunctions.convexity`` (an oracle independent of this
package) of a 7-year 4% semiannual Treasury-style bullet priced near par, whose modified duration
(about 6) is that of an Aggregate-like index. Its convexity in years^2 is of the order of the
square of its duration (about 43 years^2), while index factsheets print convexity divided by 100
(an Aggregate-like index shows about 0.5). A profile convexity of 0.55 read as years^2 would
understate the benchmark's second-order P&L a hundredfold.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml
from hedge_planner.models.benchmark import PER_100_RATIO, BenchmarkProfile, compare_to_benchmark
from hedge_planner.models.covariance_data import load_default_covariance

ql = pytest.importorskip("QuantLib")

TENORS = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
KRD = {"6m": 0.05, "1y": 0.14, "2y": 0.40, "3y": 0.55, "5y": 1.05, "7y": 0.95, "10y": 1.20}
KRD |= {"20y": 1.06, "30y": 0.80}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _quantlib_bullet_duration_convexity() -> tuple[float, float]:
    """Modified duration (years) and convexity (years^2) of a 7y 4% bullet at a 4% yield."""
    settle = ql.Date(29, ql.December, 2023)
    ql.Settings.instance().evaluationDate = settle
    schedule = ql.Schedule(
        settle,
        ql.Date(29, ql.December, 2030),
        ql.Period(ql.Semiannual),
        ql.NullCalendar(),
        ql.Unadjusted,
        ql.Unadjusted,
        ql.DateGeneration.Backward,
        False,
    )
    dc = ql.ActualActual(ql.ActualActual.ISMA)
    bond = ql.FixedRateBond(0, 100.0, schedule, [0.04], dc)
    rate = ql.InterestRate(0.04, dc, ql.Compounded, ql.Semiannual)
    duration = ql.BondFunctions.duration(bond, rate, ql.Duration.Modified, settle)
    return duration, ql.BondFunctions.convexity(bond, rate, settle)


def _flags(convexity: float | None, duration: float = 6.2) -> list[str]:
    profile = BenchmarkProfile(
        name="agg-like",
        as_of=dt.date(2023, 12, 29),
        duration=duration,
        krd={k: v * duration / 6.2 for k, v in KRD.items()},
        convexity=convexity,
    )
    comparison = compare_to_benchmark(
        portfolio_duration=6.0,
        portfolio_krd=np.zeros(len(TENORS)),
        tenors=TENORS,
        market_value=1e8,
        profile=profile,
        covariance=load_default_covariance(),
        analysis_date=dt.date(2023, 12, 29),
    )
    return [f.code for f in comparison.flags]


def test_years_squared_scale_of_a_bullet_from_quantlib() -> None:
    """The threshold separates the two conventions for an index-like duration."""
    duration, convexity = _quantlib_bullet_duration_convexity()
    assert 5.5 < duration < 6.5
    assert convexity > duration**2  # years^2: of the order of D^2 (about 43 here)
    assert convexity >= duration**2 / PER_100_RATIO  # a years^2 figure is never flagged
    assert convexity / 100.0 < duration**2 / PER_100_RATIO  # its per-100 quote always is


def test_per_100_benchmark_convexity_is_flagged() -> None:
    assert "benchmark_convexity_unit" in _flags(0.55)
    assert "benchmark_convexity_unit" in _flags(-0.8)  # negative-convexity quotes too


def test_years_squared_or_short_or_missing_convexity_is_not_flagged() -> None:
    assert "benchmark_convexity_unit" not in _flags(55.0)
    assert "benchmark_convexity_unit" not in _flags(None)
    assert "benchmark_convexity_unit" not in _flags(0.03, duration=1.5)  # too short to judge


@pytest.mark.parametrize(
    "name", ["core_plus/case.yaml", "core_plus/case_legs.yaml", "core_plus_prev/case.yaml"]
)
def test_example_benchmark_convexity_is_in_years_squared(name: str) -> None:
    """The example's Aggregate-like profile states its convexity in the package's unit."""
    bench = yaml.safe_load((EXAMPLES / name).read_text())["benchmark"]
    d, c = float(bench["duration"]), float(bench["convexity"])
    assert abs(c) >= d**2 / PER_100_RATIO
