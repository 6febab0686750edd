"""Exit statuses as a real process sees them: 0 ok, 1 bug, 2 user error, 3 no proven plan.

Also the global options (--version, --debug, -v, -q) and the shortening of quoted file contents in
error messages.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from hedge_planner.cli import app
from hedge_planner.exits import format_issue, raise_if_unproven, shorten_quoted
from hedge_planner.logs import level_for
from hedge_planner.models.errors import (
    HedgePlannerError,
    InfeasibleLimitsError,
    InputError,
    InputIssue,
    NoProvenPlanError,
)
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "examples" / "core_plus"
MATLAB_CASE = ROOT / "examples" / "matlab_duration_convexity_hedge" / "case.yaml"
CLI = [sys.executable, "-m", "hedge_planner.cli"]
runner = CliRunner()


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, check=False, timeout=300
    )


def _inject_bug(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real entry point with run_baseline replaced by a function that has a bug."""
    script = (
        "import sys\n"
        "import hedge_planner.cli as cli\n"
        "def broken(*a, **k):\n"
        "    return {}['no such key']\n"
        "cli.run_baseline = broken\n"
        "sys.argv = ['hedge-planner', *sys.argv[1:]]\n"
        "cli.main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )


def _infeasible_case(tmp_path: Path) -> Path:
    case = yaml.safe_load((CORE / "case.yaml").read_text())
    case["holdings"] = str(CORE / "holdings.csv")
    # A 2-year duration target for a 6-year book within 0.05 years and a tiny margin budget:
    # no futures/swap position can reach it.
    case["hedge"]["limits"]["duration"] = {"target": 2.0, "band": 0.05}
    case["hedge"]["limits"]["margin_budget"] = 1.0e6
    # Only the futures, swaps and swaptions this case was written for: zero-margin long puts on
    # futures change which limits the elastic re-solve moves (KRD tolerances, not the band).
    for extra in ("future_options", "caps", "cdx"):
        case["hedge"]["universe"].pop(extra, None)
    path = tmp_path / "infeasible.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    return path


# ---- 0 ------------------------------------------------------------------------------------------


def test_version_exits_0_with_package_and_library_versions() -> None:
    import cvxpy
    import numpy

    proc = cli("--version")
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert line.startswith(f"hedge-planner {metadata.version('hedge-planner')} ")
    py = ".".join(str(v) for v in sys.version_info[:3])
    assert f"python {py}" in line
    assert f"numpy {numpy.__version__}" in line and f"cvxpy {cvxpy.__version__}" in line
    assert "highspy" in line


# ---- 1 ------------------------------------------------------------------------------------------


def test_a_bug_exits_1_with_a_short_message_and_no_traceback() -> None:
    proc = _inject_bug("baseline", str(MATLAB_CASE), "--json")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "internal error: KeyError: 'no such key'; please report" in proc.stderr
    assert "rerun with --debug for the traceback" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_debug_prints_the_traceback_of_a_bug() -> None:
    proc = _inject_bug("--debug", "baseline", str(MATLAB_CASE))
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "in broken" in proc.stderr  # the frame where the bug is
    assert "internal error: KeyError" in proc.stderr


# ---- 2 ------------------------------------------------------------------------------------------


def test_user_error_exits_2_listing_every_located_problem(tmp_path: Path) -> None:
    bad = "id,face,coupon,maturity,yield\nA,100,5,2030-01-01,0.04\nB,-1,0.05,2030-01-01,0.04\n"
    proc = cli("analyze", "-", "--settle", "2024-01-02", "--json", stdin=bad)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "2 input problems" in proc.stderr
    assert "row 2, column 'coupon'" in proc.stderr and "row 3, column 'face'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_sweep_rejects_nan_and_inf_with_exit_2() -> None:
    case = str(CORE / "case.yaml")
    proc = cli("sweep", case, "--param", "duration_target=nan:6:0.1", "--json")
    assert proc.returncode == 2
    assert "finite" in proc.stderr and proc.stdout == ""
    for spec in ("5:inf:0.1", "5:6:inf", "-inf:6:1", "5:6:nan"):
        spec = f"duration_target={spec}"
        result = runner.invoke(app, ["sweep", case, "--param", spec])
        assert result.exit_code == 2, spec
        assert "finite" in result.stderr


def test_long_quoted_values_are_cut_to_a_short_excerpt() -> None:
    secret = "CONFIDENTIAL-" + "x" * 200
    csv = f"id,face,coupon,maturity,yield\nA,100,0.05,2030-01-01,{secret}\n"
    proc = cli("analyze", "-", "--settle", "2024-01-02", stdin=csv)
    assert proc.returncode == 2
    # The located problem quotes a 20-character excerpt, never the 213-character value.
    assert "row 2, column 'yield': 'CONFIDENTIAL-xxxxxxx…' is not a number" in proc.stderr
    assert "x" * 21 not in proc.stderr
    issue = InputIssue("f.csv", 3, "id", f"duplicate id {secret!r}", f"rename {secret!r}")
    text = format_issue(issue)
    assert "'CONFIDENTIAL-xxxxxxx…'" in text and "x" * 21 not in text
    assert shorten_quoted("id 'abc' and \"short\"") == "id 'abc' and \"short\""


# ---- 3 ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_infeasible_limits_exit_3_and_still_write_the_report(tmp_path: Path) -> None:
    case = _infeasible_case(tmp_path)
    out = tmp_path / "out"
    proc = cli("plan", str(case), "--out", str(out))
    assert proc.returncode == 3, proc.stderr
    assert "the hedge limits are infeasible" in proc.stderr
    assert "duration_band: limit 0.05 -> required" in proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads((out / "plan.json").read_text())
    relax = doc["hedge"]["infeasibility"]["relaxations"]
    assert any(r["constraint"] == "duration_band" for r in relax)
    for name in ("report.html", "report.xlsx"):
        assert (out / name).stat().st_size > 0
    # hedge --json: exit 3 too, and stdout is still the JSON document.
    proc = cli("hedge", str(case), "--json")
    assert proc.returncode == 3
    assert json.loads(proc.stdout)["solver"]["status"] == "infeasible"


def test_unproven_statuses_map_to_exit_3() -> None:
    raise_if_unproven(None)
    raise_if_unproven({"solver": {"status": "optimal"}})
    for status in ("time_limit", "node_limit", "unbounded", "error"):
        with pytest.raises(NoProvenPlanError) as info:
            raise_if_unproven({"solver": {"status": status}, "infeasibility": None})
        assert info.value.exit_code == 3 and info.value.status == status
    hedge = {
        "solver": {"status": "infeasible"},
        "infeasibility": {
            "message": "m",
            "relaxations": [
                {"constraint": "dv01_max", "limit": 10.0, "required": 12.5, "unit": "ccy"}
            ],
        },
    }
    with pytest.raises(InfeasibleLimitsError) as inf:
        raise_if_unproven(hedge)
    assert inf.value.exit_code == 3
    assert inf.value.relaxations[0].change == pytest.approx(2.5)


def test_error_hierarchy() -> None:
    assert issubclass(InputError, HedgePlannerError)
    assert issubclass(InfeasibleLimitsError, NoProvenPlanError)
    assert issubclass(NoProvenPlanError, HedgePlannerError)
    assert InputError([]).exit_code == 2
    assert HedgePlannerError("x").exit_code == 2


# ---- logging ------------------------------------------------------------------------------------


def test_verbosity_levels() -> None:
    assert level_for(0, False) == logging.WARNING
    assert level_for(1, False) == logging.INFO
    assert level_for(2, False) == logging.DEBUG
    assert level_for(3, True) == logging.ERROR


def test_verbose_logs_go_to_stderr_and_quiet_silences_them() -> None:
    proc = cli("-vv", "baseline", str(MATLAB_CASE), "--json")
    assert proc.returncode == 0
    assert "INFO hedge_planner" in proc.stderr and "DEBUG hedge_planner" in proc.stderr
    json.loads(proc.stdout)
    proc = cli("-q", "baseline", str(MATLAB_CASE), "--json")
    assert proc.returncode == 0
    assert "INFO" not in proc.stderr and "DEBUG" not in proc.stderr
    json.loads(proc.stdout)


def test_margin_only_infeasibility_names_the_budget_and_exits_3(tmp_path: Path) -> None:
    """Only the margin budget is too tight (2mm against the ~35mm the example's hedge posts):
    the real command exits 3, writes every report, and the conflict names margin_budget with
    the budget it needs; the closest hedge shown meets the budget it did not move."""
    case = yaml.safe_load((CORE / "case.yaml").read_text())
    case["holdings"] = str(CORE / "holdings.csv")
    case["hedge"]["limits"]["margin_budget"] = 2.0e6
    path = tmp_path / "margin.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    out = tmp_path / "out"
    proc = cli("plan", str(path), "--out", str(out))
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    for name in ("plan.json", "report.html", "report.xlsx"):
        assert (out / name).stat().st_size > 0
    doc = json.loads((out / "plan.json").read_text())
    inf = doc["hedge"]["infeasibility"]
    alone = {r["constraint"]: r for r in inf["alternatives"]}
    assert "margin_budget" in alone
    budget = alone["margin_budget"]
    assert budget["limit"] == 2.0e6
    assert budget["required"] > 2.0e6
    assert budget["change"] == pytest.approx(budget["required"] - 2.0e6)
    assert "margin_budget" in inf["message"]
    html = (out / "report.html").read_text()
    assert "Limits in conflict" in html and "margin_budget" in html
    # the closest hedge keeps every limit it did not move: the margin posted is within 2mm
    moved = {r["constraint"] for r in inf["relaxations"]}
    if "margin_budget" not in moved and doc["hedge"]["trades"]:
        assert doc["hedge"]["post_hedge"]["margin"] <= 2.0e6 * (1 + 1e-9)
