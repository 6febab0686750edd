"""JSON Schemas of the files the planner reads and writes.

The case-file schema is exported from the pydantic models that validate case files, so it cannot
drift from what the tool accepts; ``examples/case.schema.json`` is a committed copy (a test keeps
it current). The plan schema describes ``plan.json``'s top level and sections.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hedge_planner.cases import AnalysisCase, BaselineCase
from hedge_planner.plan import SCHEMA, VERSION


def case_schema() -> dict[str, Any]:
    """JSON Schema of an analysis/plan case file."""
    doc = AnalysisCase.model_json_schema(mode="validation")
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "hedge-planner case file"
    return doc


def baseline_schema() -> dict[str, Any]:
    """JSON Schema of a closed-form baseline case file."""
    doc = BaselineCase.model_json_schema(mode="validation")
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return doc


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


NUM = {"type": "number"}
NUM_OR_NULL = {"type": ["number", "null"]}
STR = {"type": "string"}
BY_TENOR = {"type": "object", "additionalProperties": NUM}


def plan_schema() -> dict[str, Any]:
    """JSON Schema of ``plan.json`` (stable keys of schema ``hedge-planner/plan`` v1)."""
    risk = _obj(
        ["duration", "dv01", "krd", "convexity", "tracking_error_bp"],
        duration=NUM,
        dv01=NUM,
        krd=BY_TENOR,
        krd_dv01=BY_TENOR,
        convexity=NUM,
        tracking_error_bp=NUM,
    )
    trade = _obj(
        ["instrument", "kind", "quantity", "unit", "direction", "dv01_change", "cost"],
        instrument=STR,
        kind={"enum": ["future", "swap", "swaption"]},
        quantity=NUM,
        unit={"enum": ["contracts", "notional"]},
        direction={"enum": ["buy", "sell", "receive", "pay"]},
        dv01_change=NUM,
        cost=_obj(["carry", "slippage", "margin", "total"]),
        roll_date={"type": ["string", "null"]},
    )
    scenario = _obj(
        [
            "name",
            "shifts",
            "spread_shifts",
            "unhedged_pnl",
            "hedge_pnl",
            "hedged_pnl",
            "approx_pnl",
            "approx_error",
            "price_return",
            "total_return",
        ],
        name=STR,
        shifts=BY_TENOR,
        spread_shifts=BY_TENOR,
        unhedged_pnl=NUM,
        hedge_pnl=NUM,
        hedged_pnl=NUM,
        approx_pnl=NUM,
        approx_error=NUM,
        price_return=NUM_OR_NULL,
        total_return=NUM_OR_NULL,
    )
    check = _obj(
        ["name", "status", "detail"],
        name=STR,
        status={"enum": ["pass", "warn", "fail"]},
        detail=STR,
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "hedge-planner plan",
        "type": "object",
        "required": [
            "schema",
            "version",
            "analysis_date",
            "key_tenors",
            "exposure",
            "hedge",
            "scenarios",
            "dashboard",
            "actions",
            "quality_checks",
            "warnings",
        ],
        "properties": {
            "schema": {"const": SCHEMA},
            "version": {"const": VERSION},
            "analysis_date": {"type": "string", "format": "date"},
            "key_tenors": {"type": "array", "items": STR},
            "exposure": _obj(["portfolio", "benchmark", "sectors", "methodology"]),
            "hedge": {
                "anyOf": [
                    {"type": "null"},
                    _obj(
                        ["trades", "pre_hedge", "post_hedge", "constraints", "baseline", "solver"],
                        trades={"type": "array", "items": trade},
                        pre_hedge=risk,
                        post_hedge=risk,
                        constraints={"type": "array"},
                        baseline={"type": "object"},
                        solver=_obj(
                            ["status", "objective", "bound", "gap", "iterations", "seconds"]
                        ),
                        infeasibility={"type": ["object", "null"]},
                    ),
                ]
            },
            "scenarios": _obj(
                ["rows", "breakeven_bp"],
                rows={"type": "array", "items": scenario},
                breakeven_bp=_obj(["unhedged", "hedged"]),
            ),
            "dashboard": _obj(["tracking_error_bp", "duration", "dv01", "largest_mismatches"]),
            "actions": _obj(
                [
                    "trades",
                    "rebalancing_triggers",
                    "next_review_date",
                    "roll_dates",
                    "upcoming_maturities",
                    "large_paydowns",
                ],
            ),
            "quality_checks": {"type": "array", "items": check},
            "warnings": {"type": "array"},
        },
    }


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "case": case_schema,
    "plan": plan_schema,
    "baseline": baseline_schema,
}
