"""Native Excel charts of the workbook (openpyxl charts reading the sheet's own table)."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["add_bar_chart"]


def add_bar_chart(
    ws: Worksheet,
    *,
    title: str,
    y_title: str,
    series_cols: tuple[int, ...],
    n_rows: int,
    horizontal: bool = False,
    number_format: str = "0.00",
) -> BarChart | None:
    """A clustered bar chart of table columns ``series_cols`` (1-based) against column A.

    The series read the table's cells (rows 2 .. n_rows + 1, header row as series names), so the
    chart follows any edit in the workbook. Anchored two columns right of the table.

    Returns
    -------
    BarChart or None
        The chart added, ``None`` when the table has no data rows.
    """
    if n_rows <= 0:
        return None
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.y_axis.title = y_title
    chart.y_axis.numFmt = number_format
    chart.y_axis.majorGridlines = None
    # openpyxl hides axes unless told otherwise (delete=True by default in recent versions).
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    for col in series_cols:
        data = Reference(ws, min_col=col, min_row=1, max_row=n_rows + 1)
        chart.add_data(data, titles_from_data=True)
    cats = Reference(ws, min_col=1, min_row=2, max_row=n_rows + 1)
    chart.set_categories(cats)
    chart.width = 24
    chart.height = max(9.0, 0.55 * n_rows + 3) if horizontal else 10
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # first row at the top, as in the table
    anchor = f"{get_column_letter(ws.max_column + 2)}2"
    ws.add_chart(chart, anchor)
    return chart
