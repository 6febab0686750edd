"""Regenerate ``tests/data/plan_sample.json`` from the example case with the plan builder.

Run from the repository root: ``python tests/data/regenerate_plan_sample.py``. The fixture is the
builder's own output for ``examples/core_plus/case.yaml``, with the run-dependent fields made
stable so the committed file only changes when the plan does: ``generated`` and the provenance's
``run_time_utc`` are set to the analysis date at midnight UTC, the provenance's random ``run_id``
to :data:`RUN_ID`, and the solver's wall-clock ``seconds`` to 0. The provenance keeps the case's
SHA-256 and the versions of the software that produced the figures.
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
#: Stand-in for the random run id (32 hex digits, like a real one).
RUN_ID = "0" * 32


def sample_plan() -> dict[str, Any]:
    """The example's plan document with stable ``generated`` and solver ``seconds``."""
    # The case is named relative to the repository root, as a user would type it.
    with contextlib.chdir(ROOT):
        plan = PlanRun.load(EXAMPLE.relative_to(ROOT)).plan()
    midnight = f"{plan.analysis_date}T00:00:00+00:00"
    update: dict[str, Any] = {"generated": midnight}
    if plan.provenance is not None:
        update["provenance"] = plan.provenance.model_copy(
            update={"run_id": RUN_ID, "run_time_utc": midnight}
        )
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
