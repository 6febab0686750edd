"""The futures contract a hedge position rolls into, from the case's roll settings."""

from __future__ import annotations

from typing import Any

import numpy as np
from hedge_planner.case_hedge import FuturesSpec
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import NO_DATE, to_days
from hedge_planner.models.futures import ContractTable, is_deliverable
from hedge_planner.models.futures_hedge import (
    DeliverableBond,
    TreasuryFuture,
    next_contract_month,
)

#: CME month codes.
MONTH_CODES = "FGHJKMNQUVXZ"


def futures_name(code: str, year: int, month: int) -> str:
    """Exchange-style name, e.g. ``TYH4`` for the March 2024 10-year note future."""
    return f"{code.upper()}{MONTH_CODES[month - 1]}{year % 10}"


def case_basket(specs: list[Any]) -> list[DeliverableBond]:
    """The case's deliverable bonds as the model's."""
    return [
        DeliverableBond(
            id=b.id,
            coupon=b.coupon,
            maturity=b.maturity,
            clean_price=b.price,
            yield_=b.yield_,
            issue_date=b.issue_date,
        )
        for b in specs
    ]


def next_future(
    spec: FuturesSpec,
    front: list[DeliverableBond],
    treasury: YieldCurve,
    tenors: tuple[str, ...],
    table: ContractTable | None,
) -> TreasuryFuture | None:
    """The contract a position is rolled into: the case's ``roll.basket``, else the front
    basket's bonds deliverable into the next quarterly month; ``None`` when neither exists."""
    year, month = (int(p) for p in spec.contract_month.split("-"))
    nxt_year, nxt_month = next_contract_month(year, month)
    roll = spec.roll
    if roll is not None and roll.basket:
        basket = case_basket(roll.basket)
    else:
        maturity = to_days([b.maturity for b in front]).astype(np.int64)
        issue = np.array(
            [NO_DATE if b.issue_date is None else int(to_days(b.issue_date)) for b in front],
            dtype=np.int64,
        )
        ok = is_deliverable(spec.code, nxt_year, nxt_month, maturity, issue, table)
        basket = [b for b, good in zip(front, ok, strict=True) if good]
    if not basket:
        return None
    repo = spec.repo_rate if roll is None or roll.repo_rate is None else roll.repo_rate
    return TreasuryFuture(
        futures_name(spec.code, nxt_year, nxt_month),
        spec.code,
        nxt_year,
        nxt_month,
        basket,
        repo,
        treasury,
        table=table,
        key_tenors=tenors,
        delivery=spec.delivery if isinstance(spec.delivery, str) else "last",
        reinvestment_rate=spec.reinvestment_rate,
        reinvestment_basis=360.0 if spec.reinvestment_day_count == "ACT/360" else 365.0,
    )
