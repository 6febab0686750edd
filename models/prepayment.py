"""Prepayment models for agency pass-throughs: constant CPR, PSA ramp, and a rate-dependent model.

Units: CPR (conditional prepayment rate) is an annual decimal; SMM (single monthly mortality) is
``1 - (1 - CPR)^(1/12)``. Loan age is in months since origination: the pool's first month is
age 1, so projection month ``m`` (0-based) of a pool aged ``WALA`` has age ``WALA + m + 1``.

* ``cpr``: ``CPR = speed`` (decimal, e.g. 0.06).
* ``psa``: ``CPR = speed / 100 * 6% * min(age / 30, 1)`` (100 PSA: 0.2% CPR in month 1 rising
  0.2% a month to 6% at month 30).
* ``refi`` (rate-dependent, on Monte Carlo paths)::

      CPR = ramp(age) * [turnover * season(month) * lockin(I) + refi(I) * exp(-burnout * E)]

  with ``I = WAC - mortgage rate`` (decimal), the mortgage rate a spread over a blend of the
  model's 2y and 10y par rates on the path (:class:`RefiModel` fields), ``ramp = min(age / 30, 1)``,
  ``lockin(I) = clip(1 + lockin_slope * min(I, 0), lockin_floor, 1)``, the S-curve
  ``refi(I) = refi_max / (1 + exp(-(I - refi_center) / refi_width))``, and burnout exposure
  ``E = sum over past projected months of max(I, 0) / 12`` (decimal-years of in-the-money
  incentive since the pricing date; the pool's history before it is not known and taken as 0).
  The month-of-year seasonality multiplies turnover only and averages 1 over a year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.errors import AnalyticsError

MODELS = ("cpr", "psa", "refi")
#: Turnover multipliers by calendar month (January first), mean 1: slower winters, faster summers.
SEASONALITY = (0.90, 0.85, 0.95, 1.00, 1.05, 1.10, 1.10, 1.10, 1.05, 1.00, 0.95, 0.95)


@dataclass(frozen=True)
class RefiModel:
    """Parameters of the rate-dependent model (decimals; defaults stated for 2023-era pools).

    Attributes
    ----------
    turnover
        Housing-turnover CPR of a seasoned pool at zero incentive (0.06).
    seasoning_months
        Age at which the ramp reaches 1 (30, as PSA).
    refi_max
        Extra CPR of a deeply in-the-money pool (0.45).
    refi_center, refi_width
        Incentive (WAC - mortgage rate) at the S-curve's midpoint (0.0075) and its width (0.0025).
    lockin_slope, lockin_floor
        Turnover falls by ``slope`` per unit of negative incentive, to at most the floor
        (15, 0.4: a pool 4 points out of the money turns over at 40% of normal).
    burnout
        Decay of the refinancing response per decimal-year of past positive incentive (8).
    mortgage_spread
        Primary mortgage rate over the par-rate blend (0.0255: 6.61% on 2023-12-29 off the
        Treasury 2y 4.23% / 10y 3.88%).
    weight_2y
        Weight of the 2y par rate in the blend (0.5); the 10y takes the rest.
    """

    turnover: float = 0.06
    seasoning_months: float = 30.0
    refi_max: float = 0.45
    refi_center: float = 0.0075
    refi_width: float = 0.0025
    lockin_slope: float = 15.0
    lockin_floor: float = 0.4
    burnout: float = 8.0
    mortgage_spread: float = 0.0255
    weight_2y: float = 0.5

    def __post_init__(self) -> None:
        for name in ("turnover", "refi_max", "lockin_floor"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise AnalyticsError(f"refi model {name} must be a decimal in [0, 1), got {value}")
        if self.refi_width <= 0 or self.seasoning_months <= 0:
            raise AnalyticsError("refi model refi_width and seasoning_months must be positive")


@dataclass(frozen=True)
class Prepayment:
    """A pool's prepayment assumption: ``model`` in :data:`MODELS` and its ``speed``.

    ``speed`` is the CPR (decimal) for ``cpr``, the PSA percentage (100 = 100 PSA) for ``psa``, and
    a multiplier of the whole CPR (1 = as parametrised) for ``refi``.
    """

    model: str = "refi"
    speed: float = 1.0

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise AnalyticsError(f"prepayment model {self.model!r}: use one of {', '.join(MODELS)}")
        if not np.isfinite(self.speed) or self.speed < 0:
            raise AnalyticsError(f"prepayment speed must be >= 0, got {self.speed}")
        if self.model == "cpr" and self.speed >= 1:
            raise AnalyticsError(f"a CPR is a decimal below 1 (0.06 for 6%), got {self.speed}")


def smm_from_cpr(cpr: npt.ArrayLike) -> FloatArray:
    """Single monthly mortality from an annual CPR (decimals)."""
    return np.asarray(1.0 - (1.0 - np.asarray(cpr, dtype=np.float64)) ** (1.0 / 12.0))


def psa_cpr(age: npt.ArrayLike, speed: npt.ArrayLike) -> FloatArray:
    """CPR of ``speed`` PSA at loan ``age`` (months)."""
    age = np.asarray(age, dtype=np.float64)
    return np.asarray(np.asarray(speed) / 100.0 * 0.06 * np.minimum(age / 30.0, 1.0))


def refi_cpr(
    params: RefiModel,
    age: npt.ArrayLike,
    month_of_year: npt.ArrayLike,
    incentive: npt.ArrayLike,
    exposure: npt.ArrayLike,
) -> FloatArray:
    """CPR of the rate-dependent model (see the module docstring), broadcasting its inputs.

    Parameters
    ----------
    age
        Loan age, months.
    month_of_year
        Calendar month of the accrual period, 1-12.
    incentive
        WAC minus the projected mortgage rate, decimal.
    exposure
        Burnout exposure, decimal-years of past positive incentive.
    """
    inc = np.asarray(incentive, dtype=np.float64)
    ramp = np.minimum(np.asarray(age, dtype=np.float64) / params.seasoning_months, 1.0)
    season = np.asarray(SEASONALITY)[np.asarray(month_of_year, dtype=np.int64) - 1]
    lockin = np.clip(1.0 + params.lockin_slope * np.minimum(inc, 0.0), params.lockin_floor, 1.0)
    s_curve = params.refi_max / (1.0 + np.exp(-(inc - params.refi_center) / params.refi_width))
    burn = np.exp(-params.burnout * np.asarray(exposure, dtype=np.float64))
    cpr = ramp * (params.turnover * season * lockin + s_curve * burn)
    return np.asarray(np.minimum(cpr, 0.99))
