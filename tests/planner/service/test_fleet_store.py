"""``fleet --db``: every planned mandate stored in the plan store with its full inputs.

The reference for "full inputs" is the service itself: the stored inputs, run again through
``run_submission`` (the service's own path, in a sandbox that can read only those files),
give the stored plan (trades identical, figures to 1e-9 relative).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hedge_planner.cli import app
from hedge_planner.service.jobs import Submission, run_submission
from hedge_planner.service.store import PlanStore
from typer.testing import CliRunner

from tests.planner.test_fleet import make_fleet

runner = CliRunner()


def _same(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), path
        for k in a:
            if k not in ("provenance", "generated", "case", "run_id", "seconds", "solve_seconds"):
                _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float) and "quantity" not in path:
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (a != a and b != b), path
    else:
        assert a == b, path


@pytest.mark.slow
def test_fleet_plans_go_to_the_store_with_their_inputs(db_url: str, tmp_path: Path) -> None:
    manifest = make_fleet(tmp_path / "fleet")
    out = tmp_path / "out"
    args = ["fleet", str(manifest), "--out", str(out), "--db", db_url, "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output  # gamma's holdings are broken
    summary = {r["mandate"]: r for r in json.loads(result.stdout)["mandates"]}
    assert summary["gamma"]["status"] == "error" and summary["gamma"]["plan_id"] is None

    store = PlanStore(db_url)
    try:
        page = store.list_plans()
        assert page.total == 2
        assert {p["portfolio"] for p in page.items} == {"alpha", "beta"}
        stored = store.get_plan(summary["alpha"]["plan_id"])
        assert stored is not None and stored.portfolio == "alpha"
        document = json.loads(stored.document)
        # The plan written locally and the one stored are the same document.
        local = json.loads((out / "alpha" / "plan.json").read_text())
        _same({k: v for k, v in document.items() if k != "outputs"},
              {k: v for k, v in local.items() if k != "outputs"})  # fmt: skip
        assert stored.status == document["hedge"]["solver"]["status"] == "optimal"
        assert stored.report_html.lstrip().lower().startswith(b"<!doctype html")
        assert stored.report_xlsx[:2] == b"PK"  # a zip: the Excel workbook
        inputs = json.loads(stored.inputs)
        assert inputs["case_name"] == "template.yaml"
        assert "holdings: 'alpha.csv'" in inputs["case"]
        assert inputs["files"]["alpha.csv"] == (tmp_path / "fleet/mandates/alpha.csv").read_text()
    finally:
        store.engine.dispose()

    # The stored inputs alone reproduce the stored plan on the service.
    again = run_submission(Submission.from_inputs(inputs)).document
    _same(again["hedge"]["trades"], document["hedge"]["trades"])
    _same(again["hedge"]["post_hedge"], document["hedge"]["post_hedge"])
    _same(again["scenarios"], document["scenarios"])
    table = pd.read_parquet(out / "fleet_summary.parquet")
    assert set(table["plan_id"].dropna()) == {p["id"] for p in page.items}


def test_unreachable_store_stops_before_any_mandate(tmp_path: Path) -> None:
    manifest = make_fleet(tmp_path / "fleet")
    out = tmp_path / "out"
    args = ["fleet", str(manifest), "--out", str(out), "--db", "nosuch://x"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--db" in result.output and "cannot open the plan store" in result.output
    assert not (out / "alpha").exists()
