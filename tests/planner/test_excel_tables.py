"""Excel workbook: one Excel table per sheet, Yes/No flags, native charts on the table data."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hedge_planner.report_excel import SHEET_NAMES, write_excel
from openpyxl import load_workbook

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "plan_sample.json"


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def xlsx(plan: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_excel(plan, tmp_path_factory.mktemp("xl") / "report.xlsx")


def test_every_sheet_holds_exactly_one_table_and_no_true_false(xlsx: Path) -> None:
    wb = load_workbook(xlsx)
    assert wb.sheetnames == list(SHEET_NAMES)
    names = set()
    for ws in wb:
        assert len(ws.tables) == 1, ws.title
        (table,) = ws.tables.values()
        names.add(table.displayName)
        assert table.tableStyleInfo is not None and table.tableStyleInfo.showRowStripes
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, bool) for v in row), ws.title
    assert len(names) == len(SHEET_NAMES)  # table names are unique in a workbook
    # the package written holds one table part per sheet (what Excel itself reads)
    with zipfile.ZipFile(xlsx) as zf:
        parts = [n for n in zf.namelist() if n.startswith("xl/tables/table")]
    assert len(parts) == len(SHEET_NAMES)


def _refs(chart: Any) -> list[str]:
    return [s.val.numRef.f for s in chart.series]


def test_native_charts_read_the_krd_and_scenario_tables(plan: dict[str, Any], xlsx: Path) -> None:
    wb = load_workbook(xlsx)
    (krd,) = wb["Exposure"]._charts
    n = len(plan["key_tenors"])
    # portfolio, benchmark and post-hedge KRD columns (B, C, E) of the Exposure table
    assert _refs(krd) == [
        f"'Exposure'!$B$2:$B${n + 1}",
        f"'Exposure'!$C$2:$C${n + 1}",
        f"'Exposure'!$E$2:$E${n + 1}",
    ]
    # Tenor labels are text, so the categories are a string reference (strRef, as the OOXML
    # chart schema has it for text; openpyxl used to write a numeric one) to column A.
    assert krd.series[0].cat.strRef.f == f"'Exposure'!$A$2:$A${n + 1}"
    (pnl,) = wb["Scenarios"]._charts
    m = len(plan["scenarios"]["rows"])
    # unhedged and hedged P&L (C and E) of the Scenarios table, one bar per scenario
    assert _refs(pnl) == [f"'Scenarios'!$C$2:$C${m + 1}", f"'Scenarios'!$E$2:$E${m + 1}"]
    assert pnl.type == "bar"
    for ws in wb:
        if ws.title not in ("Exposure", "Scenarios"):
            assert ws._charts == [], ws.title


def test_flags_read_yes_and_no(plan: dict[str, Any], xlsx: Path, tmp_path: Path) -> None:
    wb = load_workbook(xlsx)
    rolls = wb["Rolls"]
    flags = [r[4] for r in rolls.iter_rows(min_row=2, values_only=True)]
    expected = ["Yes" if r["before_horizon"] else "No" for r in plan["actions"]["roll_dates"]]
    assert flags == expected
    # no benchmark: the KRD chart draws the book before and after only
    p = copy.deepcopy(plan)
    p["exposure"]["benchmark"] = None
    ws = load_workbook(write_excel(p, tmp_path / "nb.xlsx"))["Exposure"]
    (chart,) = ws._charts
    n = len(plan["key_tenors"])
    assert _refs(chart) == [f"'Exposure'!$B$2:$B${n + 1}", f"'Exposure'!$E$2:$E${n + 1}"]
