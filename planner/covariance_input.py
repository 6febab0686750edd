"""The key-rate covariance a case asks for: the shipped regimes, a matrix file, or an estimate
from a history of Treasury par yields (lookback and EWMA half-life)."""

from __future__ import annotations

from hedge_planner.cases import CovarianceSpec, resolve_path
from hedge_planner.models.covariance import KeyRateCovariance
from hedge_planner.models.covariance_data import (
    estimate_keyrate_covariance,
    load_covariance_file,
    load_default_covariance,
    load_treasury_par_history,
)
from hedge_planner.models.errors import InputError, InputIssue

__all__ = ["load_covariance"]


def load_covariance(
    spec: CovarianceSpec, source: str, tenors: tuple[str, ...]
) -> KeyRateCovariance:
    """The key-rate covariance the case asks for, restricted to the key tenors."""
    if spec.source == "default":
        cov = load_default_covariance(spec.regime)
    else:
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
