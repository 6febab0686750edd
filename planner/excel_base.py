"""Shared pieces of the Excel report: number formats, sheet names and the table writer.

Layout: every sheet holds exactly one table, a real Excel table (filter buttons, banded style)
whose header is row 1, frozen, with the data from row 2. Numbers are written unrounded with
number formats: currency ``#,##0``, durations and KRDs ``0.0000``, bp ``0.0``, fractions
``0.00%``, convexity ``0.00``; ISO dates are written as Excel dates; booleans as ``Yes``/``No``.
Charts (native Excel charts) are anchored to the right of their sheet's table.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedge_planner.document import Plan
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

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

#: xlsxwriter options of the report's workbooks. Inf/NaN become Excel's #NUM!/#DIV/0! errors
#: rather than an unreadable file; the parts are assembled in memory, not in ~90 temporary
#: files (the example's workbook 58 -> 33 ms).
WORKBOOK_OPTIONS: dict[str, bool] = {"nan_inf_to_errors": True, "in_memory": True}

#: Cell styles (xlsxwriter format properties).
HEADER_STYLE: dict[str, Any] = {
    "bold": True,
    "font_color": "#FFFFFF",
    "bg_color": "#1F5A96",
    "bottom": 1,
    "bottom_color": "#B8C2CF",
    "text_wrap": True,
    "valign": "vcenter",
}
TOTAL_STYLE: dict[str, Any] = {"bold": True}
STATUS_FILL: dict[str, str] = {
    "pass": "#E3F4E8",
    "warn": "#FFF1D6",
    "warning": "#FFF1D6",
    "fail": "#FDE7E5",
    "error": "#FDE7E5",
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


@dataclass(frozen=True)
class Sheet:
    """A worksheet written by :meth:`Book.table` and the shape of its table."""

    book: Book
    ws: Worksheet
    name: str
    n_cols: int


@dataclass
class Book:
    """Writes one Excel table per worksheet, sheets in call order (xlsxwriter, streaming).

    Cells are written once, with their final format; formats are shared between cells with
    the same style (:meth:`style`), as Excel stores them.
    """

    wb: Workbook
    names: list[str] = field(default_factory=list)
    _styles: dict[tuple[tuple[str, Any], ...], Any] = field(default_factory=dict)

    def style(self, **props: Any) -> Any:
        """The shared cell format with these xlsxwriter properties (created once)."""
        key = tuple(sorted(props.items()))
        if key not in self._styles:
            self._styles[key] = self.wb.add_format(props)
        return self._styles[key]

    def _cell_format(self, fmt: str, fill: str | None, bold: bool) -> Any:
        """The format of a body cell (``None``: Excel's default), cached per combination."""
        key = (("fmt", fmt), ("fill", fill), ("bold", bold))
        if key not in self._styles:
            props: dict[str, Any] = {} if fmt == "General" else {"num_format": fmt}
            if fill is not None:
                props["bg_color"] = fill
            if bold:
                props.update(TOTAL_STYLE)
            self._styles[key] = self.wb.add_format(props) if props else None
        return self._styles[key]

    @staticmethod
    def _write(ws: Worksheet, r: int, c: int, value: Any, fmt: Any) -> None:
        """One cell, by type: text is always text (never a formula or a link)."""
        if value is None:
            if fmt is not None:
                ws.write_blank(r, c, None, fmt)
        elif isinstance(value, str):
            ws.write_string(r, c, value, fmt)
        elif isinstance(value, dt.date):
            ws.write_datetime(r, c, value, fmt)
        elif is_num(value):
            ws.write_number(r, c, value, fmt)
        else:
            ws.write_string(r, c, str(value), fmt)

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
    ) -> Sheet:
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
        Sheet
            The sheet written (charts may be added to it).
        """
        ws = self.wb.add_worksheet(sheet)
        self.names.append(sheet)
        kinds = list(kinds or [])
        widths = [min(len(text), 28) * 1.0 for text in headers]
        body = list(rows) or [[None] * len(headers)]
        last = len(body) - 1
        bold = total_last and bool(rows)
        for r, values in enumerate(body):
            for c, value in enumerate(values):
                kind = kinds[c] if c < len(kinds) else "auto"
                if row_kinds is not None and c + 1 in row_kind_cols and r < len(row_kinds):
                    kind = row_kinds[r]
                written, fmt = cell_value(value, kind)
                fill = STATUS_FILL.get(str(value).lower()) if c == status_col else None
                cell_fmt = self._cell_format(fmt, fill, bold and r == last)
                self._write(ws, r + 1, c, written, cell_fmt)
                widths[c] = max(widths[c], _measure(written, fmt))
        name = "t_" + re.sub(r"[^A-Za-z0-9_]", "_", sheet)
        header = self.style(**HEADER_STYLE)
        ws.add_table(
            0,
            0,
            len(body),
            len(headers) - 1,
            {
                "name": name,
                "style": "Table Style Light 9",
                "banded_rows": True,
                "autofilter": True,
                "columns": [{"header": h, "header_format": header} for h in headers],
            },
        )
        ws.freeze_panes(1, 0)
        for c, width in enumerate(widths):
            ws.set_column(c, c, min(max(width + 2, 8), 60))
        return Sheet(self, ws, sheet, len(headers))


def set_identifier(path: Path, identifier: str) -> None:
    """Record ``identifier`` as the workbook's Dublin Core identifier (document properties).

    xlsxwriter writes no ``dc:identifier``; the package's ``docProps/core.xml`` gains one, the
    other parts are copied unchanged (the file is rewritten through a temporary beside it).
    """
    core = "docProps/core.xml"
    tmp = path.with_name(path.name + ".id")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == core:
                tag = f"<dc:identifier>{_xml_text(identifier)}</dc:identifier>"
                data = data.replace(b"</cp:coreProperties>", tag.encode() + b"</cp:coreProperties>")
            dst.writestr(info, data)
    os.replace(tmp, path)


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


def _xml_text(text: str) -> str:
    """``text`` as XML character data (``&``, ``<``, ``>`` escaped; xml.sax's escape, without
    importing xml.sax, which pulls in urllib and ssl at start-up)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
