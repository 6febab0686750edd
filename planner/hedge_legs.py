"""Tradable legs in the case: lots of each universe member and the position limits legs need."""

from __future__ import annotations

from typing import Any

from hedge_planner.case_derivatives import CapFloorSpec, CdxSpec, FutureOptionSpec
from hedge_planner.cases import (
    FuturesSpec,
    HedgeSpec,
    SwapSpec,
    SwaptionSpec,
)
from hedge_planner.models.errors import InputIssue

__all__ = ["leg_limit_issues", "member_lot"]


LegSpec = FuturesSpec | SwapSpec | SwaptionSpec | FutureOptionSpec | CapFloorSpec | CdxSpec


def member_lot(spec: LegSpec) -> dict[str, Any]:
    """Integrality of a member: whole lots of ``lot`` units (contracts / notional), if any.

    Futures and options on futures always trade whole contracts; CDX defaults to 1m lots
    (``lot: null`` for continuous notional); swaps, swaptions and caps/floors are continuous
    unless the case gives a lot.
    """
    if isinstance(spec, FuturesSpec | FutureOptionSpec):
        return {"integer": True, "lot_size": float(spec.lot)}
    if spec.lot is not None:
        return {"integer": True, "lot_size": float(spec.lot)}
    if isinstance(spec, SwapSpec) and spec.integer_lots:
        return {"integer": True, "lot_size": spec.lot_size}
    return {}


def leg_limit_issues(hedge: HedgeSpec, source: str) -> list[InputIssue]:
    """Instruments with a minimum trade, a ticket cost or under ``max_legs`` need a size limit.

    Why: the exact search selects legs with binaries whose big-M is the largest trade the
    position limit allows (:mod:`hedge_planner.solvers.legs`).
    """
    issues = []
    u = hedge.universe
    every = hedge.limits.max_legs is not None
    groups: list[tuple[str, list[Any], str]] = [
        ("futures", list(u.futures), "max_contracts"),
        ("swaps", list(u.swaps), "max_notional"),
        ("swaptions", list(u.swaptions), "max_notional"),
        ("future_options", list(u.future_options), "max_contracts"),
        ("caps", list(u.caps), "max_notional"),
        ("cdx", list(u.cdx), "max_notional"),
    ]
    for group, specs, key in groups:
        for i, spec in enumerate(specs):
            uses = every or spec.min_trade > 0 or spec.ticket_cost > 0
            if uses and getattr(spec, key) is None:
                why = "hedge.limits.max_legs" if every else "min_trade / ticket_cost"
                issues.append(
                    InputIssue(
                        source,
                        None,
                        f"hedge.universe.{group}[{i}].{key}",
                        f"{why} needs a position limit on every instrument it applies to",
                        f"give {key} (the largest position the hedge may hold)",
                    )
                )
    return issues
