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
