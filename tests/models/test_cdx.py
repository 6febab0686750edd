"""CDX index pricer: a loop-by-hand flat-hazard CDS, the credit triangle, zero rate risk, carry."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from hedge_planner.models.bootstrap import bootstrap_sofr_ois
from hedge_planner.models.cdx import CdxIndex
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors

OIS_TENORS = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y"]
OIS = np.array([5.35, 5.33, 5.16, 4.78, 4.10, 3.81, 3.55, 3.50, 3.49]) / 100


@pytest.fixture(scope="module")
def sofr() -> YieldCurve:
    return bootstrap_sofr_ois("2023-12-29", OIS_TENORS, OIS)


def hand_value(curve: YieldCurve, spread: float, coupon: float, recovery: float) -> float:
    """Protection seller's value, quarterly dates 2024-03-29 ... 2028-12-29, one loop."""
    start = dt.date(2023, 12, 29)
    dates = [start]
    for n in range(1, 21):
        m = 12 + 3 * n
        dates.append(dt.date(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 29))
    lam = spread / (1 - recovery)
    value = 0.0
    for d0, d1 in itertools.pairwise(dates):
        t0, t1 = (d0 - start).days / 365, (d1 - start).days / 365
        df = float(curve.discount(np.array([t1]))[0])
        value += coupon * (d1 - d0).days / 360 * df * np.exp(-lam * t1)
        value -= (1 - recovery) * df * (np.exp(-lam * t0) - np.exp(-lam * t1))
    return value


@pytest.mark.parametrize(("series", "spread"), [("IG", 0.0057), ("HY", 0.0356)])
def test_value_matches_hand_loop(sofr, series, spread) -> None:
    cdx = CdxIndex(f"CDX {series}", series, spread, sofr)
    coupon, recovery = (0.01, 0.4) if series == "IG" else (0.05, 0.3)
    assert cdx.base_value() == pytest.approx(hand_value(sofr, spread, coupon, recovery), abs=1e-13)
    # Credit triangle: at a spread equal to the coupon the index trades close to par.
    at_par = CdxIndex("x", series, coupon, sofr)
    # (ACT/360 premiums against an ACT/365F hazard leave ~365/360 - 1 = 1.4 % of the premium leg.)
    assert abs(at_par.base_value()) < 2e-2 * at_par.rpv01() * coupon


def test_spread_dv01_is_the_risky_annuity_per_bp(sofr) -> None:
    cdx = CdxIndex("CDX IG", "IG", 0.0057, sofr, half_spread_bp=0.25, margin_rate=0.01)
    risk = cdx.risk(horizon_days=90)
    sdv01 = risk.details["spread_dv01"]
    assert sdv01 > 0  # protection sold gains when spreads tighten
    assert sdv01 == pytest.approx(cdx.rpv01() * 1e-4, rel=2e-2)  # differs by the annuity's own
    assert 4.0 < cdx.rpv01() < 5.0  # 5y at ~4% rates: ~4.4 years
    assert cdx.factor_loadings() == {"spread:corporate": pytest.approx(sdv01)}
    assert risk.half_spread == pytest.approx(0.25 * sdv01)
    assert risk.carry == pytest.approx(0.01 * 90 / 360)
    assert risk.margin == 0.01


def test_no_rate_duration(sofr) -> None:
    cdx = CdxIndex("CDX HY", "HY", 0.0356, sofr, beta=2.5, sector="high_yield")
    risk = cdx.risk()
    assert risk.dv01 == 0.0 and risk.dollar_convexity == 0.0
    assert not np.any(risk.krd_dv01)
    _, keys = check_key_tenors(DEFAULT_KEY_TENORS)
    values = cdx.scenario_values(keys, np.full((3, keys.size), 0.01))
    np.testing.assert_array_equal(values, cdx.base_value())
    assert cdx.factor_loadings() == {"spread:high_yield": pytest.approx(2.5 * cdx.spread_dv01())}
