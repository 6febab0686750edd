"""The example with its desk leg rules lifted, for tests of properties that are not the search's.

``examples/core_plus/case.yaml`` trades as a desk does (whole lots, minimum trades, tickets, at
most six legs). Some properties hold only, or are only checkable to the solver's tolerance, with
continuous notionals: a limit binding to 1e-6, a held optimum staying optimal (with minimum trades
and a leg limit, a rebalance from the held hedge reaches plans the first solve could not).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from hedge_planner.cases import AnalysisCase as Case

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "core_plus" / "case.yaml"


def without_leg_rules(case: Case) -> Case:
    """A copy of ``case`` with continuous swap, swaption, cap and CDX notionals and no minimum
    trades, tickets or leg limit (futures and options on futures stay whole contracts)."""
    case = case.model_copy(deep=True)
    hedge = case.hedge
    assert hedge is not None
    hedge.limits.max_legs = None
    universe = hedge.universe
    for f in [*universe.futures, *universe.future_options]:
        f.min_trade, f.ticket_cost = 0.0, 0.0
    for s in [*universe.swaps, *universe.swaptions, *universe.caps, *universe.cdx]:
        s.min_trade, s.ticket_cost, s.lot = 0.0, 0.0, None
    return case


def lift_leg_rules(data: dict[str, Any]) -> None:
    """Lift the leg rules of a parsed case file in place: the example as it was before the
    desk settings (no lots, minimum trades, tickets or leg limit; the CDX keeps its default
    1mm lot)."""
    universe = data["hedge"]["universe"]
    for kind in ("futures", "swaps", "swaptions", "future_options", "caps", "cdx"):
        for spec in universe.get(kind, []):
            for key in ("lot", "min_trade", "ticket_cost"):
                spec.pop(key, None)
    data["hedge"]["limits"].pop("max_legs", None)


def example_without_leg_rules(folder: Path) -> Path:
    """Write the example case with its leg rules lifted (:func:`lift_leg_rules`) into
    ``folder`` beside a copy of its holdings; returns the case file's path."""
    data = yaml.safe_load(EXAMPLE.read_text())
    lift_leg_rules(data)
    shutil.copy(EXAMPLE.parent / "holdings.csv", folder / "holdings.csv")
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
