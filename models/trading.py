"""Costs of executing and holding a hedge trade over a horizon.

Units: currency for every cost; quantities in the instrument's unit (contracts for futures,
currency notional for swaps and swaptions); rates decimal; the horizon in calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass

from hedge_planner.models.units import DAYS_PER_YEAR


@dataclass(frozen=True)
class TradeCost:
    """Cost of moving a position and holding it to the horizon, currency.

    Attributes
    ----------
    carry
        Carry cost = minus the carry income of the position held after the trade.
    slippage
        Half the bid-ask times the size traded.
    margin
        Initial margin of the position held, financed at the funding rate to the horizon
        (margin is cash that earns nothing).
    initial_margin
        The initial margin posted, currency (not a cost itself).
    """

    carry: float
    slippage: float
    margin: float
    initial_margin: float

    @property
    def total(self) -> float:
        """Carry cost + slippage + margin funding, currency."""
        return self.carry + self.slippage + self.margin


def margin_funding_factor(funding_rate: float, horizon_days: int) -> float:
    """Simple-interest factor of funding over the horizon: ``rate * days / 365``."""
    return funding_rate * horizon_days / DAYS_PER_YEAR


def trade_cost(
    *,
    position: float,
    trade: float,
    carry_per_unit: float,
    half_spread_per_unit: float,
    margin_per_unit: float,
    funding_rate: float,
    horizon_days: int,
) -> TradeCost:
    """Cost of a trade that leaves ``position`` units held over ``horizon_days``.

    Parameters
    ----------
    position
        Units held after the trade (signed).
    trade
        Units traded (signed): ``position - current position``.
    carry_per_unit
        Carry income per unit held over the horizon, currency (positive earns).
    half_spread_per_unit
        Half the bid-ask per unit traded, currency.
    margin_per_unit
        Initial margin per unit held, currency.
    funding_rate
        Simple funding rate to the horizon, decimal.
    horizon_days
        Calendar days held.
    """
    initial_margin = margin_per_unit * abs(position)
    return TradeCost(
        carry=-carry_per_unit * position,
        slippage=half_spread_per_unit * abs(trade),
        margin=initial_margin * margin_funding_factor(funding_rate, horizon_days),
        initial_margin=initial_margin,
    )


@dataclass(frozen=True)
class CashCost:
    """Cash a trade costs over the horizon, currency, kept apart from any risk penalty.

    Sign convention: every field is a cost (positive = cash paid) except ``carry``, which is
    positive when earned; ``total = bid_ask + tickets + margin_funding + roll - carry``.

    Attributes
    ----------
    bid_ask
        Half the bid-ask times the size traded.
    tickets
        Fixed ticket (execution) cost of the leg, paid once when the leg trades.
    margin_funding
        Funding over the horizon of the extra initial margin the trade needs (negative when
        the trade frees margin). The margin amount itself is not a cost.
    carry
        Carry income of the units traded over the horizon (positive = earned).
    roll
        Cost of rolling the traded futures into the next contract before the horizon: the
        half bid-ask of the calendar spread plus, when the case gives a market calendar
        spread, its richness against the next contract's fair price.
    """

    bid_ask: float = 0.0
    tickets: float = 0.0
    margin_funding: float = 0.0
    carry: float = 0.0
    roll: float = 0.0

    @property
    def total(self) -> float:
        """Net cash cost over the horizon, currency (positive = cash paid)."""
        return self.bid_ask + self.tickets + self.margin_funding + self.roll - self.carry

    def __add__(self, other: CashCost) -> CashCost:
        return CashCost(
            bid_ask=self.bid_ask + other.bid_ask,
            tickets=self.tickets + other.tickets,
            margin_funding=self.margin_funding + other.margin_funding,
            carry=self.carry + other.carry,
            roll=self.roll + other.roll,
        )

    def as_dict(self) -> dict[str, float]:
        """``bid_ask``, ``tickets``, ``margin_funding``, ``carry``, ``roll`` and ``total``."""
        return {
            "bid_ask": self.bid_ask,
            "tickets": self.tickets,
            "margin_funding": self.margin_funding,
            "carry": self.carry,
            "roll": self.roll,
            "total": self.total,
        }


def trade_cash_cost(
    *,
    current: float,
    position: float,
    carry_per_unit: float,
    half_spread_per_unit: float,
    margin_per_unit: float,
    funding_rate: float,
    horizon_days: int,
    ticket_cost: float = 0.0,
    roll_per_unit: float = 0.0,
    roll_value_per_unit: float = 0.0,
    min_units: float = 0.0,
) -> CashCost:
    """Cash cost over the horizon of moving from ``current`` to ``position`` units.

    Parameters
    ----------
    current, position
        Units held before and after the trade (signed).
    carry_per_unit
        Carry income per unit held over the horizon, currency (positive earns).
    half_spread_per_unit
        Half the bid-ask per unit traded, currency.
    margin_per_unit
        Initial margin per unit held, currency.
    funding_rate
        Simple funding rate to the horizon, decimal.
    horizon_days
        Calendar days held.
    ticket_cost
        Fixed cost of trading the leg at all, currency.
    roll_per_unit
        Roll cost per unit traded that has to be rolled before the horizon, currency (0 when
        the contract does not roll before the horizon).
    roll_value_per_unit
        Value of rolling one long unit at the market calendar spread against its fair spread,
        currency (positive = the roll gains for a long; a short loses it).
    min_units
        A trade smaller than this (in absolute units) is no trade: no ticket is charged.
    """
    trade = position - current
    traded = abs(trade) >= min_units and trade != 0.0
    extra_margin = margin_per_unit * (abs(position) - abs(current))
    return CashCost(
        bid_ask=half_spread_per_unit * abs(trade),
        tickets=float(ticket_cost) if traded else 0.0,
        margin_funding=extra_margin * margin_funding_factor(funding_rate, horizon_days),
        carry=carry_per_unit * trade,
        roll=roll_per_unit * abs(trade) - roll_value_per_unit * trade,
    )
