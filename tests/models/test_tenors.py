"""One tenor grammar: curves, key tenors, scenarios and covariance accept the same spellings.

The home is :func:`hedge_planner.models.bootstrap.parse_tenor` (with :func:`key_tenor`,
:func:`tenor_years` and :func:`tenor_label`); the tests here pin its conversions and check
that every consumer resolves the same spellings to the same canonical tenor.
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models.bootstrap import key_tenor, tenor_label, tenor_years
from hedge_planner.models.covariance import CovarianceError, KeyRateCovariance
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.risk import check_key_tenors
from hedge_planner.scenarios.definitions import (
    ScenarioError,
    interpolate_shifts,
    resolve_key_tenors,
)

#: Spellings of the same tenor, with the canonical label and years (hand values).
SPELLINGS = [
    ("10y", "10y", 10.0),
    ("10Y", "10y", 10.0),
    ("10 Yr", "10y", 10.0),
    ("6m", "6m", 0.5),
    ("6 Mo", "6m", 0.5),
]


def test_tenor_label_conversions() -> None:
    # moved from tests/models/test_covariance.py: the covariance module has no grammar of its own
    assert tenor_years("1m") == pytest.approx(1 / 12)
    assert tenor_years("6m") == 0.5
    assert tenor_years("10Y") == 10.0
    assert tenor_label(0.5) == "6m"
    assert tenor_label(7) == "7y"
    # "10 Yr" was rejected by the covariance copy of the grammar; one grammar now accepts it
    assert tenor_years("10 Yr") == 10.0
    with pytest.raises(AnalyticsError, match="ten years"):
        tenor_years("ten years")
    with pytest.raises(AnalyticsError, match="whole number of months"):
        tenor_label(0.3)
    with pytest.raises(AnalyticsError, match="whole number of months"):
        tenor_label(float("nan"))


@pytest.mark.parametrize(("spelling", "label", "years"), SPELLINGS)
def test_same_spellings_accepted_everywhere(spelling: str, label: str, years: float) -> None:
    # curves (bootstrap grammar)
    assert tenor_years(spelling) == years
    assert key_tenor(spelling) == (label, years)
    # key tenors of the risk engine
    others = [t for t in ("2y", "5y", "10y", "30y") if t != label]
    keys = sorted([spelling, *others], key=lambda t: key_tenor(t)[1])
    norm, key_years = check_key_tenors(keys)
    assert label in norm
    assert key_years[norm.index(label)] == years
    # scenarios
    assert resolve_key_tenors([spelling])[0] == (label,)
    assert resolve_key_tenors([spelling])[1].tolist() == [years]
    shifts = interpolate_shifts({spelling: 7.0, "30y": 7.0}, np.array([years]))
    assert shifts.tolist() == [7.0]
    # covariance
    cov = KeyRateCovariance(tenors=(spelling,), matrix=np.array([[4.0]]))
    assert cov.tenors == (label,)
    assert cov.tenor_years.tolist() == [years]


@pytest.mark.parametrize("bad", ["ten", "0y", "1w", "3d", "10 Yrs years", ""])
def test_same_spellings_rejected_everywhere(bad: str) -> None:
    with pytest.raises(AnalyticsError, match="unknown tenor label"):
        key_tenor(bad)
    with pytest.raises(AnalyticsError, match="unknown tenor label"):
        check_key_tenors(["2y", "5y", "10y", "30y", bad])
    with pytest.raises(ScenarioError, match="unknown tenor label"):
        resolve_key_tenors([bad])
    with pytest.raises(CovarianceError, match="unknown tenor label"):
        KeyRateCovariance(tenors=(bad,), matrix=np.array([[4.0]]))
