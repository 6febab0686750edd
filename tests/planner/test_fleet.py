"""Fleets: manifest validation, located per-mandate failures, ranking, plans per mandate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hedge_planner.cli import app
from hedge_planner.engine import TaskOutcome, run_guarded
from hedge_planner.fleet import load_manifest, run_fleet, summary_frame, summary_row
from hedge_planner.models.errors import InputError
from hedge_planner.run import PlanRun
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "core_plus"
runner = CliRunner()


def make_fleet(folder: Path, broken: bool = True) -> Path:
    """A template fleet: the example case, its book split in two mandates (+ one broken)."""
    (folder / "mandates").mkdir(parents=True)
    shutil.copy(EXAMPLE / "case.yaml", folder / "template.yaml")
    header, *rows = (EXAMPLE / "holdings.csv").read_text().splitlines()
    for name, part in (("alpha", rows[:60]), ("beta", rows[60:])):
        (folder / "mandates" / f"{name}.csv").write_text("\n".join([header, *part]) + "\n")
    if broken:
        bad = rows[0].split(",")
        bad[1] = "lots"  # the face column
        (folder / "mandates" / "gamma.csv").write_text("\n".join([header, ",".join(bad)]) + "\n")
    manifest = folder / "fleet.yaml"
    manifest.write_text("template: template.yaml\nholdings_dir: mandates\n")
    return manifest


def test_unknown_manifest_key_is_located_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text("# fleet\ntemplte: case.yaml\nholdings_dir: m\n")
    with pytest.raises(InputError) as err:
        load_manifest(path)
    text = " ".join(f"{i.row} {i.column} {i.reason} {i.hint}" for i in err.value.issues)
    assert "templte" in text and "template" in text and "did you mean" in text
    assert any(i.row == 2 for i in err.value.issues)


def test_manifest_needs_one_way_and_existing_cases(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text("cases: [{name: a, case: a.yaml}]\ntemplate: t.yaml\nholdings_dir: m\n")
    with pytest.raises(InputError, match="either cases or template"):
        load_manifest(path)
    path.write_text("cases:\n  - {name: a, case: missing.yaml}\n")
    with pytest.raises(InputError) as err:
        load_manifest(path)
    issue = err.value.issues[0]
    assert issue.column == "cases[0].case" and issue.row == 2


def test_cli_bad_manifest_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text("cases: []\nextra: 1\n")
    result = runner.invoke(app, ["fleet", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "extra" in result.output


def test_ranking_by_breaches_then_te_then_cost() -> None:
    rows = [
        {"mandate": "a", "status": "optimal", "breaches": 0, "tracking_error_bp": 50.0,
         "hedge_cost": 10.0},
        {"mandate": "b", "status": "error", "error": "x"},
        {"mandate": "c", "status": "infeasible", "breaches": 2, "tracking_error_bp": 1.0,
         "hedge_cost": 0.0},
        {"mandate": "d", "status": "optimal", "breaches": 0, "tracking_error_bp": 50.0,
         "hedge_cost": 5.0},
        {"mandate": "e", "status": "optimal", "breaches": 0, "tracking_error_bp": 20.0,
         "hedge_cost": 99.0},
    ]  # fmt: skip
    frame = summary_frame(rows)
    assert frame["mandate"].tolist() == ["e", "d", "a", "c", "b"]
    assert frame["rank"].tolist() == [1, 2, 3, 4, 5]


def test_summary_row_counts_breaches_and_cash_cost() -> None:
    hedge = {
        "solver": {"status": "optimal", "message": None},
        "post_hedge": {"tracking_error_bp": 12.5},
        "costs": {"tracking_error": 1e6, "carry": -200.0, "slippage": 50.0},
        "trades": [{}, {}],
        "constraints": [
            {"name": "x", "limit": 1.0, "value": 1.5, "slack": -0.5},
            {"name": "y", "limit": 1.0, "value": 0.5, "slack": 0.5},
        ],
        "infeasibility": None,
    }
    row = summary_row("m", TaskOutcome(0, {"hedge": hedge}, None, 0.0))
    assert row["breaches"] == 1 and row["trades"] == 2
    assert row["hedge_cost"] == pytest.approx(-150.0)  # the TE penalty is not cash


def test_a_task_error_is_caught_per_item() -> None:
    outcome = run_guarded(lambda x: 1 / x, 7, 0)
    assert outcome.index == 7 and outcome.value is None
    assert outcome.error is not None and outcome.error.startswith("ZeroDivisionError")


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_fleet(tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="module")
def serial_fleet(fleet_dir: Path) -> list[TaskOutcome]:
    template, mandates = load_manifest(fleet_dir)
    assert [m.name for m in mandates] == ["alpha", "beta", "gamma"]
    return run_fleet(template, mandates, size=2)


def test_broken_mandate_is_located_and_the_rest_complete(serial_fleet: list[TaskOutcome]) -> None:
    alpha, beta, gamma = serial_fleet
    assert alpha.error is None and beta.error is None
    assert gamma.value is None and gamma.error is not None
    assert "gamma.csv" in gamma.error and "row 2" in gamma.error and "face" in gamma.error


def test_mandate_plan_is_the_plan_of_its_own_case(
    fleet_dir: Path, serial_fleet: list[TaskOutcome]
) -> None:
    # Reference: the template case pointed at beta's holdings by hand, planned on its own.
    folder = fleet_dir.parent
    case = (folder / "template.yaml").read_text()
    own = folder / "beta_case.yaml"
    own.write_text(case.replace("holdings: holdings.csv", "holdings: mandates/beta.csv"))
    ref = PlanRun.load(own).plan().to_json()
    got = serial_fleet[1].value
    assert got["hedge"]["trades"] == ref["hedge"]["trades"]
    for key in ("tracking_error_bp", "duration", "dv01"):
        assert got["hedge"]["post_hedge"][key] == pytest.approx(
            ref["hedge"]["post_hedge"][key], rel=1e-9
        )


def test_cli_fleet_writes_plans_and_summary(fleet_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["fleet", str(fleet_dir), "--out", str(out), "--json"])
    assert result.exit_code == 2  # one mandate failed; everything else written
    doc = json.loads(result.stdout)
    assert [m["mandate"] for m in doc["mandates"]][-1] == "gamma"
    for name in ("alpha", "beta"):
        plan = json.loads((out / name / "plan.json").read_text())
        assert plan["hedge"]["solver"]["status"] == "optimal"
    assert not (out / "gamma").exists()
    table = pd.read_parquet(out / "fleet_summary.parquet")
    assert pd.read_csv(out / "fleet_summary.csv")["mandate"].tolist() == table["mandate"].tolist()
    ok = table[table["status"] == "optimal"]
    assert ok["tracking_error_bp"].is_monotonic_increasing  # no breaches: ranked by TE


SMALL_CASE = """\
analysis_date: 2024-01-02
holdings: holdings.csv
curves:
  treasury:
    par_yields: {1y: 0.048, 2y: 0.043, 5y: 0.039, 10y: 0.039, 30y: 0.041}
"""


def test_broken_case_in_a_cases_manifest_is_located_and_the_rest_complete(
    tmp_path: Path,
) -> None:
    (tmp_path / "holdings.csv").write_text(
        "id,face,coupon,maturity,yield\nA,1000000,0.04,2029-01-02,0.040\n"
    )
    (tmp_path / "good.yaml").write_text(SMALL_CASE)
    # Line 3 misspells 'holdings': the mandate fails with the file, key and a suggestion.
    (tmp_path / "bad.yaml").write_text(SMALL_CASE.replace("holdings:", "holdngs:"))
    manifest = tmp_path / "fleet.yaml"
    manifest.write_text(
        "cases:\n  - {name: bad, case: bad.yaml}\n  - {name: good, case: good.yaml}\n"
    )
    template, mandates = load_manifest(manifest)
    bad, good = run_fleet(template, mandates)
    assert bad.value is None and bad.error is not None
    assert "bad.yaml" in bad.error and "holdngs" in bad.error and "holdings" in bad.error
    assert good.error is None
    # Reference: the good case planned on its own.
    ref = PlanRun.load(tmp_path / "good.yaml").plan().to_json()
    assert good.value["dashboard"] == ref["dashboard"]
    assert good.value["scenarios"]["rows"] == ref["scenarios"]["rows"]
