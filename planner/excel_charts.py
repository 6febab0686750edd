"""Native Excel charts of the workbook (bar charts reading the sheet's own table)."""

from __future__ import annotations

from typing import Any

from hedge_planner.excel_base import Sheet
from xlsxwriter.utility import xl_col_to_name

__all__ = ["add_bar_chart"]


def _ref(sheet: str, col: int, first: int, last: int | None = None) -> str:
    """An absolute reference to rows ``first``..``last`` (1-based; one cell without ``last``)
    of 1-based column ``col``, the sheet name quoted."""
    letter = xl_col_to_name(col - 1)
    quoted = "'" + sheet.replace("'", "''") + "'"
    cells = f"${letter}${first}" + ("" if last is None else f":${letter}${last}")
    return f"={quoted}!{cells}"


def add_bar_chart(
    sheet: Sheet,
    *,
    title: str,
    y_title: str,
    series_cols: tuple[int, ...],
    n_rows: int,
    horizontal: bool = False,
    number_format: str = "0.00",
) -> Any | None:
    """A clustered bar chart of table columns ``series_cols`` (1-based) against column A.

    The series read the table's cells (rows 2 .. n_rows + 1, header row as series names), so the
    chart follows any edit in the workbook. Anchored two columns right of the table.

    Returns
    -------
    xlsxwriter Chart or None
        The chart added, ``None`` when the table has no data rows.
    """
    if n_rows <= 0:
        return None
    chart = sheet.book.wb.add_chart({"type": "bar" if horizontal else "column"})
    for col in series_cols:
        chart.add_series(
            {
                "name": _ref(sheet.name, col, 1),
                "categories": _ref(sheet.name, 1, 2, n_rows + 1),
                "values": _ref(sheet.name, col, 2, n_rows + 1),
            }
        )
    chart.set_title({"name": title})
    # A bar chart's value axis is horizontal: xlsxwriter calls it the x axis there.
    value_axis = {
        "name": y_title,
        "num_format": number_format,
        "major_gridlines": {"visible": False},
    }
    category_axis: dict[str, Any] = {"reverse": True} if horizontal else {}  # first row on top
    if horizontal:
        chart.set_x_axis(value_axis)
        chart.set_y_axis(category_axis)
    else:
        chart.set_y_axis(value_axis)
    chart.set_legend({"position": "right"})
    # 24 x 10 cm (openpyxl's units before), horizontal charts growing with the rows.
    height_cm = max(9.0, 0.55 * n_rows + 3) if horizontal else 10.0
    chart.set_size({"width": round(24 / 2.54 * 96), "height": round(height_cm / 2.54 * 96)})
    sheet.ws.insert_chart(1, sheet.n_cols + 1, chart)
    return chart
