"""JSON Schemas of the files the planner reads and writes.

The case-file schema is exported from the pydantic models that validate case files, so it cannot
drift from what the tool accepts; the plan schema is exported the same way from the models the
plan is built from. ``examples/case.schema.json`` and ``examples/plan.schema.json`` are committed
copies (a test keeps them current).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hedge_planner.cases import AnalysisCase, BaselineCase
from hedge_planner.document import plan_json_schema


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


def plan_schema() -> dict[str, Any]:
    """JSON Schema of ``plan.json``, exported from :class:`hedge_planner.document.Plan`."""
    return plan_json_schema()


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "case": case_schema,
    "plan": plan_schema,
    "baseline": baseline_schema,
}
