"""Checks of the strings the universe's pricers parse (months, 32nds prices, tenors).

Split from :mod:`hedging` to keep modules short: every problem is reported at once, located
by its case key, before any instrument is priced.
"""

from __future__ import annotations

from hedge_planner.cases import FuturesSpec, HedgeSpec
from hedge_planner.models.bootstrap import tenor_years
from hedge_planner.models.errors import HedgePlannerError, InputIssue
from hedge_planner.models.futures_quotes import parse_32nds

__all__ = ["futures_price", "tenor_issue", "universe_input_issues"]


def tenor_issue(source: str, where: str, label: str) -> InputIssue | None:
    """A located issue when ``label`` is not a tenor such as ``6m`` or ``10y``."""
    try:
        tenor_years(label)
    except HedgePlannerError as exc:
        return InputIssue(source, None, where, str(exc), "tenors look like 3m, 2y or 10y")
    return None


def futures_price(spec: FuturesSpec) -> float | None:
    """The quoted futures price per 100 (32nds quotes such as ``111-08+`` converted)."""
    return parse_32nds(spec.price) if isinstance(spec.price, str) else spec.price


def universe_input_issues(hedge: HedgeSpec, source: str) -> list[InputIssue]:
    """Check the strings the pricers parse (months, 32nds prices, tenors) before pricing."""
    issues: list[InputIssue] = []
    for i, fut in enumerate(hedge.universe.futures):
        where = f"hedge.universe.futures[{i}]"
        month = int(fut.contract_month.split("-")[1])
        if not 1 <= month <= 12:
            issues.append(
                InputIssue(source, None, f"{where}.contract_month", f"month {month} is not 01-12")
            )
        try:
            futures_price(fut)
        except ValueError as exc:  # parsing the user's own quote string, not pricing
            issues.append(
                InputIssue(source, None, f"{where}.price", str(exc), "e.g. 111-08+ or 111.26")
            )
    tenor_fields: list[tuple[str, str | None]] = []
    for i, swap in enumerate(hedge.universe.swaps):
        tenor_fields += [
            (f"hedge.universe.swaps[{i}].tenor", swap.tenor),
            (f"hedge.universe.swaps[{i}].start", swap.start),
        ]
    for i, opt in enumerate(hedge.universe.swaptions):
        tenor_fields += [
            (f"hedge.universe.swaptions[{i}].expiry", opt.expiry),
            (f"hedge.universe.swaptions[{i}].tenor", opt.tenor),
        ]
    for i, cap in enumerate(hedge.universe.caps):
        at = f"hedge.universe.caps[{i}]"
        tenor_fields += [(f"{at}.tenor", cap.tenor), (f"{at}.start", cap.start)]
        if isinstance(cap.vol, dict):
            tenor_fields += [(f"hedge.universe.caps[{i}].vol", label) for label in cap.vol]
    for i, cdx in enumerate(hedge.universe.cdx):
        tenor_fields.append((f"hedge.universe.cdx[{i}].tenor", cdx.tenor))
    for where, label in tenor_fields:
        issue = None if label is None else tenor_issue(source, where, label)
        if issue is not None:
            issues.append(issue)
    return issues
