"""The desk's hedge call: a book given as holdings or as key-rate DV01s.

A book given only by its key-rate DV01s (currency per bp, positive when the book gains as rates
fall) is represented by a ladder of zero-coupon Treasuries, one maturing at each key tenor,
priced on the server's Treasury curve (z-spread ~0) with the face that gives the requested
DV01: ``face = dv01 / (DF(t) * t * 1e-4)``, price ``100 DF(t)``, t in years (ACT/365F). A zero
maturing at a key tenor moves only with that key's tent, so the ladder's key-rate DV01s are the
requested ones (up to the gap between the maturity date and the key's year fraction, well
under 1%); its total DV01 is their sum.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import numpy as np
from hedge_planner.models.bootstrap import tenor_years
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.schemas import MAX_FACE
from hedge_planner.models.units import BP
from hedge_planner.service.jobs import REQUEST_NAME, MarketContext
from pydantic import BaseModel, ConfigDict, Field

logger = logging.getLogger(__name__)

__all__ = ["HedgeRequest", "hedge_overrides", "krd_ladder"]


class HedgeRequest(BaseModel):
    """``POST /v1/hedge``: the book, and optionally the universe, limits and costs.

    Give exactly one of ``holdings`` (records as in a holdings CSV: id, face, coupon,
    maturity, yield or price, ...) or ``krd_dv01`` (currency per bp by key tenor). ``universe``,
    ``limits`` and ``costs`` replace the server's market case's ``hedge.*`` sections (same keys
    as a case file).
    """

    model_config = ConfigDict(extra="forbid")

    holdings: list[dict[str, Any]] | None = Field(default=None, max_length=100_000)
    krd_dv01: dict[str, float] | None = Field(
        default=None, description="currency per 1 bp fall of each key rate; non-negative"
    )
    universe: dict[str, Any] | None = None
    limits: dict[str, Any] | None = None
    costs: dict[str, Any] | None = None
    horizon_days: int | None = Field(default=None, ge=1, le=3660)


def _issue(column: str, reason: str, hint: str = "") -> InputError:
    return InputError([InputIssue(REQUEST_NAME, None, column, reason, hint)])


def krd_ladder(
    krd_dv01: dict[str, float], market: MarketContext, key_tenors: list[str]
) -> list[dict[str, Any]]:
    """Zero-coupon holdings whose key-rate DV01s are ``krd_dv01`` (currency per bp).

    Raises
    ------
    InputError
        A tenor that is not a key tenor, a negative or non-finite DV01, a DV01 whose zero
        coupon would be a face above the holdings' plausible maximum, or no exposure at all.
    """
    curve = market.treasury_curve()
    anchor = dt.date.fromisoformat(str(market.data["analysis_date"]))
    rows = []
    for tenor, dv01 in krd_dv01.items():
        column = f"krd_dv01.{tenor}"
        if tenor not in key_tenors:
            raise _issue(column, f"{tenor!r} is not a key tenor", f"one of {', '.join(key_tenors)}")
        if not np.isfinite(dv01) or dv01 < 0:
            hint = "a short exposure cannot be given as DV01s; send the holdings instead"
            raise _issue(column, f"the DV01 must be a finite non-negative number, got {dv01}", hint)
        if dv01 == 0:
            continue
        months = round(tenor_years(tenor) * 12)
        year, month = divmod(anchor.month - 1 + months, 12)
        day = min(anchor.day, 28)
        maturity = dt.date(anchor.year + year, month + 1, day)
        t = (maturity - anchor).days / 365.0
        df = float(curve.discount(np.array([t]))[0])
        face = dv01 / (df * t * BP)
        if face > MAX_FACE:
            # checked here, not only by the holdings' schema: the desk's fast path reuses a
            # validated case and swaps in the ladder without validating it again
            raise _issue(
                column,
                f"a DV01 of {dv01:g} needs a {tenor} zero coupon of face {face:g}, above the "
                f"plausible maximum {MAX_FACE:g}",
                "the DV01 is currency per 1 bp: check its units",
            )
        rows.append(
            {
                "id": f"KRD-{tenor}",
                "face": face,
                "coupon": 0.0,
                "frequency": 0,
                "maturity": maturity.isoformat(),
                "price": 100.0 * df,
                "sector": "government",
            }
        )
    if not rows:
        raise _issue("krd_dv01", "no exposure: every DV01 is zero")
    return rows


def hedge_overrides(body: HedgeRequest, market: MarketContext) -> dict[str, Any]:
    """The request as overrides of the market case (the book as holdings records).

    A key-rate DV01 book keeps ``krd_dv01`` beside its ladder: it marks holdings the server
    wrote itself, which the fast path may use without validating them again.
    """
    if (body.holdings is None) == (body.krd_dv01 is None):
        raise _issue("holdings", "give exactly one of holdings or krd_dv01")
    overrides = body.model_dump()
    if body.krd_dv01 is not None:
        overrides["holdings"] = krd_ladder(body.krd_dv01, market, market.key_tenors())
    return overrides
