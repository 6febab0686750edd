"""Multi-factor tracking error: hand computations of the quadratic form and its Euler split."""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models.covariance_data import load_default_covariance
from hedge_planner.models.risk_model import (
    RiskModel,
    RiskModelError,
    active_exposures,
    build_risk_model,
    load_default_spread_table,
)

TENORS = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")


@pytest.fixture(scope="module")
def model() -> RiskModel:
    cov = load_default_covariance().subset(TENORS)
    return build_risk_model(
        TENORS,
        np.asarray(cov),
        "US Treasury par yields 2014-2023",
        ["government", "corporate", "securitized", "municipal", "agency"],
        load_default_spread_table(),
        swap_spread_vol_bp=20.0,
        swap_spread_tenor_vol_bp=8.0,
    )


def test_pure_sector_spread_gap_is_vol_times_spread_dv01_gap(model) -> None:
    mv = 1.0e9
    # Book spread duration 8.25 on 34% corporate vs benchmark 6.05 on 25%, spread DV01 gap:
    gap = (0.34 * 8.25 - 0.25 * 6.05) * mv * 1e-4
    te = model.tracking_error({"spread:corporate": gap}, mv)
    assert te.total_currency == pytest.approx(77.9 * gap, rel=1e-12)
    assert te.total_bp == pytest.approx(77.9 * gap / mv * 1e4, rel=1e-12)
    assert te.by_group["spread:corporate"] == pytest.approx(te.total_bp, rel=1e-12)
    assert te.by_group["rates"] == 0.0


def test_pure_key_rate_gap_is_its_vol(model) -> None:
    mv = 5.0e8
    cov = np.asarray(load_default_covariance().subset(TENORS))
    x = 0.3 * mv * 1e-4  # 0.3 years of 10y KRD gap
    te = model.tracking_error({"rate:10y": x}, mv)
    assert te.total_bp == pytest.approx(np.sqrt(cov[6, 6]) * 0.3, rel=1e-12)


def test_cross_term_and_euler_contributions_by_hand(model) -> None:
    mv = 1.0e9
    table = load_default_spread_table()
    cov = np.asarray(load_default_covariance().subset(TENORS))
    krd = np.array([0.0, 0.0, 1.0, 0.0, -2.0, 0.0, 3.0, 0.0, 0.5]) * 1e4
    spread = {"corporate": 2.0e5, "securitized": -1.0e5}
    swaps = np.array([0.0, 0.0, 0.0, 0.0, 5.0e3, 0.0, -2.0e3, 0.0, 0.0])
    exposures = active_exposures(TENORS, krd, spread, swaps)
    te = model.tracking_error(exposures, mv)
    # By hand: rates block, sector block, rate-spread cross terms, independent swap spreads.
    c, s = table.lookup("corporate"), table.lookup("securitized")
    var = krd @ cov @ krd
    var += (2e5 * c.vol_bp) ** 2 + (1e5 * s.vol_bp) ** 2
    var += 2 * 2e5 * (-1e5) * table.correlation("corporate", "securitized") * c.vol_bp * s.vol_bp
    # Cross terms through the rate level L (top eigenvector of the rate block).
    _, vecs = np.linalg.eigh(cov)
    v = vecs[:, -1] * np.sign(vecs[:, -1].sum())
    loading = cov @ v / np.sqrt(v @ cov @ v)
    var += 2 * (krd @ loading) * (2e5 * c.rate_correlation * c.vol_bp)
    var += 2 * (krd @ loading) * (-1e5 * s.rate_correlation * s.vol_bp)
    var += (swaps.sum() * 20.0) ** 2 + ((swaps * 8.0) ** 2).sum()
    assert te.total_currency == pytest.approx(np.sqrt(var), rel=1e-12)
    assert sum(te.by_group.values()) == pytest.approx(te.total_bp, rel=1e-12)
    assert sum(te.by_factor.values()) == pytest.approx(te.total_bp, rel=1e-12)
    assert set(te.by_group) == {
        "rates",
        "swap_spread",
        "spread:government",
        "spread:corporate",
        "spread:securitized",
        "spread:municipal",
        "spread:agency",
    }


def test_table_sources_aliases_and_defaults() -> None:
    table = load_default_spread_table()
    assert table.lookup("Corporate_IG").sector == "corporate"
    assert not table.lookup("corporate").assumed
    assert table.lookup("mbs").sector == "securitized"
    other = table.lookup("emerging_markets")
    assert other.assumed and other.vol_bp == table.lookup("corporate").vol_bp
    assert table.correlation("corporate", "high_yield") == 0.86
    assert table.correlation("government", "corporate") == 0.0
    assert "1997" in table.window


def test_indefinite_covariance_is_refused() -> None:
    with pytest.raises(RiskModelError, match="positive semidefinite"):
        RiskModel(
            tuple(
                __import__("hedge_planner.models.risk_model", fromlist=["Factor"]).Factor(
                    n, "rates", 1.0, "x"
                )
                for n in ("a", "b")
            ),
            np.array([[1.0, 2.0], [2.0, 1.0]]),
        )
    with pytest.raises(RiskModelError, match="unknown factors"):
        build_risk_model(
            ("2y",), np.array([[100.0]]), "x", [], load_default_spread_table()
        ).tracking_error({"rate:5y": 1.0}, 1.0)


def test_level_loading_reproduces_the_stated_correlation_with_the_level(model) -> None:
    """corr(spread, L) = rho exactly, and corr(spread, 10y) close to it (the 10y is mostly L)."""
    cov = model.covariance
    names = model.names
    i10, ic = names.index("rate:10y"), names.index("spread:corporate")
    rho = load_default_spread_table().lookup("corporate").rate_correlation
    corr_10y = cov[i10, ic] / np.sqrt(cov[i10, i10] * cov[ic, ic])
    assert rho < 0 and abs(corr_10y - rho) < 0.05 * abs(rho) + 0.02
