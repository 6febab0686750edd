"""Tracking error and its Euler contributions: the one implementation of ``sqrt(x' Sigma x)``.

Every tracking-error figure of the package (the key-rate covariance, the benchmark comparison,
the multi-factor risk model, the plan's largest mismatches, the optimiser's risk summary) calls
:func:`tracking_error`, so the same exposure under the same covariance gives the same number
everywhere. Units follow the inputs: exposures in currency per bp with a covariance in bp^2 per
year give currency per year; KRD gaps in years give bp of return per year.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray


def tracking_error(exposure: npt.ArrayLike, covariance: npt.ArrayLike) -> tuple[float, FloatArray]:
    """Tracking error ``sqrt(x' Sigma x)`` and each factor's Euler contribution.

    Parameters
    ----------
    exposure
        Active exposure ``x`` per factor (e.g. a KRD gap in years, or key-rate DV01 gaps in
        currency per bp), shape ``(n,)``.
    covariance
        Factor covariance ``Sigma``, bp^2 per year, shape ``(n, n)``, aligned with ``exposure``.

    Returns
    -------
    te : float
        ``sqrt(max(x' Sigma x, 0))`` (rounding can make a PSD quadratic form slightly negative).
    contributions : numpy.ndarray
        ``x_i (Sigma x)_i / te``, summing to ``te``; zeros when ``te`` is 0.
    """
    x = np.asarray(exposure, dtype=np.float64)
    cov = np.asarray(covariance, dtype=np.float64)
    sx = cov @ x
    # (x' Sigma) x, the association the optimiser's own figures have always used: its
    # minimal-violation search compares TEs at the last digits, so the order is kept fixed.
    te = float(np.sqrt(max(float(x @ cov @ x), 0.0)))
    contributions = x * sx / te if te > 0 else np.zeros_like(x)
    return te, contributions
