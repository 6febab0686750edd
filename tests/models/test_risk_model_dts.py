"""Duration-times-spread credit factors: hand computations and the invariant with spread DV01.

A DTS factor's move is the relative spread change in percent; a book with DTS ``D`` (years x bp
per unit of value) loses ``MV x SD x (s / 100) x 1e-4 = MV x D x 1e-6`` per 1 % relative
widening, so its tracking error from that factor alone is ``sigma_rel x D x MV x 1e-6`` with
``sigma_rel`` in % per year, i.e. ``sigma_rel (decimal) x D x 1e-4 x MV`` in currency.
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models.covariance_data import load_default_covariance
from hedge_planner.models.risk_model import (
    DTS_EXPOSURE_SCALE,
    RelativeSpreadTable,
    RelativeSpreadVol,
    RiskModel,
    build_risk_model,
    load_default_relative_table,
    load_default_spread_table,
)

TENORS = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
SECTORS = ["government", "corporate", "securitized", "high_yield"]


def _model(relative: dict[str, RelativeSpreadVol] | None) -> RiskModel:
    cov = load_default_covariance().subset(TENORS)
    return build_risk_model(
        TENORS,
        np.asarray(cov),
        "US Treasury par yields 2014-2023",
        SECTORS,
        load_default_spread_table(),
        swap_spread_vol_bp=20.0,
        swap_spread_tenor_vol_bp=8.0,
        relative=relative,
    )


def test_dts_exposure_scale_is_the_loss_of_a_one_percent_relative_widening() -> None:
    # 2 years of spread duration on a 120 bp spread: +1 % relative = +1.2 bp.
    mv, sd, level = 1.0e8, 2.0, 120.0
    loss_by_hand = mv * sd * (level / 100.0) * 1e-4
    assert mv * (sd * level) * DTS_EXPOSURE_SCALE == pytest.approx(loss_by_hand, rel=1e-15)


def test_pure_sector_dts_gap_is_relative_vol_times_dts_gap_times_mv() -> None:
    rel = RelativeSpreadVol("corporate", 50.0, 150.0, "test", True)
    model = _model({"corporate": rel})
    mv = 1.0e9
    # Book: 34% corporate at 8.25 years and 130 bp; benchmark 25% at 6.05 years and 99 bp.
    dts_gap = 0.34 * 8.25 * 130.0 - 0.25 * 6.05 * 99.0  # years x bp per unit of value
    te = model.tracking_error({"spread:corporate": mv * dts_gap * 1e-6}, mv)
    by_hand = 0.50 * dts_gap * 1e-4 * mv  # relative vol (decimal) x DTS gap x bp x MV
    assert te.total_currency == pytest.approx(by_hand, rel=1e-12)
    assert te.total_bp == pytest.approx(0.50 * dts_gap, rel=1e-12)
    assert te.by_group["spread:corporate"] == pytest.approx(te.total_bp, rel=1e-12)
    corp = next(f for f in model.factors if f.name == "spread:corporate")
    assert corp.unit == "relative_pct" and corp.vol_bp is None and corp.vol == 50.0
    assert corp.as_dict()["vol_relative_pct"] == 50.0


def _mixed_exposures(model: RiskModel, spread: dict[str, float]) -> dict[str, float]:
    rates = {f"rate:{t}": 1.0e4 * (k - 4) for k, t in enumerate(TENORS)}
    return rates | {f"spread:{s}": v for s, v in spread.items()}


def test_dts_and_spread_dv01_agree_when_spreads_sit_at_the_reference_level() -> None:
    """Invariant: with relative vol x reference = absolute vol, a DTS gap measured at the
    reference level is the spread-DV01 gap, rate cross terms and sector correlations included."""
    table = load_default_spread_table()
    exact = {
        s: RelativeSpreadVol(s, table.lookup(s).vol_bp / 80.0 * 100.0, 80.0, "test", True)
        for s in ("corporate", "high_yield")
    }
    mv = 7.5e8
    sd_gap = {"government": -0.4, "corporate": 0.9, "securitized": 0.3, "high_yield": 0.25}
    dv01 = {s: g * mv * 1e-4 for s, g in sd_gap.items()}
    dts = dict(dv01)
    dts.update({s: mv * sd_gap[s] * 80.0 * 1e-6 for s in exact})
    base = _model(None)
    te_dv01 = base.tracking_error(_mixed_exposures(base, dv01), mv)
    model = _model(exact)
    te_dts = model.tracking_error(_mixed_exposures(model, dts), mv)
    assert te_dts.total_bp == pytest.approx(te_dv01.total_bp, rel=1e-12)
    for group, value in te_dv01.by_group.items():
        assert te_dts.by_group[group] == pytest.approx(value, rel=1e-10, abs=1e-12)


def test_shipped_relative_vols_match_the_absolute_table_at_their_reference_level() -> None:
    table = load_default_spread_table()
    relative = load_default_relative_table()
    assert set(relative.sectors) == {"corporate", "high_yield"}
    for name, row in relative.sectors.items():
        assert row.assumed and "assumed" in row.source
        absolute = table.lookup(name).vol_bp
        # Rounded to 0.01 %: agreement to 1e-4 relative.
        assert row.relative_vol_pct * row.reference_spread_bp / 100.0 == pytest.approx(
            absolute, rel=1e-4
        )
    # Aliases of the sector table reach the DTS entries; non-credit sectors have none.
    assert relative.lookup("IG", table) is relative.sectors["corporate"]
    assert relative.lookup("securitized", table) is None


def test_relative_table_refuses_non_positive_figures() -> None:
    doc = {
        "window": "w",
        "sectors": {
            "corporate": {
                "relative_vol_pct": 0.0,
                "reference_spread_bp": 100.0,
                "source": "s",
                "assumed": True,
            }
        },
    }
    with pytest.raises(ValueError, match="corporate"):
        RelativeSpreadTable.from_dict(doc)
