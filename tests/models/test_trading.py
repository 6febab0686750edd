"""Trade costs over a horizon, checked by hand."""

from __future__ import annotations

import math

from hedge_planner.models.trading import (
    CashCost,
    margin_funding_factor,
    trade_cash_cost,
    trade_cost,
)


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


def test_cash_cost_by_hand() -> None:
    # Hold 100 contracts, go to -300: trade -400. Half bid-ask 7.8125 x 400 = 3,125; ticket 25;
    # margin 1,400 per contract: extra margin 1,400 x (300 - 100) = 280,000 financed at 5% for
    # 73 days = 2,800; carry -50 per long contract: the 400 sold earn 20,000; roll 3.90625 x 400
    # = 1,562.5. Total = 3,125 + 25 + 2,800 + 1,562.5 - 20,000.
    cash = trade_cash_cost(
        current=100.0,
        position=-300.0,
        carry_per_unit=-50.0,
        half_spread_per_unit=7.8125,
        margin_per_unit=1_400.0,
        funding_rate=0.05,
        horizon_days=73,
        ticket_cost=25.0,
        roll_per_unit=3.90625,
        min_units=0.5,
    )
    assert cash.bid_ask == 3_125.0
    assert cash.tickets == 25.0
    assert math.isclose(cash.margin_funding, 2_800.0, rel_tol=1e-12)
    assert cash.carry == 20_000.0
    assert cash.roll == 1_562.5
    assert math.isclose(cash.total, 3_125.0 + 25.0 + 2_800.0 + 1_562.5 - 20_000.0, rel_tol=1e-12)
    assert cash.as_dict()["total"] == cash.total


def test_cash_cost_no_trade_no_ticket_and_freed_margin_is_a_saving() -> None:
    same = trade_cash_cost(
        current=10.0,
        position=10.0,
        carry_per_unit=5.0,
        half_spread_per_unit=1.0,
        margin_per_unit=100.0,
        funding_rate=0.05,
        horizon_days=365,
        ticket_cost=50.0,
    )
    assert same.total == 0.0 and same.tickets == 0.0
    smaller = trade_cash_cost(
        current=10.0,
        position=4.0,
        carry_per_unit=0.0,
        half_spread_per_unit=0.0,
        margin_per_unit=100.0,
        funding_rate=0.05,
        horizon_days=365,
    )
    # 600 of margin freed for a year at 5%: 30 saved.
    assert math.isclose(smaller.margin_funding, -30.0, rel_tol=1e-12)
    a = CashCost(bid_ask=1.0, tickets=2.0, margin_funding=3.0, carry=4.0, roll=5.0)
    assert (a + a).total == 2 * a.total == 2 * (1 + 2 + 3 + 5 - 4)


def test_roll_value_gains_for_a_long_and_costs_a_short() -> None:
    # Rolling at a calendar spread 0.25 rich per long contract (250 on 100,000 face): a buyer
    # of 10 gains 2,500 on the roll, a seller of 10 pays it; the half bid-ask 5 per contract.
    kw: dict[str, float] = {
        "current": 0.0,
        "carry_per_unit": 0.0,
        "half_spread_per_unit": 0.0,
        "margin_per_unit": 0.0,
        "funding_rate": 0.0,
        "horizon_days": 90,
        "roll_per_unit": 5.0,
        "roll_value_per_unit": 250.0,
    }
    assert trade_cash_cost(position=10.0, **kw).roll == 50.0 - 2_500.0
    assert trade_cash_cost(position=-10.0, **kw).roll == 50.0 + 2_500.0
