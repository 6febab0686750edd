"""The CLI contract: JSON keys, standard input, exit status 2 on user errors, help text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hedge_planner.cli import app
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
MATLAB_CASE = ROOT / "examples" / "matlab_duration_convexity_hedge" / "case.yaml"
MATLAB_BONDS = ROOT / "examples" / "matlab_duration_convexity_hedge" / "hedge_bonds.csv"
runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_baseline_reproduces_the_matlab_example() -> None:
    """Prices, weights and hedge amounts as printed in the MATLAB documentation (4 decimals)."""
    code, out, _ = run("baseline", str(MATLAB_CASE), "--json")
    assert code == 0
    doc = json.loads(out)
    assert [round(p, 4) for p in doc["prices"]] == [530.4248, 994.4065, 273.4051]
    assert [round(w, 4) for w in doc["weights"]] == [-0.3043, 0.7130, 0.5913]
    assert [round(a, 4) for a in doc["hedge_amounts"]] == [-57.3716, 71.7044, 216.2653]
    for key in ("modified_durations", "convexities"):
        assert len(doc[key]) == 3


def test_baseline_table_shows_the_figures() -> None:
    code, out, _ = run("baseline", str(MATLAB_CASE))
    assert code == 0
    for figure in ("530.4248", "-0.3043", "216.2653", "10.3181", "157.6346"):
        assert figure in out


def test_analyze_json_contract() -> None:
    code, out, _ = run("analyze", str(MATLAB_BONDS), "--settle", "1999-08-19", "--json")
    assert code == 0
    doc = json.loads(out)
    holding_keys = {
        "id",
        "clean_price",
        "accrued",
        "dirty_price",
        "market_value",
        "yield",
        "macaulay_duration",
        "modified_duration",
        "convexity",
        "dv01",
    }
    assert holding_keys <= set(doc["holdings"][0])
    assert {"market_value", "modified_duration", "convexity", "dv01"} <= set(doc["portfolio"])
    # Portfolio modified duration is the DV01 over market value (both from the holdings).
    p = doc["portfolio"]
    assert p["modified_duration"] == pytest.approx(p["dv01"] / (p["market_value"] * 1e-4))
    assert p["dv01"] == pytest.approx(sum(h["dv01"] for h in doc["holdings"]))


def test_analyze_reads_standard_input() -> None:
    code, out, _ = run(
        "analyze", "-", "--settle", "1999-08-19", "--json", stdin=MATLAB_BONDS.read_text()
    )
    assert code == 0
    assert len(json.loads(out)["holdings"]) == 3


def test_baseline_reads_standard_input() -> None:
    code, out, _ = run("baseline", "-", "--json", stdin=MATLAB_CASE.read_text())
    assert code == 0
    assert round(json.loads(out)["weights"][0], 4) == -0.3043


def test_bad_input_exits_2_with_located_messages_and_no_traceback() -> None:
    bad = "id,face,coupon,maturity,yield\nA,100,5,2030-01-01,0.04\nB,-1,0.05,2030-01-01,0.04\n"
    code, out, err = run("analyze", "-", "--settle", "2024-01-02", "--json", stdin=bad)
    assert code == 2
    assert out == ""
    assert "row 2, column 'coupon'" in err
    assert "row 3, column 'face'" in err
    assert "Traceback" not in err


def test_missing_file_is_a_user_error() -> None:
    code, _, err = run("analyze", "no/such/file.csv", "--settle", "2024-01-02")
    assert code == 2
    assert "file not found" in err


def test_settle_is_required_for_a_csv() -> None:
    code, _, err = run("analyze", str(MATLAB_BONDS))
    assert code == 2
    assert "--settle" in err


def test_singular_baseline_case_is_explained(tmp_path: Path) -> None:
    case = MATLAB_CASE.read_text().replace("maturity: 2010-10-02", "maturity: 2005-06-15")
    case = case.replace("coupon: 0.066", "coupon: 0.07").replace("yield: 0.07,", "yield: 0.06,")
    path = tmp_path / "singular.yaml"
    path.write_text(case)
    code, _, err = run("baseline", str(path))
    assert code == 2
    assert "singular or ill-conditioned" in err


def test_help_documents_every_option() -> None:
    code, out, _ = run("analyze", "--help")
    assert code == 0
    assert "--settle" in out and "--json" in out and "standard input" in out
    code, out, _ = run("baseline", "--help")
    assert code == 0 and "--json" in out


def test_console_script_runs_as_a_subprocess() -> None:
    """The installed entry point exits 2 on bad input without a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "hedge_planner.cli", "analyze", "-", "--settle", "2024-01-02"],
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "empty" in proc.stderr
    assert "Traceback" not in proc.stderr
