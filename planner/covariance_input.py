"""The key-rate covariance a case asks for: the shipped regimes, a matrix file, or an estimate
from a history of Treasury par yields (lookback and EWMA half-life); and that covariance in
the basis the exposures are measured in."""

from __future__ import annotations

import functools

import numpy as np
from hedge_planner.cases import CovarianceSpec, resolve_path
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.covariance import KeyRateCovariance
from hedge_planner.models.covariance_data import (
    estimate_keyrate_covariance,
    load_covariance_file,
    load_default_covariance,
    load_treasury_par_history,
)
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.krd import PAR_TREASURY, KrdBasisMap, KrdConvention, ParQuotes
from hedge_planner.models.portfolio import HoldingRisk

__all__ = ["load_covariance", "rate_covariance_in_basis"]


@functools.lru_cache(maxsize=16)
def _default_covariance(regime: str, tenors: tuple[str, ...]) -> KeyRateCovariance:
    """The packaged matrix of ``regime`` restricted to ``tenors``, kept per process.

    Why: the desk's hedge calls read and validated the same committed file on every call;
    the object is immutable (a frozen dataclass with a read-only matrix), so it is shared.
    """
    return load_default_covariance(regime).subset(list(tenors))


def load_covariance(
    spec: CovarianceSpec, source: str, tenors: tuple[str, ...]
) -> KeyRateCovariance:
    """The key-rate covariance the case asks for, restricted to the key tenors."""
    if spec.source == "default":
        return _default_covariance(spec.regime, tuple(tenors))
    assert spec.path is not None
    path = resolve_path(source, spec.path)
    if not path.exists():
        raise InputError([InputIssue(source, None, "covariance.path", f"{path} not found")])
    if spec.source == "file":
        cov = load_covariance_file(path)
    else:
        cov = estimate_keyrate_covariance(
            load_treasury_par_history(path),
            tenors,
            lookback_days=spec.lookback_days,
            halflife_days=spec.halflife_days,
            source=str(path),
        )
    return cov.subset(list(tenors))


def rate_covariance_in_basis(
    par_cov: FloatArray,
    risk: HoldingRisk,
    curve: YieldCurve,
    quotes: ParQuotes,
    convention: KrdConvention,
) -> FloatArray:
    """The key-rate covariance in the basis the exposures are measured in, bp^2 per year.

    The covariance is estimated from Treasury par-yield changes. Exposures in convention ``X``
    (``KRD_X = KRD_zero @ M_X``, :class:`KrdBasisMap`) see P&L ``-KRD_par . dpar =
    -KRD_X . (T dpar)`` with ``T = M_X^-1 M_par``, so their covariance is ``T Sigma_par T^T``.
    Pricing zero-basis exposures with the par covariance directly (the earlier shortcut) made
    the tracking error depend on the basis chosen (about 3 % on the rates block of the example).
    """
    if convention.rate_basis == "par":
        return par_cov
    bmap = KrdBasisMap(np.asarray(risk.krd.tenor_years, dtype=np.float64), curve, quotes)
    t = np.linalg.solve(bmap.matrix(convention), bmap.matrix(PAR_TREASURY))
    out = t @ par_cov @ t.T
    return np.asarray(0.5 * (out + out.T), dtype=np.float64)
