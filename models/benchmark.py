"""Benchmark comparison: duration and KRD gaps, ex-ante tracking error and its decomposition.

Tracking error here is the ex-ante volatility of the return difference caused by key-rate
moves: with ``g`` the KRD gap in years (portfolio minus benchmark) and ``Sigma`` the covariance
of key-rate changes in bp^2 per year, ``TE = sqrt(g' Sigma g)`` in bp of market value per year
(a gap of ``g_k`` years loses ``g_k`` bp of return per bp rise of key rate ``k``). In currency,
``TE * MV * 1e-4``. Each tenor's contribution is its Euler share ``g_k (Sigma g)_k / TE``; the
contributions add up to the tracking error, so ranking them shows which mismatches drive it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.covariance import KeyRateCovariance
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.input_files import StrictModel
from hedge_planner.models.krd import ZERO_CONTINUOUS, KrdConvention, KrdConventionSpec
from hedge_planner.models.portfolio import Flag
from hedge_planner.models.tracking_error import tracking_error
from hedge_planner.models.units import BP
from pydantic import ConfigDict, Field, field_validator


class BenchmarkProfile(StrictModel):
    """A benchmark described by its risk profile (as an index provider publishes it).

    Units: durations in years (effective), convexity in years^2, KRDs in years per key tenor,
    sector weights as fractions of market value.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = "benchmark"
    as_of: dt.date
    rebalance_date: dt.date | None = None
    duration: float = Field(ge=-100, le=100, description="effective duration, years")
    krd: dict[str, float] = Field(default_factory=dict, description="KRD years by tenor label")
    convexity: float | None = Field(default=None, ge=-10_000, le=10_000, description="years^2")
    spread_duration: float | None = Field(default=None, ge=-100, le=100, description="years")
    sector_weights: dict[str, float] = Field(default_factory=dict)
    sector_spread_durations: dict[str, float] = Field(
        default_factory=dict,
        description="spread duration of each sector's holdings, years (as index factsheets "
        "publish them); without it every sector is given the total spread_duration (assumed)",
    )
    sector_spread_levels: dict[str, float] = Field(
        default_factory=dict,
        description="spread level (index OAS) of each sector's holdings, bp; needed for the "
        "credit sectors when risk.credit_exposure is dts (their DTS = spread duration x level)",
    )
    krd_convention: KrdConventionSpec | None = Field(
        default=None,
        description="convention of the krd figures; index providers publish par KRDs "
        "(rate_basis: par). Not stated: zero rates, continuous, 1 bp, full price (the engine's "
        "own), which the run flags",
    )
    max_staleness_days: int = Field(default=35, ge=0)

    @field_validator("krd", "sector_weights", "sector_spread_durations", "sector_spread_levels")
    @classmethod
    def _lower_keys(cls, value: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, number in value.items():
            label = str(key).strip().lower()
            if label in out:
                raise ValueError(f"{label!r} is given twice (names are not case-sensitive)")
            out[label] = float(number)
        return out

    @field_validator("krd")
    @classmethod
    def _krds(cls, value: dict[str, float]) -> dict[str, float]:
        wild = [k for k, v in value.items() if abs(v) > 100]
        if wild:
            raise ValueError(f"KRD beyond the plausible +/-100 years at {', '.join(wild[:5])}")
        return value

    @field_validator("sector_spread_levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in value.items() if not (0.0 < v <= 10_000.0)]
        if bad:
            raise ValueError(
                f"sector spread levels are bp in (0, 10000]; not so for {', '.join(bad[:5])}"
            )
        return value

    @field_validator("sector_weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        negative = [k for k, v in value.items() if v < 0]
        if negative:
            raise ValueError(
                f"sector weights must be non-negative; negative for {', '.join(negative[:5])}"
            )
        if value and abs(sum(value.values()) - 1.0) > 0.02:
            raise ValueError(f"sector weights sum to {sum(value.values()):.4f}, expected 1")
        return value


def profile_krd_convention(profile: BenchmarkProfile) -> tuple[KrdConvention, bool]:
    """The convention of a profile's KRDs and whether the profile stated it."""
    if profile.krd_convention is None:
        return ZERO_CONTINUOUS, False
    return profile.krd_convention.to_convention(), True


def profile_sector_spread_durations(profile: BenchmarkProfile) -> tuple[dict[str, float], bool]:
    """Spread duration per benchmark sector (years) and whether every figure was given.

    Sectors without a figure get the profile's total ``spread_duration`` (or its duration when
    that is missing too): the usual assumption when a factsheet gives one number.
    """
    fallback = profile.spread_duration if profile.spread_duration is not None else profile.duration
    given = profile.sector_spread_durations
    out = {s: given.get(s, fallback) for s in profile.sector_weights}
    return out, all(s in given for s in profile.sector_weights)


@dataclass(frozen=True)
class Mismatch:
    """One key tenor's gap and its contribution to tracking error."""

    tenor: str
    gap_years: float
    te_contribution_bp: float
    share: float

    def as_dict(self) -> dict[str, float | str]:
        """JSON-friendly form."""
        return {
            "tenor": self.tenor,
            "gap_years": self.gap_years,
            "te_contribution_bp": self.te_contribution_bp,
            "share": self.share,
        }


@dataclass(frozen=True)
class BenchmarkComparison:
    """Portfolio versus benchmark.

    Attributes
    ----------
    name
        Benchmark name.
    duration_gap
        Portfolio minus benchmark effective duration, years.
    krd_gap
        Portfolio minus benchmark KRD per tenor, years.
    tracking_error_bp
        Ex-ante tracking error from key-rate moves, bp per year.
    tracking_error_ccy
        The same in currency per year.
    largest_mismatches
        Tenors ranked by absolute contribution to tracking error.
    sector_weight_gap
        Portfolio minus benchmark weight per sector (fractions).
    flags
        Staleness and consistency warnings.
    """

    name: str
    duration_gap: float
    krd_gap: dict[str, float]
    tracking_error_bp: float
    tracking_error_ccy: float
    largest_mismatches: tuple[Mismatch, ...]
    sector_weight_gap: dict[str, float]
    benchmark_duration: float
    benchmark_krd: dict[str, float]
    flags: tuple[Flag, ...]

    def as_dict(self) -> dict[str, Any]:
        """The ``benchmark`` object of the analysis JSON."""
        return {
            "name": self.name,
            "duration": self.benchmark_duration,
            "krd": self.benchmark_krd,
            "duration_gap": self.duration_gap,
            "krd_gap": self.krd_gap,
            "largest_mismatches": [m.as_dict() for m in self.largest_mismatches],
            "tracking_error_bp": self.tracking_error_bp,
            "tracking_error_ccy": self.tracking_error_ccy,
            "sector_weight_gap": self.sector_weight_gap,
            "warnings": [f.as_dict() for f in self.flags],
            "methodology": "effective durations; tracking error = sqrt(g' Sigma g) of the KRD "
            "gap g (years) under the key-rate covariance Sigma (bp^2/yr), bp per year",
        }


def benchmark_krd_vector(profile: BenchmarkProfile, tenors: Sequence[str]) -> FloatArray:
    """The profile's KRDs on the analysis key tenors (missing tenors are zero).

    Raises
    ------
    AnalyticsError
        If the profile names a tenor that is not a key tenor of the analysis.
    """
    unknown = [t for t in profile.krd if t not in tenors]
    if unknown:
        raise AnalyticsError(
            f"benchmark KRD tenors {', '.join(unknown)} are not key tenors of the analysis "
            f"({', '.join(tenors)})"
        )
    return np.array([profile.krd.get(t, 0.0) for t in tenors])


#: A profile convexity below ``duration**2 / PER_100_RATIO`` (years^2) reads as a factsheet
#: figure quoted per 100: an index of duration ``D`` has a convexity of the order of ``D**2``
#: years^2 (a bullet of modified duration ``D`` has a little more than ``D**2``), and index
#: providers print it divided by 100 (0.55 for about 55 years^2). The same test as the one on
#: holdings' supplied convexities.
PER_100_RATIO = 10.0


def _convexity_unit_flags(profile: BenchmarkProfile) -> list[Flag]:
    """A warning when the profile's convexity looks like a per-100 quote rather than years^2."""
    c, d = profile.convexity, profile.duration
    if c is None or abs(d) < 2.0 or abs(c) >= d**2 / PER_100_RATIO:
        return []
    return [
        Flag(
            "warn",
            "benchmark_convexity_unit",
            f"benchmark {profile.name!r} convexity {c:g} is implausibly small in years^2 for a "
            f"duration of {d:g} years (a bullet of that duration has about {d**2:.0f}); it looks "
            f"like an index factsheet's per-100 figure, i.e. {100 * c:g} years^2: give "
            "benchmark.convexity in years^2",
        )
    ]


def compare_to_benchmark(
    *,
    portfolio_duration: float,
    portfolio_krd: npt.ArrayLike,
    tenors: Sequence[str],
    market_value: float,
    profile: BenchmarkProfile,
    covariance: KeyRateCovariance,
    analysis_date: dt.date,
    portfolio_sector_weights: Mapping[str, float] | None = None,
    n_largest: int = 5,
) -> BenchmarkComparison:
    """Duration gap, KRD gaps, tracking error and staleness checks against a benchmark.

    Parameters
    ----------
    portfolio_duration
        Portfolio effective duration, years.
    portfolio_krd
        Portfolio KRDs, years, aligned with ``tenors``.
    tenors
        Key tenor labels.
    market_value
        Portfolio market value, currency (converts tracking error to currency).
    profile
        The benchmark.
    covariance
        Key-rate covariance; must cover every key tenor.
    analysis_date
        Date of the analysis (for the staleness check).
    portfolio_sector_weights
        Portfolio weight per sector, fractions (for the sector gap).
    n_largest
        How many mismatches to list.
    """
    tenors = list(tenors)
    bench_krd = benchmark_krd_vector(profile, tenors)
    gap = np.asarray(portfolio_krd, dtype=np.float64) - bench_krd
    cov = np.asarray(covariance.subset(tenors).matrix)
    te, contrib = tracking_error(gap, cov)
    order = np.argsort(-np.abs(contrib), kind="stable")[:n_largest]
    mismatches = tuple(
        Mismatch(tenors[k], float(gap[k]), float(contrib[k]), float(contrib[k] / te) if te else 0.0)
        for k in order
    )
    flags: list[Flag] = []
    if profile.rebalance_date is not None:
        age = (analysis_date - profile.rebalance_date).days
        if age > profile.max_staleness_days:
            flags.append(
                Flag(
                    "warn",
                    "benchmark_stale",
                    f"benchmark {profile.name!r} was last rebalanced {profile.rebalance_date} "
                    f"({age} days before the analysis date; limit {profile.max_staleness_days}): "
                    "refresh the profile before trading on the gaps",
                )
            )
    if profile.as_of > analysis_date:
        flags.append(
            Flag("warn", "benchmark_future", f"benchmark as-of {profile.as_of} is after analysis")
        )
    if profile.krd and abs(bench_krd.sum() - profile.duration) > 0.01 * abs(profile.duration):
        flags.append(
            Flag(
                "warn",
                "benchmark_krd_sum",
                f"benchmark KRDs sum to {bench_krd.sum():.4f} but its duration is "
                f"{profile.duration:.4f}",
            )
        )
    flags.extend(_convexity_unit_flags(profile))
    weights = dict(portfolio_sector_weights or {})
    sectors = sorted(set(weights) | set(profile.sector_weights))
    sector_gap = {
        s: weights.get(s, 0.0) - profile.sector_weights.get(s, 0.0)
        for s in sectors
        if profile.sector_weights
    }
    return BenchmarkComparison(
        name=profile.name,
        duration_gap=float(portfolio_duration - profile.duration),
        krd_gap={t: float(g) for t, g in zip(tenors, gap, strict=True)},
        tracking_error_bp=te,
        tracking_error_ccy=te * market_value * BP,
        largest_mismatches=mismatches,
        sector_weight_gap=sector_gap,
        benchmark_duration=profile.duration,
        benchmark_krd={t: float(v) for t, v in zip(tenors, bench_krd, strict=True)},
        flags=tuple(flags),
    )
