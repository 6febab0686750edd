"""The case's key-rate covariance (planner/covariance_input.py): the packaged default kept
per process.

Reference: the committed JSON file read and parsed directly (json + numpy, not the package's
loader), restricted to the requested tenors by hand.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
from hedge_planner.cases import CovarianceSpec
from hedge_planner.covariance_input import load_covariance
from hedge_planner.models.covariance import CovarianceError
from hedge_planner.models.covariance_data import DEFAULT_REGIMES

TENORS = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")


def _file_matrix(regime: str, tenors: tuple[str, ...]) -> np.ndarray:
    text = resources.files("hedge_planner.models.data").joinpath(DEFAULT_REGIMES[regime])
    data = json.loads(text.read_text())
    labels = [str(t).lower() for t in data["tenors"]]
    full = np.array(data["matrix"], dtype=float)
    pos = [labels.index(t) for t in tenors]
    return full[np.ix_(pos, pos)]


@pytest.mark.parametrize("regime", sorted(DEFAULT_REGIMES))
@pytest.mark.parametrize("tenors", [TENORS, ("30y", "2y", "10y")])
def test_the_kept_default_is_the_committed_matrix(regime: str, tenors: tuple[str, ...]) -> None:
    spec = CovarianceSpec(source="default", regime=regime)
    first = load_covariance(spec, "case.yaml", tenors)
    again = load_covariance(spec, "case.yaml", tenors)
    assert again is first  # kept: the second call reads nothing
    assert first.tenors == tenors
    ref = _file_matrix(regime, tenors)
    # The loader symmetrises exactly ((M + M') / 2); the committed file is symmetric to print.
    np.testing.assert_allclose(first.matrix, ref, rtol=1e-12, atol=0.0)
    assert not first.matrix.flags.writeable  # shared: nobody may change it


def test_an_unknown_tenor_is_still_refused_every_time() -> None:
    spec = CovarianceSpec(source="default")
    for _ in range(2):  # a failure is not kept
        with pytest.raises(CovarianceError, match="45y"):
            load_covariance(spec, "case.yaml", ("2y", "45y"))
