"""Regenerate ``tests/data/plan_sample.json`` from the example case with the plan builder.

Run from the repository root: ``python tests/data/regenerate_plan_sample.py``. The fixture is the
builder's own output for ``examples/core_plus/case.yaml``, with the two run-dependent fields made
stable so the committed file only changes when the plan does: ``generated`` is set to the
analysis date at midnight UTC and the solver's wall-clock ``seconds`` to 0.
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from hedge_planner.run import PlanRun

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "core_plus" / "case.yaml"
FIXTURE = ROOT / "tests" / "data" / "plan_sample.json"


def sample_plan() -> dict[str, Any]:
    """The example's plan document with stable ``generated`` and solver ``seconds``."""
    # The case is named relative to the repository root, as a user would type it.
    with contextlib.chdir(ROOT):
        plan = PlanRun.load(EXAMPLE.relative_to(ROOT)).plan()
    update: dict[str, Any] = {"generated": f"{plan.analysis_date}T00:00:00+00:00"}
    if plan.hedge is not None:
        solver = plan.hedge.solver.model_copy(update={"seconds": 0.0})
        update["hedge"] = plan.hedge.model_copy(update={"solver": solver})
    return plan.model_copy(update=update).to_json()


def main() -> None:
    """Write the fixture."""
    FIXTURE.write_text(
        json.dumps(sample_plan(), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    logger.info("wrote %s", FIXTURE)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
