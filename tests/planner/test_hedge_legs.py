"""Case keys of tradable legs: lots per member, and the position limits legs need (located)."""

from __future__ import annotations

from typing import Any

import pytest
from hedge_planner.cases import HedgeSpec
from hedge_planner.hedge_legs import leg_limit_issues, member_lot

BASKET = [{"id": "T 4 12/15/25", "coupon": 0.04, "maturity": "2025-12-15", "yield": 0.0432}]


def _hedge(**limits: Any) -> HedgeSpec:
    return HedgeSpec.model_validate(
        {
            "universe": {
                "futures": [
                    {
                        "code": "TU",
                        "contract_month": "2024-03",
                        "repo_rate": 0.05,
                        "basket": BASKET,
                        "max_contracts": 1000,
                        "min_trade": 25,
                    }
                ],
                "swaps": [
                    {"tenor": "2y", "lot": 1e6, "min_trade": 2.5e7, "ticket_cost": 2500},
                    {"tenor": "5y", "max_notional": 1e9},
                ],
            },
            "limits": limits,
        }
    )


def test_lots_of_each_member() -> None:
    h = _hedge()
    assert member_lot(h.universe.futures[0]) == {"integer": True, "lot_size": 1.0}
    assert member_lot(h.universe.swaps[0]) == {"integer": True, "lot_size": 1e6}
    assert member_lot(h.universe.swaps[1]) == {}  # continuous notional


def test_min_trade_without_a_position_limit_is_located() -> None:
    issues = leg_limit_issues(_hedge(), "case.yaml")
    assert [i.column for i in issues] == ["hedge.universe.swaps[0].max_notional"]
    assert "min_trade / ticket_cost" in issues[0].reason


def test_max_legs_needs_every_limit() -> None:
    issues = leg_limit_issues(_hedge(max_legs=2), "case.yaml")
    assert [i.column for i in issues] == ["hedge.universe.swaps[0].max_notional"]
    assert "max_legs" in issues[0].reason


def test_lot_and_lot_size_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        HedgeSpec.model_validate(
            {"universe": {"swaps": [{"tenor": "2y", "lot": 1e6, "lot_size": 1e6}]}}
        )


def test_max_legs_must_be_positive() -> None:
    with pytest.raises(ValueError):
        _hedge(max_legs=0)


def test_new_instrument_kinds_take_lots_and_need_limits_for_legs() -> None:
    """Options on futures trade whole lots of contracts, CDX 1m lots by default (null:
    continuous), caps continuous unless given a lot; a ticket cost on a CDX without
    max_notional is a located issue (the leg binaries need a big-M)."""
    from hedge_planner.case_derivatives import CapFloorSpec, CdxSpec, FutureOptionSpec
    from hedge_planner.cases import HedgeSpec
    from hedge_planner.hedge_legs import leg_limit_issues, member_lot

    opt = FutureOptionSpec(code="TY", type="put", expiry="2024-02-23", vol=0.06, lot=5)
    assert member_lot(opt) == {"integer": True, "lot_size": 5.0}
    assert member_lot(CdxSpec(series="IG", spread=0.006)) == {"integer": True, "lot_size": 1e6}
    assert member_lot(CdxSpec(series="IG", spread=0.006, lot=None)) == {}
    cap = CapFloorSpec(type="cap", tenor="5y", vol=0.01)
    assert member_lot(cap) == {}
    assert member_lot(cap.model_copy(update={"lot": 1e7})) == {"integer": True, "lot_size": 1e7}
    hedge = HedgeSpec.model_validate(
        {
            "horizon_days": 30,
            "universe": {"cdx": [{"series": "IG", "spread": 0.006, "ticket_cost": 500.0}]},
        }
    )
    issues = leg_limit_issues(hedge, "case.yaml")
    assert [i.column for i in issues] == ["hedge.universe.cdx[0].max_notional"]
