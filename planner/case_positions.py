"""Case-file schema of ``positions``: the derivatives the book holds before the hedge.

Futures by contract (``TYH4``, or ``code`` + ``contract_month``) and quantity in contracts;
swaps either spot-starting on a universe tenor (``tenor``) or seasoned (``start``,
``maturity``, ``fixed_rate``); swaptions by expiry, underlying tenor, strike, type and
notional. Quantities are signed by ``direction`` / ``side``; notionals are positive.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from hedge_planner.models.input_files import StrictModel
from pydantic import ConfigDict, Field, model_validator

#: CME month codes, January to December.
MONTH_CODES = "FGHJKMNQUVXZ"
#: Largest plausible notional of one held position, currency.
MAX_POSITION_NOTIONAL = 1e12


class FuturesPosition(StrictModel):
    """Treasury futures held: a contract of the hedge universe and signed contracts."""

    model_config = ConfigDict(extra="forbid")

    contract: str | None = Field(
        default=None,
        pattern=r"^[A-Z0-9]{1,4}[FGHJKMNQUVXZ]\d$",
        description="contract symbol, code + month letter + last digit of the year (TYH4)",
    )
    code: str | None = Field(default=None, description="contract code (TU, FV, TY...)")
    contract_month: str | None = Field(
        default=None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM"
    )
    quantity: float = Field(ge=-1e7, le=1e7, description="contracts, long positive")

    @model_validator(mode="after")
    def _one_contract(self) -> FuturesPosition:
        if (self.contract is None) == (self.code is None or self.contract_month is None):
            raise ValueError("give contract (e.g. TYH4) or code and contract_month, not both")
        return self

    def code_and_month(self, analysis_year: int) -> tuple[str, str]:
        """``(code, "YYYY-MM")``; a symbol's year digit is the first year >= the analysis year
        minus one that ends in it (TYH4 on 2023-12-29 is March 2024)."""
        if self.contract is None:
            assert self.code is not None and self.contract_month is not None
            return self.code, self.contract_month
        code, letter, digit = self.contract[:-2], self.contract[-2], int(self.contract[-1])
        year = analysis_year - 1
        while year % 10 != digit:
            year += 1
        return code, f"{year:04d}-{MONTH_CODES.index(letter) + 1:02d}"


class SwapPosition(StrictModel):
    """A SOFR OIS held: a spot swap on a universe tenor, or a seasoned swap by its dates."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, description="the desk's trade id (shown in reports)")
    tenor: str | None = Field(
        default=None, description="spot-starting at par on a universe swap tenor (e.g. 5y)"
    )
    start: dt.date | None = Field(default=None, description="effective date of a seasoned swap")
    maturity: dt.date | None = Field(default=None, description="final payment date")
    fixed_rate: float | None = Field(
        default=None, ge=-0.05, le=0.25, description="decimal, annual ACT/360"
    )
    direction: Literal["receive", "pay"] = Field(description="receive or pay fixed")
    notional: float = Field(gt=0, le=MAX_POSITION_NOTIONAL, description="currency")

    @model_validator(mode="after")
    def _terms(self) -> SwapPosition:
        dated = (self.start, self.maturity, self.fixed_rate)
        if self.tenor is not None:
            if any(v is not None for v in dated):
                raise ValueError("give tenor (a universe swap) or start, maturity and fixed_rate")
        elif any(v is None for v in dated):
            raise ValueError("a seasoned swap needs start, maturity and fixed_rate")
        elif self.maturity <= self.start:  # type: ignore[operator]
            raise ValueError(f"maturity {self.maturity} is not after start {self.start}")
        return self

    @property
    def quantity(self) -> float:
        """Signed notional: receive-fixed positive (the optimiser's convention)."""
        return self.notional if self.direction == "receive" else -self.notional


class SwaptionPosition(StrictModel):
    """A European swaption held on a SOFR swap."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, description="the desk's trade id")
    expiry: str | dt.date = Field(description="tenor from the analysis date (1y) or a date")
    tenor: str = Field(description="underlying swap tenor (10y)")
    type: Literal["payer", "receiver"]
    strike: float | Literal["atm"] = Field(
        default="atm", description="decimal, annual ACT/360; atm = today's forward"
    )
    side: Literal["long", "short"] = "long"
    notional: float = Field(gt=0, le=MAX_POSITION_NOTIONAL, description="currency")
    vol: float | None = Field(
        default=None,
        gt=0,
        le=0.2,
        description="normal vol, decimal; default the matching universe swaption's",
    )

    @property
    def quantity(self) -> float:
        """Signed notional: long positive."""
        return self.notional if self.side == "long" else -self.notional


class PositionsSpec(StrictModel):
    """Derivatives held before the hedge; priced and included in pre-hedge risk."""

    model_config = ConfigDict(extra="forbid")

    futures: list[FuturesPosition] = Field(default_factory=list)
    swaps: list[SwapPosition] = Field(default_factory=list)
    swaptions: list[SwaptionPosition] = Field(default_factory=list)
