"""Multi-parameter what-if grids: parsing, points, rows against the example's plan, files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hedge_planner.grid import (
    CaseBundle,
    grid_points,
    parse_param,
    rows_frame,
    run_grid,
    write_table,
)
from hedge_planner.io import read_text
from hedge_planner.models.errors import InputError
from hedge_planner.run import PlanRun

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "core_plus" / "case.yaml"


def test_range_is_inclusive_and_list_keeps_order() -> None:
    assert parse_param("duration_band=0.1:0.3:0.1") == ("duration_band", [0.1, 0.2, 0.1 + 2 * 0.1])
    assert parse_param("risk_aversion=500,100,2e3") == ("risk_aversion", [500.0, 100.0, 2000.0])
    assert parse_param("horizon_days=30,90") == ("horizon_days", [30.0, 90.0])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("risk_aversoin=1,2", "unknown parameter 'risk_aversoin'"),
        ("risk_aversion=1,nan", "not a plain decimal"),
        ("risk_aversion=1_000", "not a plain decimal"),
        ("risk_aversion=3:1:1", "STOP >= START"),
        ("risk_aversion=1:2", "START:STOP:STEP"),
        ("horizon_days=30.5", "whole days"),
        ("risk_aversion", "NAME=START:STOP:STEP"),
    ],
)
def test_bad_param_is_located_at_the_option(text: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        parse_param(text)
    issue = err.value.issues[0]
    assert issue.source == "--param" and issue.column == text
    assert words in issue.reason


def test_product_and_zip() -> None:
    a = ("risk_aversion", [1.0, 2.0, 3.0])
    b = ("duration_band", [0.1, 0.2])
    product = grid_points([a, b], zipped=False)
    assert len(product) == 6
    assert product[0] == {"risk_aversion": 1.0, "duration_band": 0.1}
    assert product[1] == {"risk_aversion": 1.0, "duration_band": 0.2}
    zipped = grid_points([a, ("carry_weight", [0.0, 0.5, 1.0])], zipped=True)
    assert [p["carry_weight"] for p in zipped] == [0.0, 0.5, 1.0]
    with pytest.raises(InputError, match="one length"):
        grid_points([a, b], zipped=True)
    with pytest.raises(InputError, match="more than once"):
        grid_points([a, a], zipped=False)


@pytest.fixture(scope="module")
def bundle() -> CaseBundle:
    text, name = read_text(CASE)
    return CaseBundle(text, name)


@pytest.fixture(scope="module")
def small_grid() -> list[dict[str, float]]:
    # The case's own values (risk_aversion 500, band 0.25, horizon 90) are among the points.
    return grid_points(
        [("risk_aversion", [100.0, 500.0]), ("duration_band", [0.1, 0.25])], zipped=False
    )


@pytest.fixture(scope="module")
def serial_rows(bundle: CaseBundle, small_grid: list[dict[str, float]]) -> list[dict]:
    return run_grid(bundle, small_grid, size=2)


def test_point_at_the_case_values_is_the_example_plan(serial_rows: list[dict]) -> None:
    # Reference: the plan's own hedge section (solve_hedge and the plan document), not the grid.
    hedge = json.loads(json.dumps(PlanRun.load(CASE).hedge().document().model_dump(mode="json")))
    row = next(r for r in serial_rows if r["risk_aversion"] == 500 and r["duration_band"] == 0.25)
    assert row["status"] == "optimal" and row["proven"]
    assert row["objective"] == pytest.approx(hedge["solver"]["objective"], rel=1e-9)
    post = hedge["post_hedge"]
    assert row["post_hedge_te_bp"] == pytest.approx(post["tracking_error_bp"], rel=1e-9)
    assert row["post_hedge_duration"] == pytest.approx(post["duration"], rel=1e-9)
    for term, value in hedge["costs"].items():
        assert row[f"cost:{term}"] == pytest.approx(value, rel=1e-9, abs=1e-6)
    traded = {t["instrument"]: t["quantity"] for t in hedge["trades"]}
    for name, qty in traded.items():
        assert row[f"trade:{name}"] == pytest.approx(qty, rel=1e-9, abs=1e-6)
    bound = {c["name"] for c in hedge["constraints"] if c["binding"]}
    assert set(row["binding"].split(";")) - {""} == bound


def test_te_groups_sum_to_the_tracking_error(serial_rows: list[dict]) -> None:
    for row in serial_rows:
        groups = {k: v for k, v in row.items() if k.startswith("te:")}
        assert {"te:rates", "te:swap_spread"} <= set(groups)
        assert math.fsum(groups.values()) == pytest.approx(row["post_hedge_te_bp"], rel=1e-9)


def test_a_wider_band_never_costs_more(serial_rows: list[dict]) -> None:
    # Invariant: relaxing the duration band enlarges the feasible set, so the optimum can only
    # fall (to the solver's gap).
    for ra in (100.0, 500.0):
        tight, wide = (
            next(r for r in serial_rows if r["risk_aversion"] == ra and r["duration_band"] == b)
            for b in (0.1, 0.25)
        )
        assert wide["objective"] <= tight["objective"] * (1 + 1e-6)


def test_horizon_point_equal_to_the_case_is_the_same_solve(
    bundle: CaseBundle, serial_rows: list[dict]
) -> None:
    rows = run_grid(bundle, [{"horizon_days": 90.0, "risk_aversion": 500.0}])
    ref = next(r for r in serial_rows if r["risk_aversion"] == 500 and r["duration_band"] == 0.25)
    assert rows[0]["objective"] == pytest.approx(ref["objective"], rel=1e-9)


def test_value_out_of_the_case_bounds_is_refused_before_solving(bundle: CaseBundle) -> None:
    with pytest.raises(InputError) as err:
        run_grid(bundle, [{"carry_weight": -1.0}])
    issue = err.value.issues[0]
    assert issue.column == "hedge.costs.carry_weight" and "-1" in issue.reason


def test_parquet_and_csv_hold_the_rows(tmp_path: Path, serial_rows: list[dict]) -> None:
    frame = rows_frame(serial_rows, ["risk_aversion", "duration_band"])
    assert list(frame.columns[:3]) == ["risk_aversion", "duration_band", "status"]
    written = write_table(frame, tmp_path, "grid", "test")
    assert sorted(p.name for p in written) == ["grid.csv", "grid.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.csv", "grid.parquet"]
    back = pd.read_parquet(tmp_path / "grid.parquet")
    csv = pd.read_csv(tmp_path / "grid.csv")
    for col in ("objective", "post_hedge_te_bp", "trade:TYH4"):
        assert back[col].tolist() == frame[col].tolist()
        assert csv[col].tolist() == frame[col].tolist()  # %.17g round-trips exactly


def test_cli_grid_writes_files_and_json(tmp_path: Path) -> None:
    from hedge_planner.cli import app
    from typer.testing import CliRunner

    out = tmp_path / "out"
    args = ["sweep", str(CASE), "--param", "risk_aversion=500,2000", "--param",
            "duration_band=0.25", "--out", str(out), "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [p["risk_aversion"] for p in doc["points"]] == [500.0, 2000.0]
    table = pd.read_parquet(out / "grid.parquet")
    assert table["post_hedge_te_bp"].tolist() == [p["post_hedge_te_bp"] for p in doc["points"]]


def test_cli_unknown_grid_parameter_exits_2(tmp_path: Path) -> None:
    from hedge_planner.cli import app
    from typer.testing import CliRunner

    args = ["sweep", str(CASE), "--param", "risk_aversion=1,2", "--param", "horizon=3"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "unknown parameter 'horizon'" in result.output
