"""Case-file schema of the derivative hedges: options on futures, SOFR caps/floors, CDX.

Split from :mod:`case_hedge` (which imports these and re-exports them through :mod:`cases`)
to keep modules short. Each spec takes the tradable-leg fields of the other universe entries
(``lot``, ``min_trade``, ``ticket_cost``; see :mod:`hedge_legs`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from hedge_planner.models.input_files import StrictModel
from pydantic import ConfigDict, Field, field_validator

#: Largest plausible notional of one CDS or one hedge position limit, currency (shared with
#: :mod:`case_hedge`, which imports it from here).
MAX_NOTIONAL = 1e12

Direction = Literal["both", "long", "short"]


class NotionalLegSpec(StrictModel):
    """Trading fields shared by the instruments traded in notional (swaps, swaptions, caps and
    floors, CDX): position held, size caps, lots, minimum trade and ticket."""

    max_notional: float | None = Field(default=None, gt=0, le=MAX_NOTIONAL)
    current: float = Field(default=0.0, description="notional held today, currency")
    lot: float | None = Field(
        default=None,
        gt=0,
        le=MAX_NOTIONAL,
        description="notional per lot: the notional traded is a whole number of lots "
        "(default: continuous)",
    )
    min_trade: float = Field(
        default=0.0, ge=0, le=MAX_NOTIONAL, description="smallest trade, notional (0: none)"
    )
    ticket_cost: float = Field(
        default=0.0, ge=0, le=1e7, description="fixed cost of trading the instrument, currency"
    )


class FutureOptionSpec(StrictModel):
    """A call or put on one of the universe's futures (quantity = contracts; long by default)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="code of a futures entry of the universe (TU, FV, TY ...)")
    contract_month: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}$",
        description="YYYY-MM of that futures entry; default the first entry with the code",
    )
    type: Literal["call", "put"]
    strike: float | Literal["atm"] = Field(default="atm", description="points per 100")
    expiry: dt.date = Field(description="option expiry, on or before the future's last trade")
    vol: float = Field(gt=0, le=2, description="lognormal vol of the futures price, decimal")
    exercise: Literal["american", "european"] = "american"
    half_spread_vol: float = Field(default=0.0, ge=0, description="half bid-ask in vol")
    initial_margin: float = Field(default=0.0, ge=0, description="currency per contract")
    max_contracts: float | None = Field(default=None, gt=0, le=1e7)
    direction: Direction = "long"
    current: float = Field(default=0.0, ge=-1e7, le=1e7)
    lot: int = Field(default=1, ge=1, le=100_000, description="contracts per lot (whole lots)")
    min_trade: float = Field(
        default=0.0, ge=0, le=1e7, description="smallest trade, contracts (0: none)"
    )
    ticket_cost: float = Field(
        default=0.0, ge=0, le=1e7, description="fixed cost of trading this option, currency"
    )


class CapFloorSpec(NotionalLegSpec):
    """A SOFR cap or floor (quantity = notional; long by default)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["cap", "floor"]
    tenor: str
    start: str | None = Field(default=None, description="forward start tenor, e.g. 1y")
    strike: float | Literal["atm"] = Field(default="atm", description="decimal rate")
    model: Literal["bachelier", "black76"] = "bachelier"
    vol: float | dict[str, float] = Field(
        description="flat vol or {expiry tenor: vol}; normal (decimal rate/sqrt yr) or lognormal"
    )
    lognormal_shift: float = Field(default=0.0, ge=0, le=0.2, description="black76 shift")
    frequency: Literal[1, 2, 4, 12] = 4
    half_spread_vol: float = Field(default=0.0, ge=0, description="half bid-ask in vol units")
    initial_margin_rate: float = Field(default=0.0, ge=0, description="fraction of notional")
    direction: Direction = "long"

    @field_validator("vol")
    @classmethod
    def _vols(cls, value: float | dict[str, float]) -> float | dict[str, float]:
        values = value.values() if isinstance(value, dict) else [value]
        if not values or any(not v > 0 for v in values):
            raise ValueError("cap/floor vols must be positive")
        return value


class CdxSpec(NotionalLegSpec):
    """A CDX index (quantity = notional; positive sells protection, negative buys it)."""

    model_config = ConfigDict(extra="forbid")

    series: Literal["IG", "HY"]
    spread: float = Field(gt=0, lt=0.5, description="index spread, decimal (0.0057 = 57 bp)")
    tenor: str = "5y"
    coupon: float | None = Field(default=None, ge=0, lt=0.5, description="IG 0.01, HY 0.05")
    recovery: float | None = Field(default=None, ge=0, lt=1, description="IG 0.40, HY 0.30")
    sector: str = Field(default="corporate", description="risk-model sector it loads on")
    beta: float | None = Field(
        default=None,
        ge=0,
        le=20,
        description="index spread bp per bp of the sector's spread; default IG 1.0, HY 3.0",
    )
    basis_vol_bp: float = Field(
        default=15.0,
        ge=0,
        description="vol of the index-vs-book spread basis, bp per year (residual risk)",
    )
    half_spread_bp: float = Field(default=0.25, ge=0, description="half bid-ask, bp of spread")
    initial_margin_rate: float = Field(default=0.0, ge=0, description="fraction of notional")
    direction: Direction = "both"
    lot: float | None = Field(
        default=1e6,
        gt=0,
        le=MAX_NOTIONAL,
        description="notional per lot (default 1m, the round lot); null: continuous",
    )
