"""MATLAB Financial Toolbox example "Sensitivity of Bond Prices to Interest Rates".

Source: MathWorks documentation, Financial Toolbox, "Sensitivity of Bond Prices to Interest
Rates" (mathworks.com/help/finance/sensitivity-of-bond-prices-to-interest-rates.html), and the
example script it is built from, FTSPEX1.M ("Sensitivity of Bond Prices to Changes in Interest
Rates", shipped with the toolbox). Inputs: settlement 19-Aug-1999; three semiannual ACT/ACT bonds
maturing 17-Jun-2010, 09-Jun-2015, 14-May-2025 with faces 100, 100, 1000, coupons 7%, 6%, 4.5%
and yields 5%, 6%, 6.5%; an equally weighted 100,000 portfolio; a 20 bp (``dY = 0.002``)
parallel yield rise.

Published figures found: the portfolio modified duration **10.3181** and convexity
**157.6346** (printed in MathWorks' companion script FTSPEX2.M as "portfolio duration/convexity
from Example 1", and used as the targets of the MATLAB hedging example). The example's printed
approximations and repriced value were not found in the stored copies of the page; they are
derived here from the published duration and convexity with the example's own formulas::

    percentApprox1 = -D dY 100                  -> -2.0636 (%)
    percentApprox2 = percentApprox1 + C dY^2 100 / 2 -> -2.0321 (%)
    priceApprox1/2 = 100000 (1 + percentApprox/100) -> 97,936.38 / 97,967.91

and the true repriced value (step 6, not found printed) is checked against QuantLib's yield
repricing of the same bonds instead.
The example works with yield shifts, so it uses the package's yield analytics
(:func:`models.bonds.analyze_book` / :func:`models.bonds.yield_risk`), not curve shifts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.dates import to_days
from hedge_planner.models.yield_risk import analyze_book, yield_risk
from hedge_planner.scenarios.approximation import (
    duration_approximation,
    duration_convexity_approximation,
)

SETTLE = dt.date(1999, 8, 19)
MATURITY = [dt.date(2010, 6, 17), dt.date(2015, 6, 9), dt.date(2025, 5, 14)]
FACE = np.array([100.0, 100.0, 1000.0])
COUPON = np.array([0.07, 0.06, 0.045])
YIELDS = np.array([0.05, 0.06, 0.065])
DY = 0.002
PORTFOLIO_VALUE = 100_000.0

#: Published (MathWorks): portfolio modified duration and convexity of Example 1.
PUBLISHED_DURATION = 10.3181
PUBLISHED_CONVEXITY = 157.6346


def _book() -> BondBook:
    return BondBook.from_arrays(["B2010", "B2015", "B2025"], FACE, COUPON, to_days(MATURITY))


def _example() -> dict[str, float | np.ndarray]:
    """The example's steps 2-6 with the package's yield analytics."""
    settle = int(to_days(SETTLE))
    book = _book()
    holdings, _ = analyze_book(book, settle, yields=YIELDS)
    # MATLAB's prices are per bond of the given face (dirty = clean + accrued).
    prices = holdings["dirty_price"].to_numpy() * FACE / 100.0
    weights = np.full(3, 1.0 / 3.0)
    amounts = PORTFOLIO_VALUE * weights / prices  # number of bonds held
    duration = float(weights @ holdings["modified_duration"].to_numpy())
    convexity = float(weights @ holdings["convexity"].to_numpy())
    shifted = yield_risk(build_schedule(book, settle), YIELDS + DY)
    new_value = float(amounts @ (shifted.dirty_price * FACE / 100.0))
    return {
        "prices": prices,
        "amounts": amounts,
        "duration": duration,
        "convexity": convexity,
        "approx1": float(duration_approximation(PORTFOLIO_VALUE, duration, DY)),
        "approx2": float(
            duration_convexity_approximation(PORTFOLIO_VALUE, duration, convexity, DY)
        ),
        "new_value": new_value,
    }


def test_portfolio_duration_and_convexity_match_the_published_figures() -> None:
    ex = _example()
    assert round(ex["duration"], 4) == PUBLISHED_DURATION
    assert round(ex["convexity"], 4) == PUBLISHED_CONVEXITY
    # Equal weights: each holding is worth a third of the portfolio.
    np.testing.assert_allclose(ex["amounts"] * ex["prices"], PORTFOLIO_VALUE / 3, rtol=1e-14)


def test_first_and_second_order_estimates_follow_from_the_published_sensitivities() -> None:
    ex = _example()
    percent1 = -PUBLISHED_DURATION * DY * 100
    percent2 = percent1 + PUBLISHED_CONVEXITY * DY**2 * 100 / 2
    assert round(percent1, 4) == -2.0636
    assert round(percent2, 4) == -2.0321
    approx1 = PORTFOLIO_VALUE + ex["approx1"]
    approx2 = PORTFOLIO_VALUE + ex["approx2"]
    # The published D and C carry 4 decimals: +/- 5e-5 x 0.002 x 100,000 = +/- 0.01.
    assert approx1 == pytest.approx(PORTFOLIO_VALUE * (1 + percent1 / 100), abs=0.011)
    assert approx2 == pytest.approx(PORTFOLIO_VALUE * (1 + percent2 / 100), abs=0.011)


def test_true_repriced_value_matches_quantlib_and_convexity_closes_the_gap() -> None:
    ql = pytest.importorskip("QuantLib")
    from tests.ql_reference import ql_date, ql_fixed_bond

    ex = _example()
    qd = ql_date(SETTLE)
    dc = ql.ActualActual(ql.ActualActual.ISMA)
    ql_value = 0.0
    for i in range(3):
        bond = ql_fixed_bond(SETTLE, MATURITY[i], float(COUPON[i]), 2, 0)
        y = float(YIELDS[i] + DY)
        clean = ql.BondFunctions.cleanPrice(bond, y, dc, ql.Compounded, ql.Semiannual, qd)
        dirty = clean + ql.BondFunctions.accruedAmount(bond, qd)
        ql_value += ex["amounts"][i] * dirty * FACE[i] / 100.0
    assert ex["new_value"] == pytest.approx(ql_value, rel=1e-12)
    # The example's conclusion: duration alone misses by ~31, duration + convexity by < 0.5.
    miss1 = abs(PORTFOLIO_VALUE + ex["approx1"] - ex["new_value"])
    miss2 = abs(PORTFOLIO_VALUE + ex["approx2"] - ex["new_value"])
    assert 30.0 < miss1 < 32.0
    assert miss2 < 0.5
