"""Benchmark P&L under scenarios when the benchmark is known only by its published risk profile.

A benchmark given as holdings is revalued in full like the portfolio. A profile (duration, KRDs,
convexity, sector weights and spread durations) supports only a second-order estimate, the same
Taylor expansion the engine uses beside every full revaluation:

``P&L = MV_b * (-sum_k KRD_k dr_k - sum_s w_s SD_s ds_s + C dy_eff^2 / 2)``

with ``dy_eff = sum_k KRD_k dr_k / sum_k KRD_k + sum_s w_s ds_s`` (the duration-weighted rate
move plus the weight-averaged spread move, decimal). Units: ``KRD`` and ``SD`` years, ``C``
years^2, moves decimal, ``MV_b`` currency (the benchmark scaled to the portfolio's market value,
so that active P&L = portfolio P&L - benchmark P&L is the return difference in currency).
Results are labelled ``second_order_profile`` wherever they are reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray

METHOD_PROFILE = "second_order_profile"
METHOD_HOLDINGS = "full_revaluation"


@dataclass(frozen=True)
class ProfileRisk:
    """A benchmark's risk profile in the scenarios' key tenors.

    Attributes
    ----------
    krd
        Key rate durations, years, ``(K,)``, in the zero-rate convention the scenarios shift.
    convexity
        Effective convexity, years^2.
    sector_weights
        Sector -> weight (fraction of market value).
    sector_spread_durations
        Sector -> spread duration of that sector's holdings, years.
    """

    krd: FloatArray
    convexity: float
    sector_weights: Mapping[str, float]
    sector_spread_durations: Mapping[str, float]


def profile_scenario_pnl(
    profile: ProfileRisk,
    market_value: float,
    rate_shifts: npt.ArrayLike,
    spread_shifts: npt.ArrayLike,
    sectors: Sequence[str],
) -> FloatArray:
    """Second-order P&L of a profile benchmark per scenario, currency, ``(S,)``.

    Parameters
    ----------
    profile
        The benchmark's risk profile.
    market_value
        Market value the benchmark is scaled to, currency.
    rate_shifts
        Key-rate shifts, decimal, ``(S, K)``.
    spread_shifts
        Sector spread shifts, decimal, ``(S, n_sectors)``, columns in ``sectors`` order; sectors
        the benchmark does not hold are ignored, and benchmark sectors absent from ``sectors``
        do not move.
    sectors
        Column names of ``spread_shifts`` (lower-case sector names).
    """
    dr = np.atleast_2d(np.asarray(rate_shifts, dtype=np.float64))
    ds = np.atleast_2d(np.asarray(spread_shifts, dtype=np.float64))
    krd = np.asarray(profile.krd, dtype=np.float64)
    rate_term = dr @ krd
    duration = float(krd.sum())
    w = np.array([profile.sector_weights.get(s, 0.0) for s in sectors])
    sd = np.array([profile.sector_spread_durations.get(s, 0.0) for s in sectors])
    spread_term = ds @ (w * sd) if len(sectors) else np.zeros(dr.shape[0])
    avg_spread = ds @ w if len(sectors) else np.zeros(dr.shape[0])
    rate_move = rate_term / duration if abs(duration) > 1e-300 else dr.mean(axis=1)
    dy_eff = rate_move + avg_spread
    return np.asarray(
        market_value * (-rate_term - spread_term + 0.5 * profile.convexity * dy_eff**2),
        dtype=np.float64,
    )
