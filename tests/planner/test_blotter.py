"""Order blotter CSV: one row per trade, a documented column spec, a round trip to the trades."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hedge_planner.blotter import COLUMNS, read_blotter, write_blotter
from hedge_planner.models.errors import InputError
from hedge_planner.outputs import parse_outputs

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "plan_sample.json"
# A CDX quantity is protection sold when positive (the plan's sign convention).
SIGN = {"BUY": 1, "SELL": -1, "RECEIVE_FIXED": 1, "PAY_FIXED": -1, "SELL_PROTECTION": 1,
        "BUY_PROTECTION": -1}  # fmt: skip


@pytest.fixture
def plan() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_blotter_round_trips_into_the_plans_trades(plan: dict[str, Any], tmp_path: Path) -> None:
    path = write_blotter(plan, tmp_path / "blotter.csv")
    rows = read_blotter(path)
    trades = plan["hedge"]["trades"]
    assert len(rows) == len(trades) > 0
    for i, (row, t) in enumerate(zip(rows, trades, strict=True), start=1):
        assert row["plan_id"] == plan["provenance"]["run_id"]
        assert int(row["line"]) == i
        assert row["instrument"] == t["instrument"]
        # side and quantity give back the signed trade (whole contracts; notional to 1 unit)
        signed = SIGN[row["side"]] * float(row["quantity"])
        assert signed == pytest.approx(t["quantity"], abs=0.5)
        assert float(row["dv01"]) == pytest.approx(t["dv01_change"], abs=0.005)
        assert float(row["notional"]) == pytest.approx(abs(t["notional"]), abs=0.005)
        assert row["currency"] == plan["currency"]
        # The tradable increment is the trade's lot (the example: 1 contract, 1mm of CDX).
        assert row["lot_size"] == (f"{t['lot']:.0f}" if t["lot"] else "1")
        if t["kind"] == "future":
            assert row["instrument_type"] == "FUTURE" and row["quantity_unit"] == "CONTRACTS"
            assert row["contract"] + "H4" == t["instrument"]  # the example's March 2024 contracts
            assert row["contract_month"] == "2024-03"
            assert t["detail"]["ctd_id"] in row["price_reference"]
        elif t["kind"] == "cdx":
            assert row["instrument_type"] == "CDX" and row["quantity_unit"] == "NOTIONAL"
            assert (row["contract"], row["tenor"]) == ("CDX IG", "5y")
            assert row["maturity_date"] == "2028-12-29"  # analysis date + 5y, as priced
            spread_bp = float(row["price_reference"].split()[2])
            assert spread_bp == pytest.approx(t["detail"]["spread"] * 1e4, abs=0.005)
        else:
            assert row["instrument_type"] == "IRS" and row["quantity_unit"] == "NOTIONAL"
            index, tenor = t["instrument"].split()
            assert (row["contract"], row["tenor"]) == (index, tenor)
            assert row["start_date"] == plan["analysis_date"]
            years = int(tenor.removesuffix("y"))
            start = dt.date.fromisoformat(plan["analysis_date"])
            # 2023-12-29 is not a month end: the maturity keeps the day
            assert row["maturity_date"] == start.replace(year=start.year + years).isoformat()
            assert float(row["fixed_rate"]) == pytest.approx(t["detail"]["par_rate"], abs=1e-6)


def test_blotter_header_is_the_documented_spec(plan: dict[str, Any], tmp_path: Path) -> None:
    path = write_blotter(plan, tmp_path / "b.csv", account="ACC-1")
    with path.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == COLUMNS
    import hedge_planner.blotter as module

    for column in COLUMNS:  # every column is documented in the module's spec table
        assert f"``{column}``" in (module.__doc__ or ""), column
    assert {r["account"] for r in read_blotter(path)} == {"ACC-1"}
    # no thousands separators or scientific notation anywhere
    text = path.read_text(encoding="utf-8")
    assert "e+" not in text and "E+" not in text
    bad = tmp_path / "bad.csv"
    bad.write_text("instrument,qty\nTYH4,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.csv: row 1: .*missing"):
        read_blotter(bad)


def test_blotter_without_hedge_has_only_the_header(plan: dict[str, Any], tmp_path: Path) -> None:
    p = copy.deepcopy(plan)
    p["hedge"]["trades"] = []
    assert read_blotter(write_blotter(p, tmp_path / "b.csv")) == []


def test_output_kinds_are_parsed_with_located_errors() -> None:
    assert parse_outputs("html, xlsx,pdf,html,blotter") == ["html", "xlsx", "pdf", "blotter"]
    with pytest.raises(InputError, match="unknown report 'docx'"):
        parse_outputs("html,docx")
    with pytest.raises(InputError, match="no report named"):
        parse_outputs(" , ")


def test_plan_writes_the_chosen_outputs_as_one_set(tmp_path: Path) -> None:
    from hedge_planner.cli import app
    from hedge_planner.outputs import verify_output_set
    from typer.testing import CliRunner

    case = Path(__file__).resolve().parents[2] / "examples" / "core_plus" / "case.yaml"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["plan", str(case), "--out", str(out), "--output", "blotter,html", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["blotter.csv", "plan.json", "report.html"]
    assert verify_output_set(out) == []
    document = json.loads(result.stdout)
    assert set(document["outputs"]["files"]) == {"blotter.csv", "report.html"}
    rows = read_blotter(out / "blotter.csv")
    assert [r["plan_id"] for r in rows] == [document["provenance"]["run_id"]] * len(rows)
    assert len(rows) == len(document["hedge"]["trades"])
