"""CDS spread DV01 and spread P&L, checked by hand."""

from __future__ import annotations

import numpy as np
from hedge_planner.models.credit import cds_spread_dv01, cds_spread_pnl


def test_spread_dv01_by_hand() -> None:
    # 10m of protection sold with 4.5 years of spread duration: 10e6 * 4.5 * 1e-4 = 4,500 / bp.
    assert np.isclose(cds_spread_dv01(10e6, 4.5), 4_500.0, rtol=1e-12)


def test_sold_protection_loses_when_spreads_widen() -> None:
    pnl = cds_spread_pnl(10e6, 4.5, [25.0, 0.0, -10.0])
    np.testing.assert_allclose(pnl, [-112_500.0, 0.0, 45_000.0], rtol=1e-12)
    # Bought protection (negative notional) is the mirror image.
    np.testing.assert_allclose(cds_spread_pnl(-10e6, 4.5, [25.0]), [112_500.0], rtol=1e-12)
