"""Nelson-Siegel-Svensson fit: recovery of known parameters and prices, rich/cheap residuals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.bond_curve import CurveBond, bond_schedule, model_dirty_prices
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.nss import fit_nss, nss_discount, nss_zero

SETTLE = dt.date(2024, 3, 15)
TRUE = np.array([0.045, -0.010, 0.020, -0.015, 1.7, 9.0])


def _synthetic(params: np.ndarray, n: int = 14) -> list[CurveBond]:
    """Semiannual bonds priced exactly off an NSS curve with ``params`` (hand-written formula)."""
    mats = [dt.date(2024 + k // 2, 5 if k % 2 else 11, 15) for k in range(1, 3 * n, 3)]
    coupons = [0.01 + 0.003 * (i % 10) for i in range(len(mats))]
    draft = [
        CurveBond(f"B{i}", c, m, 100.0) for i, (c, m) in enumerate(zip(coupons, mats, strict=True))
    ]
    sched = bond_schedule(SETTLE, draft)
    t = (sched.pay_dates - int(to_days(SETTLE))) / 365.0
    b0, b1, b2, b3, l1, l2 = params
    x1, x2 = t / l1, t / l2
    z = (
        b0
        + b1 * (1 - np.exp(-x1)) / x1
        + b2 * ((1 - np.exp(-x1)) / x1 - np.exp(-x1))
        + b3 * ((1 - np.exp(-x2)) / x2 - np.exp(-x2))
    )
    clean = sched.per_bond(sched.amounts * np.exp(-z * t)) - sched.accrued
    return [
        CurveBond(b.id, b.coupon, b.maturity, float(p)) for b, p in zip(draft, clean, strict=True)
    ]


def test_zero_formula_matches_the_hand_formula_and_its_limit() -> None:
    t = np.array([0.0, 1e-12, 2.0])
    z = nss_zero(t, TRUE)
    b0, b1, b2, b3, l1, l2 = TRUE
    x1, x2 = 2.0 / l1, 2.0 / l2
    hand = (
        b0
        + b1 * (1 - np.exp(-x1)) / x1
        + b2 * ((1 - np.exp(-x1)) / x1 - np.exp(-x1))
        + b3 * ((1 - np.exp(-x2)) / x2 - np.exp(-x2))
    )
    assert z[2] == pytest.approx(hand, abs=1e-15)
    assert z[0] == pytest.approx(b0 + b1, abs=1e-15)  # t -> 0 limit: short rate b0 + b1
    assert z[1] == pytest.approx(b0 + b1, abs=1e-11)
    assert nss_discount(0.0, TRUE) == 1.0


@pytest.mark.parametrize("objective", ["price", "yield"])
def test_fit_recovers_synthetic_prices(objective: str) -> None:
    bonds = _synthetic(TRUE)
    fit = fit_nss(SETTLE, bonds, objective)  # type: ignore[arg-type]
    for r in fit.residuals:
        assert abs(r["model_price"] - r["price"]) < 1e-8, r
        assert abs(r["residual_bp"]) < 1e-6
    # The curve object the rest of the package uses prices the bonds exactly like the fit.
    sched = bond_schedule(SETTLE, bonds)
    clean = model_dirty_prices(fit.curve, sched) - sched.accrued
    np.testing.assert_allclose(clean, [b.price for b in bonds], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.params, TRUE, rtol=1e-5, atol=1e-7)


def test_a_cheap_bond_shows_a_positive_residual() -> None:
    bonds = _synthetic(TRUE, n=20)
    # Mark one bond half a point cheap: its yield is above the curve, residual > 0 bp.
    cheap = bonds[9]
    bonds[9] = CurveBond(cheap.id, cheap.coupon, cheap.maturity, cheap.price - 0.5)
    fit = fit_nss(SETTLE, bonds)
    res = {r["id"]: r["residual_bp"] for r in fit.residuals}
    assert res[cheap.id] > 3.0
    assert res[cheap.id] == max(res.values())


def test_too_few_bonds_are_refused() -> None:
    with pytest.raises(AnalyticsError, match="at least 6"):
        fit_nss(SETTLE, _synthetic(TRUE)[:5])
