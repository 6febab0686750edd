"""Exported JSON Schemas: current with the pydantic models, and satisfied by real documents."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from hedge_planner.run import PlanRun
from hedge_planner.schema import case_schema, plan_schema

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


@pytest.mark.parametrize(("name", "export"), [("case", case_schema), ("plan", plan_schema)])
def test_committed_schema_is_current(name: str, export) -> None:
    committed = json.loads((ROOT / "examples" / f"{name}.schema.json").read_text())
    assert committed == json.loads(json.dumps(export()))


def test_example_case_satisfies_the_case_schema() -> None:
    case = yaml.safe_load(CORE_PLUS.read_text())
    # YAML gives dates as date objects; the schema speaks JSON, where they are strings.
    jsonschema.validate(json.loads(json.dumps(case, default=str)), case_schema())


def test_plan_document_satisfies_the_plan_schema() -> None:
    doc = PlanRun.load(CORE_PLUS).plan().to_json()
    jsonschema.validate(json.loads(json.dumps(doc)), plan_schema())


def test_schema_rejects_a_plan_missing_a_section() -> None:
    doc = PlanRun.load(CORE_PLUS).plan().to_json()
    del doc["dashboard"]
    with pytest.raises(jsonschema.ValidationError, match="dashboard"):
        jsonschema.validate(json.loads(json.dumps(doc)), plan_schema())
