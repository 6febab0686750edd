"""Shared pieces of the Excel report: number formats, sheet names and the table writer.

Layout: every sheet holds exactly one table, a real Excel table (filter buttons, banded style)
whose header is row 1, frozen, with the data from row 2. Numbers are written unrounded with
number formats: currency ``#,##0``, durations and KRDs ``0.0000``, bp ``0.0``, fractions
``0.00%``, convexity ``0.00``; ISO dates are written as Excel dates; booleans as ``Yes``/``No``.
Charts (native Excel charts) are anchored to the right of their sheet's table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hedge_planner.document import Plan
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

#: Sheet names in workbook order (one table each; see :mod:`hedge_planner.report_excel`).
SHEET_NAMES: tuple[str, ...] = (
    "Summary",
    "Checks",
    "Exposure",
    "Figures",
    "Mismatches",
    "Sector gaps",
    "Methodology",
    "Sectors",
    "Hedge",
    "Hedge risk",
    "Baseline",
    "Baseline diff",
    "Hedged exposure",
    "Solver",
    "Infeasibility",
    "Constraints",
    "Scenarios",
    "Breakevens",
    "Dashboard",
    "Actions",
    "Triggers",
    "Rolls",
    "Maturities",
    "Paydowns",
    "Events",
    "Warnings",
)

#: Number format by value kind.
FORMATS: dict[str, str] = {
    "money": "#,##0",
    "years": "0.0000",
    "bp": "0.0",
    "pct": "0.00%",
    "rate": "0.000%",
    "int": "#,##0",
    "convexity": "0.00",
    "date": "yyyy-mm-dd",
    "auto": "General",
    "text": "@",
}

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F5A96")
TITLE_FONT = Font(bold=True, size=12, color="1F5A96")
TOTAL_FONT = Font(bold=True)
THIN = Side(style="thin", color="B8C2CF")
HEADER_BORDER = Border(bottom=THIN)
STATUS_FILL = {
    "pass": PatternFill("solid", fgColor="E3F4E8"),
    "warn": PatternFill("solid", fgColor="FFF1D6"),
    "warning": PatternFill("solid", fgColor="FFF1D6"),
    "fail": PatternFill("solid", fgColor="FDE7E5"),
    "error": PatternFill("solid", fgColor="FDE7E5"),
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def auto_format(value: Any) -> str:
    """Format for numbers whose unit is not known in advance (e.g. constraint limits)."""
    if not is_num(value):
        return FORMATS["auto"]
    if isinstance(value, int) or abs(value) >= 1000:
        return "#,##0"
    return "#,##0.0000"


def _measure(value: Any, fmt: str) -> float:
    """Display width of a value in characters (for the column width)."""
    if value is None:
        return 0.0
    if is_num(value):
        if fmt == FORMATS["pct"]:
            text = f"{100 * value:,.2f}%"
        elif fmt in (FORMATS["years"], "#,##0.0000"):
            text = f"{value:,.4f}"
        else:
            text = f"{value:,.1f}"
    elif isinstance(value, dt.date):
        text = "0000-00-00"
    else:
        text = str(value)
    return float(len(text))


def cell_value(value: Any, kind: str) -> tuple[Any, str]:
    """The value as written to a cell and its number format (``General`` when none)."""
    if isinstance(value, bool):
        return ("Yes" if value else "No"), "General"
    if kind in ("auto", "date") and isinstance(value, str) and ISO_DATE.match(value):
        value = dt.date.fromisoformat(value)
        kind = "date"
    if kind == "auto":
        fmt = auto_format(value)
    elif is_num(value) or isinstance(value, dt.date):
        fmt = FORMATS.get(kind, "General")
    else:
        fmt = "General"
    if isinstance(value, Mapping):
        value = "; ".join(f"{k}: {v}" for k, v in value.items())
    elif isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return value, fmt


@dataclass
class Book:
    """Writes one Excel table per worksheet, sheets in call order."""

    wb: Workbook
    names: list[str] = field(default_factory=list)

    def table(
        self,
        sheet: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        kinds: Sequence[str] | None = None,
        *,
        row_kinds: Sequence[str] | None = None,
        row_kind_cols: Sequence[int] = (2,),
        total_last: bool = False,
        status_col: int | None = None,
    ) -> Worksheet:
        """Write a sheet holding one table.

        Parameters
        ----------
        sheet : str
            Sheet name (also names the Excel table).
        headers : sequence of str
            Column headers with units; must be distinct (Excel table columns).
        rows : sequence of sequences
            Cell values; an empty table gets one blank row (Excel tables need a data row).
        kinds : sequence of str, optional
            Value kind per column (key of :data:`FORMATS`); ``auto`` if missing.
        row_kinds : sequence of str, optional
            Value kind per row, for the 1-based columns ``row_kind_cols`` (figure/value tables
            whose rows carry different units).
        total_last : bool, default False
            Bold the last row (a totals row).
        status_col : int, optional
            0-based column whose pass/warn/fail text colours the cell.

        Returns
        -------
        Worksheet
            The sheet written (charts may be added to it).
        """
        ws = self.wb.create_sheet(title=sheet)
        self.names.append(sheet)
        kinds = list(kinds or [])
        widths: dict[int, float] = {}
        for c, text in enumerate(headers, start=1):
            cell = ws.cell(row=1, column=c, value=text)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.border = HEADER_BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            widths[c] = min(len(text), 28) * 1.0
        body = list(rows) or [[None] * len(headers)]
        for r, values in enumerate(body, start=2):
            for c, value in enumerate(values, start=1):
                kind = kinds[c - 1] if c - 1 < len(kinds) else "auto"
                if row_kinds is not None and c in row_kind_cols and r - 2 < len(row_kinds):
                    kind = row_kinds[r - 2]
                written, fmt = cell_value(value, kind)
                cell = ws.cell(row=r, column=c, value=written)
                if isinstance(written, str) and written.startswith("="):
                    cell.data_type = "s"  # plan text is never a formula
                if fmt != "General":
                    cell.number_format = fmt
                widths[c] = max(widths.get(c, 0.0), _measure(written, fmt))
                if status_col is not None and c - 1 == status_col:
                    fill = STATUS_FILL.get(str(value).lower())
                    if fill is not None:
                        cell.fill = fill
        last_row = len(body) + 1
        if total_last and rows:
            for c in range(1, len(headers) + 1):
                ws.cell(row=last_row, column=c).font = TOTAL_FONT
        ref = f"A1:{get_column_letter(len(headers))}{last_row}"
        name = "t_" + re.sub(r"[^A-Za-z0-9_]", "_", sheet)
        table = Table(displayName=name, ref=ref, autoFilter=AutoFilter(ref=ref))
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
        ws.freeze_panes = "A2"
        for col, width in widths.items():
            ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
        return ws


ACRONYMS = {"dv01": "DV01", "ctd": "CTD", "krd": "KRD", "oas": "OAS", "bp": "bp", "id": "ID"}


def humanise(key: str) -> str:
    words = [ACRONYMS.get(w.lower(), w) for w in key.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------------------------
# sheets
# --------------------------------------------------------------------------------------------


def methods(plan: Plan) -> dict[str, str]:
    """Methodology label of every figure: the plan's own, defaults where it gives none."""
    merged = {
        "effective_duration": "effective (curve-based)",
        "modified_duration": "modified (yield-based)",
        "benchmark_duration": "supplied (benchmark profile)",
    }
    merged.update(plan.exposure.methodology)
    return merged
