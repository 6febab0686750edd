"""Normal-vol shifts of a vol scenario: parallel and by option expiry.

A vol scenario moves the **normal** (bp) vol of every option by ``shift(T)`` with ``T`` the
option's (or caplet's) expiry in years: a parallel part (``"all"``) plus, when expiry pillars
are given (``{"1y": 20, "5y": 10}``), a piecewise-linear interpolation between them in expiry
years, flat beyond the first and last. Lognormal vols move by the normal shift over the rate
level (``sigma_ln + d_sigma_n / (F + shift)``) and futures-price vols by ``d_sigma_n x |dF/dy| /
F``: the same mapping as the plan's normal vega, so the vega approximation and the full
revaluation differ only by the option's curvature in vol.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from hedge_planner.models.bootstrap import tenor_years
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.units import BP

FloatArray = npt.NDArray[np.float64]

#: Smallest vol an option is repriced at when a negative shift would push it to zero or below.
MIN_VOL = 1e-8

__all__ = ["MIN_VOL", "VolShift"]


class VolShift:
    """Normal-vol shift by expiry, decimal rate per sqrt(year).

    Parameters
    ----------
    shifts_bp
        ``{"all": bp}`` and/or ``{expiry tenor label: bp}``; bp of normal vol.
    """

    def __init__(self, shifts_bp: Mapping[str, float]) -> None:
        self.parallel = float(shifts_bp.get("all", 0.0)) * BP
        pillars = sorted(
            ((tenor_years(k), float(v) * BP) for k, v in shifts_bp.items() if k != "all"),
        )
        if len({t for t, _ in pillars}) != len(pillars):
            raise AnalyticsError("vol shift pillars must be distinct expiries")
        self._t = np.array([t for t, _ in pillars], dtype=np.float64)
        self._v = np.array([v for _, v in pillars], dtype=np.float64)

    def __call__(self, expiry_years: npt.ArrayLike) -> FloatArray:
        """Normal-vol shift (decimal) at each expiry (years)."""
        t = np.asarray(expiry_years, dtype=np.float64)
        out = np.full(t.shape, self.parallel)
        if self._t.size:
            out = out + np.interp(t, self._t, self._v)
        return out
