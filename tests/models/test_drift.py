"""Drift walk at the model level: hand-computed cases and exactness of the waterfall."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook
from hedge_planner.models.dates import to_days
from hedge_planner.models.drift import (
    DriftState,
    cash_received,
    roll_quotes,
    sequential_waterfall,
    state_metrics,
)
from hedge_planner.models.krd import ParQuotes
from hedge_planner.models.units import BP

TENORS = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
YEARS = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30], dtype=float)
D0 = int(to_days("2024-01-02"))


def _quotes(anchor: int, level: float = 0.04) -> ParQuotes:
    tenors = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
    return ParQuotes(anchor, tenors, np.full(len(tenors), level))


def _zero(ids: list[str], face: list[float], maturity_days: list[int]) -> BondBook:
    n = len(ids)
    return BondBook.from_arrays(ids, face, [0.0] * n, maturity_days, frequency=0)


def _metrics(state: DriftState) -> dict[str, float]:
    return state_metrics(state, TENORS, YEARS)


def test_zero_coupon_aged_one_year_loses_exactly_one_year_of_duration() -> None:
    # Effective duration of a zero under a +/- h continuous zero shift is sinh(h T) / h,
    # whatever the curve: 10 y -> 9 y gives -1 year up to O(h^2) (here < 1e-6).
    book = _zero(["Z"], [1e6], [D0 + 3650])
    q0 = _quotes(D0)
    before = DriftState("before", book, np.zeros(1), q0)
    after = DriftState("time", book, np.zeros(1), roll_quotes(q0, D0 + 365))
    m0, m1 = _metrics(before), _metrics(after)
    h = BP
    assert m0["effective_duration"] == pytest.approx(math.sinh(10 * h) / h, abs=1e-12)
    assert m1["effective_duration"] == pytest.approx(math.sinh(9 * h) / h, abs=1e-12)
    assert m1["effective_duration"] - m0["effective_duration"] == pytest.approx(-1.0, abs=1e-6)
    # No flow in the window: nothing received.
    assert cash_received(book, D0, D0 + 365)[0] == 0.0


def test_roll_keeps_par_quotes_by_tenor() -> None:
    q0 = _quotes(D0, 0.035)
    q1 = roll_quotes(q0, D0 + 30)
    assert q1.anchor == D0 + 30
    np.testing.assert_array_equal(q1.rates, q0.rates)
    # Same quotes, new anchor: the same zero rate at the same time to maturity.
    assert q1.build().zero_rate(5.0) == pytest.approx(q0.build().zero_rate(5.0), abs=1e-14)


def test_pure_trade_is_the_market_value_weighted_change() -> None:
    # Two zeros on one curve: buying the second moves duration to the MV-weighted average.
    q = _quotes(D0)
    curve = q.build()
    t1, t2 = 1826 / 365.0, 7305 / 365.0
    hold = _zero(["A"], [4e6], [D0 + 1826])
    both = _zero(["A", "B"], [4e6, 1e6], [D0 + 1826, D0 + 7305])
    s0 = DriftState("before", hold, np.zeros(1), q)
    s1 = DriftState("trades", both, np.zeros(2), q)
    walk = sequential_waterfall([("before", "", _metrics(s0)), ("trades", "", _metrics(s1))])
    mv1 = 4e6 * float(curve.discount(t1))
    mv2 = 1e6 * float(curve.discount(t2))
    d1, d2 = math.sinh(BP * t1) / BP, math.sinh(BP * t2) / BP
    expected = (mv1 * d1 + mv2 * d2) / (mv1 + mv2) - d1
    assert walk.part("trades").change["effective_duration"] == pytest.approx(expected, abs=1e-10)
    assert walk.part("trades").change["dv01"] == pytest.approx(mv2 * d2 * BP, rel=1e-12)


def test_cash_received_dilutes_then_leaves() -> None:
    # A 2-year 5% semiannual bond pays a coupon of 2.5 per 100 in the first 6 months.
    book = BondBook.from_arrays(["C"], [1e6], [0.05], [D0 + 730], frequency=2)
    got = cash_received(book, D0, D0 + 200)
    assert got[0] == pytest.approx(25_000.0, abs=1e-9)
    q = roll_quotes(_quotes(D0), D0 + 200)
    held = DriftState("time", book, np.zeros(1), q, cash=float(got.sum()))
    gone = DriftState("cash_flows", book, np.zeros(1), q)
    mh, mg = _metrics(held), _metrics(gone)
    mv_bond = mg["market_value"]
    # Cash at zero duration: D_with_cash = D_bond * MV_bond / (MV_bond + cash), by hand.
    assert mh["market_value"] == pytest.approx(mv_bond + 25_000.0, rel=1e-14)
    assert mh["effective_duration"] == pytest.approx(
        mg["effective_duration"] * mv_bond / (mv_bond + 25_000.0), rel=1e-13
    )
    assert mh["dv01"] == pytest.approx(mg["dv01"], rel=1e-13)


def test_parts_sum_to_total_with_the_market_cross_term() -> None:
    rng = np.random.default_rng(7)
    book = _zero(["A", "B", "C"], [1e6, 2e6, 3e6], [D0 + 700, D0 + 2500, D0 + 9000])
    z = rng.uniform(0.0, 0.01, 3)
    q0, q1 = _quotes(D0, 0.04), _quotes(D0 + 31, 0.0425)
    states = [
        DriftState("before", book, z, q0),
        DriftState("time", book, z, roll_quotes(q0, D0 + 31)),
        DriftState("market", book, z + 0.001, q1),
        DriftState("trades", book.subset([0, 2]), (z + 0.001)[[0, 2]], q1),
    ]
    alone = DriftState("alone", book, z + 0.001, roll_quotes(q1, D0))
    walk = sequential_waterfall([(s.label, "", _metrics(s)) for s in states], _metrics(alone))
    assert [p.name for p in walk.parts] == ["time", "market", "market_cross", "trades"]
    assert walk.sum_error() < 1e-10
    for key, total in walk.total.items():
        assert math.fsum(p.change[key] for p in walk.parts) == pytest.approx(total, abs=1e-10)
    # The standalone market part is the old book revalued on the new curve at the old date.
    expected = _metrics(alone)["effective_duration"] - walk.before["effective_duration"]
    assert walk.part("market").change["effective_duration"] == pytest.approx(expected, abs=0)
    # Zero KRDs sum (to O(h^2), sinh of the tent parts) to the duration in every state.
    for s in states:
        m = _metrics(s)
        zsum = sum(m[f"krd_zero.{t}"] for t in TENORS)
        assert zsum == pytest.approx(m["effective_duration"], rel=1e-6)
