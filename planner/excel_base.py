"""Shared pieces of the Excel report: number formats, sheet names and the table writer.

Layout of every sheet: the first table's header is row 1 (frozen, with an auto-filter) and its
data start on row 2; further tables on the same sheet follow after one blank row, each with a
bold title row and its own header row. Numbers are written unrounded with number formats:
currency ``#,##0``, durations and KRDs ``0.0000``, bp ``0.0``, fractions ``0.00%``, convexity
``0.00``; ISO dates are written as Excel dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hedge_planner.document import Plan
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: Sheet names in workbook order.
SHEET_NAMES: tuple[str, ...] = (
    "Summary",
    "Exposure",
    "Sectors",
    "Hedge",
    "Constraints",
    "Scenarios",
    "Dashboard",
    "Actions",
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


@dataclass
class Sheet:
    """Writes stacked tables onto one worksheet and tracks column widths."""

    ws: Worksheet
    row: int = 1
    widths: dict[int, float] = field(default_factory=dict)
    tables: int = 0

    def _measure(self, col: int, value: Any, fmt: str) -> None:
        if value is None:
            return
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
        self.widths[col] = max(self.widths.get(col, 0.0), float(len(text)))

    def put(self, row: int, col: int, value: Any, kind: str = "auto") -> None:
        """Write one value with the number format of ``kind``."""
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
        cell = self.ws.cell(row=row, column=col, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # plan text is never a formula
        if fmt != "General":
            cell.number_format = fmt
        self._measure(col, value, fmt)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        kinds: Sequence[str] | None = None,
        *,
        title: str | None = None,
        total_last: bool = False,
        status_col: int | None = None,
    ) -> None:
        """Write a table; the first one on the sheet gets the frozen row-1 header.

        Parameters
        ----------
        headers : sequence of str
            Column headers (with units).
        rows : sequence of sequences
            Cell values.
        kinds : sequence of str, optional
            Value kind per column (key of :data:`FORMATS`); ``auto`` if missing.
        title : str, optional
            Title row written above later tables (ignored for the first table).
        total_last : bool, default False
            Bold the last row (a totals row).
        status_col : int, optional
            0-based column whose pass/warn/fail text colours the cell.
        """
        kinds = list(kinds or [])
        if self.tables:
            self.row += 1
            if title:
                cell = self.ws.cell(row=self.row, column=1, value=title)
                cell.font = TITLE_FONT
                self.row += 1
        header_row = self.row
        for c, text in enumerate(headers, start=1):
            cell = self.ws.cell(row=header_row, column=c, value=text)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.border = HEADER_BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            self.widths[c] = max(self.widths.get(c, 0.0), min(len(text), 28) * 1.0)
        self.row += 1
        for r in rows:
            for c, value in enumerate(r, start=1):
                kind = kinds[c - 1] if c - 1 < len(kinds) else "auto"
                self.put(self.row, c, value, kind)
                if status_col is not None and c - 1 == status_col:
                    fill = STATUS_FILL.get(str(value).lower())
                    if fill is not None:
                        self.ws.cell(row=self.row, column=c).fill = fill
            self.row += 1
        if total_last and rows:
            for c in range(1, len(headers) + 1):
                self.ws.cell(row=self.row - 1, column=c).font = TOTAL_FONT
        if not self.tables:
            self.ws.freeze_panes = self.ws.cell(row=header_row + 1, column=1)
            last = get_column_letter(len(headers))
            self.ws.auto_filter.ref = f"A{header_row}:{last}{max(self.row - 1, header_row)}"
        self.tables += 1

    def finish(self) -> None:
        """Set column widths from the widest value (clamped to 8..60 characters)."""
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)


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
