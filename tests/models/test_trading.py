"""Trade costs over a horizon, checked by hand."""

from __future__ import annotations

import math

from hedge_planner.models.trading import margin_funding_factor, trade_cost


def test_trade_cost_by_hand() -> None:
    # Sell 100 more contracts to hold -300 where a long contract loses 50 of carry: the short
    # earns 15,000 (a cost of -15,000);
    # slippage 7.8125 per contract traded; margin 1,400 per contract held financed at 5% for
    # 73 days: 1,400 * 300 * 0.05 * 73 / 365 = 4,200.
    cost = trade_cost(
        position=-300.0,
        trade=-100.0,
        carry_per_unit=-50.0,
        half_spread_per_unit=7.8125,
        margin_per_unit=1_400.0,
        funding_rate=0.05,
        horizon_days=73,
    )
    assert cost.carry == -15_000.0
    assert cost.slippage == 781.25
    assert cost.initial_margin == 420_000.0
    assert math.isclose(cost.margin, 4_200.0, rel_tol=1e-12)
    assert math.isclose(cost.total, -15_000.0 + 781.25 + 4_200.0, rel_tol=1e-12)


def test_carry_income_is_a_negative_cost() -> None:
    cost = trade_cost(
        position=1e6,
        trade=1e6,
        carry_per_unit=0.002,
        half_spread_per_unit=0.0,
        margin_per_unit=0.0,
        funding_rate=0.05,
        horizon_days=90,
    )
    assert cost.carry == -2_000.0
    assert cost.total == -2_000.0


def test_margin_funding_factor_is_simple_act_365() -> None:
    assert math.isclose(margin_funding_factor(0.0365, 100), 0.01, rel_tol=1e-12)
